"""JSON API of household economic-status verification, mounted at /api/v1/verification.

Start a run (202, follow it at GET /runs/{id}), read its findings, record staff decisions on a
finding, conclude an application's verification, read or print an application's verification
report, and import departmental data. Findings, runs and reports outside the user's regions read
as 404; every read of findings or of a report is audited. ID numbers are always masked."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from minzheng.accounts.models import actor_name
from minzheng.cases.models import Case
from minzheng.cases.selectors import cases_for
from minzheng.core.apitypes import Date, Id, choice
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.regions.services import resolve_code

from . import pdf, rules, selectors, services
from .department_auth import department_auth
from .exchange import run_exchange_state
from .models import Finding, Run, SourceBatch
from .sources import SOURCES

router = Router(tags=["verification"])


class VerificationRunIn(Schema):
    kind: choice(Run.Kind.values) = Field(
        description="application（单个申请，需 case_id）、applications（区域内待核对申请）、"
        "recheck（区域内在册对象定期复核）或 households（指定家庭）"
    )
    case_id: Id | None = None
    region_code: str = Field(
        default="", description="区划代码；kind 为 applications、recheck、households 时必填"
    )
    household_ids: list[Id] = Field(default_factory=list)
    engine: choice(Run.Engine.values) = Field(default="duckdb", description="duckdb 或 spark")
    as_of: Date | None = Field(default=None, description="核对基准日，默认今天")
    exchange: bool = Field(
        default=False,
        description="向各部门发送核对请求，待各部门回复（或经办人确认不再等待）后再比对",
    )


class StatusIn(Schema):
    status: choice(["explained", "confirmed"]) = Field(
        description="explained（已说明情况）或 confirmed（已确认属实）"
    )
    note: str = Field(max_length=4000)


class ConcludeIn(Schema):
    on: Date | None = None


class FindingFilter(Schema):
    status: str = ""
    rule: str = ""
    case_id: Id | None = None
    household_id: Id | None = None


class PageFilter(Schema):
    status: str = ""
    rule: str = ""


class RunOut(Schema):
    id: int
    reference: str
    kind: str
    kind_label: str
    region: dict
    case: dict | None
    engine: str
    as_of: dt.date
    status: str
    status_label: str
    job: dict | None
    households: int
    members: int
    findings_total: int
    findings_new: int
    by_status: dict
    skipped: dict
    missing_sources: list[str]
    coverage: dict
    exchange: str = Field(
        description="部门回复情况：空（未向部门发送请求）、awaiting、overdue 或 answered"
    )
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class FindingOut(Schema):
    id: int
    rule: str
    title: str
    severity: str
    severity_label: str
    status: str
    status_label: str
    message: str
    evidence: dict
    household: dict
    person: dict
    case: dict | None
    region: dict
    batch: dict
    row: int
    first_run: int
    last_run: int
    note: str
    status_by: str
    status_at: dt.datetime | None


class FindingDetailOut(FindingOut):
    source_row: dict | None


class BatchOut(Schema):
    id: int
    source: str
    source_label: str
    provider: str
    as_of: dt.date
    status: str
    status_label: str
    original_name: str
    rows_total: int
    rows_imported: int
    rows_rejected: int
    errors: list[dict]
    warnings: list[str]
    imported_at: dt.datetime | None


def run_out(run: Run) -> dict:
    job = run.job
    return {
        "id": run.pk,
        "reference": run.reference,
        "kind": run.kind,
        "kind_label": run.get_kind_display(),
        "region": {"code": run.region.code, "name": run.region.name},
        "case": {"id": run.case_id, "number": run.case.number} if run.case_id else None,
        "engine": run.engine,
        "as_of": run.as_of,
        "status": run.status,
        "status_label": run.get_status_display(),
        "job": {
            "id": str(job.pk),
            "status": job.status,
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "message": job.message,
        }
        if job
        else None,
        "households": run.households,
        "members": run.members,
        "findings_total": run.findings_total,
        "findings_new": run.findings_new,
        "by_status": selectors.run_summary(run),
        "skipped": {reason: len(items) for reason, items in (run.skipped or {}).items()},
        "missing_sources": run.missing_sources,
        "coverage": run.coverage or {},
        "exchange": run_exchange_state(run),
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


def finding_out(finding: Finding) -> dict:
    batch = finding.batch
    return {
        "id": finding.pk,
        "rule": finding.rule,
        "title": rules.title(finding.rule),
        "severity": finding.severity,
        "severity_label": finding.get_severity_display(),
        "status": finding.status,
        "status_label": finding.get_status_display(),
        "message": rules.describe(finding.rule, finding.evidence),
        "evidence": finding.evidence,
        "household": {"id": finding.household_id, "number": finding.household.number},
        "person": {
            "id": finding.person_id,
            "name": finding.person.name,
            "id_number_masked": finding.person.id_masked,
        },
        "case": {"id": finding.case_id, "number": finding.case.number} if finding.case_id else None,
        "region": {"code": finding.region.code, "name": finding.region.name},
        "batch": {
            "id": batch.pk,
            "source": batch.source,
            "source_label": batch.get_source_display(),
            "as_of": batch.as_of,
            "provider": batch.provider,
        },
        "row": finding.row,
        "first_run": finding.first_run_id,
        "last_run": finding.last_run_id,
        "note": finding.note,
        "status_by": actor_name(finding.status_by),
        "status_at": finding.status_at,
    }


def _page(request, qs, scope: str) -> Listing:
    # Every read of findings is audited with the number of rows shown.
    return Listing(
        qs,
        finding_out,
        on_page=lambda rows: services.record_findings_view(
            user=request.user, scope=scope, count=len(rows)
        ),
    )


def _case(request, case_id: Id) -> Case:
    case = cases_for(request.user).filter(pk=case_id).first()
    if case is None:
        raise NotFoundOrOutOfScope()
    return case


def _region(code: str):
    if not code:
        return None
    region = resolve_code(code)
    if region is None:
        raise ServiceError({"region_code": [_("区划代码不存在")]})
    return region


@router.post("/runs", response={202: RunOut})
def start_run(request, payload: VerificationRunIn):
    case = _case(request, payload.case_id) if payload.case_id else None
    run = services.start_run(
        user=request.user,
        kind=payload.kind,
        region=_region(payload.region_code),
        case=case,
        household_ids=payload.household_ids,
        engine=payload.engine,
        as_of=payload.as_of,
        exchange=payload.exchange,
    )
    return Status(202, run_out(selectors.get_run(request.user, run.pk)))


@router.get("/runs", response=list[RunOut])
@paginated(max_limit=200)
def list_runs(request):
    return Listing(selectors.runs_for(request.user).order_by("-pk"), run_out)


@router.get("/runs/{int:run_id}", response=RunOut)
def get_run(request, run_id: Id):
    return run_out(selectors.get_run(request.user, run_id))


@router.get("/runs/{int:run_id}/findings", response=list[FindingOut])
@paginated()
def run_findings(request, run_id: Id, filters: Query[PageFilter]):
    run = selectors.get_run(request.user, run_id)
    qs = selectors.search_findings(
        request.user, status=filters.status, rule=filters.rule, run_id=run.pk
    )
    return _page(request, qs, f"run:{run.reference}")


@router.get("/findings", response=list[FindingOut])
@paginated()
def list_findings(request, filters: Query[FindingFilter]):
    qs = selectors.search_findings(
        request.user,
        status=filters.status,
        rule=filters.rule,
        case_id=filters.case_id,
        household_id=filters.household_id,
    )
    return _page(request, qs, "findings")


@router.get("/findings/{int:finding_id}", response=FindingDetailOut)
def get_finding(request, finding_id: Id):
    finding = selectors.get_finding(request.user, finding_id)
    services.record_findings_view(user=request.user, scope=f"finding:{finding.pk}", count=1)
    return finding_out(finding) | {"source_row": selectors.source_row(finding.batch, finding.row)}


@router.post("/findings/{int:finding_id}/status", response=FindingOut)
def set_status(request, finding_id: Id, payload: StatusIn):
    finding = services.set_finding_status(
        user=request.user,
        finding=selectors.get_finding(request.user, finding_id),
        status=payload.status,
        note=payload.note,
    )
    return finding_out(selectors.get_finding(request.user, finding.pk))


@router.get("/cases/{int:case_id}/report")
def case_report(request, case_id: Id):
    case = _case(request, case_id)
    report = selectors.case_report(request.user, case)
    services.record_report_view(user=request.user, case=case, fmt="json")
    return selectors.report_json(report)


@router.get("/cases/{int:case_id}/report.pdf", response={200: None})
def case_report_pdf(request, case_id: Id):
    case = _case(request, case_id)
    report = selectors.case_report(request.user, case)
    services.record_report_view(user=request.user, case=case, fmt="pdf")
    response = HttpResponse(pdf.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="verification-{case.number}.pdf"'
    return response


@router.post("/cases/{int:case_id}/conclude")
def conclude(request, case_id: Id, payload: ConcludeIn):
    case = services.conclude_case(user=request.user, case=_case(request, case_id), on=payload.on)
    return {"case_id": case.pk, "state": case.state, "state_label": case.get_state_display()}


@router.get("/sources")
def list_sources(request):
    return [
        {
            "code": s.code,
            "label": str(s.label),
            "department": str(s.department),
            "description": str(s.description),
            "columns": [
                {
                    "name": c.name,
                    "label": str(c.label),
                    "kind": c.kind,
                    "required": c.required,
                    "choices": {k: str(v) for k, v in (c.choices or {}).items()},
                }
                for c in s.columns
            ],
        }
        for s in SOURCES
    ]


@router.get("/rules")
def list_rules(request):
    return [
        {
            "code": r.code,
            "title": str(r.title),
            "severity": r.severity,
            "sources": list(r.sources),
            "parameters": list(r.params),
            "basis": str(r.basis),
        }
        for r in rules.RULES
    ]


def batch_out(batch: SourceBatch) -> dict:
    return {
        "id": batch.pk,
        "source": batch.source,
        "source_label": batch.get_source_display(),
        "provider": batch.provider,
        "as_of": batch.as_of,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "original_name": batch.original_name,
        "rows_total": batch.rows_total,
        "rows_imported": batch.rows_imported,
        "rows_rejected": batch.rows_rejected,
        "errors": batch.errors,
        "warnings": batch.warnings,
        "imported_at": batch.imported_at,
    }


@router.get("/batches", response=list[BatchOut])
@paginated(default=100)
def list_batches(request, source: str = ""):
    qs = selectors.batches_for(request.user).order_by("-pk")
    if source:
        qs = qs.filter(source=source)
    return Listing(qs, batch_out)


@router.get("/batches/{int:batch_id}", response=BatchOut)
def get_batch(request, batch_id: Id):
    batch = selectors.batches_for(request.user).filter(pk=batch_id).first()
    if batch is None:
        raise NotFoundOrOutOfScope()
    return batch_out(batch)


@router.post("/batches", response={202: dict})
def import_batch(
    request,
    source: Form[str],
    as_of: Form[Date],
    file: File[UploadedFile],
    provider: Form[str] = "",
    mode: Form[str] = SourceBatch.Mode.GOOD_ROWS,
):
    job = services.start_import(
        user=request.user,
        source=source,
        uploaded=file,
        original_name=file.name or "upload",
        as_of=as_of,
        provider=provider,
        mode=mode,
    )
    return Status(202, {"job_id": str(job.pk), "status": job.status})


# --------------------------------------------------------------------------------------------
# Departmental exchange: the verification centre's side


class RequestOut(Schema):
    id: int
    reference: str
    run: dict
    source: str
    source_label: str
    department: str
    adapter: str
    adapter_label: str
    status: str
    status_label: str
    state: str = Field(
        description="awaiting（待回复）、overdue（超期未回复）、on_time（已按期回复）、"
        "late（已回复，超期）或 no_reply（未回复，经办人确认不再等待）"
    )
    state_label: str
    households: int
    members: int
    sent_on: dt.date
    due_on: dt.date
    sends: int
    answered_on: dt.date | None
    answered_via: str
    batch: dict | None
    note: str
    last_error: str
    job: dict | None


class NoReplyIn(Schema):
    note: str = Field(max_length=4000, description="未回复的情况（如联系部门的经过）")


class RequestFilter(Schema):
    state: choice(["", "awaiting", "overdue", "answered", "no_reply"]) = Field(
        default="", description="awaiting、overdue、answered、no_reply，空为全部"
    )
    source: str = ""


class ReplyJobAccepted(Schema):
    job_id: str
    status: str


class AdapterIn(Schema):
    kind: choice(["file", "pull", "push"]) = Field(
        description="file（文件交换）、pull（平台调用部门接口）或 push（部门调用本平台接口）"
    )
    url: str = Field(default="", max_length=300, description="kind 为 pull 时的部门接口地址")
    token: str = Field(
        default="", max_length=500, description="调用部门接口使用的令牌；留空则保留原令牌"
    )
    timeout: int = Field(default=30, ge=1, le=600, description="超时（秒）")


class AdapterOut(Schema):
    source: str
    source_label: str
    department: str
    kind: str
    kind_label: str
    url: str
    has_token: bool
    timeout: int


class DepartmentTokenIn(Schema):
    source: str = Field(description="数据来源代码")
    name: str = Field(max_length=100, description="令牌名称，如使用该令牌的部门系统")


class DepartmentTokenOut(Schema):
    id: int
    source: str
    source_label: str
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class DepartmentTokenIssued(DepartmentTokenOut):
    secret: str = Field(description="令牌（仅此一次显示，平台只保存其摘要）")


def request_out(request) -> dict:
    from .adapters import get as adapter_of
    from .exchange import state_label, state_of
    from .sources import SOURCE_BY_CODE

    state = state_of(request)
    source = SOURCE_BY_CODE.get(request.source)
    batch, job = request.batch, request.job
    return {
        "id": request.pk,
        "reference": request.reference,
        "run": {"id": request.run_id, "reference": request.run.reference},
        "source": request.source,
        "source_label": str(source.label) if source else request.source,
        "department": str(source.department) if source else "",
        "adapter": request.adapter,
        "adapter_label": str(adapter_of(request.adapter).label),
        "status": request.status,
        "status_label": request.get_status_display(),
        "state": state,
        "state_label": state_label(state),
        "households": request.households,
        "members": request.members,
        "sent_on": request.sent_on,
        "due_on": request.due_on,
        "sends": request.sends,
        "answered_on": request.answered_on,
        "answered_via": request.answered_via,
        "batch": {
            "id": batch.pk,
            "status": batch.status,
            "rows_total": batch.rows_total,
            "rows_imported": batch.rows_imported,
            "rows_rejected": batch.rows_rejected,
        }
        if batch
        else None,
        "note": request.note,
        "last_error": request.last_error,
        "job": {"id": str(job.pk), "status": job.status, "message": job.message} if job else None,
    }


def _exchange_reader(request) -> None:
    from minzheng.accounts.models import Role
    from minzheng.core.errors import PermissionDeniedError

    user = request.user
    if not (user.is_superuser or user.role in (Role.VERIFICATION_CENTRE, Role.ADMIN)):
        raise PermissionDeniedError(_("只有核对中心或系统管理员可以查看部门数据交换"))


def _filter_state(qs, state: str):
    from minzheng.cases import clock

    from .models import DepartmentRequest

    today = clock.today()
    awaiting = DepartmentRequest.Status.AWAITING
    if state == "awaiting":
        return qs.filter(status=awaiting, due_on__gte=today)
    if state == "overdue":
        return qs.filter(status=awaiting, due_on__lt=today)
    if state in ("answered", "no_reply"):
        return qs.filter(status=state)
    return qs


@router.get("/runs/{int:run_id}/requests", response=list[RequestOut])
def run_requests(request, run_id: Id):
    run = selectors.get_run(request.user, run_id)
    return [request_out(r) for r in selectors.requests_for(request.user).filter(run=run)]


@router.get("/requests", response=list[RequestOut])
@paginated(default=100)
def list_requests(request, filters: Query[RequestFilter]):
    qs = _filter_state(selectors.requests_for(request.user), filters.state)
    if filters.source:
        qs = qs.filter(source=filters.source)
    return Listing(qs.order_by("due_on", "pk"), request_out)


@router.get("/requests/{int:request_id}", response=RequestOut)
def get_request(request, request_id: Id):
    return request_out(selectors.get_request(request.user, request_id))


@router.get("/requests/{int:request_id}/people.xlsx", response={200: None})
def request_people_file(request, request_id: Id):
    from . import exchange

    _exchange_reader(request)
    row = selectors.get_request(request.user, request_id)
    people = exchange.request_people(row.run)
    data = exchange.request_file(row, people)
    exchange.record_people_read(
        request=row, count=len(exchange.rows_for(row.source, people)), channel="xlsx"
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{row.reference}.xlsx"'
    return response


@router.post("/requests/{int:request_id}/send", response=RequestOut)
def send_request(request, request_id: Id):
    from . import exchange

    row, _job = exchange.send(
        user=request.user, request=selectors.get_request(request.user, request_id)
    )
    return request_out(selectors.get_request(request.user, row.pk))


@router.post("/requests/{int:request_id}/reply-file", response={202: ReplyJobAccepted})
def upload_reply(request, request_id: Id, file: File[UploadedFile]):
    from . import exchange

    job = exchange.start_reply_upload(
        user=request.user,
        request=selectors.get_request(request.user, request_id),
        uploaded=file,
        original_name=file.name or "reply.csv",
    )
    return Status(202, {"job_id": str(job.pk), "status": job.status})


@router.post("/requests/{int:request_id}/no-reply", response=RequestOut)
def mark_no_reply(request, request_id: Id, payload: NoReplyIn):
    from . import exchange

    row = exchange.mark_no_reply(
        user=request.user,
        request=selectors.get_request(request.user, request_id),
        note=payload.note,
    )
    return request_out(selectors.get_request(request.user, row.pk))


def adapter_out(source, adapter) -> dict:
    from .adapters import get as adapter_of

    kind = adapter.kind if adapter else "file"
    return {
        "source": source.code,
        "source_label": str(source.label),
        "department": str(source.department),
        "kind": kind,
        "kind_label": str(adapter_of(kind).label),
        "url": adapter.url if adapter else "",
        "has_token": bool(adapter and adapter.token_cipher),
        "timeout": adapter.timeout if adapter else 30,
    }


@router.get("/adapters", response=list[AdapterOut])
def list_adapters(request):
    from .models import SourceAdapter
    from .sources import DEPARTMENT_SOURCES

    _exchange_reader(request)
    configured = {a.source: a for a in SourceAdapter.objects.all()}
    return [adapter_out(s, configured.get(s.code)) for s in DEPARTMENT_SOURCES]


@router.put("/adapters/{source}", response=AdapterOut)
def configure_adapter(request, source: str, payload: AdapterIn):
    from . import exchange
    from .sources import SOURCE_BY_CODE

    adapter = exchange.configure_adapter(
        user=request.user,
        source=source,
        kind=payload.kind,
        url=payload.url,
        token=payload.token,
        timeout=payload.timeout,
    )
    return adapter_out(SOURCE_BY_CODE[source], adapter)


def token_out(token) -> dict:
    return {
        "id": token.pk,
        "source": token.source,
        "source_label": token.get_source_display(),
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def _token_admin(request) -> None:
    from minzheng.accounts.models import Role
    from minzheng.core.errors import PermissionDeniedError

    if not (request.user.is_superuser or request.user.role == Role.ADMIN):
        raise PermissionDeniedError(_("只有系统管理员可以管理部门接口令牌"))


@router.get("/department-tokens", response=list[DepartmentTokenOut])
def list_tokens(request):
    from .models import DepartmentToken

    _token_admin(request)
    return [token_out(t) for t in DepartmentToken.objects.all()]


@router.post("/department-tokens", response={201: DepartmentTokenIssued})
def issue_token(request, payload: DepartmentTokenIn):
    from . import exchange

    token, secret = exchange.issue_token(
        user=request.user, source=payload.source, name=payload.name
    )
    return Status(201, token_out(token) | {"secret": secret})


@router.post("/department-tokens/{int:token_id}/revoke", response=DepartmentTokenOut)
def revoke_token(request, token_id: Id):
    from . import exchange
    from .models import DepartmentToken

    _token_admin(request)
    token = DepartmentToken.objects.filter(pk=token_id).first()
    if token is None:
        raise NotFoundOrOutOfScope()
    return token_out(exchange.revoke_token(user=request.user, token=token))


# --------------------------------------------------------------------------------------------
# Departmental exchange: the department's side (its own credential, its own source only)


class DepartmentRequestOut(Schema):
    id: int
    reference: str
    source: str
    status: str
    sent_on: dt.date
    due_on: dt.date
    members: int


class PeopleOut(Schema):
    request: DepartmentRequestOut
    columns: list[str]
    people: list[dict]


class ReplyIn(Schema):
    request_id: Id
    as_of: Date | None = Field(default=None, description="数据截止日期，默认今天")
    rows: list[dict] = Field(
        description="回复记录，每条一个对象，键为字段代码或中文表头（见 GET /sources）；"
        "查无记录时为空数组"
    )


class ReplyOut(Schema):
    request: DepartmentRequestOut
    state: str
    batch_id: int
    rows_imported: int


def department_request_out(row) -> dict:
    return {
        "id": row.pk,
        "reference": row.reference,
        "source": row.source,
        "status": row.status,
        "sent_on": row.sent_on,
        "due_on": row.due_on,
        "members": row.members,
    }


def _department_request(token, request_id: int):
    row = selectors.department_requests(token).filter(pk=request_id).first()
    if row is None:
        raise NotFoundOrOutOfScope()  # another department's request does not exist for this one
    return row


@router.get("/department/requests", response=list[DepartmentRequestOut], auth=department_auth)
def department_list(request, status: choice(["awaiting", "answered", "no_reply", ""]) = "awaiting"):
    qs = selectors.department_requests(request.auth)
    if status:
        qs = qs.filter(status=status)
    return [department_request_out(r) for r in qs.order_by("due_on", "pk")[:500]]


@router.get(
    "/department/requests/{int:request_id}/people", response=PeopleOut, auth=department_auth
)
def department_people(request, request_id: Id):
    from . import exchange

    row = _department_request(request.auth, request_id)
    rows = exchange.rows_for(row.source, exchange.request_people(row.run))
    exchange.record_people_read(request=row, count=len(rows), channel="api")
    return {
        "request": department_request_out(row),
        "columns": list(exchange.columns_for(row.source)),
        "people": rows,
    }


@router.post("/replies", response=ReplyOut, auth=department_auth)
def department_reply(request, payload: ReplyIn):
    from . import exchange

    row = _department_request(request.auth, payload.request_id)
    if payload.as_of is not None and payload.as_of > exchange.clock.today():
        raise ServiceError({"as_of": [_("数据截止日期不能晚于今天")]})
    batch = exchange.record_reply(
        request=row,
        data=exchange.rows_to_csv(payload.rows) if payload.rows else _empty_reply(row.source),
        original_name="reply.csv",
        via="push",
        as_of=payload.as_of,
    )
    if batch.status != SourceBatch.Status.IMPORTED:
        # Every wrong row, named by its position in `rows` and its column.
        errors: dict[str, list[str]] = {}
        for e in exchange.all_errors(batch):
            errors.setdefault(f"rows[{e['row'] - 1}].{e['column']}", []).append(
                f"{e['message']}（{e['value']}）" if e["value"] else e["message"]
            )
        raise ServiceError(errors or {"rows": [_("回复数据有错误，整批未接收")]})
    row.refresh_from_db()
    return {
        "request": department_request_out(row),
        "state": exchange.state_of(row),
        "batch_id": batch.pk,
        "rows_imported": batch.rows_imported,
    }


def _empty_reply(source: str) -> bytes:
    """A reply of no records (nobody found): the schema's header alone."""
    from .sources import get_source

    return (",".join(c.name for c in get_source(source).columns) + "\n").encode()

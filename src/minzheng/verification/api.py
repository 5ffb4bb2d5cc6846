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

from minzheng.cases.models import Case
from minzheng.cases.selectors import cases_for
from minzheng.core.apitypes import Date, Id, choice
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.regions.services import resolve_code

from . import pdf, rules, selectors, services
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
        "status_by": (finding.status_by.get_full_name() or finding.status_by.get_username())
        if finding.status_by
        else "",
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

"""Writes of the verification module: starting runs and imports, staff decisions on findings,
concluding an application's verification, and the approval guard.

Every function takes keyword arguments, runs in one transaction and writes its audit event in it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import Role
from minzheng.cases.models import Authorisation, Case, State
from minzheng.cases.selectors import can_see as can_see_case
from minzheng.core import audit, jobs
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.payments import months as payment_months
from minzheng.payments.signals import income_found

from . import coverage, imports, rules
from . import exchange as exchange_module
from .models import Finding, Run, SourceBatch
from .runs import blocking_findings, households_inside
from .sources import SOURCE_BY_CODE

RUNNERS = {Role.VERIFICATION_CENTRE, Role.TOWNSHIP_CLERK, Role.ADMIN}
REVIEWERS = {Role.VERIFICATION_CENTRE, Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER}
CONCLUDERS = {Role.VERIFICATION_CENTRE, Role.TOWNSHIP_CLERK}
IMPORTERS = {Role.VERIFICATION_CENTRE, Role.ADMIN}
RUN_JOB = "verification.run"
IMPORT_JOB = "verification.import"


def _require(user, roles: set, message: str) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDeniedError(_("请先登录"))
    if user.is_superuser:
        return
    if user.role not in roles or not user.can_write:
        raise PermissionDeniedError(message)


def _today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------------------------
# Runs


@transaction.atomic
def start_run(
    *,
    user,
    kind: str,
    region=None,
    case: Case | None = None,
    household_ids: list[int] | None = None,
    engine: str = Run.Engine.DUCKDB,
    as_of: dt.date | None = None,
    dispatch_on_commit: bool = True,
    exchange: bool = False,
) -> Run:
    """Queue a verification run: one application (`case`), a region's applications waiting for
    verification, the periodic recheck of a region's beneficiaries, or chosen households. With
    `exchange`, requests go to the departments first and the run waits for their replies."""
    if user is not None:
        _require(user, RUNNERS, _("当前账号无权发起家庭经济状况核对"))
    if kind not in Run.Kind.values:
        raise ServiceError({"kind": [_("核对范围无效")]})
    if engine not in Run.Engine.values:
        raise ServiceError({"engine": [_("核对引擎应为 duckdb 或 spark")]})
    as_of = as_of or _today()
    if as_of > _today():
        raise ServiceError({"as_of": [_("核对基准日不能晚于今天")]})
    household_ids = sorted({int(h) for h in household_ids or []})
    if kind == Run.Kind.APPLICATION:
        if case is None:
            raise ServiceError({"case_id": [_("请选择申请")]})
        if user is not None and not can_see_case(user, case):
            raise NotFoundOrOutOfScope()
        if not case.is_open:
            raise ServiceError({"case_id": [_("申请已办结，不再核对")]}, status=409)
        if not Authorisation.objects.filter(case=case).exists():
            raise ServiceError(
                {"authorisation": [_("须先登记申请家庭签署的核对授权书，方可核对")]}, status=409
            )
        region = case.region
    else:
        if region is None:
            raise ServiceError({"region": [_("请选择区域")]})
        if user is not None and not region_in_scope(user, region):
            raise NotFoundOrOutOfScope()
        if kind == Run.Kind.HOUSEHOLDS:
            if not household_ids:
                raise ServiceError({"household_ids": [_("请选择要核对的家庭")]})
            if households_inside(household_ids, region) != len(household_ids):
                raise ServiceError({"household_ids": [_("有家庭不存在或不在所选区域内")]})
    run = Run.objects.create(
        kind=kind,
        region=region,
        case=case if kind == Run.Kind.APPLICATION else None,
        household_ids=household_ids,
        engine=engine,
        as_of=as_of,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    title = run_title(run)
    requests = []
    if exchange:
        requests = exchange_module.create_requests(run, user=user)
    if requests:
        # The comparison waits for the departments' replies (see exchange.py).
        run.status = Run.Status.AWAITING
        run.save(update_fields=["status"])
    else:
        queue_run(run, user=user, dispatch_on_commit=dispatch_on_commit)
    audit.record(
        "create",
        obj=run,
        object_repr=title[:200],
        after={
            "kind": kind,
            "region": region.code,
            "case": case.number if case else None,
            "engine": engine,
            "as_of": as_of,
            "households": len(household_ids),
            "requests": [r.source for r in requests],
        },
        note=_("发起家庭经济状况核对"),
    )
    return run


def run_title(run: Run) -> str:
    scope = run.case.number if run.case_id else f"{run.region.name} {run.get_kind_display()}"
    return (_("家庭经济状况核对 %(ref)s：%(scope)s") % {"ref": run.reference, "scope": scope})[:200]


def queue_run(run: Run, *, user, dispatch_on_commit: bool = True) -> None:
    """Hand the run to its job (at once, or once the departments have replied)."""
    job_row = jobs.enqueue(
        RUN_JOB,
        params={"run_id": run.pk},
        user=user,
        region=run.region,
        title=run_title(run),
        dispatch_on_commit=dispatch_on_commit,
    )
    run.job = job_row
    run.status = Run.Status.QUEUED
    run.save(update_fields=["job", "status"])


# --------------------------------------------------------------------------------------------
# Imports


@transaction.atomic
def start_import(
    *,
    user,
    source: str,
    uploaded,
    original_name: str,
    as_of: dt.date,
    provider: str = "",
    mode: str = SourceBatch.Mode.GOOD_ROWS,
    dispatch_on_commit: bool = True,
):
    """Keep the upload and queue its import job (see `minzheng.verification.imports`)."""
    _require(user, IMPORTERS, _("只有核对中心或系统管理员可以导入部门数据"))
    if source not in SOURCE_BY_CODE:
        raise ServiceError({"source": [_("数据来源无效")]})
    if SOURCE_BY_CODE[source].platform:
        raise ServiceError({"source": [_("本平台数据每次核对时自动取数，无需导入")]})
    imports.file_format(original_name)
    if as_of > _today():
        raise ServiceError({"as_of": [_("数据截止日期不能晚于今天")]})
    if mode not in SourceBatch.Mode.values:
        raise ServiceError({"mode": [_("导入方式无效")]})
    path = imports.store_upload(uploaded, original_name)
    title = _("导入部门数据：%(source)s %(name)s") % {
        "source": SOURCE_BY_CODE[source].label,
        "name": original_name,
    }
    return jobs.enqueue(
        IMPORT_JOB,
        user=user,
        region=user.region,
        title=title[:200],
        dispatch_on_commit=dispatch_on_commit,
        params={
            "path": str(path),
            "source": source,
            "as_of": as_of.isoformat(),
            "provider": provider,
            "original_name": original_name,
            "mode": mode,
        },
    )


def import_path(
    *,
    source: str,
    path: Path | bytes,
    as_of: dt.date,
    provider: str = "",
    original_name: str = "",
    mode: str = SourceBatch.Mode.GOOD_ROWS,
    user=None,
    job=None,
) -> SourceBatch:
    """Import a file the caller already holds (the CLI, the import job)."""
    if user is not None:
        _require(user, IMPORTERS, _("只有核对中心或系统管理员可以导入部门数据"))
    return imports.import_file(
        source=source,
        path=path if isinstance(path, bytes) else Path(path),
        as_of=as_of,
        provider=provider,
        original_name=original_name,
        mode=mode,
        user=user,
        job=job,
    )


# --------------------------------------------------------------------------------------------
# Findings


def _visible_finding(user, finding: Finding) -> None:
    if user.is_superuser:
        return
    if not user.is_staff_role or not region_in_scope(user, finding.region):
        raise NotFoundOrOutOfScope()


@transaction.atomic
def set_finding_status(*, user, finding: Finding, status: str, note: str) -> Finding:
    """Record what staff established: an explanation that clears the finding, or that it is
    confirmed. Either way a written note is required; both are kept in the audit trail."""
    if user is None or not user.is_authenticated:
        raise PermissionDeniedError(_("请先登录"))
    _visible_finding(user, finding)
    _require(user, REVIEWERS, _("当前账号无权处理核对发现"))
    if status not in (Finding.Status.EXPLAINED, Finding.Status.CONFIRMED):
        raise ServiceError({"status": [_("处理结果应为“已说明情况”或“已确认属实”")]})
    note = (note or "").strip()
    if not note:
        field_message = (
            _("请写明情况说明") if status == Finding.Status.EXPLAINED else _("请写明核实情况")
        )
        raise ServiceError({"note": [field_message]})
    finding = Finding.objects.select_for_update().select_related("region").get(pk=finding.pk)
    with audit.audited(
        finding, object_repr=f"{rules.title(finding.rule)} {finding.household_id}"[:200]
    ) as change:
        finding.status, finding.note, finding.status_by, finding.status_at = (
            status,
            note[:4000],
            user,
            timezone.now(),
        )
        finding.save(update_fields=["status", "note", "status_by", "status_at", "updated_at"])
        change.note = finding.get_status_display()
    if status == Finding.Status.CONFIRMED:
        _announce_income(finding, user)
    return finding


# Rules whose confirmed finding is income the household did not declare: evidence key of the
# total over the period, of the number of months and of the last month.
INCOME_RULES = {"taxed_income": ("total_fen", "months", "last_period")}


def _announce_income(finding: Finding, user) -> None:
    """Tell whoever pays the household (payments) that income was found for these months, so
    what was paid on the declared income can be proposed for recovery."""
    keys = INCOME_RULES.get(finding.rule)
    if keys is None:
        return
    evidence = finding.evidence or {}
    try:
        total, count = int(evidence[keys[0]]), int(evidence[keys[1]])
        last = dt.date.fromisoformat(str(evidence[keys[2]])[:10])
    except (KeyError, TypeError, ValueError):
        return
    if total <= 0 or count <= 0:
        return
    last = payment_months.month_start(last)
    income_found.send(
        sender=Finding,
        household_id=finding.household_id,
        person_id=finding.person_id,
        first_month=payment_months.add_months(last, 1 - count),
        last_month=last,
        monthly_income_fen=total // count,
        reference=f"finding{finding.pk}",
        note=str(finding.message)[:300],
        user=user,
    )


def latest_run(case: Case) -> Run | None:
    return Run.objects.filter(cases=case, status=Run.Status.SUCCEEDED).order_by("-pk").first()


def source_labels(codes) -> str:
    return "、".join(str(SOURCE_BY_CODE[c].label) if c in SOURCE_BY_CODE else str(c) for c in codes)


def _incomplete_message(found: coverage.Coverage) -> str:
    return _(
        "%(status)s：缺少本项目必需的数据来源（%(sources)s），不能通过信息核对；请导入这些数据后重新核对"
    ) % {"status": found.label, "sources": source_labels(found.missing)}


def refusal_reasons(findings) -> str:
    lines = [_("经居民家庭经济状况核对，发现以下情形，不符合条件：")]
    for number, finding in enumerate(findings, start=1):
        lines.append(
            _("%(n)s. %(name)s：%(title)s。%(text)s。%(note)s")
            % {
                "n": number,
                "name": finding.person.name,
                "title": rules.title(finding.rule),
                "text": rules.describe(finding.rule, finding.evidence),
                "note": finding.note,
            }
        )
    return "\n".join(lines)


@transaction.atomic
def conclude_case(*, user, case: Case, on: dt.date | None = None) -> Case:
    """Conclude an application's verification once staff have dealt with every finding: any
    finding confirmed → written refusal without a home visit (docs/DOMAIN.md §3.6); otherwise,
    every finding explained → on to the home investigation."""
    from minzheng.cases import services as case_services

    if user is None or not user.is_authenticated or not can_see_case(user, case):
        raise NotFoundOrOutOfScope()
    _require(user, CONCLUDERS, _("当前账号无权办理信息核对"))
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.state != State.VERIFYING:
        raise ServiceError({"state": [_("申请当前不在信息核对阶段")]}, status=409)
    run = latest_run(case)
    if run is None:
        raise ServiceError({"run": [_("尚未完成家庭经济状况核对")]}, status=409)
    pending = Finding.objects.filter(case=case, last_run=run, status=Finding.Status.OPEN).exclude(
        severity=Finding.Severity.NOTICE
    )
    if pending.exists():
        raise ServiceError(
            {
                "findings": [
                    _("尚有 %(n)s 条核对发现未处理：请逐条说明情况或确认属实")
                    % {"n": pending.count()}
                ]
            },
            status=409,
        )
    confirmed = list(
        Finding.objects.filter(case=case, status=Finding.Status.CONFIRMED)
        .exclude(severity=Finding.Severity.NOTICE)
        .select_related("person")
        .order_by("pk")
    )
    if confirmed:
        return case_services.record_verification(
            user=user,
            case=case,
            passed=False,
            report_ref=run.reference,
            reasons=refusal_reasons(confirmed),
            on=on,
        )
    found = coverage.for_case(case, run)
    if not found.complete:
        raise ServiceError({"coverage": [_incomplete_message(found)]}, status=409)
    return case_services.record_verification(
        user=user, case=case, passed=True, report_ref=run.reference, on=on
    )


def approval_blockers(case: Case) -> list[Finding]:
    return list(blocking_findings(case).select_related("person").order_by("pk"))


def guard_transition(case: Case, transition: str) -> None:
    """Called before a case passes verification or is approved: refuses while a finding is
    confirmed, or open from the latest run, without a recorded explanation."""
    if transition not in ("pass_verification", "approve") or case.pk is None:
        return
    if transition == "pass_verification":
        # A result recorded from an outside report has no run here; a run of this platform
        # speaks only for the sources it compared.
        found = coverage.for_case(case, latest_run(case))
        if found is not None and not found.complete:
            raise ServiceError({"verification": [_incomplete_message(found)]}, status=409)
    blockers = approval_blockers(case)
    if not blockers:
        return
    names = "；".join(
        f"{f.person.name}：{rules.title(f.rule)}（{f.get_status_display()}）" for f in blockers[:5]
    )
    if transition == "approve":
        message = _("核对发现尚未说明情况，不能批准：%(list)s。请先在核对报告中记录情况说明") % {
            "list": names
        }
    else:
        message = _("核对发现尚未说明情况，不能通过信息核对：%(list)s") % {"list": names}
    raise ServiceError({"verification": [message]}, status=409)


def import_directory(
    *,
    directory: Path,
    as_of: dt.date,
    provider: str = "",
    mode: str = SourceBatch.Mode.GOOD_ROWS,
    user=None,
    progress=None,
) -> list[SourceBatch]:
    """Import every file of a directory named after a source (deaths.parquet, vehicles.xlsx …)."""
    files = sorted(
        p
        for p in Path(directory).iterdir()
        if p.stem in SOURCE_BY_CODE
        and not SOURCE_BY_CODE[p.stem].platform
        and p.suffix.lower() in imports.FORMATS
    )
    if not files:
        raise ServiceError(
            {"directory": [_("目录中没有以数据来源代码命名的文件（如 deaths.parquet）")]}
        )
    batches = []
    for index, path in enumerate(files):
        if progress:
            progress(index, len(files), str(SOURCE_BY_CODE[path.stem].label))
        batches.append(
            import_path(
                source=path.stem, path=path, as_of=as_of, provider=provider, mode=mode, user=user
            )
        )
    if progress:
        progress(len(files), len(files), _("完成"))
    return batches


# --------------------------------------------------------------------------------------------
# Audited reads


def record_report_view(*, user, case: Case, fmt: str) -> None:
    """Every view of a verification report leaves an audit event (page, JSON or PDF)."""
    with transaction.atomic():
        audit.record(
            "view",
            obj=case,
            object_repr=f"{case.number} {_('核对报告')}"[:200],
            after={"format": fmt},
            note=_("查看家庭经济状况核对报告"),
        )


def record_findings_view(*, user, scope: str, count: int) -> None:
    with transaction.atomic():
        audit.record(
            "view",
            object_type="verification.finding",
            object_id=scope[:64],
            object_repr=_("核对发现"),
            region_code=user.region.code if getattr(user, "region_id", None) else "",
            after={"items": count},
            note=_("查看核对发现"),
        )

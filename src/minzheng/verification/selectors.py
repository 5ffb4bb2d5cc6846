"""Reads of verification data, always region-scoped: a finding belongs to its household's
village, a run to the region it covers. Departmental batches hold no names or plaintext IDs and
are listed to the staff who manage them."""

from __future__ import annotations

import datetime as dt

import pyarrow.dataset as ds
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import Role
from minzheng.cases.models import Authorisation, Case, Decision
from minzheng.cases.selectors import can_see as can_see_case
from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.money import yuan_str
from minzheng.core.scope import scope_q
from minzheng.people.selectors import current_members

from . import coverage, imports, rules
from .models import Finding, Run, SourceBatch
from .params import required_sources
from .sources import ID, PLATFORM_SOURCE_CODES, SOURCE_BY_CODE, SOURCES, get_source

BATCH_READERS = {Role.VERIFICATION_CENTRE, Role.ADMIN, Role.CITY_SECTION}


def _staff(user) -> bool:
    return user is not None and user.is_authenticated and (user.is_superuser or user.is_staff_role)


def findings_for(user) -> QuerySet[Finding]:
    qs = Finding.objects.select_related("person", "household", "region", "batch", "case")
    if not _staff(user):
        return qs.none()
    return qs.filter(scope_q(user, "region"))


def runs_for(user) -> QuerySet[Run]:
    qs = Run.objects.select_related("region", "case", "created_by", "job")
    if not _staff(user):
        return qs.none()
    return qs.filter(scope_q(user, "region"))


def get_run(user, pk: int) -> Run:
    run = runs_for(user).filter(pk=pk).first()
    if run is None:
        raise NotFoundOrOutOfScope()
    return run


def get_finding(user, pk: int) -> Finding:
    finding = findings_for(user).filter(pk=pk).first()
    if finding is None:
        raise NotFoundOrOutOfScope()
    return finding


def batches_for(user) -> QuerySet[SourceBatch]:
    if not _staff(user) or not (user.is_superuser or user.role in BATCH_READERS):
        return SourceBatch.objects.none()
    return SourceBatch.objects.all()


def search_findings(
    user,
    *,
    status: str = "",
    rule: str = "",
    run_id: int | None = None,
    case_id: int | None = None,
    household_id: int | None = None,
) -> QuerySet[Finding]:
    qs = findings_for(user)
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule=rule)
    if run_id:
        qs = qs.filter(last_run_id=run_id)
    if case_id:
        qs = qs.filter(case_id=case_id)
    if household_id:
        qs = qs.filter(household_id=household_id)
    return qs.order_by("-last_run_id", "household_id", "rule", "pk")


def run_summary(run: Run) -> dict:
    by_status = dict(run.findings.values_list("status").annotate(n=Count("pk")))
    return {status: by_status.get(status, 0) for status in Finding.Status.values}


def sources_of_run(run: Run | None, required=()) -> list[dict]:
    """Each source with the batches a run read (or the current ones when there is no run), and
    whether the programme requires it."""
    if run is not None:
        ids = [i for ids in (run.batches or {}).values() for i in ids]
        by_source: dict[str, list[SourceBatch]] = {}
        for batch in SourceBatch.objects.filter(pk__in=ids).order_by("source", "provider", "pk"):
            by_source.setdefault(batch.source, []).append(batch)
    else:
        by_source = imports.current_batches()
    required = set(required)
    return [
        {
            "code": s.code,
            "label": s.label,
            "department": s.department,
            "batches": by_source.get(s.code, []),
            "required": s.code in required,
            "platform": s.platform,
        }
        for s in SOURCES
    ]


def conclusion(*, finished: Run | None, found, blocking: list, findings: list) -> dict:
    """The report's conclusion line: never a pass for sources that were not compared."""
    if finished is None:
        return {"status": "pending", "label": _("尚未核对"), "text": _("尚未完成核对。")}
    if not found.complete:
        text = _(
            "未能与本项目必需的以下数据来源比对：%(sources)s。已比对的来源中%(result)s；不能作出通过结论，导入缺少的数据后重新核对。"
        ) % {
            "sources": "、".join(str(SOURCE_BY_CODE[c].label) for c in found.missing),
            "result": _("有核对发现待处理") if blocking else _("未发现不一致"),
        }
        return {"status": found.status, "label": found.label, "text": text}
    if blocking:
        return {
            "status": "findings",
            "label": _("有待处理的核对发现"),
            "text": _("有 %(n)s 条核对发现待说明情况或已确认属实，尚未作出核对结论。")
            % {"n": len(blocking)},
        }
    if findings:
        return {
            "status": "passed",
            "label": _("信息核对通过"),
            "text": _("核对发现均已说明情况，经与上述数据来源比对，符合条件。"),
        }
    return {
        "status": "passed",
        "label": _("信息核对通过"),
        "text": _(
            "经与上述数据来源比对，未发现家庭成员的收入、财产与申报情况不一致或不符合条件的情形。"
        ),
    }


def case_report(user, case: Case) -> dict:
    """Everything the verification report (核对报告) of an application shows."""
    if not _staff(user) or not can_see_case(user, case):
        raise NotFoundOrOutOfScope()
    # An application's own run names it from the start; a regional run only once it has collected it.
    run = (
        Run.objects.filter(Q(cases=case) | Q(case=case))
        .distinct()
        .order_by("-pk")
        .select_related("created_by", "job")
        .first()
    )
    finished = Run.objects.filter(cases=case, status=Run.Status.SUCCEEDED).order_by("-pk").first()
    findings = list(
        Finding.objects.filter(case=case)
        .filter(
            Q(last_run=finished) | Q(status=Finding.Status.CONFIRMED) if finished else Q(pk__in=[])
        )
        .select_related("person", "batch", "status_by")
        .order_by("severity", "rule", "person_id", "pk")
    )
    for finding in findings:
        finding.title = rules.title(finding.rule)
        finding.text = rules.describe(finding.rule, finding.evidence)
    blocking = [
        f
        for f in findings
        if f.severity != Finding.Severity.NOTICE
        and (
            f.status == Finding.Status.CONFIRMED
            or (f.status == Finding.Status.OPEN and f.last_run_id == getattr(finished, "pk", None))
        )
    ]
    decision = (
        Decision.objects.filter(case=case, level=Decision.Level.VERIFICATION)
        .order_by("-pk")
        .first()
    )
    found = coverage.for_case(case, finished)
    if found is None:  # before a run: what the programme requires, against what is on file now
        from minzheng.assistance.selectors import standards_table

        required = required_sources(
            standards_table(timezone.localdate()).for_path(case.household.region.path),
            case.programme,
        )
        available = set(imports.current_batches()) | set(PLATFORM_SOURCE_CODES)
        preview = coverage.assess(required=required, available=available)
    else:
        preview = found
    return {
        "case": case,
        "household": case.household,
        "members": list(current_members(case.household)),
        "run": run,
        "finished": finished,
        "sources": sources_of_run(finished, preview.required),
        "findings": findings,
        "coverage": found,
        "preview": preview,
        "missing_labels": [SOURCE_BY_CODE[c].label for c in preview.missing],
        "conclusion": conclusion(
            finished=finished, found=found, blocking=blocking, findings=findings
        ),
        "open": [
            f
            for f in findings
            if f.status == Finding.Status.OPEN and f.severity != Finding.Severity.NOTICE
        ],
        "confirmed": [
            f
            for f in findings
            if f.status == Finding.Status.CONFIRMED and f.severity != Finding.Severity.NOTICE
        ],
        "blocking": blocking,
        "decision": decision,
        "authorisation": Authorisation.objects.filter(case=case).first(),
    }


def findings_for_household(*, household, on) -> list[dict]:
    """What verification has found on a household up to `on` and nobody has explained away, for
    a periodic review (the caller already checked the household is in scope)."""
    findings = (
        Finding.objects.filter(household=household, created_at__date__lte=on)
        .exclude(status=Finding.Status.EXPLAINED)
        .select_related("person", "batch")
        .order_by("-id")[:50]
    )
    return [
        {
            "finding_id": f.pk,
            "rule": f.rule,
            "severity": f.get_severity_display(),
            "status": f.get_status_display(),
            "person": f.person.name,
            "source": f.batch.get_source_display(),
            "as_of": f.batch.as_of.isoformat(),
            "message": f.message,
        }
        for f in findings
    ]


def run_coverage(run: Run) -> list[dict]:
    """Per programme of a run: what was required, compared and missing, with labels."""
    from minzheng.assistance.params import PROGRAMME_BY_CODE

    rows = []
    for programme, record in sorted((run.coverage or {}).get("programmes", {}).items()):
        found = coverage.from_record(record)
        spec = PROGRAMME_BY_CODE.get(programme)
        rows.append(
            {
                "programme": _(spec.name) if spec else programme,
                "status": found.status,
                "label": found.label,
                "missing": [SOURCE_BY_CODE[c].label for c in found.missing if c in SOURCE_BY_CODE],
                "compared": [
                    SOURCE_BY_CODE[c].label for c in found.compared if c in SOURCE_BY_CODE
                ],
            }
        )
    return rows


# Reads that go to the batch files or shape the report: the source row a finding cites, and the
# report as JSON. Parquet is read with pyarrow (never DuckDB), so these are safe in a web worker.


def source_row(batch: SourceBatch, row: int) -> dict | None:
    """The cited record as stored (ID numbers masked), labelled with the source's headers."""
    if not batch.path:
        return None
    path = imports.batch_path(batch)
    if not path.exists():
        return None
    table = ds.dataset(path, format="parquet").to_table(filter=ds.field("_row") == row)
    if not table.num_rows:
        return None
    values = table.slice(0, 1).to_pylist()[0]
    source = get_source(batch.source)
    shown = {}
    for column in source.columns:
        if column.kind == ID:
            value = values.get(f"{column.key_prefix}masked")
        else:
            value = values.get(column.name)
            if column.kind == "money" and value is not None:
                value = yuan_str(value)
            elif column.choices and value in column.choices:
                value = str(column.choices[value])
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        shown[str(column.label)] = value
    return shown


def report_json(report: dict) -> dict:
    case, run, finished = report["case"], report["run"], report["finished"]
    return {
        "case": {
            "id": case.pk,
            "number": case.number,
            "programme": case.programme,
            "state": case.state,
            "state_label": case.get_state_display(),
            "applied_on": case.applied_on,
        },
        "household": {
            "id": case.household_id,
            "number": case.household.number,
            "region": case.household.region.name,
        },
        "members": [
            {
                "person_id": m.person_id,
                "name": m.person.name,
                "id_number_masked": m.person.id_masked,
                "relation": m.get_relation_display(),
            }
            for m in report["members"]
        ],
        "authorisation": {
            "signed_on": report["authorisation"].signed_on,
            "signed_by": report["authorisation"].signed_by,
        }
        if report["authorisation"]
        else None,
        "run": {
            "id": run.pk,
            "reference": run.reference,
            "status": run.status,
            "as_of": run.as_of,
            "engine": run.engine,
            "finished_at": run.finished_at,
        }
        if run
        else None,
        "report_reference": finished.reference if finished else None,
        "sources": [
            {
                "code": s["code"],
                "label": str(s["label"]),
                "department": str(s["department"]),
                "required": s["required"],
                "batches": [
                    {"id": b.pk, "as_of": b.as_of, "provider": b.provider} for b in s["batches"]
                ],
            }
            for s in report["sources"]
        ],
        "coverage": report["coverage"].as_dict() if report["coverage"] else None,
        "conclusion": {
            "status": report["conclusion"]["status"],
            "label": str(report["conclusion"]["label"]),
            "text": str(report["conclusion"]["text"]),
        },
        "findings": [
            {
                "id": f.pk,
                "rule": f.rule,
                "title": rules.title(f.rule),
                "severity": f.severity,
                "status": f.status,
                "status_label": f.get_status_display(),
                "person": {
                    "id": f.person_id,
                    "name": f.person.name,
                    "id_number_masked": f.person.id_masked,
                },
                "message": rules.describe(f.rule, f.evidence),
                "batch": f.batch_id,
                "row": f.row,
                "note": f.note,
            }
            for f in report["findings"]
        ],
        "blocking": len(report["blocking"]),
        "decision": {
            "outcome": report["decision"].outcome,
            "reasons": report["decision"].reasons,
            "decided_on": report["decision"].decided_on,
        }
        if report["decision"]
        else None,
    }


# --------------------------------------------------------------------------------------------
# Departmental exchange: a request belongs to its run's region


def requests_for(user) -> QuerySet:
    from .models import DepartmentRequest

    qs = DepartmentRequest.objects.select_related("run", "run__region", "batch", "job")
    if not _staff(user):
        return qs.none()
    return qs.filter(scope_q(user, "run__region"))


def get_request(user, pk: int):
    request = requests_for(user).filter(pk=pk).first()
    if request is None:
        raise NotFoundOrOutOfScope()
    return request


def overdue_requests(user, *, today: dt.date | None = None) -> QuerySet:
    from minzheng.cases import clock

    from .models import DepartmentRequest

    today = today or clock.today()
    return (
        requests_for(user)
        .filter(status=DepartmentRequest.Status.AWAITING, due_on__lt=today)
        .order_by("due_on", "pk")
    )


def exchange_widget_context(user, *, today: dt.date | None = None) -> dict | None:
    """The verification centre's workbench card: departments that have not answered in time."""
    if user is None or not user.is_authenticated:
        return None
    if not user.is_superuser and user.role != Role.VERIFICATION_CENTRE:
        return None
    overdue = overdue_requests(user, today=today)
    return {"overdue": list(overdue[:10]), "overdue_count": overdue.count()}


def department_requests(token) -> QuerySet:
    """What a department credential sees: its own source's requests, nothing else."""
    from .models import DepartmentRequest

    return DepartmentRequest.objects.select_related("run", "run__region").filter(
        source=token.source
    )

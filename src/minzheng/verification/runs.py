"""Executing a verification run (inside its job): collect the households, build the targets, run
every rule on the chosen engine, write the findings back and route the applications.

Idempotent by construction, so a run killed mid-way is simply run again:
* a finding's key is (run target, rule, member, source batch, row); findings are upserted by it
  in chunks, each chunk in one transaction, and what staff recorded on a finding is never
  overwritten;
* a case moves on only from the "verifying" stage and only once;
* the run's working files live in a directory of their own that the next attempt replaces.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minzheng.cases.models import Authorisation, Case, State
from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.people.models import Household, HouseholdMember

from . import coverage, engines, imports, keys, platform
from .members_table import (
    MEMBER_SCHEMA,
    TargetHousehold,
    build_targets,
    target_for_case,
    target_for_household,
)
from .models import Finding, Run
from .params import MONTHLY_ASSISTANCE, property_programme
from .rules import RULE_BY_CODE, RULES

log = logging.getLogger(__name__)
Progress = Callable[..., None] | None
MEMBER_CHUNK = 2000
DEFAULT_FINDING_CHUNK = 2000


def run_dir(run: Run) -> Path:
    return Path(settings.MEDIA_ROOT) / "verification" / "runs" / str(run.pk)


# --------------------------------------------------------------------------------------------
# Which households a run verifies


def _entitlement_model():
    try:
        return apps.get_model("payments", "Entitlement")
    except LookupError:
        return None


def _case_target(case: Case) -> TargetHousehold:
    household = case.household
    return TargetHousehold(
        target=target_for_case(case.pk),
        household_id=household.pk,
        household_number=household.number,
        region_id=household.region_id,
        region_path=household.region.path,
        urban_rural=household.region.urban_rural,
        programme=case.programme,
        applied_on=case.applied_on,
        case_id=case.pk,
    )


def _households_query(run: Run):
    """The run's households (not its applications), one row each with what a target needs: the
    active monthly assistance (first of 低保 urban, rural, then 特困) or else the latest
    application, and whether a signed authorisation is on file — all in one query."""
    from django.db.models import Case as Choose
    from django.db.models import IntegerField, Subquery, Value, When

    households = Household.objects.all()
    latest_case = Case.objects.filter(household=OuterRef("pk")).order_by("-applied_on", "-pk")
    annotations = {
        "authorised": Exists(Authorisation.objects.filter(case__household=OuterRef("pk"))),
        "case_programme": Subquery(latest_case.values("programme")[:1]),
        "case_applied_on": Subquery(latest_case.values("applied_on")[:1]),
    }
    model = _entitlement_model()
    if model is not None:
        priority = Choose(
            *[When(programme=code, then=Value(i)) for i, code in enumerate(MONTHLY_ASSISTANCE)],
            output_field=IntegerField(),
        )
        active = model.objects.filter(
            household=OuterRef("pk"), status="active", programme__in=MONTHLY_ASSISTANCE
        )
        first = active.annotate(priority=priority).order_by("priority", "pk")
        annotations |= {
            "entitled_programme": Subquery(first.values("programme")[:1]),
            "entitled_since": Subquery(first.values("case__applied_on")[:1]),
            "entitled_start": Subquery(first.values("start_month")[:1]),
        }
        if run.kind == Run.Kind.RECHECK:
            households = households.filter(region__path__startswith=run.region.path).filter(
                Exists(active)
            )
    elif run.kind == Run.Kind.RECHECK:
        households = households.none()  # without the entitlements module nobody is a beneficiary
    fields = ["pk", "number", "region_id", "region__path", "region__urban_rural", *annotations]
    return households.annotate(**annotations).order_by("pk"), fields


def collect_households(run: Run) -> tuple[list[TargetHousehold], dict, list[int]]:
    """(targets, skipped counts by reason, case ids) for the run's kind."""
    skipped: dict[str, list] = {"no_authorisation": [], "no_members": []}
    if run.kind in (Run.Kind.APPLICATION, Run.Kind.APPLICATIONS):
        if run.kind == Run.Kind.APPLICATION:
            cases = Case.objects.filter(pk=run.case_id)
        else:
            cases = Case.objects.filter(
                region__path__startswith=run.region.path, state=State.VERIFYING
            )
        cases = (
            cases.select_related("household", "household__region")
            .annotate(authorised=Exists(Authorisation.objects.filter(case=OuterRef("pk"))))
            .order_by("pk")
        )
        result, case_ids = [], []
        for case in cases:
            if not case.authorised:
                skipped["no_authorisation"].append(case.number)
                continue
            result.append(_case_target(case))
            case_ids.append(case.pk)
        return result, skipped, case_ids

    query, fields = _households_query(run)
    if run.kind == Run.Kind.RECHECK:
        chunks = [query]
    else:
        ids = sorted(set(run.household_ids))
        chunks = [
            query.filter(pk__in=ids[i : i + MEMBER_CHUNK]) for i in range(0, len(ids), MEMBER_CHUNK)
        ]
    result = []
    for chunk in chunks:
        for row in chunk.values(*fields).iterator(chunk_size=MEMBER_CHUNK):
            if not row["authorised"]:
                skipped["no_authorisation"].append(row["number"])
                continue
            if row.get("entitled_programme"):
                programme, began = (
                    row["entitled_programme"],
                    row["entitled_since"] or row["entitled_start"],
                )
            else:
                programme, began = row["case_programme"], row["case_applied_on"]
            result.append(
                TargetHousehold(
                    target=target_for_household(row["pk"]),
                    household_id=row["pk"],
                    household_number=row["number"],
                    region_id=row["region_id"],
                    region_path=row["region__path"],
                    urban_rural=row["region__urban_rural"],
                    programme=programme or property_programme("", row["region__urban_rural"]),
                    applied_on=began or run.as_of,
                )
            )
    return result, skipped, []


def load_members(household_ids: list[int]) -> pa.Table:
    """Current members of the households, with their join keys. One plain SQL query per chunk of
    households (a province-size recheck reads hundreds of thousands of rows, and the ORM's
    per-row work would be most of the time); the tables are the people models' own."""
    member, person = (
        HouseholdMember._meta,
        HouseholdMember._meta.get_field("person").related_model._meta,
    )
    rows: list[tuple] = []
    ordered = sorted(set(household_ids))
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), MEMBER_CHUNK):
            chunk = ordered[start : start + MEMBER_CHUNK]
            cursor.execute(
                f"SELECT m.household_id, m.person_id, p.id_hash, p.id_masked, m.relation FROM {member.db_table} m "
                f"JOIN {person.db_table} p ON p.id = m.person_id "
                f"WHERE m.until IS NULL AND m.household_id IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            rows.extend(cursor.fetchall())
    columns = [list(c) for c in zip(*rows)] if rows else [[], [], [], [], []]
    return pa.table(
        {
            "household_id": pa.array(columns[0], pa.int64()),
            "person_id": pa.array(columns[1], pa.int64()),
            "id_key": pa.array(keys.keys_from_hashes(columns[2]), pa.int64()),
            "id_masked": pa.array(columns[3], pa.string()),
            "relation": pa.array(columns[4], pa.string()),
        },
        schema=MEMBER_SCHEMA,
    )


# --------------------------------------------------------------------------------------------
# From hits to findings


def finding_key(target: str, rule: str, person_id: int, batch_id: int, row_no: int) -> str:
    return hashlib.sha256(f"{target}|{rule}|{person_id}|{batch_id}|{row_no}".encode()).hexdigest()


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def check_keys(hits: pa.Table, targets: pa.Table) -> tuple[pa.Table, int]:
    """Drop hits whose source row's masked ID differs from the member's (a 64-bit key collision)."""
    if not hits.num_rows:
        return hits, 0
    masks = (
        targets.select(["target", "person_id", "id_masked"])
        .group_by(["target", "person_id"])
        .aggregate([("id_masked", "min")])
    )
    joined = hits.join(masks, ["target", "person_id"], join_type="left outer", use_threads=False)
    same = pc.fill_null(pc.equal(joined["src_masked"], joined["id_masked_min"]), False)
    kept = joined.filter(same).drop_columns(["id_masked_min"])
    return engines.normalise(kept), joined.num_rows - kept.num_rows


def hit_rows(hits: pa.Table, targets: pa.Table) -> list[dict]:
    """Hits as dicts with what a Finding needs from the targets table (case, region)."""
    if not hits.num_rows:
        return []
    context = (
        targets.select(["target", "person_id", "case_id", "region_id"])
        .group_by(["target", "person_id"])
        .aggregate([("case_id", "min"), ("region_id", "min")])
    )
    joined = hits.join(context, ["target", "person_id"], join_type="left outer", use_threads=False)
    joined = joined.rename_columns(
        [
            {"case_id_min": "case_id", "region_id_min": "region_id"}.get(n, n)
            for n in joined.column_names
        ]
    )
    return engines.normalise_with(joined, ["case_id", "region_id"]).to_pylist()


def compose(hit: dict, run: Run, batch_sources: dict[int, str]) -> Finding:
    rule = RULE_BY_CODE[hit["rule"]]
    evidence = {name: _jsonable(value) for name, value in rule.evidence(hit).items()}
    evidence["source"] = batch_sources.get(hit["batch_id"], "")
    with translation.override("zh-hans"):
        message = rule.describe(evidence)
    return Finding(
        key=finding_key(
            hit["target"], hit["rule"], hit["person_id"], hit["batch_id"], hit["row_no"]
        ),
        target=hit["target"],
        rule=hit["rule"],
        severity=rule.severity,
        household_id=hit["household_id"],
        person_id=hit["person_id"],
        region_id=hit["region_id"],
        case_id=hit["case_id"],
        batch_id=hit["batch_id"],
        row=hit["row_no"],
        first_run=run,
        last_run=run,
        message=message,
        evidence=evidence,
    )


def upsert_findings(findings: list[Finding]) -> int:
    """Insert new findings, refresh the run and evidence of known ones; returns how many were new.
    Status, note and who set them are never touched here."""
    if not findings:
        return 0
    with transaction.atomic():
        known = set(
            Finding.objects.filter(key__in=[f.key for f in findings]).values_list("key", flat=True)
        )
        Finding.objects.bulk_create(
            findings,
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["last_run", "evidence", "message", "severity", "updated_at"],
        )
    return len(findings) - len(known)


# --------------------------------------------------------------------------------------------
# Routing applications


def blocking_findings(case: Case):
    """Findings that stop a case from passing verification or being approved: any confirmed
    finding, and open findings seen by the case's latest run (notices never block)."""
    from django.db.models import Q

    latest = (
        Run.objects.filter(cases=case, status=Run.Status.SUCCEEDED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    open_q = Q(status=Finding.Status.OPEN, last_run_id=latest) if latest else Q(pk__in=[])
    return (
        Finding.objects.filter(case=case)
        .exclude(severity=Finding.Severity.NOTICE)
        .filter(Q(status=Finding.Status.CONFIRMED) | open_q)
    )


def route_cases(run: Run, case_ids: list[int]) -> dict:
    """After a run: an application with nothing to examine passes verification (recorded through
    the cases service, as the run's creator); one with findings waits for staff, who record an
    explanation or confirm each finding and then conclude (see services.conclude_case)."""
    from minzheng.cases import services as case_services

    outcome = {"passed": [], "awaiting_review": [], "incomplete": [], "not_recorded": []}
    user = run.created_by
    if user is None:  # a run started from the command line records nothing on cases
        outcome["not_recorded"] = list(
            Case.objects.filter(pk__in=case_ids).order_by("pk").values_list("number", flat=True)
        )
        return outcome
    for case in Case.objects.filter(pk__in=case_ids).select_related("region").order_by("pk"):
        relatives = Finding.objects.filter(case=case, rule="staff_relative", last_run=run)
        if relatives.exists() and not case.relative_of_staff and case.is_open:
            first = relatives.first()
            relation = _("%(staff)s（%(unit)s）的%(relation)s") % {
                "staff": first.evidence.get("staff_name", ""),
                "unit": first.evidence.get("staff_unit", ""),
                "relation": first.evidence.get("relation", ""),
            }
            try:
                case_services.declare_staff_relative(user=user, case=case, relation=relation)
            except (PermissionDeniedError, NotFoundOrOutOfScope, ServiceError):
                outcome["not_recorded"].append(case.number)
        if case.state != State.VERIFYING:
            continue
        found = coverage.from_record((run.coverage or {}).get("cases", {}).get(str(case.pk)))
        if found is None or not found.complete:
            # 部分核对 / 无法核对: the case waits for the missing sources and a new run.
            outcome["incomplete"].append(case.number)
            continue
        if blocking_findings(case).exists():
            outcome["awaiting_review"].append(case.number)
            continue
        try:
            case_services.record_verification(
                user=user, case=case, passed=True, report_ref=run.reference
            )
        except (PermissionDeniedError, NotFoundOrOutOfScope, ServiceError):
            outcome["not_recorded"].append(case.number)
        else:
            outcome["passed"].append(case.number)
    return outcome


# --------------------------------------------------------------------------------------------
# The run


def execute(
    run_id: int, *, progress: Progress = None, chunk: int = DEFAULT_FINDING_CHUNK, spark=None
) -> dict:
    report = progress or (lambda *args, **kwargs: None)
    run = Run.objects.select_related("region", "created_by").get(pk=run_id)
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.RUNNING, started_at=timezone.now(), error=""
    )
    timings: dict[str, float] = {}
    started = time.perf_counter()
    steps = 2 + len(RULES)
    report(0, steps, _("确定核对对象"), force=True)

    households, skipped, case_ids = collect_households(run)
    if case_ids:
        run.cases.set(case_ids)
    members = load_members([h.household_id for h in households])
    from minzheng.assistance.selectors import standards_table

    required: dict[str, tuple[str, ...]] = {}
    targets, params_used = build_targets(
        households, members, ref=run.as_of, standards=standards_table(run.as_of), required=required
    )
    with_members = set(members["household_id"].to_pylist())
    skipped["no_members"] = [
        h.household_number for h in households if h.household_id not in with_members
    ]
    workdir = run_dir(run)
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    targets_path = workdir / "targets.parquet"
    pq.write_table(targets, targets_path)
    batches = imports.current_batches()
    # The platform's own entitlements are always a source, taken on the run's reference date.
    batches[platform.SOURCE] = [platform.entitlements_batch(run.as_of)]
    sources = {code: [imports.batch_path(b) for b in rows] for code, rows in batches.items()}
    batch_sources = {b.pk: b.source for rows in batches.values() for b in rows}
    needed = sorted({code for rule in RULES for code in rule.sources})
    missing = [code for code in needed if code not in batches]
    run_coverage = coverage_of(households, required, available=batches)
    timings["targets"] = round(time.perf_counter() - started, 3)
    report(
        1,
        steps,
        _("核对 %(n)s 户、%(m)s 人") % {"n": len(households), "m": targets.num_rows},
        force=True,
    )

    def rule_progress(index, total, rule):
        report(1 + index, steps, _("规则：%(title)s") % {"title": rule.title})

    engine_started = time.perf_counter()
    hits, rule_timings = engines.run_rules(
        run.engine,
        targets=targets_path,
        sources=sources,
        workdir=workdir,
        progress=rule_progress,
        spark=spark,
    )
    timings["engine"] = round(time.perf_counter() - engine_started, 3)
    timings["rules"] = rule_timings
    hits, mismatched = check_keys(hits, targets)

    write_started = time.perf_counter()
    rows = hit_rows(hits, targets)
    chunks = [rows[i : i + chunk] for i in range(0, len(rows), chunk)] or [[]]
    steps = 2 + len(RULES) + len(chunks)
    new = 0
    for index, part in enumerate(chunks):
        new += upsert_findings([compose(hit, run, batch_sources) for hit in part])
        report(
            1 + len(RULES) + index + 1,
            steps,
            _("写入核对发现 %(done)s/%(total)s")
            % {"done": min((index + 1) * chunk, len(rows)), "total": len(rows)},
        )
    timings["write"] = round(time.perf_counter() - write_started, 3)

    result = {
        "run": run.pk,
        "reference": run.reference,
        "households": len(households),
        "members": targets.num_rows,
        "findings": len(rows),
        "findings_new": new,
        "key_mismatches": mismatched,
        "skipped": {k: len(v) for k, v in skipped.items()},
        "missing_sources": missing,
        "by_rule": _count_by_rule(rows),
        "coverage": {
            status: len([c for c in run_coverage["cases"].values() if c["status"] == status])
            for status in (coverage.COMPLETE, coverage.PARTIAL, coverage.NONE)
        },
    }
    # The run counts as done before the applications are routed: routing reads "the latest
    # finished run" of each case. A failure while routing fails the job, and running it again
    # routes what is left (a case moves on only from the verification stage).
    with transaction.atomic():
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.SUCCEEDED,
            finished_at=timezone.now(),
            households=len(households),
            members=targets.num_rows,
            skipped={k: v[:200] for k, v in skipped.items() if v},
            findings_total=len(rows),
            findings_new=new,
            batches={code: [b.pk for b in rows_] for code, rows_ in batches.items()},
            missing_sources=missing,
            coverage=run_coverage,
            timings=timings | {"parameters": params_used},
        )
        run.refresh_from_db()
        audit.record(
            "job",
            obj=run,
            object_repr=f"{run.reference} {run.get_kind_display()}"[:200],
            after={
                k: result[k]
                for k in (
                    "households",
                    "members",
                    "findings",
                    "findings_new",
                    "skipped",
                    "missing_sources",
                    "coverage",
                )
            },
            note=_("核对完成"),
        )
    result["routing"] = route_cases(run, case_ids) if case_ids else {}
    timings["total"] = round(time.perf_counter() - started, 3)
    result["timings"] = timings
    Run.objects.filter(pk=run.pk).update(timings=timings | {"parameters": params_used})
    shutil.rmtree(workdir, ignore_errors=True)
    report(
        steps,
        steps,
        _("完成：核对 %(n)s 户，发现 %(f)s 条（新增 %(new)s 条）")
        % {"n": len(households), "f": len(rows), "new": new},
        force=True,
    )
    return result


def coverage_of(
    households: list[TargetHousehold], required: dict[str, tuple[str, ...]], *, available
) -> dict:
    """What the run compared against what each programme requires: per application (the
    routing and the report read it) and per programme (for a recheck's summary)."""
    cases: dict[str, dict] = {}
    by_programme: dict[str, set[str]] = {}
    for household in households:
        needed = required.get(household.target, ())
        by_programme.setdefault(household.programme, set()).update(needed)
        if household.case_id is not None:
            cases[str(household.case_id)] = coverage.assess(
                required=needed, available=available
            ).as_dict()
    return {
        "cases": cases,
        "programmes": {
            programme: coverage.assess(required=needed, available=available).as_dict()
            for programme, needed in sorted(by_programme.items())
        },
    }


def _count_by_rule(rows: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["rule"]] = counts.get(row["rule"], 0) + 1
    return counts


def mark_failed(run_id: int, error: str) -> None:
    Run.objects.filter(pk=run_id).update(
        status=Run.Status.FAILED, error=error[-4000:], finished_at=timezone.now()
    )

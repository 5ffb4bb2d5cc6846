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
import io
import json
import logging
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minzheng.cases.models import Authorisation, Case, State
from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.people.models import Household, HouseholdMember, Person
from minzheng.regions.models import Region

from . import coverage, engines, exchange, imports, keys, platform
from .members_table import (
    HOUSEHOLD_SCHEMA,
    MEMBER_SCHEMA,
    TargetGroups,
    TargetHousehold,
    build_targets,
    households_table,
    target_for_case,
)
from .models import Finding, Run
from .params import MONTHLY_ASSISTANCE, property_programme
from .rules import RULE_BY_CODE, RULES

log = logging.getLogger(__name__)
Progress = Callable[..., None] | None
MEMBER_CHUNK = 2000
DEFAULT_FINDING_CHUNK = 20_000


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


@contextmanager
def _id_table(name: str, *, ids: list[int] | None = None, source: tuple[str, list] | None = None):
    """A temporary table `name(id)` of distinct ids (a list, or the rows of a SELECT), with
    statistics, for the length of a transaction: the planner then knows how many households a
    statement is about and joins a million of them by hashing rather than row by row. Sorts and
    hashes of such a statement get the memory to stay off disk (PostgreSQL)."""
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute("SET LOCAL jit = off")  # one pass over the data; compiling is wasted
            # The joined rows go straight into one aggregate (see query_table): worth gathering
            # from parallel workers, which the default costs would not think.
            cursor.execute("SET LOCAL parallel_setup_cost = 0")
            cursor.execute("SET LOCAL parallel_tuple_cost = 0.001")
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMP TABLE {name} (id bigint)")
        if source is not None:
            sql, params = source
            cursor.execute(f"INSERT INTO {name} (id) SELECT DISTINCT id FROM ({sql}) s", params)
        elif postgres:
            if ids:
                with cursor.cursor.copy(f"COPY {name} (id) FROM STDIN") as copy:
                    copy.write("\n".join(map(str, sorted(set(ids)))) + "\n")
        else:
            cursor.executemany(f"INSERT INTO {name} (id) VALUES (%s)", [(i,) for i in set(ids)])
        if postgres:
            cursor.execute(f"ANALYZE {name}")
        try:
            yield f"SELECT id FROM {name}"
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _csv_field(column: str, kind: pa.DataType) -> str:
    """SQL for one CSV field of a column: strings quoted (an empty field is NULL), dates in ISO."""
    if pa.types.is_string(kind):
        return f"""CASE WHEN q.{column} IS NULL THEN '' ELSE '"' || replace(q.{column}, '"', '""') || '"' END"""
    if pa.types.is_date(kind):
        return f"COALESCE(to_char(q.{column}, 'YYYY-MM-DD'), '')"
    return f"COALESCE(CAST(q.{column} AS text), '')"


def query_table(sql: str, params: list, schema: pa.Schema, *, chunk_by: str = "") -> pa.Table:
    """The rows of a SELECT (its columns named as in `schema`) as an Arrow table.

    On PostgreSQL the database writes the rows as CSV text, aggregated into a few large values
    (one per 65,536 values of `chunk_by`, or one in all), which Arrow parses: millions of rows
    then cost a handful of messages rather than one each. Elsewhere rows are fetched as tuples."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            line = " || ',' || ".join(_csv_field(f.name, f.type) for f in schema)
            chunk = f"q.{chunk_by} / 65536" if chunk_by else "0"
            # Lines are made below the aggregate, where parallel workers can make them.
            cursor.execute(
                f"SELECT string_agg(l.line, E'\\n') FROM (SELECT {chunk} AS chunk, {line} AS line"
                f" FROM ({sql}) q) l GROUP BY l.chunk",
                params,
            )
            text = "\n".join(value for (value,) in cursor.fetchall() if value)
            if not text:
                return schema.empty_table()
            return pacsv.read_csv(
                io.BytesIO(text.encode()),
                read_options=pacsv.ReadOptions(column_names=schema.names),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=schema, strings_can_be_null=True, quoted_strings_can_be_null=False
                ),
            ).cast(schema)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns = list(zip(*rows)) if rows else [[] for _ in schema.names]
    # SQLite may hand dates back as text: let Arrow infer, then cast to the schema's types.
    return pa.table(
        [pa.array(list(values)).cast(field.type) for values, field in zip(columns, schema)],
        schema=schema,
    )


def households_inside(household_ids: list[int], region: Region) -> int:
    """How many of the (distinct) households exist and lie in the region's subtree: one
    statement however long the list (a chosen-households run may name a whole city's)."""
    if not household_ids:
        return 0
    household = Household._meta.db_table
    with _id_table("verification_run_inside", ids=household_ids) as chosen:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM ({chosen}) c JOIN {household} h ON h.id = c.id"
                f" WHERE h.region_id IN (SELECT id FROM {Region._meta.db_table}"
                f" WHERE path LIKE %s ESCAPE '\\')",
                [_like_prefix(region.path)],
            )
            return cursor.fetchone()[0]


def _like_prefix(path: str) -> str:
    """A LIKE pattern for every path that starts with `path`."""
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_HOUSEHOLD_ROWS = pa.schema(
    [
        ("household_id", pa.int64()),
        ("household_number", pa.string()),
        ("region_id", pa.int64()),
        ("authorised", pa.int64()),
        ("case_programme", pa.string()),
        ("case_applied_on", pa.date32()),
        ("entitled_programme", pa.string()),
        ("entitled_since", pa.date32()),
        ("entitled_start", pa.date32()),
    ]
)


def _household_rows(run: Run) -> pa.Table:
    """The run's households (not its applications), one row each with what a target needs: the
    active monthly assistance (first of 低保 urban, rural, then 特困) or else the latest
    application, and whether a signed authorisation is on file — one set-based statement, with
    one pass over the households' applications for both."""
    household = Household._meta.db_table
    case, authorisation = Case._meta.db_table, Authorisation._meta.db_table
    model = _entitlement_model()
    entitlement = model._meta.db_table if model is not None else None
    programmes = ", ".join(f"'{code}'" for code in MONTHLY_ASSISTANCE)
    active = f"e.status = 'active' AND e.programme IN ({programmes})"
    if run.kind == Run.Kind.RECHECK:
        if entitlement is None:
            return _HOUSEHOLD_ROWS.empty_table()  # without entitlements nobody is a beneficiary
        region = Region._meta.db_table
        chosen = {
            "source": (
                f"SELECT h.id FROM {household} h JOIN {region} g ON g.id = h.region_id"
                f" WHERE g.path LIKE %s ESCAPE '\\'"
                f" AND EXISTS (SELECT 1 FROM {entitlement} e WHERE e.household_id = h.id AND {active})",
                [_like_prefix(run.region.path)],
            )
        }
    else:
        chosen = {"ids": run.household_ids}
    priority = " ".join(f"WHEN '{code}' THEN {i}" for i, code in enumerate(MONTHLY_ASSISTANCE))
    with _id_table("verification_run_households", **chosen) as chosen:
        entitled_join = ""
        entitled, entitled_columns = (
            "",
            (
                "CAST(NULL AS varchar) AS entitled_programme, CAST(NULL AS date) AS entitled_since,"
                " CAST(NULL AS date) AS entitled_start"
            ),
        )
        if entitlement:
            entitled = f""", entitled AS (
                SELECT e.household_id, e.programme, c.applied_on AS since, e.start_month,
                       ROW_NUMBER() OVER (PARTITION BY e.household_id
                                          ORDER BY CASE e.programme {priority} END, e.id) AS n
                FROM {entitlement} e JOIN chosen ON chosen.id = e.household_id
                LEFT JOIN {case} c ON c.id = e.case_id
                WHERE {active}
            )"""
            entitled_columns = (
                "en.programme AS entitled_programme, en.since AS entitled_since,"
                " en.start_month AS entitled_start"
            )
            entitled_join = "LEFT JOIN entitled en ON en.household_id = h.id AND en.n = 1"
        sql = f"""
            WITH chosen AS ({chosen}),
            applications AS (
                SELECT c.household_id, c.programme, c.applied_on,
                       ROW_NUMBER() OVER (PARTITION BY c.household_id
                                          ORDER BY c.applied_on DESC, c.id DESC) AS n,
                       MAX(CASE WHEN a.id IS NULL THEN 0 ELSE 1 END)
                           OVER (PARTITION BY c.household_id) AS authorised
                FROM {case} c JOIN chosen ON chosen.id = c.household_id
                LEFT JOIN {authorisation} a ON a.case_id = c.id
            ){entitled}
            SELECT h.id AS household_id, h.number AS household_number, h.region_id,
                   COALESCE(l.authorised, 0) AS authorised, l.programme AS case_programme,
                   l.applied_on AS case_applied_on, {entitled_columns}
            FROM chosen JOIN {household} h ON h.id = chosen.id
            LEFT JOIN applications l ON l.household_id = h.id AND l.n = 1
            {entitled_join}
            ORDER BY h.id"""
        return query_table(sql, [], _HOUSEHOLD_ROWS, chunk_by="household_id")


def _regions_of(region_ids: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(path, urban/rural) for each region id, read once per distinct region."""
    ids = region_ids.to_numpy()
    wanted = np.unique(ids)
    found = dict(
        (pk, (path, urban_rural))
        for pk, path, urban_rural in Region.objects.filter(pk__in=wanted.tolist()).values_list(
            "pk", "path", "urban_rural"
        )
    )
    position = np.searchsorted(wanted, ids)
    paths = pa.array([found[pk][0] for pk in wanted.tolist()], pa.string())
    kinds = pa.array([found[pk][1] for pk in wanted.tolist()], pa.string())
    index = pa.array(position)
    return paths.take(index), kinds.take(index)


def collect_households(run: Run) -> tuple[pa.Table, dict, list[int]]:
    """(targets' households as a HOUSEHOLD_SCHEMA table, skipped household or case numbers by
    reason, case ids) for the run's kind."""
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
        return households_table(result), skipped, case_ids

    rows = _household_rows(run)
    authorised = pc.equal(rows["authorised"], 1)
    skipped["no_authorisation"] = rows.filter(pc.invert(authorised))["household_number"].to_pylist()
    rows = rows.filter(authorised)
    entitled = pc.fill_null(pc.not_equal(rows["entitled_programme"], ""), False)
    programme = pc.if_else(entitled, rows["entitled_programme"], rows["case_programme"])
    began = pc.if_else(
        entitled,
        pc.coalesce(rows["entitled_since"], rows["entitled_start"]),
        rows["case_applied_on"],
    )
    region_path, urban_rural = _regions_of(rows["region_id"])
    default = pc.if_else(
        pc.equal(urban_rural, "rural"),
        pa.scalar(property_programme("", "rural")),
        pa.scalar(property_programme("", "urban")),
    )
    programme = pc.if_else(pc.fill_null(pc.not_equal(programme, ""), False), programme, default)
    households = pa.table(
        {
            "target": pc.binary_join_element_wise(
                "household:", rows["household_id"].cast(pa.string()), ""
            ),
            "household_id": rows["household_id"],
            "household_number": rows["household_number"],
            "region_id": rows["region_id"],
            "region_path": region_path,
            "urban_rural": urban_rural,
            "programme": programme,
            "applied_on": pc.coalesce(began, pa.scalar(run.as_of, pa.date32())),
            "case_id": pa.nulls(rows.num_rows, pa.int64()),
        },
        schema=HOUSEHOLD_SCHEMA,
    )
    return households, skipped, []


def load_members(households: pa.Table | list[int]) -> pa.Table:
    """Current members of the households (a HOUSEHOLD_SCHEMA table or household ids), with
    their join keys: one statement on the people models' own tables (a province-size recheck
    reads millions of rows; on PostgreSQL the join key is computed by the database)."""
    ids = sorted(
        set(
            households["household_id"].to_pylist()
            if isinstance(households, pa.Table)
            else households
        )
    )
    if not ids:
        return MEMBER_SCHEMA.empty_table()
    member, person = HouseholdMember._meta.db_table, Person._meta.db_table
    postgres = connection.vendor == "postgresql"
    # The first 8 bytes of the keyed hash as a signed 64-bit integer (see keys.key_from_hash).
    key = "('x' || substr(p.id_hash, 1, 16))::bit(64)::bigint" if postgres else "p.id_hash"
    with _id_table("verification_run_members", ids=ids) as chosen:
        sql = (
            f"WITH chosen AS ({chosen}) SELECT m.household_id, m.person_id, {key} AS id_key,"
            f" p.id_masked, m.relation FROM chosen JOIN {member} m ON m.household_id = chosen.id"
            f" JOIN {person} p ON p.id = m.person_id WHERE m.until IS NULL"
        )
        if postgres:
            return query_table(sql, [], MEMBER_SCHEMA, chunk_by="household_id")
        rows = query_table(sql, [], MEMBER_SCHEMA.set(2, pa.field("id_key", pa.string())))
    return rows.set_column(
        2, "id_key", pa.array(keys.keys_from_hashes(rows["id_key"].to_pylist()), pa.int64())
    )


# --------------------------------------------------------------------------------------------
# From hits to findings


def finding_key(target: str, rule: str, person_id: int, batch_id: int, row_no: int) -> str:
    return hashlib.sha256(f"{target}|{rule}|{person_id}|{batch_id}|{row_no}".encode()).hexdigest()


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _hit_targets(targets: pa.Table, hits: pa.Table) -> pa.Table:
    """The rows of the targets that have a hit (a few per cent of a city's)."""
    return targets.filter(pc.is_in(targets["target"], value_set=pc.unique(hits["target"])))


def check_keys(hits: pa.Table, targets: pa.Table) -> tuple[pa.Table, int]:
    """Drop hits whose source row's masked ID differs from the member's (a 64-bit key collision)."""
    if not hits.num_rows:
        return hits, 0
    masks = (
        _hit_targets(targets, hits)
        .select(["target", "person_id", "id_masked"])
        .group_by(["target", "person_id"])
        .aggregate([("id_masked", "min")])
    )
    joined = hits.join(masks, ["target", "person_id"], join_type="left outer", use_threads=False)
    same = pc.fill_null(pc.equal(joined["src_masked"], joined["id_masked_min"]), False)
    kept = joined.filter(same).drop_columns(["id_masked_min"])
    return engines.normalise(kept), joined.num_rows - kept.num_rows


def hit_table(hits: pa.Table, targets: pa.Table) -> pa.Table:
    """Hits with what a Finding needs from the targets table (case, region)."""
    context = (
        _hit_targets(targets, hits)
        .select(["target", "person_id", "case_id", "region_id"])
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
    return engines.normalise_with(joined, ["case_id", "region_id"])


FINDING_ROW = pa.schema(
    [
        ("key", pa.string()),
        ("target", pa.string()),
        ("rule", pa.string()),
        ("severity", pa.string()),
        ("household_id", pa.int64()),
        ("person_id", pa.int64()),
        ("region_id", pa.int64()),
        ("case_id", pa.int64()),
        ("batch_id", pa.int64()),
        ("row", pa.int64()),
        ("message", pa.string()),
        ("evidence", pa.string()),
    ]
)


def finding_rows(hits: pa.Table, batch_sources: dict[int, str]) -> pa.Table:
    """Hits (from `hit_table`) as Finding rows: the key, the evidence (JSON) and the message
    staff read are computed per hit in Python; every other column is taken as it is."""
    columns = {name: hits[name].to_pylist() for name in hits.column_names}
    keys, severities, messages, evidences = [], [], [], []
    with translation.override("zh-hans"):
        for i, code in enumerate(columns["rule"]):
            rule = RULE_BY_CODE[code]
            evidence = {
                rule.names[column]: _jsonable(columns[column][i])
                for column in rule.produces
                if column in rule.names
            }
            evidence["source"] = batch_sources.get(columns["batch_id"][i], "")
            keys.append(
                finding_key(
                    columns["target"][i],
                    code,
                    columns["person_id"][i],
                    columns["batch_id"][i],
                    columns["row_no"][i],
                )
            )
            severities.append(rule.severity)
            messages.append(rule.describe(evidence))
            evidences.append(json.dumps(evidence))
    return pa.table(
        {
            "key": pa.array(keys, pa.string()),
            "target": hits["target"],
            "rule": hits["rule"],
            "severity": pa.array(severities, pa.string()),
            "household_id": hits["household_id"],
            "person_id": hits["person_id"],
            "region_id": hits["region_id"],
            "case_id": hits["case_id"],
            "batch_id": hits["batch_id"],
            "row": hits["row_no"],
            "message": pa.array(messages, pa.string()),
            "evidence": pa.array(evidences, pa.string()),
        },
        schema=FINDING_ROW,
    )


_STAGE = "verification_finding_stage"
# Refreshed on a finding already known; status, note and who set them are never touched here.
_REFRESHED = ("last_run_id", "evidence", "message", "severity", "updated_at")


def upsert_findings(rows: pa.Table, run: Run) -> int:
    """Insert new findings and refresh the run and evidence of known ones, in one transaction
    and three statements (rows staged with COPY on PostgreSQL); returns how many were new."""
    if not rows.num_rows:
        return 0
    postgres = connection.vendor == "postgresql"
    q = connection.ops.quote_name
    table = Finding._meta.db_table
    names = FINDING_ROW.names
    kinds = {pa.string(): "text", pa.int64(): "bigint"}
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        definition = ", ".join(f"{q(f.name)} {kinds[f.type]}" for f in FINDING_ROW)
        cursor.execute(f"CREATE TEMP TABLE {_STAGE} ({definition})")
        if postgres:
            buffer = io.BytesIO()
            pacsv.write_csv(
                rows,
                buffer,
                write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
            )
            with cursor.cursor.copy(
                f"COPY {_STAGE} ({', '.join(q(n) for n in names)}) FROM STDIN (FORMAT csv)"
            ) as copy:
                copy.write(buffer.getbuffer())
        else:
            marks = ", ".join("%s" for _ in names)
            cursor.executemany(
                f"INSERT INTO {_STAGE} VALUES ({marks})",
                list(zip(*(rows[n].to_pylist() for n in names))),
            )
        cursor.execute(
            f"SELECT count(*) FROM {_STAGE} s JOIN {table} f ON f.{q('key')} = s.{q('key')}"
        )
        known = cursor.fetchone()[0]
        evidence = "s.evidence::jsonb" if postgres else "s.evidence"
        selected = [f"s.{q(n)}" if n != "evidence" else evidence for n in names]
        inserted = [
            *names,
            "first_run_id",
            "last_run_id",
            "status",
            "note",
            "created_at",
            "updated_at",
        ]
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(q(n) for n in inserted)})"
            f" SELECT {', '.join(selected)}, %s, %s, %s, '', %s, %s FROM {_STAGE} s WHERE true"
            f" ON CONFLICT ({q('key')}) DO UPDATE SET "
            + ", ".join(f"{q(n)} = excluded.{q(n)}" for n in _REFRESHED),
            [run.pk, run.pk, Finding.Status.OPEN, now, now],
        )
        cursor.execute(f"DROP TABLE {_STAGE}")
    return rows.num_rows - known


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
    members = load_members(households)
    from minzheng.assistance.selectors import standards_table

    groups: list[TargetGroups] = []
    targets, params_used = build_targets(
        households, members, ref=run.as_of, standards=standards_table(run.as_of), groups_out=groups
    )
    with_members = pc.is_in(households["household_id"], value_set=members["household_id"])
    skipped["no_members"] = households.filter(pc.invert(with_members))[
        "household_number"
    ].to_pylist()
    workdir = run_dir(run)
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    # A run that asked the departments compares their replies (a source that did not answer is
    # missing); any other run reads each source's current delivery.
    batches = exchange.batches_for_run(run)
    if batches is None:
        batches = imports.current_batches()
    # The platform's own entitlements are always a source, taken on the run's reference date.
    batches[platform.SOURCE] = [platform.entitlements_batch(run.as_of)]
    # Sources other modules feed from their records (e.g. marriage registrations) add to what
    # the departments delivered.
    for code, batch in platform.provided_batches(run.as_of).items():
        batches[code] = [*batches.get(code, []), batch]
    sources = {code: [imports.batch_path(b) for b in rows] for code, rows in batches.items()}
    batch_sources = {b.pk: b.source for rows in batches.values() for b in rows}
    needed = sorted({code for rule in RULES for code in rule.sources})
    missing = [code for code in needed if code not in batches]
    run_coverage = coverage_of(groups[0], available=batches)
    timings["targets"] = round(time.perf_counter() - started, 3)
    report(
        1,
        steps,
        _("核对 %(n)s 户、%(m)s 人") % {"n": households.num_rows, "m": targets.num_rows},
        force=True,
    )

    def rule_progress(index, total, rule):
        report(1 + index, steps, _("规则：%(title)s") % {"title": rule.title})

    engine_started = time.perf_counter()
    hits, rule_timings = engines.run_rules(
        run.engine,
        targets=targets,
        sources=sources,
        workdir=workdir,
        progress=rule_progress,
        spark=spark,
    )
    timings["engine"] = round(time.perf_counter() - engine_started, 3)
    timings["rules"] = rule_timings
    hits, mismatched = check_keys(hits, targets)

    write_started = time.perf_counter()
    hits = hit_table(hits, targets) if hits.num_rows else hits
    total = hits.num_rows
    chunks = [hits.slice(i, chunk) for i in range(0, total, chunk)] or [hits]
    steps = 2 + len(RULES) + len(chunks)
    new = 0
    by_rule: dict[str, int] = {}
    for index, part in enumerate(chunks):
        if part.num_rows:
            new += upsert_findings(finding_rows(part, batch_sources), run)
            for code, count in zip(*part["rule"].value_counts().flatten()):
                by_rule[code.as_py()] = by_rule.get(code.as_py(), 0) + count.as_py()
        report(
            1 + len(RULES) + index + 1,
            steps,
            _("写入核对发现 %(done)s/%(total)s")
            % {"done": min((index + 1) * chunk, total), "total": total},
        )
    timings["write"] = round(time.perf_counter() - write_started, 3)

    result = {
        "run": run.pk,
        "reference": run.reference,
        "households": households.num_rows,
        "members": targets.num_rows,
        "findings": total,
        "findings_new": new,
        "key_mismatches": mismatched,
        "skipped": {k: len(v) for k, v in skipped.items()},
        "missing_sources": missing,
        "by_rule": dict(sorted(by_rule.items())),
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
            households=households.num_rows,
            members=targets.num_rows,
            skipped={k: v[:200] for k, v in skipped.items() if v},
            findings_total=total,
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
        % {"n": households.num_rows, "f": total, "new": new},
        force=True,
    )
    return result


def coverage_of(groups: TargetGroups, *, available) -> dict:
    """What the run compared against what each programme requires: per application (the
    routing and the report read it) and per programme (for a recheck's summary)."""
    households = groups.households
    case_ids = households["case_id"]
    cases: dict[str, dict] = {}
    for row in pc.indices_nonzero(pc.is_valid(case_ids)).to_pylist():
        cases[str(case_ids[row].as_py())] = coverage.assess(
            required=groups.required_for(row), available=available
        ).as_dict()
    by_programme: dict[str, set[str]] = {}
    pairs = (
        pa.table({"programme": households["programme"], "group": pa.array(groups.group_of)})
        .group_by(["programme", "group"])
        .aggregate([])
    )
    for programme, group in zip(pairs["programme"].to_pylist(), pairs["group"].to_pylist()):
        by_programme.setdefault(programme, set()).update(groups.required[group])
    return {
        "cases": cases,
        "programmes": {
            programme: coverage.assess(required=needed, available=available).as_dict()
            for programme, needed in sorted(by_programme.items())
        },
    }


def mark_failed(run_id: int, error: str) -> None:
    Run.objects.filter(pk=run_id).update(
        status=Run.Status.FAILED, error=error[-4000:], finished_at=timezone.now()
    )

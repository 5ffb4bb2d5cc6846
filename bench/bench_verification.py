"""Benchmark of household economic-status verification.

    .venv/bin/python bench/bench_verification.py [--persons 2900000] [--assisted-share 0.98 | --assisted N]
                                                 [--work DIR] [--database-url URL] [--households assisted|all]
                                                 [--sample 400] [--spark-persons 50000]

What it measures, on a synthetic city and its generated departmental data (files under --work,
default var/bench-verification; the database of --database-url, created when missing and kept
between runs, default a SQLite file under --work):

1. generation of the departmental sources and their import as batches (rows/s), once. The
   sources are generated for a share of the city's households under assistance (--assisted-share,
   or --assisted households): their records are clean except for the planted discrepancies and
   the near misses of the ground truth; every other household gets ordinary records (cars, homes,
   jobs, deposits), which the rules rightly flag. The generator keeps at least a few per cent of
   households outside assistance (the households a planted split leaves people behind in);
2. the recheck of every assisted household against every source on DuckDB, straight from the
   files: the targets table, every rule, and turning hits into findings; recall and precision
   against the planted ground truth;
3. the job path: the city loaded into the database (once), an authorised application for every
   assisted household (once: one in ten approved, i.e. beneficiaries, the others applicants
   waiting for verification; with `--households all` every other household applies too), then
   one verification run over all of them, started with `services.start_run` and executed as a
   job (`core.jobs.execute`, what a worker or the command line does), findings written to the
   database and scored against the planted ground truth;
4. the per-record approach for comparison, in the same database: every source copied into a table
   indexed on its join key (once), then for a random sample of the run's households one ORM query
   per member per source and the rules evaluated in Python; its time is scaled to all the run's
   households, and its findings must equal the ones the job wrote for the sampled households;
5. Spark (PySpark, local mode) against DuckDB on a smaller city (--spark-persons): the same hits,
   and the time of each.

Prints one line per measurement and a JSON summary at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2024, 1, 1)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=2_900_000)
    parser.add_argument(
        "--assisted-share",
        type=float,
        default=0.98,
        help="share of households under assistance in the generated sources",
    )
    parser.add_argument(
        "--assisted", type=int, default=0, help="households under assistance (instead of a share)"
    )
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--work", type=Path, default=REPO / "var" / "bench-verification")
    parser.add_argument(
        "--sample", type=int, default=400, help="households for the per-record approach"
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="database for the job path and the per-record approach (created when missing, kept;"
        " default: SQLite under --work)",
    )
    parser.add_argument(
        "--households",
        choices=["assisted", "all"],
        default="assisted",
        help="what the job path rechecks: every assisted household, or every household of the city",
    )
    parser.add_argument(
        "--spark-persons",
        type=int,
        default=50_000,
        help="city size for the Spark comparison (0: skip)",
    )
    parser.add_argument("--part", choices=["main", "spark"], default="main", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def setup_django(work: Path, database_url: str) -> None:
    work.mkdir(parents=True, exist_ok=True)
    os.environ["MINZHENG_VAR_DIR"] = str(work)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        if database_url.startswith("postgres"):
            create_database(database_url)
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from minzheng.assistance.services import load_default_standards
    from minzheng.regions.services import load_jingmen

    load_jingmen()
    load_default_standards()


def create_database(database_url: str) -> None:
    """The PostgreSQL database of --database-url, created when it does not exist (never dropped:
    the loaded city is kept for the next run)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def say(label: str, seconds: float | None = None, extra: str = "") -> None:
    timing = f"{seconds:8.2f} s" if seconds is not None else " " * 10
    print(f"{label:58s}{timing}  {extra}", flush=True)


def prepare_city(work: Path, args, results: dict) -> tuple[Path, Path]:
    """(city directory, sources directory), generated when missing."""
    from minzheng.synth.generator import generate_city
    from minzheng.synth.sources import generate_sources

    city = work / f"city-{args.persons}-{args.seed}"
    if not (city / "manifest.json").exists():
        started = time.perf_counter()
        generate_city(persons=args.persons, seed=args.seed, out_dir=city, as_of=AS_OF)
        say(f"generate city ({args.persons:,} persons)", time.perf_counter() - started)
    assisted = (
        {"beneficiary_households": args.assisted}
        if args.assisted
        else {"beneficiary_share": args.assisted_share}
    )
    sources = city / (
        f"sources-{args.assisted}" if args.assisted else f"sources-share-{args.assisted_share}"
    )
    if not (sources / "manifest.json").exists():
        started = time.perf_counter()
        manifest = generate_sources(city_dir=city, out_dir=sources, seed=args.seed, **assisted)
        seconds = time.perf_counter() - started
        say("generate departmental sources", seconds, f"{manifest['rows']:,} rows")
        results["generate_sources_s"] = round(seconds, 2)
    manifest = json.loads((sources / "manifest.json").read_text())
    results["source_rows"] = manifest["rows"]
    results["assisted_households"] = manifest["beneficiary_households"]
    results["assisted_members"] = manifest["beneficiary_members"]
    results["planted"] = manifest["planted"]
    results["near_misses"] = manifest["near_misses"]
    return city, sources


def import_sources(sources_dir: Path, results: dict) -> dict:
    """Import the sources as batches (once); the database must hold these and no others."""
    from minzheng.verification import imports, services

    manifest = json.loads((sources_dir / "manifest.json").read_text())
    wanted = {
        Path(name).stem: meta["sha256"]
        for name, meta in manifest["files"].items()
        if Path(name).stem in BASELINE_KEYS
    }
    current = imports.current_batches()
    if not current:
        started = time.perf_counter()
        batches = services.import_directory(directory=sources_dir, as_of=AS_OF)
        seconds = time.perf_counter() - started
        rows = sum(b.rows_imported for b in batches)
        say(
            f"import {len(batches)} sources as batches (once)",
            seconds,
            f"{rows:,} rows, {rows / seconds:,.0f} rows/s",
        )
        results["import_s"] = round(seconds, 2)
        current = imports.current_batches()
    held = {code: [b.file_sha256 for b in rows] for code, rows in current.items()}
    if held != {code: [digest] for code, digest in wanted.items()}:
        raise SystemExit(
            f"the database holds other departmental batches than {sources_dir}: use another --database-url"
        )
    return {code: [imports.batch_path(b) for b in rows] for code, rows in current.items()}


def recheck_on_engine(
    city: Path,
    sources_dir: Path,
    sources: dict,
    work: Path,
    engine: str,
    results: dict,
    spark=None,
    label: str = "",
):
    """Targets, rules and findings for every beneficiary household; returns (hits, files)."""
    import pyarrow.parquet as pq

    from minzheng.assistance.selectors import standards_table
    from minzheng.synth import sources as synth_sources
    from minzheng.verification import engines, rules
    from minzheng.verification.members_table import build_targets
    from minzheng.verification.runs import check_keys

    timings = {}
    started = time.perf_counter()
    files = synth_sources.recheck_targets(city, sources_dir)
    timings["read_households"] = time.perf_counter() - started
    step = time.perf_counter()
    targets, _used = build_targets(
        files.households, files.members, ref=AS_OF, standards=standards_table(AS_OF)
    )
    pq.write_table(targets, work / "targets.parquet")
    timings["targets"] = time.perf_counter() - step
    step = time.perf_counter()
    hits, per_rule = engines.run_rules(
        engine, targets=work / "targets.parquet", sources=sources, workdir=work, spark=spark
    )
    timings["rules"] = time.perf_counter() - step
    step = time.perf_counter()
    hits, mismatched = check_keys(hits, targets)
    for hit in hits.to_pylist():  # what the job does per finding besides the database write
        rule = rules.RULE_BY_CODE[hit["rule"]]
        rule.describe(rule.evidence(hit) | {"source": ""})
    timings["findings"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    for name, seconds in timings.items():
        say(f"{label}{engine}: {name}", seconds)
    results[f"{label}{engine}"] = {k: round(v, 2) for k, v in timings.items()} | {
        "hits": hits.num_rows,
        "key_mismatches": mismatched,
        "per_rule_s": per_rule,
        "households": len(files.households),
        "members": targets.num_rows,
    }
    return hits, files, targets


# --------------------------------------------------------------------------------------------
# The per-record approach: one ORM query per member per source


BASELINE_KEYS = {
    "deaths": ["id_key"],
    "hukou": ["id_key", "hukou_number"],
    "tax": ["id_key"],
    "social_insurance": ["id_key"],
    "real_estate": ["id_key"],
    "business": ["id_key"],
    "provident_fund": ["id_key"],
    "vehicles": ["id_key"],
    "deposits": ["id_key"],
    "securities": ["id_key"],
    "marriage": ["id_key"],
    "payroll": ["id_key"],
    "beneficiaries": ["id_key"],
    "staff_relatives": ["relative_key"],
}


def baseline_models() -> dict:
    """Unmanaged models over bench tables holding each source's stored rows."""
    from django.db import models

    from minzheng.verification.sources import get_source

    kinds = {
        "int64": models.BigIntegerField,
        "string": models.TextField,
        "date32[day]": models.DateField,
        "double": models.FloatField,
    }
    result = {}
    for code in BASELINE_KEYS:
        schema = get_source(code).stored_schema()
        attrs = {
            "__module__": __name__,
            "Meta": type(
                "Meta",
                (),
                {"managed": False, "db_table": f"bench_src_{code}", "app_label": "verification"},
            ),
        }
        attrs["id"] = models.BigAutoField(primary_key=True)
        for field in schema:
            attrs[field.name.lstrip("_") + ("_no" if field.name.startswith("_") else "")] = kinds[
                str(field.type)
            ](null=True, db_column=field.name)
        result[code] = type(f"BenchSource_{code}", (models.Model,), attrs)
    return result


def load_baseline_tables(sources: dict, models_by_code: dict) -> float:
    """Every source's stored rows in a table of its own, indexed on the join keys (once)."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    from django.db import connection

    started = time.perf_counter()
    if "bench_src_staff_relatives" in connection.introspection.table_names():
        return 0.0
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for code, paths in sources.items():
            model = models_by_code[code]
            table = model._meta.db_table
            fields = [f for f in model._meta.fields if f.name != "id"]
            columns = ", ".join(f'"{f.column}" {f.db_type(connection)}' for f in fields)
            identity = "bigserial" if postgres else "integer"
            cursor.execute(f"CREATE TABLE {table} (id {identity} PRIMARY KEY, {columns})")
            names = [f.column for f in fields]
            quoted = ", ".join(f'"{n}"' for n in names)
            for path in paths:
                for batch in pq.ParquetFile(path).iter_batches(batch_size=200_000):
                    batch = pa.Table.from_batches([batch]).select(names)
                    if postgres:
                        buffer = io.BytesIO()
                        pacsv.write_csv(
                            batch,
                            buffer,
                            write_options=pacsv.WriteOptions(
                                include_header=False, quoting_style="all_valid"
                            ),
                        )
                        with cursor.cursor.copy(
                            f"COPY {table} ({quoted}) FROM STDIN (FORMAT csv)"
                        ) as copy:
                            copy.write(buffer.getvalue())
                    else:
                        values = batch.to_pydict()
                        rows = zip(
                            *[
                                [v.isoformat() if isinstance(v, dt.date) else v for v in values[n]]
                                for n in names
                            ]
                        )
                        marks = ", ".join("?" for _ in names)
                        connection.connection.executemany(
                            f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows
                        )
            for key in BASELINE_KEYS[code]:
                cursor.execute(f"CREATE INDEX bench_{code}_{key} ON {table} ({key})")
            if postgres:
                cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


def baseline_household(members: list[dict], m: dict) -> set[tuple]:
    """The rules for one household's members, one query per member per source (as (rule, person_id))."""
    found = set()
    t = members[0]
    ref = t["ref_date"]
    keys = {x["id_key"] for x in members}

    def active(start, end):
        return start is not None and start <= ref and (end is None or end > ref)

    homes, holdings = {}, []
    for x in members:
        k, pid = x["id_key"], x["person_id"]
        if any(d.death_date <= ref for d in m["deaths"].objects.filter(id_key=k)):
            found.add(("deceased_member", pid))
        for v in m["vehicles"].objects.filter(id_key=k):
            if (
                active(v.registered_on, v.deregistered_on)
                and f"|{v.vehicle_type}|" not in t["vehicle_exempt_types"]
                and (t["any_car_disqualifies"] or v.value > t["car_value_limit"])
            ):
                found.add(("vehicle", pid))
        for r in m["real_estate"].objects.filter(id_key=k):
            if active(r.registered_on, r.cancelled_on):
                if r.usage == "residential":
                    homes.setdefault(r.certificate_no, []).append(
                        (r.registered_on, r.certificate_no, r.batch_no, r.row_no, pid)
                    )
                elif t["non_residential_disqualifies"]:
                    found.add(("non_residential_property", pid))
        for b in m["business"].objects.filter(id_key=k):
            if active(b.registered_on, b.deregistered_on):
                role = {
                    "legal_representative": "legal_representative",
                    "shareholder": "shareholder",
                }.get(b.role, "self_employed")
                employs = b.role != "shareholder" and (b.employees or 0) > 0
                if f"|{role}|" in t["business_roles"] or (
                    employs and "|employer|" in t["business_roles"]
                ):
                    found.add(("business_role", pid))
                else:
                    found.add(("business_review", pid))
        holdings += [
            (d.balance, d.batch_no, d.row_no, pid) for d in m["deposits"].objects.filter(id_key=k)
        ]
        holdings += [
            (s.market_value, s.batch_no, s.row_no, pid)
            for s in m["securities"].objects.filter(id_key=k)
        ]
        events = sorted(
            (
                (e.event_date, e.batch_no, e.row_no, e)
                for e in m["marriage"].objects.filter(id_key=k)
                if e.event_date <= ref
            ),
            key=lambda e: e[:3],
        )
        if events and events[-1][3].event == "marriage":
            spouse = events[-1][3].spouse_key
            widowed = any(d.death_date <= ref for d in m["deaths"].objects.filter(id_key=spouse))
            if spouse not in keys and not widowed:
                found.add(("undeclared_marriage", pid))
        for h in m["hukou"].objects.filter(id_key=k):
            if h.until is not None and t["split_since"] <= h.until <= t["applied_on"]:
                others = {
                    o.id_key
                    for o in m["hukou"].objects.filter(hukou_number=h.hukou_number)
                    if o.id_key != k
                    and o.since <= h.until
                    and (o.until is None or o.until > h.until)
                    and o.id_key not in keys
                }
                if others:
                    found.add(("household_split", pid))
        for b in m["beneficiaries"].objects.filter(id_key=k):
            if active(b.since, b.until) and (
                (
                    b.programme == t["programme"]
                    and (
                        b.county_code != t["county_code"]
                        or b.household_number != t["household_number"]
                    )
                )
                or f"|{b.programme}|" in t["excluded_programmes"]
            ):
                found.add(("duplicate_assistance", pid))
        if m["staff_relatives"].objects.filter(relative_key=k).exists():
            found.add(("staff_relative", pid))
        if any(active(p.since, p.until) for p in m["payroll"].objects.filter(id_key=k)):
            found.add(("public_sector", pid))
        periods = {
            s.period
            for s in m["social_insurance"].objects.filter(id_key=k)
            if s.payer == "employer" and s.period <= ref
        }
        months = {p for p in periods if p >= t["insurance_since"]}
        latest = any(p >= t["insurance_latest_since"] for p in periods)
        if len(months) >= t["insurance_min_months"] or latest:
            found.add(("employer_insurance", pid))
        months = {
            f.period
            for f in m["provident_fund"].objects.filter(id_key=k)
            if f.deposit > 0 and t["provident_since"] <= f.period <= ref
        }
        if len(months) >= t["provident_min_months"]:
            found.add(("provident_fund", pid))
        wages = [
            x_.income
            for x_ in m["tax"].objects.filter(id_key=k)
            if t["tax_since"] <= x_.period <= ref
        ]
        if sum(wages) > t["income_limit"]:
            found.add(("taxed_income", pid))
    if len(homes) > t["max_homes"]:
        latest = max(row for rows in homes.values() for row in rows)
        found.add(("multiple_homes", latest[4]))
    if holdings and sum(h[0] for h in holdings) > t["asset_limit"]:
        largest = max(holdings, key=lambda h: (h[0], h[1], h[2]))
        found.add(("financial_assets", largest[3]))
    return found


def per_record(targets, found_for, sources: dict, sample: int, results: dict) -> None:
    """The per-record approach on a sample of the targets' households, scaled to all of them;
    `found_for(targets)`: target -> {(rule, person_id)} of the measured path, for the sample."""
    models_by_code = baseline_models()
    seconds = load_baseline_tables(sources, models_by_code)
    if seconds:
        say("per-record: load sources into indexed tables (once)", seconds)
    by_target: dict[str, list[dict]] = {}
    for row in targets.to_pylist():
        by_target.setdefault(row["target"], []).append(row)
    chosen = random.Random(7).sample(sorted(by_target), min(sample, len(by_target)))
    started = time.perf_counter()
    found = {target: baseline_household(by_target[target], models_by_code) for target in chosen}
    seconds = time.perf_counter() - started
    per_household = seconds / len(chosen)
    scaled = per_household * len(by_target)
    engine_found = found_for(chosen)
    disagreements = [t for t in chosen if found[t] != engine_found.get(t, set())]
    say(
        f"per-record: {len(chosen)} households ({sum(len(by_target[t]) for t in chosen)} members)",
        seconds,
        f"{per_household * 1000:.1f} ms/household, scaled to {len(by_target):,}: {scaled:,.0f} s",
    )
    say(
        "per-record: findings on the sample equal the measured path's",
        extra=f"{len(chosen) - len(disagreements)} of {len(chosen)} households",
    )
    results["per_record"] = {
        "sample_households": len(chosen),
        "sample_members": sum(len(by_target[t]) for t in chosen),
        "sample_s": round(seconds, 2),
        "ms_per_household": round(per_household * 1000, 2),
        "households": len(by_target),
        "scaled_s": round(scaled, 1),
        "findings_in_sample": sum(len(v) for v in found.values()),
        "disagreements": len(disagreements),
    }


def found_by_target(hits) -> dict[str, set]:
    found: dict[str, set] = {}
    for hit in hits.select(["target", "rule", "person_id"]).to_pylist():
        found.setdefault(hit["target"], set()).add((hit["rule"], hit["person_id"]))
    return found


# --------------------------------------------------------------------------------------------
# The job path with the city in the database


def ensure_city_loaded(city: Path) -> None:
    from minzheng.core.context import Actor, acting_as
    from minzheng.people.models import Person
    from minzheng.synth.loader import load_city

    if not Person.objects.exists():
        started = time.perf_counter()
        with acting_as(Actor(username="bench", channel="cli")):
            load_city(src_dir=city)
        say("load the city into the database (once)", time.perf_counter() - started)


# Every column of the rows the applications are made of: an unlisted column without a default
# would make the inserts below fail, so `ensure_applications` checks the models against these.
CASE_COLUMNS = {
    "number": "'{prefix}' || h.id",
    "programme": "{programme}",
    "applicant_id": "h.head_id",
    "household_id": "h.id",
    "region_id": "h.region_id",
    "channel": "'window'",
    "reason": "''",
    "phone": "''",
    "facts": "'{{}}'",
    "is_emergency": "%(false)s",
    "relative_of_staff": "%(false)s",
    "relative_relation": "''",
    "state": "{state}",
    "applied_on": "{applied_on}",
    "stage_started_on": "{applied_on}",
    "created_at": "%(now)s",
    "updated_at": "%(now)s",
}


def ensure_applications(sources_dir: Path, everyone: bool) -> None:
    """An authorised application for every assisted household (programme and date from the
    sources' list; one in ten approved, the beneficiaries, the others waiting for verification)
    and, with `everyone`, for every other household with a head (waiting for verification, 低保 by
    the village's urban or rural type). Set-based, once."""
    import pyarrow.parquet as pq
    from django.db import connection, transaction
    from django.utils import timezone

    from minzheng.cases.models import Authorisation, Case, Document

    wanted = {"B"} | ({"A"} if everyone else set())
    have = {
        prefix for prefix in ("A", "B") if Case.objects.filter(number__startswith=prefix).exists()
    }
    if wanted <= have:
        return
    for field in Case._meta.concrete_fields:
        assert field.primary_key or field.null or field.column in CASE_COLUMNS, field.column
    started = time.perf_counter()
    recheck = pq.read_table(sources_dir / "recheck_households.parquet")
    values = {"false": False, "now": timezone.now(), "apply": AS_OF - dt.timedelta(days=20)}
    columns = ", ".join(CASE_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_beneficiaries")
        cursor.execute(
            "CREATE TEMP TABLE bench_beneficiaries (number varchar(32), programme varchar(32), since date)"
        )
        cursor.executemany(
            "INSERT INTO bench_beneficiaries VALUES (%s, %s, %s)",
            list(
                zip(
                    recheck["household_number"].to_pylist(),
                    recheck["programme"].to_pylist(),
                    recheck["since"].to_pylist(),
                )
            ),
        )
        if "B" not in have:
            select = ", ".join(CASE_COLUMNS.values()).format(
                prefix="B",
                programme="b.programme",
                state="CASE WHEN h.id %% 10 = 0 THEN 'approved' ELSE 'verifying' END",
                applied_on="b.since",
            )
            cursor.execute(
                f"INSERT INTO {Case._meta.db_table} ({columns}) SELECT {select}"
                " FROM bench_beneficiaries b JOIN people_household h ON h.number = b.number",
                values,
            )
        if everyone and "A" not in have:
            select = ", ".join(CASE_COLUMNS.values()).format(
                prefix="A",
                programme="CASE r.urban_rural WHEN 'rural' THEN 'dibao_rural' ELSE 'dibao_urban' END",
                state="'verifying'",
                applied_on="%(apply)s",
            )
            cursor.execute(
                f"INSERT INTO {Case._meta.db_table} ({columns}) SELECT {select}"
                " FROM people_household h JOIN regions_region r ON r.id = h.region_id"
                " WHERE h.head_id IS NOT NULL"
                " AND NOT EXISTS (SELECT 1 FROM bench_beneficiaries b WHERE b.number = h.number)",
                values,
            )
        document, authorisation = Document._meta.db_table, Authorisation._meta.db_table
        cursor.execute(
            f"INSERT INTO {document} (case_id, kind, file, original_name, content_type, extension,"
            " size, sha256, uploaded_at)"
            " SELECT c.id, 'authorisation', 'cases/a.pdf', 'a.pdf', 'application/pdf', '.pdf', 1,"
            f" '{'0' * 64}', %(now)s FROM {Case._meta.db_table} c"
            f" WHERE NOT EXISTS (SELECT 1 FROM {document} d WHERE d.case_id = c.id)",
            values,
        )
        cursor.execute(
            f"INSERT INTO {authorisation} (case_id, document_id, signed_on, signed_by, recorded_at)"
            f" SELECT d.case_id, d.id, c.applied_on, '[\"户主\"]', %(now)s FROM {document} d"
            f" JOIN {Case._meta.db_table} c ON c.id = d.case_id"
            f" WHERE NOT EXISTS (SELECT 1 FROM {authorisation} a WHERE a.case_id = d.case_id)",
            values,
        )
        cursor.execute("DROP TABLE bench_beneficiaries")
        if connection.vendor == "postgresql":  # statistics, as autovacuum would gather them
            cursor.execute(f"ANALYZE {Case._meta.db_table}, {document}, {authorisation}")
    say(
        "an authorised application for every household of the run (once)",
        time.perf_counter() - started,
        f"{Case.objects.count():,} applications",
    )


def job_path(city: Path, sources_dir: Path, everyone: bool, results: dict):
    """One verification run as a job over the chosen households; returns (run, targets)."""
    import pyarrow.parquet as pq

    from minzheng.core import jobs
    from minzheng.core.models import Job
    from minzheng.people.models import Household
    from minzheng.regions.models import Region
    from minzheng.verification import runs, services
    from minzheng.verification.members_table import build_targets
    from minzheng.verification.models import Finding, Run

    ensure_city_loaded(city)
    ensure_applications(sources_dir, everyone)
    recheck = pq.read_table(sources_dir / "recheck_households.parquet")
    beneficiaries = set(recheck["household_number"].to_pylist())
    if everyone:
        household_ids = list(Household.objects.order_by("pk").values_list("pk", flat=True))
    else:
        household_ids = sorted(
            Household.objects.filter(number__in=beneficiaries).values_list("pk", flat=True)
        )
    load = os.getloadavg()[0]
    started = time.perf_counter()
    run = services.start_run(
        user=None,
        kind=Run.Kind.HOUSEHOLDS,
        region=Region.objects.get(code="420800"),
        household_ids=household_ids,
        as_of=AS_OF,
        dispatch_on_commit=False,
    )
    queued = time.perf_counter() - started
    job = jobs.execute(str(run.job_id))
    seconds = time.perf_counter() - started
    assert job.status == Job.Status.SUCCEEDED, job.error
    result = job.result
    say(
        f"job path: start the run over {len(household_ids):,} households",
        queued,
    )
    say(
        "job path: the run as a job, findings written",
        seconds,
        f"{result['households']:,} households, {result['members']:,} members, "
        f"{result['findings']:,} findings ({result['findings_new']:,} new), "
        f"skipped {result['skipped']}, load average {load:.1f} → {os.getloadavg()[0]:.1f}",
    )
    run.refresh_from_db()
    from minzheng.core import crypto
    from minzheng.synth.sources import read_truth, score

    hasher = crypto.lookup_hasher()
    truth = [dict(t, id_number=hasher(t["id_number"])) for t in read_truth(sources_dir)]
    found = {
        row
        for row in Finding.objects.filter(last_run=run)
        .values_list("household__number", "person__id_hash", "rule")
        .iterator(chunk_size=20_000)
        if row[0] in beneficiaries
    }
    score_ = score(found, truth)
    say(
        "job path: recall / precision on the beneficiaries' planted ground truth",
        extra=f"{score_.recall:.4f} / {score_.precision:.4f} ({score_.near_misses_flagged} near misses flagged)",
    )
    results["job_path"] = {
        "households_asked": len(household_ids),
        "start_run_s": round(queued, 2),
        "total_s": round(seconds, 2),
        "timings": result["timings"],
        "households": result["households"],
        "members": result["members"],
        "findings": result["findings"],
        "findings_new": result["findings_new"],
        "skipped": result["skipped"],
        "recall": score_.recall,
        "precision": score_.precision,
        "load_average": [load, os.getloadavg()[0]],
    }
    # The targets the job verified, rebuilt with the same code for the per-record comparison.
    from minzheng.assistance.selectors import standards_table

    households, _skipped, _cases = runs.collect_households(run)
    members = runs.load_members(households)
    targets, _used = build_targets(
        households, members, ref=run.as_of, standards=standards_table(run.as_of)
    )
    return run, targets


def findings_of(run, targets: list[str]) -> dict[str, set]:
    from minzheng.verification.models import Finding

    found: dict[str, set] = {}
    for start in range(0, len(targets), 500):
        for target, rule, person_id in Finding.objects.filter(
            last_run=run, target__in=targets[start : start + 500]
        ).values_list("target", "rule", "person_id"):
            found.setdefault(target, set()).add((rule, person_id))
    return found


# --------------------------------------------------------------------------------------------


def main(argv=None) -> dict:
    args = parse_args(argv)
    work = args.work / (f"{args.persons}" if args.part == "main" else f"spark-{args.persons}")
    setup_django(work, args.database_url if args.part == "main" else "")
    from django.db import connection

    results: dict = {
        "persons": args.persons,
        "cores": os.cpu_count(),
        "as_of": AS_OF.isoformat(),
        "database": connection.vendor,
        "load_average_start": os.getloadavg(),
    }
    city, sources_dir = prepare_city(work, args, results)
    sources = import_sources(sources_dir, results)
    from minzheng.synth import sources as synth_sources

    truth = synth_sources.read_truth(sources_dir)
    if args.part == "spark":
        from minzheng.verification.engines import spark_session

        duck_hits, files, _targets = recheck_on_engine(
            city, sources_dir, sources, work, "duckdb", results
        )
        started = time.perf_counter()
        session = spark_session()
        say("spark: start a local session", time.perf_counter() - started)
        spark_hits, files, _targets = recheck_on_engine(
            city, sources_dir, sources, work, "spark", results, spark=session
        )
        session.stop()
        results["spark_same_hits_as_duckdb"] = duck_hits.equals(spark_hits)
        score = synth_sources.score(synth_sources.found_from_hits(spark_hits, files), truth)
        results["spark_score"] = {"recall": score.recall, "precision": score.precision}
        say("spark: same hits as DuckDB", extra=str(results["spark_same_hits_as_duckdb"]))
        return results

    hits, files, _targets = recheck_on_engine(city, sources_dir, sources, work, "duckdb", results)
    score = synth_sources.score(synth_sources.found_from_hits(hits, files), truth)
    results["score"] = score.as_dict()
    say(
        "recall / precision against the planted ground truth",
        extra=f"{score.recall:.4f} / {score.precision:.4f} "
        f"({score.true_positives} of {score.planted} planted, {score.false_positives} false, "
        f"{score.near_misses_flagged} near misses flagged)",
    )
    run, targets = job_path(city, sources_dir, args.households == "all", results)
    per_record(targets, lambda chosen: findings_of(run, chosen), sources, args.sample, results)
    scaled = results["per_record"]["scaled_s"]
    results["speedup_vs_per_record"] = {
        "job_path": round(scaled / results["job_path"]["total_s"], 1)
    }
    say(
        "speed-up of the job path over the per-record approach",
        extra=f"{results['speedup_vs_per_record']['job_path']}x",
    )
    results["load_average_end"] = os.getloadavg()
    if args.spark_persons:
        import subprocess

        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--part",
                "spark",
                "--persons",
                str(args.spark_persons),
                "--assisted",
                str(max(100, args.spark_persons // 30)),
                "--work",
                str(args.work),
                "--seed",
                str(args.seed),
            ],
            capture_output=True,
            text=True,
        )
        print(proc.stdout.split("{", 1)[0].rstrip(), flush=True)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
        else:
            results["spark"] = json.loads("{" + proc.stdout.split("{", 1)[1])
    return results


if __name__ == "__main__":
    summary = main()
    print(json.dumps(summary, indent=2, ensure_ascii=False, default=str))

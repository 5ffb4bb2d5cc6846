"""Benchmark of household economic-status verification.

    .venv/bin/python bench/bench_verification.py [--persons 2900000] [--beneficiaries 100000] [--work DIR]
                                                 [--sample 400] [--db] [--spark-persons 50000]

What it measures, on a synthetic city and its generated departmental data (everything under
--work, default var/bench-verification; its own SQLite database, so nothing else is touched):

1. generation of the departmental sources and their import as batches (rows/s);
2. the periodic recheck of every beneficiary household against every source on DuckDB: building
   the targets table (members and their parameters from the standards), the 14 rules, and turning
   hits into findings; recall and precision against the planted ground truth;
3. the per-record approach for comparison: every source loaded into the same database (indexed on
   the join key), then for a random sample of households one ORM query per member per source and
   the rules evaluated in Python; its time is scaled to all households and its findings are
   compared with the engine's on the sample;
4. with --db: the city loaded into the database, one authorised application per beneficiary
   household, and the real job path (`minzheng.verification.runs.execute`) over all of them,
   findings written to the database;
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
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--work", type=Path, default=REPO / "var" / "bench-verification")
    parser.add_argument(
        "--sample", type=int, default=400, help="households for the per-record approach"
    )
    parser.add_argument(
        "--db",
        action="store_true",
        help="also load the city and run the job path with database writes",
    )
    parser.add_argument(
        "--spark-persons",
        type=int,
        default=50_000,
        help="city size for the Spark comparison (0: skip)",
    )
    parser.add_argument("--part", choices=["main", "spark"], default="main", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def setup_django(work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    os.environ["MINZHENG_VAR_DIR"] = str(work)
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


def say(label: str, seconds: float | None = None, extra: str = "") -> None:
    timing = f"{seconds:8.2f} s" if seconds is not None else " " * 10
    print(f"{label:58s}{timing}  {extra}", flush=True)


def prepare_city(work: Path, persons: int, beneficiaries: int, seed: int, results: dict) -> Path:
    from minzheng.synth.generator import generate_city
    from minzheng.synth.sources import generate_sources

    city = work / f"city-{persons}-{seed}"
    if not (city / "manifest.json").exists():
        started = time.perf_counter()
        generate_city(persons=persons, seed=seed, out_dir=city, as_of=AS_OF)
        say(f"generate city ({persons:,} persons)", time.perf_counter() - started)
    if not (city / "sources" / "manifest.json").exists():
        started = time.perf_counter()
        manifest = generate_sources(city_dir=city, seed=seed, beneficiary_households=beneficiaries)
        seconds = time.perf_counter() - started
        say("generate departmental sources", seconds, f"{manifest['rows']:,} rows")
        results["generate_sources_s"] = round(seconds, 2)
    manifest = json.loads((city / "sources" / "manifest.json").read_text())
    results["source_rows"] = manifest["rows"]
    results["beneficiary_households"] = manifest["beneficiary_households"]
    results["beneficiary_members"] = manifest["beneficiary_members"]
    results["planted"] = manifest["planted"]
    return city


def import_sources(city: Path, results: dict) -> dict:
    from minzheng.verification import imports, services
    from minzheng.verification.models import SourceBatch

    if not SourceBatch.objects.filter(status="imported").exists():
        started = time.perf_counter()
        batches = services.import_directory(directory=city / "sources", as_of=AS_OF)
        seconds = time.perf_counter() - started
        rows = sum(b.rows_imported for b in batches)
        say("import 14 sources as batches", seconds, f"{rows:,} rows, {rows / seconds:,.0f} rows/s")
        results["import_s"] = round(seconds, 2)
    return {
        code: [imports.batch_path(b) for b in rows]
        for code, rows in imports.current_batches().items()
    }


def recheck_on_engine(
    city: Path, sources: dict, work: Path, engine: str, results: dict, spark=None, label: str = ""
):
    """Targets, rules and findings for every beneficiary household; returns (hits, files)."""
    import pyarrow.parquet as pq

    from minzheng.assistance.selectors import standards_table
    from minzheng.synth import sources as synth_sources
    from minzheng.verification import engines, rules
    from minzheng.verification.runs import check_keys
    from minzheng.verification.targets import build_targets

    timings = {}
    started = time.perf_counter()
    files = synth_sources.recheck_targets(city)
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
    import pyarrow.parquet as pq
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='bench_src_deaths'"
        )
        if cursor.fetchone():
            return 0.0
        for code, paths in sources.items():
            model = models_by_code[code]
            fields = [f for f in model._meta.fields if f.name != "id"]
            columns = ", ".join(f'"{f.column}" {f.db_type(connection)}' for f in fields)
            cursor.execute(
                f"CREATE TABLE {model._meta.db_table} (id integer PRIMARY KEY, {columns})"
            )
            marks = ", ".join("?" for _ in fields)
            insert = f"INSERT INTO {model._meta.db_table} ({', '.join(chr(34) + f.column + chr(34) for f in fields)}) VALUES ({marks})"
            for path in paths:
                for batch in pq.ParquetFile(path).iter_batches(batch_size=200_000):
                    table = batch.to_pydict()
                    rows = zip(
                        *[
                            [
                                v.isoformat() if isinstance(v, dt.date) else v
                                for v in table[f.column]
                            ]
                            for f in fields
                        ]
                    )
                    connection.connection.executemany(insert, rows)
            for key in BASELINE_KEYS[code]:
                cursor.execute(f"CREATE INDEX bench_{code}_{key} ON {model._meta.db_table} ({key})")
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
        months = {
            s.period
            for s in m["social_insurance"].objects.filter(id_key=k)
            if s.payer == "employer" and t["insurance_since"] <= s.period <= ref
        }
        if len(months) >= t["insurance_min_months"]:
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


def per_record(targets, hits, sources: dict, sample: int, results: dict) -> None:
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
    engine_found: dict[str, set] = {}
    for hit in hits.select(["target", "rule", "person_id"]).to_pylist():
        engine_found.setdefault(hit["target"], set()).add((hit["rule"], hit["person_id"]))
    disagreements = [t for t in chosen if found[t] != engine_found.get(t, set())]
    say(
        f"per-record: {len(chosen)} households ({sum(len(by_target[t]) for t in chosen)} members)",
        seconds,
        f"{per_household * 1000:.1f} ms/household, scaled to {len(by_target):,}: {scaled:,.0f} s",
    )
    results["per_record"] = {
        "sample_households": len(chosen),
        "sample_s": round(seconds, 2),
        "ms_per_household": round(per_household * 1000, 2),
        "scaled_s": round(scaled, 1),
        "findings_in_sample": sum(len(v) for v in found.values()),
        "disagreements_with_engine": len(disagreements),
    }


# --------------------------------------------------------------------------------------------
# The job path with the city in the database


def job_path(city: Path, results: dict) -> None:
    import pyarrow.parquet as pq

    from minzheng.cases.models import Authorisation, Case, Channel, Document, DocumentKind, State
    from minzheng.people.models import Household, Person
    from minzheng.regions.models import Region
    from minzheng.synth.loader import load_city
    from minzheng.verification import runs, services
    from minzheng.verification.models import Finding, Run
    from minzheng.verification.scoring import score_run

    if not Person.objects.exists():
        started = time.perf_counter()
        load_city(src_dir=city)
        say("load the city into the database (once)", time.perf_counter() - started)
    recheck = pq.read_table(city / "sources" / "recheck_households.parquet").to_pylist()
    if not Case.objects.filter(number__startswith="B").exists():
        started = time.perf_counter()
        ids = dict(
            Household.objects.filter(
                number__in=[r["household_number"] for r in recheck]
            ).values_list("number", "pk")
        )
        heads = dict(Household.objects.filter(pk__in=ids.values()).values_list("pk", "head_id"))
        regions = dict(Household.objects.filter(pk__in=ids.values()).values_list("pk", "region_id"))
        for start in range(0, len(recheck), 10_000):
            part = recheck[start : start + 10_000]
            cases = Case.objects.bulk_create(
                [
                    Case(
                        number=f"B{start + i:09d}",
                        programme=r["programme"],
                        applicant_id=heads[ids[r["household_number"]]],
                        household_id=ids[r["household_number"]],
                        region_id=regions[ids[r["household_number"]]],
                        channel=Channel.WINDOW,
                        state=State.APPROVED,
                        applied_on=r["since"],
                        stage_started_on=r["since"],
                    )
                    for i, r in enumerate(part)
                ]
            )
            documents = Document.objects.bulk_create(
                [
                    Document(
                        case=c,
                        kind=DocumentKind.AUTHORISATION,
                        file="cases/a.pdf",
                        original_name="a.pdf",
                        content_type="application/pdf",
                        extension=".pdf",
                        size=1,
                        sha256="0" * 64,
                    )
                    for c in cases
                ]
            )
            Authorisation.objects.bulk_create(
                [
                    Authorisation(case=c, document=d, signed_on=c.applied_on, signed_by=["户主"])
                    for c, d in zip(cases, documents)
                ]
            )
        say(
            "approved, authorised applications for every beneficiary (once)",
            time.perf_counter() - started,
        )
    household_ids = sorted(
        Household.objects.filter(number__in=[r["household_number"] for r in recheck]).values_list(
            "pk", flat=True
        )
    )
    run = services.start_run(
        user=None,
        kind=Run.Kind.HOUSEHOLDS,
        region=Region.objects.get(code="420800"),
        household_ids=household_ids,
        as_of=AS_OF,
        dispatch_on_commit=False,
    )
    started = time.perf_counter()
    result = runs.execute(run.pk)
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    score = score_run(run, city / "sources")
    say(
        "job path: recheck with database reads and writes",
        seconds,
        f"{result['households']:,} households, {result['findings']:,} findings, recall {score.recall:.4f}, precision {score.precision:.4f}",
    )
    results["job_path"] = {
        "total_s": round(seconds, 2),
        "timings": result["timings"],
        "findings": result["findings"],
        "findings_in_db": Finding.objects.filter(last_run=run).count(),
        "recall": score.recall,
        "precision": score.precision,
    }


# --------------------------------------------------------------------------------------------


def main(argv=None) -> dict:
    args = parse_args(argv)
    work = args.work / (f"{args.persons}" if args.part == "main" else f"spark-{args.persons}")
    setup_django(work)
    results: dict = {"persons": args.persons, "cores": os.cpu_count(), "as_of": AS_OF.isoformat()}
    city = prepare_city(work, args.persons, args.beneficiaries, args.seed, results)
    sources = import_sources(city, results)
    from minzheng.synth import sources as synth_sources

    truth = synth_sources.read_truth(city / "sources")
    if args.part == "spark":
        from minzheng.verification.engines import spark_session

        duck_hits, files, _targets = recheck_on_engine(city, sources, work, "duckdb", results)
        started = time.perf_counter()
        session = spark_session()
        say("spark: start a local session", time.perf_counter() - started)
        spark_hits, files, _targets = recheck_on_engine(
            city, sources, work, "spark", results, spark=session
        )
        session.stop()
        results["spark_same_hits_as_duckdb"] = duck_hits.equals(spark_hits)
        score = synth_sources.score(synth_sources.found_from_hits(spark_hits, files), truth)
        results["spark_score"] = {"recall": score.recall, "precision": score.precision}
        say("spark: same hits as DuckDB", extra=str(results["spark_same_hits_as_duckdb"]))
        return results

    hits, files, targets = recheck_on_engine(city, sources, work, "duckdb", results)
    score = synth_sources.score(synth_sources.found_from_hits(hits, files), truth)
    results["score"] = score.as_dict()
    say(
        "recall / precision against the planted ground truth",
        extra=f"{score.recall:.4f} / {score.precision:.4f} "
        f"({score.true_positives} of {score.planted} planted, {score.false_positives} false, "
        f"{score.near_misses_flagged} near misses flagged)",
    )
    per_record(targets, hits, sources, args.sample, results)
    scaled = results["per_record"]["scaled_s"]
    results["speedup_vs_per_record"] = {
        "engine_from_files": round(scaled / results["duckdb"]["total"], 1)
    }
    if args.db:
        job_path(city, results)
        results["speedup_vs_per_record"]["job_path"] = round(
            scaled / results["job_path"]["total_s"], 1
        )
    for name, factor in results["speedup_vs_per_record"].items():
        say(f"speed-up over the per-record approach ({name.replace('_', ' ')})", extra=f"{factor}x")
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
                "--beneficiaries",
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

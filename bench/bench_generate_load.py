"""Benchmark: generate a full-scale synthetic Jingmen, bulk-load it into PostgreSQL, and compare
with Django's `bulk_create` measured on a sample in the same run.

    .venv/bin/python bench/bench_generate_load.py                  # 2,900,000 persons
    .venv/bin/python bench/bench_generate_load.py --persons 200000 --sample 20000

Creates a scratch database (default `minzheng_bench` on 127.0.0.1:5432, user postgres), migrates
it, and drops it at the end (unless --keep-db). Goals: load ≤ 30 s, ≥ 5× faster than bulk_create.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=2_900_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument(
        "--sample",
        type=int,
        default=50_000,
        help="persons inserted with bulk_create for the baseline",
    )
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/minzheng_bench"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="Parquet directory (default var/synth/bench-<persons>-<seed>)",
    )
    parser.add_argument(
        "--reload",
        action="store_true",
        help="also time a second load of the same files (adds nothing)",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="leave the scratch database in place"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes that encrypt and hash (default: the loader's, one per core but one,"
        " at least one; 0: in the loading process, as before 2026-12-07)",
    )
    parser.add_argument(
        "--lc-collate",
        default=None,
        help="create the scratch database with this LC_COLLATE (e.g. C) instead of the cluster default",
    )
    return parser.parse_args()


def admin_connection(database_url: str):
    import psycopg

    parts = urlsplit(database_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin_url, autocommit=True), parts.path.lstrip("/")


def recreate_database(database_url: str, lc_collate: str | None) -> str:
    """Create the scratch database; return its collation."""
    conn, name = admin_connection(database_url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if lc_collate:
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LC_COLLATE '{lc_collate}'")
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
        return conn.execute(
            "SELECT datcollate FROM pg_database WHERE datname = %s", [name]
        ).fetchone()[0]


def drop_database(database_url: str) -> None:
    conn, name = admin_connection(database_url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PhaseLog:
    """Progress callback printing when each phase starts and how long the previous one took."""

    def __init__(self, label: str):
        self.label = label
        self.started = self.phase_started = time.perf_counter()
        self.phase = None
        self.phases: dict[str, float] = {}

    def __call__(self, done: int, total: int, message: str) -> None:
        now = time.perf_counter()
        if message != self.phase:
            if self.phase is not None:
                self.phases[self.phase] = round(now - self.phase_started, 2)
            self.phase, self.phase_started = message, now
            print(
                f"  {self.label} {now - self.started:7.1f}s  {done:>10,}/{total:,}  {message}",
                file=sys.stderr,
                flush=True,
            )


def bulk_create_baseline(src_dir: Path, sample: int) -> dict:
    """The same rows through the ORM: the first `sample` persons with their households and
    memberships, built as model instances with the same encryption, hashing and masking, then
    `bulk_create` in batches of 1,000, each table timed. Rolled back afterwards, so the real load
    starts from empty tables (which also spares the baseline the cost of large indexes)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from django.db import transaction

    from minzheng.core import crypto, idcard
    from minzheng.people.models import Household, HouseholdMember, Person
    from minzheng.synth.loader import _load_villages

    people = pq.read_table(src_dir / "persons.parquet").slice(0, sample)
    members = pq.read_table(src_dir / "members.parquet").slice(0, sample)
    households = pq.read_table(src_dir / "households.parquet")
    households = households.filter(
        pc.is_in(households["number"], value_set=pc.unique(members["household_number"]))
    )
    villages = pq.read_table(src_dir / "villages.parquet")
    timings = {}
    with transaction.atomic():
        region_id, _new = _load_villages(villages)
        encrypt, hasher = crypto.encryptor(), crypto.lookup_hasher()

        started = time.perf_counter()
        persons = [
            Person(
                id_hash=hasher(p["id_number"]),
                id_cipher=encrypt(p["id_number"]),
                id_masked=idcard.mask(p["id_number"]),
                name=p["name"],
                name_pinyin=p["name_pinyin"],
                sex=p["sex"],
                birth_date=p["birth_date"],
                hukou_region_id=region_id[p["village_code"]],
                hukou_type=p["hukou_type"],
                disability_type=p["disability_type"] or "",
                disability_grade=p["disability_grade"],
                death_date=p["death_date"],
                phone=p["phone"] or "",
            )
            for p in people.to_pylist()
        ]
        Person.objects.bulk_create(persons, batch_size=1_000)
        timings["persons"] = (len(persons), time.perf_counter() - started)
        person_by_id = dict(zip(people["id_number"].to_pylist(), persons))

        started = time.perf_counter()
        homes = [
            Household(
                number=h["number"],
                region_id=region_id[h["village_code"]],
                address=h["address"] or "",
                head=person_by_id.get(h["head_id_number"]),
                bank_name=h["bank_name"] or "",
                bank_account_cipher=encrypt(h["bank_account"]) if h["bank_account"] else "",
                bank_account_masked=idcard.mask(h["bank_account"]) if h["bank_account"] else "",
            )
            for h in households.to_pylist()
        ]
        Household.objects.bulk_create(homes, batch_size=1_000)
        timings["households"] = (len(homes), time.perf_counter() - started)
        home_by_number = {h.number: h for h in homes}

        started = time.perf_counter()
        memberships = [
            HouseholdMember(
                household=home_by_number[m["household_number"]],
                person=person_by_id[m["id_number"]],
                relation=m["relation"],
                since=m["since"],
                until=m["until"],
            )
            for m in members.to_pylist()
        ]
        HouseholdMember.objects.bulk_create(memberships, batch_size=1_000)
        timings["members"] = (len(memberships), time.perf_counter() - started)
        transaction.set_rollback(True)
    return {
        table: {
            "rows": rows,
            "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds),
        }
        for table, (rows, seconds) in timings.items()
    }


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    collation = recreate_database(args.database_url, args.lc_collate)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    from minzheng.core.context import Actor, acting_as
    from minzheng.synth.generator import generate_city
    from minzheng.synth.loader import load_city

    report: dict = {
        "persons": args.persons,
        "seed": args.seed,
        "cpus": os.cpu_count(),
        "lc_collate": collation,
        "load_average_start": os.getloadavg(),
        "workers": args.workers,
    }
    try:
        call_command("migrate", verbosity=0)
        out_dir = args.out or Path(settings.VAR_DIR) / "synth" / f"bench-{args.persons}-{args.seed}"
        shutil.rmtree(out_dir, ignore_errors=True)

        print(f"generating {args.persons:,} persons → {out_dir}", file=sys.stderr)
        started = time.perf_counter()
        manifest = generate_city(
            persons=args.persons, seed=args.seed, out_dir=out_dir, progress=PhaseLog("generate")
        )
        report["generate_seconds"] = round(time.perf_counter() - started, 2)
        report["households"] = manifest["households"]
        report["parquet_mb"] = round(
            sum((out_dir / f).stat().st_size for f in manifest["files"]) / 1e6, 1
        )

        sample = min(args.sample, args.persons)
        print(f"bulk_create baseline on {sample:,} persons", file=sys.stderr)
        baseline = bulk_create_baseline(out_dir, sample)
        report["bulk_create"] = baseline

        print("load_city into PostgreSQL", file=sys.stderr)
        log = PhaseLog("load")
        started = time.perf_counter()
        with acting_as(Actor(username="bench", channel="cli")):
            result = load_city(src_dir=out_dir, progress=log, workers=args.workers)
        load_seconds = time.perf_counter() - started
        log(0, 0, "end")
        report["load_average_after_load"] = os.getloadavg()
        with connection.cursor() as cursor:
            counts = {}
            for table in ("people_person", "people_household", "people_householdmember"):
                cursor.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cursor.fetchone()[0]
        assert counts["people_person"] == manifest["persons"], counts
        assert counts["people_household"] == manifest["households"], counts
        assert counts["people_householdmember"] == manifest["members"], counts
        rows = manifest["persons"] + manifest["households"] + manifest["members"]
        report["load"] = {
            "seconds": round(load_seconds, 2),
            "persons_per_second": round(manifest["persons"] / load_seconds),
            "rows_per_second": round(rows / load_seconds),
            "rows": rows,
            "phases": log.phases,
            "added": result["added"],
        }
        # Scale each table's ORM rate to the full row counts.
        orm_persons = manifest["persons"] / baseline["persons"]["rows_per_second"]
        orm_total = (
            orm_persons
            + manifest["households"] / baseline["households"]["rows_per_second"]
            + manifest["members"] / baseline["members"]["rows_per_second"]
        )
        report["bulk_create_scaled_seconds"] = {
            "persons": round(orm_persons, 1),
            "all_rows": round(orm_total, 1),
        }
        report["speedup"] = {
            "same_rows": round(orm_total / load_seconds, 1),
            "persons_only_baseline": round(orm_persons / load_seconds, 1),
            "rows_per_second": round(
                report["load"]["rows_per_second"] / baseline["persons"]["rows_per_second"], 1
            ),
        }

        if args.reload:
            print("second load of the same files", file=sys.stderr)
            started = time.perf_counter()
            with acting_as(Actor(username="bench", channel="cli")):
                again = load_city(src_dir=out_dir, progress=PhaseLog("reload"))
            report["reload"] = {
                "seconds": round(time.perf_counter() - started, 2),
                "added": again["added"],
            }
    finally:
        report["load_average_end"] = os.getloadavg()
        report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        connections.close_all()
        if not args.keep_db:
            drop_database(args.database_url)

    load, speedup = report["load"], report["speedup"]
    print()
    print(
        f"persons                 {args.persons:,} ({report['households']:,} households), seed {args.seed}; database LC_COLLATE {collation}"
    )
    print(
        f"generate                {report['generate_seconds']:.1f} s  ({report['parquet_mb']} MB Parquet)"
    )
    print(
        f"load_city               {load['seconds']:.1f} s  ({load['persons_per_second']:,} persons/s; {load['rows_per_second']:,} rows/s over {load['rows']:,} rows)"
    )
    for table, figures in baseline.items():
        print(
            f"bulk_create {table:<11} {figures['rows_per_second']:,} rows/s ({figures['rows']:,} rows in {figures['seconds']} s)"
        )
    print(
        f"bulk_create, scaled     {report['bulk_create_scaled_seconds']['all_rows']:.0f} s for the same rows "
        f"({report['bulk_create_scaled_seconds']['persons']:.0f} s for the persons alone)"
    )
    print(
        f"speed-up                {speedup['same_rows']}× same rows; {speedup['persons_only_baseline']}× against persons alone; "
        f"{speedup['rows_per_second']}× in rows/s"
    )
    if "reload" in report:
        print(
            f"reload                  {report['reload']['seconds']:.1f} s, added {report['reload']['added']}"
        )
    goal = load["seconds"] <= 30 and speedup["same_rows"] >= 5
    print(f"goal (≤ 30 s, ≥ 5× bulk_create of the same rows): {'met' if goal else 'MISSED'}")
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Benchmark: a county's monthly payroll with 30,000 special-care pensions together with the
assistance payroll, on PostgreSQL.

    .venv/bin/python bench/bench_specialcare_payroll.py
    .venv/bin/python bench/bench_specialcare_payroll.py --recipients 5000 --persons 60000 --sample 1000

Creates a scratch database (default `specialcare_payroll_bench` on 127.0.0.1:5432, user postgres),
migrates it, loads a synthetic city (`minzheng.synth`), gives `--assistance` households of the city
an active 低保 entitlement (bench_payroll.create_beneficiaries), puts `--recipients` living adults
of the most populous county on the special-care roster (disabled veterans of every grade and
cause, families of martyrs, veterans in the countryside…), confirms their pensions with the
county's set-based "confirm all due" (timed), then measures:

* the county's payroll of one month — pensions and assistance in the same run (set-based), and its
  re-run (must add 0 lines);
* the obvious per-row ORM payroll (bench_payroll.per_row_payroll) on a sample of the same county,
  scaled to the same number of lines, and the ratio.

Goal: the county's payroll ≤ 10 s. Timed `--repeat` times on the next months; the best counts.
The database is dropped at the end unless --keep-db.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
from pathlib import Path

from bench_payroll import create_beneficiaries, per_row_payroll
from scratch import drop_database, recreate_database, timed

CATEGORIES = [
    # (category, cause, grades) drawn in turn: about half disabled veterans.
    ("disabled_veteran", "war", range(1, 11)),
    ("disabled_veteran", "duty", range(1, 11)),
    ("disabled_veteran", "illness", range(1, 7)),
    ("martyr_family", "", [None]),
    ("rural_veteran", "", [None]),
    ("illness_death_family", "", [None]),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=30_000)
    parser.add_argument("--assistance", type=int, default=30_000)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--sample", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/specialcare_payroll_bench"
    )
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


def create_recipients(county, count: int, on: dt.date) -> int:
    """`count` living adults of the county with a household, on the roster (bulk)."""
    from django.db.models import Q

    from minzheng.people.models import HouseholdMember
    from minzheng.specialcare.models import Recipient

    people = list(
        HouseholdMember.objects.filter(
            until__isnull=True,
            person__hukou_region__path__startswith=county.path,
            person__birth_date__lte=dt.date(on.year - 30, 1, 1),
        )
        .filter(Q(person__death_date__isnull=True))
        .order_by("person_id")
        .values_list("person_id", "person__hukou_region_id")
        .distinct()[:count]
    )
    if len(people) < count:
        raise SystemExit(
            f"the county has {len(people):,} adults with a household; use more --persons"
        )
    draws = [(c, cause, g) for c, cause, grades in CATEGORIES for g in grades]
    rows = []
    for i, (person_id, region_id) in enumerate(people):
        category, cause, grade = draws[i % len(draws)]
        rows.append(
            Recipient(
                person_id=person_id,
                region_id=region_id,
                category=category,
                registered_on=dt.date(on.year - 2, 1, 1),
                disability_grade=grade,
                disability_cause=cause,
            )
        )
    Recipient.objects.bulk_create(rows, batch_size=5_000)
    return len(rows)


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    recreate_database(args.database_url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.models import Count

    from minzheng.accounts.models import User
    from minzheng.assistance.services import load_default_standards
    from minzheng.core.context import Actor, acting_as
    from minzheng.core.roles import Role
    from minzheng.payments import months, payroll
    from minzheng.payments.models import PayrollLine, PayrollRun
    from minzheng.people.models import Person
    from minzheng.regions.models import Region
    from minzheng.regions.services import load_jingmen
    from minzheng.specialcare import benefits
    from minzheng.synth.generator import default_as_of, generate_city
    from minzheng.synth.loader import load_city

    report: dict = {
        "recipients": args.recipients,
        "persons": args.persons,
        "seed": args.seed,
        "cpus": os.cpu_count(),
        "load_average_start": os.getloadavg(),
    }
    as_of = default_as_of()
    approved_on = as_of - dt.timedelta(days=45)
    month = as_of
    try:
        call_command("migrate", verbosity=0)
        with acting_as(Actor(username="bench", channel="cli")):
            load_jingmen()
            load_default_standards()
            out_dir = (
                Path(settings.VAR_DIR)
                / "synth"
                / f"bench-{args.persons}-{args.seed}-{as_of.isoformat()}"
            )
            if not (out_dir / "manifest.json").exists():
                timed(
                    f"generate {args.persons:,} persons",
                    generate_city,
                    persons=args.persons,
                    seed=args.seed,
                    out_dir=out_dir,
                    as_of=as_of,
                )
            timed("load the city", load_city, src_dir=out_dir)
            made, seconds = timed(
                f"create {args.assistance:,} assistance entitlements",
                create_beneficiaries,
                args.assistance,
                approved_on,
                args.seed,
            )
            report["assistance_setup"] = {**made, "seconds": round(seconds, 1)}
            counties = Region.objects.filter(level=Region.Level.COUNTY)
            county = max(
                counties,
                key=lambda c: Person.objects.filter(hukou_region__path__startswith=c.path).count(),
            )
            report["county"] = county.name
            made, seconds = timed(
                f"put {args.recipients:,} recipients of {county.name} on the roster",
                create_recipients,
                county,
                args.recipients,
                approved_on,
            )
            approver = User.objects.create_user(
                username="bench_approver", password="x", role=Role.COUNTY_APPROVER, region=county
            )
            confirmed, seconds = timed(
                "confirm every due pension of the county (set-based)",
                benefits.confirm_all_due,
                user=approver,
                county=county,
                on=approved_on,
            )
            report["confirm_all_due"] = {**confirmed, "seconds": round(seconds, 2)}
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

            times, first_run = [], None
            for repeat in range(args.repeat):
                pay_month = months.add_months(month, repeat)
                run = PayrollRun.objects.create(county=county, month=pay_month)
                result, seconds = timed(
                    f"payroll {pay_month:%Y-%m} of {county.name}", payroll.compute_payroll, run=run
                )
                times.append(round(seconds, 2))
                if first_run is None:
                    first_run, first_result = run, result
            lines = PayrollLine.objects.filter(run=first_run)
            by_programme = dict(
                lines.values("programme").annotate(n=Count("id")).values_list("programme", "n")
            )
            report["payroll"] = {
                "seconds": min(times),
                "each_run": times,
                "lines": lines.count(),
                "by_programme": by_programme,
                "added": first_result["added"],
            }
            again, seconds = timed("payroll re-run", payroll.compute_payroll, run=first_run)
            report["rerun"] = {"seconds": round(seconds, 2), "added": again["added"]}
            (written, seconds), _total = timed(
                f"per-row ORM payroll, {args.sample:,} lines",
                per_row_payroll,
                county,
                month.replace(year=month.year + 1),
                args.sample,
            )
            per_line = seconds / max(written, 1)
            n = report["payroll"]["lines"]
            report["per_row_orm"] = {
                "lines": written,
                "seconds": round(seconds, 2),
                "ms_per_line": round(per_line * 1000, 3),
                "scaled_seconds": round(per_line * n, 1),
            }
            report["speedup"] = round(per_line * n / report["payroll"]["seconds"], 1)
    finally:
        report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        report["load_average_end"] = os.getloadavg()
        connections.close_all()
        if not args.keep_db:
            drop_database(args.database_url)

    p, o = report["payroll"], report["per_row_orm"]
    print()
    print(
        f"county payroll       {p['seconds']:.2f} s (best of {p['each_run']}) for {p['lines']:,} lines "
        f"in {report['county']}: {p['by_programme']}  (goal ≤ 10 s)"
    )
    print(
        f"re-run               {report['rerun']['seconds']:.2f} s, added {report['rerun']['added']}"
    )
    print(
        f"per-row ORM          {o['ms_per_line']} ms a line → {o['scaled_seconds']} s for the same lines; "
        f"set-based is {report['speedup']}× faster"
    )
    print(
        f"confirm all due      {report['confirm_all_due']['confirmed']:,} pensions in "
        f"{report['confirm_all_due']['seconds']} s"
    )
    print(json.dumps(report, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()

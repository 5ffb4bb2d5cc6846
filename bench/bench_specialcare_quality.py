"""Benchmark: every data-quality rule of the special-care roster over 30,000 records (and the
full city's ~100,000 with --records 100000), on PostgreSQL.

    .venv/bin/python bench/bench_specialcare_quality.py
    .venv/bin/python bench/bench_specialcare_quality.py --records 100000 --database-url postgres://…/x

Creates a scratch database (default `specialcare_bench` on 127.0.0.1:5432, user postgres),
migrates it, loads the Jingmen tree and writes `--records` persons of the registry spread over
every village (four made under each township), each with a roster record (set-up, not timed),
with the gaps the rules look for: 1 in 12 never authenticated, 1 in 30 without certificate
number, some disabled veterans without cause, serving families without kind of service, veterans
discharged before they enlisted and martyrs' families with a grade, 1 in 200 dead in the
registry, 1 in 150 registered in another county, and one change for every tenth record (a fifth
of them approved late, a seventh still pending). Then it measures,
best of 3:

* every rule's failing records (`rule.failing(on)`, one query each) — the figure compared with
  the goal is the sum over all rules;
* targets 15.2–15.5 for every region (`indicators.quality_rates`, one GROUP BY per dimension);
* the naive baseline in the same run: every record read and checked in Python one at a time,
  its changes fetched per record and each deadline counted on the calendar; and the ratio.

The set of failing (rule, record) pairs is checked equal to the baseline's. Goal: all rules
≤ 5 s. The database is dropped at the end unless --keep-db.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time

from scratch import drop_database, recreate_database, timed

ON = dt.date(2026, 6, 15)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/specialcare_bench"
    )
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


CATEGORIES = [
    "disabled_veteran",
    "rural_veteran",
    "illness_veteran",
    "war_veteran",
    "martyr_family",
    "serving_family",
]


def make_roster(count: int, user) -> None:
    from minzheng.people.models import Person
    from minzheng.regions.models import Region
    from minzheng.specialcare.models import Recipient, RecipientChange
    from minzheng.specialcare.quality import due_date

    townships = list(Region.objects.filter(level="township").order_by("path"))
    # load_jingmen() stops at the townships: four villages under each.
    Region.objects.bulk_create(
        [
            Region(
                code=f"{t.code}{n:03d}",
                name=f"{t.name}{n}村",
                level="village",
                parent=t,
                path=f"{t.path}{t.code}{n:03d}/",
                urban_rural="rural",
            )
            for t in townships
            for n in range(1, 5)
        ]
    )
    villages = list(Region.objects.filter(level="village").order_by("path"))
    other = {
        v.pk: villages[(n + len(villages) // 2) % len(villages)] for n, v in enumerate(villages)
    }
    persons = Person.objects.bulk_create(
        [
            Person(
                id_hash=f"bench{n:010d}",
                id_cipher="-",
                id_masked=f"4208{'*' * 10}{n % 10000:04d}",
                name="优抚" + str(n % 97),
                sex="M",
                birth_date=dt.date(1940 + n % 40, 1 + n % 12, 1 + n % 28),
                hukou_region=villages[n % len(villages)],
                hukou_type="rural",
                death_date=dt.date(2026, 1, 1) + dt.timedelta(days=n % 160)
                if n % 200 == 7
                else None,
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    rows = []
    for n, p in enumerate(persons):
        category = CATEGORIES[n % len(CATEGORIES)]
        region = other[p.hukou_region_id] if n % 150 == 11 else villages[n % len(villages)]
        r = Recipient(
            person=p,
            region=region,
            category=category,
            registered_on=dt.date(2015, 1, 1),
            certificate_no="" if n % 30 == 5 else f"鄂{n:06d}",
            id_checked_on=None if n % 12 == 3 else dt.date(2024, 5, 1),
            id_check_method="" if n % 12 == 3 else "card_reader",
        )
        if category.endswith("veteran"):
            r.enlisted_on = dt.date(p.birth_date.year + 18, 3, 1)
            r.discharged_on = dt.date(p.birth_date.year + 22, 10, 1)
            r.service_unit = "某部"
            if n % 97 == 1:
                r.discharged_on = dt.date(p.birth_date.year + 17, 10, 1)
        if category == "disabled_veteran":
            r.disability_grade = 1 + n % 10
            r.disability_cause = "" if n % 35 == 0 else "war"
        if category in ("martyr_family", "serving_family"):
            r.soldier_name = "张某"
            r.relation = "parent"
        if category == "martyr_family":
            r.soldier_died_on = dt.date(1990, 1, 1)
        if category == "serving_family":
            r.service_kind = "" if n % 55 == 5 else "conscript"
        if category == "martyr_family" and n % 89 == 4:
            r.disability_grade = 3
        rows.append(r)
    records = Recipient.objects.bulk_create(rows, batch_size=5000)
    changes = []
    for n, r in enumerate(records[::10]):
        event = ON - dt.timedelta(days=5 + n % 300)
        due = due_date(event)
        late, pending = n % 5 == 0, n % 7 == 0
        decided = due + dt.timedelta(days=3) if late else event + dt.timedelta(days=2)
        changes.append(
            RecipientChange(
                recipient=r,
                kind="correction",
                event_on=event,
                due_on=due,
                details={"service_unit": "某部"},
                status="pending" if pending else "approved",
                requested_by=user,
                requested_at=dt.datetime.combine(event, dt.time(9), dt.UTC),
                decided_by=None if pending else user,
                decided_at=None if pending else dt.datetime.combine(decided, dt.time(7), dt.UTC),
            )
        )
    RecipientChange.objects.bulk_create(changes, batch_size=5000)


def all_rules(on):
    from minzheng.specialcare import quality

    return {
        (rule.code, pk)
        for rule in quality.rules()
        for pk in rule.failing(on).values_list("pk", flat=True)
    }


def per_record_python(on) -> set:
    """The naive way: every active record read and checked in Python, one at a time."""
    import re

    from minzheng.cases.working_days import Calendar, add_working_days
    from minzheng.specialcare import quality
    from minzheng.specialcare.models import FAMILY_CATEGORIES, VETERAN_CATEGORIES, Recipient

    calendar = Calendar()
    n_days = quality.dynamic_working_days()
    pattern = re.compile(quality.ID_MASKED_18)
    bereaved = {c for c in FAMILY_CATEGORIES if c != "serving_family"}
    out = set()
    qs = Recipient.objects.filter(status="active").select_related(
        "person", "person__hukou_region", "region"
    )
    for r in qs.iterator(chunk_size=2000):
        p = r.person
        fail = out.add
        if not pattern.match(p.id_masked):
            fail(("id_number_invalid", r.pk))
        if not r.id_checked_on or r.id_checked_on > on or not r.id_check_method:
            fail(("id_unauthenticated", r.pk))
        if not r.certificate_no:
            fail(("missing_certificate", r.pk))
        if r.category in VETERAN_CATEGORIES and not (
            r.enlisted_on and r.discharged_on and r.service_unit
        ):
            fail(("missing_service", r.pk))
        if r.category == "disabled_veteran" and not (r.disability_grade and r.disability_cause):
            fail(("missing_disability", r.pk))
        if (
            r.category in FAMILY_CATEGORIES
            and not (r.soldier_name and r.relation)
            or r.category in bereaved
            and not r.soldier_died_on
            or r.category == "serving_family"
            and not r.service_kind
        ):
            fail(("missing_family", r.pk))
        for c in r.changes.exclude(kind="register"):  # one query per record
            if not (on - dt.timedelta(days=quality.DYNAMIC_WINDOW_DAYS) < c.event_on <= on):
                continue
            due = add_working_days(c.event_on, n_days, calendar=calendar)
            if (c.status == "approved" and c.decided_at.astimezone().date() > due) or (
                c.status == "pending" and due < on
            ):
                fail(("late_change", r.pk))
                break
        if p.death_date and p.death_date <= on:
            fail(("dead_but_active", r.pk))
            if add_working_days(p.death_date, n_days, calendar=calendar) < on:
                fail(("registry_death_unrecorded", r.pk))
        if r.region.path[:21] != p.hukou_region.path[:21]:
            fail(("county_mismatch", r.pk))
        if (
            (r.disability_grade is not None or r.disability_cause)
            and r.category != "disabled_veteran"
            or r.category in VETERAN_CATEGORIES
            and r.soldier_name
            or r.category in FAMILY_CATEGORIES
            and r.service_unit
        ):
            fail(("attributes_of_other_category", r.pk))
        if (
            (r.enlisted_on and r.discharged_on and r.discharged_on < r.enlisted_on)
            or (r.enlisted_on and r.enlisted_on <= p.birth_date)
            or (r.enlisted_on and r.enlisted_on > on)
            or (r.discharged_on and r.discharged_on > on)
        ):
            fail(("service_dates_impossible", r.pk))
    return out


def best_of(n: int, func, *args):
    best, result = float("inf"), None
    for _ in range(n):
        started = time.perf_counter()
        result = func(*args)
        best = min(best, time.perf_counter() - started)
    return result, best


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    recreate_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from minzheng.accounts.models import Role, User
    from minzheng.cases.holidays import load_calendar
    from minzheng.core.context import Actor, acting_as
    from minzheng.regions.models import Region
    from minzheng.regions.services import load_jingmen
    from minzheng.specialcare import quality
    from minzheng.specialcare.indicators import quality_rates

    report: dict = {
        "records": args.records,
        "cpus": os.cpu_count(),
        "load_average_start": os.getloadavg(),
    }
    try:
        call_command("migrate", verbosity=0)
        with acting_as(Actor(username="bench", channel="cli")):
            load_jingmen()
            load_calendar()
            user = User.objects.create_user(
                username="bench_clerk", password="bench-pass-123", role=Role.ADMIN
            )
            _r, seconds = timed(
                f"write {args.records:,} records (set-up)", make_roster, args.records, user
            )
            report["setup_seconds"] = round(seconds, 1)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

            naive, naive_seconds = timed("per-record Python checks", per_record_python, ON)
            report["per_record_python_seconds"] = round(naive_seconds, 2)

            report["rules_ms"] = {}
            total = 0.0
            for rule in quality.rules():
                pks, seconds = best_of(
                    3, lambda r=rule: list(r.failing(ON).values_list("pk", flat=True))
                )
                report["rules_ms"][rule.code] = [len(pks), round(seconds * 1000, 1)]
                total += seconds
                print(
                    f"  {rule.code}: {len(pks)} failing, {seconds * 1000:.1f} ms", file=sys.stderr
                )
            got = all_rules(ON)
            assert got == naive, (len(got), len(naive), sorted(got ^ naive)[:10])
            report["failing_pairs"] = len(got)
            report["all_rules_seconds"] = round(total, 3)
            regions = list(Region.objects.prefetch_related("members"))
            _rates, rates_seconds = best_of(3, quality_rates, regions, ON)
            report["targets_15_2_to_15_5_seconds"] = round(rates_seconds, 3)
            report["ratio_vs_per_record"] = round(naive_seconds / total, 1)
            report["goal_5s"] = total <= 5
            report["city_rates"] = {k: str(round(v["420800"], 2)) for k, v in _rates.items()}
    finally:
        report["load_average_end"] = os.getloadavg()
        connection.close()
        if not args.keep_db:
            drop_database(args.database_url)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

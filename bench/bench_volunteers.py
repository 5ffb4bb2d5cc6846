"""Benchmark: the volunteer summary (docs/DOMAIN.md §11.1) over 10,000,000 service-hour records on
PostgreSQL, against a naive per-volunteer Python loop in the same run.

    .venv/bin/python bench/bench_volunteers.py
    .venv/bin/python bench/bench_volunteers.py --records 1000000 --volunteers 50000
    .venv/bin/python bench/bench_volunteers.py --keep-db     # then, to measure again:
    .venv/bin/python bench/bench_volunteers.py --reuse-db --keep-db

Creates a scratch database (default `volunteers_bench` on 127.0.0.1:5432, user postgres),
migrates it, loads Jingmen's region tree, adds `--villages` urban communities under every
township, `--persons` residents spread over them, `--volunteers` approved volunteers (one per
person) and `--records` service records, all generated in the database with generate_series (no
Python loop), then VACUUM (ANALYZE). Timed:

* `summary.refresh()`: every volunteer's total hours and star (one UPDATE … FROM) and the rows
  of every community and street (DELETE + two INSERT … SELECT): the goal is ≤ 10 s;
* a second refresh (nothing changed);
* the naive way: for each volunteer of a `--sample`, sum its records, work out its star and save
  it, then count residents, volunteers and stars per community one by one; scaled up to all
  volunteers and communities; the ratio is quoted.

The load average is printed at the start and the end (other work shares the machine). The
database is dropped at the end unless --keep-db.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from scratch import drop_database, recreate_database, timed

ROOT = Path(__file__).resolve().parents[1]


def parse_args():
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/volunteers_bench")
    p.add_argument("--records", type=int, default=10_000_000)
    p.add_argument("--volunteers", type=int, default=300_000)
    p.add_argument("--persons", type=int, default=3_000_000)
    p.add_argument("--villages", type=int, default=20, help="urban communities per township")
    p.add_argument("--sample", type=int, default=2_000, help="volunteers in the naive loop")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument(
        "--reuse-db",
        action="store_true",
        help="measure again on the database a --keep-db run left (totals and summary reset first)",
    )
    return p.parse_args()


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("MINZHENG_VAR_DIR", "/tmp/volunteers_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    print(f"load average at start: {load()}")
    if not args.reuse_db:
        recreate_database(args.database_url)
    try:
        run(args)
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)
    print(f"load average at end: {load()}")


def generate(args) -> None:
    from django.db import connection

    from tests.fixtures.regions import load_region_tree

    load_region_tree()
    with connection.cursor() as c:
        c.execute(
            """
            INSERT INTO regions_region (code, name, level, kind, parent_id, path, urban_rural)
            SELECT t.code || lpad(g::text, 3, '0'), t.name || g || '社区', 'village', 'statutory',
                   t.id, t.path || t.code || lpad(g::text, 3, '0') || '/', 'urban'
            FROM regions_region t, generate_series(1, %s) g
            WHERE t.level = 'township' AND t.kind = 'statutory'
            """,
            [args.villages],
        )
        c.execute("SELECT array_agg(id ORDER BY id) FROM regions_region WHERE level = 'village'")
        villages = c.fetchone()[0]
        print(f"communities: {len(villages)}")
        c.execute(
            """
            INSERT INTO people_person (id_hash, id_cipher, id_masked, name, name_pinyin, sex,
                birth_date, hukou_region_id, hukou_type, disability_type, phone, created_at,
                updated_at)
            SELECT md5(g::text), '', '4208**********' || lpad((g %% 10000)::text, 4, '0'),
                   '居民' || g, '', CASE WHEN g %% 2 = 0 THEN 'F' ELSE 'M' END,
                   DATE '1950-01-01' + (g %% 20000), v.ids[1 + g %% array_length(v.ids, 1)],
                   'urban', '', '', now(), now()
            FROM generate_series(1, %s) g, (SELECT %s::bigint[] AS ids) v
            """,
            [args.persons, villages],
        )
        c.execute(
            """
            INSERT INTO volunteers_volunteer (person_id, region_id, number, skills, availability,
                phone, status, channel, applied_at, decided_by_name, approved_on, reason,
                total_minutes, star)
            SELECT p.id, p.hukou_region_id, 'ZY' || lpad(p.id::text, 14, '0'), '["elderly"]',
                   'weekends', '13900000000', 'approved', 'window', now(), '', CURRENT_DATE, '',
                   0, 0
            FROM people_person p ORDER BY p.id LIMIT %s
            """,
            [args.volunteers],
        )
        c.execute("SELECT min(id), count(*) FROM volunteers_volunteer")
        first, count = c.fetchone()
        c.execute(
            """
            INSERT INTO volunteers_servicerecord (volunteer_id, source, served_on, minutes,
                attended, title, created_at)
            SELECT %s + k, 'activity', DATE '2016-01-01' + (g %% 365),
                   30 + (g %% 8) * 30 + CASE k %% 50 WHEN 0 THEN 3000 WHEN 1 THEN 2000
                       WHEN 2 THEN 1200 WHEN 3 THEN 600 WHEN 4 THEN 200 ELSE 0 END,
                   g %% 20 <> 0, '志愿服务', now()
            FROM generate_series(1, %s) g, LATERAL (SELECT (g::bigint * 7919) %% %s AS k) x
            """,
            [first, args.records, count],
        )
        c.execute("VACUUM (ANALYZE)")


def naive(sample: int) -> float:
    """Per volunteer: sum, star, save; then per community: three counts and a save."""
    from django.db.models import Sum
    from django.utils import timezone

    from minzheng.people.models import Person
    from minzheng.regions.models import Region
    from minzheng.volunteers.models import RegionSummary, ServiceRecord, Volunteer, star_for_minutes

    vols = list(Volunteer.objects.order_by("id")[:sample])
    started = time.perf_counter()
    for v in vols:
        total = (
            ServiceRecord.objects.filter(volunteer=v, attended=True).aggregate(m=Sum("minutes"))[
                "m"
            ]
            or 0
        )
        v.total_minutes, v.star = total, star_for_minutes(total)
        v.save(update_fields=["total_minutes", "star"])
    per_volunteer = (time.perf_counter() - started) / len(vols)
    villages = list(Region.objects.filter(level="village")[:100])
    started = time.perf_counter()
    for r in villages:
        RegionSummary.objects.update_or_create(
            region=r,
            defaults={
                "residents": Person.objects.filter(hukou_region=r, death_date__isnull=True).count(),
                "volunteers": Volunteer.objects.filter(region=r, status="approved").count(),
                "star1": Volunteer.objects.filter(region=r, status="approved", star=1).count(),
                "refreshed_at": timezone.now(),
            },
        )
    per_village = (time.perf_counter() - started) / len(villages)
    total = (
        per_volunteer * Volunteer.objects.count()
        + per_village * Region.objects.filter(level__in=["village", "township"]).count()
    )
    print(
        f"naive: {per_volunteer * 1000:.2f} ms per volunteer ({len(vols)} timed), "
        f"{per_village * 1000:.2f} ms per community ({len(villages)} timed)"
    )
    return total


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from minzheng.volunteers import summary
    from minzheng.volunteers.models import RegionSummary, ServiceRecord, Volunteer

    if args.reuse_db:
        from django.db import connection

        Volunteer.objects.update(total_minutes=0, star=0)
        RegionSummary.objects.all().delete()
        with connection.cursor() as cursor:  # as a fresh load leaves it: no dead rows
            cursor.execute(f"VACUUM (ANALYZE) {Volunteer._meta.db_table}")
    else:
        timed("migrate", call_command, "migrate", verbosity=0)
        timed("generate", generate, args)
    print(f"records: {ServiceRecord.objects.count():,}, volunteers: {Volunteer.objects.count():,}")
    result, first = timed("summary.refresh (first)", summary.refresh)
    print(f"refresh: {result} in {first:.2f} s")
    stars = dict(
        Volunteer.objects.values_list("star")
        .order_by("star")
        .annotate(n=django.db.models.Count("id"))
    )
    print(f"stars: {stars}; summary rows: {RegionSummary.objects.count()}")
    again, second = timed("summary.refresh (again)", summary.refresh)
    print(f"refresh again: {again} in {second:.2f} s")
    estimate = naive(args.sample)
    print(
        f"naive loop scaled to all: {estimate:.1f} s; set-based: {first:.2f} s; ratio {estimate / first:.0f}×"
    )


if __name__ == "__main__":
    main()

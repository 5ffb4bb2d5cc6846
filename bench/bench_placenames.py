"""Benchmark: the place-name census import (with the pinyin check) and the full-text search over
100,000 records, against a naive baseline in the same run (docs/PLACENAMES.md).

    .venv/bin/python bench/bench_placenames.py                       # PostgreSQL scratch database
    .venv/bin/python bench/bench_placenames.py --sqlite               # SQLite file in a temp dir
    .venv/bin/python bench/bench_placenames.py --records 20000 --keep-db

Creates a scratch database (default `placenames_bench` on 127.0.0.1:5432, user postgres; with
--sqlite a fresh SQLite file), migrates it, loads Jingmen's region tree and adds `--villages`
villages under every township. Then builds an exchange file (CSV, the documented columns) of
`--records` records with distinct names (three characters drawn from a 60-character set and a
generic word of the record's class, so pypinyin's cache does not help), coordinates inside the
city and one entered spelling in ten breaking a rule. Timed:

* the import (`exchange.run_import`: parse, check every row and its spelling, read the keys in
  the database, bulk-insert in chunks): the goal is ≥ 5,000 records/s on PostgreSQL;
* the same file imported again (adds nothing);
* the naive import: the same checks, then one ORM `save()` (and its own transaction) per row, on
  `--naive` fresh rows; the rate and the ratio are quoted;
* `--searches` searches as the list page runs them (the first 20 rows by name and the total count
  of `search_text LIKE '%term%'`, the terms: two-character Chinese fragments, pinyin syllables
  and whole spellings): p50/p95/max, goal p95 ≤ 100 ms; and the same searches the naive way,
  `UPPER(search_text) LIKE UPPER('%term%')` (Django's icontains), which no index serves.

The load average is printed at the start and the end (other work shares the machine). The
database is dropped at the end unless --keep-db.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from scratch import drop_database, recreate_database, timed

ROOT = Path(__file__).resolve().parents[1]
CHARS = "龙泉象山东宝子陵栗溪牌楼仙居石桥驿马河漳掇刀团林麻城沙洋钟祥京屈家岭白庙双喜兴隆长滩胡集旧口丰乐柴湖客店洋峰永隆雁门新市宋河罗店钱场曾凤凰金银花园"
# (class, subclass, generic)
SHAPES = [
    ("24", "2402", "湾"),
    ("24", "2402", "冲"),
    ("25", "2501", "路"),
    ("25", "2501", "大道"),
    ("25", "2502", "桥"),
    ("11", "1101", "河"),
    ("12", "1202", "岭"),
    ("26", "2601", "水库"),
    ("27", "2701", "公园"),
    ("29", "2901", "小学"),
]


def parse_args():
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/placenames_bench")
    p.add_argument("--sqlite", action="store_true", help="a fresh SQLite file instead")
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--villages", type=int, default=10, help="villages per township")
    p.add_argument("--naive", type=int, default=3_000, help="rows of the naive per-row import")
    p.add_argument("--searches", type=int, default=300)
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--profile", action="store_true", help="profile the import (cProfile, top 25)")
    p.add_argument(
        "--drop-search-index",
        action="store_true",
        help="import without the trigram index (to see what maintaining it costs)",
    )
    return p.parse_args()


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    args = parse_args()
    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        os.environ["MINZHENG_VAR_DIR"] = tempfile.mkdtemp(prefix="placenames_bench_")
    else:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("MINZHENG_VAR_DIR", "/tmp/placenames_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    print(f"load average at start: {load()}")
    if not args.sqlite:
        recreate_database(args.database_url)
    try:
        run(args)
    finally:
        if not args.keep_db and not args.sqlite:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)
    print(f"load average at end: {load()}")


def name_of(index: int) -> tuple[str, str, str]:
    n = len(CHARS)
    shape = SHAPES[index % len(SHAPES)]
    k = index // len(SHAPES)
    stem = CHARS[k % n] + CHARS[(k // n) % n] + CHARS[(k // n // n) % n]
    return stem + shape[2], shape[0], shape[1]


def exchange_file(args, villages: list[str], start: int, count: int) -> bytes:
    from minzheng.core import sheets
    from minzheng.placenames import exchange, rules

    rng = random.Random(start)
    header = [str(h) for _k, h in exchange.COLUMNS]
    rows = []
    for i in range(start, start + count):
        name, place_class, subclass = name_of(i)
        # One in ten enters a spelling, and breaks the capitals rule.
        spelling = rules.romanise(name, subclass).spelling.lower() if i % 10 == 3 else ""
        row = {
            "code": f"BENCH{i:08d}",
            "standard_name": name,
            "aliases": "",
            "short_name": "",
            "romanised": spelling,
            "place_class": place_class,
            "subclass": subclass,
            "region_code": villages[i % len(villages)],
            "lon": f"{rng.uniform(111.9, 113.4):.6f}",
            "lat": f"{rng.uniform(30.4, 31.6):.6f}",
            "meaning": "",
            "history": "",
            "description": "",
            "registrar_name": "普查员",
            "registered_on": "2016-06-01",
        }
        rows.append([row[k] for k, _h in exchange.COLUMNS])
    return sheets.csv_bytes(rows, header=header)


def naive_import(user, data: bytes) -> int:
    """The same checks per row, then a save() per row in its own transaction."""
    from django.db import transaction

    from minzheng.core import sheets
    from minzheng.placenames import exchange
    from minzheng.placenames.models import PlaceName
    from minzheng.placenames.services import clean_fields
    from minzheng.regions.models import Region

    table = sheets.read_table(data, keys=exchange._keys(), required=exchange.REQUIRED)
    written = 0
    for _number, cells in table.rows:
        text = {key: table.text(cells, key) for key, _h in exchange.COLUMNS}
        region = Region.objects.get(code=text["region_code"])
        county = Region.objects.get(code=region.code[:6])
        values, _check = clean_fields(
            standard_name=text["standard_name"],
            place_class=text["place_class"],
            subclass=text["subclass"],
            romanised=text["romanised"],
            lon=text["lon"],
            lat=text["lat"],
            code=text["code"],
        )
        if PlaceName.objects.filter(
            region=region, place_class=values["place_class"], standard_name=values["standard_name"]
        ).exists():
            continue
        with transaction.atomic():
            PlaceName(
                region=region,
                county=county,
                registrar=user,
                registrar_name="普查员",
                registered_on="2016-06-01",
                **values,
            ).save()
        written += 1
    return written


def search_terms(rng: random.Random, count: int) -> list[str]:
    from minzheng.placenames import rules

    terms = []
    for i in range(count):
        name, _c, subclass = name_of(rng.randrange(0, 100_000))
        kind = i % 3
        if kind == 0:
            terms.append(name[:2])
        elif kind == 1:
            terms.append(rules.romanise(name, subclass).spelling.split()[0].lower()[:6])
        else:
            terms.append(rules.romanise(name, subclass).spelling.lower())
    return terms


def time_searches(qs_for, terms: list[str]) -> list[float]:
    out = []
    for term in terms:
        started = time.perf_counter()
        qs = qs_for(term)
        list(qs.order_by("standard_name")[:20])
        qs.count()
        out.append((time.perf_counter() - started) * 1000)
    return out


def describe(label: str, samples: list[float]) -> tuple[float, float, float]:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {samples[-1]:.1f} ms")
    return p50, p95, samples[-1]


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from minzheng.accounts.models import User
    from minzheng.core.roles import Role
    from minzheng.placenames import exchange, selectors
    from minzheng.placenames.models import PlaceName
    from minzheng.regions.models import Region
    from tests.fixtures.regions import load_region_tree

    print(f"database: {connection.vendor}")
    timed("migrate", call_command, "migrate", verbosity=0)
    load_region_tree()
    villages = []
    for township in Region.objects.filter(level="township", kind="statutory"):
        for g in range(1, args.villages + 1):
            villages.append(
                Region(
                    code=f"{township.code}{g:03d}",
                    name=f"{township.name}{g}村",
                    level="village",
                    parent=township,
                    path=f"{township.path}{township.code}{g:03d}/",
                    urban_rural="rural",
                )
            )
    Region.objects.bulk_create(villages)
    codes = [v.code for v in villages]
    print(f"villages: {len(codes)}")
    user = User.objects.create_user(
        username="bench_admin", password="x", role=Role.ADMIN, is_superuser=True
    )
    data, _s = timed("build the file", exchange_file, args, codes, 0, args.records)
    print(f"file: {args.records} rows, {len(data) / 1e6:.1f} MB")

    if args.drop_search_index and connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("DROP INDEX placename_search_trgm")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    report, seconds = timed("import", exchange.run_import, user=user, data=data, source="bench")
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    rate = report.created / seconds
    print(
        f"import: {report.created} created, {len(report.errors)} errors in {seconds:.2f} s "
        f"= {rate:,.0f} records/s (goal ≥ 5,000 on PostgreSQL); "
        f"{PlaceName.objects.filter(spelling_ok=False).count()} spellings flagged"
    )
    again, seconds_again = timed(
        "import again", exchange.run_import, user=user, data=data, source="bench"
    )
    print(
        f"import again: {again.created} created, {again.existing} existing, {seconds_again:.2f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE placenames_placename")

    naive_data = exchange_file(args, codes, args.records, args.naive)
    written, naive_seconds = timed("naive import", naive_import, user, naive_data)
    naive_rate = written / naive_seconds
    print(
        f"naive import: {written} rows in {naive_seconds:.2f} s = {naive_rate:,.0f} records/s; "
        f"set-based is {rate / naive_rate:.1f}× faster"
    )
    PlaceName.objects.filter(code__gte=f"BENCH{args.records:08d}").delete()

    rng = random.Random(7)
    terms = search_terms(rng, args.searches)
    base = selectors.placenames_for(user)
    fast = time_searches(lambda t: selectors.search(base, t), terms)
    naive = time_searches(lambda t: base.filter(search_text__icontains=t), terms)
    _p50, p95, _max = describe("search (LIKE on search_text)", fast)
    _n50, n95, _nmax = describe("naive search (UPPER … LIKE, no index)", naive)
    print(
        f"search p95 goal ≤ 100 ms: {'met' if p95 <= 100 else 'not met'}; naive p95 ÷ p95 = {n95 / p95:.1f}×"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute(
                "EXPLAIN SELECT id FROM placenames_placename WHERE search_text LIKE %s LIMIT 20",
                ["%longq%"],
            )
            print("plan:", " / ".join(r[0].strip() for r in c.fetchall()[:3]))


if __name__ == "__main__":
    main()

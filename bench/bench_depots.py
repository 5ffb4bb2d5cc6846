"""Benchmark: the stock position of every item in every depot on any date, over 1,000,000
ledger movements in 100 depots, on PostgreSQL.

    .venv/bin/python bench/bench_depots.py
    .venv/bin/python bench/bench_depots.py --movements 200000 --database-url postgres://…/x

Creates a scratch database (default `depots_bench` on 127.0.0.1:5432, user postgres), migrates
it, loads the Jingmen tree, makes 100 depots (one batch of each of the 10 catalogue items in
each), and writes `--movements` movements with one INSERT … SELECT over generate_series (set-up,
not timed): three years (2014-01-01 → 2016-12-31) in date order, four receipts to one issue, one
in a thousand left pending. Then it measures:

* building the monthly snapshots through November 2016 (`snapshots.refresh`, once; a nightly
  job's work, timed for the record);
* the position of every item in every depot on five dates (`selectors.position_as_of`: the
  snapshot of the month before plus the movements since), best of 3 per date — the slowest
  date is the figure compared with the goal;
* the same answer from the ledger alone (`ledger_position_as_of`: one GROUP BY over every
  movement up to the date), for the record;
* the naive baseline in the same run: every movement up to the latest date read and added up
  in Python, one row at a time; and the ratio.

Each answer is checked equal to the baseline's. Goals: every date ≤ 1 s; ≥ 50× the per-movement
Python sum. The database is dropped at the end unless --keep-db.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time

from scratch import drop_database, recreate_database, timed

DATES = [
    dt.date(2014, 3, 31),
    dt.date(2015, 1, 1),
    dt.date(2015, 7, 15),
    dt.date(2016, 6, 30),
    dt.date(2016, 12, 20),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--depots", type=int, default=100)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/depots_bench")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


def make_depots(count: int, keeper) -> list[tuple[int, int, int]]:
    """`count` depots over the city and its counties and townships, a batch of every catalogue
    item in each; returns (depot id, batch id, item id) for every pair."""
    from minzheng.depots.models import Batch, Depot, DepotLevel, Item
    from minzheng.regions.models import Region

    regions = list(Region.objects.filter(level__in=["city", "county", "township"]).order_by("path"))
    depots = Depot.objects.bulk_create(
        [
            Depot(
                name=f"储备库{n:03d}",
                level=DepotLevel.CITY if n == 0 else DepotLevel.COUNTY,
                region=regions[n % len(regions)],
            )
            for n in range(count)
        ]
    )
    items = list(Item.objects.order_by("code"))
    batches = Batch.objects.bulk_create(
        [
            Batch(
                item=item,
                number=f"B{d.pk:04d}-{item.code}",
                received_on=dt.date(2014, 1, 1),
                expires_on=dt.date(2017, 12, 31) if item.perishable else None,
            )
            for d in depots
            for item in items
        ]
    )
    for d in depots:
        d.keepers.add(keeper)
    per_depot = len(items)
    return [(depots[n // per_depot].pk, b.pk, b.item_id) for n, b in enumerate(batches)]


def write_movements(count: int, pairs, recorder_id: int, confirmer_id: int) -> None:
    """One INSERT … SELECT over generate_series: movement g goes to pair g mod |pairs|, on a day
    rising with g over three years; every fifth an issue of 1–40, the others receipts of 1–100;
    one in 997 still pending."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_pairs (n int PRIMARY KEY, depot_id bigint, batch_id bigint,"
            " item_id bigint)"
        )
        cursor.executemany(
            "INSERT INTO bench_pairs VALUES (%s, %s, %s, %s)",
            [(n, d, b, i) for n, (d, b, i) in enumerate(pairs)],
        )
        cursor.execute(
            """
            INSERT INTO depots_movement (depot_id, batch_id, item_id, kind, quantity, occurred_on,
                status, recorded_by_id, recorded_at, confirmed_by_id, confirmed_at, recipient,
                purpose, reference, note)
            SELECT p.depot_id, p.batch_id, p.item_id,
                   CASE WHEN g %% 5 = 0 THEN 'issue' ELSE 'purchase' END,
                   (CASE WHEN g %% 5 = 0 THEN -(1 + (g * 7919) %% 40) ELSE 1 + (g * 104729) %% 100 END)::int,
                   day, CASE WHEN g %% 997 = 7 THEN 'pending' ELSE 'confirmed' END,
                   %(recorder)s, day::timestamptz,
                   CASE WHEN g %% 997 = 7 THEN NULL ELSE %(confirmer)s END,
                   CASE WHEN g %% 997 = 7 THEN NULL ELSE day::timestamptz + interval '3 hours' END,
                   '', '', '', ''
            FROM generate_series(0::bigint, %(count)s - 1) AS g
            JOIN bench_pairs p ON p.n = (g %% %(pairs)s)::int
            CROSS JOIN LATERAL (
                SELECT DATE '2014-01-01' + (g::bigint * 1096 / %(count)s)::int AS day
            ) d
            """,
            {
                "count": count,
                "pairs": len(pairs),
                "recorder": recorder_id,
                "confirmer": confirmer_id,
            },
        )
        cursor.execute("DROP TABLE bench_pairs")


def per_movement_sum(on: dt.date) -> dict[tuple[int, int], int]:
    """The naive way: read every confirmed movement up to the date and add it up in Python."""
    from minzheng.depots.models import Movement

    totals: dict[tuple[int, int], int] = {}
    rows = Movement.objects.filter(status="confirmed", occurred_on__lte=on).values_list(
        "depot_id", "item_id", "quantity"
    )
    for depot_id, item_id, quantity in rows.iterator(chunk_size=20_000):
        key = (depot_id, item_id)
        totals[key] = totals.get(key, 0) + quantity
    return totals


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
    from minzheng.core.context import Actor, acting_as
    from minzheng.depots import selectors, snapshots
    from minzheng.depots.models import Movement
    from minzheng.regions.models import Region
    from minzheng.regions.services import load_jingmen

    report: dict = {
        "movements": args.movements,
        "depots": args.depots,
        "cpus": os.cpu_count(),
        "load_average_start": os.getloadavg(),
    }
    try:
        call_command("migrate", verbosity=0)
        with acting_as(Actor(username="bench", channel="cli")):
            load_jingmen()
            city = Region.objects.get(code="420800")
            k1, k2 = (
                User.objects.create_user(
                    username=f"bench_keeper{n}",
                    password="bench-pass-123",
                    role=Role.DEPOT_KEEPER,
                    region=city,
                )
                for n in (1, 2)
            )
            pairs = make_depots(args.depots, k1)
            _r, seconds = timed(
                f"write {args.movements:,} movements (set-up)",
                write_movements,
                args.movements,
                pairs,
                k1.pk,
                k2.pk,
            )
            report["setup_seconds"] = round(seconds, 1)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE depots_movement")
            assert Movement.objects.count() == args.movements

            rows, seconds = timed(
                "snapshots through 2016-11", snapshots.refresh, through=dt.date(2016, 11, 1)
            )
            report["snapshots"] = {"rows": rows, "seconds": round(seconds, 2)}
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE depots_stocksnapshot")

            naive, naive_seconds = timed(
                f"per-movement Python sum on {DATES[-1]}", per_movement_sum, DATES[-1]
            )
            report["per_movement_python_seconds"] = round(naive_seconds, 2)

            report["position"] = {}
            report["ledger_group_by"] = {}
            for on in DATES:
                got, seconds = best_of(3, selectors.position_as_of, on)
                ledger, ledger_seconds = best_of(1, selectors.ledger_position_as_of, on)
                assert got == ledger, on
                if on == DATES[-1]:
                    assert got == naive
                report["position"][on.isoformat()] = round(seconds * 1000, 1)
                report["ledger_group_by"][on.isoformat()] = round(ledger_seconds * 1000, 1)
                print(
                    f"  position on {on}: {seconds * 1000:.1f} ms ({len(got)} depot×item);"
                    f" whole-ledger GROUP BY {ledger_seconds * 1000:.0f} ms",
                    file=sys.stderr,
                    flush=True,
                )
            slowest = max(report["position"].values()) / 1000
            report["slowest_position_seconds"] = round(slowest, 4)
            report["ratio_vs_per_movement"] = round(naive_seconds / slowest, 1)
            report["goal_1s"] = slowest <= 1
            report["goal_50x"] = report["ratio_vs_per_movement"] >= 50
    finally:
        report["load_average_end"] = os.getloadavg()
        connection.close()
        if not args.keep_db:
            drop_database(args.database_url)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

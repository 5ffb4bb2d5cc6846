"""Benchmark: one-off payments — 50,000 decided items through a county batch, the bank file and
the bank's returns, on PostgreSQL.

    .venv/bin/python bench/bench_oneoff.py
    .venv/bin/python bench/bench_oneoff.py --items 20000 --sample 1000

Creates a scratch database (default `oneoff_bench` on 127.0.0.1:5432, user postgres), migrates it,
loads the Jingmen tree, and writes `--items` households (a head each, a bank account encrypted
with the data key) spread over the villages of 东宝区, each with a pending temporary-assistance
payable (set-up, not timed). Then it measures:

* building the county's batch (`oneoff.fill_batch`: one INSERT … SELECT per chunk), approving it,
  exporting the bank file (CSV, accounts decrypted) and importing the bank's returns (all paid but
  1 % failed) — the total is the figure compared with the goal;
* the re-run of the build (must add 0 items);
* a per-row ORM version on a sample (check for a live item, save the item, save the payable; and on
  return, read the item, save it, save the payable — the obvious way to write it), rolled back and
  scaled to the same number of items, and the ratio.

Goals: batch → bank file → returns ≤ 10 s; re-run adds 0; ≥ 20× the per-row ORM.
The database is dropped at the end unless --keep-db.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import sys
import time

from scratch import drop_database, recreate_database, timed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/oneoff_bench")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="print where each step spends its time"
    )
    return parser.parse_args()


PROFILE = False


def create_payables(count: int, decided_on: dt.date) -> int:
    """`count` households in the villages of 东宝区, a head and an account each, and a pending
    temporary-assistance payable of 300.00 to 3,000.00 元 each, written in bulk."""
    from django.db import transaction

    from minzheng.core import crypto
    from minzheng.payments.models import OneOffPayable
    from minzheng.people.models import Household, Person
    from minzheng.regions.models import Region

    county = Region.objects.get(code="420802")
    # The tree loaded from the divisions file stops at townships; give each 20 villages.
    townships = list(Region.objects.filter(level=Region.Level.TOWNSHIP, parent=county))
    Region.objects.bulk_create(
        [
            Region(
                code=f"{t.code}{n:03d}",
                name=f"{t.name}第{n}村",
                level=Region.Level.VILLAGE,
                parent=t,
                path=f"{t.path}{t.code}{n:03d}/",
                urban_rural="rural",
            )
            for t in townships
            for n in range(200, 220)
        ],
        ignore_conflicts=True,
    )
    villages = list(
        Region.objects.filter(level=Region.Level.VILLAGE, path__startswith=county.path)
        .order_by("code")
        .values_list("id", flat=True)
    )
    account = crypto.encrypt("6217000012345678901")
    with transaction.atomic():
        persons = Person.objects.bulk_create(
            [
                Person(
                    id_hash=f"bench{i:012d}",
                    id_cipher="x",
                    id_masked="4208**********001X",
                    name=f"收款人{i}",
                    sex="m",
                    birth_date=dt.date(1960, 1, 1),
                    hukou_region_id=villages[i % len(villages)],
                    hukou_type="urban",
                )
                for i in range(count)
            ],
            batch_size=5_000,
        )
        households = Household.objects.bulk_create(
            [
                Household(
                    number=f"BENCH{i:08d}",
                    region_id=villages[i % len(villages)],
                    head=p,
                    bank_name="农商银行",
                    bank_account_cipher=account,
                    bank_account_masked="6217********8901",
                )
                for i, p in enumerate(persons)
            ],
            batch_size=5_000,
        )
        OneOffPayable.objects.bulk_create(
            [
                OneOffPayable(
                    source_kind="bench",
                    source_id=h.pk,
                    programme="temporary",
                    household=h,
                    person_id=h.head_id,
                    region_id=h.region_id,
                    amount_fen=30_000 + (i * 997) % 270_001,
                    decided_on=decided_on,
                )
                for i, h in enumerate(households)
            ],
            batch_size=5_000,
        )
    return len(households)


def bank_return(export_body: bytes, fail_every: int = 100) -> bytes:
    rows = list(csv.reader(io.StringIO(export_body.decode("utf-8-sig"))))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["流水号", "金额（元）", "结果", "失败原因"])
    for index, row in enumerate(rows[1:]):
        failed = index % fail_every == 0
        writer.writerow(
            [row[0], row[8], "失败" if failed else "成功", "账户已销户" if failed else ""]
        )
    return out.getvalue().encode("utf-8")


def per_row(county, sample: int, pay_date: dt.date) -> tuple[int, float]:
    """The obvious ORM version, one payable at a time: skip a payable with a live item, save the
    item, save the payable; then for the bank's answer, read the item, save it, save the payable.
    Rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from minzheng.payments.models import OneOffBatch, OneOffItem, OneOffPayable

    written = 0
    with transaction.atomic():
        batch = OneOffBatch.objects.create(county=county, pay_date=pay_date)
        payables = (
            OneOffPayable.objects.filter(region__path__startswith=county.path, status="pending")
            .select_related("household", "household__head", "person")
            .order_by("id")[:sample]
        )
        started = time.perf_counter()
        items = []
        for p in payables:
            if OneOffItem.objects.filter(
                payable=p, status__in=["pending", "exported", "paid"]
            ).exists():
                continue
            item = OneOffItem(
                batch=batch,
                payable=p,
                attempt=1,
                household=p.household,
                region_id=p.region_id,
                programme=p.programme,
                amount_fen=p.amount_fen,
                decided_on=p.decided_on,
                payee_name=p.person.name if p.person_id else "",
                bank_name=p.household.bank_name,
                account_cipher=p.household.bank_account_cipher,
                account_masked=p.household.bank_account_masked,
                created_at=timezone.now(),
            )
            item.save()
            p.status = "in_batch"
            p.save(update_fields=["status"])
            items.append(item.pk)
            written += 1
        for pk in items:
            item = OneOffItem.objects.select_related("payable").get(pk=pk)
            item.status = "paid"
            item.save(update_fields=["status"])
            item.payable.status, item.payable.paid_on = "paid", pay_date
            item.payable.save(update_fields=["status", "paid_on"])
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return written, seconds


def main() -> None:
    global PROFILE
    args = parse_args()
    PROFILE = args.profile
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    recreate_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from minzheng.accounts.models import Role, User
    from minzheng.core.context import Actor, acting_as
    from minzheng.payments import oneoff
    from minzheng.payments.models import OneOffItem, OneOffPayable
    from minzheng.regions.models import Region
    from minzheng.regions.services import load_jingmen

    report: dict = {
        "items": args.items,
        "cpus": os.cpu_count(),
        "load_average_start": os.getloadavg(),
    }
    today = timezone.localdate()
    try:
        call_command("migrate", verbosity=0)
        with acting_as(Actor(username="bench", channel="cli")):
            load_jingmen()
            county = Region.objects.get(code="420802")
            approver = User.objects.create_user(
                username="bench_approver",
                password="bench-pass-123",
                role=Role.COUNTY_APPROVER,
                region=county,
            )
            made, seconds = timed(
                f"create {args.items:,} payables",
                create_payables,
                args.items,
                today - dt.timedelta(days=10),
            )
            report["setup"] = {"payables": made, "seconds": round(seconds, 1)}
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

            # The per-row baseline first, on the same pending payables, rolled back.
            (written, seconds), _total = timed(
                f"per-row ORM, {args.sample:,} items",
                per_row,
                county,
                args.sample,
                today - dt.timedelta(days=1),
            )
            per_item = seconds / max(written, 1)
            report["per_row_orm"] = {
                "items": written,
                "seconds": round(seconds, 2),
                "ms_per_item": round(per_item * 1000, 3),
            }

            steps = {}
            batch = oneoff.create_batch(user=approver, county=county, pay_date=today)
            result, steps["build"] = timed("build the batch", oneoff.fill_batch, batch=batch)
            # Built again (as after a killed job): adds nothing.
            again, seconds = timed("re-run of the build", oneoff.fill_batch, batch=batch)
            report["rerun"] = {
                "seconds": round(seconds, 2),
                "added": again["added"],
                "items": OneOffItem.objects.count(),
            }
            _b, steps["approve"] = timed(
                "approve", oneoff.approve_batch, user=approver, batch=batch
            )
            (body, _name, _type), steps["export"] = timed(
                "export the bank file (CSV)",
                oneoff.export_batch,
                user=approver,
                batch=batch,
                fmt="csv",
            )
            returns = bank_return(body)
            imported, steps["returns"] = timed(
                "import the returns",
                oneoff.import_returns,
                user=approver,
                batch=batch,
                file_name="returns.csv",
                content=returns,
            )
            total = sum(steps.values())
            items = OneOffItem.objects.count()
            report["batch"] = {
                "added": result["added"],
                "items": items,
                "distinct_payables": OneOffItem.objects.values("payable_id").distinct().count(),
                "bank_file_rows": body.count(b"\n") - 1,
                "paid": imported.paid,
                "failed": imported.failed,
                "errors": imported.errors,
                "payables_paid": OneOffPayable.objects.filter(status="paid").count(),
                "steps": {k: round(v, 2) for k, v in steps.items()},
                "seconds": round(total, 2),
            }
            report["per_row_orm"]["scaled_seconds"] = round(per_item * items, 1)
            report["speedup"] = round(per_item * items / total, 1)
    finally:
        report["load_average_end"] = os.getloadavg()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database(args.database_url)
    print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    ok = (
        report["batch"]["seconds"] <= 10
        and report["rerun"]["added"] == 0
        and report["batch"]["distinct_payables"] == report["batch"]["items"] == args.items
        and report["speedup"] >= 20
    )
    print("goals met" if ok else "GOALS NOT MET", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

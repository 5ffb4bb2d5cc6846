"""Benchmark: back pay (补发) after a retroactive 3-month raise over 100,000 entitlements, on
PostgreSQL, against a per-row ORM baseline in the same run.

    .venv/bin/python bench/bench_backpay.py
    .venv/bin/python bench/bench_backpay.py --beneficiaries 20000 --persons 70000 --sample 1000

Creates a scratch database (default `backpay_bench` on 127.0.0.1:5432, user postgres), loads a
synthetic city and gives `--beneficiaries` households an active 低保 entitlement (the set-up of
bench_payroll.py), pays three months (the payroll of each month, every line then confirmed paid
by the bank), raises every amount by 20.00 from the first of those months (one amount period
each, written set-based as a standard change would), and measures:

* back pay for the three months in the next month's runs of all five counties (one line per
  entitlement and month: 300,000 lines), and its re-run (must add 0);
* a per-row ORM back pay on a sample of entitlements (per month: read the period in force, sum
  what was paid, check for an earlier back pay, save the line — the obvious way), scaled to the
  same number of lines, and the ratio.

Goal: back pay ≤ 10 s. The load average is printed at the start and the end (the machine is
shared). The database is dropped at the end unless --keep-db.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_payroll  # noqa: E402  (the city and beneficiaries set-up is shared)
import scratch  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=330_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--sample", type=int, default=300, help="entitlements for the baseline")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/backpay_bench"
    )
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--parallel",
        type=int,
        default=1,
        help="counties computed at once, each on its own connection (as N job workers would)",
    )
    return parser.parse_args()


def pay_months(counties, first, count: int) -> None:
    """The payroll of `count` months from `first`, every line then confirmed paid."""
    from minzheng.payments import months, payroll
    from minzheng.payments.models import PayrollLine, PayrollRun

    for i in range(count):
        month = months.add_months(first, i)
        for county in counties:
            run = PayrollRun.objects.create(county=county, month=month)
            payroll.compute_payroll(run=run)
            PayrollLine.objects.filter(run=run).update(status="paid")
            PayrollRun.objects.filter(pk=run.pk).update(status="reconciled")


def raise_all(from_month, step_fen: int) -> int:
    """Every entitlement +step from `from_month`, through the recompute's set-based writer."""
    from django.db import transaction

    from minzheng.payments.models import Entitlement
    from minzheng.payments.recompute import write_amounts

    rows = [
        (pk, amount, amount + step_fen)
        for pk, amount in Entitlement.objects.values_list("pk", "monthly_amount_fen")
    ]
    with transaction.atomic():
        write_amounts(
            rows,
            from_month=from_month,
            kind="recompute",
            reason="基准测试：追溯提高",
            snapshot={},
            standard_id=None,
            user=None,
        )
    return len(rows)


def per_row_back_pay(county, run_month, months_back: int, sample: int) -> tuple[int, float]:
    """The obvious ORM back pay, one entitlement and month at a time. Rolled back."""
    from django.db import transaction
    from django.db.models import Sum
    from django.utils import timezone

    from minzheng.payments import months, selectors
    from minzheng.payments.models import Entitlement, PayrollLine, PayrollRun

    written = 0
    with transaction.atomic():
        run = PayrollRun.objects.create(county=county, month=months.add_months(run_month, 12))
        entitlements = (
            Entitlement.objects.filter(region__path__startswith=county.path, status="active")
            .select_related("household", "household__head", "person")
            .order_by("id")[:sample]
        )
        started = time.perf_counter()
        for e in entitlements:
            for back in range(months_back, 0, -1):
                month = months.add_months(run_month, -back)
                period = selectors.amount_period(e.pk, month)
                if period is None:
                    continue
                # Per kind, as the set-based statement does, so each sum uses its kind's index.
                paid = sum(
                    PayrollLine.objects.filter(
                        entitlement=e,
                        month=month,
                        kind=kind,
                        status__in=["pending", "exported", "paid", "failed"],
                    ).aggregate(total=Sum("amount_fen"))["total"]
                    or 0
                    for kind in ("regular", "back_pay")
                )
                if PayrollLine.objects.filter(
                    entitlement=e, month=month, kind="back_pay", amount_change=period
                ).exists():
                    continue
                diff = period.new_amount_fen - paid
                if diff <= 0:
                    continue
                PayrollLine(
                    run=run,
                    entitlement=e,
                    household=e.household,
                    person=e.person,
                    region_id=e.region_id,
                    programme=e.programme,
                    month=month,
                    kind="back_pay",
                    attempt=1,
                    amount_fen=diff,
                    amount_change=period,
                    payee_name=e.household.head.name if e.household.head_id else "",
                    bank_name=e.household.bank_name,
                    account_cipher=e.household.bank_account_cipher,
                    account_masked=e.household.bank_account_masked,
                    created_at=timezone.now(),
                ).save()
                written += 1
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return written, seconds


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    scratch.recreate_database(args.database_url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.models import Sum

    from minzheng.assistance.services import load_default_standards
    from minzheng.core.context import Actor, acting_as
    from minzheng.payments import backpay, months
    from minzheng.payments.models import PayrollLine, PayrollRun
    from minzheng.regions.models import Region
    from minzheng.regions.services import load_jingmen
    from minzheng.synth.generator import default_as_of, generate_city
    from minzheng.synth.loader import load_city

    timed = scratch.timed
    report: dict = {
        "beneficiaries": args.beneficiaries,
        "persons": args.persons,
        "cpus": os.cpu_count(),
        "load_average_start": os.getloadavg(),
    }
    as_of = default_as_of()
    approved_on = as_of - dt.timedelta(days=45)
    first = as_of  # the first month paid
    run_month = months.add_months(first, 3)
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
            made, _s = timed(
                f"create {args.beneficiaries:,} entitlements",
                bench_payroll.create_beneficiaries,
                args.beneficiaries,
                approved_on,
                args.seed,
            )
            report["setup"] = made
            counties = list(Region.objects.filter(level=Region.Level.COUNTY).order_by("code"))
            timed("pay three months", pay_months, counties, first, 3)
            changed, _s = timed("raise every amount from the first month", raise_all, first, 2000)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            runs = [PayrollRun.objects.create(county=c, month=run_month) for c in counties]
            biggest = max(
                counties,
                key=lambda c: PayrollLine.objects.filter(run__county=c, month=first).count(),
            )
            (written, seconds), _t = timed(
                f"per-row ORM back pay, {args.sample:,} entitlements in {biggest.name}",
                per_row_back_pay,
                biggest,
                run_month,
                3,
                args.sample,
            )
            per_line = seconds / max(written, 1)
            report["per_row_orm"] = {
                "lines": written,
                "seconds": round(seconds, 2),
                "ms_per_line": round(per_line * 1000, 3),
            }
            report["load_average_before_measure"] = os.getloadavg()

            def one(run):
                try:
                    return backpay.compute_back_pay(run=run, note="bench")
                finally:
                    connections.close_all()  # this thread's connection

            def back_pay_all():
                if args.parallel <= 1:
                    return [backpay.compute_back_pay(run=run, note="bench") for run in runs]
                # Each county's payroll is a job of its own; a pool of N workers computes N at once.
                with ThreadPoolExecutor(max_workers=args.parallel) as pool:
                    return list(pool.map(one, runs))

            results, seconds = timed("back pay, 5 counties", back_pay_all)
            lines = PayrollLine.objects.filter(kind="back_pay").count()
            report["back_pay"] = {
                "parallel": args.parallel,
                "seconds": round(seconds, 2),
                "added": sum(r["back_pay"] for r in results),
                "lines": lines,
                "changed_entitlements": changed,
                "total_fen": PayrollLine.objects.filter(kind="back_pay").aggregate(
                    t=Sum("amount_fen")
                )["t"],
            }
            again, seconds = timed("back pay re-run", back_pay_all)
            report["rerun"] = {
                "seconds": round(seconds, 2),
                "added": sum(r["back_pay"] for r in again),
            }
            report["per_row_orm"]["scaled_seconds"] = round(per_line * lines, 1)
            report["speedup"] = round(
                per_line * lines / max(report["back_pay"]["seconds"], 0.01), 1
            )
    finally:
        report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        report["load_average_end"] = os.getloadavg()
        connections.close_all()
        if not args.keep_db:
            scratch.drop_database(args.database_url)

    b, r, o = report["back_pay"], report["rerun"], report["per_row_orm"]
    print()
    print(
        f"load average         start {report['load_average_start']}, end {report['load_average_end']}"
    )
    print(
        f"back pay             {b['seconds']:.2f} s for {b['lines']:,} lines "
        f"({b['changed_entitlements']:,} entitlements raised from 3 months back)"
    )
    print(f"re-run               {r['seconds']:.2f} s, added {r['added']}")
    print(
        f"per-row ORM          {o['ms_per_line']} ms/line on {o['lines']:,} lines → "
        f"{o['scaled_seconds']:.0f} s scaled to {b['lines']:,}"
    )
    print(f"speed-up             {report['speedup']}×")
    goals = b["seconds"] <= 10 and r["added"] == 0
    print(f"goals (back pay ≤ 10 s, re-run adds 0): {'met' if goals else 'MISSED'}")
    print(json.dumps(report, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()

"""Benchmark: the old-age allowance over a full-scale synthetic city, and the booking API under
concurrent load, on PostgreSQL.

    .venv/bin/python bench/bench_eldercare.py
    .venv/bin/python bench/bench_eldercare.py --persons 300000 --requests 1000

Creates a scratch database (default `eldercare_bench` on 127.0.0.1:5432, user postgres), migrates
it, loads a synthetic city (`minzheng.synth`, 2,900,000 persons by default), then measures:

* the enrolment scan of this month over the whole registry (everyone 80+ is proposed: the first
  scan of a new installation), and the township confirmation of all of them (entitlements in bulk);
* the monthly roll of next month: the scan (only those turning 80 then), the band reconciliation
  of every live allowance, and the payroll of every county (set-based, shared with assistance);
  goal: scan + roll ≤ 10 s;
* the booking API under load: a gunicorn server on 127.0.0.1 (2 workers × 4 threads) and a
  bounded load generator in this process (`--concurrency` threads, `--requests` requests in all,
  each creating a booking and reading it back as a family member would) — p50/p95/p99 latency and
  errors; goal: p99 ≤ 200 ms, no errors. Traffic goes to the loopback address only.

The database is dropped at the end unless --keep-db.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=2_900_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/eldercare_bench")
    parser.add_argument("--requests", type=int, default=2000, help="booking API requests in all (each: create + read back)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port", type=int, default=0, help="server port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


def admin_connection(database_url: str):
    import psycopg

    parts = urlsplit(database_url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True), parts.path.lstrip("/")


def recreate_database(database_url: str) -> None:
    conn, name = admin_connection(database_url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    conn, name = admin_connection(database_url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(label: str, func, *args, **kwargs):
    print(f"  {label} …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = func(*args, **kwargs)
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.2f} s", file=sys.stderr, flush=True)
    return result, seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def setup_booking_world() -> dict:
    """Providers serving every township of one county, a family account per elderly person for
    the first villages, and the API tokens the load generator uses."""
    from minzheng.accounts.models import Role, User
    from minzheng.api.auth import issue_token
    from minzheng.eldercare import services
    from minzheng.people.models import HouseholdMember, Person
    from minzheng.regions.models import Region

    admin = User.objects.create_user(username="bench_admin", password="bench-pass-123", role=Role.ADMIN, is_superuser=True)
    county = Region.objects.get(code="420804")
    provider = services.register_provider(user=admin, name="掇刀区居家养老服务中心", kind="care_centre", region=county,
                                          service_area_codes=[county.code])
    items = [services.add_service_item(user=admin, provider=provider, category=c, name=n, unit=u, price_fen=p, minutes_per_unit=m)
             for c, n, u, p, m in [("cleaning", "居室清洁", "hour", 4000, 60), ("meals", "送餐上门", "meal", 1200, 30),
                                   ("bathing", "上门助浴", "visit", 5000, 60)]]
    cutoff = dt.date.today().replace(year=dt.date.today().year - 65)
    elderly = list(Person.objects.filter(hukou_region__path__startswith=county.path, birth_date__lte=cutoff, death_date__isnull=True)
                   .order_by("pk").values_list("pk", flat=True)[:50])
    families, used = [], set()
    for n, person_id in enumerate(elderly):
        household = HouseholdMember.objects.filter(person_id=person_id, until__isnull=True).values_list("household_id", flat=True).first()
        relative = HouseholdMember.objects.filter(household_id=household, until__isnull=True).exclude(person_id=person_id) \
            .values_list("person_id", flat=True).first() if household else None
        account_person = relative if relative and relative not in used else person_id
        if account_person in used:
            continue
        used.add(account_person)
        user = User.objects.create_user(username=f"family{n}", password="bench-pass-123", role=Role.RESIDENT, person_id=account_person)
        families.append({"token": issue_token(user), "person_id": person_id})
    return {"families": families, "items": [i.pk for i in items]}


def run_load(port: int, world: dict, requests: int, concurrency: int) -> dict:
    """Bounded closed-loop load: `concurrency` threads share `requests` iterations; each iteration
    POSTs a booking and GETs it back. Stops by itself after the count or 10 minutes."""
    latencies = {"create": [], "read": []}
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + 600
    start_at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).replace(microsecond=0)

    def worker(index: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            family = world["families"][n % len(world["families"])]
            body = json.dumps({"person_id": family["person_id"], "item_id": world["items"][n % len(world["items"])],
                               "scheduled_at": (start_at + dt.timedelta(minutes=n)).isoformat(), "quantity": 1 + n % 2})
            headers = {"Authorization": f"Bearer {family['token']}", "Content-Type": "application/json"}
            try:
                t0 = time.perf_counter()
                conn.request("POST", "/api/v1/eldercare/bookings", body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                t1 = time.perf_counter()
                if response.status != 201:
                    with lock:
                        errors.append(f"create {response.status} {data[:200]!r}")
                    continue
                booking_id = json.loads(data)["id"]
                conn.request("GET", f"/api/v1/eldercare/bookings/{booking_id}", headers=headers)
                response = conn.getresponse()
                response.read()
                t2 = time.perf_counter()
                with lock:
                    latencies["create"].append((t1 - t0) * 1000)
                    latencies["read"].append((t2 - t1) * 1000)
                    if response.status != 200:
                        errors.append(f"read {response.status}")
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    every = latencies["create"] + latencies["read"]
    summary = {"requests": len(every), "errors": len(errors), "first_errors": errors[:5], "seconds": round(seconds, 2),
               "throughput_rps": round(len(every) / seconds, 1) if seconds else None, "concurrency": concurrency}
    for name, values in (("create", latencies["create"]), ("read", latencies["read"]), ("all", every)):
        if values:
            summary[name] = {"p50_ms": round(statistics.median(values), 1), "p95_ms": round(percentile(values, 95), 1),
                             "p99_ms": round(percentile(values, 99), 1), "max_ms": round(max(values), 1)}
    return summary


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

    from minzheng.accounts.models import Role, User
    from minzheng.assistance.services import load_default_standards
    from minzheng.core.context import Actor, acting_as
    from minzheng.eldercare import allowance
    from minzheng.eldercare.models import AllowanceEnrolment
    from minzheng.payments import months, payroll
    from minzheng.payments.models import Entitlement, PayrollLine, PayrollRun
    from minzheng.regions.models import Region
    from minzheng.regions.services import load_jingmen
    from minzheng.synth.generator import default_as_of, generate_city
    from minzheng.synth.loader import load_city

    report: dict = {"persons": args.persons, "seed": args.seed, "cpus": os.cpu_count(), "load_average_start": os.getloadavg()}
    month = months.month_start(dt.date.today())
    following = months.add_months(month, 1)
    server = None
    try:
        call_command("migrate", verbosity=0)
        with acting_as(Actor(username="bench", channel="cli")):
            load_jingmen()
            load_default_standards()
            as_of = default_as_of()
            out_dir = Path(settings.VAR_DIR) / "synth" / f"bench-{args.persons}-{args.seed}-{as_of.isoformat()}"
            if not (out_dir / "manifest.json").exists():
                timed(f"generate {args.persons:,} persons", generate_city, persons=args.persons, seed=args.seed, out_dir=out_dir, as_of=as_of)
            timed("load the city", load_city, src_dir=out_dir)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            clerk = User.objects.create_user(username="bench_clerk", password="bench-pass-123", role=Role.ADMIN, is_superuser=True)

            first, seconds = timed(f"enrolment scan {months.label(month)} (first scan: everyone 80+)", allowance.scan_enrolments, month=month)
            report["first_scan"] = {**first, "seconds": round(seconds, 2)}
            confirmed, seconds = timed("township confirmation of every proposal", allowance.confirm_enrolments, user=clerk,
                                       enrolments=AllowanceEnrolment.objects.filter(status="proposed"), reason="首次批量纳入")
            report["confirmation"] = {"confirmed": confirmed["confirmed"], "skipped": len(confirmed["skipped"]), "seconds": round(seconds, 2)}
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

            counties = list(Region.objects.filter(level=Region.Level.COUNTY).order_by("code"))

            def roll():
                scan = allowance.scan_enrolments(month=following)
                reconcile = allowance.reconcile_amounts(month=following)
                runs = [PayrollRun.objects.get_or_create(county=c, month=following)[0] for c in counties]
                lines = [payroll.compute_payroll(run=run) for run in runs]
                return scan, reconcile, lines

            (scan, reconcile, lines), seconds = timed(f"monthly roll {months.label(following)}: scan + bands + payroll", roll)
            allowance_lines = PayrollLine.objects.filter(month=following, programme="old_age_allowance")
            report["roll"] = {
                "seconds": round(seconds, 2), "scan_proposed": scan["proposed"], "reconciled": reconcile["checked"],
                "band_changes": reconcile["changed"], "payroll_lines": allowance_lines.count(),
                "distinct_entitlements": allowance_lines.values("entitlement_id").distinct().count(),
                "live_allowances": Entitlement.objects.filter(programme="old_age_allowance", status="active").count(),
            }
            report["scan_plus_roll_seconds"] = round(report["first_scan"]["seconds"] + seconds, 2)
            again, seconds = timed("monthly roll re-run (must add nothing)", roll)
            report["rerun"] = {"seconds": round(seconds, 2), "proposed": again[0]["proposed"], "band_changes": again[1]["changed"],
                               "added": sum(r["added"] for r in again[2])}

            world = setup_booking_world()
        connections.close_all()
        port = args.port or free_port()
        env = dict(os.environ, DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="minzheng.settings", LOG_LEVEL="ERROR")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "minzheng.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "4", "--log-level", "warning"], env=env)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        run_load(port, world, min(50, args.requests), args.concurrency)  # warm-up: imports, connections
        load, seconds = timed(f"booking API: {args.requests} iterations, {args.concurrency} concurrent", run_load, port, world,
                              args.requests, args.concurrency)
        report["booking_api"] = {**load, "tool": "bench/bench_eldercare.py run_load (http.client threads, closed loop)",
                                 "server": "gunicorn 2 workers × 4 threads, 127.0.0.1"}
        report["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        report["load_average_end"] = os.getloadavg()
        report["goals"] = {
            "scan_plus_roll_le_10s": report["scan_plus_roll_seconds"] <= 10,
            "rerun_adds_nothing": report["rerun"]["added"] == 0 and report["rerun"]["proposed"] == 0,
            "booking_p99_le_200ms": load.get("all", {}).get("p99_ms", 1e9) <= 200, "booking_no_errors": load["errors"] == 0,
        }
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connections.close_all()
        if not args.keep_db:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()

"""Benchmark: the old-age allowance over a full-scale synthetic city, and the booking API under
concurrent load, on PostgreSQL (issue 6's goals).

    MINZHENG_VAR_DIR=/tmp/eldercare_perf .venv/bin/python bench/bench_eldercare.py --requests 1000
    .venv/bin/python bench/bench_eldercare.py --persons 300000 --eligible 10000 --requests 500

Creates a scratch database (default `eldercare_bench` on 127.0.0.1:5432, user postgres), migrates
it, loads a synthetic city (`minzheng.synth`, 2,900,000 persons by default) and vacuums it (a
registry in service has long been vacuumed; a freshly copied one would make the first reads set
every row's hint bits). Then:

* sets the allowance age for the city so that about `--eligible` people (100,000) are eligible
  this month: the synthetic city has 60,000 people aged 80+, so the age is lowered to the one
  whose count comes nearest (77 for the default city); the standard is an ordinary dated one;
* the first enrolment scan of this month (everyone eligible is proposed: a new installation) and
  the township confirmation of all of them (entitlements, amount periods and enrolments written
  set-based), each timed;
* the monthly roll of next month over the ~100,000 live allowances: the enrolment scan (only those
  reaching the age then), the band reconciliation and the payroll of every county, after the
  vacuum and checkpoint the month in between would have brought. This is the goal's measure
  ("enrolment scan plus the monthly roll for every eligible person ≤ 10 s"); the first scan +
  roll is reported too. A re-run of the roll must add nothing;
* the booking API under load: gunicorn on 127.0.0.1 (`--workers` × `--threads`) and a bounded
  closed-loop load generator in this process (`--concurrency` threads sharing `--requests`
  iterations, each POSTing a booking and GETting it back as a family member would; it stops
  after the count or `--max-seconds`). Reported: p50/p95/p99/max latency, errors, throughput,
  and what the PostgreSQL backends were waiting on (sampled every 50 ms), among them the audit
  chain's advisory lock. The load runs once per `--conn-max-age` value: 0 is the shipped
  configuration (a new database connection per request); 60 keeps connections open (Django's
  CONN_MAX_AGE, which settings.py does not yet take from the environment, is set here for the
  measured server only) to show what that setting gives. 4 single-threaded workers by default:
  a thread holding the audit chain's lock never waits for the interpreter lock of its process.

The load average is read at the start and end of every phase (other work shares the machine).
The database is dropped at the end unless --keep-db. Traffic goes to the loopback address only.
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
from urllib.parse import urlsplit

from scratch import drop_database, recreate_database, timed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=2_900_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/eldercare_bench"
    )
    parser.add_argument(
        "--eligible",
        type=int,
        default=100_000,
        help="people the allowance age is set to make eligible",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=2000,
        help="booking API iterations in all (each: create + read back)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="load generator threads (closed loop)"
    )
    parser.add_argument(
        "--max-seconds",
        type=int,
        default=600,
        help="the load stops after this long whatever the count",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument(
        "--conn-max-age",
        default="0,60",
        help="comma-separated CONN_MAX_AGE values (seconds) to run the load with; 0 is the shipped setting",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="server port on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


def load_average() -> str:
    """/proc/loadavg's 1, 5 and 15-minute figures."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def vacuum(connection, checkpoint: bool = False) -> None:
    """VACUUM (ANALYZE), as autovacuum would have done long before the next month; with
    `checkpoint`, also the checkpoint that would have followed the confirmation's writes (otherwise
    the roll pays for flushing them and for a full-page image of every page it touches first)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        if checkpoint:
            cursor.execute("CHECKPOINT")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def allowance_age_for(month: dt.date, target: int) -> tuple[int, int]:
    """(age, people alive and aged at least that by the month's end) with the count nearest `target`."""
    from django.db.models import Count

    from minzheng.eldercare.allowance import month_end, years_before
    from minzheng.people.models import Person

    end = month_end(month)
    alive = Person.objects.filter(death_date__isnull=True, birth_date__lte=years_before(end, 60))
    born = dict(
        alive.values_list("birth_date").annotate(n=Count("id")).values_list("birth_date", "n")
    )
    counts = {
        age: sum(n for b, n in born.items() if b <= years_before(end, age))
        for age in range(60, 101)
    }
    age = min(counts, key=lambda a: (abs(counts[a] - target), -a))
    return age, counts[age]


def setup_booking_world() -> dict:
    """A provider serving one county, a family account per elderly person for its first 50
    elderly, and the API tokens the load generator uses."""
    from minzheng.accounts.models import Role, User
    from minzheng.api.auth import issue_token
    from minzheng.eldercare import services
    from minzheng.people.models import HouseholdMember, Person
    from minzheng.regions.models import Region

    admin = User.objects.get(username="bench_admin")
    county = Region.objects.get(code="420804")
    provider = services.register_provider(
        user=admin,
        name="掇刀区居家养老服务中心",
        kind="care_centre",
        region=county,
        service_area_codes=[county.code],
    )
    items = [
        services.add_service_item(
            user=admin,
            provider=provider,
            category=c,
            name=n,
            unit=u,
            price_fen=p,
            minutes_per_unit=m,
        )
        for c, n, u, p, m in [
            ("cleaning", "居室清洁", "hour", 4000, 60),
            ("meals", "送餐上门", "meal", 1200, 30),
            ("bathing", "上门助浴", "visit", 5000, 60),
        ]
    ]
    cutoff = dt.date.today().replace(year=dt.date.today().year - 65)
    elderly = list(
        Person.objects.filter(
            hukou_region__path__startswith=county.path,
            birth_date__lte=cutoff,
            death_date__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:50]
    )
    families, used = [], set()
    for n, person_id in enumerate(elderly):
        household = (
            HouseholdMember.objects.filter(person_id=person_id, until__isnull=True)
            .values_list("household_id", flat=True)
            .first()
        )
        relative = (
            HouseholdMember.objects.filter(household_id=household, until__isnull=True)
            .exclude(person_id=person_id)
            .values_list("person_id", flat=True)
            .first()
            if household
            else None
        )
        account_person = relative if relative and relative not in used else person_id
        if account_person in used:
            continue
        used.add(account_person)
        user = User.objects.create_user(
            username=f"family{n}",
            password="bench-pass-123",
            role=Role.RESIDENT,
            person_id=account_person,
        )
        families.append({"token": issue_token(user)["token"], "person_id": person_id})
    return {"families": families, "items": [i.pk for i in items]}


class WaitSampler(threading.Thread):
    """What the database's backends are doing, sampled every 50 ms while the load runs: on CPU,
    waiting for the client, for a WAL flush, or for a lock (the audit chain's advisory lock among
    them). One light query per sample on its own connection."""

    def __init__(self, database_url: str):
        super().__init__(daemon=True)
        self.database_url, self.stop = database_url, threading.Event()
        self.samples, self.counts, self.audit_lock_waiting_max = 0, {}, 0

    def run(self):
        import psycopg

        name = urlsplit(self.database_url).path.lstrip("/")
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self.stop.is_set():
                rows = conn.execute(
                    "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, 'running'), state FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND state <> 'idle'",
                    [name],
                ).fetchall()
                self.samples += 1
                advisory = 0
                for kind, event, state in rows:
                    key = f"{kind}:{event}" + (
                        " (idle in transaction)" if state == "idle in transaction" else ""
                    )
                    self.counts[key] = self.counts.get(key, 0) + 1
                    advisory += kind == "Lock" and event == "advisory"
                self.audit_lock_waiting_max = max(self.audit_lock_waiting_max, advisory)
                time.sleep(0.05)

    def summary(self) -> dict:
        busiest = sorted(self.counts.items(), key=lambda kv: -kv[1])[:8]
        return {
            "samples": self.samples,
            "backend_states_per_sample": {
                k: round(v / max(self.samples, 1), 2) for k, v in busiest
            },
            "audit_lock_waiting_max": self.audit_lock_waiting_max,
        }


def run_load(
    port: int, world: dict, requests: int, concurrency: int, max_seconds: int = 600
) -> dict:
    """Bounded closed-loop load: `concurrency` threads share `requests` iterations; each iteration
    POSTs a booking and GETs it back. Stops by itself after the count or `max_seconds`."""
    latencies = {"create": [], "read": []}
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + max_seconds
    start_at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(microsecond=0)

    def worker(index: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            family = world["families"][n % len(world["families"])]
            body = json.dumps(
                {
                    "person_id": family["person_id"],
                    "item_id": world["items"][n % len(world["items"])],
                    "scheduled_at": (start_at + dt.timedelta(minutes=n)).isoformat(),
                    "quantity": 1 + n % 2,
                }
            )
            headers = {
                "Authorization": f"Bearer {family['token']}",
                "Content-Type": "application/json",
            }
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
    summary = {
        "requests": len(every),
        "errors": len(errors),
        "first_errors": errors[:5],
        "seconds": round(seconds, 2),
        "throughput_rps": round(len(every) / seconds, 1) if seconds else None,
        "concurrency": concurrency,
    }
    for name, values in (
        ("create", latencies["create"]),
        ("read", latencies["read"]),
        ("all", every),
    ):
        if values:
            summary[name] = {
                "p50_ms": round(statistics.median(values), 1),
                "p95_ms": round(percentile(values, 95), 1),
                "p99_ms": round(percentile(values, 99), 1),
                "max_ms": round(max(values), 1),
            }
    return summary


# Persistent connections for the measured server only, set before Django opens any.
GUNICORN_CONFIG = """
def post_fork(server, worker):
    from django.conf import settings
    settings.DATABASES["default"]["CONN_MAX_AGE"] = {age}
    settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
"""


def start_server(args, port: int, scratch: Path, conn_max_age: int) -> subprocess.Popen:
    env = dict(
        os.environ, DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="minzheng.settings"
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "minzheng.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--log-level",
        "warning",
    ]
    if conn_max_age:
        config = scratch / "gunicorn_conn_max_age.py"
        config.write_text(GUNICORN_CONFIG.format(age=conn_max_age))
        command += ["--config", str(config)]
    server = subprocess.Popen(command, env=env)
    for _attempt in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def measure_bookings(args, port: int, world: dict, conn_max_age: int) -> dict:
    run_load(
        port, world, min(100, args.requests), args.concurrency, args.max_seconds
    )  # warm-up: imports, connections
    sampler = WaitSampler(args.database_url)
    sampler.start()
    load_before = load_average()
    load, _seconds = timed(
        f"booking API (CONN_MAX_AGE={conn_max_age}): {args.requests} iterations, {args.concurrency} concurrent",
        run_load,
        port,
        world,
        args.requests,
        args.concurrency,
        args.max_seconds,
    )
    sampler.stop.set()
    sampler.join()
    return {
        **load,
        "conn_max_age": conn_max_age,
        "tool": "bench/bench_eldercare.py run_load: http.client threads in a closed loop on 127.0.0.1, "
        f"{args.concurrency} threads, {args.requests} iterations (POST + GET), at most {args.max_seconds} s",
        "server": f"gunicorn {args.workers} workers × {args.threads} threads, 127.0.0.1, CONN_MAX_AGE={conn_max_age}",
        "database_waits": sampler.summary(),
        "load_average": [load_before, load_average()],
    }


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
    from minzheng.assistance.services import load_default_standards, set_standard
    from minzheng.core.context import Actor, acting_as
    from minzheng.eldercare import allowance
    from minzheng.eldercare.models import AllowanceEnrolment
    from minzheng.payments import months, payroll
    from minzheng.payments.models import Entitlement, PayrollLine, PayrollRun
    from minzheng.regions.models import Region
    from minzheng.regions.services import load_jingmen
    from minzheng.synth.generator import default_as_of, generate_city
    from minzheng.synth.loader import load_city

    report: dict = {
        "persons": args.persons,
        "seed": args.seed,
        "cpus": os.cpu_count(),
        "load_average_start": load_average(),
    }
    month = months.month_start(dt.date.today())
    following = months.add_months(month, 1)
    server = None
    try:
        call_command("migrate", verbosity=0)
        with acting_as(Actor(username="bench", channel="cli")):
            load_jingmen()
            load_default_standards()
            as_of = default_as_of()
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
            timed("vacuum", vacuum, connection)
            admin = User.objects.create_user(
                username="bench_admin",
                password="bench-pass-123",
                role=Role.ADMIN,
                is_superuser=True,
            )

            age, eligible = allowance_age_for(month, args.eligible)
            set_standard(
                user=admin,
                programme="old_age_allowance",
                key="min_age",
                region=Region.objects.get(code="420800"),
                effective_from=month,
                value=age,
                reason=f"基准测试：约 {args.eligible} 人符合条件",
            )
            report["allowance_age"] = {
                "min_age": age,
                "alive_at_that_age": eligible,
                "from": months.label(month),
            }

            load_before = load_average()
            first, seconds = timed(
                f"first enrolment scan {months.label(month)} (everyone aged {age}+)",
                allowance.scan_enrolments,
                month=month,
            )
            report["first_scan"] = {
                **first,
                "seconds": round(seconds, 2),
                "load_average": [load_before, load_average()],
            }
            load_before = load_average()
            confirmed, seconds = timed(
                "township confirmation of every proposal",
                allowance.confirm_enrolments,
                user=admin,
                enrolments=AllowanceEnrolment.objects.filter(status="proposed"),
                reason="首次批量纳入",
            )
            report["confirmation"] = {
                "confirmed": confirmed["confirmed"],
                "skipped": len(confirmed["skipped"]),
                "seconds": round(seconds, 2),
                "load_average": [load_before, load_average()],
            }
            timed(
                "vacuum and checkpoint (the month between confirmation and roll)",
                vacuum,
                connection,
                checkpoint=True,
            )

            counties = list(Region.objects.filter(level=Region.Level.COUNTY).order_by("code"))

            def roll():
                parts = {}
                scan, parts["scan"] = timed("  scan", allowance.scan_enrolments, month=following)
                reconcile, parts["reconcile"] = timed(
                    "  bands", allowance.reconcile_amounts, month=following
                )

                def pay():
                    runs = [
                        PayrollRun.objects.get_or_create(county=c, month=following)[0]
                        for c in counties
                    ]
                    return [payroll.compute_payroll(run=run) for run in runs]

                lines, parts["payroll"] = timed("  payroll", pay)
                return scan, reconcile, lines, {k: round(v, 2) for k, v in parts.items()}

            load_before = load_average()
            (scan, reconcile, lines, parts), seconds = timed(
                f"monthly roll {months.label(following)}: scan + bands + payroll", roll
            )
            allowance_lines = PayrollLine.objects.filter(
                month=following, programme="old_age_allowance"
            )
            report["roll"] = {
                "month": months.label(following),
                "seconds": round(seconds, 2),
                "parts": parts,
                "scan_proposed": scan["proposed"],
                "reconciled": reconcile["checked"],
                "band_changes": reconcile["changed"],
                "payroll_lines": allowance_lines.count(),
                "distinct_entitlements": allowance_lines.values("entitlement_id")
                .distinct()
                .count(),
                "live_allowances": Entitlement.objects.filter(
                    programme="old_age_allowance", status="active"
                ).count(),
                "load_average": [load_before, load_average()],
            }
            report["scan_plus_roll_seconds"] = round(seconds, 2)
            report["first_scan_plus_roll_seconds"] = round(
                report["first_scan"]["seconds"] + seconds, 2
            )
            again, seconds = timed("monthly roll re-run (must add nothing)", roll)
            report["rerun"] = {
                "seconds": round(seconds, 2),
                "proposed": again[0]["proposed"],
                "band_changes": again[1]["changed"],
                "added": sum(r["added"] for r in again[2]),
            }

            world = setup_booking_world()
        connections.close_all()
        report["booking_api"] = []
        for conn_max_age in [int(v) for v in args.conn_max_age.split(",")]:
            port = args.port or free_port()
            server = start_server(args, port, Path(settings.VAR_DIR), conn_max_age)
            try:
                report["booking_api"].append(measure_bookings(args, port, world, conn_max_age))
            finally:
                server.terminate()
                server.wait(timeout=30)
                server = None
        report["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        report["load_average_end"] = load_average()
        report["goals"] = {
            "scan_plus_roll_le_10s": report["scan_plus_roll_seconds"] <= 10,
            "rerun_adds_nothing": report["rerun"]["added"] == 0
            and report["rerun"]["proposed"] == 0,
            **{
                f"booking_p99_le_200ms_conn_max_age_{b['conn_max_age']}": b.get("all", {}).get(
                    "p99_ms", 1e9
                )
                <= 200
                for b in report["booking_api"]
            },
            **{
                f"booking_no_errors_conn_max_age_{b['conn_max_age']}": b["errors"] == 0
                for b in report["booking_api"]
            },
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

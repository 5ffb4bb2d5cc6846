"""Benchmark of target management on a full-scale synthetic Jingmen.

    .venv/bin/python bench/bench_targets.py                       # PostgreSQL, 2,900,000 persons
    .venv/bin/python bench/bench_targets.py --database-url sqlite:////tmp/bench-targets.sqlite3
    .venv/bin/python bench/bench_targets.py --persons 200000 --duration 20
    .venv/bin/python bench/bench_targets.py --keep-db --baseline-rev a8d9747 \
        --variants baseline@0,baseline@60,current@60

1. Builds (or reuses, with --keep-db) a scratch database with the synthetic city, the 2016 plan
   with every rate target handed down to the counties and on to every township (thousands of
   targets), and benchmark-only approved reports for every reported indicator, county and township,
   month by month from January to June 2016.
2. Times `refresh(on_date=2016-06-30)`: every indicator for every region, every target evaluated,
   scores and ranks written. Goal ≤ 60 s.
3. Serves the pages with gunicorn (DEBUG off, persistent database connections as in production,
   `--conn-max-age`) and drives them with the closed-loop load generator below (the "load tool":
   N threads, one keep-alive HTTP connection and one logged-in session each, requesting the city,
   county and township dashboards, target pages and the unit page in random order, with an
   optional think time). Reports p50/p95/p99 latency, throughput, and the CPU the server's workers
   and its PostgreSQL sessions spent per request (steadier than latency on a shared machine).
   Goal: p95 ≤ 200 ms with 20 concurrent users.

   `--baseline-rev REV --variants baseline@0,baseline@60,current@60` serves, in the same run, the
   code of another revision (extracted with `git archive`) and/or other connection settings
   against the same database, one after the other, and prints the ratios of the last variant
   over the first.

The scratch database (default `minzheng_bench_targets`) is dropped at the end unless --keep-db.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
ON = dt.date(2016, 6, 30)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=2_900_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/minzheng_bench_targets"
    )
    parser.add_argument(
        "--var-dir", type=Path, default=Path("/tmp/bench-targets"), help="Parquet files and media"
    )
    parser.add_argument("--refresh-runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument(
        "--duration", type=float, default=60.0, help="seconds of load per think-time setting"
    )
    parser.add_argument(
        "--think",
        type=float,
        action="append",
        default=None,
        help="seconds a user waits between pages (repeatable; default: 0 and 1)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn worker processes (one per core)"
    )
    parser.add_argument("--threads", type=int, default=10, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="serve with persistent database connections of this many seconds "
        "(MINZHENG_DB_CONN_MAX_AGE; the production setting in the README is 60, the default 0)",
    )
    parser.add_argument(
        "--baseline-rev",
        default="",
        help="also serve the code of this git revision (extracted with git archive) for comparison",
    )
    parser.add_argument(
        "--variants",
        default="",
        help="comma-separated code@conn_max_age to measure in this run, code being 'current' or "
        "'baseline' (--baseline-rev), e.g. baseline@0,baseline@60,current@60 "
        "(default: current@--conn-max-age)",
    )
    parser.add_argument(
        "--skip-refresh", action="store_true", help="reuse the snapshot of a kept database"
    )
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="keep (and on the next run reuse) the scratch database",
    )
    return parser.parse_args()


# ------------------------------------------------------------------------------ database


def is_postgres(url: str) -> bool:
    return url.startswith("postgres")


def admin_connection(database_url: str):
    import psycopg

    parts = urlsplit(database_url)
    return psycopg.connect(
        urlunsplit(parts._replace(path="/postgres")), autocommit=True
    ), parts.path.lstrip("/")


def database_exists(url: str) -> bool:
    if not is_postgres(url):
        return Path(urlsplit(url).path).exists()
    conn, name = admin_connection(url)
    with conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def create_database(url: str) -> None:
    if not is_postgres(url):
        Path(urlsplit(url).path).unlink(missing_ok=True)
        return
    conn, name = admin_connection(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    if not is_postgres(url):
        for suffix in ("", "-wal", "-shm"):
            Path(urlsplit(url).path + suffix).unlink(missing_ok=True)
        return
    conn, name = admin_connection(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(args) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["MINZHENG_VAR_DIR"] = str(args.var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def timed(label: str, func, *a, **kw):
    started = time.monotonic()
    result = func(*a, **kw)
    print(f"  {label}: {time.monotonic() - started:.1f} s", flush=True)
    return result


# ------------------------------------------------------------------------------ data


def build(args) -> dict:
    from django.core.management import call_command

    from minzheng.people.models import Person
    from minzheng.regions.services import load_jingmen
    from minzheng.synth.generator import generate_city
    from minzheng.synth.loader import load_city

    timed("migrate", call_command, "migrate", verbosity=0)
    load_jingmen()
    if Person.objects.count() < args.persons:
        out = args.var_dir / "synth" / f"{args.persons}-{args.seed}"
        if not (out / "manifest.json").exists():
            timed(
                f"generate {args.persons:,} persons",
                generate_city,
                persons=args.persons,
                seed=args.seed,
                out_dir=out,
            )
        timed("load the city", load_city, src_dir=out)
    plan = timed("load the 2016 plan and hand rate targets down", cascade_plan)
    timed("benchmark reports (approved)", synthetic_reports, args.seed)
    return {"plan": plan.pk}


def cascade_plan():
    """The 2016 plan with every rate target handed down to counties and on to every township."""
    from minzheng.accounts.models import Role, User
    from minzheng.targets import indicators, services
    from minzheng.targets.models import Plan

    admin = User.objects.filter(username="bench_admin").first() or User.objects.create_user(
        username="bench_admin",
        password="bench-pass-1",
        role=Role.ADMIN,
        is_superuser=True,
        is_staff=True,
    )
    plan = services.load_plan_2016()
    if plan.targets.filter(parent__isnull=False).exists():
        return plan
    for target in list(plan.targets.filter(parent__isnull=True, region=plan.region)):
        if indicators.get(target.indicator).aggregation != indicators.RATE:
            continue
        for share in services.cascade_to_children(user=admin, target=target):
            services.cascade_to_children(user=admin, target=share)
    return Plan.objects.get(pk=plan.pk)


def synthetic_reports(seed: int) -> int:
    """Approved month-end values for every reported indicator, for each county and township
    (benchmark data only: it gives the roll-ups and evaluations realistic work)."""
    from decimal import Decimal

    from minzheng.regions.models import Region
    from minzheng.targets import indicators
    from minzheng.targets.models import ReportedValue

    if ReportedValue.objects.exists():
        return ReportedValue.objects.count()
    rng = random.Random(seed)
    units = list(Region.objects.filter(kind="statutory", level__in=["county", "township"]))
    month_ends = [dt.date(2016, m, 1) - dt.timedelta(days=1) for m in range(2, 7)] + [ON]
    rows = []
    for indicator in indicators.all_indicators():
        if indicator.kind != "reported":
            continue
        for region in units:
            for as_of in month_ends:
                if indicator.is_milestone:
                    rows.append(
                        ReportedValue(
                            indicator=indicator.code,
                            region=region,
                            as_of=as_of,
                            value=Decimal(rng.randint(0, 1)),
                            status="approved",
                        )
                    )
                elif str(indicator.unit) == "%":
                    denominator = rng.randint(20, 200)
                    numerator = rng.randint(denominator * 6 // 10, denominator)
                    rows.append(
                        ReportedValue(
                            indicator=indicator.code,
                            region=region,
                            as_of=as_of,
                            status="approved",
                            numerator=numerator,
                            denominator=denominator,
                            value=(Decimal(numerator) / denominator * 100).quantize(
                                Decimal("0.0001")
                            ),
                        )
                    )
                else:
                    rows.append(
                        ReportedValue(
                            indicator=indicator.code,
                            region=region,
                            as_of=as_of,
                            value=Decimal(rng.randint(0, 400)),
                            status="approved",
                        )
                    )
    ReportedValue.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


# ------------------------------------------------------------------------------ refresh


def bench_refresh(runs: int) -> dict:
    from django.db import connection

    from minzheng.people.models import Person
    from minzheng.regions.models import Region
    from minzheng.targets import refresh
    from minzheng.targets.models import Target

    seconds, result = [], None
    for run in range(runs):
        started = time.monotonic()
        result = refresh.refresh(on_date=ON)
        seconds.append(time.monotonic() - started)
        print(
            f"  refresh {run + 1}: {seconds[-1]:.2f} s ({result['values']:,} values, {result['evaluations']:,} evaluations)",
            flush=True,
        )
    return {
        "database": connection.vendor,
        "persons": Person.objects.count(),
        "regions": Region.objects.exclude(level="province").count(),
        "targets": Target.objects.count(),
        "values": result["values"],
        "evaluations": result["evaluations"],
        "seconds": [round(s, 2) for s in seconds],
        "best_s": round(min(seconds), 2),
        "median_s": round(statistics.median(seconds), 2),
    }


# ------------------------------------------------------------------------------ pages under load


def page_urls(plan_id: int) -> list[str]:
    from minzheng.regions.models import Region
    from minzheng.targets.models import Target

    counties = list(Region.objects.filter(level="county").values_list("code", flat=True))
    townships = list(Region.objects.filter(level="township").values_list("code", flat=True))
    targets = list(
        Target.objects.filter(plan_id=plan_id, region__level__in=["city", "county"]).values_list(
            "pk", flat=True
        )
    )
    rng = random.Random(1)
    urls = ["/targets/", "/targets/unit/"]
    urls += [f"/targets/?region={c}" for c in counties]
    urls += [f"/targets/?region={c}" for c in rng.sample(townships, 20)]
    urls += [f"/targets/t/{pk}/" for pk in rng.sample(targets, 20)]
    return urls


def sessions(count: int) -> list[str]:
    """Session cookies of `count` leader accounts of the city (read-only, see everything)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from minzheng.accounts.models import Role, User
    from minzheng.regions.models import Region

    city = Region.objects.get(code="420800")
    cookies = []
    for n in range(count):
        user = User.objects.filter(
            username=f"bench_leader_{n}"
        ).first() or User.objects.create_user(
            username=f"bench_leader_{n}",
            password="bench-pass-1",
            role=Role.LEADER,
            region=city,
        )
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        # The backend that signs users in (the first only guards against locked-out logins).
        store[BACKEND_SESSION_KEY] = "minzheng.accounts.backends.PlatformBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    return cookies


def extract_revision(rev: str, into: Path) -> Path:
    """The platform's source at `rev` (git archive: reads the repository, changes nothing)."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def serve(args, src: Path, conn_max_age: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DEBUG="0",
        DATABASE_URL=args.database_url,
        MINZHENG_VAR_DIR=str(args.var_dir),
        MINZHENG_DB_CONN_MAX_AGE=str(conn_max_age),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONPATH=str(src),
    )
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "minzheng.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
        "--chdir",
        str(src),
    ]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def warm_up(args, urls: list[str], cookie: str) -> float:
    """Each worker process keeps its own cache of snapshot page parts (the default local-memory
    cache): ask for every page a few times per worker so the measurement sees warm workers, as a
    server that has been up since the nightly refresh would be."""
    started = time.monotonic()
    for _round in range(3 * args.workers):
        for url in urls:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            conn.request("GET", url, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}")
    return round(time.monotonic() - started, 1)


class CpuMeter:
    """CPU seconds used by the server's worker processes and by its PostgreSQL sessions while the
    load runs. Less sensitive than latency to what else runs on a shared machine: the work a page
    costs. The sessions are sampled every second (persistent connections are replaced after their
    maximum age), so at most a second of a closed session's work is missed; with a connection per
    request they are not counted."""

    def __init__(self, args, server: subprocess.Popen, conn_max_age: int):
        import psutil

        self.psutil = psutil
        self.workers = psutil.Process(server.pid).children()
        persistent = is_postgres(args.database_url) and conn_max_age > 0
        self.database_url = args.database_url if persistent else ""
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._stop = threading.Event()

    def _backend_pids(self, conn, name) -> list[int]:
        return [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
        ]

    def _sample(self, conn, name, initial: bool):
        for pid in self._backend_pids(conn, name):
            try:
                times = self.psutil.Process(pid).cpu_times()
            except self.psutil.Error:
                continue
            self.first.setdefault(pid, times.user + times.system if initial else 0.0)
            self.last[pid] = times.user + times.system

    def _run(self):
        conn, name = admin_connection(self.database_url)
        with conn:
            self._sample(conn, name, initial=True)
            self._ready.set()
            while not self._stop.wait(1.0):
                self._sample(conn, name, initial=False)
            self._sample(conn, name, initial=False)

    @staticmethod
    def _seconds(processes) -> dict:
        seconds = {}
        for process in processes:
            try:
                times = process.cpu_times()
                seconds[process.pid] = times.user + times.system
            except Exception:  # gone meanwhile
                pass
        return seconds

    def start(self):
        self.before = self._seconds(self.workers)
        if self.database_url:
            self._ready = threading.Event()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
            self._ready.wait(30)

    def stop(self, requests: int) -> dict:
        after = self._seconds(self.workers)
        server = sum(after[pid] - self.before[pid] for pid in after if pid in self.before)
        postgres = None
        if self.database_url:
            self._stop.set()
            self._thread.join()
            postgres = sum(self.last[pid] - self.first[pid] for pid in self.last)
        return {
            "server_cpu_ms_per_request": round(server / max(requests, 1) * 1000, 2),
            "postgres_cpu_ms_per_request": round(postgres / max(requests, 1) * 1000, 2)
            if postgres is not None
            else None,
        }


def load(args, urls: list[str], cookies: list[str], think: float, meter=None) -> dict:
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + args.duration

    def user(cookie: str, seed: int):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        mine = []
        headers = {"Cookie": cookie, "Accept-Language": "zh-CN"}
        while time.monotonic() < stop_at:
            url = rng.choice(urls)
            started = time.perf_counter()
            try:
                try:
                    conn.request("GET", url, headers=headers)
                    response = conn.getresponse()
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    # The server closed the idle keep-alive connection (gunicorn's keepalive is
                    # 2 s): like a browser, send the request again on a new connection.
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                    conn.request("GET", url, headers=headers)
                    response = conn.getresponse()
                response.read()
                if response.status != 200:
                    with lock:
                        failures.append(f"{response.status} {url}")
            except OSError as exc:
                with lock:
                    failures.append(f"{exc} {url}")
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
            if think:
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=user, args=(cookies[i], i)) for i in range(args.users)]
    if meter:
        meter.start()
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    cpu = meter.stop(len(latencies)) if meter else {}
    ms = sorted(x * 1000 for x in latencies)

    def pct(p):
        return round(ms[min(len(ms) - 1, int(p / 100 * len(ms)))], 1) if ms else None

    return {
        "users": args.users,
        "think_s": think,
        "seconds": round(elapsed, 1),
        "requests": len(ms),
        "failures": len(failures),
        "first_failures": failures[:5],
        "throughput_rps": round(len(ms) / elapsed, 1),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(ms[-1], 1) if ms else None,
        **cpu,
        "load_average": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    args = parse_args()
    args.var_dir.mkdir(parents=True, exist_ok=True)
    reuse = args.keep_db and database_exists(args.database_url)
    if not reuse:
        create_database(args.database_url)
    setup_django(args)
    summary: dict = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        print("building the data …", flush=True)
        summary.update(build(args))
        if not args.skip_refresh:
            print("refreshing the snapshot …", flush=True)
            summary["refresh"] = bench_refresh(args.refresh_runs)
        urls = page_urls(summary["plan"])
        cookies = sessions(args.users)
        from django.db import connections

        connections.close_all()
        variants = [
            (code, int(conn))
            for code, _, conn in (
                v.strip().partition("@")
                for v in (args.variants or f"current@{args.conn_max_age}").split(",")
            )
        ]
        sources = {"current": ROOT / "src"}
        if any(code == "baseline" for code, _ in variants):
            if not args.baseline_rev:
                raise SystemExit("--variants names 'baseline': give --baseline-rev")
            sources["baseline"] = extract_revision(
                args.baseline_rev, args.var_dir / f"baseline-{args.baseline_rev}"
            )
        summary["pages"] = len(urls)
        summary["server"] = (
            f"gunicorn gthread, {args.workers} workers × {args.threads} threads, DEBUG off"
        )
        summary["variants"] = []
        for code, conn_max_age in variants:
            label = f"{code}@{conn_max_age}" + (
                f" ({args.baseline_rev})" if code == "baseline" else ""
            )
            process = serve(args, sources[code], conn_max_age)
            try:
                result = {
                    "variant": label,
                    "warm_up_s": warm_up(args, urls, cookies[0]),
                    "load": [],
                }
                for think in args.think or [0.0, 1.0]:
                    print(
                        f"{label}: {args.users} users, think time {think} s, {args.duration:.0f} s …",
                        flush=True,
                    )
                    result["load"].append(
                        load(args, urls, cookies, think, CpuMeter(args, process, conn_max_age))
                    )
                    print("  " + json.dumps(result["load"][-1], ensure_ascii=False), flush=True)
                summary["variants"].append(result)
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        if len(summary["variants"]) > 1:
            first, last = summary["variants"][0], summary["variants"][-1]
            summary["ratios"] = {
                f"think {a['think_s']} s": {
                    "throughput": round(b["throughput_rps"] / a["throughput_rps"], 2),
                    "p95": round(a["p95_ms"] / b["p95_ms"], 2),
                    "server_cpu_per_request": round(
                        a["server_cpu_ms_per_request"] / b["server_cpu_ms_per_request"], 2
                    ),
                    "of": f"{last['variant']} over {first['variant']}",
                }
                for a, b in zip(first["load"], last["load"], strict=True)
            }
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)
    summary["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

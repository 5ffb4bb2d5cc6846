"""Benchmark of the population import (people and households from a spreadsheet).

    PYTHONPATH=src .venv/bin/python bench/bench_import.py                      # SQLite
    PYTHONPATH=src .venv/bin/python bench/bench_import.py \\
        --database-url postgres://postgres@127.0.0.1:5432/minzheng_bench_import

What it does, in one run:

1. Generates a synthetic city (`minzheng.synth.generate_city`, seed 2016) of --prefill + --rows
   + 1,000 persons and writes it as import files with the template's columns, one row per person, a
   household's rows together with the head first: the first households (about --prefill people)
   are the registry as it stands, the next --rows rows (100,000) are the file measured.
2. Creates a scratch database (a SQLite file under --var-dir, or the PostgreSQL database of
   --database-url, dropped at the end unless --keep-db), migrates it, loads the region tree and
   the city's villages, a city-level section account that imports and a leader account that reads.
3. Imports the prefill file through the importer (not timed), so that readers find a registry.
4. Naive baseline: the first --sample rows of the measured file validated and then written the
   way the importer wrote before, row by row through the people services (register the person,
   create the household, add each member: one audit event per record, a commit per 50
   households), timed, then rolled back.
5. Serves the platform with gunicorn (DEBUG off, --workers × --threads, no broker, so a job runs
   in a thread of the server process that accepted it, as without Redis), and starts --readers
   client threads that read household lists through the API (GET /api/v1/households with random
   offsets, half of them filtered by county), each with its own keep-alive connection and
   --think seconds between requests: first --idle seconds without an import, for comparison.
6. Uploads the measured file through the import page (POST /people/import/, "import the good
   rows") as a clerk does; the job runs in the server; the readers keep reading until it ends.
   Rows/s is the file's rows over the job's run (started_at to finished_at as the job records
   them); latency percentiles are over the reads issued while it ran.
7. Imports the same file again the same way (it adds nothing), timed.
8. Checks the registry's counts and prints a JSON summary with the load average (1-minute figure)
   at the start and end of each timed step, and the CPU seconds the server's worker processes
   and PostgreSQL's processes for this database used during each import: on a shared machine
   the wall time says how busy the machine was, the CPU seconds what the import cost.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RELATIONS = {
    "head": "户主",
    "spouse": "配偶",
    "child": "子女",
    "child_in_law": "儿媳女婿",
    "parent": "父母",
    "grandchild": "孙子女",
}
DISABILITIES = {
    "visual": "视力",
    "hearing": "听力",
    "speech": "言语",
    "physical": "肢体",
    "intellectual": "智力",
    "mental": "精神",
    "multiple": "多重",
}
HEADER = [
    "身份证号码",
    "姓名",
    "户籍地区划代码",
    "户口性质",
    "家庭编号",
    "与户主关系",
    "住址",
    "开户银行",
    "银行账号",
    "残疾类别",
    "残疾等级",
    "联系电话",
    "出生日期",
    "性别",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the measured file")
    parser.add_argument("--prefill", type=int, default=50_000, help="people registered before")
    parser.add_argument("--sample", type=int, default=1_000, help="rows of the naive baseline")
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--database-url", default="", help="default: SQLite under --var-dir")
    parser.add_argument("--var-dir", type=Path, default=Path("/tmp/bench-import"))
    parser.add_argument("--readers", type=int, default=4, help="client threads reading (0: none)")
    parser.add_argument(
        "--think",
        type=float,
        default=0.5,
        help="seconds between a reader's reads (a clerk browsing)",
    )
    parser.add_argument(
        "--idle", type=float, default=10.0, help="seconds of reads before the import"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8741)
    parser.add_argument(
        "--lc-collate",
        default="",
        help="PostgreSQL: create the scratch database with this LC_COLLATE (e.g. C) instead of"
        " the cluster default",
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")
    return parser.parse_args()


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# ------------------------------------------------------------------------------ database


def is_postgres(url: str) -> bool:
    return url.startswith("postgres")


def admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    conn = psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)
    return conn, parts.path.lstrip("/")


def create_database(url: str, lc_collate: str = "") -> str:
    """Create the scratch database; its collation (PostgreSQL)."""
    if not is_postgres(url):
        drop_database(url)
        return ""
    conn, name = admin_connection(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if lc_collate:
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LC_COLLATE '{lc_collate}'")
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
        return conn.execute(
            "SELECT datcollate FROM pg_database WHERE datname = %s", [name]
        ).fetchone()[0]


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
    os.environ["MINZHENG_VAR_DIR"] = str(args.var_dir / "var")
    os.environ["MINZHENG_BROKER_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


# ------------------------------------------------------------------------------ files


def write_files(args) -> tuple[Path, Path, Path]:
    """The villages file, the prefill file and the measured file (the next --rows rows)."""
    import pyarrow.parquet as pq

    from minzheng.synth.generator import generate_city

    persons = args.prefill + args.rows + 1000  # the prefill ends with a whole household
    out = args.var_dir / "city" / f"{persons}-{args.seed}"
    if not (out / "manifest.json").exists():
        generate_city(persons=persons, seed=args.seed, out_dir=out)
    people = pq.read_table(out / "persons.parquet").to_pylist()
    members = {m["id_number"]: m for m in pq.read_table(out / "members.parquet").to_pylist()}
    households = {h["number"]: h for h in pq.read_table(out / "households.parquet").to_pylist()}
    rows = []
    for person in people:
        member = members[person["id_number"]]
        household = households[member["household_number"]]
        rows.append(
            (
                member["household_number"],
                member["relation"] != "head",  # the head first within a household
                [
                    person["id_number"],
                    person["name"],
                    person["village_code"],
                    "城镇" if person["hukou_type"] == "urban" else "农村",
                    member["household_number"],
                    RELATIONS[member["relation"]],
                    household["address"] or "",
                    household["bank_name"] or "",
                    household["bank_account"] or "",
                    DISABILITIES.get(person["disability_type"], ""),
                    f"{person['disability_grade']}级" if person["disability_grade"] else "",
                    person["phone"] or "",
                    person["birth_date"].isoformat(),
                    "男" if person["sex"] == "M" else "女",
                ],
            )
        )
    rows.sort(key=lambda r: (r[0], r[1]))  # stable: a household's members keep their order
    # The registry as it stands: whole households up to about --prefill people.
    split = args.prefill
    while 0 < split < len(rows) and rows[split][0] == rows[split - 1][0]:
        split += 1
    files = []
    for name, chunk in (("prefill", rows[:split]), ("import", rows[split : split + args.rows])):
        path = args.var_dir / f"{name}-{args.seed}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(r[2] for r in chunk)
        files.append(path)
    return out / "villages.parquet", files[0], files[1]


# ------------------------------------------------------------------------------ set-up


def build(villages_file: Path) -> dict:
    import pyarrow.parquet as pq
    from django.core.management import call_command

    from minzheng.accounts.models import Role, User
    from minzheng.api.auth import issue_token
    from minzheng.regions.models import Region
    from minzheng.regions.services import load_jingmen

    call_command("migrate", verbosity=0)
    load_jingmen()
    villages = pq.read_table(villages_file).to_pylist()
    townships = {r.code: r for r in Region.objects.filter(level=Region.Level.TOWNSHIP)}
    Region.objects.bulk_create(
        [
            Region(
                code=v["code"],
                name=v["name"],
                level=Region.Level.VILLAGE,
                kind=Region.Kind.STATUTORY,
                parent=townships[v["township_code"]],
                path=townships[v["township_code"]].path + v["code"] + "/",
                urban_rural=v["urban_rural"],
            )
            for v in villages
        ],
        batch_size=500,
    )
    city = Region.objects.get(code="420800")
    section = User.objects.create_user(
        username="bench_section", password="bench-pass-1", role=Role.CITY_SECTION, region=city
    )
    leader = User.objects.create_user(
        username="bench_leader", password="bench-pass-1", role=Role.LEADER, region=city
    )
    return {
        "section": section,
        "token": issue_token(leader)["token"],
        "counties": list(Region.objects.filter(level="county").values_list("code", flat=True)),
    }


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    # The backend that logs people in (the first one only refuses locked-out accounts).
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


# ------------------------------------------------------------------------------ naive baseline


def naive_baseline(user, path: Path, sample: int) -> dict:
    """The first `sample` rows (a household cut at the end keeps its head, who comes first),
    validated and written row by row through the people services as the importer did before;
    rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from minzheng.core.context import Actor, acting_as
    from minzheng.people import services
    from minzheng.people.imports.validation import validate
    from minzheng.people.models import Person, Relation

    lines = path.read_bytes().split(b"\n")
    data = b"\n".join(lines[: sample + 1]) + b"\n"
    today = timezone.localdate()

    def write_unit(unit):
        people = []
        for row in unit.rows:
            person = Person.objects.filter(id_hash=row.id_hash).first()
            if person is None:
                person = services.register_person(
                    user=user,
                    id_number=row.id_number,
                    name=row.name,
                    hukou_region=row.region,
                    hukou_type=row.hukou_type,
                    birth_date=row.birth_date,
                    sex=row.sex or None,
                    disability_type=row.disability_type,
                    disability_grade=row.disability_grade,
                    phone=row.phone,
                )
            people.append((row, person))
        if not unit.key:
            return
        head_row, head = next((r, p) for r, p in people if r.relation == Relation.HEAD)
        services.create_household(
            user=user,
            region=head_row.region,
            head=head,
            address=head_row.address,
            bank_name=head_row.bank_name,
            bank_account=head_row.bank_account,
            members=[(p, r.relation) for r, p in people if p.pk != head.pk],
            since=today,
        )

    actor = Actor(user_id=user.pk, username=user.get_username(), channel="job")
    started = time.perf_counter()
    with acting_as(actor), transaction.atomic():
        _headers, rows, units, errors = validate(user=user, path=data, today=today)
        assert not errors and not any(r.errors for r in rows), "the sample has bad rows"
        for start in range(0, len(units), 50):
            with transaction.atomic():
                for unit in units[start : start + 50]:
                    write_unit(unit)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {
        "rows": len(rows),
        "seconds": round(seconds, 2),
        "rows_per_s": round(len(rows) / seconds),
    }


# ------------------------------------------------------------------------------ server and readers


def serve(args) -> subprocess.Popen:
    env = dict(
        os.environ,
        DEBUG="0",
        DATABASE_URL=args.database_url,
        MINZHENG_VAR_DIR=str(args.var_dir / "var"),
        MINZHENG_BROKER_URL="",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    command = [
        str(Path(sys.executable).parent / "gunicorn"),  # the virtualenv running this script
        "minzheng.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--worker-class",
        "gthread",
        "--timeout",
        "600",
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT / "src"),
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


class Readers:
    """Client threads reading household lists through the API, each read recorded as
    (start, seconds, status)."""

    def __init__(self, args, token: str, counties: list[str]):
        self.args, self.token, self.counties = args, token, counties
        self.reads: list[tuple[float, float, int]] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._read, args=(n,), daemon=True) for n in range(args.readers)
        ]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _read(self, seed: int):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=60)
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Language": "zh-CN"}
        while not self.stop.is_set():
            url = f"/api/v1/households?limit=20&offset={rng.randrange(0, 5000)}"
            if rng.random() < 0.5:
                url += f"&region={rng.choice(self.counties)}"
            started = time.time()
            try:
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0
                conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=60)
            with self.lock:
                self.reads.append((started, time.time() - started, status))
            self.stop.wait(self.args.think)

    def between(self, start: float, end: float) -> dict:
        with self.lock:
            chosen = [(s, status) for at, s, status in self.reads if start <= at <= end]
        return latency_summary(chosen)


def latency_summary(reads: list[tuple[float, int]]) -> dict:
    if not reads:
        return {"reads": 0}
    ms = sorted(s * 1000 for s, _status in reads)

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, int(p / 100 * len(ms)))], 1)

    return {
        "reads": len(ms),
        "failed": sum(1 for _s, status in reads if status != 200),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(ms[-1], 1),
        "mean_ms": round(statistics.fmean(ms), 1),
    }


def upload(args, cookie: str, path: Path) -> str:
    """POST the file to the import page as a browser does; the id of the job it started."""
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
    conn.request("GET", "/people/import/", headers={"Cookie": cookie})
    response = conn.getresponse()
    page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
    cookies = cookie + (f"; csrftoken={csrf_cookie.group(1)}" if csrf_cookie else "")
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\ngood_rows\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: text/csv\r\n\r\n",
    ]
    body = "".join(parts).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    conn.request(
        "POST",
        "/people/import/",
        body=body,
        headers={
            "Cookie": cookies,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Referer": f"http://127.0.0.1:{args.port}/people/import/",
        },
    )
    response = conn.getresponse()
    response.read()
    location = response.getheader("Location") or ""
    match = re.search(r"/jobs/([0-9a-f-]{36})/", location)
    if response.status != 302 or not match:
        raise RuntimeError(f"the upload was not accepted: {response.status} {location}")
    return match.group(1)


class CpuMeter:
    """CPU seconds used by the server's worker processes and, on PostgreSQL, by the server
    processes serving the benchmark's database (sampled while the job runs: a backend's time
    is read until it ends, so a short-lived one may be missed by up to one sample)."""

    def __init__(self, server: subprocess.Popen):
        import psutil

        self.psutil = psutil
        self.workers = psutil.Process(server.pid).children()
        self.start = self._worker_seconds()
        self.backends: dict[int, list[float]] = {}

    def _worker_seconds(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self.workers)

    def sample(self) -> None:
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            pids = [pid for (pid,) in cursor.fetchall()]
        for pid in pids:
            try:
                seconds = sum(self.psutil.Process(pid).cpu_times()[:2])
            except self.psutil.Error:
                continue
            self.backends.setdefault(pid, [seconds, seconds])[1] = seconds

    def totals(self) -> tuple[float, float]:
        """Server and PostgreSQL CPU seconds so far."""
        return (
            self._worker_seconds() - self.start,
            sum(b - a for a, b in self.backends.values()),
        )


def wait_for(job_id: str, meter: CpuMeter):
    """The finished job, and when (and at what CPU totals) its writing began: the job learns
    its row count, and says so in its progress, once the file is validated."""
    from minzheng.core.models import Job

    writing = None
    while True:
        meter.sample()
        job = Job.objects.get(pk=job_id)
        if writing is None and job.total:
            writing = (time.time(), *meter.totals())
        if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            return job, writing
        time.sleep(0.1)


def timed_import(args, cookie: str, path: Path, readers: Readers | None, server) -> dict:
    load_start = load_average()
    meter = CpuMeter(server)
    posted = time.time()
    job_id = upload(args, cookie, path)
    job, writing = wait_for(job_id, meter)
    if job.status != "succeeded":
        raise RuntimeError(f"the import failed: {job.error[-2000:]}")
    seconds = (job.finished_at - job.started_at).total_seconds()
    server_cpu, pg_cpu = meter.totals()
    written_at, server_cpu_reading, pg_cpu_reading = writing or (job.finished_at.timestamp(), 0, 0)
    phases = {
        "reading_and_validating": {
            "seconds": round(written_at - job.started_at.timestamp(), 2),
            "server_cpu_s": round(server_cpu_reading, 2),
            "postgresql_cpu_s": round(pg_cpu_reading, 2),
        },
        "writing": {
            "seconds": round(job.finished_at.timestamp() - written_at, 2),
            "server_cpu_s": round(server_cpu - server_cpu_reading, 2),
            "postgresql_cpu_s": round(pg_cpu - pg_cpu_reading, 2),
        },
    }
    result = {
        "rows": job.result["rows"],
        "job_seconds": round(seconds, 2),
        "rows_per_s": round(job.result["rows"] / seconds),
        "posted_to_finished_s": round(job.finished_at.timestamp() - posted, 2),
        "created_people": job.result["created_people"],
        "created_households": job.result["created_households"],
        "existing": job.result["existing"],
        "errors": job.result["error_count"],
        "load_average": [load_start, load_average()],
        "server_process_cpu_s": round(server_cpu, 2),
        "postgresql_cpu_s": round(pg_cpu, 2),
        "phases": phases,
    }
    if readers is not None:
        result["reads"] = readers.between(job.started_at.timestamp(), job.finished_at.timestamp())
    return result


# ------------------------------------------------------------------------------ main


def main() -> None:
    args = parse_args()
    args.var_dir.mkdir(parents=True, exist_ok=True)
    if not args.database_url:
        args.database_url = f"sqlite:///{args.var_dir / 'bench-import.sqlite3'}"
    collation = create_database(args.database_url, args.lc_collate)
    setup_django(args)
    summary: dict = {
        "database": "postgresql" if is_postgres(args.database_url) else "sqlite",
        "lc_collate": collation,
        "load_average_start": load_average(),
    }
    server = None
    try:
        print("files", flush=True)
        started = time.perf_counter()
        villages, prefill, measured = write_files(args)
        print(f"  {time.perf_counter() - started:.1f} s: {prefill.name}, {measured.name}")
        world = build(villages)

        from django.db import connection

        from minzheng.people import imports
        from minzheng.people.models import Household, HouseholdMember, Person

        print("prefill (not timed)", flush=True)
        report = imports.run_import(user=world["section"], path=prefill, mode=imports.GOOD_ROWS)
        assert report.errors == [], report.errors[:3]
        summary["prefill"] = {
            "people": report.created_people,
            "households": report.created_households,
        }

        print(f"naive baseline, {args.sample:,} rows", flush=True)
        load_start = load_average()
        summary["naive"] = naive_baseline(world["section"], measured, args.sample)
        summary["naive"]["load_average"] = [load_start, load_average()]
        print(f"  {summary['naive']}", flush=True)

        connection.close()  # the server and this process take turns on SQLite's write lock
        server = serve(args)
        cookie = session_cookie(world["section"])
        readers = Readers(args, world["token"], world["counties"]) if args.readers else None
        with readers or _Nothing():
            if readers:
                idle_start = time.time()
                time.sleep(args.idle)
                summary["reads_without_import"] = readers.between(idle_start, time.time())
                print(f"  reads without import: {summary['reads_without_import']}", flush=True)
            print(f"import of {args.rows:,} rows through the import page", flush=True)
            summary["import"] = timed_import(args, cookie, measured, readers, server)
            print(f"  {summary['import']}", flush=True)
            print("the same file again", flush=True)
            summary["again"] = timed_import(args, cookie, measured, readers, server)
            print(f"  {summary['again']}", flush=True)

        first, again = summary["import"], summary["again"]
        assert first["errors"] == 0 and first["created_people"] == args.rows
        assert again["created_people"] == again["created_households"] == 0
        summary["registry"] = {
            "people": Person.objects.count(),
            "households": Household.objects.count(),
            "members": HouseholdMember.objects.count(),
        }
        assert summary["registry"]["people"] == summary["prefill"]["people"] + args.rows
        summary["speed_up_over_naive"] = round(
            first["rows_per_s"] / summary["naive"]["rows_per_s"], 1
        )
        summary["load_average_end"] = load_average()
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)


class _Nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()

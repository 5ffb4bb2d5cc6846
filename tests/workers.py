"""Helpers for tests that run real RQ worker processes against this test run's database.

Redis is shared (by parallel test runs, and by anyone else using the server), so a test never
flushes a database: it takes a queue of its own (MINZHENG_QUEUE, inherited by the workers it
starts) on the Redis database named by MINZHENG_TEST_REDIS_URL, and removes only that queue's keys.

A test that kills a worker mid-way runs it as `python -m tests.workers <minzheng command>`: the
real command, held at a chosen point — right after the n-th INSERT into a table, with that chunk's
transaction still open — until the test kills it. The kill then always cuts off a chunk in flight,
after a known number of committed ones, however loaded the machine is.
"""

import os
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

TEST_REDIS_URL = os.environ.get("MINZHENG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Generous: on a loaded 2-core machine a worker takes seconds just to import Django and the apps.
WORKER_TIMEOUT = float(os.environ.get("MINZHENG_TEST_WORKER_TIMEOUT", "600"))


@contextmanager
def private_queue(monkeypatch, url: str = TEST_REDIS_URL):
    """Yield a Redis connection with MINZHENG_QUEUE set to a queue name no one else uses; on exit
    delete that queue's keys, its jobs' and its workers', and nothing else (RQ's own short-lived
    housekeeping lock, rq:clean_groups, expires by itself)."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    redis = Redis.from_url(url)
    try:
        redis.ping()
    except RedisConnectionError as exc:
        pytest.skip(f"Redis is not reachable at {url}: {exc}")
    queue = f"minzheng-test-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("MINZHENG_QUEUE", queue)
    try:
        yield redis
    finally:
        remove_queue_keys(redis, queue)


def remove_queue_keys(redis, queue: str) -> int:
    """Delete the keys RQ keeps for one queue: the queue and its registries, its jobs (with their
    results and executions) and the workers that listened on it."""
    from rq import Queue, Worker

    q = Queue(queue, connection=redis)
    job_ids = set(q.get_job_ids())
    for registry in (
        q.started_job_registry,
        q.finished_job_registry,
        q.failed_job_registry,
        q.deferred_job_registry,
        q.scheduled_job_registry,
        q.canceled_job_registry,
    ):
        job_ids.update(registry.get_job_ids())
    worker_keys = {w.key for w in Worker.all(queue=q)}
    for key in redis.scan_iter(match="rq:worker:*", count=1000):  # workers gone, keys kept a while
        if redis.type(key) == b"hash" and queue.encode() in (
            redis.hget(key, "queues") or b""
        ).split(b","):
            worker_keys.add(key.decode())
    for key in worker_keys:
        redis.srem("rq:workers", key)
    redis.srem("rq:queues", q.key)
    doomed = set(worker_keys)
    markers = [queue, *job_ids, *(k.rsplit(":", 1)[-1] for k in worker_keys)]
    for key in redis.scan_iter(match="rq:*", count=1000):
        text = key.decode()
        if any(marker in text for marker in markers):
            doomed.add(text)
    if doomed:
        redis.delete(*doomed)
    return len(doomed)


def worker_env(redis_url: str) -> dict:
    """The environment of a worker process that uses this test's database and the given Redis DB."""
    db = connection.settings_dict
    env = os.environ.copy()
    env["MINZHENG_BROKER_URL"] = redis_url
    env["DJANGO_SETTINGS_MODULE"] = "minzheng.settings"
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    return env


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (RQ forks a work horse per job)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its closing bracket.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")  # a zombie holds no connection any more


def wait_until_cut_off(pids, *, application_name: str, timeout: float = 60) -> None:
    """Wait until the killed processes are gone and the database has ended their sessions (found by
    the application name they connected with, so other connections of the test run do not count),
    so the transaction they had open is rolled back before the test counts rows."""
    deadline = time.monotonic() + timeout
    while not all(_gone(pid) for pid in pids):
        assert time.monotonic() < deadline, f"processes {pids} still alive after SIGKILL"
        time.sleep(0.01)
    if connection.vendor != "postgresql":
        return  # SQLite's locks and uncommitted pages go with the process
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                [application_name],
            )
            if cursor.fetchone()[0] == 0:
                return
            assert time.monotonic() < deadline, "the killed worker's database session did not end"
            time.sleep(0.01)


PAUSE_ENV = "MINZHENG_TEST_PAUSE"


def held_command(*args: str) -> list[str]:
    """`minzheng <args>` held at the pause point that `held_env` names (see the module's doc)."""
    return [sys.executable, "-m", "tests.workers", *args]


def held_env(env: dict, *, table: str, insert: int, flag: Path) -> dict:
    """The environment that holds a process of `held_command` right after its `insert`-th INSERT
    into `table` (counted per process: a work horse counts its own), and makes it create `flag`
    once it is held there."""
    return {**env, PAUSE_ENV: f"{table}:{insert}:{flag}"}


def wait_until_held(
    flag: Path, process, *, log_path: Path | None = None, timeout: float, what: str
):
    """Wait until the process of `held_command` has reached its pause point."""
    deadline = time.monotonic() + timeout
    while not flag.exists():
        log = log_path.read_text()[-3000:] if log_path and log_path.exists() else ""
        assert process.poll() is None, f"the process ended before {what}: {log}"
        assert time.monotonic() < deadline, (
            f"the process did not reach {what} within {timeout:.0f} s"
        )
        time.sleep(0.02)


def start_worker_and_kill_in_flight(
    *, env: dict, cwd, log_path: Path, table: str, insert: int, timeout: float = WORKER_TIMEOUT
) -> None:
    """Start `minzheng worker --burst`, held right after its work horse's `insert`-th INSERT into
    `table`; then SIGKILL the worker and its work horse, so no handler runs and the chunk in flight
    is cut off with its transaction open; return once they are gone and their database sessions
    have ended."""
    import signal
    import subprocess

    horses: list[int] = []
    flag = log_path.with_suffix(".held")
    # libpq names the worker's sessions after this, so their end can be told apart from the test's own.
    application_name = f"killed-worker-{os.getpid()}-{time.monotonic_ns()}"
    env = held_env({**env, "PGAPPNAME": application_name}, table=table, insert=insert, flag=flag)
    with open(log_path, "wb") as log_file:
        worker = subprocess.Popen(
            held_command("worker", "--burst"),
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            start_new_session=True,
        )
    try:
        wait_until_held(
            flag, worker, log_path=log_path, timeout=timeout, what=f"INSERT {insert} into {table}"
        )
        horses = children_of(worker.pid)
        os.kill(worker.pid, signal.SIGKILL)
        for pid in horses:
            os.kill(pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=60)
    wait_until_cut_off([worker.pid, *horses], application_name=application_name)


def _hold_after_insert(spec: str) -> None:
    """In this process, stop right after the n-th INSERT (or COPY, the PostgreSQL bulk path) into
    the table named by `spec` ("table:n:flag"), inside its transaction, create the flag file and
    wait to be killed."""
    import re
    from contextlib import contextmanager

    import psycopg
    from django.db.backends.signals import connection_created

    table, nth, flag = spec.split(":", 2)
    # The table itself, not one whose name merely starts the same (a staging table beside it).
    into_table = re.compile(rf"\s*(INSERT\s+INTO|COPY)\s+{re.escape(table)}[\s(]", re.IGNORECASE)
    seen = {"inserts": 0}

    def count(sql) -> None:
        if into_table.match(str(sql).replace('"', "")):
            seen["inserts"] += 1
            if seen["inserts"] == int(nth):
                Path(f"{flag}.tmp").write_text(str(os.getpid()))
                os.replace(f"{flag}.tmp", flag)
                while True:  # until the test kills this process
                    time.sleep(60)

    def hold(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        count(sql)
        return result

    def install(sender, connection, **kwargs):
        if hold not in connection.execute_wrappers:
            connection.execute_wrappers.append(hold)

    connection_created.connect(install, weak=False)

    # COPY goes to psycopg's cursor directly, past Django's execute wrappers.
    plain_copy = psycopg.Cursor.copy

    @contextmanager
    def copy(self, statement, *args, **kwargs):
        with plain_copy(self, statement, *args, **kwargs) as copying:
            yield copying
        count(statement)

    psycopg.Cursor.copy = copy


if __name__ == "__main__":
    if os.environ.get(PAUSE_ENV):
        _hold_after_insert(os.environ[PAUSE_ENV])
    from minzheng.cli import main

    main()

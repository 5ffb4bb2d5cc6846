"""Helpers for tests that run real RQ worker processes against this test run's database.

Redis is shared (by parallel test runs, and by anyone else using the server), so a test never
flushes a database: it takes a queue of its own (MINZHENG_QUEUE, inherited by the workers it
starts) on the Redis database named by MINZHENG_TEST_REDIS_URL, and removes only that queue's keys.
"""

import os
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


def start_worker_and_kill_when(
    *, env: dict, cwd, log_path: Path, ready, timeout: float = WORKER_TIMEOUT, waiting_for: str
) -> None:
    """Start `minzheng worker --burst`, wait until `ready()` holds, then SIGKILL the worker and its
    work horse, so no handler runs and the chunk in flight is cut off; return once they are gone
    and their database sessions have ended."""
    import signal
    import subprocess
    import sys

    horses: list[int] = []
    # libpq names the worker's sessions after this, so their end can be told apart from the test's own.
    application_name = f"killed-worker-{os.getpid()}-{time.monotonic_ns()}"
    env = {**env, "PGAPPNAME": application_name}
    with open(log_path, "wb") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-m", "minzheng", "worker", "--burst"],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            assert worker.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, (
                f"the worker did not start {waiting_for} within {timeout:.0f} s"
            )
            time.sleep(0.02)
        horses = children_of(worker.pid)
        os.kill(worker.pid, signal.SIGKILL)
        for pid in horses:
            os.kill(pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=60)
    wait_until_cut_off([worker.pid, *horses], application_name=application_name)

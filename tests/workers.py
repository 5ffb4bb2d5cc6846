"""Helpers for tests that run real RQ worker processes against this test run's database."""

import os
from pathlib import Path

from django.db import connection


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
        env["DATABASE_URL"] = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
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


def start_worker_and_kill_when(*, env: dict, cwd, log_path: Path, ready, timeout: float, waiting_for: str) -> None:
    """Start `minzheng worker --burst`, wait until `ready()` holds, then SIGKILL the worker and its
    work horse, so no handler runs and the chunk in flight is cut off."""
    import signal
    import subprocess
    import sys
    import time

    with open(log_path, "wb") as log_file:
        worker = subprocess.Popen([sys.executable, "-m", "minzheng", "worker", "--burst"], env=env, cwd=cwd,
                                  stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            assert worker.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, f"the worker did not start {waiting_for} within {timeout:.0f} s"
            time.sleep(0.02)
        horses = children_of(worker.pid)
        os.kill(worker.pid, signal.SIGKILL)
        for pid in horses:
            os.kill(pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=10)

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

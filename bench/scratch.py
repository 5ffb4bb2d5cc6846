"""What several benchmarks share: a scratch PostgreSQL database made afresh and dropped at the
end, and a timed step reported on stderr."""

from __future__ import annotations

import sys
import time
from urllib.parse import urlsplit, urlunsplit


def admin_connection(database_url: str):
    """An autocommit connection to the server's `postgres` database, and the scratch one's name."""
    import psycopg

    parts = urlsplit(database_url)
    return psycopg.connect(
        urlunsplit(parts._replace(path="/postgres")), autocommit=True
    ), parts.path.lstrip("/")


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
    """Run `func`, saying on stderr when it starts and how long it took; (result, seconds)."""
    print(f"  {label} …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = func(*args, **kwargs)
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.3f} s", file=sys.stderr, flush=True)
    return result, seconds

"""Writing many rows at once through the open connection: `COPY … FROM STDIN` on PostgreSQL
(one round trip for the whole set, values sent as text without per-row statement overhead),
`executemany` on SQLite (one prepared statement, in-process). Values go in as the database
adapters expect them (`connection.ops.adapt_*`), the same on both. And PostgreSQL settings for one
bulk statement (`local_settings`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, transaction


def insert_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert `rows` (tuples in the order of `columns`) into `table` with the Django `cursor`."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", list(rows))


@contextmanager
def local_settings(cursor, **settings: str) -> Iterator[None]:
    """PostgreSQL settings (e.g. `enable_hashjoin="off"`) for the statements inside only, where
    the planner's estimate is known to be wrong for a bulk statement. They are set for the
    current transaction (in a savepoint) and put back as they were on the way out, since the
    caller's transaction goes on; if a statement fails, rolling back the savepoint puts them back."""
    names = list(settings)
    with transaction.atomic():
        cursor.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
        before = cursor.fetchone()
        _set_local(cursor, names, list(settings.values()))
        yield
        _set_local(cursor, names, before)


def _set_local(cursor, names: list[str], values: Sequence[str]) -> None:
    cursor.execute(
        "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
        [item for pair in zip(names, values, strict=True) for item in pair],
    )

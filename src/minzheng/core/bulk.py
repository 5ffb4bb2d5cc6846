"""Writing many rows at once through the open connection: `COPY … FROM STDIN` on PostgreSQL
(one round trip for the whole set, values sent as text without per-row statement overhead),
`executemany` on SQLite (one prepared statement, in-process). Values go in as the database
adapters expect them (`connection.ops.adapt_*`), the same on both."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


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

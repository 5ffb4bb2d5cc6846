"""How tests/test_schema.py sees a database, so that two installs can be compared: run inside
an install (`python -c`, from the repository's root) after its `migrate`."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections


def describe(database: str = DEFAULT_DB_ALIAS) -> dict:
    """The database's schema and seeded content in a form two installs can be compared by: each
    table's columns (by name, since a column added by a later migration comes last), its
    constraints and indexes with their definitions, its storage settings, and its rows without
    keys or timestamps (which differ between two installs by construction)."""
    connection = connections[database]
    introspection = connection.introspection
    described = {}
    with connection.cursor() as cursor:
        for table in sorted(introspection.table_names(cursor)):
            columns = {
                column.name: [str(value) for value in column[1:]]
                for column in introspection.get_table_description(cursor, table)
            }
            constraints = {
                _constraint_name(name, details): {
                    key: str(value) for key, value in sorted(details.items())
                }
                for name, details in introspection.get_constraints(cursor, table).items()
            }
            described[table] = {
                "columns": dict(sorted(columns.items())),
                "constraints": dict(sorted(constraints.items())),
                "definitions": _definitions(cursor, connection.vendor, table),
                "rows": _content(cursor, connection, table, list(columns)),
            }
    return described


def _constraint_name(name: str, details: dict) -> str:
    """SQLite's foreign keys and inline constraints have no names; introspection numbers them in
    table order, which differs between two installs. Name them by what they are instead."""
    if name.startswith(("fk_", "__unnamed_constraint_")):
        return repr(sorted((key, str(value)) for key, value in details.items()))
    return name


def _definitions(cursor, vendor: str, table: str) -> list:
    """Index definitions (with their conditions and operator classes, which introspection leaves
    out), check and foreign-key definitions, and storage options such as fillfactor."""
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL ORDER BY name",
            [table],
        )
        return [list(row) for row in cursor.fetchall()]
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
        "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass "
        "UNION ALL SELECT 'reloptions', array_to_string(reloptions, ',') FROM pg_class "
        "WHERE oid = %s::regclass AND reloptions IS NOT NULL ORDER BY 1, 2",
        [table, table, table],
    )
    return [list(row) for row in cursor.fetchall()]


_LEFT_OUT = ("id", "applied", "created", "created_at", "updated_at", "modified")


def _content(cursor, connection, table: str, columns: list[str]) -> list:
    kept = [c for c in sorted(columns) if c not in _LEFT_OUT and not c.endswith("_id")]
    if not kept:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        return [cursor.fetchone()[0]]
    quoted = ", ".join(connection.ops.quote_name(c) for c in kept)
    cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
    return sorted([str(value) for value in row] for row in cursor.fetchall())

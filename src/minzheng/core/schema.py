"""A first install's schema straight from the models.

Replaying every migration on an empty database costs about 85 s, almost all of it in Django
re-rendering the historical models for each operation (nearly every model reaches users and
regions, so each operation re-renders most of them). An empty database does not need the history:
`install_from_models` creates the tables from the models as they are now (Django's own
`run_syncdb`, as its test runner does with `MIGRATE: False`), runs the migrations' data operations
that a new install needs (seeds, storage settings, extra indexes), and records every migration as
applied, so that later upgrades migrate as usual. It takes a few seconds.

The two paths must give the same database: tests/test_schema.py compares them table by table,
column by column, index by index and seeded row by seeded row, on SQLite and on PostgreSQL.

A data operation marked `elidable=True` only rewrites rows an older version left behind (e.g.
encrypting files stored before encryption at rest); it is skipped here. Every other `RunPython`
and `RunSQL` runs, in migration order, against the current models.
"""

from __future__ import annotations

from django.apps import apps as current_apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations.special import RunPython, RunSQL
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings


class _NoMigrations(dict):
    """MIGRATION_MODULES under which no app has migrations, so `run_syncdb` creates every table."""

    def __contains__(self, app_label):
        return True

    def __getitem__(self, app_label):
        return None


def existing_tables(database: str = DEFAULT_DB_ALIAS) -> list[str]:
    connection = connections[database]
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def is_empty(database: str = DEFAULT_DB_ALIAS) -> bool:
    """True when the database holds no table at all: nothing has been installed yet."""
    return not existing_tables(database)


def install_from_models(create_tables, *, database: str = DEFAULT_DB_ALIAS) -> None:
    """Install the schema on an empty database. `create_tables()` runs Django's `migrate` with
    `run_syncdb` (it is called here with no app's migrations visible). On PostgreSQL the whole
    install is one transaction; on SQLite (whose schema editor cannot run inside one) a failure
    drops whatever was created, so that the next attempt again starts from an empty database."""
    connection = connections[database]
    if connection.vendor == "sqlite":
        try:
            _install(create_tables, connection)
        except BaseException:
            _drop_every_table(connection)
            raise
    else:
        with transaction.atomic(using=database):
            _install(create_tables, connection)


def _install(create_tables, connection) -> None:
    with override_settings(MIGRATION_MODULES=_NoMigrations()):
        create_tables()
    executor = MigrationExecutor(connection)
    plan = [
        migration
        for migration, _backwards in executor.migration_plan(executor.loader.graph.leaf_nodes())
    ]
    with connection.schema_editor() as editor:
        for migration in plan:
            for operation in migration.operations:
                if isinstance(operation, RunPython) and not operation.elidable:
                    operation.code(current_apps, editor)
                elif isinstance(operation, RunSQL) and not operation.elidable:
                    operation.database_forwards(migration.app_label, editor, None, None)
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    recorder.migration_qs.bulk_create(
        recorder.Migration(app=migration.app_label, name=migration.name) for migration in plan
    )


def _drop_every_table(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")
        cursor.execute("PRAGMA foreign_keys = ON")

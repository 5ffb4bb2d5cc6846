"""A first install takes its schema from the models (`minzheng.core.schema`); an upgrade replays
the migrations. Both must leave the same database, on SQLite and on PostgreSQL, and a first
install that fails part-way must leave the database empty, ready for another attempt."""

import json

from django.db import connection

# Run inside an empty install: `migrate` there (replaying the migrations or not), then print the
# database as tests/schema_description.py sees it.
INSTALL = """
import json, sys, django
django.setup()
from django.core.management import call_command
from tests.schema_description import describe
call_command("migrate", verbosity=0, interactive=False, replay=sys.argv[1] == "replay")
print(json.dumps(describe()))
"""

# Run inside an empty install: a first install that fails after its tables exist, then whether
# the database is empty again.
FAILED_INSTALL = """
import django
django.setup()
from django.core.management import call_command
from django.db.migrations.recorder import MigrationRecorder
from minzheng.core.schema import is_empty

def fail(self):
    raise RuntimeError("disk full")

MigrationRecorder.ensure_schema = fail
try:
    call_command("migrate", verbosity=0, interactive=False)
except RuntimeError as error:
    print("failed:", error)
print("empty:", is_empty())
"""


# Run inside an install: `migrate`, then how many migrations are recorded as applied.
APPLIED = """
import django
django.setup()
from django.core.management import call_command
from django.db.migrations.recorder import MigrationRecorder
call_command("migrate", verbosity=0, interactive=False)
print(MigrationRecorder.Migration.objects.count())
"""


def _install(install, *args) -> str:
    proc = install.python(*args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _known_difference(described: dict) -> dict:
    """Replayed migrations give auth_group_permissions a bigint key and the models an integer
    one: Django's historical models of the auth app take DEFAULT_AUTO_FIELD, the real ones the
    auth app's own AutoField. Nothing of the platform uses that table."""
    if connection.vendor == "postgresql":
        described["auth_group_permissions"]["columns"].pop("id")
    return described


def test_a_first_install_from_the_models_equals_replaying_every_migration(empty_installs):
    replayed = json.loads(_install(empty_installs("replayed"), INSTALL, "replay"))
    from_models = json.loads(_install(empty_installs("from_models"), INSTALL, "from-models"))
    assert "cases_holiday" in from_models and from_models["cases_holiday"]["rows"], (
        "the seeded holidays are part of what is compared"
    )
    assert len(from_models) > 200
    assert sorted(from_models) == sorted(replayed)
    from_models, replayed = _known_difference(from_models), _known_difference(replayed)
    for table in sorted(replayed):
        assert from_models[table] == replayed[table], table
    applied = from_models["django_migrations"]["rows"]
    assert applied == replayed["django_migrations"]["rows"] and len(applied) > 100


def test_a_failed_first_install_leaves_an_empty_database_and_the_next_one_works(empty_installs):
    install = empty_installs("interrupted")
    assert _install(install, FAILED_INSTALL).splitlines() == ["failed: disk full", "empty: True"]
    assert int(_install(install, APPLIED)) > 100

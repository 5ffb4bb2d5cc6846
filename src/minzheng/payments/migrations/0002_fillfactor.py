"""Leave room in each page of the tables that bulk recomputation updates, so PostgreSQL can
rewrite a row in place (a heap-only update, no new index entries) instead of moving it."""

from django.db import migrations

TABLES = {"payments_entitlement": 75, "payments_entitlementchange": 85}


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, percent in TABLES.items():
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {percent})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]
    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]

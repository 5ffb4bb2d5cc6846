"""The search index over names, aliases and spellings: on PostgreSQL a trigram GIN index on
`search_text` (pg_trgm), which serves `LIKE '%term%'`; SQLite has none (a LIKE scan)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS placename_search_trgm ON placenames_placename "
        "USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS placename_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("placenames", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

from django.db import migrations, models

# Every event written so far was sealed in sequence order, so its chain position is its rank.
NUMBER_EXISTING = """
UPDATE core_auditevent SET chain_pos = ranked.n
FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM core_auditevent) AS ranked
WHERE core_auditevent.seq = ranked.seq
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_audit_event_key_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain_pos",
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.RunSQL(NUMBER_EXISTING, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("chain_pos__isnull", True)),
                fields=["seq"],
                name="core_audit_unsealed",
            ),
        ),
    ]

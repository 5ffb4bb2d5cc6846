"""Drop the per-row history tables of persons, households and memberships.

Changes to these records are kept once, in the audit events the people services write (with the
same before/after content); the history pages read those. The tables are dropped whole: their
rows duplicated the events (and missed bulk loads), so nothing is carried over.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_name_pinyin_fits_the_longest_name"),
    ]

    operations = [
        migrations.DeleteModel(name="HistoricalHouseholdMember"),
        migrations.DeleteModel(name="HistoricalHousehold"),
        migrations.DeleteModel(name="HistoricalPerson"),
    ]

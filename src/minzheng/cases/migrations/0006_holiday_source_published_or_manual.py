"""Holiday rows say where they come from: the State Council's published arrangement (written in
bulk by `minzheng calendar load`, replaced when the published data changes) or an administrator's
entry, which a load never overwrites.

Rows present before this migration that are exactly the 2016 arrangement seeded by 0002 are the
published arrangement; any other row was entered or corrected by an administrator."""

import importlib

from django.db import migrations, models


def mark_published(apps, schema_editor):
    Holiday = apps.get_model("cases", "Holiday")
    seeded = importlib.import_module("minzheng.cases.migrations.0002_holidays_2016").rows()
    wanted = {day: (working, name) for day, working, name in seeded}
    published = [
        pk
        for pk, day, working, name in Holiday.objects.filter(date__in=list(wanted)).values_list(
            "pk", "date", "is_working_day", "name"
        )
        if wanted[day] == (working, name)
    ]
    Holiday.objects.filter(pk__in=published).update(source="package")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_encrypt_documents_at_rest"),
    ]

    operations = [
        migrations.AddField(
            model_name="holiday",
            name="source",
            field=models.CharField(
                choices=[("package", "国务院公布"), ("manual", "管理员录入")],
                default="manual",
                editable=False,
                max_length=8,
                verbose_name="来源",
            ),
        ),
        migrations.RunPython(mark_published, migrations.RunPython.noop),
    ]

"""Search keys read surnames with their surname reading (曾 zeng, 单 shan, 解 xie …) and keep the
common reading beside it: the stored keys of the people concerned are recomputed in bulk."""

from django.db import migrations


def rekey(apps, schema_editor):
    from minzheng.people.pinyin import rekey_surnames

    rekey_surnames(apps.get_model("people", "Person"))


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_drop_people_history"),
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]

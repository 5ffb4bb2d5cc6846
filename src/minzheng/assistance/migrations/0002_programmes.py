from django.db import migrations

# A frozen copy of the programme list (migrations must not import code that may change later).
PROGRAMMES = [
    ("dibao_urban", "城市最低生活保障", "monthly"),
    ("dibao_rural", "农村最低生活保障", "monthly"),
    ("tekun", "特困人员救助供养", "monthly"),
    ("temporary", "临时救助", "one_off"),
    ("medical", "医疗救助", "one_off"),
    ("disability_living", "困难残疾人生活补贴", "monthly"),
    ("disability_nursing", "重度残疾人护理补贴", "monthly"),
]


def seed(apps, schema_editor):
    Programme = apps.get_model("assistance", "Programme")
    for code, name, kind in PROGRAMMES:
        Programme.objects.update_or_create(code=code, defaults={"name": name, "kind": kind})


def unseed(apps, schema_editor):
    apps.get_model("assistance", "Programme").objects.filter(code__in=[p[0] for p in PROGRAMMES], standards__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

"""The 2016 national holiday arrangement (国办发明电〔2015〕18号): days off and the weekend days
worked in exchange (调休上班). Later years are entered by an administrator."""

import datetime as dt

from django.db import migrations


def _span(first: str, last: str):
    day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


# (name, first day off, last day off, adjusted working days)
HOLIDAYS_2016 = [
    ("元旦", "2016-01-01", "2016-01-03", []),
    ("春节", "2016-02-07", "2016-02-13", ["2016-02-06", "2016-02-14"]),
    ("清明节", "2016-04-02", "2016-04-04", []),
    ("劳动节", "2016-04-30", "2016-05-02", []),
    ("端午节", "2016-06-09", "2016-06-11", ["2016-06-12"]),
    ("中秋节", "2016-09-15", "2016-09-17", ["2016-09-18"]),
    ("国庆节", "2016-10-01", "2016-10-07", ["2016-10-08", "2016-10-09"]),
]


def rows():
    for name, first, last, worked in HOLIDAYS_2016:
        for day in _span(first, last):
            yield day, False, name
        for day in worked:
            yield dt.date.fromisoformat(day), True, name


def seed(apps, schema_editor):
    Holiday = apps.get_model("cases", "Holiday")
    for day, working, name in rows():
        Holiday.objects.update_or_create(date=day, defaults={"is_working_day": working, "name": name})


def unseed(apps, schema_editor):
    Holiday = apps.get_model("cases", "Holiday")
    Holiday.objects.filter(date__in=[day for day, _w, _n in rows()]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]

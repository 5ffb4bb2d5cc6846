"""Time the military module's computed targets (16.x counts, 17.1–17.3, 18.1–18.5) for every
region on today's date, and its demo step (a first run and an idempotent second run, rolled back
afterwards), on an existing demo install. Run through the management shell:

    PYTHONPATH=src MINZHENG_VAR_DIR=/tmp/minzheng-bench .venv/bin/minzheng shell < bench/bench_military.py
"""

import time

from django.db import transaction
from django.utils import timezone

from minzheng.military import demo
from minzheng.military import indicators as ind
from minzheng.military import models as m
from minzheng.people.models import Person
from minzheng.regions.models import Region


class Rollback(Exception):
    pass


def ms(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)


print("persons", Person.objects.count())
regions = list(Region.objects.prefetch_related("members"))
today = timezone.localdate()
for func in (
    ind.double_support,
    ind.reception_rate,
    ind.treatment_rate,
    ind.satisfaction,
    ind.appeals,
):
    start = time.perf_counter()
    func(regions, today)
    print(func.__name__, ms(start), "ms")
try:
    with transaction.atomic():
        for model in (
            m.AppealEvent,
            m.MilitaryAppeal,
            m.CadreSurvey,
            m.CadreService,
            m.TreatmentItem,
            m.RetiredCadre,
            m.SupportEnrolment,
        ):
            model.objects.all().delete()
        start = time.perf_counter()
        first = demo.seed_demo_military()
        print("demo step", first, ms(start), "ms")
        start = time.perf_counter()
        again = demo.seed_demo_military()
        print("again", again, ms(start), "ms")
        raise Rollback
except Rollback:
    pass

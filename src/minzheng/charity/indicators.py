"""The plan's targets 13.1 and 6.7, computed for every region at once (docs/DOMAIN.md §15). On a
date d:

13.1 charity_donations (万元): donations received by recognised charitable organisations in d's
     year up to d (received_on in [1 January, d]), money and goods at their valued amount, directed
     or not, the one-day drive included; counted in the organisation's domicile region and rolled
     up the region tree; fen ÷ 1,000,000.
6.7  poor_pupils_funded: distinct persons of the population registry of school age (6 to 17 years
     old on the day of the use) who received a charitable use of funds for schooling (助学) in d's
     year up to d; counted in the pupil's place of household registration and rolled up.

Both stay per population (`per_population`, the default): donations come from the residents and
units of the city and poor pupils are a share of its residents, so a city of 20,000 persons raises
and funds in proportion (the demo's current-year plan asks about 4 万元 and 1 pupil); nothing here
is a register built at the city's full scale.

12.1 lottery_sales and 11.1 rehab_hospital_revenue stay reported: the lottery centre's sales
system and the rehabilitation hospital's accounts are other bodies' books; they report monthly
through the targets module with their evidence.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from minzheng.targets.indicators import computes, rollup_sum

from .models import Donation, Purpose, Use, UseCategory
from .rules import is_school_age

FEN_PER_WAN = Decimal(1_000_000)


@computes("charity_donations")
def charity_donations(regions, on_date: dt.date):
    rows = (
        Donation.objects.filter(
            received_on__gte=dt.date(on_date.year, 1, 1), received_on__lte=on_date
        )
        .order_by()
        .values("charity__organisation__region_id")
        .annotate(total=Sum("amount_fen"))
    )
    return rollup_sum(
        {r["charity__organisation__region_id"]: Decimal(r["total"]) / FEN_PER_WAN for r in rows},
        regions,
    )


@computes("poor_pupils_funded")
def poor_pupils_funded(regions, on_date: dt.date):
    rows = (
        Use.objects.filter(
            used_on__gte=dt.date(on_date.year, 1, 1),
            used_on__lte=on_date,
            category=UseCategory.CHARITABLE,
            purpose=Purpose.EDUCATION,
            beneficiary_person__isnull=False,
        )
        .order_by()
        .values_list(
            "beneficiary_person_id",
            "beneficiary_person__hukou_region_id",
            "beneficiary_person__birth_date",
            "used_on",
        )
    )
    pupils: dict[int, set[int]] = defaultdict(set)
    for person_id, region_id, birth_date, used_on in rows:
        if is_school_age(birth_date, used_on):
            pupils[region_id].add(person_id)
    return rollup_sum({region: len(ids) for region, ids in pupils.items()}, regions)

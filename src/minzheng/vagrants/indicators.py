"""The plan's targets 4.1 and 4.3 for relief of vagrants and beggars (docs/DOMAIN.md §7), computed
from the relief stations' records for every region at once. A stay counts in the region of the
station that took it in (its `region`), rolled up the tree; a region without a station's records
has no value (no denominator) rather than 0 %.

- 4.1 vagrant_assistance_rate: stays assisted ÷ stays of people who asked for help × 100, over
  the intakes of d's year up to d (arrived_on from 1 January to d).
  *Asked* (the denominator): every intake record except those whose refusal was recorded — help
  is voluntary (the Interim Measures), so someone who declined it did not ask, and the plan's
  "every vagrant or beggar who asks is helped" is about the others. An intake still awaiting the
  person's answer on d counts as asked and not (yet) helped, so an intake left undecided lowers
  the rate.
  *Assisted* (the numerator): intakes whose consent was recorded on or before d: from that day
  the station gives food, lodging and care, so consent is the first service given.
- 4.3 vagrant_children_school_return_rate: school-age vagrant children back in school ÷ school-age
  vagrant children who left the station in d's year up to d × 100. A child is of school age when
  6 to 17 years old on arrival (by the registry's birth date, else the apparent age). Back in
  school: the school status is "back" with a return date on or before d. A child who left in
  the year but went back to school after d is not counted back on d.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q

from minzheng.targets.indicators import computes, rollup_rate

from .models import ADULT_AGE, SCHOOL_AGE, SchoolStatus, Stay


def _year_to(on: dt.date) -> Q:
    return Q(arrived_on__gte=on.replace(month=1, day=1), arrived_on__lte=on)


def assistance_counts(on: dt.date) -> tuple[dict[int, int], dict[int, int]]:
    """(assisted, asked) per station region id, in one GROUP BY."""
    refused = Q(state=Stay.State.REFUSED, consent_on__lte=on)
    consented = Q(consent_on__lte=on) & ~Q(state=Stay.State.REFUSED)
    rows = (
        Stay.objects.filter(_year_to(on))
        .values("region_id")
        .annotate(asked=Count("id", filter=~refused), assisted=Count("id", filter=consented))
    )
    assisted: dict[int, int] = defaultdict(int)
    asked: dict[int, int] = defaultdict(int)
    for row in rows:
        assisted[row["region_id"]] += row["assisted"]
        asked[row["region_id"]] += row["asked"]
    return assisted, asked


def school_counts(on: dt.date) -> tuple[dict[int, int], dict[int, int]]:
    """(back in school, school-age children who left) per station region id, in one GROUP BY."""
    left = Q(
        state=Stay.State.EXITED,
        exited_on__gte=on.replace(month=1, day=1),
        exited_on__lte=on,
        age_at_arrival__gte=SCHOOL_AGE,
        age_at_arrival__lt=ADULT_AGE,
    )
    back = Q(school_status=SchoolStatus.BACK, school_returned_on__lte=on)
    rows = (
        Stay.objects.filter(left)
        .values("region_id")
        .annotate(children=Count("id"), back=Count("id", filter=back))
    )
    returned: dict[int, int] = defaultdict(int)
    children: dict[int, int] = defaultdict(int)
    for row in rows:
        returned[row["region_id"]] += row["back"]
        children[row["region_id"]] += row["children"]
    return returned, children


@computes("vagrant_assistance_rate")
def vagrant_assistance_rate(regions, on_date: dt.date) -> dict[str, Decimal]:
    assisted, asked = assistance_counts(on_date)
    return rollup_rate(assisted, asked, list(regions))


@computes("vagrant_children_school_return_rate")
def vagrant_children_school_return_rate(regions, on_date: dt.date) -> dict[str, Decimal]:
    returned, children = school_counts(on_date)
    return rollup_rate(returned, children, list(regions))

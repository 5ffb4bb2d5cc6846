"""The plan's target 23.5 public_satisfaction (政风行风评议群众满意率 ≥ 95 %), computed: on a date
d, the surveys answered in d's year up to d (answered_at's local date in [1 January, d]) in each
region, satisfied = satisfied + basically satisfied; (satisfied ÷ answers) × 100, both sides rolled
up the region tree (targets.indicators.rollup_rate). A region without answers has no value.

A unit holding its own share of 23.5 (a bureau section, the welfare centre …) is measured the same
way over the invitations that carry it (`Invitation.unit`: the section that decided the case, the
unit whose service or call the survey is about); a unit without answers has no value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q

from minzheng.targets.indicators import computes, computes_for_units, rollup_rate

from .models import SATISFIED_RATINGS, Invitation


def _year(on_date: dt.date):
    return Invitation.objects.filter(
        answered_at__date__gte=dt.date(on_date.year, 1, 1),
        answered_at__date__lte=on_date,
    ).exclude(rating="")


@computes("public_satisfaction")
def public_satisfaction(regions, on_date: dt.date):
    answered = _year(on_date)
    answers = dict(
        answered.order_by()
        .values("region_id")
        .annotate(n=Count("id"))
        .values_list("region_id", "n")
    )
    satisfied = dict(
        answered.filter(rating__in=SATISFIED_RATINGS)
        .order_by()
        .values("region_id")
        .annotate(n=Count("id"))
        .values_list("region_id", "n")
    )
    return rollup_rate(satisfied, answers, regions)


@computes_for_units("public_satisfaction")
def unit_public_satisfaction(on_date: dt.date) -> dict[int, Decimal]:
    rows = (
        _year(on_date)
        .filter(unit__isnull=False)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(rating__in=SATISFIED_RATINGS)))
        .values_list("unit_id", "ok", "n")
    )
    return {unit_id: Decimal(ok) / n * Decimal(100) for unit_id, ok, n in rows if n}

"""The plan's targets 25.1–25.8 (publicity), computed from the counted submissions (status
"counted" after the bureau office's review). On a date d, with m the complete months of d's year
up to d (months whose last day is ≤ d; the snapshot of 30 June has m = 6, that of 7 December 11):

25.2 county_info_items_monthly (条/月): per county, the counted information items the county filed
     (no unit) dated in those m months ÷ m, to 2 decimals; the city's value is the lowest county
     average, so the city meets 20 only when every county does. No value while m = 0 (January).
25.3 section_info_items_monthly (条/月): at the city only, the lowest per-unit average over the
     bureau's active sections and affiliated units (each unit's counted information items dated in
     the m months ÷ m); the per-unit figures are on the publicity page.
25.1 publicity_campaigns, 25.4 provincial_submissions, 25.5 special_pages, 25.8 research_articles:
     counted submissions of the kind dated from 1 January to d, in the filing region (the county,
     or the unit's region: the city) and rolled up the tree.
25.6 tv_stories, 25.7 national_provincial_press: counted submissions of the kind adopted (used by
     the station or the paper) from 1 January to d, by adoption date, rolled up the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q

from minzheng.targets.indicators import computes, computes_for_units, rollup_sum

from .models import Kind, Status, Submission
from .selectors import average, complete_months, counties, info_counts, reporting_units

BY_SUBMISSION = {
    "publicity_campaigns": Kind.CAMPAIGN,
    "provincial_submissions": Kind.PROVINCIAL,
    "special_pages": Kind.SPECIAL_PAGE,
    "research_articles": Kind.RESEARCH,
}
BY_ADOPTION = {"tv_stories": Kind.TV, "national_provincial_press": Kind.PRESS}


@computes("county_info_items_monthly", "section_info_items_monthly")
def info_items_monthly(regions, on_date: dt.date):
    months = complete_months(on_date)
    if months == 0:
        return {"county_info_items_monthly": {}, "section_info_items_monthly": {}}
    by_county, by_unit = info_counts(on_date.year, until=_month_end(on_date.year, months))
    county_total: dict[int, int] = defaultdict(int)
    for (region_id, _month), n in by_county.items():
        county_total[region_id] += n
    unit_total: dict[int, int] = defaultdict(int)
    for (unit_id, _month), n in by_unit.items():
        unit_total[unit_id] += n
    wanted = {r.code for r in regions}
    county_values = {
        c.code: average(county_total.get(c.pk, 0), months) for c in counties() if c.code in wanted
    }
    city_codes = {r.code for r in regions if r.level == "city"}
    result_county = dict(county_values)
    if county_values:
        for code in city_codes:
            result_county[code] = min(county_values.values())
    unit_values = [average(unit_total.get(u.pk, 0), months) for u in reporting_units()]
    result_units = {code: min(unit_values) for code in city_codes} if unit_values else {}
    return {
        "county_info_items_monthly": result_county,
        "section_info_items_monthly": result_units,
    }


@computes_for_units("section_info_items_monthly")
def unit_info_items_monthly(on_date: dt.date) -> dict[int, Decimal | None]:
    """25.3 for a unit holding its own share: its counted information items per complete month."""
    months = complete_months(on_date)
    if months == 0:
        return {}
    _by_county, by_unit = info_counts(on_date.year, until=_month_end(on_date.year, months))
    totals: dict[int, int] = defaultdict(int)
    for (unit_id, _month), n in by_unit.items():
        totals[unit_id] += n
    return {u.pk: average(totals.get(u.pk, 0), months) for u in reporting_units()}


def _month_end(year: int, month: int) -> dt.date:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


@computes(*BY_SUBMISSION, *BY_ADOPTION)
def submission_counts(regions, on_date: dt.date):
    start = dt.date(on_date.year, 1, 1)
    counted = Submission.objects.filter(status=Status.COUNTED).order_by()
    annotations = {
        code: Count("id", filter=Q(kind=kind, submitted_on__gte=start, submitted_on__lte=on_date))
        for code, kind in BY_SUBMISSION.items()
    } | {
        code: Count(
            "id",
            filter=Q(kind=kind, adopted=True, adopted_on__gte=start, adopted_on__lte=on_date),
        )
        for code, kind in BY_ADOPTION.items()
    }
    rows = list(
        counted.filter(kind__in=[*BY_SUBMISSION.values(), *BY_ADOPTION.values()])
        .values("region_id")
        .annotate(**annotations)
    )
    regions = list(regions)
    return {
        code: rollup_sum({r["region_id"]: Decimal(r[code]) for r in rows}, regions)
        for code in (*BY_SUBMISSION, *BY_ADOPTION)
    }

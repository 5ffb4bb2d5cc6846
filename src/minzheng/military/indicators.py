"""The plan's targets 16.2–16.4, 17.1–17.3 and 18.1–18.5, computed for every region at once
(set-based; docs/DOMAIN.md §9.3, §9.4, §16). On a date d:

16.x  double_support_communities / _townships / _counties: the units in force on the region
      register with an enrolment of a year ≤ d's year whose review (≤ d) put them in the ranks
      (一经进入即在行列, no removal is modelled). Communities are urban villages (城镇社区) only: the
      plan says 社区 and the denominator `units_communities` counts urban villages, so rural
      administrative villages neither apply nor count. The shares 16.2–16.4 are the targets
      registry's ratios of these counts to units_communities / units_townships / units_counties.
17.1  retired_cadre_reception_rate: cadres of d's hand-over year (notice ≤ d) received by d
      within their reception deadline ÷ those cadres × 100.
17.2  retired_cadre_treatment_rate: cadres received by d whose every item of d's year's
      two-treatments checklist was delivered by d ÷ cadres received by d × 100 (a cadre without
      the year's checklist counts as not delivered).
17.3  retired_cadre_satisfaction: surveys of d's year answered by d whose overall answer is
      satisfied or basically satisfied ÷ surveys answered × 100.
18.1  military_appeal_accuracy_rate: appeals received in d's year whose facts were checked by d
      and found accurate ÷ appeals checked × 100 (a record found wrong and corrected counts against).
18.2  military_appeal_reporting_rate: appeals received in d's year and due a report (reported by
      d, or the 3-day report deadline passed) reported by the deadline ÷ those due × 100.
18.3  military_appeal_reply_rate: accepted appeals received in d's year and due a reply (replied
      by d, or the handling deadline passed) replied by the deadline ÷ those due × 100.
18.4  veteran_abnormal_petitions, 18.5 veteran_mass_incidents: appeals received in d's year by d
      flagged as such.
Cadres count in the region of their household registration; appeals in their township; both
rolled up to every ancestor. A region with nothing due has no rate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, Q

from minzheng.targets.indicators import computes, rollup_rate, rollup_sum

from .models import (
    SATISFIED_ANSWERS,
    CadreSurvey,
    MilitaryAppeal,
    RetiredCadre,
    SupportEnrolment,
    TreatmentItem,
)


def _in_force(r, on: dt.date) -> bool:
    return (
        r.kind == "statutory"
        and (r.valid_from is None or r.valid_from <= on)
        and (r.valid_to is None or r.valid_to > on)
    )


@computes("double_support_communities", "double_support_townships", "double_support_counties")
def double_support(regions, on_date: dt.date):
    regions = list(regions)
    enrolled = set(
        SupportEnrolment.objects.filter(
            result="enrolled", year__lte=on_date.year, reviewed_on__lte=on_date
        ).values_list("region_id", flat=True)
    )
    units = {r.pk: r for r in regions if r.pk in enrolled and _in_force(r, on_date)}

    def count(predicate):
        return rollup_sum({pk: 1 for pk, r in units.items() if predicate(r)}, regions)

    return {
        "double_support_communities": count(
            lambda r: r.level == "village" and r.urban_rural == "urban"
        ),
        "double_support_townships": count(lambda r: r.level == "township"),
        "double_support_counties": count(lambda r: r.level == "county"),
    }


def _by_region(rows, key_num: str, key_den: str):
    num: dict[int, int] = defaultdict(int)
    den: dict[int, int] = defaultdict(int)
    for row in rows:
        num[row["region_id"]] += row[key_num]
        den[row["region_id"]] += row[key_den]
    return num, den


@computes("retired_cadre_reception_rate")
def reception_rate(regions, on_date: dt.date):
    rows = (
        RetiredCadre.objects.filter(handover_year=on_date.year, notice_on__lte=on_date)
        .values("region_id")
        .annotate(
            due=Count("id"),
            done=Count("id", filter=Q(received_on__lte=on_date) & Q(received_on__lte=F("due_on"))),
        )
    )
    num, den = _by_region(rows, "done", "due")
    return rollup_rate(num, den, regions)


@computes("retired_cadre_treatment_rate")
def treatment_rate(regions, on_date: dt.date):
    undelivered = TreatmentItem.objects.filter(cadre_id=OuterRef("pk"), year=on_date.year).filter(
        Q(delivered_on__isnull=True) | Q(delivered_on__gt=on_date)
    )
    has_list = TreatmentItem.objects.filter(cadre_id=OuterRef("pk"), year=on_date.year)
    rows = (
        RetiredCadre.objects.filter(received_on__lte=on_date)
        .values("region_id")
        .annotate(
            cadres=Count("id"), done=Count("id", filter=Exists(has_list) & ~Exists(undelivered))
        )
    )
    num, den = _by_region(rows, "done", "cadres")
    return rollup_rate(num, den, regions)


@computes("retired_cadre_satisfaction")
def satisfaction(regions, on_date: dt.date):
    rows = (
        CadreSurvey.objects.filter(year=on_date.year, answered_on__lte=on_date)
        .values(region_id=F("cadre__region_id"))
        .annotate(
            answered=Count("id"), satisfied=Count("id", filter=Q(overall__in=SATISFIED_ANSWERS))
        )
    )
    num, den = _by_region(rows, "satisfied", "answered")
    return rollup_rate(num, den, regions)


def _year_appeals(on_date: dt.date):
    return MilitaryAppeal.objects.filter(
        received_on__gte=dt.date(on_date.year, 1, 1), received_on__lte=on_date
    )


@computes(
    "military_appeal_accuracy_rate",
    "military_appeal_reporting_rate",
    "military_appeal_reply_rate",
    "veteran_abnormal_petitions",
    "veteran_mass_incidents",
)
def appeals(regions, on_date: dt.date):
    regions = list(regions)
    rows = list(
        _year_appeals(on_date)
        .values("region_id")
        .annotate(
            checked=Count("id", filter=~Q(facts_check="") & Q(facts_checked_on__lte=on_date)),
            accurate=Count("id", filter=Q(facts_check="accurate", facts_checked_on__lte=on_date)),
            report_due=Count(
                "id", filter=Q(reported_on__lte=on_date) | Q(report_due_on__lt=on_date)
            ),
            reported=Count(
                "id", filter=Q(reported_on__lte=on_date) & Q(reported_on__lte=F("report_due_on"))
            ),
            reply_due=Count(
                "id",
                filter=Q(accepted_on__lte=on_date)
                & (Q(replied_on__lte=on_date) | Q(handle_due_on__lt=on_date)),
            ),
            replied=Count(
                "id",
                filter=Q(accepted_on__lte=on_date, replied_on__lte=on_date)
                & Q(replied_on__lte=F("handle_due_on")),
            ),
            abnormal=Count("id", filter=Q(abnormal_petition=True)),
            mass=Count("id", filter=Q(mass_incident=True)),
        )
    )

    def column(name):
        out: dict[int, int] = defaultdict(int)
        for row in rows:
            out[row["region_id"]] += row[name]
        return out

    return {
        "military_appeal_accuracy_rate": rollup_rate(
            column("accurate"), column("checked"), regions
        ),
        "military_appeal_reporting_rate": rollup_rate(
            column("reported"), column("report_due"), regions
        ),
        "military_appeal_reply_rate": rollup_rate(column("replied"), column("reply_due"), regions),
        "veteran_abnormal_petitions": rollup_sum(column("abnormal"), regions),
        "veteran_mass_incidents": rollup_sum(column("mass"), regions),
    }

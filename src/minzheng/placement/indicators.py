"""The plan's targets 14.1–14.5 (docs/DOMAIN.md §9.2), computed from the placement records for
every region at once. Each counts the veterans of the placement years of d's year, in the
veteran's region (their village of household registration), rolled up to every ancestor; a
region with no veteran in the denominator has no value.

14.1 veteran_priority_placement_rate: priority veterans (四类重点对象) placed in a post by d ÷
     priority veterans due a post × 100. The law guarantees them a post but lets them choose
     self-employment instead; one who has chosen it by d has given up the post and is counted in
     neither figure (one still waiting counts as not yet placed).
14.2 veteran_grant_payment_rate: self-employed veterans whose one-off grant was paid by d (its
     payable settled: paid by the bank, in cash or in kind, paid on or before d) ÷ self-employed
     veterans × 100.
14.3 veteran_training_participation_rate: self-employed veterans wishing to train who are enrolled
     in a course ÷ self-employed veterans wishing to train × 100.
14.4 veteran_training_pass_rate: enrolled veterans whose exam passed ÷ enrolled veterans with an
     exam result × 100.
14.5 veteran_employment_rate: trained veterans (with an exam result) recorded employed ÷ trained
     veterans × 100.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q

from minzheng.payments.models import OneOffPayable
from minzheng.targets.indicators import computes, rollup_rate

from .models import Outcome, Veteran
from .services import PAYABLE_SOURCE

CODES = (
    "veteran_priority_placement_rate",
    "veteran_grant_payment_rate",
    "veteran_training_participation_rate",
    "veteran_training_pass_rate",
    "veteran_employment_rate",
)


def counts_by_region(on_date: dt.date) -> dict[int, dict[str, int]]:
    """Numerators and denominators of 14.1–14.5 per region id, in one GROUP BY."""
    paid = OneOffPayable.objects.filter(
        source_kind=PAYABLE_SOURCE,
        source_id=OuterRef("pk"),
        status__in=OneOffPayable.SETTLED,
        paid_on__lte=on_date,
    )
    self_employed = Q(outcome=Outcome.SELF_EMPLOYED)
    enrolled = Q(enrolment__enrolled_on__lte=on_date)
    examined = enrolled & Q(enrolment__exam_on__lte=on_date) & ~Q(enrolment__exam_result="")
    rows = (
        Veteran.objects.filter(year__year=on_date.year, registered_on__lte=on_date)
        .annotate(grant_paid=Exists(paid))
        .order_by()
        .values("region_id")
        .annotate(
            priority=Count(
                "id",
                filter=~Q(priority_group="")
                & ~Q(outcome=Outcome.SELF_EMPLOYED, chosen_at__date__lte=on_date),
            ),
            priority_placed=Count(
                "id",
                filter=~Q(priority_group="")
                & Q(outcome=Outcome.POST, chosen_at__date__lte=on_date),
            ),
            self_employed=Count("id", filter=self_employed),
            grant_paid=Count("id", filter=self_employed & Q(grant_paid=True)),
            wishing=Count("id", filter=self_employed & Q(wishes_training=True)),
            enrolled=Count("id", filter=self_employed & Q(wishes_training=True) & enrolled),
            examined=Count("id", filter=examined),
            passed=Count("id", filter=examined & Q(enrolment__exam_result="pass")),
            employed=Count(
                "id",
                filter=examined & Q(enrolment__employed=True, enrolment__outcome_on__lte=on_date),
            ),
        )
    )
    return {row.pop("region_id"): row for row in rows}


PAIRS = {
    "veteran_priority_placement_rate": ("priority_placed", "priority"),
    "veteran_grant_payment_rate": ("grant_paid", "self_employed"),
    "veteran_training_participation_rate": ("enrolled", "wishing"),
    "veteran_training_pass_rate": ("passed", "examined"),
    "veteran_employment_rate": ("employed", "examined"),
}


@computes(*CODES)
def placement_rates(regions, on_date: dt.date):
    regions = list(regions)
    by_region = counts_by_region(on_date)
    out = {}
    for code, (top, bottom) in PAIRS.items():
        numerators: dict[int, int] = defaultdict(int)
        denominators: dict[int, int] = defaultdict(int)
        for region_id, row in by_region.items():
            numerators[region_id] += row[top]
            denominators[region_id] += row[bottom]
        out[code] = rollup_rate(numerators, denominators, regions)
    return out

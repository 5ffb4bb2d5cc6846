"""The plan's disaster-relief targets 3.1 and 3.3–3.6 (docs/DOMAIN.md §8; the plan's wording in
targets/seed/plan-2016.json), computed for every region at once. 3.2 (relief supplies) belongs
to the relief depots.

- 3.1 relief_fund_violations: relief money paid outside a decision, in d's year up to d — the
  one-off payables of source `disaster_relief` decided in the year whose relief decision is not
  an approved one (missing, proposed or refused), or whose amount is above the amount the county
  approved. Counted per payable, in the payable's village. Each approval registers exactly its
  amount, so a violation means a payable made or changed outside this module.
- 3.3 rescue_training_pass_rate: of the team members trained in d's year up to d, the share whose
  latest result in that period passed × 100, in the team's county.
- 3.4/3.5 county_drill_rate is derived (counties_drill_passed ÷ units_counties × 100); this module
  computes counties_drill_passed: the counties with at least one drill that met the standard from
  1 January 2016 (the plan's start) up to d. 3.4's target has the 2016 deadline (the year's
  share), 3.5 the same indicator with the deadline 2018-12-31 (three years, cumulative).
- 3.6 new_model_disaster_communities: communities named (获命名) national or provincial model
  disaster-reduction communities with an assessment dated in d's year up to d, each counted once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q

from minzheng.targets.indicators import computes, rollup_rate, rollup_sum

from .models import (
    DecisionStatus,
    Drill,
    ModelCommunityAssessment,
    ModelLevel,
    ModelResult,
    ReliefDecision,
    TrainingResult,
)
from .selectors import PAYABLE_SOURCE

PLAN_START = dt.date(2016, 1, 1)


@computes("relief_fund_violations")
def relief_fund_violations(regions, on_date: dt.date) -> dict[str, Decimal]:
    from minzheng.payments.models import OneOffPayable

    approved = ReliefDecision.objects.filter(status=DecisionStatus.APPROVED)
    payables = OneOffPayable.objects.filter(
        source_kind=PAYABLE_SOURCE,
        decided_on__gte=dt.date(on_date.year, 1, 1),
        decided_on__lte=on_date,
    ).values_list("source_id", "amount_fen", "region_id")
    rows = list(payables)
    decided = dict(
        approved.filter(pk__in=[source for source, _a, _r in rows]).values_list("pk", "amount_fen")
    )
    counts: dict[int, int] = defaultdict(int)
    for source, amount, region_id in rows:
        allowed = decided.get(source)
        if allowed is None or amount > allowed:
            counts[region_id] += 1
    return rollup_sum(counts, regions)


@computes("rescue_training_pass_rate")
def rescue_training_pass_rate(regions, on_date: dt.date) -> dict[str, Decimal]:
    regions = list(regions)
    results = (
        TrainingResult.objects.filter(
            session__held_on__gte=dt.date(on_date.year, 1, 1), session__held_on__lte=on_date
        )
        .order_by("member_id", "session__held_on", "session_id")
        .values_list("member_id", "passed", "session__team__county_id")
    )
    latest: dict[int, tuple[bool, int]] = {}
    for member_id, passed, county_id in results:
        latest[member_id] = (passed, county_id)  # ordered: the last one wins
    trained: dict[int, int] = defaultdict(int)
    passed_count: dict[int, int] = defaultdict(int)
    for passed, county_id in latest.values():
        trained[county_id] += 1
        passed_count[county_id] += passed
    return rollup_rate(passed_count, trained, regions)


@computes("counties_drill_passed")
def counties_drill_passed(regions, on_date: dt.date) -> dict[str, Decimal]:
    counties = (
        Drill.objects.filter(meets_standard=True, held_on__gte=PLAN_START, held_on__lte=on_date)
        .values_list("county_id", flat=True)
        .distinct()
    )
    return rollup_sum({county_id: 1 for county_id in counties}, regions)


@computes("new_model_disaster_communities")
def new_model_disaster_communities(regions, on_date: dt.date) -> dict[str, Decimal]:
    named = (
        ModelCommunityAssessment.objects.filter(
            Q(level=ModelLevel.NATIONAL) | Q(level=ModelLevel.PROVINCIAL),
            result=ModelResult.NAMED,
            assessed_on__gte=dt.date(on_date.year, 1, 1),
            assessed_on__lte=on_date,
        )
        .values_list("community_id", flat=True)
        .distinct()
    )
    return rollup_sum({community_id: 1 for community_id in named}, regions)

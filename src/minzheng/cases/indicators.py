"""The plan's on-time indicator, computed from the case records of every region at once.

cases_within_deadline_rate on a date d: of the applications decided (approved or refused) from
1 January of d's year up to d, the share (%) where no stage was left after its legal deadline.
Each transition records whether the stage it left was late (CaseEvent.data.left_stage_late), so
one aggregate query answers for every village, rolled up the tree by path. A region with no
decided application has no value. Withdrawn applications are not counted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from minzheng.targets.indicators import computes, rollup_rate

from .models import Case, CaseEvent, State


@computes("cases_within_deadline_rate")
def cases_within_deadline(regions, on_date: dt.date) -> dict[str, Decimal]:
    regions = list(regions)
    late = CaseEvent.objects.filter(case=OuterRef("pk"), data__left_stage_late=True)
    rows = (
        Case.objects.filter(
            state__in=[State.APPROVED, State.REFUSED],
            closed_on__gte=dt.date(on_date.year, 1, 1),
            closed_on__lte=on_date,
        )
        .annotate(was_late=Exists(late))
        .order_by()
        .values("region_id")
        .annotate(decided=Count("id"), on_time=Count("id", filter=Q(was_late=False)))
    )
    decided = {row["region_id"]: row["decided"] for row in rows}
    on_time = {row["region_id"]: row["on_time"] for row in rows}
    return rollup_rate(on_time, decided, regions)

"""Plan target 3.2 (应急物资保管、使用零违规), computed from the depots' ledger.

relief_supplies_violations on a date d, per region (a depot counts in its region and every
region above it; a functional zone gets the sum of its member units):

  custody violations in d's year up to d =
    (a) count findings found from 1 January to d that are still unexplained on d (not resolved,
        or resolved after d), plus
    (b) movements recorded from 1 January to d that were not confirmed by a second keeper within
        2 working days of being recorded: confirmed later than the 2nd working day after the
        recording day, or still unconfirmed on d when that day has passed.

The working days are those of cases' calendar (the State Council's holiday arrangements)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from minzheng.cases.working_days import Calendar, add_working_days
from minzheng.targets.indicators import computes, rollup_sum

from .models import Finding, FindingStatus, Movement, MovementStatus

CONFIRM_WORKING_DAYS = 2


def _local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def violations_by_region(on_date: dt.date) -> dict[int, int]:
    """region id -> custody violations in on_date's year up to on_date."""
    year_start = on_date.replace(month=1, day=1)
    counts: dict[int, int] = defaultdict(int)
    unexplained = (
        Finding.objects.filter(found_on__gte=year_start, found_on__lte=on_date)
        .filter(Q(status=FindingStatus.OPEN) | Q(resolved_on__gt=on_date))
        .values_list("depot__region_id", flat=True)
    )
    for region_id in unexplained:
        counts[region_id] += 1
    # Only a movement confirmed more than two calendar days after it was recorded (or still
    # pending) can be late by two working days; the calendar then decides for those few.
    start = timezone.make_aware(dt.datetime.combine(year_start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(on_date + dt.timedelta(days=1), dt.time.min))
    candidates = Movement.objects.filter(recorded_at__gte=start, recorded_at__lt=end).filter(
        Q(status=MovementStatus.PENDING)
        | Q(confirmed_at__gt=_shifted("recorded_at", days=CONFIRM_WORKING_DAYS))
    )
    calendar = Calendar()
    for region_id, recorded_at, confirmed_at in candidates.values_list(
        "depot__region_id", "recorded_at", "confirmed_at"
    ):
        due = add_working_days(_local_date(recorded_at), CONFIRM_WORKING_DAYS, calendar=calendar)
        if confirmed_at is not None and confirmed_at <= end:
            late = _local_date(confirmed_at) > due
        else:
            late = on_date > due
        counts[region_id] += late
    return counts


def _shifted(field: str, *, days: int):
    from django.db.models import DateTimeField, ExpressionWrapper, F, Value

    return ExpressionWrapper(
        F(field) + Value(dt.timedelta(days=days)), output_field=DateTimeField()
    )


@computes("relief_supplies_violations")
def relief_supplies_violations(regions, on_date: dt.date) -> dict[str, Decimal]:
    return rollup_sum(violations_by_region(on_date), regions)

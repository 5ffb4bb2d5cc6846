"""Pure rules of target assessment: pace, attainment, status, unit score, ranking, report due dates.
No database access here, so every rule is tested with hand-worked figures."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .indicators import PACE_IMMEDIATE, PACE_MILESTONE

ONE = Decimal(1)
ZERO = Decimal(0)
FOUR_PLACES = Decimal("0.0001")


def q4(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 16000, 0.5, 31."""
    return format(value.normalize(), "f")


def expected_attainment(
    *, period_start: dt.date, deadline: dt.date, on_date: dt.date, pace: str
) -> Decimal:
    """The attainment expected on `on_date`: the elapsed share of the days from the start of the
    period to the deadline, both days counted (half of 2016-01-01..2016-06-30 has elapsed at the
    end of 2016-03-31: 91 of 182 days). Milestones expect nothing before their deadline; zero-
    tolerance targets expect full attainment all the time."""
    if pace == PACE_IMMEDIATE:
        return ONE
    if pace == PACE_MILESTONE:
        return ONE if on_date >= deadline else ZERO
    if on_date < period_start:
        return ZERO
    if on_date >= deadline:
        return ONE
    elapsed = (on_date - period_start).days + 1
    total = (deadline - period_start).days + 1
    return q4(Decimal(elapsed) / Decimal(total))


def attainment(*, comparison: str, target: Decimal, value: Decimal | None) -> Decimal | None:
    """How much of the target the value achieves (1 = met; may exceed 1 for ≥ targets).

    ≥ t: value ÷ t.  ≤ t: 1 when value ≤ t, otherwise t ÷ value (0 when t is 0: any violation
    fails a zero-tolerance target).  = t: 1 − |value − t| ÷ |t|, never below 0.
    """
    if value is None:
        return None
    if comparison == "ge":
        if target <= 0:
            return ONE if value >= target else ZERO
        return q4(max(value, ZERO) / target)
    if comparison == "le":
        if value <= target:
            return ONE
        return q4(target / value) if target > 0 else ZERO
    if target == 0:
        return ONE if value == 0 else ZERO
    return q4(max(ZERO, ONE - abs(value - target) / abs(target)))


def status(
    *,
    attainment_value: Decimal | None,
    expected: Decimal,
    on_date: dt.date,
    deadline: dt.date,
    tolerance: Decimal,
) -> str:
    if attainment_value is None:
        return "no_data"
    if attainment_value >= ONE:
        return "met"
    if on_date > deadline:
        return "missed"
    if attainment_value >= expected - tolerance:
        return "on_track"
    return "behind"


@dataclass(frozen=True)
class Scored:
    weight: Decimal
    attainment: Decimal | None


def unit_score(items: list[Scored]) -> Decimal:
    """100 × Σ weight × min(attainment, 1) ÷ Σ weight over the targets with data. A target
    without data (or with an implausible value) is left out, not counted as 0: the score says
    how the unit stands on what is known, and `scored_count` says how much that is."""
    items = [i for i in items if i.attainment is not None]
    total_weight = sum((i.weight for i in items), ZERO)
    if total_weight <= 0:
        return ZERO
    earned = sum((i.weight * min(i.attainment, ONE) for i in items), ZERO)
    return (earned * 100 / total_weight).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def scored_count(items: list[Scored]) -> int:
    return sum(1 for i in items if i.attainment is not None)


def plausible_status(status_value: str, *, value: Decimal | None, plausible: bool) -> str:
    """A value outside the indicator's plausible range is a data anomaly, whatever it attains."""
    return "anomaly" if value is not None and not plausible else status_value


def competition_ranks(scores: dict[object, Decimal]) -> dict[object, int]:
    """Rank 1 for the highest score; equal scores share a rank and the next rank skips (1, 2, 2, 4)."""
    ordered = sorted(scores.values(), reverse=True)
    first_position = {}
    for position, score in enumerate(ordered, start=1):
        first_position.setdefault(score, position)
    return {key: first_position[score] for key, score in scores.items()}


_MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period_ends(*, frequency: str, start: dt.date, end: dt.date) -> list[dt.date]:
    """The ends of the calendar reporting periods (months, quarters, half-years or years) that
    fall within [start, end]."""
    step = _MONTHS_PER_PERIOD[frequency]
    ends: list[dt.date] = []
    year = start.year
    while True:
        for month in range(step, 13, step):
            day = _month_end(year, month)
            if day > end:
                return ends
            if day >= start:
                ends.append(day)
        year += 1


def last_due_period_end(
    *, frequency: str, period_start: dt.date, deadline: dt.date, on_date: dt.date, grace_days: int
) -> dt.date | None:
    """The end of the latest reporting period whose report is already due on `on_date` (its end
    plus the grace days has passed), counting only periods from the start of the plan up to the
    deadline — after the deadline, the deadline itself is the last period end."""
    last = min(on_date - dt.timedelta(days=grace_days + 1), deadline)
    if last < period_start:
        return None
    ends = period_ends(frequency=frequency, start=period_start, end=last)
    if deadline <= last and (not ends or ends[-1] != deadline):
        ends.append(deadline)
    return ends[-1] if ends else None

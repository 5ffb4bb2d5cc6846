"""Working days (工作日) on the national holiday calendar.

A day is a working day when the calendar lists it as an adjusted working day (调休上班), or
when it is Monday–Friday and not listed as a day off. Counting starts the day after `start`:
`add_working_days(d, 1)` is the next working day after d, and
`working_days_between(d, add_working_days(d, n)) == n`.
"""

from __future__ import annotations

import datetime as dt

from .models import Holiday

ONE_DAY = dt.timedelta(days=1)


class Calendar:
    """Holiday rows of a date window, loaded once, extended on demand."""

    def __init__(self):
        self._off: set[dt.date] = set()
        self._on: set[dt.date] = set()
        self._from: dt.date | None = None
        self._to: dt.date | None = None

    def _load(self, start: dt.date, end: dt.date) -> None:
        rows = Holiday.objects.filter(date__gte=start, date__lte=end).values_list(
            "date", "is_working_day"
        )
        for day, working in rows:
            (self._on if working else self._off).add(day)
        self._from = start if self._from is None else min(self._from, start)
        self._to = end if self._to is None else max(self._to, end)

    def _ensure(self, day: dt.date) -> None:
        if self._from is None:
            self._load(day - dt.timedelta(days=7), day + dt.timedelta(days=120))
        elif day > self._to:
            self._load(self._to + ONE_DAY, day + dt.timedelta(days=120))
        elif day < self._from:
            self._load(day - dt.timedelta(days=120), self._from - ONE_DAY)

    def is_working_day(self, day: dt.date) -> bool:
        self._ensure(day)
        if day in self._on:
            return True
        if day in self._off:
            return False
        return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    return Calendar().is_working_day(day)


def add_working_days(start: dt.date, n: int, *, calendar: Calendar | None = None) -> dt.date:
    """The n-th working day after `start` (n ≥ 0; n = 0 returns `start` itself)."""
    if n < 0:
        raise ValueError("n must not be negative")
    calendar = calendar or Calendar()
    day = start
    remaining = n
    while remaining:
        day += ONE_DAY
        if calendar.is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, *, calendar: Calendar | None = None) -> int:
    """Working days d with start < d ≤ end (negative when end is before start)."""
    if end < start:
        return -working_days_between(end, start, calendar=calendar)
    calendar = calendar or Calendar()
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        if calendar.is_working_day(day):
            count += 1
    return count


def period_end(start: dt.date, days: int, *, calendar: Calendar | None = None) -> dt.date:
    """The last day of a statutory period of `days` calendar days counted from the day after
    `start`, moved forward past days off: a period whose last day is a weekend day off or a public
    holiday ends on the next working day (as every statutory period in Chinese law)."""
    calendar = calendar or Calendar()
    day = start + dt.timedelta(days=days)
    while not calendar.is_working_day(day):
        day += ONE_DAY
    return day

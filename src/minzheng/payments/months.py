"""Calendar months. A month is stored as the date of its first day (2016-10-01 is October 2016)."""

from __future__ import annotations

import datetime as dt

from minzheng.core import validators


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + (month.month - 1) + count
    return dt.date(index // 12, index % 12 + 1, 1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after the one `day` falls in (December → January)."""
    return add_months(month_start(day), 1)


def first_full_month(day: dt.date) -> dt.date:
    """The first month that starts on or after `day`: a change in force from the 1st applies to
    that month, one in force from the 15th to the next."""
    return day if day.day == 1 else next_month(day)


def months_between(first: dt.date, last: dt.date) -> int:
    """Number of months from `first` to `last`, both months included (0 if last < first)."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month + 1)


def label(month: dt.date) -> str:
    return f"{month.year}-{month.month:02d}"


def parse(text: str) -> dt.date:
    """ "2016-10" or "2016-10-01" → 2016-10-01; ValueError otherwise."""
    text = (text or "").strip()
    if len(text) == 7:
        text += "-01"
    day = dt.date.fromisoformat(text)
    if day.day != 1 or validators.date_error(day):
        # Year 1 or 9999 would overflow the month arithmetic of scans and payrolls.
        raise ValueError(text)
    return day

"""Reporting deadlines (docs/DOMAIN.md §8, the national disaster-reporting rules), in calendar
time, not working days — disasters do not wait for Monday:

- 初报 (initial): within 2 hours of the disaster's start (`started_at` + 2 h);
- 续报 (continuing): one for every calendar day after the start day while the disaster lasts, up
  to and including its end day (or today while it goes on); the report of day D is due by the end
  of D (00:00 of D + 1, local time);
- 核报 (verified): within 5 days after the disaster ended (`ended_at` + 5 × 24 h).

A report made after its deadline is accepted and flagged late for good; a report not made by its
deadline is overdue (shown on the county's workbench and escalated to the city section)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

INITIAL_WITHIN = dt.timedelta(hours=2)
VERIFIED_WITHIN = dt.timedelta(days=5)


@dataclass(frozen=True)
class Expected:
    kind: str
    covers_on: dt.date
    due_at: dt.datetime

    @property
    def label(self) -> str:
        from .models import ReportKind

        return ReportKind(self.kind).label


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def due_at(event, kind: str, covers_on: dt.date | None = None) -> dt.datetime | None:
    if kind == "initial":
        return event.started_at + INITIAL_WITHIN
    if kind == "verified":
        return event.ended_at + VERIFIED_WITHIN if event.ended_at else None
    return end_of_day(covers_on)


def covered_day(event, kind: str, covers_on: dt.date | None) -> dt.date | None:
    if kind == "initial":
        return local_date(event.started_at)
    if kind == "verified":
        return local_date(event.ended_at) if event.ended_at else None
    return covers_on


def expected_reports(event, *, now: dt.datetime | None = None) -> list[Expected]:
    """Every report the event calls for up to now (the 续报 of days not yet begun are not)."""
    now = now or timezone.now()
    found = [Expected("initial", local_date(event.started_at), due_at(event, "initial"))]
    first = local_date(event.started_at) + dt.timedelta(days=1)
    last = local_date(event.ended_at) if event.ended_at else local_date(now)
    day = first
    while day <= last:
        found.append(Expected("continuing", day, end_of_day(day)))
        day += dt.timedelta(days=1)
    if event.ended_at:
        found.append(Expected("verified", local_date(event.ended_at), due_at(event, "verified")))
    return found


def overdue_reports(event, made: set[tuple[str, dt.date]], *, now=None) -> list[Expected]:
    """The expected reports past their deadline and not made; `made` holds (kind, covers_on)."""
    now = now or timezone.now()
    return [
        e
        for e in expected_reports(event, now=now)
        if e.due_at < now and (e.kind, e.covers_on) not in made
    ]

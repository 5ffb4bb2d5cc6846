"""Scoped reads of publicity submissions and the monthly counts per county and per unit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractMonth

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.roles import Role, role_of
from minzheng.core.scope import region_in_scope, scope_q
from minzheng.regions.models import Region
from minzheng.units.models import Unit

from .models import Kind, Status, Submission
from .permissions import may_view

COUNTY_QUOTA = 20  # counted information items a month, each county (25.2)
UNIT_QUOTA = 10  # each bureau section and affiliated unit (25.3)


def submissions_for(user) -> QuerySet[Submission]:
    if not may_view(user):
        return Submission.objects.none()
    qs = Submission.objects.filter(scope_q(user, "region")).select_related("region", "unit")
    if role_of(user) == Role.UNIT_STAFF:
        qs = qs.filter(unit_id=user.unit_id)
    return qs


def get_submission(user, pk) -> Submission:
    item = submissions_for(user).filter(pk=pk).first()
    if item is None:
        raise NotFoundOrOutOfScope()
    return item


def complete_months(on_date: dt.date) -> int:
    """Months of on_date's year whose last day is on or before on_date."""
    following = on_date + dt.timedelta(days=1)
    return on_date.month if following.month != on_date.month else on_date.month - 1


def counties() -> list[Region]:
    """The counties that must report (statutory counties of the city in force)."""
    return list(
        Region.objects.filter(level="county", kind="statutory", valid_to__isnull=True).order_by(
            "code"
        )
    )


def reporting_units() -> list[Unit]:
    """The bureau's sections and affiliated units that must report."""
    return list(
        Unit.objects.filter(
            active=True, kind__in=(Unit.Kind.SECTION, Unit.Kind.AFFILIATED)
        ).select_related("region")
    )


def info_counts(year: int, *, until: dt.date | None = None) -> tuple[dict, dict]:
    """Counted information items of `year` (up to `until`) per (county id, month) — county
    submissions, no unit — and per (unit id, month): two GROUP BYs."""
    qs = Submission.objects.filter(kind=Kind.INFO, status=Status.COUNTED, submitted_on__year=year)
    if until is not None:
        qs = qs.filter(submitted_on__lte=until)
    qs = qs.annotate(month=ExtractMonth("submitted_on")).order_by()
    by_county: dict[tuple[int, int], int] = {}
    for row in (
        qs.filter(unit__isnull=True, region__level="county")
        .values("region_id", "month")
        .annotate(n=Count("id"))
    ):
        by_county[(row["region_id"], row["month"])] = row["n"]
    by_unit: dict[tuple[int, int], int] = {}
    for row in qs.filter(unit__isnull=False).values("unit_id", "month").annotate(n=Count("id")):
        by_unit[(row["unit_id"], row["month"])] = row["n"]
    return by_county, by_unit


def average(total: int, months: int) -> Decimal | None:
    if months <= 0:
        return None
    return (Decimal(total) / Decimal(months)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class QuotaRow:
    name: str
    key: str  # region code or unit code
    quota: int
    months: list[int] = field(default_factory=list)  # Jan..Dec counted items
    elapsed: int = 0  # complete months

    @property
    def total(self) -> int:
        return sum(self.months[: self.elapsed])

    @property
    def average(self) -> Decimal | None:
        return average(self.total, self.elapsed)

    @property
    def met(self) -> bool | None:
        avg = self.average
        return None if avg is None else avg >= self.quota

    def month_met(self, index: int) -> bool | None:
        return None if index >= self.elapsed else self.months[index] >= self.quota

    @property
    def cells(self) -> list[tuple[int, bool | None]]:
        return [(n, self.month_met(i)) for i, n in enumerate(self.months)]


def quota_table(user, year: int, on_date: dt.date) -> tuple[list[QuotaRow], list[QuotaRow]]:
    """Counted information items per month of every county and every unit in the user's view,
    each with its monthly average over the complete months (up to `on_date`) and the quota met."""
    elapsed = (
        12 if on_date.year > year else (complete_months(on_date) if on_date.year == year else 0)
    )
    by_county, by_unit = info_counts(year)
    county_rows = []
    for county in counties():
        if not _sees_region(user, county):
            continue
        months = [by_county.get((county.pk, m), 0) for m in range(1, 13)]
        county_rows.append(QuotaRow(county.name, county.code, COUNTY_QUOTA, months, elapsed))
    unit_rows = []
    for unit in reporting_units():
        if not _sees_region(user, unit.region):
            continue
        if role_of(user) == Role.UNIT_STAFF and unit.pk != user.unit_id:
            continue
        months = [by_unit.get((unit.pk, m), 0) for m in range(1, 13)]
        unit_rows.append(QuotaRow(unit.name, unit.code, UNIT_QUOTA, months, elapsed))
    return county_rows, unit_rows


def _sees_region(user, region) -> bool:
    return may_view(user) and region_in_scope(user, region)


def pending_review() -> QuerySet[Submission]:
    return Submission.objects.filter(status=Status.SUBMITTED).select_related("region", "unit")

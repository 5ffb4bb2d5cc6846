"""Reads of units and of what they hold under a target plan, always scoped.

Who reads a unit: its own staff (an account whose `unit` is it) read that unit only — any other
unit is 404, with no hint that it exists; a staff account of the general registers (the leader, a
city section, an administrator) reads every unit in its region scope; a county or township
account reads none of the city's units. Scores, evaluations and reports of a unit are read
through the unit, so the same rule holds for them on every page, API call and export.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from minzheng.accounts.models import STAFF_ROLES, Role, User
from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import region_in_scope, scope_q
from minzheng.regions.models import Region
from minzheng.targets import indicators
from minzheng.targets import permissions as target_permissions
from minzheng.targets import selectors as target_selectors
from minzheng.targets.models import (
    Evaluation,
    Plan,
    ReportedValue,
    Target,
    TargetStatus,
    UnitScore,
)

from .models import Unit

MENU_ROLES = {Role.ADMIN, Role.CITY_SECTION, Role.LEADER}


def units_for(user) -> QuerySet[Unit]:
    """The units the user may read: all in the region scope for the general staff, else the
    user's own unit only."""
    if not user.is_authenticated:
        return Unit.objects.none()
    if target_permissions.may_view(user):
        return Unit.objects.filter(scope_q(user, "region")).select_related("region")
    if user.unit_id and user.is_active:
        return Unit.objects.filter(pk=user.unit_id).select_related("region")
    return Unit.objects.none()


def may_use_units(user) -> bool:
    """Whether the user has any units page: the general staff and the units' own staff."""
    return bool(user.is_authenticated and (target_permissions.may_view(user) or user.unit_id))


def shows_units_menu(user) -> bool:
    """The menu entry: a unit's own staff, and the city-level readers and managers of units
    (administrators, city sections, the leader); a county or township account has no units."""
    if not user.is_authenticated:
        return False
    if user.unit_id:
        return True
    return target_permissions.may_view(user) and (
        target_permissions.is_platform_admin(user) or user.role in MENU_ROLES
    )


def get_unit(user, code: str) -> Unit:
    unit = units_for(user).filter(code=code).first()
    if unit is None:
        raise NotFoundOrOutOfScope()
    return unit


def own_unit(user) -> Unit | None:
    return units_for(user).filter(pk=user.unit_id).first() if user.unit_id else None


def units_of_region(user, region: Region) -> list[Unit]:
    """The active units sitting in `region` that the user may read, in their order."""
    return list(units_for(user).filter(region=region, active=True).order_by("order", "code"))


def staff_of(unit: Unit) -> list[User]:
    return list(unit.staff.order_by("username"))


def staff_counts(units: list[Unit]) -> dict[int, int]:
    """Active accounts per unit, in one query."""
    return dict(
        User.objects.filter(unit__in=units, is_active=True)
        .values("unit")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("unit", "n")
    )


def reported_indicators(unit: Unit) -> list[indicators.Indicator]:
    """The indicators the unit reports for the targets it holds, in the targets' order."""
    codes: list[str] = []
    for code in unit.targets.order_by("id").values_list("indicator", flat=True):
        if indicators.exists(code):
            codes += [c for c in indicators.reported_inputs(code) if c not in codes]
    return [indicators.get(c) for c in codes if indicators.exists(c)]


def assignable_accounts(user, unit: Unit) -> list[User]:
    """Active accounts of the unit's region that may join a unit: unit staff and city sections."""
    return list(
        User.objects.filter(
            is_active=True,
            region=unit.region,
            role__in=list(target_permissions.UNIT_REPORTERS),
        )
        .select_related("unit")
        .order_by("username")[:200]
    )


def account_for_assignment(user, username: str, unit: Unit) -> User:
    account = next((a for a in assignable_accounts(user, unit) if a.username == username), None)
    if account is None:
        raise NotFoundOrOutOfScope()
    return account


# ------------------------------------------------------------------------------ plans and targets


def plans_for_unit(user, unit: Unit) -> list[Plan]:
    """The plans whose targets the unit holds, newest first."""
    return list(
        Plan.objects.filter(targets__org_unit=unit)
        .distinct()
        .order_by("-year")
        .select_related("region")
    )


def default_plan(user, unit: Unit, plan_id: int | None = None) -> Plan | None:
    plans = plans_for_unit(user, unit)
    if plan_id is not None:
        plan = next((p for p in plans if p.pk == plan_id), None)
        if plan is None:
            raise NotFoundOrOutOfScope()
        return plan
    return next((p for p in plans if p.status == Plan.Status.ACTIVE), plans[0] if plans else None)


def unit_targets(unit: Unit, plan: Plan) -> list[Target]:
    return list(
        plan.targets.filter(org_unit=unit)
        .select_related("work_item__section", "region", "org_unit", "parent")
        .order_by("work_item__number", "id")
    )


def get_unit_target(user, unit: Unit, pk: int) -> Target:
    target = Target.objects.filter(pk=pk, org_unit=unit).select_related("plan", "org_unit").first()
    if target is None:
        raise NotFoundOrOutOfScope()
    return target


def latest_unit_date(plan: Plan) -> dt.date | None:
    return (
        UnitScore.objects.filter(plan=plan, org_unit__isnull=False)
        .order_by("-on_date")
        .values_list("on_date", flat=True)
        .first()
    )


def reports_of(user, unit: Unit) -> QuerySet[ReportedValue]:
    """The unit's reports (the unit is already checked readable by `get_unit`)."""
    return (
        ReportedValue.objects.filter(org_unit=unit)
        .select_related("region", "org_unit", "submitted_by", "reviewed_by")
        .prefetch_related("evidence")
    )


def get_unit_report(user, unit: Unit, pk: int) -> ReportedValue:
    report = reports_of(user, unit).filter(pk=pk).first()
    if report is None:
        raise NotFoundOrOutOfScope()
    return report


def get_unit_evidence(user, unit: Unit, pk: int):
    from minzheng.targets.models import Evidence

    evidence = Evidence.objects.filter(pk=pk, report__org_unit=unit).first()
    if evidence is None:
        raise NotFoundOrOutOfScope()
    return evidence


# ------------------------------------------------------------------------------ a unit's scorecard


@dataclass
class UnitTargetRow:
    target: Target
    evaluation: Evaluation | None

    @property
    def status(self) -> str:
        return self.evaluation.status if self.evaluation else TargetStatus.NO_DATA

    @property
    def status_label(self) -> str:
        return str(TargetStatus(self.status).label)

    @property
    def attainment_pct(self) -> Decimal | None:
        e = self.evaluation
        if e is None or e.attainment is None:
            return None
        return (e.attainment * 100).quantize(Decimal("0.1"))


@dataclass
class UnitTask:
    """An indicator the unit reports for its targets, with its last approved, pending and
    returned reports."""

    indicator: indicators.Indicator
    targets: list[Target]
    last_approved: ReportedValue | None
    pending: ReportedValue | None
    returned: ReportedValue | None
    overdue: bool


@dataclass
class Scorecard:
    unit: Unit
    plan: Plan
    on_date: dt.date | None
    score: UnitScore | None
    rows: list[UnitTargetRow]
    tasks: list[UnitTask]
    reports: list[ReportedValue] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def returned(self) -> list[ReportedValue]:
        return [t.returned for t in self.tasks if t.returned]

    @property
    def due(self) -> list[UnitTask]:
        return [t for t in self.tasks if t.overdue and not t.pending]


def scorecard(user, unit: Unit, plan: Plan, on_date: dt.date | None = None) -> Scorecard:
    """What a unit holds under a plan on a snapshot date (the latest by default): its score, its
    targets with their evaluations, and its reporting tasks."""
    if not units_for(user).filter(pk=unit.pk).exists():
        raise NotFoundOrOutOfScope()
    dates = set(
        UnitScore.objects.filter(plan=plan, org_unit=unit).values_list("on_date", flat=True)
    )
    if on_date not in dates:
        earlier = sorted(d for d in dates if on_date is None or d <= on_date)
        on_date = earlier[-1] if earlier else (max(dates) if dates else None)
    targets = unit_targets(unit, plan)
    evaluations = (
        {e.target_id: e for e in Evaluation.objects.filter(target__in=targets, on_date=on_date)}
        if on_date
        else {}
    )
    score = (
        UnitScore.objects.filter(plan=plan, org_unit=unit, on_date=on_date).first()
        if on_date
        else None
    )
    rows = [UnitTargetRow(t, evaluations.get(t.pk)) for t in targets]
    return Scorecard(
        unit=unit,
        plan=plan,
        on_date=on_date,
        score=score,
        rows=rows,
        tasks=unit_tasks(unit, targets, evaluations),
        reports=list(reports_of(user, unit).order_by("-submitted_at", "-id")[:20]),
    )


def unit_tasks(unit: Unit, targets: list[Target], evaluations: dict) -> list[UnitTask]:
    by_input: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        if indicators.exists(target.indicator):
            for code in indicators.reported_inputs(target.indicator):
                by_input[code].append(target)
    if not by_input:
        return []
    latest: dict[tuple[str, str], ReportedValue] = {}
    for report in ReportedValue.objects.filter(
        org_unit=unit, indicator__in=list(by_input)
    ).order_by("-submitted_at", "-id"):
        latest.setdefault((report.indicator, report.status), report)
        latest.setdefault((report.indicator, "newest"), report)
    tasks = []
    for code, held in by_input.items():
        newest = latest.get((code, "newest"))
        returned = newest if newest and newest.status == ReportedValue.Status.REJECTED else None
        tasks.append(
            UnitTask(
                indicator=indicators.get(code),
                targets=held,
                last_approved=latest.get((code, ReportedValue.Status.APPROVED)),
                pending=latest.get((code, ReportedValue.Status.SUBMITTED)),
                returned=returned,
                overdue=any(
                    evaluations.get(t.pk) is not None and evaluations[t.pk].report_overdue
                    for t in held
                ),
            )
        )
    return tasks


# ------------------------------------------------------------------------------ the board's table


@dataclass
class UnitBoardRow:
    unit: Unit
    score: UnitScore | None
    targets: int
    pending: int

    @property
    def met(self) -> int:
        return self.score.met if self.score else 0

    @property
    def at_risk(self) -> int:
        """Behind the pace, or a report overdue (预警)."""
        return self.score.behind + self.score.overdue_reports if self.score else 0

    @property
    def red(self) -> int:
        """Missed after the deadline, or implausible figures (红灯)."""
        return self.score.missed + self.score.anomalies if self.score else 0


def board_rows(
    user, plan: Plan, region: Region, on_date: dt.date | None, *, generation: str | None = None
) -> list[UnitBoardRow]:
    """The units of `region` holding targets under the plan, each with its score on the date,
    its counts and the reports of the plan's period waiting for approval. The units and their
    scores change only with a refresh or a plan edit, so with a `cache_generation` they are kept
    until it changes (the region is already checked readable by the board); the pending reports
    are read live, and only when some unit holds targets."""
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()

    def read():
        held = dict(
            Target.objects.filter(plan=plan, org_unit__region=region)
            .values("org_unit")
            .annotate(n=Count("id"))
            .values_list("org_unit", "n")
        )
        if not held:
            return []
        units = list(
            Unit.objects.filter(pk__in=list(held), active=True)
            .select_related("region")
            .order_by("order", "code")
        )
        scores = (
            {
                s.org_unit_id: s
                for s in UnitScore.objects.filter(
                    plan=plan, on_date=on_date, org_unit__in=[u.pk for u in units]
                )
            }
            if on_date
            else {}
        )
        return [(u, scores.get(u.pk), held[u.pk]) for u in units]

    rows = (
        read()
        if generation is None
        else target_selectors._cached(
            f"units:board:{plan.pk}:{region.pk}:{on_date}:{generation}", read
        )
    )
    if not rows:
        return []
    pending = dict(
        ReportedValue.objects.filter(
            org_unit__in=[u.pk for u, _s, _n in rows],
            status=ReportedValue.Status.SUBMITTED,
            as_of__range=(plan.period_start, plan.period_end),
        )
        .values("org_unit")
        .annotate(n=Count("id"))
        .values_list("org_unit", "n")
    )
    return [UnitBoardRow(u, score, n, pending.get(u.pk, 0)) for u, score, n in rows]


def pending_unit_reviews(user) -> list[ReportedValue]:
    """Units' reports waiting for this user's approval."""
    if not (target_permissions.is_writer(user) or target_permissions.is_platform_admin(user)):
        return []
    waiting = (
        ReportedValue.objects.filter(
            Q(org_unit__in=units_for(user)), status=ReportedValue.Status.SUBMITTED
        )
        .exclude(submitted_by=user)
        .select_related("org_unit", "region")
        .order_by("as_of", "id")[:200]
    )
    return [r for r in waiting if target_permissions.may_review(user, r)]


def is_general_staff(user) -> bool:
    return user.role in STAFF_ROLES or user.is_superuser

"""Scoped reads of disaster relief. Records outside the user's region subtree do not exist for
them (NotFoundOrOutOfScope, a 404 everywhere)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.roles import Role
from minzheng.core.scope import scope_q

from . import deadlines
from .models import (
    AffectedHousehold,
    DecisionStatus,
    DisasterEvent,
    DisasterReport,
    Drill,
    EventStatus,
    HouseLoss,
    ModelCommunityAssessment,
    Publicity,
    ReliefDecision,
    RescueTeam,
    TrainingSession,
)
from .permissions import may_approve, may_see

PAYABLE_SOURCE = "disaster_relief"


def _none_unless(user, qs):
    return qs if may_see(user) else qs.none()


def events_for(user) -> QuerySet[DisasterEvent]:
    """Events of counties in the user's subtree; a township or village also sees its own
    county's events (their households and relief stay limited to its subtree)."""
    qs = DisasterEvent.objects.select_related("county")
    if not may_see(user):
        return qs.none()
    visible = scope_q(user, "county")
    region = getattr(user, "region", None)
    if region is not None and region.level in ("township", "village"):
        ancestors = [code for code in region.path.strip("/").split("/") if code]
        visible |= Q(county__code__in=ancestors)
    return qs.filter(visible)


def get_event(user, pk: int) -> DisasterEvent:
    event = events_for(user).filter(pk=pk).first()
    if event is None:
        raise NotFoundOrOutOfScope()
    return event


def reports_of(event) -> QuerySet[DisasterReport]:
    return event.reports.select_related("submitted_by").order_by("submitted_at", "id")


def report_status(event, *, now: dt.datetime | None = None) -> dict:
    """The event's reports with their late flags and the reports overdue now."""
    now = now or timezone.now()
    reports = list(reports_of(event))
    made = {(r.kind, r.covers_on) for r in reports}
    overdue = deadlines.overdue_reports(event, made, now=now)
    return {"reports": reports, "overdue": overdue, "late": [r for r in reports if r.late]}


def households_for(user, event=None) -> QuerySet[AffectedHousehold]:
    qs = AffectedHousehold.objects.filter(scope_q(user, "region")).select_related(
        "household", "household__head", "region", "region__parent"
    )
    if event is not None:
        qs = qs.filter(event=event)
    return _none_unless(user, qs)


def get_affected(user, pk: int) -> AffectedHousehold:
    found = households_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundOrOutOfScope()
    return found


def household_totals(event, user=None) -> dict:
    """The affected-household records' figures, to check a 核报 against (one aggregate); with a
    user, only those of the user's regions."""
    qs = AffectedHousehold.objects.filter(event=event)
    if user is not None:
        qs = qs.filter(scope_q(user, "region"))
    return qs.aggregate(
        households=Count("id"),
        affected_people=Sum("affected_people", default=0),
        evacuated=Sum("evacuated", default=0),
        deaths=Sum("deaths", default=0),
        missing=Sum("missing", default=0),
        houses_collapsed=Count("id", filter=Q(house_loss=HouseLoss.COLLAPSED)),
        houses_severe=Count("id", filter=Q(house_loss=HouseLoss.SEVERE)),
        houses_general=Count("id", filter=Q(house_loss=HouseLoss.GENERAL)),
    )


def decisions_for(user, event=None, *, status: str = "") -> QuerySet[ReliefDecision]:
    """Decisions with their one-off payable's id and status (`payable_id`, `payable_status`)."""
    from minzheng.payments.models import OneOffPayable

    payable = OneOffPayable.objects.filter(source_kind=PAYABLE_SOURCE, source_id=OuterRef("pk"))
    qs = (
        ReliefDecision.objects.filter(scope_q(user, "region"))
        .select_related(
            "affected",
            "affected__household",
            "affected__household__head",
            "region",
            "affected__event",
        )
        .annotate(
            payable_id=Subquery(payable.values("pk")[:1]),
            payable_status=Subquery(payable.values("status")[:1]),
        )
    )
    if event is not None:
        qs = qs.filter(affected__event=event)
    if status:
        qs = qs.filter(status=status)
    return _none_unless(user, qs)


def get_decision(user, pk: int) -> ReliefDecision:
    found = decisions_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundOrOutOfScope()
    return found


def publicities_for(user, event=None) -> QuerySet[Publicity]:
    qs = Publicity.objects.filter(scope_q(user, "township")).select_related("township", "event")
    if event is not None:
        qs = qs.filter(event=event)
    return _none_unless(user, qs)


def get_publicity(user, pk: int) -> Publicity:
    found = publicities_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundOrOutOfScope()
    return found


def publicity_rows(publicity) -> QuerySet[ReliefDecision]:
    """The approved relief of the event's households in the township (the public list)."""
    return (
        ReliefDecision.objects.filter(
            affected__event=publicity.event,
            status=DecisionStatus.APPROVED,
            region__path__startswith=publicity.township.path,
        )
        .select_related("affected__household__head", "region")
        .order_by("region__code", "affected__household__number", "kind")
    )


def teams_for(user) -> QuerySet[RescueTeam]:
    return _none_unless(user, RescueTeam.objects.filter(scope_q(user, "county")))


def get_team(user, pk: int) -> RescueTeam:
    found = teams_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundOrOutOfScope()
    return found


def sessions_for(user) -> QuerySet[TrainingSession]:
    return _none_unless(
        user, TrainingSession.objects.filter(scope_q(user, "team__county")).select_related("team")
    )


def drills_for(user) -> QuerySet[Drill]:
    return _none_unless(
        user, Drill.objects.filter(scope_q(user, "county")).select_related("county")
    )


def assessments_for(user) -> QuerySet[ModelCommunityAssessment]:
    return _none_unless(
        user,
        ModelCommunityAssessment.objects.filter(scope_q(user, "community")).select_related(
            "community", "community__parent"
        ),
    )


# ---------------------------------------------------------------- workbench


def overdue_widget_context(user, *, now: dt.datetime | None = None) -> dict | None:
    """The county's overdue reports; for the city section the same list over every county
    (escalated). Only events still open are looked at (a verified event owes nothing)."""
    if not (
        user
        and user.is_authenticated
        and (user.is_superuser or user.role in (Role.COUNTY_APPROVER, Role.CITY_SECTION))
    ):
        return None
    now = now or timezone.now()
    rows = []
    events = events_for(user).exclude(status=EventStatus.VERIFIED).prefetch_related("reports")
    for event in events[:50]:
        made = {(r.kind, r.covers_on) for r in event.reports.all()}
        for expected in deadlines.overdue_reports(event, made, now=now):
            rows.append({"event": event, "expected": expected})
    return {
        "rows": rows[:10],
        "count": len(rows),
        "escalated": user.role == Role.CITY_SECTION,
    }


def approval_widget_context(user) -> dict | None:
    if not may_approve(user) or user.is_superuser:
        return None
    pending = decisions_for(user, status=DecisionStatus.PROPOSED)
    return {"count": pending.count(), "rows": list(pending.order_by("id")[:5])}

"""Scoped reads of social work (see permissions.py): a record outside the user's regions, or
outside what their role may read, is not found."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils import timezone

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q

from .models import (
    Assembly,
    Milestone,
    Project,
    SocialWorker,
    VentureApplication,
    VentureCall,
)
from .permissions import is_organisation, may_read


def organisation_of(user):
    """The organisation an account of role `organisation` acts for, or None."""
    from minzheng.socialorgs.models import OrganisationAccount

    if not is_organisation(user):
        return None
    account = OrganisationAccount.objects.filter(user=user).select_related("organisation").first()
    return account.organisation if account else None


def registered_organisations(user) -> QuerySet:
    """Registered organisations in the user's regions (by domicile), for the pickers."""
    from minzheng.socialorgs.models import Organisation

    if not may_read(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(scope_q(user, "region"), status="registered")


# ---------------------------------------------------------------- ledger


def workers_for(
    user, *, query: str = "", level: str = "", region_code: str = ""
) -> QuerySet[SocialWorker]:
    if not may_read(user):
        return SocialWorker.objects.none()
    qs = SocialWorker.objects.filter(scope_q(user, "region")).select_related(
        "person", "region", "organisation"
    )
    if query:
        qs = qs.filter(
            Q(person__name__contains=query)
            | Q(employer_name__contains=query)
            | Q(certificate_number=query)
        )
    if level:
        qs = qs.filter(level=level)
    if region_code:
        qs = qs.filter(region__path__contains=f"/{region_code}/")
    return qs


def get_worker(user, pk: int) -> SocialWorker:
    row = workers_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def training_hours(worker_ids, year: int) -> dict[int, int]:
    """Hours of training per worker in a year, one aggregate."""
    from .models import Training

    rows = (
        Training.objects.filter(worker_id__in=worker_ids, on__year=year)
        .values("worker_id")
        .annotate(h=Sum("hours"))
    )
    return {r["worker_id"]: r["h"] for r in rows}


def ledger_counts(user) -> dict:
    return workers_for(user).aggregate(
        total=Count("id"),
        qualified=Count("id", filter=~Q(level="none")),
        senior=Count("id", filter=Q(level="senior")),
    )


# ---------------------------------------------------------------- projects


def projects_for(user, *, kind: str = "", status: str = "") -> QuerySet[Project]:
    if may_read(user):
        qs = Project.objects.filter(scope_q(user, "region"))
    elif is_organisation(user):
        org = organisation_of(user)
        qs = Project.objects.filter(organisation=org) if org else Project.objects.none()
    else:
        return Project.objects.none()
    qs = qs.select_related("region", "organisation")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs


def get_project(user, pk: int) -> Project:
    row = projects_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def milestones_due(user, today: dt.date, days: int = 30) -> QuerySet[Milestone]:
    """Open milestones of ongoing projects due within `days` (or already late)."""
    if not may_read(user):
        return Milestone.objects.none()
    return (
        Milestone.objects.filter(
            scope_q(user, "project__region"),
            project__status="ongoing",
            done_on__isnull=True,
            due_on__lte=today + dt.timedelta(days=days),
        )
        .select_related("project")
        .order_by("due_on", "id")
    )


# ---------------------------------------------------------------- venture funding


def calls_for(user) -> QuerySet[VentureCall]:
    """Calls the user keeps or reads in scope, or is appointed to review."""
    if not (user and user.is_authenticated):
        return VentureCall.objects.none()
    q = Q(reviewers=user)
    if may_read(user):
        q |= scope_q(user, "region")
    return VentureCall.objects.filter(q).distinct().select_related("region")


def open_calls(on: dt.date | None = None) -> QuerySet[VentureCall]:
    on = on or timezone.localdate()
    return VentureCall.objects.filter(opens_on__lte=on, closes_on__gte=on).select_related("region")


def get_call(user, pk: int) -> VentureCall:
    row = calls_for(user).filter(pk=pk).first()
    if row is None:
        if is_organisation(user):
            row = open_calls().filter(pk=pk).first()
        if row is None:
            raise NotFoundOrOutOfScope()
    return row


def ranking(call: VentureCall) -> QuerySet[VentureApplication]:
    """The call's applications with their average score, best first (unscored last)."""
    from django.db.models import F

    return (
        call.applications.select_related("organisation")
        .annotate(average=Avg("reviews__score"), scored=Count("reviews"))
        .order_by(F("average").desc(nulls_last=True), "filed_at", "id")
    )


def awarded_total(call: VentureCall) -> int:
    return call.applications.filter(status="awarded").aggregate(s=Sum("awarded_fen"))["s"] or 0


def my_applications(user) -> QuerySet[VentureApplication]:
    org = organisation_of(user)
    if org is None:
        return VentureApplication.objects.none()
    return (
        VentureApplication.objects.filter(organisation=org)
        .select_related("call", "call__region")
        .annotate(average=Avg("reviews__score"))
        .order_by("-filed_at")
    )


def get_application(user, pk: int) -> VentureApplication:
    row = (
        VentureApplication.objects.filter(pk=pk, call__in=calls_for(user))
        .select_related("call", "organisation")
        .first()
    )
    if row is None:
        org = organisation_of(user)
        if org is not None:
            row = VentureApplication.objects.filter(pk=pk, organisation=org).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def to_review(user) -> QuerySet[VentureApplication]:
    """Applications of the calls the user is appointed to that they have not scored yet."""
    if not (user and user.is_authenticated):
        return VentureApplication.objects.none()
    return (
        VentureApplication.objects.filter(call__reviewers=user)
        .exclude(reviews__reviewer=user)
        .select_related("call", "organisation")
        .order_by("call_id", "filed_at")
    )


def assemblies_for(user) -> QuerySet[Assembly]:
    if not may_read(user):
        return Assembly.objects.none()
    return Assembly.objects.filter(scope_q(user, "region")).select_related("association", "region")

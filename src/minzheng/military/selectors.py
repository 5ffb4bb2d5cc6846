"""Scoped reads of the module (see permissions.py): a record outside the user's regions, or
outside what their role may read, is not found."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q

from .models import MilitaryAppeal, RetiredCadre, SupportEnrolment
from .permissions import may_read_appeals, may_read_cadres, may_read_enrolments

# ---------------------------------------------------------------- double support


def enrolments_for(
    user, *, year: int | None = None, result: str = ""
) -> QuerySet[SupportEnrolment]:
    if not may_read_enrolments(user):
        return SupportEnrolment.objects.none()
    qs = SupportEnrolment.objects.filter(scope_q(user, "region")).select_related("region")
    if year:
        qs = qs.filter(year=year)
    if result:
        qs = qs.filter(result=result)
    return qs


def get_enrolment(user, pk: int) -> SupportEnrolment:
    row = enrolments_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


# ---------------------------------------------------------------- retired cadres


def cadres_for(user, *, year: int | None = None, query: str = "") -> QuerySet[RetiredCadre]:
    if not may_read_cadres(user):
        return RetiredCadre.objects.none()
    qs = RetiredCadre.objects.filter(scope_q(user, "region")).select_related("person", "region")
    if year:
        qs = qs.filter(handover_year=year)
    if query:
        qs = qs.filter(Q(person__name__contains=query) | Q(rank__contains=query))
    return qs


def get_cadre(user, pk: int) -> RetiredCadre:
    cadre = cadres_for(user).filter(pk=pk).first()
    if cadre is None:
        raise NotFoundOrOutOfScope()
    return cadre


def cadre_counts(user, year: int) -> dict:
    qs = cadres_for(user)
    return qs.aggregate(
        total=Count("id", filter=Q(received_on__isnull=False)),
        handed_over=Count("id", filter=Q(handover_year=year)),
        received=Count("id", filter=Q(handover_year=year, received_on__isnull=False)),
        waiting=Count("id", filter=Q(received_on__isnull=True)),
    )


# ---------------------------------------------------------------- appeals


def overdue_q(today: dt.date) -> Q:
    return (
        Q(stage="filed", accept_due_on__lt=today)
        | Q(stage="accepted", handle_due_on__lt=today)
        | Q(reported_on__isnull=True, report_due_on__lt=today)
    )


def appeals_for(
    user, *, stage: str = "", overdue: bool = False, query: str = ""
) -> QuerySet[MilitaryAppeal]:
    if not may_read_appeals(user):
        return MilitaryAppeal.objects.none()
    qs = MilitaryAppeal.objects.filter(scope_q(user, "region")).select_related("region")
    if stage:
        qs = qs.filter(stage=stage)
    if overdue:
        qs = qs.filter(overdue_q(timezone.localdate()))
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(appellant_name__contains=query))
    return qs


def get_appeal(user, pk: int) -> MilitaryAppeal:
    appeal = appeals_for(user).filter(pk=pk).first()
    if appeal is None:
        raise NotFoundOrOutOfScope()
    return appeal


def my_appeals(user) -> QuerySet[MilitaryAppeal]:
    if user is None or not user.is_authenticated:
        return MilitaryAppeal.objects.none()
    return MilitaryAppeal.objects.filter(filed_by=user).order_by("-received_on", "-id")

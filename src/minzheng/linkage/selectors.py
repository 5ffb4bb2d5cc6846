"""Scoped reads of the poverty registry and the insurance enrolments."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q

from .models import IN_POVERTY, InsuranceEnrolment, PovertyRecord
from .permissions import may_see


def poverty_for(user, *, year: int | None = None, status: str = "") -> QuerySet[PovertyRecord]:
    if not may_see(user):
        return PovertyRecord.objects.none()
    qs = PovertyRecord.objects.filter(scope_q(user, "region")).select_related("person", "region")
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return qs


def enrolments_for(
    user, *, year: int | None = None, subsidised: bool | None = None
) -> QuerySet[InsuranceEnrolment]:
    if not may_see(user):
        return InsuranceEnrolment.objects.none()
    qs = InsuranceEnrolment.objects.filter(scope_q(user, "region")).select_related(
        "person", "region"
    )
    if year:
        qs = qs.filter(year=year)
    if subsidised is not None:
        qs = qs.filter(subsidised=subsidised)
    return qs


def get_poverty_record(user, pk: int) -> PovertyRecord:
    record = poverty_for(user).filter(pk=pk).first()
    if record is None:
        raise NotFoundOrOutOfScope()
    return record


def get_enrolment(user, pk: int) -> InsuranceEnrolment:
    record = enrolments_for(user).filter(pk=pk).first()
    if record is None:
        raise NotFoundOrOutOfScope()
    return record


def years(user) -> list[int]:
    held = set(poverty_for(user).values_list("year", flat=True).distinct())
    held |= set(enrolments_for(user).values_list("year", flat=True).distinct())
    return sorted(held, reverse=True)


def summary(user, year: int) -> dict:
    """The counts on the page's head, in two aggregate queries."""
    poverty = poverty_for(user, year=year).aggregate(
        total=Count("id"),
        in_poverty=Count("id", filter=Q(status__in=IN_POVERTY)),
        households=Count("household_number", distinct=True),
    )
    insurance = enrolments_for(user, year=year).aggregate(
        total=Count("id"),
        subsidised=Count("id", filter=Q(subsidised=True)),
        subsidy_fen=Sum("subsidy_fen"),
    )
    return {"poverty": poverty, "insurance": insurance}

"""Scoped reads of the children's register and the protection cases (see permissions.py)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q

from .models import OPEN_STAGES, Category, ChildCase, ChildRecord, QuarterConfirmation, Stage
from .permissions import may_read_cases, may_see_counts, may_see_register

TEKUN_REFERRAL_AGE = 16  # the 特困 rule's default orphan_referral_age; shown only as a hint


def quarter_of(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(quarter: dt.date) -> str:
    return _("%(y)s年第%(q)s季度") % {"y": quarter.year, "q": (quarter.month - 1) // 3 + 1}


# ---------------------------------------------------------------- register


def records_for(
    user, *, category: str = "", region_code: str = "", query: str = "", unconfirmed: bool = False
) -> QuerySet[ChildRecord]:
    if not may_see_register(user):
        return ChildRecord.objects.none()
    qs = ChildRecord.objects.filter(scope_q(user, "region")).select_related(
        "person", "region", "guardian", "officer"
    )
    if category:
        qs = qs.filter(category=category)
    if region_code:
        qs = qs.filter(region__path__contains=f"{region_code}/")
    if query:
        qs = qs.filter(Q(person__name__contains=query) | Q(school__contains=query))
    if unconfirmed:
        qs = qs.exclude(
            Exists(
                QuarterConfirmation.objects.filter(
                    child=OuterRef("pk"), quarter=quarter_of(timezone.localdate())
                )
            )
        )
    return qs


def get_record(user, pk: int) -> ChildRecord:
    record = records_for(user).filter(pk=pk).first()
    if record is None:
        raise NotFoundOrOutOfScope()
    return record


def counts(user) -> dict:
    """Counts by category in the user's regions (all the leader sees of the register)."""
    if not may_see_counts(user):
        return {}
    rows = dict(
        ChildRecord.objects.filter(scope_q(user, "region"))
        .values_list("category")
        .annotate(n=Count("id"))
    )
    by = {c: rows.get(c, 0) for c in Category.values}
    cases = ChildCase.objects.filter(scope_q(user, "region")).aggregate(
        open=Count("id", filter=Q(stage__in=OPEN_STAGES)),
        closed=Count("id", filter=Q(stage=Stage.CLOSED)),
        overdue=Count("id", filter=overdue_q(timezone.now())),
    )
    return {
        "by_category": [(label, by[code]) for code, label in Category.choices],
        "by_code": by,
        "total": sum(by.values()),
        "cases": cases,
    }


def unconfirmed_this_quarter(user, *, limit: int = 10) -> tuple[int, list[ChildRecord]]:
    qs = records_for(user, unconfirmed=True).order_by("region__path", "id")
    return qs.count(), list(qs[:limit])


def tekun_referrals(user) -> QuerySet:
    """Children under 16 in a household with an open 特困 application, not yet on the register
    as orphans: the 特困 rules refer them to the orphan programme (finding `orphan_referral`).
    Read here through the app registry; assistance and cases know nothing of this module."""
    if not may_see_register(user):
        return apps.get_model("people", "Person").objects.none()
    Case = apps.get_model("cases", "Case")
    Member = apps.get_model("people", "HouseholdMember")
    Person = apps.get_model("people", "Person")
    today = timezone.localdate()
    try:
        born_after = today.replace(year=today.year - TEKUN_REFERRAL_AGE)
    except ValueError:
        born_after = today.replace(year=today.year - TEKUN_REFERRAL_AGE, day=28)
    open_tekun = Case.objects.filter(
        programme="tekun", household_id=OuterRef("household_id"), closed_on__isnull=True
    )
    members = Member.objects.filter(Exists(open_tekun), until__isnull=True).values("person_id")
    return (
        Person.objects.filter(
            scope_q(user, "hukou_region"),
            pk__in=members,
            birth_date__gt=born_after,
            death_date__isnull=True,
        )
        .exclude(child_record__category=Category.ORPHAN)
        .select_related("hukou_region")
        .order_by("hukou_region__path", "id")
    )


# ---------------------------------------------------------------- cases


def overdue_q(now: dt.datetime) -> Q:
    today = timezone.localtime(now).date()
    return (
        Q(stage=Stage.REPORTED, first_contact_due_at__lt=now)
        | Q(stage=Stage.EMERGENCY, assessment_due_on__lt=today)
        | Q(stage=Stage.ASSESSMENT, plan_on__isnull=True, plan_due_on__lt=today)
    )


def cases_for(
    user, *, stage: str = "", overdue: bool = False, query: str = ""
) -> QuerySet[ChildCase]:
    if not may_read_cases(user):
        return ChildCase.objects.none()
    qs = ChildCase.objects.filter(scope_q(user, "region")).select_related("person", "region")
    if stage:
        qs = qs.filter(stage=stage)
    if overdue:
        qs = qs.filter(overdue_q(timezone.now()))
    if query:
        qs = qs.filter(
            Q(number__icontains=query)
            | Q(person__name__contains=query)
            | Q(described_name__contains=query)
        )
    return qs


def get_case(user, pk: int) -> ChildCase:
    case = cases_for(user).filter(pk=pk).first()
    if case is None:
        raise NotFoundOrOutOfScope()
    return case


def my_reports(user) -> QuerySet[ChildCase]:
    """The reports a user made: their status only (number, date, stage)."""
    if user is None or not user.is_authenticated:
        return ChildCase.objects.none()
    return ChildCase.objects.filter(reported_by=user).order_by("-reported_at", "-id")


def get_my_report(user, pk: int) -> ChildCase:
    case = my_reports(user).filter(pk=pk).first()
    if case is None:
        raise NotFoundOrOutOfScope()
    return case


def overdue_cases(user, *, limit: int = 10) -> tuple[int, list[ChildCase]]:
    qs = cases_for(user, overdue=True).order_by("reported_at", "id")
    return qs.count(), list(qs[:limit])

"""Scoped reads (see permissions.py): registry staff by the registry's region, an organisation
account its own organisation only; anything else is not found. The public register reads
registered organisations only, through `public_organisations`, and never a person."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q

from . import rules
from .models import (
    AnnualReport,
    Complaint,
    ComplaintStatus,
    ListEntry,
    Organisation,
    OrganisationAccount,
    OrganisationRequest,
    OrganisationStatus,
    Rating,
    RequestStatus,
)
from .permissions import is_organisation, may_read

LIVE = (OrganisationStatus.PENDING, OrganisationStatus.REGISTERED)


def account_of(user) -> OrganisationAccount | None:
    if not is_organisation(user):
        return None
    return (
        OrganisationAccount.objects.filter(user=user)
        .select_related("organisation", "person")
        .first()
    )


def own_organisation(user) -> Organisation | None:
    account = account_of(user)
    return account.organisation if account else None


def organisations_for(
    user, *, status: str = "", query: str = "", kind: str = ""
) -> QuerySet[Organisation]:
    qs = Organisation.objects.select_related("registry", "region")
    if may_read(user):
        qs = qs.filter(scope_q(user, "registry"))
    elif is_organisation(user):
        qs = qs.filter(accounts__user=user)
    else:
        return Organisation.objects.none()
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(Q(name__contains=query) | Q(credit_code__iexact=query))
    return qs


def get_organisation(user, pk: int) -> Organisation:
    row = organisations_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def requests_for(user, *, status: str = "") -> QuerySet[OrganisationRequest]:
    qs = OrganisationRequest.objects.filter(
        organisation__in=organisations_for(user)
    ).select_related("organisation", "organisation__registry")
    return qs.filter(status=status) if status else qs


def get_request(user, pk: int) -> OrganisationRequest:
    row = requests_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def reports_for(user, *, year: int | None = None, pending: bool = False):
    qs = AnnualReport.objects.filter(organisation__in=organisations_for(user)).select_related(
        "organisation"
    )
    if year:
        qs = qs.filter(year=year)
    if pending:
        qs = qs.filter(inspected_on__isnull=True)
    return qs


def get_report(user, pk: int) -> AnnualReport:
    row = reports_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def due_q(year: int) -> Q:
    """Organisations due the report of `year` (rules.due_a_report as a filter)."""
    return Q(registered_on__lte=dt.date(year, 12, 31)) & (
        Q(ended_on__isnull=True) | Q(ended_on__gt=rules.registry_deadline(year))
    )


def overdue_reports(user, year: int, today: dt.date) -> QuerySet[Organisation]:
    """Organisations due the report of `year` that had not filed it by the registry's deadline
    (31 May of the next year), once that deadline has passed."""
    if today <= rules.registry_deadline(year):
        return Organisation.objects.none()
    filed = AnnualReport.objects.filter(
        organisation=OuterRef("pk"), year=year, filed_on__lte=rules.registry_deadline(year)
    )
    return (
        organisations_for(user)
        .filter(due_q(year))
        .exclude(status=OrganisationStatus.PENDING)
        .filter(~Exists(filed))
    )


def ratings_for(user):
    return Rating.objects.filter(organisation__in=organisations_for(user)).select_related(
        "organisation"
    )


def get_rating(user, pk: int) -> Rating:
    row = ratings_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def list_entries_for(user, *, current: bool = True, list_kind: str = ""):
    qs = ListEntry.objects.filter(organisation__in=organisations_for(user)).select_related(
        "organisation"
    )
    if current:
        qs = qs.filter(removed_on__isnull=True)
    if list_kind:
        qs = qs.filter(list=list_kind)
    return qs


def get_list_entry(user, pk: int) -> ListEntry:
    row = list_entries_for(user, current=False).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def complaints_for(user, *, status: str = "", overdue: bool = False, today=None):
    if may_read(user):
        qs = Complaint.objects.filter(scope_q(user, "registry"))
    elif user is not None and user.is_authenticated:
        qs = Complaint.objects.filter(complainant=user)
    else:
        return Complaint.objects.none()
    qs = qs.select_related("registry", "region", "organisation")
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.exclude(status=ComplaintStatus.CLOSED).filter(due_on__lt=today)
    return qs


def get_complaint(user, pk: int) -> Complaint:
    row = complaints_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def pending_applications(user):
    return organisations_for(user, status=OrganisationStatus.PENDING)


def pending_requests(user):
    return requests_for(user, status=RequestStatus.PENDING)


# ---------------------------------------------------------------- public register


def public_organisations(*, query: str = "", kind: str = "", registry_code: str = ""):
    """Registered (and revoked or deregistered, for the record) organisations, for anyone."""
    qs = Organisation.objects.exclude(
        status__in=[OrganisationStatus.PENDING, OrganisationStatus.REFUSED]
    ).select_related("registry", "region", "legal_representative")
    if query:
        qs = qs.filter(Q(name__contains=query) | Q(credit_code__iexact=query))
    if kind:
        qs = qs.filter(kind=kind)
    if registry_code:
        qs = qs.filter(registry__code=registry_code)
    return qs.order_by("-registered_on", "-id")


def current_rating(organisation, today: dt.date) -> Rating | None:
    return (
        organisation.ratings.filter(
            decided_on__lte=today, valid_until__gte=today, grade__in=["5A", "4A", "3A", "2A", "1A"]
        )
        .order_by("-decided_on")
        .first()
    )

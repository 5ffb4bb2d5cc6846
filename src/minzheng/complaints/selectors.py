"""Scoped reads of the register (see permissions.py): a complaint outside what the user may read
is not found (404), with no hint that it exists."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.roles import Role, role_of
from minzheng.core.scope import scope_paths

from . import deadlines
from .models import Complaint, ComplaintEvent, Status
from .permissions import is_resident, may_read


def _paths_q(paths: list[str], field: str) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__path__startswith": p})
    return q


def owned_q(user) -> Q:
    """Complaints the user's office owns (and handles): its unit's, and for region staff those
    owned by its own region's office (a county reads its townships' but does not act on them;
    it answers their reviews)."""
    role = role_of(user)
    if role == Role.ADMIN:
        paths = scope_paths(user)
        return Q() if paths is None else _paths_q(paths, "owner_region")
    if role == Role.UNIT_STAFF:
        return Q(owner_unit_id=user.unit_id) if user.unit_id else Q(pk__in=[])
    q = (
        Q(owner_region_id=user.region_id, owner_unit__isnull=True)
        if user.region_id
        else Q(pk__in=[])
    )
    if user.unit_id:
        q |= Q(owner_unit_id=user.unit_id)
    return q


def readable_q(user) -> Q:
    """Owned, or owned by a unit in the region subtree (the city reads its units'), or
    transferred out by the user's office (read-only)."""
    role = role_of(user)
    paths = scope_paths(user)
    if paths is None:
        return Q()
    if role == Role.UNIT_STAFF:
        own = owned_q(user)
        left = ComplaintEvent.objects.filter(
            complaint=OuterRef("pk"), action="transfer", from_unit_id=user.unit_id
        )
        return own | Q(Exists(left)) if user.unit_id else own
    own = _paths_q(paths, "owner_region")
    left = ComplaintEvent.objects.filter(complaint=OuterRef("pk"), action="transfer").filter(
        _paths_q(paths, "from_region")
    )
    return own | Q(Exists(left))


def overdue_q(today: dt.date) -> Q:
    return (
        Q(status=Status.RECEIVED, accept_due_on__lt=today)
        | Q(status__in=[Status.ACCEPTED, Status.INVESTIGATED], handle_due_on__lt=today)
        | Q(status=Status.REVIEW, review_answer_due_on__lt=today)
    )


def due_soon_q(today: dt.date) -> Q:
    soon = today + dt.timedelta(days=deadlines.DUE_SOON_DAYS)
    return (
        Q(status=Status.RECEIVED, accept_due_on__gte=today, accept_due_on__lte=soon)
        | Q(
            status__in=[Status.ACCEPTED, Status.INVESTIGATED],
            handle_due_on__gte=today,
            handle_due_on__lte=soon,
        )
        | Q(status=Status.REVIEW, review_answer_due_on__gte=today, review_answer_due_on__lte=soon)
    )


def complaints_for(
    user,
    *,
    status: str = "",
    category: str = "",
    channel: str = "",
    overdue: bool = False,
    due_soon: bool = False,
    query: str = "",
    today: dt.date | None = None,
) -> QuerySet[Complaint]:
    if not may_read(user):
        return Complaint.objects.none()
    today = today or timezone.localdate()
    qs = Complaint.objects.filter(readable_q(user)).select_related("owner_region", "owner_unit")
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if channel:
        qs = qs.filter(channel=channel)
    if overdue:
        qs = qs.filter(overdue_q(today))
    if due_soon:
        qs = qs.filter(due_soon_q(today))
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(content__contains=query))
    return qs


def get_complaint(user, pk: int) -> Complaint:
    """A complaint the user may read: staff through the register's scope, a resident their own."""
    if is_resident(user):
        row = mine(user).filter(pk=pk).first()
    else:
        row = complaints_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def is_owned_by(user, complaint) -> bool:
    return Complaint.objects.filter(owned_q(user), pk=complaint.pk).exists()


def mine(user) -> QuerySet[Complaint]:
    """A resident's own complaints: filed from their account, or naming them as complainant."""
    if not is_resident(user):
        return Complaint.objects.none()
    q = Q(filer=user)
    if user.person_id:
        q |= Q(complainant_id=user.person_id)
    return (
        Complaint.objects.filter(q)
        .select_related("owner_region", "owner_unit")
        .order_by("-received_on", "-id")
    )

"""Scoped reads of the outbox: staff see the messages of their region subtree (outside = 404);
a resident sees the messages to their person or account only."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q
from minzheng.people.selectors import masked_name, masked_phone

from .models import Notification, Status
from .permissions import is_resident, may_read_outbox, may_see_recipients


def outbox_for(user) -> QuerySet[Notification]:
    if not may_read_outbox(user):
        return Notification.objects.none()
    return Notification.objects.filter(scope_q(user, "region"))


def mine(user) -> QuerySet[Notification]:
    """The messages to the account's holder (their person, or the account itself)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    q = Q(user_id=user.pk)
    if user.person_id:
        q |= Q(person_id=user.person_id)
    return Notification.objects.filter(q)


def search(
    user,
    *,
    status: str = "",
    kind: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Notification]:
    qs = outbox_for(user)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    return qs.select_related("person", "user", "region")


def get_for(user, pk: int) -> Notification:
    """One message: staff in scope, or the resident it was sent to; otherwise 404."""
    qs = mine(user) if is_resident(user) else outbox_for(user)
    n = qs.select_related("person", "user", "region").filter(pk=pk).first()
    if n is None:
        raise NotFoundOrOutOfScope()
    return n


def status_counts(qs) -> dict[str, int]:
    rows = qs.order_by().values("status").annotate(n=Count("id"))
    counts = {s: 0 for s in Status.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def recipient_name(user, n: Notification) -> str:
    if n.person_id:
        name = n.person.name
    elif n.user_id:
        name = n.user.get_full_name() or n.user.username
    else:
        name = ""
    return name if may_see_recipients(user) else masked_name(name)


def recipient_phone(user, n: Notification) -> str:
    return n.phone if may_see_recipients(user) and user.role != "leader" else masked_phone(n.phone)


def todo_widget_context(user):
    """The staff account's own to-dos of the last days (the messages sent to it)."""
    if not user.is_authenticated or not user.is_staff_role:
        return None
    items = list(mine(user).filter(kind__startswith="todo_").order_by("-created_at")[:5])
    if not items:
        return None
    return {"todos": items}


def resident_widget_context(user):
    if not is_resident(user):
        return None
    qs = mine(user)
    return {"latest": list(qs.order_by("-created_at")[:3]), "total": qs.count()}

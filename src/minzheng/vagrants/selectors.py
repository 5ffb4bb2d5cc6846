"""Scoped reads of the relief station's stays: staff see the stays of their region subtree; a
stay elsewhere reads as 404."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q

from .models import NEAR_LIMIT_DAYS, SchoolStatus, Stay
from .permissions import may_see

OPEN = (Stay.State.ARRIVED, Stay.State.STAYING)


def stays_for(user) -> QuerySet[Stay]:
    if not may_see(user):
        return Stay.objects.none()
    return Stay.objects.filter(scope_q(user, "region")).select_related(
        "region", "person", "unidentified"
    )


def get_stay(user, pk: int) -> Stay:
    stay = stays_for(user).filter(pk=pk).first()
    if stay is None:
        raise NotFoundOrOutOfScope()
    return stay


def over_limit_q(on: dt.date) -> Q:
    return Q(state=Stay.State.STAYING, ends_on__lt=on)


def near_limit_q(on: dt.date) -> Q:
    return Q(
        state=Stay.State.STAYING, ends_on__gte=on, ends_on__lte=on + dt.timedelta(NEAR_LIMIT_DAYS)
    )


def pending_school_q() -> Q:
    """Minors who have left, of school age, whose return to school is not yet settled."""
    return Q(
        state=Stay.State.EXITED,
        school_status__in=[SchoolStatus.PENDING, SchoolStatus.NOT_YET],
    )


def filtered(
    user, *, state: str = "", limit: str = "", minor: bool | None = None, on: dt.date | None = None
) -> QuerySet[Stay]:
    on = on or timezone.localdate()
    qs = stays_for(user)
    if state:
        qs = qs.filter(state=state)
    if limit == "over":
        qs = qs.filter(over_limit_q(on))
    elif limit == "near":
        qs = qs.filter(near_limit_q(on))
    elif limit == "over_or_near":
        qs = qs.filter(over_limit_q(on) | near_limit_q(on))
    if minor is True:
        qs = qs.filter(age_at_arrival__lt=18)
    elif minor is False:
        qs = qs.filter(age_at_arrival__gte=18)
    if limit == "school":
        qs = qs.filter(pending_school_q())
    return qs


def counts(user, on: dt.date | None = None) -> dict:
    """The workbench card's and the list head's figures, in one aggregate query."""
    on = on or timezone.localdate()
    return stays_for(user).aggregate(
        current=Count("id", filter=Q(state__in=OPEN)),
        arrived=Count("id", filter=Q(state=Stay.State.ARRIVED)),
        staying=Count("id", filter=Q(state=Stay.State.STAYING)),
        over=Count("id", filter=over_limit_q(on)),
        near=Count("id", filter=near_limit_q(on)),
        school=Count("id", filter=pending_school_q()),
        this_year=Count("id", filter=Q(arrived_on__year=on.year)),
    )


def widget_context(user) -> dict | None:
    if not may_see(user):
        return None
    figures = counts(user)
    if not any(figures.values()):
        return None
    return figures

"""Scoped reads of adoption registration: by the registry's region; anything else is not found."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q

from .models import Adoption, Status
from .permissions import may_read


def adoptions_for(user) -> QuerySet[Adoption]:
    if not may_read(user):
        return Adoption.objects.none()
    return Adoption.objects.filter(scope_q(user, "registry")).select_related(
        "registry", "child", "adopter", "adopter_spouse"
    )


def get_adoption(user, pk: int) -> Adoption:
    found = adoptions_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundOrOutOfScope()
    return found


def notices_ending(user, today: dt.date, within_days: int = 7) -> QuerySet[Adoption]:
    """Notices still running that end within `within_days`, or have ended and wait to be closed."""
    return adoptions_for(user).filter(
        status=Status.UNDER_NOTICE, notice_ends_on__lte=today + dt.timedelta(days=within_days)
    )


def decisions_due(user) -> QuerySet[Adoption]:
    return adoptions_for(user).filter(status=Status.PENDING).order_by("decision_due_on")


def notices_to_publish(user) -> QuerySet[Adoption]:
    return adoptions_for(user).filter(status=Status.NOTICE_DUE)

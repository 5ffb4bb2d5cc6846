"""Scoped reads of satisfaction and the computed rates.

Satisfied rate (docs/DOMAIN.md): (satisfied + basically satisfied) ÷ answers × 100, over the
invitations answered in the period; no answers, no rate (not 0 %)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.roles import Role
from minzheng.core.scope import scope_q
from minzheng.regions.models import Region

from .models import SATISFIED_RATINGS, Invitation, Rating, Service

RATE_ROLES = {
    Role.TOWNSHIP_CLERK,
    Role.COUNTY_APPROVER,
    Role.CITY_SECTION,
    Role.LEADER,
    Role.ADMIN,
    Role.UNIT_STAFF,
}


def may_see_rates(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in RATE_ROLES))


def invitations_for(user) -> QuerySet[Invitation]:
    if not may_see_rates(user):
        return Invitation.objects.none()
    return Invitation.objects.filter(scope_q(user, "region"))


def mine(user) -> QuerySet[Invitation]:
    if not user.is_authenticated or not user.person_id:
        return Invitation.objects.none()
    return Invitation.objects.filter(person_id=user.person_id)


def get_own(user, pk: int) -> Invitation:
    inv = mine(user).filter(pk=pk).first()
    if inv is None:
        raise NotFoundOrOutOfScope()
    return inv


def get_for(user, pk: int) -> Invitation:
    inv = (mine(user) | invitations_for(user)).filter(pk=pk).select_related("region").first()
    if inv is None:
        raise NotFoundOrOutOfScope()
    return inv


def rate(satisfied: int, answers: int) -> Decimal | None:
    """(satisfied + basically satisfied) ÷ answers × 100, to one decimal; None without answers."""
    if not answers:
        return None
    return (Decimal(satisfied) * 100 / Decimal(answers)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def _aggregates():
    return {
        "invited": Count("id"),
        "answers": Count("id", filter=~Q(rating="")),
        "satisfied": Count("id", filter=Q(rating=Rating.SATISFIED)),
        "basic": Count("id", filter=Q(rating=Rating.BASIC)),
        "dissatisfied": Count("id", filter=Q(rating=Rating.DISSATISFIED)),
    }


def _finish(row: dict) -> dict:
    row["rate"] = rate(row["satisfied"] + row["basic"], row["answers"])
    return row


def period(qs, since: dt.date | None, until: dt.date | None):
    if since:
        qs = qs.filter(invited_on__gte=since)
    if until:
        qs = qs.filter(invited_on__lte=until)
    return qs


def by_service(qs) -> list[dict]:
    rows = {r["service"]: r for r in qs.order_by().values("service").annotate(**_aggregates())}
    return [
        _finish({"key": code, "label": label, **_zero(), **rows.get(code, {})})
        for code, label in Service.choices
    ]


def by_unit(qs) -> list[dict]:
    rows = (
        qs.filter(unit__isnull=False)
        .order_by()
        .values("unit_id", "unit__name")
        .annotate(**_aggregates())
        .order_by("unit__name")
    )
    return [_finish({"key": r["unit_id"], "label": r["unit__name"], **r}) for r in rows]


def _zero() -> dict:
    return {"invited": 0, "answers": 0, "satisfied": 0, "basic": 0, "dissatisfied": 0}


def by_region(user, qs) -> list[dict]:
    """One row per region directly under the caller's own region (the city's counties for the
    city, a county's townships …), each with its whole subtree counted, and a total row."""
    top = user.region if (user.region_id and not user.is_superuser) else None
    if top is None:
        top = Region.objects.filter(parent__isnull=True).order_by("code").first()
    if top is None:
        return []
    children = list(Region.objects.filter(parent=top).order_by("code"))
    counted = list(qs.order_by().values("region__path").annotate(**_aggregates()))
    result = []
    for region in [*children, top]:
        row = {"key": region.code, "label": region.name, **_zero()}
        for c in counted:
            if c["region__path"].startswith(region.path):
                for k in _zero():
                    row[k] += c[k]
        row["total"] = region is top
        result.append(_finish(row))
    return result


def satisfied_q() -> Q:
    return Q(rating__in=SATISFIED_RATINGS)


def resident_widget_context(user):
    if not user.is_authenticated or user.role != Role.RESIDENT:
        return None
    pending = list(mine(user).filter(rating="").order_by("-invited_on")[:3])
    if not pending:
        return None
    return {"pending": pending}

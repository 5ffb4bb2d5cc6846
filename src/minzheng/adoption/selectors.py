"""Scoped reads of adoption registration: by the registry's region; anything else is not found."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractMonth

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q

from .models import Adoption, Status
from .permissions import may_read, may_see_statistics


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


# ---------------------------------------------------------------- statistics (no person)

# The columns of the statistics: applications received in the month (by the day of application),
# and decisions taken in it (by the day of decision), approved or refused.
STAT_COLUMNS = ("applications", "approved", "refused")


def statistics(user, year: int) -> dict:
    """Adoption applications received and decisions taken in `year`, by month and by county
    bureau, for any role that reads statistics (counts only; the user's scope)."""
    empty = {"months": [], "counties": [], "totals": dict.fromkeys(STAT_COLUMNS, 0)}
    if not may_see_statistics(user):
        return empty
    scoped = Adoption.objects.filter(scope_q(user, "registry"))
    received = scoped.filter(applied_on__year=year)
    decided = scoped.filter(decided_on__year=year, status__in=[Status.APPROVED, Status.REFUSED])
    counted = {
        "applications": Count("id"),
        "approved": Count("id", filter=Q(status=Status.APPROVED)),
        "refused": Count("id", filter=Q(status=Status.REFUSED)),
    }
    by_month = {m: dict.fromkeys(STAT_COLUMNS, 0) for m in range(1, 13)}
    by_county: dict[str, dict] = {}
    for qs, field, columns in (
        (received, "applied_on", ("applications",)),
        (decided, "decided_on", ("approved", "refused")),
    ):
        aggregates = {c: counted[c] for c in columns}
        for row in (
            qs.annotate(m=ExtractMonth(field)).values("m").annotate(**aggregates).order_by("m")
        ):
            by_month[row["m"]].update({c: row[c] for c in columns})
        for row in (
            qs.values("registry__code", "registry__name")
            .annotate(**aggregates)
            .order_by("registry__code")
        ):
            county = by_county.setdefault(
                row["registry__code"],
                {"code": row["registry__code"], "name": row["registry__name"]}
                | dict.fromkeys(STAT_COLUMNS, 0),
            )
            county.update({c: row[c] for c in columns})
    months = [{"month": m} | v for m, v in by_month.items()]
    return {
        "months": months,
        "counties": [by_county[code] for code in sorted(by_county)],
        "totals": {c: sum(m[c] for m in months) for c in STAT_COLUMNS},
    }

"""Scoped reads (see permissions.py): a record outside the user's regions, or not the
resident's own, is not found."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q

from .models import (
    Activity,
    Certificate,
    ServiceRecord,
    Signup,
    Status,
    Team,
    TeamMember,
    Volunteer,
)
from .permissions import is_resident, may_read


def volunteers_for(user, *, status: str = "", query: str = "") -> QuerySet[Volunteer]:
    if not may_read(user):
        return Volunteer.objects.none()
    qs = Volunteer.objects.filter(scope_q(user, "region")).select_related("person", "region")
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(person__name__contains=query))
    return qs


def get_volunteer(user, pk: int) -> Volunteer:
    row = volunteers_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def own_volunteer(user) -> Volunteer | None:
    if user is None or not user.is_authenticated or not user.person_id:
        return None
    return (
        Volunteer.objects.select_related("person", "region")
        .filter(person_id=user.person_id)
        .first()
    )


def _led_team_ids(user) -> list[int]:
    if not is_resident(user):
        return []
    return list(
        Team.objects.filter(
            leader__person_id=user.person_id, leader__status=Status.APPROVED
        ).values_list("pk", flat=True)
    )


def teams_for(user) -> QuerySet[Team]:
    """Staff: the teams of their regions. Residents: every team (a public list to join)."""
    qs = Team.objects.select_related("region", "leader__person", "organisation", "provider")
    if may_read(user):
        return qs.filter(scope_q(user, "region"))
    if is_resident(user):
        return qs
    return qs.none()


def get_team(user, pk: int) -> Team:
    row = teams_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def leads(user, team: Team) -> bool:
    return team.pk in _led_team_ids(user)


def activities_for(user) -> QuerySet[Activity]:
    qs = Activity.objects.select_related("team", "region")
    if may_read(user):
        return qs.filter(scope_q(user, "region", "team__region"))
    if is_resident(user):
        return qs
    return qs.none()


def get_activity(user, pk: int) -> Activity:
    row = activities_for(user).filter(pk=pk).first()
    if row is None:
        raise NotFoundOrOutOfScope()
    return row


def open_activities_near(user, volunteer: Volunteer | None = None, limit: int = 5):
    """Activities still to come in the county (district) of the resident's community or in one of
    the volunteer's service areas."""
    if not is_resident(user):
        return Activity.objects.none()
    person = user.person
    paths = []
    if person.hukou_region_id:
        paths.append("/".join(person.hukou_region.path.split("/")[:3]) + "/")
    if volunteer is not None:
        paths += [r.path for r in volunteer.areas.all()]
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(region__path__startswith=p)
    return (
        Activity.objects.select_related("team", "region")
        .filter(q, cancelled=False, starts_at__gt=timezone.now())
        .order_by("starts_at")[:limit]
    )


def members_of(team: Team) -> QuerySet[TeamMember]:
    return team.members.select_related("volunteer__person").order_by("status", "id")


def signups_of(activity: Activity) -> QuerySet[Signup]:
    return activity.signups.select_related("volunteer__person", "record").order_by("id")


def records_of(volunteer: Volunteer) -> QuerySet[ServiceRecord]:
    return volunteer.records.select_related("team").order_by("-served_on", "-id")


def verified_certificate(code: str):
    """A certificate by the verification number printed on it, for anyone (no account): None
    for a number that was never issued."""
    code = (code or "").strip()
    if not (len(code) == 12 and code.isdigit()):
        return None
    return Certificate.objects.select_related("volunteer__person").filter(code=code).first()

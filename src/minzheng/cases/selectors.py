"""Reads of assistance cases, always scoped: staff see their regions, residents their own cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from minzheng.accounts.models import Role
from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import region_in_scope, scope_q
from minzheng.people.models import HouseholdMember
from minzheng.regions.models import Region

from . import clock
from . import timeline as case_timeline
from .holidays import years_without_arrangement
from .models import (
    CLOSED_STATES,
    EMERGENCY_STAGES,
    OPEN_STATES,
    ORDINARY_STAGES,
    Case,
    Decision,
    EmergencyPayment,
    Objection,
    ObjectionOutcome,
    SpotCheck,
    State,
)


def cases_for(user) -> QuerySet[Case]:
    qs = Case.objects.select_related("applicant", "household", "region", "filed_by")
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.role == Role.RESIDENT:
        if not user.person_id:
            return qs.none()
        own = HouseholdMember.objects.filter(person_id=user.person_id, until__isnull=True).values(
            "household_id"
        )
        return qs.filter(Q(applicant_id=user.person_id) | Q(household_id__in=own))
    if not user.is_staff_role:
        return qs.none()
    return qs.filter(scope_q(user, "region"))


def owns_case(user, case: Case) -> bool:
    """A resident's own case: they applied, or it is for the household they live in now."""
    if (
        user is None
        or not user.is_authenticated
        or user.role != Role.RESIDENT
        or not user.person_id
    ):
        return False
    if case.applicant_id == user.person_id:
        return True
    return HouseholdMember.objects.filter(
        household_id=case.household_id, person_id=user.person_id, until__isnull=True
    ).exists()


def can_see(user, case: Case) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.role == Role.RESIDENT:
        return owns_case(user, case)
    return user.is_staff_role and region_in_scope(user, case.region)


# Who may take which action in which stage; the services enforce the same rules.
_ACTIONS: dict[str, tuple[set, tuple]] = {
    "upload": ({Role.TOWNSHIP_CLERK, Role.VILLAGE_WORKER, Role.RESIDENT}, OPEN_STATES),
    "authorisation": (
        {Role.TOWNSHIP_CLERK, Role.VILLAGE_WORKER},
        (State.SUBMITTED, State.AWAITING_MATERIALS, State.EMERGENCY_GRANTED),
    ),
    "accept": ({Role.TOWNSHIP_CLERK}, (State.SUBMITTED,)),
    "complete_materials": ({Role.TOWNSHIP_CLERK}, (State.AWAITING_MATERIALS,)),
    "verification": ({Role.TOWNSHIP_CLERK, Role.VERIFICATION_CENTRE}, (State.VERIFYING,)),
    "investigation": ({Role.TOWNSHIP_CLERK}, (State.INVESTIGATING,)),
    "appraisal": ({Role.TOWNSHIP_CLERK, Role.VILLAGE_WORKER}, (State.APPRAISING,)),
    "township_review": ({Role.TOWNSHIP_CLERK}, (State.TOWNSHIP_REVIEW, State.PUBLICITY)),
    "objection": ({Role.TOWNSHIP_CLERK, Role.VILLAGE_WORKER}, (State.PUBLICITY,)),
    "resolve_objection": ({Role.TOWNSHIP_CLERK}, (State.PUBLICITY,)),
    "close_publicity": ({Role.TOWNSHIP_CLERK}, (State.PUBLICITY,)),
    "spot_check": ({Role.COUNTY_APPROVER}, (State.COUNTY_REVIEW,)),
    "county_decision": ({Role.COUNTY_APPROVER}, (State.COUNTY_REVIEW,)),
    "withdraw": ({Role.TOWNSHIP_CLERK, Role.RESIDENT}, OPEN_STATES),
    "staff_relative": (
        {Role.TOWNSHIP_CLERK, Role.VILLAGE_WORKER, Role.COUNTY_APPROVER},
        OPEN_STATES,
    ),
    "emergency_grant": ({Role.TOWNSHIP_CLERK}, (State.SUBMITTED,)),
    "emergency_paperwork": ({Role.TOWNSHIP_CLERK}, (State.EMERGENCY_GRANTED,)),
}


def allowed_actions(user, case: Case) -> list[str]:
    """The actions to offer this user on this case now."""
    if not can_see(user, case) or (user.role != Role.RESIDENT and not user.can_write):
        return []
    found = []
    for action, (roles, states) in _ACTIONS.items():
        if user.role not in roles or case.state not in states:
            continue
        if action == "emergency_grant" and not case.is_emergency:
            continue
        # During publicity the township may only refuse, and only on an upheld objection.
        if (
            action == "township_review"
            and case.state == State.PUBLICITY
            and not case.objections.filter(outcome=ObjectionOutcome.UPHELD).exists()
        ):
            continue
        if (
            action == "resolve_objection"
            and not case.objections.filter(resolved_on__isnull=True).exists()
        ):
            continue
        if (
            action == "spot_check"
            and not SpotCheck.objects.filter(case=case, checked_on__isnull=True).exists()
        ):
            continue
        if action == "staff_relative" and case.relative_of_staff:
            continue
        found.append(action)
    return found


def get_case(user, pk: int) -> Case:
    case = cases_for(user).filter(pk=pk).first()
    if case is None:
        raise NotFoundOrOutOfScope()
    return case


def _overdue_objections(today: dt.date):
    return Objection.objects.filter(case=OuterRef("pk"), resolved_on__isnull=True, due_on__lt=today)


def overdue_cases_for(user, *, today: dt.date | None = None) -> QuerySet[Case]:
    """Open cases past the current stage's deadline, or with an objection past its deadline."""
    today = today or clock.today()
    return (
        cases_for(user)
        .filter(state__in=OPEN_STATES)
        .filter(Q(stage_due_on__lt=today) | Exists(_overdue_objections(today)))
        .order_by("stage_due_on", "id")
    )


def due_today_for(user, *, today: dt.date | None = None) -> QuerySet[Case]:
    today = today or clock.today()
    return cases_for(user).filter(state__in=OPEN_STATES, stage_due_on=today).order_by("id")


def search_cases(
    user,
    *,
    state: str = "",
    programme: str = "",
    region_code: str = "",
    query: str = "",
    overdue: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Case]:
    qs = overdue_cases_for(user, today=today) if overdue else cases_for(user)
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state:
        qs = qs.filter(state=state)
    if programme:
        qs = qs.filter(programme=programme)
    if region_code:
        qs = qs.filter(region__path__contains=f"{region_code}/")
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(number__startswith=query)
            | Q(applicant__name__contains=query)
            | Q(household__number=query)
        )
    return qs


def is_overdue(case: Case, *, today: dt.date | None = None) -> bool:
    today = today or clock.today()
    if case.state in CLOSED_STATES:
        return False
    if case.stage_due_on is not None and case.stage_due_on < today:
        return True
    return case.objections.filter(resolved_on__isnull=True, due_on__lt=today).exists()


def refusal(case: Case) -> Decision | None:
    """The refusal with its written reasons, for a refused case."""
    if case.state != State.REFUSED:
        return None
    return case.decisions.filter(outcome=Decision.Outcome.REFUSE).order_by("-id").first()


def approval(case: Case) -> Decision | None:
    if case.state != State.APPROVED:
        return None
    return (
        case.decisions.filter(level=Decision.Level.COUNTY, outcome=Decision.Outcome.APPROVE)
        .order_by("-id")
        .first()
    )


@dataclass
class Stage:
    state: str
    label: str
    status: str  # done, current, todo
    on: dt.date | None = None
    detail: str = ""


def timeline(case: Case) -> list[Stage]:
    """The stages of the procedure with what is done, for the applicant's view."""
    emergency = case.is_emergency and (
        case.state in (State.SUBMITTED, State.EMERGENCY_GRANTED)
        or EmergencyPayment.objects.filter(case=case).exists()
    )
    stages = EMERGENCY_STAGES if emergency else ORDINARY_STAGES
    reached: dict[str, dt.date] = {}
    for event in case.events.all():
        if event.is_transition and event.to_state not in reached:
            reached[event.to_state] = event.on
    # Waiting for materials belongs to acceptance on the timeline.
    current = State.SUBMITTED if case.state == State.AWAITING_MATERIALS else case.state
    result = []
    for state in stages:
        if state == current and case.is_open:
            status = "current"
        elif state in reached or state == State.SUBMITTED:
            status = "done"
        else:
            status = "todo"
        on = case.applied_on if state == State.SUBMITTED else reached.get(state)
        result.append(Stage(state=state, label=State(state).label, status=status, on=on))
    if case.state in (State.REFUSED, State.WITHDRAWN):
        result.append(
            Stage(
                state=case.state, label=case.get_state_display(), status="done", on=case.closed_on
            )
        )
    # After the decision: what other modules did with it (payments: paid, failed, re-issued).
    for entry in case_timeline.followups(case):
        result.append(
            Stage(
                state="followup",
                label=entry["label"],
                status="done",
                on=entry["on"],
                detail=entry.get("detail", ""),
            )
        )
    return result


def publicity_list(
    user, *, region: Region | None = None, on: dt.date | None = None
) -> QuerySet[Case]:
    """Cases in publicity in the user's regions (optionally under one region) on a date."""
    on = on or clock.today()
    qs = (
        cases_for(user)
        .filter(state=State.PUBLICITY, publicity__starts_on__lte=on)
        .select_related("publicity")
    )
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    return qs.order_by("region__code", "number")


def approved_list(
    user, *, region: Region | None = None, date_from: dt.date, date_to: dt.date
) -> QuerySet[Case]:
    """Cases approved by the county between two dates (inclusive), for the published list."""
    approved = Decision.objects.filter(
        case=OuterRef("pk"),
        level=Decision.Level.COUNTY,
        outcome=Decision.Outcome.APPROVE,
        decided_on__gte=date_from,
        decided_on__lte=date_to,
    )
    qs = cases_for(user).filter(state=State.APPROVED).filter(Exists(approved))
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    return qs.order_by("region__code", "number")


def member_count(case: Case) -> int:
    return case.household.memberships.filter(until__isnull=True).count()


WORKBENCH_ROLES = {
    Role.VILLAGE_WORKER,
    Role.TOWNSHIP_CLERK,
    Role.COUNTY_APPROVER,
    Role.VERIFICATION_CENTRE,
    Role.CITY_SECTION,
    Role.LEADER,
}
WIDGET_LIMIT = 10


def overdue_widget_context(user, *, today: dt.date | None = None) -> dict | None:
    """Context for cases/_overdue_widget.html on the workbench; None for roles without case work."""
    if (
        user is None
        or not user.is_authenticated
        or (user.role not in WORKBENCH_ROLES and not user.is_superuser)
    ):
        return None
    today = today or clock.today()
    overdue = overdue_cases_for(user, today=today)
    return {
        "overdue_cases": list(overdue[:WIDGET_LIMIT]),
        "overdue_count": overdue.count(),
        "due_today_count": due_today_for(user, today=today).count(),
        "today": today,
    }


def calendar_widget_context(user, *, today: dt.date | None = None) -> dict | None:
    """Context for cases/_calendar_widget.html: for administrators, the years whose holiday
    arrangement is missing from the working-day calendar; None when nothing is missing."""
    if user is None or not user.is_authenticated:
        return None
    if not (user.is_superuser or user.role == Role.ADMIN):
        return None
    missing = years_without_arrangement(today or clock.today())
    if not missing:
        return None
    return {"years": "、".join(str(year) for year in missing)}

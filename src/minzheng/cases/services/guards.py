"""Checks and helpers shared by every action: who may act on a case, in which state,
on which date; the locked transition that writes the case event and the audit event."""

from __future__ import annotations

import datetime as dt

from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from minzheng.accounts.models import Role, actor_name
from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError

from .. import clock, working_days
from ..models import (
    CLOSED_STATES,
    Authorisation,
    Case,
    CaseEvent,
    Decision,
)
from ..params import DEFAULTS, STAGE_DEADLINES, workflow_param
from ..selectors import can_see

CLERK = {Role.TOWNSHIP_CLERK}
APPROVER = {Role.COUNTY_APPROVER}
VILLAGE = {Role.VILLAGE_WORKER}
VERIFIER = {Role.VERIFICATION_CENTRE, Role.TOWNSHIP_CLERK}


def _guard(user, case: Case, roles: set, *, resident_owner: bool = False) -> None:
    """404 when the case is not visible to the user, 403 when their role may not act."""
    if not can_see(user, case):
        raise NotFoundOrOutOfScope()
    if user.role == Role.RESIDENT and resident_owner:
        return
    if user.role not in roles or not user.can_write:
        raise PermissionDeniedError(
            _("当前账号（%(role)s）无权办理此环节") % {"role": user.get_role_display()}
        )


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("region").get(pk=case.pk)


def _state_conflict(case: Case, action_label: str) -> ServiceError:
    return ServiceError(
        {
            "state": [
                _("申请当前处于“%(state)s”阶段，不能办理“%(action)s”")
                % {"state": case.get_state_display(), "action": action_label}
            ]
        },
        status=409,
    )


def _require_state(case: Case, states, action_label: str) -> None:
    if case.state not in states:
        raise _state_conflict(case, action_label)


def _today() -> dt.date:
    return clock.today()


def _act_date(case: Case | None, on: dt.date | None, field: str = "on") -> dt.date:
    on = on or _today()
    if on > _today():
        # Named as the form labels the field.
        raise ServiceError(
            {
                field: [
                    _("申请日期不能晚于今天")
                    if field == "applied_on"
                    else _("办理日期不能晚于今天")
                ]
            }
        )
    if case is not None and on < case.stage_started_on:
        raise ServiceError(
            {
                field: [
                    _("办理日期不能早于本阶段开始日期 %(d)s")
                    % {"d": case.stage_started_on.isoformat()}
                ]
            }
        )
    return on


def _text(value: str | None, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError({field: [message]})
    return value


def _names(values, field: str) -> list[str]:
    """Distinct non-empty names in the order given."""
    seen: list[str] = []
    for value in values or []:
        name = str(value).strip()
        if name and name not in seen:
            seen.append(name)
    if len(seen) > 20:
        raise ServiceError({field: [_("人数过多")]})
    return seen


def stage_due_date(case: Case, state: str, start: dt.date) -> dt.date | None:
    """The deadline of `state` entered on `start`, in working or calendar days as its rule says."""
    key = STAGE_DEADLINES.get(state)
    if key is None:
        return None
    n = workflow_param(key, case.region, start, programme=case.programme)
    if DEFAULTS[key].unit == "working_days":
        return working_days.add_working_days(start, n)
    return start + dt.timedelta(days=n)


def _event(
    case: Case,
    *,
    user,
    action: str,
    on: dt.date,
    from_state: str,
    note: str = "",
    data: dict | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        action=action,
        from_state=from_state,
        to_state=case.state,
        by=user,
        by_name=actor_name(user),
        on=on,
        note=note,
        data=audit.jsonable(data or {}),
    )


def _transition(
    case: Case,
    method: str,
    action_label: str,
    *,
    user,
    action: str,
    on: dt.date,
    note: str = "",
    data: dict | None = None,
    due: dt.date | None = None,
    due_from_rule: bool = True,
) -> Case:
    """Run one state-machine transition, set the new stage's dates, and write event and audit."""
    bound = getattr(case, method)
    if not can_proceed(bound):
        raise _state_conflict(case, action_label)
    before = case.state
    # Whether the stage being left overran its legal deadline, for the on-time indicator.
    left_due = case.stage_due_on
    data = {
        **(data or {}),
        "left_stage_due_on": left_due,
        "left_stage_late": bool(left_due and on > left_due),
    }
    bound()
    case.stage_started_on = on
    case.stage_due_on = (
        due if due is not None or not due_from_rule else stage_due_date(case, case.state, on)
    )
    if case.state in CLOSED_STATES:
        case.closed_on = on
    case.save()
    _event(case, user=user, action=action, on=on, from_state=before, note=note, data=data)
    audit.record(
        "transition",
        obj=case,
        before={"state": before},
        after={"state": case.state},
        note=note or action_label,
    )
    return case


def _refuse(
    case: Case,
    *,
    level: str,
    stage_label: str,
    action: str,
    note: str,
    reasons: str,
    user,
    on: dt.date,
    data: dict | None = None,
) -> Case:
    """Record a refusal at a level (verification, township, county) with its reasons and close
    the case through the refuse transition."""
    Decision.objects.create(
        case=case,
        level=level,
        outcome=Decision.Outcome.REFUSE,
        reasons=reasons,
        decided_on=on,
        decided_by=user,
    )
    return _transition(
        case,
        "refuse",
        stage_label,
        user=user,
        action=action,
        on=on,
        note=note % {"r": reasons},
        data=(data or {}) | {"reasons": reasons},
    )


def _snapshot(obj) -> dict:
    """audit.snapshot, with stored files reduced to their names."""
    data = {}
    for field in obj._meta.concrete_fields:
        value = field.value_from_object(obj)
        data[field.attname] = value.name if isinstance(value, FieldFile) else value
    return audit.jsonable(data)


def _record(
    case: Case, *, user, action: str, on: dt.date, obj, note: str, data: dict | None = None
) -> None:
    """A record added at the current stage without changing it."""
    _event(case, user=user, action=action, on=on, from_state=case.state, note=note, data=data)
    audit.record(
        "create",
        obj=obj,
        object_repr=f"{case.number} {note}"[:200],
        region_code=case.audit_region_code,
        after=_snapshot(obj),
        note=note,
    )


def _require_authorisation(case: Case) -> None:
    if not Authorisation.objects.filter(case=case).exists():
        raise ServiceError({"authorisation": [_("须先登记申请家庭签署的核对授权书（含扫描件）")]})

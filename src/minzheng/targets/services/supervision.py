"""Supervision cases (open, assign, note, close) and the request to refresh the snapshots."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.regions.models import Region

from .. import permissions
from ..models import (
    Plan,
    SupervisionCase,
    SupervisionNote,
    Target,
)
from .common import _deny, to_date


def _default_title(target: Target, reason: str) -> str:
    return f"{target.region.name} · {target.code} {target.title}"[:200]


# Plain atomic: the snapshot refresh opens cases inside its own transaction.
@transaction.atomic
def open_case(
    *,
    user,
    plan: Plan,
    region: Region,
    reason: str,
    target: Target | None = None,
    title: str = "",
    detail: str = "",
    deadline=None,
    owner=None,
    opened_on: dt.date | None = None,
    automatic: bool = False,
) -> SupervisionCase:
    """挂牌督办: put a unit's lagging target under supervision with a deadline and an owner."""
    if user is not None and not permissions.may_supervise(user, region, plan):
        _deny(_("应由上一级单位挂牌督办"))
    errors: dict[str, list[str]] = {}
    if reason not in SupervisionCase.Reason.values:
        errors["reason"] = [_("督办原因无效")]
    opened_on = opened_on or timezone.localdate()
    deadline = (
        to_date(deadline, "deadline", errors)
        if deadline
        else opened_on + dt.timedelta(days=plan.supervision_days)
    )
    if deadline and deadline < opened_on:
        errors.setdefault("deadline", []).append(_("整改期限不能早于挂牌日期"))
    if owner is not None and not (
        owner.region_id
        and owner.region.path.startswith(region.path)
        or owner.region_id == region.pk
    ):
        errors.setdefault("owner", []).append(_("责任人应为责任单位或其下级的工作人员"))
    title = (title or (_default_title(target, reason) if target else "")).strip()
    if not title:
        errors.setdefault("title", []).append(_("此项为必填项"))
    if target is not None and target.plan_id != plan.pk:
        errors.setdefault("target", []).append(_("目标不属于该计划"))
    if errors:
        raise ServiceError(errors)
    try:
        with transaction.atomic():
            case = SupervisionCase.objects.create(
                plan=plan,
                target=target,
                region=region,
                reason=reason,
                title=title[:200],
                detail=detail.strip(),
                opened_on=opened_on,
                deadline=deadline,
                owner=owner,
                opened_by=user if user is not None else None,
                automatic=automatic,
            )
    except IntegrityError:
        raise ServiceError({"target": [_("该目标已在督办中")]}, status=409) from None
    audit.record_created(case, note=_("挂牌督办"))
    return case


@transaction.atomic(durable=True)
def assign_case_owner(*, user, case: SupervisionCase, owner) -> SupervisionCase:
    if not permissions.may_supervise(user, case.region, case.plan):
        _deny(_("应由上一级单位指定责任人"))
    if not (owner.region_id and owner.region.path.startswith(case.region.path)):
        raise ServiceError({"owner": [_("责任人应为责任单位或其下级的工作人员")]})
    with audit.audited(case):
        case.owner = owner
        case.save(update_fields=["owner"])
    return case


@transaction.atomic(durable=True)
def add_case_note(*, user, case: SupervisionCase, text: str) -> SupervisionNote:
    if case.status != SupervisionCase.Status.OPEN:
        raise ServiceError({"text": [_("督办事项已销号")]})
    if not permissions.may_note_case(user, case):
        _deny(_("当前账号无权填写该督办事项的进展"))
    text = text.strip()
    if not text:
        raise ServiceError({"text": [_("请填写进展情况")]})
    note = SupervisionNote.objects.create(
        case=case, author=user, author_name=user.get_username(), text=text
    )
    audit.record(
        "update",
        obj=case,
        object_repr=str(case),
        before={},
        after={"note": text[:400]},
        note=_("督办进展"),
    )
    return note


@transaction.atomic(durable=True)
def close_case(
    *, user, case: SupervisionCase, note: str, closed_on: dt.date | None = None
) -> SupervisionCase:
    case = (
        SupervisionCase.objects.select_for_update().select_related("region", "plan").get(pk=case.pk)
    )
    if case.status != SupervisionCase.Status.OPEN:
        raise ServiceError({"note": [_("督办事项已销号")]})
    if not permissions.may_supervise(user, case.region, case.plan):
        _deny(_("应由挂牌单位销号"))
    if not note.strip():
        raise ServiceError({"note": [_("销号时请写明整改结果")]})
    with audit.audited(case, "transition", note=_("督办销号")):
        case.status = SupervisionCase.Status.CLOSED
        case.closed_on = closed_on or timezone.localdate()
        case.closed_by = user
        case.closing_note = note.strip()
        case.save()
    return case


def request_refresh(*, user, on_date: dt.date | None = None):
    """Queue the snapshot job (the nightly cron runs the same job through the CLI)."""
    from minzheng.core import jobs

    if not permissions.may_refresh(user):
        _deny(_("当前账号无权刷新指标"))
    params = {"date": on_date.isoformat()} if on_date else {}
    return jobs.enqueue("targets.refresh", params=params, user=user, region=user.region)

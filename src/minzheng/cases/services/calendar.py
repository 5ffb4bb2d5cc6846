"""The national holiday arrangement the working-day deadlines count with."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.accounts.models import Role
from minzheng.core import audit
from minzheng.core.errors import PermissionDeniedError

from ..models import Holiday
from .guards import _text


def _ensure_calendar_admin(user) -> None:
    if (
        user is None
        or not user.is_authenticated
        or not (user.is_superuser or user.role == Role.ADMIN)
    ):
        raise PermissionDeniedError(_("只有系统管理员可以维护节假日安排"))


# Plain atomic blocks: the admin calls both inside the transaction it opens for a change.
@transaction.atomic
def set_holiday(*, user, date: dt.date, is_working_day: bool, name: str) -> Holiday:
    """Enter or correct one day of the national holiday arrangement (a day off or a worked weekend day)."""
    _ensure_calendar_admin(user)
    name = _text(name, "name", _("请填写节日名称"))
    holiday = Holiday.objects.filter(date=date).first() or Holiday(date=date)
    with audit.audited(holiday):  # "create" for a new day
        holiday.is_working_day, holiday.name = is_working_day, name[:32]
        holiday.save()
    return holiday


@transaction.atomic
def remove_holiday(*, user, holiday: Holiday) -> None:
    _ensure_calendar_admin(user)
    before = audit.snapshot(holiday)
    audit.record("delete", obj=holiday, object_repr=str(holiday), before=before)
    holiday.delete()

"""Checks, value parsing and formatting shared by the target services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.errors import PermissionDeniedError

from .. import calculations
from ..models import Comparison, Plan


def _deny(message: str):
    raise PermissionDeniedError(message)


def to_decimal(value, field: str, errors: dict, *, label: str = "") -> Decimal | None:
    if value is None or value == "":
        errors.setdefault(field, []).append(_("%(label)s此项为必填项") % {"label": label})
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(
            _("%(label)s应为数字：%(value)s") % {"label": label, "value": value}
        )
        return None
    if not number.is_finite():
        errors.setdefault(field, []).append(
            _("%(label)s应为数字：%(value)s") % {"label": label, "value": value}
        )
        return None
    return number


def to_date(value, field: str, errors: dict, *, label: str = "") -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(
            _("%(label)s日期格式应为 YYYY-MM-DD：%(value)s") % {"label": label, "value": value}
        )
        return None


def shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def touch_plan(plan_id: int) -> None:
    """Mark a plan's content as changed, so pages cached from its snapshots are rebuilt."""
    Plan.objects.filter(pk=plan_id).update(updated_at=timezone.now())


def _fmt(value: Decimal) -> str:
    return calculations.plain(value)


def laxer_share_problem(parent, name: str, value: Decimal) -> str | None:
    """A share of a rate, a level or a ceiling may not be laxer than its parent target: not below
    a "≥" target, not above a "≤" one, equal to an "=" one. The message names the holder."""
    words = {
        Comparison.GE: (
            value < parent.value,
            _("%(name)s 的目标 %(value)s 低于上级目标 %(target)s"),
        ),
        Comparison.LE: (
            value > parent.value,
            _("%(name)s 的目标 %(value)s 高于上级目标 %(target)s"),
        ),
        Comparison.EQ: (
            value != parent.value,
            _("%(name)s 的目标 %(value)s 不等于上级目标 %(target)s"),
        ),
    }
    laxer, message = words[parent.comparison]
    if not laxer:
        return None
    return message % {"name": name, "value": _fmt(value), "target": _fmt(parent.value)}

"""Checks on free text that every entry point shares (API schemas, forms through the services,
the importer): names without control or direction-override characters, phone numbers that are
phone numbers, text without NUL (PostgreSQL refuses it and spreadsheets cannot hold it), dates
within the range a civil-affairs record can have. Each returns a translated message or None; the
`required_text` and `past_date` of the services raise the field's ServiceError instead."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.errors import ServiceError

# Nobody on a register was born before 1900; nothing is planned beyond 2100. A date outside is
# a typing error (a case dated 1800) or an attack on date arithmetic (0001-01-01 minus a month).
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
INT64_MAX = 2**63 - 1

# Mainland mobile (11 digits from 13…19), landline with area code (0 + 2–3 digits, then 7–8,
# optional extension) or a local 7–8-digit number; "+86"/"86" may precede a mobile number.
_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(?:0\d{2,3})?[2-9]\d{6,7}(?:#\d{1,6}|转\d{1,6})?$")
# Unicode categories a name never contains: controls, format characters (including the bidi
# overrides U+202A–U+202E and U+2066–U+2069 and zero-width characters), surrogates, private use,
# unassigned, line and paragraph separators.
_NAME_FORBIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


_PHONE_NOISE = re.compile(r"[\s\-()（）]")


def phone_error(value: str) -> str | None:
    if not value or _MOBILE.match(value):  # a bare mobile number, the common case
        return None
    compact = _PHONE_NOISE.sub("", value)
    if _MOBILE.match(compact) or _LANDLINE.match(compact):
        return None
    return _("联系电话格式不正确，应为11位手机号码或带区号的固定电话")


def name_error(value: str) -> str | None:
    if not value or value.isprintable():  # the categories below are all unprintable
        return None
    if any(unicodedata.category(ch) in _NAME_FORBIDDEN for ch in value or ""):
        return _("不能包含控制字符或不可见的格式字符")
    return None


def text_error(value: str) -> str | None:
    if "\x00" in (value or ""):
        return _("不能包含空字符")
    return None


def date_error(value: dt.date | None) -> str | None:
    if value is None:
        return None
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        return _("日期超出合理范围（%(a)s 至 %(b)s）") % {
            "a": EARLIEST_DATE.isoformat(),
            "b": LATEST_DATE.isoformat(),
        }
    return None


def required_text(
    value, field: str, message: str, *, max_length: int = 2000, required: bool = True
) -> str:
    """A service's free-text input, stripped: `message` when required and empty, too long refused."""
    value = (value or "").strip()
    if required and not value:
        raise ServiceError({field: [message]})
    if len(value) > max_length:
        raise ServiceError({field: [_("内容过长，最多%(n)s字") % {"n": max_length}]})
    return value


def past_date(value: dt.date | None, field: str, *, not_before: dt.date | None = None) -> dt.date:
    """A service's date of something done (today when not given): not in the future, not before
    `not_before`, within the range of `date_error`."""
    value = value or timezone.localdate()
    message = date_error(value)
    if message:
        raise ServiceError({field: [message]})
    if value > timezone.localdate():
        raise ServiceError({field: [_("日期不能晚于今天")]})
    if not_before and value < not_before:
        raise ServiceError({field: [_("日期不能早于%(d)s") % {"d": not_before.isoformat()}]})
    return value


def gathered_past_date(value, field: str, errors: dict, *, today: dt.date) -> dt.date | None:
    """A required date of something done, for a service that gathers every field's errors before
    refusing: parsed from ISO text, not after `today`, within `date_error`'s range. Returns the
    date, or None with the message added under `field` in `errors`."""
    if value in (None, ""):
        errors.setdefault(field, []).append(_("请填写日期"))
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            errors.setdefault(field, []).append(_("日期格式应为 YYYY-MM-DD"))
            return None
    message = _("日期不能晚于今天") if value > today else date_error(value)
    if message:
        errors.setdefault(field, []).append(message)
        return None
    return value

"""Calculation traces for people: a trace is stored with the Chinese labels and raw values of the
day it was computed (so it stays the record of that computation); these helpers put its labels in
the reader's language and its codes and flags in words, at display time."""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.translation import gettext, pgettext

from .params import BUSINESS_ROLES, FULL_STANDARD_CATEGORIES, INCOME_TYPES, PROGRAMME_BY_CODE
from .rules.common import UPLIFT_LABELS
from .rules.tekun import GRADE_LABELS, SUPPORTER_UNABLE_LABELS

# Labels built with placeholders (rules/*.py): matched back to their message to be translated.
FORMATTED_LABELS = (
    "适用标准：%(label)s",
    "分类施保增发：第%(n)s名成员（%(c)s）",
    "第%(n)s名成员持证残疾且等级符合",
    "第%(n)s名成员无劳动能力",
    "第%(n)s名成员月供养金 = 基本生活标准 + 照料护理标准",
    "第%(n)s名成员自理能力：%(g)s（六项中%(u)s项不能自理）",
    "第%(n)s名成员重度残疾且需长期照护",
    "第%(n)s名成员：转孤儿保障",
    "第%(n)s辆车价值与限额比较",
    "第%(n)s辆车：残疾人功能性补偿代步车，不计",
)
_CODE = re.compile(r"[a-z][a-z0-9_]*(?:,[a-z][a-z0-9_]*)*")


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str]]:
    out = []
    for msgid in FORMATTED_LABELS:
        pattern = re.sub(r"%\\\((\w+)\\\)s", lambda m: f"(?P<{m.group(1)}>.+?)", re.escape(msgid))
        out.append((re.compile(pattern + r"\Z"), msgid))
    return out


def code_labels() -> dict[str, str]:
    labels = {
        **INCOME_TYPES,
        **BUSINESS_ROLES,
        **FULL_STANDARD_CATEGORIES,
        **UPLIFT_LABELS,
        **GRADE_LABELS,
        **SUPPORTER_UNABLE_LABELS,
    }
    labels.update({code: spec.name for code, spec in PROGRAMME_BY_CODE.items()})
    return labels


def code_label(code: str) -> str:
    """A code the rules use (income type, category, programme...) in words; unknown codes as they are."""
    label = code_labels().get(code)
    return gettext(str(label)) if label is not None else code


def trace_label(label: str) -> str:
    translated = gettext(label)
    if translated != label:
        return translated
    for pattern, msgid in _patterns():
        match = pattern.match(label)
        if match:
            return gettext(msgid) % {
                key: gettext(value) for key, value in match.groupdict().items()
            }
    return label


def trace_value(value) -> str:
    """true/false as 是/否, a code or list of codes as their names joined by 、, anything else as is."""
    text = "" if value is None else str(value)
    if text in ("true", "false"):
        return gettext("是") if text == "true" else gettext("否")
    if _CODE.fullmatch(text):
        codes = text.split(",")
        labels = code_labels()
        if all(code in labels for code in codes):
            # The enumeration comma of the reader's language (、 in Chinese, ", " in English).
            return pgettext("list separator", "、").join(code_label(code) for code in codes)
    return text

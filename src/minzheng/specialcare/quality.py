"""The data-quality rules over the special-care roster (plan item 15: ID-card authentication,
information accuracy, data completeness and dynamic management, all 100 %).

A rule names the active records that fail it on a date, as one queryset (set-based); the roster
module registers its own rules here and other modules add theirs from their AppConfig.ready()
(e.g. the benefits' check of the pension band against the disability grade), so the quality page
and targets 15.2–15.5 count every rule without importing its module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise


class Dimension:
    ID = "id"  # 15.2 ID-card authentication
    ACCURACY = "accuracy"  # 15.3 information accuracy
    COMPLETENESS = "completeness"  # 15.4 data completeness
    DYNAMIC = "dynamic"  # 15.5 dynamic management


@dataclass(frozen=True)
class Rule:
    code: str
    dimension: str
    label: str | Promise
    # The active `Recipient` records failing the rule on a date (a queryset of Recipient).
    failing: Callable[[dt.date], QuerySet]


_RULES: dict[str, Rule] = {}


def register(rule: Rule) -> None:
    _RULES.setdefault(rule.code, rule)


def rules(dimension: str | None = None) -> list[Rule]:
    return [r for r in _RULES.values() if dimension is None or r.dimension == dimension]

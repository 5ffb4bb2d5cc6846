"""The leader's weekly digest: what moved in a week, gathered from the modules that know.

A module adds a section in its `apps.py` `ready()`:

    digest.register_section("complaints_due", _("到期信访"), build, order=40)

`build(user, start, end)` returns the `DigestItem`s of the week `start`–`end` (dates, both
included) within what `user` may see — an empty list when there is nothing to say. The digest
(page and PDF) shows the sections in `order`; it imports none of the modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DigestItem:
    text: str  # one line, translated, no internal codes
    url: str = ""  # where the leader goes to act on it ("" when nowhere)
    severity: str = "info"  # "info", "warning" (due soon) or "danger" (overdue, red flag)


@dataclass(frozen=True)
class DigestSection:
    key: str
    title: str
    build: Callable[[object, dt.date, dt.date], list[DigestItem]]
    order: int = 100


_SECTIONS: dict[str, DigestSection] = {}


def register_section(key: str, title, build, *, order: int = 100) -> None:
    """Add (or replace, by key) a section of the weekly digest."""
    _SECTIONS[key] = DigestSection(key=key, title=title, build=build, order=order)


def sections() -> list[DigestSection]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))

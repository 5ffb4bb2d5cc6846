"""Complaints kept by a module itself, shown in the register's overview without a copy.

Some modules keep their own complaint records with a domain workflow of their own (military
appeals, docs/DOMAIN.md §16; complaints about social organisations, §10; booking complaints of
home care). They stay where they are and register a read hook in their `apps.py`:

    from minzheng.complaints import sources
    sources.register("military", _("涉军诉求"), rows, order=10)

`rows(user)` returns the `SourceRow`s the user may see (the module's own scope rule), newest
first, at most `sources.LIMIT`; `counts(user)` (optional) returns {"open": n, "overdue": n}.
The register lists them beside its own complaints; it imports none of the modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

LIMIT = 20


@dataclass(frozen=True)
class SourceRow:
    number: str
    received_on: dt.date
    status: str  # translated
    owner: str  # the office that handles it
    url: str = ""
    overdue: bool = False


@dataclass(frozen=True)
class Source:
    key: str
    label: object
    rows: Callable[[object], list[SourceRow]]
    counts: Callable[[object], dict] | None = None
    order: int = 100


_SOURCES: dict[str, Source] = {}


def register(key: str, label, rows, *, counts=None, order: int = 100) -> None:
    _SOURCES[key] = Source(key=key, label=label, rows=rows, counts=counts, order=order)


def sources() -> list[Source]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))

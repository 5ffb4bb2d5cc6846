"""The record a complaint is about, across modules: one register used by every module.

A module registers each kind of record residents may complain about, in its own `apps.py`:

    from minzheng.complaints import subjects
    subjects.register("eldercare.booking", _("居家养老服务预约"), resolve_booking)

`resolve(user, pk)` returns a `Resolved` (the record's region, a display name, the URL of its
page) when `user` may see the record, else None (missing or outside the user's scope: the
register never reveals which). The register keeps only (kind, id); it imports no module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Resolved:
    region: object  # regions.Region
    name: str
    url: str = ""


@dataclass(frozen=True)
class SubjectKind:
    kind: str
    label: object
    resolve: Callable[[object, int], Resolved | None]


_KINDS: dict[str, SubjectKind] = {}


def register(kind: str, label, resolve: Callable[[object, int], Resolved | None]) -> None:
    """Add (or replace, by kind) a kind of record complaints may be about."""
    _KINDS[kind] = SubjectKind(kind, label, resolve)


def kinds() -> list[SubjectKind]:
    return sorted(_KINDS.values(), key=lambda k: k.kind)


def get(kind: str) -> SubjectKind | None:
    return _KINDS.get(kind)


def resolve(user, kind: str, pk: int | None) -> Resolved | None:
    entry = _KINDS.get(kind or "")
    if entry is None or not pk:
        return None
    return entry.resolve(user, pk)


def label(kind: str) -> str:
    entry = _KINDS.get(kind or "")
    return str(entry.label) if entry else ""


def scoped(get, url_name: str, name_of) -> Callable[[object, int], Resolved | None]:
    """A `resolve` from a module's scoped getter `get(user, pk)` (raising its not-found error
    outside the user's scope), the URL name of the record's page and `name_of(record)`."""
    from django.urls import reverse

    from minzheng.core.errors import NotFoundOrOutOfScope

    def resolve(user, pk: int) -> Resolved | None:
        try:
            record = get(user, pk)
        except (NotFoundOrOutOfScope, PermissionError):
            return None
        return Resolved(
            region=record.region, name=name_of(record), url=reverse(url_name, args=[pk])
        )

    return resolve

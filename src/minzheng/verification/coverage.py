"""How much of what a programme requires a verification run actually compared (pure rules).

A run only speaks for the sources it read. An application passes verification only when every
source its programme requires (`verification.required_sources`) was compared; otherwise the
report says 部分核对 (some required sources were not available) or 无法核对 (none were), and
lists the missing ones, instead of a pass that nobody checked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .sources import SOURCE_CODES

COMPLETE, PARTIAL, NONE = "complete", "partial", "none"


def _position(code: str) -> tuple[int, str]:
    """Sources in the order the report lists them."""
    return (SOURCE_CODES.index(code) if code in SOURCE_CODES else len(SOURCE_CODES), code)


LABELS = {COMPLETE: _("完整核对"), PARTIAL: _("部分核对"), NONE: _("无法核对")}


@dataclass(frozen=True)
class Coverage:
    required: tuple[str, ...]
    compared: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def status(self) -> str:
        if not self.missing:
            return COMPLETE
        return NONE if len(self.missing) == len(self.required) else PARTIAL

    @property
    def label(self) -> str:
        return str(LABELS[self.status])

    @property
    def complete(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict:
        return {
            "required": list(self.required),
            "compared": list(self.compared),
            "missing": list(self.missing),
            "status": self.status,
        }


def assess(*, required: Iterable[str], available: Iterable[str]) -> Coverage:
    """`required`: the programme's required departmental sources; `available`: the sources the
    run read a batch of."""
    required = tuple(sorted(set(required), key=_position))
    available = set(available)
    return Coverage(
        required=required,
        compared=tuple(c for c in required if c in available),
        missing=tuple(c for c in required if c not in available),
    )


def from_record(record: dict | None) -> Coverage | None:
    if not record:
        return None
    return Coverage(
        required=tuple(record.get("required", ())),
        compared=tuple(record.get("compared", ())),
        missing=tuple(record.get("missing", ())),
    )


def for_case(case, run) -> Coverage | None:
    """What `run` compared for `case` against what its programme requires (None: no run). A run
    recorded before coverage was kept is read against the programme's default requirement."""
    if run is None:
        return None
    found = from_record((run.coverage or {}).get("cases", {}).get(str(case.pk)))
    if found is None:
        from .params import _MEANS_TEST_SOURCES, REQUIRED_SOURCES_DEFAULT

        found = assess(
            required=REQUIRED_SOURCES_DEFAULT.get(case.programme, _MEANS_TEST_SOURCES),
            available=(run.batches or {}),
        )
    return found

"""Types shared by the rules: household facts in, a traced result out. No database access here:
the caller resolves the standards in force and passes them in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from minzheng.core.money import fraction_str, yuan_str

from ..params import Unit, spec_for

SELF_CARE_ITEMS = ("eating", "dressing", "bed_transfer", "toileting", "indoor_walking", "bathing")
EXCLUSION_REASONS = ("conscript", "clergy", "prisoner", "compulsory_rehab", "missing")
SUPPORTER_STATUSES = (
    "able",
    "tekun",
    "dibao_elderly",
    "severely_disabled",
    "incapable",
    "missing",
    "imprisoned",
)
CARE_MODES = ("centralised", "dispersed")
TEMPORARY_KINDS = ("emergency", "expenditure")


# --- facts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    relation: str
    age: int
    sex: str = ""
    disability_type: str = ""
    disability_grade: int | None = None
    serious_illness: bool = False
    # Not part of the household for assistance (义务兵, clergy living apart, prisoners, compulsory
    # rehab, missing): neither their income nor their needs are counted.
    excluded_reason: str = ""
    self_care_unable: tuple[str, ...] = ()
    income_fen: Mapping[str, int] = field(default_factory=dict)
    dibao_recipient: bool = False
    tekun_recipient: bool = False
    medical_named: bool = False
    needs_long_term_care: bool = True

    @property
    def covered(self) -> bool:
        return not self.excluded_reason


@dataclass(frozen=True)
class Car:
    value_fen: int
    disability_vehicle: bool = False


@dataclass(frozen=True)
class Property:
    cars: tuple[Car, ...] = ()
    homes: int = 0
    non_residential: int = 0
    business_roles: tuple[str, ...] = ()
    financial_assets_fen: int = 0


@dataclass(frozen=True)
class TemporaryNeed:
    kind: str  # emergency / expenditure
    expenditure_fen: int = 0
    can_bear_fen: int = 0
    items: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class MedicalBill:
    patient: int
    total_fen: int
    in_policy_fen: int
    basic_insurance_fen: int = 0
    critical_illness_fen: int = 0
    other_insurance_fen: int = 0
    already_paid_this_year_fen: int = 0


@dataclass(frozen=True)
class HouseholdFacts:
    members: tuple[Member, ...]
    property: Property = Property()
    hukou_type: str = ""  # urban / rural; decides the 特困 standard
    extreme_hardship: bool = False
    dibao_household: bool = False
    supporters: tuple[str, ...] = ()
    care_mode: str = "dispersed"
    temporary: TemporaryNeed | None = None
    medical: MedicalBill | None = None

    def covered(self) -> list[tuple[int, Member]]:
        return [(i, m) for i, m in enumerate(self.members) if m.covered]


# --- standards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedStandard:
    """The value of one parameter in force for a region on a date, with where it came from."""

    programme: str
    key: str
    unit: str
    value: Any  # fen (int), ratio (Decimal), count (int), flag (bool), set (frozenset); None if unresolvable
    region_code: str
    effective_from: dt.date
    version: int
    standard_id: int | None = None
    derivation: dict | None = None
    set_by: str = ""
    reason: str = ""

    def display(self) -> str:
        return display_value(self.unit, self.value)

    def as_detail(self) -> dict:
        return {
            "programme": self.programme,
            "key": self.key,
            "unit": self.unit,
            "value": self.display(),
            "region": self.region_code,
            "effective_from": self.effective_from.isoformat(),
            "version": self.version,
            "standard_id": self.standard_id,
            "derivation": self.derivation,
        }


def display_value(unit: str, value) -> str:
    if value is None:
        return ""
    if unit in Unit.MONEY:
        return yuan_str(value)
    if unit == Unit.FLAG:
        return "true" if value else "false"
    if unit == Unit.SET:
        return ",".join(sorted(value))
    return str(value)


Standards = Mapping[str, Mapping[str, ResolvedStandard]]


class MissingStandard(Exception):
    def __init__(self, programme: str, key: str):
        self.programme, self.key = programme, key
        super().__init__(f"{programme}.{key}")


# --- results -----------------------------------------------------------------------------------


@dataclass
class Reason:
    code: str
    message: str


@dataclass
class TraceStep:
    step: str
    label: str
    value: str
    detail: dict = field(default_factory=dict)


@dataclass
class MemberResult:
    index: int
    relation: str
    age: int
    covered: bool
    excluded_reason: str = ""
    countable_income_fen: int = 0
    excluded_income_fen: int = 0
    amount_fen: int = 0
    detail: dict = field(default_factory=dict)


@dataclass
class QuoteResult:
    programme: str
    eligible: bool
    reasons: list[Reason]
    monthly_amount_fen: int | None
    one_off_amount_fen: int | None
    members: list[MemberResult]
    trace: list[TraceStep]
    rule_version: str
    extras: dict = field(default_factory=dict)


# --- evaluation context ------------------------------------------------------------------------


class Context:
    """Collects the trace and the refusal reasons while a rule runs, and reads standards
    (recording each one in the trace the first time it is used)."""

    def __init__(self, programme: str, standards: Standards):
        self.programme = programme
        self.standards = standards
        self.trace: list[TraceStep] = []
        self.reasons: list[Reason] = []
        self._seen: set[tuple[str, str]] = set()

    def standard(self, key: str, programme: str | None = None) -> ResolvedStandard:
        programme = programme or self.programme
        resolved = self.standards.get(programme, {}).get(key)
        if resolved is None or resolved.value is None:
            raise MissingStandard(programme, key)
        if (programme, key) not in self._seen:
            self._seen.add((programme, key))
            spec = spec_for(programme, key)
            label = _("适用标准：%(label)s") % {
                "label": spec.label if spec else f"{programme}.{key}"
            }
            self.step("standard", label, resolved.display(), **resolved.as_detail())
        return resolved

    def value(self, key: str, programme: str | None = None):
        return self.standard(key, programme).value

    def step(self, step: str, label: str, value, /, **detail) -> None:
        self.trace.append(TraceStep(step=step, label=label, value=_as_text(value), detail=detail))

    def fail(self, code: str, message: str) -> None:
        self.reasons.append(Reason(code=code, message=message))

    @property
    def failed(self) -> bool:
        return bool(self.reasons)


def _as_text(value) -> str:
    if isinstance(value, Fraction):
        return fraction_str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return "" if value is None else str(value)


def distribute(total_fen: int, count: int) -> list[int]:
    """Split a household amount into `count` per-member shares summing exactly to the total:
    equal shares, the leftover fen going one each to the first members."""
    if count <= 0:
        return []
    share, rest = divmod(total_fen, count)
    return [share + (1 if i < rest else 0) for i in range(count)]

"""Running the assistance rules for an entitlement: from a household's stored facts (the quote
input shape a case keeps) to a result with its trace, the standards it read and the compact basis
bulk recomputation uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from pydantic import ValidationError

from minzheng.assistance import rules
from minzheng.assistance.params import REGISTRY
from minzheng.assistance.quotes import age_on, build_facts
from minzheng.assistance.rules.base import HouseholdFacts, QuoteResult
from minzheng.assistance.schemas import QuoteIn
from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.people.models import Person

from . import calculators


@dataclass
class Evaluation:
    programme: str
    on: dt.date
    facts: dict
    eligible: bool
    amount_fen: int
    rule_version: str = ""
    trace: list = field(default_factory=list)
    standards: list = field(default_factory=list)
    reasons: list = field(default_factory=list)
    basis: dict | None = None
    error: str = ""
    field_errors: dict = field(default_factory=dict)

    @property
    def computed(self) -> bool:
        return not self.error


def current_facts(facts: dict, *, on: dt.date, hukou_type: str = "") -> dict:
    """The stored facts brought up to `on` from the population registry: members linked to a
    person get their age on that date and their sex, and keep the disability the facts record
    (or the registry's when the facts say nothing); members who died on or before `on` are
    dropped. Facts never hold ID numbers (the case replaced them by the person's record)."""
    facts = audit.jsonable(facts or {})
    members = [m for m in facts.get("members") or [] if isinstance(m, dict)]
    ids = [m["person_id"] for m in members if isinstance(m.get("person_id"), int)]
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids)} if ids else {}
    kept = []
    for member in members:
        member = dict(member)
        member.pop("id_number", None)
        person = people.get(member.get("person_id"))
        if person is not None:
            if person.death_date is not None and person.death_date <= on:
                continue
            member["age"] = age_on(person.birth_date, on)
            member["sex"] = person.sex
            if not member.get("disability_grade") and person.disability_grade:
                member["disability_type"] = person.disability_type or None
                member["disability_grade"] = person.disability_grade
        kept.append(member)
    facts["members"] = kept
    if hukou_type and not facts.get("hukou_type"):
        facts["hukou_type"] = hukou_type
    return facts


def household_facts(programme: str, facts: dict, *, region_code: str, on: dt.date) -> HouseholdFacts:
    """Validate stored facts through the quote schema; errors name the field under `facts.`."""
    try:
        payload = QuoteIn(**{**facts, "programme": programme, "region": region_code, "date": on})
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            location = ".".join(str(part) for part in error["loc"])
            errors.setdefault(f"facts.{location}", []).append(error["msg"])
        raise ServiceError(errors) from None
    try:
        return build_facts(payload)
    except ServiceError as exc:
        raise ServiceError({f"facts.{k}": v for k, v in exc.errors.items()}) from None


def standards_used(result: QuoteResult) -> list[dict]:
    return [step.detail for step in result.trace if step.step == "standard"]


def trace_of(result: QuoteResult) -> list[dict]:
    return [{"step": s.step, "label": str(s.label), "value": s.value, "detail": audit.jsonable(s.detail)} for s in result.trace]


def evaluate(programme: str, facts: dict, *, region, on: dt.date, standards: dict) -> Evaluation:
    """Run the programme's rules on `facts` (already brought up to date) with the region's
    standards in force (`standards` = `StandardsTable.for_path(region.path)`). Facts the rules
    cannot read, or a missing standard, give an evaluation with `error` instead of raising."""
    try:
        household = household_facts(programme, facts, region_code=region.code, on=on)
    except ServiceError as exc:
        message = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        return Evaluation(programme, on, facts, False, 0, error=message, field_errors=exc.errors)
    try:
        result = rules.evaluate(programme, household, standards)
    except rules.MissingStandard as missing:
        spec = REGISTRY.get(missing.programme, {}).get(missing.key)
        label = str(spec.label) if spec else f"{missing.programme}.{missing.key}"
        return Evaluation(programme, on, facts, False, 0, error=_("没有生效的救助标准：%(label)s") % {"label": label})
    calculator = calculators.for_programme(programme)
    basis = calculator.basis(result, household) if calculator else None
    return Evaluation(
        programme=programme, on=on, facts=facts, eligible=result.eligible,
        amount_fen=int(result.monthly_amount_fen or 0) if result.eligible else 0, rule_version=result.rule_version,
        trace=trace_of(result), standards=audit.jsonable(standards_used(result)),
        reasons=[{"code": r.code, "message": str(r.message)} for r in result.reasons], basis=basis,
    )

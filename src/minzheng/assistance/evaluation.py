"""Running the rules on a household's stored facts (the quote input shape a case keeps): the
facts brought up to date from the population registry, validated through the quote schema with
Chinese field messages, evaluated with the standards in force, and the trace made readable.

Shared by the application procedure (the amount shown at township review and county approval)
and payments (the entitlement, reviews, recomputation)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from pydantic import ValidationError

from minzheng.api.messages import translate_validation_error
from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.people.models import HouseholdMember, Person

from . import rules
from .params import BUSINESS_ROLES, FULL_STANDARD_CATEGORIES, INCOME_TYPES, REGISTRY, Unit, spec_for
from .quotes import age_on, build_facts
from .rules.base import HouseholdFacts, QuoteResult
from .schemas import QuoteIn


def with_household_members(facts: dict | None, household) -> dict:
    """The facts with every current member of the household listed: members the facts do not
    name (by person) are added with no income, so a household is never assessed, paid or
    reviewed as empty because an interface left its members out."""
    facts = audit.jsonable(facts or {})
    members = [m for m in facts.get("members") or [] if isinstance(m, dict)]
    named = {m.get("person_id") for m in members}
    current = HouseholdMember.objects.filter(household=household, until__isnull=True).order_by("id")
    for membership in current:
        if membership.person_id not in named:
            members.append({"relation": membership.relation, "person_id": membership.person_id})
    facts["members"] = members
    return facts


def members_or_household(facts: dict | None, household) -> dict:
    """Facts as stored when they name members; otherwise the household's current members."""
    if (facts or {}).get("members"):
        return audit.jsonable(facts)
    return with_household_members(facts, household)


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


def household_facts(
    programme: str, facts: dict, *, region_code: str, on: dt.date
) -> HouseholdFacts:
    """Validate stored facts through the quote schema; errors name the field under `facts.` and
    are worded for people (never pydantic's English)."""
    try:
        payload = QuoteIn(**{**facts, "programme": programme, "region": region_code, "date": on})
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for item in translate_validation_error(exc.errors()):
            errors.setdefault(f"facts.{item['field']}", []).append(item["message"])
        if "facts.members" in errors and not facts.get("members"):
            errors["facts.members"] = [_("家庭情况中没有家庭成员")]
        raise ServiceError(errors) from None
    try:
        return build_facts(payload)
    except ServiceError as exc:
        raise ServiceError({f"facts.{k}": v for k, v in exc.errors.items()}) from None


def error_text(errors: dict[str, list[str]]) -> str:
    """Field errors as one readable sentence (for a change log or a page), without field codes."""
    return "；".join(dict.fromkeys(m for messages in errors.values() for m in messages))


def evaluate_facts(programme: str, facts: dict, *, region, on: dt.date, standards: dict):
    """(household facts, result, error, field_errors): the rules' result on the validated facts,
    or a readable error when the facts cannot be read or a standard the rules need is missing."""
    try:
        household = household_facts(programme, facts, region_code=region.code, on=on)
    except ServiceError as exc:
        return None, None, error_text(exc.errors), exc.errors
    try:
        return household, rules.evaluate(programme, household, standards), "", {}
    except rules.MissingStandard as missing:
        spec = REGISTRY.get(missing.programme, {}).get(missing.key)
        label = str(spec.label) if spec else _("救助标准")
        return household, None, _("没有生效的救助标准：%(label)s") % {"label": label}, {}


def assess(
    programme: str, facts: dict, *, region, on: dt.date, standards: dict
) -> tuple[QuoteResult | None, str, dict]:
    """(result, error, field_errors), as `evaluate_facts` without the validated facts."""
    _household, result, error, field_errors = evaluate_facts(
        programme, facts, region=region, on=on, standards=standards
    )
    return result, error, field_errors


# ---------------------------------------------------------------- the trace, readable

_YES_NO = {"true": _("是"), "false": _("否")}


def _codes(value: str, labels: dict) -> str:
    codes = [c for c in str(value).split(",") if c]
    return "、".join(str(labels.get(c, c)) for c in codes) or _("无")


def _grade_labels() -> dict:
    from .rules.tekun import GRADE_LABELS

    return GRADE_LABELS


def trace_value(step: dict) -> str:
    """A trace step's value as a user reads it: yes/no instead of true/false, labels instead of
    codes, units on standards."""
    value, kind, detail = str(step.get("value", "")), step.get("step", ""), step.get("detail") or {}
    if kind == "standard":
        unit = detail.get("unit", "")
        if unit == Unit.FLAG:
            return str(_YES_NO.get(value, value))
        if unit == Unit.SET:
            spec = spec_for(detail.get("programme", ""), detail.get("key", ""))
            return _codes(value, (spec.choices or {}) if spec else {})
        if unit in Unit.LABELS and unit not in (Unit.RATIO, Unit.FLAG, Unit.SET):
            return f"{value} {Unit.LABELS[unit]}"
        return value
    if value in _YES_NO:
        return str(_YES_NO[value])
    if kind == "hukou_type":
        return str({"urban": _("城镇"), "rural": _("农村")}.get(value, value))
    if kind == "self_care":
        return str(_grade_labels().get(value, value))
    if kind == "property.business_roles":
        return _codes(value, BUSINESS_ROLES)
    if kind == "full_standard":
        return str(_YES_NO["true" if value == "true" else "false"])
    return value


def trace_rows(trace: list[dict]) -> list[dict]:
    """Label and value of each step, plus the excluded income types and 按标施保 categories
    spelled out where the rules recorded them as codes."""
    rows = []
    for step in trace or []:
        row = {
            "step": step.get("step", ""),
            "label": str(step.get("label", "")),
            "value": trace_value(step),
            "notes": [],
        }
        detail = step.get("detail") or {}
        if step.get("step") == "income":
            excluded = detail.get("excluded") or {}
            if excluded:
                row["notes"].append(
                    _("不计入：%(items)s")
                    % {
                        "items": "、".join(
                            f"{INCOME_TYPES.get(k, k)} {v}" for k, v in excluded.items()
                        )
                    }
                )
        if step.get("step") == "full_standard" and detail.get("categories"):
            row["notes"].append(
                "、".join(str(FULL_STANDARD_CATEGORIES.get(c, c)) for c in detail["categories"])
            )
        if detail.get("formula") and step.get("step") not in ("standard",):
            row["notes"].append(str(detail["formula"]))
        rows.append(row)
    return rows

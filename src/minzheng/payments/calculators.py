"""Amount formulas for bulk recomputation, per programme.

The rules in `minzheng.assistance.rules` are the reference: they decide eligibility and the amount
with a full trace, at about half a millisecond per household. That is right for one approval or
one review, and far too slow to recompute 100,000 entitlements when a standard changes. So when
an entitlement is computed, the figures its amount depends on are kept in a compact *basis*
(covered members, countable income, financial assets, each member's vulnerable categories or
self-care grade…), and a calculator turns a basis and the standards in force into eligibility and
amount with integer arithmetic only — the same rounding, the same order, no trace.

A calculator covers the parameters listed in `reads`; a change to any other parameter of a
programme the rules depend on (`depends_on`) goes through the full rules instead. The tests hold
every calculator to the rules on generated households.

Other modules register their own programmes (`register(...)`), e.g. the old-age allowance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from minzheng.assistance.rules.base import HouseholdFacts, QuoteResult

Standards = Mapping[str, Mapping[str, object]]

# Refusal reasons whose outcome depends on the standard; every other reason stays as it was.
_STANDARD_DEPENDENT_REASONS = {"income_above_standard", "has_means_of_living", "financial_assets"}


@dataclass(frozen=True)
class Calculator:
    programme: str
    # Programmes whose parameters the rules of `programme` read.
    depends_on: frozenset[str]
    # (programme, key) pairs the formula models; a change to another key needs the full rules.
    reads: frozenset[tuple[str, str]]
    basis: Callable[[QuoteResult, HouseholdFacts], dict | None]
    amount: Callable[[dict, Standards], tuple[bool, int]]


_REGISTRY: dict[str, Calculator] = {}


def register(calculator: Calculator) -> None:
    _REGISTRY[calculator.programme] = calculator


def for_programme(programme: str) -> Calculator | None:
    return _REGISTRY.get(programme)


def programmes_affected_by(programme: str) -> set[str]:
    """Entitlement programmes whose amounts can change when a parameter of `programme` changes."""
    affected = {code for code, calc in _REGISTRY.items() if programme in calc.depends_on}
    affected.add(programme)
    return affected


def modelled(calculator: Calculator | None, programme: str, key: str) -> bool:
    return calculator is not None and (programme, key) in calculator.reads


# --- arithmetic ---------------------------------------------------------------------------------


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers."""
    if numerator < 0:
        return -round_half_up(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def _value(standards: Standards, programme: str, key: str):
    resolved = standards.get(programme, {}).get(key)
    value = getattr(resolved, "value", None)
    if value is None:
        raise LookupError(f"{programme}.{key}")
    return value


def _ratio(value) -> Fraction:
    return Fraction(Decimal(str(value)))


def _blocked(result: QuoteResult) -> list[str]:
    return sorted({r.code for r in result.reasons if r.code not in _STANDARD_DEPENDENT_REASONS})


def _covered_income(result: QuoteResult, facts: HouseholdFacts) -> int:
    return sum(result.members[i].countable_income_fen for i, _member in facts.covered())


# --- 低保 ---------------------------------------------------------------------------------------

_UPLIFT_KEYS = {
    "elderly": "uplift_elderly_ratio",
    "minor": "uplift_minor_ratio",
    "severe_disability": "uplift_severe_disability_ratio",
    "serious_illness": "uplift_serious_illness_ratio",
}


def _dibao_basis(result: QuoteResult, facts: HouseholdFacts) -> dict | None:
    if not result.eligible:
        return None
    covered = facts.covered()
    return {
        "n": len(covered),
        "income": _covered_income(result, facts),
        "assets": facts.property.financial_assets_fen,
        "hardship": facts.extreme_hardship,
        "categories": [list(result.members[i].detail.get("categories", [])) for i, _m in covered],
        "blocked": _blocked(result),
    }


def _dibao_amount(programme: str):
    # The rural standard is yearly: the monthly standard is S / 12, kept exact.
    per = 12 if programme == "dibao_rural" else 1

    def amount(basis: dict, standards: Standards) -> tuple[bool, int]:
        n, income = basis["n"], basis["income"]
        if basis["blocked"] or n == 0:
            return False, 0
        s = _value(standards, programme, "standard")
        months = _value(standards, programme, "financial_assets_months")
        # per-capita income < S/per  ⇔  income·per < S·n;  assets ≤ S/per · months · n
        if income * per >= s * n or basis["assets"] * per > s * months * n:
            return False, 0
        enabled = _value(standards, programme, "full_standard_categories")
        categories = basis["categories"]
        full = ("extreme_hardship" in enabled and basis["hardship"]) or (
            "all_vulnerable" in enabled and all(categories)
        )
        base = round_half_up(s * n if full else s * n - income * per, per)
        uplifts = 0
        ratios: dict[str, Fraction] = {}
        for member_categories in categories:
            best = 0
            for category in member_categories:
                ratio = ratios.get(category)
                if ratio is None:
                    ratio = ratios[category] = _ratio(
                        _value(standards, programme, _UPLIFT_KEYS[category])
                    )
                best = max(best, round_half_up(ratio.numerator * s, ratio.denominator * per))
            uplifts += best
        return True, base + uplifts

    return amount


for _code in ("dibao_urban", "dibao_rural"):
    register(
        Calculator(
            programme=_code,
            depends_on=frozenset({_code}),
            reads=frozenset(
                {
                    (_code, "standard"),
                    (_code, "financial_assets_months"),
                    (_code, "full_standard_categories"),
                    *((_code, key) for key in _UPLIFT_KEYS.values()),
                }
            ),
            basis=_dibao_basis,
            amount=_dibao_amount(_code),
        )
    )


# --- 特困 ---------------------------------------------------------------------------------------

_CARE_KEYS = {"self_care": "care_self_care", "partial": "care_partial", "total": "care_total"}


def _tekun_basis(result: QuoteResult, facts: HouseholdFacts) -> dict | None:
    if not result.eligible:
        return None
    grades = result.extras.get("self_care_grades", {})
    return {
        "n": len(facts.covered()),
        "income": _covered_income(result, facts),
        "assets": facts.property.financial_assets_fen,
        "hukou": facts.hukou_type,
        "grades": [grades[k] for k in sorted(grades, key=int)],
        "blocked": _blocked(result),
    }


def _tekun_amount(basis: dict, standards: Standards) -> tuple[bool, int]:
    urban = basis["hukou"] == "urban"
    dibao = "dibao_urban" if urban else "dibao_rural"
    per = 1 if urban else 12
    n, income = basis["n"], basis["income"]
    if basis["blocked"] or n == 0 or not basis["grades"]:
        return False, 0
    s = _value(standards, dibao, "standard")
    months = _value(standards, dibao, "financial_assets_months")
    if income * per >= s * n or basis["assets"] * per > s * months * n:
        return False, 0
    basic = _value(standards, "tekun", "basic_living_urban" if urban else "basic_living_rural")
    total = 0
    for grade in basis["grades"]:
        care = _value(standards, "tekun", _CARE_KEYS[grade])
        # urban: basic (monthly) + care ÷ 12; rural: (basic + care) ÷ 12, both yearly.
        total += round_half_up(12 * basic + care if urban else basic + care, 12)
    return True, total


register(
    Calculator(
        programme="tekun",
        depends_on=frozenset({"tekun", "dibao_urban", "dibao_rural"}),
        reads=frozenset(
            {
                ("tekun", "basic_living_urban"),
                ("tekun", "basic_living_rural"),
                *(("tekun", k) for k in _CARE_KEYS.values()),
                ("dibao_urban", "standard"),
                ("dibao_rural", "standard"),
                ("dibao_urban", "financial_assets_months"),
                ("dibao_rural", "financial_assets_months"),
            }
        ),
        basis=_tekun_basis,
        amount=_tekun_amount,
    )
)


# --- disability subsidies ---------------------------------------------------------------------


def _living_basis(result: QuoteResult, facts: HouseholdFacts) -> dict | None:
    if not result.eligible:
        return None
    return {
        "dibao_household": facts.dibao_household,
        "grades": [
            m.disability_grade for _i, m in facts.covered() if m.disability_grade is not None
        ],
    }


def _living_amount(basis: dict, standards: Standards) -> tuple[bool, int]:
    if not basis["dibao_household"]:
        return False, 0
    max_grade = _value(standards, "disability_living", "max_grade")
    amount = _value(standards, "disability_living", "amount")
    total = amount * sum(1 for grade in basis["grades"] if grade <= max_grade)
    return total > 0, total


_NURSING_KEYS = {
    1: "amount_grade_1",
    2: "amount_grade_2",
    3: "amount_grade_3_4",
    4: "amount_grade_3_4",
}


def _nursing_basis(result: QuoteResult, facts: HouseholdFacts) -> dict | None:
    if not result.eligible:
        return None
    return {
        "members": [
            [m.disability_grade, m.disability_type, m.needs_long_term_care]
            for _i, m in facts.covered()
            if m.disability_grade is not None
        ]
    }


def _nursing_amount(basis: dict, standards: Standards) -> tuple[bool, int]:
    max_grade = _value(standards, "disability_nursing", "max_grade")
    include_3_4 = _value(standards, "disability_nursing", "include_intellectual_mental_3_4")
    total = 0
    for grade, kind, needs_care in basis["members"]:
        if not needs_care:
            continue
        if grade <= max_grade:
            total += _value(standards, "disability_nursing", _NURSING_KEYS[grade])
        elif include_3_4 and kind in ("intellectual", "mental") and grade in (3, 4):
            total += _value(standards, "disability_nursing", "amount_grade_3_4")
    return total > 0, total


register(
    Calculator(
        programme="disability_living",
        depends_on=frozenset({"disability_living"}),
        reads=frozenset({("disability_living", "amount"), ("disability_living", "max_grade")}),
        basis=_living_basis,
        amount=_living_amount,
    )
)
register(
    Calculator(
        programme="disability_nursing",
        depends_on=frozenset({"disability_nursing"}),
        reads=frozenset(
            {
                ("disability_nursing", k)
                for k in (
                    "max_grade",
                    "amount_grade_1",
                    "amount_grade_2",
                    "include_intellectual_mental_3_4",
                    "amount_grade_3_4",
                )
            }
        ),
        basis=_nursing_basis,
        amount=_nursing_amount,
    )
)

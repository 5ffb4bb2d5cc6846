"""Eligibility and amount rules: pure functions of household facts and the standards in force.

`evaluate(programme, facts, standards)` returns a `QuoteResult` with a trace of every standard
read and every figure computed. Each programme's rule module carries a RULE_VERSION string,
bumped whenever its logic changes, so a stored result says which rules produced it.
"""

from __future__ import annotations

from . import dibao, disability, medical, tekun, temporary
from .base import (
    Car,
    HouseholdFacts,
    MedicalBill,
    Member,
    MissingStandard,
    Property,
    QuoteResult,
    ResolvedStandard,
    Standards,
    TemporaryNeed,
)

RULE_VERSIONS = {
    "dibao_urban": dibao.RULE_VERSION,
    "dibao_rural": dibao.RULE_VERSION,
    "tekun": tekun.RULE_VERSION,
    "temporary": temporary.RULE_VERSION,
    "medical": medical.RULE_VERSION,
    "disability_living": disability.LIVING_RULE_VERSION,
    "disability_nursing": disability.NURSING_RULE_VERSION,
}


def evaluate(programme: str, facts: HouseholdFacts, standards: Standards) -> QuoteResult:
    """Raises MissingStandard when a parameter the rule needs has no value in force."""
    if programme in ("dibao_urban", "dibao_rural"):
        return dibao.evaluate(facts, standards, programme=programme)
    if programme == "tekun":
        return tekun.evaluate(facts, standards)
    if programme == "temporary":
        return temporary.evaluate(facts, standards)
    if programme == "medical":
        return medical.evaluate(facts, standards)
    if programme == "disability_living":
        return disability.evaluate_living(facts, standards)
    if programme == "disability_nursing":
        return disability.evaluate_nursing(facts, standards)
    raise ValueError(programme)


__all__ = [
    "Car",
    "HouseholdFacts",
    "MedicalBill",
    "Member",
    "MissingStandard",
    "Property",
    "QuoteResult",
    "ResolvedStandard",
    "RULE_VERSIONS",
    "Standards",
    "TemporaryNeed",
    "evaluate",
]

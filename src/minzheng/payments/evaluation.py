"""Running the assistance rules for an entitlement: from a household's stored facts (the quote
input shape a case keeps) to a result with its trace, the standards it read and the compact basis
bulk recomputation uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from minzheng.assistance.evaluation import (  # noqa: F401
    current_facts,
    evaluate_facts,
    household_facts,
    members_or_household,
)
from minzheng.assistance.rules.base import QuoteResult
from minzheng.core import audit

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


def standards_used(result: QuoteResult) -> list[dict]:
    return [step.detail for step in result.trace if step.step == "standard"]


def trace_of(result: QuoteResult) -> list[dict]:
    return [
        {
            "step": s.step,
            "label": str(s.label),
            "value": s.value,
            "detail": audit.jsonable(s.detail),
        }
        for s in result.trace
    ]


def evaluate(programme: str, facts: dict, *, region, on: dt.date, standards: dict) -> Evaluation:
    """Run the programme's rules on `facts` (already brought up to date) with the region's
    standards in force (`standards` = `StandardsTable.for_path(region.path)`). Facts the rules
    cannot read, or a missing standard, give an evaluation with a readable `error` instead of
    raising."""
    household, result, error, field_errors = evaluate_facts(
        programme, facts, region=region, on=on, standards=standards
    )
    if result is None:
        return Evaluation(programme, on, facts, False, 0, error=error, field_errors=field_errors)
    calculator = calculators.for_programme(programme)
    basis = calculator.basis(result, household) if calculator else None
    return Evaluation(
        programme=programme,
        on=on,
        facts=facts,
        eligible=result.eligible,
        amount_fen=int(result.monthly_amount_fen or 0) if result.eligible else 0,
        rule_version=result.rule_version,
        trace=trace_of(result),
        standards=audit.jsonable(standards_used(result)),
        reasons=[{"code": r.code, "message": str(r.message)} for r in result.reasons],
        basis=basis,
    )

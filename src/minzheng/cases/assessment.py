"""The amount the rules give an application: computed from the case's facts (always with the
household's current members) and the standards in force for its village on a date, with the
trace a township reviewer and a county approver read before deciding."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from minzheng.assistance.evaluation import assess, current_facts, members_or_household, trace_rows
from minzheng.assistance.params import PROGRAMME_BY_CODE
from minzheng.assistance.selectors import all_standards_in_force

from .models import Case, Programme, State

# Stages at which the reviewer and the approver read the rules' amount.
ASSESSED_STATES = (State.TOWNSHIP_REVIEW, State.PUBLICITY, State.COUNTY_REVIEW)


@dataclass
class Assessment:
    on: dt.date
    eligible: bool
    amount_fen: int | None  # None when the rules could not compute
    reasons: list[str] = field(default_factory=list)
    error: str = ""
    trace: list[dict] = field(default_factory=list)
    rule_version: str = ""

    @property
    def computed(self) -> bool:
        return not self.error

    def as_dict(self) -> dict:
        return {
            "on": self.on,
            "eligible": self.eligible,
            "amount_fen": self.amount_fen,
            "reasons": self.reasons,
            "error": self.error,
            "trace": [
                {"label": r["label"], "value": r["value"], "notes": r["notes"]} for r in self.trace
            ],
            "rule_version": self.rule_version,
        }


def is_monthly(programme: str) -> bool:
    spec = PROGRAMME_BY_CODE.get(programme)
    return spec is not None and spec.kind == "monthly"


def case_facts(case: Case, on: dt.date) -> dict:
    """The facts the rules read for the case on `on`, as the entitlement will: the members the
    application lists (every current member, since `apply` completes them) or else the
    household's, ages on that date, deceased members dropped, the applicant's hukou for 特困."""
    hukou = case.applicant.hukou_type if case.programme == Programme.TEKUN else ""
    return current_facts(members_or_household(case.facts, case.household), on=on, hukou_type=hukou)


def assess_case(case: Case, *, on: dt.date) -> Assessment | None:
    """The rules' monthly amount for a monthly programme (None for one-off programmes)."""
    if not is_monthly(case.programme):
        return None
    result, error, _errors = assess(
        case.programme,
        case_facts(case, on),
        region=case.region,
        on=on,
        standards=all_standards_in_force(case.region, on),
    )
    if result is None:
        return Assessment(on=on, eligible=False, amount_fen=None, error=error)
    trace = [
        {"step": s.step, "label": str(s.label), "value": s.value, "detail": s.detail}
        for s in result.trace
    ]
    return Assessment(
        on=on,
        eligible=result.eligible,
        amount_fen=int(result.monthly_amount_fen or 0) if result.eligible else 0,
        reasons=[str(r.message) for r in result.reasons],
        trace=trace_rows(trace),
        rule_version=result.rule_version,
    )

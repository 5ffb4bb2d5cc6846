"""Workflow parameters: deadlines, ratios and limits of the application procedure.

`workflow_param(key, region, on, programme=...)` reads the value in force for a region on a date
from the assistance standards (key namespace `workflow.*`, looked up under the case's programme,
so a programme may set its own figure), and falls back to the defaults below when no standard is
set. Defaults are the Hubei pattern of docs/DOMAIN.md §3.6
([local]) or a best guess ([assumed]); an administrator overrides any of them per region and
effective date by entering a standard with the same key.

Keys (value type, unit):
  workflow.acceptance_working_days         int, working days  [assumed] 3
  workflow.verification_working_days       int, working days  [assumed] 10
  workflow.investigation_days              int, calendar days [local] 10
  workflow.appraisal_working_days          int, working days  [local] 5
  workflow.township_review_working_days    int, working days  [assumed] 5
  workflow.publicity_days                  int, calendar days [local] 7
  workflow.county_approval_working_days    int, working days  [local] 10
  workflow.objection_working_days          int, working days  [local] 20
  workflow.emergency_paperwork_working_days int, working days [assumed] 5
  workflow.spot_check_ratio                ratio              [local] 0.30
  workflow.appraisal_quorum_ratio          ratio              [local] 2/3 of invitees
  workflow.appraisal_approval_ratio        ratio              [local] 2/3 of attendees
  workflow.min_investigators               int                [local] 2
  workflow.township_delegation_limit_fen   int, fen           [assumed] 100000 (1,000 元): the most a
                                           township may grant as emergency temporary assistance
                                           before county approval
Ratios are exact fractions ("2/3", "0.30"), so 6 of 9 meets two thirds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ObjectDoesNotExist

from minzheng.assistance.selectors import standard_in_force

from .models import State


@dataclass(frozen=True)
class Param:
    default: object
    kind: type  # int or Fraction
    unit: str = ""  # "working_days", "days", "fen" or ""


DEFAULTS: dict[str, Param] = {
    "workflow.acceptance_working_days": Param(3, int, "working_days"),
    "workflow.verification_working_days": Param(10, int, "working_days"),
    "workflow.investigation_days": Param(10, int, "days"),
    "workflow.appraisal_working_days": Param(5, int, "working_days"),
    "workflow.township_review_working_days": Param(5, int, "working_days"),
    "workflow.publicity_days": Param(7, int, "days"),
    "workflow.county_approval_working_days": Param(10, int, "working_days"),
    "workflow.objection_working_days": Param(20, int, "working_days"),
    "workflow.emergency_paperwork_working_days": Param(5, int, "working_days"),
    "workflow.spot_check_ratio": Param(Fraction(3, 10), Fraction),
    "workflow.appraisal_quorum_ratio": Param(Fraction(2, 3), Fraction),
    "workflow.appraisal_approval_ratio": Param(Fraction(2, 3), Fraction),
    "workflow.min_investigators": Param(2, int),
    "workflow.township_delegation_limit_fen": Param(100000, int, "fen"),
}

# The deadline of each stage: which parameter sets it. Stages waiting on the applicant
# (missing materials) and closed cases have none; publicity ends on its own end date.
STAGE_DEADLINES: dict[str, str] = {
    State.SUBMITTED: "workflow.acceptance_working_days",
    State.VERIFYING: "workflow.verification_working_days",
    State.INVESTIGATING: "workflow.investigation_days",
    State.APPRAISING: "workflow.appraisal_working_days",
    State.TOWNSHIP_REVIEW: "workflow.township_review_working_days",
    State.PUBLICITY: "workflow.publicity_days",
    State.COUNTY_REVIEW: "workflow.county_approval_working_days",
    State.EMERGENCY_GRANTED: "workflow.emergency_paperwork_working_days",
}


def _coerce(value, kind: type):
    if kind is Fraction:
        if isinstance(value, Fraction):
            return value
        if isinstance(value, (int, Decimal)):
            return Fraction(value)
        return Fraction(str(value).strip())
    if isinstance(value, Decimal) and value != value.to_integral_value():
        raise ValueError(f"workflow parameter must be a whole number, got {value}")
    return int(value)


def _from_standards(key: str, region, on: dt.date, programme: str | None):
    if not programme:
        return None
    try:
        value = standard_in_force(programme, key, region, on)
    except (LookupError, ObjectDoesNotExist):
        return None
    # A resolver may hand back a standard row or its value.
    return getattr(value, "value", value)


def workflow_param(key: str, region, on: dt.date, programme: str | None = None):
    """The value of workflow parameter `key` in force for `region` on date `on` (for `programme`)."""
    try:
        param = DEFAULTS[key]
    except KeyError:
        raise KeyError(f"unknown workflow parameter {key!r}") from None
    value = _from_standards(key, region, on, programme)
    return _coerce(param.default if value is None else value, param.kind)


def ratio_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"

"""Deadlines of a child-protection case (docs/DOMAIN.md §6.3 [assumed]): first contact within
24 hours of the report, the assessment within 7 days and the help plan within 15 days.

All three run from the moment of the report and in **calendar** time, not working days: the
domain's convention is that "days" are calendar days unless a rule says working days, and §6.3
does not — a child in danger does not wait for a holiday to end. So a report on the eve of the
National Day week is due for assessment inside the holiday, and the escalation step flags it on
the first day after, holiday or not (tests/test_children.py holds this against the loaded
holiday calendar). The figures are defaults an administrator would set per region; they are kept
here beside the rule until the standards registry carries workflow parameters for non-assistance
programmes.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

FIRST_CONTACT_HOURS = 24
ASSESSMENT_DAYS = 7
PLAN_DAYS = 15


def due_dates(reported_at: dt.datetime) -> dict:
    day = timezone.localtime(reported_at).date()
    return {
        "first_contact_due_at": reported_at + dt.timedelta(hours=FIRST_CONTACT_HOURS),
        "assessment_due_on": day + dt.timedelta(days=ASSESSMENT_DAYS),
        "plan_due_on": day + dt.timedelta(days=PLAN_DAYS),
    }


def overdue_stage(case, now: dt.datetime) -> str:
    """The stage whose deadline has passed without its act, or "" (computed on read)."""
    today = timezone.localtime(now).date()
    if case.stage == "reported":
        return "reported" if now > case.first_contact_due_at else ""
    if case.stage == "emergency":
        return "emergency" if today > case.assessment_due_on else ""
    if case.stage == "assessment" and case.plan_on is None:
        return "assessment" if today > case.plan_due_on else ""
    return ""


def within_deadlines(case) -> bool:
    """Whether first contact, assessment and help plan were each made in time (for target 4.2)."""
    return bool(
        case.first_contact_at
        and case.first_contact_at <= case.first_contact_due_at
        and case.assessed_on
        and case.assessed_on <= case.assessment_due_on
        and case.plan_on
        and case.plan_on <= case.plan_due_on
    )

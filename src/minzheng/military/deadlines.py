"""Legal deadlines of a military-related appeal (信访条例 2005; docs/DOMAIN.md §16):

- decide within **15 days** of receipt whether to accept (Art. 22);
- handle and reply within **60 days** of acceptance (Art. 33), extendable **once by 30 days**
  with a reason, the appellant told;
- a request for review within **30 days** of receiving the written reply (Art. 34).

The regulation counts days, not working days, so the deadlines run in **calendar** days; as for
every statutory period in Chinese law, a period whose last day is a public holiday or a weekend
day off ends on the first working day after it (the working-day calendar `cases.working_days`,
incl. adjusted working days 调休). The county's report of an appeal to the city is due within
**3 days** of receipt [assumed: provincial practice for military-related stability information],
with the same holiday rule.
"""

from __future__ import annotations

import datetime as dt

from minzheng.cases.working_days import period_end

ACCEPT_DAYS = 15
HANDLE_DAYS = 60
EXTENSION_DAYS = 30
REVIEW_DAYS = 30
REPORT_DAYS = 3


def accept_due(received_on: dt.date) -> dt.date:
    return period_end(received_on, ACCEPT_DAYS)


def handle_due(accepted_on: dt.date) -> dt.date:
    return period_end(accepted_on, HANDLE_DAYS)


def extended_due(accepted_on: dt.date) -> dt.date:
    return period_end(accepted_on, HANDLE_DAYS + EXTENSION_DAYS)


def review_due(replied_on: dt.date) -> dt.date:
    return period_end(replied_on, REVIEW_DAYS)


def report_due(received_on: dt.date) -> dt.date:
    return period_end(received_on, REPORT_DAYS)


def overdue(appeal, today: dt.date) -> str:
    """What is late on `today`, or "": acceptance, the reply, or the report upward."""
    if appeal.stage == "filed" and today > appeal.accept_due_on:
        return "accept"
    if appeal.stage == "accepted" and appeal.handle_due_on and today > appeal.handle_due_on:
        return "reply"
    if appeal.reported_on is None and today > appeal.report_due_on:
        return "report"
    return ""

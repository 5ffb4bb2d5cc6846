"""Legal deadlines of a complaint or petition (信访条例; docs/DOMAIN.md §16):

- decide within **15 days** of receipt whether to accept;
- handle and reply within **60 days** of acceptance, extendable by up to **30 days** with a
  reason, the complainant told;
- a request for review within **30 days** of the written reply; the review answered within
  **30 days** of the request [assumed].

Calendar days; a period whose last day is a day off (weekend, public holiday on the working-day
calendar, adjusted working days 调休 counting as working) ends on the next working day —
`cases.working_days.period_end`, the rule military appeals use too. A transfer to another office
does not stop or restart any period.
"""

from __future__ import annotations

import datetime as dt

from minzheng.cases.working_days import period_end

ACCEPT_DAYS = 15
HANDLE_DAYS = 60
EXTENSION_DAYS = 30
REVIEW_DAYS = 30
REVIEW_ANSWER_DAYS = 30
DUE_SOON_DAYS = 7


def accept_due(received_on: dt.date) -> dt.date:
    return period_end(received_on, ACCEPT_DAYS)


def handle_due(accepted_on: dt.date, extension_days: int = 0) -> dt.date:
    return period_end(accepted_on, HANDLE_DAYS + extension_days)


def review_due(replied_on: dt.date) -> dt.date:
    return period_end(replied_on, REVIEW_DAYS)


def review_answer_due(requested_on: dt.date) -> dt.date:
    return period_end(requested_on, REVIEW_ANSWER_DAYS)


def current_due(complaint) -> dt.date | None:
    """The deadline the owner works to now: acceptance, the reply, or the review's answer."""
    if complaint.status == "received":
        return complaint.accept_due_on
    if complaint.status in ("accepted", "investigated"):
        return complaint.handle_due_on
    if complaint.status == "review":
        return complaint.review_answer_due_on
    return None


def flag(complaint, today: dt.date) -> str:
    """ "overdue", "due_soon" (within 7 days) or ""."""
    due = current_due(complaint)
    if due is None:
        return ""
    if today > due:
        return "overdue"
    if (due - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return ""

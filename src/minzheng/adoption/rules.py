"""Deadlines and conditions of adoption registration (docs/DOMAIN.md §12.2), as plain functions.

- The registry decides within 30 calendar days counted from the day after it received the
  application (Measures for the registration of adoption, art. 7): due on applied_on + 30.
- For a child whose birth parents cannot be found, a notice seeking them runs 60 days from its
  publication (art. 8): it ends on published_on + 60, and the notice period is not counted in the
  30 days, which then run from the day after it ends: due on notice end + 30.
- The adopter must be at least 30 (Civil Code art. 1098); the child a minor (art. 1093); a single
  adopter of a child of the other sex at least 40 years older (art. 1102).
"""

from __future__ import annotations

import datetime as dt

DECISION_DAYS = 30
NOTICE_DAYS = 60
ADOPTER_MIN_AGE = 30
SINGLE_OPPOSITE_SEX_GAP = 40


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def decision_due(start: dt.date) -> dt.date:
    """The last day of the 30 days counted from the day after `start`."""
    return start + dt.timedelta(days=DECISION_DAYS)


def notice_ends(published_on: dt.date) -> dt.date:
    return published_on + dt.timedelta(days=NOTICE_DAYS)

"""Today's date for the procedure, in the platform's time zone. Deadlines, overdue flags and
the date an act is recorded on all read it here, so tests can set the day a stage happens."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()

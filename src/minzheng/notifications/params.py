"""The dispatcher's parameters. A deployment may set them in Django settings
(NOTIFICATIONS_QUIET_HOURS = ("21:00", "08:00") or None, NOTIFICATIONS_MAX_ATTEMPTS,
NOTIFICATIONS_BACKOFF_MINUTES, NOTIFICATIONS_BATCH)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def quiet_hours() -> tuple[dt.time, dt.time] | None:
    """(start, end) in local time, the end on the next day when it is earlier than the start."""
    value = getattr(settings, "NOTIFICATIONS_QUIET_HOURS", ("21:00", "08:00"))
    if not value:
        return None
    start, end = (dt.time.fromisoformat(v) for v in value)
    return start, end


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 5))


def backoff_minutes() -> int:
    """The first retry waits this long; each further one twice the one before."""
    return int(getattr(settings, "NOTIFICATIONS_BACKOFF_MINUTES", 5))


def batch_size() -> int:
    return int(getattr(settings, "NOTIFICATIONS_BATCH", 500))

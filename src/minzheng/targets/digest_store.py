"""The leader's weekly digest: built from the registered sections (targets.digest) for an account
and a week (Monday to Sunday), shown on the page and printed, and kept once a week per account
(`generate_week`, run by the `weekly_digests` command) so that past weeks read as they were."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import User
from minzheng.core import audit
from minzheng.core.roles import Role, role_of

from . import digest
from .digest_models import Digest

RECIPIENT_ROLES = (Role.LEADER, Role.CITY_SECTION)


def may_read(user) -> bool:
    return role_of(user) in (*RECIPIENT_ROLES, Role.ADMIN)


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


@dataclass
class Built:
    start: dt.date
    end: dt.date
    sections: list[dict]
    generated_at: dt.datetime | None  # None: built now, not (yet) kept
    stored: bool = False

    @property
    def total(self) -> int:
        return sum(len(s["items"]) for s in self.sections)


def build(user, start: dt.date) -> list[dict]:
    start, end = week_of(start)
    return [
        {
            "key": section.key,
            "title": str(section.title),
            "items": [
                {"text": str(i.text), "url": i.url, "severity": i.severity}
                for i in section.build(user, start, end)
            ],
        }
        for section in digest.sections()
    ]


def for_week(user, day: dt.date) -> Built:
    """The kept digest of the week if there is one, else the digest built now."""
    start, end = week_of(day)
    kept = Digest.objects.filter(user=user, week_start=start).first()
    if kept is not None:
        return Built(start, end, kept.sections, kept.generated_at, stored=True)
    return Built(start, end, build(user, start), None)


def recipients():
    return User.objects.filter(is_active=True, role__in=RECIPIENT_ROLES).select_related("region")


@transaction.atomic
def generate_week(day: dt.date, *, users=None) -> int:
    """Keep every recipient's digest of the week of `day`; run again, it replaces them (one
    record per account and week). Returns how many were written."""
    start, _end = week_of(day)
    now = timezone.now()
    written = 0
    for user in users if users is not None else recipients():
        Digest.objects.update_or_create(
            user=user,
            week_start=start,
            defaults={"sections": build(user, start), "generated_at": now},
        )
        written += 1
    audit.record(
        "import",
        object_type="targets.digest",
        object_id=start.isoformat(),
        object_repr=f"{start.isoformat()}",
        after={"week_start": start.isoformat(), "digests": written},
        note=_("生成领导周报"),
    )
    return written


def kept_weeks(user, limit: int = 26) -> list[dt.date]:
    return list(
        Digest.objects.filter(user=user)
        .order_by("-week_start")
        .values_list("week_start", flat=True)[:limit]
    )

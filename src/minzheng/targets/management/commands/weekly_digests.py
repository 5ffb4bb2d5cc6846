"""Keep each leader's and city section's digest of a week: `minzheng weekly_digests` (last week,
the one that ended before today), `--week 2026-11-30` (the week containing that day)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from minzheng.core.context import Actor, acting_as
from minzheng.targets.digest_store import generate_week


class Command(BaseCommand):
    help = "Generate and keep the weekly digest of every leader and city-section account."

    def add_arguments(self, parser):
        parser.add_argument("--week", help="any day of the week (YYYY-MM-DD); default: last week")

    def handle(self, *args, **options):
        if options["week"]:
            try:
                day = dt.date.fromisoformat(options["week"])
            except ValueError:
                raise CommandError("--week must be a date YYYY-MM-DD") from None
        else:
            day = timezone.localdate() - dt.timedelta(days=7)
        with acting_as(Actor(username="system", channel="cli")):
            written = generate_week(day)
        self.stdout.write(f"{written} digests kept for the week of {day.isoformat()}")

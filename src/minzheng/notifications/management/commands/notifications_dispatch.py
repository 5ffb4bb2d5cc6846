"""Queue the notifications' dispatch on the worker (run it every minute from cron or a systemd
timer: `minzheng notifications_dispatch`); `--review-due` queues the daily review reminders;
`--now` sends in this process instead."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from minzheng.core import jobs
from minzheng.core.context import Actor, acting_as
from minzheng.core.models import Job
from minzheng.notifications.jobs import DISPATCH_KIND, REVIEW_DUE_KIND


class Command(BaseCommand):
    help = "Queue the sending of due notifications (and, with --review-due, the review reminders)."

    def add_arguments(self, parser):
        parser.add_argument("--review-due", action="store_true")
        parser.add_argument("--now", action="store_true", help="run in this process")

    def handle(self, *args, **options):
        kind = REVIEW_DUE_KIND if options["review_due"] else DISPATCH_KIND
        with acting_as(Actor(username="system", channel="cli")):
            recent = timezone.now() - dt.timedelta(minutes=10)
            pending = Job.objects.filter(
                kind=kind, status__in=("queued", "running"), created_at__gte=recent
            )
            if pending.exists() and not options["now"]:
                self.stdout.write("already queued")
                return
            row = jobs.enqueue(kind, dispatch_on_commit=not options["now"])
            if options["now"]:
                row = jobs.execute(str(row.pk))
        self.stdout.write(f"{kind}: {row.pk} {row.status}")

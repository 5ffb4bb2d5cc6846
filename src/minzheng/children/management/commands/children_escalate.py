"""Mark child-protection cases past a stage deadline and send them to the county officer
(run it hourly from cron; the pages also compute overdue stages on read)."""

from django.core.management.base import BaseCommand

from minzheng.children.services import escalate_overdue
from minzheng.core.context import Actor, acting_as


class Command(BaseCommand):
    help = "Escalate overdue child-protection cases to the county child-protection officer."

    def handle(self, *args, **options):
        with acting_as(Actor(username="system", channel="cli")):
            result = escalate_overdue()
        self.stdout.write(f"escalated {result['escalated']}, overdue {result['overdue']}")

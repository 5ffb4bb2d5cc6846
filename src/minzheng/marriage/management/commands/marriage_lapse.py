"""Mark divorce applications nobody confirmed within the 30 days after the cooling-off as lapsed
(Civil Code art. 1077: counted as withdrawn). Run it daily from cron; the pages never offer a
lapsed application for confirmation in the meantime."""

from django.core.management.base import BaseCommand

from minzheng.core.context import Actor, acting_as
from minzheng.marriage.services import lapse_overdue


class Command(BaseCommand):
    help = "Mark divorce applications past their confirmation deadline as lapsed."

    def handle(self, *args, **options):
        with acting_as(Actor(username="system", channel="cli")):
            n = lapse_overdue()
        self.stdout.write(f"lapsed {n}")

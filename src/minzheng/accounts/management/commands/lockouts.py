from axes.utils import reset
from django.core.management.base import BaseCommand, CommandError

from minzheng.accounts.lockout import current_lockouts
from minzheng.core import audit
from minzheng.core.context import Actor, acting_as


class Command(BaseCommand):
    help = (
        "Login lockouts after repeated failures: `lockouts list`; "
        "`lockouts lift --username NAME` or `--ip ADDRESS` lifts one before its cool-off ends."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="accounts and client addresses locked now")
        lift = sub.add_parser("lift", help="clear the failures of an account or an address")
        lift.add_argument("--username", default="")
        lift.add_argument("--ip", default="")

    def handle(self, *args, action, **opts):
        if action == "list":
            accounts, addresses = current_lockouts()
            for name, failures, last in accounts:
                self.stdout.write(
                    f"account  {name:24} {failures:4d} failures, last {last:%Y-%m-%d %H:%M:%S}"
                )
            for ip, failures, last in addresses:
                self.stdout.write(
                    f"address  {ip:24} {failures:4d} failures, last {last:%Y-%m-%d %H:%M:%S}"
                )
            if not accounts and not addresses:
                self.stdout.write("no lockouts")
            return
        username, ip = opts["username"].strip(), opts["ip"].strip()
        if not username and not ip:
            raise CommandError("give --username or --ip")
        with acting_as(Actor(username="cli", channel="cli")):
            count = reset(ip=ip or None, username=username or None)
            audit.record(
                "delete",
                object_type="axes.accessattempt",
                object_repr=username or ip,
                note=f"login lockout lifted ({count} attempt records)",
            )
        self.stdout.write(
            self.style.SUCCESS(f"lifted: {count} attempt records cleared for {username or ip}")
        )

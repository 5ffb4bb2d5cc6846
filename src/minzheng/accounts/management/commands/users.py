from django.core.management.base import BaseCommand, CommandError

from minzheng.accounts.models import Role, User
from minzheng.accounts.services import create_account
from minzheng.core.context import Actor, acting_as
from minzheng.core.errors import ServiceError
from minzheng.regions.services import resolve_code


class Command(BaseCommand):
    help = (
        "Manage accounts: `users add USERNAME --role ROLE --region CODE --password PASS`, `users list`, "
        "`users password USERNAME --password PASS`, `users disable USERNAME`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="create an account bound to a region")
        add.add_argument("username")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--region", help="region code of the account's scope (required for staff)")
        add.add_argument("--password", required=True)
        add.add_argument("--name", default="", help="display name")
        sub.add_parser("list", help="list accounts")
        password = sub.add_parser(
            "password", help="set a new password (ends the account's API tokens)"
        )
        password.add_argument("username")
        password.add_argument("--password", required=True)
        disable = sub.add_parser(
            "disable", help="disable an account (ends its API tokens and sessions)"
        )
        disable.add_argument("username")

    def handle(self, *args, action, **opts):
        if action == "list":
            for u in User.objects.select_related("region").order_by("username"):
                region = f"{u.region.code} {u.region.name}" if u.region_id else "-"
                self.stdout.write(
                    f"{u.username:24} {u.role:20} {region}{'  (demo)' if u.is_demo else ''}"
                )
            return
        if action in ("password", "disable"):
            return self._change(action, opts)
        region = None
        if opts["region"]:
            region = resolve_code(opts["region"])
            if region is None:
                raise CommandError(f"unknown region code {opts['region']}")
        with acting_as(Actor(username="cli", channel="cli")):
            try:
                user = create_account(
                    username=opts["username"],
                    password=opts["password"],
                    role=opts["role"],
                    region=region,
                    display_name=opts["name"],
                )
            except ServiceError as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"created {user.username} ({user.role}, {region.name if region else 'all regions'})"
            )
        )

    def _change(self, action, opts):
        from minzheng.accounts.services import disable_account, set_password

        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"no account {opts['username']}")
        with acting_as(Actor(username="cli", channel="cli")):
            try:
                if action == "password":
                    set_password(user=user, password=opts["password"])
                else:
                    disable_account(user=user)
            except ServiceError as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(f"{action}: {user.username} done; its API tokens were revoked")
        )

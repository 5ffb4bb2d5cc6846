"""First run: migrate, load Jingmen, build the synthetic city, create demo accounts, serve."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from minzheng.core.keycheck import require_data_key
from minzheng.demo.data import DEMO_PASSWORD, ensure_demo_data


class Command(BaseCommand):
    help = "Set up demo data (Jingmen regions, a synthetic city, an account for every role) and serve on 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument(
            "--persons", type=int, default=20000, help="synthetic city size (default 20,000)"
        )
        parser.add_argument("--seed", type=int, default=2016)
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-serve", action="store_true", help="set up only, do not start the server"
        )
        parser.add_argument(
            "--reseed",
            action="store_true",
            help="run every set-up step again even if the demo was set up completely today",
        )

    def handle(self, *args, persons, seed, bind, no_serve, reseed, **opts):
        if not settings.DEMO_MODE:
            raise CommandError(
                "`demo` only runs in demo mode (MINZHENG_MODE=demo): it creates well-known logins."
            )
        started = time.monotonic()
        require_data_key()
        call_command("migrate", verbosity=0, interactive=False)
        require_data_key()
        accounts = ensure_demo_data(
            persons=persons,
            seed=seed,
            out_root=Path(settings.VAR_DIR) / "synth",
            log=self.stdout.write,
            reseed=reseed,
        )
        self.stdout.write(self.style.SUCCESS(f"Demo ready in {time.monotonic() - started:.1f} s."))
        self.stdout.write("")
        self.stdout.write(f"  Open http://{bind}/   (API docs: http://{bind}/api/docs)")
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role_label, region_name in accounts:
            self.stdout.write(f"    {username:22} {role_label}  {region_name}")
        self.stdout.write("")
        if not no_serve:
            call_command("serve", bind=bind, no_migrate=True)

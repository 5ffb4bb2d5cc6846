import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from minzheng.core.keycheck import require_data_key


class Command(BaseCommand):
    help = "Serve the platform with gunicorn (threads, so in-process jobs keep running between requests)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("MINZHENG_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("MINZHENG_WORKERS", "2"))
        )
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args, bind, workers, threads, no_migrate, **opts):
        require_data_key()
        if not no_migrate:
            call_command("migrate", verbosity=0, interactive=False)
            require_data_key()
        if not settings.DEBUG:
            call_command("collectstatic", verbosity=0, interactive=False)
        if not settings.BROKER_URL:
            # In-process jobs live in the worker process that started them: one process keeps
            # their progress visible and lets SQLite queue writers instead of racing.
            workers = 1
        argv = [
            "gunicorn",
            "minzheng.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--timeout",
            "120",
            "--access-logfile",
            "-" if settings.DEBUG else os.environ.get("MINZHENG_ACCESS_LOG", "-"),
        ]
        from gunicorn.app.wsgiapp import run

        sys.argv = argv
        run()

"""The `minzheng` command: Django's management commands plus the platform's own
(demo, serve, generate, load, users, audit, backup, restore, worker, jobs, calendar)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["minzheng", *args])


if __name__ == "__main__":
    main()

"""`minzheng load DIR`: load a generated city into the database (idempotent)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minzheng.synth.loader import ManifestMismatch

from .generate import load_into_database


class Command(BaseCommand):
    help = "Load a synthetic city written by `minzheng generate` into the database; loading it again adds nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", type=Path, help="directory holding manifest.json and the Parquet files"
        )

    def handle(self, *args, directory: Path, **opts):
        if not (directory / "manifest.json").is_file():
            raise CommandError(
                _("%(dir)s 中没有 manifest.json（请先生成：minzheng generate --out %(dir)s）")
                % {"dir": directory}
            )
        try:
            load_into_database(self, directory)
        except ManifestMismatch as exc:
            raise CommandError(str(exc)) from exc

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minzheng.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Rebuild an install from a `minzheng backup` archive into an empty database and media folder. "
        "Refuses keys whose fingerprints differ from the archive's; afterwards checks row counts, "
        "checksums and the audit chain against the archive's signed checkpoint."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive, **opts):
        try:
            report = restore_backup(archive, log=lambda message: self.stderr.write(message))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(report.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"restored {len(report.counts)} tables ({rows} rows, counts as in the archive), {report.media_files} media files "
                f"(checksums as in the archive); {report.chain.describe()}"
            )
        )

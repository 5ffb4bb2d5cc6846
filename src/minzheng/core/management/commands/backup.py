from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minzheng.core.backup import BackupError, create_backup, read_manifest


class Command(BaseCommand):
    help = (
        "Write a consistent archive of this install while it runs: the database (SQLite online backup or "
        "pg_dump), the media files, a signed audit checkpoint and a manifest with row counts, checksums and "
        "key fingerprints. The keys themselves are not in it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to", type=Path, help="folder for the archive (default: MINZHENG_BACKUP_DIR)"
        )

    def handle(self, *args, to, **opts):
        try:
            archive = create_backup(to=to, log=lambda message: self.stderr.write(message))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = read_manifest(archive)
        rows = sum(manifest["tables"].values())
        media = sum(1 for name in manifest["files"] if name.startswith("media/"))
        self.stdout.write(
            self.style.SUCCESS(
                f"{archive}: {len(manifest['tables'])} tables, {rows} rows, {media} media files, "
                f"audit head #{manifest['audit']['head_seq']}; data key {manifest['keys']['data_key']}, audit key {manifest['keys']['audit_key']}"
            )
        )

"""Uploads kept by earlier versions (people imports were never deleted, departmental files were
deleted only after a successful import) are encrypted in place, so no pending job loses its file
and no personal data stays in clear under MEDIA_ROOT."""

from pathlib import Path

from django.conf import settings
from django.db import migrations

import minzheng.core.uploads


def encrypt_leftovers(apps, schema_editor):
    media = Path(settings.MEDIA_ROOT)
    for folder in ("imports", "verification/uploads"):
        root = media / folder
        if root.is_dir():
            minzheng.core.uploads.encrypt_existing(p.relative_to(media) for p in root.iterdir() if p.is_file())


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0002_drop_unused_name_indexes"),
    ]

    operations = [
        migrations.RunPython(encrypt_leftovers, migrations.RunPython.noop),
    ]

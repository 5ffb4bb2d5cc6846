"""Backup and restore, tried rather than assumed: a demo-like install is archived while it is being
written to, restored into an empty database and media folder by the real command in a separate
process, and found the same: row counts, media checksums, audit chain and a revealed ID number."""

import hashlib
import json
import os
import tarfile
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from minzheng.accounts.models import User
from minzheng.core import audit
from minzheng.core.backup import read_manifest
from minzheng.core.keys import data_key_fingerprint
from minzheng.people.models import Person
from minzheng.people.services import reveal_id_number, update_person
from tests.fixtures.demo import DEMO_PERSONS

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_DATA_KEY = "a2V5LWZvci10ZXN0cy1vbmx5LTMyLWJ5dGVzLWxvbmc="

# Run inside the restored install: what a user would see there.
PROBE = """
import json, sys, django
django.setup()
from django.db import connection
from minzheng.accounts.models import User
from minzheng.people.models import Person
from minzheng.people.services import reveal_id_number
tables = json.loads(sys.argv[1])
with connection.cursor() as cur:
    counts = {}
    for t in tables:
        cur.execute(f'SELECT count(*) FROM "{t}"')
        counts[t] = cur.fetchone()[0]
person = Person.objects.get(pk=int(sys.argv[2]))
print(json.dumps({"counts": counts, "revealed": reveal_id_number(user=User.objects.get(username="admin"), person=person)}))
"""


def _media_sums(root: Path) -> dict:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_backup_while_writing_then_restore_gives_the_same_install(
    demo_city, tmp_path, settings, empty_installs
):
    settings.MEDIA_ROOT = tmp_path / "media"
    scans = Path(settings.MEDIA_ROOT) / "cases" / "documents"
    scans.mkdir(parents=True)
    (scans / "scan-1.pdf").write_bytes(os.urandom(50_000))
    (scans / "scan-2.jpg").write_bytes(os.urandom(20_000))
    admin = User.objects.get(username="admin")
    person = Person.objects.order_by("pk")[7]
    revealed = reveal_id_number(user=admin, person=person)

    # The platform keeps working while the backup runs.
    stop = threading.Event()
    writes = []

    def keep_writing():
        while not stop.is_set():
            update_person(
                user=admin,
                person=Person.objects.get(pk=person.pk),
                phone=f"1390000{len(writes):04d}",
            )
            writes.append(1)
        connection.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        call_command("backup", to=tmp_path / "backups")
    finally:
        stop.set()
        writer.join()
    [archive] = (tmp_path / "backups").glob("minzheng-backup-*.tar")
    manifest = read_manifest(archive)
    assert writes

    # The manifest describes the snapshot: its audit head verifies against the signed checkpoint
    # and its counts include all data made before the backup started.
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"]["people_person"] == DEMO_PERSONS
    # The checkpoint covers the sealed chain; events the writer committed after the backup's own
    # sealing pass are in the snapshot unsealed, counted apart, and sealed after the restore.
    assert manifest["audit"]["events"] > 0
    assert (
        manifest["tables"]["core_auditevent"]
        == manifest["audit"]["events"] + manifest["audit"]["unsealed"]
    )
    assert set(manifest["files"]) >= {
        "media/cases/documents/scan-1.pdf",
        "media/cases/documents/scan-2.jpg",
        "audit-checkpoint.json",
    }
    assert manifest["keys"] == {
        "data_key": data_key_fingerprint(),
        "audit_key": audit.current_key().key_id,
    }
    # No key and no clear ID number anywhere in the archive.
    blob = archive.read_bytes()
    for secret in (
        django_settings.DATA_KEY,
        django_settings.AUDIT_KEY,
        django_settings.SECRET_KEY,
        revealed,
    ):
        assert secret.encode() not in blob
    with tarfile.open(archive) as tar:
        assert sorted(m.name for m in tar if m.name != "manifest.json") == sorted(manifest["files"])

    # Restore into an empty install, by the command, in another process.
    restored = empty_installs("restored")
    proc = restored.run("restore", str(archive))
    assert proc.returncode == 0, proc.stderr
    assert "restored" in proc.stdout and "matching the checkpoint" in proc.stdout

    proc = restored.python(PROBE, json.dumps(sorted(manifest["tables"])), str(person.pk))
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["counts"] == manifest["tables"]
    assert seen["revealed"] == revealed
    assert _media_sums(restored.var / "media") == {
        name.removeprefix("media/"): entry["sha256"]
        for name, entry in manifest["files"].items()
        if name.startswith("media/")
    }
    assert _media_sums(restored.var / "media") == _media_sums(Path(settings.MEDIA_ROOT))
    proc = restored.run("audit", "verify")
    assert proc.returncode == 0 and "intact" in proc.stdout, proc.stderr
    # The reveal in the restored install was itself audited, on top of the restored chain.
    assert f"{manifest['tables']['core_auditevent'] + 1} events verified" in proc.stdout

    # Restoring over an install that has data is refused.
    proc = restored.run("restore", str(archive))
    assert proc.returncode != 0 and "empty database" in proc.stderr


def test_restore_refuses_another_data_key_and_writes_nothing(
    tmp_path, settings, people, empty_installs
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("backup", to=tmp_path)
    [archive] = tmp_path.glob("minzheng-backup-*.tar")
    target = empty_installs("wrongkey", MINZHENG_DATA_KEY=OTHER_DATA_KEY)
    proc = target.run("restore", str(archive))
    assert proc.returncode != 0
    assert "fingerprint" in proc.stderr and "nothing was restored" in proc.stderr
    proc = target.python(
        "import django; django.setup(); from django.db import connection; print(len(connection.introspection.table_names()))"
    )
    assert proc.stdout.strip() == "0", proc.stderr
    assert not (target.var / "media").exists() or not any((target.var / "media").iterdir())


def test_restore_refuses_a_damaged_archive(tmp_path, settings, people, empty_installs):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "upload.csv").write_text("name,id\n")
    call_command("backup", to=tmp_path)
    [archive] = tmp_path.glob("minzheng-backup-*.tar")
    data = bytearray(archive.read_bytes())
    at = data.index(b"name,id")
    data[at : at + 4] = b"NAME"
    archive.write_bytes(bytes(data))
    target = empty_installs("damaged")
    proc = target.run("restore", str(archive))
    assert proc.returncode != 0 and "checksum mismatch for media/upload.csv" in proc.stderr

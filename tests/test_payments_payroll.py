"""The monthly payroll: set-based and idempotent (re-runs and concurrent runs add nothing),
frozen lines, approval before export, the bank file, bank returns (failures re-queued, never paid
twice), and deaths stopping payment with overpayments flagged across months."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading

import pytest
from django.db import connection

from minzheng.core import crypto
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.payments import payroll, services
from minzheng.payments.models import Overpayment, PayrollLine
from minzheng.people import services as people_services
from tests.fixtures.payments import NOV, entitle, member, run_month, setup_world

D = dt.date.fromisoformat
DEC, JAN = D("2016-12-01"), D("2017-01-01")


@pytest.fixture
def world(payments_world):
    return payments_world


@pytest.fixture
def beneficiaries(payroll_beneficiaries):
    return payroll_beneficiaries


def lines(run):
    return {
        (line.entitlement_id, line.month, line.attempt): line
        for line in PayrollLine.objects.filter(run=run)
    }


def bank_file(rows: list[tuple], header=("流水号", "金额", "结果", "失败原因")) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def export_and_pay(world, run, *, failed: tuple = ()) -> None:
    approver = world["users"]["dongbao_approver"]
    payroll.approve_payroll(user=approver, run=run)
    payroll.export_payroll(user=approver, run=run, fmt="csv")
    rows = [
        (
            line.pk,
            f"{line.amount_fen / 100:.2f}",
            "失败" if line.entitlement_id in failed else "成功",
            "账户已销户" if line.entitlement_id in failed else "",
        )
        for line in PayrollLine.objects.filter(run=run)
    ]
    payroll.import_bank_return(
        user=approver, run=run, file_name="return.csv", content=bank_file(rows)
    )


# ---------------------------------------------------------------- computing


@pytest.mark.django_db
def test_payroll_has_one_frozen_line_per_beneficiary_and_a_rerun_adds_nothing(world, beneficiaries):
    b = beneficiaries
    run = run_month(world, NOV)
    assert run.status == "computed" and run.county == world["regions"]["dongbao"]
    found = lines(run)
    assert {k[0]: v.amount_fen for k, v in found.items()} == {
        b["zhang"].pk: 48000,
        b["sun"].pk: 74900,
        b["zhao"].pk: 15666,
    }
    assert (run.line_count, run.total_fen) == (3, 48000 + 74900 + 15666)
    zhang = found[(b["zhang"].pk, NOV, 1)]
    assert (zhang.payee_name, zhang.bank_name, zhang.account_masked) == (
        "张三",
        "农商银行",
        world["households"]["dongbao"].bank_account_masked,
    )
    assert crypto.decrypt(zhang.account_cipher) == "6217000012345678901"
    assert (
        zhang.amount_change == b["zhang"].changes.get(kind="create") and zhang.status == "pending"
    )
    assert found[(b["sun"].pk, NOV, 1)].payee_name == "孙奶奶"

    # Frozen: later changes to the account or the amount do not touch computed lines.
    people_services.set_bank_account(
        user=world["users"]["admin"],
        household=world["households"]["dongbao"],
        bank_name="建设银行",
        bank_account="6227000000000000001",
    )
    services.change_amount(
        user=world["users"]["dongbao_approver"],
        entitlement=b["zhang"],
        amount_fen=50000,
        from_month=NOV,
        reason="复议",
    )
    result = payroll.compute_payroll(run=run)
    assert (result["added"], result["requeued"], result["lines"]) == (0, 0, 3)
    zhang.refresh_from_db()
    assert (zhang.amount_fen, zhang.bank_name) == (48000, "农商银行")
    assert PayrollLine.objects.count() == 3
    # 钟祥市 is its own run; 东宝区's approver may not run it.
    with pytest.raises(NotFoundOrOutOfScope):
        payroll.create_run(
            user=world["users"]["dongbao_approver"],
            county=world["regions"]["zhongxiang"],
            month=NOV,
        )
    with pytest.raises(NotFoundOrOutOfScope):  # a township sees no county payroll
        payroll.create_run(
            user=world["users"]["dongbao_clerk"], county=world["regions"]["dongbao"], month=NOV
        )
    with pytest.raises(PermissionDeniedError):  # the city's leaders see it, read-only
        payroll.create_run(
            user=world["users"]["leader"], county=world["regions"]["dongbao"], month=NOV
        )
    zx = run_month(world, NOV, county="zhongxiang", user="admin")
    assert [(line.entitlement_id, line.amount_fen) for line in zx.lines.all()] == [
        (b["wang"].pk, 25000)
    ]


@pytest.mark.django_db
def test_who_is_paid_which_month(world, beneficiaries):
    b, clerk = beneficiaries, world["users"]["dongbao_clerk"]
    # Before the start month nobody is owed anything.
    assert run_month(world, D("2016-10-01")).line_count == 0
    services.suspend_entitlement(user=clerk, entitlement=b["sun"], reason="住院，待核实")
    services.terminate_entitlement(
        user=world["users"]["dongbao_approver"],
        entitlement=b["zhao"],
        last_month=NOV,
        reason="迁出本县",
    )
    assert {line.entitlement_id for line in run_month(world, NOV).lines.all()} == {
        b["zhang"].pk,
        b["zhao"].pk,
    }
    # December: 赵大爷 ended in November, 孙奶奶 still suspended.
    assert {line.entitlement_id for line in run_month(world, DEC).lines.all()} == {b["zhang"].pk}
    services.resume_entitlement(user=clerk, entitlement=b["sun"], reason="已出院")
    assert {line.entitlement_id for line in run_month(world, JAN).lines.all()} == {
        b["zhang"].pk,
        b["sun"].pk,
    }


@pytest.mark.django_db
def test_a_later_amount_change_applies_to_its_months_only(world, beneficiaries):
    b = beneficiaries
    services.change_amount(
        user=world["users"]["dongbao_approver"],
        entitlement=b["zhang"],
        amount_fen=50000,
        from_month=DEC,
        reason="复议",
    )
    # November computed after the change still pays November's amount.
    assert lines(run_month(world, NOV))[(b["zhang"].pk, NOV, 1)].amount_fen == 48000
    assert lines(run_month(world, DEC))[(b["zhang"].pk, DEC, 1)].amount_fen == 50000


# ---------------------------------------------------------------- approval, export, returns


@pytest.mark.django_db
def test_approval_comes_before_export_and_export_is_audited(world, beneficiaries):
    u = world["users"]
    run = payroll.create_run(
        user=u["dongbao_approver"], county=world["regions"]["dongbao"], month=NOV
    )
    with pytest.raises(ServiceError) as exc:
        payroll.approve_payroll(user=u["dongbao_approver"], run=run)  # not computed yet
    assert exc.value.status == 409
    payroll.compute_payroll(run=run)
    with pytest.raises(ServiceError) as exc:
        payroll.export_payroll(user=u["dongbao_approver"], run=run, fmt="csv")
    assert exc.value.status == 409 and "审核" in exc.value.errors["status"][0]
    with pytest.raises(NotFoundOrOutOfScope):
        payroll.approve_payroll(user=u["zhongxiang_clerk"], run=run)
    payroll.approve_payroll(user=u["dongbao_approver"], run=run)
    with pytest.raises(ServiceError):  # approved runs are frozen
        payroll.compute_payroll(run=run)
    body, name, content_type = payroll.export_payroll(
        user=u["dongbao_approver"], run=run, fmt="csv"
    )
    assert name == "payroll-420802-2016-11.csv" and content_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == payroll.EXPORT_HEADER and len(rows) == 4
    zhang = next(r for r in rows if r[5] == "张三")
    assert (
        zhang[7] == "6217000012345678901"
        and zhang[8] == "480.00"
        and zhang[3] == "龙泉社区"
        and zhang[10] == "2016-11"
    )
    assert set(PayrollLine.objects.values_list("status", flat=True)) == {"exported"}
    event = AuditEvent.objects.filter(action="export", object_type="payments.payrollrun").get()
    assert (event.after["lines"], event.after["total_fen"], event.region_code) == (
        3,
        138566,
        "420802",
    )
    xlsx, name, _ct = payroll.export_payroll(user=u["dongbao_approver"], run=run, fmt="xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert [c.value for c in sheet[1]] == payroll.EXPORT_HEADER and sheet.max_row == 4
    assert (
        AuditEvent.objects.filter(action="export", object_type="payments.payrollrun").count() == 2
    )


@pytest.mark.django_db
def test_returns_reconcile_failures_are_requeued_and_nothing_is_paid_twice(world, beneficiaries):
    b, approver = beneficiaries, world["users"]["dongbao_approver"]
    nov = run_month(world, NOV)
    payroll.approve_payroll(user=approver, run=nov)
    payroll.export_payroll(user=approver, run=nov, fmt="csv")
    found = lines(nov)
    zhang, sun, zhao = (found[(b[k].pk, NOV, 1)] for k in ("zhang", "sun", "zhao"))
    content = bank_file(
        [
            (zhang.pk, "480.00", "成功", ""),
            (sun.pk, "749.00", "失败", "账户已冻结"),
            (zhao.pk, "999.00", "成功", ""),  # wrong amount: refused, stays exported
            ("99999999", "1.00", "成功", ""),  # not a line of this run
        ]
    )
    ret = payroll.import_bank_return(user=approver, run=nov, file_name="回盘.csv", content=content)
    assert (ret.paid, ret.failed, ret.unchanged, ret.errors, ret.row_count) == (1, 1, 0, 2, 4)
    assert [r["result"] for r in ret.rows] == ["paid", "failed", "error", "error"]
    nov.refresh_from_db()
    assert nov.status == "exported" and (nov.paid_count, nov.failed_count) == (1, 1)
    # The same file again changes nothing.
    assert (
        payroll.import_bank_return(user=approver, run=nov, file_name="回盘.csv", content=content)
        == ret
    )
    ret2 = payroll.import_bank_return(
        user=approver,
        run=nov,
        file_name="回盘2.csv",
        content=bank_file([(zhao.pk, "156.66", "success", ""), (zhang.pk, "480.00", "成功", "")]),
    )
    assert (ret2.paid, ret2.unchanged, ret2.errors) == (1, 1, 0)
    nov.refresh_from_db()
    assert nov.status == "reconciled" and (nov.paid_fen, nov.failed_fen) == (48000 + 15666, 74900)

    # December's run pays 孙奶奶's failed November again (attempt 2, to her corrected account) besides December.
    people_services.set_bank_account(
        user=world["users"]["admin"],
        household=world["households"]["alone"],
        bank_name="邮储银行",
        bank_account="6210000000000000009",
    )
    dec = run_month(world, DEC)
    found = lines(dec)
    retry = found[(b["sun"].pk, NOV, 2)]
    assert (retry.amount_fen, retry.requeued_from_id, retry.bank_name) == (
        74900,
        sun.pk,
        "邮储银行",
    )
    assert len(found) == 4 and dec.total_fen == 48000 + 74900 + 15666 + 74900
    sun.refresh_from_db()
    assert sun.status == "requeued"
    # Computing again does not queue it a third time.
    assert payroll.compute_payroll(run=dec)["requeued"] == 0
    export_and_pay(world, dec)
    retry.refresh_from_db()
    assert retry.status == "paid"
    # A late "success" for the failed first attempt is refused: November is paid once.
    late = payroll.import_bank_return(
        user=approver,
        run=nov,
        file_name="late.csv",
        content=bank_file([(sun.pk, "749.00", "成功", "")]),
    )
    assert late.errors == 1 and "不能再确认" in late.rows[0]["message"]
    assert PayrollLine.objects.filter(entitlement=b["sun"], month=NOV, status="paid").count() == 1
    # And the database refuses two live lines for one month, whatever the code does.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PayrollLine.objects.filter(pk=sun.pk).update(status="paid")


@pytest.mark.django_db
def test_bank_return_file_errors_name_the_file(world, beneficiaries):
    approver = world["users"]["dongbao_approver"]
    run = run_month(world, NOV)
    with pytest.raises(ServiceError) as exc:
        payroll.import_bank_return(user=approver, run=run, file_name="r.csv", content=bank_file([]))
    assert exc.value.status == 409  # not exported yet
    payroll.approve_payroll(user=approver, run=run)
    payroll.export_payroll(user=approver, run=run, fmt="csv")
    with pytest.raises(ServiceError) as exc:
        payroll.import_bank_return(
            user=approver,
            run=run,
            file_name="r.csv",
            content=bank_file([], header=("编号", "金额")),
        )
    assert "流水号" in exc.value.errors["file"][0] and "结果" in exc.value.errors["file"][0]


# ---------------------------------------------------------------- deaths


@pytest.mark.django_db
def test_death_stops_payment_from_the_next_month_and_flags_overpayments(world, beneficiaries):
    b, admin = beneficiaries, world["users"]["admin"]
    export_and_pay(world, run_month(world, NOV))
    dec = run_month(world, DEC)
    payroll.approve_payroll(user=world["users"]["dongbao_approver"], run=dec)
    payroll.export_payroll(user=world["users"]["dongbao_approver"], run=dec, fmt="csv")
    jan = run_month(world, JAN)
    assert jan.line_count == 3
    # The registry learns that 孙奶奶 died on 15 November (after November was paid, December sent).
    people_services.update_person(
        user=admin, person=world["people"]["sun"], death_date=D("2016-11-15")
    )
    # 李梅 (not a beneficiary herself) dies too: 张三's household is flagged for review, not stopped.
    people_services.update_person(
        user=admin, person=world["people"]["li"], death_date=D("2016-12-02")
    )
    result = services.scan_deaths(on=D("2017-01-10"))
    assert result == {"checked": 2, "terminated": 1, "flagged_for_review": 1, "overpayments": 1}
    sun = b["sun"]
    sun.refresh_from_db()
    assert (sun.status, sun.end_month) == ("terminated", NOV)
    overpayment = Overpayment.objects.get()
    assert (
        overpayment.line.month,
        overpayment.amount_fen,
        overpayment.reason,
        overpayment.entitlement,
    ) == (DEC, 74900, "death", sun)
    # January's computed run no longer pays her; November (she was alive) stays paid.
    jan.refresh_from_db()
    assert jan.line_count == 2 and not jan.lines.filter(entitlement=sun).exists()
    assert PayrollLine.objects.get(entitlement=sun, month=NOV).status == "paid"
    zhang = b["zhang"]
    zhang.refresh_from_db()
    assert (
        zhang.status == "active"
        and zhang.next_review_on == D("2017-01-10")
        and "死亡" in zhang.review_reason
    )
    # Scanning again changes nothing.
    assert services.scan_deaths(on=D("2017-01-10")) == {
        "checked": 1,
        "terminated": 0,
        "flagged_for_review": 0,
        "overpayments": 0,
    }
    # If the bank returns the December payment as failed, there is nothing to recover and no retry.
    dec_line = PayrollLine.objects.get(entitlement=sun, month=DEC)
    payroll.import_bank_return(
        user=world["users"]["dongbao_approver"],
        run=dec,
        file_name="r.csv",
        content=bank_file([(dec_line.pk, "749.00", "失败", "户名不符")]),
    )
    assert not Overpayment.objects.exists()
    feb = run_month(world, D("2017-02-01"))
    assert not feb.lines.filter(entitlement=sun).exists()


@pytest.mark.django_db
def test_payroll_leaves_out_a_person_dead_before_the_month_even_before_the_scan(
    world, beneficiaries
):
    people_services.update_person(
        user=world["users"]["admin"], person=world["people"]["sun"], death_date=D("2016-11-30")
    )
    assert run_month(world, NOV).lines.filter(entitlement=beneficiaries["sun"]).exists()
    assert not run_month(world, DEC).lines.filter(entitlement=beneficiaries["sun"]).exists()


# ---------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_three_concurrent_payroll_runs_of_one_month_create_no_duplicates(jingmen, users, people):
    world = setup_world(jingmen, users, people)
    p = world["people"]
    entitle(world, household="dongbao", applicant="zhang", facts={"members": [member(p["zhang"])]})
    entitle(
        world,
        household="alone",
        applicant="sun",
        programme="tekun",
        facts={"members": [member(p["sun"])]},
    )
    entitle(
        world,
        household="rural",
        applicant="zhao",
        programme="dibao_rural",
        facts={"members": [member(p["zhao"])]},
    )
    run = payroll.create_run(
        user=world["users"]["dongbao_approver"], county=world["regions"]["dongbao"], month=NOV
    )
    barrier = threading.Barrier(3)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            # batch_size=1: three batches each, interleaved between the threads.
            results.append(payroll.compute_payroll(run=run, batch_size=1))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sum(r["added"] for r in results) == 3
    assert PayrollLine.objects.count() == 3
    assert PayrollLine.objects.values("entitlement_id", "month").distinct().count() == 3
    run.refresh_from_db()
    assert (run.status, run.line_count) == ("computed", 3)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "accepted"),
    [
        ("480.00", True),
        ("480", True),
        ("480.000", True),
        ("¥480.00", True),
        ("480.001", False),
        ("480.009", False),
        ("479.999", False),
        ("4.8e2", False),
        ("480,00", False),
    ],
)
def test_bank_return_amounts_are_exact_never_truncated(world, beneficiaries, amount, accepted):
    """张三's line is 480.00. A third decimal in the bank's file is an error for that row, not an
    amount to cut down to two decimals until it happens to match."""
    approver = world["users"]["dongbao_approver"]
    run = run_month(world, NOV)
    payroll.approve_payroll(user=approver, run=run)
    payroll.export_payroll(user=approver, run=run, fmt="csv")
    zhang = PayrollLine.objects.get(run=run, entitlement=beneficiaries["zhang"])
    ret = payroll.import_bank_return(
        user=approver,
        run=run,
        file_name="回盘.csv",
        content=bank_file([(zhang.pk, amount, "成功", "")]),
    )
    zhang.refresh_from_db()
    if accepted:
        assert (ret.paid, ret.errors, zhang.status) == (1, 0, "paid")
    else:
        assert (ret.paid, ret.errors, zhang.status) == (0, 1, "exported")
        assert ret.rows[0]["row"] == 2 and "最多两位小数" in ret.rows[0]["message"]

"""Back pay (补发) for months paid before a retroactive change, worked by hand: the next payroll
of the county carries one line per entitlement and month, the difference between the amount now
in force and what was paid; a re-run adds nothing; a reduction becomes an overpayment."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from minzheng.payments import payroll, services
from minzheng.payments.models import Overpayment, PayrollLine
from minzheng.people.models import Person
from tests.fixtures.payments import NOV, run_month

D = dt.date.fromisoformat
DEC, JAN, FEB, MAR = (D(f"{m}-01") for m in ("2016-12", "2017-01", "2017-02", "2017-03"))


@pytest.fixture
def world(payments_world):
    return payments_world


@pytest.fixture
def b(payroll_beneficiaries):
    return payroll_beneficiaries


def bank_file(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("流水号", "金额", "结果", "失败原因"))
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def pay(world, month, *, failed=()) -> object:
    """Compute, approve, export and reconcile 东宝区's run of the month (all paid but `failed`)."""
    run = run_month(world, month)
    approver = world["users"]["dongbao_approver"]
    payroll.approve_payroll(user=approver, run=run)
    body, _name, _type = payroll.export_payroll(user=approver, run=run, fmt="csv")
    exported = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]
    rows = [
        (
            r[0],
            r[8],
            "失败" if int(r[0]) in failed else "成功",
            "销户" if int(r[0]) in failed else "",
        )
        for r in exported
    ]
    payroll.import_bank_return(
        user=approver, run=run, file_name=f"{month}.csv", content=bank_file(rows)
    )
    run.refresh_from_db()
    return run


def change(world, entitlement, amount_fen, from_month, reason="县级复议，追溯调整"):
    services.change_amount(
        user=world["users"]["dongbao_approver"],
        entitlement=entitlement,
        amount_fen=amount_fen,
        from_month=from_month,
        reason=reason,
    )


def back_pay(run, entitlement) -> dict:
    return {
        line.month: line.amount_fen
        for line in PayrollLine.objects.filter(run=run, entitlement=entitlement, kind="back_pay")
    }


def regular(run, entitlement) -> int | None:
    line = PayrollLine.objects.filter(run=run, entitlement=entitlement, kind="regular").first()
    return line.amount_fen if line else None


def reductions(entitlement) -> dict:
    return {
        o.month: o.amount_fen
        for o in Overpayment.objects.filter(entitlement=entitlement, reason="reduction")
    }


# ---------------------------------------------------------------- worked by hand
#
# 张三 receives 480.00 a month from November 2016 (东宝区, urban 低保, per household).


@pytest.mark.django_db
def test_raise_over_three_paid_months(world, b):
    """Paid Nov–Jan at 480.00; in February the amount is raised to 500.00 from November:
    February's run pays 500.00 for February and 3 × 20.00 back pay, one line per month."""
    for month in (NOV, DEC, JAN):
        pay(world, month)
    change(world, b["zhang"], 50000, NOV)
    run = run_month(world, FEB)
    assert regular(run, b["zhang"]) == 50000
    assert back_pay(run, b["zhang"]) == {NOV: 2000, DEC: 2000, JAN: 2000}
    # Nobody else changed: no back pay for them.
    assert set(run.lines.filter(kind="back_pay").values_list("entitlement_id", flat=True)) == {
        b["zhang"].pk
    }
    line = run.lines.get(kind="back_pay", month=NOV)
    assert line.amount_change == b["zhang"].changes.get(kind="change")
    assert (line.payee_name, line.status, line.attempt) == ("张三", "pending", 1)
    # 480.00 + 749.00 + 156.66 regular (with zhang at 500.00) and 60.00 back pay.
    assert (run.line_count, run.total_fen) == (6, 50000 + 74900 + 15666 + 6000)


@pytest.mark.django_db
def test_rerun_killed_run_and_later_runs_never_pay_a_difference_twice(world, b):
    for month in (NOV, DEC, JAN):
        pay(world, month)
    change(world, b["zhang"], 50000, NOV)
    run = run_month(world, FEB)
    again = payroll.compute_payroll(run=run)
    assert (again["added"], again["back_pay"], again["reductions"]) == (0, 0, 0)
    # A run killed after the back pay and started again: the same.
    PayrollLine.objects.filter(run=run, kind="regular").delete()
    assert payroll.compute_payroll(run=run)["back_pay"] == 0
    assert back_pay(run, b["zhang"]) == {NOV: 2000, DEC: 2000, JAN: 2000}
    # February not yet paid: March's run still finds each month settled (pending counts).
    march = run_month(world, MAR)
    assert back_pay(march, b["zhang"]) == {}
    assert PayrollLine.objects.filter(entitlement=b["zhang"], kind="back_pay").count() == 3


@pytest.mark.django_db
def test_two_successive_changes_pay_only_the_new_difference(world, b):
    """500.00 from November (paid as back pay in February), then 530.00 from December: March
    pays 30.00 for December, January and February each (February was paid 500.00)."""
    for month in (NOV, DEC, JAN):
        pay(world, month)
    change(world, b["zhang"], 50000, NOV)
    feb = pay(world, FEB)
    assert back_pay(feb, b["zhang"]) == {NOV: 2000, DEC: 2000, JAN: 2000}
    change(world, b["zhang"], 53000, DEC)
    march = run_month(world, MAR)
    assert regular(march, b["zhang"]) == 53000
    assert back_pay(march, b["zhang"]) == {DEC: 3000, JAN: 3000, FEB: 3000}
    assert payroll.compute_payroll(run=march)["back_pay"] == 0


@pytest.mark.django_db
def test_second_change_before_the_first_back_pay_is_paid(world, b):
    """500.00 from November (back pay pending in February's run), then 520.00 from November
    before February is computed again: the run adds only 20.00 a month under the new period."""
    for month in (NOV, DEC):
        pay(world, month)
    change(world, b["zhang"], 50000, NOV)
    jan = run_month(world, JAN)
    assert back_pay(jan, b["zhang"]) == {NOV: 2000, DEC: 2000}
    change(world, b["zhang"], 52000, NOV)
    payroll.compute_payroll(run=jan)
    amounts = sorted(
        PayrollLine.objects.filter(run=jan, entitlement=b["zhang"], kind="back_pay").values_list(
            "month", "amount_fen"
        )
    )
    assert amounts == [(NOV, 2000), (NOV, 2000), (DEC, 2000), (DEC, 2000)]
    assert regular(jan, b["zhang"]) == 50000  # frozen when computed


@pytest.mark.django_db
def test_a_suspended_month_gets_no_back_pay(world, b):
    """Paid November, suspended through December (no line), resumed and paid January; raised to
    500.00 from November: February pays back pay for November and January only."""
    clerk = world["users"]["dongbao_clerk"]
    pay(world, NOV)
    services.suspend_entitlement(user=clerk, entitlement=b["zhang"], reason="外出务工，待核实")
    pay(world, DEC)
    services.resume_entitlement(user=clerk, entitlement=b["zhang"], reason="核实无误")
    pay(world, JAN)
    assert not PayrollLine.objects.filter(entitlement=b["zhang"], month=DEC).exists()
    change(world, b["zhang"], 50000, NOV)
    assert back_pay(run_month(world, FEB), b["zhang"]) == {NOV: 2000, JAN: 2000}


@pytest.mark.django_db
def test_suspended_at_the_time_of_the_run_waits(world, b):
    clerk = world["users"]["dongbao_clerk"]
    for month in (NOV, DEC):
        pay(world, month)
    change(world, b["zhang"], 50000, NOV)
    services.suspend_entitlement(user=clerk, entitlement=b["zhang"], reason="待核实")
    assert back_pay(run_month(world, JAN), b["zhang"]) == {}
    services.resume_entitlement(user=clerk, entitlement=b["zhang"], reason="核实无误")
    assert back_pay(run_month(world, FEB), b["zhang"]) == {NOV: 2000, DEC: 2000}


@pytest.mark.django_db
def test_a_death_mid_period_stops_back_pay_at_the_month_of_death(world, b):
    """孙奶奶 (特困, 749.00) paid Nov–Jan; raised to 800.00 from November; she died on
    15 December: back pay 51.00 for November and December, none for January (overpaid, 749.00)."""
    for month in (NOV, DEC, JAN):
        pay(world, month)
    change(world, b["sun"], 80000, NOV)
    Person.objects.filter(pk=b["sun"].person_id).update(death_date=D("2016-12-15"))
    services.scan_deaths(on=D("2017-02-01"))
    run = run_month(world, FEB)
    assert regular(run, b["sun"]) is None
    assert back_pay(run, b["sun"]) == {NOV: 5100, DEC: 5100}
    death = Overpayment.objects.get(entitlement=b["sun"], reason="death")
    assert (death.month, death.amount_fen) == (JAN, 74900)


@pytest.mark.django_db
def test_a_retroactive_reduction_is_an_overpayment_not_a_negative_line(world, b):
    """Paid Nov–Jan at 480.00, lowered to 450.00 from December: no back pay, no negative line;
    30.00 overpaid for December and January each, once however often the run is computed."""
    for month in (NOV, DEC, JAN):
        pay(world, month)
    change(world, b["zhang"], 45000, DEC)
    run = run_month(world, FEB)
    assert back_pay(run, b["zhang"]) == {}
    assert not PayrollLine.objects.filter(amount_fen__lt=0).exists()
    assert regular(run, b["zhang"]) == 45000
    assert reductions(b["zhang"]) == {DEC: 3000, JAN: 3000}
    assert payroll.compute_payroll(run=run)["reductions"] == 0
    run_month(world, MAR)
    assert Overpayment.objects.filter(reason="reduction").count() == 2
    # Raised to 470.00 from December: December and January were paid 480.00 with 30.00 found
    # overpaid (so 450.00 settled), February and March 450.00: 20.00 back pay a month, and the
    # 30.00 overpayments stay to be recovered.
    change(world, b["zhang"], 47000, DEC)
    april = run_month(world, D("2017-04-01"))
    assert back_pay(april, b["zhang"]) == {DEC: 2000, JAN: 2000, FEB: 2000, MAR: 2000}


@pytest.mark.django_db
def test_a_failed_payment_is_paid_again_once_not_again_as_a_difference(world, b):
    """December's payment to 张三 failed; raised to 500.00 from November in January: January's
    run re-queues December's 480.00 and adds 20.00 back pay for November and December."""
    pay(world, NOV)
    dec = run_month(world, DEC)
    zhang_dec = dec.lines.get(entitlement=b["zhang"]).pk
    payroll.approve_payroll(user=world["users"]["dongbao_approver"], run=dec)
    payroll.export_payroll(user=world["users"]["dongbao_approver"], run=dec, fmt="csv")
    rows = [
        (line.pk, f"{line.amount_fen / 100:.2f}", "失败" if line.pk == zhang_dec else "成功", "")
        for line in dec.lines.all()
    ]
    payroll.import_bank_return(
        user=world["users"]["dongbao_approver"],
        run=dec,
        file_name="dec.csv",
        content=bank_file(rows),
    )
    change(world, b["zhang"], 50000, NOV)
    jan = run_month(world, JAN)
    requeued = jan.lines.get(entitlement=b["zhang"], month=DEC, kind="regular")
    assert (requeued.attempt, requeued.amount_fen) == (2, 48000)
    assert back_pay(jan, b["zhang"]) == {NOV: 2000, DEC: 2000}


@pytest.mark.django_db
def test_back_pay_goes_to_the_bank_in_the_same_format(world, b):
    for month in (NOV, DEC):
        pay(world, month)
    change(world, b["zhang"], 50000, NOV)
    run = run_month(world, JAN)
    approver = world["users"]["dongbao_approver"]
    payroll.approve_payroll(user=approver, run=run)
    body, _n, _t = payroll.export_payroll(user=approver, run=run, fmt="csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == payroll.EXPORT_HEADER
    zhang = sorted((r[10], r[8]) for r in rows[1:] if r[5] == "张三")
    assert zhang == [("2016-11", "20.00"), ("2016-12", "20.00"), ("2017-01", "500.00")]
    # The bank's return settles back pay lines like any other.
    result = payroll.import_bank_return(
        user=approver,
        run=run,
        file_name="r.csv",
        content=bank_file([(r[0], r[8], "成功", "") for r in rows[1:]]),
    )
    assert (result.paid, result.errors) == (5, 0)
    assert set(run.lines.filter(kind="back_pay").values_list("status", flat=True)) == {"paid"}

"""Recovery of overpayments end to end through the API: a deduction plan applied by the next
payroll (netted into the household's bank row), repayments with receipts, write-off only with a
second person's approval, scope (404 outside the caller's regions), and verification's income
findings proposed for recovery through the payments signal."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest

from minzheng.core.models import AuditEvent
from minzheng.payments import payroll, services
from minzheng.payments.models import Overpayment, PayrollLine
from minzheng.payments.signals import income_found
from minzheng.people.models import Person
from minzheng.verification.services import _announce_income
from tests.fixtures.payments import NOV, run_month

D = dt.date.fromisoformat
API = "/api/v1/assistance/payments"
DEC, JAN, FEB, MAR, APR = (
    D(f"{m}-01") for m in ("2016-12", "2017-01", "2017-02", "2017-03", "2017-04")
)
pytestmark = pytest.mark.django_db


def bank_file(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("流水号", "金额", "结果", "失败原因"))
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def pay(world, month, *, failed_names=()) -> tuple[object, list[list[str]]]:
    """Compute, approve, export and reconcile 东宝区's run; returns the run and the bank rows."""
    run = run_month(world, month)
    approver = world["users"]["dongbao_approver"]
    payroll.approve_payroll(user=approver, run=run)
    body, _n, _t = payroll.export_payroll(user=approver, run=run, fmt="csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]
    payroll.import_bank_return(
        user=approver,
        run=run,
        file_name=f"{month}.csv",
        content=bank_file(
            [(r[0], r[8], "失败" if r[5] in failed_names else "成功", "") for r in rows]
        ),
    )
    run.refresh_from_db()
    return run, rows


@pytest.fixture
def world(payments_world, payroll_beneficiaries):
    """张三 paid Nov–Jan at 480.00, lowered to 450.00 from December (30.00 overpaid for
    December and January); 孙奶奶 died on 15 December (January's 749.00 overpaid)."""
    w = payments_world
    w["b"] = payroll_beneficiaries
    for month in (NOV, DEC, JAN):
        pay(w, month)
    services.change_amount(
        user=w["users"]["dongbao_approver"],
        entitlement=w["b"]["zhang"],
        amount_fen=45000,
        from_month=DEC,
        reason="复核发现收入增加，追溯调整",
    )
    Person.objects.filter(pk=w["b"]["sun"].person_id).update(death_date=D("2016-12-15"))
    services.scan_deaths(on=D("2017-02-01"))
    return w


def op(world, reason, month) -> Overpayment:
    return Overpayment.objects.get(reason=reason, month=month)


def test_deduction_plan_is_applied_by_the_next_payrolls_until_recovered(api_client, world):
    pay(world, FEB)  # finds the reductions: 30.00 for December and January
    dec = op(world, "reduction", DEC)
    assert (dec.amount_fen, dec.status, dec.entitlement_id) == (
        3000,
        "open",
        world["b"]["zhang"].pk,
    )

    api_client.login("dongbao_approver")
    listed = api_client.get(f"{API}/overpayments", reason="reduction").json()
    assert sorted(o["month"] for o in listed["items"]) == ["2016-12", "2017-01"]
    r = api_client.post(f"{API}/overpayments/{dec.pk}/plan", {"method": "deduct"})
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"monthly_amount"}
    r = api_client.post(
        f"{API}/overpayments/{dec.pk}/plan", {"method": "deduct", "monthly_amount": "20.00"}
    )
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["monthly_deduction"]) == ("recovering", "20.00")

    # March: 张三's 450.00 less 20.00 goes to the bank as one row of 430.00; computing the run
    # again adds no second deduction.
    assert payroll.compute_payroll(run=run_month(world, MAR))["deductions"] == 0
    march, rows = pay(world, MAR)
    deduction = march.lines.get(kind="deduction")
    assert (deduction.amount_fen, deduction.status, deduction.recovers_id) == (
        -2000,
        "paid",
        dec.pk,
    )
    assert [r[8] for r in rows if r[5] == "张三"] == ["430.00"]
    assert march.total_fen == 45000 - 2000 + 15666
    detail = api_client.get(f"{API}/overpayments/{dec.pk}").json()
    assert (detail["recovered"], detail["balance"], detail["status"]) == (
        "20.00",
        "10.00",
        "recovering",
    )
    assert [d["amount"] for d in detail["deductions"]] == ["-20.00"]
    assert detail["repayments"][0]["method"] == "deduction"

    # April takes the last 10.00.
    april, rows = pay(world, APR)
    assert april.lines.get(kind="deduction").amount_fen == -1000
    assert [r[8] for r in rows if r[5] == "张三"] == ["440.00"]
    dec.refresh_from_db()
    assert (dec.recovered_fen, dec.status) == (3000, "recovered")
    may, _rows = pay(world, D("2017-05-01"))
    assert not may.lines.filter(kind="deduction").exists()


def test_a_failed_payment_cancels_its_deduction_and_it_is_taken_again(api_client, world):
    pay(world, FEB)
    dec = op(world, "reduction", DEC)
    api_client.login("dongbao_approver")
    api_client.post(
        f"{API}/overpayments/{dec.pk}/plan", {"method": "deduct", "monthly_amount": "20.00"}
    )
    march, _rows = pay(world, MAR, failed_names=("张三",))
    assert march.lines.get(kind="deduction").status == "cancelled"
    dec.refresh_from_db()
    assert dec.recovered_fen == 0
    april, rows = pay(world, APR)
    # The failed 450.00 is paid again in full; April's own payment carries the deduction.
    assert sorted(r[8] for r in rows if r[5] == "张三") == ["430.00", "450.00"]
    dec.refresh_from_db()
    assert dec.recovered_fen == 2000


def test_repayments_with_receipts(api_client, world):
    pay(world, FEB)
    jan = op(world, "reduction", JAN)
    api_client.login("dongbao_clerk")
    url = f"{API}/overpayments/{jan.pk}/repayments"
    r = api_client.post(url, {"amount": "40.00", "paid_on": "2017-02-10", "receipt": "R1"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount"
    r = api_client.post(url, {"amount": "10.00", "paid_on": "2017-02-10", "receipt": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "receipt"
    r = api_client.post(url, {"amount": "10.00", "paid_on": "2017-02-10", "receipt": "NO.0001"})
    assert r.status_code == 201, r.content
    assert (r.json()["status"], r.json()["balance"]) == ("recovering", "20.00")
    r = api_client.post(url, {"amount": "20.00", "paid_on": "2017-02-20", "receipt": "NO.0002"})
    body = r.json()
    assert (body["status"], body["balance"]) == ("recovered", "0.00")
    assert [(x["amount"], x["receipt"]) for x in body["repayments"]] == [
        ("10.00", "NO.0001"),
        ("20.00", "NO.0002"),
    ]
    assert (
        api_client.post(
            url, {"amount": "1.00", "paid_on": "2017-02-20", "receipt": "X"}
        ).status_code
        == 409
    )
    assert (
        AuditEvent.objects.filter(object_type="payments.overpayment", object_id=str(jan.pk)).count()
        >= 2
    )


def test_write_off_needs_a_reason_and_a_second_person_with_the_approving_role(api_client, world):
    death = op(world, "death", JAN)
    assert death.amount_fen == 74900
    url = f"{API}/overpayments/{death.pk}/writeoff"
    api_client.login("dongbao_clerk")
    assert api_client.post(f"{url}/decision", {"approve": True}).status_code in (403, 409)
    r = api_client.post(url, {"reason": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = api_client.post(url, {"reason": "特困人员已死亡，无遗产可供追回"})
    assert r.status_code == 200 and r.json()["writeoff"]["requested_by"] == "dongbao_clerk"
    # The clerk may not approve (not an approving role), even her own request.
    assert api_client.post(f"{url}/decision", {"approve": True}).status_code == 403
    api_client.login("dongbao_approver")
    r = api_client.post(f"{url}/decision", {"approve": True})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["status"], body["writeoff"]["approved_by"]) == ("waived", "dongbao_approver")
    assert api_client.post(url, {"reason": "再次"}).status_code == 409

    # An approver asking may not approve her own request; a refusal needs a reason.
    pay(world, FEB)
    dec = op(world, "reduction", DEC)
    url = f"{API}/overpayments/{dec.pk}/writeoff"
    assert api_client.post(url, {"reason": "金额较小"}).status_code == 200
    assert api_client.post(f"{url}/decision", {"approve": True}).status_code == 403
    api_client.login("admin")
    r = api_client.post(f"{url}/decision", {"approve": False})
    assert r.status_code == 422
    r = api_client.post(f"{url}/decision", {"approve": False, "reason": "可从以后发放中抵扣"})
    assert r.status_code == 200 and r.json()["status"] == "open"
    assert r.json()["writeoff"]["requested_by"] is None


def test_overpayments_are_scoped(api_client, world):
    death = op(world, "death", JAN)
    api_client.login("zhongxiang_clerk")
    assert api_client.get(f"{API}/overpayments").json()["count"] == 0
    assert api_client.get(f"{API}/overpayments/{death.pk}").status_code == 404
    r = api_client.post(f"{API}/overpayments/{death.pk}/writeoff", {"reason": "x"})
    assert r.status_code == 404
    api_client.login("dongbao_approver")
    assert api_client.get(f"{API}/overpayments", township="420802001").json()["count"] == 1
    assert api_client.get(f"{API}/overpayments", township="420881001").json()["count"] == 0
    assert api_client.get(f"{API}/overpayments", status="waived").json()["count"] == 0


def test_income_found_by_verification_becomes_a_recovery_proposal(world):
    """Income of 100.00 a month found for December–January: 张三 was paid 480.00 for each, so
    2 × 100.00 is proposed; the same finding again adds nothing."""
    zhang = world["b"]["zhang"]
    finding = SimpleNamespace(
        pk=77,
        rule="taxed_income",
        household_id=zhang.household_id,
        person_id=world["people"]["zhang"].pk,
        evidence={"total_fen": 20000, "months": 2, "last_period": "2017-01-01"},
        message="纳税收入",
    )
    _announce_income(finding, world["users"]["dongbao_clerk"])
    found = Overpayment.objects.get(reason="verification")
    assert (found.entitlement_id, found.amount_fen, found.month, found.status) == (
        zhang.pk,
        20000,
        DEC,
        "open",
    )
    income_found.send(
        sender=None,
        household_id=zhang.household_id,
        first_month=DEC,
        last_month=JAN,
        monthly_income_fen=10000,
        reference="finding77",
    )
    assert Overpayment.objects.filter(reason="verification").count() == 1
    # Another rule's finding is not income: nothing proposed.
    _announce_income(SimpleNamespace(**{**finding.__dict__, "rule": "vehicle", "pk": 78}), None)
    assert Overpayment.objects.filter(reason="verification").count() == 1
    assert PayrollLine.objects.filter(kind="deduction").count() == 0

"""Back pay on a run page and the recovery screen in headless Chromium: the county approver
reads the run's back pay per household, finds an overpayment by its filters, sets a deduction
plan, records a repayment and asks for a write-off, which a second person approves."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from playwright.sync_api import expect

from minzheng.payments import payroll, services
from minzheng.payments.models import Overpayment
from tests.fixtures.browser import SCREENSHOTS
from tests.fixtures.cases import at_path
from tests.fixtures.payments import NOV, run_month

from .conftest import PASSWORD

D = dt.date.fromisoformat
DEC, JAN, FEB = D("2016-12-01"), D("2017-01-01"), D("2017-02-01")


def _pay(world, month) -> None:
    run = run_month(world, month)
    approver = world["users"]["dongbao_approver"]
    payroll.approve_payroll(user=approver, run=run)
    body, _n, _t = payroll.export_payroll(user=approver, run=run, fmt="csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("流水号", "金额", "结果"))
    writer.writerows((r[0], r[8], "成功") for r in rows)
    payroll.import_bank_return(
        user=approver, run=run, file_name="r.csv", content=out.getvalue().encode("utf-8-sig")
    )


def _sign_in(browser, live_server, username, next_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(at_path(re.escape(next_path)))
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_pay_on_the_run_page_and_recovery_through_the_screen(
    payments_world, payroll_beneficiaries, live_server, browser
):
    world, b = payments_world, payroll_beneficiaries
    approver = world["users"]["dongbao_approver"]
    for month in (NOV, DEC, JAN):
        _pay(world, month)
    services.change_amount(
        user=approver, entitlement=b["zhang"], amount_fen=50000, from_month=NOV, reason="复议"
    )
    services.change_amount(
        user=approver, entitlement=b["sun"], amount_fen=70000, from_month=DEC, reason="复核"
    )
    run = run_month(world, FEB)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page = _sign_in(browser, live_server, "dongbao_approver", f"/payments/payrolls/{run.pk}/")
    summary = page.inner_text("[data-testid=back-pay-summary]")
    assert "补发 3 笔" in summary and "60.00" in summary and "1 户" in summary
    row = page.locator("[data-testid=back-pay-households] tbody tr")
    assert row.count() == 1
    assert "张三" in row.inner_text()
    assert re.search(r"2016-11 · 20\.00.*2016-12 · 20\.00.*2017-01 · 20\.00", row.inner_text())
    assert page.locator("[data-testid=lines] .pill.back_pay").count() == 3
    page.screenshot(path=str(SCREENSHOTS / "payments-run-back-pay.png"), full_page=True)

    # The entitlement's payments show the back pay lines, marked.
    page.click("[data-testid=back-pay-households] a")
    page.wait_for_url(at_path(rf"/payments/{b['zhang'].pk}/"))
    assert page.locator("[data-testid=lines] .pill.back_pay").count() == 3

    # The recovery screen: 孙奶奶's two months lowered by 49.00, found by the filters.
    page.click("nav >> text=多发追回")
    page.wait_for_url(at_path(r"/payments/recovery/"))
    page.select_option("select[name=reason]", "reduction")
    page.select_option("select[name=township]", "420802001")
    page.click("form.filters button[type=submit]")
    # The filtered list is a new page: wait for its rows rather than read the old ones.
    expect(page.locator("[data-testid=overpayments] tbody tr")).to_have_count(2)
    assert "98.00" in page.inner_text("[data-testid=recovery-totals]")
    page.screenshot(path=str(SCREENSHOTS / "payments-recovery-list.png"), full_page=True)
    dec = Overpayment.objects.get(month=DEC, reason="reduction")
    page.goto(f"{live_server.url}/payments/recovery/{dec.pk}/")
    assert page.inner_text("[data-testid=balance]") == "49.00 元"

    page.select_option("#method", "deduct")
    page.fill("#monthly_amount", "100")
    page.click("[data-testid=plan-form] button[type=submit]")
    assert "每月抵扣金额：每月抵扣金额不能超过待追回余额" in page.inner_text("main")
    page.fill("#monthly_amount", "20")
    page.click("[data-testid=plan-form] button[type=submit]")
    assert page.inner_text("[data-testid=status]") == "追回中"

    page.fill("#amount", "9.00")
    page.fill("#receipt", "HB-0001")
    page.click("[data-testid=repay-form] button[type=submit]")
    assert page.inner_text("[data-testid=recovered]") == "9.00 元"
    assert "HB-0001" in page.inner_text("[data-testid=repayments]")

    page.fill("#wo_reason", "户主年迈，无力退回")
    page.click("[data-testid=writeoff-form] button[type=submit]")
    assert "已申请核销" in page.inner_text("main")
    # The one who asked cannot approve: no decision form for her.
    assert page.locator("[data-testid=writeoff-decision]").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "payments-recovery-detail.png"), full_page=True)

    second = _sign_in(browser, live_server, "admin", f"/payments/recovery/{dec.pk}/")
    second.click("[data-testid=writeoff-decision] button[value=approve]")
    assert second.inner_text("[data-testid=status]") == "已核销"
    assert second.locator("[data-testid=plan-form]").count() == 0
    second.screenshot(path=str(SCREENSHOTS / "payments-recovery-written-off.png"), full_page=True)

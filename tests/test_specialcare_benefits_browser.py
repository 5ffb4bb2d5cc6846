"""The county approver confirms a special-care pension in headless Chromium on the demo city: the
workbench card lists the recipients due one, the benefits page confirms one (paid from next month),
the pension shows in force and among the payroll's entitlements; last month's payroll of the
county already pays the pensions the demo confirmed two months back."""

from __future__ import annotations

import pytest

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"specialcare-benefits-{name}.png"), full_page=True)


def test_county_approver_confirms_a_pension_and_sees_it_paid(demo_city, live_server, browser):
    from playwright.sync_api import expect

    from minzheng.payments.models import PayrollLine

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "dongbao_approver")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    card = page.get_by_test_id("specialcare-benefits-widget")
    expect(card).to_contain_text("待确认的优抚定期抚恤补助")
    _shot(page, "workbench")
    card.get_by_role("link", name="去确认").click()
    expect(page.locator("h1")).to_have_text("优抚待遇")
    row = page.locator("tbody tr").first
    name = row.locator("td").first.inner_text()
    row.get_by_role("button", name="确认发放").click()
    expect(page.locator(".messages")).to_contain_text("已确认，定期抚恤补助自")
    _shot(page, "confirmed")
    page.goto(f"{live_server.url}/specialcare/benefits/?tab=pensions")
    expect(page.locator("main")).to_contain_text("在享定期抚恤补助")
    page.goto(f"{live_server.url}/payments/?programme=special_care_pension&q={name}")
    expect(page.locator("main")).to_contain_text(name)
    _shot(page, "entitlements")
    # Last month's payroll of the county pays the pensions the demo confirmed.
    line = (
        PayrollLine.objects.filter(programme="special_care_pension")
        .order_by("-month", "run_id")
        .first()
    )
    assert line is not None
    page.goto(f"{live_server.url}/payments/{line.entitlement_id}/")
    main = page.locator("main")
    expect(main).to_contain_text("优抚对象定期抚恤补助")
    expect(main).to_contain_text(line.payee_name)
    expect(page.get_by_test_id("lines")).to_contain_text(f"{line.month:%Y-%m}")
    _shot(page, "payroll")

"""The relief station on a phone (390 × 844) in headless Chromium: the station's staff take in a
man found in the registry by his ID number, record his consent, a call to his family, and send
him home with a ticket; a missing destination is explained next to the exit form."""

from __future__ import annotations

import pytest

from minzheng.payments.models import OneOffPayable
from tests.conftest import PASSWORD, make_id
from tests.fixtures.browser import SCREENSHOTS, in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_station_takes_in_and_sends_home_on_a_phone(stations, live_server, browser, settings):
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "relief_station")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/vagrants/")
    expect(page.locator("h1")).to_have_text("流浪乞讨人员救助")
    page.get_by_role("link", name="登记入站").click()
    page.locator("#arrival").select_option("police")
    page.fill("#id_number", make_id("420802", "19800101", 11))
    page.fill("#health_on_arrival", "轻度营养不良，足部冻伤")
    page.fill("#belongings", "手机 1\n行李包")
    page.screenshot(path=str(SCREENSHOTS / "vagrants-phone-intake.png"), full_page=True)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已在人口信息库中找到该人员")
    expect(page.locator("h1")).to_contain_text("张三")
    expect(page.get_by_test_id("stay-state")).to_have_text("待确认受助意愿")

    page.get_by_label("自愿接受救助").check()
    page.get_by_test_id("consent-form").get_by_role("button", name="确认").click()
    expect(page.get_by_test_id("stay-state")).to_have_text("在站救助")

    page.get_by_text("登记联系", exact=True).first.click()
    form = page.get_by_test_id("contact-form")
    form.locator("#channel").select_option("phone")
    form.locator("#c-result").fill("妻子李梅同意接应")
    form.get_by_role("button", name="登记联系").click()
    expect(page.locator(".messages")).to_contain_text("已登记寻亲联系")

    exit_form = page.get_by_test_id("exit-form")
    exit_form.locator("#kind").select_option("escort_home")
    exit_form.locator("#ticket").fill("156.50")
    exit_form.locator("#signed_by").fill("张三")
    exit_form.get_by_role("button", name="办理离站").click()
    expect(page.get_by_test_id("action-errors")).to_contain_text("请填写去向")
    page.screenshot(path=str(SCREENSHOTS / "vagrants-phone-exit-error.png"), full_page=True)

    exit_form = page.get_by_test_id("exit-form")
    exit_form.locator("#destination").fill("东宝区龙泉社区")
    exit_form.get_by_role("button", name="办理离站").click()
    expect(page.get_by_test_id("stay-state")).to_have_text("已离站 · 护送（返乡）回家")
    expect(page.get_by_test_id("ticket")).to_contain_text("156.50")
    page.screenshot(path=str(SCREENSHOTS / "vagrants-phone-exited.png"), full_page=True)
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    payable = in_thread(lambda: OneOffPayable.objects.get(source_kind="vagrant_ticket"))
    assert payable.amount_fen == 15650 and payable.status == "pending"
    context.close()

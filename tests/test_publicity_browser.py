"""In headless Chromium on the demo city: 东宝区's approver files an information item from the
workbench card; the bureau office finds it among the items waiting and counts it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"publicity-{name}.png"), full_page=True)


def _signed_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_county_files_and_bureau_office_counts(demo_city, live_server, browser):
    from playwright.sync_api import expect

    title = "东宝区开展冬季困难群众走访慰问"
    county = _signed_in(browser, live_server, "dongbao_approver")
    county.get_by_test_id("publicity-file").click()
    expect(county.locator("h1")).to_have_text("报送宣传信息")
    county.fill("#id_title", title)
    county.select_option("#id_kind", "info")
    county.fill("#id_outlet", "荆门民政网")
    county.fill("#id_link", "not a link")
    county.get_by_test_id("save-submission").click()
    expect(county.locator(".field.has-error")).to_contain_text(
        "请填写以 http:// 或 https:// 开头的网址"
    )
    county.fill("#id_link", "https://mzj.jingmen.example/dongbao/winter.html")
    county.get_by_test_id("save-submission").click()
    expect(county.get_by_test_id("submission-status")).to_have_text("待审核")
    _shot(county, "filed")
    item_url = county.url

    office = _signed_in(browser, live_server, "bureau_office")
    office.get_by_test_id("publicity-pending").click()
    office.get_by_role("link", name=title).click()
    expect(office.locator("h1")).to_have_text(title)
    office.select_option("#id_decision", "count")
    office.get_by_test_id("save-review").click()
    expect(office.locator("[role=status], .messages")).to_contain_text("审核结果已保存")
    office.goto(item_url)
    expect(office.get_by_test_id("submission-status")).to_have_text("已计数")
    office.goto(f"{live_server.url}/publicity/quotas/?year={timezone.localdate().year}")
    expect(office.get_by_test_id("quota-420802")).to_be_visible()
    expect(office.get_by_test_id("quota-office")).to_be_visible()
    _shot(office, "quotas")

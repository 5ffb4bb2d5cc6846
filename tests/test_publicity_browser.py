"""In headless Chromium on the demo city: 东宝区's approver files an information item from the
workbench card; the bureau office finds it among the items waiting and counts it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.fixtures.browser import demo_sign_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_files_and_bureau_office_counts(demo_city, live_server, browser):
    from playwright.sync_api import expect

    title = "东宝区开展冬季困难群众走访慰问"
    county = demo_sign_in(browser, live_server, "dongbao_approver")
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
    screenshot(county, "publicity-filed")
    item_url = county.url

    office = demo_sign_in(browser, live_server, "bureau_office")
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
    screenshot(office, "publicity-quotas")

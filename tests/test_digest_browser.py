"""In headless Chromium on the demo city: the leader opens this week's digest from the workbench
card, with its sections and links, and the PDF."""

from __future__ import annotations

import pytest

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_opens_this_weeks_digest_from_the_workbench(demo_city, live_server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "leader")
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_test_id("digest-this-week").click()
    expect(page.locator("h1")).to_have_text("领导周报")
    for key in (
        "targets_moved",
        "red_flags",
        "supervision_overdue",
        "milestones_overdue",
        "quota_shortfalls",
    ):
        expect(page.get_by_test_id(f"digest-{key}")).to_be_visible()
    milestones = page.get_by_test_id("digest-milestones_overdue")
    expect(milestones).to_contain_text("京山县民政公共服务中心：室内装修及设备安装")
    expect(page.get_by_test_id("digest-quota_shortfalls")).to_contain_text("沙洋县")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "digest-week.png"), full_page=True)
    pdf = page.request.get(
        live_server.url + page.get_by_test_id("digest-pdf").get_attribute("href")
    )
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    milestones.get_by_role("link", name="京山县民政公共服务中心：室内装修及设备安装").click()
    expect(page.locator("h1")).to_have_text("京山县民政公共服务中心")

"""In headless Chromium on the demo city: the leader opens this week's digest from the workbench
card, with its sections and links, and the PDF."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import demo_sign_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_opens_this_weeks_digest_from_the_workbench(demo_city, live_server, browser):
    from playwright.sync_api import expect

    page = demo_sign_in(browser, live_server, "leader")
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
    screenshot(page, "digest-week")
    pdf = page.request.get(
        live_server.url + page.get_by_test_id("digest-pdf").get_attribute("href")
    )
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    milestones.get_by_role("link", name="京山县民政公共服务中心：室内装修及设备安装").click()
    expect(page.locator("h1")).to_have_text("京山县民政公共服务中心")

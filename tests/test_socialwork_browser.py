"""In headless Chromium on the demo city: the organisation account `social_org` applies from its
workbench card to 东宝区's open venture-funding call (a first try without the fields shows the
messages next to them); the 龙泉街道 clerk, appointed reviewer, scores it from the workbench
card; the 东宝区 approver awards it within the call's budget, and the organisation sees the
award."""

from __future__ import annotations

import pytest
from django.utils import timezone

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _sign_in(browser, live_server, username, viewport=PHONE):
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    return page


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"socialwork-{name}.png"), full_page=True)


def test_organisation_applies_reviewer_scores_county_awards(demo_city, live_server, browser):
    from playwright.sync_api import expect

    org = _sign_in(browser, live_server, "social_org")
    card = org.locator("section", has_text="公益创投").filter(has_text="东宝区").first
    card.get_by_role("link", name="申报").first.click()
    org.get_by_role("button", name="提交申报").click()
    expect(org.locator(".field.has-error", has_text="项目名称")).to_contain_text("必填")
    org.fill("#id_title", "阳光助老互助小组")
    org.locator("#id_category").select_option("elderly")
    org.fill("#id_amount", "25,000")
    org.fill("#id_plan", "每周两次上门探访空巢老人，组建互助小组")
    org.get_by_role("button", name="提交申报").click()
    row = org.locator("tr", has_text="阳光助老互助小组")
    expect(row.get_by_test_id("my-status")).to_have_text("已申报")
    _shot(org, "applied")

    clerk = _sign_in(browser, live_server, "longquan_clerk")
    clerk.locator("section", has_text="公益创投评审").get_by_role(
        "link", name="阳光助老互助小组"
    ).click()
    row = clerk.locator("tr", has_text="阳光助老互助小组")
    row.locator("input[name=score]").fill("120")
    row.get_by_role("button", name="评分").click()
    expect(clerk.locator("tr", has_text="阳光助老互助小组").locator(".alert")).to_be_visible()
    row = clerk.locator("tr", has_text="阳光助老互助小组")
    row.locator("input[name=score]").fill("88")
    row.get_by_role("button", name="评分").click()
    expect(
        clerk.locator("tr", has_text="阳光助老互助小组").get_by_test_id("average")
    ).to_contain_text("88.00")
    _shot(clerk, "scored")

    approver = _sign_in(browser, live_server, "dongbao_approver")
    approver.locator("section", has_text="社工项目节点").get_by_role(
        "link", name="社会工作 →"
    ).click()
    approver.get_by_role(
        "link", name=f"东宝区{timezone.localdate().year}年度社区公益微创投"
    ).first.click()
    row = approver.locator("tr", has_text="阳光助老互助小组")
    row.locator("input[name=amount]").fill("400000")  # more than the 25,000 applied for
    row.get_by_role("button", name="确定资助").click()
    expect(approver.locator("tr", has_text="阳光助老互助小组").locator(".alert")).to_contain_text(
        "不能超过申请金额"
    )
    row = approver.locator("tr", has_text="阳光助老互助小组")
    row.locator("input[name=amount]").fill("20000")
    row.get_by_role("button", name="确定资助").click()
    expect(
        approver.locator("tr", has_text="阳光助老互助小组").get_by_test_id("status")
    ).to_contain_text("获得资助 20000.00元")
    expect(approver.get_by_test_id("call-left")).to_have_text("280000.00")
    _shot(approver, "awarded")

    org.goto(f"{live_server.url}/socialwork/mine/")
    expect(
        org.locator("tr", has_text="阳光助老互助小组").get_by_test_id("my-status")
    ).to_contain_text("获得资助")

"""The depot keepers' flow in headless Chromium on a phone-sized screen: keeper1 issues tents
for a flood, keeper2 finds the issue on the workbench and confirms it (keeper1 could not), then
a stock count with a difference shows a finding on the depot's page, which the county explains
once the second keeper has confirmed the count."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.depots import services
from tests.fixtures.browser import SCREENSHOTS, in_thread
from tests.fixtures.depots import KEEPER_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _sign_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=2)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", KEEPER_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_keeper_issues_second_keeper_confirms_count_shows_finding(
    depot_world, live_server, browser
):
    from playwright.sync_api import expect

    w = depot_world
    depot = w["dongbao"]

    def stock():
        m = services.receive(
            user=w["k1"],
            depot_id=depot.pk,
            kind="purchase",
            quantity=300,
            occurred_on=dt.date(2016, 1, 15),
            item_id=w["tent"].pk,
            batch_number="ZP-2016A",
        )
        services.confirm_movement(user=w["k2"], movement_id=m.pk)
        return m.batch_id

    batch_id = in_thread(stock)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page = _sign_in(browser, live_server, "keeper1")
    page.goto(f"{live_server.url}/depots/")
    page.get_by_role("link", name="东宝区救灾物资储备库").click()
    expect(page.get_by_test_id("position")).to_contain_text("300")
    page.locator("main").get_by_role("link", name="发放", exact=True).click()
    page.locator("#id_batch").select_option(str(batch_id))
    page.fill("#id_quantity", "301")
    page.fill("#id_occurred_on", "2016-07-03")
    page.fill("#id_recipient", "子陵铺镇人民政府")
    page.fill("#id_purpose", "洪涝灾害转移安置")
    page.fill("#id_reference", "灾情 #12")
    page.get_by_role("button", name="登记").click()
    expect(page.locator("main")).to_contain_text("帐篷批次ZP-2016A可用库存300顶，不足301顶")
    page.screenshot(path=str(SCREENSHOTS / "depots-issue-too-much.png"), full_page=True)
    page.fill("#id_quantity", "180")
    page.get_by_role("button", name="登记").click()
    expect(page.locator(".messages")).to_contain_text("已登记，待另一名保管员复核后计入库存")
    movements = page.get_by_test_id("movements")
    expect(movements.locator("tbody tr").first).to_contain_text("待复核")
    expect(page.get_by_test_id("position")).to_contain_text("300")  # not counted until confirmed
    page.goto(f"{live_server.url}/depots/pending/")
    expect(page.get_by_test_id("pending-movements")).to_contain_text("没有待复核的出入库")

    second = _sign_in(browser, live_server, "keeper2")
    card = second.get_by_test_id("depot-pending-widget")
    expect(card).to_contain_text("救灾发放")
    expect(card).to_contain_text("-180")
    second.screenshot(path=str(SCREENSHOTS / "depots-workbench-card.png"), full_page=True)
    card.get_by_role("link", name="待我复核").click()
    second.get_by_role("button", name="复核确认").click()
    expect(second.locator(".messages")).to_contain_text("已复核确认")
    second.goto(f"{live_server.url}/depots/{depot.pk}/?on=2016-07-03")
    expect(second.get_by_test_id("position")).to_contain_text("120")
    expect(second.get_by_test_id("movements").locator("tbody tr").first).to_contain_text("已复核")
    second.screenshot(path=str(SCREENSHOTS / "depots-detail-after-confirm.png"), full_page=True)

    page.goto(f"{live_server.url}/depots/{depot.pk}/count/")
    page.fill("#id_counted_on", "2016-09-30")
    page.locator(f"#id_b{batch_id}").fill("118")
    page.get_by_role("button", name="提交盘点").click()
    expect(page.locator(".messages")).to_contain_text("发现账实不符 1 项")
    findings = page.get_by_test_id("open-findings")
    expect(findings).to_contain_text("账面 120顶，实盘 118顶")
    expect(findings).to_contain_text("-2")
    page.screenshot(path=str(SCREENSHOTS / "depots-count-finding.png"), full_page=True)

    # The second keeper confirms the count; the county explains the finding.
    second.goto(f"{live_server.url}/depots/pending/")
    second.get_by_test_id("pending-counts").get_by_role("button", name="复核确认").click()
    expect(second.locator(".messages")).to_contain_text("已复核确认")
    county = _sign_in(browser, live_server, "dongbao_approver")
    county.goto(f"{live_server.url}/depots/findings/")
    row = county.get_by_test_id("findings").locator("tbody tr").first
    expect(row).to_contain_text("待说明")
    row.locator("textarea").fill("雨季受潮两顶，已报损")
    row.get_by_role("button", name="说明并调整账面").click()
    expect(county.locator(".messages")).to_contain_text("差异已说明，账面已按实盘调整")
    county.goto(f"{live_server.url}/depots/findings/?status=resolved")
    expect(county.get_by_test_id("findings")).to_contain_text("雨季受潮两顶，已报损")
    county.screenshot(path=str(SCREENSHOTS / "depots-finding-explained.png"), full_page=True)
    county.goto(f"{live_server.url}/depots/{depot.pk}/")
    expect(county.get_by_test_id("position")).to_contain_text("118")

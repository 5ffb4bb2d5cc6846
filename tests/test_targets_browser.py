"""The leader's dashboard in headless Chromium (Debian's): drill down city → county → township,
then from a city target to a county's share; the charts are drawn by the local ECharts."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.fixtures.browser import SCREENSHOTS, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(targets_world):
    return targets_world


def test_dashboard_drill_down(browser, live_server, world):
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "leader")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")

    open_menu(page, "目标督办", "目标管理")
    expect(page.locator("h1")).to_have_text("荆门市 · 目标考核看板")
    expect(page.locator("#date")).to_have_value("2016-06-30")
    units = page.get_by_test_id("units")
    expect(units.locator("tbody tr")).to_have_count(7)  # five counties and the two functional zones
    expect(page.locator("#chart-units canvas")).to_have_count(1)
    expect(page.locator("#chart-status canvas")).to_have_count(1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "targets-city.png"), full_page=False)

    units.get_by_role("link", name="东宝区").click()
    expect(page.locator("h1")).to_have_text("东宝区 · 目标考核看板")
    # 14 beds for 7 elderly is 2,000 per 1,000: a data anomaly for the unit to explain, not 已完成,
    # and with nothing else known there is no score to show.
    expect(page.get_by_test_id("score")).to_have_text("—")
    expect(page.get_by_test_id("coverage")).to_have_text("按有数据的 0 / 1 项目标计算")
    row = page.get_by_test_id("targets").locator("tbody tr", has_text="每千名老人拥有养老床位")
    expect(row).to_contain_text("数据异常")
    expect(row).to_contain_text("超出合理范围（0 – 100 张）")
    expect(row).not_to_contain_text("已完成")
    expect(row).to_contain_text("2,000")

    page.get_by_test_id("units").get_by_role("link", name="龙泉街道").click()
    expect(page.locator("h1")).to_have_text("龙泉街道 · 目标考核看板")
    expect(page.get_by_test_id("pop-total")).to_have_text("7")
    page.get_by_role("navigation", name="上级单位").get_by_role("link", name="荆门市").click()
    expect(page.locator("h1")).to_have_text("荆门市 · 目标考核看板")

    page.get_by_test_id("targets").get_by_role("link", name="每千名老人拥有养老床位").click()
    expect(page.locator("h1")).to_contain_text("1.4 每千名老人拥有养老床位")
    children = page.get_by_test_id("children")
    expect(children.locator("tbody tr", has_text="钟祥市")).to_contain_text("6,000")
    expect(page.locator("#chart-target-trend canvas")).to_have_count(1)
    children.get_by_role("link", name="东宝区").click()
    expect(page.locator("h1")).to_contain_text("1.4@420802")
    expect(page.get_by_test_id("status")).to_have_text("数据异常")
    page.screenshot(path=str(SCREENSHOTS / "targets-share.png"), full_page=False)
    assert errors == []
    context.close()

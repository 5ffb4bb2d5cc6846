"""In headless Chromium on the demo city: the place-name officer of 东宝区 sees the review queue
on the workbench card, enters a road with a spelling that breaks the rules, sees the suggested
spelling beside the field, adopts it and saves; checks and approves the record (the county's
step); the city section publishes it; the officer finds it on the map."""

from __future__ import annotations

import pytest

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
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
    page.screenshot(path=str(SCREENSHOTS / f"placenames-{name}.png"), full_page=True)


def test_officer_enters_fixes_spelling_reviews_and_maps(demo_city, live_server, browser):
    from playwright.sync_api import expect

    officer = _sign_in(browser, live_server, "placename_officer")
    card = officer.locator("section", has_text="地名普查审核").first
    expect(card).to_contain_text("拼写待改正")
    _shot(officer, "workbench")
    open_menu(officer, "人口与区划", "地名普查")
    officer.get_by_role("link", name="录入地名").first.click()
    officer.fill("#id_standard_name", "象山大道")
    officer.select_option("#id_subclass", "2501")
    officer.select_option("#id_region", "420802001")
    officer.fill("#id_romanised", "XiangshanDadao")
    officer.fill("#id_lon", "112.2")
    officer.fill("#id_lat", "31.03")
    check = officer.get_by_test_id("pinyin-check")
    expect(check).to_contain_text("专名与通名应分写")
    expect(officer.get_by_test_id("pinyin-suggested")).to_have_text("Xiangshan Dadao")
    _shot(officer, "entry-mismatch")
    officer.get_by_role("button", name="采用建议拼写").click()
    expect(officer.locator("#id_romanised")).to_have_value("Xiangshan Dadao")
    expect(check).to_contain_text("所填拼写符合规则")
    officer.get_by_role("button", name="保存").click()
    expect(officer.get_by_test_id("spelling-ok")).to_contain_text("Xiangshan Dadao")
    expect(officer.get_by_test_id("placename-status")).to_have_text("已录入")
    officer.get_by_role("button", name="校核通过").click()
    expect(officer.get_by_test_id("placename-status")).to_have_text("已校核")
    officer.get_by_role("button", name="审定").click()
    expect(officer.get_by_test_id("placename-status")).to_have_text("已审定")
    record_url = officer.url

    city = _sign_in(browser, live_server, "city_section")
    city.goto(record_url)
    city.get_by_role("button", name="发布").click()
    expect(city.get_by_test_id("placename-status")).to_have_text("已发布")
    expect(city.get_by_test_id("review-history")).to_contain_text("发布")
    _shot(city, "published")

    officer.goto(record_url)
    expect(officer.get_by_test_id("review-history")).to_contain_text("审定")
    officer.get_by_role("link", name="在地图上查看").click()
    expect(officer.get_by_test_id("map-count")).to_contain_text("图上 1 处地名")
    # A locator, not wait_for_function: a string predicate is evaluated with eval(), which the CSP forbids.
    expect(officer.locator("#placename-map canvas").first).to_be_attached()
    _shot(officer, "map")

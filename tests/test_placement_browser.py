"""The choice session in headless Chromium on the demo city: the county placement office of 东宝区
opens the demo's placement year, the live board in a second window (as on the hall's projector) and the
session page; records the choice of the veteran whose turn it is and sees the board update by
itself; a second clerk window still showing the same turn is refused. The employer publishes a
post (a first try without a name shows the message next to the field) and the office approves it."""

from __future__ import annotations

import re

import pytest

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 900}


def _sign_in(browser, live_server, username, viewport=DESK):
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"placement-{name}.png"), full_page=True)


def test_choice_session_with_the_live_board_and_an_employer_post(demo_city, live_server, browser):
    from playwright.sync_api import expect

    from minzheng.placement.models import PlacementYear

    demo_year = PlacementYear.objects.get(region__code="420802").year
    office = _sign_in(browser, live_server, "dongbao_approver")
    open_menu(office, "优抚安置", "退役士兵安置")
    office.get_by_role("link", name=str(demo_year)).click()
    expect(office.get_by_test_id("year-status")).to_have_text("排名已确定")
    expect(office.get_by_test_id("ranking")).to_contain_text("服现役满12年的士官")
    _shot(office, "year")
    year_url = office.url

    board = _sign_in(browser, live_server, "dongbao_approver")
    board.goto(year_url + "board/")
    turn_before = board.get_by_test_id("board-turn").inner_text()
    assert re.search(r"第 \d+ 位", turn_before), turn_before
    _shot(board, "board-before")

    office.goto(year_url + "session/")
    second = _sign_in(browser, live_server, "dongbao_approver")
    second.goto(year_url + "session/")

    office.locator("#choice").select_option(index=1)
    office.get_by_test_id("record-choice").click()
    expect(office.locator(".messages")).to_contain_text("已记录")
    # The board, left alone, shows the next turn within a few seconds (HTMX polling).
    expect(board.get_by_test_id("board-turn")).not_to_have_text(turn_before, timeout=10_000)
    _shot(board, "board-after")
    _shot(office, "session")

    # The second window still shows the old turn: its submission is refused.
    second.locator("#choice").select_option("self")
    second.get_by_test_id("record-choice").click()
    expect(second.get_by_test_id("choice-error").first).to_contain_text("已选定")
    _shot(second, "refused")

    # The employer publishes a post for the year; the office approves it.
    employer = _sign_in(browser, live_server, "employer")
    employer.get_by_role("link", name="安置岗位").first.click()
    expect(employer.get_by_test_id("my-posts")).to_contain_text("市政设施巡查员")
    employer.fill("#id_count", "2")
    employer.get_by_role("button", name="发布").click()
    expect(employer.locator(".field.has-error", has_text="岗位名称")).to_be_visible()
    employer.fill("#id_name", "夜间巡查员")
    employer.fill("#id_location", "泉口街道")
    employer.get_by_role("button", name="发布").click()
    expect(employer.locator(".messages")).to_contain_text("岗位已发布")
    expect(employer.get_by_test_id("my-posts")).to_contain_text("待审核")
    _shot(employer, "employer-posts")

    office.goto(year_url)
    row = office.get_by_test_id("posts").locator("tr", has_text="夜间巡查员")
    row.get_by_test_id("approve-post").click()
    expect(office.get_by_test_id("posts").locator("tr", has_text="夜间巡查员")).to_contain_text(
        "已审核"
    )
    employer.reload()
    expect(
        employer.get_by_test_id("my-posts").locator("tr", has_text="夜间巡查员")
    ).to_contain_text("已审核")

    # A veteran with a resident account sees his score, its components and his rank on the phone.
    from minzheng.accounts.models import User
    from minzheng.placement.models import Veteran

    veteran = Veteran.objects.filter(year__year=demo_year).order_by("rank_no").first()
    User.objects.create_user(
        username="veteran_demo", password=DEMO_PASSWORD, role="resident", person=veteran.person
    )
    phone = _sign_in(browser, live_server, "veteran_demo", viewport={"width": 390, "height": 844})
    # Beside his other menus (messages, complaints), 我的安置 sits in the 优抚安置 group.
    open_menu(phone, "优抚安置", "我的安置")
    expect(phone.get_by_test_id("my-score")).to_have_text(str(veteran.score))
    expect(phone.get_by_test_id("my-rank")).to_contain_text("第 1 名")
    expect(phone.locator("main")).to_contain_text("服役年限")
    _shot(phone, "veteran-phone")

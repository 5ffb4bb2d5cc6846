"""The county approver of 东宝区 on the demo city in headless Chromium: approves a pending
special-care change from the workbench card, opens the roster's data-quality page, filters it by
rule, opens a failing record and sees its rule and history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


def _sign_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
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
    page.screenshot(path=str(SCREENSHOTS / f"specialcare-{name}.png"), full_page=True)


def test_county_approver_approves_from_the_workbench_and_reads_data_quality(
    demo_city, live_server, browser
):
    from playwright.sync_api import expect

    from minzheng.accounts.models import User
    from minzheng.specialcare import services
    from minzheng.specialcare.models import Recipient, RecipientChange

    dongbao = Recipient.objects.filter(
        status="active", region__path__startswith="420000/420800/420802/"
    )
    # The demo leaves pending requests for 东宝区; on a small demo city make sure of one.
    if not RecipientChange.objects.filter(status="pending", recipient__in=dongbao).exists():
        record = dongbao.order_by("pk").first()
        services.request_change(
            user=User.objects.get(username="longquan_clerk")
            if record.region.path.startswith("420000/420800/420802/420802001/")
            else User.objects.get(username="admin"),
            record=record,
            kind="correction",
            event_on=timezone.localdate() - dt.timedelta(days=1),
            data={"certificate_no": "鄂990001"},
        )
    pending = RecipientChange.objects.filter(status="pending", recipient__in=dongbao).count()

    page = _sign_in(browser, live_server, "dongbao_approver")
    card = page.get_by_test_id("specialcare-widget")
    expect(card).to_contain_text("优抚对象待审批")
    expect(card.locator(".count")).to_have_text(str(pending))
    _shot(page, "workbench")
    card.locator("button", has_text="批准").first.click()
    expect(page.locator(".messages")).to_contain_text("已批准")
    if pending > 1:
        expect(page.get_by_test_id("specialcare-widget").locator(".count")).to_have_text(
            str(pending - 1)
        )
    assert RecipientChange.objects.filter(status="pending", recipient__in=dongbao).count() == (
        pending - 1
    )

    # The data-quality page of the county: every failing record with its rule.
    page.get_by_test_id("specialcare-widget").get_by_role("link", name="数据质量").click()
    expect(page.locator("h1")).to_contain_text("优抚对象数据质量")
    expect(page.get_by_test_id("quality-overview")).to_contain_text("东宝区")
    _shot(page, "quality")
    listed = page.get_by_test_id("quality-list").locator("tbody tr")
    if listed.first.locator("a").count():
        first_rule = listed.first.locator("td").first.inner_text()
        page.locator("#rule").select_option(label=first_rule)
        page.get_by_role("button", name="查询").click()
        rows = page.get_by_test_id("quality-list").locator("tbody tr")
        for i in range(rows.count()):
            expect(rows.nth(i).locator("td").first).to_have_text(first_rule)
        rows.first.locator("a").click()
        expect(page.get_by_test_id("record-failing")).to_contain_text(first_rule)
        expect(page.get_by_test_id("change-history")).to_be_visible()
        _shot(page, "record")

    # The city section reads the overview by county.
    city = _sign_in(browser, live_server, "city_section")
    city.goto(f"{live_server.url}/specialcare/quality/")
    expect(city.get_by_test_id("quality-overview")).to_contain_text("钟祥市")
    _shot(city, "quality-city")

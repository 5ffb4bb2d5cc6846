"""In headless Chromium on the demo city, phone-sized: the demo resident registers as a volunteer
from the workbench card (a first try without skills shows the message next to the field); the
street clerk of 龙泉街道 approves from the workbench; the resident signs up for an activity near
them; after the activity the district's approver (the team is the district's) records the hours, and the resident sees them on the card and
downloads the service certificate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS, in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _sign_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, accept_downloads=True)
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
    page.screenshot(path=str(SCREENSHOTS / f"volunteers-{name}.png"), full_page=True)


def test_resident_registers_clerk_approves_hours_and_certificate(demo_city, live_server, browser):
    from playwright.sync_api import expect

    resident = _sign_in(browser, live_server, "resident")
    card = resident.locator("section", has_text="我的志愿服务").first
    card.get_by_role("link", name="注册志愿者").click()
    resident.get_by_role("button", name="提交注册").click()
    expect(resident.locator(".field.has-error", has_text="服务技能")).to_contain_text(
        "请至少选择一项服务技能"
    )
    _shot(resident, "register-errors")
    resident.get_by_label("助老服务").check()
    resident.locator("input[name=area_codes]").first.check()
    resident.locator("#id_availability").select_option("weekends")
    resident.fill("#id_phone", "13971601234")
    resident.get_by_role("button", name="提交注册").click()
    expect(resident.get_by_test_id("volunteer-status")).to_have_text("待审核")
    _shot(resident, "pending")

    clerk = _sign_in(browser, live_server, "longquan_clerk")
    name = in_thread(lambda: _resident_name())
    card = clerk.locator("section", has_text="志愿者注册待审核").first
    expect(card).to_be_visible()
    clerk.goto(f"{live_server.url}/volunteers/?status=pending&q={name}")
    clerk.get_by_role("link", name=name).first.click()
    clerk.get_by_role("button", name="同意注册").click()
    expect(clerk.get_by_test_id("volunteer-status")).to_have_text("已注册")
    _shot(clerk, "approved")

    resident.goto(f"{live_server.url}/volunteers/mine/")
    expect(resident.get_by_test_id("volunteer-status")).to_have_text("已注册")
    resident.locator("section", has_text="附近可报名的活动").get_by_role("link").first.click()
    resident.get_by_role("button", name="报名参加").click()
    expect(resident.get_by_test_id("signed-up")).to_be_visible()
    activity_url = resident.url
    _shot(resident, "signed-up")

    # The activity takes place: moved into the past (3 hours long).
    in_thread(lambda: _past(activity_url))
    county = _sign_in(browser, live_server, "dongbao_approver")  # the team is the district's
    county.goto(activity_url)
    county.get_by_role("button", name="登记服务时长").click()
    expect(county.locator(".messages")).to_contain_text("已登记服务时长")
    _shot(county, "hours-recorded")

    resident.goto(f"{live_server.url}/volunteers/mine/")
    expect(resident.get_by_test_id("volunteer-hours")).to_have_text("3.0 小时")
    _shot(resident, "hours")
    with resident.expect_download() as info:
        resident.get_by_role("link", name="下载志愿服务证明").click()
    path = info.value.path()
    with open(path, "rb") as f:
        assert f.read(4) == b"%PDF"


def _resident_name():
    from minzheng.accounts.models import User

    return User.objects.get(username="resident").person.name


def _past(url):
    from minzheng.volunteers.models import Activity

    pk = int(url.rstrip("/").split("/")[-1])
    start = timezone.now() - dt.timedelta(hours=5)
    Activity.objects.filter(pk=pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=3))

"""Disaster relief in headless Chromium on the demo city: the 东宝区 county approver registers a
storm, records its 初报 (in time), and approves relief of the 2016 flood waiting on the
workbench, which becomes a one-off payment to be paid — on a phone, as from the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.demo.data import DEMO_PASSWORD
from minzheng.disaster.models import DisasterReport, ReliefDecision
from minzheng.payments.models import OneOffPayable
from tests.fixtures.browser import SCREENSHOTS, in_thread, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(browser, live_server, username):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_county_records_a_report_and_approves_relief(demo_city, live_server, browser):
    from playwright.sync_api import expect

    page = _sign_in(browser, live_server, "dongbao_approver")
    card = page.get_by_test_id("disaster-approval-widget")
    expect(card).to_contain_text("待审批的救灾救助")
    expect(card.locator(".count")).to_have_text("12")

    open_menu(page, "社会事务", "救灾")
    expect(page.get_by_test_id("events")).to_contain_text("东宝区2016年7月洪涝灾害")
    started = timezone.localtime(timezone.now() - dt.timedelta(minutes=40))
    page.fill("#name", "东宝区风雹灾害")
    page.select_option("#disaster_type", "storm")
    page.select_option("#county", "420802")
    page.fill("#started_at", started.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#response_level", "4")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("h1")).to_have_text("东宝区风雹灾害")

    form = page.get_by_test_id("report-form")
    form.locator("#kind").select_option("initial")
    form.locator("#affected_people").fill("120")
    form.locator("#evacuated").fill("-3")
    form.get_by_role("button", name="报送").click()
    expect(page.locator("#evacuated-error")).to_have_text("须为不小于零的整数")
    form = page.get_by_test_id("report-form")
    form.locator("#evacuated").fill("30")
    form.locator("#direct_loss").fill("125000.50")
    form.get_by_role("button", name="报送").click()
    reports = page.get_by_test_id("reports")
    expect(reports.locator("tbody tr").first).to_contain_text("初报")
    expect(reports.locator("tbody tr").first).to_contain_text("按时")
    expect(reports.locator("tbody tr").first).to_contain_text("125000.50")
    expect(page.get_by_test_id("timeline")).to_contain_text("报送初报")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "disaster-report.png"), full_page=True)

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工作台").click()
    page.get_by_test_id("disaster-approval-widget").get_by_role("link").first.click()
    expect(page.locator("h1")).to_have_text("救助决定")
    waiting = page.get_by_test_id("decisions").locator("tbody tr", has_text="待县级审批")
    first = waiting.filter(has_text="现金").first
    first.get_by_role("button", name="批准", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已批准，已转入一次性救助待发放")
    page.screenshot(path=str(SCREENSHOTS / "disaster-decisions.png"), full_page=True)

    def check():
        storm = DisasterReport.objects.get(event__name="东宝区风雹灾害")
        assert (storm.kind, storm.late, storm.direct_loss_fen) == ("initial", False, 12_500_050)
        approved = ReliefDecision.objects.filter(
            status="approved", decided_by__username="dongbao_approver"
        ).get()
        payables = OneOffPayable.objects.filter(
            source_kind="disaster_relief", source_id=approved.pk
        )
        payable = payables.get()  # cash: to the county's next bank batch
        assert approved.form == "cash"
        assert payable.amount_fen == approved.amount_fen and payable.status == "pending"
        assert ReliefDecision.objects.filter(status="proposed").count() == 11

    in_thread(check)

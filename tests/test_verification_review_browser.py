"""Verification parameters and a "needs checking" finding, in headless Chromium (Debian's): the
city's business section shortens 东宝区's social-insurance window on the parameters page, then
龙泉街道's clerk starts a run of the hand-made households; the run page shows, in Chinese, a
shareholder as 需核实情形 · 经营身份需核实 and employer insurance in the latest month, while the
member whose contributions fell out of the shortened window has no finding."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.fixtures.browser import SCREENSHOTS
from tests.fixtures.verification import build_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BROKER_URL = ""  # the run's job runs in a thread of the live server


def sign_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def test_parameter_change_then_a_run_with_findings_to_check(
    browser, live_server, jingmen, users, tmp_path
):
    from playwright.sync_api import expect

    scenario = build_scenario(jingmen, users, tmp_path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors = []

    context, page = sign_in(browser, live_server, "city_section")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/verification/")
    page.get_by_role("link", name="核对参数").click()
    page.select_option("#region", "420802")
    page.get_by_role("button", name="查看").click()
    table = page.get_by_test_id("parameters")
    row = table.locator('tr[data-key="verification.insurance_window_months"]')
    expect(row).to_contain_text("核对：单位缴纳社会保险回溯期")
    expect(row.locator(".value")).to_have_text("12 个月")
    row.get_by_role("link", name="调整").click()
    page.fill("#value", "3")
    page.fill("#effective_from", "2024-01-01")
    page.fill("#reason", "东宝区缩短社保回溯期")
    page.get_by_role("button", name="登记新参数").click()
    expect(page.locator(".messages, [role=status], [role=alert]").first).to_contain_text(
        "适用于此后发起的核对"
    )
    expect(row.locator(".value")).to_have_text("3 个月")
    expect(row).to_contain_text("东宝区")
    page.screenshot(path=str(SCREENSHOTS / "verification-parameters.png"), full_page=True)
    context.close()

    context, page = sign_in(browser, live_server, "dongbao_clerk")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/verification/")
    page.fill("#region_code", "420802001")
    page.select_option("#kind", "households")
    page.fill("#household_ids", ",".join(str(h.pk) for h in scenario.households.values()))
    page.fill("#as_of", "2024-06-30")
    # The departments' data is already imported: compare now, without sending requests.
    page.uncheck("input[name=exchange]")
    page.get_by_role("button", name="开始核对").click()
    findings = page.get_by_test_id("findings")
    shareholder = findings.locator('tr[data-rule="business_review"]', has_text="褚一")
    expect(shareholder).to_contain_text("需核实情形", timeout=60_000)
    expect(shareholder).to_contain_text("经营身份需核实")
    expect(shareholder).to_contain_text("为市场主体“丙公司”（91420800C）的企业股东")
    latest = findings.locator('tr[data-rule="employer_insurance"]', has_text="曹三")
    expect(latest).to_contain_text("核对基准日前最近一个月（2024-05）由单位缴纳社会保险")
    expect(findings.locator("tr", has_text="曹一")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("business_review")
    page.screenshot(path=str(SCREENSHOTS / "verification-review-findings.png"), full_page=True)
    assert errors == []
    context.close()

"""A child at risk, on a phone-sized screen in headless Chromium on the demo city: the school
reports a child (a first try without the required fields shows the messages next to them), the
township clerk of 龙泉街道 makes first contact and the assessment, the county child-protection
officer writes the help plan with a referral and closes the case without guardianship
intervention, stating why; the school then sees only the status of its report."""

from __future__ import annotations

import pytest

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _sign_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
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
    page.screenshot(path=str(SCREENSHOTS / f"children-{name}.png"), full_page=True)


def test_report_to_closed_case_by_the_roles_on_a_phone(demo_city, live_server, browser):
    from playwright.sync_api import expect

    # The school reports from its workbench card.
    school = _sign_in(browser, live_server, "school_reporter")
    card = school.locator("section", has_text="我的儿童情况报告")
    card.get_by_role("link", name="报告儿童受侵害").click()
    school.get_by_role("button", name="提交报告").click()
    expect(school.locator(".field.has-error", has_text="发生了什么")).to_contain_text("必填")
    school.fill("#id_what_happened", "学生小军连续三天未到校，同学说他一个人在家")
    school.locator("#id_urgency").select_option("high")
    school.get_by_role("button", name="提交报告").click()
    expect(school.locator(".field.has-error", has_text="儿童姓名")).to_contain_text(
        "请填写儿童姓名"
    )
    _shot(school, "report-errors")
    school.fill("#id_name", "小军")
    school.fill("#id_age", "9")
    school.fill("#id_place", "龙泉街道象山社区")
    school.locator("#id_region_code").select_option("420802001")
    school.get_by_role("button", name="提交报告").click()
    expect(school.locator(".messages")).to_contain_text("报告已提交")
    number = school.locator("tbody tr td.mono").first.inner_text()
    expect(school.locator("tbody tr").first).to_contain_text("强制报告")
    _shot(school, "my-reports")
    # The school cannot open the case itself.
    assert school.goto(f"{live_server.url}/children/cases/").status == 403

    # The township clerk of 龙泉街道: first contact and assessment.
    clerk = _sign_in(browser, live_server, "longquan_clerk")
    clerk.goto(f"{live_server.url}/children/cases/")
    clerk.get_by_role("link", name=number).click()
    expect(clerk.get_by_test_id("case-stage")).to_have_text("强制报告")
    clerk.get_by_role("button", name="记录应急处置").click()
    expect(clerk.locator(".field.has-error")).to_contain_text("必填")
    clerk.fill("#id_action", "已联系社区网格员上门，孩子由邻居暂时照看")
    clerk.get_by_role("button", name="记录应急处置").click()
    expect(clerk.get_by_test_id("case-stage")).to_have_text("应急处置")
    clerk.fill("#id_assessment", "父母外出务工，祖母住院，暂无人监护")
    clerk.get_by_role("button", name="完成评估").click()
    expect(clerk.get_by_test_id("case-stage")).to_have_text("评估帮扶")
    _shot(clerk, "case-clerk")

    # The county officer: the help plan, a referral, and closing without intervention.
    officer = _sign_in(browser, live_server, "child_protection")
    officer.goto(f"{live_server.url}/children/cases/")
    officer.get_by_role("link", name=number).click()
    officer.fill("#id_plan", "联系父母返乡一人，学校每日考勤")
    officer.get_by_role("button", name="保存帮扶计划").click()
    officer.locator("#id_target").select_option("school")
    officer.fill("#id_organisation", "龙泉街道中心小学")
    officer.fill("#id_need", "每日考勤并报告")
    officer.get_by_role("button", name="添加转介").click()
    expect(officer.get_by_test_id("referral-status")).to_contain_text("待接收")
    officer.locator("form", has=officer.locator("input[name=referral]")).locator(
        "select"
    ).select_option("done")
    officer.get_by_role("button", name="记录结果").click()
    expect(officer.get_by_test_id("referral-status")).to_contain_text("已完成")
    officer.fill("#id_note", "母亲已返乡照料")
    officer.locator("form[action$='/close/']").get_by_role("button", name="结案").click()
    expect(officer.locator(".field.has-error", has_text="无需监护干预的理由")).to_contain_text(
        "须说明无需监护干预的理由"
    )
    officer.fill("#id_note", "母亲已返乡照料")
    officer.fill("#id_skip_reason", "母亲返乡后能履行监护职责")
    officer.locator("form[action$='/close/']").get_by_role("button", name="结案").click()
    expect(officer.get_by_test_id("case-stage")).to_have_text("结案")
    _shot(officer, "case-closed")

    school.goto(f"{live_server.url}/children/reports/mine/")
    expect(school.locator("tbody tr", has_text=number)).to_contain_text("结案")

"""In headless Chromium on the demo city: the resident files a complaint online from the menu
(a first try without content shows the message next to the field) and, once the township has
replied, rates the reply; the township clerk of 龙泉街道 takes a phone complaint, accepts it and
transfers it to the welfare centre, whose staff investigate and reply in writing."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import PHONE, demo_sign_in, in_thread, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_files_online_and_rates_the_reply(demo_city, live_server, browser):
    from playwright.sync_api import expect

    from minzheng.accounts.models import User
    from minzheng.complaints import services
    from minzheng.complaints.models import Complaint

    page = demo_sign_in(browser, live_server, "resident", viewport=PHONE)
    page.goto(f"{live_server.url}/complaints/mine/")
    page.locator("main button[type=submit]").click()
    expect(page.locator("#id_content").locator("xpath=..")).to_contain_text("这个字段是必填项")
    page.select_option("#id_category", "conduct")
    page.fill("#id_content", "窗口工作人员未一次性告知所需材料")
    page.locator("main button[type=submit]").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("待受理")
    number = page.locator("h1 .badge").first  # noqa: F841 (the page shows the complaint)
    c = Complaint.objects.filter(content="窗口工作人员未一次性告知所需材料").get()

    @in_thread  # runs at once, on its own connection
    def township_replies():
        clerk = User.objects.get(username="longquan_clerk")
        services.accept(user=clerk, complaint=c)
        services.investigate(user=clerk, complaint=c, findings="已核实", substantiated=True)
        services.reply(user=clerk, complaint=c, text="已对工作人员批评教育")

    page.goto(f"{live_server.url}/complaints/mine/")
    page.get_by_role("link", name=c.number).click()
    expect(page.get_by_test_id("complaint-reply")).to_contain_text("已对工作人员批评教育")
    page.get_by_label("基本满意").check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_test_id("complaint-satisfaction")).to_contain_text("基本满意")
    expect(page.get_by_test_id("complaint-status")).to_have_text("已办结")
    screenshot(page, "complaints-resident-rated")


def test_clerk_takes_a_phone_complaint_and_the_unit_replies(demo_city, live_server, browser):
    from playwright.sync_api import expect

    clerk = demo_sign_in(browser, live_server, "longquan_clerk", viewport=PHONE)
    clerk.get_by_role("link", name="全部信访投诉").first.click()
    clerk.get_by_role("link", name="登记信访投诉").click()
    clerk.select_option("#id_channel", "phone")
    clerk.select_option("#id_category", "eldercare")
    clerk.fill("#id_complainant_name", "周文斌")
    clerk.fill("#id_complainant_phone", "13907241234")
    clerk.fill("#id_content", "福利中心护理员夜间巡查不到位")
    clerk.locator("main form button[type=submit]").click()
    expect(clerk.get_by_test_id("complaint-status")).to_have_text("待受理")
    number = clerk.locator("nav.crumbs .mono").inner_text()
    clerk.get_by_role("button", name="受理").first.click()
    expect(clerk.get_by_test_id("complaint-status")).to_have_text("已受理")
    clerk.select_option("#id_transfer-to_unit_code", "welfare-centre")
    clerk.fill("#id_transfer-note", "属福利中心职责")
    clerk.get_by_role("button", name="转办").click()
    expect(clerk.get_by_test_id("complaint-owner")).to_have_text("荆门市社会福利中心")
    screenshot(clerk, "complaints-transferred")

    unit = demo_sign_in(browser, live_server, "welfare_centre", viewport=PHONE)
    unit.goto(f"{live_server.url}/complaints/")
    unit.get_by_role("link", name=number).click()
    unit.fill("#id_investigate-findings", "查看值班记录，夜间巡查存在漏项")
    unit.select_option("#id_investigate-substantiated", "1")
    unit.get_by_role("button", name="保存调查情况").click()
    expect(unit.get_by_test_id("complaint-status")).to_have_text("已调查")
    unit.fill("#id_reply-reply", "已调整夜班排班并加强巡查")
    unit.get_by_role("button", name="答复", exact=True).click()
    expect(unit.get_by_test_id("complaint-status")).to_have_text("已答复")
    expect(unit.get_by_role("link", name="答复意见书（PDF）")).to_be_visible()
    screenshot(unit, "complaints-unit-replied")

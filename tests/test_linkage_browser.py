"""The poverty registry and insurance links in headless Chromium on the demo city: the leader's
dashboard shows targets 2.4, 2.6 and 2.8 as computed by the platform with today's figures, and a
county approver loads a poverty-registry file on the page and sees every bad row explained."""

from __future__ import annotations

import pytest

from minzheng.demo.data import DEMO_PASSWORD
from minzheng.linkage.models import PovertyRecord
from tests.fixtures.browser import SCREENSHOTS, in_thread, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_leader_sees_the_linked_targets_computed(demo_city, live_server, browser):
    from playwright.sync_api import expect

    page = _sign_in(browser, live_server, "leader")
    open_menu(page, "目标督办", "目标管理")
    targets = page.get_by_test_id("targets")
    for title in ("细化临时救助标准", "参合参保率", "精准扶贫兜底率", "住院医疗救助比例"):
        row = targets.locator("tbody tr", has_text=title)
        expect(row).to_contain_text("平台自动计算")
        expect(row).not_to_contain_text("逾期未报")
    insured = targets.locator("tbody tr", has_text="参合参保率").locator("td.num").nth(1)
    assert 80 <= float(insured.inner_text().split()[0]) < 100  # most recipients, not all
    expect(targets.locator("tbody tr", has_text="一门受理")).to_contain_text("派生计算")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "linkage-leader-targets.png"), full_page=True)

    open_menu(page, "社会救助", "扶贫与医保衔接")
    expect(page.locator("h1")).to_have_text("扶贫与医保衔接")
    expect(page.get_by_role("button", name="导入")).to_have_count(0)  # leaders only read


def test_county_approver_imports_a_poverty_file(demo_city, live_server, browser, tmp_path):
    from playwright.sync_api import expect

    def someone_in_dongbao():
        person = PovertyRecord.objects.filter(region__path__contains="/420802/").first().person
        return person.id_number, person.name

    number, name = in_thread(someone_in_dongbao)
    data = "\n".join(
        [
            "身份证号码,姓名,年度,贫困户编号,贫困状态",
            f"{number},{name},2015,FP-TEST-1,未脱贫",
            "420802198001010000,某某,2015,FP-TEST-2,未脱贫",
            f"{number},{name},2015,,已经脱贫",
        ]
    )
    upload = tmp_path / "fp.csv"
    upload.write_text(data, encoding="utf-8")

    page = _sign_in(browser, live_server, "dongbao_approver")
    open_menu(page, "社会救助", "扶贫与医保衔接")
    page.locator("#kind").select_option("poverty")
    page.locator("#file").set_input_files(str(upload))
    page.get_by_role("button", name="导入").click()
    status = page.locator(".alert[role=status]")
    expect(status).to_contain_text("共 3 行：新增 1，更新 0，未变 0，有误未导入 2。")
    expect(status).to_contain_text("身份证号码校验码错误")
    expect(status).to_contain_text("贫困户编号未填写；贫困状态应为未脱贫、已脱贫或返贫")
    page.screenshot(path=str(SCREENSHOTS / "linkage-county-import.png"), full_page=True)
    page.locator("#file").set_input_files(str(upload))
    page.get_by_role("button", name="导入").click()
    expect(page.locator(".alert[role=status]")).to_contain_text("新增 0，更新 0，未变 1")

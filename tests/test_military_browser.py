"""In headless Chromium on the demo city: the township clerk of 龙泉街道 files a military-related
appeal from the workbench card (a first try without the required fields shows the messages next
to them) and accepts it; the county approver of 东宝区 opens it from the workbench card, reports it
to the city and replies in writing; the cadre centre records a two-treatments item and a cadre's
satisfaction survey."""

from __future__ import annotations

import pytest
from django.utils import timezone

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS, in_thread

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
    page.screenshot(path=str(SCREENSHOTS / f"military-{name}.png"), full_page=True)


def test_clerk_files_and_county_replies_from_the_workbench(demo_city, live_server, browser):
    from playwright.sync_api import expect

    clerk = _sign_in(browser, live_server, "longquan_clerk")
    card = clerk.locator("section", has_text="涉军诉求").filter(has_text="登记涉军诉求").first
    card.get_by_role("link", name="登记涉军诉求").click()
    clerk.get_by_role("button", name="登记").click()
    expect(clerk.locator(".field.has-error", has_text="诉求内容")).to_contain_text("必填")
    clerk.locator("#id_channel").select_option("phone")
    clerk.locator("#id_military_status").select_option("veteran")
    clerk.locator("#id_category").select_option("placement")
    clerk.fill("#id_content", "退役后安置工作未落实，要求按政策安排")
    clerk.get_by_role("button", name="登记").click()
    expect(clerk.locator(".field.has-error", has_text="诉求人姓名")).to_contain_text(
        "请填写诉求人姓名"
    )
    _shot(clerk, "file-errors")
    clerk.fill("#id_appellant_name", "周国强")
    clerk.fill("#id_appellant_phone", "13971609999")
    clerk.get_by_role("button", name="登记").click()
    expect(clerk.get_by_test_id("appeal-stage")).to_have_text("登记")
    number = clerk.locator("nav.crumbs .mono").inner_text()
    clerk.locator("form[action$='/accept/']").get_by_role("button", name="受理").click()
    expect(clerk.get_by_test_id("appeal-stage")).to_have_text("受理办理")
    _shot(clerk, "accepted")

    county = _sign_in(browser, live_server, "dongbao_approver")
    card = county.locator("section", has_text="涉军诉求").filter(has_text="全部涉军诉求").first
    card.get_by_role("link", name=number).click()
    county.locator("form[action$='/report/']").get_by_role("button", name="报告市局").click()
    today = timezone.localdate().isoformat()
    expect(county.get_by_test_id("reported-on")).to_have_text(today)
    county.locator("form[action$='/reply/']").get_by_role("button", name="答复").click()
    expect(county.locator(".field.has-error", has_text="书面答复")).to_contain_text("必填")
    county.fill("#id_reply-reply", "经核查，已协调人社部门按政策安排公益性岗位")
    county.locator("form[action$='/reply/']").get_by_role("button", name="答复").click()
    expect(county.get_by_test_id("appeal-stage")).to_have_text("已答复")
    expect(county.get_by_test_id("appeal-reply")).to_contain_text("公益性岗位")
    _shot(county, "replied")
    # Another county's approver cannot open it.
    other = _sign_in(browser, live_server, "zhongxiang_approver")
    url = county.url
    assert other.goto(url).status == 404


def test_cadre_centre_records_a_treatment_and_a_survey(demo_city, live_server, browser):
    from playwright.sync_api import expect

    from minzheng.military.models import CadreSurvey, RetiredCadre, TreatmentItem

    year = timezone.localdate().year
    missing = in_thread(
        lambda: (
            TreatmentItem.objects.filter(year=year, delivered_on__isnull=True)
            .order_by("id")
            .values_list("cadre_id", "item")
            .first()
        )
    )
    unsurveyed = in_thread(
        lambda: (
            RetiredCadre.objects.filter(received_on__isnull=False)
            .exclude(pk__in=CadreSurvey.objects.filter(year=year).values("cadre_id"))
            .order_by("id")
            .values_list("pk", flat=True)
            .first()
        )
    )
    centre = _sign_in(browser, live_server, "cadre_centre")
    centre.locator("section", has_text="军休人员").get_by_role("link", name="军休人员名册").click()
    expect(centre.locator("h1")).to_have_text("军休人员名册")
    cadre_id, item = missing
    centre.goto(f"{live_server.url}/military/cadres/{cadre_id}/")
    expect(centre.get_by_test_id(f"treatment-{item}")).to_have_text("未落实")
    centre.locator("#id_treatment-item").select_option(item)
    centre.fill("#id_treatment-note", "已按标准发放")
    centre.get_by_role("button", name="记录落实").click()
    expect(centre.get_by_test_id(f"treatment-{item}")).to_contain_text("✓")
    _shot(centre, "treatment")
    centre.goto(f"{live_server.url}/military/cadres/{unsurveyed}/")
    centre.locator("#id_survey-overall").select_option("basic")
    centre.locator("#id_survey-living").select_option("basic")
    centre.fill("#id_survey-comment", "希望多组织健康讲座")
    centre.get_by_role("button", name="保存调查").click()
    expect(centre.get_by_test_id("survey")).to_contain_text("基本满意")
    _shot(centre, "survey")
    # The centre has no appeals and no general registers.
    assert centre.goto(f"{live_server.url}/military/appeals/").status == 403
    assert centre.goto(f"{live_server.url}/people/").status == 403

"""One urban 低保 application through the whole procedure in headless Chromium, using only the
pages: a resident applies on a phone with scans, the township clerk registers the signed
authorisation and accepts, the verification centre records a passed verification, two
investigators visit, the community appraises with a quorum, the township approves and publishes,
the seven-day publicity ends, the county approver records the spot check and approves, and the
approved case shows an entitlement on the payments pages and an approval notice as a PDF.

The procedure's clock is set per step as in tests/test_cases_workflow.py (October 2016, so the
dates cross the National Day week); the live server runs in this process and reads the same clock.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.db.models import F

from minzheng.assistance.services import load_default_standards
from minzheng.cases.models import CaseEvent
from minzheng.cases.services import spot_check_draw
from tests.fixtures.browser import SCREENSHOTS, in_thread, open_menu
from tests.fixtures.cases import (
    DESK,
    PDF_BYTES,
    PHONE,
    PNG_BYTES,
    act,
    at_path,
    pdf_text,
    shows_done,
    sign_in,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]


@pytest.fixture
def world(case_world):
    return case_world


@pytest.fixture
def standards(world):
    """The default standards (东宝区 urban 低保 480 元 a month in 2016) for the entitlement."""
    load_default_standards()


@pytest.fixture
def scans(tmp_path):
    files = {
        "id_card": ("身份证.png", PNG_BYTES),
        "hukou_book": ("户口簿.png", PNG_BYTES),
        "authorisation": ("授权书.pdf", PDF_BYTES),
    }
    for name, content in files.values():
        (tmp_path / name).write_bytes(content)
    return {kind: str(tmp_path / name) for kind, (name, _content) in files.items()}


def test_an_urban_dibao_application_goes_through_every_stage_in_the_browser(
    world, standards, scans, set_today, live_server, browser
):
    from playwright.sync_api import expect

    people = world["people"]
    household = people["hh_dongbao"].number
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # Mon 2016-09-26: 张三 applies on his phone for his household, with his wage and two scans.
    set_today("2016-09-26")
    phone = sign_in(browser, live_server, "zhang_resident", "/cases/mine/", PHONE)
    phone.click("text=网上申请救助")
    phone.wait_for_url(at_path(r"/cases/apply/"))
    phone.select_option("select[name=programme]", "dibao_urban")
    phone.fill("textarea[name=reason]", "本人失业，配偶患病")
    phone.fill("input[name=phone]", "13800000000")
    phone.fill(f"input[name=income_{people['zhang'].pk}_wage]", "300")
    phone.set_input_files("input[name=id_card]", scans["id_card"])
    phone.set_input_files("input[name=hukou_book]", scans["hukou_book"])
    phone.click("button:has-text('提交申请')")
    phone.wait_for_url(at_path(r"/cases/\d+/"))
    case_path = urlsplit(phone.url).path
    number = phone.locator("nav.crumbs .mono").inner_text()
    expect(phone.locator("ul.messages li.success")).to_contain_text(
        f"申请已提交，申请编号 {number}"
    )
    expect(phone.get_by_test_id("case-state")).to_have_text("待受理")
    expect(phone.locator("a:has-text('居民身份证'), a:has-text('户口簿')")).to_have_count(2)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=str(SCREENSHOTS / "assistance-1-phone-applied.png"), full_page=True)

    # The township clerk finds it in the list, registers the signed authorisation and accepts.
    clerk = sign_in(browser, live_server, "dongbao_clerk", "/cases/", DESK)
    clerk.click(f"text={number}")
    clerk.wait_for_url(at_path(re.escape(case_path)))
    act(
        clerk,
        "authorisation",
        {"signed_on": "2016-09-26", "signed_by": "张三、李梅"},
        files={"scan": scans["authorisation"]},
    )
    shows_done(clerk, "登记核对授权书", "待受理")
    act(clerk, "accept")
    shows_done(clerk, "受理", "信息核对")
    # Verification within 10 working days of Mon 9-26: 9-27..9-30 are four, the National Day week
    # (10-1..10-7) is off, Sat 10-8 and Sun 10-9 are worked, then 10-10..10-13 → Thu 10-13.
    expect(clerk.get_by_text("本阶段应于 2016-10-13 前办结")).to_have_count(1)

    # Mon 10-10: the verification centre records the passed verification on the case page.
    set_today("2016-10-10")
    verifier = sign_in(browser, live_server, "verifier", case_path, DESK)
    act(verifier, "verification", {"report_ref": "HD2016-0042"}, checks=("input[value='1']",))
    shows_done(verifier, "登记信息核对结果", "入户调查")

    # Wed 10-12: the home visit; one investigator is refused next to the field, two are accepted.
    set_today("2016-10-12")
    clerk.reload()
    investigation = {
        "investigators": "刘强",
        "visited_on": "2016-10-12",
        "findings": "家中无劳动力，配偶长期患病",
    }
    act(clerk, "investigation", investigation)
    expect(clerk.locator("#action-investigation .has-error")).to_contain_text(
        "入户调查人员不得少于 2 人"
    )
    expect(clerk.get_by_test_id("case-state")).to_have_text("入户调查")
    act(clerk, "investigation", investigation | {"investigators": "刘强、陈芳"})
    shows_done(clerk, "登记入户调查", "民主评议")

    # Fri 10-14: the community appraises; 5 of 9 is no quorum (2/3), 6 of 9 with 4 in favour passes.
    set_today("2016-10-14")
    village = sign_in(browser, live_server, "dongbao_village", case_path, DESK)
    appraisal = {
        "held_on": "2016-10-14",
        "invitees": "9",
        "attendees": "5",
        "votes_for": "5",
        "votes_against": "0",
    }
    act(village, "appraisal", appraisal)
    expect(village.locator("#action-appraisal .has-error")).to_contain_text(
        "实到 5 人，未达到应到 9 人的 2/3，评议无效"
    )
    expect(village.get_by_test_id("case-state")).to_have_text("民主评议")
    act(
        village, "appraisal", appraisal | {"attendees": "6", "votes_for": "4", "votes_against": "2"}
    )
    shows_done(village, "登记民主评议", "乡镇审核")
    expect(village.get_by_text("应到 9 人，实到 6 人，同意 4 票，反对 2 票 — 通过")).to_have_count(
        1
    )

    # Mon 10-17: the township approves, which publishes the case for seven days (10-17..10-23).
    set_today("2016-10-17")
    clerk.reload()
    act(
        clerk,
        "township_review",
        {"reasons": "符合城市低保条件"},
        checks=("input[value='approve']",),
    )
    shows_done(clerk, "乡镇审核", "公示中")
    expect(clerk.get_by_text("公示期：2016-10-17 至 2016-10-23")).to_have_count(1)
    # The case number draws no random spot check (3 in 10); a 备案 makes one certain.
    assert spot_check_draw(number) >= 0.3
    act(clerk, "staff_relative", {"relation": "申请人配偶之兄为龙泉街道民政办工作人员"})
    shows_done(clerk, "近亲属备案", "公示中")
    clerk.screenshot(path=str(SCREENSHOTS / "assistance-2-clerk-publicity.png"), full_page=True)

    # Fri 10-21 is still within the publicity, whose last day is Sun 10-23; from the day after
    # the clerk may send it to the county (here on Mon 10-24).
    set_today("2016-10-21")
    clerk.reload()
    act(clerk, "close_publicity")
    expect(clerk.locator("ul.messages li.error")).to_have_text(
        "公示期至 2016-10-23 届满，次日起方可报送县级审批"
    )
    expect(clerk.get_by_test_id("case-state")).to_have_text("公示中")
    set_today("2016-10-24")
    clerk.reload()
    act(clerk, "close_publicity")
    shows_done(clerk, "公示期满，报送县级审批", "县级审批")
    expect(clerk.get_by_text("本阶段应于 2016-11-07 前办结")).to_have_count(1)

    # Wed 10-26: the county approver cannot approve before the spot check is recorded.
    set_today("2016-10-26")
    approver = sign_in(browser, live_server, "dongbao_approver", case_path, DESK)
    expect(approver.get_by_text("县级入户抽查（近亲属备案，全部抽查）：待抽查")).to_have_count(1)
    act(approver, "county_decision", checks=("input[value='approve']",))
    expect(approver.locator("ul.messages li.error")).to_have_text(
        "本申请已被抽中入户抽查，须先登记抽查结果再审批"
    )
    expect(approver.get_by_test_id("case-state")).to_have_text("县级审批")
    act(
        approver,
        "spot_check",
        {"checked_on": "2016-10-26", "investigators": "王敏、赵磊", "findings": "情况属实"},
    )
    shows_done(approver, "登记入户抽查", "县级审批")
    act(approver, "county_decision", checks=("input[value='approve']",))
    shows_done(approver, "县级审批", "已批准")
    expect(approver.locator("p.alert.ok")).to_contain_text("已于 2016-10-26 批准。")
    expect(approver.locator("ol.steps li[aria-current=step]")).to_have_count(0)
    approver.screenshot(path=str(SCREENSHOTS / "assistance-3-county-approved.png"), full_page=True)

    # The approval notice opens as a PDF.
    notice = approver.get_by_role("link", name="批准通知书（PDF）")
    response = approver.request.get(live_server.url + notice.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert (
        body.startswith(b"%PDF-")
        and "批准通知书" in pdf_text(body)
        and "不予" not in pdf_text(body)
    )
    assert "660.00" in pdf_text(body)  # the amount the rules gave: 480 × 2 − 300

    # The entitlement: (480 × 2 − 300) = 660.00 a month by the rules, from the month after approval.
    open_menu(approver, "社会救助", "救助待遇")
    approver.wait_for_url(at_path(r"/payments/"))
    rows = approver.get_by_test_id("entitlements").locator("tbody tr")
    expect(rows).to_have_count(1)
    cells = [c.strip() for c in rows.first.locator("td").all_inner_texts()]
    assert cells[:6] == [household, "张三", "城市最低生活保障", "660.00", "2016-11", "正常发放"]
    rows.first.get_by_role("link", name=household).click()
    approver.wait_for_url(at_path(r"/payments/\d+/"))
    expect(approver.get_by_test_id("status")).to_have_text("正常发放")
    expect(approver.get_by_test_id("amount")).to_contain_text("660.00 元（自 2016-11 起")
    expect(approver.get_by_role("link", name=f"救助申请 {number}")).to_have_attribute(
        "href", case_path
    )
    approver.screenshot(path=str(SCREENSHOTS / "assistance-4-entitlement.png"), full_page=True)

    # The resident sees the decision on the phone.
    phone.goto(f"{live_server.url}/cases/mine/")
    card = phone.locator("article.case-card", has_text=number)
    expect(card.locator(".stage")).to_have_text("已批准")
    expect(card.locator("ol.steps li.done")).to_have_count(8)
    expect(card.locator("ol.steps li.done").last).to_contain_text("已批准2016-10-26")

    # Every transition happened once, in order.
    transitions = in_thread(
        lambda: list(
            CaseEvent.objects.filter(case__number=number)
            .exclude(from_state=F("to_state"))
            .order_by("id")
            .values_list("from_state", "to_state")
        )
    )
    assert transitions == [
        ("", "submitted"),
        ("submitted", "verifying"),
        ("verifying", "investigating"),
        ("investigating", "appraising"),
        ("appraising", "township_review"),
        ("township_review", "publicity"),
        ("publicity", "county_review"),
        ("county_review", "approved"),
    ]

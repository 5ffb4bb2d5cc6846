"""A township clerk takes a 低保 or 特困 application at the window in headless Chromium: finds the
household from a member's ID number (or the household number), records every member's income
and the property on the same form component residents use online, and the case goes through
every stage on the pages. The township reviewer and the county approver see the rules' amount
with its trace in words; the approval form starts from that amount, refuses a blank one and a
changed one without a reason; the entitlement carries it and the next month's payroll pays it.
Amounts worked by hand in tests/test_window_application.py (SCENARIOS)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from minzheng.payments import payroll
from minzheng.payments.models import Entitlement
from minzheng.regions.models import Region
from tests.fixtures.browser import SCREENSHOTS, in_thread
from tests.fixtures.cases import DESK, PDF_BYTES, SCENARIOS, act, at_path, shows_done, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]

# What the clerk types for each member (yuan) and ticks, by scenario; the same facts as SCENARIOS.
ENTRIES = {
    "urban dibao": {
        "lookup": "household",
        "inputs": {("zhang", "wage"): "600"},
        "ticks": [("li", "serious_illness")],
    },
    "rural dibao": {"lookup": "id", "inputs": {("zhao", "pension"): "100"}, "ticks": []},
    "tekun": {
        "lookup": "id",
        "inputs": {},
        "ticks": [("sun", "self_care:bathing"), ("sun", "self_care:dressing")],
    },
}


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


@pytest.fixture
def authorisation_scan(tmp_path):
    path = tmp_path / "授权书.pdf"
    path.write_bytes(PDF_BYTES)
    return str(path)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_window_application_is_paid_the_rules_amount_in_the_browser(
    window, authorisation_scan, set_today, live_server, browser, scenario
):
    from playwright.sync_api import expect

    programme, household_key, applicant_key, clerk_name, village_name, _facts, expected = SCENARIOS[
        scenario
    ]
    entry = ENTRIES[scenario]
    people, household = window["people"], window["households"][household_key]
    applicant = people[applicant_key]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = scenario.replace(" ", "-")

    # Mon 2016-09-26 at the window: the household is found by the applicant's ID number or the
    # household number; the applicant is picked among its members (IDs shown masked).
    set_today("2016-09-26")
    clerk = sign_in(browser, live_server, clerk_name, "/cases/apply/", DESK)
    clerk.fill(
        "input[name=lookup]", applicant.id_number if entry["lookup"] == "id" else household.number
    )
    clerk.click("button:has-text('查找')")
    clerk.wait_for_url(lambda url: "household=" in url)
    expect(clerk.get_by_test_id("household")).to_contain_text(household.number)
    assert applicant.id_number not in clerk.content()
    clerk.select_option("select[name=applicant]", str(applicant.pk))
    clerk.select_option("select[name=programme]", programme)
    clerk.fill("textarea[name=reason]", "家庭困难，到窗口申请")
    for (who, kind), value in entry["inputs"].items():
        clerk.fill(f"input[name=income_{people[who].pk}_{kind}]", value)
    for who, what in entry["ticks"]:
        if what.startswith("self_care:"):
            clerk.check(
                f"input[name=self_care_{people[who].pk}_unable][value={what.split(':')[1]}]"
            )
        else:
            clerk.check(f"input[name={what}_{people[who].pk}]")
    clerk.fill("input[name=homes]", "1")
    clerk.screenshot(path=str(SCREENSHOTS / f"window-{shot}-1-form.png"), full_page=True)
    clerk.click("button:has-text('提交申请')")
    clerk.wait_for_url(at_path(r"/cases/\d+/"))
    case_path = urlsplit(clerk.url).path
    number = clerk.locator("nav.crumbs .mono").inner_text()
    expect(clerk.get_by_test_id("case-state")).to_have_text("待受理")

    # Authorisation, acceptance, verification, home visit, appraisal.
    act(
        clerk,
        "authorisation",
        {"signed_on": "2016-09-26", "signed_by": "申请家庭成员"},
        files={"scan": authorisation_scan},
    )
    shows_done(clerk, "登记核对授权书", "待受理")
    act(clerk, "accept")
    shows_done(clerk, "受理", "信息核对")
    set_today("2016-10-10")
    verifier = sign_in(browser, live_server, "verifier", case_path, DESK)
    act(verifier, "verification", {"report_ref": "HD2016-0200"}, checks=("input[value='1']",))
    shows_done(verifier, "登记信息核对结果", "入户调查")
    set_today("2016-10-12")
    clerk.reload()
    act(
        clerk,
        "investigation",
        {"investigators": "刘强、陈芳", "visited_on": "2016-10-12", "findings": "与申报一致"},
    )
    shows_done(clerk, "登记入户调查", "民主评议")
    set_today("2016-10-14")
    village = sign_in(browser, live_server, village_name, case_path, DESK)
    act(
        village,
        "appraisal",
        {
            "held_on": "2016-10-14",
            "invitees": "9",
            "attendees": "7",
            "votes_for": "7",
            "votes_against": "0",
        },
    )
    shows_done(village, "登记民主评议", "乡镇审核")

    # Township review: the rules' amount and its trace, in words, before deciding.
    set_today("2016-10-17")
    clerk.reload()
    assessment = clerk.get_by_test_id("assessment")
    expect(assessment.get_by_test_id("rules-amount")).to_have_text(yuan(expected))
    assessment.locator("summary").click()
    trace = assessment.locator("table.trace").inner_text()
    assert "适用标准" in trace and not re.search(
        r"\b(true|false|extreme_hardship|urban|rural|partial)\b", trace
    )
    clerk.screenshot(path=str(SCREENSHOTS / f"window-{shot}-2-township-review.png"), full_page=True)
    act(clerk, "township_review", {"reasons": "符合条件"}, checks=("input[value='approve']",))
    shows_done(clerk, "乡镇审核", "公示中")
    set_today("2016-10-24")
    clerk.reload()
    act(clerk, "close_publicity")
    shows_done(clerk, "公示期满，报送县级审批", "县级审批")

    # Wed 10-26, county approval: the form starts from the rules' amount.
    set_today("2016-10-26")
    approver = sign_in(browser, live_server, "dongbao_approver", case_path, DESK)
    expect(approver.get_by_test_id("rules-amount")).to_have_text(yuan(expected))
    if approver.locator("#action-spot_check").count():
        act(
            approver,
            "spot_check",
            {"checked_on": "2016-10-26", "investigators": "王敏、赵磊", "findings": "情况属实"},
        )
        shows_done(approver, "登记入户抽查", "县级审批")
    amount = approver.locator("[name='county_decision-amount']")
    expect(amount).to_have_value(yuan(expected))
    act(approver, "county_decision", {"amount": ""}, checks=("input[value='approve']",))
    expect(approver.locator("#action-county_decision .has-error")).to_contain_text(
        f"按规则计算为每月 {yuan(expected)} 元"
    )
    act(
        approver,
        "county_decision",
        {"amount": yuan(expected + 1000)},
        checks=("input[value='approve']",),
    )
    expect(approver.locator("#action-county_decision .has-error")).to_contain_text("须写明理由")
    expect(approver.get_by_test_id("case-state")).to_have_text("县级审批")
    approver.screenshot(
        path=str(SCREENSHOTS / f"window-{shot}-3-county-refused-blank.png"), full_page=True
    )
    act(approver, "county_decision", {"amount": yuan(expected)}, checks=("input[value='approve']",))
    shows_done(approver, "县级审批", "已批准")
    expect(approver.get_by_test_id("approved-amount")).to_have_text(yuan(expected))

    # The entitlement carries the amount from November; November's payroll pays it.
    entitlement = in_thread(lambda: Entitlement.objects.get(case__number=number))
    assert (entitlement.status, entitlement.monthly_amount_fen, entitlement.amount_basis) == (
        "active",
        expected,
        "rules",
    )
    approver.goto(f"{live_server.url}/payments/{entitlement.pk}/")
    expect(approver.get_by_test_id("amount")).to_contain_text(f"{yuan(expected)} 元（自 2016-11 起")

    def november_payroll():
        user = window["users"]["dongbao_approver"]
        run = payroll.create_run(
            user=user, county=Region.objects.get(code="420802"), month="2016-11"
        )
        payroll.compute_payroll(run=run)
        return run.pk

    run_id = in_thread(november_payroll)
    approver.goto(f"{live_server.url}/payments/payrolls/{run_id}/")
    row = approver.get_by_test_id("lines").locator("tbody tr", has_text=household.number)
    expect(row).to_have_count(1)
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[4:7] == ["2016-11", "当月发放", yuan(expected)]
    approver.screenshot(path=str(SCREENSHOTS / f"window-{shot}-4-payroll.png"), full_page=True)


@pytest.fixture
def open_window_case(window):
    """An urban 低保 application for 张三's household, taken at the window and still open."""
    from minzheng.cases import services

    hh = window["households"]["urban"]
    return services.apply(
        user=window["users"]["dongbao_clerk"],
        programme="dibao_urban",
        household=hh,
        applicant=window["people"]["zhang"],
    )


def test_an_online_duplicate_application_is_refused_on_the_form(
    window, open_window_case, set_today, live_server, browser
):
    from playwright.sync_api import expect

    from tests.fixtures.cases import PHONE

    phone = sign_in(browser, live_server, "zhang_resident", "/cases/apply/", PHONE)
    people = window["people"]
    # The resident's form is the same component: every member with the income types.
    expect(phone.locator("fieldset.member")).to_have_count(2)
    phone.select_option("select[name=programme]", "dibao_urban")
    phone.fill("textarea[name=reason]", "失业")
    phone.fill(f"input[name=income_{people['zhang'].pk}_wage]", "600")
    phone.click("button:has-text('提交申请')")
    error = phone.locator(".field.has-error", has=phone.locator("select[name=programme]"))
    expect(error).to_contain_text(
        f"该家庭已有正在办理的城市最低生活保障申请（编号 {open_window_case.number}），不能重复申请"
    )
    # 特困 is exclusive with 低保: refused as well, saying so.
    phone.select_option("select[name=programme]", "tekun")
    phone.click("button:has-text('提交申请')")
    expect(
        phone.locator(".field.has-error", has=phone.locator("select[name=programme]"))
    ).to_contain_text("不能同时享受")
    phone.screenshot(path=str(SCREENSHOTS / "window-duplicate-refused.png"), full_page=True)
    assert in_thread(lambda: open_window_case.household.assistance_cases.count()) == 1

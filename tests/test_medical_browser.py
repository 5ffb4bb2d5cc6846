"""In headless Chromium: a township clerk types a hospital bill into a medical-assistance case
and sees its payout and the computation; the county approver sees the same figure as the
approval amount and opens the person's yearly ledger."""

from __future__ import annotations

import pytest

from minzheng.assistance.services import load_default_standards
from minzheng.cases.models import Case, MedicalBill, Programme, State
from tests.fixtures.cases import sign_in, to_stage

pytestmark = pytest.mark.usefixtures("media_root")
DESK = {"viewport": {"width": 1280, "height": 900}}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_clerk_adds_a_bill_and_sees_the_payout(case_world, set_today, live_server, browser):
    from playwright.sync_api import expect

    load_default_standards()
    case = to_stage(case_world, set_today, State.COUNTY_REVIEW, programme=Programme.MEDICAL)
    zhang = case_world["people"]["zhang"]
    page = sign_in(browser, live_server, "dongbao_clerk", f"/cases/{case.pk}/", DESK)
    panel = page.locator("#add-bill")
    panel.locator("summary").click()
    page.select_option("select[name=bill-person]", str(zhang.pk))
    for name, value in {
        "settlement_number": "JS2016000123",
        "hospital": "荆门市第一人民医院",
        "admitted_on": "2016-07-01",
        "discharged_on": "2016-07-09",
        "total": "9000",
        "in_policy": "8000",
        "basic": "4000",
        "critical": "1000",
    }.items():
        page.fill(f"[name=bill-{name}]", value)
    # A wrong figure first: the error stands next to its field and nothing is saved.
    page.fill("[name=bill-self_paid]", "2999.99")
    panel.locator("button[type=submit]").click()
    expect(page.locator("#add-bill .has-error")).to_contain_text("即 3000.00 元")
    assert not MedicalBill.objects.exists()
    page.fill("[name=bill-self_paid]", "")
    page.locator("#add-bill button[type=submit]").click()
    expect(page.locator("ul.messages li.success")).to_contain_text("JS2016000123")
    # 8,000 − 4,000 − 1,000 = 3,000.00 in-policy self-paid × 0.50 (张三 is not a key recipient)
    # = 1,500.00; he still bears 9,000 − 5,000 − 1,500 = 2,500.00 (charity referral).
    row = page.locator("tr[data-bill=JS2016000123]")
    expect(row.get_by_test_id("bill-payout")).to_have_text("1500.00")
    expect(row).to_contain_text("2500.00")
    expect(page.get_by_test_id("medical-total")).to_have_text("1500.00")
    page.locator("#medical-bills details summary").first.click()
    expect(page.locator("#medical-bills table.trace").first).to_contain_text(
        "大病保险报销后政策范围内自付"
    )
    page.screenshot(path="var/screenshots/medical-bill-clerk.png", full_page=True)

    approver = sign_in(browser, live_server, "dongbao_approver", f"/cases/{case.pk}/", DESK)
    expect(approver.locator("[name=county_decision-amount]")).to_have_value("1500.00")
    approver.locator("tr[data-bill=JS2016000123] a").click()
    expect(approver.get_by_test_id("ledger-room")).to_contain_text("80000.00")
    expect(approver.locator("h1")).to_contain_text(zhang.id_masked)
    approver.screenshot(path="var/screenshots/medical-ledger-approver.png", full_page=True)
    assert Case.objects.get(pk=case.pk).medical_bills.get().assistance_fen is None

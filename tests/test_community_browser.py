"""In headless Chromium on a phone-sized screen, on the demo city: the village worker of the demo
community awards points to the demo resident from the workbench card (a first try without the
note shows the message next to it); the resident sees the points on the phone and redeems goods
in the points shop; the village worker hands them over at the shop."""

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
    page.screenshot(path=str(SCREENSHOTS / f"community-{name}.png"), full_page=True)


def test_award_redeem_and_hand_over_on_a_phone(demo_city, live_server, browser):
    from playwright.sync_api import expect

    from minzheng.accounts.models import User
    from minzheng.community.models import PointsBalance, PointsRule

    resident = User.objects.get(username="resident")
    worker_region = User.objects.get(username="village_worker").region
    person = resident.person
    if worker_region.pk not in (person.hukou_region_id, person.residence_region_id):
        # A small demo city may register the demo resident in another community of 龙泉街道:
        # here they live in the village worker's community.
        person.residence_region = worker_region
        person.save(update_fields=["residence_region"])
    rule = str(
        PointsRule.objects.get(
            region=worker_region, name__startswith="评为文明家庭", valid_to__isnull=True
        ).pk
    )
    balances = PointsBalance.objects.filter(person_id=resident.person_id)
    total = sum(b.balance for b in balances)
    before = sum(b.balance for b in balances if b.region_id == worker_region.pk)

    worker = _sign_in(browser, live_server, "village_worker")
    worker.locator("section", has_text="积分制管理").get_by_role("link", name="登记积分").click()
    worker.locator("#id_person_id").select_option(str(resident.person_id))
    worker.locator("#id_rule_id").select_option(rule)
    worker.get_by_role("button", name="登记", exact=True).click()
    expect(worker.locator(".field.has-error", has_text="事由")).to_be_visible()
    _shot(worker, "award-errors")
    worker.locator("#id_person_id").select_option(str(resident.person_id))
    worker.locator("#id_rule_id").select_option(rule)
    worker.fill("#id_note", "参加社区义务清扫")
    worker.get_by_role("button", name="登记", exact=True).click()
    expect(worker.locator(".alert, .messages").first).to_contain_text("已登记积分")
    _shot(worker, "awarded")

    phone = _sign_in(browser, live_server, "resident")
    expect(phone.get_by_test_id("my-balance-card")).to_contain_text(str(total + 10))
    phone.get_by_role("link", name="积分明细与积分超市").click()
    card = phone.locator(f"section[data-village='{worker_region.code}']")
    expect(card.get_by_test_id("my-balance")).to_have_text(str(before + 10))
    card.get_by_role("button", name="兑换毛巾").click()
    card = phone.locator(f"section[data-village='{worker_region.code}']")
    expect(card.get_by_test_id("my-balance")).to_have_text(str(before))
    expect(phone.get_by_test_id("my-redemption").first).to_contain_text("待领取")
    _shot(phone, "resident-redeemed")

    worker.goto(f"{live_server.url}/")
    worker.locator("section", has_text="积分制管理").get_by_role("link", name="积分超市").click()
    row = worker.get_by_test_id("waiting-row").filter(has_text="毛巾").first
    row.get_by_role("button", name="领取").click()
    expect(worker.locator(".alert, .messages").first).to_contain_text("已领取")
    _shot(worker, "handed-over")
    phone.reload()
    expect(phone.get_by_test_id("my-redemption").first).to_contain_text("已领取")

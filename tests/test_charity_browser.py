"""In headless Chromium on the demo city: the charity federation records a donation of a resident
from its workbench card, issues and prints the receipt, records a use of its unrestricted funds
and publishes it; the public page, without login, shows the use and the donor masked."""

from __future__ import annotations

import pytest
from django.utils import timezone

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS, in_thread, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"charity-{name}.png"), full_page=True)


def test_donation_receipt_use_and_public_page(demo_city, live_server, browser):
    from playwright.sync_api import expect

    from minzheng.charity.models import Charity
    from minzheng.people.models import Person

    def pick():
        person = (
            Person.objects.filter(
                death_date__isnull=True,
                hukou_region__code__startswith="420802",
                birth_date__year__lt=1990,
            )
            .order_by("-id")
            .first()
        )
        charity = Charity.objects.get(organisation__name="荆门市慈善总会")
        return person.name, person.id_number, charity.pk

    name, id_number, charity_id = in_thread(pick)
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "charity")
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    _shot(page, "workbench")
    page.get_by_test_id("widget-donation-new").click()
    page.select_option("#id_donor_kind", "person")
    page.fill("#id_donor_id_number", id_number)
    page.select_option("#id_form", "money")
    page.fill("#id_amount_yuan", "888.80")
    page.select_option("#id_channel", "bank")
    page.fill("#id_purpose_note", "支持慈善事业")
    page.get_by_test_id("save-donation").click()
    expect(page.get_by_test_id("amount")).to_have_text("888.80")
    page.get_by_test_id("issue-receipt").click()
    link = page.locator("a[data-testid^='receipt-JZ']")
    expect(link).to_have_count(1)
    _shot(page, "receipt")
    pdf = page.request.get(live_server.url + link.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    open_menu(page, "基层治理", "慈善捐赠")
    page.get_by_test_id("use-new").click()
    page.fill("#id_project", "龙泉中学困难学生助学金")
    page.fill("#id_beneficiary_unit", "荆门市龙泉中学")
    page.fill("#id_amount_yuan", "300")
    page.select_option("#id_purpose", "education")
    page.get_by_test_id("save-use").click()
    expect(page.locator("#unpublished")).to_contain_text("龙泉中学困难学生助学金")
    page.get_by_test_id("publish").click()
    expect(page.locator("#unpublished")).to_contain_text("善款使用均已公示")

    public = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    month = timezone.localdate().strftime("%Y-%m")
    public.goto(f"{live_server.url}/charity/public/?org={charity_id}&month={month}")
    expect(public.locator("main")).to_contain_text("龙泉中学困难学生助学金")
    expect(public.locator("main")).to_contain_text("888.80")
    text = public.locator("main").inner_text()
    assert name not in text and name[0] + "*" in text and id_number not in text
    _shot(public, "public")

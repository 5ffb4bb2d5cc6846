"""In the browser: the person form refuses a phone that is not a phone number and a name carrying
an invisible direction override, beside each field, and registers the person once corrected."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import SCREENSHOTS, signed_in_page
from tests.fixtures.web import ZHAO_LIU

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_person_form_checks_phone_and_name(browser_world, live_server, browser):
    from playwright.sync_api import expect

    page = signed_in_page(browser, live_server, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/people/new/")
    page.fill("#id_id_number", ZHAO_LIU)
    page.fill("#id_name", "赵\u202e六")
    page.select_option("#id_hukou_region", "420802001001")
    page.select_option("#id_hukou_type", "urban")
    page.fill("#id_phone", "12345")
    page.locator("main button[type=submit]").click()
    name_field = page.locator("div.field").filter(has=page.locator("#id_name"))
    phone_field = page.locator("div.field").filter(has=page.locator("#id_phone"))
    expect(name_field).to_contain_text("不能包含控制字符或不可见的格式字符")
    expect(phone_field).to_contain_text("联系电话格式不正确")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "person-form-bad-phone.png"), full_page=True)

    page.fill("#id_name", "赵六")
    page.fill("#id_phone", "0724-2345678")
    page.locator("main button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("赵六")
    page.context.close()

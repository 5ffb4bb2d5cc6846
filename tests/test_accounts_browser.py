"""In headless Chromium: a resident signs up, receives the code in the SMS outbox, activates and
sees their household with the bank account's last four digits only; a clerk prints a window
activation code after checking an ID card."""

from __future__ import annotations

import re

import pytest

from minzheng.core import messaging
from minzheng.people.models import Person
from tests.fixtures.browser import PASSWORD, SCREENSHOTS, in_thread
from tests.fixtures.web import BANK_ACCOUNT, LI_SI, ZHANG_SAN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ON_RECORD = "13912345678"
LOGIN_PHONE = "13655556666"
RESIDENT_PASSWORD = "river-stone-42"


@pytest.fixture
def registry(browser_world, settings, tmp_path):
    world = browser_world
    settings.VAR_DIR = tmp_path
    settings.SMS_BACKEND = "outbox"
    Person.objects.filter(pk=world.zhang.pk).update(phone=ON_RECORD)
    return world


def test_resident_signs_up_activates_and_sees_masked_data(registry, live_server, browser):
    from playwright.sync_api import expect

    world = registry
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="居民首次使用？凭身份证号码注册").click()
    page.fill("#id_name", "张三")
    page.fill("#id_id_number", ZHANG_SAN)
    page.fill("#id_phone", LOGIN_PHONE)
    page.fill("#id_password", RESIDENT_PASSWORD)
    page.fill("#id_password_again", RESIDENT_PASSWORD)
    page.get_by_role("button", name="注册").click()

    page.wait_for_url(re.compile(r"/register/activate/"))
    expect(page.locator(".messages")).to_contain_text("验证码已发送到您在户籍登记中预留的手机号码")
    expect(page.locator("#id_phone")).to_have_value(LOGIN_PHONE)
    sent = messaging.read_outbox(phone=ON_RECORD, purpose="registration")
    assert len(sent) == 1 and messaging.read_outbox(phone=LOGIN_PHONE) == []
    code = re.search(r"验证码(\d{6})", sent[0].text).group(1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "resident-activate.png"), full_page=True)

    page.fill("#id_code", code)
    page.get_by_role("button", name="开通并登录").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("main")).to_contain_text("我的家庭")
    page.get_by_role("link", name=world.household.number).click()
    expect(page.get_by_test_id("bank-account")).to_have_text("**** " + BANK_ACCOUNT[-4:])
    body = page.locator("main").inner_text()
    assert BANK_ACCOUNT[:4] not in body and LI_SI not in body and "操作日志" not in body
    expect(page.get_by_role("button", name="显示完整账号")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "resident-household.png"), full_page=True)

    # Their own full ID is one audited click away; another member's is not offered.
    page.get_by_test_id("members").get_by_role("link", name="李四").click()
    expect(page.get_by_role("button", name="显示完整号码")).to_have_count(0)
    page.go_back()
    page.get_by_test_id("members").get_by_role("link", name="张三").click()
    page.get_by_role("button", name="显示完整号码").click()
    expect(page.get_by_test_id("revealed")).to_have_text(ZHANG_SAN)
    context.close()


def test_clerk_prints_a_window_code(registry, live_server, browser):
    from playwright.sync_api import expect

    world = registry
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/people/{world.li.pk}/")
    expect(page.get_by_test_id("resident-account")).to_contain_text("尚未开通")
    page.get_by_role("button", name="核验身份证后打印开通码").click()
    expect(page.locator("h1")).to_have_text("居民账号开通码")
    code = page.get_by_test_id("activation-code").inner_text().strip()
    assert re.fullmatch(r"\d{8}", code)
    page.screenshot(path=str(SCREENSHOTS / "window-activation-code.png"), full_page=True)
    context.close()

    # The resident signs up (no mobile on record: no text) and activates with the printed code.
    resident = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    resident.set_default_timeout(10_000)
    page = resident.new_page()
    page.goto(f"{live_server.url}/register/")
    for field, value in (
        ("name", "李四"),
        ("id_number", LI_SI),
        ("phone", "13711112222"),
        ("password", RESIDENT_PASSWORD),
        ("password_again", RESIDENT_PASSWORD),
    ):
        page.fill(f"#id_{field}", value)
    page.get_by_role("button", name="注册").click()
    page.wait_for_url(re.compile(r"/register/activate/"))
    assert messaging.read_outbox() == []
    page.fill("#id_code", code)
    page.get_by_role("button", name="开通并登录").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("main")).to_contain_text("我的家庭")
    assert in_thread(lambda: Person.objects.get(pk=world.li.pk).account.username) == "13711112222"
    resident.close()

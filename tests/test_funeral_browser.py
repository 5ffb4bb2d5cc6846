"""The funeral home in headless Chromium: from its workbench card it finds a death the registry
recorded, records the cremation (the registry's person matched by the full ID number typed from
the family's documents), prints the certificate, and records an eco burial in its cemetery."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.funeral.models import Burial, Cemetery, Cremation
from tests.conftest import PASSWORD, make_id
from tests.fixtures.browser import SCREENSHOTS, in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_records_a_cremation_from_its_workbench_and_an_eco_burial(
    funeral, people, users, jingmen, live_server, browser
):
    from playwright.sync_api import expect

    from minzheng.people import services as people_services

    today = timezone.localdate()
    people_services.update_person(
        user=users["dongbao_clerk"], person=people["zhang"], death_date=today - dt.timedelta(days=2)
    )
    Cemetery.objects.create(
        name="荆门市城乡公益性公墓",
        kind=Cemetery.Kind.PUBLIC,
        region=jingmen["longquan"],
        operator=funeral["city"],
        capacity=100,
        built_on=dt.date(2012, 5, 1),
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "funeral_home")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    card = page.get_by_test_id("funeral-home-widget")
    expect(card).to_contain_text("服务区域内待登记火化 1 人")
    page.screenshot(path=str(SCREENSHOTS / "funeral-home-workbench.png"), full_page=True)
    card.get_by_role("link", name="服务区域内待登记火化 1 人").click()
    awaiting = page.get_by_test_id("awaiting")
    expect(awaiting).to_contain_text("张三")
    awaiting.get_by_role("link", name="登记火化").click()
    expect(page.locator("#id_name")).to_have_value("张三")
    page.fill("#id_id_number", make_id("420802", "19800101", 11))
    page.fill("#id_family_contact", "李梅")
    page.screenshot(path=str(SCREENSHOTS / "funeral-cremation-form.png"), full_page=True)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已登记火化，火化证明编号 HZ")
    expect(page.get_by_test_id("service-lines")).to_contain_text("遗体火化")
    page.screenshot(path=str(SCREENSHOTS / "funeral-cremation-detail.png"), full_page=True)
    href = page.get_by_test_id("certificate-link").get_attribute("href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    page.goto(f"{live_server.url}/funeral/burials/new/")
    page.fill("#id_id_number", make_id("420802", "19800101", 11))
    page.fill("#id_name", "张三")
    page.locator("#id_kind").select_option("tree")
    page.locator("#id_cemetery_id").select_option(label="荆门市城乡公益性公墓（余 100 穴）")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已登记安葬")
    expect(page.get_by_test_id("burials")).to_contain_text("树葬")
    page.screenshot(path=str(SCREENSHOTS / "funeral-burial-list.png"), full_page=True)

    # A wrong name is explained under the ID number field, which is marked invalid; nothing is
    # recorded.
    page.goto(f"{live_server.url}/funeral/cremations/new/")
    page.fill("#id_id_number", make_id("420802", "19820202", 22))
    page.fill("#id_name", "李四")
    page.fill("#id_death_date", today.isoformat())
    page.fill("#id_family_contact", "张家属")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#id_id_number_error")).to_contain_text("没有与该身份证号码和姓名相符")
    expect(page.locator("#id_id_number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_id_number")).to_have_attribute(
        "aria-describedby", "id_id_number_error"
    )
    expect(page.get_by_test_id("form-errors")).to_have_count(0)

    assert in_thread(lambda: Cremation.objects.count()) == 1
    burial = in_thread(lambda: Burial.objects.get())
    assert burial.eco and burial.kind == "tree"
    context.close()


def test_bureau_binds_an_account_and_stops_a_provider(
    funeral, users, jingmen, live_server, browser
):
    """The county approver opens its funeral home from the provider list, binds a new
    funeral-service account to it and unbinds it, then stops the home and lets it operate again."""
    from playwright.sync_api import expect

    from minzheng.core.roles import Role
    from minzheng.funeral.models import Provider, ProviderStaff
    from tests.conftest import make_user

    make_user("zx_home2", Role.FUNERAL_HOME, jingmen["zhongxiang"])
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "zhongxiang_approver")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/funeral/providers/")
    page.get_by_test_id("providers").get_by_role("link", name="钟祥市殡仪馆").click()
    page.get_by_test_id("provider-accounts-link").click()
    expect(page.get_by_test_id("provider-staff")).to_contain_text("zx_home")

    # An account of another county is unknown here; the message sits under the field.
    page.fill("#id_username", "funeral_home")
    page.get_by_role("button", name="关联", exact=True).click()
    expect(page.locator("#id_username_error")).to_contain_text("未找到该账号")
    expect(page.locator("#id_username")).to_have_attribute("aria-invalid", "true")
    page.fill("#id_username", "zx_home2")
    page.get_by_role("button", name="关联", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已关联账号")
    expect(page.get_by_test_id("provider-staff")).to_contain_text("zx_home2")
    page.screenshot(path=str(SCREENSHOTS / "funeral-provider-accounts.png"), full_page=True)
    row = page.get_by_test_id("provider-staff").get_by_role("row").filter(has_text="zx_home2")
    row.get_by_role("button", name="解除关联").click()
    expect(page.locator(".messages")).to_contain_text("已解除关联")
    expect(page.get_by_test_id("provider-staff")).not_to_contain_text("zx_home2")
    assert in_thread(lambda: ProviderStaff.objects.filter(user__username="zx_home2").count()) == 0

    page.get_by_role("link", name="钟祥市殡仪馆").click()
    page.get_by_test_id("provider-active-form").get_by_role("button", name="停止运营").click()
    expect(page.locator(".messages")).to_contain_text("已停止运营")
    expect(page.get_by_test_id("provider-active")).to_contain_text("停止运营")
    page.screenshot(path=str(SCREENSHOTS / "funeral-provider-stopped.png"), full_page=True)
    assert in_thread(lambda: Provider.objects.get(pk=funeral["zx"].pk).active) is False
    page.get_by_test_id("provider-active-form").get_by_role("button", name="恢复运营").click()
    expect(page.locator(".messages")).to_contain_text("已恢复运营")
    assert in_thread(lambda: Provider.objects.get(pk=funeral["zx"].pk).active) is True
    context.close()

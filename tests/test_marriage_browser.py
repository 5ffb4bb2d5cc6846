"""In headless Chromium on the demo city: the marriage registrar of 东宝区 opens one of today's
appointments from the workbench card, is refused while the woman's declaration of free will is
missing, registers the couple and prints the certificate; the resident books an appointment from
the menu and sees it; the registrar confirms the divorce waiting past its cooling-off; an
adoption under notice is on the registrar's card."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from minzheng.demo.data import DEMO_PASSWORD
from tests.fixtures.browser import SCREENSHOTS, in_thread, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _sign_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    return page


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"marriage-{name}.png"), full_page=True)


def test_registrar_registers_from_workbench_and_resident_books(demo_city, live_server, browser):
    from django.utils import timezone
    from playwright.sync_api import expect

    from minzheng.marriage.models import Appointment, Marriage
    from minzheng.people.models import Person

    def appointment():
        a = (
            Appointment.objects.filter(day=timezone.localdate(), registry__code="420802")
            .select_related("person", "partner")
            .order_by("slot", "id")
            .first()
        )
        return a.pk, a.person.name, a.person.id_number, a.partner.name, a.partner.id_number

    pk, man, man_id, woman, woman_id = in_thread(appointment)
    page = _sign_in(browser, live_server, "marriage_registrar")
    card = page.locator("section", has_text="今日预约")
    expect(card.first).to_contain_text(man)
    expect(page.locator("section", has_text="收养登记").first).to_contain_text("公告期满日")
    _shot(page, "workbench")
    page.get_by_test_id(f"widget-register-{pk}").click()
    page.wait_for_url(re.compile(r"/marriage/register/"))
    expect(page.locator("#id_man_name")).to_have_value(man)
    expect(page.locator("#id_woman_name")).to_have_value(woman)
    page.fill("#id_man_id_number", man_id)
    page.fill("#id_woman_id_number", woman_id)
    page.check("#id_free_will_man")
    page.get_by_role("button", name="登记并发证").click()
    expect(page.locator(".field.has-error")).to_contain_text("女方未当面声明自愿")
    _shot(page, "refused")
    page.fill("#id_man_id_number", man_id)
    page.fill("#id_woman_id_number", woman_id)
    page.check("#id_free_will_woman")
    if not page.locator("#id_free_will_man").is_checked():
        page.check("#id_free_will_man")
    page.get_by_role("button", name="登记并发证").click()
    page.wait_for_url(re.compile(r"/marriage/\d+/$"))
    expect(page.get_by_test_id("marriage-status")).to_have_text("婚姻存续")
    number = in_thread(lambda: Marriage.objects.get(appointment_id=pk).certificate_no)
    assert re.fullmatch(rf"J420802-{timezone.localdate().year}-\d{{6}}", number)
    expect(page.locator(".messages")).to_contain_text(number)
    href = page.get_by_test_id(f"pdf-{number}").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    _shot(page, "registered")

    # The divorce past its cooling-off is confirmed from the card.
    page.goto(f"{live_server.url}/")
    due = page.locator("section", has_text="冷静期届满待确认的离婚申请").first
    due.locator("a[href*='/marriage/divorces/']").first.click()
    page.check("#id_confirm-confirmed_man")
    page.check("#id_confirm-confirmed_woman")
    page.get_by_role("button", name="登记离婚并发证").click()
    expect(page.get_by_test_id("divorce-status")).to_have_text("已登记离婚")
    _shot(page, "divorced")

    # The resident books an appointment for next week and sees it.
    def partner():
        p = (
            Person.objects.filter(
                hukou_region__code__startswith="420802",
                death_date__isnull=True,
                birth_date__lt=dt.date(2000, 1, 1),
                birth_date__gt=dt.date(1990, 1, 1),
            )
            .order_by("-id")
            .first()
        )
        return p.name, p.id_number

    name, id_number = in_thread(partner)
    day = timezone.localdate() + dt.timedelta(days=7)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    resident = _sign_in(browser, live_server, "resident")
    open_menu(resident, "社会事务", "婚姻登记预约")
    resident.select_option("#id_kind", "marriage")
    resident.fill("#id_day", day.isoformat())
    resident.select_option("#id_slot", "10:00")
    resident.fill("#id_partner_name", name)
    resident.fill("#id_partner_id_number", id_number)
    resident.get_by_role("button", name="提交预约").click()
    expect(resident.locator(".messages")).to_contain_text("预约成功")
    expect(resident.get_by_test_id("my-appointments")).to_contain_text(day.isoformat())
    expect(resident.get_by_test_id("my-appointments")).to_contain_text("已预约")
    _shot(resident, "booked")


def test_registrar_opens_a_scanned_document_of_the_archive(demo_city, live_server, browser):
    from playwright.sync_api import expect

    from minzheng.core.models import AuditEvent
    from minzheng.marriage.models import ArchiveFile

    def archived():
        a = ArchiveFile.objects.filter(kind="declaration").select_related("marriage").first()
        return a.marriage_id, a.marriage.certificate_no, a.pk, a.original_name

    marriage_pk, number, pk, name = in_thread(archived)
    page = _sign_in(browser, live_server, "marriage_registrar")
    page.goto(f"{live_server.url}/marriage/?q={number}")
    page.locator(f"a[href='/marriage/{marriage_pk}/']").first.click()
    page.wait_for_url(re.compile(rf"/marriage/{marriage_pk}/$"))
    link = page.get_by_test_id(f"archive-{pk}")
    expect(link).to_have_text(name)
    _shot(page, "archive")
    with page.context.expect_event(
        "response", predicate=lambda r: f"/archive/{pk}/" in r.url
    ) as opened:
        link.click()
    response = opened.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline; filename*=utf-8''")
    body = page.request.get(f"{live_server.url}/marriage/{marriage_pk}/archive/{pk}/").body()
    assert body.startswith(b"%PDF")
    assert (
        in_thread(
            lambda: AuditEvent.objects.filter(
                action="view", object_type="marriage.archivefile", object_id=str(pk)
            ).count()
        )
        == 2
    )


def test_leader_reads_adoption_statistics_and_exports_them(demo_city, live_server, browser):
    from playwright.sync_api import expect

    page = _sign_in(browser, live_server, "leader")
    open_menu(page, "社会事务", "收养登记统计")
    page.wait_for_url(re.compile(r"/adoption/statistics/"))
    expect(page.get_by_test_id("total-applications")).not_to_have_text("0")
    expect(page.get_by_test_id("adoption-counties")).to_contain_text("东宝区")
    _shot(page, "adoption-statistics")
    with page.expect_download() as download:
        page.get_by_test_id("adoption-xlsx").click()
    assert download.value.suggested_filename.startswith("adoption-")

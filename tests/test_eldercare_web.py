"""Elderly-care pages: the community worker's residents and assessment form, the allowance list,
the provider's order board and isolation, settlements — through Django's test client, and one
booking's whole life in headless Chromium (a family member books on a phone, the provider works
the order board, the family confirms)."""

from __future__ import annotations

import datetime as dt
import os
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from minzheng.eldercare import bookings
from minzheng.eldercare.models import AllowanceEnrolment, Assessment, Booking

from .conftest import PASSWORD
from .test_eldercare_fixtures import born, care, elder, standards, this_month  # noqa: F401

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def login(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


def test_community_worker_sees_residents_and_records_an_assessment(client, care, users):
    login(client, "dongbao_village")
    html = client.get(reverse("eldercare:elderly_list")).content.decode()
    assert "陈老太" in html and "陈大" not in html  # the son is not 60
    mother = care["mother"]
    page = client.get(reverse("eldercare:elderly_detail", args=[mother.pk])).content.decode()
    assert "与家人同住" in page  # suggested from the household
    r = client.post(reverse("eldercare:assess", args=[mother.pk]), {
        "assessed_on": timezone.localdate().isoformat(), "adl_score": "60", "mental_score": "2", "consciousness": "0", "vision": "1",
        "hearing": "1", "communication": "0", "social_score": "9", "assessors": "甲,乙", "reason": "initial",
    })
    assert r.status_code == 302
    assert Assessment.objects.get(person=mother).grade == 2  # ADL 2, others 2/0/2 → 中度失能
    r = client.post(reverse("eldercare:assess", args=[mother.pk]), {"assessed_on": "x", "adl_score": "61"})
    assert r.status_code == 200 and "请填写评分" in r.content.decode()
    r = client.post(reverse("eldercare:elderly_profile", args=[mother.pk]), {"living_situation": "empty_nest", "address": "龙泉路8号"})
    assert r.status_code == 302 and mother.elderly_profile.living_situation == "empty_nest"
    # Out of reach: another county's worker gets 404.
    client.logout()
    login(client, "zhongxiang_clerk")
    assert client.get(reverse("eldercare:elderly_detail", args=[mother.pk])).status_code == 404


def test_township_confirms_allowance_on_the_page(client, care, users, jingmen):
    from minzheng.eldercare import allowance

    allowance.scan_enrolments(month=this_month())
    login(client, "dongbao_clerk")
    html = client.get(reverse("eldercare:allowance_list")).content.decode()
    assert "陈老太" in html
    enrolment = AllowanceEnrolment.objects.get(person=care["mother"])
    r = client.post(reverse("eldercare:allowance_confirm"), {"ids": [enrolment.pk]})
    assert r.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == "confirmed" and enrolment.entitlement.monthly_amount_fen == 5000
    # A village worker sees the list but has no confirm button and cannot confirm.
    client.logout()
    login(client, "dongbao_village")
    assert "确认纳入所选人员" not in client.get(reverse("eldercare:allowance_list") + "?status=proposed").content.decode()


def test_provider_board_shows_only_its_orders(client, care, users):
    b_a = bookings.create_booking(user=care["family"], person=care["mother"], item=care["items"]["meal"],
                                  scheduled_at=timezone.now() + dt.timedelta(hours=3))
    b_b = bookings.create_booking(user=care["family"], person=care["mother"], item=care["items"]["b_cleaning"],
                                  scheduled_at=timezone.now() + dt.timedelta(hours=3))
    login(client, "provider_a")
    board = client.get(reverse("eldercare:board")).content.decode()
    assert b_a.number in board and b_b.number not in board
    assert client.get(reverse("eldercare:booking_detail", args=[b_b.pk])).status_code == 404
    assert client.post(reverse("eldercare:booking_action", args=[b_b.pk, "accept"])).status_code == 404
    assert client.get(reverse("eldercare:elderly_list")).status_code == 403
    r = client.post(reverse("eldercare:booking_action", args=[b_a.pk, "accept"]), {"next": "board"})
    assert r.status_code == 302 and Booking.objects.get(pk=b_a.pk).status == "accepted"
    workbench = client.get("/").content.decode()
    assert "龙泉居家养老服务中心" in workbench and "订单看板" in workbench


def test_pages_render_for_staff(client, care, users):
    login(client, "dongbao_approver")
    for name in ("eldercare:index", "eldercare:elderly_list", "eldercare:allowance_list", "eldercare:booking_list",
                 "eldercare:settlement_list", "eldercare:institution_list", "eldercare:provider_list"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("eldercare:provider_detail", args=[care["a"].pk])).status_code == 200
    html = client.get(reverse("eldercare:index")).content.decode()
    assert "每千名老人床位" in html and "养医结合" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_booking_from_phone_to_confirmation_in_the_browser(care, users, live_server):
    playwright = pytest.importorskip("playwright.sync_api")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    def at_path(pattern):
        return lambda url: re.fullmatch(pattern, urlsplit(url).path) is not None

    def sign_in(page, username, next_path):
        page.goto(f"{live_server.url}/login/?next={next_path}")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")

    when = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True)
            page = phone.new_page()
            sign_in(page, "chen_da", "/eldercare/book/")
            page.wait_for_url(at_path(r"/eldercare/book/"))
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.check(f"input[name=item][value='{care['items']['cleaning'].pk}']")
            page.fill("input[name=scheduled_at]", when.strftime("%Y-%m-%dT%H:%M"))
            page.fill("input[name=quantity]", "2")
            page.click("button:has-text('提交预约')")
            page.wait_for_url(at_path(r"/eldercare/bookings/\d+/"))
            assert page.inner_text("[data-testid=booking-status]") == "待接单"
            booking = Booking.objects.get()
            assert booking.channel == "family" and booking.quantity == 2

            desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            board = desk.new_page()
            sign_in(board, "provider_a", "/eldercare/board/")
            board.wait_for_url(at_path(r"/eldercare/board/"))
            card = f"[data-testid=order-{booking.number}]"
            board.click(f"{card} button:has-text('接单')")
            board.wait_for_url(at_path(r"/eldercare/board/"))
            board.click(f"{card} button:has-text('派单')")
            board.wait_for_url(at_path(r"/eldercare/board/"))
            board.click(f"{card} button:has-text('签到')")
            board.wait_for_url(at_path(r"/eldercare/board/"))
            board.click(f"{card} button:has-text('签退')")
            board.wait_for_url(at_path(r"/eldercare/board/"))
            assert board.locator(card).count() == 1  # now waiting for the family's confirmation

            page.goto(f"{live_server.url}/eldercare/bookings/{booking.pk}/")
            assert page.inner_text("[data-testid=booking-status]") == "待确认"
            page.select_option("select[name=rating]", "5")
            page.click("button:has-text('确认服务完成')")
            page.wait_for_url(at_path(r"/eldercare/bookings/\d+/"))
            assert page.inner_text("[data-testid=booking-status]") == "已确认"
            booking.refresh_from_db()
            assert booking.status == "confirmed" and booking.worker.name == "王护理员" and booking.rating == 5
            # No assessment: grade 0, no subsidised minutes; the whole 80.00 is the family's share.
            assert (booking.gross_fen, booking.subsidy_fen, booking.own_share_fen) == (8000, 0, 8000)
        finally:
            browser.close()

"""Elderly-care pages: the community worker's residents and assessment form, the allowance list,
the provider's order board and isolation, settlements — through Django's test client, and one
booking's whole life in headless Chromium (a family member books on a phone, the provider works
the order board, the family confirms)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from minzheng.eldercare import bookings
from minzheng.eldercare.models import AllowanceEnrolment, Assessment, Booking
from tests.fixtures.eldercare import born, elder, this_month

from .conftest import PASSWORD

SHOTS = Path(os.environ.get("MINZHENG_VAR_DIR", "/tmp")) / "screenshots"


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
    r = client.post(
        reverse("eldercare:assess", args=[mother.pk]),
        {
            "assessed_on": timezone.localdate().isoformat(),
            "adl_score": "60",
            "mental_score": "2",
            "consciousness": "0",
            "vision": "1",
            "hearing": "1",
            "communication": "0",
            "social_score": "9",
            "assessors": "甲,乙",
            "reason": "initial",
        },
    )
    assert r.status_code == 302
    assert Assessment.objects.get(person=mother).grade == 2  # ADL 2, others 2/0/2 → 中度失能
    r = client.post(
        reverse("eldercare:assess", args=[mother.pk]), {"assessed_on": "x", "adl_score": "61"}
    )
    assert r.status_code == 200 and "请填写评分" in r.content.decode()
    r = client.post(
        reverse("eldercare:elderly_profile", args=[mother.pk]),
        {"living_situation": "empty_nest", "address": "龙泉路8号"},
    )
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
    assert (
        "确认纳入所选人员"
        not in client.get(reverse("eldercare:allowance_list") + "?status=proposed").content.decode()
    )


def test_provider_board_shows_only_its_orders(client, care, users):
    b_a = bookings.create_booking(
        user=care["family"],
        person=care["mother"],
        item=care["items"]["meal"],
        scheduled_at=timezone.now() + dt.timedelta(hours=3),
    )
    b_b = bookings.create_booking(
        user=care["family"],
        person=care["mother"],
        item=care["items"]["b_cleaning"],
        scheduled_at=timezone.now() + dt.timedelta(hours=3),
    )
    login(client, "provider_a")
    board = client.get(reverse("eldercare:board")).content.decode()
    assert b_a.number in board and b_b.number not in board
    assert client.get(reverse("eldercare:booking_detail", args=[b_b.pk])).status_code == 404
    assert (
        client.post(reverse("eldercare:booking_action", args=[b_b.pk, "accept"])).status_code == 404
    )
    assert client.get(reverse("eldercare:elderly_list")).status_code == 403
    r = client.post(reverse("eldercare:booking_action", args=[b_a.pk, "accept"]), {"next": "board"})
    assert r.status_code == 302 and Booking.objects.get(pk=b_a.pk).status == "accepted"
    workbench = client.get("/").content.decode()
    assert "龙泉居家养老服务中心" in workbench and "订单看板" in workbench


def test_pages_render_for_staff(client, care, users):
    login(client, "dongbao_approver")
    for name in (
        "eldercare:index",
        "eldercare:elderly_list",
        "eldercare:allowance_list",
        "eldercare:booking_list",
        "eldercare:settlement_list",
        "eldercare:institution_list",
        "eldercare:provider_list",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("eldercare:provider_detail", args=[care["a"].pk])).status_code == 200
    html = client.get(reverse("eldercare:index")).content.decode()
    assert "每千名老人床位" in html and "养医结合" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_booking_billed_only_after_a_valid_check_in_and_out_in_the_browser(
    care, users, live_server, browser
):
    """A family books on a phone; the provider cannot check in far from the slot; a same-minute
    check-out is held, a real one billed by the time served; the clerk's settlement bills only
    the real one (and shows no 审核 button); a reviewed, released one joins; the county approves."""

    def at_path(pattern):
        return lambda url: re.fullmatch(pattern, urlsplit(url).path) is not None

    def sign_in(page, username, next_path):
        page.goto(f"{live_server.url}/login/?next={next_path}")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")

    when = (timezone.localtime() + dt.timedelta(days=1)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
    )
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
    assert "已接单" in board.inner_text(".messages")
    board.click(f"{card} button:has-text('派单')")
    board.wait_for_url(at_path(r"/eldercare/board/"))
    assert "已派单给 王护理员" in board.inner_text(".messages")
    # Tomorrow's slot: no check-in today, so nothing can be billed for it yet.
    board.click(f"{card} button:has-text('签到')")
    board.wait_for_url(at_path(r"/eldercare/board/"))
    assert "只能在预约时间前后 60 分钟内签到" in board.inner_text(".messages")
    assert Booking.objects.get(pk=booking.pk).status == "dispatched"

    # Two bookings for now: one checked out in the minute it started (held), one after two hours.
    soon = timezone.now() + dt.timedelta(minutes=10)
    doubtful, real = (
        bookings.create_booking(
            user=care["family"],
            person=care["mother"],
            item=care["items"]["cleaning"],
            quantity=2,
            scheduled_at=soon,
        )
        for _ in range(2)
    )
    for b in (doubtful, real):
        bookings.accept(user=care["provider_a"], booking=b)
        bookings.dispatch(user=care["provider_a"], booking=b, worker=care["workers"]["a"])
    board.goto(f"{live_server.url}/eldercare/board/")
    for b in (doubtful, real):
        board.click(f"[data-testid=order-{b.number}] button:has-text('签到')")
        board.wait_for_url(at_path(r"/eldercare/board/"))
        assert "已签到" in board.inner_text(".messages")
    board.click(f"[data-testid=order-{doubtful.number}] button:has-text('签退')")
    board.wait_for_url(at_path(r"/eldercare/board/"))
    assert "暂缓结算" in board.inner_text(
        ".messages"
    ) and "签到与签退在同一分钟" in board.inner_text(".messages")
    # Two hours pass for the other one.
    Booking.objects.filter(pk=real.pk).update(
        checked_in_at=timezone.now() - dt.timedelta(minutes=125)
    )
    board.click(f"[data-testid=order-{real.number}] button:has-text('签退')")
    board.wait_for_url(at_path(r"/eldercare/board/"))
    assert "已签退，服务费用 80.00 元" in board.inner_text(".messages")
    board.screenshot(path=str(SHOTS / "eldercare-board-checked-out.png"), full_page=True)

    for b in (doubtful, real):
        page.goto(f"{live_server.url}/eldercare/bookings/{b.pk}/")
        assert page.inner_text("[data-testid=booking-status]") == "待确认"
        page.select_option("select[name=rating]", "5")
        page.click("button:has-text('确认服务完成')")
        page.wait_for_url(at_path(r"/eldercare/bookings/\d+/"))
        assert page.inner_text("[data-testid=booking-status]") == "已确认"
    page.goto(f"{live_server.url}/eldercare/bookings/{doubtful.pk}/")
    assert "异常待复核" in page.inner_text("[data-testid=booking-review]")

    # The township clerk settles the month: only the service that happened is billed; no 审核 button for a clerk.
    office = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    clerk = office.new_page()
    sign_in(clerk, "dongbao_clerk", "/eldercare/settlements/")
    clerk.wait_for_url(at_path(r"/eldercare/settlements/"))
    clerk.select_option("select[name=provider]", str(care["a"].pk))
    clerk.fill("input[name=month]", this_month().strftime("%Y-%m"))
    clerk.click("button:has-text('生成')")
    clerk.wait_for_url(at_path(r"/eldercare/settlements/\d+/"))
    assert clerk.inner_text("[data-testid=settlement-subsidy]") == "0.00"
    body = clerk.inner_text("main")
    assert real.number in body and "80.00" in body
    assert doubtful.number in clerk.inner_text("[data-testid=held-bookings]")
    assert clerk.locator("button:has-text('审核')").count() == 0
    clerk.screenshot(path=str(SHOTS / "eldercare-settlement-clerk.png"), full_page=True)

    # The community worker reviews the held one and releases it; a rebuild bills it too.
    village = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN"
    ).new_page()
    sign_in(village, "dongbao_village", f"/eldercare/bookings/{doubtful.pk}/")
    village.wait_for_url(at_path(r"/eldercare/bookings/\d+/"))
    village.select_option("[data-testid=review-form] select[name=release]", "1")
    village.fill("[data-testid=review-form] input[name=note]", "电话回访老人，确认已上门保洁两小时")
    village.click("[data-testid=review-form] button")
    village.wait_for_url(at_path(r"/eldercare/bookings/\d+/"))
    assert "复核通过" in village.inner_text("[data-testid=booking-review]")
    clerk.goto(f"{live_server.url}/eldercare/settlements/")
    clerk.select_option("select[name=provider]", str(care["a"].pk))
    clerk.fill("input[name=month]", this_month().strftime("%Y-%m"))
    clerk.click("button:has-text('生成')")
    clerk.wait_for_url(at_path(r"/eldercare/settlements/\d+/"))
    assert (
        doubtful.number in clerk.inner_text("main")
        and clerk.locator("[data-testid=held-bookings]").count() == 0
    )
    for b in (booking, doubtful, real):
        b.refresh_from_db()
    # Billed by the time served: the same-minute one is worth 0.00 until proven; the real one 2 h × 40 = 80.00.
    assert (real.gross_fen, real.subsidy_fen, real.own_share_fen, real.review) == (
        8000,
        0,
        8000,
        "",
    )
    assert (doubtful.review, doubtful.gross_fen, booking.status) == (
        "released",
        0,
        "dispatched",
    )

    approver = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN"
    ).new_page()
    sign_in(approver, "dongbao_approver", clerk.url.split(live_server.url, 1)[1])
    approver.wait_for_url(at_path(r"/eldercare/settlements/\d+/"))
    approver.click("button:has-text('审核')")
    assert "结算已审核" in approver.inner_text(".messages")


def test_confirming_an_allowance_with_a_flagged_problem_warns_first(client, care, users, jingmen):
    from minzheng.eldercare import allowance

    nobank = elder(
        users["dongbao_clerk"], care["village"], "赵无卡", born(85, this_month(), 5), bank=False
    )
    allowance.scan_enrolments(month=this_month())
    flagged = AllowanceEnrolment.objects.get(person=nobank)
    fine = AllowanceEnrolment.objects.get(person=care["mother"])
    assert flagged.problem and not fine.problem
    login(client, "dongbao_clerk")
    r = client.post(
        reverse("eldercare:allowance_confirm"), {"ids": [flagged.pk, fine.pk], "reason": "到龄纳入"}
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert (
        "赵无卡" in page and flagged.problem in page and 'name="confirm_problems" value="1"' in page
    )
    assert set(AllowanceEnrolment.objects.values_list("status", flat=True)) == {"proposed"}
    r = client.post(
        reverse("eldercare:allowance_confirm"),
        {"ids": [flagged.pk, fine.pk], "reason": "到龄纳入", "confirm_problems": "1"},
    )
    assert r.status_code == 302 and AllowanceEnrolment.objects.get(pk=fine.pk).status == "confirmed"

"""A home-care service is billed only when it happened: check-in near the booked slot, the bill by
the catalogue unit and the time served, doubtful services held from settlement until reviewed.

Figures by hand, with the fixture's catalogue (cleaning 40 元/h, bath 50 元 a visit of 60 min,
meal 12 元 counted as 30 min) and the default standards (window 60 min, minimum stay 0.5 of the
booked time, 500 m, subsidy cap 20 元/h, grade-2 quota 240 min)."""

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.assistance.services import set_standard
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.eldercare import bookings, services
from minzheng.eldercare.models import Booking, ElderlyProfile
from tests.fixtures.eldercare import this_month, today

M = dt.timedelta(minutes=1)


def _slot() -> dt.datetime:
    return (timezone.now() + 30 * M).replace(second=0, microsecond=0)


def _dispatched(care, item, quantity=1, at=None):
    b = bookings.create_booking(
        user=care["family"],
        person=care["mother"],
        item=care["items"][item],
        quantity=quantity,
        scheduled_at=at or _slot(),
    )
    bookings.accept(user=care["provider_a"], booking=b)
    return bookings.dispatch(user=care["provider_a"], booking=b, worker=care["workers"]["a"])


def _grade_two(users, person):
    services.record_assessment(
        user=users["dongbao_village"],
        person=person,
        assessed_on=today(),
        adl_score=50,
        mental_score=0,
        consciousness=0,
        vision=0,
        hearing=0,
        communication=0,
        social_score=0,
        assessors="甲评估员,乙评估员",
    )


@pytest.mark.parametrize(
    "offset_minutes, accepted",
    [(-61, False), (-60, True), (0, True), (45, True), (60, True), (61, False), (-600, False)],
)
def test_check_in_only_within_the_window_around_the_slot(care, offset_minutes, accepted):
    b = _dispatched(care, "cleaning")
    at = b.scheduled_at + offset_minutes * M
    if accepted:
        assert bookings.check_in(user=care["provider_a"], booking=b, now=at).status == "in_service"
    else:
        with pytest.raises(ServiceError) as exc:
            bookings.check_in(user=care["provider_a"], booking=b, now=at)
        assert (
            "checked_in_at" in exc.value.errors
            and "60 分钟" in exc.value.errors["checked_in_at"][0]
        )
        assert Booking.objects.get(pk=b.pk).status == "dispatched"


def test_the_window_is_a_standard(care, users, jingmen):
    set_standard(
        user=users["admin"],
        programme="home_care_subsidy",
        key="checkin_window_minutes",
        region=jingmen["dongbao"],
        effective_from=dt.date(2016, 1, 1),
        value=15,
        reason="东宝区：签到偏差收紧为15分钟",
    )
    b = _dispatched(care, "cleaning")
    with pytest.raises(ServiceError):
        bookings.check_in(user=care["provider_a"], booking=b, now=b.scheduled_at + 20 * M)
    assert (
        bookings.check_in(user=care["provider_a"], booking=b, now=b.scheduled_at + 15 * M).status
        == "in_service"
    )


# item, quantity, minutes after check-in (check-in 5 minutes after the slot), billed gross (fen),
# subsidy (fen), anomalies. Grade 2, not assisted: 240 subsidised minutes at most 20 元/h.
BILLS = [
    # 2 hours booked, 90 minutes served: 90/60 × 40 = 60.00; subsidy 90 × 20/60 = 30.00.
    ("cleaning", 2, 90, 6000, 3000, []),
    # 2 hours booked, 150 served: billed as booked, 80.00 (the overrun needs a booking); subsidy 40.00.
    # Check-out at slot + 155 > slot + 120 + 60? No: 155 ≤ 180, within the slot.
    ("cleaning", 2, 150, 8000, 4000, []),
    # 1 hour booked, 45 served (≥ 30, half of 60): 45/60 × 40 = 30.00; subsidy 45 × 20/60 = 15.00.
    ("cleaning", 1, 45, 3000, 1500, []),
    # 1 hour booked, 20 served: 20/60 × 40 = 13.33 (13.333 half up); subsidy 20/60 × 20 = 6.67; too short.
    ("cleaning", 1, 20, 1333, 667, ["too_short"]),
    # A bath is a visit: 50.00 whatever the minutes, if plausible (35 ≥ 30); subsidy 60 × 20/60 = 20.00.
    ("bathing", 1, 35, 5000, 2000, []),
    ("bathing", 1, 20, 5000, 2000, ["too_short"]),
    # Two meals handed over in 5 minutes: per meal, 24.00, no minimum stay; subsidy 60 min × 12/30 vs 20/60 → 20.00.
    ("meal", 2, 5, 2400, 2000, []),
    # Checked out in the minute of the check-in: held, whatever the unit.
    ("meal", 1, 0, 1200, 1000, ["same_minute"]),
    ("cleaning", 1, 0, 0, 0, ["same_minute"]),
    # 1 hour booked, checked out 125 minutes after check-in (slot + 130 > slot + 60 + 60): billed 60 → 40.00, held.
    ("cleaning", 1, 125, 4000, 2000, ["outside_slot"]),
]


@pytest.mark.parametrize("item, quantity, served, gross, subsidy, anomalies", BILLS)
def test_bill_follows_the_unit_and_the_time_served(
    care, users, item, quantity, served, gross, subsidy, anomalies
):
    _grade_two(users, care["mother"])
    b = _dispatched(care, item, quantity)
    start = b.scheduled_at + 5 * M
    bookings.check_in(user=care["provider_a"], booking=b, now=start)
    done = bookings.check_out(
        user=care["provider_a"],
        booking=b,
        now=start + served * M + dt.timedelta(seconds=20 if not served else 0),
    )
    assert (done.actual_minutes, done.gross_fen, done.subsidy_fen, done.own_share_fen) == (
        served,
        gross,
        subsidy,
        gross - subsidy,
    )
    assert done.anomalies == anomalies
    assert done.review == ("held" if anomalies else "")


def test_a_position_away_from_the_address_or_between_check_in_and_out_is_held(care):
    # The address at 30.9800 N, 112.2000 E; 0.0054° of latitude ≈ 600 m, 0.0009° ≈ 100 m.
    ElderlyProfile.objects.update_or_create(
        person=care["mother"], defaults={"latitude": 30.98, "longitude": 112.2}
    )
    cases = [
        ((30.9809, 112.2), (30.9809, 112.2), []),
        ((30.9854, 112.2), (30.98, 112.2), ["location"]),
        ((30.98, 112.2), (30.9854, 112.2), ["location"]),
        (None, None, []),
    ]
    for check_in_at, check_out_at, expected in cases:
        b = _dispatched(care, "bathing")
        start = b.scheduled_at
        lat, lng = check_in_at or (None, None)
        bookings.check_in(
            user=care["provider_a"], booking=b, now=start, latitude=lat, longitude=lng
        )
        lat, lng = check_out_at or (None, None)
        done = bookings.check_out(
            user=care["provider_a"], booking=b, now=start + 60 * M, latitude=lat, longitude=lng
        )
        assert done.anomalies == expected, (check_in_at, check_out_at)
    # Without an address position, check-in and check-out 1.1 km apart are still doubtful.
    ElderlyProfile.objects.filter(person=care["mother"]).update(latitude=None, longitude=None)
    b = _dispatched(care, "bathing")
    bookings.check_in(
        user=care["provider_a"], booking=b, now=b.scheduled_at, latitude=30.98, longitude=112.2
    )
    done = bookings.check_out(
        user=care["provider_a"],
        booking=b,
        now=b.scheduled_at + 60 * M,
        latitude=30.99,
        longitude=112.2,
    )
    assert done.anomalies == ["location"]
    with pytest.raises(ServiceError) as exc:
        bookings.check_in(
            user=care["provider_a"],
            booking=_dispatched(care, "bathing"),
            latitude=95,
            longitude=112.2,
        )
    assert "position" in exc.value.errors


def test_distance_is_right_to_a_few_metres():
    # One degree of latitude is 111.2 km on the mean sphere.
    assert abs(bookings.distance_metres((30.0, 112.0), (31.0, 112.0)) - 111195) < 5
    assert bookings.distance_metres((30.98, 112.2), (30.98, 112.2)) == 0


def _served(care, item="bathing", *, minutes=60):
    b = _dispatched(care, item)
    bookings.check_in(user=care["provider_a"], booking=b, now=b.scheduled_at)
    b = bookings.check_out(
        user=care["provider_a"],
        booking=b,
        now=b.scheduled_at + minutes * M + dt.timedelta(seconds=10),
    )
    return bookings.confirm(user=care["family"], booking=b, rating=4)


def test_held_services_stay_out_of_settlement_until_released(care, users):
    ok, doubtful, refused = _served(care), _served(care, minutes=0), _served(care, minutes=10)
    assert (ok.review, doubtful.review, refused.review) == ("", "held", "held")
    settlement = bookings.build_settlement(
        user=care["provider_a"], provider=care["a"], month=this_month()
    )
    assert set(settlement.bookings.values_list("pk", flat=True)) == {ok.pk}
    assert (settlement.booking_count, settlement.gross_fen) == (1, 5000)

    # Only community or township staff review, with a written reason.
    with pytest.raises((PermissionDeniedError, NotFoundOrOutOfScope)):
        bookings.review_booking(user=care["provider_a"], booking=doubtful, release=True, note="x")
    with pytest.raises((PermissionDeniedError, NotFoundOrOutOfScope)):
        bookings.review_booking(user=users["leader"], booking=doubtful, release=True, note="x")
    with pytest.raises(NotFoundOrOutOfScope):
        bookings.review_booking(
            user=users["zhongxiang_clerk"], booking=doubtful, release=True, note="x"
        )
    with pytest.raises(ServiceError) as exc:
        bookings.review_booking(
            user=users["dongbao_village"], booking=doubtful, release=True, note=" "
        )
    assert "review_note" in exc.value.errors
    bookings.review_booking(
        user=users["dongbao_village"],
        booking=doubtful,
        release=True,
        note="电话回访老人，确认已助浴",
    )
    bookings.review_booking(
        user=users["dongbao_village"], booking=refused, release=False, note="老人称未上门"
    )
    with pytest.raises(ServiceError):
        bookings.review_booking(
            user=users["dongbao_village"], booking=refused, release=True, note="再次"
        )
    settlement = bookings.build_settlement(
        user=care["provider_a"], provider=care["a"], month=this_month()
    )
    assert set(settlement.bookings.values_list("pk", flat=True)) == {ok.pk, doubtful.pk}
    assert (settlement.booking_count, settlement.gross_fen) == (2, 10000)
    assert [e.action for e in Booking.objects.get(pk=refused.pk).events.order_by("id")][
        -1
    ] == "review"


def test_api_check_in_out_with_positions_and_review(api_client, care, users):
    API = "/api/v1/eldercare"
    b = _dispatched(care, "bathing", at=(timezone.now() + 3 * dt.timedelta(hours=1)))
    provider = api_client.login("provider_a")
    r = provider.post(f"{API}/bookings/{b.pk}/check-in", {"latitude": 30.98, "longitude": 112.2})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "checked_in_at"
    b = _dispatched(care, "bathing")
    assert (
        provider.post(
            f"{API}/bookings/{b.pk}/check-in", {"latitude": 30.98, "longitude": 112.2}
        ).json()["status"]
        == "in_service"
    )
    r = provider.post(
        f"{API}/bookings/{b.pk}/check-out", {"latitude": 31.5, "longitude": 112.2}
    ).json()
    assert r["review"] == "held" and {a["code"] for a in r["anomalies"]} == {
        "same_minute",
        "location",
    }
    assert (
        provider.post(f"{API}/bookings/{b.pk}/review", {"release": True, "note": "x"}).status_code
        == 403
    )
    village = type(api_client)().login("dongbao_village")
    r = village.post(
        f"{API}/bookings/{b.pk}/review", {"release": False, "note": "位置不符，老人称未上门"}
    )
    assert r.status_code == 200 and (r.json()["review"], r.json()["payable"]) == ("rejected", False)
    assert provider.post(f"{API}/bookings/{b.pk}/check-in", {"latitude": 300}).status_code == 422


def test_settlement_page_shows_approve_only_to_those_who_may(client, care, users):
    from .conftest import PASSWORD

    _served(care)
    held = _served(care, minutes=0)
    settlement = bookings.build_settlement(
        user=users["dongbao_clerk"], provider=care["a"], month=this_month()
    )
    url = f"/eldercare/settlements/{settlement.pk}/"
    client.login(username="dongbao_clerk", password=PASSWORD)
    page = client.get(url).content.decode()
    assert "审核</button>" not in page and held.number in page and "签到与签退在同一分钟" in page
    client.login(username="dongbao_approver", password=PASSWORD)
    assert "审核</button>" in client.get(url).content.decode()
    # The booking's history names actions in words, not codes.
    history = client.get(f"/eldercare/bookings/{held.pk}/").content.decode()
    assert "签到" in history and "check_in" not in history and "异常待复核" in history

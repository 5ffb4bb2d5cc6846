"""Bookings through the API end to end, provider isolation, the subsidy split and the monthly
settlement sums, complaints, cancellations and no-shows."""

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.eldercare import bookings
from minzheng.eldercare.models import Booking, Settlement
from minzheng.payments import months
from tests.fixtures.eldercare import book, grade_two, serve, soon, this_month, today

API = "/api/v1/eldercare"


def _served_for(booking_id: int, minutes: int) -> None:
    """The worker checked in `minutes` ago: time passing, not a way around the rules."""
    Booking.objects.filter(pk=booking_id).update(
        checked_in_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def test_booking_life_through_the_api(api_client, client, care, users):
    mother = care["mother"]
    grade_two(users, mother)
    family = api_client.login("chen_da")
    items = family.get(f"{API}/catalogue", person_id=mother.pk).json()
    assert {i["name"] for i in items} == {
        "居室清洁",
        "上门助浴",
        "送餐上门",
        "家政保洁",
    }  # not the 钟祥 clinic's
    r = family.post(
        f"{API}/bookings",
        {
            "person_id": mother.pk,
            "item_id": care["items"]["cleaning"].pk,
            "quantity": 2,
            "scheduled_at": soon().isoformat(),
            "note": "打扫客厅和厨房",
        },
    )
    assert r.status_code == 201, r.content
    booking = r.json()
    assert (booking["status"], booking["channel"], booking["gross"]) == (
        "requested",
        "family",
        "80.00",
    )
    bid = booking["id"]

    # The other provider neither sees nor touches it.
    other = type(api_client)().login("provider_b")
    assert other.get(f"{API}/bookings").json()["count"] == 0
    assert other.get(f"{API}/bookings/{bid}").status_code == 404
    assert other.post(f"{API}/bookings/{bid}/accept").status_code == 404

    provider = type(api_client)().login("provider_a")
    assert provider.get(f"{API}/bookings").json()["count"] == 1
    assert [b["id"] for b in provider.get(f"{API}/board").json()["requested"]] == [bid]
    # The family cannot act for the provider.
    assert family.post(f"{API}/bookings/{bid}/accept").status_code == 403
    assert provider.post(f"{API}/bookings/{bid}/check-in").status_code == 409  # not dispatched yet
    assert provider.post(f"{API}/bookings/{bid}/accept").json()["status"] == "accepted"
    assert (
        provider.post(
            f"{API}/bookings/{bid}/dispatch", {"worker_id": care["workers"]["b"].pk}
        ).status_code
        == 422
    )  # b's worker
    assert (
        provider.post(
            f"{API}/bookings/{bid}/dispatch", {"worker_id": care["workers"]["a"].pk}
        ).json()["worker"]["name"]
        == "王护理员"
    )
    assert provider.post(f"{API}/bookings/{bid}/check-in").json()["status"] == "in_service"
    _served_for(bid, 121)
    done = provider.post(f"{API}/bookings/{bid}/check-out").json()
    assert (done["review"], done["anomalies"], done["actual_minutes"]) == ("", [], 121)
    # Quota for grade 2, not assisted: 240 minutes; 120 minutes at 40 元/h, capped at 20 元/h → 40.00.
    assert (done["status"], done["subsidy"], done["own_share"], done["subsidy_minutes"]) == (
        "completed",
        "40.00",
        "40.00",
        120,
    )
    assert (
        done["checked_in_at"]
        and done["checked_out_at"]
        and done["served_on"] == today().isoformat()
    )
    assert provider.post(f"{API}/bookings/{bid}/confirm", {"rating": 5}).status_code == 403
    confirmed = family.post(
        f"{API}/bookings/{bid}/confirm", {"rating": 5, "feedback": "很满意"}
    ).json()
    assert (confirmed["status"], confirmed["rating"]) == ("confirmed", 5)
    detail = family.get(f"{API}/bookings/{bid}").json()
    assert [e["action"] for e in detail["events"]] == [
        "create",
        "accept",
        "dispatch",
        "check_in",
        "check_out",
        "confirm",
    ]
    assert detail["subsidy_basis"]["quota_minutes"] == 240

    # Monthly settlement by the provider, approved and exported by the county.
    month = months.label(this_month())
    s = provider.post(f"{API}/settlements", {"provider_id": care["a"].pk, "month": month}).json()
    assert (s["bookings"], s["gross"], s["subsidy"], s["own_share"]) == (
        1,
        "80.00",
        "40.00",
        "40.00",
    )
    assert (
        other.post(f"{API}/settlements", {"provider_id": care["a"].pk, "month": month}).status_code
        == 404
    )
    assert provider.post(f"{API}/settlements/{s['id']}/approve").status_code == 403
    county = type(api_client)().login("dongbao_approver")
    assert county.post(f"{API}/settlements/{s['id']}/approve").json()["status"] == "approved"
    exported = county.post(f"{API}/settlements/{s['id']}/export")
    assert exported.status_code == 200
    text = exported.content.decode("utf-8-sig")
    assert detail["number"] in text and "40.00" in text and "合计" in text
    assert provider.get(f"{API}/settlements").json()[0]["status"] == "exported"


def test_community_books_and_cancels_and_sees_only_its_residents(api_client, care, users):
    worker = api_client.login("dongbao_village")
    r = worker.post(
        f"{API}/bookings",
        {
            "person_id": care["mother"].pk,
            "item_id": care["items"]["meal"].pk,
            "quantity": 1,
            "scheduled_at": soon(3).isoformat(),
        },
    )
    assert r.status_code == 201 and r.json()["channel"] == "community"
    bid = r.json()["id"]
    zhongxiang = type(api_client)().login("zhongxiang_clerk")
    assert zhongxiang.get(f"{API}/bookings/{bid}").status_code == 404
    assert zhongxiang.get(f"{API}/elderly/{care['mother'].pk}").status_code == 404
    assert worker.post(f"{API}/bookings/{bid}/cancel", {"reason": ""}).status_code == 422
    assert (
        worker.post(f"{API}/bookings/{bid}/cancel", {"reason": "老人住院"}).json()["status"]
        == "cancelled"
    )
    assert worker.post(f"{API}/bookings/{bid}/cancel", {"reason": "再次"}).status_code == 409
    # A provider account cannot book.
    provider = type(api_client)().login("provider_a")
    assert (
        provider.post(
            f"{API}/bookings",
            {
                "person_id": care["mother"].pk,
                "item_id": care["items"]["meal"].pk,
                "scheduled_at": soon().isoformat(),
            },
        ).status_code
        == 404
    )
    # A booking in the past or with a provider not serving the village is refused.
    r = worker.post(
        f"{API}/bookings",
        {
            "person_id": care["mother"].pk,
            "item_id": care["items"]["meal"].pk,
            "scheduled_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scheduled_at"
    r = worker.post(
        f"{API}/bookings",
        {
            "person_id": care["mother"].pk,
            "item_id": care["items"]["z_medical"].pk,
            "scheduled_at": soon().isoformat(),
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "item"


def test_subsidy_quota_is_shared_in_the_month_and_settlement_sums(care, users):
    grade_two(users, care["mother"])
    items, family = care["items"], care["family"]
    # Quota 240 minutes (grade 2, not assisted), cap 20 元/h.
    b1 = serve(care, book(care, users, items["cleaning"], 2))  # 120 min, 80.00: subsidy 40.00
    b2 = serve(care, book(care, users, items["bathing"]))  # 60 min, 50.00: subsidy 20.00
    b3 = serve(
        care, book(care, users, items["meal"], 4)
    )  # 120 min, 48.00: 60 min left → 2 meals at min(12, 10) → 20.00
    b4 = serve(care, book(care, users, items["cleaning"]))  # quota used up → 0.00
    figures = [(b.subsidy_minutes, b.subsidy_fen, b.own_share_fen) for b in (b1, b2, b3, b4)]
    assert figures == [(120, 4000, 4000), (60, 2000, 3000), (60, 2000, 2800), (0, 0, 4000)]
    for b in (b1, b2, b3, b4):
        bookings.confirm(user=family, booking=b, rating=4)
    unconfirmed = serve(care, book(care, users, items["meal"]))
    cancelled = bookings.cancel(
        user=family, booking=book(care, users, items["meal"]), reason="改期"
    )
    complained = serve(care, book(care, users, items["meal"]))
    bookings.confirm(user=family, booking=complained, rating=1)
    complaint = bookings.file_complaint(user=family, booking=complained, text="饭菜是凉的")
    other = bookings.create_booking(
        user=family, person=care["mother"], item=items["b_cleaning"], scheduled_at=soon()
    )
    other = serve(care, other, care["provider_b"])
    bookings.confirm(user=family, booking=other, rating=5)

    settlement = bookings.build_settlement(
        user=care["provider_a"], provider=care["a"], month=this_month()
    )
    assert set(settlement.bookings.values_list("pk", flat=True)) == {b1.pk, b2.pk, b3.pk, b4.pk}
    # 80 + 50 + 48 + 40 = 218.00; subsidy 40 + 20 + 20 = 80.00; own share 138.00.
    assert (
        settlement.booking_count,
        settlement.gross_fen,
        settlement.subsidy_fen,
        settlement.own_share_fen,
    ) == (4, 21800, 8000, 13800)
    assert settlement.subsidy_fen + settlement.own_share_fen == settlement.gross_fen
    # The complaint is upheld: that booking is never paid; rebuilding changes nothing else.
    with pytest.raises(PermissionDeniedError):
        bookings.resolve_complaint(
            user=care["provider_a"], complaint=complaint, upheld=True, resolution="x"
        )
    bookings.resolve_complaint(
        user=users["dongbao_village"],
        complaint=complaint,
        upheld=True,
        resolution="核实属实，不予结算",
    )
    settlement = bookings.build_settlement(
        user=users["dongbao_clerk"], provider=care["a"], month=this_month()
    )
    assert settlement.booking_count == 4 and not Booking.objects.get(pk=complained.pk).payable
    assert (
        Booking.objects.get(pk=unconfirmed.pk).settlement_id is None
        and Booking.objects.get(pk=cancelled.pk).settlement_id is None
    )
    # Provider b's own settlement holds only its booking, unsubsidised: the quota is the person's,
    # whichever provider serves, and was used up above.
    sb = bookings.build_settlement(user=care["provider_b"], provider=care["b"], month=this_month())
    assert (sb.booking_count, sb.gross_fen, sb.subsidy_fen, sb.own_share_fen) == (1, 3000, 0, 3000)
    with pytest.raises(NotFoundOrOutOfScope):
        bookings.build_settlement(user=care["provider_b"], provider=care["a"], month=this_month())
    # Approved settlements are frozen; a late confirmation goes into the next one.
    bookings.approve_settlement(user=users["dongbao_approver"], settlement=settlement)
    with pytest.raises(ServiceError):
        bookings.build_settlement(user=care["provider_a"], provider=care["a"], month=this_month())
    bookings.confirm(user=family, booking=unconfirmed, rating=3)
    assert Settlement.objects.get(pk=settlement.pk).booking_count == 4


def test_assisted_elderly_get_the_larger_quota(care, users, jingmen):
    """A 低保 household's member gets the 'assisted' quota: grade 2 → 480 minutes."""
    from minzheng.payments.models import Entitlement, EntitlementChange
    from minzheng.people.selectors import current_household

    grade_two(users, care["mother"])
    household = current_household(care["mother"])
    e = Entitlement.objects.create(
        programme="dibao_urban",
        household=household,
        beneficiary_key=f"h{household.pk}",
        region=care["village"],
        start_month=months.add_months(this_month(), -2),
        monthly_amount_fen=30000,
        amount_since=months.add_months(this_month(), -2),
        computed_on=today(),
    )
    EntitlementChange.objects.create(
        entitlement=e,
        kind="create",
        effective_month=e.start_month,
        new_amount_fen=30000,
        reason="测试",
        at=timezone.now(),
    )
    b = serve(care, book(care, users, care["items"]["cleaning"], 6))  # 360 minutes, all within 480
    assert (
        b.subsidy_basis["income_status"],
        b.subsidy_basis["quota_minutes"],
        b.subsidy_minutes,
        b.subsidy_fen,
    ) == ("assisted", 480, 360, 12000)


def test_no_show_and_decline(care, users):
    declined = bookings.decline(
        user=care["provider_a"],
        booking=book(care, users, care["items"]["meal"]),
        reason="当日无人手",
    )
    assert declined.status == "declined"
    b = book(care, users, care["items"]["meal"])
    bookings.accept(user=care["provider_a"], booking=b)
    bookings.dispatch(user=care["provider_a"], booking=b, worker=care["workers"]["a"])
    with pytest.raises(ServiceError):
        bookings.no_show(user=care["provider_a"], booking=b, reason="")
    b = bookings.no_show(user=care["provider_a"], booking=b, reason="敲门无人应答")
    assert (b.status, b.subsidy_fen, b.gross_fen) == ("no_show", 0, 1200)
    with pytest.raises(ServiceError):
        bookings.confirm(user=care["family"], booking=b, rating=5)

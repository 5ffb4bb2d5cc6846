"""The volunteer registration system (docs/DOMAIN.md §11.1): registration and approval end to end
through the API, refusals and field errors, scope, sign-up capacity, hours recorded once, hours
credited once from served elderly-care bookings, stars, the summary and targets 7.4 and 7.5
worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.accounts.models import Role
from minzheng.eldercare import bookings
from minzheng.eldercare import services as care_services
from minzheng.eldercare.models import Provider
from minzheng.eldercare.signals import booking_served
from minzheng.regions.models import Region
from minzheng.targets.indicators import population
from minzheng.volunteers import indicators, services, summary
from minzheng.volunteers.models import (
    Activity,
    RegionSummary,
    ServiceRecord,
    Volunteer,
    star_for_minutes,
)
from tests.conftest import make_user
from tests.fixtures.eldercare import soon

FORM = {
    "skills": ["elderly", "medical"],
    "area_codes": ["420802001"],
    "availability": "weekends",
    "phone": "13971600001",
}


@pytest.fixture
def residents(people):
    return {
        "zhang": make_user("zhang", Role.RESIDENT, person=people["zhang"]),
        "li": make_user("li", Role.RESIDENT, person=people["li"]),
        "wang": make_user("wang", Role.RESIDENT, person=people["wang"]),
    }


def _register(api, username, **changes):
    api.login(username)
    return api.post("/api/v1/volunteers/volunteers", FORM | changes)


def _approved(api, username, clerk="dongbao_clerk"):
    r = _register(api, username)
    assert r.status_code == 201, r.content
    api.login(clerk)
    r = api.post(f"/api/v1/volunteers/volunteers/{r.json()['id']}/decide", {"approve": True})
    assert r.status_code == 200, r.content
    return Volunteer.objects.get(pk=r.json()["id"])


def test_registration_and_approval_through_the_api(api_client, users, residents, people):
    r = _register(api_client, "zhang")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["number"], body["channel"]) == ("pending", None, "online")
    assert body["name"] == "张三" and body["region_code"] == "420802001001"
    # The same person registers once: the registry person is the identity.
    assert _register(api_client, "zhang").status_code == 409
    assert Volunteer.objects.filter(person=people["zhang"]).count() == 1
    api_client.login("dongbao_clerk")
    listed = api_client.get("/api/v1/volunteers/volunteers", status="pending").json()
    assert [v["id"] for v in listed["items"]] == [body["id"]]
    # Another street's clerk: 404 on read and decide, no hint.
    api_client.login("zhongxiang_clerk")
    assert api_client.get(f"/api/v1/volunteers/volunteers/{body['id']}").status_code == 404
    r = api_client.post(f"/api/v1/volunteers/volunteers/{body['id']}/decide", {"approve": True})
    assert r.status_code == 404
    assert api_client.get("/api/v1/volunteers/volunteers").json()["items"] == []
    # A resident may not decide.
    api_client.login("li")
    r = api_client.post(f"/api/v1/volunteers/volunteers/{body['id']}/decide", {"approve": True})
    assert r.status_code == 404
    api_client.login("dongbao_clerk")
    r = api_client.post(f"/api/v1/volunteers/volunteers/{body['id']}/decide", {"approve": True})
    assert r.status_code == 200, r.content
    done = r.json()
    assert done["status"] == "approved"
    assert done["number"] == f"ZY420802{body['id']:08d}"
    v = Volunteer.objects.get(pk=body["id"])
    assert v.approved_in == Region.objects.get(code="420802001")
    assert v.approved_on == timezone.localdate()
    again = api_client.post(f"/api/v1/volunteers/volunteers/{body['id']}/decide", {"approve": True})
    assert again.status_code == 409
    api_client.login("zhang")
    assert api_client.get("/api/v1/volunteers/me").json()["number"] == done["number"]
    # The volunteer leaves; the record stays.
    assert api_client.post("/api/v1/volunteers/me/leave", {}).json()["status"] == "left"


def test_refusal_needs_a_reason_and_field_errors_are_named(api_client, users, residents):
    r = _register(api_client, "li", skills=[], area_codes=[], phone="123", availability="weekends")
    assert r.status_code == 422
    fields = r.json()["errors"] if "errors" in r.json() else r.json()
    text = str(fields)
    for message in ("请至少选择一项服务技能", "请至少选择一个服务区域", "联系电话格式不正确"):
        assert message in text
    r = _register(api_client, "li", area_codes=["999999"])
    assert r.status_code == 422 and "服务区域" in str(r.json())
    r = _register(api_client, "li")
    vid = r.json()["id"]
    api_client.login("dongbao_clerk")
    r = api_client.post(f"/api/v1/volunteers/volunteers/{vid}/decide", {"approve": False})
    assert r.status_code == 422 and "不予注册时请填写理由" in str(r.json())
    r = api_client.post(
        f"/api/v1/volunteers/volunteers/{vid}/decide",
        {"approve": False, "reason": "联系电话无法接通"},
    )
    assert (r.json()["status"], r.json()["reason"], r.json()["number"]) == (
        "refused",
        "联系电话无法接通",
        None,
    )
    # Refused, the resident may apply again.
    assert _register(api_client, "li").json()["status"] == "pending"


def test_window_registration_by_id_number(api_client, users, people):
    api_client.login("dongbao_clerk")
    r = api_client.post("/api/v1/volunteers/volunteers", FORM | {"id_number": "420802198001010000"})
    assert r.status_code == 422 and "身份证号码格式不正确" in str(r.json())
    r = api_client.post(
        "/api/v1/volunteers/volunteers", FORM | {"id_number": people["wang"].id_number}
    )
    assert r.status_code == 422 and "不在您的管辖范围内" in str(r.json())
    r = api_client.post(
        "/api/v1/volunteers/volunteers", FORM | {"id_number": people["zhang"].id_number}
    )
    assert r.status_code == 201, r.content
    # The street clerk checked the identity in person: approved at once, by the street.
    assert (r.json()["channel"], r.json()["status"]) == ("window", "approved")
    # The village worker registers too; the street approves later.
    api_client.login("dongbao_village")
    r = api_client.post(
        "/api/v1/volunteers/volunteers", FORM | {"id_number": people["li"].id_number}
    )
    assert (r.status_code, r.json()["status"]) == (201, "pending")


@pytest.mark.parametrize(
    "minutes, star",
    [
        (0, 0),
        (5999, 0),  # 99.98 h
        (6000, 1),  # 100 h
        (17999, 1),
        (18000, 2),  # 300 h
        (35999, 2),
        (36000, 3),  # 600 h
        (60000, 4),  # 1,000 h
        (89999, 4),
        (90000, 5),  # 1,500 h
        (200000, 5),
    ],
)
def test_stars_by_total_hours(minutes, star):
    assert star_for_minutes(minutes) == star


def _team_and_activity(api, capacity=1):
    api.login("dongbao_clerk")
    r = api.post(
        "/api/v1/volunteers/teams", {"name": "龙泉街道志愿服务队", "region_code": "420802001"}
    )
    assert r.status_code == 201, r.content
    team = r.json()["id"]
    start = timezone.now() + dt.timedelta(days=2)
    payload = {
        "title": "敬老院陪伴",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "place": "龙泉社区活动室",
        "region_code": "420802001001",
        "capacity": capacity,
        "skills": ["elderly"],
    }
    bad = api.post(f"/api/v1/volunteers/teams/{team}/activities", payload | {"place": " "})
    assert bad.status_code == 422 and "请填写活动地点" in str(bad.json())
    other = api.post(
        f"/api/v1/volunteers/teams/{team}/activities", payload | {"region_code": "420881001"}
    )
    assert other.status_code == 422
    r = api.post(f"/api/v1/volunteers/teams/{team}/activities", payload)
    assert r.status_code == 201, r.content
    return team, r.json()["id"]


def test_sign_up_holds_the_capacity_and_hours_are_recorded_once(api_client, users, residents):
    zhang = _approved(api_client, "zhang")
    _approved(api_client, "li")
    team, activity = _team_and_activity(api_client, capacity=1)
    api_client.login("wang")  # not a volunteer
    assert api_client.post(f"/api/v1/volunteers/activities/{activity}/signup").status_code == 409
    api_client.login("zhang")
    r = api_client.post(f"/api/v1/volunteers/activities/{activity}/signup")
    assert r.status_code == 201, r.content
    signup = r.json()["id"]
    assert api_client.post(f"/api/v1/volunteers/activities/{activity}/signup").status_code == 409
    api_client.login("li")
    full = api_client.post(f"/api/v1/volunteers/activities/{activity}/signup")
    assert full.status_code == 409 and "报名人数已满" in str(full.json())
    assert Activity.objects.get(pk=activity).signed_up == 1
    # Not over yet: no hours.
    api_client.login("dongbao_clerk")
    entry = {"signup_id": signup, "attended": True, "minutes": 90}
    early = api_client.post(f"/api/v1/volunteers/activities/{activity}/hours", {"entries": [entry]})
    assert early.status_code == 409
    # The activity took place (moved into the past: 2 hours long).
    start = timezone.now() - dt.timedelta(hours=5)
    Activity.objects.filter(pk=activity).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    too_long = api_client.post(
        f"/api/v1/volunteers/activities/{activity}/hours", {"entries": [entry | {"minutes": 121}]}
    )
    assert too_long.status_code == 422 and "120" in str(too_long.json())
    # A resident who does not lead the team may not record.
    api_client.login("li")
    r = api_client.post(f"/api/v1/volunteers/activities/{activity}/hours", {"entries": [entry]})
    assert r.status_code == 403
    api_client.login("dongbao_clerk")
    r = api_client.post(f"/api/v1/volunteers/activities/{activity}/hours", {"entries": [entry]})
    assert r.status_code == 200, r.content
    again = api_client.post(f"/api/v1/volunteers/activities/{activity}/hours", {"entries": [entry]})
    assert again.status_code == 409
    assert ServiceRecord.objects.filter(volunteer=zhang).count() == 1
    zhang.refresh_from_db()
    assert (zhang.total_minutes, zhang.star) == (90, 0)
    api_client.login("zhang")
    records = api_client.get("/api/v1/volunteers/me/records").json()
    assert [(x["minutes"], x["source"]) for x in records] == [(90, "activity")]
    pdf = api_client.get("/api/v1/volunteers/me/certificate")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Another street's clerk cannot see the activity.
    api_client.login("zhongxiang_clerk")
    assert (
        api_client.post(
            f"/api/v1/volunteers/activities/{activity}/hours", {"entries": [entry]}
        ).status_code
        == 404
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sign_ups_for_the_last_place(api_client, users, residents):
    """张三 and 李梅 sign up for the one place at the same moment: the activity row lock makes the
    second wait, then find the place taken; exactly one sign-up, the other refused as full."""
    import threading

    from django.db import connection, connections

    from minzheng.core.errors import ServiceError

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time whatever the code does")
    _approved(api_client, "zhang")
    _approved(api_client, "li")
    _team, activity_id = _team_and_activity(api_client, capacity=1)
    activity = Activity.objects.get(pk=activity_id)
    start = threading.Barrier(2)
    outcomes = []

    def sign_up(user):
        try:
            start.wait()
            services.sign_up(user=user, activity=activity)
            outcomes.append("ok")
        except ServiceError as exc:
            outcomes.append((exc.status, str(exc.errors)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(residents[k],)) for k in ("zhang", "li")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and outcomes.count("ok") == 1, outcomes
    (refused,) = [o for o in outcomes if o != "ok"]
    assert refused[0] == 409 and "报名人数已满" in refused[1], refused
    activity.refresh_from_db()
    assert activity.signed_up == 1 and activity.signups.count() == 1


def _pdf_text(data: bytes) -> bytes:
    """The streams of a PDF, ASCII85-decoded and inflated (the ASCII text of the embedded font's
    first subset is written as itself)."""
    import base64
    import re
    import zlib

    out = b""
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        if stream.rstrip().endswith(b"~>"):
            stream = base64.a85decode(stream.strip().removeprefix(b"<~").removesuffix(b"~>"))
        try:
            out += zlib.decompressobj().decompress(stream)
        except zlib.error:
            out += stream
    return out


def test_certificate_verified_by_its_number_by_anyone(api_client, users, residents, client):
    """张三 (approved, 108 h 20 min, one star) downloads the certificate: the number printed on it
    finds, without an account, the masked name, the volunteer number, 108.3 hours and one star;
    a wrong number says so (404 in the API, a message on the page)."""
    zhang = _approved(api_client, "zhang")
    ServiceRecord.objects.create(
        volunteer=zhang,
        source="activity",
        served_on=timezone.localdate(),
        minutes=6500,
        title="敬老院陪伴",
    )
    services.refresh_volunteer(zhang.pk)
    api_client.login("zhang")
    pdf_response = api_client.get("/api/v1/volunteers/me/certificate")
    assert pdf_response.status_code == 200
    zhang.refresh_from_db()
    code = services.verification_code(zhang, timezone.localdate())
    (certificate,) = zhang.certificates.all()
    assert (certificate.code, certificate.minutes, certificate.star) == (code, 6500, 1)
    # The certificate names the page to check it on and the number.
    text = _pdf_text(pdf_response.content)
    assert b"http://testserver/volunteers/verify/" in text and code.encode() in text
    # A second download the same day is the same certificate.
    assert api_client.get("/api/v1/volunteers/me/certificate").status_code == 200
    assert zhang.certificates.count() == 1
    client.logout()
    r = client.get(f"/api/v1/volunteers/certificates/{code}")
    assert r.status_code == 200, r.content
    assert r.json() == {
        "number": code,
        "genuine": True,
        "name": "张*",
        "volunteer_number": zhang.number,
        "hours": "108.3",
        "star": 1,
        "issued_on": timezone.localdate().isoformat(),
        "issued_by": "龙泉街道",
    }
    wrong = "0" * 12 if code != "0" * 12 else "1" * 12
    for bad in (wrong, "12345", "abc"):
        r = client.get(f"/api/v1/volunteers/certificates/{bad}")
        assert r.status_code == 404 and "没有该验证码" in r.json()["detail"], (bad, r.content)
    page = client.get("/volunteers/verify/", {"number": code}).content.decode()
    assert "该证明由本平台出具" in page and "张*" in page and "108.3 小时" in page
    assert zhang.person.name not in page
    page = client.get("/volunteers/verify/", {"number": wrong}).content.decode()
    assert "没有该验证码的志愿服务证明" in page and "该证明由本平台出具" not in page
    english = client.get(
        "/volunteers/verify/", {"number": code}, HTTP_ACCEPT_LANGUAGE="en"
    ).status_code
    assert english == 200


@pytest.fixture
def volunteer_care(care, users):
    """A provider of kind volunteers serving 龙泉街道 with a 60-minute visit, a provider account and
    a worker; a team linked to it."""
    admin = users["admin"]
    provider = care_services.register_provider(
        user=admin,
        name="龙泉助老志愿服务队",
        kind=Provider.Kind.VOLUNTEERS,
        region=care["village"].parent,
        service_area_codes=[care["village"].parent.code],
    )
    account = make_user("provider_v", Role.PROVIDER)
    care_services.bind_provider_account(user=admin, provider=provider, account=account)
    item = care_services.add_service_item(
        user=admin,
        provider=provider,
        category="cleaning",
        name="助洁",
        unit="visit",
        price_fen=0,
        minutes_per_unit=60,
    )
    worker = care_services.add_worker(user=admin, provider=provider, name="志愿者甲")
    return {"provider": provider, "account": account, "item": item, "worker": worker}


def _serve(care, vc, minutes_served):
    booking = bookings.create_booking(
        user=care["family"], person=care["mother"], item=vc["item"], scheduled_at=soon()
    )
    bookings.accept(user=vc["account"], booking=booking)
    bookings.dispatch(user=vc["account"], booking=booking, worker=vc["worker"])
    start = booking.scheduled_at + dt.timedelta(minutes=5)
    bookings.check_in(user=vc["account"], booking=booking, now=start)
    return bookings.check_out(
        user=vc["account"], booking=booking, now=start + dt.timedelta(minutes=minutes_served)
    )


def test_hours_credited_once_from_served_bookings(
    api_client, users, residents, care, volunteer_care
):
    vc = volunteer_care
    zhang = _approved(api_client, "zhang")
    # Before the links: nothing is credited.
    unlinked = _serve(care, vc, 60)
    assert not ServiceRecord.objects.filter(booking=unlinked).exists()
    team = services.create_team(
        user=users["dongbao_clerk"],
        name="龙泉助老志愿服务队",
        region_code="420802001",
        provider_id=vc["provider"].pk,
    )
    r = api_client.post(
        "/api/v1/volunteers/worker-links",
        {"worker_id": vc["worker"].pk, "volunteer_number": zhang.number},
    )
    assert r.status_code == 201, r.content
    served = _serve(care, vc, 55)
    assert served.review == ""
    record = ServiceRecord.objects.get(booking=served)
    assert (record.volunteer, record.minutes, record.team, record.source) == (
        zhang,
        55,
        team,
        "booking",
    )
    # A second signal (a replay) adds nothing.
    booking_served.send(sender=type(served), booking=served, at=timezone.now())
    assert ServiceRecord.objects.filter(booking=served).count() == 1
    # Checked out after 10 minutes of a 60-minute visit: held, not credited; released: credited.
    held = _serve(care, vc, 10)
    rejected = _serve(care, vc, 10)
    assert (held.review, rejected.review) == ("held", "held")
    assert not ServiceRecord.objects.filter(booking__in=[held, rejected]).exists()
    bookings.review_booking(
        user=users["dongbao_clerk"], booking=held, release=True, note="电话回访属实"
    )
    bookings.review_booking(
        user=users["dongbao_clerk"], booking=rejected, release=False, note="未服务"
    )
    assert ServiceRecord.objects.get(booking=held).minutes == 10
    assert not ServiceRecord.objects.filter(booking=rejected).exists()
    zhang.refresh_from_db()
    assert zhang.total_minutes == 65  # 55 + 10


def test_summary_and_targets_worked_by_hand(api_client, users, residents, people, jingmen):
    """龙泉社区 (urban) has 张三 and 李梅, 郢中社区 (urban) 王五, 栗溪村 (rural) one more person.
    张三 approved by 龙泉街道's clerk; 王五 pending; the 栗溪村 person approved by the county."""
    from minzheng.people import services as people_services
    from tests.conftest import make_id

    rural = people_services.register_person(
        user=users["dongbao_approver"],
        id_number=make_id("420802", "19900101", 44),
        name="赵六",
        hukou_region=jingmen["lixi_village"],
        hukou_type="rural",
    )
    zhang = _approved(api_client, "zhang")
    _register(api_client, "wang")
    api_client.login("dongbao_approver")
    r = api_client.post("/api/v1/volunteers/volunteers", FORM | {"id_number": rural.id_number})
    assert r.json()["status"] == "approved"
    today = timezone.localdate()
    regions = list(Region.objects.prefetch_related("members"))
    counts = indicators.registered_volunteers(regions, today)
    pop = population(regions, today)["pop_community"]
    assert counts["420802001001"] == 1 and pop["420802001001"] == 2  # 1 ÷ 2 = 50 %
    assert counts["420800"] == 1 and pop["420800"] == 3  # 1 ÷ 3 = 33.3 %; the rural one not counted
    assert counts["420881001001"] == 0 and pop["420881001001"] == 1

    # 7.4 on a small tree: the city, 东宝区 and 龙泉街道.
    city, dongbao, longquan = jingmen["city"], jingmen["dongbao"], jingmen["longquan"]
    small = [city, dongbao, longquan]
    assert indicators.system_networked(small, today) == {
        "420802001": Decimal(1),
        "420802": Decimal(1),
        "420800": Decimal(1),
    }
    # With 钟祥市 and its street 郢中街道 (no volunteer approved there): both 0, so the city 0.
    small += [jingmen["zhongxiang"], jingmen["yingzhong"]]
    assert indicators.system_networked(small, today) == {
        "420802001": Decimal(1),
        "420881001": Decimal(0),
        "420802": Decimal(1),
        "420881": Decimal(0),
        "420800": Decimal(0),
    }
    # The whole tree: 东宝区 has other streets without volunteers, so it is not networked.
    full = indicators.system_networked(regions, today)
    assert full["420802001"] == 1 and full["420802"] == 0 and full["420800"] == 0
    assert "420802001001" not in full

    # The summary: 张三 reaches 1★ with 100 hours of records.
    ServiceRecord.objects.create(
        volunteer=zhang, source="activity", served_on=today, minutes=6000, title="x"
    )
    assert summary.refresh() == {"volunteers_changed": 1, "region_rows": 4}
    zhang.refresh_from_db()
    assert (zhang.total_minutes, zhang.star) == (6000, 1)
    rows = {s.region.code: s for s in RegionSummary.objects.select_related("region")}
    assert set(rows) == {"420802001001", "420881001001", "420802001", "420881001"}
    c = rows["420802001001"]
    assert (c.residents, c.volunteers, c.star1, c.rate) == (2, 1, 1, 50.0)
    assert (rows["420881001"].residents, rows["420881001"].volunteers) == (1, 0)
    assert summary.refresh()["volunteers_changed"] == 0  # nothing changed

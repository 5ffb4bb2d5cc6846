"""The complaints and petitions register: legal deadlines on the working-day calendar (figures
worked by hand), every step through the API with its refusals (422 field errors, 409 wrong state,
404 outside scope), a transfer that keeps the deadlines and the office it left reading, the
review by the office above, masking for the leader, the resident's own complaints, the
statistics, the reply letter and the computed targets."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.accounts.models import Role
from minzheng.complaints import deadlines, indicators, signals
from minzheng.complaints.models import Complaint, Counter
from minzheng.core.models import AuditEvent
from minzheng.regions.models import Region
from minzheng.units.models import Unit
from minzheng.units.services import load_default_units
from tests.conftest import make_user

D = dt.date


@pytest.fixture
def world(jingmen, users, people):
    load_default_units()
    welfare = Unit.objects.get(code="welfare-centre")
    return {
        **jingmen,
        **users,
        **people,
        "welfare": welfare,
        "welfare_staff": make_user("welfare_staff", Role.UNIT_STAFF, jingmen["city"], unit=welfare),
        "resident": make_user(
            "resident", Role.RESIDENT, jingmen["longquan_community"], person=people["zhang"]
        ),
        "lixi_clerk": make_user(
            "lixi_clerk", Role.TOWNSHIP_CLERK, Region.objects.get(code="420802100")
        ),
    }


def _fields(response) -> dict:
    return {e["field"]: e["message"] for e in response.json().get("errors") or []}


# ---------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    "func, start, due",
    [
        # Accept: 15 days from Tue 1 Mar 2016 is Wed 16 Mar, a working day.
        (deadlines.accept_due, D(2016, 3, 1), D(2016, 3, 16)),
        # 15 days from 16 Sep 2016 is Sat 1 Oct, National Day (1–7 Oct off); Sat 8 Oct is an
        # adjusted working day (调休), so the period ends then.
        (deadlines.accept_due, D(2016, 9, 16), D(2016, 10, 8)),
        # 15 days from Fri 15 Apr 2016 is Sat 30 Apr, then 1–2 May (Labour Day) off: Tue 3 May.
        (deadlines.accept_due, D(2016, 4, 15), D(2016, 5, 3)),
        # Handle: 60 days from Wed 16 Mar 2016 is Sun 15 May: Mon 16 May.
        (deadlines.handle_due, D(2016, 3, 16), D(2016, 5, 16)),
        # Extended by 30: 90 days from 16 Mar (15 + 30 + 31 + 14) is Tue 14 Jun.
        (lambda d: deadlines.handle_due(d, 30), D(2016, 3, 16), D(2016, 6, 14)),
        # Extended by 10 only: 70 days from 16 Mar is Wed 25 May.
        (lambda d: deadlines.handle_due(d, 10), D(2016, 3, 16), D(2016, 5, 25)),
        # Review request: 30 days from 10 May is Thu 9 Jun, Dragon Boat (9–11 Jun off): Sun
        # 12 Jun is an adjusted working day.
        (deadlines.review_due, D(2016, 5, 10), D(2016, 6, 12)),
        # Review answer: 30 days from Mon 6 Jun is Wed 6 Jul, a working day.
        (deadlines.review_answer_due, D(2016, 6, 6), D(2016, 7, 6)),
    ],
)
def test_deadlines_in_calendar_days_ending_on_a_working_day(calendar_2016, func, start, due):
    assert func(start) == due


# ---------------------------------------------------------------- the whole way through the API


PHONE_CALL = {"channel": "phone", "category": "assistance", "content": "低保复核结果不公"}


def test_phone_complaint_accepted_transferred_replied_rated_reviewed(
    world, api_client, calendar_2016, django_capture_on_commit_callbacks
):
    clerk = api_client.login("dongbao_clerk")
    # Nothing filled in: field-level Chinese messages.
    r = clerk.post("/api/v1/complaints/complaints", {"category": "assistance", "content": " "})
    assert r.status_code == 422
    errors = _fields(r)
    assert errors["content"] == "请填写投诉内容"
    assert errors["channel"] == "请选择来源渠道"
    r = clerk.post(
        "/api/v1/complaints/complaints", {**PHONE_CALL, "anonymous": True, "channel": "window"}
    )
    assert _fields(r)["anonymous"] == "只有来电、来信可以匿名"
    # The complainant is a registry person (by ID number), received 1 Mar 2016.
    received = []
    signals.complaint_received.connect(
        lambda sender, complaint, by, **kw: received.append(complaint.number), weak=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        r = clerk.post(
            "/api/v1/complaints/complaints",
            {
                **PHONE_CALL,
                "complainant_id_number": world["zhang"].id_number,
                "received_on": "2016-03-01",
            },
        )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["number"] == "XF42080220160001"  # 东宝区's first of 2016
    assert received == [body["number"]]
    assert (body["complainant_name"], body["owner_region_code"], body["status"]) == (
        "张三",
        "420802001",
        "received",
    )
    assert body["accept_due_on"] == "2016-03-16"
    url = f"/api/v1/complaints/complaints/{body['id']}"
    # A step the state does not allow: 409.
    assert clerk.post(f"{url}/reply", {"reply": "x"}).status_code == 409
    r = clerk.post(f"{url}/accept", {"on": "2016-03-16"})
    assert r.status_code == 200 and r.json()["handle_due_on"] == "2016-05-16"
    # Transferred to the welfare centre: the deadlines keep running; the township still reads it
    # but may not act on it any more (403); the county approver reads it.
    r = clerk.post(f"{url}/transfer", {"to_unit_code": "welfare-centre", "note": ""})
    assert _fields(r)["note"] == "请填写转办说明"
    r = clerk.post(f"{url}/transfer", {"to_unit_code": "welfare-centre", "note": "属中心职责"})
    assert r.status_code == 200
    assert (r.json()["owner"], r.json()["handle_due_on"]) == ("荆门市社会福利中心", "2016-05-16")
    assert clerk.get(url).status_code == 200
    assert (
        clerk.post(f"{url}/investigate", {"findings": "x", "substantiated": True}).status_code
        == 403
    )
    centre = api_client.login("welfare_staff")
    r = centre.post(f"{url}/investigate", {"findings": "", "substantiated": True})
    assert _fields(r)["findings"] == "请填写调查情况"
    r = centre.post(f"{url}/investigate", {"findings": "已核实", "substantiated": True})
    assert r.status_code == 200 and r.json()["status"] == "investigated"
    r = centre.post(f"{url}/reply", {"reply": "已整改", "on": "2016-05-10"})
    assert r.status_code == 200
    assert (r.json()["replied_in_time"], r.json()["review_due_on"]) == (True, "2016-06-12")
    pdf = centre.get(f"{url}/reply-letter")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The resident rates the reply (it closes), then asks for a review in time.
    resident = api_client.login("resident")
    assert [
        c["number"] for c in resident.get("/api/v1/complaints/complaints/mine").json()["items"]
    ] == [body["number"]]
    r = resident.post(f"{url}/rate", {"satisfaction": "dissatisfied"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    centre = api_client.login("welfare_staff")  # one test client: each login switches it
    r = centre.post(f"{url}/review", {"reason": "不服", "on": "2016-06-13"})
    assert r.status_code == 409  # 12 Jun was the last day
    r = centre.post(f"{url}/review", {"reason": "不服", "on": "2016-06-06"})
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["review_answer_due_on"]) == ("review", "2016-07-06")
    # The unit does not review itself; the city section above it does.
    assert centre.post(f"{url}/review-result", {"result": "维持"}).status_code == 403
    city = api_client.login("city_section")
    r = city.post(f"{url}/review-result", {"result": "", "on": "2016-06-20"})
    assert _fields(r)["result"] == "请填写复查意见"
    r = city.post(f"{url}/review-result", {"result": "维持原答复", "on": "2016-06-20"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    actions = [e["action"] for e in city.get(f"{url}/events").json()]
    assert actions == [
        "receive",
        "accept",
        "transfer",
        "investigate",
        "reply",
        "rate",
        "review",
        "review_done",
    ]
    assert AuditEvent.objects.filter(object_type="complaints.complaint").count() >= 8
    # The leader reads with the personal data masked.
    leader = api_client.login("leader")
    body = leader.get(url).json()
    assert body["complainant_name"] != "张三" and body["complainant_id"] is None


def test_scope_outside_is_404_and_village_workers_see_nothing(world, api_client):
    clerk = api_client.login("dongbao_clerk")
    r = clerk.post("/api/v1/complaints/complaints", {**PHONE_CALL, "complainant_name": "刘一"})
    url = f"/api/v1/complaints/complaints/{r.json()['id']}"
    for username in ("zhongxiang_clerk", "lixi_clerk", "dongbao_village", "welfare_staff"):
        other = api_client.login(username)
        assert other.get(url).status_code == 404, username
        assert other.post(f"{url}/accept", {}).status_code == 404, username
    assert (
        api_client.login("dongbao_village").get("/api/v1/complaints/complaints").json()["count"]
        == 0
    )
    assert api_client.login("dongbao_approver").get(url).status_code == 200
    # Another resident does not see it either.
    assert api_client.login("resident").get(url).status_code == 404
    # A number per registry and year, in sequence.
    r = clerk.post("/api/v1/complaints/complaints", {**PHONE_CALL, "complainant_name": "刘二"})
    year = timezone.localdate().year
    assert r.json()["number"] == f"XF420802{year}0002"
    assert Counter.objects.get(year=year).last == 2


def test_extension_once_and_overdue_flags(world, api_client):
    clerk = api_client.login("dongbao_clerk")
    today = timezone.localdate()
    r = clerk.post(
        "/api/v1/complaints/complaints",
        {
            **PHONE_CALL,
            "complainant_name": "刘一",
            "received_on": str(today - dt.timedelta(days=40)),
        },
    )
    url = f"/api/v1/complaints/complaints/{r.json()['id']}"
    assert r.json()["flag"] == "overdue"
    assert clerk.get("/api/v1/complaints/complaints", overdue=True).json()["count"] == 1
    clerk.post(f"{url}/accept", {"on": str(today - dt.timedelta(days=30))})
    r = clerk.post(f"{url}/extend", {"reason": "", "days": 30})
    assert _fields(r)["reason"] == "请填写延期理由"
    r = clerk.post(f"{url}/extend", {"reason": "需补充调查", "days": 20})
    assert r.status_code == 200 and r.json()["extended_on"] == str(today)
    assert clerk.post(f"{url}/extend", {"reason": "再延", "days": 5}).status_code == 409


def test_resident_files_online_for_themselves(world, api_client):
    resident = api_client.login("resident")
    r = resident.post("/api/v1/complaints/complaints", {"category": "conduct", "content": "态度差"})
    assert r.status_code == 201
    body = r.json()
    assert (body["channel"], body["owner_region_code"], body["complainant_name"]) == (
        "online",
        "420802001",
        "张三",
    )
    # Residents do not handle.
    url = f"/api/v1/complaints/complaints/{body['id']}"
    assert resident.post(f"{url}/accept", {}).status_code == 403


def test_statistics_and_targets(world, api_client):
    clerk = api_client.login("dongbao_clerk")
    year = timezone.localdate().year
    ids = []
    for category in ("enforcement", "enforcement", "assistance"):
        r = clerk.post(
            "/api/v1/complaints/complaints",
            {**PHONE_CALL, "category": category, "complainant_name": "刘一"},
        )
        ids.append(r.json()["id"])
    for pk in ids[:2]:
        clerk.post(f"/api/v1/complaints/complaints/{pk}/accept", {})
    clerk.post(
        f"/api/v1/complaints/complaints/{ids[0]}/investigate",
        {"findings": "查实", "substantiated": True},
    )
    clerk.post(f"/api/v1/complaints/complaints/{ids[0]}/reply", {"reply": "已整改"})
    rows = clerk.get("/api/v1/complaints/stats", year=year).json()["rows"]
    by = {r["key"]: r for r in rows}
    assert (by["enforcement"]["received"], by["enforcement"]["accepted"]) == (2, 2)
    assert (by["enforcement"]["investigated"], by["enforcement"]["replied_in_time"]) == (1, 1)
    regions = list(Region.objects.all())
    today = timezone.localdate()
    # Two enforcement complaints accepted: 22.1 counts 2 in 东宝区, 龙泉 and the city.
    counts = indicators.enforcement_complaints(regions, today)
    assert (counts["420802001"], counts["420800"], counts["420881"]) == (2, 2, 0)
    # Rates: one replied in time of one due (the other accepted one is not yet due).
    assert indicators.reply_in_time_rate(regions, today)["420802"] == Decimal(100)
    assert indicators.investigated_rate(regions, today)["420802"] == Decimal(100)
    assert Complaint.objects.count() == 3


def test_subject_registry_and_pages(world, client, api_client):
    """A complaint about an assistance application: resolved in the filer's scope, unknown or
    outside-scope records refused with a field message; the pages render, outside = 404."""
    from minzheng.cases import services as case_services  # noqa: F401 (the module registers)
    from minzheng.complaints import subjects

    kinds = {
        k["kind"]
        for k in api_client.login("dongbao_clerk").get("/api/v1/complaints/subject-kinds").json()
    }
    assert {
        "cases.case",
        "eldercare.booking",
        "socialorgs.organisation",
        "military.appeal",
    } <= kinds
    clerk = api_client.login("dongbao_clerk")
    r = clerk.post(
        "/api/v1/complaints/complaints",
        {
            **PHONE_CALL,
            "complainant_name": "刘一",
            "subject_kind": "cases.case",
            "subject_id": 999999,
        },
    )
    assert _fields(r)["subject_id"] == "没有找到这个投诉对象"
    r = clerk.post(
        "/api/v1/complaints/complaints",
        {**PHONE_CALL, "complainant_name": "刘一", "subject_kind": "nothing", "subject_id": 1},
    )
    assert _fields(r)["subject_kind"] == "请选择投诉对象类型"
    assert subjects.resolve(world["dongbao_clerk"], "cases.case", 999999) is None
    r = clerk.post("/api/v1/complaints/complaints", {**PHONE_CALL, "complainant_name": "刘一"})
    pk = r.json()["id"]
    client.force_login(world["dongbao_clerk"])
    assert "信访投诉" in client.get("/complaints/").content.decode()
    page = client.get(f"/complaints/{pk}/").content.decode()
    assert "刘一" in page and "受理" in page
    r = client.post(f"/complaints/{pk}/decline/", {"decline-reason": ""})
    assert r.status_code == 422 and "请填写理由" not in r.content.decode()
    assert client.get("/complaints/stats/").status_code == 200
    xlsx = client.get("/complaints/stats.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    client.force_login(world["zhongxiang_clerk"])
    assert client.get(f"/complaints/{pk}/").status_code == 404
    client.force_login(world["dongbao_village"])
    assert client.get("/complaints/").status_code == 403
    client.force_login(world["leader"])
    page = client.get(f"/complaints/{pk}/").content.decode()
    assert "刘一" not in page and "办理记录" in page

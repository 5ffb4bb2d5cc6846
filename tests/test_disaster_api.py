"""Disaster relief through the API: an event's 初报, 续报 and 核报 with their deadlines (late
reports flagged, missing ones overdue on the county's workbench and the city's), the 核报 checked
against the affected households; an affected household's relief proposed, approved by the county,
published as a one-off payable of the decided amount and listed (masked) on the publicity; a
sheet of households with every bad row reported; scope (404) and bad input (422)."""

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.core.models import AuditEvent
from minzheng.disaster import selectors
from minzheng.disaster.models import AffectedHousehold, DisasterReport
from minzheng.payments.models import OneOffPayable

pytestmark = pytest.mark.django_db


def _local_date(moment):
    return timezone.localtime(moment).date()


def test_reports_with_deadlines_late_flags_and_overdue(disaster_world, api_client):
    world = disaster_world
    event = world["event"]
    api = api_client.login("dongbao_approver")
    detail = api.get(f"/api/v1/disaster/events/{event.pk}").json()
    # 50 hours in: the 初报 (due 2 h after the start) and the 续报 of the day after the start day
    # (due at its end) are overdue; today's 续报 is not due yet.
    overdue = {(o["kind"], o["covers_on"]) for o in detail["overdue"]}
    first_day = _local_date(world["started"]) + dt.timedelta(days=1)
    assert ("initial", _local_date(world["started"]).isoformat()) in overdue
    assert ("continuing", first_day.isoformat()) in overdue
    assert ("continuing", timezone.localdate().isoformat()) not in overdue

    card = selectors.overdue_widget_context(world["users"]["dongbao_approver"])
    assert card["count"] == len(overdue) and not card["escalated"]
    city = selectors.overdue_widget_context(world["users"]["city_section"])
    assert city["count"] == len(overdue) and city["escalated"]
    assert selectors.overdue_widget_context(world["users"]["zhongxiang_approver"])["count"] == 0

    r = api.post(
        f"/api/v1/disaster/events/{event.pk}/reports",
        {
            "kind": "initial",
            "affected_people": 1200,
            "evacuated": 300,
            "direct_loss_fen": 500_000_00,
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["late"] is True  # made 48 hours after its deadline
    r = api.post(
        f"/api/v1/disaster/events/{event.pk}/reports",
        {"kind": "continuing", "covers_on": first_day.isoformat(), "affected_people": 1500},
    )
    assert r.status_code == 201 and r.json()["late"] is (first_day < timezone.localdate())
    r = api.post(
        f"/api/v1/disaster/events/{event.pk}/reports",
        {
            "kind": "continuing",
            "covers_on": timezone.localdate().isoformat(),
            "affected_people": 1600,
        },
    )
    assert r.status_code == 201 and r.json()["late"] is False  # today's, due at midnight
    again = api.post(
        f"/api/v1/disaster/events/{event.pk}/reports",
        {"kind": "initial", "affected_people": 1},
    )
    assert again.status_code == 409
    # a 核报 before the end is refused
    early = api.post(f"/api/v1/disaster/events/{event.pk}/reports", {"kind": "verified"})
    assert early.status_code == 409

    ended = timezone.localtime(timezone.now() - dt.timedelta(minutes=10)).replace(tzinfo=None)
    r = api.post(f"/api/v1/disaster/events/{event.pk}/end", {"ended_at": ended.isoformat()})
    assert r.status_code == 200 and r.json()["status"] == "ended"
    r = api.post(
        f"/api/v1/disaster/events/{event.pk}/reports",
        {"kind": "verified", "affected_people": 2, "houses_collapsed": 1},
    )
    assert r.status_code == 201, r.content
    verified = r.json()
    assert verified["late"] is False  # within 5 days of the end
    # no affected household is entered: every figure reported differs from the records
    assert {m["field"]: (m["reported"], m["records"]) for m in verified["mismatches"]} == {
        "affected_people": (2, 0),
        "houses_collapsed": (1, 0),
    }
    detail = api.get(f"/api/v1/disaster/events/{event.pk}").json()
    assert detail["status"] == "verified" and detail["status_label"] == "已核报"
    assert [r["late"] for r in detail["reports"]][0] is True
    assert AuditEvent.objects.filter(object_type="disaster.disasterreport").count() == 4


def test_an_initial_report_in_time_is_not_late(disaster_world, api_client):
    api = api_client.login("dongbao_approver")
    r = api.post(
        "/api/v1/disaster/events",
        {
            "name": "东宝区风雹",
            "disaster_type": "storm",
            "county": "420802",
            "areas": ["420802001"],
            "started_at": (timezone.now() - dt.timedelta(minutes=30)).isoformat(),
        },
    )
    assert r.status_code == 201, r.content
    event_id = r.json()["id"]
    assert r.json()["overdue"] == []
    r = api.post(f"/api/v1/disaster/events/{event_id}/reports", {"kind": "initial"})
    assert r.status_code == 201 and r.json()["late"] is False
    level = api.post(f"/api/v1/disaster/events/{event_id}/level", {"level": "3", "note": "提升"})
    assert level.status_code == 200
    assert [x["level_label"] for x in level.json()["levels"]] == ["Ⅲ级响应"]


def test_household_relief_approval_payable_and_publicity(disaster_world, api_client):
    world = disaster_world
    event = world["event"]
    household = world["hh_dongbao"]
    clerk = api_client.login("dongbao_clerk")
    r = clerk.post(
        f"/api/v1/disaster/events/{event.pk}/households",
        {
            "household_id": household.pk,
            "affected_people": 2,
            "evacuated": 2,
            "house_loss": "collapsed",
            "property_loss_fen": 3_000_000,
            "need_emergency": True,
            "need_rebuild": True,
        },
    )
    assert r.status_code == 201, r.content
    affected = r.json()
    assert affected["needs"] == ["应急期生活救助", "倒损住房恢复重建补助"]
    assert affected["head_id_masked"].count("*") == 10
    r = clerk.post(
        f"/api/v1/disaster/households/{affected['id']}/decisions",
        {"kind": "rebuild", "form": "cash", "amount_fen": 2_000_000},
    )
    assert r.status_code == 201, r.content
    cash = r.json()
    r = clerk.post(
        f"/api/v1/disaster/households/{affected['id']}/decisions",
        {
            "kind": "emergency",
            "form": "in_kind",
            "amount_fen": 45_050,
            "items": "棉被2床、大米50斤",
        },
    )
    kind = r.json()
    assert r.status_code == 201 and kind["status"] == "proposed"
    # the township proposes; only the county decides
    assert clerk.post(f"/api/v1/disaster/decisions/{cash['id']}/approve").status_code == 403

    county = api_client.login("dongbao_approver")
    r = county.post(f"/api/v1/disaster/decisions/{cash['id']}/approve")
    assert r.status_code == 200, r.content
    assert r.json()["status_label"] == "已批准" and r.json()["payable_status"] == "pending"
    payable = OneOffPayable.objects.get(source_kind="disaster_relief", source_id=cash["id"])
    assert payable.amount_fen == 2_000_000  # 20,000.00 yuan, to the fen
    assert payable.household_id == household.pk and payable.region_id == household.region_id
    assert payable.person_id == household.head_id
    r = county.post(f"/api/v1/disaster/decisions/{kind['id']}/approve")
    assert r.status_code == 200 and r.json()["payable_id"] is None  # goods never go to the bank
    assert county.post(f"/api/v1/disaster/decisions/{kind['id']}/approve").status_code == 409
    today = timezone.localdate().isoformat()
    r = clerk.post(f"/api/v1/disaster/decisions/{kind['id']}/handover", {"handed_over_on": today})
    assert r.status_code == 200, r.content
    assert r.json()["payable_status_label"] == "已实物发放"
    goods = OneOffPayable.objects.get(source_id=kind["id"])
    assert (goods.amount_fen, goods.status, goods.paid_on.isoformat()) == (45_050, "in_kind", today)
    again = clerk.post(
        f"/api/v1/disaster/decisions/{kind['id']}/handover", {"handed_over_on": today}
    )
    assert again.status_code == 409
    assert (
        clerk.post(
            f"/api/v1/disaster/decisions/{cash['id']}/handover", {"handed_over_on": today}
        ).status_code
        == 409
    )  # cash goes through the bank batch
    events = AuditEvent.objects.filter(object_type="disaster.reliefdecision").values_list(
        "note", flat=True
    )
    assert sorted(events) == sorted(
        [
            "提出救灾救助",
            "提出救灾救助",
            "县级批准救灾救助",
            "县级批准救灾救助",
            "登记实物救助已发放",
        ]
    )

    r = county.post(
        f"/api/v1/disaster/events/{event.pk}/publicity",
        {"township": "420802001", "starts_on": "2026-07-10", "ends_on": "2026-07-16"},
    )
    assert r.status_code == 201, r.content
    rows = r.json()["rows"]
    assert [(x["name"], x["kind_label"], x["amount"]) for x in rows] == [
        ("张*", "应急期生活救助", "450.50"),
        ("张*", "倒损住房恢复重建补助", "20000.00"),
    ]
    assert rows[0]["id_masked"].startswith("4208") and "*" in rows[0]["id_masked"]
    assert rows[0]["items"] == "棉被2床、大米50斤"
    # the public page: open without signing in during the period only, names and IDs masked
    from django.test import Client

    anonymous = Client()
    past = r.json()["id"]
    assert anonymous.get(f"/disaster/public/{past}/").status_code == 404  # July is over
    today = timezone.localdate()
    current = county.post(
        f"/api/v1/disaster/events/{event.pk}/publicity",
        {
            "township": "420802001",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=6)).isoformat(),
        },
    ).json()["id"]
    page = anonymous.get(f"/disaster/public/{current}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "张*" in text and "张三" not in text and household.head.id_masked in text
    assert "20000.00" in text
    listed = county.get(f"/api/v1/disaster/events/{event.pk}/decisions").json()
    assert {d["payable_status_label"] for d in listed["items"]} == {"待发放", "已实物发放"}

    # a 核报 whose figures agree with the records has no mismatch
    county.post(
        f"/api/v1/disaster/events/{event.pk}/end",
        {"ended_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat()},
    )
    r = county.post(
        f"/api/v1/disaster/events/{event.pk}/reports",
        {"kind": "verified", "affected_people": 2, "evacuated": 2, "houses_collapsed": 1},
    )
    assert r.status_code == 201 and r.json()["mismatches"] == []


def test_refusal_needs_a_reason_and_pays_nothing(disaster_world, api_client):
    world = disaster_world
    clerk = api_client.login("dongbao_clerk")
    affected = clerk.post(
        f"/api/v1/disaster/events/{world['event'].pk}/households",
        {"household_id": world["hh_dongbao"].pk},
    ).json()
    decision = clerk.post(
        f"/api/v1/disaster/households/{affected['id']}/decisions",
        {"kind": "winter_spring", "form": "cash", "amount_fen": 80_000},
    ).json()
    county = api_client.login("dongbao_approver")
    r = county.post(f"/api/v1/disaster/decisions/{decision['id']}/refuse", {"reason": ""})
    assert r.status_code == 422
    r = county.post(f"/api/v1/disaster/decisions/{decision['id']}/refuse", {"reason": "已另行安置"})
    assert r.status_code == 200 and r.json()["status"] == "refused"
    assert not OneOffPayable.objects.filter(source_kind="disaster_relief").exists()


def test_out_of_region_reads_and_writes_are_404(disaster_world, api_client):
    world = disaster_world
    event = world["event"]
    other = api_client.login("zhongxiang_approver")
    assert other.get(f"/api/v1/disaster/events/{event.pk}").status_code == 404
    assert (
        other.post(f"/api/v1/disaster/events/{event.pk}/reports", {"kind": "initial"}).status_code
        == 404
    )
    assert other.get(f"/api/v1/disaster/events/{event.pk}/households").status_code == 404
    r = other.post(
        "/api/v1/disaster/events",
        {
            "name": "越界",
            "disaster_type": "flood",
            "county": "420802",
            "started_at": timezone.now().isoformat(),
        },
    )
    assert r.status_code == 404
    assert other.get("/api/v1/disaster/events").json()["items"] == []
    # a household of another county cannot be entered, and reads as missing
    county = api_client.login("dongbao_approver")
    r = county.post(
        f"/api/v1/disaster/events/{event.pk}/households",
        {"household_id": world["hh_zhongxiang"].pk},
    )
    assert r.status_code == 404
    assert (
        api_client.login("city_section").get(f"/api/v1/disaster/events/{event.pk}").status_code
        == 200
    )


def test_bad_input_is_a_422_naming_each_field_in_chinese(disaster_world, api_client):
    api = api_client.login("dongbao_approver")
    r = api.post(
        "/api/v1/disaster/events",
        {"name": "", "disaster_type": "meteor", "county": "420802", "started_at": "2016-13-01"},
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"name", "disaster_type", "started_at"} <= fields
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in r.json()["errors"])
    future = api.post(
        "/api/v1/disaster/events",
        {
            "name": "未来",
            "disaster_type": "flood",
            "county": "420802",
            "started_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert future.status_code == 422
    assert future.json()["errors"] == [
        {"field": "started_at", "message": "灾害发生时间不能晚于现在"}
    ]
    event = disaster_world["event"]
    r = api.post(
        f"/api/v1/disaster/events/{event.pk}/reports",
        {"kind": "continuing", "affected_people": -1, "crop_area_ha": "1.234"},
    )
    assert r.status_code == 422
    assert {"affected_people", "crop_area_ha"} <= {e["field"] for e in r.json()["errors"]}
    r = api.post(f"/api/v1/disaster/events/{event.pk}/reports", {"kind": "continuing"})
    assert r.json()["errors"] == [{"field": "covers_on", "message": "请填写续报所属日期"}]
    r = api.post(
        f"/api/v1/disaster/events/{event.pk}/reports",
        {"kind": "continuing", "covers_on": "2010-01-01"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "covers_on"
    clerk = api_client.login("dongbao_clerk")
    affected = clerk.post(
        f"/api/v1/disaster/events/{event.pk}/households",
        {"household_id": disaster_world["hh_dongbao"].pk},
    ).json()
    r = clerk.post(
        f"/api/v1/disaster/households/{affected['id']}/decisions",
        {"kind": "emergency", "form": "in_kind", "amount_fen": 0},
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"amount_fen", "items"}
    assert DisasterReport.objects.count() == 0


def test_village_bulk_and_sheet_import_report_every_bad_row(disaster_world, api_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    world = disaster_world
    event = world["event"]
    clerk = api_client.login("dongbao_clerk")
    r = clerk.post(
        f"/api/v1/disaster/events/{event.pk}/households/village",
        {"village": "420802001001", "house_loss": "general", "need_emergency": True},
    )
    assert r.status_code == 200 and r.json() == {"added": 1}
    assert clerk.post(
        f"/api/v1/disaster/events/{event.pk}/households/village", {"village": "420802001001"}
    ).json() == {"added": 0}
    AffectedHousehold.objects.all().delete()
    sheet = "\n".join(
        [
            "家庭编号,受灾人口,房屋损失,财产损失（元）,需应急期生活救助",
            f"{world['hh_dongbao'].number},2,倒塌,1200.50,是",
            f"{world['hh_zhongxiang'].number},1,一般损坏,0,否",
            "NOPE,1,塌了,abc,也许",
            f"{world['hh_dongbao'].number},2,倒塌,1,是",
        ]
    ).encode()
    from django.test import Client

    c = Client()  # a multipart upload with the clerk's bearer token
    r = c.post(
        f"/api/v1/disaster/events/{event.pk}/households/imports",
        {"file": SimpleUploadedFile("hh.csv", sheet)},
        HTTP_AUTHORIZATION=f"Bearer {clerk.token}",
    )
    assert r.status_code == 200, r.content
    result = r.json()
    assert (result["rows"], result["added"], result["rejected"]) == (4, 1, 3)
    messages = {e["row"]: e["message"] for e in result["errors"]}
    assert "在管辖范围内不存在" in messages[3]
    assert "房屋损失应为倒塌、严重损坏、一般损坏或无" in messages[4]
    assert "财产损失应为金额" in messages[4] and "需应急期生活救助应填“是”或“否”" in messages[4]
    assert "已登记" in messages[5]
    added = AffectedHousehold.objects.get()
    assert added.property_loss_fen == 120_050 and added.house_loss == "collapsed"


def test_teams_training_drills_and_model_communities(disaster_world, api_client):
    world = disaster_world
    county = api_client.login("dongbao_approver")
    r = county.post("/api/v1/disaster/teams", {"name": "东宝区救灾应急队", "county": "420802"})
    assert r.status_code == 201, r.content
    team_id = r.json()["id"]
    r = county.post(f"/api/v1/disaster/teams/{team_id}/members", {"person_id": world["zhang"].pk})
    assert r.status_code == 201
    r = county.post(
        f"/api/v1/disaster/teams/{team_id}/members",
        {"account_id": world["users"]["dongbao_clerk"].pk},
    )
    members = [m["id"] for m in r.json()["members"]]
    assert [m["name"] for m in r.json()["members"]] == ["张三", "dongbao_clerk"]
    # someone of another county cannot join
    r = county.post(f"/api/v1/disaster/teams/{team_id}/members", {"person_id": world["wang"].pk})
    assert r.status_code == 404
    r = county.post(
        f"/api/v1/disaster/teams/{team_id}/training",
        {
            "held_on": "2016-04-15",
            "subject": "防汛抢险",
            "results": {str(members[0]): True, str(members[1]): False},
        },
    )
    assert r.status_code == 201 and (r.json()["trained"], r.json()["passed"]) == (2, 1)
    r = county.post(
        f"/api/v1/disaster/teams/{team_id}/training",
        {"held_on": "2016-04-16", "subject": "x", "results": {"999999": True}},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "results"

    r = county.post(
        "/api/v1/disaster/drills",
        {"county": "420802", "held_on": "2016-05-12", "title": "防汛演练", "meets_standard": True},
    )
    assert r.status_code == 201
    assert (
        county.post(
            "/api/v1/disaster/drills",
            {"county": "420881", "held_on": "2016-05-12", "title": "越界", "meets_standard": True},
        ).status_code
        == 404
    )
    r = county.post(
        "/api/v1/disaster/model-communities",
        {
            "community": "420802001001",
            "year": 2016,
            "level": "provincial",
            "result": "named",
            "assessed_on": "2015-11-01",
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "assessed_on", "message": "评定日期须在评定年度内"}]
    payload = {
        "community": "420802001001",
        "year": 2016,
        "level": "provincial",
        "result": "named",
        "assessed_on": "2016-11-01",
    }
    assert county.post("/api/v1/disaster/model-communities", payload).status_code == 201
    assert county.post("/api/v1/disaster/model-communities", payload).status_code == 409
    other = api_client.login("zhongxiang_approver")
    assert other.get("/api/v1/disaster/teams").json()["items"] == []
    assert (
        other.post(f"/api/v1/disaster/teams/{team_id}/members", {"person_id": 1}).status_code == 404
    )
    assert other.get("/api/v1/disaster/drills").json()["items"] == []

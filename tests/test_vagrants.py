"""Relief for vagrants and beggars: the station's flow end to end through the API (intake found
in the registry → consent → stay → extension → family contact → journey home whose ticket shows
in the one-off payments in fen), the 10-day limit, minors to the protection centre and back to
school, targets 4.1 and 4.3 worked by hand, scope, masking and field-level 422s."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.payments.models import OneOffPayable
from minzheng.regions.models import Region
from minzheng.vagrants import indicators, selectors, services
from minzheng.vagrants.demo import seed_demo_vagrants
from minzheng.vagrants.models import SchoolStatus, Stay, UnidentifiedPerson
from tests.conftest import make_id

pytestmark = pytest.mark.django_db
URL = "/api/v1/vagrants/stays"
ZHANG_ID = make_id("420802", "19800101", 11)


def _days(n: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=n)).isoformat()


def _errors(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for e in response.json()["errors"]:
        found.setdefault(e["field"].split(".")[-1], []).append(e["message"])
    return found


def test_station_flow_end_to_end_through_the_api(api_client, stations, people):
    api = api_client.login("relief_station")
    r = api.post(
        URL,
        {
            "arrived_on": _days(12),
            "arrival": "police",
            "health_on_arrival": "轻度营养不良",
            "id_number": ZHANG_ID,
            "belongings": [{"description": "手机", "quantity": 1}, {"description": "行李包"}],
        },
    )
    assert r.status_code == 201, r.content
    stay = r.json()
    assert stay["identified"] and stay["person_id"] == people["zhang"].pk
    assert stay["name"] == "张三" and stay["state"] == "arrived"
    assert stay["ends_on"] == _days(2)  # 10 days after arrival
    assert [b["description"] for b in stay["belongings"]] == ["手机", "行李包"]
    url = f"{URL}/{stay['id']}"

    r = api.post(f"{url}/consent", {"consent": True, "on": _days(12)})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "staying"

    over = api.get(URL, due="over").json()
    assert [s["id"] for s in over["items"]] == [stay["id"]]
    assert over["items"][0]["days_over_limit"] == 2

    r = api.post(f"{url}/extensions", {"new_end_on": _days(-3), "reason": ""})
    assert r.status_code == 422
    assert _errors(r) == {"reason": ["延长救助期限须说明理由"]}
    r = api.post(f"{url}/extensions", {"new_end_on": _days(-3), "reason": "足部冻伤治疗中"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["ends_on"] == _days(-3)
    assert body["extensions"][0]["reason"] == "足部冻伤治疗中"
    assert body["extensions"][0]["previous_end_on"] == _days(2)
    assert body["extensions"][0]["decided_by"] == "relief_station"
    assert api.get(URL, due="over").json()["items"] == []

    r = api.post(
        f"{url}/contacts",
        {
            "contacted_on": _days(1),
            "channel": "phone",
            "result": "妻子李梅同意接应",
            "reached": True,
        },
    )
    assert r.status_code == 201 and r.json()["contacts"][0]["channel_label"] == "电话"

    r = api.post(
        f"{url}/exit",
        {
            "kind": "escort_home",
            "exited_on": _days(0),
            "destination": "东宝区龙泉社区",
            "ticket_fen": 15650,
            "signed_by": "张三",
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "exited" and body["exit_label"] == "护送（返乡）回家"
    assert all(
        b["returned_on"] == _days(0) and b["returned_to"] == "张三" for b in body["belongings"]
    )

    payable = OneOffPayable.objects.get(source_kind="vagrant_ticket", source_id=stay["id"])
    assert payable.amount_fen == 15650 and payable.status == "pending"
    assert payable.household == people["hh_dongbao"] and payable.person == people["zhang"]
    # The county sees it among its one-off payments, paid in its batches like any other.
    county = api_client.login("dongbao_approver")
    listed = county.get("/api/v1/assistance/payments/oneoff/payables").json()["items"]
    row = next(p for p in listed if p["source_kind"] == "vagrant_ticket")
    assert row["amount"] == "156.50" and row["programme_name"] == "流浪乞讨人员返乡救助"
    assert row["region"]["code"] == "420802001001"

    actions = AuditEvent.objects.filter(object_type="vagrants.stay", object_id=str(stay["id"]))
    assert actions.filter(action="create").count() == 1
    assert actions.filter(action="transition").count() == 2  # consent, exit
    assert actions.filter(action="update").count() == 1  # the extension's new end
    assert AuditEvent.objects.filter(object_type="vagrants.extension").count() == 1
    assert AuditEvent.objects.filter(object_type="vagrants.familycontact").count() == 1
    assert AuditEvent.objects.filter(object_type="vagrants.belonging", action="update").count() == 2


def test_refusal_is_recorded_and_ends_the_stay(api_client, stations):
    api = api_client.login("relief_station")
    r = api.post(
        URL,
        {
            "arrived_on": _days(0),
            "arrival": "public",
            "health_on_arrival": "无明显异常",
            "name": "某男",
            "sex": "M",
            "apparent_age": 50,
            "description": "中等身材，穿灰色外套",
            "belongings": [{"description": "背包"}],
        },
    )
    assert r.status_code == 201, r.content
    stay = r.json()
    assert not stay["identified"] and stay["name"] == "某男"
    r = api.post(f"{URL}/{stay['id']}/consent", {"consent": False, "note": ""})
    assert r.status_code == 422 and "note" in _errors(r)
    r = api.post(f"{URL}/{stay['id']}/consent", {"consent": False, "note": "本人不愿入站"})
    assert r.status_code == 422 and _errors(r) == {
        "signed_by": ["有代管物品未领回，请填写领回签收人"]
    }
    r = api.post(
        f"{URL}/{stay['id']}/consent",
        {"consent": False, "note": "本人不愿入站", "signed_by": "本人"},
    )
    assert r.status_code == 200 and r.json()["state"] == "refused"
    r = api.post(f"{URL}/{stay['id']}/consent", {"consent": True})
    assert r.status_code == 409


def test_ten_day_limit_needs_a_reason_to_extend_and_lists_the_overdue(stations, people):
    user, today = stations["city"], timezone.localdate()

    def staying(days_ago, description):
        stay = services.register_intake(
            user=user,
            arrived_on=today - dt.timedelta(days=days_ago),
            arrival="self",
            health_on_arrival="无明显异常",
            sex="M",
            apparent_age=40,
            description=description,
        )
        return services.record_consent(user=user, stay=stay, consent=True, on=stay.arrived_on)

    over, near, fresh = staying(11, "甲"), staying(9, "乙"), staying(2, "丙")
    assert over.ends_on == today - dt.timedelta(days=1)
    ids = lambda qs: sorted(qs.values_list("pk", flat=True))  # noqa: E731
    assert ids(selectors.filtered(user, limit="over")) == [over.pk]
    assert ids(selectors.filtered(user, limit="near")) == [near.pk]
    assert ids(selectors.filtered(user, limit="over_or_near")) == sorted([over.pk, near.pk])
    assert selectors.counts(user)["over"] == 1 and selectors.counts(user)["near"] == 1

    with pytest.raises(ServiceError) as err:
        services.extend(user=user, stay=over, new_end_on=today + dt.timedelta(days=5), reason="  ")
    assert err.value.errors == {"reason": ["延长救助期限须说明理由"]}
    with pytest.raises(ServiceError) as err:
        services.extend(user=user, stay=over, new_end_on=over.ends_on, reason="住院")
    assert "new_end_on" in err.value.errors
    services.extend(user=user, stay=over, new_end_on=today + dt.timedelta(days=5), reason="住院")
    assert ids(selectors.filtered(user, limit="over")) == []
    assert fresh.pk not in ids(selectors.filtered(user, limit="over_or_near"))
    with pytest.raises(ServiceError):  # before consent there is no stay to extend
        arrived = services.register_intake(
            user=user,
            arrived_on=today,
            arrival="self",
            health_on_arrival="好",
            sex="F",
            apparent_age=30,
            description="丁",
        )
        services.extend(
            user=user, stay=arrived, new_end_on=today + dt.timedelta(days=20), reason="x"
        )


def test_minor_goes_to_the_protection_centre_and_back_to_school_counts(stations):
    user, today = stations["city"], timezone.localdate()
    child = services.register_intake(
        user=user,
        arrived_on=today - dt.timedelta(days=3),
        arrival="police",
        health_on_arrival="无明显异常",
        sex="M",
        apparent_age=12,
        description="瘦小，穿校服",
    )
    assert child.is_minor and child.school_status == SchoolStatus.PENDING
    services.record_consent(user=user, stay=child, consent=True, on=child.arrived_on)
    with pytest.raises(ServiceError) as err:
        services.exit_stay(user=user, stay=child, kind="left", exited_on=today)
    assert err.value.errors == {"kind": ["未成年人应送未成年人救助保护中心或交亲属接回"]}
    services.exit_stay(
        user=user,
        stay=child,
        kind="minor_centre",
        exited_on=today,
        destination="荆门市未成年人救助保护中心",
    )
    assert selectors.counts(user)["school"] == 1
    with pytest.raises(ServiceError) as err:
        services.record_school(user=user, stay=child, status="not_applicable")
    assert "status" in err.value.errors
    with pytest.raises(ServiceError) as err:
        services.record_school(user=user, stay=child, status="back", returned_on=today)
    assert err.value.errors == {"school_name": ["请填写就读学校"]}
    services.record_school(
        user=user, stay=child, status="back", school_name="龙泉小学", returned_on=today
    )
    services.add_follow_up(user=user, stay=child, visited_on=today, result="已正常上学")
    assert selectors.counts(user)["school"] == 0
    regions = list(Region.objects.prefetch_related("members"))
    rate = indicators.vagrant_children_school_return_rate(regions, today)
    assert rate["420800"] == Decimal(100)
    adult = services.register_intake(
        user=user,
        arrived_on=today,
        arrival="self",
        health_on_arrival="好",
        sex="M",
        apparent_age=30,
        description="戊",
    )
    services.record_consent(user=user, stay=adult, consent=True, on=today)
    with pytest.raises(ServiceError) as err:
        services.exit_stay(
            user=user, stay=adult, kind="minor_centre", exited_on=today, destination="x"
        )
    assert err.value.errors == {"kind": ["成年人不能送未成年人救助保护中心"]}


# ---------------------------------------------------------------- targets 4.1 and 4.3 by hand

D = dt.date


def _stay(region, arrived, state, *, consent=None, exited=None, age=30, school="", back_on=None):
    who = UnidentifiedPerson.objects.create(sex="M", apparent_age=age, description="测试")
    return Stay.objects.create(
        region=region,
        unidentified=who,
        arrival="self",
        arrived_on=arrived,
        age_at_arrival=age,
        health_on_arrival="好",
        state=state,
        consent_on=consent,
        ends_on=arrived + dt.timedelta(days=10),
        exited_on=exited,
        exit_kind="family" if state == "exited" else "",
        school_status=school,
        school_returned_on=back_on,
    )


@pytest.fixture
def assistance_world(jingmen):
    city, dongbao = jingmen["city"], jingmen["dongbao"]
    _stay(city, D(2026, 3, 1), "exited", consent=D(2026, 3, 1), exited=D(2026, 3, 5))  # A
    _stay(city, D(2026, 5, 1), "refused", consent=D(2026, 5, 1), exited=D(2026, 5, 1))  # B
    _stay(city, D(2026, 6, 29), "arrived")  # C: no answer yet
    _stay(city, D(2025, 12, 30), "staying", consent=D(2025, 12, 30))  # D: last year
    _stay(city, D(2026, 6, 30), "staying", consent=D(2026, 6, 30))  # E
    _stay(city, D(2026, 7, 1), "staying", consent=D(2026, 7, 1))  # F: after d
    _stay(dongbao, D(2026, 6, 20), "staying", consent=D(2026, 6, 20))  # G: the county's station


@pytest.mark.parametrize(
    "on, code, expected",
    [
        # asked = A C E G (B refused, D last year, F later); assisted = A E G
        (D(2026, 6, 30), "420800", Decimal("75.00")),
        (D(2026, 6, 30), "420802", Decimal("100.00")),
        (D(2026, 6, 30), "420881", None),  # no station records: no value
        # E not arrived yet: asked A C G, assisted A G
        (D(2026, 6, 29), "420800", Decimal("66.67")),
        # only A so far
        (D(2026, 3, 31), "420800", Decimal("100.00")),
        (D(2026, 3, 31), "420802", None),
        # B arrived and refused: it leaves both counts
        (D(2026, 5, 1), "420800", Decimal("100.00")),
    ],
)
def test_assistance_rate_by_hand(assistance_world, on, code, expected):
    regions = list(Region.objects.prefetch_related("members"))
    value = indicators.vagrant_assistance_rate(regions, on).get(code)
    assert (value.quantize(Decimal("0.01")) if value is not None else None) == expected


@pytest.fixture
def school_world(jingmen):
    city = jingmen["city"]
    _stay(
        city,
        D(2026, 3, 1),
        "exited",
        consent=D(2026, 3, 1),
        exited=D(2026, 3, 10),
        age=10,
        school="back",
        back_on=D(2026, 3, 25),
    )  # K1
    _stay(
        city,
        D(2026, 3, 25),
        "exited",
        consent=D(2026, 3, 25),
        exited=D(2026, 4, 1),
        age=12,
        school="not_yet",
    )  # K2
    _stay(
        city,
        D(2026, 1, 25),
        "exited",
        consent=D(2026, 1, 25),
        exited=D(2026, 2, 1),
        age=4,
        school="not_applicable",
    )  # K3: under school age
    _stay(
        city,
        D(2026, 6, 15),
        "exited",
        consent=D(2026, 6, 15),
        exited=D(2026, 6, 20),
        age=15,
        school="back",
        back_on=D(2026, 7, 5),
    )  # K4: back after 30 June
    _stay(
        city,
        D(2025, 12, 10),
        "exited",
        consent=D(2025, 12, 10),
        exited=D(2025, 12, 20),
        age=16,
        school="back",
        back_on=D(2026, 1, 5),
    )  # K5: left last year
    _stay(city, D(2026, 2, 1), "exited", consent=D(2026, 2, 1), exited=D(2026, 2, 3), age=30)  # K6
    _stay(city, D(2026, 6, 28), "staying", consent=D(2026, 6, 28), age=9, school="pending")  # K7


@pytest.mark.parametrize(
    "on, expected",
    [
        (D(2026, 6, 30), Decimal("33.33")),  # K1 of K1 K2 K4
        (D(2026, 7, 31), Decimal("66.67")),  # K1 K4 of K1 K2 K4
        (D(2026, 3, 31), Decimal("100.00")),  # K1 of K1
        (D(2026, 1, 31), None),  # nobody of school age has left this year yet
    ],
)
def test_school_return_rate_by_hand(school_world, on, expected):
    regions = list(Region.objects.prefetch_related("members"))
    value = indicators.vagrant_children_school_return_rate(regions, on).get("420800")
    assert (value.quantize(Decimal("0.01")) if value is not None else None) == expected


# ---------------------------------------------------------------- scope, masking, input


def test_outside_the_region_is_404_and_leaders_see_names_masked(api_client, stations, users):
    city_user = stations["city"]
    stay = services.register_intake(
        user=city_user,
        arrived_on=timezone.localdate(),
        arrival="self",
        health_on_arrival="无明显异常",
        id_number=ZHANG_ID,
    )
    county = api_client.login("dongbao_station")
    assert county.get(f"{URL}/{stay.pk}").status_code == 404
    assert county.post(f"{URL}/{stay.pk}/consent", {"consent": True}).status_code == 404
    assert county.get(URL).json()["items"] == []
    leader = api_client.login("leader")
    body = leader.get(f"{URL}/{stay.pk}").json()
    assert body["name"] == "张*" and body["id_masked"] == "" and body["health_on_arrival"] == ""
    assert leader.post(f"{URL}/{stay.pk}/consent", {"consent": True}).status_code == 403
    station = api_client.login("relief_station")
    assert station.get(f"{URL}/{stay.pk}").json()["name"] == "张三"


def test_bad_input_is_422_with_field_messages(api_client, stations):
    api = api_client.login("relief_station")
    r = api.post(URL, {"arrived_on": "2026-13-01", "arrival": "taxi", "health_on_arrival": ""})
    assert r.status_code == 422
    fields = _errors(r)
    assert {"arrived_on", "arrival", "health_on_arrival"} <= set(fields)
    r = api.post(
        URL,
        {
            "arrived_on": _days(0),
            "arrival": "self",
            "health_on_arrival": "好",
            "id_number": "420802198001010010",
        },
    )
    assert r.status_code == 422 and _errors(r) == {"id_number": ["身份证号码校验码错误"]}
    r = api.post(URL, {"arrived_on": _days(0), "arrival": "self", "health_on_arrival": "好"})
    assert r.status_code == 422 and _errors(r) == {
        "apparent_age": ["身份未能核实时，请填写估计年龄"]
    }
    r = api.post(
        URL,
        {"arrived_on": _days(-1), "arrival": "self", "health_on_arrival": "好", "apparent_age": 30},
    )
    assert r.status_code == 422 and _errors(r) == {"arrived_on": ["日期不能晚于今天"]}
    r = api.post(
        URL,
        {
            "arrived_on": _days(0),
            "arrival": "self",
            "health_on_arrival": "好",
            "apparent_age": 30,
            "sex": "M",
            "description": "",
        },
    )
    assert r.status_code == 422 and _errors(r) == {
        "description": ["身份未能核实时，请描述体貌特征"]
    }
    r = api.post(f"{URL}/99999999/consent", {"consent": True})
    assert r.status_code == 404


def test_demo_year_is_plausible_and_idempotent(stations, people):
    counts = seed_demo_vagrants()
    assert 250 <= counts["stays"] <= 350
    assert 15 <= counts["minors"] <= 45
    station = stations["city"]
    figures = selectors.counts(station)
    assert figures["over"] >= 1 and figures["near"] >= 1 and figures["arrived"] >= 1
    assert Stay.objects.filter(extensions__isnull=False, state="staying").count() == 1
    assert seed_demo_vagrants() == {"stays": 0}
    regions = list(Region.objects.prefetch_related("members"))
    today = timezone.localdate()
    assert indicators.vagrant_assistance_rate(regions, today)["420800"] > 90
    school = indicators.vagrant_children_school_return_rate(regions, today)
    assert not school or school["420800"] >= 50


def test_pages_scope_roles_and_form_errors(client, stations, users):
    from django.test import Client

    stay = services.register_intake(
        user=stations["city"],
        arrived_on=timezone.localdate(),
        arrival="self",
        health_on_arrival="无明显异常",
        id_number=ZHANG_ID,
    )
    county = Client()
    county.force_login(stations["dongbao"])
    assert county.get(f"/vagrants/{stay.pk}/").status_code == 404
    assert county.post(f"/vagrants/{stay.pk}/consent/", {"consent": "yes"}).status_code == 404
    leader = Client()
    leader.force_login(users["leader"])
    page = leader.get(f"/vagrants/{stay.pk}/").content.decode()
    assert "张*" in page and "张三" not in page and "consent-form" not in page
    assert leader.get("/vagrants/new/").status_code == 403
    station = Client()
    station.force_login(stations["city"])
    r = station.post("/vagrants/new/", {"arrived_on": "2026-02-30", "arrival": "self"})
    assert "日期格式应为 YYYY-MM-DD" in r.content.decode()
    r = station.post(
        "/vagrants/new/",
        {"arrived_on": _days(0), "arrival": "self", "health_on_arrival": "好", "name": "某"},
    )
    assert "身份未能核实时，请填写估计年龄" in r.content.decode()
    r = station.post(f"/vagrants/{stay.pk}/consent/", {"consent": "yes", "on": _days(0)})
    assert r.status_code == 302
    r = station.post(f"/vagrants/{stay.pk}/extend/", {"new_end_on": _days(-20), "reason": ""})
    assert r.status_code == 422 and "延长救助期限须说明理由" in r.content.decode()
    r = station.post(f"/vagrants/{stay.pk}/nothing/", {})
    assert r.status_code == 404
    assert "vagrants-widget" in station.get("/").content.decode()  # the workbench card

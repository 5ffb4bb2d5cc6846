"""Community governance: points rules and awards end to end through the API (the township's
confirmation, reversal, yearly caps, a revision that leaves old awards on their rule), the points
shop (balance and stock never negative, also under two concurrent redemptions on PostgreSQL,
cancellation refunding), scope (another village or township reads 404), field-level 422s, and
targets 5.2–5.4 on records whose figures are worked by hand below."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from minzheng.accounts.models import Role
from minzheng.community import indicators, services
from minzheng.community.models import (
    DemoSite,
    DifficultVillage,
    PointsAward,
    PointsBalance,
    RemediationTask,
    ShopItem,
    StandardTask,
)
from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.regions.models import Region
from tests.conftest import make_user

D = dt.date


@pytest.fixture
def pts(jingmen, users, people):
    resident = make_user("res_zhang", Role.RESIDENT, None, person=people["zhang"])
    return {**jingmen, **users, **people, "resident": resident, "today": timezone.localdate()}


def _fields(response) -> dict:
    return {e["field"]: e["message"] for e in response.json().get("errors") or []}


def _rule(api, code="420802001001", **data):
    body = {"name": "参加志愿服务", "category": "volunteering", "points": 5, **data}
    r = api.post(f"/api/v1/community/villages/{code}/rules", body)
    assert r.status_code == 201, r.content
    return r.json()


def _award(api, person, rule, code="420802001001", **data):
    body = {"person_id": person.pk, "rule_id": rule["id"], "note": "打扫公共区域", **data}
    return api.post(f"/api/v1/community/villages/{code}/awards", body)


def _balance(person, village) -> int:
    row = PointsBalance.objects.filter(person=person, region=village).first()
    return row.balance if row else 0


def test_rules_awards_confirmation_and_reversal_end_to_end(pts, api_client):
    p = pts
    village = p["longquan_community"]
    api = api_client.login("dongbao_village")
    small = _rule(api, points=5, yearly_cap=10)
    big = _rule(api, name="见义勇为", points=30)
    fine = _rule(api, name="乱倒垃圾", category="misconduct", points=8)
    assert (small["signed_points"], fine["signed_points"]) == (5, -8)
    # 5 points take effect at once; 30 (> 20) and any deduction wait for the township.
    a1 = _award(api, p["zhang"], small).json()
    assert a1["status"] == "effective" and a1["person_name"] == "张三"
    a2 = _award(api, p["zhang"], big).json()
    assert a2["status"] == "pending"
    assert _balance(p["zhang"], village) == 5
    # The yearly cap of 10: a second 5 fits, a third is refused (409), nothing posted.
    assert _award(api, p["zhang"], small).status_code == 201
    r = _award(api, p["zhang"], small)
    assert r.status_code == 409 and "rule_id" in _fields(r)
    assert _balance(p["zhang"], village) == 10
    # The village worker cannot confirm; the township clerk can.
    assert (
        api.post(f"/api/v1/community/awards/{a2['id']}/decide", {"approve": True}).status_code
        == 403
    )
    clerk = api_client.login("dongbao_clerk")
    r = clerk.post(f"/api/v1/community/awards/{a2['id']}/decide", {"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "effective"
    assert (
        clerk.post(f"/api/v1/community/awards/{a2['id']}/decide", {"approve": True}).status_code
        == 409
    )
    assert _balance(p["zhang"], village) == 40
    # A deduction of 8, confirmed: 32. Declining needs a reason.
    api = api_client.login("dongbao_village")
    d = _award(api, p["zhang"], fine).json()
    clerk = api_client.login("dongbao_clerk")
    r = clerk.post(f"/api/v1/community/awards/{d['id']}/decide", {"approve": False})
    assert r.status_code == 422 and "note" in _fields(r)
    clerk.post(f"/api/v1/community/awards/{d['id']}/decide", {"approve": True})
    assert _balance(p["zhang"], village) == 32
    # Reversal of the 30: a new record of -30, the original untouched; a second reversal 409.
    api = api_client.login("dongbao_village")
    r = api.post(f"/api/v1/community/awards/{a2['id']}/reverse", {"reason": "登记错人"})
    assert (
        r.status_code == 201 and r.json()["points"] == -30 and r.json()["reverses_id"] == a2["id"]
    )
    assert PointsAward.objects.get(pk=a2["id"]).points == 30
    assert (
        api.post(f"/api/v1/community/awards/{a2['id']}/reverse", {"reason": "x"}).status_code == 409
    )
    balance = PointsBalance.objects.get(person=p["zhang"], region=village)
    assert (balance.balance, balance.earned, balance.spent) == (2, 2, 0)
    # A revision from tomorrow: the old row stops today, its awards keep it.
    tomorrow = p["today"] + dt.timedelta(days=1)
    r = api.post(
        f"/api/v1/community/rules/{small['id']}/revise",
        {"points": 6, "valid_from": tomorrow.isoformat()},
    )
    assert r.status_code == 201 and r.json()["origin_id"] == small["id"]
    assert PointsAward.objects.get(pk=a1["id"]).rule_id == small["id"]
    rules = api.get("/api/v1/community/villages/420802001001/rules", history=True).json()
    old = next(x for x in rules if x["id"] == small["id"])
    assert old["valid_to"] == p["today"].isoformat()
    # The resident sees their own history and balance, the board masks names.
    me = api_client.login("res_zhang").get("/api/v1/community/me").json()
    assert me["balances"][0]["balance"] == 2
    assert sorted(a["points"] for a in me["history"]) == [-30, -8, 5, 5, 30]
    board = api_client.login("res_zhang").get("/api/v1/community/villages/420802001001/board")
    assert board.json() == [{"rank": 1, "name": "张*", "points": 2}]
    assert AuditEvent.objects.filter(object_type="community.pointsbalance").count() >= 5


def test_field_errors_in_chinese_and_english(pts, api_client):
    p = pts
    api = api_client.login("dongbao_village")
    rule = _rule(api)
    # 王五 lives in 钟祥市, not in the village: no award to him.
    r = _award(api, p["wang"], rule, note="  ")
    assert r.status_code == 422
    assert set(_fields(r)) == {"person_id", "note"}
    assert "居民" in _fields(r)["person_id"]
    r = api.post(
        "/api/v1/community/villages/420802001001/rules",
        {"name": "", "category": "volunteering", "points": 5, "yearly_cap": 2},
    )
    assert r.status_code == 422 and set(_fields(r)) == {"name", "yearly_cap"}
    r = api.post(
        "/api/v1/community/villages/420802001001/rules",
        {"name": "x", "category": "bogus", "points": 0},
        lang="en",
    )
    assert r.status_code == 422
    future = (p["today"] + dt.timedelta(days=3)).isoformat()
    r = _award(api, p["zhang"], rule, awarded_on=future)
    assert r.status_code == 422 and "awarded_on" in _fields(r)


def test_scope_another_village_or_township_reads_404(pts, api_client):
    p = pts
    api = api_client.login("dongbao_village")
    rule = _rule(api)
    award = _award(api, p["zhang"], rule).json()
    # The 钟祥市 clerk neither reads nor changes 龙泉社区's points.
    other = api_client.login("zhongxiang_clerk")
    assert other.get("/api/v1/community/villages/420802001001/rules").status_code == 404
    assert other.get(f"/api/v1/community/awards/{award['id']}").status_code == 404
    assert (
        other.post(f"/api/v1/community/awards/{award['id']}/reverse", {"reason": "x"}).status_code
        == 404
    )
    assert other.get("/api/v1/community/awards").json()["items"] == []
    # The village worker cannot reach another village.
    api = api_client.login("dongbao_village")
    assert (
        api.post(
            "/api/v1/community/villages/420881001001/rules",
            {"name": "x", "category": "volunteering", "points": 1},
        ).status_code
        == 404
    )
    # The leader reads with names masked and cannot write.
    leader = api_client.login("leader")
    assert leader.get(f"/api/v1/community/awards/{award['id']}").json()["person_name"] == "张*"
    assert (
        leader.post(
            "/api/v1/community/villages/420802001001/rules",
            {"name": "x", "category": "volunteering", "points": 1},
        ).status_code
        == 403
    )
    # A resident sees only their own awards.
    li_user = make_user("res_li", Role.RESIDENT, None, person=p["li"])
    assert li_user.pk
    assert (
        api_client.login("res_li").get(f"/api/v1/community/awards/{award['id']}").status_code == 404
    )


def test_shop_redemption_cancel_and_hand_over(pts, api_client):
    p = pts
    village = p["longquan_community"]
    api = api_client.login("dongbao_village")
    rule = _rule(api, points=10)
    for _ in range(3):
        _award(api, p["zhang"], rule)
    # The township's shop serves the village.
    r = api_client.login("dongbao_clerk").post(
        "/api/v1/community/shop/items",
        {"region_code": "420802001", "name": "大米", "price": 12, "stock": 2},
    )
    assert r.status_code == 201
    item = r.json()
    api = api_client.login("dongbao_village")
    assert [i["name"] for i in api.get("/api/v1/community/villages/420802001001/shop").json()] == [
        "大米"
    ]
    # 30 points: 2 × 12 = 24 fits, leaving 6; a third is refused for points (and stock).
    r = api.post(
        "/api/v1/community/villages/420802001001/redemptions",
        {"item_id": item["id"], "quantity": 2, "person_id": p["zhang"].pk},
    )
    assert r.status_code == 201 and r.json()["status"] == "reserved"
    red = r.json()
    assert _balance(p["zhang"], village) == 6 and ShopItem.objects.get(pk=item["id"]).stock == 0
    r = api.post(
        "/api/v1/community/villages/420802001001/redemptions",
        {"item_id": item["id"], "person_id": p["zhang"].pk},
    )
    assert r.status_code == 409 and "quantity" in _fields(r)
    # 李梅 has no points at all.
    r = api.post(
        "/api/v1/community/villages/420802001001/redemptions",
        {"item_id": item["id"], "person_id": p["li"].pk},
    )
    assert r.status_code == 409
    # Cancelled before hand-over: points and stock back; then the resident asks from the phone.
    assert (
        api.post(f"/api/v1/community/redemptions/{red['id']}/cancel").json()["status"]
        == "cancelled"
    )
    assert _balance(p["zhang"], village) == 30 and ShopItem.objects.get(pk=item["id"]).stock == 2
    res = api_client.login("res_zhang")
    r = res.post(
        "/api/v1/community/villages/420802001001/redemptions",
        {"item_id": item["id"], "hand_over": True},
    )
    assert (
        r.status_code == 201 and r.json()["status"] == "reserved" and r.json()["requested_online"]
    )
    mine = r.json()
    api = api_client.login("dongbao_village")
    assert (
        api.post(f"/api/v1/community/redemptions/{mine['id']}/hand-over").json()["status"]
        == "handed_over"
    )
    assert api.post(f"/api/v1/community/redemptions/{mine['id']}/cancel").status_code == 409
    balance = PointsBalance.objects.get(person=p["zhang"], region=village)
    assert (balance.balance, balance.earned, balance.spent) == (18, 30, 12)
    # A reversal that would take the balance below zero is refused: 18 left, reversing 10 is fine
    # twice, the third finds 0 < 10... after spending 12 of 30 only one more 10 can go.
    awards = list(PointsAward.objects.filter(person=p["zhang"]).order_by("id"))
    assert (
        api.post(f"/api/v1/community/awards/{awards[0].pk}/reverse", {"reason": "误登"}).status_code
        == 201
    )
    r = api.post(f"/api/v1/community/awards/{awards[1].pk}/reverse", {"reason": "误登"})
    assert r.status_code == 409
    assert _balance(p["zhang"], village) == 8


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_redemptions_never_overdraw(jingmen, users, people):
    """Two staff redeem for 张三 at the same moment, each for 8 of his 10 points: the balance row
    lock makes the second wait, then find 2 points left; exactly one redemption is made."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time whatever the code does")
    village = jingmen["longquan_community"]
    worker, clerk, zhang = users["dongbao_village"], users["dongbao_clerk"], people["zhang"]
    rule = services.create_rule(
        user=worker, village=village, name="志愿", category="volunteering", points=10
    )
    services.award_points(
        user=worker, village=village, person_id=zhang.pk, rule_id=rule.pk, note="服务"
    )
    item = services.add_item(user=worker, region_code=village.code, name="毛巾", price=8, stock=5)
    start = threading.Barrier(2)
    outcomes = []

    def redeem(user):
        try:
            start.wait()
            services.redeem(
                user=user, village=village, item_id=item.pk, quantity=1, person_id=zhang.pk
            )
            outcomes.append("ok")
        except ServiceError as exc:
            outcomes.append(exc.status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem, args=(u,)) for u in (worker, clerk)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [409, "ok"]
    assert _balance(zhang, village) == 2
    assert ShopItem.objects.get(pk=item.pk).stock == 4


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_redemptions_of_the_last_item(jingmen, users, people):
    """Two residents' redemptions of the one item left: one gets it, the stock stays at 0."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time whatever the code does")
    village = jingmen["longquan_community"]
    worker, clerk = users["dongbao_village"], users["dongbao_clerk"]
    rule = services.create_rule(
        user=worker, village=village, name="志愿", category="volunteering", points=10
    )
    for person in (people["zhang"], people["li"]):
        services.award_points(
            user=worker, village=village, person_id=person.pk, rule_id=rule.pk, note="服务"
        )
    item = services.add_item(user=worker, region_code=village.code, name="大米", price=5, stock=1)
    start = threading.Barrier(2)
    outcomes = []

    def redeem(user, person):
        try:
            start.wait()
            services.redeem(
                user=user, village=village, item_id=item.pk, quantity=1, person_id=person.pk
            )
            outcomes.append("ok")
        except ServiceError as exc:
            outcomes.append(exc.status)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=redeem, args=(worker, people["zhang"])),
        threading.Thread(target=redeem, args=(clerk, people["li"])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [409, "ok"]
    assert ShopItem.objects.get(pk=item.pk).stock == 0
    assert _balance(people["zhang"], village) + _balance(people["li"], village) == 15


# ---------------------------------------------------------------- registers and targets 5.2–5.4


def _regions():
    return Region.objects.prefetch_related("members")


def test_registers_through_the_api_and_acceptance_rules(pts, api_client):
    def clerk():
        return api_client.login("dongbao_clerk")

    def county():
        return api_client.login("dongbao_approver")

    # 龙泉社区 is urban: not a rural demonstration site; 栗溪村 is in 栗溪镇, not 龙泉街道: 404.
    r = clerk().post("/api/v1/community/demo-sites", {"region_code": "420802001001", "year": 2016})
    assert r.status_code == 422 and "region_code" in _fields(r)
    r = clerk().post("/api/v1/community/demo-sites", {"region_code": "420802100200", "year": 2016})
    assert r.status_code == 404
    site = county().post(
        "/api/v1/community/demo-sites",
        {"region_code": "420802100200", "year": 2016, "on": "2016-03-01"},
    )
    site = site.json()
    # Acceptance needs the whole checklist.
    accept = f"/api/v1/community/demo-sites/{site['id']}/accept"
    assert county().post(accept, {"passed": True, "on": "2016-10-01"}).status_code == 409
    county().post(
        f"/api/v1/community/demo-sites/{site['id']}/checklist", {"done": list(site["checklist"])}
    )
    r = county().post(accept, {"passed": True, "on": "2016-10-01"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert county().post(accept, {"passed": True}).status_code == 409
    # A difficult village: the township lists it and keeps the tasks, the county accepts.
    dv = (
        clerk()
        .post(
            "/api/v1/community/difficult-villages",
            {"region_code": "420802001001", "year": 2016, "problems": "财务未公开"},
        )
        .json()
    )
    base = f"/api/v1/community/difficult-villages/{dv['id']}"
    task = clerk().post(f"{base}/tasks", {"title": "公开财务", "due_on": "2016-06-30"}).json()
    assert clerk().post(f"{base}/accept", {}).status_code == 403
    assert county().post(f"{base}/accept", {}).status_code == 409
    clerk().post(f"{base}/tasks/{task['id']}/done", {"on": "2016-06-20"})
    r = county().post(f"{base}/accept", {"on": "2016-07-01"})
    assert r.status_code == 200 and r.json()["status"] == "remediated"
    # Standard-community tasks: the county's own, due within the year.
    url = "/api/v1/community/standard-tasks"
    body = {"year": 2016, "title": "x", "due_on": "2016-06-30"}
    assert county().post(url, {**body, "region_code": "420881"}).status_code == 404
    r = county().post(url, {**body, "region_code": "420802", "due_on": "2017-06-30"})
    assert r.status_code == 422 and "due_on" in _fields(r)
    assert clerk().post(url, {**body, "region_code": "420802"}).status_code == 403


def test_targets_5_2_to_5_4_worked_by_hand(jingmen):
    j = jingmen
    lixi = j["lixi_village"]  # 东宝区 栗溪镇
    other = Region.objects.create(
        code="420881001200",
        name="郢中村",
        level="village",
        parent=j["yingzhong"],
        urban_rural="rural",
    )
    third = Region.objects.create(
        code="420802100201", name="石桥村", level="village", parent=lixi.parent, urban_rural="rural"
    )
    # 5.2: accepted in 2016 by the date: 栗溪村 (1 Oct) and 郢中村 (1 Dec); 石桥村 accepted in 2015
    # does not count for 2016.
    DemoSite.objects.create(
        region=lixi,
        year=2016,
        designated_on=D(2016, 3, 1),
        status="accepted",
        accepted_on=D(2016, 10, 1),
    )
    DemoSite.objects.create(
        region=other,
        year=2016,
        designated_on=D(2016, 3, 1),
        status="accepted",
        accepted_on=D(2016, 12, 1),
    )
    DemoSite.objects.create(
        region=third,
        year=2015,
        designated_on=D(2015, 3, 1),
        status="accepted",
        accepted_on=D(2015, 11, 1),
    )
    out = indicators.demo_villages(_regions(), D(2016, 11, 30))
    assert (out["420800"], out["420802"], out["420881"], out["420802100"]) == (1, 1, 0, 1)
    out = indicators.demo_villages(_regions(), D(2016, 12, 31))
    assert (out["420800"], out["420881"]) == (2, 1)
    # 5.3: remediated in d's year by d; one still listed.
    DifficultVillage.objects.create(
        region=lixi, year=2016, problems="x", status="remediated", accepted_on=D(2016, 7, 1)
    )
    DifficultVillage.objects.create(region=other, year=2016, problems="x", status="listed")
    out = indicators.difficult_villages(_regions(), D(2016, 12, 31))
    assert (out["420800"], out["420802"], out["420881"]) == (2 - 1, 1, 0)
    # 5.4: 东宝区 two tasks due by 30 Jun, both done → 1; 钟祥市 one due and open → 0; the city
    # counts all: 0. On 31 Mar only 东宝区's first task is due (done): 东宝区 1, 钟祥市 none due.
    StandardTask.objects.create(
        region=j["dongbao"],
        year=2016,
        title="a",
        due_on=D(2016, 3, 31),
        completed_on=D(2016, 3, 20),
    )
    StandardTask.objects.create(
        region=j["dongbao"],
        year=2016,
        title="b",
        due_on=D(2016, 6, 30),
        completed_on=D(2016, 6, 30),
    )
    StandardTask.objects.create(region=j["zhongxiang"], year=2016, title="c", due_on=D(2016, 6, 30))
    StandardTask.objects.create(
        region=j["zhongxiang"], year=2016, title="d", due_on=D(2016, 12, 31)
    )
    out = indicators.standard_task(_regions(), D(2016, 6, 30))
    assert (out["420802"], out["420881"], out["420800"]) == (Decimal(1), Decimal(0), Decimal(0))
    out = indicators.standard_task(_regions(), D(2016, 3, 31))
    assert out["420802"] == Decimal(1) and out["420800"] == Decimal(1) and "420881" not in out
    # Before 东宝区's second task was completed (on 29 Jun it was not yet due): still 1.
    assert indicators.standard_task(_regions(), D(2016, 6, 29))["420802"] == Decimal(1)
    assert RemediationTask.objects.count() == 0

"""Sunshine placement of discharged soldiers (docs/DOMAIN.md §9.2): service scores and the ranking
worked by hand (with a three-way tie broken by the documented rule), publicity and objections,
choices in order (out of turn and a full post refused, also concurrently), the self-employment
grant paid once, training, the five indicators 14.1–14.5 with hand-worked figures, scope, the
employer's view, field-level Chinese 422s and the audit trail."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.payments.models import OneOffPayable
from minzheng.placement import scoring, services
from minzheng.placement.indicators import placement_rates
from minzheng.placement.models import Objection, PlacementYear, Post, Veteran
from minzheng.regions.models import Region

pytestmark = pytest.mark.django_db

D = dt.date
BASE = {
    "rank": "private",
    "first_class_merits": 0,
    "second_class_merits": 0,
    "third_class_merits": 0,
    "outstanding_soldier": 0,
    "hardship_months": 0,
    "warnings": 0,
    "serious_warnings": 0,
    "demerits": 0,
}
# Service records of the seven veterans of 东宝区 2016. Default weights (scoring.DEFAULT_WEIGHTS):
# 10 points a year of service (months × 10/12), rank private 0 / 一级士官 5 / 三级士官 15, 一等功 30,
# 二等功 20, 三等功 10, 优秀士兵 5, 3 points a hardship year (months × 3/12), minus 5 a warning,
# 10 a serious warning, 20 a demerit.
RECORDS = {
    # 2004-12-01 → 2016-12-01 = 144 months → 120.00; 三级士官 15; 三等功 10; 优秀士兵 ×2 = 10;
    # hardship 24 months → 6.00. Total 161.00. Priority: NCO with 12 years.
    "A": {
        **BASE,
        "enlisted_on": "2004-12-01",
        "discharged_on": "2016-12-01",
        "rank": "nco3",
        "third_class_merits": 1,
        "outstanding_soldier": 2,
        "hardship_months": 24,
        "priority_group": "nco12",
        "priority_evidence": "士官退役证",
    },
    # 2013-12-01 → 2015-12-01 = 24 months → 20.00; 二等功 20; 记过 −20. Total 20.00. Priority: merit.
    "B": {
        **BASE,
        "enlisted_on": "2013-12-01",
        "discharged_on": "2015-12-01",
        "second_class_merits": 1,
        "demerits": 1,
        "priority_group": "merit",
        "priority_evidence": "二等功证书",
    },
    # 2014-09-10 → 2016-09-01 = 23 full months (the 1st is before the 10th) → 230/12 = 19.1666…;
    # 优秀士兵 5; hardship 7 months → 1.75. Exact total 25.91666… → 25.92.
    "C": {
        **BASE,
        "enlisted_on": "2014-09-10",
        "discharged_on": "2016-09-01",
        "outstanding_soldier": 1,
        "hardship_months": 7,
    },
    # D, E and F: 24 months → 20.00; 优秀士兵 5; hardship 4 months → 1.00. Each 26.00: a tie.
    "D": {
        **BASE,
        "enlisted_on": "2014-09-01",
        "discharged_on": "2016-09-01",
        "outstanding_soldier": 1,
        "hardship_months": 4,
    },
    "E": {
        **BASE,
        "enlisted_on": "2014-03-01",
        "discharged_on": "2016-03-01",
        "outstanding_soldier": 1,
        "hardship_months": 4,
    },
    "F": {
        **BASE,
        "enlisted_on": "2014-09-01",
        "discharged_on": "2016-09-01",
        "outstanding_soldier": 1,
        "hardship_months": 4,
    },
    # 24 months → 20.00; 三等功 10; warning −5; serious warning −10. Total 15.00.
    "G": {
        **BASE,
        "enlisted_on": "2013-12-01",
        "discharged_on": "2015-12-01",
        "third_class_merits": 1,
        "warnings": 1,
        "serious_warnings": 1,
    },
}
SCORES = {
    "A": "161.00",
    "B": "20.00",
    "C": "25.92",
    "D": "26.00",
    "E": "26.00",
    "F": "26.00",
    "G": "15.00",
}
# Ranking: A 161.00; then the tie at 26.00 — E first (same 24 months, enlisted 2014-03-01, earlier
# than D and F), then F before D (same months, same enlistment day; F's ID number 420802 1994…
# sorts before D's 420802 1995…); then C 25.92, B 20.00, G 15.00.
RANKING = ["A", "E", "F", "D", "C", "B", "G"]
# Choice order: the priority groups first in ranking order (A, B), then the others in ranking order.
CHOICE_ORDER = ["A", "B", "E", "F", "D", "C", "G"]


def _year(w, **kw) -> PlacementYear:
    return services.create_year(user=w["dongbao_approver"], year=2016, **kw)


def _add_all(w, api, year_id):
    ids = {}
    for key, record in RECORDS.items():
        r = api.post(
            f"/api/v1/placement/years/{year_id}/veterans",
            {**record, "id_number": w["men"][key].id_number},
        )
        assert r.status_code == 201, r.content
        ids[key] = r.json()["id"]
    return ids


def _by_key(w, year) -> dict[str, Veteran]:
    by_person = {v.person_id: v for v in Veteran.objects.filter(year=year)}
    return {k: by_person[p.pk] for k, p in w["men"].items() if p.pk in by_person}


def _final(w, year):
    """Publish, then move the window into the past (a test cannot wait five days) and finalise."""
    today = timezone.localdate()
    services.publish(
        user=w["dongbao_approver"], year=year, start=today, end=today + dt.timedelta(6)
    )
    PlacementYear.objects.filter(pk=year.pk).update(
        publicity_start=today - dt.timedelta(8), publicity_end=today - dt.timedelta(2)
    )
    year.refresh_from_db()
    return services.finalise(user=w["dongbao_approver"], year=year)


def _posts(w, year, counts=(1, 2)) -> list[Post]:
    posts = []
    for i, count in enumerate(counts):
        post = services.submit_post(
            user=w["employer"],
            year=year,
            data={"name": f"城管执法辅助岗{i + 1}", "count": count, "location": "东宝区"},
        )
        posts.append(services.review_post(user=w["dongbao_approver"], post=post, approve=True))
    return posts


# ---------------------------------------------------------------- scores and ranking


def test_scores_and_ranking_worked_by_hand(placement_world, api_client):
    w = placement_world
    api = api_client.login("dongbao_approver")
    r = api.post("/api/v1/placement/years", {"year": 2016})
    assert r.status_code == 201, r.content
    year_id = r.json()["id"]
    assert r.json()["grant_per_year_fen"] == scoring.DEFAULT_GRANT_PER_YEAR_FEN
    _add_all(w, api, year_id)
    rows = api.get(f"/api/v1/placement/years/{year_id}/veterans").json()
    keys = {v.pk: k for k, v in w["men"].items()}
    assert [keys[row["person_id"]] for row in rows] == RANKING
    assert {keys[row["person_id"]]: str(row["score"]) for row in rows} == SCORES
    order = sorted(rows, key=lambda row: row["choice_no"])
    assert [keys[row["person_id"]] for row in order] == CHOICE_ORDER
    # The trace of C: 23 months → 19.17 (shown; the total keeps the exact 19.1666…), hardship 1.75.
    c = next(row for row in rows if keys[row["person_id"]] == "C")
    trace = {p["part"]: (p["quantity"], p["points"]) for p in c["score_trace"]}
    assert trace["service"] == ("23", "19.17")
    assert trace["hardship"] == ("7", "1.75")
    assert trace["outstanding_soldier"] == ("1", "5.00")
    assert c["service_months"] == 23
    g = next(row for row in rows if keys[row["person_id"]] == "G")
    trace = {p["part"]: p["points"] for p in g["score_trace"]}
    assert (trace["warnings"], trace["serious_warnings"]) == ("-5.00", "-10.00")
    assert AuditEvent.objects.filter(object_type="placement.veteran", action="create").count() == 7


def test_service_months_and_grant_years():
    assert scoring.service_months(D(2014, 9, 10), D(2016, 9, 1)) == 23
    assert scoring.service_months(D(2014, 9, 1), D(2016, 9, 1)) == 24
    # 30 months: 2 years and 6 months → 2.5 years; 31 months → 3 years; 24 → 2.
    assert scoring.grant_years(30) == Decimal("2.5")
    assert scoring.grant_years(31) == 3 and scoring.grant_years(24) == 2
    # 2.5 years × 6,000.00 yuan = 15,000.00 yuan.
    assert scoring.grant_fen(30, 600_000) == 1_500_000


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"rank": "general"}, "rank", ""),
        ({"discharged_on": "2014-01-01"}, "discharged_on", "退役日期须晚于入伍日期"),
        (
            {"discharged_on": "2013-12-31", "enlisted_on": "2011-12-01"},
            "discharged_on",
            "2015年或2016年退役",
        ),
        (
            {"priority_group": "nco12", "priority_evidence": "证"},
            "priority_group",
            "服役须满144个月",
        ),
        ({"priority_group": "martyr_child"}, "priority_evidence", "须注明证明材料"),
        ({"priority_group": "merit", "priority_evidence": "嘉奖"}, "priority_group", "二等功以上"),
        ({"hardship_months": 30}, "hardship_months", "不能超过服役月数"),
        ({"warnings": -1}, "warnings", ""),
        ({"id_number": "4208021995010100AB"}, "id_number", "身份证号码格式不正确"),
    ],
)
def test_veteran_input_is_checked_field_by_field(
    placement_world, api_client, change, field, message
):
    w = placement_world
    year = _year(w)
    api = api_client.login("dongbao_approver")
    body = {**RECORDS["D"], "id_number": w["men"]["D"].id_number, **change}
    r = api.post(f"/api/v1/placement/years/{year.pk}/veterans", body)
    assert r.status_code == 422, r.content
    errors = r.json()["errors"]
    assert any(e["field"].endswith(field) and message in e["message"] for e in errors), errors
    assert not Veteran.objects.exists()


def test_the_veteran_must_be_of_the_county_and_registered_once(placement_world, api_client):
    w = placement_world
    year = _year(w)
    api = api_client.login("dongbao_approver")
    # A man of 钟祥市 is not in 东宝区's registry scope.
    r = api.post(
        f"/api/v1/placement/years/{year.pk}/veterans",
        {**RECORDS["D"], "id_number": w["men"]["Z"].id_number},
    )
    assert r.status_code == 422 and "本辖区人口库中没有" in str(r.json())
    body = {**RECORDS["D"], "id_number": w["men"]["D"].id_number}
    assert api.post(f"/api/v1/placement/years/{year.pk}/veterans", body).status_code == 201
    again = api.post(f"/api/v1/placement/years/{year.pk}/veterans", body)
    assert again.status_code == 409 and "已在本年度名单中" in str(again.json())
    # The same county and year twice: 409.
    r = api.post("/api/v1/placement/years", {"year": 2016})
    assert r.status_code == 409


# ---------------------------------------------------------------- publicity and objections


def test_an_upheld_objection_changes_the_ranking_and_the_ranking_then_locks(
    placement_world, api_client
):
    w = placement_world
    api = api_client.login("dongbao_approver")
    year_id = api.post("/api/v1/placement/years", {"year": 2016}).json()["id"]
    ids = _add_all(w, api, year_id)
    today = timezone.localdate()
    # A window shorter than five days is refused, naming the field.
    r = api.post(
        f"/api/v1/placement/years/{year_id}/publish",
        {"start": str(today), "end": str(today + dt.timedelta(3))},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "end"
    r = api.post(
        f"/api/v1/placement/years/{year_id}/publish",
        {"start": str(today), "end": str(today + dt.timedelta(6))},
    )
    assert r.status_code == 200 and r.json()["status"] == "publicity"
    # No more changes to a record by hand once published.
    r = api.patch(f"/api/v1/placement/veterans/{ids['D']}", RECORDS["D"])
    assert r.status_code == 409

    # D (刘洋) files an objection from his own resident account: a second 优秀士兵 was left out.
    mine = api_client.login("veteran_d")
    assert [row["id"] for row in mine.get("/api/v1/placement/veterans/mine").json()] == [ids["D"]]
    # He cannot read or object for anyone else: 404.
    assert mine.get(f"/api/v1/placement/veterans/{ids['E']}").status_code == 404
    assert (
        mine.post(f"/api/v1/placement/veterans/{ids['E']}/objections", {"text": "x"}).status_code
        == 404
    )
    r = mine.post(
        f"/api/v1/placement/veterans/{ids['D']}/objections",
        {"text": "2015年度优秀士兵漏计，证书编号2015-117"},
    )
    assert r.status_code == 201, r.content
    objection_id = r.json()["id"]
    assert r.json()["by_veteran"] is True
    # The clerk files one for G on his behalf.
    api = api_client.login("dongbao_approver")
    r = api.post(f"/api/v1/placement/veterans/{ids['G']}/objections", {"text": "处分已撤销"})
    assert r.status_code == 201
    g_objection = r.json()["id"]

    # Not final while an objection is open or the window runs.
    assert api.post(f"/api/v1/placement/years/{year_id}/finalise").status_code == 409
    # Upheld without a correction, or dismissed without a reason: 422 with the field.
    r = api.post(
        f"/api/v1/placement/objections/{objection_id}/answer", {"upheld": True, "answer": "属实"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "corrections"
    r = api.post(
        f"/api/v1/placement/objections/{g_objection}/answer", {"upheld": False, "answer": " "}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "answer"
    # Upheld: 优秀士兵 1 → 2 adds 5 points, 26.00 → 31.00, and D moves from 4th to 2nd.
    r = api.post(
        f"/api/v1/placement/objections/{objection_id}/answer",
        {
            "upheld": True,
            "answer": "经核实属实，予以更正",
            "corrections": {"outstanding_soldier": 2},
        },
    )
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["score_before"], r.json()["score_after"]) == (
        "upheld",
        "26.00",
        "31.00",
    )
    rows = api.get(f"/api/v1/placement/years/{year_id}/veterans").json()
    keys = {v.pk: k for k, v in w["men"].items()}
    assert [keys[row["person_id"]] for row in rows] == ["A", "D", "E", "F", "C", "B", "G"]
    r = api.post(
        f"/api/v1/placement/objections/{g_objection}/answer",
        {"upheld": False, "answer": "处分决定未撤销，维持原得分"},
    )
    assert r.json()["status"] == "dismissed"
    again = api.post(
        f"/api/v1/placement/objections/{g_objection}/answer",
        {"upheld": False, "answer": "再答"},
    )
    assert again.status_code == 409

    # Still inside the window: not final yet.
    r = api.post(f"/api/v1/placement/years/{year_id}/finalise")
    assert r.status_code == 409 and "公示期至" in r.json()["detail"]
    # After the window (moved into the past), the ranking is final; objections are then refused.
    PlacementYear.objects.filter(pk=year_id).update(
        publicity_start=today - dt.timedelta(8), publicity_end=today - dt.timedelta(1)
    )
    r = api.post(f"/api/v1/placement/years/{year_id}/finalise")
    assert r.status_code == 200 and r.json()["status"] == "final"
    late = api_client.login("veteran_d").post(
        f"/api/v1/placement/veterans/{ids['D']}/objections", {"text": "还有异议"}
    )
    assert late.status_code == 409 and "不在公示期内" in str(late.json())
    assert Objection.objects.count() == 2
    assert AuditEvent.objects.filter(
        object_type="placement.objection", object_id=str(objection_id), action="update"
    ).exists()
    assert (
        AuditEvent.objects.filter(
            object_type="placement.placementyear", object_id=str(year_id), action="transition"
        ).count()
        == 2
    )


# ---------------------------------------------------------------- posts and choices


def test_employer_publishes_posts_and_sees_only_its_own(placement_world, api_client):
    w = placement_world
    year = _year(w)
    emp = api_client.login("employer")
    r = emp.post(
        f"/api/v1/placement/years/{year.pk}/posts",
        {"name": "市政设施巡查员", "count": 2, "requirements": "身体健康", "location": "泉口街道"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["unit"] == "东宝区城市管理局" and r.json()["status"] == "submitted"
    post_id = r.json()["id"]
    # Field-level 422s in Chinese.
    r = emp.post(f"/api/v1/placement/years/{year.pk}/posts", {"name": "", "count": 0})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"count"} <= {f.split(".")[-1] for f in fields}
    r = emp.post(f"/api/v1/placement/years/{year.pk}/posts", {"name": " ", "count": 1})
    assert r.status_code == 422 and r.json()["errors"][0] == {
        "field": "name",
        "message": "请填写岗位名称",
    }
    # The second employer sees nothing of the first one's posts, and no veterans at all.
    other = api_client.login("employer2")
    assert other.get("/api/v1/placement/posts").json()["count"] == 0
    assert other.get(f"/api/v1/placement/posts/{post_id}").status_code == 404
    assert other.get(f"/api/v1/placement/years/{year.pk}/veterans").status_code == 404
    # An employer cannot approve; the office of another county gets 404; the office approves.
    emp = api_client.login("employer")  # one client: each login replaces the token
    assert (
        emp.post(f"/api/v1/placement/posts/{post_id}/review", {"approve": True}).status_code == 403
    )
    zx = api_client.login("zhongxiang_approver")
    assert (
        zx.post(f"/api/v1/placement/posts/{post_id}/review", {"approve": True}).status_code == 404
    )
    office = api_client.login("dongbao_approver")
    r = office.post(f"/api/v1/placement/posts/{post_id}/review", {"approve": False})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = office.post(f"/api/v1/placement/posts/{post_id}/review", {"approve": True})
    assert r.json()["status"] == "approved"
    # Only employers publish posts.
    assert (
        office.post(
            f"/api/v1/placement/years/{year.pk}/posts", {"name": "x", "count": 1}
        ).status_code
        == 403
    )


def test_choices_in_order_out_of_turn_and_full_post_refused(placement_world, api_client):
    w = placement_world
    year = _year(w)
    api = api_client.login("dongbao_approver")
    _add_all(w, api, year.pk)
    p1, p2 = _posts(w, year, counts=(1, 2))
    # Before the ranking is final no choice is taken.
    v = _by_key(w, year)
    r = api.post(
        f"/api/v1/placement/years/{year.pk}/choices", {"veteran_id": v["A"].pk, "post_id": p1.pk}
    )
    assert r.status_code == 409
    _final(w, year)
    # E (third in choice order) out of turn: refused, naming whose turn it is.
    r = api.post(
        f"/api/v1/placement/years/{year.pk}/choices", {"veteran_id": v["E"].pk, "post_id": p1.pk}
    )
    assert r.status_code == 409 and "现在应由第1位 张伟" in str(r.json())
    # Neither a post nor self-employment: 422.
    r = api.post(f"/api/v1/placement/years/{year.pk}/choices", {"veteran_id": v["A"].pk})
    assert r.status_code == 422
    r = api.post(
        f"/api/v1/placement/years/{year.pk}/choices", {"veteran_id": v["A"].pk, "post_id": p1.pk}
    )
    assert r.status_code == 201 and r.json()["outcome"] == "post"
    # A chose again: refused.
    r = api.post(
        f"/api/v1/placement/years/{year.pk}/choices", {"veteran_id": v["A"].pk, "post_id": p2.pk}
    )
    assert r.status_code == 409
    # B takes p1, already taken by A (count 1): refused, and p1 stays 1/1.
    r = api.post(
        f"/api/v1/placement/years/{year.pk}/choices", {"veteran_id": v["B"].pk, "post_id": p1.pk}
    )
    assert r.status_code == 409 and "已被选满" in str(r.json())
    p1.refresh_from_db()
    assert (p1.taken, p1.count) == (1, 1)
    for key, choice in (("B", p2.pk), ("E", p2.pk), ("F", None), ("D", None)):
        body = {"veteran_id": v[key].pk}
        body.update(
            {"post_id": choice} if choice else {"self_employment": True, "wishes_training": True}
        )
        assert api.post(f"/api/v1/placement/years/{year.pk}/choices", body).status_code == 201, key
    board = api.get(f"/api/v1/placement/years/{year.pk}/board").json()
    assert board["turn"]["choice_no"] == 6 and board["turn"]["name"] == "王*"
    assert board["places_left"] == 0 and board["pending"] == 2
    assert [row["choice_no"] for row in board["made"]] == [5, 4, 3, 2, 1]
    # C: no post left, chooses self-employment.
    r = api.post(
        f"/api/v1/placement/years/{year.pk}/choices",
        {"veteran_id": v["C"].pk, "post_id": p2.pk},
    )
    assert r.status_code == 409
    # The year cannot close while G has not chosen.
    assert api.post(f"/api/v1/placement/years/{year.pk}/close").status_code == 409
    # The employer sees who took its posts.
    posts = api_client.login("employer").get("/api/v1/placement/posts").json()["items"]
    assert sorted((p["name"], tuple(p["taken_by"])) for p in posts) == [
        ("城管执法辅助岗1", ("张伟",)),
        ("城管执法辅助岗2", ("李强", "陈杰")),
    ]
    assert AuditEvent.objects.filter(
        object_type="placement.veteran", object_id=str(v["A"].pk), action="transition"
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_choices_of_the_last_place(placement_world):
    """Two clerks record A's choice of the one-place post at the same moment: the year row lock
    makes the second wait, then find A already placed; exactly one place is taken."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time whatever the code does")
    w = placement_world
    year = _year(w)
    for key in ("A", "E"):
        services.add_veteran(
            user=w["dongbao_approver"],
            year=year,
            id_number=w["men"][key].id_number,
            data={
                **RECORDS[key],
                **{f: D.fromisoformat(RECORDS[key][f]) for f in ("enlisted_on", "discharged_on")},
            },
        )
    (post,) = _posts(w, year, counts=(1,))
    _final(w, year)
    a = _by_key(w, year)["A"]
    start = threading.Barrier(2)
    outcomes = []

    def choose(user):
        try:
            start.wait()
            services.record_choice(user=user, veteran=a, post=post)
            outcomes.append("ok")
        except ServiceError as exc:
            outcomes.append(exc.status)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=choose, args=(w[k],)) for k in ("dongbao_approver", "city_section")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [409, "ok"]
    post.refresh_from_db()
    assert post.taken == 1


# ---------------------------------------------------------------- grant, training, indicators


def _choose_all(w, year, plan):
    v = _by_key(w, year)
    for key in CHOICE_ORDER:
        choice = plan[key]
        services.record_choice(
            user=w["dongbao_approver"],
            veteran=v[key],
            post=choice if isinstance(choice, Post) else None,
            self_employment=not isinstance(choice, Post),
            wishes_training=choice == "train",
        )
    return _by_key(w, year)


def test_grant_paid_once_training_and_the_five_indicators(placement_world, api_client):
    w = placement_world
    year = _year(w)
    api = api_client.login("dongbao_approver")
    _add_all(w, api, year.pk)
    p1, p2 = _posts(w, year, counts=(1, 1))
    _final(w, year)
    # A (priority) takes p1; B (priority) chooses self-employment; E takes p2; the other four are
    # self-employed, F, D and C wishing to train, G not.
    v = _choose_all(
        w,
        year,
        {"A": p1, "B": "self", "E": p2, "F": "train", "D": "train", "C": "train", "G": "self"},
    )
    # The grant of F: 24 months = 2 years × 6,000.00 = 12,000.00 yuan; of C: 23 months = 1 year
    # and 11 months → 2 years → 12,000.00 yuan.
    r = api.post(f"/api/v1/placement/veterans/{v['F'].pk}/grant")
    assert r.status_code == 201, r.content
    assert (r.json()["amount_fen"], r.json()["payable_status"]) == (1_200_000, "pending")
    again = api.post(f"/api/v1/placement/veterans/{v['F'].pk}/grant")
    assert again.status_code == 409 and "已核定" in str(again.json())
    assert OneOffPayable.objects.filter(source_kind="placement_grant").count() == 1
    # A placed veteran gets no grant.
    assert api.post(f"/api/v1/placement/veterans/{v['A'].pk}/grant").status_code == 422
    for key in ("C", "D", "B"):
        services.decide_grant(user=w["dongbao_approver"], veteran=v[key])
    assert OneOffPayable.objects.get(source_id=v["C"].pk).amount_fen == 1_200_000
    # The bank paid F's and C's (settled); D's and B's are still pending; G has none yet.
    today = timezone.localdate()
    OneOffPayable.objects.filter(source_id__in=[v["F"].pk, v["C"].pk]).update(
        status="paid", paid_on=today
    )

    # Training: one course; F and D enrol (C, wishing, does not yet); attendance, exam, outcome.
    r = api.post(
        f"/api/v1/placement/years/{year.pk}/courses",
        {
            "name": "汽车维修",
            "provider": "荆门技师学院",
            "starts_on": str(today - dt.timedelta(20)),
            "ends_on": str(today - dt.timedelta(1)),
            "sessions": 10,
        },
    )
    assert r.status_code == 201, r.content
    course_id = r.json()["id"]
    enrolments = {}
    for key in ("F", "D"):
        r = api.post(
            f"/api/v1/placement/courses/{course_id}/enrolments",
            {"veteran_id": v[key].pk, "on": str(today - dt.timedelta(21))},
        )
        assert r.status_code == 201, r.content
        enrolments[key] = r.json()["id"]
    # A placed veteran cannot enrol; nor can F twice.
    r = api.post(f"/api/v1/placement/courses/{course_id}/enrolments", {"veteran_id": v["A"].pk})
    assert r.status_code == 422
    r = api.post(f"/api/v1/placement/courses/{course_id}/enrolments", {"veteran_id": v["F"].pk})
    assert r.status_code == 409
    r = api.post(
        f"/api/v1/placement/enrolments/{enrolments['F']}/attendance",
        {"on": str(today - dt.timedelta(10)), "present": True},
    )
    assert r.status_code == 200 and r.json()["attended"] == 1
    r = api.post(
        f"/api/v1/placement/enrolments/{enrolments['F']}/attendance",
        {"on": str(today - dt.timedelta(30))},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "on"
    assert (
        api.post(f"/api/v1/placement/enrolments/{enrolments['F']}/exam", {"result": "pass"}).json()[
            "exam_result"
        ]
        == "pass"
    )
    assert (
        api.post(
            f"/api/v1/placement/enrolments/{enrolments['D']}/exam", {"result": "fail"}
        ).status_code
        == 200
    )
    r = api.post(f"/api/v1/placement/enrolments/{enrolments['F']}/outcome", {"employed": True})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "employer_name"
    r = api.post(
        f"/api/v1/placement/enrolments/{enrolments['F']}/outcome",
        {"employed": True, "employer_name": "东宝区顺达汽修厂"},
    )
    assert r.json()["employed"] is True

    # The indicators on today (the year is 2016, so compute on a 2016 date: the choices, grants
    # and training are dated today, so move them into 2016 first — the rule counts by d's year).
    regions = list(Region.objects.all())
    on = dt.date(2016, 12, 31)
    Veteran.objects.filter(year=year).update(registered_on=dt.date(2016, 3, 1))
    Veteran.objects.filter(year=year).exclude(chosen_at=None).update(
        chosen_at=timezone.make_aware(dt.datetime(2016, 6, 1, 10))
    )
    OneOffPayable.objects.filter(status="paid").update(paid_on=dt.date(2016, 7, 1))
    from minzheng.placement.models import Enrolment

    Enrolment.objects.update(
        enrolled_on=dt.date(2016, 8, 1),
        exam_on=dt.date(2016, 9, 1),
        outcome_on=dt.date(2016, 10, 1),
    )
    values = placement_rates(regions, on)
    # 14.1: priority veterans A and B; A placed in a post, B chose self-employment (giving up the
    # guaranteed post, so out of the denominator) → 1 ÷ 1 = 100 %.
    # 14.2: self-employed B, F, D, C, G (5); paid F and C → 2 ÷ 5 = 40 %.
    # 14.3: wishing to train F, D, C (3); enrolled F, D → 2 ÷ 3 = 66.67 %.
    # 14.4: with an exam result F (pass), D (fail) → 1 ÷ 2 = 50 %.
    # 14.5: trained F and D; employed F → 1 ÷ 2 = 50 %.
    expected = {
        "veteran_priority_placement_rate": Decimal(100),
        "veteran_grant_payment_rate": Decimal(40),
        "veteran_training_participation_rate": Decimal(200) / 3,
        "veteran_training_pass_rate": Decimal(50),
        "veteran_employment_rate": Decimal(50),
    }
    for code, value in expected.items():
        # Counted in 龙泉社区 and rolled up to 龙泉街道, 东宝区 and the city; 钟祥市 has none.
        for region in ("420802001001", "420802001", "420802", "420800"):
            assert values[code][region].quantize(Decimal("0.01")) == value.quantize(
                Decimal("0.01")
            ), (code, region)
        assert "420881" not in values[code]
    # On 31 May neither A nor B had chosen (both choices are dated 1 June): both are due a post
    # and neither is placed → 0 ÷ 2 = 0 %.
    early = placement_rates(regions, dt.date(2016, 5, 31))["veteran_priority_placement_rate"]
    assert early["420802"] == Decimal(0)
    # On a date in 2015 there is no 2016 year: no value anywhere.
    assert placement_rates(regions, dt.date(2015, 12, 31))["veteran_grant_payment_rate"] == {}


# ---------------------------------------------------------------- scope


def test_another_countys_year_is_404_everywhere(placement_world, api_client, client):
    w = placement_world
    year = _year(w)
    api = api_client.login("dongbao_approver")
    ids = _add_all(w, api, year.pk)
    zx = api_client.login("zhongxiang_approver")
    assert zx.get(f"/api/v1/placement/years/{year.pk}").status_code == 404
    assert zx.get(f"/api/v1/placement/years/{year.pk}/veterans").status_code == 404
    assert zx.get(f"/api/v1/placement/veterans/{ids['A']}").status_code == 404
    assert zx.get("/api/v1/placement/years").json()["count"] == 0
    assert (
        zx.post(
            f"/api/v1/placement/years/{year.pk}/veterans",
            {**RECORDS["D"], "id_number": w["men"]["Z"].id_number},
        ).status_code
        == 404
    )
    # Creating a year for another county: 404.
    assert (
        zx.post("/api/v1/placement/years", {"year": 2016, "region_code": "420802"}).status_code
        == 404
    )
    # The city section oversees; the leader reads but may not act.
    city = api_client.login("city_section")
    assert city.get(f"/api/v1/placement/years/{year.pk}/veterans").status_code == 200
    leader = api_client.login("leader")
    assert leader.get(f"/api/v1/placement/years/{year.pk}/veterans").status_code == 200
    r = leader.post(
        f"/api/v1/placement/years/{year.pk}/veterans",
        {**RECORDS["D"], "id_number": w["men"]["D"].id_number},
    )
    assert r.status_code == 403
    # Pages too.
    client.force_login(w["zhongxiang_approver"])
    for url in (
        f"/placement/years/{year.pk}/",
        f"/placement/years/{year.pk}/board/",
        f"/placement/years/{year.pk}/session/",
        f"/placement/veterans/{ids['A']}/",
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(w["employer"])
    assert client.get(f"/placement/years/{year.pk}/").status_code == 403
    assert client.get(f"/placement/veterans/{ids['A']}/").status_code == 403


# ---------------------------------------------------------------- pages


def test_pages_for_the_office_the_employer_and_the_veteran(placement_world, client):
    w = placement_world
    year = _year(w)
    for key in ("A", "D", "E"):
        services.add_veteran(
            user=w["dongbao_approver"],
            year=year,
            id_number=w["men"][key].id_number,
            data={
                **RECORDS[key],
                **{f: D.fromisoformat(RECORDS[key][f]) for f in ("enlisted_on", "discharged_on")},
            },
        )
    client.force_login(w["dongbao_approver"])
    page = client.get("/placement/").content.decode()
    assert "2016" in page and "东宝区" in page
    page = client.get(f"/placement/years/{year.pk}/").content.decode()
    assert "张伟" in page and "161.00" in page and "服役表现得分排名" in page
    v = _by_key(w, year)
    page = client.get(f"/placement/veterans/{v['A'].pk}/").content.decode()
    assert "艰苦边远地区服役" in page and "24个月" in page and ">nco3<" not in page
    # The add form by ID number; a bad date is a message next to its field.
    r = client.post(
        f"/placement/years/{year.pk}/veterans/new/",
        {"id_number": w["men"]["G"].id_number, **{**RECORDS["G"], "discharged_on": "2013-01-01"}},
    )
    assert r.status_code == 200 and "退役日期须晚于入伍日期" in r.content.decode()
    # Publish from the page, then the veteran's own page on the phone shows score and rank.
    today = timezone.localdate()
    r = client.post(
        f"/placement/years/{year.pk}/publish/",
        {"start": str(today), "end": str(today + dt.timedelta(6))},
    )
    assert r.status_code == 302
    client.force_login(w["veteran_d"])
    page = client.get("/placement/mine/").content.decode()
    assert "26.00" in page and "第 3 名（共 3 人）" in page and "提出异议" in page
    r = client.post("/placement/mine/", {"veteran": v["D"].pk, "text": ""})
    assert r.status_code == 422
    r = client.post("/placement/mine/", {"veteran": v["D"].pk, "text": "优秀士兵漏计"})
    assert r.status_code == 302 and Objection.objects.filter(by_veteran=True).count() == 1
    # The board's HTMX fragment.
    client.force_login(w["dongbao_approver"])
    r = client.get(f"/placement/years/{year.pk}/board/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'hx-trigger="every 3s"' in r.content.decode()
    # The employer's page: publish a post for the year.
    client.force_login(w["employer"])
    r = client.post(
        "/placement/posts/",
        {"year": year.pk, "name": "环卫监督员", "count": 3, "unit": "", "location": "龙泉街道"},
    )
    assert r.status_code == 302
    page = client.get("/placement/posts/").content.decode()
    assert "环卫监督员" in page and "待审核" in page
    # The workbench cards.
    assert "安置岗位" in client.get("/").content.decode()
    client.force_login(w["dongbao_approver"])
    assert "1 个岗位待审核" in client.get("/").content.decode()


def test_session_grant_and_training_through_the_pages(placement_world, client):
    w = placement_world
    year = _year(w)
    for key in ("A", "E", "F"):
        services.add_veteran(
            user=w["dongbao_approver"],
            year=year,
            id_number=w["men"][key].id_number,
            data={
                **RECORDS[key],
                **{f: D.fromisoformat(RECORDS[key][f]) for f in ("enlisted_on", "discharged_on")},
            },
        )
    (post,) = _posts(w, year, counts=(1,))
    _final(w, year)
    v = _by_key(w, year)
    client.force_login(w["dongbao_approver"])
    url = f"/placement/years/{year.pk}/session/"
    page = client.get(url).content.decode()
    assert "记录第 1 位 张伟 的选择" in page and "城管执法辅助岗1" in page
    # Out of turn (E before A): refused with the message on the form.
    r = client.post(url, {"veteran": v["E"].pk, "choice": str(post.pk)})
    assert r.status_code == 409 and "现在应由第1位 张伟" in r.content.decode()
    assert client.post(url, {"veteran": v["A"].pk, "choice": str(post.pk)}).status_code == 302
    # The post is now full: E's choice of it is refused.
    r = client.post(url, {"veteran": v["E"].pk, "choice": str(post.pk)})
    assert r.status_code == 409 and "已被选满" in r.content.decode()
    r = client.post(url, {"veteran": v["E"].pk, "choice": "self", "wishes_training": "on"})
    assert r.status_code == 302
    assert client.post(url, {"veteran": v["F"].pk, "choice": "self"}).status_code == 302
    assert "选岗已全部完成" in client.get(f"/placement/years/{year.pk}/board/").content.decode()
    # The grant from the veteran's page: 24 months × 6,000.00 a year = 12,000.00 yuan, once.
    r = client.post(f"/placement/veterans/{v['E'].pk}/", {"action": "grant"})
    assert r.status_code == 302
    page = client.get(f"/placement/veterans/{v['E'].pk}/").content.decode()
    assert "12000.00" in page and "待发放" in page
    r = client.post(f"/placement/veterans/{v['E'].pk}/", {"action": "grant"})
    assert r.status_code == 422 and "已核定" in r.content.decode()
    # Training: a course, E enrolled, attendance, exam and employment.
    today = timezone.localdate()
    r = client.post(
        f"/placement/years/{year.pk}/courses/",
        {
            "name": "电工",
            "provider": "荆门技师学院",
            "starts_on": str(today - dt.timedelta(5)),
            "ends_on": str(today),
            "sessions": 5,
        },
    )
    assert r.status_code == 302
    course_url = r["Location"]
    assert client.post(course_url, {"action": "enrol", "veteran": v["E"].pk}).status_code == 302
    enrolment = v["E"].__class__.objects.get(pk=v["E"].pk).enrolment
    for data in (
        {"action": "attendance", "on": str(today - dt.timedelta(1)), "present": "on"},
        {"action": "exam", "result": "pass", "on": str(today)},
        {"action": "outcome", "employed": "1", "employer_name": "东宝区供电所", "on": str(today)},
    ):
        r = client.post(course_url, {**data, "enrolment": enrolment.pk})
        assert r.status_code == 302, (data, r.content.decode()[-500:])
    page = client.get(course_url).content.decode()
    assert "1/1" in page and "合格" in page and "东宝区供电所" in page
    # An attendance day outside the course: the message, nothing recorded.
    r = client.post(
        course_url,
        {"action": "attendance", "enrolment": enrolment.pk, "on": str(today - dt.timedelta(30))},
    )
    assert r.status_code == 422 and "考勤日期须在培训期内" in r.content.decode()
    # Everyone has chosen: the year closes from its page.
    r = client.post(f"/placement/years/{year.pk}/close/")
    assert r.status_code == 302
    year.refresh_from_db()
    assert year.status == "closed"


def test_the_session_starts_only_with_a_place_for_every_priority_veteran(placement_world):
    w = placement_world
    year = _year(w)
    for key in ("A", "B"):  # both in a priority group
        services.add_veteran(
            user=w["dongbao_approver"],
            year=year,
            id_number=w["men"][key].id_number,
            data={
                **RECORDS[key],
                **{f: D.fromisoformat(RECORDS[key][f]) for f in ("enlisted_on", "discharged_on")},
            },
        )
    (post,) = _posts(w, year, counts=(1,))
    _final(w, year)
    a = _by_key(w, year)["A"]
    with pytest.raises(ServiceError) as refused:
        services.record_choice(user=w["dongbao_approver"], veteran=a, post=post)
    assert refused.value.status == 409 and "少于四类重点对象人数（2人）" in str(refused.value)
    # A second approved place: the session starts.
    _posts(w, year, counts=(1,))
    assert (
        services.record_choice(user=w["dongbao_approver"], veteran=a, post=post).outcome == "post"
    )

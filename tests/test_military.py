"""Double support, the retired military cadres' centre and military-related appeals: the legal
deadlines on the holiday calendar, each stage and its refusals, scope (another township or county
reads 404), the cadre centre's own permissions, field-level Chinese 422s, audit events, and the
plan's targets 16–18 on records whose figures are worked by hand below."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.accounts.models import Role
from minzheng.core.errors import PermissionDeniedError
from minzheng.core.models import AuditEvent
from minzheng.military import deadlines, indicators
from minzheng.military.models import (
    CadreSurvey,
    MilitaryAppeal,
    RetiredCadre,
    SupportEnrolment,
    TreatmentCode,
    TreatmentItem,
)
from minzheng.people import services as people_services
from minzheng.regions.models import Region
from tests.conftest import make_id, make_user

D = dt.date


@pytest.fixture
def mil(jingmen, users, people):
    lixi = Region.objects.get(code="420802100")
    return {
        **jingmen,
        **users,
        **people,
        "lixi": lixi,
        "lixi_clerk": make_user("lixi_clerk", Role.TOWNSHIP_CLERK, lixi),
        "zhongxiang_approver": make_user(
            "zhongxiang_approver", Role.COUNTY_APPROVER, jingmen["zhongxiang"]
        ),
        "centre": make_user("centre", Role.CADRE_CENTRE, jingmen["city"]),
    }


def _fields(response) -> dict:
    return {e["field"]: e["message"] for e in response.json().get("errors") or []}


# ---------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    "func, start, due",
    [
        # 15 days from 1 Mar 2016 is Wednesday 16 Mar, a working day.
        (deadlines.accept_due, D(2016, 3, 1), D(2016, 3, 16)),
        # 15 days from 16 Sep 2016 is 1 Oct, National Day (1–7 Oct off): the first working day
        # after is Saturday 8 Oct, an adjusted working day (调休).
        (deadlines.accept_due, D(2016, 9, 16), D(2016, 10, 8)),
        # 60 days from 16 Mar 2016 is Sunday 15 May: Monday 16 May.
        (deadlines.handle_due, D(2016, 3, 16), D(2016, 5, 16)),
        # Extended by 30: 90 days from 16 Mar (15 + 30 + 31 + 14) is Tuesday 14 Jun.
        (deadlines.extended_due, D(2016, 3, 16), D(2016, 6, 14)),
        # Review request: 30 days from 10 May is 9 Jun, Dragon Boat (9–11 Jun off): Sunday
        # 12 Jun, an adjusted working day.
        (deadlines.review_due, D(2016, 5, 10), D(2016, 6, 12)),
        # Report to the city: 3 days from 28 Sep is 1 Oct: 8 Oct.
        (deadlines.report_due, D(2016, 9, 28), D(2016, 10, 8)),
    ],
)
def test_deadlines_run_in_calendar_days_and_end_on_a_working_day(calendar_2016, func, start, due):
    assert func(start) == due


# ---------------------------------------------------------------- appeals


APPEAL = {
    "channel": "window",
    "military_status": "veteran",
    "category": "pension",
    "content": "伤残抚恤金调整后未补发差额",
}


def test_appeal_through_every_stage_with_deadlines_refusals_and_audit(
    mil, api_client, calendar_2016
):
    clerk = api_client.login("dongbao_clerk")
    # Nothing filled in: field-level Chinese messages.
    r = clerk.post("/api/v1/military/appeals", {"content": "", "military_status": "veteran"})
    assert r.status_code == 422
    r = clerk.post(
        "/api/v1/military/appeals",
        {**APPEAL, "content": " ", "appellant_id_number": "420802199001011235"},
    )
    assert r.status_code == 422
    errors = _fields(r)
    assert errors["appellant_id_number"] == "身份证号码格式不正确"
    assert errors["content"] == "请填写诉求内容"
    # Filed with the appellant found on the registry by ID number, received 1 Mar 2016.
    r = clerk.post(
        "/api/v1/military/appeals",
        {**APPEAL, "appellant_id_number": mil["zhang"].id_number, "received_on": "2016-03-01"},
    )
    assert r.status_code == 201, r.content
    appeal_id = r.json()["id"]
    assert r.json()["number"] == f"SJ2016{appeal_id:06d}"
    url = f"/api/v1/military/appeals/{appeal_id}"
    body = clerk.get(url).json()
    assert (body["appellant_name"], body["region_code"], body["stage"]) == (
        "张三",
        "420802001",
        "filed",
    )
    assert (body["accept_due_on"], body["report_due_on"]) == ("2016-03-16", "2016-03-04")
    # Accepted on 16 Mar: handle by 16 May (60 days, Sunday 15 May → Monday).
    r = clerk.post(f"{url}/accept", {"on": "2016-03-16"})
    assert r.status_code == 200 and r.json()["handle_due_on"] == "2016-05-16"
    assert clerk.post(f"{url}/accept", {}).status_code == 409
    # Extension needs a reason; once only: 90 days → 14 Jun.
    r = clerk.post(f"{url}/extend", {"reason": " "})
    assert r.status_code == 422 and _fields(r)["reason"] == "请填写延期理由"
    r = clerk.post(f"{url}/extend", {"reason": "需调阅部队档案", "on": "2016-05-01"})
    assert r.json()["handle_due_on"] == "2016-06-14"
    assert clerk.post(f"{url}/extend", {"reason": "再延"}).status_code == 409
    assert clerk.post(f"{url}/notes", {"note": "已联系人社部门"}).status_code == 200
    # The clerk may not report upward; the county does.
    assert clerk.post(f"{url}/report", {}).status_code == 403
    county = api_client.login("dongbao_approver")
    r = county.post(f"{url}/report", {"on": "2016-03-03"})
    assert r.json()["reported_on"] == "2016-03-03"
    assert county.post(f"{url}/report", {}).status_code == 409
    # Reply on 10 May: a review may be requested until 12 Jun (9 Jun is a holiday).
    r = county.post(f"{url}/reply", {"reply": "经核查已补发差额", "on": "2016-05-10"})
    assert r.json()["stage"] == "replied" and r.json()["review_due_on"] == "2016-06-12"
    r = county.post(f"{url}/satisfaction", {"satisfaction": "basic"})
    assert r.json()["stage"] == "closed"
    r = county.post(f"{url}/review", {"reason": "不服", "on": "2016-06-13"})
    assert r.status_code == 422 and "已超过复查申请期限" in _fields(r)["on"]
    r = county.post(f"{url}/review", {"reason": "对补发金额不服", "on": "2016-06-12"})
    assert r.json()["stage"] == "review"
    # The review is the level above's: the county may not decide it.
    assert county.post(f"{url}/review-result", {"result": "维持"}).status_code == 403
    city = api_client.login("city_section")
    r = city.post(f"{url}/review-result", {"result": "维持原答复意见", "on": "2016-06-20"})
    assert r.json()["stage"] == "closed"
    r = county.post(f"{url}/facts", {"result": "corrected"})
    assert r.status_code == 422 and _fields(r)["note"] == "请说明更正了哪些信息"
    assert county.post(f"{url}/facts", {"result": "accurate"}).json()["facts_check"] == "accurate"
    events = [e["action"] for e in county.get(f"{url}/events").json()]
    assert events == [
        "file",
        "accept",
        "extend",
        "note",
        "report",
        "reply",
        "satisfaction",
        "review",
        "review_done",
        "facts",
    ]
    audited = AuditEvent.objects.filter(
        object_type="military.militaryappeal", object_id=str(appeal_id)
    )
    assert audited.filter(action="create").count() == 1
    assert audited.count() == 10


def test_declining_and_the_resident_filing_online(mil, api_client, calendar_2016):
    clerk = api_client.login("dongbao_clerk")
    r = clerk.post(
        "/api/v1/military/appeals",
        {**APPEAL, "appellant_name": "周国强", "appellant_phone": "13971600001"},
    )
    assert r.status_code == 201  # no ID: name and phone, the clerk's own township
    url = f"/api/v1/military/appeals/{r.json()['id']}"
    assert clerk.get(url).json()["region_code"] == "420802001"
    r = clerk.post(f"{url}/decline", {"reason": ""})
    assert r.status_code == 422 and _fields(r)["reason"] == "请填写不予受理的理由"
    r = clerk.post(f"{url}/decline", {"reason": "已通过司法途径处理"})
    assert r.json()["stage"] == "not_accepted"
    r = clerk.post(f"{url}/reply", {"reply": "x"})
    assert r.status_code == 409 and "不予受理" in _fields(r)["stage"]
    # A resident files online for themselves: their township, channel online; they see the
    # status of their own appeals only.
    make_user("resident_zhang", Role.RESIDENT, None, person=mil["zhang"])
    resident = api_client.login("resident_zhang")
    r = resident.post(
        "/api/v1/military/appeals",
        {"military_status": "veteran", "category": "medical", "content": "医疗补助报销疑问"},
    )
    assert r.status_code == 201, r.content
    appeal = MilitaryAppeal.objects.get(pk=r.json()["id"])
    assert (appeal.region.code, appeal.channel, appeal.appellant_id) == (
        "420802001",
        "online",
        mil["zhang"].pk,
    )
    assert resident.get(f"/api/v1/military/appeals/{appeal.pk}").status_code == 404
    assert [a["number"] for a in resident.get("/api/v1/military/appeals/mine").json()["items"]] == [
        appeal.number
    ]
    clerk = api_client.login("dongbao_clerk")  # the same client, signed in again
    assert clerk.get(f"/api/v1/military/appeals/{appeal.pk}").status_code == 200


def test_appeals_are_seen_only_along_their_region_chain(mil, api_client, client, calendar_2016):
    clerk = api_client.login("dongbao_clerk")
    r = clerk.post(
        "/api/v1/military/appeals", {**APPEAL, "appellant_id_number": mil["zhang"].id_number}
    )
    url = f"/api/v1/military/appeals/{r.json()['id']}"
    page = f"/military/appeals/{r.json()['id']}/"
    for username in ("lixi_clerk", "zhongxiang_clerk", "zhongxiang_approver", "dongbao_village"):
        other = api_client.login(username)
        assert other.get(url).status_code == 404, username
        assert other.post(f"{url}/accept", {}).status_code == 404, username
    for username in ("dongbao_approver", "city_section"):
        assert api_client.login(username).get(url).json()["appellant_name"] == "张三"
    # The leader reads with the personal data masked, and may not act.
    leader = api_client.login("leader")
    body = leader.get(url).json()
    assert body["appellant_name"] != "张三" and "*" in body["appellant_name"]
    assert leader.post(f"{url}/accept", {}).status_code in (403, 404)
    client.force_login(mil["lixi_clerk"])
    assert client.get(page).status_code == 404
    client.force_login(mil["dongbao_approver"])
    assert client.get(page).status_code == 200


# ---------------------------------------------------------------- retired cadres


def test_cadre_centre_keeps_the_cadres_and_sees_nothing_else(mil, api_client, client):
    centre = api_client.login("centre")
    r = centre.post(
        "/api/v1/military/cadres",
        {
            "id_number": make_id("420802", "19500101", 91),
            "category": "retired_officer",
            "rank": "正团职",
            "handover_year": 2016,
            "notice_on": "2016-09-01",
        },
    )
    assert r.status_code == 422
    assert _fields(r)["id_number"].startswith("人口库中没有这个身份证号码")
    r = centre.post(
        "/api/v1/military/cadres",
        {"id_number": mil["zhang"].id_number, "category": "", "rank": "", "handover_year": 2016},
    )
    assert r.status_code == 422 and {"category", "rank", "notice_on"} <= set(_fields(r))
    r = centre.post(
        "/api/v1/military/cadres",
        {
            "id_number": mil["zhang"].id_number,
            "category": "retired_officer",
            "rank": "正团职",
            "handover_year": 2016,
            "notice_on": "2016-09-01",
        },
    )
    assert r.status_code == 201, r.content
    cadre = r.json()
    assert (cadre["name"], cadre["due_on"], cadre["region_code"]) == (
        "张三",
        "2016-12-31",
        "420802001001",
    )
    url = f"/api/v1/military/cadres/{cadre['id']}"
    r = centre.post(f"{url}/treatments", {"item": "pay"})
    assert r.status_code == 409 and _fields(r)["cadre"] == "该人员尚未接收安置"
    r = centre.post(f"{url}/receive", {"on": "2016-10-15"})
    assert r.json()["received_in_time"] and len(r.json()["treatments"]) == 6
    today = timezone.localdate()
    r = centre.post(f"{url}/treatments", {"item": "pay", "on": today.isoformat()})
    assert r.status_code == 200 and r.json()["delivered_on"] == today.isoformat()
    assert centre.post(f"{url}/treatments", {"item": "pay"}).status_code == 409
    r = centre.post(f"{url}/services", {"kind": "visit", "note": ""})
    assert r.status_code == 422 and _fields(r)["note"] == "请填写服务内容"
    assert centre.post(f"{url}/services", {"kind": "visit", "note": "上门慰问"}).status_code == 201
    answers = {"political": "satisfied", "living": "basic", "services": "satisfied"}
    r = centre.post(f"{url}/surveys", {**answers, "overall": "satisfied"})
    assert r.status_code == 201
    assert centre.post(f"{url}/surveys", {**answers, "overall": "basic"}).status_code == 409
    assert AuditEvent.objects.filter(object_type="military.retiredcadre").count() == 2
    assert AuditEvent.objects.filter(object_type="military.treatmentitem").count() == 1
    assert AuditEvent.objects.filter(object_type="military.cadresurvey").count() == 1
    # The city section reads the cadre with the name masked; a township clerk not at all.
    assert "*" in api_client.login("city_section").get(url).json()["name"]
    assert api_client.login("dongbao_clerk").get(url).status_code == 404
    assert api_client.login("dongbao_clerk").post(f"{url}/services", {}).status_code in (404, 422)
    # The centre's pages: the cadres yes; appeals and the general registers no.
    client.force_login(mil["centre"])
    assert client.get("/military/cadres/").status_code == 200
    assert client.get(f"/military/cadres/{cadre['id']}/").status_code == 200
    for url in ("/military/appeals/", "/military/support/", "/people/", "/cases/", "/payments/"):
        assert client.get(url).status_code == 403, url
    assert api_client.login("centre").get("/api/v1/military/appeals").json()["count"] == 0
    with pytest.raises(PermissionDeniedError):
        people_services.register_person(
            user=mil["centre"],
            id_number=make_id("420802", "19500101", 93),
            name="赵六",
            hukou_region=mil["longquan_community"],
            hukou_type="urban",
        )


# ---------------------------------------------------------------- double support


def test_enrolment_applied_below_and_reviewed_by_the_level_above(mil, api_client):
    village = api_client.login("dongbao_village")
    r = village.post(
        "/api/v1/military/enrolments",
        {"region_code": "420802100200", "year": 2016, "application": "申报"},
    )
    assert r.status_code in (404, 422)  # a rural village of another township: not theirs
    r = village.post(
        "/api/v1/military/enrolments",
        {"region_code": "420802001001", "year": 2016, "application": ""},
    )
    assert r.status_code == 422 and _fields(r)["application"] == "请填写申报材料说明"
    r = village.post(
        "/api/v1/military/enrolments",
        {"region_code": "420802001001", "year": 2016, "application": "拥军优属活动记录齐全"},
    )
    assert r.status_code == 201
    enrolment = r.json()["id"]
    again = {"region_code": "420802001001", "year": 2016, "application": "再次申报"}
    assert village.post("/api/v1/military/enrolments", again).status_code == 409
    admin = api_client.login("admin")
    r = admin.post(
        "/api/v1/military/enrolments",
        {"region_code": "420802100200", "year": 2016, "application": "申报"},
    )
    assert r.status_code == 422
    assert _fields(r)["region_code"] == "“双拥三创”按城镇社区统计，行政村不在社区申报范围内"
    url = f"/api/v1/military/enrolments/{enrolment}/review"
    review = {"result": "enrolled", "score": 88, "evidence": "实地考核"}
    assert api_client.login("city_section").post(url, review).status_code == 403
    assert api_client.login("zhongxiang_approver").post(url, review).status_code == 404
    county = api_client.login("dongbao_approver")
    r = county.post(url, {**review, "score": 120, "evidence": ""})
    assert r.status_code == 422
    r = county.post(url, {"result": "enrolled", "score": 100, "evidence": ""})
    assert r.status_code == 422 and _fields(r)["evidence"] == "请填写考核依据"
    r = county.post(url, review)
    assert r.json()["result"] == "enrolled"
    assert county.post(url, review).status_code == 409
    # The county applies for itself; the city reviews it.
    r = county.post(
        "/api/v1/military/enrolments",
        {"region_code": "420802", "year": 2016, "application": "东宝区申报"},
    )
    url = f"/api/v1/military/enrolments/{r.json()['id']}/review"
    assert county.post(url, review).status_code == 403
    assert api_client.login("city_section").post(url, review).status_code == 200
    assert AuditEvent.objects.filter(object_type="military.supportenrolment").count() == 4


# ---------------------------------------------------------------- indicators


def _regions():
    return Region.objects.prefetch_related("members")


def test_double_support_counts(mil):
    """On 30 Jun 2016: 龙泉社区 enrolled (2015), 郢中社区 reviewed only on 1 Jul (not yet in),
    龙泉街道 enrolled, 栗溪镇 reviewed "not yet", 东宝区 enrolled; 栗溪村 (rural) cannot count.
    So 东宝区: 1 community, 1 township, 1 county; 钟祥市: 0 communities; the city 1 / 1 / 1.
    The shares follow from units_communities etc. in the targets registry."""

    def enrol(code, year, result, reviewed):
        SupportEnrolment.objects.create(
            region=Region.objects.get(code=code),
            year=year,
            applied_on=D(year, 3, 1),
            application="申报",
            result=result,
            score=90,
            reviewed_on=reviewed,
        )

    enrol("420802001001", 2015, "enrolled", D(2015, 6, 1))
    enrol("420881001001", 2016, "enrolled", D(2016, 7, 1))
    enrol("420802001", 2016, "enrolled", D(2016, 5, 1))
    enrol("420802100", 2016, "not_yet", D(2016, 5, 1))
    enrol("420802", 2016, "enrolled", D(2016, 6, 30))
    out = indicators.double_support(_regions(), D(2016, 6, 30))
    communities, townships, counties = (
        out["double_support_communities"],
        out["double_support_townships"],
        out["double_support_counties"],
    )
    assert (communities["420802"], communities["420881"], communities["420800"]) == (1, 0, 1)
    assert (townships["420802"], townships["420802100"], townships["420800"]) == (1, 0, 1)
    assert (counties["420802"], counties["420881"], counties["420800"]) == (1, 0, 1)
    # On 1 Jul 郢中社区 is in: the city has 2 communities.
    out = indicators.double_support(_regions(), D(2016, 7, 1))
    assert out["double_support_communities"]["420800"] == 2


def _person(clerk, region, seq):
    return people_services.register_person(
        user=clerk,
        id_number=make_id(region.code[:6], "19500101", seq),
        name=f"军休{seq}",
        hukou_region=region,
        hukou_type="urban",
    )


def test_retired_cadre_rates(mil):
    """2016, on 1 Dec 2016. Hand-over of 2016: A received 1 Oct (in time, due 31 Dec), B received
    late (due set to 30 Sep, received 5 Oct), C not yet received; D is of 2015 (not counted for
    2016's hand-over). 17.1 = 1 ÷ 3 = 33.33 %.
    Treatments 2016 of the received A, B, D: A all six delivered by 1 Dec; B five delivered, one
    not; D all six but one delivered only on 2 Dec (after the date). 17.2 = 1 ÷ 3 = 33.33 %; on
    2 Dec A and D: 2 ÷ 3.
    Surveys 2016: A satisfied, B basically satisfied, D dissatisfied: 17.3 = 2 ÷ 3 = 66.67 %."""
    community = mil["longquan_community"]
    clerk = mil["dongbao_clerk"]
    a, b, c, d = (_person(clerk, community, s) for s in (101, 103, 105, 107))

    def cadre(p, year, received, due=None):
        return RetiredCadre.objects.create(
            person=p,
            region=community,
            category="retired_officer",
            rank="正团职",
            handover_year=year,
            notice_on=D(year, 9, 1),
            due_on=due or D(year, 12, 31),
            received_on=received,
        )

    ca = cadre(a, 2016, D(2016, 10, 1))
    cb = cadre(b, 2016, D(2016, 10, 5), due=D(2016, 9, 30))
    cadre(c, 2016, None)
    cd = cadre(d, 2015, D(2015, 10, 1))
    for cad, missing, late in ((ca, None, None), (cb, "housing", None), (cd, None, "medical")):
        for code in TreatmentCode.values:
            TreatmentItem.objects.create(
                cadre=cad,
                year=2016,
                kind="political",
                item=code,
                delivered_on=None
                if code == missing
                else (D(2016, 12, 2) if code == late else D(2016, 11, 1)),
            )
    for cad, overall in ((ca, "satisfied"), (cb, "basic"), (cd, "dissatisfied")):
        CadreSurvey.objects.create(
            cadre=cad,
            year=2016,
            answered_on=D(2016, 11, 10),
            political=overall,
            living=overall,
            services=overall,
            overall=overall,
        )
    on = D(2016, 12, 1)

    def pct(values, code):
        return round(values[code], 2)

    assert pct(indicators.reception_rate(_regions(), on), "420800") == Decimal("33.33")
    assert pct(indicators.treatment_rate(_regions(), on), "420802") == Decimal("33.33")
    assert pct(indicators.treatment_rate(_regions(), D(2016, 12, 2)), "420802") == Decimal("66.67")
    assert pct(indicators.satisfaction(_regions(), on), "420800") == Decimal("66.67")
    assert "420881" not in indicators.satisfaction(_regions(), on)  # nothing answered there


def test_appeal_rates_and_counts(mil, calendar_2016):
    """Appeals of 2016 in 龙泉街道, on 30 Jun 2016:
    P received 1 Mar (report due 4 Mar, reported 3 Mar; accepted 2 Mar, due 2 May [1 May is a
      holiday → 3 May? see below]; replied 20 Apr; facts accurate);
    Q received 1 Apr (report due 5 Apr [4 Apr 清明 off]; reported 8 Apr, late; accepted 5 Apr,
      reply due 60 days later 4 Jun → Monday 6 Jun; not replied: due and late; facts corrected);
    R received 28 Jun (report due 1 Jul: not yet due, not reported; not accepted yet; no check;
      flagged abnormal petition and mass incident);
    S received 2015 (ignored).
    18.1 = accurate 1 ÷ checked 2 = 50 %; 18.2 = in time 1 ÷ due 2 = 50 %;
    18.3 = replied in time 1 ÷ due 2 (P, Q) = 50 %; 18.4 = 1, 18.5 = 1 (R)."""
    region = mil["longquan"]

    def appeal(number, received, **kw):
        return MilitaryAppeal.objects.create(
            number=number,
            region=region,
            channel="window",
            appellant_name="周国强",
            military_status="veteran",
            category="pension",
            content="诉求",
            received_on=received,
            accept_due_on=deadlines.accept_due(received),
            report_due_on=deadlines.report_due(received),
            **kw,
        )

    appeal(
        "P",
        D(2016, 3, 1),
        stage="replied",
        accepted_on=D(2016, 3, 2),
        handle_due_on=deadlines.handle_due(D(2016, 3, 2)),
        replied_on=D(2016, 4, 20),
        reported_on=D(2016, 3, 3),
        facts_check="accurate",
        facts_checked_on=D(2016, 3, 2),
    )
    q = appeal(
        "Q",
        D(2016, 4, 1),
        stage="accepted",
        accepted_on=D(2016, 4, 5),
        handle_due_on=deadlines.handle_due(D(2016, 4, 5)),
        reported_on=D(2016, 4, 8),
        facts_check="corrected",
        facts_checked_on=D(2016, 4, 5),
    )
    assert q.report_due_on == D(2016, 4, 5) and q.handle_due_on == D(2016, 6, 6)
    appeal("R", D(2016, 6, 28), abnormal_petition=True, mass_incident=True)
    appeal("S", D(2015, 6, 28), reported_on=D(2015, 7, 28), abnormal_petition=True)
    out = indicators.appeals(_regions(), D(2016, 6, 30))
    for code in (
        "military_appeal_accuracy_rate",
        "military_appeal_reporting_rate",
        "military_appeal_reply_rate",
    ):
        assert out[code]["420802001"] == Decimal(50), code
        assert out[code]["420800"] == Decimal(50), code
        assert "420881" not in out[code]
    assert out["veteran_abnormal_petitions"]["420800"] == 1
    assert out["veteran_mass_incidents"]["420802"] == 1
    assert out["veteran_mass_incidents"]["420881"] == 0


# ---------------------------------------------------------------- pages


def test_pages_file_accept_and_show_field_errors(mil, client, calendar_2016):
    client.force_login(mil["dongbao_clerk"])
    assert client.get("/military/").status_code == 200
    r = client.post("/military/appeals/new/", {"channel": "phone"})
    assert r.status_code == 422
    assert "此字段为必填项" in r.content.decode() or "必填" in r.content.decode()
    r = client.post(
        "/military/appeals/new/",
        {
            "channel": "phone",
            "appellant_name": "吴建军",
            "appellant_phone": "13971600002",
            "military_status": "family",
            "category": "housing",
            "content": "申请住房保障",
        },
    )
    assert r.status_code == 302
    appeal = MilitaryAppeal.objects.get()
    r = client.post(f"/military/appeals/{appeal.pk}/accept/", {})
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.stage == "accepted"
    r = client.post(f"/military/appeals/{appeal.pk}/reply/", {"reply-reply": ""})
    assert r.status_code == 422
    page = client.get(f"/military/appeals/{appeal.pk}/").content.decode()
    assert "吴建军" in page and "snake_case" not in page
    client.force_login(mil["leader"])
    page = client.get(f"/military/appeals/{appeal.pk}/").content.decode()
    assert "吴建军" not in page and "13971600002" not in page

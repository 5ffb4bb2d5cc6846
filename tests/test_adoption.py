"""Adoption registration: the 60-day notice for a child whose parents cannot be found (decision
blocked until it ends), the 30-day decision deadline worked by hand, approval with a numbered
certificate, refusal with its reason, the adopter's conditions, the children register recording
the adoptive guardian, scope (another county reads 404), audit events, target 10.2 by hand, and
the API end to end."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.accounts.models import Role
from minzheng.adoption import indicators, rules, services
from minzheng.adoption.models import Adoption, Status
from minzheng.children.models import ChildRecord
from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.people import services as people_services
from tests.conftest import make_id, make_user

D = dt.date


@pytest.fixture
def aw(jingmen, users, people):
    registrar = make_user("db_registrar", Role.MARRIAGE_REGISTRAR, jingmen["dongbao"])
    zx = make_user("zx_registrar", Role.MARRIAGE_REGISTRAR, jingmen["zhongxiang"])
    seq = iter(range(100, 999, 2))

    def person(name, birth, sex, region="longquan_community"):
        n = next(seq) + (1 if sex == "M" else 0)
        code = "420802" if region != "yingzhong_community" else "420881"
        return people_services.register_person(
            user=users["admin"],
            id_number=make_id(code, birth, n),
            name=name,
            hukou_region=jingmen[region],
            hukou_type="urban",
        )

    return {**jingmen, **users, **people, "registrar": registrar, "zx": zx, "p": person}


def _apply(w, child, adopter, situation="orphan", on=D(2026, 3, 2), spouse=None, user=None):
    return services.apply(
        user=user or w["registrar"],
        child_id_number=child.id_number,
        child_name=child.name,
        adopter_id_number=adopter.id_number,
        adopter_name=adopter.name,
        spouse_id_number=spouse.id_number if spouse else "",
        spouse_name=spouse.name if spouse else "",
        situation=situation,
        placing_party="荆门市社会福利院",
        on=on,
    )


def test_deadlines_worked_by_hand():
    # Received 2 March 2026: 30 days from 3 March end on 1 April.
    assert rules.decision_due(D(2026, 3, 2)) == D(2026, 4, 1)
    # A notice published 2 March runs 60 days to 1 May; the 30 days then end on 31 May.
    assert rules.notice_ends(D(2026, 3, 2)) == D(2026, 5, 1)
    assert rules.decision_due(rules.notice_ends(D(2026, 3, 2))) == D(2026, 5, 31)


def test_notice_blocks_decision_until_it_ends(aw):
    child = aw["p"]("无名婴", "20260101", "F")
    a = _apply(
        aw,
        child,
        aw["p"]("养父", "19850101", "M"),
        "abandoned",
        spouse=aw["p"]("养母", "19860101", "F"),
    )
    assert (a.status, a.decision_due_on) == (Status.NOTICE_DUE, None)
    user = aw["registrar"]
    with pytest.raises(ServiceError) as exc:
        services.decide(user=user, adoption=a, approve=True)
    assert exc.value.status == 409 and "公告期满" in exc.value.errors["status"][0]
    a = services.publish_notice(user=user, adoption=a, on=D(2026, 3, 2))
    assert (a.status, a.notice_ends_on) == (Status.UNDER_NOTICE, D(2026, 5, 1))
    with pytest.raises(ServiceError) as exc:
        services.decide(user=user, adoption=a, approve=True)
    assert exc.value.status == 409
    with pytest.raises(ServiceError) as exc:
        services.close_notice(user=user, adoption=a, on=D(2026, 4, 30))
    assert "2026-05-01届满" in exc.value.errors["on"][0]
    a = services.close_notice(user=user, adoption=a, on=D(2026, 5, 1))
    assert (a.status, a.decision_due_on) == (Status.PENDING, D(2026, 5, 31))
    a = services.decide(user=user, adoption=a, approve=True, on=D(2026, 5, 20))
    assert a.certificate_no == "SY420802-2026-000001"
    assert services.certificate_pdf(a).startswith(b"%PDF")
    assert (
        AuditEvent.objects.filter(
            object_type="adoption.adoption", object_id=str(a.pk), action="update"
        ).count()
        == 3
    )


def test_parents_claiming_during_notice_ends_the_application(aw):
    a = _apply(
        aw,
        aw["p"]("认领婴", "20260101", "M"),
        aw["p"]("养父乙", "19850101", "M"),
        "abandoned",
        spouse=aw["p"]("养母乙", "19860101", "F"),
    )
    services.publish_notice(user=aw["registrar"], adoption=a, on=D(2026, 3, 2))
    a = services.close_notice(
        user=aw["registrar"], adoption=a, parents_claimed=True, on=D(2026, 3, 20)
    )
    assert a.status == Status.REFUSED and "认领" in a.refusal_reason


def test_decision_numbering_refusal_and_child_record(aw):
    child = aw["p"]("孤儿甲", "20180101", "M")
    record = ChildRecord.objects.create(
        person=child,
        region=aw["longquan_community"],
        category="orphan",
        care_type="institutional",
        guardian_name="荆门市社会福利院",
        registered_on=D(2024, 1, 1),
    )
    adopter = aw["p"]("收养人甲", "19850101", "M")
    spouse = aw["p"]("收养人乙", "19860101", "F")
    a = _apply(aw, child, adopter, spouse=spouse)
    assert (a.status, a.decision_due_on) == (Status.PENDING, D(2026, 4, 1))
    a = services.decide(user=aw["registrar"], adoption=a, approve=True, on=D(2026, 3, 20))
    assert a.certificate_no == "SY420802-2026-000001"
    record.refresh_from_db()
    assert (record.guardian_id, record.guardian_name, record.guardian_relation) == (
        adopter.pk,
        "收养人甲",
        "养父母",
    )
    assert AuditEvent.objects.filter(
        object_type="children.childrecord", object_id=str(record.pk), action="update"
    ).exists()
    # A second approval the same year takes the next number; a refusal needs a reason.
    b = _apply(aw, aw["p"]("孤儿乙", "20190101", "F"), aw["p"]("收养人丙", "19800101", "F"))
    with pytest.raises(ServiceError) as exc:
        services.decide(user=aw["registrar"], adoption=b, approve=False, reason=" ")
    assert exc.value.errors == {"reason": ["不予登记须说明理由"]}
    b = services.decide(user=aw["registrar"], adoption=b, approve=True, on=D(2026, 3, 21))
    assert b.certificate_no == "SY420802-2026-000002"
    c = _apply(aw, aw["p"]("孤儿丙", "20190101", "F"), aw["p"]("收养人丁", "19800101", "F"))
    c = services.decide(user=aw["registrar"], adoption=c, approve=False, reason="收养人无抚养能力")
    assert (c.status, c.certificate_no) == (Status.REFUSED, "")
    with pytest.raises(ServiceError) as exc:
        _apply(
            aw, child, aw["p"]("又一人", "19800101", "M"), spouse=aw["p"]("又一妻", "19800101", "F")
        )
    assert exc.value.status == 409


@pytest.mark.parametrize(
    "child_birth, child_sex, adopter_birth, adopter_sex, with_spouse, field, fragment",
    [
        ("20070301", "M", "19800101", "M", True, "child_id_number", "未成年人"),  # 19 on 2 Mar 2026
        ("20100101", "M", "19960303", "M", True, "adopter_id_number", "申请日为29周岁"),
        ("20100101", "F", "19750101", "M", False, "adopter_id_number", "相差四十周岁"),
        ("20100101", "F", "19690101", "M", False, None, None),  # 41 years older
        ("20100101", "M", "19960302", "M", True, None, None),  # 30 on the day
    ],
)
def test_adopter_conditions(
    aw, child_birth, child_sex, adopter_birth, adopter_sex, with_spouse, field, fragment
):
    child = aw["p"]("被收养人", child_birth, child_sex)
    adopter = aw["p"]("收养人", adopter_birth, adopter_sex)
    spouse = aw["p"]("配偶", "19800101", "F") if with_spouse else None
    if field is None:
        assert _apply(aw, child, adopter, spouse=spouse).status == Status.PENDING
        return
    with pytest.raises(ServiceError) as exc:
        _apply(aw, child, adopter, spouse=spouse)
    assert fragment in exc.value.errors[field][0]


def test_api_scope_and_overdue(aw, api_client, client):
    child, adopter = aw["p"]("接口儿童", "20200101", "M"), aw["p"]("接口收养人", "19800101", "M")
    api = api_client.login("db_registrar")
    body = {
        "child_id_number": child.id_number,
        "child_name": child.name,
        "adopter_id_number": adopter.id_number,
        "adopter_name": adopter.name,
        "situation": "abandoned",
        "placing_party": "荆门市社会福利院",
    }
    r = api.post("/api/v1/adoption/adoptions", {**body, "situation": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "situation"
    r = api.post("/api/v1/adoption/adoptions", body)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert (
        api.post(f"/api/v1/adoption/adoptions/{pk}/decision", {"approve": True}).status_code == 409
    )
    r = api.post(f"/api/v1/adoption/adoptions/{pk}/notice")
    assert r.json()["status"] == "under_notice"
    zx = api_client.login("zx_registrar")
    assert zx.get(f"/api/v1/adoption/adoptions/{pk}").status_code == 404
    assert zx.post(f"/api/v1/adoption/adoptions/{pk}/notice/close", {}).status_code == 404
    # An application received 40 days ago without a notice is overdue on the card.
    late = _apply(
        aw,
        aw["p"]("超期儿童", "20200101", "F"),
        aw["p"]("超期收养人", "19800101", "F"),
        on=dt.date.today() - dt.timedelta(days=40),
    )
    client.force_login(aw["registrar"])
    home = client.get("/").content.decode()
    assert "超期 1 件" in home and f"/adoption/{late.pk}/" in home
    client.force_login(aw["zx"])
    assert client.get(f"/adoption/{late.pk}/").status_code == 404
    client.force_login(aw["leader"])
    assert client.get("/adoption/").status_code == 403


def test_target_10_2_by_hand(aw):
    from minzheng.regions.models import Region

    done = []
    for i in range(3):
        a = _apply(
            aw,
            aw["p"](f"质检儿童{i}", "20200101", "M"),
            aw["p"](f"质检收养人{i}", "19800101", "M"),
            spouse=aw["p"](f"质检配偶{i}", "19800101", "F"),
        )
        done.append(
            services.decide(user=aw["registrar"], adoption=a, approve=True, on=D(2026, 3, 10))
        )
    checker = aw["dongbao_approver"]
    services.record_check(user=checker, adoption=done[0], passed=True, on=D(2026, 4, 1))
    services.record_check(user=checker, adoption=done[1], passed=True, on=D(2026, 4, 1))
    services.record_check(
        user=checker, adoption=done[2], passed=False, defect="缺少送养人身份证明", on=D(2026, 4, 1)
    )
    values = indicators.adoption_registration_pass_rate(Region.objects.all(), D(2026, 6, 30))
    # 2 of 3 passed: 66.67 % in 东宝区 and the city; 钟祥市 checked nothing: no rate.
    assert values["420802"] == values["420800"] == Decimal(200) / 3
    assert "420881" not in values
    pending = _apply(
        aw,
        aw["p"]("未登记儿童", "20200101", "M"),
        aw["p"]("未登记收养人", "19800101", "M"),
        spouse=aw["p"]("未登记配偶", "19800101", "F"),
    )
    with pytest.raises(ServiceError):
        services.record_check(user=checker, adoption=pending, passed=True)
    assert Adoption.objects.count() == 4


def test_statistics_by_month_and_county_worked_by_hand(aw, api_client, client):
    from minzheng.core import sheets

    reg, zx = aw["registrar"], aw["zx"]

    def filed(name, applied, *, user=reg, region="longquan_community"):
        child = aw["p"](f"{name}童", "20200101", "M", region)
        adopter = aw["p"](f"{name}父", "19800101", "M", region)
        spouse = aw["p"](f"{name}母", "19800101", "F", region)
        return _apply(aw, child, adopter, spouse=spouse, on=applied, user=user)

    # 东宝区: A and B received in January 2026 and decided in February (A approved, B refused);
    # C received in December 2025, approved in January 2026; D received in March, pending.
    a, b, c = filed("甲", D(2026, 1, 15)), filed("乙", D(2026, 1, 20)), filed("丙", D(2025, 12, 20))
    services.decide(user=reg, adoption=a, approve=True, on=D(2026, 2, 3))
    services.decide(
        user=reg, adoption=b, approve=False, reason="收养人无抚养能力", on=D(2026, 2, 10)
    )
    services.decide(user=reg, adoption=c, approve=True, on=D(2026, 1, 5))
    filed("丁", D(2026, 3, 2))
    # 钟祥市: E received 5 February and approved 20 February.
    e = filed("戊", D(2026, 2, 5), user=zx, region="yingzhong_community")
    services.decide(user=zx, adoption=e, approve=True, on=D(2026, 2, 20))

    def month(m, applications, approved, refused):
        return {"month": m, "applications": applications, "approved": approved, "refused": refused}

    city = api_client.login("leader").get("/api/v1/adoption/statistics", year=2026)
    assert city.status_code == 200, city.content
    out = city.json()
    assert out["totals"] == {"applications": 4, "approved": 3, "refused": 1}
    assert out["months"][:4] == [
        month(1, 2, 1, 0),
        month(2, 1, 2, 1),
        month(3, 1, 0, 0),
        month(4, 0, 0, 0),
    ]
    assert [
        (x["code"], x["applications"], x["approved"], x["refused"]) for x in out["counties"]
    ] == [
        ("420802", 3, 2, 1),
        ("420881", 1, 1, 0),
    ]
    # The registrar counts its own county only; 2025 holds C's application alone.
    own = api_client.login("db_registrar").get("/api/v1/adoption/statistics", year=2026).json()
    assert own["totals"] == {"applications": 3, "approved": 2, "refused": 1}
    assert [x["code"] for x in own["counties"]] == ["420802"]
    before = api_client.login("city_section").get("/api/v1/adoption/statistics", year=2025).json()
    assert before["totals"] == {"applications": 1, "approved": 0, "refused": 0}
    # A township clerk reads no adoption statistics; a year out of range is a field error.
    assert (
        api_client.login("dongbao_clerk").get("/api/v1/adoption/statistics", year=2026).status_code
        == 403
    )
    bad = api_client.login("leader").get("/api/v1/adoption/statistics", year=1900)
    assert bad.status_code == 422

    xlsx = api_client.login("leader").get("/api/v1/adoption/statistics.xlsx", year=2026)
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('"adoption-2026.xlsx"')
    rows = list(sheets.xlsx_rows(sheets.open_xlsx(xlsx.content), 0))
    assert rows[0] == ["月份", "受理申请（件）", "准予登记（件）", "不予登记（件）"]
    assert rows[2] == ["2026-02", 1, 2, 1] and rows[-1] == ["合计", 4, 3, 1]
    by_county = list(sheets.xlsx_rows(sheets.open_xlsx(xlsx.content), 1))
    assert by_county[1][0] == "420802" and by_county[1][2:] == [3, 2, 1]

    # The page: the leader finds it in the menu's group; the registrar from the list.
    client.force_login(aw["leader"])
    page = client.get("/adoption/statistics/?year=2026")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="total-applications">4<' in html
    # The leader's menu group of social affairs holds both statistics.
    assert "/adoption/statistics/" in client.get("/marriage/statistics/").content.decode()
    export = client.get("/adoption/statistics/?year=2026&format=xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    client.force_login(aw["dongbao_clerk"])
    assert client.get("/adoption/statistics/").status_code == 403

"""Children's register and child-protection cases (docs/DOMAIN.md §6): the register's scope and
masking, field-level validation, quarterly confirmation, each case flow end to end through the
API, the sensitive-record rule in the API and the pages, escalation of overdue stages on the
holiday calendar, and the orphan allowance through the payroll with figures worked by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.children import deadlines, services
from minzheng.children.models import ChildCase, ChildRecord, QuarterConfirmation, Stage
from minzheng.core.models import AuditEvent

pytestmark = pytest.mark.django_db

LEFT_BEHIND = {
    "category": "left_behind",
    "father_status": "working_away",
    "father_place": "广东省东莞市",
    "mother_status": "working_away",
    "mother_place": "浙江省义乌市",
    "guardian_name": "王奶奶",
    "guardian_relation": "祖母",
    "guardian_phone": "13807240001",
    "school": "龙泉街道中心小学",
    "officer_name": "刘主任",
}
ORPHAN = {
    "category": "orphan",
    "care_type": "dispersed",
    "father_status": "deceased",
    "mother_status": "missing",
    "guardian_name": "李叔叔",
    "guardian_relation": "叔父",
}


def _api(api_client, username):
    return api_client.login(username)


def _register(world, kid="xiaoming", data=None, by="dongbao_village"):
    return services.register_child(
        user=world[by], data=data or LEFT_BEHIND, person_id=world["kids"][kid].pk
    )


# ---------------------------------------------------------------- register


def test_register_by_id_number_scope_and_masking(child_world, api_client, client):
    w = child_world
    api = _api(api_client, "dongbao_village")
    r = api.post(
        "/api/v1/children/records", {**LEFT_BEHIND, "id_number": w["kids"]["xiaoming"].id_number}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["name"], body["category_label"], body["region_code"]) == (
        "王小明",
        "农村留守儿童",
        "420802001001",
    )
    assert "*" in body["id_masked"]
    record_id = body["id"]
    assert AuditEvent.objects.filter(
        object_type="children.childrecord", object_id=str(record_id), action="create"
    ).exists()
    # The same child twice: 409, field named.
    again = api.post(
        "/api/v1/children/records", {**LEFT_BEHIND, "id_number": w["kids"]["xiaoming"].id_number}
    )
    assert again.status_code == 409 and "id_number" in str(again.json())

    # Outside the region: 404, whether another township of the county or another county.
    for username in ("lixi_clerk", "zhongxiang_clerk", "cp_zhongxiang"):
        other = api_client.login(username)
        assert other.get(f"/api/v1/children/records/{record_id}").status_code == 404, username
        assert other.get("/api/v1/children/records").json()["count"] == 0
    # Roles without need-to-know: 404 too (the county approver handles assistance, not children).
    assert (
        api_client.login("dongbao_approver")
        .get(f"/api/v1/children/records/{record_id}")
        .status_code
        == 404
    )
    # City staff see the register with names masked; the leader sees counts only.
    city = api_client.login("city_section").get(f"/api/v1/children/records/{record_id}").json()
    assert (city["name"], city["guardian_phone"], city["birth_date"]) == ("王**", "", None)
    leader = api_client.login("leader")
    assert leader.get(f"/api/v1/children/records/{record_id}").status_code == 404
    counts = leader.get("/api/v1/children/counts").json()
    assert counts["by_category"]["left_behind"] == 1 and counts["total"] == 1
    # The county officer of 东宝区 sees it, names and all; so does the pages' detail.
    cp = api_client.login("cp_dongbao").get(f"/api/v1/children/records/{record_id}").json()
    assert cp["name"] == "王小明" and cp["guardian_phone"] == "13807240001"
    client.force_login(w["lixi_clerk"])
    assert client.get(f"/children/register/{record_id}/").status_code == 404
    client.force_login(w["leader"])
    page = client.get("/children/")
    assert page.status_code == 200 and "王小明" not in page.content.decode()
    client.force_login(w["child_protection"])
    assert "王小明" in client.get(f"/children/register/{record_id}/").content.decode()


@pytest.mark.parametrize(
    "payload, field, message",
    [
        ({**ORPHAN, "father_status": "at_home"}, "category", "父母均已死亡或被宣告失踪"),
        ({**ORPHAN, "care_type": None}, "care_type", "孤儿须选择养育方式"),
        ({"category": "difficulty"}, "difficulty_reason", "困境儿童须选择困境类型"),
        ({**LEFT_BEHIND, "mother_status": "at_home"}, "category", "农村留守儿童须父母双方外出务工"),
        ({**LEFT_BEHIND, "guardian_phone": "12345"}, "guardian_phone", "联系电话格式不正确"),
        ({**LEFT_BEHIND, "category": "sibling"}, "category", ""),
        ({**LEFT_BEHIND, "id_number": "4208022010010112AB"}, "id_number", "身份证号码格式不正确"),
    ],
)
def test_register_input_is_checked_field_by_field(child_world, api_client, payload, field, message):
    w = child_world
    api = _api(api_client, "dongbao_village")
    body = {"id_number": w["kids"]["xiaohong"].id_number, **payload}
    r = api.post("/api/v1/children/records", body)
    assert r.status_code == 422, r.content
    text = str(r.json())
    assert field in text and message in text
    assert not ChildRecord.objects.exists()


def test_an_adult_is_not_a_child_and_the_form_page_says_so(child_world, client):
    w = child_world
    client.force_login(w["dongbao_village"])
    r = client.post(
        "/children/register/new/", {**LEFT_BEHIND, "id_number": w["kids"]["adult"].id_number}
    )
    assert r.status_code == 200 and "已满18周岁" in r.content.decode()
    r = client.post(
        "/children/register/new/", {**LEFT_BEHIND, "id_number": w["kids"]["xiaoming"].id_number}
    )
    assert r.status_code == 302
    assert ChildRecord.objects.get().person == w["kids"]["xiaoming"]


def test_quarterly_confirmation_and_the_village_workbench(child_world, api_client, client):
    w = child_world
    first = _register(w)
    second = _register(w, "xiaohong", {**ORPHAN})
    api = _api(api_client, "dongbao_village")
    unconfirmed = api.get("/api/v1/children/records", unconfirmed="true").json()
    assert {r["id"] for r in unconfirmed["items"]} == {first.pk, second.pk}
    client.force_login(w["dongbao_village"])
    bench = client.get("/").content.decode()
    assert "待核实的儿童" in bench and "王小明" in bench
    r = api.post(f"/api/v1/children/records/{first.pk}/confirmations", {"note": "入户核实"})
    assert r.status_code == 200 and r.json()["created"] is True
    assert (
        api.post(f"/api/v1/children/records/{first.pk}/confirmations", {}).json()["created"]
        is False
    )
    assert QuarterConfirmation.objects.count() == 1
    left = api.get("/api/v1/children/records", unconfirmed="true").json()
    assert [r["id"] for r in left["items"]] == [second.pk]
    # A reporter may not confirm (and does not even see the record).
    rep = api_client.login("school_rep")
    assert rep.post(f"/api/v1/children/records/{second.pk}/confirmations", {}).status_code == 404


# ---------------------------------------------------------------- cases


def _report(api, **extra):
    body = {"what_happened": "孩子连续三天未到校，邻居反映家中无人照看", "urgency": "high", **extra}
    r = api.post("/api/v1/children/reports", body)
    assert r.status_code == 201, r.content
    return r.json()


def test_case_with_guardianship_intervention_end_to_end(child_world, api_client):
    w = child_world
    reporter = _api(api_client, "school_rep")
    report = _report(reporter, id_number=w["kids"]["xiaoming"].id_number, reporter_kind="school")
    case_id = report["id"]
    assert report["stage_label"] == "强制报告" and report["number"].startswith("ET")
    # The reporter sees only the status of their report, never the case.
    assert reporter.get(f"/api/v1/children/cases/{case_id}").status_code == 404
    assert reporter.get("/api/v1/children/cases").json()["count"] == 0

    cp = api_client.login("cp_dongbao")
    base = f"/api/v1/children/cases/{case_id}"
    case = cp.get(base).json()
    assert case["child_name"] == "王小明" and case["region_code"] == "420802001001"
    r = cp.post(f"{base}/contact", {"action": "当天联系派出所和社区，孩子已由祖母接回"})
    assert r.status_code == 200 and r.json()["stage_label"] == "应急处置"
    # Skipping ahead is a 409 naming the stage.
    assert cp.post(f"{base}/intervention", {}).status_code == 409
    r = cp.post(f"{base}/assessment", {"assessment": "父母长期在外，祖母年迈，监护能力不足"})
    assert r.json()["stage"] == "assessment"
    r = cp.post(
        f"{base}/plan",
        {
            "plan": "学校每日考勤，社工每周家访，联系父母返乡",
            "referrals": [
                {"target": "school", "organisation": "龙泉街道中心小学", "need": "每日考勤报告"},
                {"target": "social_worker", "organisation": "东宝区社工站", "need": "每周家访"},
            ],
        },
    )
    assert r.status_code == 200, r.content
    referrals = r.json()["referrals"]
    assert [x["status"] for x in referrals] == ["pending", "pending"]
    # A declined referral needs its reason.
    bad = cp.post(f"{base}/referrals/{referrals[1]['id']}/result", {"status": "declined"})
    assert bad.status_code == 422 and "note" in str(bad.json())
    ok = cp.post(
        f"{base}/referrals/{referrals[0]['id']}/result", {"status": "done", "note": "已落实"}
    )
    assert ok.json()["status_label"] == "已完成" and ok.json()["status_on"]
    cp.post(f"{base}/referrals/{referrals[1]['id']}/result", {"status": "accepted"})
    r = cp.post(f"{base}/intervention", {"note": "父母拒不履行监护职责"})
    assert r.json()["stage_label"] == "监护干预"
    # Closing before any measure: 409.
    assert cp.post(f"{base}/close", {"note": "结案"}).status_code == 409
    for kind, doc in (
        ("warning", "东公（龙）训诫〔2016〕3号"),
        ("temporary_care", "东民临护〔2016〕1号"),
    ):
        r = cp.post(f"{base}/measures", {"kind": kind, "document": doc})
        assert r.status_code == 201, r.content
    r = cp.post(f"{base}/measures", {"kind": "court", "document": ""})
    assert r.status_code == 422 and "document" in str(r.json())
    r = cp.post(f"{base}/close", {"note": "母亲返乡履行监护，临时监护解除"})
    assert r.json()["stage_label"] == "结案" and r.json()["closed_on"]
    events = [e["action"] for e in cp.get(f"{base}/events").json()]
    assert events[:4] == ["report", "contact", "assess", "plan"] and events[-1] == "close"
    assert (
        AuditEvent.objects.filter(
            object_type="children.childcase", object_id=str(case_id), action="transition"
        ).count()
        == 4
    )
    mine = api_client.login("school_rep").get("/api/v1/children/reports/mine").json()["items"]
    assert [(m["id"], m["stage_label"]) for m in mine] == [(case_id, "结案")]


def test_case_closed_without_intervention_needs_the_reason(child_world, api_client):
    w = child_world
    worker = _api(api_client, "dongbao_village")
    # Described, not found on the registry: name and township are needed.
    bad_urgency = worker.post(
        "/api/v1/children/reports", {"what_happened": "x", "urgency": "urgent"}
    )
    assert bad_urgency.status_code == 422 and "urgency" in str(bad_urgency.json())
    empty = worker.post("/api/v1/children/reports", {"what_happened": " ", "urgency": "normal"})
    assert empty.status_code == 422 and "请说明发生了什么" in str(empty.json())
    nameless = worker.post(
        "/api/v1/children/reports", {"what_happened": "有儿童在河边独自玩耍", "urgency": "normal"}
    )
    assert nameless.status_code == 422
    assert "name" in str(nameless.json()) and "region_code" in str(nameless.json())
    report = _report(worker, name="小虎", age=7, place="龙泉公园北门", region_code="420802001")
    clerk = api_client.login("dongbao_clerk")
    base = f"/api/v1/children/cases/{report['id']}"
    assert clerk.get(base).json()["child_name"] == "小虎"
    clerk.post(
        f"{base}/contact", {"action": "已送回家中", "id_number": w["kids"]["xiaohong"].id_number}
    )
    assert ChildCase.objects.get(pk=report["id"]).person == w["kids"]["xiaohong"]
    clerk.post(f"{base}/assessment", {"assessment": "监护人临时疏忽"})
    clerk.post(f"{base}/plan", {"plan": "社区提醒监护人"})
    r = clerk.post(f"{base}/close", {"note": "已提醒"})
    assert r.status_code == 422 and "skip_reason" in str(r.json())
    assert "无需监护干预的理由" in str(r.json())
    r = clerk.post(f"{base}/close", {"note": "已提醒", "skip_reason": "监护人已履行监护职责"})
    assert r.json()["stage"] == "closed" and r.json()["intervention_skipped_reason"]


def test_sensitive_record_rule_in_api_and_pages(child_world, api_client, client):
    w = child_world
    report = _report(_api(api_client, "school_rep"), id_number=w["kids"]["xiaoming"].id_number)
    case_id = report["id"]
    url = f"/api/v1/children/cases/{case_id}"
    # The chain: 龙泉街道's clerk, 东宝区's officer, the city and the administrator.
    for username in ("dongbao_clerk", "cp_dongbao", "city_section", "admin"):
        assert api_client.login(username).get(url).status_code == 200, username
    # A clerk of 栗溪镇 — same county, another township — and everyone off the chain: 404.
    for username in (
        "lixi_clerk",
        "zhongxiang_clerk",
        "cp_zhongxiang",
        "dongbao_approver",
        "dongbao_village",
        "leader",
    ):
        other = api_client.login(username)
        assert other.get(url).status_code == 404, username
        assert other.post(f"{url}/contact", {"action": "试图处置"}).status_code == 404, username
    client.force_login(w["lixi_clerk"])
    assert client.get(f"/children/cases/{case_id}/").status_code == 404
    assert client.post(f"/children/cases/{case_id}/contact/", {"action": "x"}).status_code == 404
    assert ChildCase.objects.get(pk=case_id).stage == Stage.REPORTED
    client.force_login(w["dongbao_clerk"])
    page = client.get(f"/children/cases/{case_id}/").content.decode()
    assert "王小明" in page and "记录应急处置" in page
    # The city reads but does not act.
    city = api_client.login("city_section")
    assert city.post(f"{url}/contact", {"action": "市局处置"}).status_code == 403


def test_overdue_stages_escalate_on_calendar_days_across_the_holiday(
    child_world, api_client, calendar_2016, client
):
    """Reported on 29 Sep 2016, the eve of the National Day week (1–7 Oct off, 8–9 Oct worked):
    first contact is due 24 hours later, the assessment 7 calendar days later (6 Oct, inside the
    holiday) — a working-day count (30 Sep, 8, 9, 10, 11, 12, 13 Oct) would have put it on 13 Oct. The escalation finds it overdue
    on 7 Oct, a holiday, and sends it to the county once."""
    from minzheng.cases import working_days

    w = child_world
    report = _report(_api(api_client, "school_rep"), id_number=w["kids"]["xiaoming"].id_number)
    reported = timezone.make_aware(dt.datetime(2016, 9, 29, 10, 0))
    ChildCase.objects.filter(pk=report["id"]).update(
        reported_at=reported, **deadlines.due_dates(reported)
    )
    case = ChildCase.objects.get(pk=report["id"])
    assert case.assessment_due_on == dt.date(2016, 10, 6)
    assert case.plan_due_on == dt.date(2016, 10, 14)
    assert not working_days.is_working_day(dt.date(2016, 10, 7))
    assert working_days.add_working_days(dt.date(2016, 9, 29), 7) == dt.date(2016, 10, 13)

    at = lambda *a: timezone.make_aware(dt.datetime(*a))  # noqa: E731
    assert services.escalate_overdue(now=at(2016, 9, 30, 9, 59))["escalated"] == 0
    first = services.escalate_overdue(now=at(2016, 9, 30, 10, 1))
    assert first == {"escalated": 1, "overdue": 1}
    case.refresh_from_db()
    assert (case.overdue_stage, case.escalated_at) == ("reported", at(2016, 9, 30, 10, 1))
    assert services.escalate_overdue(now=at(2016, 9, 30, 12, 0))["escalated"] == 0

    services.record_first_contact(
        user=w["child_protection"], case=case, action="已到场处置", at=at(2016, 9, 30, 11, 0)
    )
    case.refresh_from_db()
    assert case.overdue_stage == ""  # the overdue act is done; the escalation stays on record
    assert services.escalate_overdue(now=at(2016, 10, 6, 23, 0))["escalated"] == 0
    later = services.escalate_overdue(now=at(2016, 10, 7, 9, 0))
    assert later["escalated"] == 1
    case.refresh_from_db()
    assert case.overdue_stage == "emergency"
    assert case.events.filter(action="escalate").count() == 2
    assert not deadlines.within_deadlines(case)
    # The county officer's workbench lists it; so does the overdue filter of the API.
    client.force_login(w["child_protection"])
    bench = client.get("/").content.decode()
    assert "超期的儿童保护案件" in bench and case.number in bench
    cp = api_client.login("cp_dongbao")
    assert [c["id"] for c in cp.get("/api/v1/children/cases", overdue="true").json()["items"]] == [
        case.pk
    ]


def test_escalation_command_runs_the_step(child_world, api_client):
    from django.core.management import call_command

    w = child_world
    report = _report(_api(api_client, "school_rep"), id_number=w["kids"]["xiaoming"].id_number)
    old = timezone.now() - dt.timedelta(days=2)
    ChildCase.objects.filter(pk=report["id"]).update(reported_at=old, **deadlines.due_dates(old))
    call_command("children_escalate")
    assert ChildCase.objects.get(pk=report["id"]).overdue_stage == "reported"


# ---------------------------------------------------------------- orphan allowance


def test_orphan_allowance_through_the_payroll_with_a_mid_year_raise(child_world, api_client):
    """Two orphans of 东宝区 confirmed on 15 Mar 2016, paid from April: the institutional one at
    1,000 元, the dispersed one at 600 元. The city raises the institutional standard to 1,100 元
    from 1 Jul 2016. June pays 1,000 + 600 = 1,600 元; July pays 1,100 + 600 = 1,700 元."""
    from minzheng.assistance import services as assistance_services
    from minzheng.payments import payroll, recompute
    from minzheng.payments import selectors as payment_selectors
    from minzheng.payments.models import PayrollLine

    w = child_world
    cp = w["child_protection"]
    institutional = _register(
        w, "xiaoming", {**ORPHAN, "care_type": "institutional", "guardian_name": "东宝区儿童福利院"}
    )
    dispersed = _register(w, "lixi_kid", {**ORPHAN}, by="lixi_clerk")
    # Only the county officer confirms; a township clerk may not.
    from minzheng.children import allowance
    from minzheng.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        allowance.confirm_orphan(user=w["dongbao_clerk"], record=institutional)
    a = allowance.confirm_orphan(user=cp, record=institutional, on=dt.date(2016, 3, 15))
    b = allowance.confirm_orphan(user=cp, record=dispersed, on=dt.date(2016, 3, 15))
    assert (a.start_month, a.monthly_amount_fen, b.monthly_amount_fen) == (
        dt.date(2016, 4, 1),
        100000,
        60000,
    )
    # Paid up to the month before the 18th birthday's month (born 1 March).
    born = w["kids"]["xiaoming"].birth_date
    assert a.end_month == dt.date(born.year + 18, 2, 1)
    # Not twice; and not for a child who is not an orphan.
    api = _api(api_client, "cp_dongbao")
    assert api.post(f"/api/v1/children/records/{institutional.pk}/allowance").status_code == 409
    left = _register(w, "xiaohong", LEFT_BEHIND)
    r = api.post(f"/api/v1/children/records/{left.pk}/allowance")
    assert r.status_code == 422 and "只有孤儿" in str(r.json())

    standard = assistance_services.set_standard(
        user=w["city_section"],
        programme="orphan_allowance",
        key="amount_institutional",
        region=w["jingmen"]["city"],
        effective_from=dt.date(2016, 7, 1),
        value=110000,
        reason="提高机构养育孤儿基本生活费",
    )
    result = recompute.recompute_after_standard_change(standard=standard)
    assert (result["changed"], result["errors"]) == (1, 0)
    assert payment_selectors.amount_for_month(a, dt.date(2016, 6, 1)) == 100000
    assert payment_selectors.amount_for_month(a, dt.date(2016, 7, 1)) == 110000
    assert payment_selectors.amount_for_month(b, dt.date(2016, 7, 1)) == 60000

    totals = {}
    for month in (dt.date(2016, 6, 1), dt.date(2016, 7, 1)):
        run = payroll.create_run(
            user=w["dongbao_approver"], county=w["jingmen"]["dongbao"], month=month
        )
        payroll.compute_payroll(run=run)
        assert payroll.compute_payroll(run=run)["added"] == 0
        lines = PayrollLine.objects.filter(run=run, programme="orphan_allowance")
        totals[month.month] = {line.person_id: line.amount_fen for line in lines}
    xm, lk = w["kids"]["xiaoming"].pk, w["kids"]["lixi_kid"].pk
    assert totals == {6: {xm: 100000, lk: 60000}, 7: {xm: 110000, lk: 60000}}
    assert sum(totals[6].values()) == 160000 and sum(totals[7].values()) == 170000


# ---------------------------------------------------------------- target 4.2


def test_handling_rate_counts_due_cases_handled_within_every_deadline(child_world, api_client):
    """On 31 Mar 2016, in 东宝区 龙泉社区: A reported 1 Mar and handled in time (contact the same
    day, assessment 5 Mar, plan 10 Mar); B reported 1 Mar, first contact 3 Mar (late); D reported
    2 Mar and never handled (plan due 17 Mar, passed). C, reported 25 Mar in 栗溪村, is still
    inside its 15 days and not counted. 龙泉社区 and 东宝区: 1 ÷ 3 × 100; 栗溪镇: no value."""
    from minzheng.children.indicators import handling_rate
    from minzheng.regions.models import Region
    from minzheng.targets.indicators import compute_spec

    w = child_world
    cp = w["child_protection"]
    at = lambda *a: timezone.make_aware(dt.datetime(*a))  # noqa: E731
    rep = _api(api_client, "school_rep")

    def case(kid, reported):
        c = ChildCase.objects.get(pk=_report(rep, id_number=w["kids"][kid].id_number)["id"])
        ChildCase.objects.filter(pk=c.pk).update(
            reported_at=reported, **deadlines.due_dates(reported)
        )
        return ChildCase.objects.get(pk=c.pk)

    def handle(c, contact, assessed, plan):
        services.record_first_contact(user=cp, case=c, action="到场", at=contact)
        services.record_assessment(user=cp, case=c, assessment="评估", on=assessed)
        services.record_plan(user=cp, case=c, plan="计划", on=plan)

    handle(
        case("xiaoming", at(2016, 3, 1, 9)),
        at(2016, 3, 1, 15),
        dt.date(2016, 3, 5),
        dt.date(2016, 3, 10),
    )
    handle(
        case("xiaohong", at(2016, 3, 1, 9)),
        at(2016, 3, 3, 9),
        dt.date(2016, 3, 5),
        dt.date(2016, 3, 10),
    )
    case("xiaoming", at(2016, 3, 2, 9))
    case("lixi_kid", at(2016, 3, 25, 9))
    assert compute_spec("children_protection_handling_rate").func is handling_rate
    regions = list(Region.objects.prefetch_related("members"))
    values = handling_rate(regions, dt.date(2016, 3, 31))
    third = Decimal(1) / Decimal(3) * Decimal(100)
    assert values["420802001001"] == third and values["420802"] == third
    assert values["420800"] == third
    assert "420802100" not in values
    # On 10 Mar only A and B are due (both plans made that day; D's plan is due 17 Mar): B's
    # first contact was late, so 1 ÷ 2.
    assert handling_rate(regions, dt.date(2016, 3, 10))["420802"] == Decimal(50)


# ---------------------------------------------------------------- demo


def test_demo_children_are_plausible_and_a_second_run_adds_nothing(demo_city, api_client):
    from minzheng.children.demo import seed_demo_children
    from minzheng.payments import months
    from minzheng.payments.models import Entitlement, PayrollLine

    records = ChildRecord.objects.count()
    assert records > 0
    orphans = ChildRecord.objects.filter(category="orphan")
    assert orphans.filter(region__path__contains="/420802001/").count() >= 2
    paid = Entitlement.objects.filter(programme="orphan_allowance")
    assert paid.count() == orphans.exclude(entitlement=None).count() >= 2
    last_month = months.add_months(months.month_start(timezone.localdate()), -1)
    assert PayrollLine.objects.filter(programme="orphan_allowance", month=last_month).count() >= 2
    assert set(ChildCase.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert ChildCase.objects.exclude(overdue_stage="").count() >= 3
    confirmed = QuarterConfirmation.objects.count()
    assert 0.7 * records <= confirmed <= records

    again = seed_demo_children()
    assert again == {"records": 0, "orphans_paid": 0, "cases": 0}
    assert (
        ChildRecord.objects.count() == records and QuarterConfirmation.objects.count() == confirmed
    )

    # The demo accounts see their cases: the county officer all ten, the township clerk the
    # 龙泉街道 ones, the school its own reports' status only.
    cp = api_client.login("child_protection", password="demo12345")
    assert cp.get("/api/v1/children/cases").json()["count"] == 10
    clerk = api_client.login("longquan_clerk", password="demo12345")
    assert clerk.get("/api/v1/children/cases").json()["count"] == 10
    school = api_client.login("school_reporter", password="demo12345")
    assert school.get("/api/v1/children/cases").json()["count"] == 0
    assert school.get("/api/v1/children/reports/mine").json()["count"] == 10


def test_tekun_applicants_under_16_are_referred_to_the_orphan_register(child_world, client):
    """A 特困 application whose household holds a child under 16: the 特困 rules refer the child to
    the orphan programme; the children module lists the child with a button that opens the
    register form for that child, and the list empties once the child is an orphan on it."""
    from minzheng.cases.services import apply
    from minzheng.children.selectors import tekun_referrals
    from minzheng.people.models import HouseholdMember

    w = child_world
    kid = w["kids"]["xiaoming"]
    household = HouseholdMember.objects.get(person=kid).household
    case = apply(
        user=w["dongbao_clerk"],
        programme="tekun",
        household=household,
        applicant=kid,
        reason="父母双亡，无人抚养",
        applied_on=timezone.localdate(),
    )
    assert list(tekun_referrals(w["child_protection"])) == [kid]
    assert list(tekun_referrals(w["zx_protection"])) == []
    # The 特困 case page itself leads there, for a clerk who may add to the register; the county
    # approver, who may not, is offered nothing.
    register_link = f"/children/register/new/?person={kid.pk}&amp;category=orphan"
    client.force_login(w["dongbao_clerk"])
    case_page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "登记为孤儿" in case_page and register_link in case_page
    client.force_login(w["dongbao_approver"])
    case_page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "王小明" in case_page and register_link not in case_page
    client.force_login(w["child_protection"])
    page = client.get("/children/").content.decode()
    assert "特困申请转孤儿保障" in page and f"?person={kid.pk}&amp;category=orphan" in page
    form = client.get(f"/children/register/new/?person={kid.pk}&category=orphan").content.decode()
    assert "王小明" in form and 'value="orphan" selected' in form
    r = client.post(
        f"/children/register/new/?person={kid.pk}", {**ORPHAN, "care_type": "institutional"}
    )
    assert r.status_code == 302
    assert list(tekun_referrals(w["child_protection"])) == []


def test_editing_a_record_is_checked_scoped_and_audited(child_world, api_client, client):
    w = child_world
    record = _register(w)
    api = _api(api_client, "dongbao_clerk")
    url = f"/api/v1/children/records/{record.pk}"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.token}"}
    r = client.put(
        url, {**LEFT_BEHIND, "school": "龙泉中学"}, content_type="application/json", **headers
    )
    assert r.status_code == 200 and r.json()["school"] == "龙泉中学"
    assert AuditEvent.objects.filter(
        object_type="children.childrecord", object_id=str(record.pk), action="update"
    ).exists()
    bad = client.put(
        url,
        {**LEFT_BEHIND, "father_status": "at_home", "mother_status": "at_home"},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422 and "农村留守儿童" in str(bad.json())
    other = api_client.login("lixi_clerk")
    r = client.put(
        url,
        LEFT_BEHIND,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {other.token}",
    )
    assert r.status_code == 404
    # The page form shows the message next to the field.
    client.force_login(w["dongbao_clerk"])
    page = client.post(
        f"/children/register/{record.pk}/edit/", {**LEFT_BEHIND, "guardian_phone": "123"}
    )
    assert page.status_code == 200 and "联系电话格式不正确" in page.content.decode()


def test_a_resident_reports_from_their_account_and_sees_only_the_status(child_world, api_client):
    from minzheng.accounts.models import Role
    from tests.conftest import make_user

    w = child_world
    make_user("resident_zhang", Role.RESIDENT, None, person=w["kids"]["adult"])
    resident = api_client.login("resident_zhang")
    report = _report(resident, name="小花", age=5, region_code="420802001", place="楼下")
    assert report["stage_label"] == "强制报告"
    case = ChildCase.objects.get(pk=report["id"])
    assert (case.reporter_kind, case.region.code) == ("resident", "420802001")
    assert resident.get(f"/api/v1/children/cases/{case.pk}").status_code == 404
    assert resident.get("/api/v1/children/records").json()["count"] == 0
    assert [r["number"] for r in resident.get("/api/v1/children/reports/mine").json()["items"]] == [
        case.number
    ]
    # Nobody else's reports show under "mine".
    assert api_client.login("school_rep").get("/api/v1/children/reports/mine").json()["count"] == 0


def test_the_register_form_finds_children_on_the_registry(child_world, client):
    w = child_world
    client.force_login(w["dongbao_clerk"])
    page = client.get("/children/register/new/", {"q": "王小明"}).content.decode()
    assert f"?person={w['kids']['xiaoming'].pk}" in page
    # Adults and children of other areas are not offered.
    for name, other in (("孙大成", "adult"), ("钱小钟", "zx_kid")):
        page = client.get("/children/register/new/", {"q": name}).content.decode()
        assert f"?person={w['kids'][other].pk}" not in page and "尚未登记的儿童" in page

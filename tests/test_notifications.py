"""Notifications: each milestone notifies once with its text, opt-outs suppress, quiet hours
hold and retries back off (figures by hand), the outbox API is scoped, staff resend a failed one;
satisfaction: sampling, the rate table, answers once, the computed target."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from decimal import Decimal

import pytest
from django_fsm.signals import post_transition

from minzheng.cases import services as case_services
from minzheng.cases.models import Case, SpotCheck, State
from minzheng.core import messaging
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.messaging import MessagingError
from minzheng.core.models import AuditEvent
from minzheng.notifications import services
from minzheng.notifications.models import Notification, Status
from minzheng.regions.models import Region
from minzheng.satisfaction import selectors as sat_selectors
from minzheng.satisfaction import services as sat_services
from minzheng.satisfaction.indicators import public_satisfaction
from minzheng.satisfaction.models import Invitation, Service
from minzheng.satisfaction.params import sampled
from tests.fixtures.cases import apply_as_clerk, authorise, to_stage

from .conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("media_root")
D = dt.date.fromisoformat
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def world(case_world):
    people = case_world["people"]
    people["zhang"].phone = "13800000001"
    people["zhang"].save(update_fields=["phone"])
    return case_world


def sent(phone: str) -> list:
    return messaging.read_outbox(phone=phone)


def test_case_milestones_notify_once_with_their_text(world, set_today, settings):
    settings.NOTIFICATIONS_QUIET_HOURS = None
    u = world["users"]
    u["dongbao_clerk"].phone = "13900000009"
    u["dongbao_clerk"].save(update_fields=["phone"])
    set_today("2016-09-26")
    case = apply_as_clerk(world)
    todo = Notification.objects.get(kind="todo_case_submitted")
    assert todo.user == u["dongbao_clerk"] and todo.phone == "13900000009"
    assert (
        todo.text
        == f"【荆门民政】待办：龙泉社区提交的城市最低生活保障申请（{case.number}）待受理。"
        or (case.number in todo.text and "待受理" in todo.text)
    )
    case = case_services.accept(user=u["dongbao_clerk"], case=case, missing_materials=["户口簿"])
    missing = Notification.objects.get(kind="case_materials_missing")
    assert missing.text == (
        f"【荆门民政】您的城市最低生活保障申请（{case.number}）需补齐以下材料：户口簿。"
        "请尽快到乡镇（街道）提交。"
    )
    assert missing.person == world["people"]["zhang"] and missing.phone == "13800000001"
    assert missing.link == f"/cases/{case.pk}/" and missing.region_id == case.region_id
    assert Notification.objects.filter(kind="case_authorisation_needed").count() == 1
    authorise(world, case)
    case = case_services.complete_materials(user=u["dongbao_clerk"], case=case)
    accepted = Notification.objects.get(kind="case_accepted")
    assert accepted.text == (
        f"【荆门民政】您的城市最低生活保障申请（{case.number}）已受理，进入信息核对。"
    )
    # The same event published again notifies no one twice.
    before = Notification.objects.count()
    post_transition.send(
        sender=Case, instance=case, name="start_verification", target=State.VERIFYING
    )
    assert Notification.objects.count() == before
    # Nothing is sent before the dispatcher runs; then each once.
    before_sms = len(sent("13800000001"))
    counts = services.dispatch()
    assert counts["sent"] == 4 and len(sent("13800000001")) == before_sms + 3
    assert sent("13800000001")[-1].purpose.startswith("notice:")
    assert services.dispatch()["sent"] == 0


def test_publicity_county_todo_and_refusal_with_reasons(world, set_today, settings):
    settings.SATISFACTION_SAMPLE_RATE = 1.0
    u = world["users"]
    case = to_stage(world, set_today, State.COUNTY_REVIEW)
    publicity = Notification.objects.get(kind="case_publicity")
    assert publicity.text == (
        f"【荆门民政】您的城市最低生活保障申请（{case.number}）已进入公示，公示期7天，"
        "有异议可向乡镇（街道）反映。"
    )
    todo = Notification.objects.get(kind="todo_case_county_review")
    # The approver of 东宝区 (the case's county), not 钟祥市's.
    assert todo.user == u["dongbao_approver"] and todo.subject_id == str(case.pk)
    assert f"（{case.number}）已到县级审批，请在{case.stage_due_on:%Y年%m月%d日}前办理" in todo.text
    set_today("2016-10-26")
    case = case_services.county_decision(
        user=u["dongbao_approver"], case=case, approve=False, reasons="人均收入高于当地低保标准"
    )
    refused = Notification.objects.get(kind="case_refused")
    assert refused.text == (
        f"【荆门民政】您的城市最低生活保障申请（{case.number}）未获批准，"
        "理由：人均收入高于当地低保标准。如有异议可依法申请复议。"
    )
    # A decided case is invited to the survey (sampled at 100 % here), once.
    invitation = Invitation.objects.get(subject_type="cases.case", subject_id=str(case.pk))
    assert invitation.service == Service.CASE and invitation.person == world["people"]["zhang"]
    survey = Notification.objects.get(kind="satisfaction_survey")
    assert survey.link == f"/satisfaction/{invitation.pk}/"
    post_transition.send(sender=Case, instance=case, name="refuse", target=State.REFUSED)
    assert Invitation.objects.count() == 1
    assert Notification.objects.filter(kind="case_refused").count() == 1


def test_approval_tells_the_amount(world, set_today):
    u = world["users"]
    case = to_stage(world, set_today, State.COUNTY_REVIEW)
    set_today("2016-10-26")
    if SpotCheck.objects.filter(case=case).exists():
        case_services.record_spot_check(
            user=u["dongbao_approver"],
            case=case,
            checked_on=D("2016-10-25"),
            investigators=["王", "赵"],
            findings="属实",
        )
    case = case_services.county_decision(
        user=u["dongbao_approver"],
        case=case,
        approve=True,
        amount_fen=52000,
        amount_reason="按家庭实际困难核定",
    )
    approved = Notification.objects.get(kind="case_approved")
    assert approved.text == (
        f"【荆门民政】您的城市最低生活保障申请（{case.number}）已批准，核定金额520.00元。"
    )


def test_opted_out_messages_are_suppressed_and_never_sent(world, set_today):
    resident = world["users"]["resident"]
    services.set_preferences(user=resident, refuse_all=False, refused=["case_accepted"])
    assert AuditEvent.objects.filter(object_type="notifications.optout").count() == 1
    set_today("2016-09-26")
    case = apply_as_clerk(world)
    authorise(world, case)
    case_services.accept(user=world["users"]["dongbao_clerk"], case=case)
    n = Notification.objects.get(kind="case_accepted")
    assert n.status == Status.SUPPRESSED and n.next_attempt_at is None
    before = len(sent("13800000001"))
    services.dispatch(now=n.created_at + dt.timedelta(hours=24))
    assert len(sent("13800000001")) == before
    # Refusing all covers every kind a resident may refuse.
    services.set_preferences(user=resident, refuse_all=True, refused=[])
    m = services.notify(kind="review_due", dedup="x", person=world["people"]["zhang"])
    assert m.status == Status.SUPPRESSED
    with pytest.raises(ServiceError):
        services.set_preferences(user=resident, refuse_all=False, refused=["todo_case_submitted"])


def test_quiet_hours_hold_until_eight(world, settings):
    settings.NOTIFICATIONS_QUIET_HOURS = ("21:00", "08:00")
    n = services.notify(
        kind="review_due", dedup="q", person=world["people"]["zhang"], now=at("2016-10-01T22:10")
    )
    assert services.dispatch(now=at("2016-10-01T22:30"))["held"] == 1
    n.refresh_from_db()
    assert n.status == Status.HELD and n.next_attempt_at == at("2016-10-02T08:00")
    assert services.dispatch(now=at("2016-10-02T07:59"))["sent"] == 0  # still quiet
    assert services.dispatch(now=at("2016-10-02T08:00"))["sent"] == 1
    n.refresh_from_db()
    assert (n.status, n.sent_at, n.attempts) == (Status.SENT, at("2016-10-02T08:00"), 1)
    # A morning before the end: 07:00 → until 08:00 the same day; 12:00 is outside.
    assert services.quiet_until(at("2016-10-02T07:00")) == at("2016-10-02T08:00")
    assert services.quiet_until(at("2016-10-02T12:00")) is None


class Failing:
    def send(self, message):
        raise MessagingError("gateway down")


def test_retries_back_off_5_10_20_40_minutes_then_fail(world, settings):
    messaging.register_backend("failing", Failing)
    settings.SMS_BACKEND = "failing"
    settings.NOTIFICATIONS_QUIET_HOURS = None
    n = services.notify(
        kind="review_due", dedup="r", person=world["people"]["zhang"], now=at("2016-10-03T10:00")
    )
    expected = [
        ("2016-10-03T10:00", 1, "2016-10-03T10:05"),
        ("2016-10-03T10:05", 2, "2016-10-03T10:15"),
        ("2016-10-03T10:15", 3, "2016-10-03T10:35"),
        ("2016-10-03T10:35", 4, "2016-10-03T11:15"),
    ]
    for now, attempts, next_at in expected:
        assert services.dispatch(now=at(now))["retry"] == 1
        n.refresh_from_db()
        assert (n.status, n.attempts, n.next_attempt_at) == (Status.QUEUED, attempts, at(next_at))
        assert services.dispatch(now=at(now) + dt.timedelta(minutes=1))["retry"] == 0
    assert services.dispatch(now=at("2016-10-03T11:15"))["failed"] == 1
    n.refresh_from_db()
    assert (n.status, n.attempts, n.last_error) == (Status.FAILED, 5, "gateway down")
    # Staff resend it (audited); it goes out once the gateway answers.
    settings.SMS_BACKEND = "outbox"
    with pytest.raises(PermissionDeniedError):
        services.resend(user=world["users"]["leader"], notification=n)
    services.resend(
        user=world["users"]["dongbao_clerk"], notification=n, now=at("2016-10-03T12:00")
    )
    assert AuditEvent.objects.filter(object_type="notifications.notification").count() == 1
    assert services.dispatch(now=at("2016-10-03T12:00"))["sent"] == 1


def test_a_message_without_a_number_is_resent_once_the_registry_has_one(world, settings):
    settings.NOTIFICATIONS_QUIET_HOURS = None
    zhang = world["people"]["zhang"]
    zhang.phone = ""
    zhang.save(update_fields=["phone"])
    n = services.notify(kind="review_due", dedup="no-phone", person=zhang)
    assert services.dispatch()["failed"] == 1
    n.refresh_from_db()
    assert (n.status, n.last_error) == (Status.FAILED, "无手机号码")
    clerk = world["users"]["dongbao_clerk"]
    with pytest.raises(ServiceError) as refused:
        services.resend(user=clerk, notification=n)
    assert refused.value.status == 409 and "没有登记手机号码" in refused.value.errors["phone"][0]
    zhang.phone = "13907160001"
    zhang.save(update_fields=["phone"])
    services.resend(user=clerk, notification=n)
    n.refresh_from_db()
    assert (n.status, n.phone, n.last_error) == (Status.QUEUED, "13907160001", "")


def test_outbox_api_is_scoped_and_resends(world, client):
    j = world["regions"]
    own = services.notify(
        kind="review_due",
        dedup="a",
        person=world["people"]["zhang"],
        region=j["longquan_community"],
    )
    other = services.notify(
        kind="review_due", dedup="b", person=world["people"]["wang"], region=j["zhongxiang"]
    )
    Notification.objects.filter(pk=own.pk).update(status=Status.FAILED)
    assert client.login(username="dongbao_clerk", password=PASSWORD)
    assert client.get(f"/api/v1/notifications/{other.pk}").status_code == 404
    body = client.get(f"/api/v1/notifications/{own.pk}").json()
    assert body["kind_label"] == "待遇复核提醒" and body["status"] == "failed"
    ids = [r["id"] for r in client.get("/api/v1/notifications/outbox").json()["items"]]
    assert ids == [own.pk]
    assert client.post(f"/api/v1/notifications/{other.pk}/resend").status_code == 404
    r = client.post(f"/api/v1/notifications/{own.pk}/resend")
    assert r.status_code == 200 and r.json()["status"] == "queued"
    assert client.post(f"/api/v1/notifications/{own.pk}/resend").status_code == 409
    assert client.get("/notifications/").status_code == 200
    client.logout()
    assert client.login(username="zhang_resident", password=PASSWORD)
    mine = client.get("/api/v1/notifications/mine").json()["items"]
    assert [m["id"] for m in mine] == [own.pk]
    assert client.get(f"/api/v1/notifications/{other.pk}").status_code == 404
    r = client.put(
        "/api/v1/notifications/preferences",
        data=json.dumps({"refused": ["review_due"]}),
        content_type="application/json",
    )
    assert r.status_code == 200
    assert [k for k in r.json()["kinds"] if k["refused"]] == [
        {"code": "review_due", "label": "待遇复核提醒", "refused": True}
    ]
    bad = client.put(
        "/api/v1/notifications/preferences",
        data=json.dumps({"refused": ["nonsense"]}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    page = client.get("/notifications/mine/").content.decode()
    assert "我的消息" in page and "待遇复核提醒" in page


# ---------------------------------------------------------------- satisfaction


@pytest.mark.parametrize(
    ("satisfied", "basic", "dissatisfied", "rate"),
    [
        (0, 0, 0, None),  # no answers, no rate
        (19, 0, 1, Decimal("95.0")),  # 19 / 20
        (10, 9, 1, Decimal("95.0")),  # basically satisfied counts as satisfied
        (1, 1, 1, Decimal("66.7")),  # 2 / 3 = 66.67 → 66.7
        (0, 0, 3, Decimal("0.0")),
        (24, 0, 1, Decimal("96.0")),
    ],
)
def test_satisfied_rate(satisfied, basic, dissatisfied, rate):
    assert sat_selectors.rate(satisfied + basic, satisfied + basic + dissatisfied) == rate


def _invitation(world, n, rating, *, region="longquan_community", service=Service.CASE, unit=None):
    return Invitation.objects.create(
        service=service,
        subject_type="test.subject",
        subject_id=str(n),
        number=f"T{n}",
        person=world["people"]["zhang"],
        region=world["regions"][region],
        unit=unit,
        invited_on=dt.date(2016, 6, 1),
        rating=rating,
        answered_at=at("2016-06-02T10:00") if rating else None,
    )


def test_rates_by_service_and_region_and_the_target(world):
    ratings = ["satisfied"] * 3 + ["basic", "dissatisfied", ""]
    for n, r in enumerate(ratings):
        _invitation(world, n, r)
    _invitation(world, 99, "satisfied", region="zhongxiang", service=Service.ELDERCARE)
    qs = Invitation.objects.all()
    case_row = next(r for r in sat_selectors.by_service(qs) if r["key"] == "case")
    assert (case_row["invited"], case_row["answers"], case_row["rate"]) == (6, 5, Decimal("80.0"))
    regions = Region.objects.all().prefetch_related("members")
    values = public_satisfaction(regions, dt.date(2016, 6, 30))
    assert values[world["regions"]["dongbao"].code] == 80  # 4 of 5
    assert values[world["regions"]["zhongxiang"].code] == 100
    assert values[world["regions"]["city"].code] == Decimal(5) / 6 * 100  # 5 of 6
    assert (
        public_satisfaction(regions, dt.date(2016, 6, 1)).get(world["regions"]["city"].code) is None
    )


def test_invitations_are_sampled_once_and_answered_once(world, client, settings):
    settings.SATISFACTION_SAMPLE_RATE = 1.0
    assert sampled("cases.case", 1, 0.0) is False and sampled("cases.case", 1, 1.0) is True
    # deterministic: the same subject always answers the same
    assert [sampled("x", i, 0.2) for i in range(50)] == [sampled("x", i, 0.2) for i in range(50)]
    person = world["people"]["zhang"]
    subject = person  # any saved model row stands for the subject
    region = world["regions"]["longquan_community"]
    assert (
        sat_services.invite(
            service=Service.CASE, subject=subject, person=person, region=region, number="N1"
        )
        == 1
    )
    assert (
        sat_services.invite(
            service=Service.CASE, subject=subject, person=person, region=region, number="N1"
        )
        == 0
    )
    inv = Invitation.objects.get()
    msg = Notification.objects.get(kind="satisfaction_survey")
    assert msg.link == f"/satisfaction/{inv.pk}/" and "N1" in msg.text
    assert client.login(username="zhang_resident", password=PASSWORD)
    r = client.post(
        f"/api/v1/satisfaction/{inv.pk}/answer",
        data=json.dumps({"rating": "dissatisfied"}),
        content_type="application/json",
    )
    assert r.status_code == 422 and "comment" in json.dumps(r.json(), ensure_ascii=False)
    r = client.post(
        f"/api/v1/satisfaction/{inv.pk}/answer",
        data=json.dumps({"rating": "basic"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["channel"] == "page"
    r = client.post(
        f"/api/v1/satisfaction/{inv.pk}/answer",
        data=json.dumps({"rating": "satisfied"}),
        content_type="application/json",
    )
    assert r.status_code == 409
    client.logout()
    assert client.login(username="zhongxiang_clerk", password=PASSWORD)
    assert client.get("/api/v1/satisfaction/rates").status_code == 200
    assert (
        client.post(
            f"/api/v1/satisfaction/{inv.pk}/call",
            data=json.dumps({"rating": "basic"}),
            content_type="application/json",
        ).status_code
        == 404
    )
    assert client.get("/satisfaction/").status_code == 200
    assert client.get("/satisfaction/export.xlsx").status_code == 200


def test_booking_milestones_and_the_served_survey(care, users, settings):
    from minzheng.eldercare.models import Booking
    from tests.fixtures.eldercare import book, serve

    settings.SATISFACTION_SAMPLE_RATE = 1.0
    care["provider_a"].phone = "13700000003"
    care["provider_a"].save(update_fields=["phone"])
    b = book(care, users, care["items"]["cleaning"])
    todo = Notification.objects.get(kind="todo_booking_requested")
    assert todo.user == care["provider_a"] and todo.phone == "13700000003"
    assert f"新的居室清洁预约（{b.number}）" in todo.text
    b = serve(care, Booking.objects.get(pk=b.pk))
    accepted = Notification.objects.get(kind="booking_accepted")
    assert accepted.person == care["mother"] and accepted.region == b.region
    assert accepted.text.startswith(
        f"【荆门民政】您预约的居室清洁（{b.number}）已由龙泉居家养老服务中心接单，服务时间"
    )
    dispatched = Notification.objects.get(kind="booking_dispatched")
    assert "已派服务人员王护理员" in dispatched.text
    invitation = Invitation.objects.get(subject_type="eldercare.booking", subject_id=str(b.pk))
    assert invitation.service == Service.ELDERCARE and invitation.person == care["mother"]
    assert Notification.objects.filter(kind="satisfaction_survey").count() == 1


@pytest.mark.django_db
def test_a_bank_return_tells_each_household_paid_or_failed_once(
    payroll_beneficiaries, payments_world
):
    import csv
    import io

    from minzheng.payments import payroll
    from minzheng.payments.models import PayrollLine
    from tests.fixtures.payments import run_month

    world, b = payments_world, payroll_beneficiaries
    approver = world["users"]["dongbao_approver"]
    nov = dt.date(2016, 11, 1)
    run = run_month(world, nov)
    payroll.approve_payroll(user=approver, run=run)
    payroll.export_payroll(user=approver, run=run, fmt="csv")
    found = {line.entitlement_id: line for line in PayrollLine.objects.filter(run=run)}
    zhang, sun = found[b["zhang"].pk], found[b["sun"].pk]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(
        [
            ("流水号", "金额", "结果", "失败原因"),
            (zhang.pk, "480.00", "成功", ""),
            (sun.pk, "749.00", "失败", "账户已冻结"),
        ]
    )
    content = out.getvalue().encode("utf-8-sig")
    payroll.import_bank_return(user=approver, run=run, file_name="r.csv", content=content)
    paid = Notification.objects.get(kind="payment_paid")
    assert paid.subject_id == str(zhang.pk)
    assert paid.person_id == (zhang.person_id or zhang.household.head_id) is not None
    assert paid.text == "【荆门民政】您2016年11月的城市最低生活保障480.00元已发放到账，请查收。"
    failed = Notification.objects.get(kind="payment_failed")
    assert failed.text == (
        "【荆门民政】您2016年11月的特困人员救助供养749.00元发放失败（账户已冻结），"
        "请到乡镇（街道）核对银行账户。"
    )
    # The same file again: the import changes nothing and nobody is told twice.
    payroll.import_bank_return(user=approver, run=run, file_name="r.csv", content=content)
    assert Notification.objects.filter(kind__startswith="payment_").count() == 2

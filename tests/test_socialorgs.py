"""Social organisations: registration of each kind online end to end through the API, the name
and capital refusals with field errors, scope (another county reads 404), the annual report's
deadlines and the inspection, the rating's two-year rule and grades, sanctions and the lists,
complaints, and targets 6.2, 6.4–6.6 on records whose figures are worked by hand below."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.core.messaging import read_outbox
from minzheng.core.models import AuditEvent
from minzheng.regions.models import Region
from minzheng.socialorgs import indicators, rules, services
from minzheng.socialorgs.models import (
    AnnualReport,
    Channel,
    Complaint,
    Organisation,
    OrganisationStatus,
)
from tests.conftest import PASSWORD

D = dt.date


@pytest.fixture
def so(jingmen, users, people):
    people["zhang"].phone = "13900000001"
    people["zhang"].save()
    return {**jingmen, **users, **people}


def _fields(response) -> dict:
    out: dict[str, str] = {}
    for e in response.json().get("errors") or []:
        out[e["field"]] = out.get(e["field"], "") + e["message"]
    return out


def _signup_and_token(client, username="yangguang", id_number=None, name="张三"):
    from tests.conftest import make_id

    r = client.post(
        "/api/v1/socialorgs/signup",
        {
            "id_number": id_number or make_id("420802", "19800101", 11),
            "name": name,
            "phone": "13911112222",
            "username": username,
            "password": PASSWORD,
        },
        content_type="application/json",
    )
    assert r.status_code == 202, r.content
    sms = read_outbox(phone="13900000001", purpose=services.SIGNUP_PURPOSE)
    code = sms[-1].text.split("验证码")[1][:6]
    r = client.post(
        "/api/v1/socialorgs/signup/activate",
        {"username": username, "code": code},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    return r.json()["token"]


def _apply(client, token, **over):
    data = {
        "name": "东宝区阳光公益服务中心",
        "kind": "service_org",
        "field": "charity",
        "registry_code": "420802",
        "region_code": "420802001",
        "address": "龙泉路8号",
        "capital_fen": str(30_000_00),
        "purpose": "开展公益慈善服务",
        "phone": "0724-2345678",
        "articles": SimpleUploadedFile("章程.pdf", b"%PDF-1.4 articles", "application/pdf"),
    }
    data.update(over)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(
        "/api/v1/socialorgs/applications", data, HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def _token(client, username):
    r = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    )
    return r.json()["token"]


def _post(client, token, url, data=None):
    return client.post(
        url, data or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


# ---------------------------------------------------------------- registration


@pytest.mark.parametrize(
    "kind, field, name, capital_fen, supervisor",
    [
        ("social_group", "trade", "东宝区餐饮行业协会", 30_000_00, ""),
        ("service_org", "education", "东宝区启航培训学校", 10_000_00, "东宝区教育局"),
        ("foundation", "charity", "东宝区爱心慈善基金会", 2_000_000_00, ""),
    ],
)
def test_each_kind_registers_online_end_to_end(
    so, client, calendar_2016, kind, field, name, capital_fen, supervisor
):
    token = _signup_and_token(client)
    r = _apply(
        client,
        token,
        name=name,
        kind=kind,
        field=field,
        capital_fen=str(capital_fen),
        supervising_unit=supervisor,
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "pending" and body["channel"] == "online"
    assert body["legal_representative"] == "张三"  # the person identified at sign-up
    org = Organisation.objects.get(pk=body["id"])
    assert org.articles.read().startswith(b"%PDF")  # decrypted on reading
    assert (
        not org.articles.path.endswith(".pdf")
        or b"articles" not in open(org.articles.path, "rb").read()
    )  # ciphertext at rest
    approver = _token(client, "dongbao_approver")
    r = _post(client, approver, f"/api/v1/socialorgs/organisations/{org.pk}/approve")
    assert r.status_code == 200, r.content
    code = r.json()["credit_code"]
    assert (
        len(code) == 18
        and code[:2] == "5" + {"social_group": "1", "service_org": "2", "foundation": "3"}[kind]
    )
    assert code[-1] == rules.check_character(code[:17])
    r = client.get(
        f"/api/v1/socialorgs/organisations/{org.pk}/certificate",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(object_type="socialorgs.organisation").count() >= 2


def test_name_and_capital_refusals_are_field_errors(so, client):
    token = _signup_and_token(client)
    r = _apply(client, token, name="中国阳光服务中心", capital_fen="100")
    assert r.status_code == 422
    errors = _fields(r)
    assert (
        "东宝区" in errors["name"]
        and "社会服务机构的注册资金不得少于10,000元" in errors["capital_fen"]
    )
    r = _apply(client, token, name="东宝区阳光协会")  # a social group's word for a service org
    assert "组织形式" in _fields(r)["name"]
    r = _apply(client, token, kind="social_group", field="culture", name="东宝区书法家协会")
    assert "业务主管单位" in _fields(r)["supervising_unit"]
    r = _apply(client, token, articles=None)
    assert "请上传章程" in _fields(r)["articles"]


@pytest.mark.parametrize(
    "name, kind, ok",
    [
        ("东宝区阳光社会工作服务中心", "service_org", True),
        ("东宝阳光社会工作服务中心", "service_org", True),  # the short name of the district
        ("阳光社会工作服务中心", "service_org", False),
        ("东宝区爱心基金会", "social_group", False),  # 基金会 is a foundation's form
        ("东宝区爱心基金会", "foundation", True),
        ("东宝区国际交流协会", "social_group", False),
    ],
)
def test_name_rules(jingmen, name, kind, ok):
    assert (rules.name_errors(name, kind=kind, registry=jingmen["dongbao"]) == []) is ok


def test_duplicate_name_and_scope(so, client):
    token = _signup_and_token(client)
    r = _apply(client, token)
    org_id = r.json()["id"]
    # Another county's approver, and the city section (a county registry's application), cannot.
    from tests.conftest import make_user

    make_user("zx", "county_approver", so["zhongxiang"])
    r = _post(client, _token(client, "zx"), f"/api/v1/socialorgs/organisations/{org_id}/approve")
    assert r.status_code == 404
    r = _post(
        client, _token(client, "city_section"), f"/api/v1/socialorgs/organisations/{org_id}/approve"
    )
    assert r.status_code == 403
    # The same name at the same registry is refused while the first is live.
    second = _signup_and_token(client, username="other", id_number=None)
    assert second
    assert services.check_name(
        "东宝区阳光公益服务中心", kind="service_org", registry=so["dongbao"]
    ) == ["同一登记管理机关已有同名的社会组织"]
    r = _post(
        client,
        _token(client, "dongbao_approver"),
        f"/api/v1/socialorgs/organisations/{org_id}/refuse",
        {"reason": ""},
    )
    assert r.status_code == 422


def test_registration_deadline_counts_sixty_working_days(calendar_2016):
    # From Friday 1 Apr 2016 (2–4 Apr 清明 off): April 5–29 gives 19 working days; May, with
    # 2 May off, 21 (40); June 1–8 gives 6 (46), Sunday 12 Jun is worked after the Dragon Boat
    # days off 9–11 Jun (47), 13–24 Jun 10 (57), 27, 28, 29 Jun (60).
    assert rules.registration_due(D(2016, 4, 1)) == D(2016, 6, 29)


# ---------------------------------------------------------------- annual reports


@pytest.mark.parametrize(
    "registered, ended, supervisor, filed, supervisor_on, today, state",
    [
        (D(2016, 12, 31), None, False, None, None, D(2017, 3, 1), "open"),
        (D(2017, 1, 1), None, False, None, None, D(2017, 6, 1), "not_due"),  # registered after
        (D(2015, 5, 1), D(2017, 5, 31), False, None, None, D(2017, 6, 1), "not_due"),  # ended
        (D(2015, 5, 1), D(2017, 6, 1), False, None, None, D(2017, 6, 2), "overdue"),
        (D(2015, 5, 1), None, True, None, None, D(2017, 3, 31), "open"),
        (D(2015, 5, 1), None, True, None, None, D(2017, 4, 1), "supervisor_late"),
        (D(2015, 5, 1), None, False, None, None, D(2017, 5, 31), "open"),
        (D(2015, 5, 1), None, False, None, None, D(2017, 6, 1), "overdue"),
        (D(2015, 5, 1), None, True, D(2017, 5, 31), D(2017, 3, 20), D(2017, 7, 1), "filed"),
        (D(2015, 5, 1), None, False, D(2017, 6, 1), None, D(2017, 7, 1), "filed_late"),
    ],
)
def test_report_deadlines(registered, ended, supervisor, filed, supervisor_on, today, state):
    assert (
        rules.report_state(
            registered_on=registered,
            ended_on=ended,
            has_supervisor=supervisor,
            year=2016,
            filed_on=filed,
            supervisor_on=supervisor_on,
            today=today,
        )
        == state
    )


def _org(region, registry, name, *, registered, channel=Channel.ONLINE, **extra):
    return Organisation.objects.create(
        name=name,
        kind="social_group",
        field="trade",
        status=extra.pop("status", OrganisationStatus.REGISTERED),
        registry=registry,
        region=region,
        address="x",
        purpose="x",
        channel=channel,
        applied_at=dt.datetime(2010, 1, 1, tzinfo=dt.UTC),
        registered_on=registered,
        **extra,
    )


def test_report_filed_and_inspected(so, client):
    org = _org(so["longquan"], so["dongbao"], "东宝区商会", registered=D(2015, 3, 1))
    staff = _token(client, "dongbao_approver")
    report = {
        "year": 2015,
        "income_fen": 100_00,
        "expenditure_fen": 90_00,
        "net_assets_fen": 10_00,
        "staff": 2,
        "activities": "会员服务",
        "on": "2016-05-20",
    }
    r = _post(client, staff, f"/api/v1/socialorgs/organisations/{org.pk}/reports", report)
    assert r.status_code == 201, r.content
    r2 = _post(client, staff, f"/api/v1/socialorgs/organisations/{org.pk}/reports", report)
    assert r2.status_code == 409
    rid = r.json()["id"]
    r = _post(client, staff, f"/api/v1/socialorgs/reports/{rid}/inspect", {"conclusion": "basic"})
    assert "年检意见" in _fields(r)["remarks"]
    r = _post(
        client,
        staff,
        f"/api/v1/socialorgs/reports/{rid}/inspect",
        {"conclusion": "basic", "remarks": "财务不规范", "on": "2016-06-10"},
    )
    assert r.status_code == 200 and r.json()["conclusion_label"] == "基本合格"


# ---------------------------------------------------------------- ratings


@pytest.mark.parametrize(
    "registered, applied, ok",
    [
        (D(2014, 3, 1), D(2016, 3, 1), True),  # two full years on the day
        (D(2014, 3, 1), D(2016, 2, 29), False),
        (D(2014, 2, 28), D(2016, 2, 28), True),
        (D(2016, 2, 29), D(2018, 2, 28), True),  # 29 Feb: the anniversary is 28 Feb
        (None, D(2016, 3, 1), False),
    ],
)
def test_rating_two_year_rule(registered, applied, ok):
    assert rules.may_be_rated(registered, applied) is ok


@pytest.mark.parametrize(
    "score, grade",
    [
        (1000, "5A"),
        (900, "5A"),
        (899, "4A"),
        (800, "4A"),
        (700, "3A"),
        (600, "2A"),
        (500, "1A"),
        (499, "none"),
        (0, "none"),
    ],
)
def test_grade_thresholds(score, grade):
    assert rules.grade_for(score, D(2016, 6, 1)) == grade


def test_rating_flow(so, client):
    young = _org(so["longquan"], so["dongbao"], "东宝区青年商会", registered=D(2025, 1, 1))
    old = _org(so["longquan"], so["dongbao"], "东宝区老年人协会", registered=D(2014, 1, 1))
    staff = _token(client, "dongbao_approver")
    r = _post(
        client,
        staff,
        f"/api/v1/socialorgs/organisations/{young.pk}/ratings",
        {"on": str(D(2026, 1, 1))},
    )
    assert r.status_code == 409 and "满两年" in r.json()["detail"] + str(_fields(r))
    r = _post(
        client, staff, f"/api/v1/socialorgs/organisations/{old.pk}/ratings", {"on": "2016-03-01"}
    )
    assert r.status_code == 201
    r = _post(
        client,
        staff,
        f"/api/v1/socialorgs/ratings/{r.json()['id']}/grade",
        {"score": 812, "on": "2016-06-30"},
    )
    assert r.json()["grade"] == "4A" and r.json()["valid_until"] == "2021-06-29"


# ---------------------------------------------------------------- supervision and lists


def test_sanctions_and_lists(so, client):
    org = _org(so["longquan"], so["dongbao"], "东宝区书画协会", registered=D(2014, 1, 1))
    staff = _token(client, "dongbao_approver")
    url = f"/api/v1/socialorgs/organisations/{org.pk}"
    r = _post(client, staff, f"{url}/measures", {"kind": "fine", "findings": "违规收费"})
    assert "罚款金额" in _fields(r)["amount_fen"]
    r = _post(
        client,
        staff,
        f"{url}/measures",
        {"kind": "fine", "findings": "违规收费", "amount_fen": 500000},
    )
    assert r.status_code == 201
    r = _post(client, staff, f"{url}/lists", {"list": "abnormal", "reason": "住所无法联系"})
    assert r.status_code == 201
    entry = r.json()["id"]
    assert (
        _post(client, staff, f"{url}/lists", {"list": "abnormal", "reason": "again"}).status_code
        == 409
    )
    # Listed: no rating application.
    assert _post(client, staff, f"{url}/ratings", {}).status_code == 409
    r = _post(client, staff, f"/api/v1/socialorgs/lists/{entry}/remove", {"reason": "已恢复联系"})
    assert r.status_code == 200 and r.json()["removed_on"]
    r = _post(client, staff, f"{url}/measures", {"kind": "revocation", "findings": "严重违法"})
    assert r.json()["organisation_status"] == "revoked"
    org.refresh_from_db()
    assert org.status == "revoked" and org.ended_on


def test_change_request_approved(so, client):
    org = _org(so["longquan"], so["dongbao"], "东宝区花卉商会", registered=D(2014, 1, 1))
    staff = _token(client, "dongbao_approver")
    r = _post(
        client,
        staff,
        f"/api/v1/socialorgs/organisations/{org.pk}/requests",
        {
            "kind": "change",
            "changes": {"name": "东宝区园艺商会", "capital_fen": 50_000_00},
            "reason": "更名",
        },
    )
    assert r.status_code == 201, r.content
    r = _post(
        client, staff, f"/api/v1/socialorgs/requests/{r.json()['id']}/decide", {"approve": True}
    )
    assert r.status_code == 200
    org.refresh_from_db()
    assert org.name == "东宝区园艺商会" and org.capital_fen == 50_000_00


def test_legal_representative_changed_through_the_html_form(so, client):
    """The organisation asks on its page to change its legal representative: an ID number and
    name that do not match the population registry are refused next to the field; the right
    pair files the request, the registry sees it by label and name, and approval applies it."""
    from minzheng.accounts.models import Role, User
    from minzheng.socialorgs.models import OrganisationAccount, OrganisationRequest
    from tests.conftest import make_id

    org = _org(
        so["longquan"],
        so["dongbao"],
        "东宝区花卉商会",
        registered=D(2014, 1, 1),
        legal_representative=so["zhang"],
    )
    user = User.objects.create_user("huahui", password=PASSWORD, role=Role.ORGANISATION)
    OrganisationAccount.objects.create(user=user, organisation=org, person=so["zhang"])
    client.force_login(user)
    form = {"change-kind": "change", "change-reason": "换届", "change-legal_name": "李梅"}
    r = client.post(
        "/socialorgs/mine/change/",
        {**form, "change-legal_id_number": make_id("420802", "19820202", 23)},
    )
    assert r.status_code == 422
    assert "人口库中没有与该身份证号码和姓名一致的在世人员" in r.content.decode()
    assert not OrganisationRequest.objects.exists()
    r = client.post(
        "/socialorgs/mine/change/",
        {**form, "change-legal_id_number": make_id("420802", "19820202", 22)},
    )
    assert r.status_code == 302
    row = OrganisationRequest.objects.get()
    assert row.changes == {"legal_representative": so["li"].pk}
    client.force_login(so["dongbao_approver"])
    page = client.get(f"/socialorgs/organisations/{org.pk}/").content.decode()
    assert "法定代表人：李梅" in page and "legal_representative" not in page
    r = client.post(f"/socialorgs/organisations/{org.pk}/decide_approve/", {"target": str(row.pk)})
    assert r.status_code == 302
    org.refresh_from_db()
    assert org.legal_representative_id == so["li"].pk


# ---------------------------------------------------------------- complaints


def test_complaint_flow_and_privacy(so, client):
    r = client.post(
        "/api/v1/socialorgs/complaints",
        {
            "subject": "unregistered",
            "content": "以协会名义收费",
            "subject_name": "某国学会",
            "region_code": "420802001",
            "complainant_name": "周一",
            "complainant_phone": "13900001111",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    row = Complaint.objects.get(number=r.json()["number"])
    assert row.registry == so["dongbao"]
    from tests.conftest import make_user

    make_user("zx2", "county_approver", so["zhongxiang"])
    assert (
        client.get(
            f"/api/v1/socialorgs/complaints/{row.pk}",
            HTTP_AUTHORIZATION=f"Bearer {_token(client, 'zx2')}",
        ).status_code
        == 404
    )
    staff = _token(client, "dongbao_approver")
    r = _post(client, staff, f"/api/v1/socialorgs/complaints/{row.pk}/reply", {"reply": "已查处"})
    assert "调查情况" in _fields(r)["reply"]
    _post(client, staff, f"/api/v1/socialorgs/complaints/{row.pk}/notes", {"note": "已约谈"})
    r = _post(client, staff, f"/api/v1/socialorgs/complaints/{row.pk}/reply", {"reply": "已查处"})
    assert r.json()["status"] == "closed"
    r = client.post(
        "/api/v1/socialorgs/complaints",
        {"subject": "unregistered", "content": "x"},
        content_type="application/json",
    )
    assert {"subject_name", "region_code", "complainant_name", "complainant_phone"} <= set(
        _fields(r)
    )


def test_public_register_has_no_personal_data(so, client):
    org = _org(
        so["longquan"],
        so["dongbao"],
        "东宝区公开协会",
        registered=D(2014, 1, 1),
        legal_representative=so["zhang"],
        credit_code="51420802MJ0000001X",
    )
    r = client.get("/api/v1/socialorgs/public/organisations", {"q": "公开"})
    assert r.status_code == 200
    row = r.json()["items"][0]
    assert row["legal_representative"] == "张三" and "phone" not in row and "id_number" not in row
    page = client.get(f"/socialorgs/public/{org.credit_code}/")
    assert page.status_code == 200 and "13900000001" not in page.content.decode()


# ---------------------------------------------------------------- indicators


def test_indicators_worked_by_hand(so):
    d, z, lq = so["dongbao"], so["zhongxiang"], so["longquan"]
    yz = so["yingzhong"]
    # 2016: 3 registered in 东宝区 (2 online), 1 in 钟祥市 at the window; one in 2015.
    _org(lq, d, "a", registered=D(2016, 2, 1))
    _org(lq, d, "b", registered=D(2016, 5, 1))
    _org(lq, d, "c", registered=D(2016, 8, 1), channel=Channel.WINDOW)
    _org(yz, z, "d", registered=D(2016, 3, 1), channel=Channel.WINDOW)
    old = _org(lq, d, "e", registered=D(2015, 3, 1))
    older = _org(yz, z, "f", registered=D(2014, 3, 1))
    gone = _org(yz, z, "g", registered=D(2013, 3, 1), ended_on=D(2016, 4, 1))  # not due 2015
    regions = list(Region.objects.prefetch_related("members"))
    on = D(2016, 6, 30)
    new = indicators.new_social_orgs(regions, on)
    assert new["420800"] == 3 and new["420802"] == 2 and new["420881"] == 1  # 8 Aug not yet
    online = indicators.online_registration_rate(regions, on)
    assert online["420802"] == Decimal(100) and online["420881"] == Decimal(0)
    assert online["420800"] == Decimal(2) / 3 * 100
    # Inspection of 2015 reports: due e, f (a–d registered 2016, g ended before 31 May 2016).
    for org, inspected in ((old, D(2016, 6, 1)), (older, None), (gone, D(2016, 3, 1))):
        AnnualReport.objects.create(
            organisation=org,
            year=2015,
            income_fen=0,
            expenditure_fen=0,
            net_assets_fen=0,
            staff=0,
            activities="x",
            filed_on=D(2016, 3, 1),
            channel="online",
            conclusion="qualified" if inspected else "",
            inspected_on=inspected,
        )
    rate = indicators.inspection_rate(regions, on)
    assert rate["420800"] == Decimal(50) and rate["420802"] == Decimal(100)
    assert rate["420881"] == Decimal(0)
    # Complaints of 2016: one closed, one past its deadline, one still within it → 1 ÷ 2.
    for n, (received, due, closed) in enumerate(
        [
            (D(2016, 3, 1), D(2016, 4, 12), D(2016, 4, 1)),
            (D(2016, 4, 1), D(2016, 5, 16), None),
            (D(2016, 6, 20), D(2016, 8, 1), None),
        ]
    ):
        Complaint.objects.create(
            number=f"T{n}",
            subject="unregistered",
            subject_name="x",
            region=lq,
            registry=d,
            content="x",
            complainant_name="x",
            complainant_phone="x",
            received_on=received,
            due_on=due,
            status="closed" if closed else "filed",
            closed_on=closed,
        )
    assert indicators.complaints_rate(regions, on)["420802"] == Decimal(50)

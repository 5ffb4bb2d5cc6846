"""Social work: the talent ledger (entry through the population registry, spreadsheet export and
import with every bad row reported), scope (another county reads 404), purchased-service and
three-social-linkage projects with milestones and acceptance, public-benefit venture funding
(call → an organisation account's application → reviewers' scores → average and ranking →
awards never over the budget, also concurrently on PostgreSQL → acceptance) and the plan's
targets 5.1, 6.1, 7.2 and 7.3 on records whose figures are worked by hand below."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from minzheng.accounts.models import Role
from minzheng.core import sheets
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.regions.models import Region
from minzheng.socialorgs.models import Organisation, OrganisationAccount
from minzheng.socialwork import indicators, services
from minzheng.socialwork.models import Project, SocialWorker
from tests.conftest import make_user

D = dt.date


def _org(name, region, registry, status="registered"):
    return Organisation.objects.create(
        name=name,
        kind="service_org",
        field="charity",
        status=status,
        registry=registry,
        region=region,
        address="某路1号",
        purpose="社会工作服务",
        channel="online",
        applied_at=timezone.now(),
        registered_on=D(2015, 5, 1) if status == "registered" else None,
    )


@pytest.fixture
def sw(jingmen, users, people):
    dongbao, zhongxiang = jingmen["dongbao"], jingmen["zhongxiang"]
    sun = _org("东宝区阳光社会工作服务中心", jingmen["longquan"], dongbao)
    ying = _org("钟祥市郢中社工服务社", jingmen["yingzhong"], zhongxiang)
    pending = _org("东宝区待登记服务中心", jingmen["longquan"], dongbao, status="pending")
    account = make_user("org_user", Role.ORGANISATION, dongbao)
    OrganisationAccount.objects.create(user=account, organisation=sun)
    other = make_user("org_other", Role.ORGANISATION, zhongxiang)
    OrganisationAccount.objects.create(user=other, organisation=ying)
    return {
        **jingmen,
        **users,
        **people,
        "sun": sun,
        "ying": ying,
        "pending": pending,
        "org_user": account,
        "org_other": other,
        "zhongxiang_approver": make_user("zx_approver", Role.COUNTY_APPROVER, zhongxiang),
    }


def _fields(response) -> dict:
    return {e["field"]: e["message"] for e in response.json().get("errors") or []}


def _worker(w, person, org=None, level="assistant", user="dongbao_approver"):
    return services.add_worker(
        user=w[user],
        id_number=person.id_number,
        level=level,
        certificate_number="2015420800001" if level != "none" else "",
        certificate_year=2015 if level != "none" else None,
        organisation_id=(org or w["sun"]).pk,
        post="一线社工",
    )


def _regions():
    return Region.objects.prefetch_related("members")


# ---------------------------------------------------------------- ledger


BASE = {"level": "assistant", "certificate_number": "2015420800001", "certificate_year": 2015}


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"certificate_number": ""}, "certificate_number", "持证社工请填写证书编号"),
        ({"certificate_year": 2007}, "certificate_year", "取得证书年度应在2008年"),
        ({"level": "none"}, "certificate_number", "未取得职业水平证书"),
        ({"id_number": "420802198001011234"}, "id_number", "身份证号码格式不正确"),
        ({"organisation_id": None}, "employer_name", "请选择社会组织或填写工作单位"),
        ({"post": ""}, "post", "请填写岗位"),
    ],
)
def test_ledger_entry_refuses_with_field_messages(sw, api_client, change, field, message):
    api_client.login("dongbao_approver")
    body = {
        "id_number": sw["zhang"].id_number,
        "organisation_id": sw["sun"].pk,
        "post": "一线社工",
        **BASE,
        **change,
    }
    r = api_client.post("/api/v1/socialwork/workers", body)
    assert r.status_code == 422, r.content
    assert message in _fields(r)[field]
    assert not SocialWorker.objects.exists()


def test_ledger_entry_scope_and_masking(sw, api_client):
    api_client.login("dongbao_approver")
    body = {"id_number": sw["zhang"].id_number, "organisation_id": sw["sun"].pk, "post": "督导"}
    r = api_client.post("/api/v1/socialwork/workers", body | BASE)
    assert r.status_code == 201, r.content
    worker = r.json()
    assert (worker["name"], worker["level_label"], worker["region_code"]) == (
        "张三",
        "助理社会工作师",
        "420802001",
    )
    assert AuditEvent.objects.filter(
        object_type="socialwork.socialworker", object_id=str(worker["id"]), action="create"
    ).exists()
    # the same person twice: 409; a person of another county is not found in the registry
    assert api_client.post("/api/v1/socialwork/workers", body | BASE).status_code == 409
    r = api_client.post(
        "/api/v1/socialwork/workers", body | BASE | {"id_number": sw["wang"].id_number}
    )
    assert "人口库中没有" in _fields(r)["id_number"]
    # an organisation of 钟祥市 is outside 东宝区
    r = api_client.post(
        "/api/v1/socialwork/workers",
        body | BASE | {"id_number": sw["li"].id_number, "organisation_id": sw["ying"].pk},
    )
    assert "不在管辖范围内" in _fields(r)["organisation_id"]
    # another county reads 404 (API and page); the city reads it; the leader masked
    api_client.login("zx_approver")
    assert api_client.get(f"/api/v1/socialwork/workers/{worker['id']}").status_code == 404
    api_client.login("city_section")
    assert api_client.get(f"/api/v1/socialwork/workers/{worker['id']}").json()["name"] == "张三"
    api_client.login("leader")
    assert api_client.get(f"/api/v1/socialwork/workers/{worker['id']}").json()["name"] == "张*"
    r = api_client.post("/api/v1/socialwork/workers", body | BASE)
    assert r.status_code == 403


def test_ledger_pages_scope_404(sw, client):
    w = _worker(sw, sw["zhang"])
    client.force_login(sw["zhongxiang_approver"])
    assert client.get(f"/socialwork/workers/{w.pk}/").status_code == 404
    client.force_login(sw["dongbao_approver"])
    page = client.get(f"/socialwork/workers/{w.pk}/")
    assert page.status_code == 200 and "助理社会工作师" in page.content.decode()


def test_training_hours_per_year(sw, api_client):
    w = _worker(sw, sw["zhang"])
    api_client.login("dongbao_approver")
    today = timezone.localdate()
    for hours, on in ((8, today), (16, today), (40, D(today.year - 1, 6, 1))):
        r = api_client.post(
            f"/api/v1/socialwork/workers/{w.pk}/trainings",
            {"title": "继续教育", "hours": hours, "on": on.isoformat()},
        )
        assert r.status_code == 201, r.content
    r = api_client.post(f"/api/v1/socialwork/workers/{w.pk}/trainings", {"title": "", "hours": 8})
    assert r.status_code == 422
    from minzheng.socialwork.selectors import training_hours

    assert training_hours([w.pk], today.year) == {w.pk: 24}  # 8 + 16, last year's 40 apart
    assert training_hours([w.pk], today.year - 1) == {w.pk: 40}


def test_ledger_import_reports_every_bad_row_and_export_reads_back(sw, client):
    _worker(sw, sw["zhang"])  # already in the ledger
    header = "身份证号码,职业水平,证书编号,取得证书年度,工作单位,所在地区划代码,岗位"
    li, zhang, wang = sw["li"].id_number, sw["zhang"].id_number, sw["wang"].id_number
    lines = [
        header,
        f"{li},社会工作师,2016420800002,2016,东宝区阳光社会工作服务中心,,项目主管",  # row 2 good
        "4208021980,无,,,东宝区阳光社会工作服务中心,,社工",  # row 3: bad ID
        f"{zhang},无,,,东宝区阳光社会工作服务中心,,社工",  # row 4: already in the ledger
        f"{wang},无,,,某单位,420881001,社工",  # row 5: not in the user's registry
        f"{li},社工大师,,,某单位,,",  # row 6: level, region, post
        f"{li},助理社会工作师,,2030,东宝区阳光社会工作服务中心,,社工",  # row 7: certificate
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    client.force_login(sw["dongbao_approver"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        "/socialwork/workers/",
        {"import": "1", "file": SimpleUploadedFile("ledger.csv", data, "text/csv")},
    )
    assert r.status_code == 422
    page = r.content.decode()
    assert "共 6 行，导入 1 人，有误 5 行" in page and "第3行" in page
    from minzheng.socialwork import imports

    # the same file again: row 2 is now in the ledger as well
    result = imports.import_workers(user=sw["dongbao_approver"], data=data, name="ledger.csv")
    assert (result["rows"], result["added"], result["rejected"]) == (6, 0, 6)
    by_row = {e["row"]: e["fields"] for e in result["errors"]}
    assert set(by_row) == {2, 3, 4, 5, 6, 7}
    assert "已在社工人才台账中" in by_row[2]["id_number"]
    assert "格式不正确" in by_row[3]["id_number"]
    assert "已在社工人才台账中" in by_row[4]["id_number"]
    assert "人口库中没有" in by_row[5]["id_number"]  # 王五 of 钟祥市, outside 东宝区
    assert set(by_row[6]) == {"id_number", "level", "region_code", "post"}
    assert set(by_row[7]) == {"id_number", "certificate_number", "certificate_year"}
    li_worker = SocialWorker.objects.get(person=sw["li"])
    assert (li_worker.level, li_worker.certificate_year, li_worker.organisation) == (
        "social_worker",
        2016,
        sw["sun"],
    )
    assert AuditEvent.objects.filter(object_type="socialwork.socialworker", action="import")
    # export: the columns the import reads, one row per entry in scope
    r = client.get("/socialwork/workers/export/")
    rows = sheets.read_rows(io.BytesIO(r.content).getvalue(), name="x.xlsx")
    assert rows[0][:8] == ["身份证号码", "姓名", *header.split(",")[1:]]
    assert sorted(row[1] for row in rows[1:]) == ["张三", "李梅"]
    client.force_login(sw["leader"])
    assert client.get("/socialwork/workers/export/").status_code == 404


def test_import_row_of_another_county_is_refused(sw):
    from minzheng.socialwork import imports

    header = "身份证号码,职业水平,证书编号,取得证书年度,工作单位,所在地区划代码,岗位"
    data = f"{header}\n{sw['wang'].id_number},无,,,郢中某单位,420881001,社工\n".encode()
    result = imports.import_workers(user=sw["dongbao_approver"], data=data)
    assert result["added"] == 0
    assert "人口库中没有" in result["errors"][0]["fields"]["id_number"]
    result = imports.import_workers(user=sw["city_section"], data=data)
    assert result["added"] == 1  # the city: 王五 works for a named unit in 郢中街道


# ---------------------------------------------------------------- projects


def test_purchased_project_milestones_and_acceptance(sw, api_client):
    zhang = _worker(sw, sw["zhang"])
    wang = _worker(sw, sw["wang"], org=sw["ying"], user="city_section")
    api_client.login("dongbao_approver")
    body = {
        "kind": "purchased",
        "name": "东宝区为老社会工作服务项目",
        "organisation_id": sw["sun"].pk,
        "worker_ids": [zhang.pk],
        "service": "空巢老人探访",
        "budget_fen": 20_000_000,
        "starts_on": "2016-03-01",
        "ends_on": "2016-12-31",
    }
    r = api_client.post("/api/v1/socialwork/projects", body | {"worker_ids": [wang.pk]})
    assert "不在管辖范围内" in _fields(r)["worker_ids"]
    r = api_client.post("/api/v1/socialwork/projects", body | {"ends_on": "2016-01-01"})
    assert "结束日期不能早于开始日期" in _fields(r)["ends_on"]
    r = api_client.post("/api/v1/socialwork/projects", body | {"organisation_id": sw["pending"].pk})
    assert "未登记" in _fields(r)["organisation_id"]
    r = api_client.post("/api/v1/socialwork/projects", body)
    assert r.status_code == 201, r.content
    p = r.json()
    assert (p["region_code"], p["funding_source"], p["worker_ids"]) == (
        "420802",
        "county",
        [zhang.pk],
    )
    accept = {"passed": True, "note": "合格", "on": "2016-12-20"}
    r = api_client.post(f"/api/v1/socialwork/projects/{p['id']}/acceptance", accept)
    assert "没有节点记录" in _fields(r)["passed"]
    r = api_client.post(
        f"/api/v1/socialwork/projects/{p['id']}/milestones",
        {"title": "中期评估", "due_on": "2015-12-01"},
    )
    assert "不能早于项目开始日期" in _fields(r)["due_on"]
    m = api_client.post(
        f"/api/v1/socialwork/projects/{p['id']}/milestones",
        {"title": "中期评估", "due_on": "2016-07-01"},
    ).json()
    r = api_client.post(f"/api/v1/socialwork/projects/{p['id']}/acceptance", accept)
    assert "未完成的项目节点" in _fields(r)["passed"]
    # another county: 404 for the project and its milestone
    api_client.login("zx_approver")
    assert api_client.get(f"/api/v1/socialwork/projects/{p['id']}").status_code == 404
    assert api_client.post(f"/api/v1/socialwork/milestones/{m['id']}/done", {}).status_code == 404
    api_client.login("dongbao_approver")
    r = api_client.post(
        f"/api/v1/socialwork/milestones/{m['id']}/done", {"on": "2016-07-02", "note": "完成"}
    )
    assert r.json()["done_on"] == "2016-07-02"
    r = api_client.post(f"/api/v1/socialwork/projects/{p['id']}/acceptance", accept)
    assert (r.json()["status"], r.json()["accepted_on"]) == ("accepted", "2016-12-20")
    assert (
        api_client.post(f"/api/v1/socialwork/projects/{p['id']}/acceptance", accept).status_code
        == 409
    )
    assert (
        AuditEvent.objects.filter(object_type="socialwork.project", object_id=str(p["id"])).count()
        == 2
    )
    # the organisation sees its own project, the other organisation does not
    api_client.login("org_user")
    assert api_client.get(f"/api/v1/socialwork/projects/{p['id']}").status_code == 200
    api_client.login("org_other")
    assert api_client.get(f"/api/v1/socialwork/projects/{p['id']}").status_code == 404


def _linkage(w, community, accept_on=None, passed=True, user="dongbao_approver"):
    worker = SocialWorker.objects.first()
    p = services.create_project(
        user=w[user],
        kind="linkage",
        name="三社联动",
        region_code=community.code,
        organisation_id=(w["sun"] if community.code.startswith("420802") else w["ying"]).pk,
        worker_ids=[worker.pk],
        service="社区服务",
        starts_on=D(2016, 1, 4),
        ends_on=D(2016, 12, 31),
    )
    m = services.add_milestone(user=w[user], project=p, title="评估", due_on=D(2016, 3, 1))
    services.complete_milestone(user=w[user], milestone_id=m.pk, on=D(2016, 3, 1))
    if accept_on:
        p = services.accept_project(user=w[user], project=p, passed=passed, note="x", on=accept_on)
    return p


def test_linkage_counts_once_per_community_only_when_accepted(sw):
    _worker(sw, sw["zhang"], level="none")
    with pytest.raises(ServiceError) as exc:
        _linkage(sw, sw["lixi_village"])  # a rural village is not a community
    assert "城镇社区" in exc.value.errors["region_code"][0]
    _linkage(sw, sw["longquan_community"], D(2016, 6, 1))
    _linkage(sw, sw["longquan_community"], D(2016, 9, 1))  # the same community again
    _linkage(sw, sw["longquan_community"])  # under way
    _linkage(sw, sw["yingzhong_community"], D(2016, 10, 1), user="city_section")
    failed = _linkage(
        sw, sw["yingzhong_community"], D(2016, 7, 1), passed=False, user="city_section"
    )
    assert failed.status == "failed"

    def on(day):
        return indicators.linkage_communities(_regions(), day)

    # 31 May: nothing accepted yet; 1 Jun: 龙泉社区; 1 Jul: 郢中社区's failed one does not count;
    # 1 Oct: 郢中社区 passed → the city has 2 communities although 龙泉社区 has two projects.
    assert on(D(2016, 5, 31))["420800"] == 0
    assert [on(D(2016, 6, 1))[c] for c in ("420802001001", "420802", "420800")] == [1, 1, 1]
    assert on(D(2016, 7, 1))["420881"] == 0
    out = on(D(2016, 10, 1))
    assert [out[c] for c in ("420802001001", "420881001001", "420802", "420881", "420800")] == [
        1,
        1,
        1,
        1,
        2,
    ]


# ---------------------------------------------------------------- venture funding


def _call(w, api_client, budget=1_000_000, opens=None, closes=None):
    today = timezone.localdate()
    api_client.login("city_section")
    r = api_client.post(
        "/api/v1/socialwork/calls",
        {
            "name": "市公益创投",
            "year": today.year,
            "budget_fen": budget,
            "funding_source": "city",
            "opens_on": (opens or today - dt.timedelta(days=5)).isoformat(),
            "closes_on": (closes or today + dt.timedelta(days=5)).isoformat(),
            "categories": ["elderly", "children"],
            "reviewer_ids": [w["city_section"].pk, w["dongbao_approver"].pk],
        },
    )
    assert r.status_code == 201, r.content
    return r.json()


def _apply(api_client, call_id, user, amount=600_000, category="elderly"):
    api_client.login(user)
    return api_client.post(
        f"/api/v1/socialwork/calls/{call_id}/applications",
        {"title": "乐龄互助", "category": category, "amount_fen": amount, "plan": "探访空巢老人"},
    )


def test_venture_call_to_acceptance(sw, api_client):
    call = _call(sw, api_client)
    api_client.login("city_section")
    r = api_client.post(
        "/api/v1/socialwork/calls",
        {
            "name": "x",
            "year": 2016,
            "budget_fen": 1,
            "funding_source": "county",
            "opens_on": "2016-05-01",
            "closes_on": "2016-04-01",
            "categories": [],
            "reviewer_ids": [sw["org_user"].pk],
        },
    )
    errors = _fields(r)
    assert set(errors) == {"funding_source", "closes_on", "categories", "reviewer_ids"}
    # staff cannot apply; a category outside the call; too much; then the two organisations
    assert _apply(api_client, call["id"], "dongbao_approver").status_code == 403
    r = _apply(api_client, call["id"], "org_user", category="poverty")
    assert "资助类别" in _fields(r)["category"]
    r = _apply(api_client, call["id"], "org_user", amount=1_000_001)
    assert "不能超过资助总额" in _fields(r)["amount_fen"]
    a = _apply(api_client, call["id"], "org_user").json()
    assert _apply(api_client, call["id"], "org_user").status_code == 409
    b = _apply(api_client, call["id"], "org_other", amount=500_000, category="children").json()
    assert [x["title"] for x in api_client.get("/api/v1/socialwork/applications/mine").json()] == [
        "乐龄互助"
    ]
    # reviews: only appointed reviewers; a score once; 0–100
    api_client.login("zx_approver")
    assert (
        api_client.post(
            f"/api/v1/socialwork/applications/{a['id']}/reviews", {"score": 70}
        ).status_code
        == 404
    )
    api_client.login("dongbao_approver")
    assert (
        api_client.post(
            f"/api/v1/socialwork/applications/{a['id']}/reviews", {"score": 101}
        ).status_code
        == 422
    )
    for user, scores in (("city_section", (80, 95)), ("dongbao_approver", (91, 70))):
        api_client.login(user)
        for app, score in zip((a, b), scores, strict=True):
            r = api_client.post(
                f"/api/v1/socialwork/applications/{app['id']}/reviews", {"score": score}
            )
            assert r.status_code == 201, r.content
    assert (
        api_client.post(
            f"/api/v1/socialwork/applications/{a['id']}/reviews", {"score": 60}
        ).status_code
        == 409
    )
    # averages: a (80 + 91) / 2 = 85.5, b (95 + 70) / 2 = 82.5 → a first
    api_client.login("city_section")
    ranked = api_client.get(f"/api/v1/socialwork/calls/{call['id']}/applications").json()
    assert [(x["id"], x["average_score"], x["rank"]) for x in ranked] == [
        (a["id"], 85.5, 1),
        (b["id"], 82.5, 2),
    ]
    # awards: the county reviewer may not award the city's call; more than asked; over budget
    api_client.login("dongbao_approver")
    award = {
        "amount_fen": 600_000,
        "funding_source": "provincial",
        "on": timezone.localdate().isoformat(),
    }
    assert (
        api_client.post(f"/api/v1/socialwork/applications/{a['id']}/award", award).status_code
        == 403
    )
    api_client.login("city_section")
    r = api_client.post(
        f"/api/v1/socialwork/applications/{a['id']}/award", award | {"amount_fen": 600_001}
    )
    assert "不能超过申请金额" in _fields(r)["amount_fen"]
    r = api_client.post(
        f"/api/v1/socialwork/applications/{a['id']}/award", award | {"funding_source": "county"}
    )
    assert "资金来源" in _fields(r)["funding_source"]
    r = api_client.post(f"/api/v1/socialwork/applications/{a['id']}/award", award)
    assert (r.json()["status"], r.json()["awarded_fen"]) == ("awarded", 600_000)
    # 1,000,000 − 600,000 leaves 400,000: b's 500,000 is refused, 400,000 accepted
    r = api_client.post(
        f"/api/v1/socialwork/applications/{b['id']}/award",
        {"amount_fen": 500_000, "funding_source": "city"},
    )
    assert r.status_code == 409 and "剩余4000.00元" in _fields(r)["amount_fen"]
    r = api_client.post(
        f"/api/v1/socialwork/applications/{b['id']}/award",
        {"amount_fen": 400_000, "funding_source": "city"},
    )
    assert r.status_code == 200
    assert (
        api_client.get(f"/api/v1/socialwork/calls/{call['id']}").json()["awarded_fen"] == 1_000_000
    )
    # the award made a venture project: milestones, acceptance by the city
    project = Project.objects.get(application_id=a["id"])
    assert (project.kind, project.budget_fen, project.funding_source) == (
        "venture",
        600_000,
        "provincial",
    )
    today = timezone.localdate()
    m = api_client.post(
        f"/api/v1/socialwork/projects/{project.pk}/milestones",
        {"title": "结项", "due_on": today.isoformat()},
    ).json()
    api_client.post(f"/api/v1/socialwork/milestones/{m['id']}/done", {})
    r = api_client.post(
        f"/api/v1/socialwork/projects/{project.pk}/acceptance", {"passed": True, "note": "合格"}
    )
    assert r.json()["status"] == "accepted"
    api_client.login("org_user")
    mine = api_client.get("/api/v1/socialwork/applications/mine").json()
    assert (mine[0]["status"], mine[0]["awarded_fen"]) == ("awarded", 600_000)


def test_application_outside_the_window_is_refused(sw, api_client):
    today = timezone.localdate()
    call = _call(
        sw, api_client, opens=today - dt.timedelta(days=20), closes=today - dt.timedelta(days=1)
    )
    api_client.login("org_user")
    # a closed call is neither listed nor open to the organisation
    assert _apply(api_client, call["id"], "org_user").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_awards_never_pass_the_budget(sw):
    """Two awards of 600,000 fen at once on a budget of 1,000,000: the call row lock makes the
    second wait and then see the first; exactly one passes."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time whatever the code does")
    today = timezone.localdate()
    call = services.create_call(
        user=sw["city_section"],
        name="并发",
        year=today.year,
        budget_fen=1_000_000,
        funding_source="city",
        opens_on=today,
        closes_on=today,
        categories=["elderly"],
        reviewer_ids=[sw["city_section"].pk],
    )
    apps = []
    for user in ("org_user", "org_other"):
        a = services.apply(
            user=sw[user], call=call, title="t", category="elderly", amount_fen=600_000, plan="p"
        )
        services.review(user=sw["city_section"], application=a, score=80)
        apps.append(a)
    start = threading.Barrier(2)
    outcomes = []

    def award(application):
        try:
            start.wait()
            services.award(
                user=sw["city_section"],
                application=application,
                amount_fen=600_000,
                funding_source="city",
            )
            outcomes.append("ok")
        except ServiceError as exc:
            outcomes.append(exc.status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=award, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [409, "ok"]
    from minzheng.socialwork.selectors import awarded_total

    assert awarded_total(call) == 600_000


# ---------------------------------------------------------------- indicators


def test_provincial_funded_projects_by_hand(sw):
    from minzheng.socialwork.models import VentureApplication, VentureCall

    city, dongbao = sw["city"], sw["dongbao"]
    calls = {
        r: VentureCall.objects.create(
            name="c",
            region=r,
            year=2016,
            budget_fen=10**9,
            funding_source="city",
            opens_on=D(2016, 1, 1),
            closes_on=D(2016, 2, 1),
            categories=["elderly"],
        )
        for r in (city, dongbao)
    }
    rows = [
        # (call region, organisation, source, awarded on)
        (city, "sun", "provincial", D(2016, 6, 1)),
        (city, "ying", "provincial", D(2016, 8, 1)),
        (dongbao, "sun", "provincial", D(2016, 7, 1)),
        (dongbao, "ying", "county", D(2016, 7, 1)),  # not provincial
    ]
    for region, org, source, on in rows:
        VentureApplication.objects.create(
            call=calls[region],
            organisation=sw[org],
            title="t",
            category="elderly",
            amount_fen=1,
            plan="p",
            filed_at=timezone.now(),
            status="awarded",
            awarded_fen=1,
            awarded_source=source,
            awarded_on=on,
        )
    out = indicators.provincial_funded(_regions(), D(2016, 7, 15))
    # by 15 July: the city's June award and 东宝区's July one; the city rolls up both
    assert (out["420800"], out["420802"], out["420881"]) == (2, 1, 0)
    out = indicators.provincial_funded(_regions(), D(2016, 12, 31))
    assert (out["420800"], out["420802"]) == (3, 1)
    assert indicators.provincial_funded(_regions(), D(2017, 1, 31))["420800"] == 0  # a new year


def test_talent_ledger_and_assembly_by_hand(sw):
    w = _worker(sw, sw["zhang"])
    SocialWorker.objects.filter(pk=w.pk).update(entered_on=D(2016, 5, 1))
    before = indicators.talent_ledger(_regions(), D(2016, 4, 30))
    after = indicators.talent_ledger(_regions(), D(2016, 5, 1))
    assert (before["420800"], after["420800"], after["420802"], after["420881"]) == (0, 1, 1, 0)
    assert "420802001" not in after  # townships are not held to it
    with pytest.raises(PermissionDeniedError):
        services.record_assembly(
            user=sw["leader"],
            association_id=sw["sun"].pk,
            held_on=D(2016, 3, 1),
            members_present=80,
            resolutions="x",
        )
    services.record_assembly(
        user=sw["city_section"],
        association_id=sw["sun"].pk,
        held_on=D(2016, 3, 1),
        members_present=80,
        resolutions="换届选举",
    )
    held = indicators.assembly_held(_regions(), D(2016, 12, 31))
    assert held == {"420800": 1}  # counties without an association are not given the target
    assert indicators.assembly_held(_regions(), D(2017, 6, 30)) == {"420800": 0}
    assert indicators.assembly_held(_regions(), D(2016, 2, 28)) == {"420800": 0}

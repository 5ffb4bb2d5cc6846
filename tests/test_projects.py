"""Key projects: the Jingshan centre's records give the targets 0.3 and 0.4 (figures worked out by
hand), monthly progress that never goes back, overdue milestones, the API end to end with the
county scope (another county's project reads 404), audit, the demo's projects idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.projects import digest as project_digest
from minzheng.projects import indicators, services
from minzheng.projects.demo import seed_demo_projects
from minzheng.projects.models import JINGSHAN_CENTRE, Milestone, ProgressReport, Project
from minzheng.regions.models import Region
from minzheng.targets.indicators import compute_spec
from minzheng.units.services import load_default_units

D = dt.date
WAN = 1_000_000
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def world(jingmen, users):
    load_default_units()
    jingshan = Region.objects.get(code="420821")
    project = services.create_project(
        user=users["city_section"],
        code=JINGSHAN_CENTRE,
        name="京山县民政公共服务中心",
        region_code="420821",
        budget_fen=2247 * WAN,
        site_area_mu=Decimal("54.07"),
        start_on=D(2025, 1, 6),
        planned_completion_on=D(2025, 12, 31),
        milestones=[("主体封顶", D(2025, 7, 31)), ("竣工验收", D(2025, 12, 31))],
    )
    for period, wan, pct in (("2025-01", 95, 3), ("2025-02", 210, 8), ("2025-03", 430, 17)):
        services.report_progress(
            user=users["city_section"],
            project=project,
            period=period,
            investment_fen=wan * WAN,
            progress_pct=pct,
            narrative=f"{period} 施工",
        )
    return {"project": project, "jingshan": jingshan, **users}


def _regions():
    return list(Region.objects.prefetch_related("members"))


@pytest.mark.parametrize(
    "on, investment",
    [
        (D(2024, 12, 31), 0),  # no report yet
        (D(2025, 1, 31), 95),
        (D(2025, 2, 1), 210),  # February's report speaks for February
        (D(2025, 3, 31), 430),
        (D(2025, 12, 31), 430),  # nothing reported since March
    ],
)
def test_jingshan_investment_in_wan_from_the_newest_report(world, on, investment):
    values = compute_spec("jingshan_centre_investment").func(_regions(), on)
    assert values["420821"] == investment
    assert values["420800"] == investment  # rolled up to the city
    assert values["420802"] == 0


def test_jingshan_completed_on_its_completion_date(world, users):
    project = world["project"]
    func = compute_spec("jingshan_centre_completed").func
    assert func is indicators.jingshan_centre_completed
    assert func(_regions(), D(2025, 11, 30)) == {"420821": 0}
    services.change_status(
        user=users["city_section"], project=project, status="completed", on=D(2025, 11, 20)
    )
    assert func(_regions(), D(2025, 11, 19)) == {"420821": 0}
    assert func(_regions(), D(2025, 11, 20)) == {"420821": 1}
    services.change_status(
        user=users["city_section"], project=project, status="accepted", on=D(2025, 12, 10)
    )
    assert func(_regions(), D(2025, 12, 31)) == {"420821": 1}


@pytest.mark.parametrize(
    "period, wan, pct, fields",
    [
        ("2025-04", 400, 20, {"investment_fen"}),  # less than March's 430
        ("2025-04", 500, 15, {"progress_pct"}),  # progress lower than March's 17
        ("2025-03", 500, 20, {"period"}),  # March already reported (409)
        ("2024-12", 10, 1, {"period"}),  # before the start month
        ("2099-01", 500, 20, {"period"}),  # a future month
        ("2025-04", 500, 101, {"progress_pct"}),
    ],
)
def test_progress_never_goes_back(world, period, wan, pct, fields):
    with pytest.raises(ServiceError) as err:
        services.report_progress(
            user=world["city_section"],
            project=world["project"],
            period=period,
            investment_fen=wan * WAN,
            progress_pct=pct,
            narrative="x",
        )
    assert set(err.value.errors) == fields


def test_photo_upload_is_kept_encrypted_and_audited(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    report = services.report_progress(
        user=world["city_section"],
        project=world["project"],
        period="2025-04",
        investment_fen=640 * WAN,
        progress_pct=27,
        narrative="主体施工",
        photos=[SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
    )
    photo = report.photos.get()
    assert photo.file.open("rb").read() == PNG
    stored = next(tmp_path.rglob("*.png")).read_bytes()
    assert stored != PNG  # ciphertext at rest
    event = AuditEvent.objects.filter(object_type="projects.progressreport").latest("seq")
    assert event.after["photos"] == ["现场.png"]
    with pytest.raises(ServiceError) as err:
        services.report_progress(
            user=world["city_section"],
            project=world["project"],
            period="2025-05",
            investment_fen=700 * WAN,
            progress_pct=30,
            narrative="x",
            photos=[SimpleUploadedFile("a.exe", b"MZ")],
        )
    assert set(err.value.errors) == {"photos"}


def test_overdue_milestones_and_the_digest_section(world):
    project = world["project"]
    leader = world["leader"]
    items = project_digest.overdue_milestones(leader, D(2025, 8, 4), D(2025, 8, 10))
    assert [i.text for i in items] == [
        "京山县民政公共服务中心：主体封顶，应于 2025-07-31 完成，已逾期 10 天"
    ]
    assert items[0].url == f"/projects/{project.pk}/" and items[0].severity == "danger"
    milestone = Milestone.objects.get(title="主体封顶")
    milestone.done_on = D(2025, 8, 12)
    milestone.save()
    # done after the week: still overdue at that week's end, not at the next one's
    assert len(project_digest.overdue_milestones(leader, D(2025, 8, 4), D(2025, 8, 10))) == 1
    assert project_digest.overdue_milestones(leader, D(2025, 8, 11), D(2025, 8, 17)) == []
    # a county sees nothing of 京山's projects
    assert (
        project_digest.overdue_milestones(world["dongbao_approver"], D(2025, 8, 4), D(2025, 8, 10))
        == []
    )


def test_scope_and_roles(world):
    project = world["project"]
    from minzheng.projects import selectors

    with pytest.raises(NotFoundOrOutOfScope):
        selectors.get_project(world["dongbao_approver"], project.pk)
    with pytest.raises(NotFoundOrOutOfScope):
        services.report_progress(
            user=world["dongbao_approver"],
            project=project,
            period="2025-04",
            investment_fen=1,
            progress_pct=20,
            narrative="x",
        )
    with pytest.raises(PermissionDeniedError):
        services.add_milestone(
            user=world["leader"], project=project, title="x", due_on=D(2025, 5, 1)
        )
    with pytest.raises(ServiceError) as err:
        services.create_project(
            user=world["dongbao_approver"],
            name="钟祥的项目",
            region_code="420881",
            budget_fen=1,
            site_area_mu=1,
            start_on=D(2025, 1, 1),
            planned_completion_on=D(2024, 1, 1),
        )
    assert set(err.value.errors) == {"region", "planned_completion_on"}


def test_api_end_to_end_with_scope(world, api_client):
    api = api_client.login("dongbao_approver")
    r = api.post(
        "/api/v1/projects/",
        {
            "name": "东宝区社会福利院改扩建",
            "region": "420802",
            "budget_fen": 500 * WAN,
            "site_area_mu": "8.5",
            "start_on": "2025-03-01",
            "planned_completion_on": "2025-10-31",
            "milestones": [{"title": "主体封顶", "due_on": "2025-06-30"}],
        },
    )
    assert r.status_code == 201, r.content
    own = r.json()
    assert own["status"] == "planned" and own["milestones"][0]["overdue"] is True
    pid = own["id"]
    r = api.post(
        f"/api/v1/projects/{pid}/reports",
        {
            "period": "2025-03",
            "investment_fen": 60 * WAN,
            "progress_pct": "10",
            "narrative": "开工",
        },
    )
    assert r.status_code == 201 and r.json()["investment_fen"] == 60 * WAN
    assert api.get(f"/api/v1/projects/{pid}").json()["status"] == "construction"
    r = api.post(
        f"/api/v1/projects/{pid}/reports",
        {
            "period": "2025-03",
            "investment_fen": 60 * WAN,
            "progress_pct": "10",
            "narrative": "重复",
        },
    )
    assert r.status_code == 409
    r = api.post(
        f"/api/v1/projects/{pid}/reports",
        {
            "period": "2025-04",
            "investment_fen": 50 * WAN,
            "progress_pct": "12",
            "narrative": "少报",
        },
        lang="en",
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "investment_fen"
    milestone_id = own["milestones"][0]["id"]
    r = api.post(f"/api/v1/projects/milestones/{milestone_id}/done", {"done_on": "2025-07-03"})
    assert r.status_code == 200 and r.json()["overdue"] is False
    r = api.post(f"/api/v1/projects/{pid}/status", {"status": "accepted", "on": "2025-10-30"})
    assert r.status_code == 409
    r = api.post(f"/api/v1/projects/{pid}/status", {"status": "completed", "on": "2025-10-30"})
    assert r.status_code == 200 and r.json()["completed_on"] == "2025-10-30"
    listed = api.get("/api/v1/projects/").json()
    assert [p["id"] for p in listed["items"]] == [pid]
    # 京山's project is outside 东宝区: 404 on read and write
    jid = world["project"].pk
    assert api.get(f"/api/v1/projects/{jid}").status_code == 404
    assert (
        api.post(
            f"/api/v1/projects/{jid}/milestones", {"title": "x", "due_on": "2025-05-01"}
        ).status_code
        == 404
    )
    city = api_client.login("leader")
    assert {p["code"] for p in city.get("/api/v1/projects/").json()["items"]} >= {JINGSHAN_CENTRE}
    assert (
        city.post(
            f"/api/v1/projects/{jid}/milestones", {"title": "x", "due_on": "2025-05-01"}
        ).status_code
        == 403
    )
    assert (
        AuditEvent.objects.filter(object_type="projects.project", object_id=str(pid)).count() >= 3
    )


def test_pages_render_and_forms_show_field_errors(world, client):
    client.force_login(world["city_section"])
    pid = world["project"].pk
    page = client.get("/projects/")
    assert page.status_code == 200 and "京山县民政公共服务中心" in page.content.decode()
    detail = client.get(f"/projects/{pid}/").content.decode()
    assert "project-chart-data" in detail and "430.00" in detail
    r = client.post("/projects/new/", {"name": "", "region": "420821", "budget_wan": "-1"})
    assert r.status_code == 200
    assert set(r.context["form"].errors) >= {"name", "budget_wan", "start_on", "site_area_mu"}
    r = client.post(
        f"/projects/{pid}/progress/",
        {"period": "2025-04", "investment_wan": "300", "progress_pct": "20", "narrative": "x"},
    )
    assert r.status_code == 422
    assert r.context["progress_form"].errors["investment_wan"] == ["累计完成投资不能少于上月"]
    client.force_login(world["dongbao_approver"])
    assert client.get(f"/projects/{pid}/").status_code == 404


def test_demo_projects_idempotent(jingmen):
    load_default_units()
    today = D(2026, 12, 7)
    assert seed_demo_projects(today=today) == {"projects": 4}
    assert seed_demo_projects(today=today) == {"projects": 0}
    jingshan = Project.objects.get(code=JINGSHAN_CENTRE)
    latest = ProgressReport.objects.filter(project=jingshan).latest("period")
    assert latest.period == D(2026, 11, 1) and latest.investment_fen == 1985 * WAN
    assert latest.investment_fen < jingshan.budget_fen and jingshan.status == "construction"
    assert ProgressReport.objects.filter(project=jingshan).count() == 11
    overdue = Milestone.objects.filter(done_on__isnull=True, due_on__lt=today).values_list(
        "title", flat=True
    )
    assert sorted(overdue) == ["主体结构封顶", "室内装修及设备安装"]
    assert Project.objects.get(code="hujizhen-welfare-home").status == "accepted"
    values = compute_spec("jingshan_centre_investment").func(_regions(), today)
    assert values["420821"] == 1985

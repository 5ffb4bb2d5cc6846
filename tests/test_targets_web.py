"""The pages: every page renders for the roles that use it, and the forms go through the services."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.targets import excel
from minzheng.targets.models import Plan, ReportedValue, SupervisionCase, Target
from tests.conftest import PASSWORD

D = dt.date


@pytest.fixture
def world(targets_world):
    return targets_world


def login(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    "username",
    ["admin", "leader", "city_section", "dongbao_approver", "dongbao_clerk", "dongbao_village"],
)
def test_every_page_renders(client, world, username):
    login(client, username)
    beds = world["beds"]
    plan = world["plan"]
    for url in [
        "/targets/",
        "/targets/unit/",
        f"/targets/t/{beds.pk}/",
        f"/targets/t/{world['dongbao_beds'].pk}/",
        "/targets/plans/",
        f"/targets/plans/{plan.pk}/",
        "/targets/indicators/",
        "/targets/reports/",
        "/targets/supervision/?status=all",
        "/targets/export.xlsx",
        "/targets/report.pdf",
        f"/targets/plans/{plan.pk}/export.xlsx",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_allocation_form(client, world):
    login(client, "city_section")
    target = world["plan"].targets.get(code="1.1")
    page = client.get(f"/targets/t/{target.pk}/allocate/").content.decode()
    assert (
        'name="share_420802"' in page and "4208Z1" not in page
    )  # zones take no part in splitting amounts
    response = client.post(
        f"/targets/t/{target.pk}/allocate/", {"share_420802": "10", "share_420881": "10"}
    )
    assert "分解合计 20 小于上级目标 24" in response.content.decode()
    response = client.post(
        f"/targets/t/{target.pk}/allocate/", {"share_420802": "12", "share_420881": "12"}
    )
    assert response.status_code == 302
    assert sorted(target.children.values_list("region__code", "value")) == [
        ("420802", 12),
        ("420881", 12),
    ]
    login(client, "leader")
    assert client.get(f"/targets/t/{target.pk}/allocate/").status_code == 403


def test_report_submit_and_review_pages(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    login(client, "dongbao_clerk")
    page = client.get(
        "/targets/reports/new/?indicator=registered_volunteers&region=420802001"
    ).content.decode()
    assert "注册志愿者人数" in page
    response = client.post(
        "/targets/reports/new/",
        {
            "indicator": "registered_volunteers",
            "region": "420802001",
            "as_of": "2016-06-30",
            "value": "3",
            "files": [
                SimpleUploadedFile("台账.pdf", b"%PDF-1.4 x", content_type="application/pdf")
            ],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report = ReportedValue.objects.get(indicator="registered_volunteers")
    assert client.get(f"/targets/evidence/{report.evidence.get().pk}/").status_code == 200
    login(client, "zhongxiang_clerk")
    assert client.get(f"/targets/evidence/{report.evidence.get().pk}/").status_code == 404
    login(client, "dongbao_approver")
    assert str(report.pk) in client.get("/targets/reports/").content.decode()
    response = client.post(
        f"/targets/reports/{report.pk}/", {"form": "review", "decision": "approve", "note": ""}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportedValue.Status.APPROVED


def test_supervision_pages(client, world, users):
    world["dongbao_approver_id"] = users["dongbao_approver"].pk
    login(client, "city_section")
    target = world["dongbao_beds"]
    response = client.post(
        f"/targets/t/{target.pk}/supervise/",
        {
            "reason": "behind",
            "title": "东宝区 床位",
            "detail": "",
            "deadline": "2016-07-15",
            "owner": "",
        },
    )
    assert (
        "整改期限不能早于挂牌日期" in response.content.decode()
    )  # cases opened from the page start today
    deadline = (dt.date.today() + dt.timedelta(days=15)).isoformat()
    response = client.post(
        f"/targets/t/{target.pk}/supervise/",
        {
            "reason": "behind",
            "title": "东宝区 床位",
            "detail": "",
            "deadline": deadline,
            "owner": str(world["dongbao_approver_id"]),
        },
    )
    assert response.status_code == 302
    case = SupervisionCase.objects.get(target=target)
    assert case.owner_id == world["dongbao_approver_id"]
    login(client, "dongbao_approver")
    client.post(f"/targets/supervision/{case.pk}/", {"form": "note", "text": "正在整改"})
    assert case.notes.count() == 1
    assert "销号说明" not in client.get(f"/targets/supervision/{case.pk}/").content.decode()
    login(client, "city_section")
    client.post(f"/targets/supervision/{case.pk}/", {"form": "close", "note": "已整改"})
    case.refresh_from_db()
    assert case.status == SupervisionCase.Status.CLOSED


def test_plan_copy_and_import_pages(client, world):
    plan = world["plan"]
    login(client, "city_section")
    response = client.post(f"/targets/plans/{plan.pk}/copy/", {"year": "2017", "title": ""})
    copied = Plan.objects.get(year=2017)
    assert (
        response.status_code == 302
        and copied.targets.count() == Target.objects.filter(plan=plan).count()
    )
    content = excel.export_plan_xlsx(copied)
    copied.delete()
    response = client.post("/targets/plans/", {"file": SimpleUploadedFile("plan.xlsx", content)})
    assert response.status_code == 302
    assert Plan.objects.get(year=2017).status == Plan.Status.DRAFT
    response = client.post(
        "/targets/plans/", {"file": SimpleUploadedFile("plan.xlsx", b"not a workbook")}
    )
    assert "无法读取Excel文件" in response.content.decode()
    login(client, "leader")
    assert (
        client.post(
            "/targets/plans/", {"file": SimpleUploadedFile("plan.xlsx", content)}
        ).status_code
        == 403
    )
    assert client.post(f"/targets/plans/{plan.pk}/copy/", {"year": "2018"}).status_code == 403


def test_target_edit_page(client, world):
    login(client, "city_section")
    target = world["plan"].targets.get(code="12.1")
    response = client.post(
        f"/targets/t/{target.pk}/edit/",
        {
            "title": target.title,
            "comparison": "ge",
            "value": "45000",
            "deadline": "2016-12-31",
            "weight": "3",
            "note": target.note,
            "report_frequency": "quarterly",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.value, target.weight, target.frequency) == (45000, 3, "quarterly")
    login(client, "dongbao_approver")
    assert (
        client.post(
            f"/targets/t/{target.pk}/edit/",
            {
                "title": "x",
                "comparison": "ge",
                "value": "1",
                "deadline": "2016-12-31",
                "weight": "1",
            },
        ).status_code
        == 403
    )


def test_workbench_card_renders_for_a_unit(rf, world, users):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = users["dongbao_approver"]
    html = Template("{% load targets_tags %}{% targets_workbench_card %}").render(
        Context({"request": request})
    )
    # 东宝's only target with a value is a data anomaly: no score to show, and it says so.
    assert "东宝区" in html and "1 项目标暂无可计分的数据" in html and "综合得分" not in html
    request.user = users[
        "dongbao_clerk"
    ]  # 龙泉街道 has no targets of its own: the card still shows the unit
    assert "龙泉街道" in Template("{% load targets_tags %}{% targets_workbench_card %}").render(
        Context({"request": request})
    )


def test_dashboard_xlsx_lists_units_and_cases(client, world):
    from openpyxl import load_workbook

    login(client, "leader")
    book = load_workbook(io.BytesIO(client.get("/targets/export.xlsx").content))
    units = [r[0] for r in book["下级单位"].iter_rows(min_row=2, values_only=True)]
    assert units == ["东宝区", "掇刀区", "京山县", "沙洋县", "钟祥市", "漳河新区", "屈家岭管理区"]
    cases = list(book["挂牌督办"].iter_rows(min_row=2, values_only=True))
    assert [(c[1], c[2]) for c in cases] == [("钟祥市", "进度滞后")]
    summary = dict(book["概况"].iter_rows(min_row=2, values_only=True))
    # Done: only the five zero-count targets (3.1 relief funds, 3.2 relief supplies, 18.4
    # veterans' abnormal petitions, 18.5 mass incidents, 22.1 complaints about administrative
    # enforcement), which the platform computes and which hold while nothing is on record.
    assert (
        summary["单位"] == "荆门市"
        and summary["目标数：已完成"] == 5
        and summary["目标数：数据异常"] == 1
    )

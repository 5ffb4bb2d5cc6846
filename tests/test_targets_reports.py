"""Reported values count only once the level above approves them, with evidence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.accounts.models import Role
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.targets import refresh, selectors, services
from minzheng.targets.models import IndicatorValue, ReportedValue
from tests.conftest import make_user

D = dt.date
pytestmark = pytest.mark.usefixtures("pinned_reported")
ON = D(2016, 6, 30)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf(name="证明材料.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", content_type="application/pdf")


def snapshot_value(indicator, region_code, on=ON):
    refresh.refresh(on_date=on, plans=[])
    row = IndicatorValue.objects.filter(
        indicator=indicator, region__code=region_code, on_date=on
    ).first()
    return row.value if row else None


def test_a_township_report_needs_the_county_to_approve_it(jingmen, users):
    clerk, approver = users["dongbao_clerk"], users["dongbao_approver"]
    report = services.submit_report(
        user=clerk,
        indicator="registered_volunteers",
        region=jingmen["longquan"],
        as_of=ON,
        value="3",
        note="街道志愿者台账",
        files=[pdf()],
    )
    assert report.status == ReportedValue.Status.SUBMITTED and report.evidence.count() == 1
    assert AuditEvent.objects.filter(
        object_type="targets.reportedvalue", object_id=str(report.pk), action="create"
    ).exists()
    assert snapshot_value("registered_volunteers", "420802001") is None

    colleague = make_user("longquan_clerk2", Role.TOWNSHIP_CLERK, jingmen["longquan"])
    with pytest.raises(PermissionDeniedError, match="应由上一级单位审核"):
        services.review_report(user=colleague, report=report, approve=True)
    with pytest.raises(PermissionDeniedError, match="不能审核本人填报的数据"):
        services.review_report(user=clerk, report=report, approve=True)
    with pytest.raises(PermissionDeniedError):
        services.review_report(user=users["leader"], report=report, approve=True)
    with pytest.raises(NotFoundOrOutOfScope):
        selectors.get_report(users["zhongxiang_clerk"], report.pk)
    assert selectors.pending_reviews(approver) == [report]
    assert selectors.pending_reviews(colleague) == []

    services.review_report(user=approver, report=report, approve=True)
    report.refresh_from_db()
    assert (report.status, report.reviewed_by) == (ReportedValue.Status.APPROVED, approver)
    event = AuditEvent.objects.filter(object_id=str(report.pk), action="transition").get()
    assert (event.before["status"], event.after["status"], event.after["reviewed_by_id"]) == (
        "submitted",
        "approved",
        approver.pk,
    )
    assert snapshot_value("registered_volunteers", "420802001") == 3
    assert snapshot_value("registered_volunteers", "420802") == 3  # rolled up


def test_the_citys_own_figures_are_approved_by_a_city_administrator(jingmen, users):
    report = services.submit_report(
        user=users["city_section"],
        indicator="lottery_sales",
        region=jingmen["city"],
        as_of=ON,
        value="21500",
        files=[pdf()],
    )
    other_section = make_user("city_section2", Role.CITY_SECTION, jingmen["city"])
    for user in (other_section, users["leader"]):
        with pytest.raises(PermissionDeniedError):
            services.review_report(user=user, report=report, approve=True)
    with pytest.raises(NotFoundOrOutOfScope):
        selectors.get_report(users["dongbao_approver"], report.pk)
    city_admin = make_user("city_admin", Role.ADMIN, jingmen["city"])
    services.review_report(user=city_admin, report=report, approve=True)
    assert snapshot_value("lottery_sales", "420800") == 21500


def test_approval_needs_evidence_and_a_return_needs_a_reason(jingmen, users):
    report = services.submit_report(
        user=users["dongbao_approver"],
        indicator="elderly_care_beds",
        region=jingmen["dongbao"],
        as_of=ON,
        value="1200",
    )
    with pytest.raises(ServiceError) as exc:
        services.review_report(user=users["city_section"], report=report, approve=True)
    assert exc.value.errors == {"files": ["该填报没有证明材料，不能审核通过"]}
    with pytest.raises(ServiceError) as exc:
        services.review_report(user=users["city_section"], report=report, approve=False)
    assert "note" in exc.value.errors
    services.add_evidence(
        user=users["dongbao_approver"], report=report, files=[pdf("床位统计表.pdf")]
    )
    services.review_report(
        user=users["city_section"], report=report, approve=False, note="请附民政部门盖章的统计表"
    )
    report.refresh_from_db()
    assert (
        report.status == ReportedValue.Status.REJECTED
        and report.review_note == "请附民政部门盖章的统计表"
    )
    with pytest.raises(ServiceError):
        services.review_report(user=users["city_section"], report=report, approve=True)


def test_a_correction_supersedes_the_approved_value(jingmen, users):
    first = services.submit_report(
        user=users["dongbao_approver"],
        indicator="elderly_care_beds",
        region=jingmen["dongbao"],
        as_of=ON,
        value="1200",
        files=[pdf()],
    )
    services.review_report(user=users["city_section"], report=first, approve=True)
    second = services.submit_report(
        user=users["dongbao_approver"],
        indicator="elderly_care_beds",
        region=jingmen["dongbao"],
        as_of=ON,
        value="1250",
        note="补报两家民办机构",
        files=[pdf()],
    )
    assert snapshot_value("elderly_care_beds", "420802") == 1200  # until the correction is approved
    services.review_report(user=users["city_section"], report=second, approve=True)
    first.refresh_from_db()
    assert first.status == ReportedValue.Status.SUPERSEDED
    assert snapshot_value("elderly_care_beds", "420802") == 1250


def test_rates_from_numerator_and_denominator(jingmen, users):
    report = services.submit_report(
        user=users["dongbao_approver"],
        indicator="social_org_inspection_rate",
        region=jingmen["dongbao"],
        as_of=ON,
        numerator="45",
        denominator="50",
    )
    assert (report.value, report.numerator, report.denominator) == (Decimal("90.0000"), 45, 50)


@pytest.mark.parametrize(
    "fields,field,message",
    [
        (
            {"indicator": "pop_60_plus", "value": "1"},
            "indicator",
            "该指标由平台根据业务数据自动计算，无需填报",
        ),
        (
            {"indicator": "beds_per_1000_elderly", "value": "1"},
            "indicator",
            "该指标由平台根据业务数据自动计算，无需填报",
        ),
        ({"indicator": "nope", "value": "1"}, "indicator", "指标代码不存在：nope"),
        (
            {"indicator": "standardisation_unified", "value": "2"},
            "value",
            "完成类指标填 1（已完成）或 0（未完成）",
        ),
        ({"indicator": "elderly_care_beds", "value": "-1"}, "value", "数值不能为负数"),
        ({"indicator": "elderly_care_beds", "value": ""}, "value", "此项为必填项"),
        (
            {
                "indicator": "social_org_inspection_rate",
                "numerator": "9",
                "denominator": "10",
                "value": "80",
            },
            "value",
            "数值与分子÷分母不一致（应为 90）",
        ),
        (
            {"indicator": "social_org_inspection_rate", "numerator": "9", "denominator": "0"},
            "denominator",
            "分母应大于0",
        ),
        (
            {"indicator": "social_org_inspection_rate", "numerator": "9"},
            "denominator",
            "分子和分母应同时填写",
        ),
        (
            {"indicator": "elderly_care_beds", "value": "1", "as_of": D(2999, 1, 1)},
            "as_of",
            "数据截止日期不能晚于今天",
        ),
    ],
)
def test_report_validation(jingmen, users, fields, field, message):
    fields = {"as_of": ON, **fields}
    with pytest.raises(ServiceError) as exc:
        services.submit_report(user=users["dongbao_approver"], region=jingmen["dongbao"], **fields)
    assert message in exc.value.errors[field]


def test_reports_stay_within_scope_and_files_are_checked(jingmen, users):
    with pytest.raises(PermissionDeniedError):
        services.submit_report(
            user=users["dongbao_approver"],
            indicator="elderly_care_beds",
            region=jingmen["zhongxiang"],
            as_of=ON,
            value="1",
        )
    with pytest.raises(PermissionDeniedError):
        services.submit_report(
            user=users["leader"],
            indicator="elderly_care_beds",
            region=jingmen["city"],
            as_of=ON,
            value="1",
        )
    with pytest.raises(ServiceError) as exc:
        services.submit_report(
            user=users["dongbao_approver"],
            indicator="elderly_care_beds",
            region=jingmen["dongbao"],
            as_of=ON,
            value="1",
            files=[SimpleUploadedFile("run.exe", b"MZ")],
        )
    assert "不支持的文件类型" in exc.value.errors["files"][0]
    assert not ReportedValue.objects.exists()  # nothing half-written


def test_report_and_approve_through_the_api(api_client, jingmen, users):
    api_client.login("dongbao_clerk")
    r = api_client.post(
        "/api/v1/targets/reports",
        {
            "indicator": "registered_volunteers",
            "region": "420802001",
            "as_of": "2016-06-30",
            "value": 3,
        },
    )
    assert r.status_code == 201, r.content
    report_id = r.json()["id"]
    assert r.json()["status"] == "submitted"
    r = api_client.post(
        "/api/v1/targets/reports",
        {
            "indicator": "registered_volunteers",
            "region": "420881001",
            "as_of": "2016-06-30",
            "value": 3,
        },
    )
    assert r.status_code == 404
    api_client.login("dongbao_approver")
    r = api_client.post(f"/api/v1/targets/reports/{report_id}/review", {"approve": True})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "files"
    api_client.login("dongbao_clerk")
    from django.test import Client

    upload = Client().post(
        f"/api/v1/targets/reports/{report_id}/evidence",
        {"files": [pdf()]},
        HTTP_AUTHORIZATION=f"Bearer {api_client.token}",
    )
    assert upload.status_code == 201, upload.content
    assert upload.json()["evidence"] == ["证明材料.pdf"]
    api_client.login("dongbao_approver")
    r = api_client.post(f"/api/v1/targets/reports/{report_id}/review", {"approve": True})
    assert (
        r.status_code == 200
        and r.json()["status"] == "approved"
        and r.json()["reviewed_by"] == "dongbao_approver"
    )
    api_client.login("zhongxiang_clerk")
    assert api_client.get("/api/v1/targets/reports").json()["items"] == []

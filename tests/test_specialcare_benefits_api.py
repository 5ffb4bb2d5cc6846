"""The special-care benefits' API and pages: confirming through the API and the page, scope 404s
for another county, field-level Chinese 422s, audit events."""

import time

import pytest

from minzheng.core.models import AuditEvent
from minzheng.specialcare.models import OneOffGrant, Pension
from tests.test_specialcare_benefits import care_world  # noqa: F401  (the shared world)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/specialcare/benefits"


def test_confirm_through_the_api_and_scope(care_world, api_client):  # noqa: F811
    w = care_world
    war1 = w["r"]["war1"]
    api = api_client.login("dongbao_approver")
    due = api.get(f"{BASE}/pensions/due").json()
    assert war1.pk in {row["recipient_id"] for row in due["items"]}
    r = api.post(f"{BASE}/recipients/{war1.pk}/pension")
    assert r.status_code == 201, r.content
    body = r.json()
    # 73,540 元 a year ÷ 12 = 6,128.33 元 a month (612,833 fen).
    assert (body["monthly_amount_fen"], body["disability_grade"]) == (612833, 1)
    assert AuditEvent.objects.filter(
        object_type="specialcare.pension", object_id=str(body["id"]), action="create"
    ).exists()
    assert api.post(f"{BASE}/recipients/{war1.pk}/pension").status_code == 409
    # Another county's approver and township: 404, and nothing listed.
    other = api_client.login("zx_approver")
    assert other.post(f"{BASE}/recipients/{war1.pk}/pension").status_code == 404
    assert (
        other.post(
            f"{BASE}/recipients/{war1.pk}/grants",
            {"kind": "one_off_subsidy", "amount_fen": 100, "reason": "x"},
        ).status_code
        == 404
    )
    assert other.get(f"{BASE}/pensions").json()["count"] == 0
    assert api_client.login("zhongxiang_clerk").get(f"{BASE}/pensions").json()["count"] == 0
    # A township clerk reads but may not confirm.
    clerk = api_client.login("dongbao_clerk")
    assert clerk.get(f"{BASE}/pensions").json()["count"] == 1
    assert clerk.post(f"{BASE}/recipients/{w['r']['duty4'].pk}/pension").status_code == 403


@pytest.mark.parametrize(
    "path, payload, field, message",
    [
        ("grants", {"kind": "bonus", "amount_fen": 100, "reason": "x"}, "kind", ""),
        ("grants", {"kind": "one_off_subsidy", "amount_fen": 0, "reason": "x"}, "amount_fen", ""),
        ("guarantees", {"year": 1999, "kind": "insurance_premium"}, "year", ""),
        ("pension", {}, "disability_grade", "不享受残疾抚恤金"),
    ],
)
def test_bad_input_is_a_field_level_422(care_world, api_client, path, payload, field, message):  # noqa: F811
    w = care_world
    target = w["r"]["ill7"] if path == "pension" else w["r"]["martyr"]
    api = api_client.login("dongbao_approver")
    r = api.post(f"{BASE}/recipients/{target.pk}/{path}", payload)
    assert r.status_code == 422, r.content
    errors = r.json()["errors"]
    assert any(field in str(e.get("field", "")) for e in errors), errors
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in errors), errors
    assert message in str(errors)


def test_grant_and_conscript_through_the_api(care_world, api_client):  # noqa: F811
    w = care_world
    api = api_client.login("dongbao_approver")
    r = api.post(
        f"{BASE}/recipients/{w['r']['martyr'].pk}/grants",
        {"kind": "one_off_subsidy", "amount_fen": 150000, "reason": "困难补助"},
    )
    assert r.status_code == 201 and r.json()["payable_status"] == "pending"
    assert OneOffGrant.objects.count() == 1
    assert AuditEvent.objects.filter(
        object_type="specialcare.oneoffgrant", action="create"
    ).exists()
    issue = api.post(f"{BASE}/conscript/issue", {"year": 2016})
    assert issue.status_code == 200 and issue.json()["issued"] == 2
    assert api.post(f"{BASE}/conscript/issue", {"year": 2016}).json()["issued"] == 0
    assert api.get(f"{BASE}/conscript?year=2016").json()["count"] == 2
    g = api.post(
        f"{BASE}/recipients/{w['r']['war1'].pk}/guarantees",
        {"year": 2016, "kind": "insurance_premium"},
    )
    assert g.status_code == 201 and g.json()["kind_label"] == "政府代缴医疗保险费"
    assert api.get(f"{BASE}/guarantees").json()["count"] == 1


def test_pages_confirm_and_scope(care_world, client):  # noqa: F811
    w = care_world
    war1 = w["r"]["war1"]
    client.force_login(w["dongbao_approver"])
    for tab in ("due", "pensions", "conscript", "guarantees", "grants"):
        page = client.get(f"/specialcare/benefits/?tab={tab}")
        assert page.status_code == 200, tab
    assert "赵一战" in client.get("/specialcare/benefits/").content.decode()
    r = client.post(f"/specialcare/benefits/recipients/{war1.pk}/confirm/", follow=True)
    assert "6,128.33" in r.content.decode() or "6128.33" in r.content.decode()
    assert Pension.objects.filter(recipient=war1).exists()
    assert "赵一战" in client.get("/specialcare/benefits/?tab=pensions").content.decode()
    client.force_login(w["zx_approver"])
    assert (
        client.post(f"/specialcare/benefits/recipients/{w['r']['duty4'].pk}/confirm/").status_code
        == 404
    )
    assert "赵一战" not in client.get("/specialcare/benefits/?tab=pensions").content.decode()
    client.force_login(w["leader"])
    assert client.get("/specialcare/benefits/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_confirm_all_due_through_the_api_is_a_job(care_world, api_client):  # noqa: F811
    """The API queues the same job (202 with its id) and the job's result is read through the
    jobs API: 东宝区's five due records confirmed; a township clerk may not start it."""
    from minzheng.core import jobs
    from minzheng.core.models import Job

    assert (
        api_client.login("dongbao_clerk").post(f"{BASE}/pensions/confirm-due", {}).status_code
        == 403
    )
    api = api_client.login("dongbao_approver")
    r = api.post(f"{BASE}/pensions/confirm-due", {})
    assert r.status_code == 202, r.content
    job = Job.objects.get(pk=r.json()["job_id"])
    for _ in range(120):  # the job runs in a thread once the request's transaction commits
        job.refresh_from_db()
        if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            break
        time.sleep(0.5)
    else:
        job = jobs.execute(str(job.pk))
    assert (job.status, job.result) == (Job.Status.SUCCEEDED, {"confirmed": 5, "skipped": 0})
    assert Pension.objects.count() == 5
    assert api.get(f"/api/v1/jobs/{job.pk}").json()["status"] == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_confirm_all_due_from_the_page_is_a_job(care_world, client):  # noqa: F811
    """东宝区 has five records due (war1, duty4, ill6, martyr, rural): the page queues a job that
    confirms them all, with its result on the job page."""
    from minzheng.core import jobs
    from minzheng.core.models import Job

    client.force_login(care_world["dongbao_approver"])
    r = client.post("/specialcare/benefits/confirm-all/")
    job = Job.objects.get(kind="specialcare.confirm_due_pensions")
    assert r.status_code == 302 and str(job.pk) in r["Location"]
    for _ in range(120):  # the job runs in a thread once the request's transaction commits
        job.refresh_from_db()
        if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            break
        time.sleep(0.5)
    else:
        job = jobs.execute(str(job.pk))
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["confirmed"] == 5 and Pension.objects.count() == 5
    client.force_login(care_world["zhongxiang_clerk"])
    assert client.post("/specialcare/benefits/confirm-all/").status_code == 403

"""/api/v1/assistance/payments: every endpoint scoped (a 东宝区 account gets 404 on 钟祥市 records
and lists leave them out), bank accounts masked everywhere but the audited bank file, 422 naming
the field, 403 for roles that may not act."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from minzheng.accounts.models import Role
from minzheng.core.models import AuditEvent, Job
from minzheng.payments import payroll
from minzheng.payments.models import PayrollLine, PayrollRun
from tests.fixtures.payments import entitle, member, setup_world

from .conftest import make_user

D = dt.date.fromisoformat
API = "/api/v1/assistance/payments"
pytestmark = pytest.mark.django_db
FULL_ACCOUNTS = ("6217000012345678901", "6217000098765432109", "6222000044445555666")


@pytest.fixture
def world(jingmen, users, people):
    w = setup_world(jingmen, users, people)
    p = w["people"]
    w["zhang"] = entitle(
        w, household="dongbao", applicant="zhang", facts={"members": [member(p["zhang"])]}
    )
    w["sun"] = entitle(
        w,
        household="alone",
        applicant="sun",
        programme="tekun",
        facts={"members": [member(p["sun"])]},
    )
    w["wang"] = entitle(
        w, household="zhongxiang", applicant="wang", facts={"members": [member(p["wang"])]}
    )
    return w


def fields(response) -> set[str]:
    assert response.status_code == 422, response.content
    return {e["field"] for e in response.json()["errors"]}


def no_full_account(response) -> None:
    body = response.content.decode()
    assert not any(a in body for a in FULL_ACCOUNTS), body[:500]


def test_entitlement_list_and_detail_are_scoped_and_masked(api_client, world):
    api_client.login("dongbao_clerk")
    r = api_client.get(f"{API}/entitlements")
    assert r.status_code == 200
    assert {e["id"] for e in r.json()["items"]} == {
        world["zhang"].pk,
        world["sun"].pk,
    } and r.json()["count"] == 2
    no_full_account(r)
    item = next(e for e in r.json()["items"] if e["id"] == world["zhang"].pk)
    assert (
        item["household"]["bank_account_masked"]
        == world["households"]["dongbao"].bank_account_masked
    )
    assert (item["monthly_amount"], item["start_month"], item["programme_name"]) == (
        "480.00",
        "2016-11",
        "城市最低生活保障",
    )
    assert api_client.get(f"{API}/entitlements", programme="tekun").json()["count"] == 1
    detail = api_client.get(f"{API}/entitlements/{world['zhang'].pk}")
    assert detail.status_code == 200 and detail.json()["changes"][0]["kind"] == "create"
    assert detail.json()["trace"][-1]["step"] == "total"
    no_full_account(detail)
    assert api_client.get(f"{API}/entitlements/{world['wang'].pk}").status_code == 404
    api_client.login("zhongxiang_clerk")
    assert [e["id"] for e in api_client.get(f"{API}/entitlements").json()["items"]] == [
        world["wang"].pk
    ]
    assert api_client.get(f"{API}/entitlements/{world['zhang'].pk}").status_code == 404


def test_entitlement_actions_scope_roles_and_field_errors(api_client, world):
    zhang, wang = world["zhang"].pk, world["wang"].pk
    api_client.login("dongbao_clerk")
    for action, body in (
        ("suspend", {"reason": "x"}),
        ("resume", {"reason": "x"}),
        ("terminate", {"reason": "x", "last_month": "2017-01"}),
        ("change", {"reason": "x", "amount": "1", "from_month": "2017-01"}),
        ("review-class", {"reason": "x", "review_class": "A"}),
        ("reviews", {}),
    ):
        assert api_client.post(f"{API}/entitlements/{wang}/{action}", body).status_code == 404, (
            action
        )
    assert fields(api_client.post(f"{API}/entitlements/{zhang}/suspend", {})) == {"reason"}
    assert "reason" in fields(
        api_client.post(f"{API}/entitlements/{zhang}/suspend", {"reason": "  "})
    )
    assert "from_month" in fields(
        api_client.post(
            f"{API}/entitlements/{zhang}/change",
            {"reason": "x", "amount": "1", "from_month": "2017-13"},
        )
    )
    assert "amount" in fields(
        api_client.post(
            f"{API}/entitlements/{zhang}/change",
            {"reason": "x", "amount": "1.001", "from_month": "2017-01"},
        )
    )
    r = api_client.post(f"{API}/entitlements/{zhang}/suspend", {"reason": "外出务工"})
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    assert (
        api_client.post(f"{API}/entitlements/{zhang}/suspend", {"reason": "again"}).status_code
        == 409
    )
    r = api_client.post(f"{API}/entitlements/{zhang}/resume", {"reason": "已返乡"})
    assert r.json()["status"] == "active"
    r = api_client.post(
        f"{API}/entitlements/{zhang}/change",
        {"reason": "复议", "amount": "500.50", "from_month": "2017-01"},
    )
    assert (r.json()["monthly_amount"], r.json()["amount_since"], r.json()["amount_basis"]) == (
        "500.50",
        "2017-01",
        "decided",
    )
    api_client.login("leader")
    assert api_client.get(f"{API}/entitlements/{zhang}").status_code == 200
    assert (
        api_client.post(f"{API}/entitlements/{zhang}/suspend", {"reason": "x"}).status_code == 403
    )


def test_reviews_through_the_api(api_client, world):
    zhang = world["zhang"].pk
    api_client.login("dongbao_clerk")
    facts = {"members": [member(world["people"]["zhang"], income={"wage": "100.00"})]}
    r = api_client.post(f"{API}/entitlements/{zhang}/reviews", {"facts": facts, "on": "2017-01-20"})
    assert r.status_code == 201, r.content
    review = r.json()
    assert (
        review["proposal"],
        review["proposed_amount"],
        review["current_amount"],
        review["effective_month"],
    ) == ("decrease", "380.00", "480.00", "2017-02")
    assert "facts.members.0.relation" in fields(
        api_client.post(f"{API}/entitlements/{zhang}/reviews", {"facts": {"members": [{"age": 3}]}})
    )
    api_client.login("zhongxiang_clerk")
    assert api_client.get(f"{API}/reviews/{review['id']}").status_code == 404
    assert (
        api_client.post(f"{API}/reviews/{review['id']}/confirm", {"accept": True}).status_code
        == 404
    )
    api_client.login("dongbao_clerk")
    assert fields(api_client.post(f"{API}/reviews/{review['id']}/confirm", {"accept": False})) == {
        "reason"
    }
    r = api_client.post(f"{API}/reviews/{review['id']}/confirm", {"accept": True})
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    assert api_client.get(f"{API}/entitlements/{zhang}").json()["monthly_amount"] == "380.00"
    # Due reviews: 孙奶奶's class A review falls due a year after approval.
    due = api_client.get(f"{API}/reviews/due", on="2017-10-20").json()
    assert [e["id"] for e in due["items"]] == [world["sun"].pk]
    no_full_account(api_client.get(f"{API}/reviews/due", on="2017-10-20"))
    api_client.login("zhongxiang_clerk")
    assert [
        e["id"] for e in api_client.get(f"{API}/reviews/due", on="2017-12-31").json()["items"]
    ] == [world["wang"].pk]


def test_payroll_endpoints_scope_masking_approval_export_and_returns(api_client, world):
    api_client.login("dongbao_approver")
    assert "month" in fields(
        api_client.post(f"{API}/payrolls", {"county": "420802", "month": "2016-13"})
    )
    assert "county" in fields(
        api_client.post(f"{API}/payrolls", {"county": "999999", "month": "2016-11"})
    )
    assert (
        api_client.post(f"{API}/payrolls", {"county": "420881", "month": "2016-11"}).status_code
        == 404
    )
    r = api_client.post(f"{API}/payrolls", {"county": "420802", "month": "2016-11"})
    assert r.status_code == 201, r.content
    run_id = r.json()["id"]
    # The job is queued when the request's transaction commits; a test transaction never does, so
    # compute here what the job computes, and record it as done.
    job_id = r.json()["job_id"]
    assert Job.objects.get(pk=job_id).params == {"run_id": run_id}
    payroll.compute_payroll(run=PayrollRun.objects.get(pk=run_id))
    assert (
        api_client.post(f"{API}/payrolls/{run_id}/approve").status_code == 409
    )  # its job has not finished
    Job.objects.filter(pk=job_id).update(status=Job.Status.SUCCEEDED)
    run = api_client.get(f"{API}/payrolls/{run_id}").json()
    assert (run["status"], run["line_count"], run["total"]) == ("computed", 2, "1229.00")
    lines = api_client.get(f"{API}/payrolls/{run_id}/lines")
    assert lines.json()["count"] == 2
    no_full_account(lines)
    assert {line["account_masked"] for line in lines.json()["items"]} == {
        world["households"]["dongbao"].bank_account_masked,
        world["households"]["alone"].bank_account_masked,
    }
    # Export before approval: 409.
    assert api_client.post(f"{API}/payrolls/{run_id}/export", {"format": "csv"}).status_code == 409
    assert "format" in fields(api_client.post(f"{API}/payrolls/{run_id}/export", {"format": "pdf"}))

    # Another county's approver and a township clerk see nothing of it; a leader sees it but may not act.
    make_user("zhongxiang_approver", Role.COUNTY_APPROVER, world["regions"]["zhongxiang"])
    for username in ("zhongxiang_approver", "dongbao_clerk"):
        api_client.login(username)
        assert api_client.get(f"{API}/payrolls/{run_id}").status_code == 404
        assert api_client.get(f"{API}/payrolls").json()["items"] == []
        assert api_client.post(f"{API}/payrolls/{run_id}/approve").status_code == 404
        assert api_client.get(f"{API}/payrolls/{run_id}/lines").status_code == 404
        assert (
            api_client.post(f"{API}/payrolls/{run_id}/export", {"format": "csv"}).status_code == 404
        )
        assert api_client.post(f"{API}/payrolls/{run_id}/compute").status_code == 404
    api_client.login("leader")
    assert [r["id"] for r in api_client.get(f"{API}/payrolls").json()["items"]] == [run_id]
    assert api_client.post(f"{API}/payrolls/{run_id}/approve").status_code == 403

    api_client.login("dongbao_approver")
    r = api_client.post(f"{API}/payrolls/{run_id}/approve")
    assert (
        r.status_code == 200
        and r.json()["status"] == "approved"
        and r.json()["approved_by"] == "dongbao_approver"
    )
    exported = api_client.post(f"{API}/payrolls/{run_id}/export", {"format": "csv"})
    assert (
        exported.status_code == 200
        and exported["Content-Disposition"] == 'attachment; filename="payroll-420802-2016-11.csv"'
    )
    text = exported.content.decode("utf-8-sig")
    assert (
        "6217000012345678901" in text
        and "6222000044445555666" in text
        and "6217000098765432109" not in text
    )
    event = AuditEvent.objects.get(action="export", object_type="payments.payrollrun")
    assert event.actor_name == "dongbao_approver" and event.channel == "api"
    # The bank file's own account numbers never come back through the JSON endpoints.
    no_full_account(api_client.get(f"{API}/payrolls/{run_id}/lines"))

    ids = list(
        PayrollLine.objects.filter(run_id=run_id).order_by("id").values_list("pk", "amount_fen")
    )
    content = "流水号,金额,结果,失败原因\n" + "\n".join(
        f"{pk},{fen / 100:.2f},{'成功' if i == 0 else '失败'},{'' if i == 0 else '账号错误'}"
        for i, (pk, fen) in enumerate(ids)
    )
    upload = io.BytesIO(content.encode("utf-8"))
    upload.name = "return.csv"
    from django.test import Client

    client = Client()
    r = client.post(
        f"{API}/payrolls/{run_id}/returns",
        {"file": upload},
        HTTP_AUTHORIZATION=f"Bearer {api_client.token}",
    )
    assert r.status_code == 201, r.content
    assert (r.json()["paid"], r.json()["failed"], r.json()["run"]["status"]) == (1, 1, "reconciled")


def test_simulator_recompute_and_death_scan_endpoints(api_client, world):
    body = {
        "programme": "dibao_urban",
        "key": "standard",
        "region": "420800",
        "value": "520",
        "effective_from": "2017-01-01",
    }
    api_client.login("city_section")
    r = api_client.post(f"{API}/simulate", body)
    assert r.status_code == 200, r.content
    out = r.json()
    by_county = {c["code"]: c for c in out["counties"]}
    # 东宝区: 张三 480 → 520, 孙奶奶 749 → 801 (1.3 × 520 + 125).
    assert (by_county["420802"]["monthly_before"], by_county["420802"]["monthly_after"]) == (
        "1229.00",
        "1321.00",
    )
    assert by_county["420802"]["yearly_after"] == "15852.00" and out["value"] == "520.00"
    assert "effective_from" in fields(
        api_client.post(f"{API}/simulate", {**body, "effective_from": "not a date"})
    )
    assert "value" in fields(api_client.post(f"{API}/simulate", {**body, "value": "abc"}))
    api_client.login("dongbao_approver")
    assert api_client.post(f"{API}/simulate", {**body, "region": "420881"}).status_code == 404
    assert [
        c["code"]
        for c in api_client.post(f"{API}/simulate", {**body, "region": "420802"}).json()["counties"]
    ] == ["420802"]
    api_client.login("dongbao_clerk")
    assert api_client.post(f"{API}/simulate", {**body, "region": "420802001"}).status_code == 403
    assert api_client.post(f"{API}/deaths/scan").status_code == 403
    api_client.login("dongbao_approver")
    r = api_client.post(f"{API}/deaths/scan")
    assert r.status_code == 202 and r.json()["status"] == "queued"
    from minzheng.assistance.services import set_standard

    standard = set_standard(
        user=world["users"]["city_section"],
        programme="dibao_urban",
        key="standard",
        region=world["regions"]["city"],
        effective_from=D("2017-01-01"),
        value=52000,
        reason="提标",
    )
    assert (
        api_client.post(f"{API}/recompute", {"standard_id": standard.pk}).status_code == 404
    )  # a city-wide standard
    api_client.login("leader")
    assert api_client.post(f"{API}/recompute", {"standard_id": standard.pk}).status_code == 403
    api_client.login("city_section")
    assert api_client.post(f"{API}/recompute", {"standard_id": 999999}).status_code == 404
    r = api_client.post(f"{API}/recompute", {"standard_id": standard.pk})
    assert r.status_code == 202
    api_client.login("dongbao_clerk")
    assert api_client.get(f"{API}/overpayments").status_code == 200

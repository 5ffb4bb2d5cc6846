"""Bad input answers 4xx with a message naming the field (Chinese, English on request), never a
500; production answers JSON under /api, never Django's HTML pages. Each row is an input that
answered 500 (or HTML, or an English pydantic text) before the shared checks."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client

from minzheng.api.auth import issue_token
from minzheng.assistance.services import load_default_standards
from minzheng.cases import services as case_services
from minzheng.cases.models import Programme, SpotCheck, State
from minzheng.core.errors import ServiceError
from minzheng.people.models import Person
from tests.fixtures.cases import apply_as_clerk, authorise

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def world(case_world):
    return case_world


BIG = str(2**70)


@pytest.fixture
def call(client, users):
    def call(method, path, body=None, *, who="admin", lang="zh-hans", raw=None, **extra):
        headers = {
            "HTTP_AUTHORIZATION": f"Bearer {issue_token(users[who])['token']}",
            "HTTP_ACCEPT_LANGUAGE": lang,
            **extra,
        }
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        return (
            getattr(client, method)(path, data, **kwargs, **headers)
            if data is not None
            else getattr(client, method)(path, **headers)
        )

    return call


def fields(response) -> dict[str, str]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return {e["field"]: e["message"] for e in response.json().get("errors") or []}


PERSON = {
    "id_number": "420802198001010114",
    "name": "赵六",
    "hukou_region": "420802001001",
    "hukou_type": "urban",
}


@pytest.mark.parametrize(
    "method, path, body, status, field",
    [
        # Pagination bounds: a negative offset sliced the queryset (ValueError → 500).
        ("get", "/api/v1/people?offset=-1", None, 422, "offset"),
        ("get", "/api/v1/households?offset=-1", None, 422, "offset"),
        ("get", "/api/v1/assistance/cases?offset=-1", None, 422, "offset"),
        ("get", "/api/v1/people?limit=100000", None, 422, "limit"),
        # Integers beyond 64 bits: OverflowError on SQLite, out of range on PostgreSQL.
        ("get", f"/api/v1/verification/findings?case_id={BIG}", None, 422, "case_id"),
        ("get", f"/api/v1/eldercare/bookings?person_id={BIG}", None, 422, "person_id"),
        (
            "post",
            "/api/v1/households",
            {"region": "420802001001", "head_id": 2**70},
            422,
            "head_id",
        ),
        (
            "post",
            "/api/v1/assistance/cases",
            {"programme": "temporary", "household_id": 2**64},
            422,
            "household_id",
        ),
        # Year 0: the pattern accepted it and the calendar raised.
        ("post", "/api/v1/eldercare/allowance/scan", {"month": "0000-01"}, 422, "month"),
        ("post", "/api/v1/eldercare/allowance/reconcile", {"month": "0000-01"}, 422, "month"),
        ("get", "/api/v1/assistance/payments/payrolls?month=0000-01", None, 422, "month"),
        ("get", "/api/v1/eldercare/bookings?month=0000-12", None, 422, "month"),
        # Date arithmetic below year 1.
        ("get", "/api/v1/eldercare/indicators?on=0001-01-01", None, 422, "on"),
        (
            "get",
            "/api/v1/targets/indicators/low_income_coverage/values?region=420800&date_from=0001-01-01",
            None,
            422,
            "date_from",
        ),
        # Implausible dates, phones and names.
        (
            "post",
            "/api/v1/assistance/cases",
            {"programme": "temporary", "applied_on": "1800-01-01"},
            422,
            "applied_on",
        ),
        ("post", "/api/v1/people", PERSON | {"phone": "call me"}, 422, "phone"),
        ("post", "/api/v1/people", PERSON | {"phone": "12345"}, 422, "phone"),
        ("post", "/api/v1/people", PERSON | {"name": "赵\u202e六"}, 422, "name"),
        ("post", "/api/v1/people", PERSON | {"name": "赵\x07六"}, 422, "name"),
        # NUL: PostgreSQL refuses it in text (500 before), in the body and in the query.
        ("post", "/api/v1/people", PERSON | {"name": "赵\x00六"}, 422, "name"),
        (
            "post",
            "/api/v1/households",
            {"region": "420802001001", "head_id": 1, "address": "a\x00b"},
            422,
            "address",
        ),
        ("get", "/api/v1/people?q=%E5%BC%A0%00", None, 422, "q"),
        ("get", "/api/v1/assistance/cases?q=%00", None, 422, "q"),
        # Amounts beyond anything a programme pays.
        (
            "post",
            "/api/v1/assistance/cases",
            {"programme": "temporary", "requested_amount_fen": 10**13},
            422,
            "requested_amount_fen",
        ),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(call, people, method, path, body, status, field):
    response = call(method, path, body)
    assert response.status_code == status, response.content[:300]
    errors = fields(response)
    assert field in errors, errors
    assert errors[field] and not any(
        ch.isascii() and ch.isalpha() for ch in errors[field].replace("YYYY-MM-DD", "")
    ), errors


def test_path_ids_beyond_64_bits_are_a_json_404(call, people):
    for path in (
        f"/api/v1/people/{BIG}",
        f"/api/v1/households/{BIG}",
        f"/api/v1/assistance/cases/{BIG}/events",
    ):
        response = call("get", path)
        assert response.status_code == 404 and response.json()["detail"] == "记录不存在"


def test_an_oversized_json_body_is_413_json(call, people):
    body = json.dumps(PERSON | {"name": "x" * (5 * 1024 * 1024)})
    response = call("post", "/api/v1/people", raw=body)
    assert response.status_code == 413
    assert response.json()["detail"] == "请求体过大"


def test_malformed_json_is_reported_in_the_callers_language(call, people):
    zh = call("post", "/api/v1/people", raw="{")
    assert zh.status_code == 400 and zh.json()["detail"] == "请求体不是有效的 JSON"
    en = call("post", "/api/v1/people", raw="{", lang="en")
    assert en.status_code == 400 and en.json()["detail"] == "The request body is not valid JSON"


def test_pydantic_messages_are_never_english_unless_asked(call, people):
    # sex has a pattern and disability_grade bounds: "String should match pattern…" came out before.
    zh = fields(call("post", "/api/v1/people", PERSON | {"sex": "X", "disability_grade": 9}))
    assert zh["sex"] == "取值无效，可选值：M, F" and zh["disability_grade"] == "数值超出允许范围"
    assert (
        fields(call("post", "/api/v1/eldercare/allowance/scan", {"month": "2024-13"}))["month"]
        == "格式不正确"
    )
    en = fields(call("post", "/api/v1/people", {"name": "赵六"}, lang="en"))
    assert en["id_number"] == "This field is required"


def test_the_form_the_api_and_the_import_share_the_phone_and_name_rules(people):
    from minzheng.people.services import validate_person_fields

    _rid, errors = validate_person_fields(
        id_number=PERSON["id_number"], name="赵\u2066六", hukou_type="urban", phone="0724-12"
    )
    assert set(errors) == {"name", "phone"}
    for good in ("13800138000", "+86 138 0013 8000", "0724-2345678", "07242345678", "2345678"):
        assert (
            validate_person_fields(
                id_number=PERSON["id_number"],
                name="阿依古丽·买买提",
                hukou_type="urban",
                phone=good,
            )[1]
            == {}
        )


def test_production_answers_json_for_api_404_and_500(settings, users, people, monkeypatch):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(users['admin'])['token']}"}
    missing = client.get("/api/v1/no-such-thing", **auth)
    assert missing.status_code == 404 and missing["Content-Type"].startswith("application/json")
    assert missing.json()["detail"] == "记录不存在"
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")

    from minzheng.api import v1_people

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(v1_people.selectors, "get_person", broken)
    crashed = client.get(f"/api/v1/people/{people['zhang'].pk}", **auth)
    assert crashed.status_code == 500 and crashed["Content-Type"].startswith("application/json")
    assert "boom" not in crashed.content.decode() and crashed.json()["detail"].startswith(
        "服务器内部错误"
    )


def test_a_stored_nul_does_not_break_the_village_export(call, people):
    # Rows written before input was checked (or by a bulk load) may hold one on SQLite;
    # PostgreSQL cannot store it at all.
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL refuses NUL in text")
    Person.objects.filter(pk=people["zhang"].pk).update(name="张\x00三")
    response = call("get", "/api/v1/people/export.xlsx?region=420802001001")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_a_county_decision_above_the_temporary_assistance_cap_is_refused(world, set_today):
    load_default_standards()
    u = world["users"]
    set_today("2016-09-30")
    case = apply_as_clerk(
        world,
        programme=Programme.TEMPORARY,
        on="2016-09-30",
        is_emergency=True,
        requested_amount_fen=300000,
        reason="火灾",
    )
    case_services.grant_emergency(
        user=u["dongbao_clerk"], case=case, amount_fen=80000, method="cash"
    )
    set_today("2016-10-10")
    authorise(world, case, signed_on="2016-10-09")
    case = case_services.complete_emergency_paperwork(user=u["dongbao_clerk"], case=case)
    if SpotCheck.objects.filter(case=case).exists():
        case_services.record_spot_check(
            user=u["dongbao_approver"],
            case=case,
            checked_on=dt.date(2016, 10, 10),
            investigators=["王", "赵"],
            findings="属实",
        )
    # The emergency cap is 3,000 元 (defaults): one fen more is refused, the cap itself approved.
    with pytest.raises(ServiceError) as exc:
        case_services.county_decision(
            user=u["dongbao_approver"], case=case, approve=True, amount_fen=300001
        )
    assert "3000.00" in exc.value.errors["amount_fen"][0]
    case = case_services.county_decision(
        user=u["dongbao_approver"], case=case, approve=True, amount_fen=300000
    )
    assert case.state == State.APPROVED


@pytest.mark.parametrize(
    "text, ok",
    [
        ("2016-10", True),
        ("1900-01", True),
        ("2100-12", True),
        ("0001-01", False),
        ("1899-12", False),
        ("9999-12", False),
        ("2016-10-02", False),
    ],
)
def test_months_outside_the_plausible_years_are_refused_for_pages_too(text, ok):
    from minzheng.payments import months

    if ok:
        assert months.parse(text).isoformat()[:7] == text
    else:
        with pytest.raises(ValueError):
            months.parse(text)

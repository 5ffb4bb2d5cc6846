"""POST /api/v1/assistance/quote and the standards endpoints: figures, scope (404 outside the
caller's subtree), validation (422 naming the field), roles, and that a quote saves nothing."""

import pytest

from minzheng.accounts.models import Role
from minzheng.assistance import services
from minzheng.assistance.models import Standard
from minzheng.core.models import AuditEvent

from .conftest import make_id, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/assistance/quote"


@pytest.fixture
def standards(jingmen):
    services.load_default_standards()


def body(**kw):
    data = {
        "programme": "dibao_urban",
        "region": "420802001",
        "date": "2016-06-01",
        "members": [
            {"relation": "head", "age": 45, "income": {"wage": "600"}},
            {
                "relation": "spouse",
                "age": 50,
                "income": {"pension": "300", "old_age_allowance": "100"},
            },
            {"relation": "child", "age": 20},
        ],
    }
    data.update(kw)
    return data


def errors_of(response) -> dict:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_worked_example_in_dongbao(api_client, users, standards):
    api_client.login("dongbao_clerk")
    r = api_client.post(URL, body())
    assert r.status_code == 200, r.content
    out = r.json()
    # (480 − 900 / 3) × 3 = 540.00; the old-age allowance is excluded.
    assert out["eligible"] is True and out["reasons"] == []
    assert (
        out["monthly_amount"] == "540.00"
        and out["one_off_amount"] is None
        and out["amount_kind"] == "monthly"
    )
    assert [m["amount"] for m in out["members"]] == ["180.00", "180.00", "180.00"]
    assert (
        out["members"][1]["excluded_income"] == "100.00"
        and out["members"][1]["countable_income"] == "300.00"
    )
    assert out["rule_version"] == "dibao-2016.1" and out["programme_name"] == "城市最低生活保障"
    standard = next(
        t for t in out["trace"] if t["step"] == "standard" and t["detail"]["key"] == "standard"
    )
    assert standard["value"] == "480.00" and standard["detail"]["region"] == "420800"
    income = next(t for t in out["trace"] if t["step"] == "income")
    assert income["detail"]["excluded"] == {"old_age_allowance": "100.00"}


def test_same_household_in_zhongxiang_uses_400(api_client, users, standards):
    api_client.login("zhongxiang_clerk")
    out = api_client.post(URL, body(region="420881001")).json()
    # (400 − 300) × 3 = 300.00
    assert out["monthly_amount"] == "300.00"


def test_quote_saves_nothing(api_client, users, standards):
    api_client.login("dongbao_clerk")
    counts = (Standard.objects.count(), AuditEvent.objects.count())
    assert api_client.post(URL, body()).status_code == 200
    assert (Standard.objects.count(), AuditEvent.objects.count()) == counts


def test_id_number_gives_age_and_sex(api_client, users, standards):
    api_client.login("dongbao_clerk")
    # Born 1950-03-01: 66 on 2016-06-01 → elderly uplift 10 % × 480 = 48.00; alone, no income: 528.00.
    out = api_client.post(
        URL, body(members=[{"relation": "head", "id_number": make_id("420802", "19500301", 11)}])
    ).json()
    assert out["members"][0]["age"] == 66 and out["monthly_amount"] == "528.00"


def test_ineligible_answer_has_reasons(api_client, users, standards):
    api_client.login("dongbao_clerk")
    out = api_client.post(URL, body(property={"cars": [{"value": "120000"}], "homes": 2})).json()
    assert out["eligible"] is False and out["monthly_amount"] == "0.00"
    assert [r["code"] for r in out["reasons"]] == ["car", "homes"]
    assert "120000.00" in out["reasons"][0]["message"]


@pytest.mark.parametrize(
    "extra, amount_field, expected",
    [
        # Rural, 栗溪 village: 2 × 2800 / 12 = 466.67.
        (
            {
                "programme": "dibao_rural",
                "region": "420802100200",
                "members": [{"relation": "head", "age": 40}, {"relation": "spouse", "age": 41}],
            },
            "monthly_amount",
            "466.67",
        ),
        # 特困, urban, 75, four items not met: 624 + 5000 / 12 = 1040.67.
        (
            {
                "programme": "tekun",
                "hukou_type": "urban",
                "members": [
                    {
                        "relation": "head",
                        "age": 75,
                        "self_care_unable": ["eating", "dressing", "toileting", "bathing"],
                    }
                ],
            },
            "monthly_amount",
            "1040.67",
        ),
        # Temporary: 5,000 − 1,000 capped at 3,000.00.
        (
            {
                "programme": "temporary",
                "temporary": {"kind": "expenditure", "expenditure": "5000", "can_bear": "1000"},
            },
            "one_off_amount",
            "3000.00",
        ),
        # Medical: (40,000 − 24,000 − 6,000 − 2,000) × 70 % = 5,600.00, room 80,000 − 77,000 = 3,000.00.
        (
            {
                "programme": "medical",
                "members": [{"relation": "head", "age": 50, "dibao_recipient": True}],
                "medical": {
                    "total": "50000",
                    "in_policy": "40000",
                    "basic_insurance": "24000",
                    "critical_illness": "6000",
                    "other_insurance": "2000",
                    "already_paid_this_year": "77000",
                },
            },
            "one_off_amount",
            "3000.00",
        ),
        (
            {
                "programme": "disability_living",
                "dibao_household": True,
                "members": [
                    {
                        "relation": "head",
                        "age": 30,
                        "disability_type": "physical",
                        "disability_grade": 3,
                    }
                ],
            },
            "monthly_amount",
            "50.00",
        ),
        (
            {
                "programme": "disability_nursing",
                "members": [
                    {
                        "relation": "head",
                        "age": 30,
                        "disability_type": "physical",
                        "disability_grade": 1,
                    }
                ],
            },
            "monthly_amount",
            "100.00",
        ),
    ],
)
def test_each_programme_through_the_api(
    api_client, users, standards, extra, amount_field, expected
):
    api_client.login("dongbao_approver")
    r = api_client.post(URL, body(**extra))
    assert r.status_code == 200, r.content
    assert r.json()[amount_field] == expected


# --- scope and roles ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username, region, status",
    [
        ("dongbao_clerk", "420802001", 200),
        ("dongbao_clerk", "420802001001", 200),  # a community inside the township
        ("dongbao_clerk", "420881001", 404),  # another county
        ("dongbao_clerk", "420800", 404),  # an ancestor is visible for breadcrumbs but not in scope
        ("dongbao_clerk", "999999", 404),
        ("zhongxiang_clerk", "420802001", 404),
        ("dongbao_approver", "420802102", 200),
        ("city_section", "420881001", 200),
        ("leader", "420821451", 200),  # read-only roles may quote
        ("admin", "4208Z2", 200),
    ],
)
def test_scope(api_client, users, standards, username, region, status):
    api_client.login(username)
    r = api_client.post(URL, body(region=region))
    assert r.status_code == status, r.content
    if status == 404:
        assert r.json()["detail"] == "记录不存在"


def test_unauthenticated_and_resident(api_client, users, standards):
    assert api_client.post(URL, body()).status_code == 401
    make_user("resident1", Role.RESIDENT)
    api_client.login("resident1")
    assert api_client.post(URL, body()).status_code == 403


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field",
    [
        ({"programme": "dibao"}, "programme"),
        ({"date": "2016-02-30"}, "date"),
        ({"region": "42"}, "region"),
        ({"members": []}, "members"),
        (
            {"members": [{"relation": "head", "age": 40, "income": {"wage": "-1"}}]},
            "members.0.income.wage",
        ),
        (
            {"members": [{"relation": "head", "age": 40, "income": {"wage": "1.005"}}]},
            "members.0.income.wage",
        ),
        (
            {"members": [{"relation": "head", "age": 40, "income": {"wage": "abc"}}]},
            "members.0.income.wage",
        ),
        ({"members": [{"relation": "boss", "age": 40}]}, "members.0.relation"),
        ({"members": [{"relation": "head", "age": 200}]}, "members.0.age"),
        (
            {
                "members": [
                    {
                        "relation": "head",
                        "age": 40,
                        "disability_grade": 5,
                        "disability_type": "physical",
                    }
                ]
            },
            "members.0.disability_grade",
        ),
        (
            {"members": [{"relation": "head", "age": 40, "self_care_unable": ["flying"]}]},
            "members.0.self_care_unable.0",
        ),
        (
            {"members": [{"relation": "head", "age": 40, "excluded_reason": "abroad"}]},
            "members.0.excluded_reason",
        ),
        ({"property": {"homes": -1}}, "property.homes"),
        ({"property": {"cars": [{"value": "-5"}]}}, "property.cars.0.value"),
        ({"property": {"business_roles": ["ceo"]}}, "property.business_roles.0"),
        ({"supporters": ["rich"]}, "supporters.0"),
    ],
)
def test_schema_errors_name_the_field(api_client, users, standards, change, field):
    api_client.login("dongbao_clerk")
    assert field in errors_of(api_client.post(URL, body(**change)))


@pytest.mark.parametrize(
    "change, field",
    [
        # semantic checks, after the schema
        ({"members": [{"relation": "head"}]}, "members.0.age"),
        (
            {
                "members": [
                    {"relation": "head", "age": 40},
                    {"relation": "child", "id_number": "420802199001011235"},
                ]
            },
            "members.1.id_number",
        ),
        (
            {
                "members": [
                    {"relation": "head", "id_number": make_id("420802", "19500301", 11), "age": 40}
                ]
            },
            "members.0.age",
        ),
        (
            {
                "members": [
                    {"relation": "head", "id_number": make_id("420802", "19500301", 11), "sex": "F"}
                ]
            },
            "members.0.sex",
        ),
        (
            {"members": [{"relation": "head", "id_number": make_id("420802", "20170101", 11)}]},
            "members.0.id_number",
        ),
        (
            {"members": [{"relation": "head", "age": 40, "disability_type": "physical"}]},
            "members.0.disability_grade",
        ),
        ({"programme": "tekun"}, "hukou_type"),
        ({"programme": "temporary"}, "temporary"),
        ({"programme": "medical"}, "medical"),
        (
            {"programme": "medical", "medical": {"total": "100", "in_policy": "200"}},
            "medical.in_policy",
        ),
        (
            {
                "programme": "medical",
                "medical": {
                    "total": "100",
                    "in_policy": "100",
                    "basic_insurance": "80",
                    "critical_illness": "30",
                },
            },
            "medical.critical_illness",
        ),
        (
            {"programme": "medical", "medical": {"patient": 3, "total": "100", "in_policy": "100"}},
            "medical.patient",
        ),
        # No standard in force before the defaults' effective date.
        ({"date": "2015-06-01"}, "date"),
    ],
)
def test_semantic_errors_name_the_field(api_client, users, standards, change, field):
    api_client.login("dongbao_clerk")
    assert field in errors_of(api_client.post(URL, body(**change)))


def test_error_messages_are_chinese(api_client, users, standards):
    api_client.login("dongbao_clerk")
    r = api_client.post(
        URL, body(members=[{"relation": "head", "age": 40, "income": {"wage": "-1"}}])
    )
    assert (
        r.json()["detail"] == "输入有误" and r.json()["errors"][0]["message"] == "数值超出允许范围"
    )


# --- standards endpoints -----------------------------------------------------------------------


def test_standards_in_force_with_derivation(api_client, users, standards):
    api_client.login("dongbao_clerk")
    r = api_client.get(
        "/api/v1/assistance/standards", region="420802001", programme="tekun", on="2016-06-01"
    )
    assert r.status_code == 200, r.content
    items = {i["key"]: i for i in r.json()["items"]}
    assert set(i["programme"] for i in r.json()["items"]) == {"tekun"}
    urban = items["basic_living_urban"]
    assert urban["value"] == "624.00" and urban["unit_label"] == "元/月"
    assert (
        urban["derivation"]["kind"] == "standard" and urban["derivation"]["base_value"] == "480.00"
    )
    assert items["basic_living_rural"]["derivation"]["statistic_value"] == "9803.00"
    # Parents of the caller's region can be read (the city's defaults), other counties cannot.
    assert (
        api_client.get("/api/v1/assistance/standards", region="420800", on="2016-06-01").status_code
        == 200
    )
    assert api_client.get("/api/v1/assistance/standards", region="420881001").status_code == 404


def test_set_standard_through_the_api(api_client, users, standards):
    api_client.login("city_section")
    payload = {
        "programme": "dibao_urban",
        "key": "standard",
        "region": "420881",
        "effective_from": "2017-01-01",
        "value": "430.00",
        "reason": "2017年钟祥提标",
    }
    r = api_client.post("/api/v1/assistance/standards", payload)
    assert r.status_code == 201, r.content
    assert (
        r.json()["value"] == "430.00"
        and r.json()["set_by"] == "city_section"
        and r.json()["version"] == 1
    )
    assert Standard.objects.get(pk=r.json()["id"]).value == 43000
    got = api_client.get(
        "/api/v1/assistance/standards", region="420881001", programme="dibao_urban", on="2017-01-01"
    ).json()
    assert next(i for i in got["items"] if i["key"] == "standard")["value"] == "430.00"
    history = api_client.get(
        "/api/v1/assistance/standards/history",
        programme="dibao_urban",
        key="standard",
        region="420881",
    ).json()
    assert [h["value"] for h in history] == ["430.00", "400.00"] and history[0][
        "reason"
    ] == "2017年钟祥提标"
    # A derivation through the API: 30 % of 2015 urban consumption, from 2016-07-01 city-wide.
    derived = {
        "programme": "dibao_urban",
        "key": "standard",
        "region": "420800",
        "effective_from": "2016-07-01",
        "derive_from": {"statistic": "urban_consumption_per_capita", "ratio": "0.30"},
        "reason": "按规划测算",
    }
    assert api_client.post("/api/v1/assistance/standards", derived).status_code == 201
    api_client.login("dongbao_clerk")
    out = api_client.post(URL, body(date="2016-08-01")).json()
    # (454.80 − 300) × 3 = 464.40
    assert out["monthly_amount"] == "464.40"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"reason": ""}, "reason"),
        ({"value": "abc"}, "value"),
        ({"value": "4.005"}, "value"),
        ({"key": "nonsense"}, "key"),
        ({"effective_from": "2017-13-01"}, "effective_from"),
        ({"value": None}, "value"),
    ],
)
def test_set_standard_validation_through_the_api(api_client, users, standards, change, field):
    api_client.login("city_section")
    payload = {
        "programme": "dibao_urban",
        "key": "standard",
        "region": "420881",
        "effective_from": "2017-01-01",
        "value": "430.00",
        "reason": "调整",
    }
    payload.update(change)
    assert field in errors_of(api_client.post("/api/v1/assistance/standards", payload))


@pytest.mark.parametrize(
    "username, status",
    [("dongbao_clerk", 403), ("dongbao_approver", 403), ("leader", 403), ("admin", 201)],
)
def test_set_standard_roles(api_client, users, standards, username, status):
    api_client.login(username)
    payload = {
        "programme": "dibao_urban",
        "key": "standard",
        "region": "420802",
        "effective_from": "2017-01-01",
        "value": "500",
        "reason": "调整",
    }
    assert api_client.post("/api/v1/assistance/standards", payload).status_code == status


def test_parameter_registry(api_client, users):
    api_client.login("dongbao_clerk")
    programmes = {p["code"]: p for p in api_client.get("/api/v1/assistance/parameters").json()}
    assert set(programmes) == {
        "dibao_urban",
        "dibao_rural",
        "tekun",
        "temporary",
        "medical",
        "disability_living",
        "disability_nursing",
        "old_age_allowance",
        "home_care_subsidy",
        "orphan_allowance",
        "special_care_pension",
        "conscript_family_benefit",
    }
    keys = {p["key"]: p for p in programmes["dibao_rural"]["parameters"]}
    assert keys["standard"]["unit"] == "fen_year" and keys["standard"]["unit_label"] == "元/年"
    assert {c["code"] for c in keys["income_excluded_types"]["choices"]} >= {
        "wage",
        "old_age_allowance",
    }

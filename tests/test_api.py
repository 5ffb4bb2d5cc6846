"""The JSON API: authentication, validation (422 naming the field), scope (404), masking, audit."""

import pytest

from minzheng.core.models import AuditEvent
from minzheng.people.models import Person

from .conftest import make_id

pytestmark = pytest.mark.django_db


def test_token_login_and_bad_password(api_client, users):
    r = api_client.post("/api/v1/auth/token", {"username": "dongbao_clerk", "password": "wrong"})
    assert r.status_code == 401
    assert r.json()["errors"][0]["field"] == "password"
    assert AuditEvent.objects.filter(action="login_failed").exists()
    api_client.login("dongbao_clerk")
    assert AuditEvent.objects.filter(
        action="login", actor_name="dongbao_clerk", channel="api"
    ).exists()


def test_unauthenticated_is_401(api_client, people):
    assert api_client.get("/api/v1/people").status_code == 401


def test_openapi_schema_lists_the_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/regions/{code}",
        "/api/v1/regions",
        "/api/v1/people",
        "/api/v1/people/{person_id}",
        "/api/v1/households",
        "/api/v1/households/{household_id}",
    ]:
        assert path in paths


def test_region_detail_children_alias_and_zone(api_client, users):
    api_client.login("city_section")
    r = api_client.get("/api/v1/regions/420882")  # 京山's 2018 code resolves to the 2016 unit
    assert r.status_code == 200 and r.json()["code"] == "420821" and r.json()["name"] == "京山县"
    children = api_client.get("/api/v1/regions", parent="420800").json()
    codes = {c["code"] for c in children}
    assert {"420802", "420804", "420821", "420822", "420881", "4208Z1", "4208Z2"} <= codes
    zhanghe = api_client.get("/api/v1/regions/4208Z1").json()
    assert {m["code"] for m in zhanghe["members"]} == {"420802102", "420804004"}
    town = api_client.get("/api/v1/regions/420802102").json()
    assert town["parent"]["code"] == "420802"  # keeps its statutory parent
    assert [z["code"] for z in town["zones"]] == ["4208Z1"]


def test_create_person_and_read_back_masked(api_client, jingmen, users):
    api_client.login("dongbao_clerk")
    number = make_id("420802", "19660606", 45)
    r = api_client.post(
        "/api/v1/people",
        {
            "id_number": number,
            "name": "赵六",
            "hukou_region": "420802001001",
            "hukou_type": "urban",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["id_number_masked"] == number[:4] + "*" * 10 + number[-4:]
    assert body["sex"] == "M" and body["birth_date"] == "1966-06-06"
    assert number not in r.content.decode()
    person = Person.objects.get(pk=body["id"])
    assert number not in person.id_cipher  # encrypted at rest
    assert api_client.get(f"/api/v1/people/{body['id']}").json()["name"] == "赵六"
    # exact search by full ID through the keyed hash, and by pinyin initials
    assert api_client.get("/api/v1/people", q=number).json()["count"] == 1
    assert api_client.get("/api/v1/people", q="zl").json()["count"] == 1
    assert AuditEvent.objects.filter(
        action="create", object_type="people.person", object_id=str(body["id"])
    ).exists()


@pytest.mark.parametrize(
    "patch, field, zh, en",
    [
        ({"id_number": "420881198512120021"}, "id_number", "校验码", "check"),
        ({"id_number": "34052419800101001x"}, "id_number", "大写X", "upper-case"),
        ({"birth_date": "1990-02-30"}, "birth_date", "日期", "date"),
        ({"hukou_region": "420802999999"}, "hukou_region", "不存在", "unknown region"),
        # An enum in the schema: the message lists the values (no pydantic English).
        ({"hukou_type": "城里"}, "hukou_type", "取值无效，可选值：urban, rural", "urban, rural"),
        ({"disability_grade": 7}, "disability_grade", "范围", "range"),
        ({"name": ""}, "name", "长度", "characters"),
    ],
)
def test_invalid_person_is_422_naming_the_field(api_client, jingmen, users, patch, field, zh, en):
    api_client.login("dongbao_clerk")
    payload = {
        "id_number": make_id("420802", "19700101", 51),
        "name": "孙七",
        "hukou_region": "420802001001",
        "hukou_type": "urban",
    } | patch
    for lang, word in (("zh-hans", zh), ("en", en)):
        r = api_client.post("/api/v1/people", payload, lang=lang)
        assert r.status_code == 422, r.content
        errors = {e["field"]: e["message"] for e in r.json()["errors"]}
        assert field in errors, errors
        assert word.lower() in errors[field].lower(), (lang, errors)
    assert not Person.objects.filter(name="孙七").exists()


def test_second_registration_of_an_id_is_refused_with_a_link(api_client, people):
    api_client.login("dongbao_clerk")
    r = api_client.post(
        "/api/v1/people",
        {
            "id_number": people["zhang"].id_number,
            "name": "张三丰",
            "hukou_region": "420802001001",
            "hukou_type": "urban",
        },
    )
    assert r.status_code == 409
    assert f"/people/{people['zhang'].pk}/" in r.json()["errors"][0]["message"]


def test_same_name_and_birth_date_is_flagged(api_client, people):
    from minzheng.people.models import PossibleDuplicate

    api_client.login("dongbao_clerk")
    other_id = make_id("420802", "19800101", 13)  # 张三's birth date, another sequence
    r = api_client.post(
        "/api/v1/people",
        {
            "id_number": other_id,
            "name": "张三",
            "hukou_region": "420802001001",
            "hukou_type": "urban",
        },
    )
    assert r.status_code == 201
    assert PossibleDuplicate.objects.filter(
        person_id=r.json()["id"], other=people["zhang"]
    ).exists()


def test_household_create_with_members_and_validation(api_client, people, jingmen):
    api_client.login("dongbao_approver")
    a = api_client.post(
        "/api/v1/people",
        {
            "id_number": make_id("420802", "19500101", 61),
            "name": "周老汉",
            "hukou_region": "420802100200",
            "hukou_type": "rural",
        },
    ).json()
    b = api_client.post(
        "/api/v1/people",
        {
            "id_number": make_id("420802", "19520101", 62),
            "name": "吴大娘",
            "hukou_region": "420802100200",
            "hukou_type": "rural",
        },
    ).json()
    bad = api_client.post(
        "/api/v1/households", {"region": "420802100200", "head_id": a["id"], "bank_account": "12ab"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "bank_account"
    r = api_client.post(
        "/api/v1/households",
        {
            "region": "420802100200",
            "head_id": a["id"],
            "members": [{"person_id": b["id"], "relation": "spouse"}],
            "bank_account": "6217000011112222333",
        },
    )
    assert r.status_code == 201, r.content
    hh = r.json()
    assert [m["relation"] for m in hh["members"]] == ["head", "spouse"]
    assert hh["bank_account_masked"] == "6217***********2333"
    # a person already in a household cannot join a second one
    again = api_client.post(
        f"/api/v1/households/{hh['id']}/members",
        {"person_id": people["li"].pk, "relation": "other"},
    )
    assert again.status_code == 422 and "已在家庭" in again.json()["errors"][0]["message"]


# Every endpoint, read and write: a 东宝区 user cannot see or change a 钟祥市 record.
@pytest.mark.parametrize(
    "method, url_template, body",
    [
        ("get", "/api/v1/people/{wang}", None),
        ("patch", "/api/v1/people/{wang}", {"phone": "13800000000"}),
        ("post", "/api/v1/people/{wang}/reveal-id", None),
        ("get", "/api/v1/households/{hh_z}", None),
        (
            "post",
            "/api/v1/households/{hh_z}/members",
            {"person_id": "{zhang}", "relation": "other"},
        ),
        ("post", "/api/v1/households/{hh_z}/reveal-bank-account", None),
        ("get", "/api/v1/regions/420881", None),
        ("get", "/api/v1/regions?parent=420881", None),
    ],
)
def test_out_of_scope_records_are_404(api_client, people, method, url_template, body):
    ids = {
        "wang": people["wang"].pk,
        "hh_z": people["hh_zhongxiang"].pk,
        "zhang": people["zhang"].pk,
    }
    url = url_template.format(**ids)
    if body:
        body = {
            k: (int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v)
            for k, v in body.items()
        }
    api_client.login("dongbao_clerk")
    r = getattr(api_client, method)(url, body) if method != "get" else api_client.get(url)
    assert r.status_code == 404, (url, r.content)
    assert "王五" not in r.content.decode()


def test_out_of_scope_records_absent_from_lists_and_search(api_client, people):
    api_client.login("dongbao_approver")
    names = {p["name"] for p in api_client.get("/api/v1/people").json()["items"]}
    assert names == {"张三", "李梅"}
    assert api_client.get("/api/v1/people", q="王五").json()["count"] == 0
    assert api_client.get("/api/v1/people", q=people["wang"].id_number).json()["count"] == 0
    numbers = {h["number"] for h in api_client.get("/api/v1/households").json()["items"]}
    assert numbers == {people["hh_dongbao"].number}
    # and cannot create a record in 钟祥市
    r = api_client.post(
        "/api/v1/people",
        {
            "id_number": make_id("420881", "19900101", 71),
            "name": "越界",
            "hukou_region": "420881001001",
            "hukou_type": "urban",
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region"


def test_city_level_sees_both_counties(api_client, people):
    api_client.login("city_section")
    assert api_client.get("/api/v1/people").json()["count"] == 3


@pytest.mark.parametrize(
    "username, can_reveal",
    [
        ("dongbao_clerk", True),
        ("dongbao_approver", True),
        ("dongbao_village", False),
        ("leader", False),
        ("city_section", False),
    ],
)
def test_masking_and_audited_reveal_per_role(api_client, people, username, can_reveal):
    api_client.login(username)
    zhang = people["zhang"]
    detail = api_client.get(f"/api/v1/people/{zhang.pk}")
    assert detail.status_code == 200
    assert (
        detail.json()["id_number_masked"] == zhang.id_masked
        and zhang.id_number not in detail.content.decode()
    )
    before = AuditEvent.objects.filter(action="unmask").count()
    r = api_client.post(f"/api/v1/people/{zhang.pk}/reveal-id")
    if can_reveal:
        assert r.status_code == 200 and r.json()["value"] == zhang.id_number
        event = AuditEvent.objects.filter(action="unmask").latest("seq")
        assert (event.actor_name, event.object_id) == (username, str(zhang.pk))
        bank = api_client.post(f"/api/v1/households/{people['hh_dongbao'].pk}/reveal-bank-account")
        assert bank.json()["value"] == "6217000012345678901"
    else:
        assert r.status_code == 403
        assert AuditEvent.objects.filter(action="unmask").count() == before


def test_leader_is_read_only(api_client, people):
    api_client.login("leader")
    assert api_client.get(f"/api/v1/people/{people['zhang'].pk}").status_code == 200
    r = api_client.patch(f"/api/v1/people/{people['zhang'].pk}", {"phone": "13900000000"})
    assert r.status_code == 403


def test_update_person_writes_before_and_after(api_client, people):
    api_client.login("dongbao_clerk")
    r = api_client.patch(f"/api/v1/people/{people['zhang'].pk}", {"phone": "13912345678"})
    assert r.status_code == 200
    event = AuditEvent.objects.filter(action="update", object_id=str(people["zhang"].pk)).latest(
        "seq"
    )
    assert event.before == {"phone": ""} and event.after == {"phone": "13912345678"}


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["database"]["ok"] and body["jobs"]["backend"] in ("inprocess", "rq")


def test_export_is_scoped_masked_and_audited(api_client, people):
    import io

    from openpyxl import load_workbook

    api_client.login("dongbao_clerk")
    r = api_client.get("/api/v1/people/export.xlsx")
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == {"张三", "李梅"}  # not 王五 of 钟祥市
    assert rows[1][1] == people["zhang"].id_masked
    event = AuditEvent.objects.filter(action="export").latest("seq")
    assert event.actor_name == "dongbao_clerk" and event.after["rows"] == 2


def test_household_list_reads_members_once_per_page_not_per_household(api_client, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api_client.login("city_section")

    def queries(limit):
        with CaptureQueriesContext(connection) as captured:
            body = api_client.get("/api/v1/households", limit=limit).json()
        return len(captured), body

    queries(1)  # the first request of a token reads and stamps it
    one, first = queries(1)
    both, page = queries(50)
    assert first["count"] == page["count"] == 2 and len(page["items"]) == 2
    assert {len(h["members"]) for h in page["items"]} >= {1}
    assert both == one

"""Accounts and logins: resident sign-up proves identity, residents see only what they need,
logins resist guessing, tokens end when they should, and no existence leaks across regions."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from minzheng.accounts import registration
from minzheng.accounts.models import ActivationCode, ApiToken, PendingRegistration, Role, User
from minzheng.accounts.services import create_account
from minzheng.core import messaging
from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.people import imports
from minzheng.people import services as people_services
from minzheng.people.models import Person

from .conftest import PASSWORD, make_id, make_user

pytestmark = pytest.mark.django_db

ZHANG_MOBILE = "13912345678"  # the number on record in the population registry
NEW_PASSWORD = "river-stone-42"
NEUTRAL = "该身份证号码已在其他地区登记，请联系县级民政部门"


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SMS_BACKEND = "outbox"
    return tmp_path


@pytest.fixture
def zhang(people):
    person = people["zhang"]
    Person.objects.filter(pk=person.pk).update(phone=ZHANG_MOBILE)
    person.refresh_from_db()
    return person


def post(client, url, data, token=None, lang=None):
    headers = {}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if lang:
        headers["HTTP_ACCEPT_LANGUAGE"] = lang
    return client.post(url, data, content_type="application/json", **headers)


def get(client, url, token, **params):
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def signup(client, person, phone, name=None, password=NEW_PASSWORD):
    return post(
        client,
        "/api/v1/auth/register",
        {
            "id_number": person.id_number,
            "name": name or person.name,
            "phone": phone,
            "password": password,
        },
    )


def texted_code(phone=ZHANG_MOBILE) -> str:
    sent = messaging.read_outbox(phone=phone, purpose="registration")
    assert sent, "no code in the outbox"
    return re.search(r"验证码(\d{6})", sent[-1].text).group(1)


def token_for(client, username, password=PASSWORD):
    r = post(client, "/api/v1/auth/token", {"username": username, "password": password})
    assert r.status_code == 200, r.content
    return r.json()["token"]


# ------------------------------------------------------------------------------------------------
# 1. Resident sign-up proves identity


def test_signup_answers_the_same_whatever_the_registry_knows(client, zhang, people, jingmen):
    make_user("13700000000", Role.RESIDENT, None, person=people["li"])  # 李梅 has an account
    stranger_id = make_id("420802", "19910101", 55)  # valid, not registered
    cases = {
        "unknown ID": {"id_number": stranger_id, "name": "赵六", "phone": "13800000001"},
        "wrong name": {"id_number": zhang.id_number, "name": "张四", "phone": "13800000002"},
        "has an account": {
            "id_number": people["li"].id_number,
            "name": "李梅",
            "phone": "13800000003",
        },
        "phone already a login": {
            "id_number": zhang.id_number,
            "name": "张三",
            "phone": "13700000000",
        },
        "match": {"id_number": zhang.id_number, "name": "张三", "phone": "13800000004"},
    }
    answers = {}
    for label, data in cases.items():
        r = post(client, "/api/v1/auth/register", data | {"password": NEW_PASSWORD})
        answers[label] = (r.status_code, r.content)
    assert len(set(answers.values())) == 1, answers
    assert answers["match"][0] == 202
    # Only the match left a trace: one pending sign-up and one text to the number on record.
    assert list(PendingRegistration.objects.values_list("phone", flat=True)) == ["13800000004"]
    assert [m.phone for m in messaging.read_outbox()] == [ZHANG_MOBILE]
    assert (
        not User.objects.filter(username__in=[d["phone"] for d in cases.values()] + ["13800000004"])
        .exclude(username="13700000000")
        .exists()
    )


def test_the_page_does_not_tell_either(client, zhang):
    def submit(phone, name):
        return client.post(
            "/register/",
            {
                "name": name,
                "id_number": zhang.id_number,
                "phone": phone,
                "password": NEW_PASSWORD,
                "password_again": NEW_PASSWORD,
            },
            follow=True,
        )

    known = submit("13800000005", "张三").content.decode()
    unknown = submit("13800000006", "张四").content.decode()
    strip = lambda html: re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"|value="1380000000\d"|phone=1380000000\d',
        "",
        html,
    )  # noqa: E731
    assert strip(known) == strip(unknown)
    assert "验证码已发送到您在户籍登记中预留的手机号码" in known


def test_an_account_exists_only_after_the_code_from_the_number_on_record(client, zhang, people):
    attacker_phone = "13600000000"
    assert signup(client, zhang, attacker_phone).status_code == 202
    # The code went to the registry's number, not to the number typed in the form.
    assert messaging.read_outbox(phone=attacker_phone) == []
    code = texted_code()
    # Until the code checks out nothing can log in.
    assert (
        post(
            client, "/api/v1/auth/token", {"username": attacker_phone, "password": NEW_PASSWORD}
        ).status_code
        == 401
    )
    assert not User.objects.filter(person=zhang).exists()
    # Stored only as a keyed hash.
    pending = PendingRegistration.objects.get()
    assert code not in json.dumps(list(PendingRegistration.objects.values()), default=str)
    assert pending.password != NEW_PASSWORD and pending.code_hash and len(pending.code_hash) == 64
    assert (
        post(
            client,
            "/api/v1/auth/activate",
            {"phone": attacker_phone, "code": "000000" if code != "000000" else "111111"},
        ).status_code
        == 422
    )
    # Whoever holds the registry's phone activates; the account is the resident's.
    r = post(client, "/api/v1/auth/activate", {"phone": attacker_phone, "code": code})
    assert r.status_code == 201, r.content
    token = r.json()["token"]
    names = {p["name"] for p in get(client, "/api/v1/people", token).json()["items"]}
    assert names == {"张三", "李梅"}
    assert get(client, f"/api/v1/people/{people['wang'].pk}", token).status_code == 404
    user = User.objects.get(person=zhang)
    assert (user.username, user.role, user.is_active) == (attacker_phone, Role.RESIDENT, True)
    assert AuditEvent.objects.filter(
        action="create", object_type="accounts.user", object_id=str(user.pk)
    ).exists()
    # The code is spent.
    assert (
        post(client, "/api/v1/auth/activate", {"phone": attacker_phone, "code": code}).status_code
        == 422
    )


def test_codes_expire_and_allow_few_attempts(zhang):
    registration.register_resident(
        id_number=zhang.id_number, name="张三", phone="13800000007", password=NEW_PASSWORD
    )
    code = texted_code()
    PendingRegistration.objects.update(
        created_at=timezone.now() - registration.SMS_CODE_TTL - dt.timedelta(seconds=1)
    )
    with pytest.raises(ServiceError):
        registration.activate_resident(phone="13800000007", code=code)

    registration.register_resident(
        id_number=zhang.id_number, name="张三", phone="13800000008", password=NEW_PASSWORD
    )
    code = texted_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(registration.MAX_CODE_ATTEMPTS):
        with pytest.raises(ServiceError):
            registration.activate_resident(phone="13800000008", code=wrong)
    with pytest.raises(ServiceError):  # the right code after five wrong ones
        registration.activate_resident(phone="13800000008", code=code)
    assert not User.objects.filter(person=zhang).exists()


def test_window_code_after_an_in_person_check(client, people, users):
    li = people["li"]  # no mobile number on record: no text goes anywhere
    clerk = token_for(client, "dongbao_clerk")
    assert signup(client, li, "13800000009").status_code == 202
    assert messaging.read_outbox() == []
    # Staff outside the region, or without the window role, cannot print a code.
    assert (
        post(
            client,
            f"/api/v1/auth/residents/{li.pk}/activation-code",
            {},
            token_for(client, "zhongxiang_clerk"),
        ).status_code
        == 404
    )
    assert (
        post(
            client,
            f"/api/v1/auth/residents/{li.pk}/activation-code",
            {},
            token_for(client, "dongbao_village"),
        ).status_code
        == 403
    )
    r = post(client, f"/api/v1/auth/residents/{li.pk}/activation-code", {}, clerk)
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    assert len(code) == 8 and code not in json.dumps(
        list(ActivationCode.objects.values()), default=str
    )
    assert (
        AuditEvent.objects.filter(action="create", object_type="accounts.activationcode").count()
        == 1
    )
    r = post(client, "/api/v1/auth/activate", {"phone": "13800000009", "code": code})
    assert r.status_code == 201, r.content
    assert User.objects.get(person=li).username == "13800000009"
    assert ActivationCode.objects.get().used_at is not None


def test_staff_reset_a_wrongly_taken_account_and_the_owner_signs_up(client, zhang, users):
    taken = make_user("13500000000", Role.RESIDENT, None, person=zhang)
    thief_token = token_for(client, "13500000000")
    url = f"/api/v1/auth/residents/{zhang.pk}/reset"
    assert (
        post(
            client, url, {"note": "已核验身份证原件"}, token_for(client, "zhongxiang_clerk")
        ).status_code
        == 404
    )
    assert post(client, url, {"note": " "}, token_for(client, "dongbao_clerk")).status_code == 422
    r = post(
        client,
        url,
        {"note": "已核验身份证原件，本人称未注册该账号"},
        token_for(client, "dongbao_clerk"),
    )
    assert r.status_code == 200, r.content
    taken.refresh_from_db()
    assert (taken.is_active, taken.person_id) == (False, None)
    assert get(client, "/api/v1/people", thief_token).status_code == 401
    event = AuditEvent.objects.filter(
        action="update", object_type="accounts.user", object_id=str(taken.pk)
    ).get()
    assert "本人称未注册该账号" in event.note and event.actor_name == "dongbao_clerk"
    # The real owner now signs up with the code sent to the registry's number.
    assert signup(client, zhang, "13800000010").status_code == 202
    assert (
        post(
            client, "/api/v1/auth/activate", {"phone": "13800000010", "code": texted_code()}
        ).status_code
        == 201
    )
    assert User.objects.get(person=zhang).username == "13800000010"


def test_a_resident_sees_last_four_digits_and_reveals_only_their_own_id(client, zhang, people):
    make_user("zhang_resident", Role.RESIDENT, None, person=zhang)
    token = token_for(client, "zhang_resident")
    hh = people["hh_dongbao"]
    body = get(client, f"/api/v1/households/{hh.pk}", token).json()
    assert body["bank_account_masked"] == "**** 8901"
    assert "6217" not in json.dumps(body)
    assert all(m["id_number_masked"].count("*") >= 10 for m in body["members"])
    assert (
        post(client, f"/api/v1/households/{hh.pk}/reveal-bank-account", {}, token).status_code
        == 403
    )
    assert post(client, f"/api/v1/people/{people['li'].pk}/reveal-id", {}, token).status_code == 403
    r = post(client, f"/api/v1/people/{zhang.pk}/reveal-id", {}, token)
    assert r.status_code == 200 and r.json()["value"] == zhang.id_number
    assert (
        AuditEvent.objects.filter(
            action="unmask",
            object_type="people.person",
            object_id=str(zhang.pk),
            actor_name="zhang_resident",
        ).count()
        == 1
    )
    # The pages: last four digits, no reveal of the account or of others' numbers, no staff history.
    assert client.login(username="zhang_resident", password=PASSWORD)
    page = client.get(f"/households/{hh.pk}/").content.decode()
    assert (
        "**** 8901" in page
        and "6217" not in page
        and "显示完整账号" not in page
        and "操作日志" not in page
    )
    other = client.get(f"/people/{people['li'].pk}/").content.decode()
    assert "显示完整号码" not in other and "操作日志" not in other and "变更记录" not in other
    own = client.get(f"/people/{zhang.pk}/").content.decode()
    assert "显示完整号码" in own and ZHANG_MOBILE in own
    # Nor the workings of the back office: no jobs on the workbench or in the menu.
    home = client.get("/").content.decode()
    assert "我的家庭" in home and "/jobs/" not in home
    # Staff still see the bank's prefix and may reveal.
    assert client.login(username="dongbao_clerk", password=PASSWORD)
    assert "6217***********8901" in client.get(f"/households/{hh.pk}/").content.decode()


# ------------------------------------------------------------------------------------------------
# 2. Logins resist guessing


def test_api_login_locks_after_five_failures_and_an_administrator_lifts_it(client, users, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    answers = [
        post(
            client, "/api/v1/auth/token", {"username": "dongbao_clerk", "password": "wrong-guess"}
        ).status_code
        for _ in range(5)
    ]
    assert answers == [401, 401, 401, 401, 429]
    locked = post(client, "/api/v1/auth/token", {"username": "dongbao_clerk", "password": PASSWORD})
    assert (
        locked.status_code == 429
        and "尝试次数过多" in locked.json()["detail"]
        and int(locked["Retry-After"]) > 0
    )
    assert (
        post(
            client,
            "/api/v1/auth/token",
            {"username": "dongbao_clerk", "password": PASSWORD},
            lang="en",
        ).status_code
        == 429
    )
    # Another account from another address is not affected.
    other = client.post(
        "/api/v1/auth/token",
        {"username": "dongbao_approver", "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.9",
    )
    assert other.status_code == 200
    # The administrator sees it in the admin and on the command line, and lifts it.
    assert client.login(username="admin", password=PASSWORD)
    listing = client.get("/admin/axes/accessattempt/?locked_out=yes").content.decode()
    assert "dongbao_clerk" in listing
    client.logout()
    out = io.StringIO()
    call_command("lockouts", "list", stdout=out)
    assert re.search(r"account\s+dongbao_clerk\s+5 failures", out.getvalue())
    call_command("lockouts", "lift", "--username", "dongbao_clerk")
    assert (
        post(
            client, "/api/v1/auth/token", {"username": "dongbao_clerk", "password": PASSWORD}
        ).status_code
        == 200
    )
    assert AuditEvent.objects.filter(
        object_type="axes.accessattempt", object_repr="dongbao_clerk"
    ).exists()


def test_a_lockout_lifts_by_itself_after_fifteen_minutes(client, users):
    from axes.models import AccessAttempt

    for _ in range(5):
        post(client, "/api/v1/auth/token", {"username": "leader", "password": "wrong-guess"})
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=14, seconds=50))
    assert (
        post(client, "/api/v1/auth/token", {"username": "leader", "password": PASSWORD}).status_code
        == 429
    )
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=15, seconds=1))
    assert (
        post(client, "/api/v1/auth/token", {"username": "leader", "password": PASSWORD}).status_code
        == 200
    )


def test_one_address_guessing_many_accounts_is_locked(client, users, settings):
    settings.LOGIN_FAILURES_ADDRESS = 20
    codes = [
        client.post(
            "/api/v1/auth/token",
            {"username": f"guess{i}", "password": "x-wrong-1"},
            content_type="application/json",
            REMOTE_ADDR="10.1.1.1",
        ).status_code
        for i in range(20)
    ]
    assert codes[:19] == [401] * 19 and codes[19] == 429
    # A real account from that address is refused too; from elsewhere it works.
    assert (
        client.post(
            "/api/v1/auth/token",
            {"username": "leader", "password": PASSWORD},
            content_type="application/json",
            REMOTE_ADDR="10.1.1.1",
        ).status_code
        == 429
    )
    assert (
        client.post(
            "/api/v1/auth/token",
            {"username": "leader", "password": PASSWORD},
            content_type="application/json",
            REMOTE_ADDR="10.1.1.2",
        ).status_code
        == 200
    )


def test_sign_in_page_locks_too(client, users):
    for _ in range(4):
        r = client.post("/login/", {"username": "leader", "password": "wrong-guess"})
        assert r.status_code == 200
    r = client.post("/login/", {"username": "leader", "password": "wrong-guess"})
    assert r.status_code == 429 and "尝试次数过多" in r.content.decode()
    assert client.post("/login/", {"username": "leader", "password": PASSWORD}).status_code == 429


def test_code_guessing_locks(client, zhang):
    assert signup(client, zhang, "13800000011").status_code == 202
    codes = [
        post(
            client, "/api/v1/auth/activate", {"phone": "13800000011", "code": f"{n:06d}"}
        ).status_code
        for n in range(5)
    ]
    assert 429 in codes and codes[0] == 422


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short1a", "太短"),
        ("48213957604", "数字"),
        ("password123", "常见"),
        ("dongbao_clerk2", "相似"),
    ],
)
def test_password_validators_everywhere(password, reason, client, jingmen, zhang):
    with pytest.raises(ServiceError) as exc, translation.override("zh-hans"):
        create_account(
            username="dongbao_clerk2",
            password=password,
            role=Role.TOWNSHIP_CLERK,
            region=jingmen["longquan"],
        )
    assert any(reason in m for m in exc.value.errors["password"]), exc.value.errors
    with pytest.raises(CommandError):
        call_command(
            "users",
            "add",
            "dongbao_clerk2",
            "--role",
            "township_clerk",
            "--region",
            "420802001",
            "--password",
            password,
        )
    if reason != "相似":
        r = signup(client, zhang, "13800000012", password=password)
        assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"password"}


def test_signup_password_may_not_resemble_the_phone(client, zhang):
    r = signup(client, zhang, "13800000013", password="13800000013a")
    assert r.status_code == 422 and "相似" in r.json()["errors"][0]["message"]


def test_token_answer_carries_its_expiry_and_expired_tokens_answer_401(client, users, settings):
    settings.API_TOKEN_HOURS = 2
    before = timezone.now()
    r = post(client, "/api/v1/auth/token", {"username": "leader", "password": PASSWORD})
    body = r.json()
    assert body["expires_in"] == 7200 and body["token_type"] == "Bearer"
    expires_at = dt.datetime.fromisoformat(body["expires_at"])
    assert before + dt.timedelta(hours=2) <= expires_at <= timezone.now() + dt.timedelta(hours=2)
    assert get(client, "/api/v1/people", body["token"]).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert get(client, "/api/v1/people", body["token"]).status_code == 401


def test_tokens_end_on_password_change_disable_and_logout(client, users):
    leader = users["leader"]
    token = token_for(client, "leader")
    leader.set_password("another-pass-77")
    leader.save()
    assert get(client, "/api/v1/people", token).status_code == 401

    token = token_for(client, "leader", "another-pass-77")
    leader.refresh_from_db()
    leader.is_active = False
    leader.save()
    assert (
        get(client, "/api/v1/people", token).status_code == 401
        and not ApiToken.objects.filter(user=leader).exists()
    )

    # The same through the command line.
    approver = token_for(client, "dongbao_approver")
    with pytest.raises(CommandError):
        call_command("users", "password", "dongbao_approver", "--password", "12345678")
    assert get(client, "/api/v1/people", approver).status_code == 200
    call_command("users", "password", "dongbao_approver", "--password", "field-lantern-9")
    assert get(client, "/api/v1/people", approver).status_code == 401
    approver = token_for(client, "dongbao_approver", "field-lantern-9")
    call_command("users", "disable", "dongbao_approver")
    assert get(client, "/api/v1/people", approver).status_code == 401

    first, second = token_for(client, "city_section"), token_for(client, "city_section")
    r = post(client, "/api/v1/auth/logout", {}, first)
    assert r.status_code == 200 and r.json() == {"revoked": 2}
    assert get(client, "/api/v1/people", first).status_code == 401
    assert get(client, "/api/v1/people", second).status_code == 401
    assert post(client, "/api/v1/auth/logout", {}).status_code == 401


def test_openapi_declares_the_refusals(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"200", "401", "422", "429"} <= set(paths["/api/v1/auth/token"]["post"]["responses"])
    assert {"202", "422", "429"} <= set(paths["/api/v1/auth/register"]["post"]["responses"])
    assert {"201", "422", "429"} <= set(paths["/api/v1/auth/activate"]["post"]["responses"])
    assert {"200", "401"} <= set(paths["/api/v1/auth/logout"]["post"]["responses"])
    assert {"201", "401", "403", "404"} <= set(
        paths["/api/v1/auth/residents/{person_id}/activation-code"]["post"]["responses"]
    )


# ------------------------------------------------------------------------------------------------
# 4. No existence leaks across regions


def test_registering_an_id_known_elsewhere_answers_neutrally(client, people, users, jingmen):
    zhang = people["zhang"]
    with pytest.raises(ServiceError) as exc:
        people_services.register_person(
            user=users["zhongxiang_clerk"],
            id_number=zhang.id_number,
            name="张三",
            hukou_region=jingmen["yingzhong_community"],
            hukou_type="urban",
        )
    assert exc.value.errors == {"id_number": [NEUTRAL]} and exc.value.data == {}
    token = token_for(client, "zhongxiang_clerk")
    r = post(
        client,
        "/api/v1/people",
        {
            "id_number": zhang.id_number,
            "name": "张三",
            "hukou_region": "420881001001",
            "hukou_type": "urban",
        },
        token,
    )
    assert r.status_code == 409 and NEUTRAL in json.dumps(r.json(), ensure_ascii=False)
    text = json.dumps(r.json(), ensure_ascii=False)
    assert f"/people/{zhang.pk}" not in text and people["hh_dongbao"].number not in text
    assert client.login(username="zhongxiang_clerk", password=PASSWORD)
    page = client.post(
        "/people/new/",
        {
            "id_number": zhang.id_number,
            "name": "张三",
            "hukou_region": "420881001001",
            "hukou_type": "urban",
        },
    ).content.decode()
    assert NEUTRAL in page and f"/people/{zhang.pk}/" not in page
    # Within the region the clerk still gets the link to the existing record.
    with pytest.raises(ServiceError) as exc:
        people_services.register_person(
            user=users["dongbao_clerk"],
            id_number=zhang.id_number,
            name="张三",
            hukou_region=jingmen["longquan_community"],
            hukou_type="urban",
        )
    assert exc.value.data["existing_id"] == zhang.pk


def test_importing_an_id_known_elsewhere_answers_neutrally(people, users, tmp_path):
    zhang, li = people["zhang"], people["li"]
    path = tmp_path / "people.csv"
    path.write_text(
        "身份证号码,姓名,户籍地区划代码,户口性质,家庭编号,与户主关系\n"
        f"{zhang.id_number},张三,420881001001,城镇,1,户主\n"
        f"{li.id_number},李梅,420881001001,城镇,1,配偶\n"
        f"{make_id('420881', '19990909', 77)},钟祥人,420881001001,城镇,,\n",
        encoding="utf-8",
    )
    report = imports.run_import(user=users["zhongxiang_clerk"], path=path, mode="good_rows")
    messages = {(e.row, e.message) for e in report.errors}
    assert (2, NEUTRAL) in messages and (3, NEUTRAL) in messages
    dumped = json.dumps(report.as_result(), ensure_ascii=False)
    assert people["hh_dongbao"].number not in dumped and "/people/" not in dumped
    assert report.created_people == 1 and report.existing == 0
    # 张三 is still only in his own household.
    assert zhang.memberships.filter(until__isnull=True).get().household == people["hh_dongbao"]


# ------------------------------------------------------------------------------------------------
# The SMS sender's production backend, against a real HTTP server on this machine


@pytest.fixture
def gateway(settings):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        status = 200

        def do_POST(self):  # noqa: N802 (the standard library's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(
                {
                    "auth": self.headers.get("Authorization"),
                    "type": self.headers.get("Content-Type"),
                    "body": json.loads(body),
                }
            )
            self.send_response(Handler.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.SMS_GATEWAY_TOKEN = "gateway-secret"
    yield received, Handler
    server.shutdown()
    server.server_close()


def test_http_gateway_receives_the_text(gateway, zhang, client):
    received, handler = gateway
    messaging.send_sms(phone="13800000000", text="测试短信", purpose="notice")
    assert received == [
        {
            "auth": "Bearer gateway-secret",
            "type": "application/json; charset=utf-8",
            "body": {"phone": "13800000000", "text": "测试短信", "purpose": "notice"},
        }
    ]
    handler.status = 503
    with pytest.raises(messaging.MessagingError):
        messaging.send_sms(phone="13800000000", text="测试短信", purpose="notice")
    # A failing gateway does not change what the sign-up answers.
    r = signup(client, zhang, "13800000020")
    assert (
        r.status_code == 202
        and received[-1]["body"]["phone"] == ZHANG_MOBILE
        and messaging.read_outbox() == []
    )


@pytest.mark.parametrize(
    "role",
    [
        Role.CHILD_PROTECTION,
        Role.RELIEF_STATION,
        Role.DEPOT_KEEPER,
        Role.CADRE_CENTRE,
        Role.EMPLOYER,
    ],
)
def test_specialists_stay_out_of_the_general_registers(client, jingmen, role):
    """A child-protection officer, relief-station or depot keeper of 东宝区 works in their own
    module: the population registry, assistance cases and payments pages are refused, and the
    registry's services refuse them a new person, in their own region too."""
    from minzheng.core.errors import PermissionDeniedError

    user = make_user(f"specialist_{role}", role, jingmen["dongbao"])
    client.force_login(user)
    for url in ("/people/", "/people/new/", "/households/", "/cases/", "/payments/"):
        assert client.get(url).status_code == 403, url
    menu = client.get("/").content.decode()
    assert 'href="/people/"' not in menu and 'href="/cases/"' not in menu
    with pytest.raises(PermissionDeniedError):
        people_services.register_person(
            user=user,
            id_number=make_id("420802", "19800101", 11),
            name="李四",
            hukou_region=jingmen["longquan_community"],
            hukou_type="urban",
        )
    assert not Person.objects.exists()

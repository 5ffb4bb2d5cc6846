"""The special-care roster (优抚对象, docs/DOMAIN.md §6) end to end through the API and the pages:
registration of a person of the registry as a pending request the county approves, field-level
Chinese 422s per category, scope 404s for another county, masking, changes as approved requests
(grade, death into the population registry, move between counties, refusal with a reason),
documents encrypted at rest, the ID-card authentication and the audit events."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.core.roles import Role
from minzheng.people import services as people_services
from minzheng.specialcare import services
from minzheng.specialcare.models import Recipient, RecipientChange, RecipientDocument
from tests.conftest import make_id, make_user

pytestmark = pytest.mark.django_db

DISABLED = {
    "category": "disabled_veteran",
    "certificate_no": "鄂000123",
    "disability_grade": 6,
    "disability_cause": "war",
    "enlisted_on": "1998-03-01",
    "discharged_on": "2003-10-01",
    "service_unit": "武汉军区某部",
}
MARTYR = {
    "category": "martyr_family",
    "certificate_no": "鄂LS0001",
    "soldier_name": "张建军",
    "relation": "parent",
    "soldier_died_on": "1998-08-08",
}


@pytest.fixture
def world(jingmen, users, people):
    users["zhongxiang_approver"] = make_user(
        "zhongxiang_approver", Role.COUNTY_APPROVER, jingmen["zhongxiang"]
    )
    users["resident"] = make_user("resident_x", Role.RESIDENT, None)
    return {**jingmen, **users, **people}


def _errors(response) -> dict:
    out: dict = {}
    for e in response.json()["errors"]:
        out.setdefault(e["field"], []).append(e["message"])
    return out


def _approve(world, record, by="dongbao_approver"):
    change = record.changes.get(status="pending")
    return services.decide_change(user=world[by], change=change, approve=True)


def _active(world, data=DISABLED, person="zhang"):
    record = services.register(
        user=world["dongbao_clerk"],
        category=data["category"],
        data=data,
        person_id=world[person].pk,
    )
    _approve(world, record)
    record.refresh_from_db()
    return record


def test_registration_is_a_request_the_county_approves(world, api_client):
    clerk = api_client.login("dongbao_village")
    r = clerk.post(
        "/api/v1/specialcare/records", {**DISABLED, "id_number": world["zhang"].id_number}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["name"], body["region_code"], body["disability_grade"]) == (
        "pending",
        "张三",
        "420802001001",
        6,
    )
    assert "*" in body["id_masked"]
    record_id = body["id"]
    # Never a second copy of the person: the record points at the registry's person.
    assert Recipient.objects.get(pk=record_id).person_id == world["zhang"].pk
    # Registering the same person in the same category again, while pending: 409.
    again = clerk.post(
        "/api/v1/specialcare/records", {**DISABLED, "id_number": world["zhang"].id_number}
    )
    assert again.status_code == 409 and "category" in _errors(again)
    # The clerk may not approve; the approver may.
    pending = clerk.get("/api/v1/specialcare/changes", status="pending").json()["items"]
    assert [c["kind"] for c in pending] == ["register"]
    change_id = pending[0]["id"]
    assert (
        clerk.post(
            f"/api/v1/specialcare/changes/{change_id}/decision", {"approve": True}
        ).status_code
        == 403
    )
    approver = api_client.login("dongbao_approver")
    r = approver.post(f"/api/v1/specialcare/changes/{change_id}/decision", {"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert approver.get(f"/api/v1/specialcare/records/{record_id}").json()["status"] == "active"
    assert AuditEvent.objects.filter(
        object_type="specialcare.recipient", object_id=str(record_id), action="create"
    ).exists()
    assert AuditEvent.objects.filter(
        object_type="specialcare.recipientchange", object_id=str(change_id), action="transition"
    ).exists()
    # Deciding twice: 409.
    r = approver.post(f"/api/v1/specialcare/changes/{change_id}/decision", {"approve": True})
    assert r.status_code == 409


@pytest.mark.parametrize(
    "payload, field, message",
    [
        ({**DISABLED, "disability_grade": None}, "disability_grade", "残疾军人须填写残疾等级"),
        ({**DISABLED, "disability_grade": 11}, "disability_grade", "一级至十级"),
        ({**DISABLED, "disability_cause": None}, "disability_cause", "致残性质"),
        ({**DISABLED, "enlisted_on": None}, "enlisted_on", "请填写日期"),
        ({**DISABLED, "service_unit": ""}, "service_unit", "请填写服役部队"),
        ({**DISABLED, "discharged_on": "1990-01-01"}, "discharged_on", "不能早于入伍日期"),
        ({**DISABLED, "certificate_no": ""}, "certificate_no", "请填写证件编号"),
        ({**MARTYR, "soldier_name": ""}, "soldier_name", "请填写烈士（军人）姓名"),
        ({**MARTYR, "relation": None}, "relation", "关系"),
        ({**MARTYR, "soldier_died_on": None}, "soldier_died_on", "请填写日期"),
        (
            {
                "category": "serving_family",
                "certificate_no": "1",
                "soldier_name": "张兵",
                "relation": "parent",
            },
            "service_kind",
            "服役类别",
        ),
        ({**DISABLED, "id_number": "420802198001010119"}, "id_number", "校验码"),
        ({**DISABLED, "id_number": make_id("420802", "19600101", 99)}, "id_number", "人口库中没有"),
    ],
)
def test_registration_input_is_checked_field_by_field(world, api_client, payload, field, message):
    body = {"id_number": world["zhang"].id_number, **payload}
    r = api_client.login("dongbao_clerk").post("/api/v1/specialcare/records", body)
    assert r.status_code == 422, r.content
    errors = _errors(r)
    assert field in errors and message in " ".join(errors[field]), errors
    assert not Recipient.objects.exists()


def test_scope_and_masking(world, api_client, client):
    record = _active(world)
    url = f"/api/v1/specialcare/records/{record.pk}"
    # Another county, and its approver: 404; their lists are empty.
    for username in ("zhongxiang_clerk", "zhongxiang_approver"):
        other = api_client.login(username)
        assert other.get(url).status_code == 404, username
        assert other.get("/api/v1/specialcare/records").json()["count"] == 0
        assert other.get(f"{url}/changes").status_code == 404
    # The leader reads it with the name masked; the city section with the name.
    assert api_client.login("leader").get(url).json()["name"] == "张*"
    assert api_client.login("city_section").get(url).json()["name"] == "张三"
    # Residents see nothing.
    assert api_client.login("resident_x").get(url).status_code == 404
    client.force_login(world["resident"])
    assert client.get("/specialcare/").status_code == 403
    client.force_login(world["zhongxiang_clerk"])
    assert client.get(f"/specialcare/{record.pk}/").status_code == 404
    client.force_login(world["leader"])
    page = client.get("/specialcare/").content.decode()
    assert "张*" in page and "张三" not in page
    # Search by name and by full ID number.
    clerk = api_client.login("dongbao_clerk")
    assert clerk.get("/api/v1/specialcare/records", q="张三").json()["count"] == 1
    assert clerk.get("/api/v1/specialcare/records", q=world["zhang"].id_number).json()["count"] == 1
    assert clerk.get("/api/v1/specialcare/records", q="李梅").json()["count"] == 0


def test_grade_change_and_refusal_with_history(world, api_client):
    record = _active(world)
    url = f"/api/v1/specialcare/records/{record.pk}/changes"
    bad = api_client.login("dongbao_clerk").post(
        url, {"kind": "grade", "event_on": "2026-01-05", "disability_grade": 12}
    )
    assert bad.status_code == 422 and "disability_grade" in _errors(bad)
    r = api_client.login("dongbao_clerk").post(
        url, {"kind": "grade", "event_on": str(timezone.localdate()), "disability_grade": 4}
    )
    assert r.status_code == 201, r.content
    change = r.json()
    assert change["due_on"] is not None and change["status"] == "pending"
    # A second request while one is pending: 409.
    assert (
        api_client.login("dongbao_clerk")
        .post(url, {"kind": "death", "event_on": str(timezone.localdate())})
        .status_code
        == 409
    )
    decision = f"/api/v1/specialcare/changes/{change['id']}/decision"
    # Refusing needs a reason.
    r = api_client.login("dongbao_approver").post(decision, {"approve": False})
    assert r.status_code == 422 and "不予批准须填写理由" in _errors(r)["note"][0]
    r = api_client.login("dongbao_approver").post(
        decision, {"approve": False, "note": "评定材料不全"}
    )
    assert r.json()["status"] == "refused"
    record.refresh_from_db()
    assert record.disability_grade == 6
    r = api_client.login("dongbao_clerk").post(
        url, {"kind": "grade", "event_on": str(timezone.localdate()), "disability_grade": 4}
    )
    api_client.login("dongbao_approver").post(
        f"/api/v1/specialcare/changes/{r.json()['id']}/decision", {"approve": True}
    )
    record.refresh_from_db()
    assert record.disability_grade == 4
    history = api_client.login("dongbao_clerk").get(url).json()
    assert [(c["kind"], c["status"]) for c in history] == [
        ("grade", "approved"),
        ("grade", "refused"),
        ("register", "approved"),
    ]
    assert history[1]["decision_note"] == "评定材料不全" and history[1]["decided_by"]
    # A grade change on a non-disabled category is refused at the request.
    martyr = _active(world, MARTYR, person="li")
    r = api_client.login("dongbao_clerk").post(
        f"/api/v1/specialcare/records/{martyr.pk}/changes",
        {"kind": "grade", "event_on": "2026-01-05", "disability_grade": 3},
    )
    assert r.status_code == 422 and "只有残疾军人" in _errors(r)["kind"][0]


def test_death_ends_the_records_and_sets_the_registry_death_date(world, api_client):
    record = _active(world)
    other = _active(world, {**MARTYR, "soldier_name": "张卫东"}, person="zhang")
    died = timezone.localdate() - dt.timedelta(days=3)
    r = api_client.login("dongbao_clerk").post(
        f"/api/v1/specialcare/records/{record.pk}/changes",
        {"kind": "death", "event_on": str(died), "reason": "村委会报告"},
    )
    assert r.status_code == 201
    api_client.login("dongbao_approver").post(
        f"/api/v1/specialcare/changes/{r.json()['id']}/decision", {"approve": True}
    )
    record.refresh_from_db()
    other.refresh_from_db()
    world["zhang"].refresh_from_db()
    assert (record.status, record.ended_on, record.end_reason) == ("ended", died, "death")
    assert (other.status, other.end_reason) == ("ended", "death")
    assert world["zhang"].death_date == died
    assert AuditEvent.objects.filter(
        object_type="people.person", object_id=str(world["zhang"].pk), action="update"
    ).exists()


def test_a_registry_death_date_already_set_is_kept(world):
    record = _active(world)
    people_services.update_person(
        user=world["dongbao_clerk"], person=world["zhang"], death_date=dt.date(2026, 1, 2)
    )
    change = services.request_change(
        user=world["dongbao_clerk"], record=record, kind="death", event_on=dt.date(2026, 1, 3)
    )
    services.decide_change(user=world["dongbao_approver"], change=change, approve=True)
    world["zhang"].refresh_from_db()
    assert world["zhang"].death_date == dt.date(2026, 1, 2)


def test_move_between_counties(world, api_client):
    record = _active(world)
    url = f"/api/v1/specialcare/records/{record.pk}/changes"
    same = api_client.login("dongbao_clerk").post(
        url, {"kind": "move", "event_on": "2026-01-05", "region_code": "420802100200"}
    )
    assert same.status_code == 422 and "同一县" in _errors(same)["region_code"][0]
    r = api_client.login("dongbao_clerk").post(
        url, {"kind": "move", "event_on": "2026-01-05", "region_code": "420881001001"}
    )
    assert r.status_code == 201, r.content
    change_id = r.json()["id"]
    # The receiving county does not decide: the request is not in its regions yet.
    assert (
        api_client.login("zhongxiang_approver")
        .post(f"/api/v1/specialcare/changes/{change_id}/decision", {"approve": True})
        .status_code
        == 404
    )
    api_client.login("dongbao_approver").post(
        f"/api/v1/specialcare/changes/{change_id}/decision", {"approve": True}
    )
    record.refresh_from_db()
    assert record.region.code == "420881001001"
    # Both counties see the history: the receiving one through the record, the sending one
    # through the changes made while the record was in its regions.
    kinds = [c["kind"] for c in api_client.login("zhongxiang_approver").get(f"{url}").json()]
    assert kinds == ["move", "register"]
    assert (
        api_client.login("dongbao_approver")
        .get(f"/api/v1/specialcare/records/{record.pk}")
        .status_code
        == 404
    )
    moved = api_client.login("dongbao_approver").get("/api/v1/specialcare/changes").json()["items"]
    assert {c["kind"] for c in moved} == {"move", "register"}


def test_documents_encrypted_downloaded_in_scope_and_audited(world, api_client, client, settings):
    record = _active(world)
    content = b"%PDF-1.4 certificate scan"
    client.force_login(world["dongbao_clerk"])
    bad = client.post(
        f"/specialcare/{record.pk}/documents/",
        {"kind": "certificate", "file": SimpleUploadedFile("x.exe", b"MZ")},
        follow=True,
    )
    assert "不支持的文件类型" in bad.content.decode()
    client.post(
        f"/specialcare/{record.pk}/documents/",
        {"kind": "certificate", "file": SimpleUploadedFile("证件.pdf", content), "note": "正面"},
    )
    document = RecipientDocument.objects.get()
    with open(document.file.path, "rb") as raw:
        assert content not in raw.read()  # encrypted at rest
    download = client.get(f"/specialcare/documents/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert AuditEvent.objects.filter(
        object_type="specialcare.recipientdocument", action="view"
    ).exists()
    assert AuditEvent.objects.filter(
        object_type="specialcare.recipientdocument", action="create"
    ).exists()
    listed = (
        api_client.login("dongbao_clerk")
        .get(f"/api/v1/specialcare/records/{record.pk}/documents")
        .json()
    )
    assert [d["kind"] for d in listed] == ["certificate"]
    client.force_login(world["zhongxiang_clerk"])
    assert client.get(f"/specialcare/documents/{document.pk}/").status_code == 404


def test_id_check_is_recorded_and_audited(world, api_client):
    record = _active(world)
    url = f"/api/v1/specialcare/records/{record.pk}/id-check"
    r = api_client.login("dongbao_clerk").post(url, {"method": "fingerprint"})
    assert r.status_code == 422
    r = api_client.login("dongbao_clerk").post(url, {"method": "card_reader", "on": "2026-03-02"})
    assert r.status_code == 200 and r.json()["id_checked_on"] == "2026-03-02"
    assert AuditEvent.objects.filter(
        object_type="specialcare.recipient", object_id=str(record.pk), note="二代身份证认证"
    ).exists()
    assert api_client.login("leader").post(url, {"method": "manual"}).status_code == 403


def test_pages_register_request_and_approve(world, client):
    client.force_login(world["dongbao_clerk"])
    assert client.get("/specialcare/").status_code == 200
    page = client.get(f"/specialcare/new/?q={world['zhang'].id_number}").content.decode()
    assert "张三" in page
    r = client.post(
        f"/specialcare/new/?person={world['zhang'].pk}",
        {"category": "disabled_veteran", "certificate_no": "鄂1"},
    )
    body = r.content.decode()
    assert r.status_code == 200 and "残疾军人须填写残疾等级" in body and "请填写服役部队" in body
    r = client.post(f"/specialcare/new/?person={world['zhang'].pk}", DISABLED)
    record = Recipient.objects.get()
    assert r.status_code == 302 and record.status == "pending"
    client.force_login(world["dongbao_approver"])
    assert "待审批" in client.get("/").content.decode()
    change = RecipientChange.objects.get()
    client.post(f"/specialcare/changes/{change.pk}/approve/", {"next": "workbench"})
    record.refresh_from_db()
    assert record.status == "active"
    client.force_login(world["dongbao_clerk"])
    client.post(
        f"/specialcare/{record.pk}/changes/",
        {"kind": "grade", "event_on": str(timezone.localdate()), "disability_grade": "3"},
    )
    client.force_login(world["dongbao_approver"])
    detail = client.get(f"/specialcare/{record.pk}/").content.decode()
    assert "批准残疾等级调整" in detail and "操作记录" in detail
    pending = RecipientChange.objects.get(status="pending")
    client.post(f"/specialcare/changes/{pending.pk}/refuse/", {"note": "材料不全"})
    pending.refresh_from_db()
    assert pending.status == "refused"
    detail = client.get(f"/specialcare/{record.pk}/").content.decode()
    assert "材料不全" in detail and "未批准" in detail
    assert client.get("/specialcare/changes/?status=all").status_code == 200


def test_a_refused_registration_is_kept_and_the_person_may_be_registered_again(world):
    record = services.register(
        user=world["dongbao_village"],
        category="disabled_veteran",
        data=DISABLED,
        person_id=world["zhang"].pk,
    )
    change = record.changes.get()
    services.decide_change(
        user=world["dongbao_approver"], change=change, approve=False, note="伤残证件不符"
    )
    record.refresh_from_db()
    assert record.status == "refused"
    # Refused records are not on the roster and not measured.
    from minzheng.specialcare import quality

    assert not any(
        r.failing(timezone.localdate()).filter(pk=record.pk).exists() for r in quality.rules()
    )
    again = services.register(
        user=world["dongbao_village"],
        category="disabled_veteran",
        data=DISABLED,
        person_id=world["zhang"].pk,
    )
    assert again.pk != record.pk and again.status == "pending"
    # A person outside the village worker's village is not found for them.
    with pytest.raises(ServiceError) as raised:
        services.register(
            user=world["dongbao_village"],
            category="disabled_veteran",
            data=DISABLED,
            id_number=world["wang"].id_number,
        )
    assert "id_number" in raised.value.errors

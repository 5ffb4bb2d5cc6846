"""What the complaints register publishes reaches the residents and the satisfaction rates: each
decision on a complaint queues one message to the complainant (none when anonymous, suppressed
after an opt-out), a transfer is a to-do of the receiving unit's staff, and the complainant's
rating of the reply counts once among the complaints service's answers."""

import pytest

from minzheng.accounts.models import Role
from minzheng.notifications.models import Notification, OptOut, Status
from minzheng.satisfaction.models import Invitation, Service
from minzheng.units.models import Unit
from minzheng.units.services import load_default_units
from tests.conftest import make_user

PHONE_CALL = {"channel": "phone", "category": "assistance", "content": "低保复核结果不公"}


@pytest.fixture
def world(jingmen, users, people):
    load_default_units()
    welfare = Unit.objects.get(code="welfare-centre")
    return {
        **jingmen,
        **people,
        "welfare_staff": make_user("welfare_staff", Role.UNIT_STAFF, jingmen["city"], unit=welfare),
        "resident": make_user(
            "resident", Role.RESIDENT, jingmen["longquan_community"], person=people["zhang"]
        ),
    }


def _complaint_messages(person=None):
    qs = Notification.objects.filter(subject_type="complaints.complaint")
    if person is not None:
        qs = qs.filter(person=person)
    return list(qs.order_by("id").values_list("kind", "text", "status"))


def test_each_decision_tells_the_complainant_once_and_a_transfer_is_a_to_do(
    world, api_client, calendar_2016, django_capture_on_commit_callbacks
):
    zhang = world["zhang"]
    clerk = api_client.login("dongbao_clerk")

    def step(path, data):
        with django_capture_on_commit_callbacks(execute=True):
            r = clerk.post(path, data)
        assert r.status_code in (200, 201), r.content
        return r.json()

    body = step(
        "/api/v1/complaints/complaints",
        {**PHONE_CALL, "complainant_id_number": zhang.id_number, "received_on": "2016-03-01"},
    )
    url = f"/api/v1/complaints/complaints/{body['id']}"
    number = body["number"]
    step(f"{url}/accept", {"on": "2016-03-16"})
    assert _complaint_messages(zhang) == [
        (
            "complaint_accepted",
            f"【荆门民政】您反映的事项（{number}）已受理，将于2016-05-16前办结并书面答复。",
            Status.QUEUED,
        )
    ]
    step(f"{url}/transfer", {"to_unit_code": "welfare-centre", "note": "属中心职责"})
    todo = Notification.objects.get(kind="todo_complaint_transferred")
    assert todo.user == world["welfare_staff"]
    assert todo.text == (
        f"【荆门民政】待办：龙泉街道转来信访事项（{number}），请于2016-05-16前办理。"
    )
    # The resident refuses replies from now on: the reply is recorded, never sent.
    OptOut.objects.create(person=zhang, kind="complaint_replied")
    api_client.login("welfare_staff")
    step(f"{url}/investigate", {"findings": "已核实", "substantiated": True})
    step(f"{url}/reply", {"reply": "已整改", "on": "2016-05-10"})
    replied = Notification.objects.get(kind="complaint_replied")
    assert replied.status == Status.SUPPRESSED
    assert "2016-06-12前申请复查" in replied.text
    # Rated by the complainant: one answer of the complaints service, with the owner unit.
    api_client.login("resident")
    step(f"{url}/rate", {"satisfaction": "basic"})
    answer = Invitation.objects.get(subject_type="complaints.complaint")
    assert (answer.service, answer.rating, answer.person, answer.unit.code) == (
        Service.COMPLAINT,
        "basic",
        zhang,
        "welfare-centre",
    )
    # The review answered by the city: one more message; nothing was sent twice.
    api_client.login("welfare_staff")
    step(f"{url}/review", {"reason": "不服", "on": "2016-06-06"})
    api_client.login("city_section")
    step(f"{url}/review-result", {"result": "维持原答复", "on": "2016-06-20"})
    assert [kind for kind, _text, _status in _complaint_messages(zhang)] == [
        "complaint_accepted",
        "complaint_replied",
        "complaint_review_answered",
    ]
    assert Invitation.objects.filter(subject_type="complaints.complaint").count() == 1


def test_an_anonymous_complaint_tells_nobody(
    world, api_client, calendar_2016, django_capture_on_commit_callbacks
):
    clerk = api_client.login("dongbao_clerk")
    with django_capture_on_commit_callbacks(execute=True):
        r = clerk.post(
            "/api/v1/complaints/complaints",
            {**PHONE_CALL, "anonymous": True, "received_on": "2016-03-01"},
        )
    assert r.status_code == 201, r.content
    with django_capture_on_commit_callbacks(execute=True):
        r = clerk.post(
            f"/api/v1/complaints/complaints/{r.json()['id']}/accept", {"on": "2016-03-02"}
        )
    assert r.status_code == 200
    assert _complaint_messages() == []
    # Replied and rated by phone: the staff record the rating, which counts without a person.
    url = f"/api/v1/complaints/complaints/{r.json()['id']}"
    for path, data in (
        ("investigate", {"findings": "已核实", "substantiated": False}),
        ("reply", {"reply": "经核实，复核结果符合政策", "on": "2016-04-20"}),
        ("rate", {"satisfaction": "satisfied"}),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert clerk.post(f"{url}/{path}", data).status_code == 200, path
    assert _complaint_messages() == []
    answer = Invitation.objects.get(subject_type="complaints.complaint")
    assert (answer.service, answer.rating, answer.person, answer.region.code) == (
        Service.COMPLAINT,
        "satisfied",
        None,
        "420802001",
    )

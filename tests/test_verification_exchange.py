"""Online exchange with the departments: a request per department source, the 5-working-day reply
deadline on the holiday calendar, replies by file, by pulling a department's endpoint (a real HTTP
server in a thread) and pushed by a department with its own credential, and "no reply" decided by
a person.

Deadlines worked by hand on the 2016 calendar: National Day is 1–7 October, with Saturday 8 and
Sunday 9 October worked (调休). A request sent on Monday 26 September is due on the 5th working day
after it: Tue 27 (1), Wed 28 (2), Thu 29 (3), Fri 30 (4), then 1–7 October off, Sat 8 October (5):
due 2016-10-08, where counting weekdays alone would give Mon 3 October. Sent on Fri 30 September:
Sat 8 (1), Sun 9 (2), Mon 10 (3), Tue 11 (4), Wed 12 (5): due 2016-10-12."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.cases import clock
from minzheng.cases.working_days import add_working_days
from minzheng.core import jobs
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent, Job
from minzheng.verification import exchange, runs, selectors, services
from minzheng.verification.models import DepartmentRequest, Run, SourceAdapter, SourceBatch
from minzheng.verification.sources import get_source
from tests.conftest import make_user
from tests.fixtures.verification import application

D = dt.date.fromisoformat
pytestmark = pytest.mark.usefixtures("media_root", "calendar_2016")


@pytest.fixture
def world(coverage_world, monkeypatch):
    # Jobs run here in the test's transaction: keep its connection (a worker would open its own).
    monkeypatch.setattr(jobs, "close_old_connections", lambda: None)
    return coverage_world


def set_day(monkeypatch, day: str) -> None:
    monkeypatch.setattr(clock, "today", lambda: D(day))


def start(world, case=None) -> Run:
    return services.start_run(
        user=world["users"]["verifier"],
        kind=Run.Kind.APPLICATION,
        case=case or application(world),
        as_of=D("2016-09-26"),
        dispatch_on_commit=False,
        exchange=True,
    )


def csv_reply(source: str, rows: list[dict]) -> bytes:
    names = [c.name for c in get_source(source).columns]
    lines = [",".join(names)] + [",".join(str(r.get(n, "")) for n in names) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def answer_all(run: Run, *, but=(), rows=None) -> None:
    for request in run.requests.exclude(source__in=but):
        batch = exchange.record_reply(
            request=request,
            data=csv_reply(request.source, (rows or {}).get(request.source, [])),
            original_name="reply.csv",
            via="file",
        )
        assert batch.status == SourceBatch.Status.IMPORTED, batch.errors


# --------------------------------------------------------------------------------------------
# The deadline


@pytest.mark.parametrize(
    ("sent_on", "due_on"),
    [("2016-09-26", "2016-10-08"), ("2016-09-30", "2016-10-12"), ("2016-10-10", "2016-10-17")],
)
@pytest.mark.django_db
def test_the_reply_deadline_is_five_working_days_on_the_calendar(sent_on, due_on):
    assert add_working_days(D(sent_on), exchange.REPLY_WORKING_DAYS) == D(due_on)


@pytest.mark.parametrize(
    ("status", "answered_on", "today", "state"),
    [
        ("awaiting", None, "2016-10-07", "awaiting"),
        ("awaiting", None, "2016-10-08", "awaiting"),  # the deadline day itself is in time
        ("awaiting", None, "2016-10-09", "overdue"),
        ("answered", "2016-10-08", "2016-10-20", "on_time"),
        ("answered", "2016-10-09", "2016-10-20", "late"),
        ("no_reply", None, "2016-10-20", "no_reply"),
    ],
)
def test_the_state_of_a_request(status, answered_on, today, state):
    request = DepartmentRequest(
        status=status,
        sent_on=D("2016-09-26"),
        due_on=D("2016-10-08"),
        answered_on=D(answered_on) if answered_on else None,
    )
    assert exchange.state_of(request, D(today)) == state


# --------------------------------------------------------------------------------------------
# Requests and replies


@pytest.mark.django_db
def test_starting_a_run_asks_every_department_and_the_run_waits(world):
    run = start(world)
    assert run.status == Run.Status.AWAITING and run.job is None
    requests = list(run.requests.all())
    assert sorted(r.source for r in requests) == sorted(exchange.requested_sources())
    assert {"deaths", "vehicles", "deposits"} <= {r.source for r in requests}
    household = world["people"]["hh_dongbao"]
    members = household.memberships.filter(until__isnull=True).count()
    assert all(
        r.sent_on == D("2016-09-26")
        and r.due_on == D("2016-10-08")
        and r.households == 1
        and r.members == members
        and r.adapter == "file"
        for r in requests
    )
    # What a department is told: ID number and name; the household number only to those who
    # answer about households.
    people = exchange.request_people(run)
    vehicles = exchange.rows_for("vehicles", people)
    assert set(vehicles[0]) == {"id_number", "name"} and len(vehicles) == members
    assert set(exchange.rows_for("hukou", people)[0]) == {"id_number", "name", "household_number"}
    assert AuditEvent.objects.filter(
        object_type="verification.departmentrequest", object_id=run.reference
    ).exists()


@pytest.mark.django_db
def test_a_late_reply_makes_the_run_overdue_then_answered_and_the_run_compares_it(
    world, monkeypatch
):
    case = application(world)
    applicant = world["people"]["zhang"]
    run = start(world, case)
    set_day(monkeypatch, "2016-10-08")  # the deadline day: all still in time
    assert exchange.run_exchange_state(run) == "awaiting"
    answer_all(
        run,
        but=("vehicles",),
        rows={"deaths": []},
    )
    run.refresh_from_db()
    assert run.status == Run.Status.AWAITING  # the vehicle registry has not answered
    set_day(monkeypatch, "2016-10-09")
    assert exchange.run_exchange_state(run) == "overdue"
    card = selectors.exchange_widget_context(world["users"]["verifier"])
    assert card["overdue_count"] == 1 and card["overdue"][0].source == "vehicles"
    # The vehicle registry answers a day late, with a car of the applicant's.
    vehicles = run.requests.get(source="vehicles")
    exchange.record_reply(
        request=vehicles,
        data=csv_reply(
            "vehicles",
            [
                {
                    "id_number": applicant.id_number,
                    "plate": "鄂H12345",
                    "vehicle_type": "car",
                    "value": "150000",  # above the 80,000 yuan limit
                    "registered_on": "2015-03-01",
                }
            ],
        ),
        original_name="vehicles.csv",
        via="file",
    )
    vehicles.refresh_from_db()
    assert exchange.state_of(vehicles) == "late" and vehicles.answered_on == D("2016-10-09")
    assert exchange.state_of(run.requests.get(source="deaths")) == "on_time"
    run.refresh_from_db()
    assert exchange.run_exchange_state(run) == "answered"
    assert run.status == Run.Status.QUEUED and run.job is not None
    assert selectors.exchange_widget_context(world["users"]["verifier"])["overdue_count"] == 0
    result = runs.execute(run.pk)
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED, result
    # The run read the replies, not other deliveries; the car is found.
    assert run.batches["vehicles"] == [vehicles.batch_id]
    assert run.coverage["cases"][str(case.pk)]["status"] == "complete"
    assert run.findings.filter(rule="vehicle", person=applicant).exists()
    case.refresh_from_db()
    assert case.state == "verifying"  # waits for staff on the finding
    # A reply answers once.
    with pytest.raises(ServiceError) as err:
        exchange.record_reply(
            request=vehicles, data=csv_reply("vehicles", []), original_name="x.csv", via="file"
        )
    assert err.value.status == 409


@pytest.mark.django_db
def test_a_reply_with_a_wrong_row_is_refused_whole_and_every_row_named(world):
    run = start(world)
    request = run.requests.get(source="vehicles")
    applicant = world["people"]["zhang"]
    good = {
        "id_number": applicant.id_number,
        "plate": "鄂H1",
        "vehicle_type": "car",
        "value": "1000",
        "registered_on": "2015-01-01",
    }
    batch = exchange.record_reply(
        request=request,
        data=csv_reply(
            "vehicles",
            [
                good,
                good | {"id_number": "420802198001011234"},
                good | {"value": "-5"},
                good | {"vehicle_type": "boat"},
            ],
        ),
        original_name="vehicles.csv",
        via="file",
    )
    assert batch.status == SourceBatch.Status.REJECTED and batch.reply
    assert [(e["row"], e["column"]) for e in exchange.all_errors(batch)] == [
        (2, "身份证号码"),
        (3, "车辆价值（元）"),
        (4, "车辆类型"),
    ]
    request.refresh_from_db()
    assert request.status == "awaiting" and "3 条记录错误" in request.last_error
    # A reply is never another run's current delivery.
    ok = exchange.record_reply(
        request=request, data=csv_reply("vehicles", [good]), original_name="v.csv", via="file"
    )
    assert ok.status == "imported"
    from minzheng.verification import imports

    assert "vehicles" not in imports.current_batches()


@pytest.mark.django_db
def test_no_reply_is_decided_by_a_person_after_the_deadline_and_the_source_is_missing(
    world, monkeypatch
):
    case = application(world)
    run = start(world, case)
    answer_all(run, but=("deposits",))
    deposits = run.requests.get(source="deposits")
    verifier = world["users"]["verifier"]
    set_day(monkeypatch, "2016-10-08")
    with pytest.raises(ServiceError) as err:
        exchange.mark_no_reply(user=verifier, request=deposits, note="电话催办未回复")
    assert err.value.status == 409 and "2016-10-08" in err.value.errors["request"][0]
    set_day(monkeypatch, "2016-10-10")
    with pytest.raises(ServiceError) as err:
        exchange.mark_no_reply(user=verifier, request=deposits, note="  ")
    assert "note" in err.value.errors
    with pytest.raises(PermissionDeniedError):
        exchange.mark_no_reply(
            user=world["users"]["dongbao_clerk"], request=deposits, note="未回复"
        )
    exchange.mark_no_reply(user=verifier, request=deposits, note="10月9日电话催办，银行仍未回复")
    deposits.refresh_from_db()
    assert deposits.status == "no_reply" and deposits.settled_by == verifier
    event = AuditEvent.objects.filter(
        object_type="verification.departmentrequest", object_id=str(deposits.pk)
    ).latest("seq")
    assert event.after == {
        "status": "no_reply",
        "note": deposits.note,
        "settled_by_id": verifier.pk,
    }
    run.refresh_from_db()
    assert run.status == Run.Status.QUEUED
    runs.execute(run.pk)
    run.refresh_from_db()
    # Compared without the bank deposits: partial, never as if the banks had answered.
    found = run.coverage["cases"][str(case.pk)]
    assert found["status"] == "partial" and found["missing"] == ["deposits"]


# --------------------------------------------------------------------------------------------
# Pulling a department's endpoint: a real HTTP server on a free port


class Department(BaseHTTPRequestHandler):
    """A vehicle registry's query endpoint: answers with a car for every person asked about."""

    token = "dept-secret"
    answer = "json"
    delay = 0.0
    seen: list = []

    def do_POST(self):  # noqa: N802 - the http.server interface
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"auth": self.headers.get("Authorization"), "body": body})
        if self.delay:
            time.sleep(self.delay)
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            self.send_response(401)
            self.end_headers()
            return
        rows = [
            {
                "身份证号码": p["id_number"],
                "号牌号码": f"鄂H{i:05d}",
                "车辆类型": "小型汽车",
                "车辆价值（元）": "60000",
                "注册登记日期": "2014-05-01",
            }
            for i, p in enumerate(body["people"])
        ]
        if self.answer == "json":
            data, kind = json.dumps({"rows": rows}, ensure_ascii=False).encode(), "application/json"
        elif self.answer == "csv":
            header = list(rows[0]) if rows else []
            lines = [",".join(header)] + [",".join(r[h] for h in header) for r in rows]
            data, kind = ("\n".join(lines) + "\n").encode(), "text/csv; charset=utf-8"
        else:
            data, kind = b"<html></html>", "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def department():
    Department.seen, Department.answer, Department.delay = [], "json", 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Department)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/query"
    server.shutdown()
    server.server_close()


def pull(world, url, *, token="dept-secret", timeout=5):
    exchange.configure_adapter(
        user=world["users"]["admin"],
        source="vehicles",
        kind="pull",
        url=url,
        token=token,
        timeout=timeout,
    )
    run = start(world)
    request = run.requests.get(source="vehicles")
    assert request.adapter == "pull" and request.job is not None
    return run, request, jobs.execute(str(request.job_id))


@pytest.mark.parametrize("answer", ["json", "csv"])
@pytest.mark.django_db
def test_the_platform_pulls_a_reply_from_the_department_endpoint(world, department, answer):
    Department.answer = answer
    run, request, job = pull(world, department)
    assert job.status == Job.Status.SUCCEEDED, job.error
    asked = Department.seen[0]
    assert asked["auth"] == "Bearer dept-secret"
    assert asked["body"]["request"] == request.reference and asked["body"]["source"] == "vehicles"
    assert {p["id_number"] for p in asked["body"]["people"]} == {
        p["id_number"] for p in exchange.request_people(run)
    }
    request.refresh_from_db()
    assert request.status == "answered" and request.answered_via == "pull"
    assert request.batch.rows_imported == request.members
    assert job.done == job.total == 3
    # The token is kept encrypted, never in clear.
    assert "dept-secret" not in SourceAdapter.objects.get(source="vehicles").token_cipher


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"token": "wrong"}, "部门接口拒绝了本平台的令牌（HTTP 401）"),
        ({"delay": 2.5, "timeout": 1}, "部门接口在 1 秒内没有响应"),
        ({"answer": "html"}, "部门接口返回的内容类型（text/html）无法识别，应为 JSON 或 CSV"),
        ({"url": "http://127.0.0.1:9/nothing"}, "无法连接部门接口（http://127.0.0.1:9/nothing）"),
    ],
)
@pytest.mark.django_db
def test_a_failed_pull_says_why_in_chinese_and_the_request_keeps_waiting(
    world, department, setup, message
):
    Department.delay = setup.get("delay", 0.0)
    Department.answer = setup.get("answer", "json")
    run, request, job = pull(
        world,
        setup.get("url", department),
        token=setup.get("token", "dept-secret"),
        timeout=setup.get("timeout", 5),
    )
    assert job.status == Job.Status.FAILED
    assert job.message.startswith(message), job.message
    request.refresh_from_db()
    assert request.status == "awaiting" and request.last_error.startswith(message)
    # Sending again fetches again (here the department has been fixed).
    Department.delay, Department.answer = 0.0, "json"
    exchange.configure_adapter(
        user=world["users"]["admin"],
        source="vehicles",
        kind="pull",
        url=department,
        token="dept-secret",
        timeout=5,
    )
    request, again = exchange.send(user=world["users"]["verifier"], request=request)
    assert jobs.execute(str(again.pk)).status == Job.Status.SUCCEEDED
    request.refresh_from_db()
    assert request.status == "answered" and request.sends == 2


# --------------------------------------------------------------------------------------------
# Pushed by the department, with its own credential


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.django_db
def test_a_department_reads_and_answers_only_its_own_requests(world, client):
    admin = world["users"]["admin"]
    run = start(world)
    vehicles = run.requests.get(source="vehicles")
    deaths = run.requests.get(source="deaths")
    token, secret = exchange.issue_token(user=admin, source="vehicles", name="车管所系统")
    assert token.key_hash != secret and secret.startswith(token.prefix)

    listed = client.get("/api/v1/verification/department/requests", **bearer(secret))
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()] == [vehicles.pk]
    people = client.get(
        f"/api/v1/verification/department/requests/{vehicles.pk}/people", **bearer(secret)
    )
    assert people.status_code == 200 and people.json()["columns"] == ["id_number", "name"]
    assert len(people.json()["people"]) == vehicles.members
    assert AuditEvent.objects.filter(
        action="export", object_id=str(vehicles.pk), actor_name__startswith="department:vehicles"
    ).exists()
    # Another department's request does not exist for this credential.
    other = client.get(
        f"/api/v1/verification/department/requests/{deaths.pk}/people", **bearer(secret)
    )
    assert other.status_code == 404
    reply = {"request_id": deaths.pk, "rows": []}
    r = client.post(
        "/api/v1/verification/replies", reply, content_type="application/json", **bearer(secret)
    )
    assert r.status_code == 404
    deaths.refresh_from_db()
    assert deaths.status == "awaiting"

    # Every wrong row is reported, by its place in `rows` and its column.
    applicant = world["people"]["zhang"]
    row = {
        "id_number": applicant.id_number,
        "plate": "鄂H1",
        "vehicle_type": "小型汽车",
        "value": "1000",
        "registered_on": "2015-01-01",
    }
    bad = {
        "request_id": vehicles.pk,
        "rows": [row, row | {"value": "abc"}, row | {"id_number": "1"}],
    }
    r = client.post(
        "/api/v1/verification/replies", bad, content_type="application/json", **bearer(secret)
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"rows[1].车辆价值（元）", "rows[2].身份证号码"}

    ok = {"request_id": vehicles.pk, "rows": [row]}
    r = client.post(
        "/api/v1/verification/replies", ok, content_type="application/json", **bearer(secret)
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "on_time" and r.json()["rows_imported"] == 1
    vehicles.refresh_from_db()
    assert vehicles.status == "answered" and vehicles.answered_via == "push"
    r = client.post(
        "/api/v1/verification/replies", ok, content_type="application/json", **bearer(secret)
    )
    assert r.status_code == 409

    # Revoked: the credential no longer exists.
    exchange.revoke_token(user=admin, token=token)
    r = client.get("/api/v1/verification/department/requests", **bearer(secret))
    assert r.status_code == 401
    # A staff member's own token is not a department credential.
    r = client.post(
        "/api/v1/verification/replies", reply, content_type="application/json", **bearer("x")
    )
    assert r.status_code == 401


@pytest.mark.django_db
def test_only_an_administrator_configures_adapters_and_issues_credentials(world):
    verifier = world["users"]["verifier"]
    with pytest.raises(PermissionDeniedError):
        exchange.configure_adapter(user=verifier, source="vehicles", kind="push")
    with pytest.raises(PermissionDeniedError):
        exchange.issue_token(user=verifier, source="vehicles", name="x")
    admin = world["users"]["admin"]
    with pytest.raises(ServiceError) as err:
        exchange.configure_adapter(user=admin, source="vehicles", kind="pull", url="ftp://x")
    assert "url" in err.value.errors
    with pytest.raises(ServiceError) as err:
        exchange.configure_adapter(user=admin, source="entitlements", kind="push")
    assert "source" in err.value.errors


# --------------------------------------------------------------------------------------------
# The verification centre's API: contract and scope


@pytest.mark.django_db
def test_the_centre_follows_requests_through_the_api_within_its_scope(
    world, api_client, client, monkeypatch, jingmen
):
    run = start(world)
    api_client.login("verifier")
    r = api_client.get(f"/api/v1/verification/runs/{run.pk}/requests")
    assert r.status_code == 200
    body = r.json()
    assert {row["state"] for row in body} == {"awaiting"} and body[0]["due_on"] == "2016-10-08"
    assert api_client.get(f"/api/v1/verification/runs/{run.pk}").json()["exchange"] == "awaiting"
    set_day(monkeypatch, "2016-10-09")
    overdue = api_client.get("/api/v1/verification/requests", state="overdue").json()
    assert overdue["count"] == len(body)
    deposits = run.requests.get(source="deposits")
    r = api_client.post(f"/api/v1/verification/requests/{deposits.pk}/no-reply", {"note": ""})
    assert r.status_code == 422
    r = api_client.post(
        f"/api/v1/verification/requests/{deposits.pk}/no-reply", {"note": "多次催办未回复"}
    )
    assert r.status_code == 200 and r.json()["state"] == "no_reply"
    vehicles = run.requests.get(source="vehicles")
    r = api_client.get(f"/api/v1/verification/requests/{vehicles.pk}/people.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    r = client.post(
        f"/api/v1/verification/requests/{vehicles.pk}/reply-file",
        {"file": SimpleUploadedFile("vehicles.csv", csv_reply("vehicles", []))},
        HTTP_AUTHORIZATION=f"Bearer {api_client.token}",
    )
    assert r.status_code == 202
    vehicles.refresh_from_db()
    assert jobs.execute(str(vehicles.job_id)).status == Job.Status.SUCCEEDED
    vehicles.refresh_from_db()
    assert vehicles.status == "answered" and vehicles.answered_via == "file"

    # Another county's verification centre sees none of it.
    make_user("zx_verifier", "verification_centre", jingmen["zhongxiang"])
    other = type(api_client)().login("zx_verifier")
    assert other.get(f"/api/v1/verification/requests/{deposits.pk}").status_code == 404
    assert other.get(f"/api/v1/verification/runs/{run.pk}/requests").status_code == 404
    assert other.get("/api/v1/verification/requests").json()["count"] == 0
    r = other.post(f"/api/v1/verification/requests/{vehicles.pk}/send")
    assert r.status_code == 404
    # A clerk may not read the ID numbers of a request.
    api_client.login("dongbao_clerk")
    r = api_client.get(f"/api/v1/verification/requests/{vehicles.pk}/people.xlsx")
    assert r.status_code == 403

"""One-off payments: a decided temporary-assistance case becomes a payable, is paid through a
county batch (bank file in the payroll's format, bank returns), and its case timeline shows the
paid date; failures are re-issued in a later batch; emergency help already handed over is shown
and never paid again; cash and in-kind handovers settle a payable; scope is a 404 everywhere."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minzheng.cases import services as case_services
from minzheng.cases.models import State
from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.payments import bankfile, oneoff, payroll
from minzheng.payments.models import OneOffBatch, OneOffItem, OneOffPayable
from tests.fixtures.cases import PNG_BYTES, Api, field_errors, ok, to_stage

pytestmark = pytest.mark.usefixtures("media_root")

BASE = "/api/v1/assistance/payments/oneoff"
CASES = "/api/v1/assistance/cases"
D = dt.date.fromisoformat


@pytest.fixture
def world(case_world):
    from minzheng.assistance.services import load_default_standards

    load_default_standards()
    return case_world


@pytest.fixture
def api(client):
    return Api(client)


def temporary_case(world, set_today, amount_fen: int, **extra):
    """A 东宝区 temporary-assistance case approved by the county at `amount_fen`."""
    extra.setdefault("requested_amount_fen", amount_fen)
    case = to_stage(world, set_today, State.COUNTY_REVIEW, programme="temporary", **extra)
    set_today("2016-10-28")
    return case_services.county_decision(
        user=world["users"]["dongbao_approver"], case=case, approve=True, amount_fen=amount_fen
    )


def return_file(export_body: bytes, outcomes: dict[int, tuple[str, str]]) -> bytes:
    """The bank's return for an exported CSV: every line echoed with 结果 (and 失败原因)."""
    rows = list(csv.reader(io.StringIO(export_body.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["流水号", "金额（元）", "结果", "失败原因"])
    for index, row in enumerate(body):
        result, reason = outcomes.get(index, ("成功", ""))
        writer.writerow([row[0], row[header.index("金额（元）")], result, reason])
    return out.getvalue().encode("utf-8")


def build(api, county="420802", pay_date=None) -> dict:
    """Create the batch through the API; the build job runs in a thread, so wait for it."""
    import time

    from minzheng.core.models import Job

    pay_date = pay_date or timezone.localdate().isoformat()
    batch = ok(api.post(f"{BASE}/batches", {"county": county, "pay_date": pay_date}), 201)
    deadline = time.monotonic() + 60
    while Job.objects.filter(
        pk=batch["job_id"], status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    ).exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return ok(api.get(f"{BASE}/batches/{batch['id']}"))


# ---------------------------------------------------------------- end to end


@pytest.mark.django_db(transaction=True)
def test_decided_temporary_case_is_paid_by_bank_and_its_timeline_shows_the_date(
    world, api, set_today, client
):
    case = temporary_case(world, set_today, 150_000)  # 1,500.00 元 decided
    payable = OneOffPayable.objects.get(source_kind="case", source_id=case.pk)
    assert (payable.amount_fen, payable.status, payable.programme) == (
        150_000,
        "pending",
        "temporary",
    )
    assert payable.decided_on == D("2016-10-28") and payable.person == world["people"]["zhang"]

    api.as_("dongbao_approver")
    listed = ok(api.get(f"{BASE}/payables", status="pending"))
    assert [(p["id"], p["amount"]) for p in listed["items"]] == [(payable.pk, "1500.00")]

    batch = build(api)
    assert (batch["status"], batch["line_count"], batch["total"]) == ("computed", 1, "1500.00")
    assert batch["townships"] == [
        {"code": "420802001", "name": "龙泉街道", "count": 1, "total": "1500.00"}
    ]
    payable.refresh_from_db()
    assert payable.status == "in_batch"
    # Building again adds nothing.
    again = build(api, pay_date=batch["pay_date"])
    assert (again["id"], again["line_count"]) == (batch["id"], 1)

    r = api.post(f"{BASE}/batches/{batch['id']}/export", {"format": "csv"})
    assert r.status_code == 409  # not approved yet
    ok(api.post(f"{BASE}/batches/{batch['id']}/approve"))
    r = api.post(f"{BASE}/batches/{batch['id']}/export", {"format": "csv"})
    assert r.status_code == 200, r.content
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == bankfile.EXPORT_HEADER == payroll.EXPORT_HEADER
    item = OneOffItem.objects.get()
    assert rows[1] == [
        str(item.pk),
        "东宝区",
        "龙泉街道",
        "龙泉社区",
        world["people"]["hh_dongbao"].number,
        "张三",
        "农商银行",
        "6217000012345678901",
        "1500.00",
        "临时救助",
        "2016-10",
    ]
    assert AuditEvent.objects.filter(action="export", object_type="payments.oneoffbatch").exists()

    upload = SimpleUploadedFile("return.csv", return_file(r.content, {}))
    result = ok(
        client.post(f"{BASE}/batches/{batch['id']}/returns", {"file": upload}, **api.headers), 201
    )
    assert (result["paid"], result["failed"], result["errors"]) == (1, 0, 0)
    assert result["batch"]["status"] == "reconciled"
    payable.refresh_from_db()
    assert (payable.status, payable.paid_on) == ("paid", D(batch["pay_date"]))

    # The case's timeline shows the paid date, in the API and on the case page.
    timeline = ok(api.get(f"{CASES}/{case.pk}"))["timeline"]
    assert timeline[-1] == {
        "state": "followup",
        "label": "银行发放成功",
        "status": "done",
        "on": batch["pay_date"],
        "detail": "1500.00 元",
    }
    client.force_login(world["users"]["dongbao_approver"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "银行发放成功" in page and batch["pay_date"] in page


@pytest.mark.django_db(transaction=True)
def test_a_failed_payment_is_reissued_in_the_next_batch_and_paid_once(
    world, api, set_today, client
):
    case = temporary_case(world, set_today, 80_000)
    payable = OneOffPayable.objects.get(case=case)
    approver = world["users"]["dongbao_approver"]
    county = world["regions"]["dongbao"]
    today = timezone.localdate()
    first = oneoff.create_batch(user=approver, county=county, pay_date=today - dt.timedelta(days=7))
    oneoff.fill_batch(batch=first)
    oneoff.approve_batch(user=approver, batch=first)
    first_body, _, _ = oneoff.export_batch(user=approver, batch=first, fmt="csv")
    oneoff.import_returns(
        user=approver,
        batch=first,
        file_name="r.csv",
        content=return_file(first_body, {0: ("失败", "账户已销户")}),
    )
    payable.refresh_from_db()
    assert payable.status == "failed"
    assert OneOffItem.objects.get(batch=first).failure_reason == "账户已销户"

    second = oneoff.create_batch(user=approver, county=county, pay_date=today)
    result = oneoff.fill_batch(batch=second)
    assert (result["added"], result["requeued"], result["lines"]) == (0, 1, 1)
    assert oneoff.fill_batch(batch=second)["lines"] == 1  # a re-run adds nothing
    payable.refresh_from_db()
    assert payable.status == "reissued"
    assert list(OneOffItem.objects.order_by("id").values_list("attempt", "status")) == [
        (1, "requeued"),
        (2, "pending"),
    ]
    oneoff.approve_batch(user=approver, batch=second)
    body, _, _ = oneoff.export_batch(user=approver, batch=second, fmt="csv")
    oneoff.import_returns(
        user=approver, batch=second, file_name="r.csv", content=return_file(body, {})
    )
    payable.refresh_from_db()
    assert (payable.status, payable.paid_on) == ("paid", today)

    # A late success for the failed (now re-issued) first attempt is refused: paid once.
    late = oneoff.import_returns(
        user=approver, batch=first, file_name="late.csv", content=return_file(first_body, {})
    )
    assert (late.paid, late.errors) == (0, 1)
    assert OneOffItem.objects.filter(status="paid").count() == 1

    client.force_login(approver)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    steps = page[page.index('class="steps"') : page.index("</ol>")]
    assert "银行发放失败" in steps and "账户已销户" in steps, steps
    assert "失败后重新发放成功" in steps and str(today) in steps


@pytest.mark.django_db
def test_emergency_help_is_a_settled_payable_and_only_the_rest_goes_to_the_bank(world, set_today):
    u = world["users"]
    set_today("2016-09-26")
    case = case_services.apply(
        user=u["dongbao_clerk"],
        programme="temporary",
        household=world["people"]["hh_dongbao"],
        applicant=world["people"]["zhang"],
        applied_on=D("2016-09-26"),
        is_emergency=True,
        reason="火灾",
        requested_amount_fen=120_000,
    )
    case_services.grant_emergency(
        user=u["dongbao_clerk"],
        case=case,
        amount_fen=50_000,
        method="cash",
        paid_on=D("2016-09-26"),
    )
    settled = OneOffPayable.objects.get(source_kind="emergency")
    assert (settled.status, settled.amount_fen, settled.paid_on) == (
        "cash",
        50_000,
        D("2016-09-26"),
    )
    from tests.fixtures.cases import authorise

    authorise(world, case)
    set_today("2016-09-28")
    case = case_services.complete_emergency_paperwork(user=u["dongbao_clerk"], case=case)
    case_services.county_decision(
        user=u["dongbao_approver"], case=case, approve=True, amount_fen=120_000
    )
    rest = OneOffPayable.objects.get(source_kind="case")
    assert (rest.status, rest.amount_fen) == ("pending", 70_000)  # 1,200.00 − 500.00 paid in cash
    # Only the rest goes into a batch.
    batch = oneoff.create_batch(
        user=u["dongbao_approver"],
        county=world["regions"]["dongbao"],
        pay_date=timezone.localdate(),
    )
    assert oneoff.fill_batch(batch=batch)["total"] == "700.00"


@pytest.mark.django_db
def test_register_payable_pays_a_source_once(world, set_today):
    case = temporary_case(world, set_today, 30_000)
    first = OneOffPayable.objects.get(case=case)
    again = oneoff.register_payable(
        source_kind="case",
        source_id=case.pk,
        programme="temporary",
        household=case.household,
        region=case.region,
        amount_fen=99_999,
        decided_on=D("2016-11-01"),
    )
    assert again.pk == first.pk and again.amount_fen == 30_000
    assert OneOffPayable.objects.count() == 1
    # Back-fill (the migration's) finds the case already registered: nothing added.
    assert oneoff.backfill() == 0
    OneOffPayable.objects.all().delete()
    assert oneoff.backfill() == 1
    assert OneOffPayable.objects.get().amount_fen == 30_000
    with pytest.raises(ServiceError):
        oneoff.register_payable(
            source_kind="funeral",
            source_id=1,
            programme="funeral_grant",
            household=case.household,
            region=case.region,
            amount_fen=0,
            decided_on=D("2016-11-01"),
        )


@pytest.mark.django_db
def test_monthly_programmes_make_no_payable(world, set_today):
    case = to_stage(world, set_today, State.COUNTY_REVIEW)
    set_today("2016-10-28")
    case_services.county_decision(
        user=world["users"]["dongbao_approver"], case=case, approve=True, amount_fen=96000
    )
    assert not OneOffPayable.objects.exists()


# ---------------------------------------------------------------- handovers


@pytest.mark.django_db
def test_cash_and_in_kind_handovers_settle_the_payable(world, api, set_today, client, settings):
    case = temporary_case(world, set_today, 20_000)
    payable = OneOffPayable.objects.get(case=case)
    api.as_("dongbao_clerk")
    url = f"{BASE}/payables/{payable.pk}/handover"
    base = {
        "kind": "cash",
        "recipient_name": "张三",
        "handed_by_name": "刘强",
        "handed_on": "2016-11-02",
    }
    r = client.post(
        url,
        {**base, "amount": "150.00", "file": SimpleUploadedFile("s.png", PNG_BYTES)},
        **api.headers,
    )
    assert r.status_code == 422 and field_errors(r) == {"amount"}
    r = client.post(url, {**base, "amount": "200.00"}, **api.headers)
    assert r.status_code == 422
    r = client.post(
        url,
        {**base, "amount": "200.00", "file": SimpleUploadedFile("s.png", PNG_BYTES)},
        **api.headers,
    )
    body = ok(r, 201)
    assert (body["status"], body["paid_on"], body["handover"]["recipient_name"]) == (
        "cash",
        "2016-11-02",
        "张三",
    )
    stored = payable.handover.evidence
    with open(stored.path, "rb") as fh:
        assert PNG_BYTES not in fh.read()  # encrypted at rest
    assert stored.open().read() == PNG_BYTES
    # Settled: never into a batch, never handed over twice.
    batch = oneoff.create_batch(
        user=world["users"]["dongbao_approver"],
        county=world["regions"]["dongbao"],
        pay_date=timezone.localdate(),
    )
    assert oneoff.fill_batch(batch=batch)["lines"] == 0
    r = client.post(
        url,
        {**base, "amount": "200.00", "file": SimpleUploadedFile("s.png", PNG_BYTES)},
        **api.headers,
    )
    assert r.status_code == 409


@pytest.mark.django_db
def test_in_kind_handover_needs_the_items(world, set_today):
    case = temporary_case(world, set_today, 20_000)
    payable = OneOffPayable.objects.get(case=case)
    clerk = world["users"]["dongbao_clerk"]
    args = dict(
        user=clerk,
        payable=payable,
        kind="in_kind",
        recipient_name="张三",
        handed_by_name="刘强",
        handed_on=D("2016-11-02"),
        evidence=SimpleUploadedFile("s.png", PNG_BYTES, content_type="image/png"),
    )
    with pytest.raises(ServiceError) as err:
        oneoff.record_handover(**args)
    assert set(err.value.errors) == {"items"}
    args["evidence"] = SimpleUploadedFile("s.png", PNG_BYTES, content_type="image/png")
    oneoff.record_handover(**args, items="棉被 2 床、大米 50 斤")
    payable.refresh_from_db()
    assert (payable.status, payable.paid_on) == ("in_kind", D("2016-11-02"))


# ---------------------------------------------------------------- scope and roles


@pytest.mark.django_db(transaction=True)
def test_out_of_scope_is_404_and_wrong_role_403(world, api, set_today, client):
    case = temporary_case(world, set_today, 20_000)
    payable = OneOffPayable.objects.get(case=case)
    api.as_("dongbao_approver")
    batch = build(api)
    bid, pid = batch["id"], payable.pk
    api.as_("zhongxiang_approver")
    for method, url, data in [
        ("get", f"{BASE}/payables/{pid}", None),
        ("get", f"{BASE}/batches/{bid}", None),
        ("get", f"{BASE}/batches/{bid}/items", None),
        ("post", f"{BASE}/batches/{bid}/fill", None),
        ("post", f"{BASE}/batches/{bid}/approve", None),
        ("post", f"{BASE}/batches/{bid}/export", {"format": "csv"}),
    ]:
        r = api.get(url) if method == "get" else api.post(url, data)
        assert r.status_code == 404, (url, r.status_code)
    r = client.post(
        f"{BASE}/batches/{bid}/returns",
        {"file": SimpleUploadedFile("r.csv", b"a,b\n")},
        **api.headers,
    )
    assert r.status_code == 404
    r = client.post(
        f"{BASE}/payables/{pid}/handover",
        {
            "kind": "cash",
            "amount": "200.00",
            "recipient_name": "张三",
            "handed_by_name": "刘强",
            "handed_on": "2016-11-02",
            "file": SimpleUploadedFile("s.png", PNG_BYTES),
        },
        **api.headers,
    )
    assert r.status_code == 404
    assert ok(api.get(f"{BASE}/payables"))["count"] == 0
    assert ok(api.get(f"{BASE}/batches"))["count"] == 0
    # Another county's batch cannot be created either.
    r = api.post(f"{BASE}/batches", {"county": "420802", "pay_date": batch["pay_date"]})
    assert r.status_code == 404
    # A township clerk sees the payable of the township, not the county's batches.
    api.as_("dongbao_clerk")
    assert ok(api.get(f"{BASE}/payables/{pid}"))["id"] == pid
    assert api.get(f"{BASE}/batches/{bid}").status_code == 404
    r = api.post(f"{BASE}/batches", {"county": "420802", "pay_date": batch["pay_date"]})
    assert r.status_code == 404
    # The city section sees the batch but does not run it.
    api.as_("city_section")
    assert ok(api.get(f"{BASE}/batches/{bid}"))["id"] == bid
    assert api.post(f"{BASE}/batches/{bid}/approve").status_code == 403
    assert OneOffBatch.objects.count() == 1


# ---------------------------------------------------------------- the batch job killed mid-way


def bulk_payables(village, count: int) -> list[int]:
    """`count` households of the village, each with a pending temporary-assistance payable of
    100.00 + i fen."""
    from minzheng.people.models import Household

    households = Household.objects.bulk_create(
        [
            Household(
                number=f"T{village.code}{i:05d}",
                region=village,
                bank_name="农商银行",
                bank_account_masked="6217********0001",
            )
            for i in range(count)
        ]
    )
    payables = OneOffPayable.objects.bulk_create(
        [
            OneOffPayable(
                source_kind="test",
                source_id=h.pk,
                programme="temporary",
                household=h,
                region=village,
                amount_fen=10000 + i,
                decided_on=D("2016-10-20"),
            )
            for i, h in enumerate(households)
        ]
    )
    return [p.pk for p in payables]


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_batch_job_killed_mid_way_then_rerun_adds_nothing_twice(broker, jingmen, users, tmp_path):
    from minzheng.core import jobs
    from minzheng.core.models import Job
    from tests.fixtures.jobs import REPO, run_worker_burst, worker_env

    from . import workers

    # Four chunks of 3: the job is killed in its third chunk right after its INSERT, so two chunks
    # are committed (items and their payables' status together) and one is cut off.
    count, chunk = 12, 3
    ids = bulk_payables(jingmen["longquan_community"], count)
    approver = users["dongbao_approver"]
    batch = oneoff.create_batch(
        user=approver, county=jingmen["dongbao"], pay_date=timezone.localdate()
    )
    job_row = jobs.enqueue(
        oneoff.FILL_JOB,
        params={"batch_id": batch.pk, "chunk_size": chunk},
        user=approver,
        region=jingmen["dongbao"],
    )
    workers.start_worker_and_kill_in_flight(
        env=worker_env(),
        cwd=REPO,
        log_path=tmp_path / "worker.log",
        table="payments_oneoffitem",
        insert=3,
    )
    written = OneOffItem.objects.count()
    assert written == 2 * chunk < count
    assert sorted(OneOffItem.objects.values_list("payable_id", flat=True)) == ids[:written]
    # The payables of the committed chunks left the pending list with them, the others did not.
    assert OneOffPayable.objects.filter(status="in_batch").count() == written
    assert OneOffPayable.objects.filter(status="pending").count() == count - written
    batch.refresh_from_db()
    assert batch.status == "draft"

    jobs.rerun(job_row)
    run_worker_burst()
    job_row.refresh_from_db()
    assert job_row.status == Job.Status.SUCCEEDED, job_row.error
    assert (job_row.result["added"], job_row.result["lines"]) == (count - written, count)
    assert OneOffItem.objects.count() == count
    assert OneOffItem.objects.values("payable_id").distinct().count() == count
    assert not OneOffPayable.objects.filter(status="pending").exists()
    batch.refresh_from_db()
    assert (batch.status, batch.line_count, batch.total_fen) == (
        "computed",
        count,
        sum(10000 + i for i in range(count)),
    )
    # And once more: nothing.
    assert oneoff.fill_batch(batch=batch)["added"] == 0
    assert OneOffItem.objects.count() == count


# ---------------------------------------------------------------- pages


@pytest.mark.django_db
def test_pages_handover_form_and_scope(world, set_today, client):
    case = temporary_case(world, set_today, 20_000)
    payable = OneOffPayable.objects.get(case=case)
    client.force_login(world["users"]["dongbao_clerk"])
    listing = client.get("/payments/oneoff/").content.decode()
    assert payable.household.number in listing and "编制发放批次" not in listing  # no batches
    page = client.get(f"/payments/oneoff/payables/{payable.pk}/").content.decode()
    assert "登记现金或实物发放" in page
    r = client.post(
        f"/payments/oneoff/payables/{payable.pk}/handover/",
        {
            "kind": "cash",
            "amount": "200.00",
            "recipient_name": "张三",
            "handed_by_name": "刘强",
            "handed_on": "2016-11-02",
            "evidence": SimpleUploadedFile("签字.png", PNG_BYTES),
        },
    )
    assert r.status_code == 302
    payable.refresh_from_db()
    assert (payable.status, payable.paid_on) == ("cash", D("2016-11-02"))
    page = client.get(f"/payments/oneoff/payables/{payable.pk}/").content.decode()
    assert "已现金发放" in page and "刘强" in page and 'name="recipient_name"' not in page
    # The signature opens decrypted, for those who see the payable, and each opening is audited.
    evidence = f"/payments/oneoff/payables/{payable.pk}/handover/evidence/"
    assert 'data-testid="handover-evidence"' in page and evidence in page
    opened = client.get(evidence)
    assert opened.status_code == 200 and opened["Content-Type"] == "image/png"
    assert b"".join(opened.streaming_content) == PNG_BYTES
    assert AuditEvent.objects.filter(
        action="view", object_type="payments.handover", object_id=str(payable.handover.pk)
    ).exists()
    # The clerk runs no batches; another county's approver sees neither payable nor batch.
    assert client.get("/payments/oneoff/batches/1/").status_code in (403, 404)
    batch = oneoff.create_batch(
        user=world["users"]["dongbao_approver"],
        county=world["regions"]["dongbao"],
        pay_date=timezone.localdate(),
    )
    client.force_login(world["users"]["zhongxiang_approver"])
    assert client.get(f"/payments/oneoff/payables/{payable.pk}/").status_code == 404
    assert client.get(evidence).status_code == 404
    assert client.get(f"/payments/oneoff/batches/{batch.pk}/").status_code == 404
    client.force_login(world["users"]["dongbao_approver"])
    assert "东宝区" in client.get(f"/payments/oneoff/batches/{batch.pk}/").content.decode()

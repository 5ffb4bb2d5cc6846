"""Verification runs end to end: authorisation first, idempotent findings (a run killed on a
real RQ worker and run again leaves no duplicate), staff decisions and the routing of an
application (refusal without a home visit, or on to the investigation), the approval guard,
region scope on findings, the audit trail, and the API and report pages."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.accounts.models import Role
from minzheng.assistance.services import load_default_standards, set_standard
from minzheng.cases import clock
from minzheng.cases import services as case_services
from minzheng.cases.models import (
    Authorisation,
    Case,
    Channel,
    Decision,
    Document,
    DocumentKind,
    SpotCheck,
    State,
)
from minzheng.core import crypto, idcard, jobs
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent, Job
from minzheng.people.models import Household, HouseholdMember, Person
from minzheng.regions.models import Region
from minzheng.regions.services import load_jingmen
from minzheng.verification import imports, runs, selectors, services
from minzheng.verification.models import Finding, Run

from . import workers
from .conftest import PASSWORD, make_id, make_user

D = dt.date.fromisoformat
REPO = Path(__file__).resolve().parent.parent
REDIS_URL = workers.TEST_REDIS_URL
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BROKER_URL = ""


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def import_vehicles(tmp_path: Path, rows: list[tuple[str, str]], name="vehicles.csv"):
    """rows: (ID number, value in yuan) of cars registered in 2015."""
    path = write_csv(
        tmp_path / name,
        ["id_number", "plate", "vehicle_type", "value", "registered_on"],
        [
            [number, f"鄂H{i:05d}", "car", value, "2015-01-01"]
            for i, (number, value) in enumerate(rows)
        ],
    )
    batch = imports.import_file(source="vehicles", path=path, as_of=D("2016-09-01"))
    assert batch.rows_rejected == 0, batch.errors
    return batch


def authorise_directly(case: Case) -> None:
    document = Document.objects.create(
        case=case,
        kind=DocumentKind.AUTHORISATION,
        file="cases/a.pdf",
        original_name="a.pdf",
        content_type="application/pdf",
        extension=".pdf",
        size=1,
        sha256="0" * 64,
    )
    Authorisation.objects.create(
        case=case, document=document, signed_on=case.applied_on, signed_by=["户主"]
    )


@pytest.fixture
def world(jingmen, users, people, monkeypatch):
    load_default_standards()
    # These tests import vehicle records only; the programme requires just that source here
    # (what a missing required source does is tested in test_verification_coverage.py).
    set_standard(
        user=None,
        programme="dibao_urban",
        key="verification.required_sources",
        region=jingmen["city"],
        effective_from=D("2016-01-01"),
        value=["vehicles"],
        reason="测试：只比对车辆",
    )
    users = dict(users)
    users["verifier"] = make_user("verifier", Role.VERIFICATION_CENTRE, jingmen["dongbao"])
    users["zhongxiang_verifier"] = make_user(
        "zx_verifier", Role.VERIFICATION_CENTRE, jingmen["zhongxiang"]
    )
    today = {"day": D("2016-09-26")}
    monkeypatch.setattr(clock, "today", lambda: today["day"])

    def set_today(day: str):
        today["day"] = D(day)

    return {"users": users, "people": people, "regions": jingmen, "set_today": set_today}


def apply_and_accept(world, household="hh_dongbao", applicant="zhang", authorise=True) -> Case:
    clerk = (
        world["users"]["dongbao_clerk"]
        if household == "hh_dongbao"
        else world["users"]["zhongxiang_clerk"]
    )
    case = case_services.apply(
        user=clerk,
        programme="dibao_urban",
        household=world["people"][household],
        applicant=world["people"][applicant],
        applied_on=clock.today(),
    )
    if not authorise:
        return case
    doc = case_services.upload_document(
        user=clerk,
        case=case,
        kind=DocumentKind.AUTHORISATION,
        uploaded_file=SimpleUploadedFile("scan.pdf", PDF_BYTES),
    )
    case_services.record_authorisation(
        user=clerk, case=case, document=doc, signed_on=clock.today(), signed_by=["户主"]
    )
    return case_services.accept(user=clerk, case=case)


def verify(world, case: Case, user_key="verifier") -> Run:
    run = services.start_run(
        user=world["users"][user_key],
        kind=Run.Kind.APPLICATION,
        case=case,
        as_of=D("2016-09-26"),
        dispatch_on_commit=False,
    )
    runs.execute(run.pk)
    run.refresh_from_db()
    return run


def zhang_id(world) -> str:
    return world["people"]["zhang"].id_number


# --------------------------------------------------------------------------------------------
# Authorisation and idempotence


@pytest.mark.django_db
def test_a_household_is_verified_only_with_its_signed_authorisation(world):
    case = apply_and_accept(world, authorise=False)
    with pytest.raises(ServiceError) as err:
        services.start_run(
            user=world["users"]["verifier"],
            kind=Run.Kind.APPLICATION,
            case=case,
            dispatch_on_commit=False,
        )
    assert err.value.status == 409 and "authorisation" in err.value.errors
    # A chosen-households run skips a household without any authorisation on file, and says so.
    run = services.start_run(
        user=world["users"]["verifier"],
        kind=Run.Kind.HOUSEHOLDS,
        region=world["regions"]["dongbao"],
        household_ids=[world["people"]["hh_dongbao"].pk],
        as_of=D("2016-09-26"),
        dispatch_on_commit=False,
    )
    result = runs.execute(run.pk)
    run.refresh_from_db()
    assert result["households"] == 0 and result["skipped"]["no_authorisation"] == 1
    assert run.skipped == {"no_authorisation": [world["people"]["hh_dongbao"].number]}


@pytest.mark.django_db
def test_running_a_target_again_updates_its_findings_and_keeps_staff_decisions(world, tmp_path):
    case = apply_and_accept(world)
    import_vehicles(tmp_path, [(zhang_id(world), "120000")])
    first = verify(world, case)
    finding = Finding.objects.get()
    assert (finding.first_run, finding.last_run, finding.status, finding.target) == (
        first,
        first,
        "open",
        f"case:{case.pk}",
    )
    services.set_finding_status(
        user=world["users"]["verifier"],
        finding=finding,
        status="explained",
        note="车辆已于8月过户，待更新登记",
    )
    second = verify(world, case)
    assert Finding.objects.count() == 1
    finding.refresh_from_db()
    assert (finding.first_run, finding.last_run, finding.status) == (first, second, "explained")
    assert finding.note == "车辆已于8月过户，待更新登记"
    assert (second.findings_total, second.findings_new) == (1, 0)
    # Everything explained: the second run passed the application on.
    case.refresh_from_db()
    assert case.state == State.INVESTIGATING


# --------------------------------------------------------------------------------------------
# Routing an application


@pytest.mark.django_db
def test_confirmed_finding_refuses_in_writing_without_a_home_visit(world, tmp_path):
    case = apply_and_accept(world)
    import_vehicles(tmp_path, [(zhang_id(world), "120000")])
    run = verify(world, case)
    case.refresh_from_db()
    assert case.state == State.VERIFYING  # a finding waits for staff
    with pytest.raises(ServiceError) as err:
        services.conclude_case(user=world["users"]["verifier"], case=case)
    assert err.value.status == 409 and "未处理" in err.value.errors["findings"][0]
    # Passing verification through the cases service directly is refused as well.
    with pytest.raises(ServiceError) as err:
        case_services.record_verification(user=world["users"]["verifier"], case=case, passed=True)
    assert "verification" in err.value.errors
    finding = Finding.objects.get()
    services.set_finding_status(
        user=world["users"]["verifier"],
        finding=finding,
        status="confirmed",
        note="经核实车辆登记在户主名下",
    )
    case = services.conclude_case(user=world["users"]["verifier"], case=case)
    assert case.state == State.REFUSED
    decision = Decision.objects.get(case=case)
    assert (decision.level, decision.outcome) == (
        Decision.Level.VERIFICATION,
        Decision.Outcome.REFUSE,
    )
    assert decision.reasons == (
        "经居民家庭经济状况核对，发现以下情形，不符合条件：\n"
        "1. 张三：拥有机动车。名下有机动车 鄂H00000（小型汽车），价值 120000.00 元，超过限额 80000.00 元。经核实车辆登记在户主名下"
    )
    assert case.events.order_by("-id").first().data["report_ref"] == run.reference


@pytest.mark.django_db
def test_explained_findings_let_the_application_on_to_the_home_visit(world, tmp_path):
    case = apply_and_accept(world)
    import_vehicles(tmp_path, [(zhang_id(world), "120000")])
    verify(world, case)
    finding = Finding.objects.get()
    with pytest.raises(ServiceError) as err:
        services.set_finding_status(
            user=world["users"]["verifier"], finding=finding, status="explained", note="  "
        )
    assert "note" in err.value.errors
    with pytest.raises(PermissionDeniedError):
        services.set_finding_status(
            user=world["users"]["leader"], finding=finding, status="explained", note="说明"
        )
    services.set_finding_status(
        user=world["users"]["verifier"],
        finding=finding,
        status="explained",
        note="残疾人代步车，登记类型有误",
    )
    case = services.conclude_case(user=world["users"]["verifier"], case=case)
    assert case.state == State.INVESTIGATING


@pytest.mark.django_db
def test_a_clean_application_passes_verification_when_the_run_ends(world, tmp_path):
    case = apply_and_accept(world)
    import_vehicles(tmp_path, [(zhang_id(world), "80000")])  # at the limit: no finding
    run = verify(world, case)
    case.refresh_from_db()
    assert (run.findings_total, case.state) == (0, State.INVESTIGATING)
    assert case.events.order_by("-id").first().data["report_ref"] == run.reference


def walk_to_county_review(world, case: Case) -> Case:
    """On from the verification through investigation, appraisal, township review and publicity."""
    u, set_today = world["users"], world["set_today"]
    set_today("2016-10-10")
    case_services.record_investigation(
        user=u["dongbao_clerk"],
        case=case,
        investigators=["刘强", "陈芳"],
        visited_on=D("2016-10-10"),
        findings="家中无劳动力",
    )
    set_today("2016-10-11")
    case_services.record_appraisal(
        user=u["dongbao_village"],
        case=case,
        held_on=D("2016-10-11"),
        invitees=9,
        attendees=7,
        votes_for=7,
        votes_against=0,
    )
    set_today("2016-10-12")
    case = case_services.township_review(
        user=u["dongbao_clerk"], case=Case.objects.get(pk=case.pk), approve=True
    )
    set_today("2016-10-19")
    case = case_services.close_publicity(user=u["dongbao_clerk"], case=case)
    if SpotCheck.objects.filter(case=case).exists():
        case_services.record_spot_check(
            user=u["dongbao_approver"],
            case=case,
            checked_on=D("2016-10-19"),
            investigators=["赵审", "钱审"],
            findings="属实",
        )
    return Case.objects.get(pk=case.pk)


@pytest.mark.django_db
def test_a_confirmed_finding_blocks_approval_until_an_explanation_is_recorded(world, tmp_path):
    case = apply_and_accept(world)
    import_vehicles(tmp_path, [(zhang_id(world), "80000")], name="vehicles-august.csv")
    verify(world, case)  # nothing found yet: on to the home visit
    case = walk_to_county_review(world, Case.objects.get(pk=case.pk))
    assert case.state == State.COUNTY_REVIEW
    # A recheck before approval finds a car that the newest vehicle data shows.
    import_vehicles(tmp_path, [(zhang_id(world), "150000")])
    verify(world, case)
    approver = world["users"]["dongbao_approver"]
    with pytest.raises(ServiceError) as err:
        case_services.county_decision(
            user=approver,
            case=case,
            approve=True,
            amount_fen=10000,
            amount_reason="车辆转让收入已计入，县级核定",
        )
    assert err.value.status == 409 and "核对发现尚未说明情况" in err.value.errors["verification"][0]
    finding = Finding.objects.get()
    services.set_finding_status(user=approver, finding=finding, status="confirmed", note="车辆属实")
    with pytest.raises(ServiceError):
        case_services.county_decision(
            user=approver,
            case=case,
            approve=True,
            amount_fen=10000,
            amount_reason="车辆转让收入已计入，县级核定",
        )
    case.refresh_from_db()
    assert (
        case.state == State.COUNTY_REVIEW
        and not Decision.objects.filter(case=case, level="county").exists()
    )
    services.set_finding_status(
        user=approver,
        finding=finding,
        status="explained",
        note="该车为营运车辆，已于10月转让，收入已计入",
    )
    case = case_services.county_decision(
        user=approver,
        case=case,
        approve=True,
        amount_fen=10000,
        amount_reason="车辆转让收入已计入，县级核定",
    )
    assert case.state == State.APPROVED
    # Refusing stays possible whatever the findings.


# --------------------------------------------------------------------------------------------
# Scope and audit


@pytest.mark.django_db
def test_staff_outside_the_region_cannot_see_findings(world, tmp_path, client):
    case = apply_and_accept(world)
    import_vehicles(tmp_path, [(zhang_id(world), "120000")])
    run = verify(world, case)
    finding = Finding.objects.get()
    outside = world["users"]["zhongxiang_verifier"]
    inside = world["users"]["verifier"]
    assert list(selectors.findings_for(inside)) == [finding]
    assert not selectors.findings_for(outside).exists() and not selectors.runs_for(outside).exists()
    resident = make_user("zhang_resident", Role.RESIDENT, None, person=world["people"]["zhang"])
    assert not selectors.findings_for(resident).exists()
    with pytest.raises(NotFoundOrOutOfScope):
        selectors.get_finding(outside, finding.pk)
    with pytest.raises(NotFoundOrOutOfScope):
        services.set_finding_status(user=outside, finding=finding, status="confirmed", note="越权")
    with pytest.raises(NotFoundOrOutOfScope):
        selectors.case_report(outside, case)
    client.login(username=outside.username, password=PASSWORD)
    for url in (
        f"/verification/findings/{finding.pk}/",
        f"/verification/cases/{case.pk}/",
        f"/verification/runs/{run.pk}/",
        f"/verification/cases/{case.pk}/report.pdf",
    ):
        assert client.get(url).status_code == 404, url
    token = client.post(
        "/api/v1/auth/token",
        {"username": outside.username, "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(f"/api/v1/verification/findings/{finding.pk}", **auth).status_code == 404
    assert client.get("/api/v1/verification/findings", **auth).json()["count"] == 0
    assert client.get(f"/api/v1/verification/runs/{run.pk}", **auth).status_code == 404


@pytest.mark.django_db
def test_runs_and_every_view_of_a_report_are_audited(world, tmp_path, client):
    case = apply_and_accept(world)
    import_vehicles(tmp_path, [(zhang_id(world), "120000")])
    run = verify(world, case)
    events = AuditEvent.objects.filter(
        object_type="verification.run", object_id=str(run.pk)
    ).order_by("seq")
    assert [e.action for e in events] == ["create", "job"]
    assert events[0].after["case"] == case.number and events[1].after["findings"] == 1
    client.login(username="verifier", password=PASSWORD)
    page = client.get(f"/verification/cases/{case.pk}/")
    assert page.status_code == 200 and "居民家庭经济状况核对报告" in page.content.decode()
    assert "拥有机动车" in page.content.decode() and zhang_id(world) not in page.content.decode()
    pdf = client.get(f"/verification/cases/{case.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    views = AuditEvent.objects.filter(
        action="view", object_type="cases.case", object_id=str(case.pk)
    ).order_by("seq")
    assert [v.after["format"] for v in views] == ["page", "pdf"] and {
        v.actor_name for v in views
    } == {"verifier"}


# --------------------------------------------------------------------------------------------
# API


@pytest.mark.django_db
def test_api_starts_a_run_follows_it_and_reads_and_decides_findings(
    world, tmp_path, api_client, django_capture_on_commit_callbacks
):
    case = apply_and_accept(world)
    import_vehicles(tmp_path, [(zhang_id(world), "120000")])
    api = api_client.login("verifier")
    with django_capture_on_commit_callbacks(execute=False):
        r = api.post(
            "/api/v1/verification/runs",
            {"kind": "application", "case_id": case.pk, "as_of": "2016-09-26"},
        )
    assert r.status_code == 202, r.content
    body = r.json()
    assert (body["status"], body["job"]["status"], body["case"]["number"]) == (
        "queued",
        "queued",
        case.number,
    )
    runs.execute(body["id"])  # what the job does
    r = api.get(f"/api/v1/verification/runs/{body['id']}")
    assert (r.json()["status"], r.json()["findings_total"], r.json()["by_status"]["open"]) == (
        "succeeded",
        1,
        1,
    )
    page = api.get(f"/api/v1/verification/runs/{body['id']}/findings").json()
    assert page["count"] == 1
    item = page["items"][0]
    assert (
        item["rule"],
        item["title"],
        item["person"]["name"],
        item["batch"]["source"],
        item["row"],
    ) == ("vehicle", "拥有机动车", "张三", "vehicles", 1)
    assert item["person"]["id_number_masked"] == idcard.mask(zhang_id(world))
    detail = api.get(f"/api/v1/verification/findings/{item['id']}").json()
    assert (
        detail["source_row"]["身份证号码"] == idcard.mask(zhang_id(world))
        and detail["source_row"]["车辆价值（元）"] == "120000.00"
    )
    r = api.post(
        f"/api/v1/verification/findings/{item['id']}/status", {"status": "confirmed", "note": ""}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    r = api.post(
        f"/api/v1/verification/findings/{item['id']}/status",
        {"status": "confirmed", "note": "属实"},
    )
    assert r.json()["status"] == "confirmed"
    report = api.get(f"/api/v1/verification/cases/{case.pk}/report").json()
    assert report["blocking"] == 1 and report["findings"][0]["status"] == "confirmed"
    assert len(report["sources"]) == 15 and report["sources"][-1]["code"] == "entitlements"
    assert report["coverage"] == {
        "status": "complete",
        "required": ["vehicles"],
        "compared": ["vehicles"],
        "missing": [],
    }
    r = api.post(f"/api/v1/verification/cases/{case.pk}/conclude", {})
    assert r.json()["state"] == "refused"
    assert api.get(f"/api/v1/verification/cases/{case.pk}/report.pdf").content.startswith(b"%PDF")
    r = api.post(
        "/api/v1/verification/runs",
        {"kind": "recheck", "engine": "hadoop", "region_code": "420802"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "engine"


# --------------------------------------------------------------------------------------------
# A run killed on a real worker, and run again


def bulk_households(region: Region, count: int, birth_base: dt.date) -> list[tuple[Household, str]]:
    """`count` one-person households with authorised applications in verification, made directly."""
    hasher, encrypt = crypto.lookup_hasher(), crypto.encryptor()
    people, numbers = [], []
    for i in range(count):
        born = birth_base + dt.timedelta(days=i)
        number = make_id("420802", born.strftime("%Y%m%d"), 11)
        numbers.append(number)
        people.append(
            Person(
                id_hash=hasher(number),
                id_cipher=encrypt(number),
                id_masked=idcard.mask(number),
                name=f"户主{i}",
                sex="M",
                birth_date=born,
                hukou_region=region,
                hukou_type="urban",
            )
        )
    Person.objects.bulk_create(people)
    people = list(Person.objects.filter(name__startswith="户主").order_by("pk"))
    households = Household.objects.bulk_create(
        [Household(number=f"HKILL{i:05d}", region=region, head=p) for i, p in enumerate(people)]
    )
    HouseholdMember.objects.bulk_create(
        [
            HouseholdMember(household=h, person=p, relation="head", since=D("2010-01-01"))
            for h, p in zip(households, people)
        ]
    )
    cases = Case.objects.bulk_create(
        [
            Case(
                number=f"KILL{i:06d}",
                programme="dibao_urban",
                applicant=p,
                household=h,
                region=region,
                channel=Channel.WINDOW,
                state=State.VERIFYING,
                applied_on=D("2016-09-01"),
                stage_started_on=D("2016-09-01"),
            )
            for i, (h, p) in enumerate(zip(households, people))
        ]
    )
    for case in cases:
        authorise_directly(case)
    return list(zip(households, numbers))


def worker_env() -> dict:
    return workers.worker_env(REDIS_URL)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_run_killed_mid_way_and_run_again_leaves_no_duplicate_finding(
    settings, tmp_path, monkeypatch
):
    with workers.private_queue(monkeypatch, REDIS_URL):
        _kill_a_run_and_run_it_again(settings, tmp_path)


def _kill_a_run_and_run_it_again(settings, tmp_path):
    # 12 one-finding chunks; killed in the 6th, right after its INSERT, so five are committed and
    # the rest is left to the rerun.
    total = 12
    env = worker_env()
    env["MINZHENG_VAR_DIR"] = str(tmp_path / "var")
    # The worker stores and reads batch files where this test does.
    settings.MEDIA_ROOT = Path(env["MINZHENG_VAR_DIR"]) / "media"
    load_jingmen()
    load_default_standards()
    longquan = Region.objects.get(code="420802001")
    village = Region.objects.create(
        code="420802001001", name="龙泉社区", level="village", parent=longquan, urban_rural="urban"
    )
    verifier = make_user(
        "kill_verifier", Role.VERIFICATION_CENTRE, Region.objects.get(code="420802")
    )
    households = bulk_households(village, total, D("1960-01-01"))
    import_vehicles(tmp_path, [(number, "100000") for _, number in households])

    settings.BROKER_URL = REDIS_URL
    run = services.start_run(
        user=verifier,
        kind=Run.Kind.APPLICATIONS,
        region=longquan,
        as_of=D("2016-09-26"),
        dispatch_on_commit=False,
    )
    Job.objects.filter(pk=run.job_id).update(params={"run_id": run.pk, "chunk_findings": 1})
    jobs.dispatch(run.job_id)
    workers.start_worker_and_kill_in_flight(
        env=env,
        cwd=REPO,
        log_path=tmp_path / "worker.log",
        table="verification_finding",
        insert=6,
    )
    written = Finding.objects.count()
    assert written == 5 < total
    assert Run.objects.get(pk=run.pk).status == Run.Status.RUNNING
    assert not Case.objects.filter(state=State.REFUSED).exists()

    jobs.rerun(Job.objects.get(pk=run.job_id))
    proc = subprocess.run(
        [sys.executable, "-m", "minzheng", "worker", "--burst"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=workers.WORKER_TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    job = Job.objects.get(pk=run.job_id)
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2, job.error
    assert (
        Finding.objects.count() == total
        and Finding.objects.values("key").distinct().count() == total
    )
    assert Finding.objects.values("household_id", "rule").distinct().count() == total
    assert job.result["findings"] == total and job.result["findings_new"] == total - written
    run.refresh_from_db()
    assert (run.status, run.households, run.findings_total) == (Run.Status.SUCCEEDED, total, total)
    assert Case.objects.filter(state=State.VERIFYING).count() == total  # each waits for staff


@pytest.mark.django_db
def test_periodic_recheck_of_active_beneficiaries(world, tmp_path):
    """An approved application becomes an entitlement (payments); the recheck of 东宝区 verifies
    that household again, on its own target, and leaves the closed case alone."""
    case = apply_and_accept(world)
    import_vehicles(tmp_path, [(zhang_id(world), "80000")], name="vehicles-august.csv")
    verify(world, case)
    case = walk_to_county_review(world, Case.objects.get(pk=case.pk))
    case = case_services.county_decision(
        user=world["users"]["dongbao_approver"],
        case=case,
        approve=True,
        amount_fen=20000,
        amount_reason="县级核定",
    )
    assert case.state == State.APPROVED
    import_vehicles(
        tmp_path, [(zhang_id(world), "150000"), (world["people"]["wang"].id_number, "150000")]
    )
    run = services.start_run(
        user=world["users"]["verifier"],
        kind=Run.Kind.RECHECK,
        region=world["regions"]["dongbao"],
        as_of=D("2016-12-01"),
        dispatch_on_commit=False,
    )
    result = runs.execute(run.pk)
    assert (result["households"], result["findings"]) == (
        1,
        1,
    )  # 王五 of 钟祥 is no beneficiary of 东宝
    finding = Finding.objects.get()
    household = world["people"]["hh_dongbao"]
    assert (finding.target, finding.case, finding.household, finding.person.name) == (
        f"household:{household.pk}",
        None,
        household,
        "张三",
    )
    case.refresh_from_db()
    assert case.state == State.APPROVED


@pytest.mark.django_db
def test_pages_render_for_verification_staff(world, tmp_path, client):
    case = apply_and_accept(world)
    import_vehicles(tmp_path, [(zhang_id(world), "120000")])
    run = verify(world, case)
    finding = Finding.objects.get()
    client.login(username="verifier", password=PASSWORD)
    index = client.get("/verification/")
    assert index.status_code == 200 and run.reference in index.content.decode()
    detail = client.get(f"/verification/runs/{run.pk}/").content.decode()
    assert "拥有机动车" in detail and "张三" in detail
    shown = client.get(f"/verification/findings/{finding.pk}/").content.decode()
    assert "原始记录" in shown and "120000.00" in shown and zhang_id(world) not in shown
    response = client.post(
        f"/verification/findings/{finding.pk}/status/",
        {"status": "confirmed", "note": "属实", "next": "case"},
    )
    assert response.status_code == 302 and response["Location"] == f"/verification/cases/{case.pk}/"
    finding.refresh_from_db()
    assert finding.status == "confirmed"
    response = client.post(f"/verification/cases/{case.pk}/conclude/")
    case.refresh_from_db()
    assert response.status_code == 302 and case.state == State.REFUSED
    batches = client.get("/verification/batches/").content.decode()
    assert "机动车登记" in batches
    # A village worker has no verification pages.
    client.login(username="dongbao_village", password=PASSWORD)
    assert client.get("/verification/").status_code == 403


def _case(household, programme, applied_on, state=State.APPROVED, authorised=True):
    case = Case.objects.create(
        number=f"T{Case.objects.count() + 1:05d}",
        programme=programme,
        applicant=household.head,
        household=household,
        region=household.region,
        channel=Channel.WINDOW,
        state=state,
        applied_on=D(applied_on),
        stage_started_on=D(applied_on),
    )
    if authorised:
        authorise_directly(case)
    return case


def _entitle(household, programme, *, case=None, status="active", start="2016-02-01"):
    from minzheng.payments.models import Entitlement

    return Entitlement.objects.create(
        programme=programme,
        household=household,
        case=case,
        region=household.region,
        status=status,
        beneficiary_key=f"h{household.pk}:{programme}",
        start_month=D(start),
        monthly_amount_fen=30000,
        amount_since=D(start),
        computed_on=D(start),
        source="demo",
    )


@pytest.mark.django_db
def test_a_runs_households_take_the_monthly_entitlement_first_then_the_latest_application(world):
    """What each household of a recheck or a chosen-households run is verified for, read in one
    statement: the first active monthly entitlement (低保 urban, rural, then 特困) with its
    application's date, else the latest application; no authorisation on file, no verification.
    And the members come with the join key the import gives the same ID number."""
    from minzheng.verification import keys

    dongbao, zhongxiang = world["people"]["hh_dongbao"], world["people"]["hh_zhongxiang"]
    rural = _case(dongbao, "dibao_rural", "2016-01-05")
    _case(dongbao, "dibao_urban", "2016-06-01", state=State.REFUSED, authorised=False)
    _entitle(dongbao, "tekun", start="2016-01-01")
    _entitle(dongbao, "dibao_rural", case=rural)
    _entitle(dongbao, "dibao_urban", status="terminated")
    _case(zhongxiang, "tekun", "2016-05-01", state=State.VERIFYING, authorised=False)
    _case(zhongxiang, "dibao_urban", "2016-02-01")
    stranger = Household.objects.create(number="H-NOAUTH", region=dongbao.region)
    run = Run.objects.create(
        kind=Run.Kind.HOUSEHOLDS,
        region=world["regions"]["city"],
        household_ids=[zhongxiang.pk, stranger.pk, dongbao.pk],
        as_of=D("2016-09-01"),
    )
    households, skipped, case_ids = runs.collect_households(run)
    assert households.to_pylist() == [
        {
            "target": f"household:{h.pk}",
            "household_id": h.pk,
            "household_number": h.number,
            "region_id": h.region_id,
            "region_path": h.region.path,
            "urban_rural": h.region.urban_rural,
            "programme": programme,
            "applied_on": D(applied_on),
            "case_id": None,
        }
        for h, programme, applied_on in sorted(
            [(dongbao, "dibao_rural", "2016-01-05"), (zhongxiang, "tekun", "2016-05-01")],
            key=lambda t: t[0].pk,
        )
    ]
    assert skipped == {"no_authorisation": ["H-NOAUTH"], "no_members": []} and case_ids == []

    members = runs.load_members(households)
    expected = {
        (m.household_id, m.person_id, keys.key_from_hash(m.person.id_hash), m.person.id_masked)
        for m in HouseholdMember.objects.filter(until__isnull=True).select_related("person")
    }
    assert len(expected) == 3
    got = members.select(["household_id", "person_id", "id_key", "id_masked"]).to_pylist()
    assert {tuple(r.values()) for r in got} == expected and len(got) == 3

    # The periodic recheck of 东宝区 takes the households with an active monthly entitlement there.
    run.kind, run.region = Run.Kind.RECHECK, world["regions"]["dongbao"]
    recheck, _skipped, _cases = runs.collect_households(run)
    assert recheck["household_id"].to_pylist() == [dongbao.pk]

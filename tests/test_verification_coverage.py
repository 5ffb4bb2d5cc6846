"""Verification tells the truth: a run states which sources it compared and as of which date; an
application passes only when every source its programme requires (a standard per programme and
region) was compared; otherwise the conclusion is 部分核对 (some required sources missing) or
无法核对 (none), in the report page, its JSON and its PDF; the run page follows the run by itself.
"""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.assistance.params import spec_for
from minzheng.assistance.selectors import standards_table
from minzheng.assistance.services import load_default_standards, set_standard
from minzheng.cases import services as case_services
from minzheng.cases.models import Case, State
from minzheng.core.errors import ServiceError
from minzheng.verification import coverage, runs, services
from minzheng.verification.members_table import MEMBER_SCHEMA, TargetHousehold, build_targets
from minzheng.verification.models import Run
from minzheng.verification.params import REQUIRED_SOURCES_DEFAULT
from tests.fixtures.cases import pdf_text
from tests.fixtures.verification import application, import_all_but, import_source, someone_else

from .conftest import PASSWORD

D = dt.date.fromisoformat
MEANS_TEST = (
    "deaths",
    "hukou",
    "social_insurance",
    "real_estate",
    "business",
    "vehicles",
    "deposits",
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BROKER_URL = ""


# --------------------------------------------------------------------------------------------
# The rule, worked by hand


@pytest.mark.parametrize(
    "required, available, status, compared, missing",
    [
        (("deaths", "hukou"), ("deaths", "hukou", "vehicles"), "complete", ("deaths", "hukou"), ()),
        (("deaths", "hukou"), ("hukou",), "partial", ("hukou",), ("deaths",)),
        (("deaths", "hukou"), ("entitlements",), "none", (), ("deaths", "hukou")),
        (("deaths", "hukou"), (), "none", (), ("deaths", "hukou")),
        ((), ("entitlements",), "complete", (), ()),
        (("vehicles", "deaths", "vehicles"), ("deaths",), "partial", ("deaths",), ("vehicles",)),
    ],
)
def test_coverage_of_a_run(required, available, status, compared, missing):
    found = coverage.assess(required=required, available=available)
    assert (found.status, found.compared, found.missing) == (status, compared, missing)
    assert found.complete == (status == "complete")
    assert (
        found.label == {"complete": "完整核对", "partial": "部分核对", "none": "无法核对"}[status]
    )


def test_required_sources_are_a_registered_standard_of_every_assistance_programme():
    for programme in REQUIRED_SOURCES_DEFAULT:
        spec = spec_for(programme, "verification.required_sources")
        assert spec is not None and spec.unit == "set"
        # Departmental sources only: the platform's own entitlements are always compared.
        assert (
            "entitlements" not in spec.choices
            and "deaths" in spec.choices
            and len(spec.choices) == 14
        )
    assert REQUIRED_SOURCES_DEFAULT["dibao_urban"] == MEANS_TEST


@pytest.mark.django_db
def test_a_required_sources_standard_is_validated(jingmen):
    load_default_standards()
    with pytest.raises(ServiceError) as err:
        set_standard(
            user=None,
            programme="dibao_urban",
            key="verification.required_sources",
            region=jingmen["city"],
            effective_from=D("2016-01-01"),
            value=["vehicles", "entitlements"],
            reason="测试",
        )
    assert "value" in err.value.errors


# --------------------------------------------------------------------------------------------
# Runs and applications


@pytest.fixture
def world(coverage_world):
    return coverage_world


def verify(world, case: Case) -> Run:
    run = services.start_run(
        user=world["users"]["verifier"],
        kind=Run.Kind.APPLICATION,
        case=case,
        as_of=D("2016-09-26"),
        dispatch_on_commit=False,
    )
    runs.execute(run.pk)
    run.refresh_from_db()
    return run


def pdf_says(content: bytes, text: str) -> bool:
    return text in pdf_text(content)


@pytest.mark.django_db
def test_nothing_imported_means_cannot_verify_and_the_case_stays(world, client):
    case = application(world)
    run = verify(world, case)
    case.refresh_from_db()
    # Nothing found, but nothing was compared either: no pass.
    assert run.findings_total == 0 and case.state == State.VERIFYING
    assert run.coverage["cases"][str(case.pk)] == {
        "required": list(MEANS_TEST),
        "compared": [],
        "missing": list(MEANS_TEST),
        "status": "none",
    }
    assert set(run.batches) == {"entitlements"}  # the platform's own records are always compared
    with pytest.raises(ServiceError) as err:
        services.conclude_case(user=world["users"]["verifier"], case=case)
    assert err.value.status == 409 and err.value.errors["coverage"][0].startswith(
        "无法核对：缺少本项目必需的数据来源（死亡登记、户籍登记"
    )
    # Recording a pass by hand is refused as well while the platform's run says otherwise.
    with pytest.raises(ServiceError) as err:
        case_services.record_verification(
            user=world["users"]["verifier"], case=case, passed=True, report_ref=run.reference
        )
    assert err.value.status == 409 and "无法核对" in err.value.errors["verification"][0]
    case.refresh_from_db()
    assert case.state == State.VERIFYING

    client.login(username="verifier", password=PASSWORD)
    page = client.get(f"/verification/cases/{case.pk}/").content.decode()
    assert (
        "无法核对" in page
        and "未发现不一致或不符合条件的情形" not in page
        and "信息核对通过" not in page
    )


@pytest.mark.django_db
def test_a_missing_required_source_gives_partial_verification_in_page_json_and_pdf(
    world, client, api_client, tmp_path, monkeypatch
):
    case = application(world)
    import_all_but(tmp_path, "deposits", "real_estate")
    run = verify(world, case)
    case.refresh_from_db()
    assert case.state == State.VERIFYING and run.findings_total == 0
    found = run.coverage["cases"][str(case.pk)]
    assert (found["status"], found["missing"]) == ("partial", ["real_estate", "deposits"])

    client.login(username="verifier", password=PASSWORD)
    page = client.get(f"/verification/cases/{case.pk}/").content.decode()
    assert (
        "部分核对" in page
        and "不动产登记、银行存款" in page
        and "2016-09-01" in page
        and "2016-09-26" in page
    )
    assert "信息核对通过" not in page

    api = api_client.login("verifier")
    body = api.get(f"/api/v1/verification/runs/{run.pk}").json()
    assert body["coverage"]["cases"][str(case.pk)]["status"] == "partial"
    assert body["coverage"]["programmes"]["dibao_urban"]["missing"] == ["real_estate", "deposits"]
    report = api.get(f"/api/v1/verification/cases/{case.pk}/report").json()
    assert report["conclusion"]["status"] == "partial" and report["coverage"]["missing"] == [
        "real_estate",
        "deposits",
    ]
    assert [s["code"] for s in report["sources"] if s["required"] and not s["batches"]] == [
        "real_estate",
        "deposits",
    ]

    content = client.get(f"/verification/cases/{case.pk}/report.pdf").content
    assert pdf_says(content, "部分核对") and pdf_says(content, "不动产登记、银行存款")
    assert not pdf_says(content, "信息核对通过")

    # With the missing deliveries imported, a new run passes the clean application.
    import_source(
        tmp_path,
        "deposits",
        [
            {
                "id_number": someone_else(),
                "bank_name": "某银行",
                "balance": "1",
                "as_of": "2016-09-20",
            }
        ],
        as_of="2016-09-20",
    )
    import_source(
        tmp_path,
        "real_estate",
        [
            {
                "id_number": someone_else(),
                "certificate_no": "C-2",
                "usage": "residential",
                "registered_on": "2010-01-01",
            }
        ],
        as_of="2016-09-20",
    )
    run = verify(world, case)
    case.refresh_from_db()
    assert (
        run.coverage["cases"][str(case.pk)]["status"] == "complete"
        and case.state == State.INVESTIGATING
    )
    page = client.get(f"/verification/cases/{case.pk}/").content.decode()
    assert "信息核对通过" in page and "2016-09-20" in page


@pytest.mark.django_db
def test_the_requirement_is_set_per_programme_and_region(world, tmp_path):
    """东宝区 requires only deaths and household registration for urban 低保; elsewhere the default stands."""
    set_standard(
        user=None,
        programme="dibao_urban",
        key="verification.required_sources",
        region=world["regions"]["dongbao"],
        effective_from=D("2016-01-01"),
        value=["deaths", "hukou"],
        reason="测试：东宝区只要求公安数据",
    )
    import_all_but(tmp_path, "social_insurance", "real_estate", "business", "vehicles", "deposits")
    case = application(world)
    run = verify(world, case)
    case.refresh_from_db()
    assert (
        run.coverage["cases"][str(case.pk)]["status"] == "complete"
        and case.state == State.INVESTIGATING
    )
    # The same data for a 钟祥 application falls short of the city default.
    zx = TargetHousehold(
        target="case:0",
        household_id=0,
        household_number="x",
        region_id=0,
        region_path=world["regions"]["zhongxiang"].path,
        urban_rural="urban",
        programme="dibao_urban",
        applied_on=D("2016-09-26"),
        case_id=0,
    )
    required: dict = {}
    build_targets(
        [zx],
        MEMBER_SCHEMA.empty_table(),
        ref=D("2016-09-26"),
        standards=standards_table(D("2016-09-26")),
        required=required,
    )
    assert required == {"case:0": MEANS_TEST}


@pytest.mark.django_db
def test_the_platform_flags_a_household_already_receiving_the_programme(world, tmp_path):
    from minzheng.payments.models import Entitlement

    import_all_but(tmp_path)
    case = application(world)
    household = world["people"]["hh_dongbao"]
    Entitlement.objects.create(
        programme="dibao_rural",
        household=household,
        region=household.region,
        beneficiary_key=f"h{household.pk}",
        start_month=D("2016-01-01"),
        monthly_amount_fen=20000,
        amount_since=D("2016-01-01"),
        computed_on=D("2015-12-20"),
        source="demo",
    )
    run = verify(world, case)
    case.refresh_from_db()
    assert case.state == State.VERIFYING
    rules = sorted({(f.rule, f.batch.source) for f in run.findings.select_related("batch")})
    assert rules == [("existing_entitlement", "entitlements")]
    assert "本平台在册享受农村最低生活保障" in run.findings.first().message


@pytest.mark.django_db
def test_the_run_page_polls_while_running_and_reloads_when_done(world, client):
    case = application(world)
    run = services.start_run(
        user=world["users"]["verifier"],
        kind=Run.Kind.APPLICATION,
        case=case,
        as_of=D("2016-09-26"),
        dispatch_on_commit=False,
    )
    client.login(username="verifier", password=PASSWORD)
    page = client.get(f"/verification/runs/{run.pk}/").content.decode()
    assert (
        f'hx-get="/verification/runs/{run.pk}/status/"' in page and 'hx-trigger="every 2s"' in page
    )
    partial = client.get(f"/verification/runs/{run.pk}/status/", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "排队中" in partial.content.decode()
    runs.execute(run.pk)
    done = client.get(f"/verification/runs/{run.pk}/status/", HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    page = client.get(f"/verification/runs/{run.pk}/").content.decode()
    assert "hx-trigger" not in page.split('id="run-status"')[1].split(">")[0]
    assert "无法核对" in page and "本平台在册待遇" in page


@pytest.mark.django_db
def test_the_engine_is_a_choice_of_the_verification_centre_not_of_clerks(world, client):
    case = application(world)
    client.login(username="verifier", password=PASSWORD)
    assert "DuckDB" in client.get(f"/verification/cases/{case.pk}/").content.decode()
    client.login(username="dongbao_clerk", password=PASSWORD)
    page = client.get(f"/verification/cases/{case.pk}/").content.decode()
    assert "开始核对" in page and "DuckDB" not in page and "duckdb" not in page
    assert "DuckDB" not in client.get("/verification/").content.decode()

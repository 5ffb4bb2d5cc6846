"""Each verification rule on hand-made households: one that triggers it (at the boundary where
one is possible) and one that narrowly misses it, all verified in one run over the applications
of 龙泉街道. Figures, worked out by hand from the default standards (2016 Jingmen):

* 龙泉社区 is urban, 东宝区: 低保 standard 480 元/month = 48,000 fen.
* car limit 80,000 元 = 8,000,000 fen; any car does not disqualify by itself.
* financial assets: 36 × 48,000 = 1,728,000 fen per member; a household of two: 3,456,000 fen.
* taxed wages: 48,000 × 1 member × 12 months = 576,000 fen for a household of one.
* reference date 2024-06-30; applications dated 2024-06-01, so the split window (365 days) starts
  2023-06-02; the 12-month insurance / provident-fund / tax windows start 2023-07-01.
"""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.accounts.models import Role
from minzheng.cases.models import Case, State
from minzheng.verification import runs, services
from minzheng.verification.models import Finding, Run
from tests.fixtures.verification import REF, build_scenario

from .conftest import make_user

D = dt.date.fromisoformat


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BROKER_URL = ""


@pytest.fixture
def verifier(jingmen):
    return make_user("verifier", Role.VERIFICATION_CENTRE, jingmen["dongbao"])


@pytest.fixture
def scenario(jingmen, users, tmp_path):
    return build_scenario(jingmen, users, tmp_path)


@pytest.fixture
def run(scenario, jingmen, users):
    """Started by 龙泉街道's clerk, who may record the verification result and declare a relative."""
    started = services.start_run(
        user=users["dongbao_clerk"],
        kind=Run.Kind.APPLICATIONS,
        region=jingmen["longquan"],
        as_of=REF,
        dispatch_on_commit=False,
    )
    runs.execute(started.pk)
    started.refresh_from_db()
    return started


EXPECTED = [
    ("deceased", {("deceased_member", "赵二")}),
    ("deceased_miss", set()),
    ("vehicle", {("vehicle", "孙一")}),
    ("vehicle_miss", set()),
    ("homes", {("multiple_homes", "周一")}),
    ("homes_miss", set()),
    ("office", {("non_residential_property", "郑一")}),
    ("office_miss", set()),
    ("legal_rep", {("business_role", "冯一")}),
    ("employer", {("business_role", "陈一")}),
    ("business_miss", set()),
    ("assets", {("financial_assets", "卫一")}),
    ("assets_miss", set()),
    ("married", {("undeclared_marriage", "沈一")}),
    ("married_miss", set()),
    ("widowed", set()),
    ("split", {("household_split", "朱一")}),
    ("split_miss", set()),
    ("duplicate", {("duplicate_assistance", "尤一")}),
    ("excluded", {("duplicate_assistance", "许一")}),
    ("duplicate_miss", set()),
    ("entitled", {("existing_entitlement", "柏一")}),
    ("entitled_excluded", {("existing_entitlement", "水二")}),
    ("entitled_miss", set()),
    ("relative", {("staff_relative", "吕一")}),
    ("public", {("public_sector", "张甲")}),
    ("public_miss", set()),
    ("insured", {("employer_insurance", "曹一")}),
    ("insured_miss", set()),
    ("insured_early", set()),
    ("fund", {("provident_fund", "金一")}),
    ("fund_miss", set()),
    ("taxed", {("taxed_income", "陶一")}),
    ("taxed_miss", set()),
]


@pytest.mark.django_db
def test_every_rule_triggers_and_narrowly_misses(scenario, run):
    assert (
        run.status == Run.Status.SUCCEEDED
        and run.households == len(EXPECTED)
        and not run.missing_sources
    )
    found: dict[int, set] = {}
    for finding in Finding.objects.filter(last_run=run).select_related("person"):
        found.setdefault(finding.household_id, set()).add((finding.rule, finding.person.name))
    failures = []
    for label, expected in EXPECTED:
        got = found.get(scenario.households[label].pk, set())
        if got != expected:
            failures.append(f"{label}: expected {sorted(expected)}, got {sorted(got)}")
    assert not failures, "\n".join(failures)
    # Every rule is exercised by the table.
    assert {rule for _, expected in EXPECTED for rule, _ in expected} == {
        r.code for r in runs.RULES
    }


@pytest.mark.django_db
def test_findings_cite_batch_row_and_figures(scenario, run):
    vehicle = Finding.objects.get(last_run=run, rule="vehicle")
    assert (
        vehicle.batch == scenario.batches["vehicles"] and vehicle.row == 1
    )  # first record of the vehicles file
    assert vehicle.evidence == {
        "value_fen": 8_000_001,
        "limit_fen": 8_000_000,
        "plate": "鄂H12345",
        "vehicle_type": "car",
        "basis": "value",
        "registered_on": "2020-01-01",
        "source": "vehicles",
    }
    assert (
        vehicle.message
        == "名下有机动车 鄂H12345（小型汽车），价值 80000.01 元，超过限额 80000.00 元"
    )
    assets = Finding.objects.get(last_run=run, rule="financial_assets")
    assert (
        assets.evidence["total_fen"],
        assets.evidence["limit_fen"],
        assets.evidence["holdings"],
    ) == (3_456_001, 3_456_000, 2)
    assert (
        assets.batch == scenario.batches["deposits"] and assets.person.name == "卫一"
    )  # the larger holding is cited
    taxed = Finding.objects.get(last_run=run, rule="taxed_income")
    assert (taxed.evidence["total_fen"], taxed.evidence["limit_fen"], taxed.evidence["months"]) == (
        576_001,
        576_000,
        3,
    )
    split = Finding.objects.get(last_run=run, rule="household_split")
    assert (
        split.evidence["left_on"],
        split.evidence["others"],
        split.evidence["hukou_number"],
    ) == ("2023-06-02", 1, "HK-OLD-1")
    insurance = Finding.objects.get(last_run=run, rule="employer_insurance")
    assert (
        insurance.evidence["months"],
        insurance.evidence["min_months"],
        insurance.evidence["last_period"],
    ) == (3, 3, "2024-06-01")
    staff = Finding.objects.get(last_run=run, rule="staff_relative")
    assert staff.severity == Finding.Severity.NOTICE and staff.evidence["staff_name"] == "施经办"
    # Findings name the member by the platform's record: no plaintext ID number anywhere.
    for finding in Finding.objects.filter(last_run=run):
        assert scenario.ids[finding.person.name] not in str(finding.evidence) + finding.message


@pytest.mark.django_db
def test_clean_applications_pass_and_the_others_wait_for_staff(scenario, run):
    passed = {c.household_id for c in Case.objects.filter(state=State.INVESTIGATING)}
    waiting = {c.household_id for c in Case.objects.filter(state=State.VERIFYING)}
    with_findings = {
        scenario.households[label].pk
        for label, expected in EXPECTED
        if any(rule != "staff_relative" for rule, _ in expected)
    }
    assert waiting == with_findings
    assert passed == {h.pk for h in scenario.households.values()} - with_findings
    # The staff relative's application passed verification and was declared (备案) on the way.
    relative = Case.objects.get(household=scenario.households["relative"])
    assert relative.state == State.INVESTIGATING and relative.relative_of_staff
    assert relative.relative_relation == "施经办（龙泉街道民政办）的兄弟姐妹"


@pytest.mark.django_db
def test_parameters_come_from_the_standards(scenario, jingmen, verifier, users):
    """Raising the car limit for 东宝区 from 80,000 to 80,000.01 元 clears the car one fen over."""
    from minzheng.assistance.services import set_standard

    for programme in ("dibao_urban", "dibao_rural"):
        set_standard(
            user=users["admin"],
            programme=programme,
            key="car_value_limit",
            region=jingmen["dongbao"],
            effective_from=D("2024-01-01"),
            value=8_000_001,
            reason="测试",
        )
    run = services.start_run(
        user=verifier,
        kind=Run.Kind.APPLICATIONS,
        region=jingmen["longquan"],
        as_of=REF,
        dispatch_on_commit=False,
    )
    runs.execute(run.pk)
    assert not Finding.objects.filter(last_run=run, rule="vehicle").exists()
    assert Finding.objects.filter(last_run=run, rule="multiple_homes").exists()

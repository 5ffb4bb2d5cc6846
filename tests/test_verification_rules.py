"""Each verification rule on hand-made households: one that triggers it (at the boundary where
one is possible) and one that narrowly misses it, all verified in one run over the applications
of 龙泉街道. Figures, worked out by hand from the default standards (2016 Jingmen):

* 龙泉社区 is urban, 东宝区: 低保 standard 480 元/month = 48,000 fen.
* car limit 80,000 元 = 8,000,000 fen; any car does not disqualify by itself.
* financial assets: 36 × 48,000 = 1,728,000 fen per member; a household of two: 3,456,000 fen.
* taxed wages: 48,000 × 1 member × 12 months = 576,000 fen for a household of one.
* reference date 2024-06-30; applications dated 2024-06-01, so the split window (365 days) starts
  2023-06-02; the 12-month insurance / provident-fund / tax windows start 2023-07-01.
* the latest month before the reference date is May 2024 (a row for June, the reference month,
  counts too): employer social insurance from 2024-05-01 on is a finding whatever the count.
* business roles disqualifying by default: legal representative and employer; a shareholder or a
  sole trader without employees is a finding to check (需核实), not a refusal.
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
    ("shareholder", {("business_review", "褚一")}),
    ("sole_trader", {("business_review", "褚二")}),
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
    ("insured_latest", {("employer_insurance", "曹二")}),
    ("insured_previous", {("employer_insurance", "曹三")}),
    ("insured_april", set()),
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
    # employer_insurance, worked by hand: (months in the window, minimum, latest period, basis).
    insurance = {
        f.person.name: f
        for f in Finding.objects.filter(last_run=run, rule="employer_insurance").select_related(
            "person"
        )
    }
    assert {
        name: (
            f.evidence["months"],
            f.evidence["min_months"],
            f.evidence["last_period"],
            f.evidence["basis"],
        )
        for name, f in insurance.items()
    } == {
        "曹一": (3, 3, "2024-04-01", "months"),
        "曹二": (1, 3, "2024-06-01", "latest_month"),
        "曹三": (1, 3, "2024-05-01", "latest_month"),
    }
    assert all(f.severity == Finding.Severity.REVIEW for f in insurance.values())
    assert insurance["曹三"].message == (
        "核对基准日前最近一个月（2024-05）由单位缴纳社会保险（荆门石化），近期共 1 个月，"
        "存在未申报的工资性收入"
    )
    assert insurance["曹一"].message.startswith(
        "近期有 3 个月由单位缴纳社会保险（荆门石化，最近 2024-04）"
    )
    # business_review: to check, citing the registration; a shareholder with employees is not an
    # employer.
    reviews = {
        f.person.name: f
        for f in Finding.objects.filter(last_run=run, rule="business_review").select_related(
            "person"
        )
    }
    assert {name: (f.severity, f.evidence["role"]) for name, f in reviews.items()} == {
        "褚一": (Finding.Severity.REVIEW, "shareholder"),
        "褚二": (Finding.Severity.REVIEW, "self_employed"),
    }
    assert reviews["褚一"].message == (
        "为市场主体“丙公司”（91420800C）的企业股东，成立于 2019-01-01，未注销；须核实其经营收入和财产"
    )
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


@pytest.mark.django_db
def test_verification_windows_are_standards_of_the_households_region(
    scenario, jingmen, verifier, users
):
    """The look-back windows are standards per region and date. 东宝区 shortens the insurance
    window from 12 to 3 months from 2024-01-01: the window then starts 2024-04-01, so 曹一's
    February–April contributions count 1 month (< 3) and April is not the latest month — cleared;
    曹二 (June) and 曹三 (May) stay, whatever the count. 钟祥市's longer window and a 东宝 change
    effective after the reference date do not apply to this run."""
    from minzheng.assistance.services import set_standard

    for region, key, value, effective in (
        (jingmen["dongbao"], "verification.insurance_window_months", 3, D("2024-01-01")),
        (jingmen["zhongxiang"], "verification.insurance_window_months", 24, D("2024-01-01")),
        (jingmen["dongbao"], "verification.split_window_days", 1, D("2024-07-01")),
    ):
        set_standard(
            user=users["admin"],
            programme="dibao_urban",
            key=key,
            region=region,
            effective_from=effective,
            value=value,
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
    run.refresh_from_db()
    insured = set(
        Finding.objects.filter(last_run=run, rule="employer_insurance").values_list(
            "person__name", flat=True
        )
    )
    assert insured == {"曹二", "曹三"}
    assert Finding.objects.filter(last_run=run, rule="household_split").exists()
    used = run.timings["parameters"]["420802:dibao_urban:dibao_urban"]
    assert (used["insurance"], used["split_window_days"]) == ([3, 3], 365)


@pytest.mark.django_db
def test_standards_resolved_once_per_region_not_per_household(jingmen, monkeypatch):
    """Three households in 东宝区 and two in 钟祥市: two resolutions; 东宝's 6-month insurance
    window (from 2024-01-01) starts 2024-01-01 for a 2024-06-30 reference date, 钟祥's default 12
    months 2023-07-01; the latest month starts 2024-05-01 for both."""
    import pyarrow as pa

    from minzheng.assistance.selectors import standards_table
    from minzheng.assistance.services import load_default_standards, set_standard
    from minzheng.verification import params as rule_params
    from minzheng.verification.members_table import TargetHousehold, build_targets

    load_default_standards()
    set_standard(
        user=None,
        programme="dibao_urban",
        key="verification.insurance_window_months",
        region=jingmen["dongbao"],
        effective_from=D("2024-01-01"),
        value=6,
        reason="测试",
    )
    calls = []
    resolve = rule_params.resolve
    monkeypatch.setattr(rule_params, "resolve", lambda *a, **k: calls.append(1) or resolve(*a, **k))
    households = [
        TargetHousehold(
            target=f"household:{i}",
            household_id=i,
            household_number=f"H{i}",
            region_id=region.pk,
            region_path=region.path,
            urban_rural="urban",
            programme="dibao_urban",
            applied_on=D("2024-06-01"),
        )
        for i, region in enumerate(
            [jingmen["longquan_community"]] * 3 + [jingmen["yingzhong_community"]] * 2, start=1
        )
    ]
    members = pa.table(
        {
            "household_id": list(range(1, 6)),
            "person_id": list(range(11, 16)),
            "id_key": list(range(21, 26)),
            "id_masked": ["x"] * 5,
            "relation": ["head"] * 5,
        }
    )
    targets, _used = build_targets(households, members, ref=REF, standards=standards_table(REF))
    assert len(calls) == 2
    rows = targets.select(["household_id", "insurance_since", "insurance_latest_since"]).to_pylist()
    assert [
        (r["household_id"], r["insurance_since"], r["insurance_latest_since"]) for r in rows
    ] == [
        (1, D("2024-01-01"), D("2024-05-01")),
        (2, D("2024-01-01"), D("2024-05-01")),
        (3, D("2024-01-01"), D("2024-05-01")),
        (4, D("2023-07-01"), D("2024-05-01")),
        (5, D("2023-07-01"), D("2024-05-01")),
    ]

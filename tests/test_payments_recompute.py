"""Standard changes: the bulk calculators agree with the rules, recomputation from the effective
month (set-based, idempotent, ineligible households put up for review), and the simulator's
figures on a small hand-built case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from minzheng.assistance import rules
from minzheng.assistance import services as assistance_services
from minzheng.assistance.models import Standard
from minzheng.assistance.rules.base import Car, HouseholdFacts, Member, Property, ResolvedStandard
from minzheng.cases.models import Case
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.payments import calculators, recompute, selectors
from minzheng.payments.models import Entitlement, EntitlementChange
from tests.fixtures.payments import entitle, member, run_month, setup_world

D = dt.date.fromisoformat


# ---------------------------------------------------------------- calculators = rules


def _standards(values: dict) -> dict:
    from minzheng.assistance.defaults import DEFAULT_STANDARDS
    from minzheng.assistance.params import normalise_value, spec_for
    from minzheng.assistance.selectors import _typed

    table: dict = {}
    for d in DEFAULT_STANDARDS:
        if d.region != "420800" or d.derive_from is not None:
            continue
        spec = spec_for(d.programme, d.key)
        table.setdefault(d.programme, {})[d.key] = _typed(spec.unit, normalise_value(spec, d.value))
    for (programme, key), value in values.items():
        table.setdefault(programme, {})[key] = value
    return {
        p: {
            k: ResolvedStandard(p, k, "", v, "420800", dt.date(2016, 1, 1), 1)
            for k, v in keys.items()
        }
        for p, keys in table.items()
    }


ratio = st.integers(0, 50).map(lambda n: Decimal(n) / 100)
categories = st.sampled_from(
    [[], ["extreme_hardship"], ["all_vulnerable"], ["all_vulnerable", "extreme_hardship"]]
)


@st.composite
def dibao_standards(draw, programme):
    per = 12 if programme == "dibao_rural" else 1
    return _standards(
        {
            (programme, "standard"): draw(st.integers(200_00, 800_00)) * per
            + draw(st.integers(0, 11)),
            (programme, "financial_assets_months"): draw(st.integers(6, 48)),
            (programme, "full_standard_categories"): frozenset(draw(categories)),
            (programme, "uplift_elderly_ratio"): draw(ratio),
            (programme, "uplift_minor_ratio"): draw(ratio),
            (programme, "uplift_severe_disability_ratio"): draw(ratio),
            (programme, "uplift_serious_illness_ratio"): draw(ratio),
        }
    )


@st.composite
def household(draw):
    members = []
    for i in range(draw(st.integers(1, 5))):
        grade = draw(st.one_of(st.none(), st.integers(1, 4)))
        members.append(
            Member(
                relation="head" if i == 0 else "child",
                age=draw(st.integers(0, 95)),
                disability_type=draw(
                    st.sampled_from(["physical", "intellectual", "mental", "visual"])
                )
                if grade
                else "",
                disability_grade=grade,
                serious_illness=draw(st.booleans()),
                excluded_reason=draw(st.sampled_from(["", "", "", "", "prisoner"])),
                self_care_unable=tuple(
                    draw(
                        st.lists(
                            st.sampled_from(
                                ["eating", "dressing", "bed_transfer", "toileting", "bathing"]
                            ),
                            max_size=5,
                            unique=True,
                        )
                    )
                ),
                income_fen={
                    "wage": draw(st.one_of(st.just(0), st.integers(0, 600_00))),
                    "pension": draw(st.one_of(st.just(0), st.integers(0, 200_00))),
                    "old_age_allowance": draw(st.integers(0, 100_00)),
                },
                needs_long_term_care=draw(st.booleans()),
            )
        )
    return HouseholdFacts(
        members=tuple(members),
        property=Property(
            financial_assets_fen=draw(st.one_of(st.just(0), st.integers(0, 40_000_00))),
            cars=(Car(value_fen=draw(st.integers(0, 100_000_00))),)
            if draw(st.integers(0, 9)) == 0
            else (),
        ),
        hukou_type=draw(st.sampled_from(["urban", "rural"])),
        extreme_hardship=draw(st.booleans()),
        dibao_household=draw(st.booleans()),
        supporters=tuple(
            draw(st.lists(st.sampled_from(["tekun", "incapable", "able"]), max_size=2))
        ),
    )


def _agree(programme: str, facts: HouseholdFacts, first: dict, second: dict) -> None:
    calc = calculators.for_programme(programme)
    approved = rules.evaluate(programme, facts, first)
    basis = calc.basis(approved, facts)
    event(f"{programme} eligible={approved.eligible}")
    if not approved.eligible:
        assert basis is None
        return
    assert calc.amount(basis, first) == (True, approved.monthly_amount_fen)
    later = rules.evaluate(programme, facts, second)
    assert calc.amount(basis, second) == (
        later.eligible,
        later.monthly_amount_fen if later.eligible else 0,
    )


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.db_independent
@FAST
@given(
    facts=household(), first=dibao_standards("dibao_urban"), second=dibao_standards("dibao_urban")
)
def test_urban_dibao_calculator_agrees_with_the_rules(facts, first, second):
    _agree("dibao_urban", facts, first, second)


@pytest.mark.db_independent
@FAST
@given(
    facts=household(), first=dibao_standards("dibao_rural"), second=dibao_standards("dibao_rural")
)
def test_rural_dibao_calculator_agrees_with_the_rules(facts, first, second):
    _agree("dibao_rural", facts, first, second)


@st.composite
def tekun_standards(draw):
    return _standards(
        {
            ("dibao_urban", "standard"): draw(st.integers(200_00, 800_00)),
            ("dibao_rural", "standard"): draw(st.integers(2000_00, 6000_00)),
            ("dibao_urban", "financial_assets_months"): draw(st.integers(6, 48)),
            ("dibao_rural", "financial_assets_months"): draw(st.integers(6, 48)),
            ("tekun", "basic_living_urban"): draw(st.integers(300_00, 1000_00)),
            ("tekun", "basic_living_rural"): draw(st.integers(3000_00, 12000_00)),
            ("tekun", "care_self_care"): draw(st.integers(0, 3000_00)),
            ("tekun", "care_partial"): draw(st.integers(0, 5000_00)),
            ("tekun", "care_total"): draw(st.integers(0, 9000_00)),
        }
    )


@pytest.mark.db_independent
@FAST
@given(facts=household(), first=tekun_standards(), second=tekun_standards())
def test_tekun_calculator_agrees_with_the_rules(facts, first, second):
    _agree("tekun", facts, first, second)


@st.composite
def disability_standards(draw):
    return _standards(
        {
            ("disability_living", "amount"): draw(st.integers(0, 200_00)),
            ("disability_living", "max_grade"): draw(st.integers(1, 4)),
            ("disability_nursing", "max_grade"): draw(st.integers(1, 4)),
            ("disability_nursing", "amount_grade_1"): draw(st.integers(0, 300_00)),
            ("disability_nursing", "amount_grade_2"): draw(st.integers(0, 300_00)),
            ("disability_nursing", "amount_grade_3_4"): draw(st.integers(0, 300_00)),
            ("disability_nursing", "include_intellectual_mental_3_4"): draw(st.booleans()),
        }
    )


@pytest.mark.db_independent
@FAST
@given(facts=household(), first=disability_standards(), second=disability_standards())
def test_disability_calculators_agree_with_the_rules(facts, first, second):
    _agree("disability_living", facts, first, second)
    _agree("disability_nursing", facts, first, second)


@pytest.mark.db_independent
def test_which_programmes_a_change_affects():
    assert calculators.programmes_affected_by("dibao_urban") == {"dibao_urban", "tekun"}
    assert calculators.programmes_affected_by("tekun") == {"tekun"}
    assert calculators.programmes_affected_by("old_age_allowance") == {"old_age_allowance"}
    assert calculators.modelled(calculators.for_programme("dibao_urban"), "dibao_urban", "standard")
    assert not calculators.modelled(
        calculators.for_programme("dibao_urban"), "dibao_urban", "income_excluded_types"
    )


# ---------------------------------------------------------------- recomputation


@pytest.fixture
def world(jingmen, users, people):
    return setup_world(jingmen, users, people)


@pytest.fixture
def beneficiaries(world):
    """Approved 2016-10-20 (paid from November): 东宝区 张三 and 李梅 with wage 600 (360.00),
    孙奶奶 特困 (749.00), 赵大爷 农村低保 (156.66); 钟祥市 王五 (250.00)."""
    p = world["people"]
    return {
        "zhang": entitle(
            world,
            household="dongbao",
            applicant="zhang",
            facts={
                "members": [
                    member(p["zhang"], income={"wage": "600.00"}),
                    member(p["li"], "spouse"),
                ]
            },
        ),
        "sun": entitle(
            world,
            household="alone",
            applicant="sun",
            programme="tekun",
            facts={"members": [member(p["sun"])]},
        ),
        "zhao": entitle(
            world,
            household="rural",
            applicant="zhao",
            programme="dibao_rural",
            facts={"members": [member(p["zhao"], income={"pension": "100.00"})]},
        ),
        "wang": entitle(
            world,
            household="zhongxiang",
            applicant="wang",
            facts={"members": [member(p["wang"], income={"support": "150.00"})]},
        ),
    }


def set_standard(
    world, *, key="standard", programme="dibao_urban", region="city", value, on="2017-01-01"
):
    return assistance_services.set_standard(
        user=world["users"]["city_section"],
        programme=programme,
        key=key,
        region=world["regions"][region],
        effective_from=D(on),
        value=value,
        reason="提标",
    )


@pytest.mark.django_db
def test_raising_the_city_standard_recomputes_from_the_effective_month(world, beneficiaries):
    b = beneficiaries
    standard = set_standard(world, value=52000)
    result = recompute.recompute_after_standard_change(
        standard=standard, user=world["users"]["city_section"]
    )
    # 东宝区 follows the city's row: couple (1040 − 600) = 440.00; 特困 1.3 × 520 = 676 + 125 = 801.00.
    # 钟祥市 keeps its own 400 row: 王五 unchanged. Rural 低保 is another programme.
    assert result | {"standard_id": 0} == {
        "standard_id": 0,
        "from_month": "2017-01",
        "checked": 3,
        "changed": 2,
        "ineligible": 0,
        "decided": 0,
        "errors": 0,
        "slow_path": 0,
        "monthly_difference_fen": 8000 + 5200,
    }
    for key, before, after in (
        ("zhang", 36000, 44000),
        ("sun", 74900, 80100),
        ("wang", 25000, 25000),
        ("zhao", 15666, 15666),
    ):
        e = Entitlement.objects.get(pk=b[key].pk)
        assert selectors.amount_for_month(e, D("2016-12-01")) == before, key
        assert selectors.amount_for_month(e, D("2017-01-01")) == after == e.monthly_amount_fen, key
    change = EntitlementChange.objects.get(entitlement=b["zhang"], kind="recompute")
    assert (
        change.effective_month,
        change.old_amount_fen,
        change.new_amount_fen,
        change.standard,
    ) == (D("2017-01-01"), 36000, 44000, standard)
    assert "520.00" in change.reason and change.snapshot["standard_id"] == standard.pk
    created = EntitlementChange.objects.get(entitlement=b["zhang"], kind="create")
    assert created.until_month == D("2017-01-01")
    # Payrolls follow the periods: December the old figure, January the new one.
    assert {
        line.entitlement_id: line.amount_fen
        for line in run_month(world, D("2016-12-01")).lines.all()
    }[b["zhang"].pk] == 36000
    jan = {line.entitlement_id: line for line in run_month(world, D("2017-01-01")).lines.all()}
    assert jan[b["zhang"].pk].amount_fen == 44000 and jan[b["zhang"].pk].amount_change == change
    # Idempotent.
    again = recompute.recompute_after_standard_change(standard=standard)
    assert (again["changed"], again["checked"]) == (0, 3)
    assert EntitlementChange.objects.filter(kind="recompute").count() == 2


@pytest.mark.django_db
def test_a_mid_month_change_applies_from_the_next_month_and_ineligible_households_go_to_review(
    world, beneficiaries
):
    b = beneficiaries
    # 290 × 2 = 580 ≤ 600 wages: the couple no longer qualifies; 孙奶奶: 1.3 × 290 = 377 + 125 = 502.00.
    standard = set_standard(world, value=29000, on="2017-01-15")
    result = recompute.recompute_after_standard_change(standard=standard)
    assert (result["from_month"], result["changed"], result["ineligible"]) == ("2017-02", 1, 1)
    couple = Entitlement.objects.get(pk=b["zhang"].pk)
    assert (
        couple.monthly_amount_fen == 36000 and couple.status == "active"
    )  # kept until a clerk reviews
    # Its quarterly review (class C) was already due earlier; an earlier date is never pushed back.
    assert couple.next_review_on == D("2017-01-20") and "不再符合" in couple.review_reason
    assert couple.changes.filter(kind="flag", standard=standard).exists()
    sun = Entitlement.objects.get(pk=b["sun"].pk)
    assert (sun.amount_since, sun.monthly_amount_fen) == (D("2017-02-01"), 50200)


@pytest.mark.django_db
def test_a_parameter_the_calculator_does_not_model_goes_through_the_full_rules(
    world, beneficiaries
):
    p = world["people"]
    old_age = entitle(
        world,
        household="alone",
        applicant="sun",
        facts={
            "members": [
                member(p["sun"], income={"pension": "100.00", "old_age_allowance": "200.00"})
            ]
        },
    )
    # 孙奶奶 70 alone: (480 − 100) + 10 % × 480 = 428.00; the old-age allowance not counted.
    assert old_age.monthly_amount_fen == 42800
    standard = set_standard(world, key="income_excluded_types", value=["award", "funeral_grant"])
    result = recompute.recompute_after_standard_change(standard=standard)
    # Now counted: (480 − 300) + 48 = 228.00. The couple has no such income: unchanged.
    assert (result["changed"], result["slow_path"]) == (1, 4)
    old_age.refresh_from_db()
    assert old_age.monthly_amount_fen == 22800


@pytest.mark.django_db
def test_decided_amounts_are_put_up_for_review_not_overwritten(world, beneficiaries):
    services = __import__("minzheng.payments.services", fromlist=["change_amount"])
    services.change_amount(
        user=world["users"]["dongbao_approver"],
        entitlement=beneficiaries["zhang"],
        amount_fen=40000,
        from_month="2016-12",
        reason="县级复议",
    )
    result = recompute.recompute_after_standard_change(standard=set_standard(world, value=52000))
    assert (result["decided"], result["changed"]) == (1, 1)
    zhang = Entitlement.objects.get(pk=beneficiaries["zhang"].pk)
    assert zhang.monthly_amount_fen == 40000 and zhang.next_review_on == D("2017-01-01")


# ---------------------------------------------------------------- simulator


@pytest.mark.django_db
def test_simulator_figures_on_a_small_case_and_nothing_is_saved(world, beneficiaries):
    p = world["people"]
    # A pending application in 东宝区: 张三's household has income 500 alone — not eligible at 480,
    # eligible at 520 with 20.00 a month.
    other = world["households"]["dongbao"]
    Case.objects.create(
        number="420802201699999",
        programme="dibao_urban",
        applicant=p["zhang"],
        household=other,
        region=other.region,
        channel="window",
        facts={"members": [member(p["zhang"], income={"wage": "500.00"})]},
        applied_on=D("2016-12-01"),
        stage_started_on=D("2016-12-01"),
        state="investigating",
    )
    counts = (Standard.objects.count(), EntitlementChange.objects.count())
    out = recompute.simulate_standard_change(
        user=world["users"]["city_section"],
        programme="dibao_urban",
        key="standard",
        region=world["regions"]["city"],
        value="520",
        effective_from=D("2017-01-01"),
    )
    assert (out["value"], out["current_value"], out["from_month"]) == (
        "520.00",
        "480.00",
        D("2017-01-01"),
    )
    by_county = {row["code"]: row for row in out["counties"]}
    # 东宝区: couple 360 → 440, 孙奶奶 749 → 801: 1109.00 → 1241.00 a month.
    assert by_county["420802"] | {"code": "", "name": ""} == {
        "code": "",
        "name": "",
        "beneficiaries": 2,
        "monthly_before": 110900,
        "monthly_after": 124100,
        "monthly_difference": 13200,
        "yearly_before": 12 * 110900,
        "yearly_after": 12 * 124100,
        "becoming_ineligible": 0,
        "pending_becoming_eligible": 1,
        "pending_becoming_ineligible": 0,
        "pending_monthly_after": 2000,
    }
    # 钟祥市 keeps its 400 row.
    assert (by_county["420881"]["monthly_before"], by_county["420881"]["monthly_after"]) == (
        25000,
        25000,
    )
    assert out["totals"]["monthly_difference"] == 13200 and out["totals"]["yearly_after"] == 12 * (
        124100 + 25000
    )
    assert [c["household"] for c in out["pending_becoming_eligible"]] == [other.number]
    assert (Standard.objects.count(), EntitlementChange.objects.count()) == counts

    # Lowering 东宝区's own figure to 290: the couple drops out.
    low = recompute.simulate_standard_change(
        user=world["users"]["dongbao_approver"],
        programme="dibao_urban",
        key="standard",
        region=world["regions"]["dongbao"],
        value="290.00",
        effective_from=D("2017-01-01"),
    )
    assert [row["code"] for row in low["counties"]] == ["420802"]
    assert (
        low["counties"][0]["becoming_ineligible"] == 1
        and low["becoming_ineligible"][0]["entitlement_id"] == beneficiaries["zhang"].pk
    )
    # 孙奶奶 1.3 × 290 = 377 + 125 = 502.00 after; the couple's 360 is gone.
    assert (low["counties"][0]["monthly_before"], low["counties"][0]["monthly_after"]) == (
        110900,
        50200,
    )


@pytest.mark.django_db
def test_simulator_scope_roles_and_validation(world, beneficiaries):
    u, r = world["users"], world["regions"]
    kwargs = {
        "programme": "dibao_urban",
        "key": "standard",
        "value": "520",
        "effective_from": D("2017-01-01"),
    }
    with pytest.raises(PermissionDeniedError):
        recompute.simulate_standard_change(user=u["dongbao_clerk"], region=r["longquan"], **kwargs)
    with pytest.raises(NotFoundOrOutOfScope):
        recompute.simulate_standard_change(
            user=u["dongbao_approver"], region=r["zhongxiang"], **kwargs
        )
    with pytest.raises(ServiceError) as exc:
        recompute.simulate_standard_change(
            user=u["city_section"], region=r["city"], **{**kwargs, "value": "5.001"}
        )
    assert "value" in exc.value.errors
    with pytest.raises(ServiceError) as exc:
        recompute.simulate_standard_change(
            user=u["city_section"], region=r["city"], **{**kwargs, "key": "nope"}
        )
    assert "key" in exc.value.errors


@pytest.mark.django_db
def test_applying_a_simulated_change_sets_the_standard_and_queues_the_recompute(
    world, beneficiaries, django_capture_on_commit_callbacks, settings
):
    settings.BROKER_URL = ""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        standard, job = recompute.apply_standard_change(
            user=world["users"]["city_section"],
            programme="dibao_urban",
            key="standard",
            region=world["regions"]["city"],
            effective_from=D("2017-01-01"),
            value="520",
            reason="2017年提标",
        )
    assert (
        standard.value == 52000
        and job.kind == recompute.RECOMPUTE_JOB
        and job.params == {"standard_id": standard.pk}
    )
    assert len(callbacks) == 1
    with pytest.raises(PermissionDeniedError):
        recompute.apply_standard_change(
            user=world["users"]["dongbao_approver"],
            programme="dibao_urban",
            key="standard",
            region=world["regions"]["dongbao"],
            effective_from=D("2017-01-01"),
            value="520",
            reason="x",
        )

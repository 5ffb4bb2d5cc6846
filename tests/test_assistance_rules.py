"""The assistance rules as pure functions: every figure below is worked out by hand in the table.

The standards are written out here (not read from the seeded defaults) so that each case shows
the figures it is computed from: urban 低保 480.00 元/month, rural 2,800.00 元/year, 特困 urban
basic living 624.00 元/month (1.3 × 480), rural 五保 7,842.40 元/year, care 1,500 / 2,500 / 5,000
元/year, temporary cap 3,000, medical 70 % / 50 % with an 80,000 annual cap.
"""

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.assistance import rules
from minzheng.assistance.params import spec_for
from minzheng.assistance.rules import (
    Car,
    HouseholdFacts,
    MedicalBill,
    Member,
    Property,
    ResolvedStandard,
    TemporaryNeed,
)
from minzheng.core.money import fen, round_half_up, yuan_str

pytestmark = pytest.mark.db_independent

DIBAO_RULES = {
    "income_excluded_types": {
        "award",
        "disability_nursing",
        "funeral_grant",
        "old_age_allowance",
        "preferential_pension",
        "scholarship",
    },
    "uplift_elderly_age": 60,
    "uplift_elderly_ratio": Decimal("0.10"),
    "uplift_minor_age": 18,
    "uplift_minor_ratio": Decimal("0.10"),
    "uplift_severe_disability_max_grade": 2,
    "uplift_severe_disability_ratio": Decimal("0.20"),
    "uplift_serious_illness_ratio": Decimal("0.20"),
    "full_standard_categories": {"extreme_hardship"},
    "any_car_disqualifies": False,
    "car_value_limit": fen(80000),
    "max_homes": 1,
    "non_residential_disqualifies": True,
    "disqualifying_business_roles": {"employer", "legal_representative"},
    "financial_assets_months": 36,
}
BASE = {
    "dibao_urban": {"standard": fen(480), **DIBAO_RULES},
    "dibao_rural": {"standard": fen(2800), **DIBAO_RULES},
    "tekun": {
        "basic_living_urban": fen(624),
        "basic_living_rural": fen("7842.40"),
        "care_self_care": fen(1500),
        "care_partial": fen(2500),
        "care_total": fen(5000),
        "self_care_partial_min_items": 1,
        "self_care_total_min_items": 4,
        "no_capacity_age": 60,
        "no_capacity_minor_age": 16,
        "no_capacity_intellectual_mental_max_grade": 2,
        "no_capacity_physical_max_grade": 1,
        "orphan_referral_age": 16,
        "income_excluded_types": DIBAO_RULES["income_excluded_types"] | {"pension"},
    },
    "temporary": {
        "cap_emergency": fen(3000),
        "cap_expenditure": fen(3000),
        "township_approval_limit": fen(1000),
        "emergency_paperwork_days": 5,
    },
    "medical": {
        "ratio_key": Decimal("0.70"),
        "ratio_named": Decimal("0.50"),
        "annual_cap": fen(80000),
    },
    "disability_living": {"amount": fen(50), "max_grade": 4},
    "disability_nursing": {
        "max_grade": 2,
        "amount_grade_1": fen(100),
        "amount_grade_2": fen(50),
        "include_intellectual_mental_3_4": False,
        "amount_grade_3_4": fen(50),
    },
}


def standards(overrides: dict | None = None) -> dict:
    """The BASE table as resolved standards; overrides map "programme.key" to a value."""
    table = {p: dict(values) for p, values in BASE.items()}
    for dotted, value in (overrides or {}).items():
        programme, key = dotted.split(".")
        table[programme][key] = value
    return {
        programme: {
            key: ResolvedStandard(
                programme=programme,
                key=key,
                unit=spec_for(programme, key).unit,
                value=frozenset(v) if isinstance(v, set) else v,
                region_code="420800",
                effective_from=dt.date(2016, 1, 1),
                version=1,
            )
            for key, v in values.items()
        }
        for programme, values in table.items()
    }


def person(age=40, relation="head", **income_yuan) -> Member:
    extra = {
        k: income_yuan.pop(k)
        for k in list(income_yuan)
        if k
        in {
            "disability_type",
            "disability_grade",
            "serious_illness",
            "excluded_reason",
            "self_care_unable",
            "dibao_recipient",
            "tekun_recipient",
            "medical_named",
            "needs_long_term_care",
        }
    }
    return Member(
        relation=relation, age=age, income_fen={k: fen(v) for k, v in income_yuan.items()}, **extra
    )


def run(programme, members, overrides=None, **facts):
    return rules.evaluate(
        programme, HouseholdFacts(members=tuple(members), **facts), standards(overrides)
    )


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


# --- money ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exact, expected",
    [
        (0, 0),
        (1, 1),
        (Decimal("0.5"), 1),
        (Decimal("0.49"), 0),
        (Decimal("2.5"), 3),
        (Decimal("-2.5"), -3),
    ],
)
def test_round_half_up(exact, expected):
    from fractions import Fraction

    assert round_half_up(Fraction(exact)) == expected


def test_yuan_strings():
    assert yuan_str(48000) == "480.00" and yuan_str(5) == "0.05" and yuan_str(-5) == "-0.05"
    assert fen("454.80") == 45480
    with pytest.raises(ValueError):
        fen("1.005")  # a third decimal is an error, never silently rounded


# --- urban 低保 ---------------------------------------------------------------------------------

DIBAO_URBAN_CASES = [
    # id, members, expected eligible, total, per-member amounts
    # The example: wage 600 + pension 300 countable, old-age allowance 100 excluded.
    # Per-capita = 900 / 3 = 300.00; 补差 = (480 − 300) × 3 = 540.00 (no member is vulnerable).
    (
        "worked_example",
        [
            person(45, wage=600),
            person(50, "spouse", pension=300, old_age_allowance=100),
            person(20, "child"),
        ],
        True,
        "540.00",
        ["180.00", "180.00", "180.00"],
    ),
    # Every excluded type on one member: nothing counts, so the full 480.00 is the gap.
    (
        "all_excluded_types",
        [
            person(
                40,
                preferential_pension=200,
                disability_nursing=50,
                scholarship=100,
                award=500,
                funeral_grant=1000,
                old_age_allowance=100,
            )
        ],
        True,
        "480.00",
        ["480.00"],
    ),
    # Support owed by relatives, transfer and business income count: 200 + 100 + 150 = 450 over 2;
    # 补差 = 2 × 480 − 450 = 510.00.
    (
        "support_transfer_business",
        [person(40, support=200, transfer=100), person(41, "spouse", business=150)],
        True,
        "510.00",
        ["255.00", "255.00"],
    ),
    # Per-capita 1000 / 3 = 333.33…; computed on totals: 3 × 480 − 1000 = 440.00, split 146.67 + 146.67 + 146.66.
    (
        "fractional_per_capita",
        [person(30, wage=1000), person(31, "spouse"), person(32, "sibling")],
        True,
        "440.00",
        ["146.67", "146.67", "146.66"],
    ),
    # Narrow miss on income: 479.99 < 480 → 0.01; exactly 480.00 is not below the standard.
    ("income_just_below", [person(40, wage="479.99")], True, "0.01", ["0.01"]),
    ("income_at_standard", [person(40, wage=480)], False, "0.00", ["0.00"]),
    # A conscript is not a household member: his 2,000 wage is ignored and he is not covered.
    # Covered 2, income 600: 补差 = 2 × 480 − 600 = 360.00.
    (
        "conscript_excluded",
        [
            person(40, wage=600),
            person(41, "spouse"),
            person(20, "child", wage=2000, excluded_reason="conscript"),
        ],
        True,
        "360.00",
        ["180.00", "180.00", "0.00"],
    ),
    # Uplift: 65-year-old 10 % × 480 = 48.00; grade-1 physical disability 20 % = 96.00.
    # Base 2 × 480 − 400 = 560.00; total 560 + 48 + 96 = 704.00.
    (
        "uplift_elderly_and_disabled",
        [
            person(65, wage=400),
            person(40, "spouse", disability_type="physical", disability_grade=1),
        ],
        True,
        "704.00",
        ["328.00", "376.00"],
    ),
    # Categories do not stack: 70 and seriously ill → the larger 20 % (96.00) only: 480 + 96 = 576.00.
    ("uplift_highest_only", [person(70, serious_illness=True)], True, "576.00", ["576.00"]),
    # Age boundaries: 17 is a minor (+48), 18 is not; 59 is not elderly, 60 is (+48).
    ("minor_17", [person(40, wage=480), person(17, "child")], True, "528.00", ["240.00", "288.00"]),
    ("adult_18", [person(40, wage=480), person(18, "child")], True, "480.00", ["240.00", "240.00"]),
    ("age_59", [person(59)], True, "480.00", ["480.00"]),
    ("age_60", [person(60)], True, "528.00", ["528.00"]),
    # Grade 3 is not a severe disability (limit grade 2): no uplift.
    (
        "grade_3_no_uplift",
        [person(40, disability_type="physical", disability_grade=3)],
        True,
        "480.00",
        ["480.00"],
    ),
]


@pytest.mark.parametrize(
    "case_id, members, eligible, total, shares",
    DIBAO_URBAN_CASES,
    ids=[c[0] for c in DIBAO_URBAN_CASES],
)
def test_dibao_urban(case_id, members, eligible, total, shares):
    result = run("dibao_urban", members)
    assert result.eligible is eligible, result.reasons
    assert yuan_str(result.monthly_amount_fen) == total
    assert [yuan_str(m.amount_fen) for m in result.members] == shares
    assert result.rule_version == "dibao-2016.1" and result.one_off_amount_fen is None


def test_dibao_trace_names_standard_and_excluded_income():
    result = run(
        "dibao_urban",
        [
            person(45, wage=600),
            person(50, "spouse", pension=300, old_age_allowance=100),
            person(20, "child"),
        ],
    )
    steps = {t.step: t for t in result.trace}
    standard = next(
        t for t in result.trace if t.step == "standard" and t.detail["key"] == "standard"
    )
    assert (
        standard.value == "480.00"
        and standard.detail["region"] == "420800"
        and standard.detail["effective_from"] == "2016-01-01"
    )
    assert steps["income"].value == "900.00"
    assert steps["income"].detail["countable"] == {"pension": "300.00", "wage": "600.00"}
    assert steps["income"].detail["excluded"] == {"old_age_allowance": "100.00"}
    assert "old_age_allowance" in steps["income"].detail["excluded_types"]
    assert steps["per_capita_income"].value == "300.00"
    assert steps["total"].value == "540.00"
    assert result.members[1].countable_income_fen == fen(300) and result.members[
        1
    ].excluded_income_fen == fen(100)


def test_income_above_standard_gives_the_reason_with_figures():
    result = run("dibao_urban", [person(40, wage=500)])
    assert codes(result) == ["income_above_standard"]
    assert "500.00" in result.reasons[0].message and "480.00" in result.reasons[0].message


def test_no_covered_member():
    result = run("dibao_urban", [person(30, excluded_reason="prisoner")])
    assert not result.eligible and codes(result) == ["no_covered_members"]


def test_exclusion_list_is_a_parameter():
    # Counting the old-age allowance after all: 600 + 300 + 100 = 1000 → 3 × 480 − 1000 = 440.00.
    members = [
        person(45, wage=600),
        person(50, "spouse", pension=300, old_age_allowance=100),
        person(20, "child"),
    ]
    excluded = DIBAO_RULES["income_excluded_types"] - {"old_age_allowance"}
    result = run("dibao_urban", members, {"dibao_urban.income_excluded_types": excluded})
    assert yuan_str(result.monthly_amount_fen) == "440.00"


# --- 按标施保 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "categories, hardship, members, total",
    [
        # Extreme hardship, enabled: the full standard per member, 2 × 480 = 960.00 instead of 960 − 400 = 560.00.
        ({"extreme_hardship"}, True, [person(40, wage=400), person(41, "spouse")], "960.00"),
        # The same household when the category is switched off: the gap, 560.00.
        (set(), True, [person(40, wage=400), person(41, "spouse")], "560.00"),
        # All members vulnerable (65 and 70, pension 300): 2 × 480 = 960 + 48 + 48 = 1056.00.
        ({"all_vulnerable"}, False, [person(65, pension=300), person(70, "spouse")], "1056.00"),
        # One member is 59: not all vulnerable → 960 − 300 = 660 + 48 (the 70-year-old) = 708.00.
        ({"all_vulnerable"}, False, [person(59, pension=300), person(70, "spouse")], "708.00"),
    ],
)
def test_full_standard_categories(categories, hardship, members, total):
    result = run(
        "dibao_urban",
        members,
        {"dibao_urban.full_standard_categories": categories},
        extreme_hardship=hardship,
    )
    assert yuan_str(result.monthly_amount_fen) == total


def test_full_standard_still_needs_eligibility():
    result = run("dibao_urban", [person(40, wage=600)], extreme_hardship=True)
    assert not result.eligible and codes(result) == ["income_above_standard"]


# --- property disqualifiers (one person aged 40, no income: 480.00 when eligible) ----------------

PROPERTY_CASES = [
    ("car_at_limit", Property(cars=(Car(fen(80000)),)), {}, []),
    ("car_over_limit", Property(cars=(Car(fen("80000.01")),)), {}, ["car"]),
    (
        "disability_vehicle_ignored",
        Property(cars=(Car(fen(200000), disability_vehicle=True),)),
        {},
        [],
    ),
    (
        "any_car_when_parameter_says_so",
        Property(cars=(Car(fen(10000)),)),
        {"dibao_urban.any_car_disqualifies": True},
        ["car"],
    ),
    ("one_home", Property(homes=1), {}, []),
    ("two_homes", Property(homes=2), {}, ["homes"]),
    ("two_homes_allowed", Property(homes=2), {"dibao_urban.max_homes": 2}, []),
    ("shop", Property(non_residential=1), {}, ["non_residential_property"]),
    (
        "shop_allowed",
        Property(non_residential=1),
        {"dibao_urban.non_residential_disqualifies": False},
        [],
    ),
    ("shareholder_allowed", Property(business_roles=("shareholder",)), {}, []),
    (
        "legal_representative",
        Property(business_roles=("legal_representative",)),
        {},
        ["business_role"],
    ),
    ("employer", Property(business_roles=("employer", "self_employed")), {}, ["business_role"]),
    # 36 × 480 = 17,280.00 per capita: at the limit passes, one fen over fails.
    ("assets_at_limit", Property(financial_assets_fen=fen(17280)), {}, []),
    ("assets_over_limit", Property(financial_assets_fen=fen("17280.01")), {}, ["financial_assets"]),
    (
        "several_at_once",
        Property(homes=3, non_residential=1, cars=(Car(fen(90000)),)),
        {},
        ["car", "homes", "non_residential_property"],
    ),
]


@pytest.mark.parametrize(
    "case_id, prop, overrides, expected", PROPERTY_CASES, ids=[c[0] for c in PROPERTY_CASES]
)
def test_property_disqualifiers(case_id, prop, overrides, expected):
    result = run("dibao_urban", [person(40)], overrides, property=prop)
    assert codes(result) == expected
    assert result.eligible is (not expected)
    assert yuan_str(result.monthly_amount_fen) == ("480.00" if not expected else "0.00")


def test_financial_assets_limit_is_per_capita():
    # 3 members: limit 3 × 17,280 = 51,840.00 in total.
    members = [person(40), person(41, "spouse"), person(20, "child")]
    assert run("dibao_urban", members, property=Property(financial_assets_fen=fen(51840))).eligible
    assert codes(
        run("dibao_urban", members, property=Property(financial_assets_fen=fen("51840.01")))
    ) == ["financial_assets"]


# --- rural 低保: 2,800 元 a year ÷ 12 ------------------------------------------------------------

RURAL_CASES = [
    # 2800 / 12 = 233.333… → 233.33.
    ("one_person", [person(40)], True, "233.33"),
    # Household total rounded once: 2 × 2800 / 12 = 466.666… → 466.67 (not 2 × 233.33 = 466.66).
    ("two_people", [person(40), person(41, "spouse")], True, "466.67"),
    # 3 × 2800 / 12 = 700.00 − 300 = 400.00.
    (
        "three_people_income_300",
        [person(40, business=300), person(41, "spouse"), person(20, "child")],
        True,
        "400.00",
    ),
    # Income 233.33 is below 233.333…: eligible, and the gap 0.00333… rounds to 0.00.
    ("just_below", [person(40, wage="233.33")], True, "0.00"),
    ("just_above", [person(40, wage="233.34")], False, "0.00"),
    # Elderly uplift 10 % × 233.333… = 23.33: 233.33 + 23.33 = 256.66.
    ("elderly_uplift", [person(70)], True, "256.66"),
]


@pytest.mark.parametrize(
    "case_id, members, eligible, total", RURAL_CASES, ids=[c[0] for c in RURAL_CASES]
)
def test_dibao_rural(case_id, members, eligible, total):
    result = run("dibao_rural", members)
    assert result.eligible is eligible
    assert yuan_str(result.monthly_amount_fen) == total


def test_rural_financial_limit_uses_the_monthly_standard():
    # 36 × 2800 / 12 = 8,400.00 per capita.
    assert run(
        "dibao_rural", [person(40)], property=Property(financial_assets_fen=fen(8400))
    ).eligible
    assert codes(
        run("dibao_rural", [person(40)], property=Property(financial_assets_fen=fen("8400.01")))
    ) == ["financial_assets"]


def test_rural_shares_sum_to_the_total():
    result = run("dibao_rural", [person(40), person(41, "spouse")])
    assert [yuan_str(m.amount_fen) for m in result.members] == ["233.34", "233.33"]
    assert any(t.step == "monthly_standard" and t.value == "233.33" for t in result.trace)


# --- 特困 ---------------------------------------------------------------------------------------

SIX = ("eating", "dressing", "bed_transfer", "toileting", "indoor_walking", "bathing")

SELF_CARE_CASES = [
    # urban: 624.00 + care ÷ 12. self-care 1500/12 = 125.00 → 749.00
    (0, "urban", "self_care", "749.00"),
    # partial: 2500/12 = 208.333… → 624 + 208.333… = 832.33
    (1, "urban", "partial", "832.33"),
    (3, "urban", "partial", "832.33"),
    # total: 5000/12 = 416.666… → 1040.666… = 1040.67
    (4, "urban", "total", "1040.67"),
    (6, "urban", "total", "1040.67"),
    # rural 五保: (7842.40 + 1500) / 12 = 778.5333… → 778.53
    (0, "rural", "self_care", "778.53"),
    # (7842.40 + 2500) / 12 = 861.8666… → 861.87
    (2, "rural", "partial", "861.87"),
    # (7842.40 + 5000) / 12 = 1070.20
    (5, "rural", "total", "1070.20"),
]


@pytest.mark.parametrize("items, hukou, grade, total", SELF_CARE_CASES)
def test_tekun_self_care_grades(items, hukou, grade, total):
    result = run("tekun", [person(75, self_care_unable=SIX[:items])], hukou_type=hukou)
    assert result.eligible, result.reasons
    assert result.extras["self_care_grades"] == {"0": grade}
    assert yuan_str(result.monthly_amount_fen) == total
    assert result.rule_version == "tekun-2016.1"


SANWU_CASES = [
    # id, member, supporters, expected reason codes ([] = qualifies)
    ("elderly_60", person(60), (), []),
    ("age_59_can_work", person(59), (), ["has_work_capacity"]),
    (
        "intellectual_grade_2",
        person(45, disability_type="intellectual", disability_grade=2),
        (),
        [],
    ),
    (
        "mental_grade_3_can_work",
        person(45, disability_type="mental", disability_grade=3),
        (),
        ["has_work_capacity"],
    ),
    ("physical_grade_1", person(45, disability_type="physical", disability_grade=1), (), []),
    (
        "physical_grade_2_can_work",
        person(45, disability_type="physical", disability_grade=2),
        (),
        ["has_work_capacity"],
    ),
    ("orphan_under_16", person(12, "child"), (), ["orphan_referral"]),
    # Pension is not counted for 特困: a 500 元 pension leaves countable income at 0.
    ("pension_not_counted", person(70, pension=500), (), []),
    # Wage counts: 480.00 is not below the urban 低保 standard 480.00; 479.99 is.
    ("wage_at_dibao_standard", person(70, wage=480), (), ["has_means_of_living"]),
    ("wage_below_dibao_standard", person(70, wage="479.99"), (), []),
    ("supporter_able", person(70), ("able",), ["supporter_able"]),
    ("supporters_unable", person(70), ("tekun", "imprisoned", "dibao_elderly"), []),
]


@pytest.mark.parametrize(
    "case_id, member, supporters, expected", SANWU_CASES, ids=[c[0] for c in SANWU_CASES]
)
def test_tekun_sanwu(case_id, member, supporters, expected):
    result = run("tekun", [member], hukou_type="urban", supporters=supporters)
    assert codes(result) == expected
    assert result.eligible is (not expected)
    assert yuan_str(result.monthly_amount_fen) == ("749.00" if not expected else "0.00")


def test_tekun_property_uses_dibao_limits():
    result = run(
        "tekun", [person(70)], hukou_type="urban", property=Property(cars=(Car(fen(100000)),))
    )
    assert codes(result) == ["car"]


def test_tekun_couple_only_the_member_without_work_capacity_is_paid():
    # 70 qualifies (749.00); 55 has work capacity and gets nothing; the household is eligible.
    result = run("tekun", [person(70), person(55, "spouse")], hukou_type="urban")
    assert result.eligible and yuan_str(result.monthly_amount_fen) == "749.00"
    assert [yuan_str(m.amount_fen) for m in result.members] == ["749.00", "0.00"]
    assert result.members[1].detail["reason"] == "has_work_capacity"


def test_tekun_centralised_is_paid_to_the_institution_and_needs_hukou_type():
    result = run("tekun", [person(80)], hukou_type="rural", care_mode="centralised")
    assert result.extras["payee"] == "institution" and result.extras["care_mode"] == "centralised"
    assert codes(run("tekun", [person(80)])) == ["hukou_type_missing"]


def test_tekun_self_care_thresholds_are_parameters():
    # With total loss from 3 items, 3 unmet items is total: 624 + 5000/12 = 1040.67.
    result = run(
        "tekun",
        [person(75, self_care_unable=SIX[:3])],
        {"tekun.self_care_total_min_items": 3},
        hukou_type="urban",
    )
    assert yuan_str(result.monthly_amount_fen) == "1040.67"


# --- temporary ---------------------------------------------------------------------------------

TEMPORARY_CASES = [
    # id, need, eligible, amount, approval level
    # 5,000 − 1,000 = 4,000 > cap 3,000 → 3,000.00, above the township limit → county.
    ("capped", TemporaryNeed("expenditure", fen(5000), fen(1000)), True, "3000.00", "county"),
    ("at_cap", TemporaryNeed("expenditure", fen(4000), fen(1000)), True, "3000.00", "county"),
    (
        "one_fen_over_cap",
        TemporaryNeed("expenditure", fen("4000.01"), fen(1000)),
        True,
        "3000.00",
        "county",
    ),
    # 1,800 − 1,000 = 800 ≤ 1,000 → township.
    (
        "small_township",
        TemporaryNeed("expenditure", fen(1800), fen(1000)),
        True,
        "800.00",
        "township",
    ),
    (
        "township_limit",
        TemporaryNeed("expenditure", fen(2000), fen(1000)),
        True,
        "1000.00",
        "township",
    ),
    (
        "just_over_township_limit",
        TemporaryNeed("expenditure", fen("2000.01"), fen(1000)),
        True,
        "1000.01",
        "county",
    ),
    # Itemised: 600 + 450.50 = 1,050.50 → county.
    (
        "itemised_emergency",
        TemporaryNeed("emergency", items=(("住院押金", fen(600)), ("衣被", fen("450.50")))),
        True,
        "1050.50",
        "county",
    ),
    (
        "can_bear_everything",
        TemporaryNeed("expenditure", fen(1000), fen(1200)),
        False,
        "0.00",
        None,
    ),
]


@pytest.mark.parametrize(
    "case_id, need, eligible, amount, level", TEMPORARY_CASES, ids=[c[0] for c in TEMPORARY_CASES]
)
def test_temporary(case_id, need, eligible, amount, level):
    result = run("temporary", [person(40)], temporary=need)
    assert result.eligible is eligible
    assert yuan_str(result.one_off_amount_fen) == amount and result.monthly_amount_fen is None
    assert result.extras.get("approval_level") == level


def test_temporary_emergency_has_paperwork_deadline():
    result = run("temporary", [person(40)], temporary=TemporaryNeed("emergency", fen(500)))
    assert result.extras["paperwork_within_days"] == 5 and result.extras["kind"] == "emergency"
    assert (
        "paperwork_within_days"
        not in run(
            "temporary", [person(40)], temporary=TemporaryNeed("expenditure", fen(500))
        ).extras
    )


# --- medical -----------------------------------------------------------------------------------


def bill(**kw):
    values = {
        "patient": 0,
        "total_fen": fen(50000),
        "in_policy_fen": fen(40000),
        "basic_insurance_fen": fen(24000),
        "critical_illness_fen": fen(6000),
        "other_insurance_fen": fen(2000),
        "already_paid_this_year_fen": 0,
    }
    values.update(kw)
    return MedicalBill(**values)


MEDICAL_CASES = [
    # In-policy 40,000 − basic 24,000 = 16,000 − critical 6,000 = 10,000 − other 2,000 = 8,000;
    # key recipient 70 % → 5,600.00.
    ("dibao_key", {"dibao_recipient": True}, bill(), True, "5600.00"),
    ("tekun_key", {"tekun_recipient": True}, bill(), True, "5600.00"),
    # Named by the county: 50 % × 8,000 = 4,000.00.
    ("named_other", {"medical_named": True}, bill(), True, "4000.00"),
    # Already paid 77,000 this year: room 3,000 < 5,600 → 3,000.00.
    (
        "cap_room",
        {"dibao_recipient": True},
        bill(already_paid_this_year_fen=fen(77000)),
        True,
        "3000.00",
    ),
    (
        "cap_reached",
        {"dibao_recipient": True},
        bill(already_paid_this_year_fen=fen(80000)),
        True,
        "0.00",
    ),
    # Insurance covers the in-policy part entirely: 10,000 − 8,000 − 3,000 → 0.
    (
        "insurance_covers_all",
        {"dibao_recipient": True},
        bill(
            in_policy_fen=fen(10000),
            basic_insurance_fen=fen(8000),
            critical_illness_fen=fen(3000),
            other_insurance_fen=0,
        ),
        True,
        "0.00",
    ),
    # Rounding: 1,234.57 × 70 % = 864.199 → 864.20.
    (
        "rounding",
        {"dibao_recipient": True},
        bill(
            in_policy_fen=fen("1234.57"),
            basic_insurance_fen=0,
            critical_illness_fen=0,
            other_insurance_fen=0,
        ),
        True,
        "864.20",
    ),
    ("not_a_recipient", {}, bill(), False, "0.00"),
]


@pytest.mark.parametrize(
    "case_id, flags, the_bill, eligible, amount", MEDICAL_CASES, ids=[c[0] for c in MEDICAL_CASES]
)
def test_medical(case_id, flags, the_bill, eligible, amount):
    result = run("medical", [person(50, **flags)], medical=the_bill)
    assert result.eligible is eligible
    assert yuan_str(result.one_off_amount_fen) == amount


def test_medical_trace_follows_the_order():
    result = run("medical", [person(50, dibao_recipient=True)], medical=bill())
    order = [
        t.step
        for t in result.trace
        if t.step
        in ("basic_insurance", "critical_illness", "other_insurance", "ratio", "annual_cap")
    ]
    assert order == [
        "basic_insurance",
        "critical_illness",
        "other_insurance",
        "ratio",
        "annual_cap",
    ]
    values = {t.step: t.value for t in result.trace}
    assert values["basic_insurance"] == "16000.00" and values["critical_illness"] == "10000.00"
    assert values["other_insurance"] == "8000.00" and values["ratio"] == "5600.00"


def test_medical_patient_is_the_indexed_member():
    result = run(
        "medical", [person(40), person(70, "parent", tekun_recipient=True)], medical=bill(patient=1)
    )
    assert [yuan_str(m.amount_fen) for m in result.members] == ["0.00", "5600.00"]


# --- disability subsidies ----------------------------------------------------------------------


def test_disability_living_subsidy():
    disabled = person(30, disability_type="physical", disability_grade=3)
    blind = person(60, "parent", disability_type="visual", disability_grade=1)
    assert (
        yuan_str(run("disability_living", [disabled], dibao_household=True).monthly_amount_fen)
        == "50.00"
    )
    # Two disabled members: 2 × 50 = 100.00.
    assert (
        yuan_str(
            run("disability_living", [disabled, blind], dibao_household=True).monthly_amount_fen
        )
        == "100.00"
    )
    assert codes(run("disability_living", [disabled])) == ["not_dibao_household"]
    assert codes(run("disability_living", [person(30)], dibao_household=True)) == [
        "no_disabled_member"
    ]
    # A disabled member serving a sentence is not in the household.
    prisoner = person(
        30, disability_type="physical", disability_grade=2, excluded_reason="prisoner"
    )
    assert codes(run("disability_living", [person(50), prisoner], dibao_household=True)) == [
        "no_disabled_member"
    ]


NURSING_CASES = [
    ("grade_1", person(30, disability_type="physical", disability_grade=1), {}, "100.00"),
    ("grade_2", person(30, disability_type="visual", disability_grade=2), {}, "50.00"),
    (
        "grade_3_intellectual_not_added",
        person(30, disability_type="intellectual", disability_grade=3),
        {},
        "0.00",
    ),
    (
        "grade_3_intellectual_added",
        person(30, disability_type="intellectual", disability_grade=3),
        {"disability_nursing.include_intellectual_mental_3_4": True},
        "50.00",
    ),
    (
        "grade_4_mental_added",
        person(30, disability_type="mental", disability_grade=4),
        {"disability_nursing.include_intellectual_mental_3_4": True},
        "50.00",
    ),
    (
        "grade_3_physical_never",
        person(30, disability_type="physical", disability_grade=3),
        {"disability_nursing.include_intellectual_mental_3_4": True},
        "0.00",
    ),
    (
        "no_long_term_care",
        person(30, disability_type="physical", disability_grade=1, needs_long_term_care=False),
        {},
        "0.00",
    ),
]


@pytest.mark.parametrize(
    "case_id, member, overrides, amount", NURSING_CASES, ids=[c[0] for c in NURSING_CASES]
)
def test_disability_nursing(case_id, member, overrides, amount):
    result = run("disability_nursing", [member], overrides)
    assert yuan_str(result.monthly_amount_fen) == amount
    assert result.eligible is (amount != "0.00")


# --- missing standards -------------------------------------------------------------------------


def test_missing_standard_is_an_error_not_a_zero():
    table = standards()
    del table["dibao_urban"]["standard"]
    with pytest.raises(rules.MissingStandard) as exc:
        rules.evaluate("dibao_urban", HouseholdFacts(members=(person(40),)), table)
    assert (exc.value.programme, exc.value.key) == ("dibao_urban", "standard")

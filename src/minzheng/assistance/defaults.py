"""Default statistics and standards: Jingmen's end-2015 figures where the plan gives them, and
marked defaults elsewhere. All of them are ordinary `Standard` rows an administrator can change.

Tags as in docs/DOMAIN.md (which states each rule and its source): [plan] from the 2016 Jingmen
plan or its sources; [local] a pattern seen in another locality; [assumed] a reasonable starting
value, not checked; [law] a national rule.

Effective date: 2016-01-01, the start of the plan (the end-2015 standards were in force then, and
the disability subsidies start that day under 国发〔2015〕52号).

Regions. The urban 低保 standard is 480 元 city-wide (the central city: 东宝, 掇刀) with county
rows of 400 元 for 京山, 沙洋 and 钟祥. The functional zones get explicit rows (漳河新区 480,
屈家岭管理区 400): resolution puts a zone between a township and its statutory county, so a
zone's figure applies to its member townships — today the same as their counties', but a later
zone-wide change needs one row instead of one per township.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from minzheng.core.money import fen

DEFAULT_EFFECTIVE = dt.date(2016, 1, 1)
DEFAULT_REASON = "系统默认参数（2015年末荆门标准及参考值），可由市局调整"
CITY, HUBEI = "420800", "420000"


@dataclass(frozen=True)
class DefaultStatistic:
    key: str
    region: str
    year: int
    value: Decimal
    source: str


@dataclass(frozen=True)
class DefaultStandard:
    programme: str
    key: str
    value: object = None
    derive_from: dict | None = None
    region: str = CITY
    effective_from: dt.date = DEFAULT_EFFECTIVE
    note: str = ""


_HUBEI_SOURCE = "湖北省统计公报（荆门市数据未单列，暂用全省数据）"
DEFAULT_STATISTICS = [
    DefaultStatistic(key, HUBEI, year, Decimal(value), _HUBEI_SOURCE)
    for key, figures in {
        "urban_consumption_per_capita": {2014: "16681", 2015: "18192"},
        "rural_consumption_per_capita": {2014: "8681", 2015: "9803"},
        "urban_disposable_income_per_capita": {2014: "24852", 2015: "27051"},
        "rural_disposable_income_per_capita": {2014: "10849", 2015: "11844"},
    }.items()
    for year, value in figures.items()
]

# Income types not counted as household income [local]: preferential-care pensions, old-age
# allowance, disability nursing subsidy, student grants, government awards, funeral grants.
DIBAO_EXCLUDED_INCOME = [
    "award",
    "disability_nursing",
    "funeral_grant",
    "old_age_allowance",
    "preferential_pension",
    "scholarship",
]
# For 特困 the basic pension is not counted either [law Art. 14 practice].
TEKUN_EXCLUDED_INCOME = DIBAO_EXCLUDED_INCOME + ["pension"]


def _dibao_rules(programme: str) -> list[DefaultStandard]:
    return [
        DefaultStandard(programme, key, value)
        for key, value in [
            ("income_excluded_types", DIBAO_EXCLUDED_INCOME),
            # 分类施保 [local]: a share of the monthly standard per vulnerable member; the highest
            # single category applies.
            ("uplift_elderly_age", 60),
            ("uplift_elderly_ratio", "0.10"),
            ("uplift_minor_age", 18),
            ("uplift_minor_ratio", "0.10"),
            ("uplift_severe_disability_max_grade", 2),
            ("uplift_severe_disability_ratio", "0.20"),
            ("uplift_serious_illness_ratio", "0.20"),
            # 按标施保 [assumed]: households assessed as in extreme hardship.
            ("full_standard_categories", ["extreme_hardship"]),
            # Property limits [local, Hubei pattern].
            ("any_car_disqualifies", False),
            ("car_value_limit", fen(80000)),
            ("max_homes", 1),
            ("non_residential_disqualifies", True),
            ("disqualifying_business_roles", ["employer", "legal_representative"]),
            ("financial_assets_months", 36),
        ]
    ]


DEFAULT_STANDARDS: list[DefaultStandard] = [
    # Urban 低保 [plan]: 480 元/month in the central city, 400 元 in the counties.
    DefaultStandard(
        "dibao_urban", "standard", fen(480), note="2015年末荆门中心城区城市低保标准480元/月"
    ),
    DefaultStandard(
        "dibao_urban",
        "standard",
        fen(400),
        region="420821",
        note="2015年末京山县城市低保标准400元/月",
    ),
    DefaultStandard(
        "dibao_urban",
        "standard",
        fen(400),
        region="420822",
        note="2015年末沙洋县城市低保标准400元/月",
    ),
    DefaultStandard(
        "dibao_urban",
        "standard",
        fen(400),
        region="420881",
        note="2015年末钟祥市城市低保标准400元/月",
    ),
    DefaultStandard(
        "dibao_urban",
        "standard",
        fen(480),
        region="4208Z1",
        note="漳河新区执行中心城区标准480元/月",
    ),
    DefaultStandard(
        "dibao_urban",
        "standard",
        fen(400),
        region="4208Z2",
        note="屈家岭管理区执行县市标准400元/月",
    ),
    # Rural 低保 [plan]: 2,800 元 a year.
    DefaultStandard("dibao_rural", "standard", fen(2800), note="2015年末荆门农村低保标准2800元/年"),
    *_dibao_rules("dibao_urban"),
    *_dibao_rules("dibao_rural"),
    # 特困 basic living: urban ≥ 1.3 × urban 低保 [assumed]; rural 五保 = 80 % of last year's rural
    # per-capita consumption [plan]. Care by self-care grade, yuan a year [local].
    DefaultStandard(
        "tekun",
        "basic_living_urban",
        derive_from={"programme": "dibao_urban", "key": "standard", "factor": "1.3"},
        note="城镇特困人员基本生活标准按城市低保标准的1.3倍",
    ),
    DefaultStandard(
        "tekun",
        "basic_living_rural",
        derive_from={
            "statistic": "rural_consumption_per_capita",
            "ratio": "0.8",
            "year_offset": -1,
        },
        note="规划：五保供养标准为上年农村居民人均消费支出的80%",
    ),
    *[
        DefaultStandard("tekun", key, value)
        for key, value in [
            ("care_self_care", fen(1500)),
            ("care_partial", fen(2500)),
            ("care_total", fen(5000)),
            ("self_care_partial_min_items", 1),
            ("self_care_total_min_items", 4),
            ("no_capacity_age", 60),
            ("no_capacity_minor_age", 16),
            ("no_capacity_intellectual_mental_max_grade", 2),
            ("no_capacity_physical_max_grade", 1),
            ("orphan_referral_age", 16),
            ("income_excluded_types", TEKUN_EXCLUDED_INCOME),
        ]
    ],
    # Temporary assistance: cap 3,000 元 per case [plan, 2015]; township approval up to 1,000 元
    # and emergency paperwork within 5 days [assumed].
    *[
        DefaultStandard("temporary", key, value)
        for key, value in [
            ("cap_emergency", fen(3000)),
            ("cap_expenditure", fen(3000)),
            ("township_approval_limit", fen(1000)),
            ("emergency_paperwork_days", 5),
        ]
    ],
    # Medical assistance: 70 % for key recipients [plan]; 50 % for others the county names and an
    # annual cap of 80,000 元 [assumed].
    *[
        DefaultStandard("medical", key, value)
        for key, value in [
            ("ratio_key", "0.70"),
            ("ratio_named", "0.50"),
            ("annual_cap", fen(80000)),
        ]
    ],
    # Disability subsidies [assumed amounts]: living 50 元/month for grades 1–4 in 低保 households;
    # nursing 100 / 50 元/month for grade 1 / 2; grade 3–4 intellectual and mental not included.
    DefaultStandard("disability_living", "amount", fen(50)),
    DefaultStandard("disability_living", "max_grade", 4),
    *[
        DefaultStandard("disability_nursing", key, value)
        for key, value in [
            ("max_grade", 2),
            ("amount_grade_1", fen(100)),
            ("amount_grade_2", fen(50)),
            ("include_intellectual_mental_3_4", False),
            ("amount_grade_3_4", fen(50)),
        ]
    ],
]


_WORKFLOW_NOTE = "办理流程默认参数（湖北省通行做法）"


def register_workflow_defaults(defaults: dict) -> None:
    """Seed the application workflow's deadlines and ratios for every assistance programme, so
    they show and can be changed like any standard. The cases module, which owns their defaults,
    registers them from its AppConfig.ready; this module never imports cases. Idempotent."""
    from .params import NO_WORKFLOW_CODES, PROGRAMME_CODES

    seen = {(d.programme, d.key) for d in DEFAULT_STANDARDS}
    for programme in PROGRAMME_CODES:
        if programme in NO_WORKFLOW_CODES:
            continue
        for key, value in defaults.items():
            if (programme, key) in seen:
                continue
            if isinstance(value, Fraction):
                value = f"{value.numerator}/{value.denominator}"
            DEFAULT_STANDARDS.append(DefaultStandard(programme, key, value, note=_WORKFLOW_NOTE))


def register_programme_defaults(values: dict[str, dict[str, object]], *, note: str) -> None:
    """Seed parameters another module owns, per programme (`{programme: {key: value}}`), e.g.
    verification's windows and lists, registered from that module's AppConfig.ready so this
    module never imports it. A (programme, key) already present keeps its first default.
    Idempotent."""
    seen = {(d.programme, d.key) for d in DEFAULT_STANDARDS}
    for programme, by_key in values.items():
        for key, value in by_key.items():
            if (programme, key) not in seen:
                DEFAULT_STANDARDS.append(DefaultStandard(programme, key, value, note=note))
                seen.add((programme, key))


# ---------------------------------------------------------------- elderly care (minzheng.eldercare)
# Old-age allowance (高龄津贴) [assumed amounts, Hubei pattern]: 80–89 50 元, 90–99 100 元,
# 100+ 300 元 a month, from the month of the birthday. Home-care service subsidy [assumed]:
# subsidised minutes a month by MZ/T 039 grade for 低保/特困 elderly (0 / 4 / 8 / 12 hours) and
# for others (0 / 2 / 4 / 6 hours), at most 20 元 an hour, from age 60.
DEFAULT_STANDARDS += [
    *[
        DefaultStandard(
            "old_age_allowance", key, value, note="高龄津贴默认参数（参考值），可由市局调整"
        )
        for key, value in [
            ("min_age", 80),
            ("band_2_age", 90),
            ("band_3_age", 100),
            ("amount_band_1", fen(50)),
            ("amount_band_2", fen(100)),
            ("amount_band_3", fen(300)),
            ("start_month_offset", 0),
        ]
    ],
    DefaultStandard(
        "home_care_subsidy", "min_age", 60, note="居家养老服务补贴默认参数（参考值），可由市局调整"
    ),
    DefaultStandard(
        "home_care_subsidy",
        "hourly_cap",
        fen(20),
        note="居家养老服务补贴默认参数（参考值），可由市局调整",
    ),
    *[
        DefaultStandard(
            "home_care_subsidy",
            f"minutes_{status}_grade_{grade}",
            hours * 60,
            note="居家养老服务补贴默认参数（参考值），可由市局调整",
        )
        for status, by_grade in {"assisted": (0, 4, 8, 12), "other": (0, 2, 4, 6)}.items()
        for grade, hours in enumerate(by_grade)
    ],
    DefaultStandard(
        "home_care_subsidy",
        "checkin_window_minutes",
        60,
        note="居家养老服务核验默认参数（参考值），可由市局调整",
    ),
    DefaultStandard(
        "home_care_subsidy",
        "min_duration_ratio",
        Decimal("0.5"),
        note="居家养老服务核验默认参数（参考值），可由市局调整",
    ),
    DefaultStandard(
        "home_care_subsidy",
        "location_tolerance_metres",
        500,
        note="居家养老服务核验默认参数（参考值），可由市局调整",
    ),
]
# ---------------------------------------------------------------- end of elderly care block

# ---------------------------------------------------------------- children (minzheng.children)
# Orphan basic living allowance (孤儿基本生活费) [local, assumed for Jingmen 2016]: 1,000 元 a
# month for an orphan raised in an institution, 600 元 for a dispersed orphan (Hubei's 2016
# minimums were of this order; confirm before relying on them).
DEFAULT_STANDARDS += [
    DefaultStandard(
        "orphan_allowance", key, value, note="孤儿基本生活费默认标准（参考值），可由市局调整"
    )
    for key, value in [("amount_institutional", fen(1000)), ("amount_dispersed", fen(600))]
]

# ---------------------------------------------------------------- special care (minzheng.specialcare)
# Periodic pensions and living allowances of special-care recipients (定期抚恤金、定期生活补助),
# national annual standards of the 2016 adjustment (民政部、财政部) as taken here [assumed: the
# figures are of the order of the 2016 national table and must be checked against the notice
# before relying on them]. Stored per person per year (元/年, in fen); the payroll pays
# annual ÷ 12 each month, rounded half up to the fen (specialcare.benefits.monthly_fen).
SPECIALCARE_DISABLED_2016 = {
    "war": (73540, 66190, 58840, 47810, 38240, 30880, 23530, 14710, 11030, 7350),
    "duty": (71330, 63980, 55890, 44870, 35300, 28680, 22060, 13230, 9560, 5880),
    "illness": (69120, 61770, 52950, 41920, 33090, 26470),
}
SPECIALCARE_OTHERS_2016 = {
    "martyr_family": 16110,
    "duty_death_family": 14950,
    "illness_death_family": 14210,
    "rural_veteran": 14010,
    "illness_veteran": 6410,
    "war_veteran": 6530,
    "test_veteran": 6530,
}
DEFAULT_STANDARDS += [
    DefaultStandard(
        "special_care_pension",
        f"disabled_{cause}_grade_{grade}",
        fen(amount),
        note="残疾抚恤金默认标准（2016年全国标准参考值），可由市局调整",
    )
    for cause, amounts in SPECIALCARE_DISABLED_2016.items()
    for grade, amount in enumerate(amounts, start=1)
] + [
    DefaultStandard(
        "special_care_pension",
        key,
        fen(amount),
        note="优抚对象定期抚恤补助默认标准（2016年全国标准参考值），可由市局调整",
    )
    for key, amount in SPECIALCARE_OTHERS_2016.items()
]
# Conscript-family benefit (义务兵家庭优待金) [assumed]: yearly per family, urban 8,000 元 and rural
# 5,000 元 (Hubei localities paid amounts of this order in 2016, tied to local incomes).
DEFAULT_STANDARDS += [
    DefaultStandard(
        "conscript_family_benefit",
        key,
        fen(amount),
        note="义务兵家庭优待金默认标准（参考值），可由市局调整",
    )
    for key, amount in [("amount_urban", 8000), ("amount_rural", 5000)]
]
# ---------------------------------------------------------------- end of special care block

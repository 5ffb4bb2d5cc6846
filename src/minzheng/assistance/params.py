"""The registry of programmes and of the parameters each programme's rules read.

Every local amount, ratio, limit and deadline is a parameter stored as a `Standard` row by
programme, region and effective date; this registry says which keys exist, what they mean and in
which unit they are stored, so that services can validate a new value and the UI can list and edit
them. Rules look parameters up by (programme, key) and never hold the figures themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _


class Unit:
    FEN_MONTH = "fen_month"  # money per person (or household) per month, stored in fen
    FEN_YEAR = "fen_year"  # money per person per year, stored in fen
    FEN = "fen"  # an amount or limit, stored in fen
    RATIO = "ratio"  # a decimal fraction, stored as a string ("0.70")
    COUNT = "count"
    YEARS = "years"  # an age in completed years
    DAYS = "days"
    MONTHS = "months"  # a number of calendar months (a look-back window)
    FLAG = "flag"  # true / false
    SET = "set"  # a list of codes from the parameter's choices
    MINUTES = "minutes"
    METRES = "metres"

    MONEY = {FEN_MONTH, FEN_YEAR, FEN}
    INTEGER = {COUNT, YEARS, DAYS, MONTHS, MINUTES, METRES}
    LABELS = {
        FEN_MONTH: _("元/月"),
        FEN_YEAR: _("元/年"),
        FEN: _("元"),
        RATIO: _("比例"),
        COUNT: _("个"),
        YEARS: _("周岁"),
        DAYS: _("天"),
        MONTHS: _("个月"),
        FLAG: _("是/否"),
        SET: _("选项"),
        MINUTES: _("分钟"),
        METRES: _("米"),
    }


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    name: str  # Chinese, marked for the catalogue: show it through gettext (payments_tags.programme_name)
    kind: str  # "monthly" (a monthly entitlement) or "one_off"


PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec("dibao_urban", gettext_noop("城市最低生活保障"), "monthly"),
    ProgrammeSpec("dibao_rural", gettext_noop("农村最低生活保障"), "monthly"),
    ProgrammeSpec("tekun", gettext_noop("特困人员救助供养"), "monthly"),
    ProgrammeSpec("temporary", gettext_noop("临时救助"), "one_off"),
    ProgrammeSpec("medical", gettext_noop("医疗救助"), "one_off"),
    ProgrammeSpec("disability_living", gettext_noop("困难残疾人生活补贴"), "monthly"),
    ProgrammeSpec("disability_nursing", gettext_noop("重度残疾人护理补贴"), "monthly"),
)

# ---------------------------------------------------------------- elderly care (minzheng.eldercare)
# Programmes of the elderly-care module: the old-age allowance (paid monthly by the payroll) and
# the home-care service subsidy (settled per provider). They have standards like any programme
# but go through no application workflow, so they carry no workflow parameters.
ELDERCARE_PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec("old_age_allowance", gettext_noop("高龄津贴"), "monthly"),
    ProgrammeSpec("home_care_subsidy", gettext_noop("居家养老服务补贴"), "one_off"),
)
ELDERCARE_PROGRAMME_CODES = tuple(p.code for p in ELDERCARE_PROGRAMMES)
PROGRAMMES = PROGRAMMES + ELDERCARE_PROGRAMMES
# ---------------------------------------------------------------- end of elderly care block
# ---------------------------------------------------------------- children (minzheng.children)
# The orphan basic living allowance (孤儿基本生活费, docs/DOMAIN.md §6.1), paid monthly by the
# payroll to orphans the county confirmed; no application workflow, so no workflow parameters.
CHILDREN_PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec("orphan_allowance", gettext_noop("孤儿基本生活费"), "monthly"),
)
PROGRAMMES = PROGRAMMES + CHILDREN_PROGRAMMES
# Programmes that carry no application-workflow parameters.
NO_WORKFLOW_CODES = ELDERCARE_PROGRAMME_CODES + tuple(p.code for p in CHILDREN_PROGRAMMES)
# ---------------------------------------------------------------- end of children block
# ---------------------------------------------------------------- special care (minzheng.specialcare)
# Periodic pensions and living allowances of special-care recipients (定期抚恤金、定期生活补助),
# paid monthly by the payroll, and the yearly conscript-family benefit (义务兵家庭优待金), paid as
# one-off payables; standards only, no application workflow (the county confirms).
SPECIALCARE_PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec("special_care_pension", gettext_noop("优抚对象定期抚恤补助"), "monthly"),
    ProgrammeSpec("conscript_family_benefit", gettext_noop("义务兵家庭优待金"), "one_off"),
)
PROGRAMMES = PROGRAMMES + SPECIALCARE_PROGRAMMES
NO_WORKFLOW_CODES = NO_WORKFLOW_CODES + tuple(p.code for p in SPECIALCARE_PROGRAMMES)
# ---------------------------------------------------------------- end of special care block

PROGRAMME_CODES = tuple(p.code for p in PROGRAMMES)
PROGRAMME_BY_CODE = {p.code: p for p in PROGRAMMES}


def register_paid_programme(spec: ProgrammeSpec) -> None:
    """A programme of another module paid through the one-off payables (disaster relief, …): named
    wherever a programme code is shown, with no standards or application workflow here. Called
    from that module's AppConfig.ready()."""
    PROGRAMME_BY_CODE.setdefault(spec.code, spec)


# Choice sets used by set-valued parameters and by the quote input.
INCOME_TYPES = {
    "wage": _("工资性收入"),
    "business": _("家庭经营净收入"),
    "property": _("财产性收入"),
    "transfer": _("转移性收入"),
    "support": _("赡养（抚养、扶养）费"),
    "pension": _("养老金"),
    "preferential_pension": _("优抚对象抚恤金和补助"),
    "old_age_allowance": _("高龄津贴"),
    "disability_nursing": _("重度残疾人护理补贴"),
    "scholarship": _("助学金"),
    "award": _("政府奖励"),
    "funeral_grant": _("丧葬补助"),
}
BUSINESS_ROLES = {
    "legal_representative": _("企业法定代表人"),
    "shareholder": _("企业股东"),
    "self_employed": _("个体工商户"),
    "employer": _("雇用他人从事经营"),
}
FULL_STANDARD_CATEGORIES = {
    "extreme_hardship": _("经认定的特殊困难家庭"),
    "all_vulnerable": _("全部成员均为老年人、未成年人、重度残疾人或重病患者"),
}


@dataclass(frozen=True)
class ParamSpec:
    key: str
    label: str
    unit: str
    description: str = ""
    choices: dict | None = None

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": str(self.label),
            "unit": self.unit,
            "unit_label": str(Unit.LABELS[self.unit]),
            "description": str(self.description),
            "choices": [
                {"code": c, "label": str(label)} for c, label in (self.choices or {}).items()
            ],
        }


def _dibao_params(standard_unit: str) -> list[ParamSpec]:
    return [
        ParamSpec(
            "standard",
            _("低保标准"),
            standard_unit,
            _("城市低保按月、农村低保按年计；农村标准除以12折算为月标准"),
        ),
        ParamSpec(
            "income_excluded_types",
            _("不计入家庭收入的项目"),
            Unit.SET,
            _("所列收入类型不计入家庭收入"),
            INCOME_TYPES,
        ),
        ParamSpec(
            "uplift_elderly_age",
            _("分类施保：老年人年龄"),
            Unit.YEARS,
            _("年满此年龄的成员按老年人增发"),
        ),
        ParamSpec(
            "uplift_elderly_ratio",
            _("分类施保：老年人增发比例"),
            Unit.RATIO,
            _("按月低保标准的比例增发"),
        ),
        ParamSpec(
            "uplift_minor_age",
            _("分类施保：未成年人年龄上限"),
            Unit.YEARS,
            _("未满此年龄的成员按未成年人增发"),
        ),
        ParamSpec("uplift_minor_ratio", _("分类施保：未成年人增发比例"), Unit.RATIO),
        ParamSpec(
            "uplift_severe_disability_max_grade",
            _("分类施保：重度残疾等级"),
            Unit.COUNT,
            _("残疾等级不高于此等级（1级最重）的成员按重度残疾人增发"),
        ),
        ParamSpec("uplift_severe_disability_ratio", _("分类施保：重度残疾人增发比例"), Unit.RATIO),
        ParamSpec("uplift_serious_illness_ratio", _("分类施保：重病患者增发比例"), Unit.RATIO),
        ParamSpec(
            "full_standard_categories",
            _("按标施保类别"),
            Unit.SET,
            _("属于所列类别的家庭按低保标准全额发放"),
            FULL_STANDARD_CATEGORIES,
        ),
        ParamSpec(
            "any_car_disqualifies",
            _("拥有机动车即不符合条件"),
            Unit.FLAG,
            _("是：拥有任何非残疾人功能性补偿代步车即不符合；否：仅价值超过限额时不符合"),
        ),
        ParamSpec(
            "car_value_limit",
            _("机动车价值限额"),
            Unit.FEN,
            _("非残疾人代步车价值超过此数即不符合"),
        ),
        ParamSpec("max_homes", _("住房套数上限"), Unit.COUNT, _("家庭拥有住房超过此套数即不符合")),
        ParamSpec("non_residential_disqualifies", _("拥有非居住类房产即不符合"), Unit.FLAG),
        ParamSpec(
            "disqualifying_business_roles",
            _("不符合条件的经营身份"),
            Unit.SET,
            _("家庭成员具有所列身份之一即不符合"),
            BUSINESS_ROLES,
        ),
        ParamSpec(
            "financial_assets_months",
            _("人均金融资产限额（月数）"),
            Unit.COUNT,
            _("人均金融资产超过月低保标准的此倍数即不符合"),
        ),
    ]


REGISTRY: dict[str, dict[str, ParamSpec]] = {
    "dibao_urban": {p.key: p for p in _dibao_params(Unit.FEN_MONTH)},
    "dibao_rural": {p.key: p for p in _dibao_params(Unit.FEN_YEAR)},
    "tekun": {
        p.key: p
        for p in [
            ParamSpec(
                "basic_living_urban",
                _("城镇特困人员基本生活标准"),
                Unit.FEN_MONTH,
                _("不低于城市低保标准的1.3倍"),
            ),
            ParamSpec(
                "basic_living_rural",
                _("农村特困人员（五保）基本生活标准"),
                Unit.FEN_YEAR,
                _("规划：上年农村居民人均消费支出的80%"),
            ),
            ParamSpec("care_self_care", _("照料护理标准：生活自理"), Unit.FEN_YEAR),
            ParamSpec("care_partial", _("照料护理标准：部分丧失生活自理能力"), Unit.FEN_YEAR),
            ParamSpec("care_total", _("照料护理标准：完全丧失生活自理能力"), Unit.FEN_YEAR),
            ParamSpec(
                "self_care_partial_min_items",
                _("部分丧失自理：不能自理项目数下限"),
                Unit.COUNT,
                _("六项指标中不能自理的项目达到此数为部分丧失"),
            ),
            ParamSpec(
                "self_care_total_min_items",
                _("完全丧失自理：不能自理项目数下限"),
                Unit.COUNT,
                _("六项指标中不能自理的项目达到此数为完全丧失"),
            ),
            ParamSpec(
                "no_capacity_age",
                _("无劳动能力：年龄下限"),
                Unit.YEARS,
                _("年满此年龄视为无劳动能力"),
            ),
            ParamSpec(
                "no_capacity_minor_age",
                _("无劳动能力：未成年年龄上限"),
                Unit.YEARS,
                _("未满此年龄视为无劳动能力"),
            ),
            ParamSpec(
                "no_capacity_intellectual_mental_max_grade",
                _("无劳动能力：智力、精神残疾等级"),
                Unit.COUNT,
            ),
            ParamSpec(
                "no_capacity_physical_max_grade",
                _("无劳动能力：肢体（含多重）残疾等级"),
                Unit.COUNT,
            ),
            ParamSpec(
                "orphan_referral_age",
                _("转孤儿保障的年龄上限"),
                Unit.YEARS,
                _("未满此年龄的，纳入孤儿保障而非特困供养"),
            ),
            ParamSpec(
                "income_excluded_types",
                _("不计入收入的项目"),
                Unit.SET,
                _("基本养老金、高龄津贴等不计入"),
                INCOME_TYPES,
            ),
        ]
    },
    "temporary": {
        p.key: p
        for p in [
            ParamSpec("cap_emergency", _("急难型临时救助上限"), Unit.FEN, _("每次救助金额上限")),
            ParamSpec("cap_expenditure", _("支出型临时救助上限"), Unit.FEN, _("每次救助金额上限")),
            ParamSpec(
                "township_approval_limit",
                _("乡镇审批金额上限"),
                Unit.FEN,
                _("不超过此金额的可委托乡镇（街道）审批，超过的由县级审批"),
            ),
            ParamSpec(
                "emergency_paperwork_days",
                _("急难型补办手续期限"),
                Unit.DAYS,
                _("先行救助后补齐审批手续的期限"),
            ),
        ]
    },
    "medical": {
        p.key: p
        for p in [
            ParamSpec(
                "ratio_key",
                _("重点救助对象救助比例"),
                Unit.RATIO,
                _("低保对象、特困人员政策范围内自付费用的救助比例"),
            ),
            ParamSpec(
                "ratio_named",
                _("其他救助对象救助比例"),
                Unit.RATIO,
                _("县级人民政府确定的其他困难人员"),
            ),
            ParamSpec("annual_cap", _("年度救助限额"), Unit.FEN, _("每人每年医疗救助累计金额上限")),
        ]
    },
    "disability_living": {
        p.key: p
        for p in [
            ParamSpec("amount", _("生活补贴标准"), Unit.FEN_MONTH),
            ParamSpec(
                "max_grade",
                _("享受生活补贴的残疾等级"),
                Unit.COUNT,
                _("残疾等级不高于此等级的低保家庭残疾人"),
            ),
        ]
    },
    "disability_nursing": {
        p.key: p
        for p in [
            ParamSpec(
                "max_grade",
                _("享受护理补贴的残疾等级"),
                Unit.COUNT,
                _("残疾等级不高于此等级且需长期照护"),
            ),
            ParamSpec("amount_grade_1", _("一级残疾护理补贴"), Unit.FEN_MONTH),
            ParamSpec("amount_grade_2", _("二级残疾护理补贴"), Unit.FEN_MONTH),
            ParamSpec(
                "include_intellectual_mental_3_4", _("三、四级智力和精神残疾纳入"), Unit.FLAG
            ),
            ParamSpec("amount_grade_3_4", _("三、四级智力和精神残疾护理补贴"), Unit.FEN_MONTH),
        ]
    },
}

# Workflow deadlines, ratios and limits (read by minzheng.cases.params.workflow_param, which
# holds their defaults): settable per programme, region and date like any other standard.
WORKFLOW_PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec("workflow.acceptance_working_days", _("受理时限（工作日）"), Unit.DAYS),
    ParamSpec("workflow.verification_working_days", _("信息核对时限（工作日）"), Unit.DAYS),
    ParamSpec("workflow.investigation_days", _("入户调查时限（天）"), Unit.DAYS),
    ParamSpec("workflow.appraisal_working_days", _("民主评议时限（工作日）"), Unit.DAYS),
    ParamSpec("workflow.township_review_working_days", _("乡镇审核时限（工作日）"), Unit.DAYS),
    ParamSpec("workflow.publicity_days", _("公示期（天）"), Unit.DAYS),
    ParamSpec("workflow.county_approval_working_days", _("县级审批时限（工作日）"), Unit.DAYS),
    ParamSpec("workflow.objection_working_days", _("异议处理时限（工作日）"), Unit.DAYS),
    ParamSpec(
        "workflow.emergency_paperwork_working_days", _("急难救助补办手续时限（工作日）"), Unit.DAYS
    ),
    ParamSpec(
        "workflow.spot_check_ratio",
        _("县级入户抽查比例"),
        Unit.RATIO,
        _("如 0.30；近亲属备案的申请全部抽查"),
    ),
    ParamSpec(
        "workflow.appraisal_quorum_ratio", _("民主评议到会比例"), Unit.RATIO, _("可写分数，如 2/3")
    ),
    ParamSpec(
        "workflow.appraisal_approval_ratio",
        _("民主评议通过比例"),
        Unit.RATIO,
        _("可写分数，如 2/3"),
    ),
    ParamSpec("workflow.min_investigators", _("入户调查最少人数"), Unit.COUNT),
    ParamSpec("workflow.township_delegation_limit_fen", _("乡镇先行救助金额上限"), Unit.FEN),
)
# ---------------------------------------------------------------- elderly care (minzheng.eldercare)
REGISTRY["old_age_allowance"] = {
    p.key: p
    for p in [
        ParamSpec(
            "min_age",
            _("享受高龄津贴的年龄"),
            Unit.YEARS,
            _("年满此年龄的户籍老年人纳入高龄津贴（第一档）"),
        ),
        ParamSpec(
            "band_2_age", _("第二档起始年龄"), Unit.YEARS, _("年满此年龄按第二档发放，如 90 周岁")
        ),
        ParamSpec(
            "band_3_age", _("第三档起始年龄"), Unit.YEARS, _("年满此年龄按第三档发放，如 100 周岁")
        ),
        ParamSpec("amount_band_1", _("第一档津贴标准"), Unit.FEN_MONTH, _("如 80–89 周岁")),
        ParamSpec("amount_band_2", _("第二档津贴标准"), Unit.FEN_MONTH, _("如 90–99 周岁")),
        ParamSpec("amount_band_3", _("第三档津贴标准"), Unit.FEN_MONTH, _("如 100 周岁及以上")),
        ParamSpec(
            "start_month_offset",
            _("起发月份"),
            Unit.COUNT,
            _("0：自满龄（生日）当月起发；1：自满龄次月起发"),
        ),
    ]
}
HOME_CARE_INCOME_STATUSES = {"assisted": _("低保、特困对象"), "other": _("其他老年人")}
REGISTRY["home_care_subsidy"] = {
    p.key: p
    for p in [
        ParamSpec("min_age", _("享受居家养老服务补贴的年龄"), Unit.YEARS),
        *[
            ParamSpec(
                f"minutes_{status}_grade_{grade}",
                format_lazy(
                    _("每月补贴服务时长（分钟）：{status}，能力等级{grade}"),
                    status=label,
                    grade=grade,
                ),
                Unit.COUNT,
                _(
                    "按 MZ/T 039 能力等级（0 能力完好 … 3 重度失能）和收入状况，每月由政府补贴的服务时长"
                ),
            )
            for status, label in HOME_CARE_INCOME_STATUSES.items()
            for grade in range(4)
        ],
        ParamSpec(
            "hourly_cap",
            _("每小时补贴上限"),
            Unit.FEN,
            _("补贴时长内按服务价格补贴，每小时不超过此数；其余由个人自付"),
        ),
        # Proof that a service happened: check-in near the booked time, a plausible stay, the place.
        ParamSpec(
            "checkin_window_minutes",
            _("签到时间允许偏差"),
            Unit.MINUTES,
            _(
                "服务人员只能在预约时间前后此分钟数内签到；签退晚于预约时段结束加此分钟数的，暂缓结算待复核"
            ),
        ),
        ParamSpec(
            "min_duration_ratio",
            _("最短服务时长比例"),
            Unit.RATIO,
            _("按小时、按次计价的服务，实际服务时长不足预约时长乘此比例的，暂缓结算待复核"),
        ),
        ParamSpec(
            "location_tolerance_metres",
            _("签到位置允许偏差"),
            Unit.METRES,
            _("签到、签退上报位置与服务地址（或彼此）相距超过此米数的，暂缓结算待复核"),
        ),
    ]
}
# ---------------------------------------------------------------- end of elderly care block
# ---------------------------------------------------------------- children (minzheng.children)
REGISTRY["orphan_allowance"] = {
    p.key: p
    for p in [
        ParamSpec(
            "amount_institutional",
            _("机构养育孤儿基本生活费"),
            Unit.FEN_MONTH,
            _("福利机构集中养育的孤儿，每人每月"),
        ),
        ParamSpec(
            "amount_dispersed",
            _("散居孤儿基本生活费"),
            Unit.FEN_MONTH,
            _("由亲属或其他监护人抚养的散居孤儿，每人每月"),
        ),
    ]
}
# ---------------------------------------------------------------- end of children block
# ---------------------------------------------------------------- special care (minzheng.specialcare)
SPECIALCARE_CAUSES = {"war": _("因战"), "duty": _("因公"), "illness": _("因病")}
# Disabled veterans disabled by illness receive a pension at grades 1–6 only [law].
SPECIALCARE_GRADES = {"war": range(1, 11), "duty": range(1, 11), "illness": range(1, 7)}
REGISTRY["special_care_pension"] = {
    p.key: p
    for p in [
        *[
            ParamSpec(
                f"disabled_{cause}_grade_{grade}",
                format_lazy(_("残疾军人残疾抚恤金：{cause}{grade}级"), cause=label, grade=grade),
                Unit.FEN_YEAR,
                _("每人每年；按月发放时除以12，四舍五入到分"),
            )
            for cause, label in SPECIALCARE_CAUSES.items()
            for grade in SPECIALCARE_GRADES[cause]
        ],
        ParamSpec("martyr_family", _("烈士遗属定期抚恤金"), Unit.FEN_YEAR, _("每人每年")),
        ParamSpec(
            "duty_death_family", _("因公牺牲军人遗属定期抚恤金"), Unit.FEN_YEAR, _("每人每年")
        ),
        ParamSpec(
            "illness_death_family", _("病故军人遗属定期抚恤金"), Unit.FEN_YEAR, _("每人每年")
        ),
        ParamSpec("rural_veteran", _("在乡复员军人定期生活补助"), Unit.FEN_YEAR, _("每人每年")),
        ParamSpec(
            "illness_veteran", _("带病回乡退伍军人定期生活补助"), Unit.FEN_YEAR, _("每人每年")
        ),
        ParamSpec("war_veteran", _("参战退役人员定期生活补助"), Unit.FEN_YEAR, _("每人每年")),
        ParamSpec("test_veteran", _("参试退役人员定期生活补助"), Unit.FEN_YEAR, _("每人每年")),
    ]
}
REGISTRY["conscript_family_benefit"] = {
    p.key: p
    for p in [
        ParamSpec("amount_urban", _("城镇义务兵家庭优待金"), Unit.FEN_YEAR, _("每户每年")),
        ParamSpec("amount_rural", _("农村义务兵家庭优待金"), Unit.FEN_YEAR, _("每户每年")),
    ]
}
# ---------------------------------------------------------------- end of special care block

for _code, _programme_params in REGISTRY.items():
    if _code not in NO_WORKFLOW_CODES:
        _programme_params.update({p.key: p for p in WORKFLOW_PARAMS})

STATISTIC_KEYS = {
    "urban_consumption_per_capita": _("城镇常住居民人均消费支出"),
    "rural_consumption_per_capita": _("农村常住居民人均消费支出"),
    "urban_disposable_income_per_capita": _("城镇常住居民人均可支配收入"),
    "rural_disposable_income_per_capita": _("农村常住居民人均可支配收入"),
}
# Statistics are yearly per-capita figures in yuan.
STATISTIC_UNIT = "yuan_year"

ROUNDING_RULES = {
    "fen": _("四舍五入到分"),
    "yuan": _("四舍五入到元"),
    "yuan_up": _("向上取整到元"),
    "ten_yuan_up": _("向上取整到十元"),
}
ROUNDING_STEPS = {
    "fen": (1, False),
    "yuan": (100, False),
    "yuan_up": (100, True),
    "ten_yuan_up": (1000, True),
}


def register(programmes, specs) -> None:
    """Add parameters another module reads (e.g. verification's required sources) to the listed
    programmes, so they are set, validated and listed like any other standard."""
    for code in programmes:
        REGISTRY[code].update({spec.key: spec for spec in specs})


def spec_for(programme: str, key: str) -> ParamSpec | None:
    return REGISTRY.get(programme, {}).get(key)


def normalise_value(spec: ParamSpec, raw):
    """The stored form of a value for the parameter's unit, or ValueError with a user message.
    Money units take fen (int); ratios a Decimal or string; sets a list of choice codes."""
    unit = spec.unit
    if unit in Unit.MONEY or unit in Unit.INTEGER:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise ValueError(gettext("应为非负整数"))
        return raw
    if unit == Unit.RATIO:
        if isinstance(raw, str) and "/" in raw:
            # An exact fraction ("2/3"): a decimal would make 6 of 9 miss a two-thirds quorum.
            try:
                exact = Fraction(raw.replace(" ", ""))
            except (ValueError, ZeroDivisionError):
                raise ValueError(gettext("应为小数形式的比例，如 0.70")) from None
            if exact < 0 or exact > 100:
                raise ValueError(gettext("比例应在 0 到 100 之间"))
            return f"{exact.numerator}/{exact.denominator}"
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise ValueError(gettext("应为小数形式的比例，如 0.70")) from None
        if isinstance(raw, bool) or not value.is_finite() or value < 0 or value > 100:
            raise ValueError(gettext("比例应在 0 到 100 之间"))
        return format(value.normalize(), "f")
    if unit == Unit.FLAG:
        if not isinstance(raw, bool):
            raise ValueError(gettext("应为是或否"))
        return raw
    if unit == Unit.SET:
        if isinstance(raw, str) or not isinstance(raw, (list, tuple, set, frozenset)):
            raise ValueError(gettext("应为选项列表"))
        unknown = [c for c in raw if c not in (spec.choices or {})]
        if unknown:
            raise ValueError(
                gettext("无效选项：%(codes)s") % {"codes": "、".join(map(str, unknown))}
            )
        return sorted(set(raw))
    raise ValueError(unit)


def from_display(spec: ParamSpec, raw):
    """An interface value (money in yuan, e.g. "480.00") in the stored unit (fen), or ValueError."""
    if spec.unit in Unit.MONEY:
        from minzheng.core.money import yuan_to_fen

        if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
            raise ValueError(gettext("应为金额（元），最多两位小数"))
        try:
            value = yuan_to_fen(str(raw))
        except ValueError:
            raise ValueError(gettext("应为金额（元），最多两位小数")) from None
        if value < 0:
            raise ValueError(gettext("金额不能为负数"))
        return value
    if spec.unit in Unit.INTEGER and isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return raw

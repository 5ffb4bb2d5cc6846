"""The indicator registry: every measure a target can be bound to, defined once in code.

An indicator has a code, a Chinese name, a definition shown to users, a unit, and one of three
ways of getting its value for a region on a date:

- computed: a function registered with `@computes(code, ...)` that answers for ALL regions at once
  (one or a few aggregate queries, rolled up the tree through `Region.path`), never one query per
  region;
- derived: a ratio of two other indicators (e.g. beds per 1,000 elderly = beds ÷ people 60+ ×
  1,000), evaluated from the snapshot values of its parts, so it is computed as soon as both parts
  have values, whichever way each part is obtained;
- reported: units report the value each period with evidence, and the level above approves it.

Targets reference indicators by code only. An indicator switches from reported to computed when
a compute function is registered for its code: in this module, or in the module that owns the
data, in that app's `indicators.py` (loaded automatically), e.g.::

    # minzheng/assistance/indicators.py
    from minzheng.targets.indicators import computes

    @computes("dibao_urban_standard_ratio")
    def urban_standard_ratio(regions, on_date):
        ...  # -> {region_code: Decimal}

A compute function may be guarded by `available=` (a callable), so that it only becomes active
when the models it reads exist.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

# How a target on the indicator rolls up and cascades down the hierarchy.
SUM = "sum"  # additive amounts: children's values add up to the parent's
RATE = "rate"  # ratios and levels: every child is held to the parent's threshold

# What the expected attainment is on a date before the deadline.
PACE_LINEAR = "linear"  # the elapsed share of the period up to the deadline
PACE_MILESTONE = "milestone"  # done or not: nothing is expected before the deadline
PACE_IMMEDIATE = "immediate"  # must hold all the time (zero violations)

# Whether a reported value carries over from one year to the next.
STOCK = "stock"  # a level on a date (beds, records entered, coverage)
YEAR = "year"  # a flow counted from 1 January (centres built this year, sales)

Values = dict[str, Decimal]
ComputeFunc = Callable[[list, dt.date], dict]


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    definition: str
    group: str
    aggregation: str = RATE
    pace: str = PACE_LINEAR
    period: str = STOCK
    # (numerator code, denominator code, scale) for derived indicators.
    ratio: tuple[str, str, int] | None = None
    # The module that will compute a reported indicator once it exists; shown to users.
    future_source: str = ""
    # (low, high), either None for open: a value outside is a data anomaly for the unit to
    # explain, never an achievement (see refresh.evaluate_plan).
    plausible: tuple[Decimal | None, Decimal | None] = (Decimal(0), None)
    # A count that grows with the population (beds, new centres): the demo city, smaller than
    # Jingmen, gets its target scaled down (targets/demo.py). Counts of regions of the full
    # region tree (communities, villages) and registers the demo builds at the city's scale
    # (social organisations) keep the plan's figure.
    per_population: bool = True

    def is_plausible(self, value: Decimal) -> bool:
        low, high = self.plausible
        return (low is None or value >= low) and (high is None or value <= high)

    @property
    def plausible_label(self) -> str:
        low, high = self.plausible
        if high is None:
            return f"≥ {low.normalize():f}" if low is not None else ""
        return f"{(low if low is not None else Decimal(0)).normalize():f} – {high.normalize():f}"

    @property
    def is_milestone(self) -> bool:
        return self.pace == PACE_MILESTONE

    @property
    def kind(self) -> str:
        if self.ratio:
            return "derived"
        return "computed" if compute_spec(self.code) is not None else "reported"

    @property
    def kind_label(self) -> str:
        if self.kind == "derived" and reported_inputs(self.code):
            # its parts are reported by units, so it can be overdue like a reported figure
            return _("派生计算（依据单位填报）")
        return {"derived": _("派生计算"), "computed": _("平台自动计算"), "reported": _("单位填报")}[
            self.kind
        ]


@dataclass(frozen=True)
class ComputeSpec:
    codes: tuple[str, ...]
    func: ComputeFunc
    available: Callable[[], bool] = field(default=lambda: True)


_INDICATORS: dict[str, Indicator] = {}
_COMPUTE: dict[str, ComputeSpec] = {}
_UNIT_COMPUTE: dict[str, Callable[[dt.date], dict[int, Decimal | None]]] = {}
_plugins_loaded = False


PERCENT_RANGE = (Decimal(0), Decimal(100))


def define(code, name, unit, definition, group, **options) -> Indicator:
    if "plausible" not in options:
        # A share can only lie between 0 and 100 %; a count or amount is never negative.
        options["plausible"] = PERCENT_RANGE if unit == "%" else (Decimal(0), None)
    indicator = Indicator(
        code=code, name=name, unit=unit, definition=definition, group=group, **options
    )
    _INDICATORS[code] = indicator
    return indicator


def computes(*codes: str, available: Callable[[], bool] | None = None):
    """Register a set-based compute function for one or more indicator codes.

    With one code, `func(regions, on_date)` returns {region_code: value}; with several, it returns
    {indicator_code: {region_code: value}}. `regions` are all Region rows being refreshed (zones
    included, with `members` prefetched).
    """

    def decorate(func):
        spec = ComputeSpec(codes=tuple(codes), func=func, available=available or (lambda: True))
        for code in codes:
            _COMPUTE[code] = spec
        return func

    return decorate


def computes_for_units(code: str):
    """Register how a computed indicator measures a unit (`units.Unit`) that holds a share of a
    target on it: `func(on_date)` returns {unit id: value}. An indicator without one can be held
    by a unit only when the unit reports it."""

    def decorate(func):
        _UNIT_COMPUTE[code] = func
        return func

    return decorate


def unit_compute(code: str) -> Callable[[dt.date], dict[int, Decimal | None]] | None:
    _load_plugins()
    return _UNIT_COMPUTE.get(code) if compute_spec(code) is not None else None


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for app in apps.get_app_configs():
        if (
            app.name.startswith("minzheng.")
            and app.name != "minzheng.targets"
            and find_spec(f"{app.name}.indicators")
        ):
            import_module(f"{app.name}.indicators")


def compute_spec(code: str) -> ComputeSpec | None:
    _load_plugins()
    spec = _COMPUTE.get(code)
    if spec is None or not spec.available():
        return None
    return spec


def get(code: str) -> Indicator:
    return _INDICATORS[code]


def exists(code: str) -> bool:
    return code in _INDICATORS


def all_indicators() -> list[Indicator]:
    _load_plugins()
    return list(_INDICATORS.values())


def ratio_parts(code: str) -> list[str]:
    """The base (non-derived) indicators a value depends on, depth first."""
    indicator = _INDICATORS[code]
    if not indicator.ratio:
        return [code]
    numerator, denominator, _scale = indicator.ratio
    return ratio_parts(numerator) + ratio_parts(denominator)


def reported_inputs(code: str) -> list[str]:
    """The reported indicators whose reports a target on `code` waits for."""
    return [c for c in ratio_parts(code) if _INDICATORS[c].kind == "reported"]


def evaluation_order() -> list[Indicator]:
    """Computed and reported indicators first, then derived ones after their parts."""
    ordered: list[Indicator] = []
    seen: set[str] = set()

    def visit(indicator: Indicator):
        if indicator.code in seen:
            return
        if indicator.ratio:
            visit(_INDICATORS[indicator.ratio[0]])
            visit(_INDICATORS[indicator.ratio[1]])
        seen.add(indicator.code)
        ordered.append(indicator)

    for indicator in all_indicators():
        visit(indicator)
    return ordered


# ------------------------------------------------------------------------------ roll-up helpers


def years_before(on_date: dt.date, years: int) -> dt.date:
    """The latest birth date of someone who is `years` old on `on_date` (29 Feb → 28 Feb)."""
    try:
        return on_date.replace(year=on_date.year - years)
    except ValueError:
        return on_date.replace(year=on_date.year - years, day=28)


def rollup_sum(
    counts_by_region_id: dict[int, int | Decimal], regions: Iterable
) -> dict[str, Decimal]:
    """Add counts held at any level up through every ancestor (by path), then give each
    functional zone the sum of its member units. Every region gets a value (zero if none)."""
    regions = list(regions)
    path_by_id = {r.pk: r.path for r in regions}
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for region_id, count in counts_by_region_id.items():
        path = path_by_id.get(region_id)
        if path is None:
            continue
        for code in path.strip("/").split("/"):
            totals[code] += Decimal(count)
    for region in regions:
        if region.is_zone:
            totals[region.code] = sum(
                (totals.get(m.code, Decimal(0)) for m in region.members.all()), Decimal(0)
            )
    return {r.code: totals.get(r.code, Decimal(0)) for r in regions}


def rollup_rate(
    numerators_by_region_id: dict[int, int], denominators_by_region_id: dict[int, int], regions
) -> dict[str, Decimal]:
    """numerator ÷ denominator × 100 of every region, each side rolled up by `rollup_sum`; a
    region whose denominator is zero has no value (nothing to measure), not 0 %."""
    regions = list(regions)
    top = rollup_sum(numerators_by_region_id, regions)
    bottom = rollup_sum(denominators_by_region_id, regions)
    return {code: top[code] / total * Decimal(100) for code, total in bottom.items() if total > 0}


# ------------------------------------------------------------------------------ computed: registry


@computes("pop_total", "pop_60_plus", "pop_80_plus", "pop_community", "deaths_ytd")
def population(regions, on_date: dt.date) -> dict[str, Values]:
    """One GROUP BY over the registry by place of household registration, rolled up."""
    from minzheng.people.models import Person

    alive = Q(death_date__isnull=True) | Q(death_date__gt=on_date)
    year_start = dt.date(on_date.year, 1, 1)
    rows = (
        Person.objects.filter(birth_date__lte=on_date)
        .order_by()
        .values("hukou_region_id")
        .annotate(
            total=Count("id", filter=alive),
            aged_60=Count("id", filter=alive & Q(birth_date__lte=years_before(on_date, 60))),
            aged_80=Count("id", filter=alive & Q(birth_date__lte=years_before(on_date, 80))),
            died=Count("id", filter=Q(death_date__gte=year_start, death_date__lte=on_date)),
        )
    )
    regions = list(regions)
    community_ids = {r.pk for r in regions if r.level == "village" and r.urban_rural == "urban"}
    by_column: dict[str, dict[int, int]] = {
        "total": {},
        "aged_60": {},
        "aged_80": {},
        "died": {},
        "community": {},
    }
    for row in rows:
        rid = row["hukou_region_id"]
        for column in ("total", "aged_60", "aged_80", "died"):
            by_column[column][rid] = row[column]
        if rid in community_ids:
            by_column["community"][rid] = row["total"]
    return {
        "pop_total": rollup_sum(by_column["total"], regions),
        "pop_60_plus": rollup_sum(by_column["aged_60"], regions),
        "pop_80_plus": rollup_sum(by_column["aged_80"], regions),
        "pop_community": rollup_sum(by_column["community"], regions),
        "deaths_ytd": rollup_sum(by_column["died"], regions),
    }


@computes("units_counties", "units_townships", "units_communities", "units_villages")
def administrative_units(regions, on_date: dt.date) -> dict[str, Values]:
    """Units in force on the date under each region, from the region tree itself."""
    regions = list(regions)

    def in_force(r) -> bool:
        return (
            r.kind == "statutory"
            and (r.valid_from is None or r.valid_from <= on_date)
            and (r.valid_to is None or r.valid_to > on_date)
        )

    def count(predicate) -> Values:
        return rollup_sum({r.pk: 1 for r in regions if in_force(r) and predicate(r)}, regions)

    return {
        "units_counties": count(lambda r: r.level == "county"),
        "units_townships": count(lambda r: r.level == "township"),
        "units_communities": count(lambda r: r.level == "village" and r.urban_rural == "urban"),
        "units_villages": count(lambda r: r.level == "village" and r.urban_rural == "rural"),
    }


# ------------------------------------------------------------------------------ computed: standards


_ready_checked: dict[str, float | bool] = {}


def _assistance_ready() -> bool:
    """Whether the assistance module's standards and statistics are installed and migrated.
    True is kept for the life of the process; False is looked at again after a minute."""
    import time

    if _ready_checked.get("ok") is True:
        return True
    if time.monotonic() < _ready_checked.get("retry_at", 0):
        return False
    from django.apps import apps
    from django.db import connection

    ok = False
    if apps.is_installed("minzheng.assistance"):
        from minzheng.assistance.models import Standard, Statistic

        tables = set(connection.introspection.table_names())
        ok = Standard._meta.db_table in tables and Statistic._meta.db_table in tables
    _ready_checked["ok"] = ok
    _ready_checked["retry_at"] = time.monotonic() + 60
    return ok


# indicator: (programme, standard key, statistic of last year it is compared with)
STANDARD_RATIOS = {
    "dibao_urban_standard_ratio": ("dibao_urban", "standard", "urban_consumption_per_capita"),
    "dibao_rural_standard_ratio": ("dibao_rural", "standard", "rural_consumption_per_capita"),
    "wubao_standard_ratio": ("tekun", "basic_living_rural", "rural_consumption_per_capita"),
}


@computes(*STANDARD_RATIOS, available=_assistance_ready)
def standard_ratios(regions, on_date: dt.date) -> dict[str, Values]:
    """The plan's 低保/五保 rule: the standard in force on the date, as a yearly amount, over last
    year's per-capita consumption expenditure, for every unit down to the townships. The standards
    table resolves every region in memory from three queries (standards, statistics, zones)."""
    from minzheng.assistance.params import Unit
    from minzheng.assistance.selectors import chain_for_path, standards_table

    table = standards_table(on_date)
    year = on_date.year - 1
    result: dict[str, Values] = {code: {} for code in STANDARD_RATIOS}
    for region in regions:
        if region.level == "village":
            continue
        chain = chain_for_path(region.path, table.zones_of)
        for code, (programme, key, statistic_key) in STANDARD_RATIOS.items():
            standard = table.standard(region.path, programme, key)
            statistic = table.statistic(statistic_key, year, chain)
            if (
                standard is None
                or standard.value is None
                or statistic is None
                or not Decimal(statistic["value"])
            ):
                continue
            months = 12 if standard.unit == Unit.FEN_MONTH else 1
            yearly_yuan = Decimal(standard.value) * months / 100
            result[code][region.code] = yearly_yuan / Decimal(statistic["value"]) * 100
    return result


# ------------------------------------------------------------------------------ the catalogue

G_BASE = _("人口与区划基数")
G_FRAME = _("工作思路（“5546”行动计划）")
G_ELDERLY = _("养老服务")
G_ASSIST = _("社会救助")
G_DISASTER = _("防灾减灾")
G_VAGRANT = _("流浪救助与未成年人保护")
G_COMMUNITY = _("基层社区治理")
G_SOCORG = _("社会组织")
G_SOCWORK = _("社工与志愿者")
G_PLACENAME = _("地名管理")
G_FUNERAL = _("殡葬管理")
G_REGISTRY = _("登记服务")
G_WELFARE = _("康复、福彩与慈善")
G_VETERAN = _("退役士兵安置")
G_PREFCARE = _("优待抚恤")
G_DOUBLE = _("双拥工作")
G_RETIRED = _("军休服务")
G_STABILITY = _("涉军群体稳定")
G_PILOTS = _("试点经验推广")
G_SELF = _("民政自身建设")
G_PUBLICITY = _("宣传工作")

MILESTONE_DEFINITION = _("完成记为 1，未完成记为 0，由责任单位附证明材料填报，上级审核。")


def _count(
    code,
    name,
    unit,
    definition,
    group,
    *,
    period=YEAR,
    future_source="",
    pace=PACE_LINEAR,
    per_population=True,
):
    return define(
        code,
        name,
        unit,
        definition,
        group,
        aggregation=SUM,
        period=period,
        pace=pace,
        future_source=future_source,
        per_population=per_population,
    )


def _rate(
    code, name, definition, group, *, period=STOCK, future_source="", pace=PACE_LINEAR, unit="%"
):
    return define(
        code,
        name,
        unit,
        definition,
        group,
        aggregation=RATE,
        period=period,
        pace=pace,
        future_source=future_source,
    )


def _zero(code, name, unit, definition, group):
    return define(
        code, name, unit, definition, group, aggregation=SUM, period=YEAR, pace=PACE_IMMEDIATE
    )


def _milestone(code, name, group, definition=MILESTONE_DEFINITION):
    return define(
        code,
        name,
        _("项"),
        definition,
        group,
        aggregation=RATE,
        period=STOCK,
        pace=PACE_MILESTONE,
        plausible=(Decimal(0), Decimal(1)),
    )


def _ratio(code, name, unit, definition, group, numerator, denominator, scale, **options):
    return define(
        code,
        name,
        unit,
        definition,
        group,
        aggregation=RATE,
        ratio=(numerator, denominator, scale),
        **options,
    )


# Bases computed from the platform's own registry and region tree.
_count(
    "pop_total",
    _("户籍人口"),
    _("人"),
    _("指定日期在世、户籍登记在本区域（含下级区划）的人数，取自人口信息库。"),
    G_BASE,
    period=STOCK,
)
_count(
    "pop_60_plus",
    _("60岁及以上户籍人口"),
    _("人"),
    _("指定日期已满60周岁、在世、户籍登记在本区域的人数，取自人口信息库。"),
    G_BASE,
    period=STOCK,
)
_count(
    "pop_80_plus",
    _("80岁及以上户籍人口"),
    _("人"),
    _("指定日期已满80周岁、在世、户籍登记在本区域的人数（高龄津贴对象基数），取自人口信息库。"),
    G_BASE,
    period=STOCK,
)
_count(
    "pop_community",
    _("社区户籍人口"),
    _("人"),
    _("户籍登记在城镇社区（城乡属性为“城镇”的村级区划）的在世人数，取自人口信息库。"),
    G_BASE,
    period=STOCK,
)
_count(
    "deaths_ytd",
    _("本年度死亡人数"),
    _("人"),
    _("当年1月1日至指定日期登记死亡、户籍在本区域的人数，取自人口信息库。"),
    G_BASE,
)
_count(
    "units_counties",
    _("县（市、区）数"),
    _("个"),
    _("指定日期有效的县级行政区划数，取自行政区划库。"),
    G_BASE,
    period=STOCK,
)
_count(
    "units_townships",
    _("乡镇（街道）数"),
    _("个"),
    _("指定日期有效的乡级行政区划数，取自行政区划库。"),
    G_BASE,
    period=STOCK,
)
_count(
    "units_communities",
    _("城镇社区数"),
    _("个"),
    _("指定日期有效、城乡属性为“城镇”的村级区划（社区）数，取自行政区划库。"),
    G_BASE,
    period=STOCK,
)
_count(
    "units_villages",
    _("行政村数"),
    _("个"),
    _("指定日期有效、城乡属性为“农村”的村级区划（行政村）数，取自行政区划库。"),
    G_BASE,
    period=STOCK,
)
_ratio(
    "share_60_plus",
    _("老龄化率（60岁及以上人口占比）"),
    "%",
    _("60岁及以上户籍人口 ÷ 户籍人口 × 100。"),
    G_BASE,
    "pop_60_plus",
    "pop_total",
    100,
    plausible=(Decimal(1), Decimal(60)),
)

# 一、工作思路
_count(
    "eco_cemeteries_built",
    _("新建村级生态公墓"),
    _("个"),
    _("当年建成的村级公益性生态公墓数，按所在村统计。"),
    G_FRAME,
    # one per village, and the demo keeps the full village tree: the plan's figure holds
    per_population=False,
)
_count(
    "eco_burials_ytd",
    _("生态安葬数"),
    _("例"),
    _("当年以树葬、花葬、草坪葬、骨灰撒散等生态方式安葬的遗体（骨灰）数。"),
    G_FUNERAL,
)
_count("burials_ytd", _("安葬总数"), _("例"), _("当年安葬的遗体（骨灰）总数。"), G_FUNERAL)
_ratio(
    "eco_burial_share",
    _("生态殡葬比例"),
    "%",
    _("生态安葬数 ÷ 安葬总数 × 100（当年累计）。"),
    G_FRAME,
    "eco_burials_ytd",
    "burials_ytd",
    100,
)
_count(
    "cremations_ytd",
    _("火化遗体数"),
    _("具"),
    _("本年度死亡、户籍在火化区、已登记火化的人数（按户籍地统计）。"),
    G_FUNERAL,
)
_count(
    "cremation_area_deaths_ytd",
    _("火化区死亡人数"),
    _("人"),
    _("人口信息库登记本年度死亡、户籍在火化区的人数（按户籍地统计）。"),
    G_FUNERAL,
)
_ratio(
    "cremation_rate",
    _("火化率"),
    "%",
    _("火化遗体数 ÷ 火化区死亡人数 × 100（当年累计，死亡人数取自人口信息库）。"),
    G_FRAME,
    "cremations_ytd",
    "cremation_area_deaths_ytd",
    100,
)
_count(
    "jingshan_centre_investment",
    _("京山县民政公共服务中心完成投资"),
    _("万元"),
    _("项目开工以来累计完成投资额。"),
    G_FRAME,
    period=STOCK,
    per_population=False,  # one real project, recorded at its real cost
)
_milestone("jingshan_centre_completed", _("京山县民政公共服务中心竣工"), G_FRAME)

# 1、养老服务
_count(
    "new_urban_home_care_centres",
    _("新建城市社区居家养老服务中心"),
    _("个"),
    _("当年新建成并投入运营的城市社区居家养老服务中心数。"),
    G_ELDERLY,
    future_source=_("养老机构与设施模块"),
)
_count(
    "new_rural_mutual_aid_centres",
    _("新建农村老年人互助照料活动中心"),
    _("个"),
    _("当年新建成并投入使用的农村老年人互助照料活动中心数。"),
    G_ELDERLY,
    future_source=_("养老机构与设施模块"),
)
_count(
    "elderly_care_beds",
    _("养老床位数"),
    _("张"),
    _("指定日期各类养老机构及社区养老服务设施的床位总数。"),
    G_ELDERLY,
    period=STOCK,
    future_source=_("养老机构与床位模块"),
)
_ratio(
    "beds_per_1000_elderly",
    _("每千名老人拥有养老床位"),
    _("张"),
    _("养老床位数 ÷ 人口信息库中60岁及以上户籍人口 × 1000。"),
    G_ELDERLY,
    "elderly_care_beds",
    "pop_60_plus",
    1000,
    # national 2015: 30.3 (docs/DOMAIN.md §5.4); beyond 100 a bed count or an age count is wrong
    plausible=(Decimal(0), Decimal(100)),
)
_count(
    "communities_with_elderly_assoc",
    _("建有老年协会的城镇社区数"),
    _("个"),
    _("指定日期建有老年协会的城镇社区数。"),
    G_ELDERLY,
    period=STOCK,
)
_ratio(
    "elderly_assoc_coverage_urban",
    _("城镇社区老年协会覆盖率"),
    "%",
    _("建有老年协会的城镇社区数 ÷ 行政区划库中的城镇社区数 × 100。"),
    G_ELDERLY,
    "communities_with_elderly_assoc",
    "units_communities",
    100,
)
_count(
    "villages_with_elderly_assoc",
    _("建有老年协会的行政村数"),
    _("个"),
    _("指定日期建有老年协会的行政村数。"),
    G_ELDERLY,
    period=STOCK,
)
_ratio(
    "elderly_assoc_coverage_rural",
    _("农村老年协会覆盖率"),
    "%",
    _("建有老年协会的行政村数 ÷ 行政区划库中的行政村数 × 100。"),
    G_ELDERLY,
    "villages_with_elderly_assoc",
    "units_villages",
    100,
)
_rate(
    "health_link_urban_institutions",
    _("城市养老服务机构与医疗服务机构建立健康服务关系比例"),
    _("建立健康服务关系的城市养老服务机构数 ÷ 城市养老服务机构总数 × 100。"),
    G_ELDERLY,
)
_rate(
    "health_link_township_homes",
    _("乡镇福利院与乡镇卫生院建立健康服务关系比例"),
    _("与乡镇卫生院建立健康服务关系的乡镇福利院数 ÷ 乡镇福利院总数 × 100。"),
    G_ELDERLY,
)
_rate(
    "health_link_community_centres",
    _("社区居家养老服务中心与社区卫生室建立健康服务关系比例"),
    _("与社区卫生室建立健康服务关系的社区居家养老服务中心数 ÷ 中心总数 × 100。"),
    G_ELDERLY,
)
_rate(
    "health_link_rural_centres",
    _("农村老年人互助照料活动中心与村卫生室建立健康服务关系比例"),
    _("与村卫生室建立健康服务关系的农村老年人互助照料活动中心数 ÷ 中心总数 × 100。"),
    G_ELDERLY,
)

# 2、社会救助
_rate(
    "dibao_urban_standard_ratio",
    _("城市低保标准占上年度城镇居民人均生活消费支出比例"),
    _("指定日期执行的城市低保标准（月标准 × 12）÷ 上年度城镇居民人均生活消费支出 × 100。"),
    G_ASSIST,
    future_source=_("救助标准与统计指标模块"),
)
_rate(
    "dibao_rural_standard_ratio",
    _("农村低保标准占上年度农村居民人均生活消费支出比例"),
    _("指定日期执行的农村低保标准（年标准）÷ 上年度农村居民人均生活消费支出 × 100。"),
    G_ASSIST,
    future_source=_("救助标准与统计指标模块"),
)
_rate(
    "wubao_standard_ratio",
    _("农村五保供养标准占上年度农村居民人均消费支出比例"),
    _(
        "指定日期执行的农村五保（特困人员）基本生活标准（年标准）÷ 上年度农村居民人均消费支出 × 100。"
    ),
    G_ASSIST,
    future_source=_("救助标准与统计指标模块"),
)
_milestone(
    "temp_assistance_standard_itemised",
    _("细化临时救助标准"),
    G_ASSIST,
    _(
        "指定日期本地区临时救助各分项标准（急难型、支出型救助上限，乡镇审批额度，补办手续期限）"
        "均已执行且大于零记为 1，否则记为 0；县级以上须所辖各级均已细化。"
    ),
)
_rate(
    "medical_assistance_inpatient_ratio",
    _("重点救助对象住院医疗救助比例"),
    _(
        "当年批准的重点救助对象（低保对象、特困人员）医疗救助：县级核定救助金额合计 ÷ "
        "经基本医保、大病保险和其他保险报销后政策范围内个人自付费用合计 × 100。"
    ),
    G_ASSIST,
)
_rate(
    "insurance_funding_rate",
    _("资助低保、五保对象参合参保率"),
    _(
        "指定日期在册城乡低保对象和特困（五保）人员中，当年度基本医疗保险个人缴费获民政资助的"
        "人数 ÷ 在册对象总数 × 100。"
    ),
    G_ASSIST,
)
_count(
    "one_door_townships",
    _("建立“一门受理、协同办理”机制的乡镇（街道）数"),
    _("个"),
    _("指定日期前十二个月内在窗口受理过救助申请的乡镇（街道）数。"),
    G_ASSIST,
    period=STOCK,
)
_ratio(
    "one_door_rate",
    _("“一门受理、协同办理”工作机制创建率"),
    "%",
    _("已建立机制的乡镇（街道）数 ÷ 行政区划库中的乡镇（街道）数 × 100。"),
    G_ASSIST,
    "one_door_townships",
    "units_townships",
    100,
)
_rate(
    "poverty_backstop_rate",
    _("精准扶贫兜底率"),
    _(
        "当年未脱贫或返贫的建档立卡贫困人口中，经规则认定符合低保或特困条件的人员纳入低保或特困"
        "供养的比例：已纳入人数 ÷（已纳入人数 + 近十二个月申请经规则核算符合条件但未纳入人数）× 100。"
    ),
    G_ASSIST,
)
_rate(
    "cases_within_deadline_rate",
    _("救助申请按时办结率"),
    _("当年办结的救助申请中各环节均在法定时限内办结的比例。"),
    G_ASSIST,
    period=YEAR,
    future_source=_("救助申请办理模块"),
)

# 3、防灾减灾
_zero(
    "relief_fund_violations",
    _("防灾减灾经费使用违规"),
    _("件"),
    _(
        "当年决定的救灾资金中，无经批准的救助决定（未决定、待审批或已不予救助）或超出批准金额而登记发放的笔数。"
    ),
    G_DISASTER,
)
_zero(
    "relief_supplies_violations",
    _("应急物资保管、使用违规"),
    _("件"),
    _(
        "当年盘点发现且至今未说明的库存差异数，加上登记后超过2个工作日仍未经第二名保管员复核的出入库记录数。"
    ),
    G_DISASTER,
)
_rate(
    "rescue_training_pass_rate",
    _("应急队伍培训合格率"),
    _("当年参训的应急队伍人员中最近一次考核合格的人数 ÷ 当年参训人员数 × 100。"),
    G_DISASTER,
    period=YEAR,
)
_count(
    "counties_drill_passed",
    _("预案演练达标的县（市、区）数"),
    _("个"),
    _("自2016年起累计完成预案演练并达标的县（市、区）数。"),
    G_DISASTER,
    period=STOCK,
)
_ratio(
    "county_drill_rate",
    _("县（市、区）预案演练达标率"),
    "%",
    _("累计演练达标的县（市、区）数 ÷ 行政区划库中的县（市、区）数 × 100。"),
    G_DISASTER,
    "counties_drill_passed",
    "units_counties",
    100,
)
_count(
    "new_model_disaster_communities",
    _("新建国家、省级综合减灾示范社区"),
    _("个"),
    _("当年新获命名的国家级、省级综合减灾示范社区数。"),
    G_DISASTER,
)

# 4、流浪救助
_rate(
    "vagrant_assistance_rate",
    _("流浪乞讨人员救助率"),
    _(
        "当年救助站接收登记的人次中已同意接受救助的人次 ÷ 接收登记人次（不含本人明确拒绝救助的）× 100。"
    ),
    G_VAGRANT,
    period=YEAR,
)
_rate(
    "children_protection_handling_rate",
    _("困境未成年人和留守儿童监测、报告、转介、处置率"),
    _(
        "当年接报且已到处置期限（已制定帮扶计划或15日期限已过）的儿童保护案件中，首次接触（24小时）、评估（7日）、帮扶计划（15日）均按时完成的件数 ÷ 已到期限的案件数 × 100。"
    ),
    G_VAGRANT,
    period=YEAR,
)
_rate(
    "vagrant_children_school_return_rate",
    _("流浪孩子回校园成功率"),
    _(
        "当年离站的学龄（到站时6至17周岁）流浪未成年人中已返回校园的人数 ÷ 当年离站的学龄流浪未成年人数 × 100。"
    ),
    G_VAGRANT,
    period=YEAR,
)

# 5、基层社区治理
_count(
    "three_social_linkage_communities",
    _("建立“三社联动”机制的社区"),
    _("个"),
    _("指定日期已建立社区、社会组织、社会工作者“三社联动”机制的社区数。"),
    G_COMMUNITY,
    period=STOCK,
    per_population=False,
)
_count(
    "rural_community_demo_villages",
    _("农村社区建设示范点（行政村）"),
    _("个"),
    _("当年经县级验收合格的农村社区建设示范点（行政村）数。"),
    G_COMMUNITY,
    per_population=False,
)
_count(
    "difficult_villages_remediated",
    _("完成治理的村务公开和民主管理“难点村”"),
    _("个"),
    _("当年整改任务全部完成并经县级验收销号的“难点村”数。"),
    G_COMMUNITY,
    per_population=False,
)
_milestone(
    "standard_community_annual_task",
    _("完成标准化社区建设三年行动计划年度任务"),
    G_COMMUNITY,
    definition=_(
        "当年到指定日期应完成的标准化社区建设年度任务全部完成记为 1，否则记为 0；没有到期任务的地区不计。"
    ),
)

# 6、社会组织
_count(
    "provincial_funded_projects",
    _("获省级财政支持的扶持社会组织发展项目"),
    _("个"),
    _("当年获省级财政资金支持的扶持社会组织发展项目数。"),
    G_SOCORG,
)
_count(
    "new_social_orgs",
    _("新增社会组织"),
    _("个"),
    _("当年新登记成立的社会组织数。"),
    G_SOCORG,
    future_source=_("社会组织登记模块"),
    per_population=False,
)
_rate(
    "social_org_standardisation_rate",
    _("社会组织管理标准化建设率"),
    _("达到标准化建设要求的社会组织数 ÷ 社会组织总数 × 100。"),
    G_SOCORG,
)
_rate(
    "social_org_online_registration_rate",
    _("社会组织网上登记率"),
    _("通过网上办理的社会组织登记事项数 ÷ 登记事项总数 × 100。"),
    G_SOCORG,
    period=YEAR,
    future_source=_("社会组织登记模块"),
)
_rate(
    "social_org_inspection_rate",
    _("社会组织年检率"),
    _("参加并完成年度检查的社会组织数 ÷ 应参加年检的社会组织数 × 100。"),
    G_SOCORG,
    period=YEAR,
    future_source=_("社会组织登记模块"),
)
_rate(
    "social_org_complaints_rate",
    _("社会组织违法行为和非法社会组织投诉查处率"),
    _("已查处的投诉数 ÷ 受理的投诉数 × 100。"),
    G_SOCORG,
    period=YEAR,
)
_count(
    "poor_pupils_funded",
    _("资助贫困中小学生"),
    _("名"),
    _("当年慈善组织以助学支出资助的中小学生人数（受助时6至17周岁，按人去重，计入户籍地）。"),
    G_SOCORG,
)

# 7、社工与志愿者
_milestone(
    "social_work_association_sound", _("市级社会工作者协会组织、制度、工作机制健全"), G_SOCWORK
)
_milestone("social_work_talent_ledger", _("建立社工人才台帐"), G_SOCWORK)
_milestone("social_work_assembly_held", _("召开市社会工作协会会员大会"), G_SOCWORK)
_milestone(
    "volunteer_system_networked", _("志愿者注册登记管理系统市、区、街办三级联网规范启用"), G_SOCWORK
)
_count(
    "registered_volunteers",
    _("注册志愿者人数"),
    _("人"),
    _("指定日期在志愿者注册登记管理系统中注册、户籍或居住在本区域社区的志愿者人数。"),
    G_SOCWORK,
    period=STOCK,
    future_source=_("志愿者注册登记模块"),
)
_ratio(
    "volunteer_registration_rate",
    _("志愿者注册登记率（占社区总人口）"),
    "%",
    _("注册志愿者人数 ÷ 人口信息库中的社区户籍人口 × 100。"),
    G_SOCWORK,
    "registered_volunteers",
    "pop_community",
    100,
)

# 8、地名管理
_milestone(
    "placename_self_check_done",
    _("县（市、区）完成地名普查自查迎检"),
    G_PLACENAME,
    definition=_(
        "县（市、区）指定日期前最近一次地名普查自查结论为合格的记为 1，否则记为 0；市级在所辖县（市、区）均完成时记为 1。"
    ),
)
_count(
    "placename_records",
    _("采集和录入地名数据"),
    _("条"),
    _("第二次全国地名普查中已采集并录入数据库（经县级审定或已发布）的地名数据条数（累计）。"),
    G_PLACENAME,
    period=STOCK,
    future_source=_("地名普查数据库模块"),
    # Place names grow with territory and settlements, not population: the figure is not scaled.
    per_population=False,
)
_milestone(
    "placename_database_built",
    _("完成市、县两级地名普查数据建库"),
    G_PLACENAME,
    definition=_(
        "县（市、区）自查合格，且核心类别及已有记录的各类别均有已审定的地名时记为 1，否则记为 0；市级在所辖县（市、区）均完成时记为 1。"
    ),
)
_milestone(
    "boundary_joint_inspection_done",
    _("完成行政区域界线年度联检"),
    G_PLACENAME,
    definition=_(
        "县（市、区）与相邻县（市、区）之间登记在册的每条界线当年均已联检的记为 1，否则记为 0；市级在所辖县（市、区）均完成时记为 1。"
    ),
)

# 9、殡葬
_rate(
    "funeral_service_standard_rate",
    _("殡葬服务标准化合格率"),
    _("标准化检查合格的殡葬服务机构数 ÷ 殡葬服务机构总数 × 100。"),
    G_FUNERAL,
)

# 10、登记服务
_rate(
    "marriage_registration_pass_rate",
    _("婚姻登记合格率"),
    _("抽查合格的婚姻登记档案数 ÷ 抽查档案数 × 100。"),
    G_REGISTRY,
    period=YEAR,
    future_source=_("婚姻登记信息模块"),
)
_rate(
    "adoption_registration_pass_rate",
    _("收养登记合格率"),
    _("抽查合格的收养登记档案数 ÷ 抽查档案数 × 100。"),
    G_REGISTRY,
    period=YEAR,
)

# 11–13、康复、福彩、慈善
_count(
    "rehab_hospital_revenue",
    _("市康复医院业务收入"),
    _("万元"),
    _("当年市康复医院累计业务收入。"),
    G_WELFARE,
)
_count(
    "lottery_sales",
    _("福利彩票销售额"),
    _("万元"),
    _("当年累计福利彩票销售额（由福彩中心按销售系统数据填报，平台不持有该数据）。"),
    G_WELFARE,
)
_count(
    "charity_donations",
    _("接受慈善捐赠"),
    _("万元"),
    _("当年全市接受的慈善捐赠款物折合金额（含“慈善一日捐”和定向捐赠）。"),
    G_WELFARE,
)

# 14、退役士兵安置
_rate(
    "veteran_priority_placement_rate",
    _("四类重点对象安置率"),
    _("已安置的四类重点对象退役士兵数 ÷ 应安置人数 × 100。"),
    G_VETERAN,
    period=YEAR,
)
_rate(
    "veteran_grant_payment_rate",
    _("自主就业退役士兵一次性经济补助发放率"),
    _("已发放一次性经济补助的自主就业退役士兵数 ÷ 应发放人数 × 100。"),
    G_VETERAN,
    period=YEAR,
)
_rate(
    "veteran_training_participation_rate",
    _("有培训意愿的自主就业退役士兵参训率"),
    _("参加培训人数 ÷ 有培训意愿的自主就业退役士兵数 × 100。"),
    G_VETERAN,
    period=YEAR,
)
_rate(
    "veteran_training_pass_rate",
    _("退役士兵培训合格率"),
    _("培训考核合格人数 ÷ 参训人数 × 100。"),
    G_VETERAN,
    period=YEAR,
)
_rate(
    "veteran_employment_rate",
    _("退役士兵培训后就业率"),
    _("培训后实现就业创业人数 ÷ 培训合格人数 × 100。"),
    G_VETERAN,
    period=YEAR,
)

# 15、优待抚恤
_rate(
    "pc_policy_rate",
    _("抚恤补助、医疗保障和义务兵家庭优待政策落实率"),
    _("已足额落实政策的对象数 ÷ 应落实对象数 × 100。"),
    G_PREFCARE,
    period=YEAR,
)
_rate(
    "pc_id_authentication_rate",
    _("优抚对象二代身份证认证率"),
    _("完成二代居民身份证认证的优抚对象数 ÷ 优抚对象总数 × 100。"),
    G_PREFCARE,
    future_source=_("优抚对象信息模块"),
)
_rate(
    "pc_info_accuracy_rate",
    _("优抚对象信息准确率"),
    _("核查无误的优抚对象记录数 ÷ 核查记录数 × 100。"),
    G_PREFCARE,
    future_source=_("优抚对象信息模块"),
)
_rate(
    "pc_data_completeness_rate",
    _("优抚对象数据完整率"),
    _("必填项齐全的优抚对象记录数 ÷ 优抚对象记录总数 × 100。"),
    G_PREFCARE,
    future_source=_("优抚对象信息模块"),
)
_rate(
    "pc_dynamic_management_rate",
    _("优抚对象动态管理率"),
    _("按时完成状态变更（死亡、迁移、待遇调整）的优抚对象数 ÷ 发生变更的对象数 × 100。"),
    G_PREFCARE,
    future_source=_("优抚对象信息模块"),
)

# 16、双拥
_milestone("jingmen_ship_naming_done", _("完成“荆门舰”命名工作"), G_DOUBLE)
_count(
    "double_support_communities",
    _("进入“双拥三创”行列的社区数"),
    _("个"),
    _("指定日期进入“双拥三创”创建行列的城镇社区数。"),
    G_DOUBLE,
    period=STOCK,
)
_ratio(
    "double_support_community_share",
    _("进入“双拥三创”行列的社区比例"),
    "%",
    _("进入创建行列的社区数 ÷ 行政区划库中的城镇社区数 × 100。"),
    G_DOUBLE,
    "double_support_communities",
    "units_communities",
    100,
)
_count(
    "double_support_townships",
    _("进入“双拥三创”行列的乡镇（街道）数"),
    _("个"),
    _("指定日期进入“双拥三创”创建行列的乡镇（街道）数。"),
    G_DOUBLE,
    period=STOCK,
)
_ratio(
    "double_support_township_share",
    _("进入“双拥三创”行列的乡镇（街道）比例"),
    "%",
    _("进入创建行列的乡镇（街道）数 ÷ 行政区划库中的乡镇（街道）数 × 100。"),
    G_DOUBLE,
    "double_support_townships",
    "units_townships",
    100,
)
_count(
    "double_support_counties",
    _("进入“双拥三创”行列的县（市、区）数"),
    _("个"),
    _("指定日期进入“双拥三创”创建行列的县（市、区）数。"),
    G_DOUBLE,
    period=STOCK,
)
_ratio(
    "double_support_county_share",
    _("进入“双拥三创”行列的县（市、区）比例"),
    "%",
    _("进入创建行列的县（市、区）数 ÷ 行政区划库中的县（市、区）数 × 100。"),
    G_DOUBLE,
    "double_support_counties",
    "units_counties",
    100,
)

# 17、军休
_rate(
    "retired_cadre_reception_rate",
    _("军休人员接收安置率"),
    _("已接收安置的军休干部、无军籍职工和伤病残退休士官数 ÷ 年度接收任务数 × 100。"),
    G_RETIRED,
    period=YEAR,
)
_rate(
    "retired_cadre_treatment_rate",
    _("军休人员“两个待遇”落实率"),
    _("政治待遇和生活待遇均已落实的军休人员数 ÷ 军休人员总数 × 100。"),
    G_RETIRED,
)
_rate(
    "retired_cadre_satisfaction",
    _("军休人员满意率"),
    _("满意度调查中表示满意的军休人员数 ÷ 受访人数 × 100。"),
    G_RETIRED,
    period=YEAR,
)

# 18、涉军群体稳定
_rate(
    "military_appeal_accuracy_rate",
    _("涉军诉求信息准确率"),
    _("核实准确的涉军诉求信息数 ÷ 报送信息数 × 100。"),
    G_STABILITY,
    period=YEAR,
)
_rate(
    "military_appeal_reporting_rate",
    _("涉军诉求信息报告率"),
    _("按规定报告的涉军诉求数 ÷ 发生的涉军诉求数 × 100。"),
    G_STABILITY,
    period=YEAR,
)
_rate(
    "military_appeal_reply_rate",
    _("涉军诉求答复率"),
    _("已答复的涉军诉求数 ÷ 受理的涉军诉求数 × 100。"),
    G_STABILITY,
    period=YEAR,
)
_zero(
    "veteran_abnormal_petitions",
    _("复退军人非正常赴省进京访登记"),
    _("人次"),
    _("当年登记的复退军人非正常赴省进京上访人次。"),
    G_STABILITY,
)
_zero(
    "veteran_mass_incidents",
    _("涉军群体性事件"),
    _("件"),
    _("当年发生的涉军群体性事件数。"),
    G_STABILITY,
)

# 19–21、试点经验推广
_milestone(
    "standardisation_unified",
    _("重点工作实现统一规范文件、统一考核量化指标、统一验收模块"),
    G_PILOTS,
)
_milestone("data_platforms_accepted", _("完成2015年“十大”数据平台验收评估"), G_PILOTS)
_milestone("three_level_platform_networked", _("市、县、镇三级信息平台联网运行"), G_PILOTS)
_milestone("systems_assessment_done", _("完成“三大体系”“四大机制”体系评估"), G_PILOTS)
_milestone("pilot_acceptance_done", _("完成“三大体系”“四大机制”试点验收"), G_PILOTS)

# 22–23、法治与廉洁
_zero(
    "enforcement_complaints",
    _("行政执法群众投诉"),
    _("件"),
    _("当年收到的针对民政行政执法的群众投诉数。"),
    G_SELF,
)
_zero(
    "illegal_enforcement_cases", _("违法执法案件"), _("件"), _("当年查实的违法执法案件数。"), G_SELF
)
_zero(
    "liability_accidents",
    _("法律责任事故"),
    _("件"),
    _("当年发生的医疗质量、养老服务、福彩销售等法律责任事故数。"),
    G_SELF,
)
_zero(
    "unlawful_documents",
    _("违规违法文件、文书"),
    _("件"),
    _("当年发现的违规违法文件、文书数。"),
    G_SELF,
)
_zero(
    "four_winds_problems",
    _("“四风”问题"),
    _("件"),
    _("当年查实的民政系统干部职工“四风”问题数。"),
    G_SELF,
)
_zero("duty_crimes", _("职务犯罪"), _("件"), _("当年民政系统干部职工职务犯罪案件数。"), G_SELF)
_zero("corruption_cases", _("贪污腐败案件"), _("件"), _("当年民政系统贪污腐败案件数。"), G_SELF)
_zero(
    "integrity_criticisms",
    _("党风廉政建设上级通报批评"),
    _("次"),
    _("当年受到上级通报批评的次数。"),
    G_SELF,
)
_rate(
    "public_satisfaction",
    _("政风行风评议群众满意率"),
    _("政风行风评议中表示满意的群众数 ÷ 参评人数 × 100。"),
    G_SELF,
    period=YEAR,
)

# 25、宣传
_count(
    "publicity_campaigns",
    _("市局集中采访宣传活动"),
    _("次"),
    _("当年市局办公室组织的集中采访宣传活动次数（每半年1次）。"),
    G_PUBLICITY,
    per_population=False,  # the bureau's own output, not a share of the residents
)
_rate(
    "county_info_items_monthly",
    _("县（市、区）月均上报信息"),
    _("当年上报信息总条数 ÷ 已过月数（按县（市、区）计）。"),
    G_PUBLICITY,
    period=YEAR,
    unit=_("条/月"),
)
_rate(
    "section_info_items_monthly",
    _("市局各科室、局属单位月均报送信息"),
    _("当年报送信息总条数 ÷（科室、局属单位数 × 已过月数）。"),
    G_PUBLICITY,
    period=YEAR,
    unit=_("条/月"),
)
_count(
    "provincial_submissions",
    _("向省以上刊物投稿"),
    _("篇"),
    _("当年向省级以上刊物投稿篇数。"),
    G_PUBLICITY,
    per_population=False,
)
_count(
    "special_pages",
    _("专版宣传"),
    _("期"),
    _("当年刊出的专版宣传期数。"),
    G_PUBLICITY,
    per_population=False,
)
_count(
    "tv_stories",
    _("电视台用稿"),
    _("篇"),
    _("当年电视台采用的民政稿件数。"),
    G_PUBLICITY,
    per_population=False,
)
_count(
    "national_provincial_press",
    _("《中国社会报》《湖北日报》采用"),
    _("篇"),
    _("当年《中国社会报》《湖北日报》采用的稿件数。"),
    G_PUBLICITY,
    per_population=False,
)
_count(
    "research_articles",
    _("调研文章"),
    _("篇"),
    _("当年完成的调研文章篇数。"),
    G_PUBLICITY,
    per_population=False,
)

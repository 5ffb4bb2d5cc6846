"""Rule parameters: which figure each verification rule compares against, per household.

Two kinds, both read from the assistance standards (`minzheng.assistance.selectors.standards_table`)
for the household's region on the run's reference date, so an administrator changes any of them
per region and effective date without touching code:

* Property limits of the minimum living guarantee (programme `dibao_urban` or `dibao_rural`):
  `standard`, `any_car_disqualifies`, `car_value_limit`, `max_homes`,
  `non_residential_disqualifies`, `disqualifying_business_roles`, `financial_assets_months`.
  A 低保 application uses its own programme; any other programme (特困 has the same property
  test, docs/DOMAIN.md §3.2) uses the 低保 programme of the household's urban/rural type.
* Verification windows and lists, keys `verification.*` under the case's programme. They are
  standards like any other: `register_standards()` (called from the app's ready) registers their
  specs with the standards registry for every assistance programme and seeds them with the
  defaults below (`assistance.defaults.register_programme_defaults`), so an administrator changes
  them per region and effective date (page "核对参数", or the standards API) and the next run reads
  them. A database without the seeded rows falls back to these same defaults, so behaviour only
  changes when someone sets a value:

  verification.split_window_days        days  [assumed] 365   a member left a registered household
                                                             shared with non-members this many days
                                                             before applying
  verification.insurance_window_months  months [assumed] 12    look-back for employer social insurance
  verification.insurance_min_months     months [assumed] 3     months with employer contributions
                                                             (a contribution in the latest month is a
                                                             finding whatever the count, §4.3)
  verification.provident_window_months  months [assumed] 12    look-back for provident-fund deposits
  verification.provident_min_months     months [assumed] 3     months with deposits
  verification.tax_window_months        months [assumed] 12    look-back for taxed wages
  verification.vehicle_exempt_types     set   [local]   disability vehicles never count
  verification.excluded_programmes      set   [law Art. 14, 18] programmes that may not be
                                                             received together with this one
  verification.required_sources         set   [assumed] the departmental sources without which a
                                                             case of the programme cannot pass
                                                             verification (REQUIRED_SOURCES_DEFAULT)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

DIBAO_URBAN, DIBAO_RURAL, TEKUN = "dibao_urban", "dibao_rural", "tekun"
MONTHLY_ASSISTANCE = (DIBAO_URBAN, DIBAO_RURAL, TEKUN)

DEFAULTS: dict[str, object] = {
    "verification.split_window_days": 365,
    "verification.insurance_window_months": 12,
    "verification.insurance_min_months": 3,
    "verification.provident_window_months": 12,
    "verification.provident_min_months": 3,
    "verification.tax_window_months": 12,
    "verification.vehicle_exempt_types": ("disability",),
}
EXCLUDED_PROGRAMMES_DEFAULT: dict[str, tuple[str, ...]] = {
    DIBAO_URBAN: (DIBAO_RURAL, TEKUN),
    DIBAO_RURAL: (DIBAO_URBAN, TEKUN),
    TEKUN: (DIBAO_URBAN, DIBAO_RURAL),
}
# docs/DOMAIN.md §4.1: the departments a verification centre compares a household with. Income
# and property tests (低保, 特困) need household registration and deaths, social insurance, real
# estate, business registration, vehicles and bank deposits; a one-off grant needs fewer.
_MEANS_TEST_SOURCES = (
    "deaths",
    "hukou",
    "social_insurance",
    "real_estate",
    "business",
    "vehicles",
    "deposits",
)
REQUIRED_SOURCES_DEFAULT: dict[str, tuple[str, ...]] = {
    DIBAO_URBAN: _MEANS_TEST_SOURCES,
    DIBAO_RURAL: _MEANS_TEST_SOURCES,
    TEKUN: _MEANS_TEST_SOURCES,
    "temporary": ("deaths", "hukou", "real_estate", "vehicles", "deposits"),
    "medical": ("deaths", "hukou"),
    "disability_living": ("deaths", "hukou"),
    "disability_nursing": ("deaths", "hukou"),
}
PROPERTY_KEYS = (
    "standard",
    "any_car_disqualifies",
    "car_value_limit",
    "max_homes",
    "non_residential_disqualifies",
    "disqualifying_business_roles",
    "financial_assets_months",
)


class MissingStandard(LookupError):
    """A standard the rules need is not set for the region."""


@dataclass(frozen=True)
class HouseholdParams:
    """Everything the rules compare one household against (money in fen)."""

    property_programme: str
    monthly_standard: Fraction
    any_car_disqualifies: bool
    car_value_limit: int
    vehicle_exempt_types: tuple[str, ...]
    max_homes: int
    non_residential_disqualifies: bool
    disqualifying_business_roles: tuple[str, ...]
    financial_assets_months: int
    split_window_days: int
    insurance_window_months: int
    insurance_min_months: int
    provident_window_months: int
    provident_min_months: int
    tax_window_months: int
    excluded_programmes: tuple[str, ...]
    required_sources: tuple[str, ...] = ()

    def asset_limit(self, size: int) -> int:
        """Household financial assets above this many fen exceed the limit (integer amounts:
        total > months × standard × size exactly when total > its floor)."""
        return int(self.financial_assets_months * self.monthly_standard * size)

    def income_limit(self, size: int) -> int:
        """Taxed wages of one member over the window above this exceed the household's standard."""
        return int(self.monthly_standard * size * self.tax_window_months)


def property_programme(programme: str, urban_rural: str) -> str:
    if programme in (DIBAO_URBAN, DIBAO_RURAL):
        return programme
    return DIBAO_RURAL if urban_rural == "rural" else DIBAO_URBAN


def _value(resolved: dict, key: str):
    item = resolved.get(key)
    return getattr(item, "value", item) if item is not None else None


def resolve(standards: dict[str, dict], *, programme: str, urban_rural: str) -> HouseholdParams:
    """Parameters for a household from one region's resolved standards
    (`StandardsTable.for_path(path)`: programme -> key -> ResolvedStandard)."""
    prop_code = property_programme(programme, urban_rural)
    prop = standards.get(prop_code, {})
    missing = [k for k in PROPERTY_KEYS if _value(prop, k) is None]
    if missing:
        raise MissingStandard(f"{prop_code}: {', '.join(missing)}")
    standard = Fraction(_value(prop, "standard"))
    monthly = standard / 12 if prop_code == DIBAO_RURAL else standard
    own = standards.get(programme, {})

    def setting(key: str):
        value = _value(own, key)
        if value is None:
            value = _value(prop, key)
        return DEFAULTS[key] if value is None else value

    excluded = _value(own, "verification.excluded_programmes")
    if excluded is None:
        excluded = EXCLUDED_PROGRAMMES_DEFAULT.get(programme, ())
    return HouseholdParams(
        property_programme=prop_code,
        monthly_standard=monthly,
        any_car_disqualifies=bool(_value(prop, "any_car_disqualifies")),
        car_value_limit=int(_value(prop, "car_value_limit")),
        vehicle_exempt_types=tuple(sorted(setting("verification.vehicle_exempt_types"))),
        max_homes=int(_value(prop, "max_homes")),
        non_residential_disqualifies=bool(_value(prop, "non_residential_disqualifies")),
        disqualifying_business_roles=tuple(sorted(_value(prop, "disqualifying_business_roles"))),
        financial_assets_months=int(_value(prop, "financial_assets_months")),
        split_window_days=int(setting("verification.split_window_days")),
        insurance_window_months=int(setting("verification.insurance_window_months")),
        insurance_min_months=int(setting("verification.insurance_min_months")),
        provident_window_months=int(setting("verification.provident_window_months")),
        provident_min_months=int(setting("verification.provident_min_months")),
        tax_window_months=int(setting("verification.tax_window_months")),
        excluded_programmes=tuple(sorted(excluded)),
        required_sources=required_sources(standards, programme),
    )


def required_sources(standards: dict[str, dict], programme: str) -> tuple[str, ...]:
    """The departmental sources a case of `programme` must have been compared with to pass
    verification: the programme's `verification.required_sources` in force for the region, or
    the default above."""
    value = _value(standards.get(programme, {}), "verification.required_sources")
    if value is None:
        value = REQUIRED_SOURCES_DEFAULT.get(programme, _MEANS_TEST_SOURCES)
    from .sources import SOURCE_CODES

    return tuple(
        sorted(set(value), key=lambda c: (SOURCE_CODES.index(c) if c in SOURCE_CODES else 99, c))
    )


def window_start(ref: dt.date, months: int) -> dt.date:
    """First day of the earliest month of a `months`-month window ending with ref's month."""
    index = ref.year * 12 + ref.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def latest_month_start(ref: dt.date) -> dt.date:
    """First day of the latest month before the reference date: the month before ref's month
    (departments report complete months). A row for ref's own month, when a department already
    has one, is more recent still and counts too (the rules test period >= this and <= ref)."""
    return window_start(ref, 2)


def standard_specs() -> list:
    """The registry's specs of every verification standard, labelled in Chinese for the standards
    page and the API (one list, so the page and the registry cannot disagree)."""
    from django.utils.translation import gettext_lazy as _

    from minzheng.assistance import params as assistance_params

    from .sources import DEPARTMENT_SOURCES, PROGRAMME_CHOICES, get_source

    unit = assistance_params.Unit
    spec = assistance_params.ParamSpec
    return [
        spec(
            "verification.split_window_days",
            _("核对：申请前分户回溯期"),
            unit.DAYS,
            _("申请前此天数内有成员从与他人共同登记的户中迁出的，列为申请前分户"),
        ),
        spec(
            "verification.insurance_window_months",
            _("核对：单位缴纳社会保险回溯期"),
            unit.MONTHS,
            _("统计核对基准日所在月及之前此月数内由单位缴纳社会保险的月数"),
        ),
        spec(
            "verification.insurance_min_months",
            _("核对：单位缴纳社会保险月数下限"),
            unit.MONTHS,
            _(
                "回溯期内由单位缴费达到此月数的，列为需核实；基准日前最近一个月有单位缴费的，不论月数均列为需核实"
            ),
        ),
        spec(
            "verification.provident_window_months",
            _("核对：住房公积金回溯期"),
            unit.MONTHS,
            _("统计核对基准日所在月及之前此月数内缴存住房公积金的月数"),
        ),
        spec(
            "verification.provident_min_months",
            _("核对：住房公积金缴存月数下限"),
            unit.MONTHS,
            _("回溯期内缴存达到此月数的，列为需核实"),
        ),
        spec(
            "verification.tax_window_months",
            _("核对：纳税收入回溯期"),
            unit.MONTHS,
            _("一名成员此月数内的纳税工资收入超过全家同期低保标准合计的，列为需核实"),
        ),
        spec(
            "verification.vehicle_exempt_types",
            _("核对：不计入的机动车类型"),
            unit.SET,
            _("所列类型的车辆不作为拥有机动车的核对发现"),
            dict(get_source("vehicles").column("vehicle_type").choices),
        ),
        spec(
            "verification.excluded_programmes",
            _("核对：不得同时享受的救助项目"),
            unit.SET,
            _("家庭成员正在享受所列项目之一的，列为重复享受救助"),
            dict(PROGRAMME_CHOICES),
        ),
        spec(
            "verification.required_sources",
            _("信息核对必需的数据来源"),
            unit.SET,
            _("缺少其中任一来源的，核对结论为部分核对，不能通过信息核对"),
            {source.code: source.label for source in DEPARTMENT_SOURCES},
        ),
    ]


STANDARD_KEYS = (
    "verification.split_window_days",
    "verification.insurance_window_months",
    "verification.insurance_min_months",
    "verification.provident_window_months",
    "verification.provident_min_months",
    "verification.tax_window_months",
    "verification.vehicle_exempt_types",
    "verification.excluded_programmes",
    "verification.required_sources",
)


def default_values(programme: str) -> dict[str, object]:
    """Today's values of every verification standard for one programme (what the rules used
    before they were standards): the seed, so seeding changes no run's result."""
    values: dict[str, object] = {key: DEFAULTS[key] for key in DEFAULTS}
    values["verification.excluded_programmes"] = EXCLUDED_PROGRAMMES_DEFAULT.get(programme, ())
    values["verification.required_sources"] = REQUIRED_SOURCES_DEFAULT.get(
        programme, _MEANS_TEST_SOURCES
    )
    return {
        key: sorted(value) if isinstance(value, (tuple, list, set, frozenset)) else value
        for key, value in values.items()
    }


def register_standards() -> None:
    """Make the verification windows and lists standards of every assistance programme (set per
    region and effective date in the standards registry) and seed them with today's values."""
    from minzheng.assistance import params as assistance_params
    from minzheng.assistance.defaults import register_programme_defaults

    programmes = tuple(REQUIRED_SOURCES_DEFAULT)
    assistance_params.register(programmes, standard_specs())
    register_programme_defaults(
        {programme: default_values(programme) for programme in programmes},
        note="信息核对默认参数（原系统内置值），可由市局调整",
    )

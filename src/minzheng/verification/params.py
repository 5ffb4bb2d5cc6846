"""Rule parameters: which figure each verification rule compares against, per household.

Two kinds, both read from the assistance standards (`minzheng.assistance.selectors.standards_table`)
for the household's region on the run's reference date, so an administrator changes any of them
per region and effective date without touching code:

* Property limits of the minimum living guarantee (programme `dibao_urban` or `dibao_rural`):
  `standard`, `any_car_disqualifies`, `car_value_limit`, `max_homes`,
  `non_residential_disqualifies`, `disqualifying_business_roles`, `financial_assets_months`.
  A 低保 application uses its own programme; any other programme (特困 has the same property
  test, docs/DOMAIN.md §3.2) uses the 低保 programme of the household's urban/rural type.
* Verification windows and lists, keys `verification.*` under the case's programme, falling back
  to the defaults below when no standard is set (the pattern of `minzheng.cases.params`):

  verification.split_window_days        int   [assumed] 365   a member left a registered household
                                                             shared with non-members this many days
                                                             before applying
  verification.insurance_window_months  int   [assumed] 12    look-back for employer social insurance
  verification.insurance_min_months     int   [assumed] 3     months with employer contributions
  verification.provident_window_months  int   [assumed] 12    look-back for provident-fund deposits
  verification.provident_min_months     int   [assumed] 3     months with deposits
  verification.tax_window_months        int   [assumed] 12    look-back for taxed wages
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


def register_standards() -> None:
    """Make the required sources a standard of every assistance programme (set per region and
    effective date in the standards registry)."""
    from django.utils.translation import gettext_lazy as _

    from minzheng.assistance import params as assistance_params

    from .sources import DEPARTMENT_SOURCES

    spec = assistance_params.ParamSpec(
        "verification.required_sources",
        _("信息核对必需的数据来源"),
        assistance_params.Unit.SET,
        _("缺少其中任一来源的，核对结论为部分核对，不能通过信息核对"),
        {source.code: source.label for source in DEPARTMENT_SOURCES},
    )
    assistance_params.register(REQUIRED_SOURCES_DEFAULT, [spec])

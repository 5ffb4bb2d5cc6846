"""The `targets` table every rule joins against: one row per member of each household being
verified, with the household's parameters resolved from the standards in force.

A household appears once per run target (an application, or a beneficiary household in a
recheck). Its parameters depend only on (region, programme, urban/rural), so they are resolved
once per distinct combination, however many households share it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import params as rule_params

TARGET_SCHEMA = pa.schema(
    [
        ("target", pa.string()),
        ("case_id", pa.int64()),
        ("household_id", pa.int64()),
        ("household_number", pa.string()),
        ("region_id", pa.int64()),
        ("person_id", pa.int64()),
        ("id_key", pa.int64()),
        ("id_masked", pa.string()),
        ("relation", pa.string()),
        ("programme", pa.string()),
        ("county_code", pa.string()),
        ("ref_date", pa.date32()),
        ("applied_on", pa.date32()),
        ("size", pa.int64()),
        ("car_value_limit", pa.int64()),
        ("any_car_disqualifies", pa.bool_()),
        ("vehicle_exempt_types", pa.string()),
        ("max_homes", pa.int64()),
        ("non_residential_disqualifies", pa.bool_()),
        ("business_roles", pa.string()),
        ("asset_limit", pa.int64()),
        ("income_limit", pa.int64()),
        ("tax_since", pa.date32()),
        ("excluded_programmes", pa.string()),
        ("split_since", pa.date32()),
        ("insurance_since", pa.date32()),
        ("insurance_min_months", pa.int64()),
        ("provident_since", pa.date32()),
        ("provident_min_months", pa.int64()),
    ]
)
MEMBER_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("person_id", pa.int64()),
        ("id_key", pa.int64()),
        ("id_masked", pa.string()),
        ("relation", pa.string()),
    ]
)


@dataclass(frozen=True)
class TargetHousehold:
    """A household to verify and why: for an application (`case_id`) or a recheck."""

    target: str
    household_id: int
    household_number: str
    region_id: int
    region_path: str
    urban_rural: str
    programme: str
    applied_on: dt.date
    case_id: int | None = None

    @property
    def county_code(self) -> str:
        """GB/T 2260 county: the first six digits of the household's village (or township) code."""
        return self.region_path.strip("/").rsplit("/", 1)[-1][:6]


def target_for_case(case_id: int) -> str:
    return f"case:{case_id}"


def target_for_household(household_id: int) -> str:
    return f"household:{household_id}"


def _codes(values: Iterable[str]) -> str:
    """ "|a|b|": every code wrapped in bars, so a rule tests membership with INSTR(list, '|x|')."""
    values = list(values)
    return "|" + "|".join(values) + "|" if values else "|"


class _ParamCache:
    """Parameters per (region, programme, urban/rural), resolved once per distinct combination.

    Two regions resolve alike when the regions on their chains that carry any standard or
    statistic are the same, so a recheck over thousands of villages resolves a handful of chains
    (city, county, zone) instead of one per village."""

    def __init__(self, standards):
        from minzheng.assistance.selectors import chain_for_path

        self.standards = standards
        self.chain_for_path = chain_for_path
        self.by_chain: dict[tuple, rule_params.HouseholdParams] = {}
        self.by_path: dict[tuple[str, str, str], rule_params.HouseholdParams] = {}
        self.relevant = self._regions_with_rows(standards)

    @staticmethod
    def _regions_with_rows(standards) -> set[str] | None:
        rows = getattr(standards, "_latest", None)
        stats = getattr(standards, "_stats", None)
        if rows is None or stats is None:
            return None
        return {
            code for table in (rows, stats) for by_region in table.values() for code in by_region
        }

    def get(self, path: str, programme: str, urban_rural: str) -> rule_params.HouseholdParams:
        key = (path, programme, urban_rural)
        found = self.by_path.get(key)
        if found is None:
            if self.relevant is None:
                chain_key = key
            else:
                chain = self.chain_for_path(path, self.standards.zones_of)
                chain_key = (tuple(c for c in chain if c in self.relevant), programme, urban_rural)
            found = self.by_chain.get(chain_key)
            if found is None:
                found = rule_params.resolve(
                    self.standards.for_path(path), programme=programme, urban_rural=urban_rural
                )
                self.by_chain[chain_key] = found
            self.by_path[key] = found
        return found


def _param_summary(p: rule_params.HouseholdParams) -> dict:
    return {
        "monthly_standard_fen": str(p.monthly_standard),
        "car_value_limit": p.car_value_limit,
        "any_car_disqualifies": p.any_car_disqualifies,
        "max_homes": p.max_homes,
        "non_residential_disqualifies": p.non_residential_disqualifies,
        "disqualifying_business_roles": list(p.disqualifying_business_roles),
        "financial_assets_months": p.financial_assets_months,
        "split_window_days": p.split_window_days,
        "insurance": [p.insurance_window_months, p.insurance_min_months],
        "provident_fund": [p.provident_window_months, p.provident_min_months],
        "tax_window_months": p.tax_window_months,
        "excluded_programmes": list(p.excluded_programmes),
        "vehicle_exempt_types": list(p.vehicle_exempt_types),
        "required_sources": list(p.required_sources),
    }


def build_targets(
    households: list[TargetHousehold],
    members: pa.Table,
    *,
    ref: dt.date,
    standards,
    required: dict[str, tuple[str, ...]] | None = None,
) -> tuple[pa.Table, dict]:
    """The targets table, and a summary of the parameters used (for the run's record).

    `members`: MEMBER_SCHEMA rows, the current members of every household in `households`.
    `standards`: a `minzheng.assistance.selectors.StandardsTable` for `ref`.
    `required`: when given, filled with each target's required sources (for the run's coverage).

    Per household only a dictionary lookup runs in Python; the parameter columns are taken from
    one row per parameter group with numpy."""
    members = members.cast(MEMBER_SCHEMA)
    cache = _ParamCache(standards)
    groups: dict[int, int] = {}
    group_params: list[rule_params.HouseholdParams] = []
    group_of = np.empty(len(households), dtype=np.int64)
    used: dict[str, dict] = {}
    for i, household in enumerate(households):
        p = cache.get(household.region_path, household.programme, household.urban_rural)
        g = groups.get(id(p))
        if g is None:
            g = groups[id(p)] = len(group_params)
            group_params.append(p)
        group_of[i] = g
        if required is not None:
            required[household.target] = p.required_sources
        label = f"{household.county_code}:{household.programme}:{p.property_programme}"
        if label not in used:
            used[label] = _param_summary(p)

    household_ids = np.array([h.household_id for h in households], dtype=np.int64)
    member_households = members["household_id"].to_numpy()
    if len(member_households):
        unique, counts = np.unique(member_households, return_counts=True)
        position = np.searchsorted(unique, household_ids).clip(0, len(unique) - 1)
        size = np.where(unique[position] == household_ids, counts[position], 0)
    else:
        size = np.zeros(len(households), dtype=np.int64)

    def per_group(values: list, kind) -> pa.Array:
        return pa.array(values, kind).take(pa.array(group_of))

    def windows(months: list[int]) -> list[dt.date]:
        return [rule_params.window_start(ref, m) for m in months]

    # Limits that depend on the household size: exact once per (group, size).
    limits: dict[tuple[int, int], tuple[int, int]] = {}
    asset_limit = np.empty(len(households), dtype=np.int64)
    income_limit = np.empty(len(households), dtype=np.int64)
    for i, (g, n) in enumerate(zip(group_of.tolist(), size.tolist())):
        pair = limits.get((g, n))
        if pair is None:
            pair = limits[(g, n)] = (
                group_params[g].asset_limit(n),
                group_params[g].income_limit(n),
            )
        asset_limit[i], income_limit[i] = pair

    applied = np.array(
        [np.datetime64(h.applied_on, "D") for h in households], dtype="datetime64[D]"
    )
    split_days = np.array([p.split_window_days for p in group_params], dtype=np.int64)[group_of]
    gp = group_params
    per_target = pa.table(
        {
            "target": pa.array([h.target for h in households], pa.string()),
            "case_id": pa.array([h.case_id for h in households], pa.int64()),
            "household_id": pa.array(household_ids),
            "household_number": pa.array([h.household_number for h in households], pa.string()),
            "region_id": pa.array([h.region_id for h in households], pa.int64()),
            "programme": pa.array([h.programme for h in households], pa.string()),
            "county_code": pa.array([h.county_code for h in households], pa.string()),
            "applied_on": pa.array(applied, pa.date32()),
            "size": pa.array(size.astype(np.int64)),
            "car_value_limit": per_group([p.car_value_limit for p in gp], pa.int64()),
            "any_car_disqualifies": per_group([p.any_car_disqualifies for p in gp], pa.bool_()),
            "vehicle_exempt_types": per_group(
                [_codes(p.vehicle_exempt_types) for p in gp], pa.string()
            ),
            "max_homes": per_group([p.max_homes for p in gp], pa.int64()),
            "non_residential_disqualifies": per_group(
                [p.non_residential_disqualifies for p in gp], pa.bool_()
            ),
            "business_roles": per_group(
                [_codes(p.disqualifying_business_roles) for p in gp], pa.string()
            ),
            "asset_limit": pa.array(asset_limit),
            "income_limit": pa.array(income_limit),
            "tax_since": per_group(windows([p.tax_window_months for p in gp]), pa.date32()),
            "excluded_programmes": per_group(
                [_codes(p.excluded_programmes) for p in gp], pa.string()
            ),
            "split_since": pa.array(applied - split_days.astype("timedelta64[D]"), pa.date32()),
            "insurance_since": per_group(
                windows([p.insurance_window_months for p in gp]), pa.date32()
            ),
            "insurance_min_months": per_group([p.insurance_min_months for p in gp], pa.int64()),
            "provident_since": per_group(
                windows([p.provident_window_months for p in gp]), pa.date32()
            ),
            "provident_min_months": per_group([p.provident_min_months for p in gp], pa.int64()),
        }
    )
    joined = members.join(per_target, "household_id", join_type="inner", use_threads=False)
    n = joined.num_rows
    joined = joined.append_column(
        "ref_date", pa.array(np.full(n, np.datetime64(ref, "D")), pa.date32())
    )
    table = joined.select(TARGET_SCHEMA.names).cast(TARGET_SCHEMA)
    order = pc.sort_indices(table, [("target", "ascending"), ("person_id", "ascending")])
    return table.take(order), used

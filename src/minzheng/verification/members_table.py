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
        ("insurance_latest_since", pa.date32()),
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


HOUSEHOLD_SCHEMA = pa.schema(
    [
        ("target", pa.string()),
        ("household_id", pa.int64()),
        ("household_number", pa.string()),
        ("region_id", pa.int64()),
        ("region_path", pa.string()),
        ("urban_rural", pa.string()),
        ("programme", pa.string()),
        ("applied_on", pa.date32()),
        ("case_id", pa.int64()),
    ]
)


def households_table(households: Iterable[TargetHousehold]) -> pa.Table:
    """TargetHousehold records as a HOUSEHOLD_SCHEMA table."""
    households = list(households)
    return pa.table(
        {name: [getattr(h, name) for h in households] for name in HOUSEHOLD_SCHEMA.names},
        schema=HOUSEHOLD_SCHEMA,
    )


def county_codes(paths) -> pa.Array:
    """`TargetHousehold.county_code` over an array of region paths."""
    last = pc.extract_regex(pc.utf8_trim(paths, characters="/"), r"(?P<last>[^/]*)$")
    return pc.utf8_slice_codeunits(pc.struct_field(last, [0]), 0, 6)


@dataclass
class TargetGroups:
    """Which parameter group each household of a targets build fell in, and each group's
    required sources: what a run's coverage needs, without a dictionary entry per household."""

    households: pa.Table  # HOUSEHOLD_SCHEMA
    group_of: np.ndarray  # household row -> group
    required: list[tuple[str, ...]]  # group -> required sources

    def required_for(self, row: int) -> tuple[str, ...]:
        return self.required[self.group_of[row]]


def build_targets(
    households: list[TargetHousehold] | pa.Table,
    members: pa.Table,
    *,
    ref: dt.date,
    standards,
    required: dict[str, tuple[str, ...]] | None = None,
    groups_out: list | None = None,
) -> tuple[pa.Table, dict]:
    """The targets table, and a summary of the parameters used (for the run's record).

    `households`: TargetHousehold records or a HOUSEHOLD_SCHEMA table.
    `members`: MEMBER_SCHEMA rows, the current members of every household in `households`.
    `standards`: a `minzheng.assistance.selectors.StandardsTable` for `ref`.
    `required`: when given, filled with each target's required sources.
    `groups_out`: when given, a `TargetGroups` is appended to it (what a run's coverage reads).

    Set-based: parameters are resolved once per distinct (region path, programme, urban/rural)
    and once per (parameter group, household size) for the size-dependent limits; every column is
    then taken from those with Arrow and numpy, so no Python runs per household."""
    if not isinstance(households, pa.Table):
        households = households_table(households)
    households = households.select(HOUSEHOLD_SCHEMA.names).cast(HOUSEHOLD_SCHEMA)
    members = members.cast(MEMBER_SCHEMA)
    cache = _ParamCache(standards)
    n_households = households.num_rows

    # Parameter groups: one resolution per distinct (path, programme, urban/rural).
    combo = pc.binary_join_element_wise(
        households["region_path"], households["programme"], households["urban_rural"], "\x1f"
    ).combine_chunks()
    encoded = (
        combo.dictionary_encode() if n_households else pa.array([], pa.string()).dictionary_encode()
    )
    groups: dict[int, int] = {}
    group_params: list[rule_params.HouseholdParams] = []
    combo_group = np.empty(len(encoded.dictionary), dtype=np.int64)
    for i, key in enumerate(encoded.dictionary.to_pylist()):
        path, programme, urban_rural = key.split("\x1f")
        p = cache.get(path, programme, urban_rural)
        g = groups.get(id(p))
        if g is None:
            g = groups[id(p)] = len(group_params)
            group_params.append(p)
        combo_group[i] = g
    if encoded.null_count:
        raise ValueError("every household needs a region path, a programme and urban/rural")
    group_of = combo_group[encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)]
    if groups_out is not None:
        groups_out.append(
            TargetGroups(households, group_of, [p.required_sources for p in group_params])
        )
    if required is not None:
        needed = [p.required_sources for p in group_params]
        for target, g in zip(households["target"].to_pylist(), group_of.tolist()):
            required[target] = needed[g]

    county = county_codes(households["region_path"])
    # The parameters used, per county, programme and property programme, taken from the first
    # household of each (as a run lists them).
    labels = (
        pa.table(
            {
                "county": county,
                "programme": households["programme"],
                "group": pa.array(group_of),
                "row": pa.array(np.arange(n_households, dtype=np.int64)),
            }
        )
        .group_by(["county", "programme", "group"])
        .aggregate([("row", "min")])
        .sort_by("row_min")
    )
    used: dict[str, dict] = {}
    for county_code, programme, g in zip(
        labels["county"].to_pylist(), labels["programme"].to_pylist(), labels["group"].to_pylist()
    ):
        p = group_params[g]
        label = f"{county_code}:{programme}:{p.property_programme}"
        if label not in used:
            used[label] = _param_summary(p)

    household_ids = households["household_id"].to_numpy()
    member_households = members["household_id"].to_numpy()
    if len(member_households):
        unique, counts = np.unique(member_households, return_counts=True)
        position = np.searchsorted(unique, household_ids).clip(0, len(unique) - 1)
        size = np.where(unique[position] == household_ids, counts[position], 0)
    else:
        size = np.zeros(n_households, dtype=np.int64)

    # Each target with its household's current members, in target order then person order:
    # positions found with numpy (members sorted by household); every column is then taken once,
    # straight at member granularity, from the households, the members or the parameter groups.
    member_households = members["household_id"].to_numpy()
    order = np.lexsort((members["person_id"].to_numpy(), member_households))
    sorted_households = member_households[order]
    first = np.searchsorted(sorted_households, household_ids, side="left")
    count = np.searchsorted(sorted_households, household_ids, side="right") - first
    target_row = np.repeat(np.arange(n_households, dtype=np.int64), count)
    start = np.cumsum(count) - count
    member_row = order[first[target_row] + np.arange(len(target_row)) - start[target_row]]
    per_row = pa.array(target_row)
    member_group = pa.array(group_of[target_row])

    def per_group(values: list, kind) -> pa.Array:
        return pa.array(values, kind).take(member_group)

    def windows(months: list[int]) -> list[dt.date]:
        return [rule_params.window_start(ref, m) for m in months]

    # Limits that depend on the household size: exact once per (group, size).
    pair_key = group_of * (1 << 32) + size.astype(np.int64)
    pairs, pair_of = np.unique(pair_key, return_inverse=True)
    limits = np.array(
        [
            (
                group_params[k >> 32].asset_limit(k & 0xFFFFFFFF),
                group_params[k >> 32].income_limit(k & 0xFFFFFFFF),
            )
            for k in pairs.tolist()
        ],
        dtype=np.int64,
    ).reshape(-1, 2)
    pair_of = pair_of.reshape(-1)[target_row]

    applied = (
        households["applied_on"]
        .combine_chunks()
        .to_numpy(zero_copy_only=False)
        .astype("datetime64[D]")
    )
    split_days = np.array([p.split_window_days for p in group_params], dtype=np.int64)[group_of]
    split_since = (applied - split_days.astype("timedelta64[D]"))[target_row]
    picked = members.take(pa.array(member_row))
    gp = group_params
    joined = pa.table(
        {
            "target": households["target"].take(per_row),
            "case_id": households["case_id"].take(per_row),
            "household_id": households["household_id"].take(per_row),
            "household_number": households["household_number"].take(per_row),
            "region_id": households["region_id"].take(per_row),
            "person_id": picked["person_id"],
            "id_key": picked["id_key"],
            "id_masked": picked["id_masked"],
            "relation": picked["relation"],
            "programme": households["programme"].take(per_row),
            "county_code": county.take(per_row),
            "ref_date": pa.array(np.full(len(target_row), np.datetime64(ref, "D")), pa.date32()),
            "applied_on": households["applied_on"].take(per_row),
            "size": pa.array(size.astype(np.int64)[target_row]),
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
            "asset_limit": pa.array(limits[pair_of, 0], pa.int64()),
            "income_limit": pa.array(limits[pair_of, 1], pa.int64()),
            "tax_since": per_group(windows([p.tax_window_months for p in gp]), pa.date32()),
            "excluded_programmes": per_group(
                [_codes(p.excluded_programmes) for p in gp], pa.string()
            ),
            "split_since": pa.array(split_since, pa.date32()),
            "insurance_since": per_group(
                windows([p.insurance_window_months for p in gp]), pa.date32()
            ),
            "insurance_min_months": per_group([p.insurance_min_months for p in gp], pa.int64()),
            "insurance_latest_since": pa.array(
                np.full(len(target_row), np.datetime64(rule_params.latest_month_start(ref), "D")),
                pa.date32(),
            ),
            "provident_since": per_group(
                windows([p.provident_window_months for p in gp]), pa.date32()
            ),
            "provident_min_months": per_group([p.provident_min_months for p in gp], pa.int64()),
        }
    )
    return joined.select(TARGET_SCHEMA.names).cast(TARGET_SCHEMA), used

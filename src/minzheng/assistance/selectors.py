"""Reads of standards and statistics: which value is in force for a region on a date.

Resolution. For (programme, key, region, date) the candidates are the rows with effective_from ≤
date; at each region the latest effective_from wins, and among rows with the same date the
highest version (a correction). The region chain is searched from the most specific unit upward:
village → township → the functional zones the township belongs to → county → city → province.
A zone therefore overrides the statutory county for its member townships (漳河新区's 漳河镇 takes
the zone's figure when one is set, otherwise 东宝区's), while an explicit row on a township
overrides the zone. A unit in two zones takes the zone with the lower code first. A more specific
row wins whatever its date: when the city raises a figure, counties with their own rows must be
set again — the standards screen shows where each value comes from.

Derived values are computed at resolution, for the region being resolved: a city-wide "特困 =
1.3 × 低保" row yields 1.3 × 480 in 东宝 and 1.3 × 400 in 钟祥; a statistic-derived row reads the
statistic of the year `effective_from.year + statistic_year_offset` (last year by default) at the
most specific region that publishes it (Jingmen's own figure, else Hubei's).

Standards are public policy figures, not personal data; callers check that the region is visible
to the user (`minzheng.regions.selectors.get_region`) before resolving.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from django.db.models import QuerySet

from minzheng.core.money import round_to_step, yuan_str
from minzheng.regions.models import Region

from .models import Standard, Statistic
from .params import REGISTRY, ROUNDING_STEPS, Unit, spec_for
from .rules.base import ResolvedStandard

_ROW_FIELDS = (
    "id",
    "programme__code",
    "key",
    "region__code",
    "effective_from",
    "version",
    "value",
    "derive_kind",
    "statistic_key",
    "statistic_year_offset",
    "base_programme__code",
    "base_key",
    "ratio",
    "rounding",
    "set_by_name",
    "reason",
)


def _code(programme) -> str:
    return programme if isinstance(programme, str) else programme.code


def zones_by_member(member_codes: list[str] | None = None) -> dict[str, list[str]]:
    """member region code -> codes of the functional zones it belongs to (one query)."""
    through = Region.members.through.objects
    if member_codes is not None:
        through = through.filter(to_region__code__in=member_codes)
    result: dict[str, list[str]] = {}
    for zone_code, member_code in through.values_list("from_region__code", "to_region__code"):
        result.setdefault(member_code, []).append(zone_code)
    for codes in result.values():
        codes.sort()
    return result


def chain_for_path(path: str, zones_of: dict[str, list[str]]) -> list[str]:
    """Region codes from the most specific to the root, each unit followed by its zones."""
    chain = []
    for code in reversed(path.strip("/").split("/")):
        chain.append(code)
        chain.extend(z for z in zones_of.get(code, []) if z not in chain)
    return chain


class StandardsTable:
    """Standards in force on one date, for any number of regions, from rows loaded once.

    Built by `standards_table(on)` in three queries whatever the number of regions or
    households; `for_path()` then resolves a region's full set in memory and caches it, so a
    payroll over 100,000 households costs one resolution per distinct region.
    """

    def __init__(
        self, on: dt.date, rows: list[dict], statistics: list[dict], zones_of: dict[str, list[str]]
    ):
        self.on = on
        self.zones_of = zones_of
        self._latest: dict[tuple[str, str], dict[str, dict]] = {}
        for row in rows:
            if row["effective_from"] > on:
                continue
            by_region = self._latest.setdefault((row["programme__code"], row["key"]), {})
            current = by_region.get(row["region__code"])
            if current is None or (row["effective_from"], row["version"]) > (
                current["effective_from"],
                current["version"],
            ):
                by_region[row["region__code"]] = row
        self._stats: dict[tuple[str, int], dict[str, dict]] = {}
        for stat in statistics:
            self._stats.setdefault((stat["key"], stat["year"]), {})[stat["region__code"]] = stat
        self._cache: dict[str, dict[str, dict[str, ResolvedStandard]]] = {}
        self._one: dict[tuple[str, str, str], ResolvedStandard | None] = {}

    def for_region(self, region: Region) -> dict[str, dict[str, ResolvedStandard]]:
        return self.for_path(region.path)

    def for_path(self, path: str) -> dict[str, dict[str, ResolvedStandard]]:
        cached = self._cache.get(path)
        if cached is None:
            chain = chain_for_path(path, self.zones_of)
            cached = {}
            for programme, key in self._latest:
                resolved = self._resolve(programme, key, chain, frozenset())
                if resolved is not None:
                    cached.setdefault(programme, {})[key] = resolved
            self._cache[path] = cached
        return cached

    def standard(self, path: str, programme: str, key: str) -> ResolvedStandard | None:
        """One standard for a region, as `for_path(path)[programme][key]` gives it, without
        resolving the region's other standards: an indicator over every region wants one or
        two of them, and resolving all of each region's took half of its time."""
        full = self._cache.get(path)
        if full is not None:
            return full.get(programme, {}).get(key)
        wanted = (path, programme, key)
        if wanted not in self._one:
            self._one[wanted] = (
                self._resolve(programme, key, chain_for_path(path, self.zones_of), frozenset())
                if (programme, key) in self._latest
                else None
            )
        return self._one[wanted]

    def statistic(self, key: str, year: int, chain: list[str]) -> dict | None:
        by_region = self._stats.get((key, year), {})
        for code in chain:
            if code in by_region:
                return by_region[code]
        return None

    def _resolve(
        self, programme: str, key: str, chain: list[str], visiting: frozenset
    ) -> ResolvedStandard | None:
        by_region = self._latest.get((programme, key), {})
        row = next((by_region[code] for code in chain if code in by_region), None)
        if row is None:
            return None
        spec = spec_for(programme, key)
        unit = spec.unit if spec else Unit.COUNT
        derivation = None
        if row["derive_kind"] == Standard.Derivation.STATISTIC:
            value, derivation = self._from_statistic(row, unit, chain)
        elif row["derive_kind"] == Standard.Derivation.STANDARD:
            value, derivation = self._from_standard(row, unit, chain, visiting | {(programme, key)})
        else:
            value = _typed(unit, row["value"])
        return ResolvedStandard(
            programme=programme,
            key=key,
            unit=unit,
            value=value,
            region_code=row["region__code"],
            effective_from=row["effective_from"],
            version=row["version"],
            standard_id=row["id"],
            derivation=derivation,
            set_by=row["set_by_name"],
            reason=row["reason"],
        )

    def _from_statistic(self, row: dict, unit: str, chain: list[str]):
        year = row["effective_from"].year + row["statistic_year_offset"]
        ratio = Decimal(row["ratio"])
        derivation = {
            "kind": "statistic",
            "statistic": row["statistic_key"],
            "year": year,
            "ratio": format(ratio.normalize(), "f"),
            "rounding": row["rounding"],
        }
        stat = self.statistic(row["statistic_key"], year, chain)
        if stat is None:
            derivation["error"] = "statistic_missing"
            return None, derivation
        yearly_fen = Fraction(Decimal(stat["value"])) * 100 * Fraction(ratio)
        exact = yearly_fen / 12 if unit == Unit.FEN_MONTH else yearly_fen
        value = _round(exact, row["rounding"])
        derivation.update(
            {
                "statistic_value": format(Decimal(stat["value"]), "f"),
                "statistic_region": stat["region__code"],
                "source": stat["source"],
                "yearly": yuan_str(round_to_step(yearly_fen, step_fen=1)),
                "per_month": unit == Unit.FEN_MONTH,
            }
        )
        return value, derivation

    def _from_standard(self, row: dict, unit: str, chain: list[str], visiting: frozenset):
        base_programme, base_key = row["base_programme__code"], row["base_key"]
        factor = Decimal(row["ratio"])
        derivation = {
            "kind": "standard",
            "programme": base_programme,
            "key": base_key,
            "factor": format(factor.normalize(), "f"),
            "rounding": row["rounding"],
        }
        if (base_programme, base_key) in visiting:
            derivation["error"] = "cycle"
            return None, derivation
        base = self._resolve(base_programme, base_key, chain, visiting)
        if base is None or base.value is None:
            # Pass a cycle found further down up to the row that closes it.
            inner = (base.derivation or {}).get("error") if base is not None else None
            derivation["error"] = "cycle" if inner == "cycle" else "base_missing"
            return None, derivation
        base_value = Fraction(base.value)
        if base.unit == Unit.FEN_YEAR and unit == Unit.FEN_MONTH:
            base_value /= 12
        elif base.unit == Unit.FEN_MONTH and unit == Unit.FEN_YEAR:
            base_value *= 12
        value = _round(base_value * Fraction(factor), row["rounding"])
        derivation.update(
            {"base_value": base.display(), "base_unit": base.unit, "base_region": base.region_code}
        )
        return value, derivation


def _round(exact: Fraction, rounding: str) -> int:
    step, up = ROUNDING_STEPS.get(rounding or "fen", (1, False))
    return round_to_step(exact, step_fen=step, up=up)


def _typed(unit: str, stored):
    if stored is None:
        return None
    if unit == Unit.RATIO:
        return Fraction(stored) if "/" in str(stored) else Decimal(str(stored))
    if unit == Unit.SET:
        return frozenset(stored)
    return stored


def _statistics_rows() -> list[dict]:
    return list(Statistic.objects.values("key", "year", "region__code", "value", "source"))


def standards_table(on: dt.date) -> StandardsTable:
    """The in-force table for every region on `on`: three queries (standards, statistics, zone
    memberships), then in-memory resolution per region."""
    rows = list(Standard.objects.filter(effective_from__lte=on).values(*_ROW_FIELDS))
    return StandardsTable(on, rows, _statistics_rows(), zones_by_member())


def _table_for(region: Region, on: dt.date) -> StandardsTable:
    path_codes = region.path.strip("/").split("/")
    zones_of = zones_by_member(path_codes)
    chain = chain_for_path(region.path, zones_of)
    rows = list(
        Standard.objects.filter(effective_from__lte=on, region__code__in=chain).values(*_ROW_FIELDS)
    )
    return StandardsTable(on, rows, _statistics_rows(), zones_of)


def all_standards_in_force(region: Region, on: dt.date) -> dict[str, dict[str, ResolvedStandard]]:
    """Every programme's parameters in force for the region (what a quote needs)."""
    return _table_for(region, on).for_region(region)


def standards_in_force(programme, region: Region, on: dt.date) -> dict[str, ResolvedStandard]:
    return all_standards_in_force(region, on).get(_code(programme), {})


def standard_in_force(programme, key: str, region: Region, on: dt.date) -> ResolvedStandard | None:
    return standards_in_force(programme, region, on).get(key)


def standard_history(programme, key: str, region: Region | None = None) -> QuerySet[Standard]:
    """Every version ever set for the parameter (newest first), optionally at one region."""
    qs = Standard.objects.filter(programme__code=_code(programme), key=key).select_related(
        "region", "set_by", "base_programme"
    )
    if region is not None:
        qs = qs.filter(region=region)
    return qs.order_by("-effective_from", "-version", "-id")


def registry_for(programme) -> dict:
    return REGISTRY.get(_code(programme), {})

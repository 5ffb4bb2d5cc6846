"""A synthetic Jingmen: villages, households and people written to Parquet, vectorised.

Same `persons`, `seed` and `as_of` give byte-identical files. The village structure (codes,
names, full-scale populations) depends on neither `persons` nor `seed`, so every synthetic
population lives in the same villages and several can share one database.

Everything per person is computed with numpy and pyarrow array operations; Python loops run only
over townships and villages (about 1,500 at full scale).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.utils.translation import gettext as _

from . import marks, names

Progress = Callable[[int, int, str], None] | None

FORMAT_VERSION = 1
FULL_SCALE = 2_900_000
# Village structure is a property of the city, not of one population draw.
STRUCTURE_SEED = 20160101

# Registered population by county around 2016 (钟祥 ~1.0M, 京山 ~0.63M, 沙洋 ~0.58M, 东宝 ~0.43M,
# 掇刀 ~0.27M) and the share with urban hukou; together about 56 % urban.
COUNTY_POPULATION = {
    "420881": 1_000_000,
    "420821": 630_000,
    "420822": 580_000,
    "420802": 430_000,
    "420804": 270_000,
}
COUNTY_URBAN_SHARE = {
    "420802": 0.75,
    "420804": 0.72,
    "420881": 0.52,
    "420821": 0.52,
    "420822": 0.45,
}
MEAN_VILLAGE_POPULATION = 2_000
# Relative rural weight of a township by kind; non-administrative units (farms, reservoirs,
# development zones) get few people, the prison administration none.
RURAL_WEIGHT = {"town": 1.0, "township": 0.8, "special": 0.08}

ROLES = ("head", "spouse", "child", "child_in_law", "parent", "grandchild")
HEAD, SPOUSE, CHILD, CHILD_IN_LAW, PARENT, GRANDCHILD = range(6)


@dataclass(frozen=True)
class Template:
    """A household shape: how many of each role besides the head, and the head's age range."""

    name: str
    counts: tuple[int, int, int, int, int]  # spouse, child, child_in_law, parent, grandchild
    head_age: tuple[int, int]
    head_male: float
    urban_weight: float
    rural_weight: float

    @property
    def size(self) -> int:
        return 1 + sum(self.counts)

    @property
    def stem(self) -> bool:
        """A married son or daughter living with the head, with the grandchildren."""
        return self.counts[2] > 0


# Weights were tuned so that a city comes out at ≈ 3.0 people per household, ≈ 18 % aged 60+
# and ≈ 2 % aged 80+; rural households are larger and more often span three generations.
TEMPLATES: tuple[Template, ...] = (
    Template("single_adult", (0, 0, 0, 0, 0), (20, 59), 0.60, 10.0, 6.5),
    Template("single_elder", (0, 0, 0, 0, 0), (60, 96), 0.35, 4.5, 5.0),
    Template("couple_adult", (1, 0, 0, 0, 0), (22, 59), 0.85, 16.0, 10.0),
    Template("couple_elder", (1, 0, 0, 0, 0), (60, 88), 0.90, 8.0, 9.0),
    Template("single_parent", (0, 1, 0, 0, 0), (28, 62), 0.45, 4.0, 3.0),
    Template("elder_grandchild", (0, 0, 0, 0, 1), (55, 80), 0.50, 0.5, 2.0),
    Template("nuclear_1", (1, 1, 0, 0, 0), (24, 58), 0.85, 23.0, 15.0),
    Template("couple_parent", (1, 0, 0, 1, 0), (28, 52), 0.85, 2.0, 2.0),
    Template("grandparents_1", (1, 0, 0, 0, 1), (52, 78), 0.90, 1.5, 5.5),
    Template("nuclear_2", (1, 2, 0, 0, 0), (28, 55), 0.85, 9.0, 10.0),
    Template("nuclear_1_parent", (1, 1, 0, 1, 0), (28, 55), 0.85, 4.5, 4.5),
    Template("grandparents_2", (1, 0, 0, 0, 2), (52, 78), 0.90, 0.5, 3.0),
    Template("stem_4", (1, 1, 1, 0, 0), (50, 70), 0.90, 1.0, 3.0),
    Template("stem_5", (1, 1, 1, 0, 1), (48, 72), 0.90, 3.0, 7.0),
    Template("nuclear_2_parent", (1, 2, 0, 1, 0), (30, 55), 0.85, 2.0, 2.5),
    Template("nuclear_1_parents", (1, 1, 0, 2, 0), (28, 50), 0.85, 2.0, 2.0),
    Template("stem_6", (1, 1, 1, 0, 2), (50, 74), 0.90, 1.0, 3.5),
    Template("nuclear_2_parents", (1, 2, 0, 2, 0), (30, 52), 0.85, 1.0, 1.5),
    Template("stem_7", (1, 1, 1, 1, 2), (48, 62), 0.90, 0.5, 1.5),
    Template("nuclear_3_parents", (1, 3, 0, 2, 0), (32, 52), 0.85, 0.3, 0.7),
)

# Disability (2006 national sample survey shares by type; grade 1 most severe).
DISABILITY_TYPES = ("physical", "hearing", "multiple", "visual", "mental", "intellectual", "speech")
DISABILITY_TYPE_SHARE = (0.29, 0.24, 0.16, 0.15, 0.075, 0.07, 0.015)
DISABILITY_GRADE_SHARE = (0.14, 0.24, 0.30, 0.32)
DISABILITY_PREVALENCE = 0.06
DEATHS_PER_YEAR = 0.006
DEATH_WINDOW_DAYS = 730
MOBILE_PREFIXES = (
    130,
    131,
    132,
    133,
    135,
    136,
    137,
    138,
    139,
    150,
    151,
    152,
    153,
    155,
    156,
    157,
    158,
    159,
    177,
    180,
    181,
    182,
    183,
    185,
    186,
    187,
    188,
    189,
    199,
)
DICTIONARY_COLUMNS = {
    "village_code",
    "township_code",
    "county_code",
    "urban_rural",
    "sex",
    "hukou_type",
    "disability_type",
    "relation",
    "bank_name",
    "name",
    "name_pinyin",
}
ID_WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
ID_CHECK_CHARS = list("10X98765432")
# The sequence field carries sex in its parity; 499 values per sex (001–997 odd, 002–998 even).
ID_SEQUENCES_PER_SEX = 499


# --------------------------------------------------------------------------------------------
# Villages


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    county: str
    kind: str  # street, town, township, special


def jingmen_townships() -> list[Township]:
    """Townships from the division list, with 2016 codes (京山 420882 → 420821)."""
    from minzheng.regions.services import DIVISIONS_CSV, _code_2016

    result = []
    with open(DIVISIONS_CSV, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["level"] != "township":
                continue
            code = _code_2016(row["code"])
            suffix = code[6:9]
            kind = {"0": "street", "1": "town", "2": "township"}.get(suffix[0], "special")
            result.append(Township(code=code, name=row["name"], county=code[:6], kind=kind))
    return result


def _village_name(rng: np.random.Generator, surname_chars: list[str], surname_p: np.ndarray) -> str:
    pattern = rng.random()
    if pattern < 0.35:
        surname = surname_chars[rng.choice(len(surname_chars), p=surname_p)]
        return f"{surname}家{names.VILLAGE_FEATURES[rng.integers(len(names.VILLAGE_FEATURES))]}村"
    if pattern < 0.6:
        prefix = names.VILLAGE_PREFIXES_1[rng.integers(len(names.VILLAGE_PREFIXES_1))]
        return f"{prefix}{names.VILLAGE_FEATURES[rng.integers(len(names.VILLAGE_FEATURES))]}村"
    return f"{names.VILLAGE_PREFIXES_2[rng.integers(len(names.VILLAGE_PREFIXES_2))]}村"


def _community_name(rng: np.random.Generator) -> str:
    prefix = names.COMMUNITY_PREFIXES[rng.integers(len(names.COMMUNITY_PREFIXES))]
    return f"{prefix}{names.COMMUNITY_SUFFIXES[rng.integers(len(names.COMMUNITY_SUFFIXES))]}社区"


def _unique_name(make: Callable[[], str], used: set[str], fallback: str) -> str:
    for _attempt in range(200):
        name = make()
        if name not in used:
            used.add(name)
            return name
    used.add(fallback)
    return fallback


def build_villages(townships: list[Township] | None = None) -> pa.Table:
    """Village and community units with full-scale populations; independent of any seed."""
    townships = townships if townships is not None else jingmen_townships()
    rng = np.random.default_rng(STRUCTURE_SEED)
    surname_chars = [s for s, _ in names.SURNAMES]
    surname_p = np.array([w for _, w in names.SURNAMES], dtype=float)
    surname_p /= surname_p.sum()
    rows: list[tuple[str, str, str, str, str, int]] = []
    for county, population in COUNTY_POPULATION.items():
        in_county = [t for t in townships if t.county == county]
        urban_total = population * COUNTY_URBAN_SHARE[county]
        rural_total = population - urban_total
        streets = [t for t in in_county if t.kind == "street"]
        towns = [t for t in in_county if t.kind == "town"]
        # Towns keep 1–3 communities at their seat; a county without streets has its urban core in
        # its first town (沙洋镇), which is treated like a street for the rest of the urban population.
        core = streets or towns[:1]
        town_communities = {t.code: int(rng.integers(1, 4)) for t in towns if t not in core}
        for t in in_county:
            if t.kind == "special" and ("开发区" in t.name or "新区" in t.name or "新港" in t.name):
                town_communities[t.code] = 1
        urban_pop = {
            code: n * MEAN_VILLAGE_POPULATION * rng.uniform(0.8, 1.2)
            for code, n in town_communities.items()
        }
        core_weights = rng.uniform(0.8, 1.2, size=len(core))
        core_total = urban_total - sum(urban_pop.values())
        for t, w in zip(core, core_weights / core_weights.sum()):
            urban_pop[t.code] = core_total * w
        rural_weights = {}
        for t in in_county:
            if t.kind == "street" or "监狱" in t.name:
                continue
            rural_weights[t.code] = RURAL_WEIGHT[t.kind] * rng.uniform(0.7, 1.3)
        rural_sum = sum(rural_weights.values())
        for t in in_county:
            used: set[str] = set()
            upop = urban_pop.get(t.code, 0.0)
            if upop > 0:
                n = town_communities.get(t.code) or int(
                    min(199, max(1, round(upop / MEAN_VILLAGE_POPULATION)))
                )
                shares = rng.uniform(0.5, 1.5, size=n)
                pops = np.round(upop * shares / shares.sum()).astype(int)
                for i in range(n):
                    name = _unique_name(lambda: _community_name(rng), used, f"第{i + 1}社区")
                    rows.append(
                        (f"{t.code}{i + 1:03d}", name, t.code, county, "urban", int(pops[i]))
                    )
            rpop = rural_total * rural_weights.get(t.code, 0.0) / rural_sum
            if rpop > 0:
                n = int(min(200, max(1, round(rpop / MEAN_VILLAGE_POPULATION))))
                shares = rng.uniform(0.5, 1.5, size=n)
                pops = np.round(rpop * shares / shares.sum()).astype(int)
                for i in range(n):
                    name = _unique_name(
                        lambda: _village_name(rng, surname_chars, surname_p), used, f"第{i + 1}村"
                    )
                    rows.append(
                        (f"{t.code}{200 + i:03d}", name, t.code, county, "rural", int(pops[i]))
                    )
    rows.sort()
    columns = list(zip(*rows))
    return pa.table(
        {
            "code": pa.array(columns[0], pa.string()),
            "name": pa.array(columns[1], pa.string()),
            "township_code": pa.array(columns[2], pa.string()),
            "county_code": pa.array(columns[3], pa.string()),
            "urban_rural": pa.array(columns[4], pa.string()),
            "full_scale_population": pa.array(columns[5], pa.int32()),
        }
    )


# --------------------------------------------------------------------------------------------
# Households and people


def _uniform_int(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Integers in [lo, hi] element-wise."""
    return lo + np.floor(rng.random(lo.shape) * (hi - lo + 1)).astype(np.int64)


def _group_rank(keys: np.ndarray) -> np.ndarray:
    """0-based position of each element among the elements with the same key (stable)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    n = len(keys)
    starts = np.ones(n, dtype=bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - first
    return rank


def _dates_to_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of days since 1970-01-01, in integer arithmetic (the proleptic Gregorian
    "civil from days" algorithm; numpy's datetime64 unit casts are several times slower)."""
    z = np.asarray(days, dtype=np.int64) + 719_468
    era = np.floor_divide(z, 146_097)
    day_of_era = z - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1_460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153  # March = 0
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = np.where(month_index < 10, month_index + 3, month_index - 9)
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day


def resident_ids(
    county: np.ndarray, birth_days: np.ndarray, male: np.ndarray, seed: int
) -> pa.Array:
    """GB 11643 numbers, unique within the batch: the sequence field is a permutation within each
    (county, birth date, sex) group, so two people never draw the same number."""
    group = (
        (county.astype(np.int64) % 1_000_000) * 200_000
        + (birth_days.astype(np.int64) + 60_000) * 2
        + male
    )
    rank = _group_rank(group)
    if len(rank) and rank.max() >= ID_SEQUENCES_PER_SEX:
        raise ValueError(
            _("同一县、同一出生日期、同一性别的人数超过顺序码容量，无法生成不重复的身份证号码")
        )
    mix = group * 2_654_435_761 + seed * 40_503
    offset = mix % ID_SEQUENCES_PER_SEX
    stride = 1 + (mix // ID_SEQUENCES_PER_SEX) % (ID_SEQUENCES_PER_SEX - 1)
    slot = (
        offset + rank * stride
    ) % ID_SEQUENCES_PER_SEX  # 499 is prime: distinct for distinct ranks
    sequence = np.where(male, 2 * slot + 1, 2 * slot + 2)
    years, months, days = _dates_to_parts(birth_days)
    first17 = (
        county.astype(np.int64) * 10**11 + (years * 10_000 + months * 100 + days) * 1000 + sequence
    )
    total = np.zeros(len(first17), dtype=np.int64)
    for position in range(17):
        total += (first17 // 10 ** (16 - position)) % 10 * ID_WEIGHTS[position]
    check = pa.array(ID_CHECK_CHARS).take(pa.array(total % 11))
    return pc.binary_join_element_wise(pc.cast(pa.array(first17), pa.string()), check, "")


def luhn_accounts(payload: np.ndarray) -> pa.Array:
    """Append the Luhn check digit to 18-digit card payloads (19-digit account numbers)."""
    payload = payload.astype(np.uint64)
    total = np.zeros(len(payload), dtype=np.uint64)
    rest = payload.copy()
    for position in range(18):
        digit = rest % np.uint64(10)
        rest //= np.uint64(10)
        if position % 2 == 0:  # rightmost payload digit is doubled
            digit = digit * np.uint64(2)
            digit = np.where(digit > 9, digit - np.uint64(9), digit)
        total += digit
    check = (np.uint64(10) - total % np.uint64(10)) % np.uint64(10)
    return pc.cast(pa.array(payload * np.uint64(10) + check), pa.string())


def _age_years(as_of_day: int, birth_days: np.ndarray) -> np.ndarray:
    """Completed years of age on as_of."""
    ay, am, ad = _dates_to_parts(np.array([as_of_day]))
    by, bm, bd = _dates_to_parts(birth_days)
    return ay[0] - by - ((bm > am[0]) | ((bm == am[0]) & (bd > ad[0]))).astype(np.int64)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_as_of(today: dt.date | None = None) -> dt.date:
    """1 January of the current year: ages are current, and a city regenerates identically all year."""
    today = today or dt.date.today()
    return dt.date(today.year, 1, 1)


def name_keys(
    surnames: list[str],
    given: list[str],
    surname_idx: np.ndarray,
    first_idx: np.ndarray,
    second_idx: np.ndarray,
) -> tuple[pa.Array, pa.Array]:
    """Names (surname + two given characters, "" for none) and their search keys, built from each
    character's pinyin with array operations; equal to `people.pinyin.name_pinyin` of each name."""
    n = len(surname_idx)
    sur_full, sur_initial, sur_alt_full, sur_alt_initial = names.surname_pinyin(tuple(surnames))
    given_full, given_initial = names.char_pinyin(tuple(given))
    s_idx, g1_idx, g2_idx = pa.array(surname_idx), pa.array(first_idx), pa.array(second_idx)
    given_arr = pa.array(given)
    name = pc.binary_join_element_wise(
        pa.array(surnames).take(s_idx), given_arr.take(g1_idx), given_arr.take(g2_idx), ""
    )
    g1_full, g2_full = pa.array(given_full).take(g1_idx), pa.array(given_full).take(g2_idx)
    g1_initial = pa.array(given_initial).take(g1_idx)
    g2_initial = pa.array(given_initial).take(g2_idx)
    full = pc.binary_join_element_wise(pa.array(sur_full).take(s_idx), g1_full, g2_full, "")
    initials = pc.binary_join_element_wise(
        pa.array(sur_initial).take(s_idx), g1_initial, g2_initial, ""
    )
    name_pinyin = pc.binary_join_element_wise(full, initials, " ")
    # A surname read otherwise as a surname (曾 zeng) also carries its common reading (ceng):
    # computed for those rows only (about one in a hundred) and put in place.
    rows = pc.indices_nonzero(pa.array([bool(a) for a in sur_alt_full]).take(s_idx))
    if len(rows):
        alt_surname = s_idx.take(rows)
        alt_full = pc.binary_join_element_wise(
            pa.array(sur_alt_full).take(alt_surname), g1_full.take(rows), g2_full.take(rows), ""
        )
        alt_initials = pc.binary_join_element_wise(
            pa.array(sur_alt_initial).take(alt_surname),
            g1_initial.take(rows),
            g2_initial.take(rows),
            "",
        )
        has_alt = np.zeros(n, dtype=bool)
        has_alt[rows.to_numpy()] = True
        name_pinyin = pc.replace_with_mask(
            name_pinyin,
            pa.array(has_alt),
            pc.binary_join_element_wise(name_pinyin.take(rows), alt_full, alt_initials, " "),
        )
    return name, name_pinyin


def generate_city(
    *,
    persons: int,
    seed: int = 2016,
    out_dir: Path,
    progress: Progress = None,
    as_of: dt.date | None = None,
) -> dict:
    """Write villages, households, persons and members Parquet files plus manifest.json."""
    if persons < 1:
        raise ValueError(_("人数至少为 1"))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    as_of = as_of or default_as_of()
    as_of_day = int(np.datetime64(as_of, "D").astype(np.int64))
    steps = 6
    report = progress or (lambda done, total, message: None)

    report(0, steps, _("村（社区）"))
    villages = build_villages()
    rng = np.random.default_rng(np.random.SeedSequence([seed, persons]))
    village_pop = villages["full_scale_population"].to_numpy().astype(float)
    village_urban = pc.equal(villages["urban_rural"], "urban").to_numpy(zero_copy_only=False)
    village_county = np.array([int(c) for c in villages["county_code"].to_pylist()], dtype=np.int64)

    # Households: village first (by population), then a shape from that village's urban/rural mix.
    report(1, steps, _("家庭"))
    sizes_by_template = np.array([t.size for t in TEMPLATES])
    urban_p = np.array([t.urban_weight for t in TEMPLATES])
    rural_p = np.array([t.rural_weight for t in TEMPLATES])
    urban_p, rural_p = urban_p / urban_p.sum(), rural_p / rural_p.sum()
    mean_size = 0.56 * (urban_p @ sizes_by_template) + 0.44 * (rural_p @ sizes_by_template)
    draws = int(persons / mean_size * 1.1) + 16
    # Households per village in proportion to people: urban households are smaller.
    hh_weight = village_pop / np.where(
        village_urban, urban_p @ sizes_by_template, rural_p @ sizes_by_template
    )
    hh_village = rng.choice(len(village_pop), size=draws, p=hh_weight / hh_weight.sum())
    cumulative_urban, cumulative_rural = np.cumsum(urban_p), np.cumsum(rural_p)
    u = rng.random(draws)
    hh_template = np.where(
        village_urban[hh_village],
        np.searchsorted(cumulative_urban, u, side="right"),
        np.searchsorted(cumulative_rural, u, side="right"),
    ).clip(0, len(TEMPLATES) - 1)
    cumulative = np.cumsum(sizes_by_template[hh_template])
    while cumulative[-1] < persons:  # extremely unlikely: add single-person households
        hh_village = np.append(hh_village, hh_village[-1])
        hh_template = np.append(hh_template, 0)
        cumulative = np.append(cumulative, cumulative[-1] + 1)
    last = int(np.searchsorted(cumulative, persons))
    hh_village, hh_template = hh_village[: last + 1].copy(), hh_template[: last + 1].copy()
    remainder = persons - (int(cumulative[last - 1]) if last else 0)
    if sizes_by_template[hh_template[last]] != remainder:
        fitting = [i for i, t in enumerate(TEMPLATES) if t.size == remainder]
        hh_template[last] = max(
            fitting, key=lambda i: TEMPLATES[i].urban_weight + TEMPLATES[i].rural_weight
        )
    order = np.argsort(hh_village, kind="stable")
    hh_village, hh_template = hh_village[order], hh_template[order]
    n_households = len(hh_village)

    head_lo = np.array([t.head_age[0] for t in TEMPLATES])[hh_template]
    head_hi = np.array([t.head_age[1] for t in TEMPLATES])[hh_template]
    # Elderly couples skew young (more 60–75 than 85+): the smaller of two uniform draws. People
    # living alone are older on average (mostly the widowed), so their ages stay uniform.
    elder = (head_lo >= 60) & (np.array([t.counts[0] for t in TEMPLATES])[hh_template] > 0)
    head_age = np.where(
        elder,
        np.minimum(_uniform_int(rng, head_lo, head_hi), _uniform_int(rng, head_lo, head_hi)),
        _uniform_int(rng, head_lo, head_hi),
    )
    head_male = rng.random(n_households) < np.array([t.head_male for t in TEMPLATES])[hh_template]
    stem = np.array([t.stem for t in TEMPLATES])[hh_template]
    stem_child_age = np.maximum(
        head_age - _uniform_int(rng, np.full(n_households, 22), np.full(n_households, 30)), 20
    )
    stem_child_male = rng.random(n_households) < 0.85

    surname_chars = [s for s, _ in names.SURNAMES]
    surname_p = np.array([w for _, w in names.SURNAMES], dtype=float)
    surname_p /= surname_p.sum()
    head_surname = rng.choice(len(surname_chars), size=n_households, p=surname_p)
    spouse_surname = rng.choice(len(surname_chars), size=n_households, p=surname_p)
    has_spouse = np.array([t.counts[0] for t in TEMPLATES])[hh_template] > 0
    family_surname = np.where(head_male | ~has_spouse, head_surname, spouse_surname)

    # People: one row per role slot, in household order, head first.
    report(2, steps, _("人员"))
    role_counts = np.column_stack(
        [np.ones(len(TEMPLATES), dtype=np.int64), np.array([t.counts for t in TEMPLATES])]
    )[hh_template]
    flat_counts = role_counts.ravel()
    n = int(flat_counts.sum())
    slot = np.repeat(np.arange(n_households * len(ROLES)), flat_counts)
    hh = slot // len(ROLES)
    role = slot % len(ROLES)
    slot_start = (np.cumsum(flat_counts) - flat_counts)[slot]
    ordinal = np.arange(n) - slot_start
    role_count = flat_counts[slot]

    h_age, h_male = head_age[hh], head_male[hh]
    age = np.zeros(n, dtype=np.int64)
    male = np.zeros(n, dtype=bool)
    is_ = {r: role == r for r in range(len(ROLES))}
    age[is_[HEAD]] = h_age[is_[HEAD]]
    male[is_[HEAD]] = h_male[is_[HEAD]]
    gap = np.rint(rng.normal(2.0, 2.5, n)).astype(np.int64)
    spouse_age = np.where(h_male, h_age - gap, h_age + gap)
    spouse_age = np.maximum(spouse_age, np.where(h_male, 20, 22))
    age[is_[SPOUSE]] = spouse_age[is_[SPOUSE]]
    male[is_[SPOUSE]] = ~h_male[is_[SPOUSE]]

    parent_gap = _uniform_int(rng, np.full(n, 20), np.full(n, 36))
    child_age = h_age - parent_gap
    young = child_age < 0
    child_age[young] = np.floor(
        rng.random(int(young.sum())) * np.maximum(h_age[young] - 19, 1)
    ).astype(np.int64)
    h_stem = stem[hh]
    child_age = np.where(h_stem, stem_child_age[hh], child_age)
    child_male = np.where(h_stem, stem_child_male[hh], rng.random(n) < 0.52)
    age[is_[CHILD]] = child_age[is_[CHILD]]
    male[is_[CHILD]] = child_male[is_[CHILD]]

    in_law_age = np.maximum(
        stem_child_age[hh] + np.rint(rng.normal(-1.0, 2.0, n)).astype(np.int64), 20
    )
    age[is_[CHILD_IN_LAW]] = in_law_age[is_[CHILD_IN_LAW]]
    male[is_[CHILD_IN_LAW]] = ~stem_child_male[hh][is_[CHILD_IN_LAW]]

    parent_age = np.minimum(h_age + _uniform_int(rng, np.full(n, 22), np.full(n, 34)), 100)
    parent_male = np.where(role_count == 2, ordinal == 0, rng.random(n) < 0.35)
    age[is_[PARENT]] = parent_age[is_[PARENT]]
    male[is_[PARENT]] = parent_male[is_[PARENT]]

    stem_grand_age = stem_child_age[hh] - _uniform_int(rng, np.full(n, 22), np.full(n, 30))
    stem_grand_age = np.where(
        stem_grand_age < 0,
        np.floor(rng.random(n) * np.maximum(stem_child_age[hh] - 19, 1)),
        stem_grand_age,
    )
    grand_age = np.where(h_stem, stem_grand_age, np.floor(rng.random(n) * 17)).astype(np.int64)
    age[is_[GRANDCHILD]] = grand_age[is_[GRANDCHILD]]
    male[is_[GRANDCHILD]] = (rng.random(n) < 0.53)[is_[GRANDCHILD]]
    age = np.clip(age, 0, 104)

    # Birth date: `age` full years before as_of, at a uniformly random day within that year of life.
    birth_days = as_of_day - np.floor((age + rng.random(n)) * 365.2425).astype(np.int64) - 1
    age = _age_years(as_of_day, birth_days)

    surname_idx = np.where(is_[HEAD], head_surname[hh], family_surname[hh])
    surname_idx = np.where(is_[SPOUSE], spouse_surname[hh], surname_idx)
    own_surname = rng.choice(len(surname_chars), size=n, p=surname_p)
    surname_idx = np.where(is_[CHILD_IN_LAW] | (is_[PARENT] & ~male), own_surname, surname_idx)
    surname_idx = np.where(is_[PARENT] & male, head_surname[hh], surname_idx)

    report(3, steps, _("姓名与身份证号码"))
    pool_chars = [names.GIVEN_CHARS[p] for p in names.GIVEN_POOLS]
    char_table = [c for chars in pool_chars for c in chars] + [""]
    pool_offset = np.cumsum([0] + [len(c) for c in pool_chars[:-1]])
    pool_size = np.array([len(c) for c in pool_chars])
    birth_year = _dates_to_parts(birth_days)[0]
    pool = np.where(male, 0, 2) + (birth_year >= 1975)
    first_char = pool_offset[pool] + np.floor(rng.random(n) * pool_size[pool]).astype(np.int64)
    second_char = pool_offset[pool] + np.floor(rng.random(n) * pool_size[pool]).astype(np.int64)
    second_char = np.where(rng.random(n) < 0.78, second_char, len(char_table) - 1)
    name, name_pinyin = name_keys(surname_chars, char_table, surname_idx, first_char, second_char)

    person_village = hh_village[hh]
    county = village_county[person_village]
    id_numbers = resident_ids(county, birth_days, male, seed)

    report(4, steps, _("死亡、残疾与联系方式"))
    # Deaths over the last two years, rising steeply with age (Gompertz), scaled to the target rate.
    hazard = np.exp(0.09 * age.astype(float))
    death_p = hazard * (DEATHS_PER_YEAR * DEATH_WINDOW_DAYS / 365.0 * n / hazard.sum())
    dead = rng.random(n) < np.minimum(death_p, 0.9)
    window = np.minimum(DEATH_WINDOW_DAYS, as_of_day - 1 - birth_days)
    death_days = as_of_day - 1 - np.floor(rng.random(n) * np.maximum(window, 0)).astype(np.int64)
    death_days = np.maximum(death_days, birth_days)

    # Disability: prevalence rises with age; scaled so the city-wide share is the target.
    weight = 0.25 + np.maximum(age - 30, 0) / 12.0
    disabled = rng.random(n) < np.minimum(weight * (DISABILITY_PREVALENCE * n / weight.sum()), 0.9)
    disability_type = pa.array(DISABILITY_TYPES).take(
        pa.array(rng.choice(len(DISABILITY_TYPES), size=n, p=DISABILITY_TYPE_SHARE))
    )
    disability_grade = rng.choice(4, size=n, p=DISABILITY_GRADE_SHARE) + 1

    adult = age >= 16
    has_phone = adult & (rng.random(n) < np.where(age >= 75, 0.5, 0.9))
    phone_number = np.array(MOBILE_PREFIXES)[
        rng.integers(len(MOBILE_PREFIXES), size=n)
    ] * 10**8 + rng.integers(0, 10**8, size=n)
    phone = pc.cast(pa.array(phone_number), pa.string())

    # Membership dates: the household was formed when the head was an adult, at most 40 years ago.
    span = np.maximum(np.minimum(head_age - 18, 40), 0)
    formed = (
        as_of_day - np.floor(rng.random(n_households) * (span * 365.2425 + 1)).astype(np.int64) - 1
    )
    since = np.maximum(formed[hh], birth_days)
    since = np.where(dead, np.minimum(since, death_days), since)

    report(5, steps, _("写入文件"))
    village_codes = villages["code"]
    hh_seq = _group_rank(hh_village) + 1
    hh_number = pc.binary_join_element_wise(
        "H",
        village_codes.take(pa.array(hh_village)),
        pc.utf8_lpad(pc.cast(pa.array(hh_seq), pa.string()), 5, "0"),
        "",
    )
    township_name = {t.code: t.name for t in jingmen_townships()}
    village_label = pa.array(
        [
            township_name[t] + v
            for t, v in zip(villages["township_code"].to_pylist(), villages["name"].to_pylist())
        ]
    )
    urban_hh = village_urban[hh_village]
    building = rng.integers(1, 31, size=n_households)
    unit = rng.integers(1, 5, size=n_households)
    room = rng.integers(1, 19, size=n_households) * 100 + rng.integers(1, 5, size=n_households)
    group_no = rng.integers(1, 13, size=n_households)
    house_no = rng.integers(1, 81, size=n_households)
    as_str = lambda values: pc.cast(pa.array(values), pa.string())  # noqa: E731
    urban_address = pc.binary_join_element_wise(
        village_label.take(pa.array(hh_village)),
        as_str(building),
        "栋",
        as_str(unit),
        "单元",
        as_str(room),
        "室",
        "",
    )
    rural_address = pc.binary_join_element_wise(
        village_label.take(pa.array(hh_village)), as_str(group_no), "组", as_str(house_no), "号", ""
    )
    address = pc.if_else(pa.array(urban_hh), urban_address, rural_address)

    bank_choice = rng.choice(
        len(names.BANKS), size=n_households, p=[bank[2] for bank in names.BANKS]
    )
    has_account = rng.random(n_households) < 0.95
    bank_prefix = np.array([int(bank[1]) for bank in names.BANKS], dtype=np.uint64)[bank_choice]
    payload = bank_prefix * np.uint64(10**12) + rng.integers(0, 10**12, size=n_households).astype(
        np.uint64
    )
    account = luhn_accounts(payload)
    no_account = pa.array(~has_account)
    null_str = pa.scalar(None, pa.string())
    bank_name = pc.if_else(
        no_account,
        null_str,
        pa.array([bank[0] for bank in names.BANKS]).take(pa.array(bank_choice)),
    )
    bank_account = pc.if_else(no_account, null_str, account)

    head_rows = np.flatnonzero(is_[HEAD])
    households = pa.table(
        {
            "number": hh_number,
            "village_code": village_codes.take(pa.array(hh_village)),
            "address": address,
            "head_id_number": id_numbers.take(pa.array(head_rows)),
            "size": pa.array(role_counts.sum(axis=1).astype(np.int8)),
            "bank_name": bank_name,
            "bank_account": bank_account,
        }
    )
    date32 = lambda days: pa.array(days.astype(np.int32), pa.date32())  # noqa: E731
    not_dead, not_disabled = pa.array(~dead), pa.array(~disabled)
    people = pa.table(
        {
            "id_number": id_numbers,
            "name": name,
            "name_pinyin": name_pinyin,
            "sex": pc.if_else(pa.array(male), "M", "F"),
            "birth_date": date32(birth_days),
            "village_code": village_codes.take(pa.array(person_village)),
            "hukou_type": pc.if_else(pa.array(village_urban[person_village]), "urban", "rural"),
            "disability_type": pc.if_else(not_disabled, null_str, disability_type),
            "disability_grade": pc.if_else(
                not_disabled, pa.scalar(None, pa.int8()), pa.array(disability_grade.astype(np.int8))
            ),
            "death_date": pc.if_else(not_dead, pa.scalar(None, pa.date32()), date32(death_days)),
            "phone": pc.if_else(pa.array(~has_phone), null_str, phone),
        }
    )
    members = pa.table(
        {
            "household_number": hh_number.take(pa.array(hh)),
            "id_number": id_numbers,
            "relation": pa.array(list(ROLES)).take(pa.array(role)),
            "since": date32(since),
            "until": pc.if_else(not_dead, pa.scalar(None, pa.date32()), date32(death_days)),
        }
    )
    tables = {"villages": villages, "households": households, "persons": people, "members": members}
    files = {}
    for stem_name, table in tables.items():
        path = out_dir / f"{stem_name}.parquet"
        # Dictionary encoding only where values repeat; for IDs and names it is wasted work.
        dictionary = [c for c in table.column_names if c in DICTIONARY_COLUMNS]
        pq.write_table(
            marks.mark(table),
            path,
            compression="zstd",
            row_group_size=256_000,
            use_dictionary=dictionary,
        )
        files[path.name] = {"rows": table.num_rows, "sha256": _sha256(path)}
    manifest = {
        "format": FORMAT_VERSION,
        "synthetic": True,
        "seed": seed,
        "persons": n,
        "households": n_households,
        "villages": villages.num_rows,
        "members": members.num_rows,
        "as_of": as_of.isoformat(),
        "files": files,
        "checksum": hashlib.sha256(
            "".join(f"{k}:{v['sha256']}\n" for k, v in sorted(files.items())).encode()
        ).hexdigest(),
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    report(steps, steps, _("完成"))
    return manifest

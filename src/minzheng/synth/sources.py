"""Departmental data for a synthetic city (see `minzheng.synth.generator`), consistent with its
people, with a known set of planted discrepancies.

`generate_sources(city_dir=...)` writes into `<city>/sources/`:

* one Parquet file per departmental source, shaped like the department's own export (plaintext ID
  numbers, the column codes of `minzheng.verification.sources`, money in yuan), ready for
  `minzheng verify import-dir`;
* `recheck_households.parquet`: the platform's beneficiary households (programme, date of
  enrolment) that the periodic recheck verifies — not a departmental source;
* `ground_truth.csv`: every planted discrepancy (household, member, rule) and every near miss — a
  record built to sit just on the permitted side of a rule (a car worth exactly the limit, assets
  equal to the limit, a disability vehicle, a deregistered company, a divorce, a split outside the window…);
* `manifest.json` with counts and checksums.

People outside the beneficiary households get ordinary, unconstrained records (cars, homes,
companies, jobs, deposits); beneficiary households get clean records except for what is planted
or built as a near miss, so a run's findings can be scored: recall and precision against the
planted set (`score`). Limits are computed from the default standards of
`minzheng.assistance.defaults` and the defaults of `minzheng.verification.params`; a database whose
standards differ from the defaults moves the near misses.

Same city, seed and shares give byte-identical files. Everything is vectorised with numpy.
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

from minzheng.assistance.defaults import CITY, DEFAULT_STANDARDS
from minzheng.core import idcard, sheets
from minzheng.verification import params as rule_params

from . import marks
from .generator import _age_years, _group_rank, resident_ids

FORMAT_VERSION = 1
Progress = Callable[[int, int, str], None] | None
PLANTED_RULES = (
    "deceased_member",
    "vehicle",
    "multiple_homes",
    "non_residential_property",
    "business_role",
    "business_review",
    "financial_assets",
    "undeclared_marriage",
    "household_split",
    "duplicate_assistance",
    "staff_relative",
    "public_sector",
    "employer_insurance",
    "provident_fund",
    "taxed_income",
)
NEAR_MISSES = (
    ("vehicle", "disability_vehicle"),
    ("vehicle", "at_limit"),
    ("vehicle", "deregistered"),
    ("multiple_homes", "sold"),
    ("business_role", "deregistered"),
    ("financial_assets", "at_limit"),
    ("undeclared_marriage", "divorced"),
    ("undeclared_marriage", "widowed"),
    ("household_split", "long_ago"),
    ("household_split", "nobody_left"),
    ("duplicate_assistance", "ended"),
    ("public_sector", "left"),
    ("employer_insurance", "too_few_months"),
    ("employer_insurance", "before_window"),
    ("provident_fund", "too_few_months"),
    ("taxed_income", "at_limit"),
)
SOURCE_FILES = (
    "deaths",
    "hukou",
    "tax",
    "social_insurance",
    "real_estate",
    "business",
    "provident_fund",
    "vehicles",
    "deposits",
    "securities",
    "marriage",
    "payroll",
    "beneficiaries",
    "staff_relatives",
)
OUT_OF_CITY_COUNTIES = (420100, 420600, 429006)  # 武汉, 襄阳, 天门: spouses from elsewhere
YUAN = 100


def _day(value: dt.date) -> int:
    return int(np.datetime64(value, "D").astype(np.int64))


def _date_array(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(np.asarray(days, dtype=np.int64).astype(np.int32), pa.date32())
    if valid is not None:
        arr = pc.if_else(pa.array(valid), arr, pa.scalar(None, pa.date32()))
    return arr


def _yuan(fen: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(fen, dtype=np.int64) / YUAN, pa.float64())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# Limits from the default standards


def _default_standards(county: str) -> dict[str, dict]:
    table: dict[str, dict] = {}
    for region in (CITY, county):
        for row in DEFAULT_STANDARDS:
            if (
                row.region == region
                and row.programme in ("dibao_urban", "dibao_rural")
                and row.derive_from is None
            ):
                table.setdefault(row.programme, {})[row.key] = row.value
    return table


def default_params(county: str, programme: str, urban: bool) -> rule_params.HouseholdParams:
    return rule_params.resolve(
        _default_standards(county), programme=programme, urban_rural="urban" if urban else "rural"
    )


# --------------------------------------------------------------------------------------------
# The city as arrays


@dataclass
class CityArrays:
    as_of: dt.date
    ids: pa.Array
    names: pa.Array
    birth: np.ndarray
    dead: np.ndarray
    death: np.ndarray
    hh: np.ndarray  # household index of each person
    relation: np.ndarray  # relation code per person (str)
    since: np.ndarray
    current: np.ndarray
    hh_number: pa.Array
    hh_county: np.ndarray  # county code (str) per household
    hh_urban: np.ndarray
    age: np.ndarray

    @property
    def n(self) -> int:
        return len(self.birth)

    @property
    def households(self) -> int:
        return len(self.hh_number)


def load_city(city_dir: Path) -> CityArrays:
    manifest = json.loads((city_dir / "manifest.json").read_text(encoding="utf-8"))
    as_of = dt.date.fromisoformat(manifest["as_of"])
    persons = pq.read_table(city_dir / "persons.parquet")
    members = pq.read_table(city_dir / "members.parquet")
    households = pq.read_table(city_dir / "households.parquet")
    villages = pq.read_table(city_dir / "villages.parquet")
    if not (
        members.num_rows == persons.num_rows
        and pc.all(pc.equal(members["id_number"], persons["id_number"])).as_py()
    ):
        order = pc.index_in(persons["id_number"], value_set=members["id_number"])
        members = members.take(order)
    hh = (
        pc.index_in(members["household_number"], value_set=households["number"])
        .to_numpy(zero_copy_only=False)
        .astype(np.int64)
    )
    village_row = pc.index_in(households["village_code"], value_set=villages["code"])
    county = np.array(villages["county_code"].take(village_row).to_pylist())
    urban = pc.equal(villages["urban_rural"].take(village_row), "urban").to_numpy(
        zero_copy_only=False
    )
    birth = persons["birth_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    death_col = persons["death_date"]
    dead = pc.is_valid(death_col).to_numpy(zero_copy_only=False)
    death = (
        pc.fill_null(death_col, pa.scalar(0, pa.date32()))
        .to_numpy()
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    since = members["since"].to_numpy().astype("datetime64[D]").astype(np.int64)
    current = pc.is_null(members["until"]).to_numpy(zero_copy_only=False)
    return CityArrays(
        as_of=as_of,
        ids=persons["id_number"].combine_chunks(),
        names=persons["name"].combine_chunks(),
        birth=birth,
        dead=dead,
        death=death,
        hh=hh,
        relation=np.array(members["relation"].to_pylist()),
        since=since,
        current=current,
        hh_number=households["number"].combine_chunks(),
        hh_county=county,
        hh_urban=urban,
        age=_age_years(_day(as_of), birth),
    )


# --------------------------------------------------------------------------------------------
# Output tables


class Writer:
    """Collects the rows of every source as column arrays, in the order they are added."""

    def __init__(self):
        self.parts: dict[str, list[dict[str, pa.Array]]] = {name: [] for name in SOURCE_FILES}

    def add(self, source: str, **columns) -> None:
        lengths = {len(v) for v in columns.values()}
        if lengths == {0}:
            return
        assert len(lengths) == 1, (source, lengths)
        self.parts[source].append(
            {
                k: (v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.array(v))
                for k, v in columns.items()
            }
        )

    def table(self, source: str, schema: pa.Schema) -> pa.Table:
        tables = []
        for part in self.parts[source]:
            arrays = []
            for field in schema:
                value = part.get(field.name)
                if value is None:
                    n = len(next(iter(part.values())))
                    value = pa.nulls(n, field.type)
                arrays.append(pc.cast(value, field.type))
            tables.append(pa.table(arrays, schema=schema))
        return pa.concat_tables(tables) if tables else schema.empty_table()


SCHEMAS: dict[str, pa.Schema] = {
    "deaths": pa.schema(
        [("id_number", pa.string()), ("name", pa.string()), ("death_date", pa.date32())]
    ),
    "hukou": pa.schema(
        [
            ("id_number", pa.string()),
            ("hukou_number", pa.string()),
            ("relation", pa.string()),
            ("since", pa.date32()),
            ("until", pa.date32()),
        ]
    ),
    "tax": pa.schema(
        [
            ("id_number", pa.string()),
            ("period", pa.date32()),
            ("payer_name", pa.string()),
            ("income", pa.float64()),
            ("tax", pa.float64()),
        ]
    ),
    "social_insurance": pa.schema(
        [
            ("id_number", pa.string()),
            ("period", pa.date32()),
            ("scheme", pa.string()),
            ("payer", pa.string()),
            ("employer_name", pa.string()),
            ("contribution", pa.float64()),
            ("benefit", pa.float64()),
        ]
    ),
    "real_estate": pa.schema(
        [
            ("id_number", pa.string()),
            ("certificate_no", pa.string()),
            ("usage", pa.string()),
            ("area", pa.float64()),
            ("registered_on", pa.date32()),
            ("cancelled_on", pa.date32()),
        ]
    ),
    "business": pa.schema(
        [
            ("id_number", pa.string()),
            ("credit_code", pa.string()),
            ("entity_name", pa.string()),
            ("entity_type", pa.string()),
            ("role", pa.string()),
            ("employees", pa.int64()),
            ("registered_on", pa.date32()),
            ("deregistered_on", pa.date32()),
        ]
    ),
    "provident_fund": pa.schema(
        [
            ("id_number", pa.string()),
            ("period", pa.date32()),
            ("employer_name", pa.string()),
            ("deposit", pa.float64()),
        ]
    ),
    "vehicles": pa.schema(
        [
            ("id_number", pa.string()),
            ("plate", pa.string()),
            ("vehicle_type", pa.string()),
            ("value", pa.float64()),
            ("registered_on", pa.date32()),
            ("deregistered_on", pa.date32()),
        ]
    ),
    "deposits": pa.schema(
        [
            ("id_number", pa.string()),
            ("bank_name", pa.string()),
            ("account_masked", pa.string()),
            ("balance", pa.float64()),
            ("as_of", pa.date32()),
        ]
    ),
    "securities": pa.schema(
        [
            ("id_number", pa.string()),
            ("institution", pa.string()),
            ("product", pa.string()),
            ("market_value", pa.float64()),
            ("as_of", pa.date32()),
        ]
    ),
    "marriage": pa.schema(
        [
            ("id_number", pa.string()),
            ("spouse_id_number", pa.string()),
            ("event", pa.string()),
            ("event_date", pa.date32()),
        ]
    ),
    "payroll": pa.schema(
        [
            ("id_number", pa.string()),
            ("employer_name", pa.string()),
            ("unit_type", pa.string()),
            ("monthly_pay", pa.float64()),
            ("since", pa.date32()),
            ("until", pa.date32()),
        ]
    ),
    "beneficiaries": pa.schema(
        [
            ("id_number", pa.string()),
            ("household_number", pa.string()),
            ("programme", pa.string()),
            ("county_code", pa.string()),
            ("since", pa.date32()),
            ("until", pa.date32()),
        ]
    ),
    "staff_relatives": pa.schema(
        [
            ("staff_id_number", pa.string()),
            ("staff_name", pa.string()),
            ("staff_unit", pa.string()),
            ("relative_id_number", pa.string()),
            ("relation", pa.string()),
        ]
    ),
}

EMPLOYERS = (
    "荆门石化",
    "荆门市热电厂",
    "东宝区建筑公司",
    "钟祥市磷化工厂",
    "京山轻机",
    "沙洋农场",
    "荆门市人民医院",
    "格林美",
    "宏图物流",
    "汉江农商行",
)
PUBLIC_EMPLOYERS = (
    ("荆门市民政局", "agency"),
    ("东宝区教育局", "agency"),
    ("钟祥市人民医院", "institution"),
    ("京山市第一中学", "institution"),
    ("沙洋县自来水公司", "soe"),
    ("掇刀区城管局", "agency"),
)
BANK_NAMES = ("湖北农商银行", "中国邮政储蓄银行", "中国农业银行", "中国建设银行", "中国工商银行")
INSTITUTIONS = ("长江证券", "华泰证券", "中国人寿", "平安保险", "天弘基金")
PLATE_LETTERS = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))


def _pick(rng: np.random.Generator, choices, k: int) -> pa.Array:
    return pa.array(list(choices)).take(pa.array(rng.integers(0, len(choices), size=k)))


def _plates(rng: np.random.Generator, k: int, offset: int) -> pa.Array:
    serial = (np.arange(k) + offset) % 100_000
    letters = PLATE_LETTERS[rng.integers(0, len(PLATE_LETTERS), size=k)]
    return pc.binary_join_element_wise(
        "鄂H", pa.array(letters), pc.utf8_lpad(pc.cast(pa.array(serial), pa.string()), 5, "0"), ""
    )


def _codes(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    return pc.binary_join_element_wise(
        prefix, pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0"), ""
    )


# --------------------------------------------------------------------------------------------
# The generator


class _Truth:
    def __init__(self):
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, kind: str, rule: str, hh_numbers, id_numbers, variant: str = "") -> None:
        for h, p in zip(hh_numbers, id_numbers):
            self.rows.append((kind, rule, variant, h, p))


def _one_per_household(rng: np.random.Generator, people: np.ndarray, hh: np.ndarray) -> np.ndarray:
    """One randomly chosen person of each household among `people` (indices)."""
    if len(people) == 0:
        return people
    shuffled = people[rng.permutation(len(people))]
    _, first = np.unique(hh[shuffled], return_index=True)
    return shuffled[np.sort(first)]


def generate_sources(
    *,
    city_dir: Path,
    out_dir: Path | None = None,
    seed: int = 2016,
    beneficiary_households: int | None = None,
    beneficiary_share: float = 0.1,
    planted_share: float = 0.03,
    near_miss_share: float = 0.04,
    progress: Progress = None,
) -> dict:
    city_dir = Path(city_dir)
    out_dir = Path(out_dir) if out_dir else city_dir / "sources"
    out_dir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda done, total, message: None)
    steps = 6
    report(0, steps, _("读取城市数据"))
    c = load_city(city_dir)
    rng = np.random.default_rng(np.random.SeedSequence([seed, c.n, 58]))
    as_of_day = _day(c.as_of)
    w = Writer()
    truth = _Truth()
    n, H = c.n, c.households
    alive = ~c.dead
    adult = c.age >= 18
    out_ids_used = [0]

    def out_of_city_ids(k: int) -> pa.Array:
        """Valid IDs of people from other cities (spouses, former partners), never in the registry."""
        start = out_ids_used[0]
        out_ids_used[0] += k
        order = np.arange(start, start + k)
        county = np.array(OUT_OF_CITY_COUNTIES)[order % len(OUT_OF_CITY_COUNTIES)]
        birth = _day(dt.date(1955, 1, 1)) + (order * 37) % (45 * 365)
        return resident_ids(county, birth, (order % 2).astype(bool), seed + 7)

    # -- beneficiary households ------------------------------------------------------------------
    report(1, steps, _("救助对象"))
    current_size = np.bincount(c.hh[c.current], minlength=H)
    eligible = np.flatnonzero(current_size > 0)
    count = (
        beneficiary_households
        if beneficiary_households is not None
        else int(round(beneficiary_share * H))
    )
    count = min(count, len(eligible))
    ben_households = np.sort(rng.choice(eligible, size=count, replace=False))
    is_ben_hh = np.zeros(H, dtype=bool)
    is_ben_hh[ben_households] = True
    ben_p = is_ben_hh[c.hh] & c.current
    rich = alive & ~ben_p
    head_of = np.full(H, -1, dtype=np.int64)
    heads = np.flatnonzero(c.relation == "head")
    head_of[c.hh[heads]] = heads
    single_elder = (current_size == 1) & (c.age[np.maximum(head_of, 0)] >= 60) & (head_of >= 0)
    programme = np.where(c.hh_urban, "dibao_urban", "dibao_rural").astype(object)
    programme[single_elder & (rng.random(H) < 0.25)] = "tekun"
    enrolled = as_of_day - rng.integers(60, 5 * 365, size=H)
    params_cache: dict[tuple, rule_params.HouseholdParams] = {}

    def hparams(h: int) -> rule_params.HouseholdParams:
        key = (c.hh_county[h], programme[h], bool(c.hh_urban[h]))
        if key not in params_cache:
            params_cache[key] = default_params(*key)
        return params_cache[key]

    ben_members = np.flatnonzero(ben_p)
    w.add(
        "beneficiaries",
        id_number=c.ids.take(pa.array(ben_members)),
        household_number=c.hh_number.take(pa.array(c.hh[ben_members])),
        programme=pa.array(programme[c.hh[ben_members]].tolist()),
        county_code=pa.array(c.hh_county[c.hh[ben_members]].tolist()),
        since=_date_array(enrolled[c.hh[ben_members]]),
    )
    formerly = np.flatnonzero(rich & adult & (rng.random(n) < 0.01))
    w.add(
        "beneficiaries",
        id_number=c.ids.take(pa.array(formerly)),
        household_number=c.hh_number.take(pa.array(c.hh[formerly])),
        programme=pa.array(
            np.where(c.hh_urban[c.hh[formerly]], "dibao_urban", "dibao_rural").tolist()
        ),
        county_code=pa.array(c.hh_county[c.hh[formerly]].tolist()),
        since=_date_array(as_of_day - rng.integers(800, 3000, len(formerly))),
        until=_date_array(as_of_day - rng.integers(30, 700, len(formerly))),
    )

    # -- which beneficiary households get a planted discrepancy or a near miss -----------------------
    free = np.ones(H, dtype=bool)
    free[~is_ben_hh] = False
    age = c.age

    def choose(mask: np.ndarray, k: int) -> np.ndarray:
        """Up to k persons (one per household) among beneficiary members matching mask, in households still free."""
        people = np.flatnonzero(mask & ben_p & free[c.hh])
        picked = _one_per_household(rng, people, c.hh)
        if len(picked) > k:
            picked = np.sort(rng.choice(picked, size=k, replace=False))
        free[c.hh[picked]] = False
        return picked

    married = np.zeros(n, dtype=bool)  # filled in with the couples below, before choosing
    role_rank = _group_rank(
        c.hh * 16 + np.searchsorted(np.array(sorted(set(c.relation))), c.relation)
    )
    pairs = []
    for left, right in (("head", "spouse"), ("child", "child_in_law"), ("parent", "parent")):
        lefts = np.flatnonzero((c.relation == left) & (role_rank == 0))
        rights_mask = (c.relation == right) & (role_rank == (1 if left == right else 0))
        partner = np.full(H, -1, dtype=np.int64)
        partner[c.hh[np.flatnonzero(rights_mask)]] = np.flatnonzero(rights_mask)
        if left == "child":  # a stem household: exactly one child, married to the in-law
            n_child = np.bincount(c.hh[c.relation == "child"], minlength=H)
            lefts = lefts[n_child[c.hh[lefts]] == 1]
        right_of = partner[c.hh[lefts]]
        keep = right_of >= 0
        pairs.append((lefts[keep], right_of[keep]))
    couple_a = np.concatenate([p[0] for p in pairs])
    couple_b = np.concatenate([p[1] for p in pairs])
    married[couple_a] = True
    married[couple_b] = True

    per_rule = int(round(planted_share * count / len(PLANTED_RULES)))
    per_near = int(round(near_miss_share * count / len(NEAR_MISSES)))
    working = adult & (age <= 60)
    planted: dict[str, np.ndarray] = {}
    for rule, mask in (
        ("undeclared_marriage", (age >= 22) & ~married),
        ("public_sector", working & (age >= 22)),
        ("employer_insurance", working),
        ("provident_fund", working),
        ("taxed_income", adult & (age <= 65)),
        ("business_role", adult & (age <= 70)),
        ("business_review", adult & (age <= 70)),
        ("vehicle", adult),
        ("non_residential_property", adult),
        ("multiple_homes", adult),
        ("financial_assets", adult),
        ("deceased_member", np.ones(n, dtype=bool)),
        ("household_split", np.ones(n, dtype=bool)),
        ("duplicate_assistance", np.ones(n, dtype=bool)),
        ("staff_relative", np.ones(n, dtype=bool)),
    ):
        planted[rule] = choose(mask, per_rule)
    near: dict[tuple[str, str], np.ndarray] = {}
    for rule, variant in NEAR_MISSES:
        mask = adult.copy()
        if rule == "undeclared_marriage":
            mask &= (age >= 30) & ~married
        elif rule in ("public_sector", "employer_insurance", "provident_fund", "taxed_income"):
            mask &= working
        near[(rule, variant)] = choose(mask, per_near)

    def hh_of(people: np.ndarray) -> list[str]:
        return c.hh_number.take(pa.array(c.hh[people], pa.int64())).to_pylist()

    def ids_of(people: np.ndarray) -> pa.Array:
        return c.ids.take(pa.array(people, pa.int64()))

    # Half the planted employer insurance is a single contribution in the latest month before the
    # reference date (a finding whatever the count, docs/DOMAIN.md §4.3), named by its variant.
    insured = planted["employer_insurance"]
    latest_only = insured[1::2]
    variants = {"employer_insurance": np.isin(insured, latest_only)}
    for rule, people in planted.items():
        flags = variants.get(rule)
        if flags is None:
            truth.add("planted", rule, hh_of(people), ids_of(people).to_pylist())
            continue
        for flag, variant in ((False, ""), (True, "latest_month")):
            chosen = people[flags == flag]
            truth.add("planted", rule, hh_of(chosen), ids_of(chosen).to_pylist(), variant)
    for (rule, variant), people in near.items():
        truth.add("near_miss", rule, hh_of(people), ids_of(people).to_pylist(), variant)

    # -- 公安: deaths and household registration --------------------------------------------------
    report(2, steps, _("公安、民政"))
    dead_people = np.flatnonzero(c.dead)
    w.add(
        "deaths",
        id_number=ids_of(dead_people),
        name=c.names.take(pa.array(dead_people)),
        death_date=_date_array(c.death[dead_people]),
    )
    p = planted["deceased_member"]  # dead on the police record, still a member on the platform
    w.add(
        "deaths",
        id_number=ids_of(p),
        name=c.names.take(pa.array(p, pa.int64())),
        death_date=_date_array(as_of_day - rng.integers(20, 400, len(p))),
    )
    hukou_no = pc.binary_join_element_wise("HK", c.hh_number, "")
    split = planted["household_split"]
    long_ago = near[("household_split", "long_ago")]
    nobody = near[("household_split", "nobody_left")]
    moved = np.concatenate([split, long_ago, nobody])
    hukou_since = c.since.copy()
    split_on = np.zeros(n, dtype=np.int64)
    for people, lo, hi in ((split, 10, 300), (long_ago, 400, 900), (nobody, 10, 300)):
        window = np.array([hparams(h).split_window_days for h in c.hh[people]], dtype=np.int64)
        offset = rng.integers(lo, hi, len(people))
        if lo >= 400:
            offset = window + offset
        split_on[people] = np.minimum(
            enrolled[c.hh[people]] - np.minimum(offset, 10_000), as_of_day - 1
        )
        hukou_since[people] = split_on[people]
    w.add(
        "hukou",
        id_number=c.ids,
        hukou_number=hukou_no.take(pa.array(c.hh)),
        relation=pa.array(c.relation.tolist()),
        since=_date_array(hukou_since),
        until=_date_array(c.death, c.dead),
    )
    # The household a planted member split from keeps other people in it; a near miss left one that
    # nobody stays in.
    donors = np.flatnonzero(~is_ben_hh & (current_size >= 2))
    settled = np.full(H, np.iinfo(np.int64).max, dtype=np.int64)
    stays = np.flatnonzero(c.current)
    np.minimum.at(settled, c.hh[stays], hukou_since[stays])
    donors = donors[np.argsort(settled[donors], kind="stable")]
    available = np.searchsorted(settled[donors], split_on[split])  # donors settled before the split
    donor = (
        donors[(rng.random(len(split)) * np.maximum(available, 1)).astype(np.int64)]
        if len(donors)
        else np.zeros(0, np.int64)
    )
    old_numbers = (
        pa.concat_arrays(
            [
                hukou_no.take(pa.array(donor, pa.int64())),
                hukou_no.take(
                    pa.array(
                        donors[rng.integers(0, len(donors), len(long_ago))]
                        if len(donors)
                        else np.zeros(0, np.int64),
                        pa.int64(),
                    )
                ),
                _codes("HKOLD", np.arange(len(nobody)), 8),
            ]
        )
        if len(moved)
        else pa.array([], pa.string())
    )
    w.add(
        "hukou",
        id_number=ids_of(moved),
        hukou_number=old_numbers,
        relation=pa.array(["child"] * len(moved)),
        since=_date_array(np.minimum(c.birth[moved] + 365, split_on[moved] - 30)),
        until=_date_array(split_on[moved]),
    )

    # -- 民政: marriages --------------------------------------------------------------------------
    earliest = np.maximum(c.birth[couple_a], c.birth[couple_b]) + 22 * 365
    wed = np.minimum(earliest + rng.integers(0, 8 * 365, len(couple_a)), as_of_day - 30)
    w.add(
        "marriage",
        id_number=ids_of(couple_a),
        spouse_id_number=ids_of(couple_b),
        event=pa.array(["marriage"] * len(couple_a)),
        event_date=_date_array(wed),
    )
    w.add(
        "marriage",
        id_number=ids_of(couple_b),
        spouse_id_number=ids_of(couple_a),
        event=pa.array(["marriage"] * len(couple_a)),
        event_date=_date_array(wed),
    )
    divorced_rich = np.flatnonzero(rich & (age >= 30) & ~married & (rng.random(n) < 0.08))
    divorced = np.concatenate([divorced_rich, near[("undeclared_marriage", "divorced")]])
    partners = out_of_city_ids(len(divorced))
    wed = c.birth[divorced] + 23 * 365 + rng.integers(0, 5 * 365, len(divorced))
    wed = np.minimum(wed, as_of_day - 400)
    parted = np.minimum(wed + rng.integers(200, 3000, len(divorced)), as_of_day - 10)
    for event, day in (("marriage", wed), ("divorce", parted)):
        w.add(
            "marriage",
            id_number=ids_of(divorced),
            spouse_id_number=partners,
            event=pa.array([event] * len(divorced)),
            event_date=_date_array(day),
        )
    widowed = near[("undeclared_marriage", "widowed")]
    late = out_of_city_ids(len(widowed))
    wed = np.minimum(c.birth[widowed] + 24 * 365, as_of_day - 900)
    w.add(
        "marriage",
        id_number=ids_of(widowed),
        spouse_id_number=late,
        event=pa.array(["marriage"] * len(widowed)),
        event_date=_date_array(wed),
    )
    w.add(
        "deaths",
        id_number=late,
        name=pa.array(["配偶"] * len(widowed)),
        death_date=_date_array(wed + rng.integers(100, 700, len(widowed))),
    )
    p = planted["undeclared_marriage"]
    w.add(
        "marriage",
        id_number=ids_of(p),
        spouse_id_number=out_of_city_ids(len(p)),
        event=pa.array(["marriage"] * len(p)),
        event_date=_date_array(
            np.minimum(c.birth[p] + 22 * 365 + rng.integers(0, 3000, len(p)), as_of_day - 20)
        ),
    )

    # -- beneficiary lists: duplicates ------------------------------------------------------------
    p = planted["duplicate_assistance"]
    half = len(p) // 2
    elsewhere = p[:half]  # the same programme under another household in another county
    others = (
        ben_households[rng.integers(0, len(ben_households), len(elsewhere))]
        if len(ben_households)
        else np.zeros(0, np.int64)
    )
    w.add(
        "beneficiaries",
        id_number=ids_of(elsewhere),
        household_number=c.hh_number.take(pa.array(others, pa.int64())),
        programme=pa.array(programme[c.hh[elsewhere]].tolist()),
        county_code=pa.array(
            [("420881" if c.hh_county[c.hh[x]] != "420881" else "420802") for x in elsewhere]
        ),
        since=_date_array(as_of_day - rng.integers(30, 600, len(elsewhere))),
    )
    excluded = p[half:]  # a programme that excludes the household's own
    other_programme = [
        (
            "tekun"
            if programme[c.hh[x]] != "tekun"
            else ("dibao_urban" if c.hh_urban[c.hh[x]] else "dibao_rural")
        )
        for x in excluded
    ]
    w.add(
        "beneficiaries",
        id_number=ids_of(excluded),
        household_number=c.hh_number.take(pa.array(c.hh[excluded], pa.int64())),
        programme=pa.array(other_programme),
        county_code=pa.array(c.hh_county[c.hh[excluded]].tolist()),
        since=_date_array(as_of_day - rng.integers(30, 600, len(excluded))),
    )
    p = near[("duplicate_assistance", "ended")]
    former = (
        ben_households[rng.integers(0, len(ben_households), len(p))]
        if len(ben_households)
        else np.zeros(0, np.int64)
    )
    w.add(
        "beneficiaries",
        id_number=ids_of(p),
        household_number=c.hh_number.take(pa.array(former, pa.int64())),
        programme=pa.array(programme[c.hh[p]].tolist()),
        county_code=pa.array(["420804"] * len(p)),
        since=_date_array(as_of_day - rng.integers(900, 2000, len(p))),
        until=_date_array(as_of_day - rng.integers(30, 800, len(p))),
    )

    # -- staff and their declared relatives -----------------------------------------------------------
    staff = np.flatnonzero(rich & (age >= 25) & (age <= 59) & (rng.random(n) < 0.003))
    if not len(staff):
        staff = np.flatnonzero(rich & adult)[:1]
    housemates = np.flatnonzero(c.current & alive & ~ben_p)
    rel = housemates[np.isin(c.hh[housemates], c.hh[staff])]
    staff_of_hh = np.full(H, -1, dtype=np.int64)
    staff_of_hh[c.hh[staff]] = staff
    rel = rel[staff_of_hh[c.hh[rel]] != rel]
    rel_staff = staff_of_hh[c.hh[rel]]
    units = _pick(rng, ("民政局社会救助科", "乡镇民政办", "村委会", "社区居委会"), len(staff))
    unit_of = dict(zip(staff.tolist(), units.to_pylist()))
    p = planted["staff_relative"]
    planted_staff = (
        staff[rng.integers(0, len(staff), len(p))] if len(staff) else np.zeros(0, np.int64)
    )
    for staff_people, relatives, relation in (
        (rel_staff, rel, None),
        (planted_staff, p, "兄弟姐妹"),
    ):
        w.add(
            "staff_relatives",
            staff_id_number=ids_of(staff_people),
            staff_name=c.names.take(pa.array(staff_people, pa.int64())),
            staff_unit=pa.array([unit_of.get(int(s), "") for s in staff_people]),
            relative_id_number=ids_of(relatives),
            relation=pa.array(
                [
                    relation or ("配偶" if c.relation[r] == "spouse" else "家庭成员")
                    for r in relatives
                ]
            ),
        )

    # -- 车管 ------------------------------------------------------------------------------------
    report(3, steps, _("车辆、房产、市场主体"))
    owners = np.flatnonzero(rich & adult & (rng.random(n) < 0.15))
    kind = rng.choice(
        ["car", "truck", "motorcycle", "agricultural"], size=len(owners), p=[0.8, 0.06, 0.1, 0.04]
    )
    median = np.select(
        [kind == "car", kind == "truck", kind == "motorcycle"], [90_000, 60_000, 5_000], 15_000
    )
    value = np.round(median * np.exp(rng.normal(0, 0.5, len(owners)))) * YUAN
    gone = rng.random(len(owners)) < 0.05
    registered = as_of_day - rng.integers(30, 3650, len(owners))
    w.add(
        "vehicles",
        id_number=ids_of(owners),
        plate=_plates(rng, len(owners), 0),
        vehicle_type=pa.array(kind.tolist()),
        value=_yuan(value),
        registered_on=_date_array(registered),
        deregistered_on=_date_array(
            np.minimum(registered + rng.integers(30, 2000, len(owners)), as_of_day - 1), gone
        ),
    )
    limit = lambda people: np.array(
        [hparams(h).car_value_limit for h in c.hh[people]], dtype=np.int64
    )  # noqa: E731
    offset = len(owners)
    for people, vtype, val, dereg in (
        (
            planted["vehicle"],
            "car",
            lambda ppl: limit(ppl) + rng.integers(1, 150_000, len(ppl)) * YUAN,
            None,
        ),
        (
            near[("vehicle", "disability_vehicle")],
            "disability",
            lambda ppl: limit(ppl) + 10_000 * YUAN,
            None,
        ),
        (near[("vehicle", "at_limit")], "car", limit, None),
        (near[("vehicle", "deregistered")], "car", lambda ppl: limit(ppl) * 2, True),
    ):
        k = len(people)
        registered = as_of_day - rng.integers(400, 3000, k)
        w.add(
            "vehicles",
            id_number=ids_of(people),
            plate=_plates(rng, k, offset),
            vehicle_type=pa.array([vtype] * k),
            value=_yuan(val(people)),
            registered_on=_date_array(registered),
            deregistered_on=_date_array(
                as_of_day - rng.integers(1, 300, k), np.full(k, bool(dereg))
            ),
        )
        offset += k

    # -- 不动产 ----------------------------------------------------------------------------------
    owner = head_of.copy()
    no_head = (owner < 0) | ~c.current[np.maximum(owner, 0)] | c.dead[np.maximum(owner, 0)]
    first_current = np.full(H, -1, dtype=np.int64)
    cur_people = np.flatnonzero(c.current & alive)
    first_current[c.hh[cur_people][::-1]] = cur_people[::-1]
    owner = np.where(no_head, first_current, owner)
    home_h = np.flatnonzero(owner >= 0)
    home_reg = as_of_day - rng.integers(800, 9000, H)
    cert = _codes("鄂(荆门)不动产权第", np.arange(H), 8)
    w.add(
        "real_estate",
        id_number=ids_of(owner[home_h]),
        certificate_no=cert.take(pa.array(home_h)),
        usage=pa.array(["residential"] * len(home_h)),
        area=pa.array(np.round(rng.uniform(45, 140, len(home_h)), 1)),
        registered_on=_date_array(home_reg[home_h]),
    )
    spouse_owned = couple_b[
        (c.relation[couple_b] == "spouse") & c.current[couple_b] & alive[couple_b]
    ]
    spouse_owned = spouse_owned[owner[c.hh[spouse_owned]] != spouse_owned]
    w.add(
        "real_estate",
        id_number=ids_of(spouse_owned),
        certificate_no=cert.take(pa.array(c.hh[spouse_owned])),
        usage=pa.array(["residential"] * len(spouse_owned)),
        area=pa.array(np.round(rng.uniform(45, 140, len(spouse_owned)), 1)),
        registered_on=_date_array(home_reg[c.hh[spouse_owned]]),
    )
    serial = H
    extra = np.flatnonzero(rich & adult & (c.relation == "head") & (rng.random(n) < 0.15))
    commercial = np.flatnonzero(rich & adult & (rng.random(n) < 0.02))
    rows = [
        (extra, "residential", None),
        (commercial, "commercial", None),
        (planted["multiple_homes"], "residential", None),
        (planted["non_residential_property"], "office", None),
        (near[("multiple_homes", "sold")], "residential", True),
    ]
    for people, usage, sold in rows:
        k = len(people)
        registered = np.maximum(home_reg[c.hh[people]] + 30, as_of_day - 700) + rng.integers(
            0, 300, k
        )
        registered = np.minimum(registered, as_of_day - 5)
        w.add(
            "real_estate",
            id_number=ids_of(people),
            certificate_no=_codes("鄂(荆门)不动产权第", np.arange(serial, serial + k), 8),
            usage=pa.array([usage] * k),
            area=pa.array(np.round(rng.uniform(30, 200, k), 1)),
            registered_on=_date_array(registered),
            cancelled_on=_date_array(
                np.minimum(registered + rng.integers(10, 200, k), as_of_day - 1),
                np.full(k, bool(sold)),
            ),
        )
        serial += k

    # -- 市场监管 ---------------------------------------------------------------------------------
    entrepreneurs = np.flatnonzero(rich & (age >= 20) & (age <= 65) & (rng.random(n) < 0.05))
    role = rng.choice(
        ["legal_representative", "shareholder", "operator"],
        size=len(entrepreneurs),
        p=[0.35, 0.35, 0.3],
    )
    business_rows = [(entrepreneurs, role, None, rng.random(len(entrepreneurs)) < 0.1)]
    # Shareholders and sole traders without employees are not disqualifying by default, but are
    # findings to check (business_review): half of each.
    reviewed = planted["business_review"]
    for people, fixed_role, employees, dereg in (
        (planted["business_role"], "legal_representative", 3, False),
        (reviewed[0::2], "shareholder", 0, False),
        (reviewed[1::2], "operator", 0, False),
        (near[("business_role", "deregistered")], "legal_representative", 5, True),
    ):
        business_rows.append(
            (people, np.array([fixed_role] * len(people)), employees, np.full(len(people), dereg))
        )
    serial = 0
    for people, roles, employees, dereg in business_rows:
        k = len(people)
        if k == 0:  # a small city may plant none of a kind
            continue
        etype = np.where(roles == "operator", "individual_business", "company")
        staff_count = rng.integers(0, 6, k) if employees is None else np.full(k, employees)
        staff_count = np.where(roles == "shareholder", 0, staff_count)
        registered = as_of_day - rng.integers(200, 5000, k)
        codes = _codes("91420800MA", np.arange(serial, serial + k), 8)
        w.add(
            "business",
            id_number=ids_of(people),
            credit_code=codes,
            entity_name=pc.binary_join_element_wise(
                "荆门市",
                codes,
                pa.array(np.where(etype == "company", "有限公司", "商行").tolist()),
                "",
            ),
            entity_type=pa.array(etype.tolist()),
            role=pa.array(roles.tolist()),
            employees=pa.array(staff_count.astype(np.int64)),
            registered_on=_date_array(registered),
            deregistered_on=_date_array(
                np.minimum(registered + rng.integers(30, 2000, k), as_of_day - 1), dereg
            ),
        )
        serial += k

    # -- 财政供养人员 -------------------------------------------------------------------------------
    report(4, steps, _("就业、社保、公积金、纳税"))
    public = np.flatnonzero(rich & (age >= 22) & (age <= 59) & (rng.random(n) < 0.05))
    planted_public, former_public = planted["public_sector"], near[("public_sector", "left")]
    for people, ended in (
        (public, rng.random(len(public)) < 0.2),
        (planted_public, np.zeros(len(planted_public), bool)),
        (former_public, np.ones(len(former_public), bool)),
    ):
        k = len(people)
        idx = rng.integers(0, len(PUBLIC_EMPLOYERS), k)
        joined = as_of_day - rng.integers(400, 8000, k)
        w.add(
            "payroll",
            id_number=ids_of(people),
            employer_name=pa.array([PUBLIC_EMPLOYERS[i][0] for i in idx]),
            unit_type=pa.array([PUBLIC_EMPLOYERS[i][1] for i in idx]),
            monthly_pay=_yuan(rng.integers(3000, 9000, k) * YUAN),
            since=_date_array(joined),
            until=_date_array(
                np.minimum(joined + rng.integers(100, 3000, k), as_of_day - 1), ended
            ),
        )

    # -- 人社, 公积金, 税务: 12 monthly periods before the reference month ----------------------------
    month0 = np.datetime64(c.as_of, "M")

    def period(k: np.ndarray) -> np.ndarray:
        return (month0 - k.astype("timedelta64[M]")).astype("datetime64[D]").astype(np.int64)

    employed = np.flatnonzero(rich & (age >= 20) & (age <= 59) & (rng.random(n) < 0.25))
    employer_of = rng.integers(0, len(EMPLOYERS), n)
    wage = np.round(4_500 * np.exp(rng.normal(0, 0.4, n))) * YUAN

    def monthly(
        people: np.ndarray, months: np.ndarray | None = None, per_person: int = 12
    ) -> tuple[np.ndarray, np.ndarray]:
        who = np.repeat(people, per_person)
        ks = np.tile(np.arange(1, per_person + 1), len(people)) if months is None else months
        return who, period(ks)

    who, days = monthly(employed)
    w.add(
        "social_insurance",
        id_number=ids_of(who),
        period=_date_array(days),
        scheme=pa.array(["employee_pension"] * len(who)),
        payer=pa.array(["employer"] * len(who)),
        employer_name=pa.array(np.array(EMPLOYERS)[employer_of[who]].tolist()),
        contribution=_yuan(wage[who] * 16 // 100),
    )
    residents = np.flatnonzero(
        alive & (age >= 25) & (age <= 59) & ~np.isin(np.arange(n), employed) & (rng.random(n) < 0.3)
    )
    w.add(
        "social_insurance",
        id_number=ids_of(residents),
        period=_date_array(period(rng.integers(1, 12, len(residents)))),
        scheme=pa.array(["resident_pension"] * len(residents)),
        payer=pa.array(["individual"] * len(residents)),
        contribution=_yuan(np.full(len(residents), 300 * YUAN)),
    )
    window = {
        h: hparams(h)
        for h in np.unique(
            c.hh[
                np.concatenate(
                    [
                        planted["employer_insurance"],
                        planted["provident_fund"],
                        near[("employer_insurance", "too_few_months")],
                        near[("provident_fund", "too_few_months")],
                    ]
                )
            ]
        )
    }
    # (people, source, months, first month back): 1 is the latest month before the reference
    # date; a near miss with too few months starts at 2, since the latest month is a finding alone.
    for people, source, months_of, first in (
        (
            insured[~np.isin(insured, latest_only)],
            "social_insurance",
            lambda h: window[h].insurance_min_months + 1,
            1,
        ),
        (latest_only, "social_insurance", lambda h: 1, 1),
        (
            near[("employer_insurance", "too_few_months")],
            "social_insurance",
            lambda h: window[h].insurance_min_months - 1,
            2,
        ),
        (
            planted["provident_fund"],
            "provident_fund",
            lambda h: window[h].provident_min_months + 2,
            1,
        ),
        (
            near[("provident_fund", "too_few_months")],
            "provident_fund",
            lambda h: window[h].provident_min_months - 1,
            1,
        ),
    ):
        counts = np.array([months_of(h) for h in c.hh[people]], dtype=np.int64)
        who = np.repeat(people, counts)
        ks = (
            np.concatenate([np.arange(first, first + k) for k in counts])
            if len(counts)
            else np.zeros(0, np.int64)
        )
        add_monthly(
            w, source, ids_of(who), period(ks), np.array(EMPLOYERS)[employer_of[who]], wage[who]
        )
    p = near[("employer_insurance", "before_window")]
    window_months = np.array([hparams(h).insurance_window_months for h in c.hh[p]], dtype=np.int64)
    who = np.repeat(p, 4)
    ks = np.repeat(window_months, 4) + np.tile(np.arange(0, 4), len(p))
    add_monthly(
        w,
        "social_insurance",
        ids_of(who),
        period(ks),
        np.array(EMPLOYERS)[employer_of[who]],
        wage[who],
    )
    depositors = employed[rng.random(len(employed)) < 0.5]
    who, days = monthly(depositors)
    add_monthly(
        w, "provident_fund", ids_of(who), days, np.array(EMPLOYERS)[employer_of[who]], wage[who]
    )
    taxed = employed[rng.random(len(employed)) < 0.7]
    who, days = monthly(taxed)
    w.add(
        "tax",
        id_number=ids_of(who),
        period=_date_array(days),
        payer_name=pa.array(np.array(EMPLOYERS)[employer_of[who]].tolist()),
        income=_yuan(wage[who]),
        tax=_yuan(np.maximum(wage[who] - 5000 * YUAN, 0) * 3 // 100),
    )
    for people, above in (
        (planted["taxed_income"], True),
        (near[("taxed_income", "at_limit")], False),
    ):
        limits = np.array(
            [hparams(h).income_limit(int(current_size[h])) for h in c.hh[people]], dtype=np.int64
        )
        total = limits + (rng.integers(1_000, 50_000, len(people)) * YUAN if above else 0)
        per = total // 4
        amounts = np.column_stack([per, per, per, total - 3 * per]).ravel()
        who = np.repeat(people, 4)
        w.add(
            "tax",
            id_number=ids_of(who),
            period=_date_array(period(np.tile(np.arange(1, 5), len(people)))),
            payer_name=pa.array(np.array(EMPLOYERS)[employer_of[who]].tolist()),
            income=_yuan(amounts),
            tax=_yuan(np.zeros(len(who), np.int64)),
        )

    # -- 金融资产 ---------------------------------------------------------------------------------
    report(5, steps, _("金融资产"))
    savers = np.flatnonzero(rich & adult & (rng.random(n) < 0.8))
    second = savers[rng.random(len(savers)) < 0.25]
    accounts = np.concatenate([savers, second])
    balance = np.round(30_000 * np.exp(rng.normal(0, 1.0, len(accounts)))) * YUAN
    add_deposits(w, rng, ids_of(accounts), balance, as_of_day)
    investors = np.flatnonzero(rich & adult & (rng.random(n) < 0.06))
    add_securities(
        w,
        rng,
        ids_of(investors),
        np.round(50_000 * np.exp(rng.normal(0, 1.0, len(investors)))) * YUAN,
        as_of_day,
    )
    # Beneficiary members: modest savings, well under the household's limit.
    asset_limit = np.zeros(H, dtype=np.int64)
    for h in ben_households:
        asset_limit[h] = hparams(h).asset_limit(int(current_size[h]))
    special = np.concatenate([planted["financial_assets"], near[("financial_assets", "at_limit")]])
    modest = np.flatnonzero(ben_p & adult & (rng.random(n) < 0.6) & ~np.isin(c.hh, c.hh[special]))
    modest_share = asset_limit[c.hh[modest]] // np.maximum(current_size[c.hh[modest]], 1) // 5
    add_deposits(
        w, rng, ids_of(modest), (rng.random(len(modest)) * modest_share).astype(np.int64), as_of_day
    )
    for people, above in (
        (planted["financial_assets"], True),
        (near[("financial_assets", "at_limit")], False),
    ):
        limits = asset_limit[c.hh[people]]
        total = limits + (rng.integers(100, 200_000, len(people)) * YUAN if above else 0)
        small = total // 10
        in_securities = rng.random(len(people)) < 0.5
        large = total - small
        add_deposits(w, rng, ids_of(people), small, as_of_day)
        add_deposits(w, rng, ids_of(people[~in_securities]), large[~in_securities], as_of_day)
        add_securities(w, rng, ids_of(people[in_securities]), large[in_securities], as_of_day)

    # -- write ------------------------------------------------------------------------------------
    files = {}
    for name in SOURCE_FILES:
        table = w.table(name, SCHEMAS[name])
        path = out_dir / f"{name}.parquet"
        pq.write_table(marks.mark(table), path, compression="zstd", row_group_size=512_000)
        files[path.name] = {"rows": table.num_rows, "sha256": _sha256(path)}
    recheck = pa.table(
        {
            "household_number": c.hh_number.take(pa.array(ben_households, pa.int64())),
            "programme": pa.array(programme[ben_households].tolist(), pa.string()),
            "since": _date_array(enrolled[ben_households]),
        }
    )
    pq.write_table(marks.mark(recheck), out_dir / "recheck_households.parquet")
    files["recheck_households.parquet"] = {
        "rows": recheck.num_rows,
        "sha256": _sha256(out_dir / "recheck_households.parquet"),
    }
    truth_path = out_dir / "ground_truth.csv"
    with open(truth_path, "w", encoding="utf-8", newline="") as fh:
        writer = sheets.CsvWriter(fh)
        writer.writerow(["kind", "rule", "variant", "household_number", "id_number"])
        writer.writerows(sorted(truth.rows))
    files[truth_path.name] = {"rows": len(truth.rows), "sha256": _sha256(truth_path)}
    manifest = {
        "format": FORMAT_VERSION,
        "synthetic": True,
        "city_checksum": json.loads((city_dir / "manifest.json").read_text(encoding="utf-8"))[
            "checksum"
        ],
        "seed": seed,
        "as_of": c.as_of.isoformat(),
        "beneficiary_households": int(count),
        "beneficiary_members": int(ben_p.sum()),
        "planted": sum(1 for r in truth.rows if r[0] == "planted"),
        "near_misses": sum(1 for r in truth.rows if r[0] == "near_miss"),
        "rows": sum(v["rows"] for k, v in files.items() if k[: -len(".parquet")] in SOURCE_FILES),
        "files": files,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    report(steps, steps, _("完成"))
    return manifest


def add_monthly(
    w: Writer,
    source: str,
    ids: pa.Array,
    days: np.ndarray,
    employers: np.ndarray,
    wages: np.ndarray,
) -> None:
    if source == "social_insurance":
        w.add(
            source,
            id_number=ids,
            period=_date_array(days),
            scheme=pa.array(["employee_pension"] * len(ids)),
            payer=pa.array(["employer"] * len(ids)),
            employer_name=pa.array(employers.tolist()),
            contribution=_yuan(wages * 16 // 100),
        )
    else:
        w.add(
            source,
            id_number=ids,
            period=_date_array(days),
            employer_name=pa.array(employers.tolist()),
            deposit=_yuan(wages * 12 // 100),
        )


def add_deposits(
    w: Writer, rng: np.random.Generator, ids: pa.Array, balance: np.ndarray, as_of_day: int
) -> None:
    k = len(ids)
    w.add(
        "deposits",
        id_number=ids,
        bank_name=_pick(rng, BANK_NAMES, k),
        account_masked=_codes("6217****", rng.integers(0, 10_000, k), 4),
        balance=_yuan(balance),
        as_of=_date_array(as_of_day - rng.integers(1, 20, k)),
    )


def add_securities(
    w: Writer, rng: np.random.Generator, ids: pa.Array, value: np.ndarray, as_of_day: int
) -> None:
    k = len(ids)
    w.add(
        "securities",
        id_number=ids,
        institution=_pick(rng, INSTITUTIONS, k),
        product=_pick(rng, ("stock", "fund", "wealth", "insurance"), k),
        market_value=_yuan(value),
        as_of=_date_array(as_of_day - rng.integers(1, 20, k)),
    )


# --------------------------------------------------------------------------------------------
# Scoring a run's findings against the ground truth


@dataclass(frozen=True)
class Score:
    planted: int
    found: int
    true_positives: int
    false_positives: int
    missed: int
    near_misses_flagged: int
    by_rule: dict

    @property
    def recall(self) -> float:
        return self.true_positives / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        return self.true_positives / self.found if self.found else 1.0

    def as_dict(self) -> dict:
        return {
            "planted": self.planted,
            "found": self.found,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "missed": self.missed,
            "near_misses_flagged": self.near_misses_flagged,
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "by_rule": self.by_rule,
        }


def read_truth(sources_dir: Path) -> list[dict]:
    with open(Path(sources_dir) / "ground_truth.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def score(found: set[tuple[str, str, str]], truth: list[dict]) -> Score:
    """`found`: (household number, member's ID number, rule) of every finding of a run over the
    beneficiary households. Several findings of one rule for one member count once."""
    planted = {
        (t["household_number"], t["id_number"], t["rule"]) for t in truth if t["kind"] == "planted"
    }
    near = {
        (t["household_number"], t["id_number"], t["rule"])
        for t in truth
        if t["kind"] == "near_miss"
    }
    hits = found & planted
    by_rule = {}
    for rule in PLANTED_RULES:
        p = {x for x in planted if x[2] == rule}
        f = {x for x in found if x[2] == rule}
        by_rule[rule] = {"planted": len(p), "found": len(f), "true_positives": len(p & f)}
    return Score(
        planted=len(planted),
        found=len(found),
        true_positives=len(hits),
        false_positives=len(found - planted),
        missed=len(planted - found),
        near_misses_flagged=len(found & near),
        by_rule=by_rule,
    )


# --------------------------------------------------------------------------------------------
# Recheck targets straight from the files (benchmarks, and tests without loading the city)


class _Positions:
    """Row numbers of household numbers: a binary search when the numbers are sorted and of one
    width (as the generator writes them), a hash lookup otherwise."""

    def __init__(self, numbers: pa.Array):
        self.numbers = numbers
        lengths = pc.utf8_length(numbers)
        self.width = pc.min(lengths).as_py() if len(numbers) else 0
        self.sorted = None
        if len(numbers) and self.width == pc.max(lengths).as_py():
            values = self._fixed(numbers)
            if bool(np.all(values[1:] >= values[:-1])):
                self.sorted = values

    def _fixed(self, array: pa.Array) -> np.ndarray:
        array = pa.concat_arrays([array.cast(pa.string())])
        offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[
            array.offset : array.offset + len(array) + 1
        ]
        data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        return data.view(f"S{self.width}")

    def of(self, values: pa.Array) -> np.ndarray:
        lengths = pc.utf8_length(values)
        if (
            self.sorted is not None
            and len(values)
            and pc.min(lengths).as_py() == pc.max(lengths).as_py() == self.width
        ):
            found = self._fixed(values)
            index = np.searchsorted(self.sorted, found)
            if bool(np.all(self.sorted[np.minimum(index, len(self.sorted) - 1)] == found)):
                return index.astype(np.int64)
        return (
            pc.index_in(values, value_set=self.numbers)
            .to_numpy(zero_copy_only=False)
            .astype(np.int64)
        )


@dataclass
class FileTargets:
    households: list  # TargetHousehold
    members: pa.Table  # MEMBER_SCHEMA
    person_ids: pa.Array  # person_id - 1 -> ID number
    household_numbers: pa.Array  # household_id - 1 -> household number


def recheck_targets(city_dir: Path, sources_dir: Path | None = None) -> FileTargets:
    """The recheck of every beneficiary household of a generated city, with row numbers of the
    city files as person and household ids (person_id = persons row + 1, household_id =
    households row + 1) and region paths built from the codes."""
    from minzheng.verification import keys
    from minzheng.verification.members_table import TargetHousehold, target_for_household

    city_dir = Path(city_dir)
    sources_dir = Path(sources_dir) if sources_dir else city_dir / "sources"
    persons = pq.read_table(city_dir / "persons.parquet", columns=["id_number"])
    members = pq.read_table(
        city_dir / "members.parquet", columns=["household_number", "id_number", "relation", "until"]
    )
    households = pq.read_table(city_dir / "households.parquet", columns=["number", "village_code"])
    villages = pq.read_table(
        city_dir / "villages.parquet",
        columns=["code", "township_code", "county_code", "urban_rural"],
    )
    recheck = pq.read_table(sources_dir / "recheck_households.parquet")
    positions = _Positions(households["number"].combine_chunks())
    hh_row = positions.of(recheck["household_number"].combine_chunks())
    village_of = {row["code"]: row for row in villages.to_pylist()}
    village_codes = households["village_code"].take(pa.array(hh_row)).to_pylist()
    targets = []
    for i, (number, programme, since) in enumerate(
        zip(
            recheck["household_number"].to_pylist(),
            recheck["programme"].to_pylist(),
            recheck["since"].to_pylist(),
        )
    ):
        village = village_of[village_codes[i]]
        path = f"{CITY}/{village['county_code']}/{village['township_code']}/{village['code']}/"
        targets.append(
            TargetHousehold(
                target=target_for_household(int(hh_row[i]) + 1),
                household_id=int(hh_row[i]) + 1,
                household_number=number,
                region_id=int(hh_row[i]) + 1,
                region_path=path,
                urban_rural=village["urban_rural"],
                programme=programme,
                applied_on=since,
            )
        )
    wanted = pc.is_in(members["household_number"], value_set=recheck["household_number"])
    current = pc.and_(wanted, pc.is_null(members["until"]))
    chosen = members.filter(current)
    if (
        members.num_rows == persons.num_rows
        and pc.all(pc.equal(members["id_number"], persons["id_number"])).as_py()
    ):
        person_row = pc.indices_nonzero(
            current
        ).to_numpy()  # the generator writes both in the same order
    else:
        person_row = pc.index_in(chosen["id_number"], value_set=persons["id_number"]).to_numpy(
            zero_copy_only=False
        )
    member_hh = positions.of(chosen["household_number"].combine_chunks())
    ids = chosen["id_number"].combine_chunks()
    table = pa.table(
        {
            "household_id": pa.array(member_hh.astype(np.int64) + 1),
            "person_id": pa.array(person_row.astype(np.int64) + 1),
            "id_key": pa.array(keys.keys_from_numbers(ids.to_pylist())),
            "id_masked": idcard.mask_array(ids),
            "relation": chosen["relation"].combine_chunks(),
        }
    )
    return FileTargets(
        targets, table, persons["id_number"].combine_chunks(), households["number"].combine_chunks()
    )


def found_from_hits(hits: pa.Table, files: FileTargets) -> set[tuple[str, str, str]]:
    """(household number, ID number, rule) of each hit of a run on `recheck_targets`."""
    households = files.household_numbers.take(pc.subtract(hits["household_id"], 1)).to_pylist()
    people = files.person_ids.take(pc.subtract(hits["person_id"], 1)).to_pylist()
    return set(zip(households, people, hits["rule"].to_pylist()))

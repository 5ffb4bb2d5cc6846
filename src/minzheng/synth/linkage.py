"""The poverty registry and medical-insurance enrolment files of a synthetic city (see
`minzheng.synth.generator`), shaped as the poverty-alleviation office and the healthcare-security
bureau deliver them and as `minzheng.linkage.imports` reads them (Chinese headers, plaintext ID
numbers, yuan), with a few known bad rows so an import shows its row-by-row report.

`generate_linkage_files(city_dir=...)` writes `<city>/linkage/poverty.csv`, `insurance.csv` and
`manifest.json` (counts, the bad rows planted, checksums). The beneficiary households are those
of `<city>/sources/recheck_households.parquet` when the departmental sources were generated
(`generate --with-sources`), else none. Proportions as in `minzheng.linkage.demo`: registered
poor are 45 % of rural beneficiary households and 3 % of the other rural households (70 % lifted
out, 18 % still poor, 12 % back in poverty); 97 % of beneficiaries are enrolled, 92 % with a
subsidy; 95 % of everyone else is enrolled, a quarter of working-age adults in the employees'
scheme. Same city and seed give byte-identical files; everything is vectorised with numpy."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from minzheng.core import sheets

from .sources import load_city

POVERTY_HEADER = ["身份证号码", "姓名", "年度", "贫困户编号", "贫困状态"]
INSURANCE_HEADER = [
    "身份证号码",
    "姓名",
    "参保年度",
    "险种",
    "个人缴费（元）",
    "民政资助参保",
    "资助金额（元）",
]
RESIDENT, EMPLOYEE = "城乡居民基本医疗保险", "职工基本医疗保险"
PREMIUM_YUAN, EMPLOYEE_YUAN = 400, 1200


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = sheets.CsvWriter(stream)
        writer.writerow(header)
        writer.writerows(rows)


def generate_linkage_files(*, city_dir: Path, seed: int = 2016) -> dict:
    city_dir = Path(city_dir)
    out_dir = city_dir / "linkage"
    out_dir.mkdir(parents=True, exist_ok=True)
    c = load_city(city_dir)
    rng = np.random.default_rng(seed + 77)
    year = c.as_of.year
    living = c.current & ~c.dead
    beneficiary_hh = np.zeros(c.households, dtype=bool)
    recheck = city_dir / "sources" / "recheck_households.parquet"
    if recheck.exists():
        numbers = pq.read_table(recheck)["household_number"]
        rows = pc.drop_null(pc.index_in(numbers, value_set=c.hh_number))
        beneficiary_hh[rows.to_numpy(zero_copy_only=False).astype(np.int64)] = True

    # Poverty registry: a household draw, every living current member listed.
    draw_hh = rng.random(c.households)
    share = np.where(beneficiary_hh, 0.45, 0.03)
    registered_hh = ~c.hh_urban & (draw_hh < share)
    status_draw = rng.random(c.households)
    status_hh = np.where(
        status_draw < 0.70, "已脱贫", np.where(status_draw < 0.88, "未脱贫", "返贫")
    )
    poor_people = np.flatnonzero(living & registered_hh[c.hh])
    ids, names = c.ids.to_pylist(), c.names.to_pylist()
    poverty_rows = [
        [ids[p], names[p], year, f"FP{c.hh_county[c.hh[p]]}{c.hh[p]:08d}", status_hh[c.hh[p]]]
        for p in poor_people
    ]

    # Insurance: one row per enrolled living person.
    in_benefit = beneficiary_hh[c.hh]
    draw = rng.random(c.n)
    enrolled = living & np.where(in_benefit, draw < 0.97, draw < 0.95)
    subsidised = enrolled & in_benefit & (draw < 0.92)
    employee = enrolled & ~in_benefit & (c.age >= 18) & (c.age < 60) & (rng.random(c.n) < 0.25)
    insurance_rows = []
    for p in np.flatnonzero(enrolled):
        premium = EMPLOYEE_YUAN if employee[p] else PREMIUM_YUAN
        subsidy = PREMIUM_YUAN // 2 if subsidised[p] else ""
        insurance_rows.append(
            [
                ids[p],
                names[p],
                year,
                EMPLOYEE if employee[p] else RESIDENT,
                premium,
                "是" if subsidised[p] else "否",
                subsidy,
            ]
        )

    # Known bad rows, so an import shows its report: a wrong check digit, a duplicate, a status
    # or a subsidy the importer refuses.
    planted = {"poverty": [], "insurance": []}
    if poverty_rows:
        first = poverty_rows[0]
        bad_id = first[0][:17] + ("0" if first[0][17] != "0" else "1")
        poverty_rows += [
            [bad_id, first[1], year, first[3], first[4]],
            list(first),
            [first[0], first[1], year - 1, first[3], "脱贫"],
        ]
        planted["poverty"] = ["check_digit", "duplicate", "status"]
    if insurance_rows:
        first = insurance_rows[0]
        insurance_rows += [[first[0], first[1], year - 1, RESIDENT, 100, "否", 50]]
        planted["insurance"] = ["subsidy_without_flag"]
    _write(out_dir / "poverty.csv", POVERTY_HEADER, poverty_rows)
    _write(out_dir / "insurance.csv", INSURANCE_HEADER, insurance_rows)
    manifest = {
        "year": year,
        "households": c.households,
        "beneficiary_households": int(beneficiary_hh.sum()),
        "files": {
            name: {"rows": len(rows), "sha256": _sha256(out_dir / name)}
            for name, rows in (("poverty.csv", poverty_rows), ("insurance.csv", insurance_rows))
        },
        "planted_bad_rows": planted,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return manifest

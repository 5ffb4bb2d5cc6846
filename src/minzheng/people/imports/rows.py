"""The rows of an import file as read and cleaned, and the units they are written in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from minzheng.regions.models import Region

from ..models import Relation
from .report import RowError


@dataclass(slots=True)
class ImportRow:
    number: int
    cells: dict[str, str]  # column key -> text as written in the file
    raw: dict[str, object]  # column key -> a number or date cell as read (Excel), never text
    errors: list[RowError] = field(default_factory=list)
    id_number: str = ""
    id_hash: str = ""
    name: str = ""
    region: Region | None = None
    hukou_type: str = ""
    household_key: str = ""
    relation: str = ""
    address: str = ""
    bank_name: str = ""
    bank_account: str = ""
    disability_type: str = ""
    disability_grade: int | None = None
    phone: str = ""
    birth_date: dt.date | None = None  # as the file gives them (checked against the ID)
    sex: str = ""
    id_birth_date: dt.date | None = None  # as the ID number says: what is registered
    id_sex: str = ""
    registered: bool = False  # the ID was in the registry when the file was validated


@dataclass
class Unit:
    """What is written together: one household (all its rows), or one person without a household."""

    key: str
    rows: list[ImportRow]

    @cached_property
    def head(self) -> ImportRow | None:
        """The first row whose relation is 户主 (read once the rows are grouped and cleaned)."""
        return next((r for r in self.rows if r.relation == Relation.HEAD), None)

    @property
    def has_errors(self) -> bool:
        return any(r.errors for r in self.rows)


def group(rows: list[ImportRow]) -> list[Unit]:
    """Households in order of first appearance; a row without a household key is a unit of its own."""
    units: list[Unit] = []
    by_key: dict[str, Unit] = {}
    for row in rows:
        if not row.household_key:
            units.append(Unit(key="", rows=[row]))
        elif row.household_key in by_key:
            by_key[row.household_key].rows.append(row)
        else:
            by_key[row.household_key] = Unit(key=row.household_key, rows=[row])
            units.append(by_key[row.household_key])
    return units

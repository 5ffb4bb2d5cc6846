"""Pure rules of charity (docs/DOMAIN.md §15), kept apart from the database for hand-worked tests.

The annual checks of a charitable organisation with the public-fundraising qualification, for a
year Y: its charitable-activity spending of Y is at least 70 % of its income of Y-1 (donations
received, money and valued goods), and its management costs of Y are at most 10 % of its
spending of Y (charitable activities plus management costs)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

MIN_CHARITABLE_SHARE = Fraction(70, 100)
MAX_MANAGEMENT_SHARE = Fraction(10, 100)
PUPIL_AGES = (6, 17)  # primary and secondary school age, inclusive, on the day of the use


@dataclass(frozen=True)
class AnnualCheck:
    year: int
    income_prev_fen: int
    charitable_fen: int
    management_fen: int

    @property
    def spending_fen(self) -> int:
        return self.charitable_fen + self.management_fen

    @property
    def charitable_share(self) -> Fraction | None:
        """Charitable spending of the year ÷ the previous year's income; None without income."""
        if self.income_prev_fen <= 0:
            return None
        return Fraction(self.charitable_fen, self.income_prev_fen)

    @property
    def management_share(self) -> Fraction | None:
        if self.spending_fen <= 0:
            return None
        return Fraction(self.management_fen, self.spending_fen)

    @property
    def charitable_ok(self) -> bool | None:
        share = self.charitable_share
        return None if share is None else share >= MIN_CHARITABLE_SHARE

    @property
    def management_ok(self) -> bool | None:
        share = self.management_share
        return None if share is None else share <= MAX_MANAGEMENT_SHARE

    @staticmethod
    def percent(share: Fraction | None) -> str:
        if share is None:
            return "—"
        return f"{float(share * 100):.1f}%"

    @property
    def charitable_percent(self) -> str:
        return self.percent(self.charitable_share)

    @property
    def management_percent(self) -> str:
        return self.percent(self.management_share)


def is_school_age(birth_date: dt.date, on: dt.date) -> bool:
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return PUPIL_AGES[0] <= age <= PUPIL_AGES[1]


def receipt_number(*, charity_id: int, year: int, serial: int) -> str:
    """JZ2026-0001-000123: year, charity and serial; a voided number is never issued again."""
    return f"JZ{year}-{charity_id:04d}-{serial:06d}"

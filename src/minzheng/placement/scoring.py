"""The service score, the ranking and the self-employment grant (docs/DOMAIN.md §9.2).

Weights are parameters [assumed]: `DEFAULT_WEIGHTS` is copied onto each placement year when it is
created (`PlacementYear.weights`), so the office may set its own for a year and a later change of
the defaults never rewrites a published ranking. Every component is kept as an exact fraction and
the total rounded once, half up, to 0.01 point; the trace lists each component with its quantity.

Ranking (tie-break, in order): higher score; then longer service (more full months); then earlier
enlistment date; then the lower ID number (its 18 characters compared as text, which orders by
address code, then birth date, then sequence — a stable, public and unarguable last key).

Choice order: the four priority groups (四类重点对象) choose first, in ranking order among
themselves, so that each of them is guaranteed a post; then every other veteran in ranking order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext_noop

from minzheng.core.money import round_half_up

# Points [assumed]: per year of service (counted in full months, 1/12 of a year each), per rank,
# per award of each class, per year in hardship or remote areas (in months), and deducted per
# disciplinary sanction of each kind.
DEFAULT_WEIGHTS: dict[str, object] = {
    "per_service_year": 10,
    "rank": {"private": 0, "nco1": 5, "nco2": 10, "nco3": 15, "nco4": 20, "nco5": 25, "nco6": 30},
    "first_class_merits": 30,
    "second_class_merits": 20,
    "third_class_merits": 10,
    "outstanding_soldier": 5,
    "per_hardship_year": 3,
    "warnings": 5,
    "serious_warnings": 10,
    "demerits": 20,
}
# One-off self-employment grant per year of service [assumed figure; the province sets it].
DEFAULT_GRANT_PER_YEAR_FEN = 600_000

AWARDS = (
    ("first_class_merits", gettext_noop("一等功")),
    ("second_class_merits", gettext_noop("二等功")),
    ("third_class_merits", gettext_noop("三等功")),
    ("outstanding_soldier", gettext_noop("优秀士兵")),
)
SANCTIONS = (
    ("warnings", gettext_noop("警告处分")),
    ("serious_warnings", gettext_noop("严重警告处分")),
    ("demerits", gettext_noop("记过以上处分")),
)


def service_months(enlisted_on: dt.date, discharged_on: dt.date) -> int:
    """Full months from enlistment to discharge (a month is full on the same day of the month)."""
    months = (discharged_on.year - enlisted_on.year) * 12 + discharged_on.month - enlisted_on.month
    if discharged_on.day < enlisted_on.day:
        months -= 1
    return max(months, 0)


def _points(value: Fraction) -> Decimal:
    """An exact number of points shown to 0.01, half up."""
    return Decimal(round_half_up(value * 100)).scaleb(-2)


def compute(record, weights: dict) -> tuple[Decimal, list[dict], int]:
    """(score, trace, service months) of a record with the service-record fields of Veteran."""
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    months = service_months(record.enlisted_on, record.discharged_on)
    parts: list[tuple[str, str, Fraction]] = []
    parts.append(
        ("service", f"{months}", Fraction(months, 12) * Fraction(str(w["per_service_year"])))
    )
    parts.append(("rank", record.rank, Fraction(str(w["rank"].get(record.rank, 0)))))
    for field, _label in AWARDS:
        n = getattr(record, field) or 0
        parts.append((field, str(n), n * Fraction(str(w[field]))))
    hardship = record.hardship_months or 0
    parts.append(
        ("hardship", str(hardship), Fraction(hardship, 12) * Fraction(str(w["per_hardship_year"])))
    )
    for field, _label in SANCTIONS:
        n = getattr(record, field) or 0
        parts.append((field, str(n), -n * Fraction(str(w[field]))))
    total = sum((p for _k, _q, p in parts), Fraction(0))
    trace = [{"part": k, "quantity": q, "points": str(_points(p))} for k, q, p in parts]
    return _points(total), trace, months


def ranking_key(veteran) -> tuple:
    """Sort key of the ranking: see the module's docstring."""
    return (-veteran.score, -veteran.service_months, veteran.enlisted_on, veteran.person.id_number)


def grant_years(months: int) -> Fraction:
    """Years of service for the grant [assumed]: full years, and a remainder of 1–6 months counts
    as half a year, of 7–11 months as a whole year."""
    years, rest = divmod(months, 12)
    if rest == 0:
        return Fraction(years)
    return Fraction(years) + (Fraction(1, 2) if rest <= 6 else Fraction(1))


def grant_fen(months: int, per_year_fen: int) -> int:
    return round_half_up(grant_years(months) * per_year_fen)

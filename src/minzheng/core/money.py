"""Money: integer fen, exact fractions, one rounding, and the only yuan formatter and parser.

Amounts are integer fen everywhere (models, rules, payroll). Integers add and compare exactly,
store in a plain integer column on SQLite and PostgreSQL alike, and cannot pick up a stray third
decimal. Where a ratio or a division is involved (30 % of a statistic, a yearly standard ÷ 12,
income ÷ members) the intermediate value is kept as an exact `Fraction` and rounded once, half
away from zero (ROUND_HALF_UP, the rounding used in Chinese financial practice), at the point the
rule says an amount is fixed. Yuan appear only at the interfaces, as strings with two decimals
(`yuan_str`) or exact decimals in spreadsheets (`yuan_decimal`); yuan written by people or banks
are read with `parse_yuan`, which refuses a third decimal instead of cutting it off.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

FEN_PER_YUAN = 100


def round_half_up(value: Fraction | int) -> int:
    """Round an exact (possibly fractional) fen amount to whole fen, halves away from zero."""
    value = Fraction(value)
    if value < 0:
        return -round_half_up(-value)
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def round_to_step(value: Fraction | int, *, step_fen: int, up: bool = False) -> int:
    """Round to a multiple of `step_fen` (1 = fen, 100 = yuan, 1000 = ten yuan); `up` rounds
    any remainder upwards instead of half up."""
    units = Fraction(value) / step_fen
    if up:
        whole = -((-units.numerator) // units.denominator)
    else:
        whole = round_half_up(units)
    return whole * step_fen


def yuan_str(fen: int | None) -> str | None:
    """48000 -> "480.00"; -5 -> "-0.05"."""
    if fen is None:
        return None
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def yuan_decimal(fen: int | None) -> Decimal | None:
    """48000 -> Decimal("480.00"); -5 -> Decimal("-0.05"). For cells that must stay numbers."""
    if fen is None:
        return None
    return Decimal(int(fen)).scaleb(-2)


# Digits with optional thousands separators and decimals (more than two only if zeros, checked by
# yuan_to_fen); no exponent, no spaces inside.
_YUAN_TEXT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def parse_yuan(text: str | int | float | Decimal) -> int:
    """Yuan as written in a file or a form ("1,234.50", "480", "-0.05", ¥/元 around it) -> fen.
    Anything else (a third decimal, an exponent, words) is a ValueError: a bank amount is never
    rounded or truncated into agreement."""
    if isinstance(text, bool):
        raise ValueError(text)
    if isinstance(text, int):
        return int(text) * FEN_PER_YUAN
    if isinstance(text, float):
        text = repr(text)  # the shortest text that reads back as the same float: 480.0, 0.05
        if text.endswith(".0"):
            text = text[:-2]
    cleaned = (
        str(text).strip().replace("\u00a5", "").replace("\uffe5", "").removesuffix("元").strip()
    )
    if not _YUAN_TEXT.match(cleaned):
        raise ValueError(text)
    return yuan_to_fen(cleaned.replace(",", ""))


def yuan_to_fen(value: Decimal | str | int) -> int:
    """ "480" / Decimal("480.00") -> 48000. More than two decimals is an error, not a rounding."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(value) from None
    if not amount.is_finite():
        raise ValueError(value)
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(value)
    return int(fen)


def fen(yuan: int | str) -> int:
    """Readable literals for defaults and tests: fen(480) == 48000, fen("454.80") == 45480."""
    return yuan_to_fen(yuan)


def fraction_str(value: Fraction, places: int = 2) -> str:
    """An exact fraction of fen shown in yuan with `places` decimals, rounded half up (trace only)."""
    scaled = round_half_up(Fraction(value) * 10**places / FEN_PER_YUAN)
    sign = "-" if scaled < 0 else ""
    whole, part = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{part:0{places}d}" if places else f"{sign}{whole}"

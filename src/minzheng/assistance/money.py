"""Money arithmetic for assistance.

Amounts are integer fen everywhere (models, rules, payroll). Integers add and compare exactly,
store in a plain integer column on SQLite and PostgreSQL alike, and cannot pick up a stray third
decimal. Where a ratio or a division is involved (30 % of a statistic, a yearly standard ÷ 12,
income ÷ members) the intermediate value is kept as an exact `Fraction` and rounded once, half
away from zero (ROUND_HALF_UP, the rounding used in Chinese financial practice), at the point the
rule says an amount is fixed. Yuan appear only at the interfaces, as strings with two decimals.
"""

from __future__ import annotations

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


def yuan_to_fen(value: Decimal | str | int) -> int:
    """"480" / Decimal("480.00") -> 48000. More than two decimals is an error, not a rounding."""
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
    scaled = round_half_up(Fraction(value) * 10 ** places / FEN_PER_YUAN)
    sign = "-" if scaled < 0 else ""
    whole, part = divmod(abs(scaled), 10 ** places)
    return f"{sign}{whole}.{part:0{places}d}" if places else f"{sign}{whole}"

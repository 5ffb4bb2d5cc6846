"""One money module: every yuan shown anywhere comes from core.money, figures worked by hand.

Fen are integers; −5 fen is minus five fen, "-0.05" yuan (floor division would make it −1 yuan
and 95 fen, "-1.95"). Yuan read from files are exact: a third decimal is refused, not cut off."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from minzheng.cases import pdf as case_pdf
from minzheng.cases.templatetags import cases_tags
from minzheng.core import money
from minzheng.payments.templatetags import payments_tags

pytestmark = pytest.mark.db_independent

SRC = Path(__file__).resolve().parents[1] / "src" / "minzheng"

# fen, yuan as shown
SHOWN = [
    (0, "0.00"),
    (5, "0.05"),
    (-5, "-0.05"),
    (-99, "-0.99"),
    (-100, "-1.00"),
    (-101, "-1.01"),
    (12345, "123.45"),
    (-12345, "-123.45"),
    (48000, "480.00"),
    (15666, "156.66"),
    (100000000, "1000000.00"),
]

FORMATTERS = {
    "core.money.yuan_str": money.yuan_str,
    "cases template filter": cases_tags.yuan,
    "payments template filter": payments_tags.yuan,
    "case notice PDF": case_pdf._yuan,
}


@pytest.mark.parametrize("name", FORMATTERS)
@pytest.mark.parametrize(("fen", "shown"), SHOWN)
def test_every_formatter_shows_the_same_yuan(name, fen, shown):
    assert FORMATTERS[name](fen) == shown


def test_empty_amounts():
    assert money.yuan_str(None) is None and money.yuan_decimal(None) is None
    assert cases_tags.yuan(None) == payments_tags.yuan(None) == case_pdf._yuan(None) == ""


@pytest.mark.parametrize(
    ("fen", "exact"),
    [
        (-5, Decimal("-0.05")),
        (12345, Decimal("123.45")),
        (0, Decimal("0.00")),
        (48000, Decimal("480.00")),
    ],
)
def test_yuan_decimal_is_exact_and_keeps_two_places(fen, exact):
    value = money.yuan_decimal(fen)
    assert value == exact and str(value) == str(exact)


# text as written by a bank or a clerk, fen
PARSED = [
    ("480", 48000),
    ("480.00", 48000),
    ("480.5", 48050),
    ("0.05", 5),
    ("-0.05", -5),
    ("+12.30", 1230),
    ("1,234.50", 123450),
    ("1,234,567.89", 123456789),
    (" 156.66 ", 15666),
    ("¥12.30", 1230),
    ("￥12.30", 1230),
    ("12.30元", 1230),
    ("480.000", 48000),  # trailing zeros are exact: nothing is lost
    (480, 48000),
    (480.5, 48050),  # an Excel number cell
    (156.66, 15666),
    (Decimal("749.00"), 74900),
]

REFUSED = [
    "1.234",
    "480.001",
    "480.009",
    "0.005",
    "1e3",
    "1E2",
    "",
    " ",
    "abc",
    "12.3.4",
    "1,23.00",
    "12,34",
    "1 000",
    "NaN",
    "Infinity",
    "--1",
    "0x10",
    0.1 + 0.2,
    True,
]


@pytest.mark.parametrize(("text", "fen"), PARSED)
def test_parse_yuan(text, fen):
    assert money.parse_yuan(text) == fen


@pytest.mark.parametrize("text", REFUSED)
def test_parse_yuan_refuses_what_is_not_an_exact_amount(text):
    with pytest.raises(ValueError):
        money.parse_yuan(text)


def test_no_local_yuan_formatter_is_left():
    """Yuan are formatted in core.money only: a `// 100` / `% 100:02d` pair elsewhere is a second
    formatter (three of the four found printed −5 fen as "-1.95")."""
    pattern = re.compile(r"//\s*100\}\.\{|%\s*100:02d")
    found = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p.name != "money.py" and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert found == []
    assert not (
        SRC / "assistance" / "money.py"
    ).exists()  # moved to core, no second copy or re-export

import datetime as dt

import pytest

from minzheng.core import idcard

pytestmark = pytest.mark.db_independent

TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    "raw, number, birth, sex",
    [
        # Worked by hand: 3*7+4*9+0*10+5*5+2*8+4*4+1*2+9*1+8*6+0*3+0*7+1*9+0*10+1*5+0*8+0*4+1*2 = 189; 189 mod 11 = 2 -> "X"
        ("34052419800101001X", "34052419800101001X", dt.date(1980, 1, 1), "M"),
        # 4*7+2*9+0+8*5+0+2*4+1*2+9*1+9*6+0+0+1*9+0+1*5+1*8+2*4+3*2 = 195; 195 mod 11 = 8 -> "4"
        ("420802199001011234", "420802199001011234", dt.date(1990, 1, 1), "M"),
        # surrounding spaces are tolerated
        (" 420802199001011234 ", "420802199001011234", dt.date(1990, 1, 1), "M"),
        # 15-digit legacy number: 420802 900101 123 -> 420802 19900101 123 + check "4"
        ("420802900101123", "420802199001011234", dt.date(1990, 1, 1), "M"),
        # even sequence digit -> female; check worked as above with digit 17 = 2: 195 - 3*2 + 2*2 = 193; 193 mod 11 = 6 -> "6"
        ("420802199001011226", "420802199001011226", dt.date(1990, 1, 1), "F"),
    ],
)
def test_valid_ids(raw, number, birth, sex):
    rid = idcard.parse(raw, today=TODAY)
    assert (rid.number, rid.birth_date, rid.sex) == (number, birth, sex)
    assert rid.upgraded_from_15 == (len(raw.strip()) == 15)


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("420881198512120021", "校验码"),  # docs/DOMAIN.md §2.1: must end in X
        ("34052419800101001x", "大写X"),  # lower-case x
        ("420802199002301234", "出生日期不存在"),  # 30 February
        ("420802199013011234", "出生日期不存在"),  # month 13
        ("420802203001011234", "晚于今天"),  # future birth date (2030)
        ("42080219900101123", "18位"),  # 17 characters
        ("4208021990010112345", "18位"),  # 19 characters
        ("42080219900101123A", "18位"),  # letter other than X
        ("", "18位"),
    ],
)
def test_invalid_ids(raw, reason):
    with pytest.raises(idcard.InvalidResidentId) as exc:
        idcard.parse(raw, today=TODAY)
    assert reason in str(exc.value)


def test_check_character_matches_worked_example():
    assert idcard.check_char("34052419800101001") == "X"
    assert idcard.check_char("42080219900101123") == "4"


def test_mask_keeps_prefix_and_last_four():
    assert idcard.mask("420802199001011234") == "4208**********1234"
    assert idcard.mask("6217000012345678901") == "6217***********8901"


def test_mask_array_masks_as_mask_does():
    import pyarrow as pa

    values = [
        "",
        None,
        "7",
        "12345678",
        "123456789",
        "420802199001011234",
        "6222021234567890123",
        "中文身份证号码一二三四",
    ]
    assert idcard.mask_array(pa.array(values)).to_pylist() == [idcard.mask(v) for v in values]

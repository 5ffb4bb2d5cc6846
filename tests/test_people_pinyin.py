"""The registry's pinyin search key: converting a name word by word (with the words remembered)
gives what converting the whole name gives (the surname readings are added on top of this and
tested in tests/test_pinyin.py)."""

import random

import pytest
from pypinyin import Style, lazy_pinyin

from minzheng.people.pinyin import _readings
from minzheng.synth import names


def whole_name(name: str) -> tuple[str, str]:
    full = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(full).lower(), "".join(initials).lower()


@pytest.mark.parametrize(
    "name",
    [
        "张三",
        "单于长",  # compound surname and a character read differently in it
        "长孙无忌",
        "尉迟恭",
        "万俟卨",
        "欧阳娜娜",
        "曾乐乐",  # 曾 and 乐 each have two readings
        "朝阳",  # a word pypinyin knows as a phrase
        "重庆",
        "王朝阳",  # a phrase inside a name
        "李重阳",
        "买买提·艾力",  # a name with a middle dot
        "王 小明",
        "John Smith",  # no Chinese characters at all
        "张三Ⅱ",
        "〇〇",
        "",
    ],
)
def test_awkward_names(name):
    assert _readings(name) == whole_name(name)


def test_synthetic_names_sample():
    rng = random.Random(11643)
    surnames = [s for s, _ in names.SURNAMES]
    given = "".join(names.GIVEN_CHARS.values())
    sample = [
        rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 3))))
        for _ in range(3000)
    ]
    assert [_readings(n) for n in sample] == [whole_name(n) for n in sample]

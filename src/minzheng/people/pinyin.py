"""Pinyin search keys for names: "zhangsan zs", full pinyin and initials, lower-case, no tones.

pypinyin reads each character with its common reading, but a surname has its own: 曾 is zeng
as a surname (ceng in 曾经), 单 shan, 解 xie, 仇 qiu, 区 ou, 朴 piao, 查 zha, 覃 qin, 翟 zhai …
pypinyin has no surname mode, so the readings are listed here. A name that starts with a listed
surname is keyed with the surname reading first and, when the common reading differs, with the
common reading after it: 曾国藩 → "zengguofan zgf cengguofan cgf", so a user typing either
finds the person. Every other name keeps pypinyin's reading of the whole name.

The synthetic city's bulk generator builds the same keys with array operations
(`minzheng.synth.names`); `tests/test_synth.py` holds the two to the same result.
"""

from __future__ import annotations

from functools import cache, lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS
from pypinyin.seg.mmseg import seg as _phrases
from pypinyin.seg.simpleseg import seg


@lru_cache(maxsize=65536)
def _word_pinyin(word: str) -> tuple[str, str]:
    full = lazy_pinyin(word, errors="ignore")
    initials = lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(full), "".join(initials)


def _words(name: str) -> list[str]:
    """The words pypinyin converts a name in: phrases it knows, single characters, runs of
    characters without pinyin. A name of Chinese characters in which no two neighbours begin a
    known phrase (most names) is cut into its characters; `seg` decides the others."""
    if RE_HANS.match(name) and not any(
        name[i : i + 2] in _phrases._prefix_set for i in range(len(name) - 1)
    ):
        return list(name)
    return seg(name)


# Person.name_pinyin's max_length. A name of 64 characters needs at most 64 × 6 + 1 + 64 = 449;
# the common-reading alternative is added only while the key stays within this length.
KEY_LENGTH = 512

# Surname → its syllables where a character's common reading is not the surname's (single
# characters), and compound surnames (read as one unit, so the second character is not taken as
# the given name). pypinyin writes ü as v (闾 lv); so does this table.
SURNAMES: dict[str, tuple[str, ...]] = {
    # compound surnames, matched before single ones
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "澹台": ("tan", "tai"),
    "长孙": ("zhang", "sun"),
    "乐正": ("yue", "zheng"),
    "子车": ("zi", "ju"),
    "鲜于": ("xian", "yu"),
    "令狐": ("ling", "hu"),
    "仉督": ("zhang", "du"),
    "夹谷": ("jia", "gu"),
    "宰父": ("zai", "fu"),
    "亓官": ("qi", "guan"),
    "闾丘": ("lv", "qiu"),
    # single characters read otherwise as surnames
    "曾": ("zeng",),
    "覃": ("qin",),
    "单": ("shan",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "朴": ("piao",),
    "查": ("zha",),
    "盖": ("ge",),
    "缪": ("miao",),
    "种": ("chong",),
    "乐": ("yue",),
    "翟": ("zhai",),
    "秘": ("bi",),
    "繁": ("po",),
    "折": ("she",),
    "员": ("yun",),
    "句": ("gou",),
    "隗": ("wei",),
    "召": ("shao",),
    "能": ("nai",),
    "阚": ("kan",),
    "都": ("du",),
    "重": ("chong",),
    "藏": ("zang",),
    "粘": ("nian",),
    "佴": ("nai",),
    "扎": ("za",),
    "六": ("lu",),
    "薄": ("bo",),
    "乜": ("nie",),
    "卜": ("bu",),
    "祭": ("zhai",),
    "角": ("jue",),
    "炅": ("gui",),
    "洗": ("xian",),
}
COMPOUND_SURNAMES = frozenset(s for s in SURNAMES if len(s) == 2)
SINGLE_SURNAMES = frozenset(s for s in SURNAMES if len(s) == 1)


def _readings(text: str) -> tuple[str, str]:
    """pypinyin's full pinyin and initials of a text, joined, lower-case.

    pypinyin converts each word of a text on its own, so the text is cut into words the same way
    and each word's pinyin is remembered: the few thousand characters of names then cost a lookup
    each, which matters when an import registers a hundred thousand people
    (tests/test_people_pinyin.py holds it equal to converting the whole text)."""
    full, initials = [], []
    for word in _words(text):
        word_full, word_initials = _word_pinyin(word)
        full.append(word_full)
        initials.append(word_initials)
    return "".join(full).lower(), "".join(initials).lower()


def split_surname(name: str) -> tuple[str, str]:
    """(listed surname, rest) — ("", name) when the name starts with no listed surname."""
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    if name[:1] in SINGLE_SURNAMES:
        return name[:1], name[1:]
    return "", name


@cache
def surname_keys(surname: str) -> tuple[str, str, str, str]:
    """(full, initials) of a listed surname's own reading, then of its common reading."""
    own = SURNAMES[surname]
    return ("".join(own), "".join(s[0] for s in own), *_readings(surname))


def compose_key(full: str, initials: str, alt_full: str = "", alt_initials: str = "") -> str:
    """The stored key: "full initials", then "alt_full alt_initials" when it differs and fits."""
    key = f"{full} {initials}"
    if alt_full and alt_full != full:
        longer = f"{key} {alt_full} {alt_initials}"
        if len(longer) <= KEY_LENGTH:
            return longer
    return key


def name_pinyin(name: str) -> str:
    """Search key for a name: "zhangsan zs"; "zengguofan zgf cengguofan cgf" for 曾国藩."""
    surname, rest = split_surname(name)
    if not surname:
        return compose_key(*_readings(name))
    own_full, own_initials, common_full, common_initials = surname_keys(surname)
    rest_full, rest_initials = _readings(rest)
    return compose_key(
        own_full + rest_full,
        own_initials + rest_initials,
        common_full + rest_full,
        common_initials + rest_initials,
    )


def rekey_surnames(person_model, *, batch_size: int = 2000) -> int:
    """Recompute the stored key of every person whose name starts with a listed surname (about one
    in a hundred), after the list or the rule changes; returns how many keys changed.

    One scan selects them by their first one or two characters; only keys that differ are
    written, in bulk batches. Takes the model so a data migration can pass its historical one.
    When `SURNAMES` changes, a migration calling this brings the stored keys along."""
    from django.db.models import Q
    from django.db.models.functions import Left

    rows = list(
        person_model.objects.annotate(first_one=Left("name", 1), first_two=Left("name", 2))
        .filter(Q(first_one__in=SINGLE_SURNAMES) | Q(first_two__in=COMPOUND_SURNAMES))
        .values_list("pk", "name", "name_pinyin")
    )
    changed = [
        person_model(pk=pk, name_pinyin=key)
        for pk, name, old in rows
        if (key := name_pinyin(name)) != old
    ]
    person_model.objects.bulk_update(changed, ["name_pinyin"], batch_size=batch_size)
    return len(changed)

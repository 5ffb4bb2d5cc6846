"""The romanisation rules of place names (docs/DOMAIN.md §13.2, docs/PLACENAMES.md).

The spelling of a Chinese place name in the Latin alphabet follows Hanyu Pinyin (GB/T 16159)
with the rules for place names (《中国地名汉语拼音字母拼写规则（汉语地名部分）》):

1. The specific part (专名) and the generic part (通名) are written apart, each as one word with
   a capital: 龙泉街道 → Longquan Jiedao, 象山大道 → Xiangshan Dadao, 五指山 → Wuzhi Shan.
   A generic of several words keeps its words apart (村民委员会 → Cunmin Weiyuanhui).
2. A one-syllable modifier of the generic (东西南北中前后内外上下) is joined to it when the
   specific keeps at least two syllables: 象山东路 → Xiangshan Donglu (景山后街 Jingshan Houjie);
   河东路 keeps its specific: Hedong Lu.
3. Natural villages and other names with no generic to tell apart (class 2402, rural settlements,
   and any name without a known generic) are one word: 张家湾 → Zhangjiawan, 西安 → Xi'an.
4. Numbers are spelt in pinyin (五指山 Wuzhi Shan, 五一路 Wuyi Lu) except the ordinal of a street
   (经五路 → Jing 5 Lu, 二马路 → 2 Malu, 象山一路 → Xiangshan 1 Lu) and codes written in digits
   (G207国道 → G207 Guodao), which stay in Arabic digits.
5. Inside a word a syllable starting with a, o or e takes an apostrophe before it: 西安 Xi'an,
   天峨 Tian'e, 东阿 Dong'e.
6. Each word starts with a capital, the rest in lower case; ü is written ü (吕家湾 Lüjiawan); no
   tone marks (the pronunciation field carries them).

Syllables and polyphones come from pypinyin (its phrase dictionary); place names read some
characters otherwise than common words, so `WORD_READINGS` and `CHAR_READINGS` override it
(长 is chang in place names, not zhang; 六安 is Lu'an).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin
from pypinyin.seg.mmseg import seg as _mmseg

# Generic words (matched longest first at the end of a name).
GENERICS: tuple[str, ...] = (
    "社区居民委员会",
    "村民委员会",
    "居民委员会",
    "工业园区",
    "管理区",
    "开发区",
    "工业园",
    "风景区",
    "街道",
    "大道",
    "大街",
    "大桥",
    "马路",
    "国道",
    "省道",
    "水库",
    "干渠",
    "泵站",
    "电站",
    "变电站",
    "客运站",
    "火车站",
    "码头",
    "公园",
    "广场",
    "大厦",
    "小学",
    "中学",
    "卫生院",
    "医院",
    "遗址",
    "农场",
    "林场",
    "小区",
    "花园",
    "社区",
    "路",
    "街",
    "巷",
    "桥",
    "站",
    "闸",
    "渠",
    "河",
    "江",
    "湖",
    "港",
    "溪",
    "泉",
    "山",
    "岭",
    "岗",
    "冲",
    "畈",
    "洞",
    "镇",
    "乡",
    "村",
    "湾",
    "垸",
    "庄",
    "区",
    "县",
    "市",
    "寺",
    "塔",
    "堤",
)
# Generics of several words, written apart word by word.
GENERIC_WORDS: dict[str, tuple[str, ...]] = {
    "社区居民委员会": ("社区", "居民", "委员会"),
    "村民委员会": ("村民", "委员会"),
    "居民委员会": ("居民", "委员会"),
    "工业园区": ("工业", "园区"),
}
_GENERIC_SET = frozenset(GENERICS)
_GENERIC_SIZES = sorted({len(g) for g in GENERICS}, reverse=True)
# Generics of streets: a numeral just before one is the street's ordinal (rule 4), and a
# one-syllable modifier just before one is joined to it (rule 2).
STREET_GENERICS = ("路", "街", "巷", "马路", "大道", "大街")
MODIFIERS = set("东西南北中前后内外上下")
ORDINAL_PREFIXES = set("经纬第横")
# Classes written as one word (rule 3): natural villages.
JOINED_SUBCLASSES = {"2402"}

# Readings that differ in place names: whole words first, then single characters.
WORD_READINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "六安": (("lu", "lù"), ("an", "ān")),
    "丽水": (("li", "lí"), ("shui", "shuǐ")),
    "蚌埠": (("beng", "bèng"), ("bu", "bù")),
    "番禺": (("pan", "pān"), ("yu", "yú")),
    "乐亭": (("lao", "lào"), ("ting", "tíng")),
    "东阿": (("dong", "dōng"), ("e", "ē")),
    "洪洞": (("hong", "hóng"), ("tong", "tóng")),
    "铅山": (("yan", "yán"), ("shan", "shān")),
    "涡阳": (("guo", "guō"), ("yang", "yáng")),
    "浒墅关": (("xu", "xǔ"), ("shu", "shù"), ("guan", "guān")),
    "吴堡": (("wu", "wú"), ("bu", "bǔ")),
    "黄埔": (("huang", "huáng"), ("pu", "pǔ")),
    "亳州": (("bo", "bó"), ("zhou", "zhōu")),
    "歙县": (("she", "shè"), ("xian", "xiàn")),
    "蔚县": (("yu", "yù"), ("xian", "xiàn")),
    "子陵": (("zi", "zǐ"), ("ling", "líng")),
    "朝阳": (("chao", "cháo"), ("yang", "yáng")),
}
CHAR_READINGS: dict[str, tuple[str, str]] = {
    "长": ("chang", "cháng"),
    "曾": ("zeng", "zēng"),
    "冲": ("chong", "chōng"),
    "堡": ("bao", "bǎo"),
    "垸": ("yuan", "yuàn"),
    "畈": ("fan", "fàn"),
    "湾": ("wan", "wān"),
}
_WORDS_BY_LENGTH = sorted(WORD_READINGS, key=len, reverse=True)
_phrase_prefixes = _mmseg._prefix_set
_WORD_FIRST = {w[0] for w in WORD_READINGS}

NUMERALS = "零一二三四五六七八九十"
_HAN = re.compile(r"[\u4e00-\u9fff]")
_TOKEN = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]+|.", re.S)


def numeral_value(text: str) -> int | None:
    """一 … 九十九 as an integer; None for anything else (零 or a run such as 五一)."""
    digits = {c: i for i, c in enumerate(NUMERALS) if c != "十"}
    if not text or any(c not in NUMERALS for c in text) or "零" in text:
        return None
    if len(text) == 1:
        return 10 if text == "十" else digits[text]
    if len(text) == 2 and text[0] == "十":
        return 10 + digits.get(text[1], -100) if text[1] != "十" else None
    if len(text) == 2 and text[1] == "十":
        return digits.get(text[0], -100) * 10 if text[0] not in "一十" else None
    if len(text) == 3 and text[1] == "十" and text[0] not in "一十" and text[2] != "十":
        return digits[text[0]] * 10 + digits[text[2]]
    return None


_TONELESS = str.maketrans("āáǎàōóǒòēéěèīíǐìūúǔùǖǘǚǜńňǹḿ", "aaaaooooeeeeiiiiuuuuüüüünnnm")


def _pair(toned: str) -> tuple[str, str]:
    return toned.translate(_TONELESS), toned


@lru_cache(maxsize=8192)
def _char(ch: str) -> tuple[str, str]:
    if ch in CHAR_READINGS:
        return CHAR_READINGS[ch]
    toned = lazy_pinyin(ch, style=Style.TONE, errors="ignore")
    return _pair(toned[0]) if toned else (ch, ch)


def _run(run: str) -> list[tuple[str, str]]:
    """A run of characters: character by character (cached) unless two neighbours begin a phrase
    pypinyin knows (then its phrase reading decides the polyphones)."""
    if not any(run[i : i + 2] in _phrase_prefixes for i in range(len(run) - 1)):
        return [_char(ch) for ch in run]
    toned = lazy_pinyin(run, style=Style.TONE, errors="ignore")
    if len(toned) != len(run):
        return [_pair(t) for t in toned]
    return [CHAR_READINGS.get(ch) or _pair(t) for ch, t in zip(run, toned, strict=True)]


@lru_cache(maxsize=65536)
def syllables(text: str) -> tuple[tuple[str, str], ...]:
    """(plain, toned) of each syllable of a run of characters, with the place-name readings;
    a run of Latin letters or digits is one item kept as it is."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        word = (
            next((w for w in _WORDS_BY_LENGTH if text.startswith(w, i)), None)
            if text[i] in _WORD_FIRST
            else None
        )
        if word:
            out.extend(WORD_READINGS[word])
            i += len(word)
            continue
        j = i
        while (
            j < len(text)
            and _HAN.match(text[j])
            and not (
                text[j] in _WORD_FIRST and any(text.startswith(w, j) for w in _WORDS_BY_LENGTH)
            )
        ):
            j += 1
        if j > i:
            out.extend(_run(text[i:j]))
            i = j
            continue
        token = _TOKEN.match(text, i).group(0)
        if token.strip():
            out.append((token, token))
        i += len(token)
    return tuple(out)


def _word(parts: list[str], toned: bool = False) -> str:
    """Join syllables into one written word: apostrophe before a, o, e inside it, capital first."""
    text = ""
    for index, part in enumerate(parts):
        first = part[:1].lower()
        if index and text and text[-1].isalpha() and first in "aoeāáǎàōóǒòēéěè":
            text += "'"
        text += part
    return text[:1].upper() + text[1:] if text else text


@dataclass(frozen=True)
class Romanised:
    specific: str
    generic: str
    spelling: str  # the written form, rule-conforming
    pronunciation: str  # with tone marks


def split_name(name: str) -> tuple[str, str]:
    """(specific, generic): the longest known generic at the end, when a specific is left."""
    for size in _GENERIC_SIZES:
        if len(name) > size and name[-size:] in _GENERIC_SET:
            return name[:-size], name[-size:]
    return name, ""


def _syll(text: str, toned: bool) -> list[str]:
    return [pair[1] if toned else pair[0] for pair in syllables(text)]


def _generic_words(generic: str, toned: bool) -> list[str]:
    parts = GENERIC_WORDS.get(generic, (generic,))
    return [_word(_syll(part, toned)) for part in parts]


@lru_cache(maxsize=65536)
def romanise(name: str, subclass: str = "") -> Romanised:
    """The rule-conforming spelling of a standard name (see the module docstring)."""
    name = re.sub(r"\s+", "", name or "")
    specific, generic = split_name(name)
    joined = subclass in JOINED_SUBCLASSES or not generic

    def build(toned: bool) -> str:
        if joined:
            return _word(_syll(name, toned))
        words: list[str] = []
        spec, gen_prefix = specific, ""
        # Rule 2: a one-syllable modifier of a street generic joins it.
        if (
            generic in STREET_GENERICS
            and len(spec) >= 3
            and spec[-1] in MODIFIERS
            and numeral_value(spec[-2]) is None
        ):
            spec, gen_prefix = spec[:-1], spec[-1]
        # Rule 4: a street ordinal in digits.
        ordinal = None
        if generic in STREET_GENERICS and not gen_prefix:
            for size in (3, 2, 1):
                tail = spec[-size:]
                value = numeral_value(tail) if len(spec) >= size else None
                if value is None:
                    continue
                before = spec[:-size]
                if (before and before[-1] in ORDINAL_PREFIXES) or (
                    not before and generic == "马路"
                ):
                    ordinal, spec = value, before
                    break
                if len(before) >= 2 and numeral_value(before[-1]) is None:
                    ordinal, spec = value, before
                    break
        if spec:
            words.append(_word(_syll(spec, toned)))
        if ordinal is not None:
            words.append(str(ordinal))
        if gen_prefix:
            words.append(_word(_syll(gen_prefix + generic, toned)))
        else:
            words.extend(_generic_words(generic, toned))
        return " ".join(words)

    return Romanised(specific, generic, build(False), build(True))


@dataclass
class SpellingCheck:
    suggested: str
    pronunciation: str
    entered: str
    ok: bool
    problems: list[str] = field(default_factory=list)


def _plain(text: str) -> str:
    return re.sub(r"[\s'’-]", "", text).lower()


def check_spelling(name: str, entered: str, subclass: str = "") -> SpellingCheck:
    """Compare an entered spelling with the rule-conforming one; each difference named in
    Chinese. An empty entry is not a mismatch (the suggestion is offered)."""
    result = romanise(name, subclass)
    entered = re.sub(r"\s+", " ", (entered or "").replace("’", "'")).strip()
    check = SpellingCheck(result.spelling, result.pronunciation, entered, True)
    if not entered or entered == result.spelling:
        return check
    check.ok = False
    suggested = result.spelling
    if _plain(entered) != _plain(suggested):
        check.problems.append(str(_("拼写与标准读音不一致")))
    else:
        if entered.replace(" ", "").lower().replace("'", "") == suggested.replace(
            " ", ""
        ).lower().replace("'", "") and entered.count(" ") != suggested.count(" "):
            check.problems.append(str(_("专名与通名应分写，通名各词分写")))
        elif entered.replace("'", "").lower() != suggested.replace("'", "").lower():
            check.problems.append(str(_("分词连写不符合规则")))
        if entered.count("'") != suggested.count("'"):
            check.problems.append(str(_("a、o、e开头的音节在词中应加隔音符号（'）")))
        if entered.lower() == suggested.lower() and entered != suggested:
            check.problems.append(str(_("每个词首字母大写，其余小写")))
        if not check.problems:
            check.problems.append(str(_("拼写格式与规则不一致")))
    return check


def search_key(*parts: str) -> str:
    """The text the search index holds: names, aliases and spellings, lower-case."""
    return " ".join(p for p in parts if p).lower()

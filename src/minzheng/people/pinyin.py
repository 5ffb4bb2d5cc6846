from functools import lru_cache

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


def name_pinyin(name: str) -> str:
    """Search key "zhangsan zs": full pinyin and initials, lower-case, no tones.

    pypinyin converts each word of a text on its own, so a name is cut into words the same way
    and each word's pinyin is remembered: the few thousand characters of names then cost a lookup
    each, which matters when an import registers a hundred thousand people
    (tests/test_people_pinyin.py holds it equal to converting the whole name)."""
    full, initials = [], []
    for word in _words(name):
        word_full, word_initials = _word_pinyin(word)
        full.append(word_full)
        initials.append(word_initials)
    return f"{''.join(full)} {''.join(initials)}".lower()

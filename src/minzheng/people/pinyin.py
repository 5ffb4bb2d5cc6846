from pypinyin import Style, lazy_pinyin


def name_pinyin(name: str) -> str:
    """Search key "zhangsan zs": full pinyin and initials, lower-case, no tones."""
    full = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return f"{''.join(full)} {''.join(initials)}".lower()

"""The English catalogue is complete, keeps every placeholder, and its compiled .mo matches the .po.

The .po files are read with a small reader below so the check needs no extra dependency.
"""

import ast
import re
import struct
from collections import Counter
from pathlib import Path

import pytest
from django.utils import translation

pytestmark = pytest.mark.db_independent

LOCALE_DIR = Path(__file__).resolve().parents[1] / "src" / "minzheng" / "locale"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"

# printf-style (%(name)s, %(s).1f, %d, %%), str.format-style ({grade}) and HTML tags. No space flag:
# "80% of" is prose, not a conversion.
PLACEHOLDER = re.compile(
    r"%\(\w+\)[#0+\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]"
    r"|%[#0+\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]"
    r"|\{[A-Za-z_]\w*(?:[.!:][^{}]*)?\}"
    r"|</?[A-Za-z][^<>]*>"
)


def read_po(text):
    """Entries of a .po file as dicts: ctx, msgid, plural, msgstrs (list), flags (set). Obsolete entries are skipped."""
    entries = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if line.strip() and not line.startswith("#~")]
        entry = {"ctx": None, "msgid": None, "plural": None, "msgstrs": {}, "flags": set()}
        current = None
        for line in lines:
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if isinstance(current, int):
                    entry["msgstrs"][current] += value
                else:
                    entry[current] += value
            else:
                keyword, _, quoted = line.partition(" ")
                value = ast.literal_eval(quoted)
                match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
                if match:
                    current = int(match.group(1) or 0)
                    entry["msgstrs"][current] = value
                else:
                    current = {"msgctxt": "ctx", "msgid": "msgid", "msgid_plural": "plural"}[
                        keyword
                    ]
                    entry[current] = value
        if entry["msgid"] is not None:
            entry["msgstrs"] = [entry["msgstrs"][i] for i in sorted(entry["msgstrs"])]
            entries.append(entry)
    return entries


def read_mo(data):
    """The catalogue of a compiled .mo file: {raw msgid: raw msgstr}, both decoded as UTF-8."""
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _, count, ids_at, strs_at = struct.unpack(order + "4I", data[4:20])
    catalogue = {}
    for i in range(count):
        id_len, id_off = struct.unpack(order + "2I", data[ids_at + 8 * i : ids_at + 8 * i + 8])
        str_len, str_off = struct.unpack(order + "2I", data[strs_at + 8 * i : strs_at + 8 * i + 8])
        catalogue[data[id_off : id_off + id_len].decode()] = data[
            str_off : str_off + str_len
        ].decode()
    return catalogue


def label(entry):
    return (f"[{entry['ctx']}] " if entry["ctx"] else "") + entry["msgid"]


def incomplete(entries):
    """Entries that are fuzzy or have an empty msgstr (the header is not a message)."""
    return [
        label(e) for e in entries if e["msgid"] and ("fuzzy" in e["flags"] or not all(e["msgstrs"]))
    ]


def placeholder_mismatches(entries):
    """Translations whose placeholders differ from their source's: singular against msgid, other forms against msgid_plural."""
    problems = []
    for e in entries:
        if not e["msgid"]:
            continue
        for form, msgstr in enumerate(e["msgstrs"]):
            if not msgstr:
                continue
            source = e["msgid"] if form == 0 or e["plural"] is None else e["plural"]
            wanted, got = Counter(PLACEHOLDER.findall(source)), Counter(PLACEHOLDER.findall(msgstr))
            if wanted != got:
                problems.append(
                    f"{label(e)} → {msgstr!r}: expected {sorted(wanted.elements())}, got {sorted(got.elements())}"
                )
    return problems


def compiled_form(entries):
    """What msgfmt puts in the .mo for these entries: translated, non-fuzzy messages only."""
    compiled = {}
    for e in entries:
        if not e["msgid"] or "fuzzy" in e["flags"] or not all(e["msgstrs"]):
            continue
        key = e["msgid"] if e["plural"] is None else f"{e['msgid']}\0{e['plural']}"
        if e["ctx"] is not None:
            key = f"{e['ctx']}\x04{key}"
        compiled[key] = "\0".join(e["msgstrs"])
    return compiled


SAMPLE = r"""
msgid ""
msgstr ""
"Language: en\n"

#: a.py:1
msgid "工作台"
msgstr "Workbench"

#: a.py:2
#, fuzzy
#| msgid "旧"
msgid "新"
msgstr "Old"

#: a.py:3
msgid "空"
msgstr ""

#: a.py:4
#, python-format
msgid ""
"共 %(n)s 人，"
"耗时 %(s).1f 秒"
msgstr "%(n)s people, %(s)s seconds"

#: a.py:5
msgid "共 %(n)s 项"
msgid_plural "共 %(n)s 项"
msgstr[0] "%(n)s item"
msgstr[1] "items"

#: a.py:6
msgid "<b>{grade}</b> 级"
msgstr "grade {grade}</b>"

#~ msgid "废弃"
#~ msgstr ""
"""


def test_the_checks_catch_fuzzy_untranslated_and_broken_placeholders():
    entries = read_po(SAMPLE)
    assert [label(e) for e in entries] == [
        "",
        "工作台",
        "新",
        "空",
        "共 %(n)s 人，耗时 %(s).1f 秒",
        "共 %(n)s 项",
        "<b>{grade}</b> 级",
    ]
    assert incomplete(entries) == ["新", "空"]
    problems = placeholder_mismatches(entries)
    assert len(problems) == 3, problems
    assert "%(s).1f" in problems[0] and "items" in problems[1] and "<b>" in problems[2]
    assert compiled_form(entries) == {
        "工作台": "Workbench",
        "共 %(n)s 人，耗时 %(s).1f 秒": "%(n)s people, %(s)s seconds",
        "共 %(n)s 项\0共 %(n)s 项": "%(n)s item\0items",
        "<b>{grade}</b> 级": "grade {grade}</b>",
    }


@pytest.fixture(scope="module")
def en_entries():
    return read_po(EN_PO.read_text(encoding="utf-8"))


def test_english_catalogue_has_no_untranslated_or_fuzzy_entry(en_entries):
    assert len(en_entries) > 1000
    missing = incomplete(en_entries)
    assert not missing, f"{len(missing)} untranslated or fuzzy: {missing[:20]}"


def test_english_translations_keep_every_placeholder(en_entries):
    problems = placeholder_mismatches(en_entries)
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_compiled_catalogue_matches_its_source(language):
    """A stale .mo (compiled before the last edit of the .po) serves old or missing translations."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    expected = compiled_form(read_po((folder / "django.po").read_text(encoding="utf-8")))
    compiled = read_mo((folder / "django.mo").read_bytes())
    compiled.pop("", None)
    assert compiled == expected, (
        f"{sorted(set(compiled) ^ set(expected))[:10]} differ; run `minzheng compilemessages`"
    )


def test_simplified_chinese_catalogue_leaves_the_source_text_alone():
    entries = read_po(
        (LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    )
    assert [label(e) for e in entries if e["msgid"] and any(e["msgstrs"])] == []


def test_english_is_served_from_the_catalogue():
    with translation.override("en"):
        assert translation.gettext("工作台") == "Workbench"
        assert translation.ngettext("共 %(n)s 项", "共 %(n)s 项", 1) % {"n": 1} == "1 item"
        assert translation.ngettext("共 %(n)s 项", "共 %(n)s 项", 3) % {"n": 3} == "3 items"

"""Every `docs/DOMAIN.md §N` a comment, docstring, test or document cites names a section that
exists, so a renumbered rule cannot leave a citation pointing at the wrong text; and nothing in
the repository points at files outside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"DOMAIN\.md §(\d+(?:\.\d+)*)")
# A section is a numbered heading ("## 3. …", "### 3.6 …") or a numbered paragraph ("4.1 **Sources**").
HEADING = re.compile(r"^(?:#{2,3} )?(\d+(?:\.\d+)*)\.? (?=\*\*|\S)", re.MULTILINE)
SEARCHED = ("src", "tests", "docs", "bench", "scripts", "README.md")


def _files():
    for name in SEARCHED:
        path = ROOT / name
        if path.is_file():
            yield path
            continue
        for file in path.rglob("*"):
            if file.suffix in {".py", ".md", ".html", ".sh", ".txt"} and "vendor" not in file.parts:
                yield file


def test_every_domain_citation_names_an_existing_section():
    sections = set(HEADING.findall((ROOT / "docs" / "DOMAIN.md").read_text(encoding="utf-8")))
    assert {"3.6", "4.1", "5.4"} <= sections  # the parser reads the headings it must
    dangling = [
        f"{file.relative_to(ROOT)}: §{number}"
        for file in _files()
        for number in CITATION.findall(file.read_text(encoding="utf-8", errors="ignore"))
        if number not in sections
    ]
    assert dangling == []


def test_nothing_refers_to_files_outside_the_repository():
    outside = re.compile(r"\.\./shared|/work/shared")
    offenders = [
        str(file.relative_to(ROOT))
        for file in _files()
        if file.name != "test_docs_citations.py"
        and outside.search(file.read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []

"""The main menu: a short menu is one row of entries; a long one is a row of business groups
leading to their first entry, with the current group's entries in a second row."""

from __future__ import annotations

import re

import pytest

from minzheng.web import nav

from .conftest import PASSWORD


def _rows(html: str) -> list[list[tuple[str, str, bool]]]:
    """Each menu row as (label, href, current) of its links."""
    rows = []
    for body in re.findall(r'<nav class="nav[^"]*"[^>]*>(.*?)</nav>', html, flags=re.S):
        rows.append(
            [
                (re.sub(r"<[^>]+>", "", text).strip(), href, "aria-current" in attrs)
                for href, attrs, text in re.findall(
                    r'<a href="([^"]+)"([^>]*)>(.*?)</a>', body, flags=re.S
                )
            ]
        )
    return rows


def test_a_county_approver_gets_groups_and_the_current_groups_entries(client, users):
    assert client.login(username="dongbao_approver", password=PASSWORD)
    rows = _rows(client.get("/").content.decode())
    assert len(rows) == 1, "no second row on the workbench"
    labels = [label for label, _href, _current in rows[0]]
    for group in ("人口与区划", "社会救助", "社会事务", "优抚安置"):
        assert group in labels
    assert "月度发放" not in labels and "救助申请" not in labels
    assert labels.index("人口与区划") < labels.index("社会救助") < labels.index("优抚安置")
    assistance_href = dict((label, href) for label, href, _ in rows[0])["社会救助"]
    assert assistance_href == "/cases/"  # the group's first entry

    rows = _rows(client.get("/payments/payrolls/").content.decode())
    assert len(rows) == 2
    top = {label: current for label, _href, current in rows[0]}
    assert top["社会救助"] is True and top["社会事务"] is False
    second = [(label, current) for label, _href, current in rows[1]]
    assert ("月度发放", True) in second
    assert ("救助申请", False) in second and ("标准测算", False) in second
    assert all(label not in dict(second) for label in ("人员", "儿童福利与保护"))


def test_groups_of_one_collapse_and_the_current_group_leads_the_second_row():
    few = [
        {
            "label": str(i),
            "url": f"/{i}/",
            "prefix": f"/{i}/",
            "current": i == 2,
            "group": "assistance" if i in (1, 2) else ("affairs" if i == 3 else ""),
            "order": i,
            "children": [],
        }
        for i in range(12)
    ]
    grouped = nav._grouped(few)
    labels = [str(e["label"]) for e in grouped]
    assert "社会救助" in labels and "3" in labels  # a group of one shows the entry itself
    assistance = next(e for e in grouped if e["label"] == nav.GROUPS["assistance"].label)
    assert [c["label"] for c in assistance["children"]] == ["1", "2"]
    assert assistance["current"] and assistance["url"] == "/1/"
    assert nav.current_children(grouped) == assistance["children"]


def test_an_unknown_group_is_refused():
    with pytest.raises(ValueError):
        nav.register("x", "web:workbench", prefix="/x/", group="nowhere")


def test_a_resident_sees_one_row_of_entries(client, care):
    assert client.login(username="chen_da", password=PASSWORD)
    rows = _rows(client.get("/cases/mine/").content.decode())
    assert len(rows) == 1
    labels = [label for label, _href, _current in rows[0]]
    assert len(labels) <= nav.FLAT_MENU_MAX
    assert "我的申请" in labels and "社会救助" not in labels

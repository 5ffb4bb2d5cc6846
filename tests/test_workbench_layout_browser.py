"""Workbench cards in headless Chromium: the township clerk's due-review card keeps its whole table
inside the card at 1366 px and on a phone, with a long early-review reason in it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from minzheng.payments.models import Entitlement
from tests.fixtures.payments import entitle, member, setup_world

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


@pytest.fixture
def world(jingmen, users, people):
    w = setup_world(jingmen, users, people)
    p = w["people"]
    w["zhang"] = entitle(
        w,
        household="dongbao",
        applicant="zhang",
        facts={"members": [member(p["zhang"], income={"wage": "100.00"})]},
    )
    Entitlement.objects.filter(pk=w["zhang"].pk).update(
        next_review_on=dt.date(2016, 12, 1),
        review_reason="家庭成员 张三丰 于 2016-11-20 死亡，家庭人口变化，应复核（经村委会核实并报乡镇民政办备案）",
    )
    return w


def test_due_review_card_table_fits_its_card_at_1366_and_on_a_phone(world, live_server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, mobile in ((1366, False), (375, True)):
        context = browser.new_context(
            viewport={"width": width, "height": 900},
            is_mobile=mobile,
            has_touch=mobile,
            locale="zh-CN",
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "dongbao_clerk")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        card = page.locator("section.card", has=page.locator("#payments-due-reviews"))
        card.locator("table").wait_for()
        page.screenshot(
            path=str(SCREENSHOTS / f"workbench-due-reviews-{width}.png"), full_page=True
        )
        sizes = card.evaluate("""c => { const w = c.querySelector('.table-wrap'), t = c.querySelector('table');
            return {wrapScroll: w.scrollWidth, wrapClient: w.clientWidth, table: t.getBoundingClientRect().width,
                    card: c.clientWidth} }""")
        # The table is not wider than its card: nothing to scroll, nothing cut off.
        assert sizes["wrapScroll"] <= sizes["wrapClient"] and sizes["table"] <= sizes["card"], (
            width,
            sizes,
        )
        due = card.locator("td", has_text="2016-12-01").bounding_box()
        box = card.bounding_box()
        assert due["x"] + due["width"] <= box["x"] + box["width"], (width, due, box)
        context.close()

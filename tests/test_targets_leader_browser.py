"""The leader's dashboard on the demo city, in headless Chromium (Debian's): this year's plan by
default with live figures, the year every figure is from, how many targets have data, plausible
values (beds per 1,000 elderly near the plan's 31, not thousands) and no internal codes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.demo.data import DEMO_PASSWORD
from minzheng.targets.models import Plan
from tests.fixtures.browser import SCREENSHOTS, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def figure(text: str) -> Decimal:
    return Decimal(text.split()[0].replace(",", ""))


def test_leader_sees_plausible_figures_and_data_coverage(demo_city, live_server, browser):
    from playwright.sync_api import expect

    today = timezone.localdate()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "leader")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    open_menu(page, "目标督办", "目标管理")

    # This year's plan, evaluated on today's data.
    expect(page.locator("h1")).to_have_text("荆门市 · 目标考核看板")
    expect(page.get_by_test_id("data-year")).to_have_text(
        f"{today.year} 年度计划 · 数据截至 {today.isoformat()}"
    )
    coverage = page.get_by_test_id("coverage").inner_text()
    with_data, total = (int(n) for n in re.search(r"(\d+) / (\d+)", coverage).groups())
    assert 0 < with_data < total  # computed targets have data; reported ones await the units
    assert page.get_by_test_id("score").inner_text() != "—"

    targets = page.get_by_test_id("targets")
    beds = targets.locator("tbody tr", has_text="每千名老人拥有养老床位")
    value = figure(beds.locator("td.num").nth(1).inner_text())
    assert 25 <= value <= 36, value
    expect(beds).to_contain_text(f"截至 {today.isoformat()}")
    expect(beds).not_to_contain_text("数据异常")
    expect(targets.locator("span.st.anomaly")).to_have_count(0)
    # A figure the platform computes is never 逾期未报 (only reports can be late).
    rows = [row.inner_text() for row in targets.locator("tbody tr:not(.section-row)").all()]
    platform_rows = [
        r for r in rows if "平台自动计算" in r or ("派生计算" in r and "依据单位填报" not in r)
    ]
    assert platform_rows and not [r for r in platform_rows if "逾期未报" in r]
    body = page.locator("main").inner_text()
    assert not SNAKE.search(body), SNAKE.search(body)
    expect(page.locator("#chart-sections canvas")).to_have_count(1)
    # Every section's full name has room: the chart grows with the number of sections.
    height = page.locator("#chart-sections").bounding_box()["height"]
    sections = targets.locator("tr.section-row").count()
    assert height >= sections * 34, (height, sections)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "targets-leader-now.png"), full_page=True)

    # The 2016 plan stays, dated as such.
    page.locator("#plan").select_option(value=str(Plan.objects.get(year=2016).pk))
    page.locator("form.toolbar button[type=submit]").click()
    expect(page.get_by_test_id("data-year")).to_have_text("2016 年度计划 · 数据截至 2016-12-31")
    beds = page.get_by_test_id("targets").locator("tbody tr", has_text="每千名老人拥有养老床位")
    value = figure(beds.locator("td.num").nth(1).inner_text())
    assert 25 <= value <= 36, value
    expect(beds).to_contain_text("截至 2016-12-31")
    page.screenshot(path=str(SCREENSHOTS / "targets-leader-2016.png"), full_page=True)
    assert errors == []
    context.close()

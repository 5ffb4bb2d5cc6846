"""The "civil-affairs CEO" pilot in headless Chromium on the demo city: the welfare centre's
account reports a reported target (no liability accident) from its workbench with evidence, the
city section approves it from its list of reports to review, and after the night's snapshot the
leader sees the unit beside the regions on the board and drills down to its scorecard."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from minzheng.targets import refresh
from minzheng.targets.models import Plan, ReportedValue
from tests.fixtures.browser import demo_sign_in, in_thread, open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def sign_in(browser, live_server, username):
    from playwright.sync_api import expect

    page = demo_sign_in(browser, live_server, username, viewport={"width": 1366, "height": 900})
    expect(page.locator("h1")).to_contain_text("您好")
    return page.context, page


def test_the_welfare_centre_reports_the_city_approves_the_leader_sees_it(
    demo_city, live_server, browser
):
    from playwright.sync_api import expect

    today = timezone.localdate()

    # The welfare centre, from its workbench card.
    context, page = sign_in(browser, live_server, "welfare_centre")
    card = page.get_by_test_id("unit-card")
    expect(card).to_contain_text("荆门市社会福利中心")
    card.get_by_test_id("unit-card-link").click()
    expect(page.locator("h1")).to_have_text("荆门市社会福利中心 · 目标考核")
    targets = page.get_by_test_id("unit-targets")
    expect(targets).to_contain_text("法律责任事故")
    # 23.5 and 25.3 are measured from the centre's own surveys and publicity items: held,
    # shown with their figures, but nothing to report.
    expect(targets).to_contain_text("政风行风评议群众满意率")
    expect(page.get_by_test_id("report-public_satisfaction")).to_have_count(0)
    expect(page.get_by_test_id("report-section_info_items_monthly")).to_have_count(0)
    page.get_by_test_id("report-liability_accidents").click()
    expect(page.locator("h1")).to_contain_text("填报数据")
    page.fill("#id_as_of", today.isoformat())
    page.fill("#id_value", "0")
    page.fill("#id_note", "本月无医疗质量、养老服务等法律责任事故")
    page.set_input_files(
        "#id_files",
        files=[
            {"name": "安全自查登记表.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}
        ],
    )
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("report-status")).to_have_text("待审核")
    expect(page.locator("main")).to_contain_text("安全自查登记表.pdf")
    assert not SNAKE.search(page.locator("main").inner_text())
    screenshot(page, "units-centre-report")
    # Another unit's page is not there for it.
    response = page.goto(f"{live_server.url}/units/relief-station/")
    assert response.status == 404
    context.close()

    report = in_thread(
        lambda: ReportedValue.objects.filter(
            org_unit__code="welfare-centre", indicator="liability_accidents", as_of=today
        ).get()
    )
    assert report.value == 0

    # The city section approves it from its reports to review.
    context, page = sign_in(browser, live_server, "city_section")
    page.goto(f"{live_server.url}/targets/reports/")
    row = page.locator("tr", has_text="荆门市社会福利中心").filter(has_text=today.isoformat())
    row.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("荆门市社会福利中心")
    page.get_by_label("通过", exact=True).check()
    page.locator("main form button[type=submit]").last.click()
    expect(page.get_by_test_id("report-status")).to_have_text("已审核")
    context.close()

    # The night's snapshot, then the leader's board.
    def snapshot():
        plan = Plan.objects.get(year=today.year)
        refresh.refresh(on_date=today, plans=[plan])

    in_thread(snapshot)
    context, page = sign_in(browser, live_server, "leader")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_menu(page, "目标督办", "目标管理")
    expect(page.locator("h1")).to_have_text("荆门市 · 目标考核看板")
    units = page.get_by_test_id("org-units")
    centre = units.locator("tbody tr", has_text="荆门市社会福利中心")
    expect(centre).to_have_count(1)
    score = centre.locator("td.num").first.inner_text()
    assert score != "—" and 0 < float(score) <= 100, score
    expect(units.locator("tbody tr", has_text="社会救助科")).to_have_count(1)
    screenshot(page, "units-leader-board")
    centre.get_by_role("link", name="荆门市社会福利中心").click()
    expect(page.locator("h1")).to_have_text("荆门市社会福利中心 · 目标考核")
    rows = page.get_by_test_id("unit-targets").locator("tbody tr")
    expect(rows.filter(has_text="法律责任事故")).to_contain_text("已完成")
    # the centre's satisfaction share, from its answered surveys (about 96 %)
    expect(rows.filter(has_text="政风行风评议群众满意率")).to_contain_text("已完成")
    assert page.get_by_test_id("unit-score").inner_text() == score
    assert not SNAKE.search(page.locator("main").inner_text())
    screenshot(page, "units-leader-scorecard")
    assert errors == []
    context.close()

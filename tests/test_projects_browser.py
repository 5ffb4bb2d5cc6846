"""In headless Chromium on the demo city: the city section opens the Jingshan centre from the menu,
sees its progress chart, and records this month's progress with a site photo."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.fixtures.browser import demo_sign_in, open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_city_section_records_progress_with_a_photo(demo_city, live_server, browser):
    from playwright.sync_api import expect

    month = timezone.localdate().strftime("%Y-%m")
    page = demo_sign_in(browser, live_server, "city_section")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_menu(page, "目标督办", "重点项目")
    expect(page.locator("h1")).to_have_text("重点项目")
    row = page.get_by_test_id("project-jingshan-centre")
    expect(row).to_contain_text("2247.00")
    expect(row).to_contain_text("逾期")
    row.get_by_role("link", name="京山县民政公共服务中心").click()
    expect(page.locator("#project-chart canvas")).to_have_count(1)
    screenshot(page, "projects-detail")

    page.fill("#id_period", month)
    page.fill("#id_investment_wan", "1900")
    page.fill("#id_progress_pct", "97")
    page.fill("#id_narrative", "室内装修收尾，设备安装完成八成。")
    page.get_by_test_id("save-progress").click()
    # less than last month's cumulative investment: the field says so
    expect(page.locator(".field.has-error")).to_contain_text("累计完成投资不能少于上月")
    page.fill("#id_investment_wan", "2230")
    page.fill("#id_narrative", "室内装修收尾，设备安装完成八成。")
    page.set_input_files(
        "#id_photos", files=[{"name": "现场.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_test_id("save-progress").click()
    expect(page.locator("[role=status], .messages")).to_contain_text("本月进度已填报")
    report = page.get_by_test_id(f"report-{month}")
    expect(report).to_contain_text("累计完成投资 2230.00 万元")
    expect(page.get_by_test_id("project-investment")).to_contain_text("2230.00")
    image = report.locator("img")
    expect(image).to_have_count(1)
    photo = page.request.get(live_server.url + image.get_attribute("src"))
    assert photo.ok and photo.body() == PNG
    screenshot(page, "projects-progress")
    assert errors == []

"""End to end in headless Chromium (Debian's, never a downloaded one): sign in as a clerk, search,
open a person and their household, reveal an ID through HTMX, switch language, watch a job."""

from __future__ import annotations

import re

import pytest

from minzheng.core.models import Job
from tests.fixtures.browser import SCREENSHOTS, in_thread, open_menu, signed_in_page
from tests.fixtures.web import LI_SI, ZHANG_SAN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(browser_world):
    return browser_world


def test_clerk_finds_a_person_and_their_household(world, live_server, browser):
    from playwright.sync_api import expect

    page = signed_in_page(browser, live_server, viewport={"width": 1280, "height": 900})
    open_menu(page, "人口与区划", "人员")
    page.fill("#q", "张三")
    page.get_by_role("button", name="查询").click()
    results = page.locator("main table tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(world.zhang.id_masked)

    results.first.get_by_role("link", name="张三").click()
    expect(page.locator("h1")).to_have_text("张三")
    expect(page.locator("#id-number")).to_have_text(world.zhang.id_masked)
    page.get_by_role("button", name="显示完整号码").click()  # HTMX POST, swapped in place
    expect(page.get_by_test_id("revealed")).to_have_text(ZHANG_SAN)
    expect(page.get_by_role("button", name="显示完整号码")).to_have_count(0)

    page.get_by_test_id("household-link").click()
    expect(page.locator("h1")).to_contain_text(world.household.number)
    rows = page.get_by_test_id("members").locator("tbody tr")
    expect(rows).to_have_count(3)
    members = [re.sub(r"\s+", " ", rows.nth(i).inner_text()) for i in range(3)]
    assert [m.split(" ")[0] for m in members] == ["张三", "李四", "张小明"]
    assert "户主" in members[0] and "配偶" in members[1] and "子女" in members[2]
    assert world.li.id_masked in members[1] and LI_SI not in members[1]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "household-desktop.png"), full_page=True)

    page.get_by_role("button", name="English").click()
    expect(page.locator("h2").filter(has_text="Household members")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Workbench")
    page.context.close()


@pytest.fixture
def running_job(world):
    job = Job.objects.create(
        kind="people.import",
        title="导入人口信息：名单.csv",
        created_by=world.clerk,
        status=Job.Status.RUNNING,
        done=10,
        total=40,
    )
    Job.objects.filter(pk=job.pk).update(heartbeat_at=job.created_at)
    return job


def test_phone_width_and_job_progress_polling(world, running_job, live_server, browser):
    from playwright.sync_api import expect

    job = running_job
    page = signed_in_page(browser, live_server, viewport={"width": 390, "height": 844})
    # Nothing sticks out sideways on a phone: the page is exactly as wide as the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    expect(page.locator("#job-status .progress")).to_have_attribute("aria-valuenow", "25")
    in_thread(
        lambda: Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED,
            done=40,
            result={
                "mode": "all_or_nothing",
                "rows": 40,
                "created_people": 40,
                "created_households": 0,
                "existing": 0,
                "written": True,
                "errors": [],
                "error_count": 0,
            },
        )
    )
    # The HTMX poll (every second) picks the change up without a reload, then stops.
    expect(page.locator("#job-status")).to_have_attribute(
        "data-status", "succeeded", timeout=60_000
    )
    expect(page.locator("#job-status")).to_contain_text("数据已写入")
    assert page.locator("#job-status").get_attribute("hx-trigger") is None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "job-phone.png"), full_page=True)
    page.context.close()

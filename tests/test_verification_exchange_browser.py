"""The departmental exchange in headless Chromium (Debian's): the verification centre sees on its
workbench that the vehicle registry has not answered within 5 working days, opens the run, uploads
the registry's reply file, and the run, no longer waiting, compares the replies and finishes.

Dates worked by hand in tests/test_verification_exchange.py: sent Monday 2016-09-26, due Saturday
2016-10-08 (a worked day after National Day); on 2016-10-10 the request is overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.cases import clock
from minzheng.verification import exchange, services
from minzheng.verification.models import Run, SourceBatch
from minzheng.verification.sources import get_source
from tests.conftest import PASSWORD
from tests.fixtures.browser import SCREENSHOTS
from tests.fixtures.verification import application

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root", "calendar_2016"),
]


def empty_reply(source: str) -> bytes:
    return (",".join(c.name for c in get_source(source).columns) + "\n").encode()


def test_the_centre_sees_an_overdue_department_and_records_its_reply(
    browser, live_server, coverage_world, tmp_path, settings, monkeypatch
):
    from playwright.sync_api import expect

    settings.BROKER_URL = ""  # jobs run in threads of the live server
    case = application(coverage_world)
    run = services.start_run(
        user=coverage_world["users"]["verifier"],
        kind=Run.Kind.APPLICATION,
        case=case,
        as_of=dt.date(2016, 9, 26),
        exchange=True,
    )
    for request in run.requests.exclude(source="vehicles"):
        batch = exchange.record_reply(
            request=request,
            data=empty_reply(request.source),
            original_name="reply.csv",
            via="file",
        )
        assert batch.status == SourceBatch.Status.IMPORTED
    monkeypatch.setattr(clock, "today", lambda: dt.date(2016, 10, 10))
    reply = tmp_path / "车管所回复.csv"
    reply.write_bytes(empty_reply("vehicles"))

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "verifier")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")

    card = page.get_by_test_id("exchange-widget")
    expect(card).to_contain_text("机动车登记")
    expect(card).to_contain_text("2016-10-08")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "exchange-workbench.png"), full_page=True)
    card.get_by_role("link", name=run.reference).click()

    expect(page.get_by_test_id("exchange-state")).to_have_text("有部门超期未回复")
    expect(page.get_by_test_id("run-status")).to_contain_text("等待部门回复")
    requests = page.get_by_test_id("requests")
    vehicles = requests.locator("tr[data-source=vehicles]")
    expect(vehicles.get_by_test_id("request-state")).to_have_text("超期未回复")
    expect(requests.locator("tr[data-source=deaths]").get_by_test_id("request-state")).to_have_text(
        "已按期回复"
    )
    page.screenshot(path=str(SCREENSHOTS / "exchange-run-overdue.png"), full_page=True)

    vehicles.locator("input[type=file]").set_input_files(str(reply))
    vehicles.get_by_role("button", name="上传回复").click()
    page.wait_for_url("**/jobs/**")
    # The reply is checked by a job; the run goes on once it is in (the clerk watches the job).
    expect(page.locator("#job-status")).to_have_attribute(
        "data-status", "succeeded", timeout=60_000
    )
    page.goto(f"{live_server.url}/verification/runs/{run.pk}/")
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-status", "succeeded", timeout=60_000
    )
    vehicles = page.get_by_test_id("requests").locator("tr[data-source=vehicles]")
    expect(vehicles.get_by_test_id("request-state")).to_have_text("已回复（超期）")
    expect(vehicles).to_contain_text("2016-10-10")
    expect(page.get_by_test_id("exchange-state")).to_have_text("各部门已回复或已确认")
    expect(page.get_by_test_id("coverage").first).to_have_text("完整核对")
    page.screenshot(path=str(SCREENSHOTS / "exchange-run-answered.png"), full_page=True)

    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("exchange-widget")).to_contain_text("没有超期未回复的部门")
    assert errors == []
    context.close()

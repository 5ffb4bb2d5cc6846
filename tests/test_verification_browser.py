"""Verification with a missing source, in headless Chromium (Debian's): the verification centre
starts a run from an application's report; the page follows the run by itself and, with the bank
deposits not delivered, concludes 部分核对 and names the missing source instead of passing."""

from __future__ import annotations

import pytest

from minzheng.cases.models import Case, State
from minzheng.verification.models import Run
from tests.conftest import PASSWORD
from tests.fixtures.browser import SCREENSHOTS
from tests.fixtures.verification import application, import_all_but

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]


def test_a_missing_source_gives_partial_verification(
    browser, live_server, coverage_world, tmp_path, settings
):
    from playwright.sync_api import expect

    settings.BROKER_URL = ""  # the run's job runs in a thread of the live server
    import_all_but(tmp_path, "deposits")
    case = application(coverage_world)

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

    page.goto(f"{live_server.url}/verification/cases/{case.pk}/")
    expect(page.get_by_test_id("conclusion")).to_have_text("尚未核对")
    expect(page.locator("main")).to_contain_text("按目前已导入的数据，核对结论将为“部分核对”")
    page.get_by_role("button", name="开始核对").click()
    # No reload by hand: the status polls while the run is queued or running, then the page reloads.
    expect(page.get_by_test_id("conclusion")).to_have_text("部分核对", timeout=60_000)
    expect(page.get_by_test_id("missing-sources")).to_contain_text("银行存款")
    expect(page.get_by_test_id("incomplete")).to_contain_text("不能据此通过信息核对")
    sources = page.get_by_test_id("sources")
    expect(sources.locator("tr", has_text="银行存款")).to_contain_text("未导入，未比对")
    expect(sources.locator("tr", has_text="机动车登记")).to_contain_text("2016-09-01")
    run = Run.objects.get(case=case)  # as of the day it was started
    expect(sources.locator("tr", has_text="本平台在册待遇")).to_contain_text(run.as_of.isoformat())
    expect(page.locator("main")).not_to_contain_text("信息核对通过")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "verification-partial.png"), full_page=True)

    # The case did not move on; concluding is refused with the reason.
    assert Case.objects.get(pk=case.pk).state == State.VERIFYING
    page.get_by_role("button", name="作出核对结论").click()
    expect(page.locator(".messages, [role=alert]").first).to_contain_text(
        "部分核对：缺少本项目必需的数据来源（银行存款）"
    )

    page.get_by_test_id("run-status").get_by_role("link").click()
    expect(page.get_by_test_id("coverage")).to_have_text("部分核对")
    assert errors == []
    context.close()

"""The county clerk builds a one-off payment batch and exports its bank file, in headless
Chromium: from the workbench card to the batch page, the job's progress, the approval and the
download."""

from __future__ import annotations

import csv
import io

import pytest

from minzheng.payments import bankfile
from minzheng.payments.models import OneOffBatch
from tests.fixtures.cases import at_path, sign_in
from tests.test_payments_oneoff import temporary_case

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def world(case_world):
    from minzheng.assistance.services import load_default_standards

    load_default_standards()
    return case_world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_county_clerk_builds_a_batch_and_exports_the_bank_file(
    world, set_today, live_server, browser
):
    temporary_case(world, set_today, 150_000)
    page = sign_in(
        browser, live_server, "dongbao_approver", "/", {"viewport": {"width": 1280, "height": 900}}
    )
    page.on("dialog", lambda dialog: dialog.accept())
    # The workbench card shows what waits, and leads to the page.
    assert "待发放 1 笔，1500.00 元" in page.inner_text("[data-testid=oneoff-pending]")
    page.click("text=一次性救助发放 →")
    page.wait_for_url(at_path(r"/payments/oneoff/"))
    page.screenshot(path="var/screenshots/oneoff-payables.png", full_page=True)
    page.select_option("select[name=county]", "420802")
    page.click("button:has-text('编制发放批次')")
    page.wait_for_url(at_path(r"/payments/oneoff/batches/\d+/"))
    # The build runs as a job; the page refreshes itself when it is done (a loaded machine may
    # take a while to schedule the job's thread, as in the other job tests).
    page.wait_for_selector("[data-testid=batch-status]:has-text('已编制，待审核')", timeout=60_000)
    page.wait_for_selector("[data-testid=townships] >> text=龙泉街道")
    assert page.inner_text("[data-testid=line-count]") == "1"
    page.screenshot(path="var/screenshots/oneoff-batch-built.png", full_page=True)
    page.click("button:has-text('审核通过')")
    page.wait_for_selector("[data-testid=batch-status]:has-text('已审核，待导出')")
    with page.expect_download() as download_info:
        page.click("button:has-text('导出银行文件（CSV）')")
    body = open(download_info.value.path(), "rb").read()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == bankfile.EXPORT_HEADER and len(rows) == 2
    assert rows[1][2:4] == ["龙泉街道", "龙泉社区"] and rows[1][7:9] == [
        "6217000012345678901",
        "1500.00",
    ]
    page.reload()
    page.wait_for_selector("[data-testid=batch-status]:has-text('已导出银行文件')")
    page.screenshot(path="var/screenshots/oneoff-batch-exported.png", full_page=True)
    assert OneOffBatch.objects.get().status == "exported"

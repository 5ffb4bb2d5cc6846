"""In headless Chromium: a clerk uploads a people file (GBK, as Excel writes Chinese CSV) from the
import page, follows the job to its result, sees each bad row with its ID number masked and the
file's size and checksum, and the upload is gone from the media folder afterwards."""

from __future__ import annotations

import hashlib

import pytest

from minzheng.core import idcard
from tests.fixtures.browser import PASSWORD, SCREENSHOTS, in_thread
from tests.fixtures.web import build_world

from .conftest import make_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW = make_id("420802", "19900101", 11)
BAD = NEW[:-1] + ("0" if NEW[-1] != "0" else "1")
FILE = (
    "身份证号码,姓名,户籍地区划代码,户口性质\n"
    f"{NEW},赵新,420802001001,城镇\n"
    f"{BAD},钱错,420802001001,城镇\n"
).encode("gbk")


@pytest.fixture
def world(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BROKER_URL = ""
    w = build_world()
    w.clerk.set_password(PASSWORD)
    w.clerk.save()
    return w


def test_clerk_imports_a_file_and_reads_the_row_report(world, live_server, browser, settings):
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/people/import/")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "龙泉新登记.csv", "mimeType": "text/csv", "buffer": FILE}],
    )
    page.get_by_label("只导入正确的行").check()
    page.get_by_role("button", name="开始导入").click()
    page.wait_for_url("**/jobs/**")
    expect(page.locator("#job-status")).to_have_attribute("data-status", "succeeded")
    expect(page.locator("#job-status")).to_contain_text("数据已写入")
    errors = page.get_by_test_id("import-errors").locator("tbody tr")
    expect(errors).to_have_count(1)
    row = errors.first.inner_text()
    assert "3" in row and idcard.mask(BAD) in row and BAD not in row
    expect(page.get_by_test_id("import-sha256")).to_have_text(hashlib.sha256(FILE).hexdigest())
    expect(page.locator("#job-status")).to_contain_text("上传的文件已在导入完成后删除")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "people-import-result.png"), full_page=True)

    leftovers = [p for p in (settings.MEDIA_ROOT / "imports").rglob("*") if p.is_file()]
    assert leftovers == []
    from minzheng.people.models import Person

    assert in_thread(
        lambda: list(Person.objects.filter(name="赵新").values_list("id_masked", flat=True))
    ) == [idcard.mask(NEW)]
    context.close()

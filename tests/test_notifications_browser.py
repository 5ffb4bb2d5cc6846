"""In headless Chromium on the demo city: the demo resident reads their messages from the
workbench, opts out of a kind and answers a satisfaction survey; the 龙泉街道 clerk reads the
outbox, filters the failed messages and resends one."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import (
    demo_sign_in,
    in_thread,
    open_menu,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_reads_messages_opts_out_and_answers_a_survey(demo_city, live_server, browser):
    from playwright.sync_api import expect

    from minzheng.accounts.models import User
    from minzheng.notifications import services
    from minzheng.notifications.models import OptOut
    from minzheng.satisfaction import services as sat_services
    from minzheng.satisfaction.models import Invitation, Service

    def prepare():
        user = User.objects.get(username="resident")
        person = user.person
        household = person.memberships.filter(until__isnull=True).first().household
        services.notify(
            kind="review_due",
            dedup="browser",
            person=person,
            region=household.region,
            text_params={"programme": "城市最低生活保障", "due": "2026年12月31日"},
        )
        sat_services.invite(
            service=Service.ELDERCARE,
            subject=household,
            person=person,
            region=household.region,
            number="YL-BROWSER",
            rate=1.0,
        )
        return Invitation.objects.get(number="YL-BROWSER").pk

    invitation_id = in_thread(prepare)
    page = demo_sign_in(browser, live_server, "resident")
    expect(page.locator("#notifications-mine")).to_be_visible()
    screenshot(page, "notifications-resident-workbench")
    open_menu(page, "我的消息", "我的消息")
    expect(page.get_by_test_id("my-messages")).to_contain_text("将于2026年12月31日前进行定期复核")
    expect(page.get_by_test_id("my-messages")).to_contain_text("请您对居家养老服务（YL-BROWSER）")
    page.locator("input[name=accept][value=review_due]").uncheck()
    page.get_by_role("button", name="保存设置").click()
    expect(page.locator("body")).to_contain_text("消息设置已保存")
    expect(page.locator("input[name=accept][value=review_due]")).not_to_be_checked()
    screenshot(page, "notifications-resident-messages")
    assert in_thread(
        lambda: OptOut.objects.filter(
            person=User.objects.get(username="resident").person, kind="review_due"
        ).exists()
    )

    page.goto(f"{live_server.url}/")
    page.get_by_test_id("pending-surveys").get_by_role("link").first.click()
    page.wait_for_url(f"**/satisfaction/{invitation_id}/")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("main")).to_contain_text("请选择满意、基本满意或不满意")
    page.get_by_label("不满意").check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("main")).to_contain_text("请说明不满意的原因")
    page.get_by_label("基本满意").check()
    page.fill("textarea[name=comment]", "上门时间准时")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_test_id("answered")).to_contain_text("基本满意")
    screenshot(page, "notifications-resident-survey")
    rating = in_thread(lambda: Invitation.objects.get(pk=invitation_id).rating)
    assert rating == "basic"


def test_clerk_reads_the_outbox_and_resends_a_failed_message(demo_city, live_server, browser):
    from playwright.sync_api import expect

    from minzheng.core.models import AuditEvent
    from minzheng.notifications.models import Notification, Status

    def failed_in_longquan():
        n = (
            Notification.objects.filter(status=Status.FAILED, region__path__contains="/420802001")
            .order_by("-created_at", "-id")
            .first()
        )
        return n.pk if n else None

    pk = in_thread(failed_in_longquan)
    assert pk, "the demo outbox holds failed messages in 龙泉街道"
    page = demo_sign_in(browser, live_server, "longquan_clerk")
    open_menu(page, "群众诉求", "消息发送记录")
    expect(page.get_by_test_id("outbox-counts")).to_contain_text("发送失败")
    page.select_option("select[name=status]", "failed")
    page.get_by_role("button", name="查询").click()
    row = page.get_by_test_id(f"notification-{pk}")
    expect(row).to_contain_text("发送失败")
    screenshot(page, "notifications-outbox")
    row.get_by_role("button", name="重发").click()
    expect(page.locator("body")).to_contain_text("已重新排队发送")
    assert in_thread(lambda: Notification.objects.get(pk=pk).status) == Status.QUEUED
    assert (
        in_thread(
            lambda: AuditEvent.objects.filter(
                object_type="notifications.notification", object_id=str(pk)
            ).count()
        )
        == 1
    )

"""A resident's workbench and menu: apply, my applications, book a service, my benefits; no staff menus."""

import re

from django.utils import timezone

from minzheng.payments import months
from minzheng.payments.models import Entitlement, EntitlementChange
from tests.fixtures.eldercare import this_month, today

from .conftest import PASSWORD


def _menu(html: str) -> list[str]:
    nav = html.split('class="nav"', 1)[1].split("</nav>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", a).strip() for a in re.findall(r"<a [^>]*>.*?</a>", nav, flags=re.S)
    ]


def test_resident_menu_and_workbench(client, care):
    assert client.login(username="chen_da", password=PASSWORD)
    html = client.get("/").content.decode()
    assert _menu(html) == [
        "工作台",
        "申请救助",
        "我的申请",
        "报告儿童受侵害",
        "预约服务",
        "我的志愿服务",
        "我的积分",
        "我的待遇",
        "涉军诉求",
        "婚姻登记预约",
        "我的消息",
        "我的投诉",
    ]
    for url in ("/cases/apply/", "/cases/mine/", "/eldercare/book/", "/payments/mine/"):
        assert f'href="{url}"' in html.split("常用功能", 1)[1], url
        assert client.get(url).status_code == 200, url
    assert "我的进行中和失败的任务" not in html
    client.cookies["django_language"] = "en"
    assert _menu(client.get("/").content.decode()) == [
        "Workbench",
        "Apply for assistance",
        "My applications",
        "Report a child at risk",
        "Book a service",
        "My volunteering",
        "My points",
        "My benefits",
        "Military-related appeals",
        "Marriage appointment",
        "My messages",
        "My complaints",
    ]


def test_my_benefits_shows_the_household_entitlements_only_to_the_resident(client, care, users):
    household = care["mother"].memberships.get(until__isnull=True).household
    e = Entitlement.objects.create(
        programme="dibao_urban",
        household=household,
        beneficiary_key=f"h{household.pk}",
        region=care["village"],
        start_month=months.add_months(this_month(), -2),
        monthly_amount_fen=48000,
        amount_since=months.add_months(this_month(), -2),
        computed_on=today(),
    )
    EntitlementChange.objects.create(
        entitlement=e,
        kind="create",
        effective_month=e.start_month,
        new_amount_fen=48000,
        reason="测试",
        at=timezone.now(),
    )
    assert client.login(username="chen_da", password=PASSWORD)
    page = client.get("/payments/mine/").content.decode()
    assert "城市最低生活保障" in page and "480.00" in page
    client.logout()
    assert client.login(username="dongbao_clerk", password=PASSWORD)
    assert client.get("/payments/mine/").status_code == 403
    assert "我的待遇" not in client.get("/").content.decode()

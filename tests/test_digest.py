"""The leader's weekly digest: the built-in sections of the targets module (targets that moved in
the week, red flags at its end, supervision overdue) with figures worked out by hand, scoped to
the account's region; the page and the PDF; the weekly command keeps one digest per account and
week however often it runs, and a kept week reads as it was kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from minzheng.accounts.models import Role
from minzheng.regions.models import Region
from minzheng.targets import digest, digest_sections
from minzheng.targets.digest_models import Digest
from minzheng.targets.models import Evaluation, SupervisionCase, Target
from tests.conftest import make_user
from tests.fixtures.cases import pdf_text

D = dt.date
START, END = D(2016, 6, 27), D(2016, 7, 3)  # Monday to Sunday


def _evaluate(target, on, status):
    Evaluation.objects.create(
        target=target,
        on_date=on,
        value=Decimal(1),
        attainment=None,
        expected=Decimal("0.5"),
        status=status,
    )


@pytest.fixture
def week(jingmen, users, plan_2016):
    zhongxiang = Region.objects.get(code="420881")
    donations = Target.objects.get(plan=plan_2016, code="13.1")
    jingshan = Target.objects.get(plan=plan_2016, code="0.3")
    provincial = Target.objects.get(plan=plan_2016, code="25.4")
    _evaluate(donations, D(2016, 5, 31), "on_track")
    _evaluate(donations, D(2016, 6, 30), "behind")
    _evaluate(jingshan, D(2016, 5, 31), "behind")
    _evaluate(jingshan, D(2016, 6, 30), "behind")
    _evaluate(provincial, D(2016, 5, 31), "behind")
    _evaluate(provincial, D(2016, 6, 30), "met")
    _evaluate(provincial, D(2016, 7, 4), "missed")  # after the week: not this week's news
    city = jingmen["city"]

    def case(title, region, opened, deadline, closed=None):
        return SupervisionCase.objects.create(
            plan=plan_2016,
            region=region,
            reason="behind",
            title=title,
            opened_on=opened,
            deadline=deadline,
            status="closed" if closed else "open",
            closed_on=closed,
        )

    case("慈善募捐进度滞后", city, D(2016, 6, 1), D(2016, 6, 30))
    case("已按期销号", city, D(2016, 6, 1), D(2016, 6, 20), closed=D(2016, 7, 1))
    case("周后才销号", city, D(2016, 6, 1), D(2016, 6, 25), closed=D(2016, 7, 10))
    case("钟祥市养老床位", zhongxiang, D(2016, 5, 1), D(2016, 6, 1))
    case("尚未到期", city, D(2016, 6, 1), D(2016, 7, 5))
    return {
        **users,
        "donations": donations,
        "jingshan": jingshan,
        "provincial": provincial,
        "zhongxiang_leader": make_user("zhongxiang_leader", Role.LEADER, zhongxiang),
    }


def _texts(items):
    return [i.text for i in items]


def test_targets_moved_in_the_week(week):
    items = digest_sections.targets_moved(week["leader"], START, END)
    assert _texts(items) == [
        "13.1 全市接受慈善捐赠（荆门市）：进度正常 → 进度滞后",
        "25.4 全年向省以上刊物投稿（荆门市）：进度滞后 → 已完成",
    ]
    assert [i.severity for i in items] == ["danger", "info"]
    assert items[0].url == f"/targets/t/{week['donations'].pk}/"


def test_red_flags_at_the_week_end(week):
    items = digest_sections.red_flags(week["leader"], START, END)
    assert _texts(items) == [
        "0.3 京山县民政公共服务中心完成投资（京山县）：进度滞后（2016-06-30）",
        "13.1 全市接受慈善捐赠（荆门市）：进度滞后（2016-06-30）",
    ]
    # the week after, 25.4 missed on 4 July
    later = _texts(digest_sections.red_flags(week["leader"], D(2016, 7, 4), D(2016, 7, 10)))
    assert "25.4 全年向省以上刊物投稿（荆门市）：逾期未完成（2016-07-04）" in later


def test_supervision_overdue_at_the_week_end_and_scope(week):
    items = digest_sections.supervision_overdue(week["leader"], START, END)
    assert _texts(items) == [
        "钟祥市养老床位（钟祥市）：整改期限 2016-06-01，已逾期 32 天",
        "周后才销号（荆门市）：整改期限 2016-06-25，已逾期 8 天",
        "慈善募捐进度滞后（荆门市）：整改期限 2016-06-30，已逾期 3 天",
    ]
    county = week["zhongxiang_leader"]
    assert _texts(digest_sections.supervision_overdue(county, START, END)) == [
        "钟祥市养老床位（钟祥市）：整改期限 2016-06-01，已逾期 32 天"
    ]
    assert digest_sections.red_flags(county, START, END) == []
    assert digest_sections.targets_moved(county, START, END) == []
    assert digest_sections.red_flags(week["dongbao_clerk"], START, END) == []


def test_sections_registered_in_order():
    keys = [s.key for s in digest.sections()]
    assert keys[:3] == ["targets_moved", "red_flags", "supervision_overdue"]
    assert {"milestones_overdue", "quota_shortfalls"} <= set(keys)


def test_page_and_pdf(week, client):
    client.force_login(week["leader"])
    page = client.get("/targets/digest/?week=2016-06-29")
    html = page.content.decode()
    assert page.status_code == 200
    assert "2016-06-27 至 2016-07-03" in html
    assert f'href="/targets/t/{week["donations"].pk}/"' in html
    assert "已逾期 32 天" in html
    pdf = client.get("/targets/digest/pdf/?week=2016-06-29")
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "领导周报" in text and "红色预警目标（2）" in text
    assert "13.1 全市接受慈善捐赠（荆门市）：进度正常 → 进度滞后" in text
    assert f"/targets/t/{week['donations'].pk}/" in text
    client.force_login(week["dongbao_clerk"])
    assert client.get("/targets/digest/").status_code == 403
    client.force_login(week["leader"])
    assert 'data-testid="digest-this-week"' in client.get("/").content.decode()


def test_weekly_command_keeps_one_digest_per_account_and_week(week, client):
    call_command("weekly_digests", "--week", "2016-06-29")
    call_command("weekly_digests", "--week", "2016-07-03")  # the same week again
    kept = Digest.objects.filter(week_start=START)
    # the recipients: leader, city_section, zhongxiang_leader
    assert sorted(kept.values_list("user__username", flat=True)) == [
        "city_section",
        "leader",
        "zhongxiang_leader",
    ]
    leader = kept.get(user=week["leader"])
    red = next(s for s in leader.sections if s["key"] == "red_flags")
    assert len(red["items"]) == 2
    # the data change afterwards; the kept week still reads as it was
    Evaluation.objects.filter(target=week["donations"]).delete()
    client.force_login(week["leader"])
    html = client.get("/targets/digest/?week=2016-06-27").content.decode()
    assert "13.1 全市接受慈善捐赠（荆门市）：进度滞后（2016-06-30）" in html and "生成于" in html
    call_command("weekly_digests", "--week", "2016-06-27")
    assert Digest.objects.filter(week_start=START).count() == 3

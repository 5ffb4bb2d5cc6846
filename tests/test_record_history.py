"""The person and household pages show the record's history from its audit events: who changed
which field from what to what, members joining and leaving, never a secret, and only to users
who may see the record."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from minzheng.core import idcard
from minzheng.core.context import acting_as, actor_for_user
from minzheng.core.models import AuditEvent
from minzheng.people import services
from minzheng.people.models import Household, Person
from minzheng.regions.models import Region

pytestmark = pytest.mark.django_db


def _history(html: str) -> str:
    """The history card of a detail page, tags stripped, whitespace collapsed."""
    start = html.index("变更记录")
    card = html[start : html.index("</section>", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card))


def test_person_history_shows_an_edit_made_through_the_service(client, people, users, jingmen):
    clerk = users["dongbao_clerk"]
    zhang = people["zhang"]
    quanshan = Region.objects.create(
        code="420802001002",
        name="泉山社区",
        level="village",
        parent=jingmen["longquan"],
        urban_rural="urban",
    )
    with acting_as(actor_for_user(clerk, channel="api")):
        services.update_person(
            user=clerk,
            person=zhang,
            phone="13800000001",
            hukou_region=quanshan,
            hukou_type="rural",
            disability_type="physical",
            disability_grade=2,
        )
    client.force_login(clerk)
    html = client.get(reverse("web:person_detail", args=[zhang.pk])).content.decode()
    history = _history(html)
    # One row for the edit: who, what, through which channel, each field by its label and values
    # in words (the region by name, choices by label), no bookkeeping columns.
    row = history[history.index("dongbao_clerk") :]
    assert row.startswith("dongbao_clerk 修改 ")
    for change in (
        "联系电话：— → 13800000001",
        "户籍地：龙泉社区 → 泉山社区",
        "户口性质：城镇 → 农村",
        "残疾类别：— → 肢体残疾",
        "残疾等级：— → 2",
    ):
        assert change in row, change
    assert "接口" in row and "更新时间" not in history and "姓名拼音" not in history
    # The registration is the oldest row, by the system (the fixture acts as no one).
    assert history.rstrip().endswith(f"系统 新增 {zhang} 系统")
    # Secrets: neither the ID number nor its cipher or lookup hash, anywhere on the page.
    stored = Person.objects.get(pk=zhang.pk)
    for secret in (zhang.id_number, stored.id_cipher, stored.id_hash):
        assert secret not in html


def test_household_history_shows_members_and_the_bank_account_masked(client, people, users):
    clerk = users["dongbao_clerk"]
    household = people["hh_dongbao"]
    li_membership = household.memberships.get(person=people["li"])
    with acting_as(actor_for_user(clerk)):
        services.set_bank_account(
            user=clerk,
            household=household,
            bank_name="工商银行",
            bank_account="6222000011112222333",
        )
        services.end_membership(user=clerk, member=li_membership, until=dt.date(2024, 6, 30))
    client.force_login(clerk)
    html = client.get(reverse("web:household_detail", args=[household.pk])).content.decode()
    history = _history(html)
    newest_first = [
        "dongbao_clerk 修改 成员 李梅 离开日期：— → 2024-06-30",
        "dongbao_clerk 修改 开户银行：农商银行 → 工商银行 "
        f"银行账号：{idcard.mask('6217000012345678901')} → {idcard.mask('6222000011112222333')}",
        "系统 新增 成员 李梅 系统",
        "系统 新增 成员 张三 系统",
        f"系统 新增 {household.number} 系统",
    ]
    positions = [history.find(row) for row in newest_first]
    assert -1 not in positions, (positions, history)
    assert positions == sorted(positions)
    stored = Household.objects.get(pk=household.pk)
    for secret in ("6222000011112222333", "6217000012345678901", stored.bank_account_cipher):
        assert secret not in html
    # The other household's events (王五 in 钟祥) are not this household's history.
    assert "王五" not in history


def test_history_is_scoped_out_of_scope_is_404(client, people, users):
    with acting_as(actor_for_user(users["zhongxiang_clerk"])):
        services.update_person(
            user=users["zhongxiang_clerk"], person=people["wang"], phone="13800000009"
        )
    client.force_login(users["dongbao_clerk"])
    assert client.get(reverse("web:person_detail", args=[people["wang"].pk])).status_code == 404
    assert (
        client.get(reverse("web:household_detail", args=[people["hh_zhongxiang"].pk])).status_code
        == 404
    )
    # The owner of the record does see it.
    client.force_login(users["zhongxiang_clerk"])
    page = client.get(reverse("web:person_detail", args=[people["wang"].pk])).content.decode()
    assert "联系电话：— → 13800000009" in _history(page)


def test_a_resident_sees_no_history(client, people, users):
    from minzheng.accounts.models import Role, User

    resident = User.objects.create_user(
        username="zhang_resident", password="x" * 12, role=Role.RESIDENT, person=people["zhang"]
    )
    client.force_login(resident)
    response = client.get(reverse("web:person_detail", args=[people["zhang"].pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "张三" in html and "变更记录" not in html
    assert AuditEvent.objects.filter(object_id=str(people["zhang"].pk)).exists()

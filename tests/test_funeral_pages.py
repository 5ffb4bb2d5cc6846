"""Funeral pages (docs/DOMAIN.md §14): each bad value comes back under its own field (marked
invalid and described by its error) with nothing saved; the bureau stops and resumes a provider
and binds and unbinds its accounts, scoped (another county's provider is 404) and audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from minzheng.core.models import AuditEvent
from minzheng.core.roles import Role
from minzheng.funeral import selectors
from minzheng.funeral.models import AreaSetting, Cemetery, Cremation, Provider, ProviderStaff
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()

ERRORS = re.compile(r'<ul class="errorlist" id="id_(\w+)_error">(.*?)</ul>', re.S)


def _field_errors(response) -> dict[str, str]:
    """Each field's rendered error list (field name -> its text)."""
    html = response.content.decode()
    return {name: re.sub(r"<[^>]+>", "", body) for name, body in ERRORS.findall(html)}


def _marked(response, field: str) -> bool:
    html = response.content.decode()
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="id_{field}"[^>]*>', html)
    return (
        tag is not None
        and 'aria-invalid="true"' in tag.group(0)
        and f"id_{field}_error" in tag.group(0)
    )


def test_cremation_form_puts_each_error_under_its_field(client, funeral, people):
    client.force_login(funeral["zx_user"])
    wang = people["wang"]
    body = {
        "id_number": wang.id_number,
        "name": wang.name,
        "death_date": "2026-02-30",
        "cremated_on": (TODAY - dt.timedelta(days=1)).isoformat(),
        "family_contact": "王家属",
        "items": ["cremation"],
    }
    r = client.post("/funeral/cremations/new/", body)
    assert r.status_code == 422
    assert set(_field_errors(r)) == {"death_date"} and _marked(r, "death_date")
    assert 'data-testid="form-errors"' not in r.content.decode()

    # The service's error (no such person under that name) comes back under the ID number.
    body |= {"death_date": (TODAY - dt.timedelta(days=3)).isoformat(), "name": "王某某"}
    r = client.post("/funeral/cremations/new/", body)
    assert r.status_code == 422
    errors = _field_errors(r)
    assert set(errors) == {"id_number"} and "没有与该身份证号码和姓名相符" in errors["id_number"]
    assert _marked(r, "id_number") and not _marked(r, "name")
    # The values typed are kept.
    assert 'value="王某某"' in r.content.decode()
    assert Cremation.objects.count() == 0


def test_provider_form_errors_under_their_fields(client, funeral):
    client.force_login(funeral["zx_approver"])
    before = Provider.objects.count()
    body = {
        "name": "东宝区殡葬服务站",
        "kind": "service_station",
        "region_code": "420802",  # another county
        "licence_number": "L-009",
        "licence_valid_until": (TODAY + dt.timedelta(days=30)).isoformat(),
    }
    r = client.post("/funeral/providers/new/", body)
    assert r.status_code == 422
    assert _field_errors(r) == {"region_code": "所选区域不在本账号的管辖范围内"}
    assert _marked(r, "region_code")

    body |= {"name": "钟祥市殡葬服务站", "region_code": "420881", "licence_number": "L-002"}
    r = client.post("/funeral/providers/new/", body | {"licence_valid_until": "2030-13-01"})
    assert r.status_code == 422 and set(_field_errors(r)) == {"licence_valid_until"}
    r = client.post("/funeral/providers/new/", body)
    assert r.status_code == 422
    assert _field_errors(r) == {"licence_number": "该许可证号已登记"}
    assert Provider.objects.count() == before


def test_cemetery_area_and_claim_forms_errors_under_their_fields(client, funeral):
    client.force_login(funeral["zx_approver"])
    r = client.post(
        "/funeral/cemeteries/new/",
        {
            "name": "郢中生态公墓",
            "kind": "village_eco",
            "region_code": "420881001001",
            "operator_id": "",
            "capacity": "三百",
            "built_on": (TODAY - dt.timedelta(days=10)).isoformat(),
        },
    )
    assert r.status_code == 422 and set(_field_errors(r)) == {"operator_id", "capacity"}
    assert _marked(r, "capacity") and _marked(r, "operator_id")
    assert Cemetery.objects.count() == 0

    r = client.post("/funeral/areas/", {"region_code": "420881", "kind": "reform"})
    assert r.status_code == 422 and _field_errors(r) == {"reason": "划为土葬改革区须注明依据"}
    assert AreaSetting.objects.count() == 0

    client.force_login(funeral["zx_user"])
    r = client.post("/funeral/claims/", {"county_code": "420881", "month": "2026-1"})
    assert r.status_code == 422 and set(_field_errors(r)) == {"month"}
    r = client.post("/funeral/claims/", {"county_code": "420881", "month": TODAY.strftime("%Y-%m")})
    assert r.status_code == 422
    assert _field_errors(r) == {"month": "该月没有待结算的免除费用"}


def test_bureau_stops_and_resumes_a_provider(client, api_client, funeral, users, people):
    zx = funeral["zx"]
    url = f"/funeral/providers/{zx.pk}/active/"
    client.force_login(users["dongbao_approver"])  # another county: the provider does not exist
    assert client.post(url, {"active": "0"}).status_code == 404
    client.force_login(funeral["zx_user"])
    assert client.post(url, {"active": "0"}).status_code == 403

    client.force_login(funeral["zx_approver"])
    page = client.get(f"/funeral/providers/{zx.pk}/").content.decode()
    assert 'data-testid="provider-active-form"' in page and "停止运营" in page
    assert client.post(url, {"active": "0"}).status_code == 302
    zx.refresh_from_db()
    assert zx.active is False
    event = AuditEvent.objects.filter(object_type="funeral.provider", object_id=str(zx.pk)).get()
    assert event.action == "update" and event.note == "停止运营"
    assert event.before == {"active": True} and event.after == {"active": False}
    assert "恢复运营" in client.get(f"/funeral/providers/{zx.pk}/").content.decode()

    # A stopped provider's account records nothing.
    wang = people["wang"]
    r = api_client.login("zx_home").post(
        "/api/v1/funeral/cremations",
        {
            "id_number": wang.id_number,
            "name": wang.name,
            "death_date": (TODAY - dt.timedelta(days=3)).isoformat(),
            "cremated_on": (TODAY - dt.timedelta(days=1)).isoformat(),
            "family_contact": "王家属",
        },
    )
    assert r.status_code == 403 and Cremation.objects.count() == 0

    assert client.post(url, {"active": "1"}).status_code == 302
    zx.refresh_from_db()
    assert zx.active is True
    notes = AuditEvent.objects.filter(object_type="funeral.provider").values_list("note", flat=True)
    assert sorted(notes) == ["停止运营", "恢复运营"]


def test_bureau_binds_and_unbinds_accounts(client, funeral, users, jingmen):
    zx = funeral["zx"]
    url = f"/funeral/providers/{zx.pk}/accounts/"
    newcomer = make_user("zx_home2", Role.FUNERAL_HOME, jingmen["zhongxiang"])

    client.force_login(users["dongbao_approver"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"username": "zx_home2"}).status_code == 404
    client.force_login(funeral["zx_user"])
    assert client.get(url).status_code == 403

    client.force_login(funeral["zx_approver"])
    page = client.get(url)
    assert page.status_code == 200 and "zx_home" in page.content.decode()
    # The city's account is outside the county: unknown here. A clerk is not a provider account.
    for username, message in [
        ("funeral_home", "未找到该账号"),
        ("nobody", "未找到该账号"),
        ("zhongxiang_clerk", "只能关联殡葬服务机构账号"),
        ("zx_home", "该账号已关联本机构"),
        ("", "这个字段是必填项。"),
    ]:
        r = client.post(url, {"username": username})
        assert r.status_code == 422, username
        assert _field_errors(r) == {"username": message}, username
        assert _marked(r, "username")
    assert ProviderStaff.objects.count() == 2
    assert selectors.provider_of(funeral["city_user"]) == funeral["city"]

    r = client.post(url, {"username": "zx_home2"})
    assert r.status_code == 302
    staff = ProviderStaff.objects.get(user=newcomer)
    assert staff.provider == zx and selectors.provider_of(newcomer) == zx
    created = AuditEvent.objects.get(object_type="funeral.providerstaff", action="create")
    assert created.note == "关联殡葬服务机构账号" and created.region_code == "420881"

    unbind = f"/funeral/providers/{zx.pk}/accounts/{staff.pk}/unbind/"
    client.force_login(users["dongbao_approver"])
    assert client.post(unbind).status_code == 404
    client.force_login(funeral["zx_approver"])
    other = ProviderStaff.objects.get(user=funeral["city_user"])
    assert client.post(f"{url}{other.pk}/unbind/").status_code == 404  # not this provider's
    assert client.post(unbind).status_code == 302
    assert not ProviderStaff.objects.filter(user=newcomer).exists()
    newcomer.refresh_from_db()
    assert selectors.provider_of(newcomer) is None
    deleted = AuditEvent.objects.get(object_type="funeral.providerstaff", action="delete")
    assert deleted.note == "解除殡葬服务机构账号关联" and deleted.before["provider_id"] == zx.pk

"""Settings safety, demo accounts, the scoped admin and region maintenance."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.test import override_settings

from minzheng.core.models import AuditEvent
from minzheng.regions.models import Region
from tests.fixtures.keys import STRONG_AUDIT_KEY, STRONG_DATA_KEY, STRONG_SECRET

from .conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "env, refuses",
    [
        ({"MINZHENG_MODE": "production"}, True),
        (
            {"MINZHENG_MODE": "production", "SECRET_KEY": STRONG_SECRET},
            True,
        ),  # demo data key still in place
        (
            {
                "MINZHENG_MODE": "production",
                "SECRET_KEY": STRONG_SECRET,
                "MINZHENG_DATA_KEY": STRONG_DATA_KEY,
            },
            True,
        ),  # demo audit key
        (
            {
                "MINZHENG_MODE": "production",
                "SECRET_KEY": STRONG_SECRET,
                "MINZHENG_DATA_KEY": STRONG_DATA_KEY,
                "MINZHENG_AUDIT_KEY": STRONG_AUDIT_KEY,
            },
            False,
        ),
        ({"MINZHENG_MODE": "demo"}, False),
    ],
)
def test_production_refuses_demo_secrets(env, refuses, tmp_path):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "MINZHENG_DATA_KEY", "MINZHENG_AUDIT_KEY", "MINZHENG_MODE")
    }
    clean.update(env, MINZHENG_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="minzheng.settings")
    proc = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=clean,
        capture_output=True,
        text=True,
    )
    assert (proc.returncode != 0) == refuses, proc.stderr
    if refuses:
        assert "demo" in proc.stderr


def test_demo_accounts_cannot_log_in_outside_demo_mode(client, jingmen):
    make_user("demo_clerk", "township_clerk", jingmen["longquan"], is_demo=True)
    assert client.login(username="demo_clerk", password=PASSWORD)
    client.logout()
    with override_settings(DEMO_MODE=False):
        assert not client.login(username="demo_clerk", password=PASSWORD)


def test_admin_lists_only_the_scope(client, people, jingmen):
    county_admin = make_user("dongbao_admin", "admin", jingmen["dongbao"], is_staff=True)
    client.force_login(county_admin)
    page = client.get("/admin/people/person/").content.decode()
    assert "张三" in page and "王五" not in page
    assert client.get(f"/admin/people/person/{people['wang'].pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/people/person/{people['zhang'].pk}/change/").status_code == 200
    # searching by the full ID goes through the keyed hash, still scoped
    assert (
        "张三"
        in client.get("/admin/people/person/", {"q": people["zhang"].id_number}).content.decode()
    )
    assert (
        "王五"
        not in client.get("/admin/people/person/", {"q": people["wang"].id_number}).content.decode()
    )
    # non-admin staff cannot use the admin at all
    client.force_login(make_user("clerk2", "township_clerk", jingmen["longquan"], is_staff=True))
    assert client.get("/admin/people/person/").status_code in (302, 403)


def test_admin_adds_and_retires_a_region_with_audit(client, users, jingmen):
    client.force_login(users["admin"])
    r = client.post(
        "/admin/regions/region/add/",
        {
            "code": "420802001099",
            "name": "新建社区",
            "parent": jingmen["longquan"].pk,
            "level": "village",
            "urban_rural": "urban",
            "valid_from": "2016-03-01",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    region = Region.objects.get(code="420802001099")
    assert region.path == "420000/420800/420802/420802001/420802001099/"
    r = client.post(f"/admin/regions/region/{region.pk}/change/", {"valid_to": "2016-12-31"})
    assert r.status_code == 302
    region.refresh_from_db()
    assert region.valid_to == dt.date(2016, 12, 31)
    events = AuditEvent.objects.filter(
        object_type="regions.region", object_id=str(region.pk)
    ).order_by("seq")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].before == {"valid_to": None} and events[1].after == {"valid_to": "2016-12-31"}


def test_zone_account_sees_member_townships_only(api_client, jingmen):
    from minzheng.people import services

    from .conftest import make_id

    zhanghe_town = Region.objects.get(code="420802102")
    village = Region.objects.create(
        code="420802102200",
        name="漳河村",
        level="village",
        parent=zhanghe_town,
        urban_rural="rural",
    )
    admin = make_user("root", "admin", None, is_superuser=True)
    services.register_person(
        user=admin,
        id_number=make_id("420802", "19600101", 81),
        name="漳河人",
        hukou_region=village,
        hukou_type="rural",
    )
    services.register_person(
        user=admin,
        id_number=make_id("420802", "19600101", 83),
        name="龙泉人",
        hukou_region=jingmen["longquan_community"],
        hukou_type="urban",
    )
    make_user("zone_staff", "city_section", Region.objects.get(code="4208Z1"))
    api_client.login("zone_staff")
    names = {p["name"] for p in api_client.get("/api/v1/people").json()["items"]}
    assert names == {"漳河人"}
    # the member township keeps its statutory parent, so 东宝区 staff see the same person
    make_user("dongbao_staff", "city_section", jingmen["dongbao"])
    api_client.login("dongbao_staff")
    assert {p["name"] for p in api_client.get("/api/v1/people").json()["items"]} == {
        "漳河人",
        "龙泉人",
    }

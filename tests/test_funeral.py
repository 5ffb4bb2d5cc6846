"""Funeral and eco-burial (docs/DOMAIN.md §14): cremations matched to the registry by full ID
number and name (the death date set, confirmed or corrected through the people module, and the
person's payments stopped by the registry's death scan), free basic services and their claims,
the funeral grant paid once, cemeteries' capacity under a row lock, unit scope (another home's
record is 404), and the targets 0.1, 0.2, 0.5 and 9.1 worked by hand."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.funeral import indicators, services
from minzheng.funeral.models import (
    AreaKind,
    AreaSetting,
    Assessment,
    Burial,
    Cemetery,
    Cremation,
    Grant,
)
from minzheng.payments import services as payment_services
from minzheng.payments.models import Entitlement, OneOffPayable
from minzheng.regions.models import Region
from tests.conftest import make_id
from tests.fixtures.funeral import PRICES

pytestmark = pytest.mark.django_db
URL = "/api/v1/funeral"
TODAY = timezone.localdate()


def _days(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def _errors(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for e in response.json()["errors"]:
        found.setdefault(e["field"].split(".")[-1], []).append(e["message"])
    return found


def _entitle(programme, household, region, *, person=None, start, end=None, status="active"):
    return Entitlement.objects.create(
        programme=programme,
        household=household,
        person=person,
        beneficiary_key=f"p{person.pk}" if person else f"h{household.pk}",
        region=region,
        status=status,
        start_month=start,
        end_month=end,
        monthly_amount_fen=50000,
        amount_since=start,
        computed_on=start,
    )


def _cremation_body(person, **extra):
    body = {
        "id_number": person.id_number,
        "name": person.name,
        "death_date": _days(3).isoformat(),
        "cremated_on": _days(1).isoformat(),
        "family_contact": "王家属",
    }
    return body | extra


def test_cremation_sets_the_death_date_stops_payment_and_proposes_the_grant(
    api_client, funeral, people, jingmen
):
    wang = people["wang"]  # 钟祥市, a 特困 recipient
    month = TODAY.replace(day=1) - dt.timedelta(days=40)
    tekun = _entitle(
        "tekun",
        people["hh_zhongxiang"],
        jingmen["yingzhong_community"],
        person=wang,
        start=month.replace(day=1),
    )
    api = api_client.login("zx_home")
    r = api.post(f"{URL}/cremations", _cremation_body(wang))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["number"].startswith(f"HZ{_days(1).year}{funeral['zx'].pk:03d}")
    assert body["eligible_group"] == "tekun"
    # Zhongxiang's own cremation price wins over the city's; every basic service exempted.
    assert {s["item"]: s["price_fen"] for s in body["services"]} == PRICES | {"cremation": 36000}
    assert all(s["exempt"] for s in body["services"])
    wang.refresh_from_db()
    assert wang.death_date == _days(3)
    assert AuditEvent.objects.filter(
        object_type="people.person", object_id=str(wang.pk), action="update"
    ).exists()
    # The registry's death scan stops the monthly payment after the month of death.
    payment_services.scan_deaths()
    tekun.refresh_from_db()
    assert tekun.status == Entitlement.Status.TERMINATED
    assert tekun.end_month == _days(3).replace(day=1)
    grant = Grant.objects.get(person=wang)
    assert grant.status == "proposed" and grant.amount_fen == 200000
    assert r.json()["grant_id"] == grant.pk


def test_grant_is_paid_once(api_client, funeral, people, jingmen):
    wang = people["wang"]
    _entitle(
        "tekun",
        people["hh_zhongxiang"],
        jingmen["yingzhong_community"],
        person=wang,
        start=dt.date(2020, 1, 1),
    )
    api_client.login("zx_home").post(f"{URL}/cremations", _cremation_body(wang))
    grant = Grant.objects.get(person=wang)
    # Another county's approver does not see it.
    r = api_client.login("dongbao_approver").post(
        f"{URL}/grants/{grant.pk}/decision", {"approve": True}
    )
    assert r.status_code == 404
    county = api_client.login("zhongxiang_approver")
    first = county.post(f"{URL}/grants/{grant.pk}/decision", {"approve": True})
    assert first.status_code == 200, first.content
    second = county.post(f"{URL}/grants/{grant.pk}/decision", {"approve": True})
    assert second.status_code == 200
    assert first.json()["payable_id"] == second.json()["payable_id"] is not None
    payable = OneOffPayable.objects.get(source_kind="funeral_grant", source_id=grant.pk)
    assert OneOffPayable.objects.filter(person=wang).count() == 1
    assert payable.amount_fen == 200000 and payable.programme == "funeral_grant"
    assert payable.household == people["hh_zhongxiang"]
    # A second cremation of the same person is refused, so no second grant can arise.
    r = api_client.login("zx_home").post(f"{URL}/cremations", _cremation_body(wang))
    assert r.status_code == 409
    assert Grant.objects.filter(person=wang).count() == 1
    # Deciding again the other way is refused: the grant is decided.
    county = api_client.login("zhongxiang_approver")
    assert county.post(f"{URL}/grants/{grant.pk}/decision", {"approve": False}).status_code == 409


def test_registry_death_first_then_cremation_matches_and_differences(
    api_client, funeral, people, users
):
    from minzheng.people import services as people_services

    zhang, li = people["zhang"], people["li"]
    people_services.update_person(user=users["dongbao_clerk"], person=zhang, death_date=_days(5))
    api = api_client.login("funeral_home")
    same = api.post(f"{URL}/cremations", _cremation_body(zhang, death_date=_days(5).isoformat()))
    assert same.status_code == 201
    assert Cremation.objects.get(person=zhang).death_date_corrected is False

    people_services.update_person(user=users["dongbao_clerk"], person=li, death_date=_days(5))
    differ = api.post(f"{URL}/cremations", _cremation_body(li, death_date=_days(4).isoformat()))
    assert differ.status_code == 422
    assert "death_date" in _errors(differ)
    far = api.post(
        f"{URL}/cremations",
        _cremation_body(li, death_date=_days(60).isoformat(), correct_death_date=True),
    )
    assert far.status_code == 422 and "30" in _errors(far)["death_date"][0]
    corrected = api.post(
        f"{URL}/cremations",
        _cremation_body(li, death_date=_days(4).isoformat(), correct_death_date=True),
    )
    assert corrected.status_code == 201, corrected.content
    assert corrected.json()["death_date_corrected"] is True
    li.refresh_from_db()
    assert li.death_date == _days(4)


def test_match_confirms_never_browses(api_client, funeral, people):
    api = api_client.login("zx_home")  # 钟祥's home; 张三 is registered in 东宝区
    wrong_name = api.post(f"{URL}/cremations", _cremation_body(people["zhang"], name="张四"))
    unknown = api.post(
        f"{URL}/cremations",
        _cremation_body(people["zhang"], id_number=make_id("420802", "19800101", 99)),
    )
    assert wrong_name.status_code == unknown.status_code == 422
    assert _errors(wrong_name) == _errors(unknown)
    bad = api.post(f"{URL}/cremations", _cremation_body(people["zhang"], id_number="123"))
    assert bad.status_code == 422 and "id_number" in _errors(bad)
    # Outside its region scope, a full ID number and the name still match.
    ok = api.post(f"{URL}/cremations", _cremation_body(people["zhang"]))
    assert ok.status_code == 201
    assert ok.json()["eligible_group"] == ""
    assert not any(s["exempt"] for s in ok.json()["services"])


@pytest.mark.parametrize(
    ("programme", "per_person", "start", "end", "free", "grant"),
    [
        ("tekun", True, dt.date(2020, 1, 1), None, "tekun", True),
        ("dibao_urban", False, dt.date(2020, 1, 1), None, "dibao_urban", False),
        ("orphan_allowance", True, dt.date(2020, 1, 1), None, "orphan_allowance", False),
        ("special_care_pension", True, dt.date(2020, 1, 1), None, "special_care_pension", False),
        ("old_age_allowance", True, dt.date(2020, 1, 1), None, "", False),
        ("dibao_urban", False, dt.date(2020, 1, 1), dt.date(2021, 1, 1), "", False),
        (None, False, None, None, "", False),
    ],
)
def test_free_service_eligibility(
    funeral, people, jingmen, programme, per_person, start, end, free, grant
):
    zhang = people["zhang"]
    if programme:
        _entitle(
            programme,
            people["hh_dongbao"],
            jingmen["longquan_community"],
            person=zhang if per_person else None,
            start=start,
            end=end,
            status="terminated" if end else "active",
        )
    c = services.record_cremation(
        user=funeral["city_user"],
        id_number=zhang.id_number,
        name=zhang.name,
        death_date=_days(3),
        cremated_on=_days(2),
        family_contact="李梅",
    )
    assert c.eligible_group == free
    assert all(line.exempt == bool(free) for line in c.services.all())
    assert Grant.objects.filter(person=zhang).exists() is grant


def test_claim_from_the_county(api_client, funeral, people, jingmen):
    _entitle(
        "dibao_urban",
        people["hh_dongbao"],
        jingmen["longquan_community"],
        start=dt.date(2020, 1, 1),
    )
    api = api_client.login("funeral_home")
    cremated = TODAY.replace(day=1)
    r = api.post(
        f"{URL}/cremations",
        _cremation_body(
            people["zhang"],
            death_date=cremated.isoformat(),
            cremated_on=cremated.isoformat(),
        ),
    )
    assert r.status_code == 201
    r = api.post(f"{URL}/claims", {"county_code": "420802", "month": TODAY.isoformat()})
    assert r.status_code == 201, r.content
    claim = r.json()
    assert claim["lines"] == 4 and claim["total_fen"] == sum(PRICES.values())
    again = api.post(f"{URL}/claims", {"county_code": "420802", "month": TODAY.isoformat()})
    assert again.status_code == 422  # nothing left to claim
    assert api_client.login("zx_home").get(f"{URL}/claims").json()["items"] == []
    county = api_client.login("dongbao_approver")
    r = county.post(f"{URL}/claims/{claim['id']}/decision", {"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert (
        api_client.login("zhongxiang_approver")
        .post(f"{URL}/claims/{claim['id']}/decision", {"approve": True})
        .status_code
        == 404
    )


def test_scope_a_home_sees_only_its_own(api_client, funeral, people, users, client):
    r = api_client.login("zx_home").post(f"{URL}/cremations", _cremation_body(people["wang"]))
    pk = r.json()["id"]
    city = api_client.login("funeral_home")
    assert city.get(f"{URL}/cremations/{pk}").status_code == 404
    assert city.get(f"{URL}/cremations").json()["items"] == []
    assert api_client.login("dongbao_approver").get(f"{URL}/cremations/{pk}").status_code == 404
    seen = api_client.login("zhongxiang_approver").get(f"{URL}/cremations/{pk}")
    assert seen.status_code == 200 and seen.json()["name"] == "王*"
    client.force_login(funeral["city_user"])
    assert client.get(f"/funeral/cremations/{pk}/").status_code == 404
    assert client.get(f"/funeral/cremations/{pk}/certificate/").status_code == 404
    client.force_login(funeral["zx_user"])
    pdf = client.get(f"/funeral/cremations/{pk}/certificate/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Township staff have no part in it.
    client.force_login(users["dongbao_clerk"])
    assert client.get("/funeral/").status_code == 403


def _cemetery(funeral, region, capacity=2, kind=Cemetery.Kind.PUBLIC, built_on=None):
    return Cemetery.objects.create(
        name=f"公墓{Cemetery.objects.count()}",
        kind=kind,
        region=region,
        operator=funeral["zx"],
        capacity=capacity,
        built_on=built_on or dt.date(2010, 1, 1),
    )


def test_burial_capacity_and_eco(api_client, funeral, people, jingmen, users):
    from minzheng.people import services as people_services

    cemetery = _cemetery(funeral, jingmen["yingzhong_community"], capacity=1)
    for p in (people["zhang"], people["li"], people["wang"]):
        people_services.update_person(user=users["admin"], person=p, death_date=_days(10))
    api = api_client.login("zx_home")

    def bury(person, kind, cemetery_id=cemetery.pk):
        return api.post(
            f"{URL}/burials",
            {
                "id_number": person.id_number,
                "name": person.name,
                "kind": kind,
                "buried_on": _days(2).isoformat(),
                "cemetery_id": cemetery_id,
            },
        )

    r = bury(people["zhang"], "tree")
    assert r.status_code == 201 and r.json()["eco"] is True
    full = bury(people["li"], "grave")
    assert full.status_code == 409 and "cemetery_id" in _errors(full)
    # Scattering takes no place.
    assert bury(people["li"], "scattering").status_code == 201
    cemetery.refresh_from_db()
    assert cemetery.used == 1
    # Another home's cemetery reads as 404.
    assert (
        api_client.login("funeral_home")
        .post(
            f"{URL}/burials",
            {
                "id_number": people["wang"].id_number,
                "name": "王五",
                "kind": "tree",
                "buried_on": _days(2).isoformat(),
                "cemetery_id": cemetery.pk,
            },
        )
        .status_code
        == 404
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_capacity_holds_under_concurrent_burials(funeral, people, jingmen, users):
    from django.db import close_old_connections

    from minzheng.people import services as people_services

    cemetery = _cemetery(funeral, jingmen["yingzhong_community"], capacity=1)
    dead = [people["zhang"], people["li"], people["wang"]]
    for p in dead:
        people_services.update_person(user=users["admin"], person=p, death_date=_days(10))
    barrier = threading.Barrier(len(dead))
    results: list[str] = []

    def bury(person):
        try:
            barrier.wait()
            services.record_burial(
                user=funeral["zx_user"],
                id_number=person.id_number,
                name=person.name,
                kind="grave",
                buried_on=_days(1),
                cemetery=cemetery,
            )
            results.append("ok")
        except ServiceError:
            results.append("full")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=bury, args=(p,)) for p in dead]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cemetery.refresh_from_db()
    assert sorted(results) == ["full", "full", "ok"]
    assert cemetery.used == 1 and Burial.objects.filter(cemetery=cemetery).count() == 1


def test_targets_by_hand(funeral, people, jingmen, users):
    """Deaths this year in 钟祥市: 王五 and two more in 郢中社区 (a cremation area), one in
    莲溪村 of 东宝区 which is declared a burial-reform area. Cremated: 王五 and one more of 郢中.
    Cremation rate 钟祥 = 2 ÷ 3 = 66.67 %; the city = 2 ÷ 3 too (莲溪's death is not counted);
    东宝 has no death in a cremation area, so no value."""
    from minzheng.people import services as people_services

    on = TODAY
    start = on.replace(month=1, day=1)
    clerk = users["zhongxiang_clerk"]
    extra = [
        people_services.register_person(
            user=clerk,
            id_number=make_id("420881", "19400101", 40 + i),
            name=f"赵{i}",
            hukou_region=jingmen["yingzhong_community"],
            hukou_type="urban",
        )
        for i in range(2)
    ]
    lixi_person = people_services.register_person(
        user=users["admin"],
        id_number=make_id("420802", "19400101", 50),
        name="钱六",
        hukou_region=jingmen["lixi_village"],
        hukou_type="rural",
    )
    AreaSetting.objects.create(region=Region.objects.get(code="420802100"), kind=AreaKind.REFORM)
    for p in [people["wang"], *extra, lixi_person]:
        people_services.update_person(user=users["admin"], person=p, death_date=start)
    for p in [people["wang"], extra[0]]:
        services.record_cremation(
            user=funeral["zx_user"],
            id_number=p.id_number,
            name=p.name,
            death_date=start,
            cremated_on=start + dt.timedelta(days=1),
            family_contact="家属",
        )
    regions = list(Region.objects.prefetch_related("members"))
    parts = indicators.cremation_parts(regions, on)
    assert parts["cremations_ytd"]["420881"] == 2
    assert parts["cremation_area_deaths_ytd"]["420881"] == 3
    assert parts["cremation_area_deaths_ytd"]["420800"] == 3
    assert parts["cremation_area_deaths_ytd"]["420802"] == 0

    # Burials: 2 of 钟祥 (one tree), nothing elsewhere: eco share 钟祥 = 50 %.
    cemetery = _cemetery(funeral, jingmen["yingzhong_community"], capacity=10)
    for p, kind in ((people["wang"], "tree"), (extra[0], "grave")):
        services.record_burial(
            user=funeral["zx_user"],
            id_number=p.id_number,
            name=p.name,
            kind=kind,
            buried_on=start + dt.timedelta(days=2),
            cemetery=cemetery,
        )
    burials = indicators.burial_parts(regions, on)
    assert burials["eco_burials_ytd"]["420881"] == 1 and burials["burials_ytd"]["420881"] == 2

    # Village eco-cemeteries built this year: one in 郢中社区 this year, one last year.
    _cemetery(funeral, jingmen["yingzhong_community"], kind="village_eco", built_on=start)
    _cemetery(
        funeral,
        jingmen["yingzhong_community"],
        kind="village_eco",
        built_on=start - dt.timedelta(days=1),
    )
    built = indicators.eco_cemeteries_built(regions, on)
    assert built["420881"] == 1 and built["420800"] == 1 and built["420802"] == 0

    # Standardisation: 2 active providers, the city home assessed and up to standard this year,
    # 钟祥's assessed last year only: city 1 ÷ 2 = 50 %; 钟祥 0 ÷ 1 = 0 %.
    Assessment.objects.create(
        provider=funeral["city"], year=on.year, assessed_on=on, score=90, passed=True
    )
    Assessment.objects.create(
        provider=funeral["zx"], year=on.year - 1, assessed_on=on, score=95, passed=True
    )
    rate = indicators.funeral_service_standard_rate(regions, on)
    assert rate["420800"] == Decimal(50) and rate["420881"] == Decimal(0)


def test_bureau_registers_and_validates(api_client, funeral, jingmen):
    county = api_client.login("zhongxiang_approver")
    r = county.post(
        f"{URL}/providers",
        {
            "name": "钟祥市殡葬服务站",
            "kind": "service_station",
            "region_code": "420881",
            "licence_number": "L-002",
            "licence_valid_until": _days(-30).isoformat(),
        },
    )
    assert r.status_code == 422 and _errors(r) == {"licence_number": ["该许可证号已登记"]}
    r = county.post(
        f"{URL}/providers",
        {
            "name": "东宝区殡葬服务站",
            "kind": "service_station",
            "region_code": "420802",
            "licence_number": "L-009",
            "licence_valid_until": _days(-30).isoformat(),
        },
    )
    assert r.status_code == 422 and "region" in _errors(r)
    r = county.post(
        f"{URL}/cemeteries",
        {
            "name": "郢中生态公墓",
            "kind": "village_eco",
            "region_code": "420881001",
            "operator_id": funeral["zx"].pk,
            "capacity": 300,
            "built_on": _days(10).isoformat(),
        },
    )
    assert r.status_code == 422 and "region_code" in _errors(r)
    r = county.post(
        f"{URL}/cemeteries",
        {
            "name": "郢中生态公墓",
            "kind": "village_eco",
            "region_code": "420881001001",
            "operator_id": funeral["zx"].pk,
            "capacity": 300,
            "built_on": _days(10).isoformat(),
        },
    )
    assert r.status_code == 201, r.content
    r = county.post(f"{URL}/areas", {"region_code": "420881113", "kind": "reform"})
    assert r.status_code == 422 and "reason" in _errors(r)
    r = county.post(
        f"{URL}/areas", {"region_code": "420881113", "kind": "reform", "reason": "山区"}
    )
    assert r.status_code in (200, 422)
    r = county.post(
        f"{URL}/providers/{funeral['zx'].pk}/assessments",
        {"assessed_on": TODAY.isoformat(), "score": 88, "passed": True},
    )
    assert r.status_code == 201
    assert (
        api_client.login("funeral_home")
        .post(f"{URL}/areas", {"region_code": "420881", "kind": "reform", "reason": "x"})
        .status_code
        == 403
    )
    county = api_client.login("zhongxiang_approver")
    figures = county.get(f"{URL}/figures").json()
    assert [f["region_code"] for f in figures] == ["420881"]

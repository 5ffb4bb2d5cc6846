"""Shared builders of the elderly-care tests (imported by the other test_eldercare_* modules):
standards, elderly people with households, providers with catalogues and accounts. Dates are
relative to today, so the suite keeps working as time passes."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from minzheng.accounts.models import Role
from minzheng.assistance.services import load_default_standards
from minzheng.eldercare import services
from minzheng.eldercare.models import Provider
from minzheng.payments import months
from minzheng.people import services as people_services
from minzheng.people.selectors import current_household

from .conftest import make_id, make_user

_seq = itertools.count(100)


def today() -> dt.date:
    return timezone.localdate()


def this_month() -> dt.date:
    return months.month_start(today())


def born(years_before: int, month: dt.date, day: int) -> dt.date:
    """A birth date `years_before` years before day `day` of `month`."""
    return dt.date(month.year - years_before, month.month, day)


def elder(
    clerk,
    region,
    name: str,
    birth: dt.date,
    *,
    household: bool = True,
    bank: bool = True,
    hukou_type: str = "urban",
):
    """A person registered through the population services, alone in a household with a bank account."""
    seq = next(_seq)
    person = people_services.register_person(
        user=clerk,
        id_number=make_id(region.code[:6], birth.strftime("%Y%m%d"), seq),
        name=name,
        hukou_region=region,
        hukou_type=hukou_type,
    )
    if household:
        people_services.create_household(
            user=clerk,
            region=region,
            head=person,
            address=f"{region.name}{seq}号",
            bank_name="农商银行" if bank else "",
            bank_account=f"621700001234{seq:07d}" if bank else "",
            since=dt.date(2000, 1, 1),
        )
    return person


@pytest.fixture
def standards(jingmen):
    load_default_standards()


@pytest.fixture
def care(jingmen, users, standards):
    """Two providers serving 龙泉社区 (one with a provider account) and one in 钟祥, each with a
    catalogue and a worker; a village worker of 龙泉社区 and a resident account."""
    admin = users["admin"]
    village = jingmen["longquan_community"]
    a = services.register_provider(
        user=admin,
        name="龙泉居家养老服务中心",
        kind=Provider.Kind.CARE_CENTRE,
        region=jingmen["longquan"],
        service_area_codes=[jingmen["longquan"].code],
    )
    b = services.register_provider(
        user=admin,
        name="东宝家政公司",
        kind=Provider.Kind.HOUSEKEEPING,
        region=jingmen["dongbao"],
        service_area_codes=[jingmen["dongbao"].code],
    )
    z = services.register_provider(
        user=admin,
        name="郢中社区卫生服务站",
        kind=Provider.Kind.CLINIC,
        region=jingmen["yingzhong"],
        service_area_codes=[jingmen["yingzhong"].code],
    )
    provider_a = make_user("provider_a", Role.PROVIDER)
    provider_b = make_user("provider_b", Role.PROVIDER)
    services.bind_provider_account(user=admin, provider=a, account=provider_a)
    services.bind_provider_account(user=admin, provider=b, account=provider_b)
    items = {
        # 40 元 an hour of cleaning; a 60-minute bath at 50 元; a meal at 12 元 counted as 30 minutes.
        "cleaning": services.add_service_item(
            user=admin,
            provider=a,
            category="cleaning",
            name="居室清洁",
            unit="hour",
            price_fen=4000,
            minutes_per_unit=60,
        ),
        "bathing": services.add_service_item(
            user=admin,
            provider=a,
            category="bathing",
            name="上门助浴",
            unit="visit",
            price_fen=5000,
            minutes_per_unit=60,
        ),
        "meal": services.add_service_item(
            user=admin,
            provider=a,
            category="meals",
            name="送餐上门",
            unit="meal",
            price_fen=1200,
            minutes_per_unit=30,
        ),
        "b_cleaning": services.add_service_item(
            user=admin,
            provider=b,
            category="cleaning",
            name="家政保洁",
            unit="hour",
            price_fen=3000,
            minutes_per_unit=60,
        ),
        "z_medical": services.add_service_item(
            user=admin,
            provider=z,
            category="medical",
            name="陪同就医",
            unit="visit",
            price_fen=3000,
            minutes_per_unit=120,
        ),
    }
    workers = {
        "a": services.add_worker(user=admin, provider=a, name="王护理员"),
        "b": services.add_worker(user=admin, provider=b, name="李保洁"),
    }
    clerk = users["dongbao_clerk"]
    mother = elder(clerk, village, "陈老太", born(82, this_month(), 3))
    son = people_services.register_person(
        user=clerk,
        id_number=make_id("420802", "19700303", next(_seq)),
        name="陈大",
        hukou_region=village,
        hukou_type="urban",
    )
    household = current_household(mother)
    people_services.add_member(
        user=clerk, household=household, person=son, relation="child", since=dt.date(2000, 1, 1)
    )
    family = make_user("chen_da", Role.RESIDENT, person=son)
    return {
        "a": a,
        "b": b,
        "z": z,
        "provider_a": provider_a,
        "provider_b": provider_b,
        "items": items,
        "workers": workers,
        "mother": mother,
        "son": son,
        "family": family,
        "village": village,
    }


def test_fixture_city_is_consistent(care, users):
    from minzheng.eldercare import selectors

    assert selectors.provider_of(care["provider_a"]) == care["a"]
    assert selectors.provider_of(users["dongbao_village"]) is None
    # 龙泉社区 is served by the 龙泉 centre and the 东宝 company, not by the 钟祥 clinic.
    assert set(selectors.providers_serving(care["village"])) == {care["a"], care["b"]}
    # The son's account reaches his mother (82) but not himself (not yet 60).
    assert list(selectors.elderly_for(care["family"])) == [care["mother"]]
    assert selectors.household_living_situation(care["mother"]) == "with_family"

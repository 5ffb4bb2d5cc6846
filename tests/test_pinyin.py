"""Pinyin search keys read surnames with their surname reading (曾 zeng, not ceng) and keep the
common reading beside it, so a user typing either finds the person; the pages' searches do."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from pypinyin import Style, pinyin

from minzheng.people import services as people_services
from minzheng.people.models import Person
from minzheng.people.pinyin import KEY_LENGTH, SURNAMES, name_pinyin, rekey_surnames
from minzheng.people.selectors import search_people
from tests.conftest import make_id


@pytest.mark.parametrize(
    "name, key",
    [
        # Worked by hand: surname reading, then the common reading where it differs.
        ("曾国藩", "zengguofan zgf cengguofan cgf"),
        ("覃小红", "qinxiaohong qxh tanxiaohong txh"),
        ("单田芳", "shantianfang stf dantianfang dtf"),
        ("解文", "xiewen xw jiewen jw"),
        ("仇明", "qiuming qm chouming cm"),
        ("区志航", "ouzhihang ozh quzhihang qzh"),
        ("朴正", "piaozheng pz puzheng pz"),
        ("查良镛", "zhaliangyong zly chaliangyong cly"),
        ("盖丽", "geli gl gaili gl"),
        ("缪军", "miaojun mj moujun mj"),
        ("种明", "chongming cm zhongming zm"),
        ("乐嘉", "yuejia yj lejia lj"),
        ("翟志刚", "zhaizhigang zzg dizhigang dzg"),
        ("秘红", "bihong bh mihong mh"),
        ("曾", "zeng z ceng c"),
        # Compound surnames are one unit; pypinyin already reads these three right.
        ("尉迟恭", "yuchigong ycg"),
        ("万俟卨", "moqixie mqx"),
        ("长孙无忌", "zhangsunwuji zswj"),
        ("子车明", "zijuming zjm zicheming zcm"),
        # Other names are keyed as before.
        ("张三", "zhangsan zs"),
        ("李梅", "limei lm"),
        ("王曾", "wangceng wc"),  # 曾 as a given name keeps its common reading
    ],
)
def test_name_keys(name, key):
    assert name_pinyin(name) == key


def test_every_listed_reading_is_one_pypinyin_knows_for_the_character():
    for surname, syllables in SURNAMES.items():
        readings = pinyin(surname, style=Style.NORMAL, heteronym=True)
        assert len(readings) == len(syllables), surname
        for syllable, known in zip(syllables, readings):
            assert syllable in known, (surname, syllable, known)


def test_the_key_fits_the_stored_field_even_for_the_longest_name():
    assert Person._meta.get_field("name_pinyin").max_length == KEY_LENGTH
    longest = "曾" + "庄" * 63  # 64 characters, the longest name the registry takes
    key = name_pinyin(longest)
    assert len(key) <= KEY_LENGTH and key.startswith("zeng" + "zhuang" * 63 + " z")
    assert " ceng" in name_pinyin("曾" + "庄" * 20)  # the alternative stays while it fits


@pytest.fixture
def zeng(jingmen, users):
    """曾国华, head of a household in 东宝区 龙泉社区, registered through the services."""
    clerk = users["dongbao_clerk"]
    person = people_services.register_person(
        user=clerk,
        id_number=make_id("420802", "19700303", 55),
        name="曾国华",
        hukou_region=jingmen["longquan_community"],
        hukou_type="urban",
    )
    household = people_services.create_household(
        user=clerk,
        region=jingmen["longquan_community"],
        head=person,
        address="龙泉路9号",
        bank_name="农商银行",
        bank_account="6217000011112222333",
        since=dt.date(2020, 1, 1),
    )
    return person, household


@pytest.mark.parametrize("query", ["zeng", "Zeng Guo", "zengguohua", "zgh", "ceng", "cgh"])
def test_the_person_and_household_pages_find_either_reading(client, users, people, zeng, query):
    person, household = zeng
    client.force_login(users["dongbao_clerk"])
    found = client.get(reverse("web:person_list"), {"q": query}).context["page_obj"]
    assert [p.name for p in found] == ["曾国华"]
    found = client.get(reverse("web:household_list"), {"q": query}).context["page_obj"]
    assert [h.number for h in found] == [household.number]


def test_search_stays_scoped(users, zeng):
    assert list(search_people(users["dongbao_clerk"], "zeng")) == [zeng[0]]
    assert list(search_people(users["zhongxiang_clerk"], "zeng")) == []


def test_stored_keys_are_recomputed_set_based(users, people, zeng, django_assert_max_num_queries):
    person, _household = zeng
    # Keys as the earlier rule stored them (pypinyin's common reading of the whole name).
    Person.objects.filter(pk=person.pk).update(name_pinyin="cengguohua cgh")
    Person.objects.filter(pk=people["zhang"].pk).update(name_pinyin="zhangsan zs")
    migration = importlib.import_module(
        "minzheng.people.migrations.0006_name_pinyin_reads_surnames"
    )
    with django_assert_max_num_queries(3):  # one select, one bulk update (in a savepoint)
        migration.rekey(apps, None)
    assert Person.objects.get(pk=person.pk).name_pinyin == "zengguohua zgh cengguohua cgh"
    assert Person.objects.get(pk=people["zhang"].pk).name_pinyin == "zhangsan zs"
    assert rekey_surnames(Person) == 0  # nothing left to change

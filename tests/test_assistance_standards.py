"""Standards: seeded defaults, resolution by region path, zones and date, derivations from
statistics and from other standards, append-only changes with who and why, the bulk table."""

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.accounts.models import Role
from minzheng.assistance import selectors, services
from minzheng.assistance.models import Standard, Statistic
from minzheng.core.context import acting_as, actor_for_user
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.core.money import fen, yuan_str
from minzheng.regions.models import Region

from .conftest import make_user

pytestmark = pytest.mark.django_db

ON = dt.date(2016, 6, 1)


@pytest.fixture
def seeded(jingmen):
    services.load_default_standards()
    return {
        code: Region.objects.get(code=code)
        for code in [
            "420800",
            "420802",
            "420802001",
            "420802102",
            "420804004",
            "420821",
            "420821001",
            "420821451",
            "420822100",
            "420881001",
            "4208Z1",
            "4208Z2",
        ]
    } | {"village": jingmen["lixi_village"], "longquan_community": jingmen["longquan_community"]}


def value(programme, key, region, on=ON):
    resolved = selectors.standard_in_force(programme, key, region, on)
    return None if resolved is None else resolved.display()


def source(programme, key, region, on=ON):
    return selectors.standard_in_force(programme, key, region, on).region_code


URBAN_DIBAO_BY_REGION = [
    # region, standard, where it is set
    ("420802001", "480.00", "420800"),  # 东宝 龙泉街道: city-wide central-city figure
    ("longquan_community", "480.00", "420800"),  # a community below it inherits
    ("420804004", "480.00", "4208Z1"),  # 掇刀 双喜街道, member of 漳河新区: the zone row
    ("420802102", "480.00", "4208Z1"),  # 东宝 漳河镇, member of 漳河新区
    ("420821001", "400.00", "420821"),  # 京山 新市街道: county override
    ("420821451", "400.00", "4208Z2"),  # 屈家岭管理区 unit filed under 京山: the zone row
    ("420822100", "400.00", "420822"),  # 沙洋镇
    ("420881001", "400.00", "420881"),  # 钟祥 郢中街道
    ("4208Z1", "480.00", "4208Z1"),  # the zone itself
]


@pytest.mark.parametrize("code, expected, where", URBAN_DIBAO_BY_REGION)
def test_seeded_urban_dibao_by_region(seeded, code, expected, where):
    assert value("dibao_urban", "standard", seeded[code]) == expected
    assert source("dibao_urban", "standard", seeded[code]) == where


def test_seeded_defaults(seeded):
    longquan, zhongxiang = seeded["420802001"], seeded["420881001"]
    assert value("dibao_rural", "standard", seeded["village"]) == "2800.00"
    # 特困 urban = 1.3 × the 低保 of the region resolved: 1.3 × 480 = 624.00, 1.3 × 400 = 520.00.
    assert value("tekun", "basic_living_urban", longquan) == "624.00"
    assert value("tekun", "basic_living_urban", zhongxiang) == "520.00"
    # 五保 = 80 % × 2015 rural consumption 9,803 (Hubei) = 7,842.40 a year.
    rural = selectors.standard_in_force("tekun", "basic_living_rural", longquan, ON)
    assert rural.display() == "7842.40"
    assert rural.derivation["statistic_value"] == "9803.00" and rural.derivation["year"] == 2015
    assert rural.derivation["statistic_region"] == "420000"
    assert value("tekun", "care_total", longquan) == "5000.00"
    assert value("temporary", "cap_expenditure", longquan) == "3000.00"
    assert selectors.standard_in_force("medical", "ratio_key", longquan, ON).value == Decimal("0.7")
    assert value("medical", "annual_cap", longquan) == "80000.00"
    assert value("dibao_urban", "car_value_limit", longquan) == "80000.00"
    assert value("dibao_urban", "financial_assets_months", longquan) == "36"
    excluded = selectors.standard_in_force(
        "dibao_urban", "income_excluded_types", longquan, ON
    ).value
    assert "old_age_allowance" in excluded and "wage" not in excluded and "pension" not in excluded
    # Every registered parameter of every programme has a default.
    from minzheng.assistance.params import REGISTRY

    in_force = selectors.all_standards_in_force(longquan, ON)
    assert {p: set(keys) for p, keys in REGISTRY.items()} == {p: set(in_force[p]) for p in REGISTRY}


def test_defaults_are_idempotent_and_not_in_force_before_2016(seeded):
    count = Standard.objects.count()
    assert services.load_default_standards() == 0
    assert Standard.objects.count() == count
    assert (
        Statistic.objects.filter(key="urban_consumption_per_capita", year=2015).get().value == 18192
    )
    assert value("dibao_urban", "standard", seeded["420802001"], dt.date(2015, 12, 31)) is None


def test_default_seed_is_audited_as_system(seeded):
    event = AuditEvent.objects.get(object_type="assistance.standard", action="import")
    assert event.actor_name == "system" and event.note
    assert event.after == {"statistics": 8, "standards": Standard.objects.count()}
    assert set(Standard.objects.values_list("set_by_name", flat=True)) == {"system"}
    assert (
        Standard.objects.get(
            programme__code="dibao_urban", key="standard", region__code="420821"
        ).reason
        == "2015年末京山县城市低保标准400元/月"
    )


def _set(user, programme, key, region, on, **kw):
    with acting_as(actor_for_user(user, channel="api")):
        return services.set_standard(
            user=user, programme=programme, key=key, region=region, effective_from=on, **kw
        )


def test_derived_from_statistic_the_plans_rule(seeded, users):
    city, longquan, zhongxiang = seeded["420800"], seeded["420802001"], seeded["420881001"]
    # Urban 低保 = 30 % of last year's urban consumption: 18,192 × 0.30 = 5,457.60 a year = 454.80 a month.
    _set(
        users["city_section"],
        "dibao_urban",
        "standard",
        city,
        dt.date(2016, 7, 1),
        derive_from={"statistic": "urban_consumption_per_capita", "ratio": "0.30"},
        reason="按规划测算",
    )
    assert (
        value("dibao_urban", "standard", longquan, dt.date(2016, 6, 30)) == "480.00"
    )  # before it takes effect
    resolved = selectors.standard_in_force("dibao_urban", "standard", longquan, dt.date(2016, 8, 1))
    assert resolved.display() == "454.80"
    assert resolved.derivation["yearly"] == "5457.60" and resolved.derivation["ratio"] == "0.3"
    # The county keeps its own row: a more specific region wins whatever the date.
    assert value("dibao_urban", "standard", zhongxiang, dt.date(2016, 8, 1)) == "400.00"
    # 特困 follows the new 低保 at once: 1.3 × 454.80 = 591.24.
    assert value("tekun", "basic_living_urban", longquan, dt.date(2016, 8, 1)) == "591.24"


@pytest.mark.parametrize(
    "ratio, rounding, expected",
    [
        # Rural 40 % × 9,803 = 3,921.20 a year.
        ("0.40", "fen", "3921.20"),
        ("0.40", "yuan", "3921.00"),
        ("0.40", "yuan_up", "3922.00"),
        ("0.40", "ten_yuan_up", "3930.00"),
    ],
)
def test_rural_derivation_and_rounding(seeded, users, ratio, rounding, expected):
    _set(
        users["city_section"],
        "dibao_rural",
        "standard",
        seeded["420800"],
        dt.date(2016, 7, 1),
        derive_from={
            "statistic": "rural_consumption_per_capita",
            "ratio": ratio,
            "rounding": rounding,
        },
        reason="按规划测算",
    )
    assert value("dibao_rural", "standard", seeded["village"], dt.date(2016, 7, 1)) == expected


def test_more_specific_statistic_wins_and_a_correction_flows_through(seeded, users):
    city, longquan = seeded["420800"], seeded["420802001"]
    _set(
        users["city_section"],
        "dibao_urban",
        "standard",
        city,
        dt.date(2016, 7, 1),
        derive_from={"statistic": "urban_consumption_per_capita", "ratio": "0.30"},
        reason="按规划测算",
    )
    with acting_as(actor_for_user(users["city_section"])):
        services.set_statistic(
            user=users["city_section"],
            key="urban_consumption_per_capita",
            region=city,
            year=2015,
            value="20000",
            source="荆门统计年鉴",
            reason="采用荆门本地数据",
        )
    # 20,000 × 0.30 / 12 = 500.00, from Jingmen's own figure rather than Hubei's.
    resolved = selectors.standard_in_force("dibao_urban", "standard", longquan, dt.date(2016, 7, 1))
    assert resolved.display() == "500.00" and resolved.derivation["statistic_region"] == "420800"
    assert AuditEvent.objects.filter(
        object_type="assistance.statistic", note="采用荆门本地数据"
    ).exists()


def test_missing_statistic_leaves_the_value_unresolved(seeded, users):
    # A standard effective in 2018 needs the 2017 figure, which nobody has entered.
    _set(
        users["city_section"],
        "dibao_urban",
        "standard",
        seeded["420800"],
        dt.date(2018, 1, 1),
        derive_from={"statistic": "urban_consumption_per_capita", "ratio": "0.30"},
        reason="按规划测算",
    )
    resolved = selectors.standard_in_force(
        "dibao_urban", "standard", seeded["420802001"], dt.date(2018, 1, 1)
    )
    assert resolved.value is None and resolved.derivation["error"] == "statistic_missing"


def test_zone_override_and_township_override(seeded, users):
    zhanghe_town, shuangxi, longquan = seeded["420802102"], seeded["420804004"], seeded["420802001"]
    d = dt.date(2016, 7, 1)
    _set(
        users["city_section"],
        "dibao_urban",
        "standard",
        seeded["4208Z1"],
        d,
        value=fen(500),
        reason="漳河新区提标",
    )
    assert value("dibao_urban", "standard", zhanghe_town, d) == "500.00"
    assert value("dibao_urban", "standard", shuangxi, d) == "500.00"  # a member in another county
    assert value("dibao_urban", "standard", longquan, d) == "480.00"  # not a member
    assert value("dibao_urban", "standard", zhanghe_town, d - dt.timedelta(days=1)) == "480.00"
    # An explicit township row overrides the zone.
    _set(
        users["city_section"],
        "dibao_urban",
        "standard",
        zhanghe_town,
        d,
        value=fen(520),
        reason="漳河镇单列",
    )
    assert value("dibao_urban", "standard", zhanghe_town, d) == "520.00"
    assert value("dibao_urban", "standard", shuangxi, d) == "500.00"


def test_change_is_appended_with_who_and_why(seeded, users):
    city_section = users["city_section"]
    zhongxiang_county, town = Region.objects.get(code="420881"), seeded["420881001"]
    d = dt.date(2017, 1, 1)
    first = _set(
        city_section,
        "dibao_urban",
        "standard",
        zhongxiang_county,
        d,
        value=fen(430),
        reason="2017年提标",
    )
    second = _set(
        city_section,
        "dibao_urban",
        "standard",
        zhongxiang_county,
        d,
        value=fen(440),
        reason="更正：应为440元",
    )
    assert (first.version, second.version) == (1, 2)
    assert value("dibao_urban", "standard", town, d) == "440.00"  # the correction supersedes
    assert (
        value("dibao_urban", "standard", town, dt.date(2016, 12, 31)) == "400.00"
    )  # earlier figure still readable
    history = list(selectors.standard_history("dibao_urban", "standard", zhongxiang_county))
    assert [(s.value, s.reason, s.set_by_name) for s in history[:3]] == [
        (44000, "更正：应为440元", "city_section"),
        (43000, "2017年提标", "city_section"),
        (40000, history[2].reason, "system"),
    ]
    event = AuditEvent.objects.filter(
        object_type="assistance.standard", object_id=str(second.pk)
    ).get()
    assert event.actor_name == "city_section" and event.note == "更正：应为440元"
    assert event.after["value"] == 44000 and event.before["value"] == 43000
    assert second.set_by == city_section


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"value": fen(500), "reason": "  "}, "reason"),
        ({"reason": "x"}, "value"),  # neither value nor derivation
        (
            {
                "value": fen(500),
                "derive_from": {"statistic": "urban_consumption_per_capita", "ratio": "0.3"},
                "reason": "x",
            },
            "value",
        ),
        ({"value": -1, "reason": "x"}, "value"),
        ({"value": "480", "reason": "x"}, "value"),  # money is given in fen to the service
        (
            {"derive_from": {"statistic": "nonsense", "ratio": "0.3"}, "reason": "x"},
            "derive_from.statistic",
        ),
        (
            {
                "derive_from": {"statistic": "urban_consumption_per_capita", "ratio": "-1"},
                "reason": "x",
            },
            "derive_from.ratio",
        ),
        (
            {
                "derive_from": {"programme": "dibao_urban", "key": "standard", "factor": "1.1"},
                "reason": "x",
            },
            "derive_from.key",
        ),
    ],
)
def test_set_standard_validation(seeded, users, kwargs, field):
    with pytest.raises(ServiceError) as exc:
        _set(
            users["city_section"],
            "dibao_urban",
            "standard",
            seeded["420800"],
            dt.date(2017, 1, 1),
            **kwargs,
        )
    assert field in exc.value.errors


def test_set_standard_key_and_types(seeded, users):
    city = seeded["420800"]
    with pytest.raises(ServiceError) as exc:
        _set(
            users["city_section"],
            "dibao_urban",
            "no_such_key",
            city,
            dt.date(2017, 1, 1),
            value=1,
            reason="x",
        )
    assert "key" in exc.value.errors
    with pytest.raises(ServiceError):
        _set(
            users["city_section"],
            "dibao_urban",
            "income_excluded_types",
            city,
            dt.date(2017, 1, 1),
            value=["salary"],
            reason="x",
        )
    with pytest.raises(ServiceError):  # a ratio cannot be derived
        _set(
            users["city_section"],
            "medical",
            "ratio_key",
            city,
            dt.date(2017, 1, 1),
            derive_from={"statistic": "urban_consumption_per_capita", "ratio": "0.3"},
            reason="x",
        )
    ok = _set(
        users["city_section"],
        "medical",
        "ratio_key",
        city,
        dt.date(2017, 1, 1),
        value="0.75",
        reason="提高比例",
    )
    assert ok.value == "0.75"


@pytest.mark.parametrize("username", ["dongbao_clerk", "dongbao_approver", "leader"])
def test_only_city_section_and_admin_set_standards(seeded, users, username):
    with pytest.raises(PermissionDeniedError):
        _set(
            users[username],
            "dibao_urban",
            "standard",
            seeded["420802"],
            dt.date(2017, 1, 1),
            value=fen(500),
            reason="x",
        )


def test_admin_sets_and_city_section_cannot_reach_outside_its_region(seeded, users, jingmen):
    _set(
        users["admin"],
        "dibao_urban",
        "standard",
        seeded["420802"],
        dt.date(2017, 1, 1),
        value=fen(500),
        reason="管理员调整",
    )
    county_section = make_user("county_section", Role.CITY_SECTION, seeded["420802"])
    with pytest.raises(ServiceError) as exc:
        _set(
            county_section,
            "dibao_urban",
            "standard",
            seeded["420821"],
            dt.date(2017, 1, 1),
            value=fen(500),
            reason="x",
        )
    assert "region" in exc.value.errors


def test_derivation_cycle_is_detected(seeded, users):
    # tekun.basic_living_urban = 1.3 × dibao_urban.standard (seeded); make 钟祥's 低保 depend on it.
    _set(
        users["city_section"],
        "dibao_urban",
        "standard",
        Region.objects.get(code="420881"),
        dt.date(2017, 1, 1),
        derive_from={"programme": "tekun", "key": "basic_living_urban", "factor": "0.5"},
        reason="测试",
    )
    resolved = selectors.standard_in_force(
        "dibao_urban", "standard", seeded["420881001"], dt.date(2017, 1, 1)
    )
    assert resolved.value is None and resolved.derivation["error"] == "cycle"


def test_bulk_table_matches_single_resolution_in_three_queries(seeded, django_assert_num_queries):
    _set(
        None,
        "dibao_urban",
        "standard",
        seeded["4208Z1"],
        dt.date(2016, 3, 1),
        value=fen(490),
        reason="测试",
    )
    with django_assert_num_queries(3):
        table = selectors.standards_table(ON)
    regions = list(Region.objects.all())
    with django_assert_num_queries(0):
        resolved = {r.code: table.for_region(r) for r in regions}
    for code in ["420802001", "420802102", "420821451", "420881001", "420802100200"]:
        single = selectors.all_standards_in_force(Region.objects.get(code=code), ON)
        assert {p: {k: v.value for k, v in keys.items()} for p, keys in single.items()} == {
            p: {k: v.value for k, v in keys.items()} for p, keys in resolved[code].items()
        }
    assert yuan_str(resolved["420802102"]["dibao_urban"]["standard"].value) == "490.00"
    assert (
        yuan_str(resolved["420802102"]["tekun"]["basic_living_urban"].value) == "637.00"
    )  # 1.3 × 490
    # One standard at a time, on a fresh table, gives what the region's full set gives.
    alone = selectors.standards_table(ON)
    pairs = {(p, k) for keys in resolved.values() for p in keys for k in keys[p]}
    assert ("tekun", "basic_living_urban") in pairs
    for region in regions:
        for programme, key in sorted(pairs | {("no_such_programme", "standard")}):
            expected = resolved[region.code].get(programme, {}).get(key)
            assert alone.standard(region.path, programme, key) == expected, (region.code, key)


def test_load_standards_command(jingmen):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("load_standards", stdout=out)
    assert Standard.objects.filter(programme__code="dibao_urban", key="standard").count() == 6
    call_command("load_standards", stdout=out)  # idempotent
    assert Standard.objects.filter(programme__code="dibao_urban", key="standard").count() == 6
    assert (
        AuditEvent.objects.filter(
            action="import", object_type="assistance.standard", channel="cli"
        ).count()
        == 1
    )

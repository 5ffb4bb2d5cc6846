"""Elderly-care indicators against a hand-built small city, directly and through the target
snapshot computation (derived beds per 1,000 elderly)."""

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.eldercare import indicators, services
from minzheng.regions.models import Region
from tests.fixtures.eldercare import elder

D = dt.date


@pytest.fixture
def city(jingmen, users):
    admin = users["admin"]
    longquan, lixi = jingmen["longquan"], Region.objects.get(code="420802100")

    def institution(name, kind, region, beds, opened, closed=None):
        i = services.register_institution(
            user=admin, name=name, kind=kind, region=region, beds=beds, opened_on=opened
        )
        if closed:
            services.update_institution(user=admin, institution=i, reason="停用", closed_on=closed)
        return i

    public = institution("市社会福利中心", "public", longquan, 100, D(2015, 6, 1))
    institution("郢中民办养老院", "private", jingmen["yingzhong"], 50, D(2016, 3, 1))
    home = institution("栗溪镇福利院", "township_home", lixi, 40, D(2010, 1, 1))
    centre = institution(
        "龙泉社区居家养老服务中心",
        "community_centre",
        jingmen["longquan_community"],
        10,
        D(2016, 4, 1),
    )
    institution("栗溪村互助照料中心", "rural_centre", jingmen["lixi_village"], 5, D(2016, 5, 1))
    institution(
        "栗溪村旧互助点",
        "rural_centre",
        jingmen["lixi_village"],
        8,
        D(2015, 5, 1),
        closed=D(2016, 3, 1),
    )
    services.record_health_agreement(
        user=admin,
        institution=public,
        medical_name="市第一医院",
        medical_kind="hospital",
        signed_on=D(2015, 7, 1),
    )
    services.record_health_agreement(
        user=admin,
        institution=home,
        medical_name="栗溪镇卫生院",
        medical_kind="township_health_centre",
        signed_on=D(2016, 2, 1),
        ended_on=D(2016, 9, 1),
    )
    services.record_health_agreement(
        user=admin,
        institution=centre,
        medical_name="龙泉社区卫生服务站",
        medical_kind="community_clinic",
        signed_on=D(2016, 4, 1),
    )
    services.register_association(
        user=admin,
        region=jingmen["longquan_community"],
        name="龙泉社区老年协会",
        founded_on=D(2015, 1, 1),
    )
    services.register_association(
        user=admin, region=jingmen["lixi_village"], name="栗溪村老年协会", founded_on=D(2016, 7, 1)
    )
    gone = services.register_association(
        user=admin,
        region=jingmen["yingzhong_community"],
        name="郢中社区老年协会",
        founded_on=D(2014, 1, 1),
    )
    services.dissolve_association(
        user=admin, association=gone, dissolved_on=D(2016, 1, 1), reason="合并"
    )
    return jingmen


def _regions():
    return list(Region.objects.exclude(level="province").prefetch_related("members"))


def test_beds_and_new_centres(city):
    values = indicators.facilities(_regions(), D(2016, 6, 30))
    beds = values["elderly_care_beds"]
    # 100 + 50 + 40 + 10 + 5 (the closed centre's 8 are gone).
    assert (
        beds["420800"],
        beds["420802"],
        beds["420881"],
        beds["420802001"],
        beds["420802100"],
    ) == (205, 155, 50, 110, 45)
    assert (
        values["new_urban_home_care_centres"]["420800"] == 1
        and values["new_urban_home_care_centres"]["420881"] == 0
    )
    assert (
        values["new_rural_mutual_aid_centres"]["420802"] == 1
    )  # the 2015 one does not count in 2016
    # Before anything of 2016 opened.
    assert (
        indicators.facilities(_regions(), D(2015, 12, 31))["elderly_care_beds"]["420800"]
        == 100 + 40 + 8
    )


def test_association_coverage(city):
    on_june = indicators.associations(_regions(), D(2016, 6, 30))
    assert on_june["communities_with_elderly_assoc"]["420800"] == 1  # 郢中's was dissolved
    assert on_june["villages_with_elderly_assoc"]["420800"] == 0  # 栗溪村's founded in July
    assert (
        indicators.associations(_regions(), D(2016, 7, 1))["villages_with_elderly_assoc"][
            "420802100"
        ]
        == 1
    )


def test_health_link_shares(city):
    june = indicators.health_links(_regions(), D(2016, 6, 30))
    assert june["health_link_urban_institutions"]["420800"] == Decimal(
        50
    )  # public linked, private not
    assert june["health_link_urban_institutions"]["420802"] == Decimal(100)
    assert june["health_link_urban_institutions"]["420881"] == Decimal(0)
    assert june["health_link_township_homes"]["420802"] == Decimal(100)
    assert "420881" not in june["health_link_township_homes"]  # no township home there: no value
    assert june["health_link_community_centres"]["420800"] == Decimal(100)
    assert june["health_link_rural_centres"]["420802"] == Decimal(0)
    october = indicators.health_links(_regions(), D(2016, 10, 1))
    assert october["health_link_township_homes"]["420802"] == Decimal(
        0
    )  # the agreement ended in September


def test_snapshot_derives_beds_per_thousand(city, users):
    from minzheng.targets import indicators as registry
    from minzheng.targets.refresh import compute_values, snapshot_regions

    for code in (
        "elderly_care_beds",
        "health_link_township_homes",
        "villages_with_elderly_assoc",
        "new_urban_home_care_centres",
    ):
        assert registry.get(code).kind == "computed"
    for n in range(4):
        elder(
            users["dongbao_clerk"],
            city["longquan_community"],
            f"老人{n}",
            D(1940, 1, 1 + n),
            household=False,
        )
    values = compute_values(snapshot_regions(), D(2016, 6, 30))
    # 东宝: 155 beds for 4 people aged 60+ → 38,750 per 1,000.
    assert values["beds_per_1000_elderly"]["420802"].value == Decimal(155) / 4 * 1000
    assert values["elderly_assoc_coverage_urban"]["420802"].value == Decimal(
        100
    )  # 1 of 1 urban community in 东宝

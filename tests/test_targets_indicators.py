"""Computed indicators against a hand-built small city with answers worked out by hand.

The city (snapshot date 2016-06-30):

  东宝区 420802
    龙泉街道 420802001
      龙泉社区 420802001001 (urban)   alive on the date, by birth date:
        1950-01-01 (66)  1956-06-30 (60 that day)  1956-07-01 (59)  1936-06-30 (80 that day)
        1990-05-05 (26)  1930-01-01 (86, dies 2016-08-01, after the date)
        not counted: 1940-01-01 died 2016-03-01 (a death this year), 1945-01-01 died 2015-12-31,
        2016-09-01 (not yet born)
      registered at the street itself (no village): 1950-03-03
    栗溪镇 420802100
      栗溪村 420802100200 (rural): 1940-02-02, 2000-01-01, 1970-01-01
    漳河镇 420802102 (member of the zone 漳河新区 4208Z1), at the township itself: 1940-04-04
  钟祥市 420881
    郢中街道 420881001
      郢中社区 420881001001 (urban): 1935-01-01, 1985-01-01

  people   60+  80+  community  deaths this year
  龙泉社区      6    4    2     6          1
  龙泉街道      7    5    2     6          1
  栗溪镇        3    1    0     0          0
  漳河新区      1    1    0     0          0
  东宝区       11    7    2     6          1
  钟祥市        2    1    1     2          0
  荆门市       13    8    3     8          1     share 60+: 8 / 13 = 61.5385 %
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest

from minzheng.regions.models import Region
from minzheng.regions.services import DIVISIONS_CSV
from minzheng.targets import indicators, refresh
from minzheng.targets.models import IndicatorValue, ReportedValue
from tests.fixtures.targets import approved, build_small_city, person

D = dt.date
ON = D(2016, 6, 30)

pytestmark = pytest.mark.usefixtures("pinned_reported")


@pytest.fixture
def city(jingmen):
    return build_small_city(jingmen)


def values_on(on_date):
    regions = refresh.snapshot_regions()
    return refresh.compute_values(regions, on_date)


def value(values, code, region_code):
    cell = values.get(code, {}).get(region_code)
    return cell.value if cell else None


POPULATION = [
    # region, people, 60+, 80+, community, deaths this year
    ("420802001001", 6, 4, 2, 6, 1),
    ("420802001", 7, 5, 2, 6, 1),
    ("420802100", 3, 1, 0, 0, 0),
    ("4208Z1", 1, 1, 0, 0, 0),
    ("420802", 11, 7, 2, 6, 1),
    ("420881", 2, 1, 1, 2, 0),
    ("420800", 13, 8, 3, 8, 1),
]


@pytest.mark.parametrize("code,total,aged60,aged80,community,deaths", POPULATION)
def test_population_indicators_by_region(city, code, total, aged60, aged80, community, deaths):
    values = values_on(ON)
    assert value(values, "pop_total", code) == total
    assert value(values, "pop_60_plus", code) == aged60
    assert value(values, "pop_80_plus", code) == aged80
    assert value(values, "pop_community", code) == community
    assert value(values, "deaths_ytd", code) == deaths


def test_ageing_share_is_a_ratio_of_the_rolled_up_counts(city):
    values = values_on(ON)
    assert value(values, "share_60_plus", "420800").quantize(Decimal("0.0001")) == Decimal(
        "61.5385"
    )
    assert value(values, "share_60_plus", "420802001") == Decimal(5) / Decimal(7) * 100
    # A region with no registered people has no ratio (never a division by zero).
    assert "420804" not in values["share_60_plus"]


def test_ages_move_with_the_snapshot_date(city):
    """A day earlier, the two born on 30 June are not yet 60 and 80."""
    values = values_on(D(2016, 6, 29))
    assert value(values, "pop_60_plus", "420802001001") == 3
    assert value(values, "pop_80_plus", "420802001001") == 1
    # The one who died on 2016-03-01 was alive at the end of February; a year is counted from 1 January.
    values = values_on(D(2016, 2, 29))
    assert value(values, "pop_total", "420802001001") == 7
    assert value(values, "deaths_ytd", "420802001001") == 0


def test_units_from_the_region_tree(city):
    with open(DIVISIONS_CSV, encoding="utf-8") as fh:
        townships = sum(1 for row in csv.DictReader(fh) if row["level"] == "township")
    values = values_on(ON)
    assert (
        value(values, "units_counties", "420800") == 5
    )  # 东宝 掇刀 京山 沙洋 钟祥; the zones are not counties
    assert value(values, "units_townships", "420800") == townships
    assert value(values, "units_communities", "420800") == 2
    assert value(values, "units_communities", "420802") == 1
    assert value(values, "units_villages", "420802") == 1
    assert value(values, "units_villages", "420881") == 0


def test_population_is_one_aggregate_query_for_all_regions(city, django_assert_num_queries):
    regions = refresh.snapshot_regions()
    with django_assert_num_queries(1):
        result = indicators.population(regions, ON)
    assert len(result["pop_total"]) == len(regions)


def test_beds_per_thousand_elderly_from_reported_beds_and_the_registry(city, jingmen):
    """东宝 reports 12 beds at the end of 2015 and 14 at the end of May; 钟祥 reports nothing yet,
    and a report still waiting for approval does not count."""
    dongbao, zhongxiang = jingmen["dongbao"], jingmen["zhongxiang"]
    approved("elderly_care_beds", dongbao, D(2015, 12, 31), 12)
    approved("elderly_care_beds", dongbao, D(2016, 5, 31), 14)
    approved(
        "elderly_care_beds", dongbao, D(2016, 6, 15), 99, status=ReportedValue.Status.SUBMITTED
    )
    values = values_on(ON)
    assert value(values, "elderly_care_beds", "420802") == 14
    assert (
        value(values, "beds_per_1000_elderly", "420802") == Decimal(14) / Decimal(7) * 1000
    )  # 2000
    city_beds = values["elderly_care_beds"]["420800"]
    assert (city_beds.value, city_beds.source, city_beds.complete) == (14, "rolled_up", False)
    assert value(values, "beds_per_1000_elderly", "420800") == Decimal(1750)
    assert values["beds_per_1000_elderly"]["420800"].complete is False
    # Beds are a stock: the 2015 figure still stands in March, when the one born on 1956-06-30 is
    # not yet 60: 12 beds for 6 elderly.
    assert value(values_on(D(2016, 3, 31)), "beds_per_1000_elderly", "420802") == 2000
    approved("elderly_care_beds", zhongxiang, D(2016, 6, 30), 6)
    assert (
        value(values_on(ON), "beds_per_1000_elderly", "420800") == Decimal(20) / Decimal(8) * 1000
    )  # 2500


def test_volunteer_rate_is_volunteers_over_community_population(city, jingmen):
    approved("registered_volunteers", jingmen["longquan"], D(2016, 6, 30), 3)
    values = values_on(ON)
    assert value(values, "volunteer_registration_rate", "420802001") == 50  # 3 of 6
    assert value(values, "volunteer_registration_rate", "420802") == 50  # rolled up: 3 of 6
    assert value(values, "volunteer_registration_rate", "420800") == Decimal("37.5")  # 3 of 8


def test_cremation_rate_uses_the_registry_deaths(city, jingmen):
    approved("cremations_ytd", jingmen["city"], D(2016, 6, 30), 1)
    assert value(values_on(ON), "cremation_rate", "420800") == 100


def test_reported_rates_roll_up_as_sums_of_numerators_and_denominators(city, jingmen):
    approved(
        "social_org_inspection_rate",
        jingmen["dongbao"],
        D(2016, 5, 31),
        numerator=9,
        denominator=10,
    )
    approved(
        "social_org_inspection_rate",
        jingmen["zhongxiang"],
        D(2016, 5, 31),
        numerator=15,
        denominator=20,
    )
    values = values_on(ON)
    assert value(values, "social_org_inspection_rate", "420802") == 90
    assert value(values, "social_org_inspection_rate", "420881") == 75
    assert (
        value(values, "social_org_inspection_rate", "420800") == 80
    )  # 24 of 30, not the mean 82.5


def test_a_rate_reported_without_its_parts_does_not_roll_up(city, jingmen):
    approved("public_satisfaction", jingmen["dongbao"], D(2016, 5, 31), 97)
    values = values_on(ON)
    assert value(values, "public_satisfaction", "420802") == 97
    assert value(values, "public_satisfaction", "420800") is None


def test_flows_start_again_each_year_and_own_reports_win_over_roll_ups(city, jingmen):
    approved("new_social_orgs", jingmen["dongbao"], D(2015, 12, 31), 50)
    approved("new_social_orgs", jingmen["dongbao"], D(2016, 3, 31), 10)
    approved("new_social_orgs", jingmen["zhongxiang"], D(2016, 3, 31), 4)
    assert (
        value(values_on(D(2016, 2, 29)), "new_social_orgs", "420802") is None
    )  # the 2015 count is last year's
    values = values_on(ON)
    assert value(values, "new_social_orgs", "420802") == 10
    assert value(values, "new_social_orgs", "420800") == 14
    approved(
        "new_social_orgs", jingmen["city"], D(2016, 4, 30), 21
    )  # the city's own figure includes city-level bodies
    assert value(values_on(ON), "new_social_orgs", "420800") == 21


def test_zone_sums_its_member_units(city):
    approved("charity_donations", Region.objects.get(code="420802102"), D(2016, 6, 30), 7)
    approved("charity_donations", Region.objects.get(code="420804004"), D(2016, 6, 30), 5)
    values = values_on(ON)
    assert value(values, "charity_donations", "4208Z1") == 12
    assert value(values, "charity_donations", "420802") == 7
    assert value(values, "charity_donations", "420800") == 12


def test_refresh_writes_the_snapshot_and_replaces_it_when_run_again(city):
    first = refresh.refresh(on_date=ON, plans=[])
    stored = dict(
        IndicatorValue.objects.filter(on_date=ON, indicator="pop_60_plus").values_list(
            "region__code", "value"
        )
    )
    assert stored["420800"] == 8 and stored["420802"] == 7 and stored["4208Z1"] == 1
    person(Region.objects.get(code="420881001001"), D(1940, 1, 1))
    second = refresh.refresh(on_date=ON, plans=[])
    assert second["values"] == first["values"]
    assert (
        IndicatorValue.objects.get(on_date=ON, indicator="pop_60_plus", region__code="420800").value
        == 9
    )


def test_every_plan_indicator_is_defined_with_a_definition():
    for indicator in indicators.all_indicators():
        assert str(indicator.name) and str(indicator.definition) and str(indicator.unit), (
            indicator.code
        )
        if indicator.ratio:
            assert indicators.exists(indicator.ratio[0]) and indicators.exists(indicator.ratio[1])


def test_a_registered_compute_function_turns_a_reported_indicator_into_a_computed_one(
    city, jingmen
):
    """How a later module plugs in: the target keeps its indicator code, the value source changes."""
    code = "placename_records"
    assert indicators.get(code).kind == "reported"
    approved(code, jingmen["city"], D(2016, 6, 30), 111)

    def count_records(regions, on_date):
        return {r.code: Decimal(1234) for r in regions if r.code == "420800"}

    indicators.computes(code)(count_records)
    try:
        assert indicators.get(code).kind == "computed"
        cell = values_on(ON)[code]["420800"]
        assert (cell.value, cell.source) == (1234, "computed")
    finally:
        indicators._COMPUTE.pop(code)
    assert indicators.get(code).kind == "reported"
    assert value(values_on(ON), code, "420800") == 111


def test_minimum_living_standards_against_last_years_consumption(city, jingmen):
    """The plan's rule: urban 低保 ≥ 30 % and rural ≥ 40 % of last year's per-capita consumption,
    五保 ≥ 80 % of the rural figure. Hubei's 2015 consumption: urban 18,192, rural 9,803 yuan.
    The city sets 480 yuan a month (urban), 钟祥 its own 400; rural 2,800 a year; 五保 derived as
    80 % of last year's rural consumption: 7,842.40 yuan."""
    from minzheng.assistance.models import Programme, Standard, Statistic

    province = Region.objects.get(code="420000")
    for key, value in [
        ("urban_consumption_per_capita", "18192"),
        ("rural_consumption_per_capita", "9803"),
    ]:
        Statistic.objects.create(
            key=key, region=province, year=2015, value=Decimal(value), source="湖北统计年鉴"
        )
    programmes = {
        code: Programme.objects.get_or_create(
            code=code, defaults={"name": code, "kind": "monthly"}
        )[0]
        for code in ("dibao_urban", "dibao_rural", "tekun")
    }

    def standard(programme, key, region, **fields):
        Standard.objects.create(
            programme=programmes[programme],
            key=key,
            region=region,
            effective_from=D(2016, 1, 1),
            set_by_name="test",
            reason="test",
            **fields,
        )

    standard("dibao_urban", "standard", jingmen["city"], value=48000)
    standard("dibao_urban", "standard", jingmen["zhongxiang"], value=40000)
    standard("dibao_rural", "standard", jingmen["city"], value=280000)
    standard(
        "tekun",
        "basic_living_rural",
        jingmen["city"],
        derive_kind="statistic",
        statistic_key="rural_consumption_per_capita",
        ratio=Decimal("0.8"),
    )
    assert indicators.get("dibao_urban_standard_ratio").kind == "computed"
    values = values_on(ON)
    urban = values["dibao_urban_standard_ratio"]
    assert urban["420800"].value.quantize(Decimal("0.0001")) == Decimal("31.6623")  # 5,760 / 18,192
    assert urban["420802"].value == urban["420800"].value  # 东宝 follows the city
    assert urban["420881"].value.quantize(Decimal("0.0001")) == Decimal("26.3852")  # 4,800 / 18,192
    assert urban["420881001"].value == urban["420881"].value
    assert "420881001001" not in urban  # standards are not assessed village by village
    assert values["dibao_rural_standard_ratio"]["420800"].value.quantize(
        Decimal("0.0001")
    ) == Decimal("28.5627")  # 2,800 / 9,803
    assert values["wubao_standard_ratio"]["420800"].value == 80
    # Before the standards took effect there is nothing to compare.
    assert "420800" not in values_on(D(2015, 12, 31)).get("dibao_urban_standard_ratio", {})


def test_a_failing_compute_function_spoils_only_its_own_indicators(city):
    def broken(regions, on_date):
        raise RuntimeError("no such table: somewhere_institution")

    indicators.computes("lottery_sales")(broken)
    try:
        result = refresh.refresh(on_date=ON, plans=[])
    finally:
        indicators._COMPUTE.pop("lottery_sales")
    assert result["errors"] == ["lottery_sales: no such table: somewhere_institution"]
    assert (
        IndicatorValue.objects.get(on_date=ON, indicator="pop_total", region__code="420800").value
        == 13
    )

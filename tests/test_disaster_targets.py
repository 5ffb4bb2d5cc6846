"""The plan's disaster targets computed by the platform, on records whose figures are worked by
hand below, and the reporting deadlines (calendar time) table by table."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from minzheng.disaster import deadlines, indicators
from minzheng.disaster.models import (
    AffectedHousehold,
    DisasterEvent,
    Drill,
    ModelCommunityAssessment,
    ReliefDecision,
    RescueTeam,
    TeamMember,
    TrainingResult,
    TrainingSession,
)
from minzheng.payments.models import OneOffPayable
from minzheng.regions.models import Region
from minzheng.targets import indicators as registry

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=SH)


# ---------------------------------------------------------------- deadlines (no database)

# (started, ended, now) -> [(kind, covers_on, due)] expected, and the overdue ones
DEADLINE_CASES = [
    (
        # started 22:30 on 1 July: 初报 due 00:30 on 2 July; 续报 from 2 July, each due at midnight
        at(2016, 7, 1, 22, 30),
        None,
        at(2016, 7, 3, 10, 0),
        [
            ("initial", dt.date(2016, 7, 1), at(2016, 7, 2, 0, 30)),
            ("continuing", dt.date(2016, 7, 2), at(2016, 7, 3)),
            ("continuing", dt.date(2016, 7, 3), at(2016, 7, 4)),
        ],
        ["initial", "continuing 2016-07-02"],
    ),
    (
        # ended on 4 July 18:00: 续报 up to 4 July, 核报 due 9 July 18:00 (5 × 24 h)
        at(2016, 7, 1, 8, 0),
        at(2016, 7, 4, 18, 0),
        at(2016, 7, 9, 18, 1),
        [
            ("initial", dt.date(2016, 7, 1), at(2016, 7, 1, 10, 0)),
            ("continuing", dt.date(2016, 7, 2), at(2016, 7, 3)),
            ("continuing", dt.date(2016, 7, 3), at(2016, 7, 4)),
            ("continuing", dt.date(2016, 7, 4), at(2016, 7, 5)),
            ("verified", dt.date(2016, 7, 4), at(2016, 7, 9, 18, 0)),
        ],
        [
            "initial",
            "continuing 2016-07-02",
            "continuing 2016-07-03",
            "continuing 2016-07-04",
            "verified",
        ],
    ),
    (
        # one hour in, nothing is due yet
        at(2016, 7, 1, 8, 0),
        None,
        at(2016, 7, 1, 9, 0),
        [("initial", dt.date(2016, 7, 1), at(2016, 7, 1, 10, 0))],
        [],
    ),
]


@pytest.mark.parametrize("started,ended,now,expected,overdue", DEADLINE_CASES)
def test_reporting_deadlines(started, ended, now, expected, overdue, settings):
    event = SimpleNamespace(started_at=started, ended_at=ended)
    found = deadlines.expected_reports(event, now=now)
    assert [(e.kind, e.covers_on, e.due_at) for e in found] == expected
    made = set()
    late = deadlines.overdue_reports(event, made, now=now)
    assert [e.kind if e.kind != "continuing" else f"continuing {e.covers_on}" for e in late] == (
        overdue
    )
    # once made (even late) a report is no longer overdue
    made = {(e.kind, e.covers_on) for e in found}
    assert deadlines.overdue_reports(event, made, now=now) == []


# ---------------------------------------------------------------- targets


@pytest.fixture
def regions(jingmen):
    return list(Region.objects.prefetch_related("members"))


def _values(func, regions, on):
    values = func(regions, on)
    return {code: values.get(code) for code in ("420802", "420881", "420800")}


def test_relief_fund_violations(jingmen, users, people, regions):
    """Payables of disaster relief decided in 2016 up to 31 Dec: (a) approved 1,000.00 paid
    1,000.00 — fine; (b) approved 1,000.00 paid 1,500.00 — violation; (c) decision still proposed
    — violation; (d) no decision at all — violation; (e) decided in 2015 — not this year's;
    (f) in 钟祥市, approved 800.00 paid 800.00 — fine. 东宝区 3, 钟祥市 0, the city 3."""
    event = DisasterEvent.objects.create(
        name="洪涝", disaster_type="flood", county=jingmen["dongbao"], started_at=at(2016, 7, 1)
    )
    hh_d, hh_z = people["hh_dongbao"], people["hh_zhongxiang"]
    affected_d = AffectedHousehold.objects.create(event=event, household=hh_d, region=hh_d.region)
    affected_z = AffectedHousehold.objects.create(event=event, household=hh_z, region=hh_z.region)

    def decision(affected, kind, status, amount):
        return ReliefDecision.objects.create(
            affected=affected,
            kind=kind,
            form="cash",
            amount_fen=amount,
            status=status,
            region=affected.region,
        )

    a = decision(affected_d, "emergency", "approved", 100_000)
    b = decision(affected_d, "transitional", "approved", 100_000)
    c = decision(affected_d, "winter_spring", "proposed", 50_000)
    e = decision(affected_d, "rebuild", "approved", 70_000)
    f = decision(affected_z, "emergency", "approved", 80_000)
    rows = [
        (a.pk, 100_000, hh_d, dt.date(2016, 7, 5)),
        (b.pk, 150_000, hh_d, dt.date(2016, 7, 5)),
        (c.pk, 50_000, hh_d, dt.date(2016, 8, 1)),
        (999_999, 20_000, hh_d, dt.date(2016, 9, 1)),
        (e.pk, 90_000, hh_d, dt.date(2015, 12, 31)),
        (f.pk, 80_000, hh_z, dt.date(2016, 7, 5)),
    ]
    for source, amount, household, decided in rows:
        OneOffPayable.objects.create(
            source_kind="disaster_relief",
            source_id=source,
            programme="disaster_relief",
            household=household,
            region=household.region,
            amount_fen=amount,
            decided_on=decided,
        )
    on = dt.date(2016, 12, 31)
    assert _values(indicators.relief_fund_violations, regions, on) == {
        "420802": Decimal(3),
        "420881": Decimal(0),
        "420800": Decimal(3),
    }
    # on 1 August the third and fourth were not decided yet: only (b)
    assert _values(indicators.relief_fund_violations, regions, dt.date(2016, 7, 31))["420802"] == 1


def test_rescue_training_pass_rate(jingmen, users, people, regions):
    """东宝区: members 1–3, March: 1 pass, 2 fail, 3 pass; June: 2 pass, 3 fail. Latest results
    1 pass, 2 pass, 3 fail: 2/3 = 66.67 %. 钟祥市: member 4 fails in March; member 5 trained only
    in 2015 (not counted): 0/1 = 0 %. The city: 2/4 = 50 %."""
    dongbao = RescueTeam.objects.create(name="东宝区救灾应急分队", county=jingmen["dongbao"])
    zhongxiang = RescueTeam.objects.create(name="钟祥市救灾应急分队", county=jingmen["zhongxiang"])
    joined = dt.date(2015, 1, 1)

    def member(team, person=None, account=None):
        return TeamMember.objects.create(
            team=team, person=person, account=account, joined_on=joined
        )

    m1 = member(dongbao, person=people["zhang"])
    m2 = member(dongbao, person=people["li"])
    m3 = member(dongbao, account=users["dongbao_clerk"])
    m4 = member(zhongxiang, person=people["wang"])
    m5 = member(zhongxiang, account=users["zhongxiang_clerk"])

    def session(team, held_on, results):
        s = TrainingSession.objects.create(team=team, held_on=held_on, subject="培训")
        for m, passed in results:
            TrainingResult.objects.create(session=s, member=m, passed=passed)

    session(dongbao, dt.date(2016, 3, 1), [(m1, True), (m2, False), (m3, True)])
    session(dongbao, dt.date(2016, 6, 1), [(m2, True), (m3, False)])
    session(zhongxiang, dt.date(2016, 3, 2), [(m4, False)])
    session(zhongxiang, dt.date(2015, 5, 1), [(m5, True)])
    values = _values(indicators.rescue_training_pass_rate, regions, dt.date(2016, 12, 31))
    assert round(values["420802"], 2) == Decimal("66.67")
    assert values["420881"] == 0 and values["420800"] == 50
    # on 31 May the June session has not happened: m1 pass, m2 fail, m3 pass -> 2/3
    may = _values(indicators.rescue_training_pass_rate, regions, dt.date(2016, 5, 31))
    assert round(may["420802"], 2) == Decimal("66.67") and may["420800"] == 50


def test_counties_with_a_standard_drill(jingmen, regions):
    """东宝区 drilled to standard in May 2016; 钟祥市 drilled below standard; 掇刀区 met the
    standard in 2015, before the plan: the city has 1 county (and 2 by 2018 when 钟祥市 meets it
    in 2018). The rate 3.4/3.5 divides by the counties of the region tree."""
    duodao = Region.objects.get(code="420804")
    Drill.objects.create(
        county=jingmen["dongbao"],
        held_on=dt.date(2016, 5, 12),
        title="防汛演练",
        meets_standard=True,
    )
    Drill.objects.create(
        county=jingmen["zhongxiang"],
        held_on=dt.date(2016, 6, 1),
        title="演练",
        meets_standard=False,
    )
    Drill.objects.create(
        county=duodao, held_on=dt.date(2015, 6, 1), title="演练", meets_standard=True
    )
    Drill.objects.create(
        county=jingmen["zhongxiang"], held_on=dt.date(2018, 4, 1), title="演练", meets_standard=True
    )
    values = _values(indicators.counties_drill_passed, regions, dt.date(2016, 12, 31))
    assert values == {"420802": 1, "420881": 0, "420800": 1}
    assert _values(indicators.counties_drill_passed, regions, dt.date(2018, 12, 31))["420800"] == 2
    assert registry.get("county_drill_rate").ratio == (
        "counties_drill_passed",
        "units_counties",
        100,
    )


def test_new_model_disaster_communities(jingmen, regions):
    """Named national or provincial in 2016: 龙泉社区 (provincial, and national too: once), not
    栗溪村 (city level) nor 郢中社区 (not named); 郢中社区's 2015 provincial title is last
    year's. 东宝区 1, 钟祥市 0, the city 1."""

    def assess(community, year, level, result):
        ModelCommunityAssessment.objects.create(
            community=jingmen[community],
            year=year,
            level=level,
            result=result,
            assessed_on=dt.date(year, 11, 1),
        )

    assess("longquan_community", 2016, "provincial", "named")
    assess("longquan_community", 2016, "national", "named")
    assess("lixi_village", 2016, "city", "named")
    assess("yingzhong_community", 2016, "national", "not_named")
    assess("yingzhong_community", 2015, "provincial", "named")
    values = _values(indicators.new_model_disaster_communities, regions, dt.date(2016, 12, 31))
    assert values == {"420802": 1, "420881": 0, "420800": 1}
    assert (
        _values(indicators.new_model_disaster_communities, regions, dt.date(2016, 10, 31))["420800"]
        == 0
    )


def test_the_disaster_indicators_are_computed_by_the_platform(db):
    for code in (
        "relief_fund_violations",
        "rescue_training_pass_rate",
        "counties_drill_passed",
        "new_model_disaster_communities",
    ):
        assert registry.get(code).kind == "computed", code
    assert registry.get("county_drill_rate").kind == "derived"

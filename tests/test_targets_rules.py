"""Assessment rules with hand-worked figures: pace, attainment, status, scores, ranks, report due
dates; cascading sums and rates; a target measured across its deadline; automatic supervision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.regions.models import Region
from minzheng.targets import calculations as calc
from minzheng.targets import refresh, services
from minzheng.targets.models import Evaluation, Plan, ReportedValue, SupervisionCase, UnitScore

D = dt.date
pytestmark = pytest.mark.usefixtures("pinned_reported")
Dec = Decimal


@pytest.mark.parametrize(
    "on,deadline,pace,expected",
    [
        # 2016 is a leap year: 1 Jan .. 30 Jun is 182 days, counted inclusively.
        (D(2016, 3, 31), D(2016, 6, 30), "linear", Dec("0.5")),  # 91 / 182
        (D(2016, 1, 1), D(2016, 6, 30), "linear", Dec("0.0055")),  # 1 / 182
        (D(2016, 4, 30), D(2016, 6, 30), "linear", Dec("0.6648")),  # 121 / 182
        (D(2016, 6, 30), D(2016, 6, 30), "linear", Dec("1")),
        (D(2016, 9, 1), D(2016, 6, 30), "linear", Dec("1")),
        (D(2015, 12, 31), D(2016, 6, 30), "linear", Dec("0")),
        (D(2016, 12, 31), D(2018, 12, 31), "linear", Dec("0.3339")),  # 366 / 1096
        (D(2016, 6, 29), D(2016, 6, 30), "milestone", Dec("0")),
        (D(2016, 6, 30), D(2016, 6, 30), "milestone", Dec("1")),
        (D(2016, 1, 5), D(2016, 12, 31), "immediate", Dec("1")),
    ],
)
def test_expected_attainment(on, deadline, pace, expected):
    assert (
        calc.expected_attainment(
            period_start=D(2016, 1, 1), deadline=deadline, on_date=on, pace=pace
        )
        == expected
    )


@pytest.mark.parametrize(
    "comparison,target,value,expected",
    [
        ("ge", "16000", "12000", "0.75"),
        ("ge", "31", "34.1", "1.1"),
        ("ge", "90", None, None),
        ("ge", "0", "0", "1"),
        ("le", "0", "0", "1"),
        ("le", "0", "2", "0"),
        ("le", "10", "8", "1"),
        ("le", "10", "12.5", "0.8"),
        ("eq", "30", "27", "0.9"),
        ("eq", "30", "33", "0.9"),
        ("eq", "30", "75", "0"),
    ],
)
def test_attainment(comparison, target, value, expected):
    result = calc.attainment(
        comparison=comparison, target=Dec(target), value=Dec(value) if value is not None else None
    )
    assert result == (Dec(expected) if expected is not None else None)


@pytest.mark.parametrize(
    "attained,expected,on,status",
    [
        (None, "0.5", D(2016, 3, 31), "no_data"),
        ("1", "0.5", D(2016, 3, 31), "met"),
        ("1.2", "1", D(2016, 9, 1), "met"),
        ("0.40", "0.5", D(2016, 3, 31), "on_track"),  # exactly at the tolerance: 0.5 − 0.1
        ("0.3999", "0.5", D(2016, 3, 31), "behind"),
        ("0.99", "1", D(2016, 6, 30), "on_track"),  # on the deadline day itself, not yet missed
        ("0.99", "1", D(2016, 7, 1), "missed"),
    ],
)
def test_status(attained, expected, on, status):
    assert (
        calc.status(
            attainment_value=Dec(attained) if attained is not None else None,
            expected=Dec(expected),
            on_date=on,
            deadline=D(2016, 6, 30),
            tolerance=Dec("0.1"),
        )
        == status
    )


@pytest.mark.parametrize(
    "items, score, scored",
    [
        # 100 × (2 × 0.75 + 1 × 1) / 3 = 83.33: the target without data is left out, not a zero
        ([(2, "0.75"), (1, None), (1, "1.5")], "83.33", 2),
        # 100 × (1 × 0.5 + 3 × 1) / 4 = 87.5
        ([(1, "0.5"), (3, "1")], "87.50", 2),
        # nothing known: no score, and nothing counted
        ([(1, None), (2, None)], "0", 0),
        ([], "0", 0),
    ],
)
def test_unit_score_counts_only_targets_with_data(items, score, scored):
    items = [calc.Scored(Dec(w), Dec(a) if a is not None else None) for w, a in items]
    assert (calc.unit_score(items), calc.scored_count(items)) == (Dec(score), scored)


@pytest.mark.parametrize(
    "value, plausible, status",
    [
        (Dec("7354.0166"), False, "anomaly"),  # beds per 1,000 elderly out of range: never 已完成
        (Dec("-1"), False, "anomaly"),
        (Dec("31.2"), True, "met"),
        (None, True, "met"),
    ],
)
def test_an_implausible_value_is_an_anomaly(value, plausible, status):
    assert calc.plausible_status("met", value=value, plausible=plausible) == status


def test_competition_ranks():
    assert calc.competition_ranks({"a": Dec(80), "b": Dec(90), "c": Dec(80), "d": Dec(50)}) == {
        "b": 1,
        "a": 2,
        "c": 2,
        "d": 4,
    }


@pytest.mark.parametrize(
    "frequency,on,expected",
    [
        ("monthly", D(2016, 5, 10), D(2016, 3, 31)),  # April's report is due by 10 May inclusive
        ("monthly", D(2016, 5, 11), D(2016, 4, 30)),
        ("monthly", D(2016, 1, 5), None),
        ("quarterly", D(2016, 7, 11), D(2016, 6, 30)),
        ("quarterly", D(2016, 7, 10), D(2016, 3, 31)),
        ("half_yearly", D(2016, 7, 11), D(2016, 6, 30)),
        ("yearly", D(2016, 9, 1), None),
        ("yearly", D(2016, 10, 11), D(2016, 9, 30)),
        (
            "monthly",
            D(2017, 3, 1),
            D(2016, 9, 30),
        ),  # after the deadline, the deadline is the last period end
    ],
)
def test_last_due_period_end(frequency, on, expected):
    assert (
        calc.last_due_period_end(
            frequency=frequency,
            period_start=D(2016, 1, 1),
            deadline=D(2016, 9, 30),
            on_date=on,
            grace_days=10,
        )
        == expected
    )


# ------------------------------------------------------------------------------ cascading


@pytest.fixture
def plan(jingmen):
    return services.load_plan_2016()


def regions(*codes):
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes]


COUNTIES = ("420802", "420804", "420822", "420881", "420821")


def test_sum_rule_allocates_the_24_centres_to_counties_then_townships(plan, users):
    target = plan.targets.get(code="1.1")  # ≥ 24 new community home-care centres
    city_section = users["city_section"]
    with pytest.raises(ServiceError) as exc:
        services.allocate_target(
            user=city_section, target=target, shares=list(zip(regions(*COUNTIES), [5, 5, 4, 5, 4]))
        )
    assert exc.value.errors["shares"] == ["分解合计 23 小于上级目标 24"]
    shares = services.allocate_target(
        user=city_section, target=target, shares=list(zip(regions(*COUNTIES), [5, 5, 4, 6, 4]))
    )
    assert sum(s.value for s in shares) == 24
    dongbao = target.children.get(region__code="420802")
    assert (dongbao.code, dongbao.indicator, dongbao.deadline) == (
        "1.1@420802",
        target.indicator,
        target.deadline,
    )
    # 东宝 splits its 5 among two of its townships; 3 + 1 is short.
    approver = users["dongbao_approver"]
    with pytest.raises(ServiceError):
        services.allocate_target(
            user=approver,
            target=dongbao,
            shares=list(zip(regions("420802001", "420802100"), [3, 1])),
        )
    services.allocate_target(
        user=approver, target=dongbao, shares=list(zip(regions("420802001", "420802100"), [3, 2]))
    )
    # Raising 东宝's share above what its townships add up to is refused at the city level...
    with pytest.raises(ServiceError) as exc:
        services.allocate_target(
            user=city_section, target=target, shares=list(zip(regions(*COUNTIES), [6, 5, 4, 5, 4]))
        )
    assert "东宝区 已向下分解" in exc.value.errors["shares"][0]
    # ...and a split kept for the same unit keeps its own split.
    services.allocate_target(
        user=city_section, target=target, shares=list(zip(regions(*COUNTIES), [5, 6, 4, 5, 4]))
    )
    assert target.children.get(region__code="420802").children.count() == 2


def test_rate_rule_holds_every_unit_to_the_parent_rate(plan, users):
    target = plan.targets.get(code="1.4")  # ≥ 31 beds per 1,000 elderly
    with pytest.raises(ServiceError) as exc:
        services.allocate_target(
            user=users["city_section"],
            target=target,
            shares=list(zip(regions("420802", "420881"), [30, 35])),
        )
    assert exc.value.errors["shares"] == ["东宝区 的目标 30 低于上级目标 31"]
    shares = services.cascade_to_children(user=users["city_section"], target=target)
    assert sorted((s.region.code, s.value) for s in shares) == [(c, 31) for c in sorted(COUNTIES)]


@pytest.mark.parametrize(
    "code,shares,message",
    [
        ("1.1", [("420802", 24), ("420802001", 1)], "东宝区 已包含 龙泉街道，不能同时分解"),
        (
            "1.1",
            [("4208Z1", 24)],
            "功能区 漳河新区 与所辖乡镇（街道）重叠，不能参与数量类目标的分解",
        ),
        ("1.1", [("420802", 12), ("420802", 12)], "同一单位只能分解一次"),
        ("1.7", [("420881", 100)], "钟祥市 不在 掇刀区 的下级区划中"),  # 掇刀's pilot target
        ("3.1", [("420802", 1)], "分解合计 1 大于上级目标 0"),  # zero violations: ≤ 0
    ],
)
def test_allocation_errors(plan, users, code, shares, message):
    target = plan.targets.get(code=code)
    with pytest.raises(ServiceError) as exc:
        services.allocate_target(
            user=users["admin"],
            target=target,
            shares=[(Region.objects.get(code=c), v) for c, v in shares],
        )
    assert message in exc.value.errors["shares"]


def test_only_the_unit_or_above_splits_a_target(plan, users):
    target = plan.targets.get(code="1.1")
    with pytest.raises(PermissionDeniedError):
        services.allocate_target(
            user=users["dongbao_approver"],
            target=target,
            shares=[(Region.objects.get(code="420802"), 24)],
        )
    with pytest.raises(PermissionDeniedError):
        services.allocate_target(
            user=users["leader"], target=target, shares=[(Region.objects.get(code="420802"), 24)]
        )


def test_editing_a_share_keeps_the_rule(plan, users):
    target = plan.targets.get(code="1.4")
    services.cascade_to_children(user=users["city_section"], target=target)
    share = target.children.get(region__code="420802")
    with pytest.raises(ServiceError):
        services.update_target(user=users["city_section"], target=share, value="29")
    services.update_target(user=users["city_section"], target=share, value="33")
    assert target.children.get(region__code="420802").value == 33


# ------------------------------------------------------------------------------ across a deadline


@pytest.fixture
def small_plan(jingmen):
    """东宝 must register ≥ 20 new social organisations by 30 June (weight 2) and report its
    annual-inspection rate (weight 1); monthly reports, 10 days' grace, tolerance 0.1."""
    plan = services.load_plan(
        data={
            "region": "420800",
            "year": 2016,
            "title": "测试计划",
            "period_start": "2016-01-01",
            "period_end": "2016-12-31",
            "sections": [
                {
                    "code": "A",
                    "title": "板块",
                    "items": [
                        {
                            "number": 1,
                            "title": "事项",
                            "targets": [
                                {
                                    "code": "1.1",
                                    "title": "新增社会组织",
                                    "indicator": "new_social_orgs",
                                    "comparison": "ge",
                                    "value": "20",
                                    "deadline": "2016-06-30",
                                    "weight": "2",
                                    "region": "420802",
                                },
                                {
                                    "code": "1.2",
                                    "title": "年检率",
                                    "indicator": "social_org_inspection_rate",
                                    "comparison": "ge",
                                    "value": "90",
                                    "weight": "1",
                                    "region": "420802",
                                },
                                {
                                    "code": "1.3",
                                    "title": "钟祥新增社会组织",
                                    "indicator": "new_social_orgs",
                                    "comparison": "ge",
                                    "value": "10",
                                    "deadline": "2016-06-30",
                                    "region": "420881",
                                },
                            ],
                        }
                    ],
                }
            ],
        }
    )
    return plan


def report(region_code, as_of, value, indicator="new_social_orgs"):
    return ReportedValue.objects.create(
        indicator=indicator,
        region=Region.objects.get(code=region_code),
        as_of=as_of,
        value=Dec(value),
        status=ReportedValue.Status.APPROVED,
    )


def evaluation(plan, code, on):
    return Evaluation.objects.get(target__plan=plan, target__code=code, on_date=on)


def test_scoring_and_pace_flags_across_a_deadline(small_plan):
    plan = small_plan
    report("420802", D(2016, 3, 31), 4)
    refresh.refresh(on_date=D(2016, 4, 30), plans=[plan])
    e = evaluation(plan, "1.1", D(2016, 4, 30))
    # 4 of 20 = 0.2 against 121/182 = 0.6648 elapsed: behind; March is reported, April not yet due.
    assert (e.value, e.attainment, e.expected, e.status, e.report_overdue) == (
        4,
        Dec("0.2"),
        Dec("0.6648"),
        "behind",
        False,
    )

    report("420802", D(2016, 4, 30), 15)
    refresh.refresh(on_date=D(2016, 5, 31), plans=[plan])
    e = evaluation(plan, "1.1", D(2016, 5, 31))
    # 15 of 20 = 0.75 against 152/182 = 0.8352: within the 0.1 tolerance.
    assert (e.attainment, e.expected, e.status, e.report_overdue) == (
        Dec("0.75"),
        Dec("0.8352"),
        "on_track",
        False,
    )
    score = UnitScore.objects.get(plan=plan, region__code="420802", on_date=D(2016, 5, 31))
    # 100 × (2 × 0.75) / 2: the inspection rate has no data and is left out of the score.
    assert (
        score.score,
        score.scored,
        score.targets,
        score.on_track,
        score.no_data,
        score.overdue_reports,
    ) == (Dec("75.00"), 1, 2, 1, 1, 1)

    refresh.refresh(on_date=D(2016, 7, 31), plans=[plan])
    e = evaluation(plan, "1.1", D(2016, 7, 31))
    # The deadline passed at 15: missed; and June's report (due 10 July) never came.
    assert (e.status, e.report_overdue, e.expected) == ("missed", True, Dec("1"))

    report("420802", D(2016, 6, 30), 20)
    refresh.refresh(on_date=D(2016, 7, 31), plans=[plan])
    e = evaluation(plan, "1.1", D(2016, 7, 31))
    assert (e.status, e.attainment, e.report_overdue) == ("met", Dec("1"), False)
    # 东宝 scores on what is known: 100 × (2 × 1) / 2 = 100 with 1 of its 2 targets having data;
    # 钟祥 has no reports at all: no score and no rank, rather than a 0 ranked last.
    scores = {
        s.region.code: (s.score, s.scored, s.rank, s.rank_of)
        for s in UnitScore.objects.filter(plan=plan, on_date=D(2016, 7, 31))
    }
    assert scores == {"420802": (Dec("100.00"), 1, 1, 1), "420881": (Dec("0.00"), 0, 0, 1)}
    # History is kept: one evaluation per snapshot date.
    assert list(
        Evaluation.objects.filter(target__code="1.1", target__region__code="420802")
        .order_by("on_date")
        .values_list("on_date", flat=True)
    ) == [
        D(2016, 4, 30),
        D(2016, 5, 31),
        D(2016, 7, 31),
    ]


def test_overdue_report_flag_follows_the_grace_days(small_plan):
    plan = small_plan
    report("420802", D(2016, 3, 31), 10)
    refresh.refresh(on_date=D(2016, 5, 10), plans=[plan])
    assert evaluation(plan, "1.1", D(2016, 5, 10)).report_overdue is False
    refresh.refresh(on_date=D(2016, 5, 11), plans=[plan])
    assert evaluation(plan, "1.1", D(2016, 5, 11)).report_overdue is True


def test_flags_open_supervision_cases_when_the_plan_asks(small_plan):
    plan = small_plan
    report("420802", D(2016, 3, 31), 4)
    refresh.refresh(on_date=D(2016, 4, 30), plans=[plan])
    assert not SupervisionCase.objects.exists()  # automatic supervision is off by default
    Plan.objects.filter(pk=plan.pk).update(auto_supervise=True)
    plan.refresh_from_db()
    result = refresh.refresh(on_date=D(2016, 4, 30), plans=[plan])
    # 1.1 is behind; 1.2 (东宝's inspection rate) and 1.3 (钟祥) have reports overdue since 10 February.
    cases = {c.target.code: c for c in SupervisionCase.objects.select_related("target")}
    assert result["cases_opened"] == 3 and set(cases) == {"1.1", "1.2", "1.3"}
    case = cases["1.1"]
    assert (case.reason, case.automatic, case.opened_on, case.deadline, case.status) == (
        "behind",
        True,
        D(2016, 4, 30),
        D(2016, 5, 15),
        "open",
    )
    assert cases["1.3"].reason == "report_overdue"
    refresh.refresh(on_date=D(2016, 5, 31), plans=[plan])
    assert SupervisionCase.objects.count() == 3  # one open case per target, never a second


def test_a_plan_outside_its_period_is_not_evaluated_by_the_nightly_run(small_plan):
    result = refresh.refresh(on_date=D(2017, 3, 1))
    assert result["plans"] == [] and not Evaluation.objects.filter(on_date=D(2017, 3, 1)).exists()
    result = refresh.refresh(on_date=D(2016, 3, 1))
    assert result["plans"] == [small_plan.pk]

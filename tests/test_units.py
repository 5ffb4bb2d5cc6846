"""Units hold targets beside the regions: a city target cascaded to a bureau section or an
affiliated unit, reported by the unit's own staff with evidence, approved by the city, evaluated
and scored like a region (a score per unit beside the scores per region); a unit's account reads
its own unit only (another unit's target, report or scorecard is 404, in pages and the API).
A unit's share of a computed target (25.3 publicity items, 23.5 satisfaction) is measured from its
own records and never reported."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from minzheng.accounts.models import Role
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.people.models import Person
from minzheng.publicity.models import Kind as PublicityKind
from minzheng.publicity.models import Status as PublicityStatus
from minzheng.publicity.models import Submission
from minzheng.regions.models import Region
from minzheng.satisfaction.models import Channel, Invitation, Rating, Service
from minzheng.targets import refresh, services
from minzheng.targets.models import (
    Evaluation,
    IndicatorValue,
    Plan,
    ReportedValue,
    Target,
    UnitScore,
)
from minzheng.units import selectors as unit_selectors
from minzheng.units import services as unit_services
from minzheng.units.models import Unit
from minzheng.units.services import load_default_units
from tests.conftest import make_user
from tests.fixtures.cases import pdf_text
from tests.fixtures.targets import person

D = dt.date
ON = D(2016, 6, 30)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf(name="报送登记表.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", content_type="application/pdf")


@pytest.fixture
def world(jingmen, users):
    load_default_units()
    units = {u.code: u for u in Unit.objects.all()}
    city = jingmen["city"]
    plan = services.load_plan_2016()
    return {
        **users,
        "plan": plan,
        "units": units,
        "city": city,
        # the section's own staff (a city-section account of 社会救助科)
        "assistance_staff": make_user(
            "assistance_staff", Role.CITY_SECTION, city, unit=units["assistance"]
        ),
        # the bureau office, which reviews the other units' figures
        "office": make_user("office", Role.CITY_SECTION, city, unit=units["office"]),
        "centre_staff": make_user(
            "centre_staff", Role.UNIT_STAFF, city, unit=units["welfare-centre"]
        ),
        "centre_staff2": make_user(
            "centre_staff2", Role.UNIT_STAFF, city, unit=units["welfare-centre"]
        ),
        "station_staff": make_user(
            "station_staff", Role.UNIT_STAFF, city, unit=units["relief-station"]
        ),
    }


def city_target(plan: Plan, code: str) -> Target:
    return plan.targets.get(code=code, parent__isnull=True)


def test_a_section_holds_targets_reports_them_and_is_scored(world, client):
    """Figures by hand. 社会救助科 holds 22.3 (no liability accident, ≤ 0) and 23.1 (no "four
    winds" problem, ≤ 0), both reported, both of weight 1. By 30 June it reported 0 accidents and
    1 problem; the office approved both. Attainment: 1 (0 ≤ 0) and 0 (a zero-tolerance target
    violated). Score: 100 × (1 × 1 + 1 × 0) ÷ (1 + 1) = 50.00. A zero-tolerance target is
    expected met all year (expected 1); 0 < 1 − 0.1, so 23.1 is behind; 22.3 is met."""
    plan, units = world["plan"], world["units"]
    admin, section, office = world["admin"], world["assistance_staff"], world["office"]
    safety, conduct = city_target(plan, "22.3"), city_target(plan, "23.1")
    assert (safety.weight, conduct.weight) == (Decimal(1), Decimal(1))
    [held_safety] = services.assign_to_units(
        user=admin, target=safety, shares=[(units["assistance"], "0")]
    )
    [held_conduct] = services.assign_to_units(
        user=admin, target=conduct, shares=[(units["assistance"], "0")]
    )
    assert (held_safety.org_unit, held_safety.region, held_safety.parent) == (
        units["assistance"],
        world["city"],
        safety,
    )

    accidents = services.submit_report(
        user=section,
        indicator="liability_accidents",
        region=None,
        unit=units["assistance"],
        as_of=ON,
        value="0",
        files=[pdf()],
    )
    problems = services.submit_report(
        user=section,
        indicator="four_winds_problems",
        region=None,
        unit=units["assistance"],
        as_of=ON,
        value="1",
        note="查实违规公款吃喝1起",
        files=[pdf()],
    )
    assert (problems.value, problems.region, problems.org_unit) == (
        Decimal("1.0000"),
        world["city"],
        units["assistance"],
    )
    # The section does not approve its own figures; the leader reads only.
    with pytest.raises(PermissionDeniedError, match="本单位不能审核"):
        services.review_report(
            user=make_user(
                "assistance_2", Role.CITY_SECTION, world["city"], unit=units["assistance"]
            ),
            report=accidents,
            approve=True,
        )
    with pytest.raises(PermissionDeniedError):
        services.review_report(user=world["leader"], report=accidents, approve=True)
    assert [r.pk for r in unit_selectors.pending_unit_reviews(office)] == [
        accidents.pk,
        problems.pk,
    ]
    for report in (accidents, problems):
        services.review_report(user=office, report=report, approve=True)
    assert AuditEvent.objects.filter(
        object_type="targets.reportedvalue", object_id=str(accidents.pk), action="transition"
    ).exists()

    refresh.refresh(on_date=ON, plans=[plan])
    s, c = (Evaluation.objects.get(target=t, on_date=ON) for t in (held_safety, held_conduct))
    assert (s.value, s.attainment, s.status) == (Decimal("0.0000"), Decimal("1.0000"), "met")
    assert (c.value, c.attainment, c.expected, c.status) == (
        Decimal("1.0000"),
        Decimal("0.0000"),
        Decimal("1.0000"),
        "behind",
    )
    score = UnitScore.objects.get(plan=plan, on_date=ON, org_unit=units["assistance"])
    assert (score.score, score.scored, score.targets, score.met, score.behind) == (
        Decimal("50.00"),
        2,
        2,
        1,
        1,
    )
    assert (score.level, score.rank, score.rank_of, score.region) == ("unit", 1, 1, world["city"])
    # The unit's figures are its own: the city's targets and values are untouched by them.
    for code in ("liability_accidents", "four_winds_problems"):
        assert not IndicatorValue.objects.filter(
            indicator=code, region=world["city"], on_date=ON
        ).exists()
    city_score = UnitScore.objects.get(
        plan=plan, on_date=ON, region=world["city"], org_unit__isnull=True
    )
    assert (
        city_score.level == "city"
        and city_score.targets
        == plan.targets.filter(region=world["city"], org_unit__isnull=True).count()
    )
    assert Evaluation.objects.get(target=conduct, on_date=ON).value is None

    # The board's table of units and the unit's scorecard read the same.
    [row] = unit_selectors.board_rows(world["leader"], plan, world["city"], ON)
    assert (row.unit, row.score.score, row.targets, row.met, row.at_risk, row.red, row.pending) == (
        units["assistance"],
        Decimal("50.00"),
        2,
        1,
        1,
        0,
        0,
    )
    card = unit_selectors.scorecard(section, units["assistance"], plan)
    assert card.score.score == Decimal("50.00") and [r.status for r in card.rows] == [
        "met",
        "behind",
    ]

    # The board's exports carry the same table: a sheet in the workbook, a table in the PDF.
    client.force_login(world["leader"])
    query = f"?plan={plan.pk}&region=420800&date={ON.isoformat()}"
    book = load_workbook(io.BytesIO(client.get(f"/targets/export.xlsx{query}").content))
    assert list(book["局机关科室和局属单位"].iter_rows(min_row=2, values_only=True)) == [
        ("社会救助科", "局机关科室", 50.0, "1/1", 2, 1, 1, 0, 0)
    ]
    text = pdf_text(client.get(f"/targets/report.pdf{query}").content)
    table = text[text.index("局机关科室和局属单位") : text.index("三、挂牌督办事项")]
    assert re.search("社会救助科.*局机关科室.*综合得分50.*排名1/1.*目标数2.*已完成1", table)


def _answers(unit, on, ratings, *, start=0):
    """Answered surveys carrying `unit`, answered on `on` (one per rating)."""
    resident = Person.objects.order_by("id").first() or person(
        Region.objects.get(code="420802"), D(1940, 5, 1)
    )
    Invitation.objects.bulk_create(
        Invitation(
            service=Service.ELDERCARE,
            subject_type="test.visit",
            subject_id=f"{unit.code if unit else '-'}:{on}:{start + i}",
            person=resident,
            region=unit.region if unit else Region.objects.get(code="420800"),
            unit=unit,
            invited_on=on,
            rating=rating,
            channel=Channel.PHONE if rating else "",
            answered_at=timezone.make_aware(dt.datetime.combine(on, dt.time(10)))
            if rating
            else None,
        )
        for i, rating in enumerate(ratings)
    )


def test_a_units_computed_shares_come_from_its_own_records(world, jingmen):
    """Figures by hand, on 30 June 2016 (6 complete months).
    25.3 — 社会救助科's counted information items: 8 in each of January … June = 48 → 48 ÷ 6 =
    8.00 a month; not counted: 3 items filed in July (a month not over), 2 rejected and 2 waiting
    in June, 4 items of another kind, 5 items of the county. Attainment 8 ÷ 10 = 0.8 ≥ 0.4973 −
    0.1: on track; score 80.00.
    23.5 — the welfare centre's answered surveys: 20 satisfied + 2 basically satisfied + 2
    dissatisfied = 24 answers → 22 ÷ 24 × 100 = 91.6667 %; not counted: 3 unanswered, 5 answers
    of 2015, 4 answered on 1 July, 6 answers carrying no unit, 10 of the relief station.
    Attainment 91.6667 ÷ 95 = 0.9649: on track; score 96.49.
    The relief station holds 23.5 too, and its 10 dissatisfied answers give 0 %: attainment 0,
    behind; a unit without answers (the rehabilitation hospital) has no value: no data."""
    plan, units, admin = world["plan"], world["units"], world["admin"]
    assistance, centre = units["assistance"], units["welfare-centre"]
    station, hospital = units["relief-station"], units["rehab-hospital"]
    [quota] = services.assign_to_units(
        user=admin, target=city_target(plan, "25.3"), shares=[(assistance, "10")]
    )
    held = services.assign_to_units(
        user=admin,
        target=city_target(plan, "23.5"),
        shares=[(centre, "95"), (station, "95"), (hospital, "95")],
    )
    satisfaction = {t.org_unit.code: t for t in held}

    def items(n, day, *, unit=assistance, kind=PublicityKind.INFO, status=PublicityStatus.COUNTED):
        Submission.objects.bulk_create(
            Submission(
                title=f"信息{day}{i}",
                kind=kind,
                region=world["city"] if unit else jingmen["dongbao"],
                unit=unit,
                submitted_on=day,
                link="https://example.org/x",
                status=status,
                reject_reason="重复报送" if status == PublicityStatus.REJECTED else "",
            )
            for i in range(n)
        )

    for month in range(1, 7):
        items(8, D(2016, month, 15))
    items(3, D(2016, 7, 1))
    items(2, D(2016, 6, 20), status=PublicityStatus.REJECTED)
    items(2, D(2016, 6, 21), status=PublicityStatus.SUBMITTED)
    items(4, D(2016, 5, 10), kind=PublicityKind.TV)
    items(5, D(2016, 5, 11), unit=None)

    S, B, X = Rating.SATISFIED, Rating.BASIC, Rating.DISSATISFIED
    _answers(centre, D(2016, 3, 1), [S] * 20 + [B] * 2 + [X] * 2)
    _answers(centre, D(2016, 3, 2), [""] * 3)
    _answers(centre, D(2015, 12, 30), [X] * 5)
    _answers(centre, D(2016, 7, 1), [X] * 4)
    _answers(None, D(2016, 4, 1), [X] * 6)
    _answers(station, D(2016, 4, 1), [X] * 10)

    refresh.refresh(on_date=ON, plans=[plan])
    q = Evaluation.objects.get(target=quota, on_date=ON)
    assert (q.value, q.attainment, q.expected, q.status) == (
        Decimal("8.0000"),
        Decimal("0.8000"),
        Decimal("0.4973"),
        "on_track",
    )
    c = Evaluation.objects.get(target=satisfaction["welfare-centre"], on_date=ON)
    assert (c.value, c.attainment, c.status) == (
        Decimal("91.6667"),
        Decimal("0.9649"),
        "on_track",
    )
    r = Evaluation.objects.get(target=satisfaction["relief-station"], on_date=ON)
    assert (r.value, r.attainment, r.status) == (Decimal("0.0000"), Decimal("0.0000"), "behind")
    h = Evaluation.objects.get(target=satisfaction["rehab-hospital"], on_date=ON)
    assert (h.value, h.status) == (None, "no_data")
    scores = {
        s.org_unit.code: s.score
        for s in UnitScore.objects.filter(plan=plan, on_date=ON, org_unit__isnull=False)
    }
    assert (scores["assistance"], scores["welfare-centre"], scores["relief-station"]) == (
        Decimal("80.00"),
        Decimal("96.49"),
        Decimal("0.00"),
    )
    # Nothing to report: the unit's task list holds no computed indicator.
    assert unit_selectors.reported_indicators(centre) == []
    assert unit_selectors.scorecard(world["centre_staff"], centre, plan).tasks == []


def test_a_unit_is_ranked_among_units_and_a_correction_supersedes(world):
    """Two units on 22.3 (no liability accident): the welfare centre reports 0 (attainment 1 →
    100.00), the relief station 2 (a zero-tolerance target violated: 0 → 0.00); ranks 1 and 2 of
    2. A corrected report for the same month supersedes the approved one: 2 → 0 gives 100.00."""
    plan, units, office = world["plan"], world["units"], world["office"]
    services.assign_to_units(
        user=world["admin"],
        target=city_target(plan, "22.3"),
        shares=[(units["welfare-centre"], "0"), (units["relief-station"], "0")],
    )

    def report(user, unit, value):
        r = services.submit_report(
            user=user,
            indicator="liability_accidents",
            region=None,
            unit=unit,
            as_of=ON,
            value=value,
            files=[pdf()],
        )
        services.review_report(user=office, report=r, approve=True)
        return r

    report(world["centre_staff"], units["welfare-centre"], "0")
    first = report(world["station_staff"], units["relief-station"], "2")
    refresh.refresh(on_date=ON, plans=[plan])
    scores = {
        s.org_unit.code: (s.score, s.rank, s.rank_of)
        for s in UnitScore.objects.filter(plan=plan, on_date=ON, org_unit__isnull=False)
    }
    assert scores == {
        "welfare-centre": (Decimal("100.00"), 1, 2),
        "relief-station": (Decimal("0.00"), 2, 2),
    }
    report(world["station_staff"], units["relief-station"], "0")
    first.refresh_from_db()
    assert first.status == ReportedValue.Status.SUPERSEDED
    refresh.refresh(on_date=ON, plans=[plan])
    assert UnitScore.objects.get(
        plan=plan, on_date=ON, org_unit=units["relief-station"]
    ).score == Decimal("100.00")


@pytest.mark.parametrize(
    ("code", "unit_code", "value", "message"),
    [
        ("25.3", "welfare-centre", "8", "低于上级目标"),  # a rate: not below the city's 10
        ("22.3", "welfare-centre", "1", "高于上级目标"),  # zero tolerance: not above 0
        ("22.3", "welfare-centre", "-1", "不能为负数"),
        ("1.1", "welfare-centre", "10", "由平台按区域自动计算"),  # a computed indicator
        # computed, with no measure of a unit (25.3 and 23.5 have one)
        ("25.2", "welfare-centre", "20", "由平台按区域自动计算"),
    ],
)
def test_the_rule_of_a_units_share(world, code, unit_code, value, message):
    target = world["plan"].targets.filter(code=code, parent__isnull=True).first()
    if target is None:
        pytest.skip("no such target in the plan")
    with pytest.raises(ServiceError) as exc:
        services.assign_to_units(
            user=world["admin"], target=target, shares=[(world["units"][unit_code], value)]
        )
    assert any(message in m for m in exc.value.errors["shares"]), exc.value.errors


def test_cascade_to_units_keeps_the_regions_split_and_is_audited(world, jingmen):
    plan, units, admin = world["plan"], world["units"], world["admin"]
    quota = city_target(plan, "25.3")
    services.assign_to_units(
        user=admin, target=quota, shares=[(units["office"], "10"), (units["welfare"], "12")]
    )
    # Assigning again updates in place; `replace` drops the units not listed.
    kept = services.assign_to_units(
        user=admin, target=quota, shares=[(units["office"], "11")], replace=True
    )
    assert [(t.org_unit.code, t.value) for t in kept] == [("office", Decimal("11"))]
    assert list(quota.children.filter(org_unit__isnull=False).values_list("org_unit__code")) == [
        ("office",)
    ]
    event = (
        AuditEvent.objects.filter(object_id=str(quota.pk), note="分解目标到单位")
        .order_by("seq")
        .last()
    )
    assert event.before == {"unit_shares": {"office": "10.0000", "welfare": "12.0000"}}
    assert event.after == {"unit_shares": {"office": "11"}}
    # A unit outside the target's region, a deactivated unit, someone without the right.
    other = Unit.objects.create(
        code="dongbao-centre", name="东宝区福利院", kind="pilot", region=jingmen["dongbao"]
    )
    with pytest.raises(ServiceError, match="shares"):
        services.assign_to_units(user=admin, target=quota, shares=[(other, "10")])
    with pytest.raises(PermissionDeniedError):
        services.assign_to_units(
            user=world["centre_staff"], target=quota, shares=[(units["office"], "10")]
        )
    # The regions' split of the same target is unaffected, and leaves the units' shares alone.
    rate = city_target(plan, "25.2") if plan.targets.filter(code="25.2").exists() else None
    if rate is not None and rate.indicator == "county_info_items_monthly":
        services.cascade_to_children(user=admin, target=rate)
    services.cascade_to_children(user=admin, target=quota)
    assert quota.children.filter(org_unit__isnull=True).count() >= 5
    assert quota.children.filter(org_unit__isnull=False).count() == 1
    # A copy of the plan carries the units' shares.
    copy = services.copy_plan(user=admin, plan=plan, year=2017, title="2017年计划")
    copied = copy.targets.get(code="25.3#office")
    assert (copied.org_unit, copied.value, copied.parent.code) == (
        units["office"],
        Decimal("11"),
        "25.3",
    )


def test_a_unit_account_reads_only_its_own_unit(world, client, jingmen):
    plan, units = world["plan"], world["units"]
    services.assign_to_units(
        user=world["admin"],
        target=city_target(plan, "22.3"),
        shares=[(units["welfare-centre"], "0"), (units["relief-station"], "0")],
    )
    station_report = services.submit_report(
        user=world["station_staff"],
        indicator="liability_accidents",
        region=None,
        unit=units["relief-station"],
        as_of=ON,
        value="0",
        files=[pdf()],
    )
    station_target = Target.objects.get(org_unit=units["relief-station"])
    evidence = station_report.evidence.get()
    centre = world["centre_staff"]
    assert [u.code for u in unit_selectors.units_for(centre)] == ["welfare-centre"]
    with pytest.raises(PermissionDeniedError):
        services.submit_report(
            user=centre,
            indicator="liability_accidents",
            region=None,
            unit=units["relief-station"],
            as_of=ON,
            value="0",
        )

    client.force_login(centre)
    assert client.get("/units/welfare-centre/").status_code == 200
    assert client.get("/units/mine/").url == "/units/welfare-centre/"
    for url in (
        "/units/relief-station/",
        "/units/relief-station/report/",
        f"/units/relief-station/reports/{station_report.pk}/",
        f"/units/relief-station/evidence/{evidence.pk}/",
        f"/units/welfare-centre/reports/{station_report.pk}/",
        f"/units/welfare-centre/evidence/{evidence.pk}/",
        "/units/no-such-unit/",
        "/api/v1/units/relief-station",
        "/api/v1/units/relief-station/scorecard",
        "/api/v1/units/relief-station/reports",
        f"/api/v1/units/relief-station/reports/{station_report.pk}",
        f"/api/v1/units/welfare-centre/reports/{station_report.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "救助管理站" not in response.content.decode(), url
    response = client.post(
        "/api/v1/units/relief-station/reports",
        {"indicator": "liability_accidents", "as_of": "2016-06-30", "value": "0"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert [u["code"] for u in client.get("/api/v1/units").json()] == ["welfare-centre"]
    # The region-wide target pages are not a unit account's.
    assert client.get(f"/targets/t/{station_target.pk}/").status_code in (403, 404)
    assert client.get(f"/api/v1/targets/reports/{station_report.pk}").status_code == 404

    # A county account reads none of the city's units; the leader reads them all.
    client.force_login(world["dongbao_approver"])
    assert client.get("/units/relief-station/").status_code == 404
    assert client.get("/api/v1/units").json() == []
    client.force_login(world["leader"])
    assert client.get("/units/relief-station/").status_code == 200
    assert client.get(f"/units/relief-station/reports/{station_report.pk}/").status_code == 200
    assert len(client.get("/api/v1/units").json()) == 16


def test_a_unit_reports_through_the_api_and_the_city_approves(world, client):
    plan, units = world["plan"], world["units"]
    services.assign_to_units(
        user=world["admin"],
        target=city_target(plan, "22.3"),
        shares=[(units["welfare-centre"], "0")],
    )
    client.force_login(world["centre_staff"])
    bad = client.post(
        "/api/v1/units/welfare-centre/reports",
        {"indicator": "liability_accidents", "as_of": "2016-06-30", "numerator": "10"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "分子和分母应同时填写" in str(bad.json())
    made = client.post(
        "/api/v1/units/welfare-centre/reports",
        {
            "indicator": "liability_accidents",
            "as_of": "2016-06-30",
            "value": "0",
            "note": "本季度无法律责任事故",
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    report_id = made.json()["id"]
    assert Decimal(made.json()["value"]) == Decimal("0")
    up = client.post(
        f"/api/v1/units/welfare-centre/reports/{report_id}/evidence", {"files": [pdf()]}
    )
    assert up.status_code == 201 and up.json()["evidence"] == ["报送登记表.pdf"]
    # The city's section approves through the targets API.
    client.force_login(world["office"])
    ok = client.post(
        f"/api/v1/targets/reports/{report_id}/review",
        {"approve": True},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    refresh.refresh(on_date=ON, plans=[plan])
    client.force_login(world["centre_staff2"])
    card = client.get("/api/v1/units/welfare-centre/scorecard").json()
    assert Decimal(str(card["score"])) == Decimal("100") and card["targets"][0]["status"] == "met"


@pytest.mark.parametrize(
    ("code", "share", "indicator"),
    [("25.3", "10", "section_info_items_monthly"), ("23.5", "95", "public_satisfaction")],
)
def test_a_unit_cannot_report_a_computed_indicator(world, client, code, share, indicator):
    """25.3 and 23.5 a unit may hold, but their figures come from its records: no report."""
    plan, centre = world["plan"], world["units"]["welfare-centre"]
    services.assign_to_units(
        user=world["admin"], target=city_target(plan, code), shares=[(centre, share)]
    )
    services.assign_to_units(
        user=world["admin"], target=city_target(plan, "22.3"), shares=[(centre, "0")]
    )
    with pytest.raises(ServiceError) as exc:
        services.submit_report(
            user=world["centre_staff"],
            indicator=indicator,
            region=None,
            unit=centre,
            as_of=ON,
            value="10",
            files=[pdf()],
        )
    assert exc.value.errors == {"indicator": ["该指标由平台根据业务数据自动计算，无需填报"]}
    client.force_login(world["centre_staff"])
    refused = client.post(
        "/api/v1/units/welfare-centre/reports",
        {"indicator": indicator, "as_of": "2016-06-30", "value": "10"},
        content_type="application/json",
    )
    assert refused.status_code == 422 and "无需填报" in str(refused.json())
    refused = client.post(
        "/api/v1/units/welfare-centre/reports",
        {"indicator": indicator, "as_of": "2016-06-30", "value": "10"},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert refused.status_code == 422 and "无需填报" not in str(refused.json())
    assert not ReportedValue.objects.filter(org_unit=centre).exists()
    # The unit's page offers only the reported indicator; the form refuses the computed one.
    page = client.get("/units/welfare-centre/").content.decode()
    assert 'data-testid="report-liability_accidents"' in page
    assert f'data-testid="report-{indicator}"' not in page
    form = client.post(
        "/units/welfare-centre/report/",
        {"indicator": indicator, "as_of": "2016-06-30", "value": "10", "files": [pdf()]},
    )
    assert form.status_code == 200 and not ReportedValue.objects.filter(org_unit=centre).exists()


def test_managing_units_and_their_staff(world, client, jingmen):
    city_section = world["city_section"]
    client.force_login(city_section)
    made = client.post(
        "/api/v1/units",
        {"code": "pilot-dongbao", "name": "东宝区民政CEO试点", "kind": "pilot"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert AuditEvent.objects.filter(object_type="units.unit", action="create").exists()
    duplicate = client.post(
        "/api/v1/units",
        {"code": "pilot-dongbao", "name": "荆门市社会福利中心", "kind": "nope"},
        content_type="application/json",
    )
    assert duplicate.status_code == 422
    errors = str(duplicate.json())
    assert (
        "单位代码已存在" in errors and "本区域已有同名单位" in errors and "单位类别无效" in errors
    )
    renamed = client.patch(
        "/api/v1/units/pilot-dongbao",
        {"name": "民政CEO试点单位", "active": False},
        content_type="application/json",
    )
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["active"]) == ("民政CEO试点单位", False)
    event = (
        AuditEvent.objects.filter(object_type="units.unit", action="update").order_by("seq").last()
    )
    assert event.before["name"] == "东宝区民政CEO试点" and event.after["active"] is False

    # Staff: a unit-staff account of the region joins, then leaves; audited on the account.
    newcomer = make_user("newcomer", Role.UNIT_STAFF, world["city"])
    joined = client.post(
        "/api/v1/units/rehab-hospital/staff",
        {"username": "newcomer"},
        content_type="application/json",
    )
    assert joined.status_code == 200 and joined.json()["unit"] == "rehab-hospital"
    newcomer.refresh_from_db()
    assert newcomer.unit.code == "rehab-hospital"
    assert AuditEvent.objects.filter(
        object_type="accounts.user", object_id=str(newcomer.pk), note="调整账号所在单位"
    ).exists()
    # A county account cannot join a city unit; nobody but the managers assigns.
    assert (
        client.post(
            "/api/v1/units/rehab-hospital/staff",
            {"username": "dongbao_approver"},
            content_type="application/json",
        ).status_code
        == 404
    )
    client.force_login(world["leader"])
    assert (
        client.post(
            "/api/v1/units/rehab-hospital/staff",
            {"username": "newcomer", "remove": True},
            content_type="application/json",
        ).status_code
        == 403
    )
    client.force_login(world["centre_staff"])
    assert (
        client.patch(
            "/api/v1/units/welfare-centre", {"name": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    with pytest.raises(PermissionDeniedError):
        unit_services.update_unit(
            user=world["centre_staff"], unit=world["units"]["office"], name="x"
        )
    # The page: the list and the add form for a city section.
    client.force_login(city_section)
    page = client.get("/units/").content.decode()
    assert "荆门市社会福利中心" in page and "添加单位" in page
    response = client.post("/units/", {"code": "", "name": "", "kind": "pilot"})
    assert response.status_code == 200 and "必填" in response.content.decode()


def test_a_deactivated_unit_can_no_longer_report(world):
    units = world["units"]
    services.assign_to_units(
        user=world["admin"],
        target=city_target(world["plan"], "22.3"),
        shares=[(units["welfare-centre"], "0")],
    )
    unit_services.update_unit(user=world["admin"], unit=units["welfare-centre"], active=False)
    units["welfare-centre"].refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        services.submit_report(
            user=world["centre_staff"],
            indicator="liability_accidents",
            region=None,
            unit=units["welfare-centre"],
            as_of=ON,
            value="0",
        )

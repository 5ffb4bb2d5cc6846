"""The roster's data-quality rules (specialcare/quality.py), each with a failing and a passing
record; targets 15.2–15.5 with figures worked out by hand; the data-quality page per county and
the city's overview by county, with its rule filter and spreadsheet export."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone

from minzheng.core.models import AuditEvent
from minzheng.people import services as people_services
from minzheng.people.models import Person
from minzheng.regions.models import Region
from minzheng.specialcare import quality
from minzheng.specialcare.indicators import quality_rates
from minzheng.specialcare.models import Recipient, RecipientChange
from tests.conftest import make_id

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 6, 15)  # a Monday; the test database has no holidays: Monday–Friday work
COMPLETE = {
    "disabled_veteran": {
        "disability_grade": 6,
        "disability_cause": "war",
        "enlisted_on": dt.date(1990, 3, 1),
        "discharged_on": dt.date(1995, 10, 1),
        "service_unit": "武汉军区某部",
    },
    "rural_veteran": {
        "enlisted_on": dt.date(1990, 3, 1),
        "discharged_on": dt.date(1995, 10, 1),
        "service_unit": "武汉军区某部",
    },
    "martyr_family": {
        "soldier_name": "张建军",
        "relation": "parent",
        "soldier_died_on": dt.date(1998, 8, 8),
    },
    "serving_family": {"soldier_name": "张兵", "relation": "parent", "service_kind": "conscript"},
}
_seq = iter(range(100, 999))


def _person(world, region="longquan_community", **fields):
    person = people_services.register_person(
        user=world["admin"],
        id_number=make_id("420802", "19600101", next(_seq)),
        name="赵优抚",
        hukou_region=world[region],
        hukou_type="rural",
    )
    if fields:
        Person.objects.filter(pk=person.pk).update(**fields)
        person.refresh_from_db()
    return person


def _record(
    world, category="disabled_veteran", *, region="longquan_community", person=None, **fields
):
    values = {
        "certificate_no": "鄂000001",
        "id_checked_on": dt.date(2025, 1, 10),
        "id_check_method": "card_reader",
        **COMPLETE[category],
        **fields,
    }
    return Recipient.objects.create(
        person=person or _person(world),
        region=world[region],
        category=category,
        registered_on=dt.date(2020, 1, 1),
        **values,
    )


def _failing(code):
    return set(quality.get_rule(code).failing(ON).values_list("pk", flat=True))


def _change(world, record, *, event, decided=None, status="approved"):
    return RecipientChange.objects.create(
        recipient=record,
        kind="grade",
        event_on=event,
        due_on=quality.due_date(event),
        details={"disability_grade": 5},
        status=status,
        requested_by=world["dongbao_clerk"],
        requested_at=timezone.make_aware(dt.datetime.combine(event, dt.time(9))),
        decided_by=world["dongbao_approver"] if decided else None,
        decided_at=timezone.make_aware(dt.datetime.combine(decided, dt.time(15)))
        if decided
        else None,
    )


@pytest.fixture
def world(jingmen, users):
    return {**jingmen, **users}


def test_the_working_day_deadline():
    # 20 working days after Monday 1 June 2026 (no holidays): four weeks later, Monday 29 June.
    assert quality.due_date(dt.date(2026, 6, 1)) == dt.date(2026, 6, 29)
    # On Monday 15 June, an event is overdue when its 20th working day is on or before Friday
    # 12 June: events on or before Sunday 17 May (counting starts the next day, Monday 18 May:
    # 18–22, 25–29 May, 1–5, 8–12 June make 20); an event on Monday 18 May is due 15 June.
    assert quality.overdue_event_cutoff(ON) == dt.date(2026, 5, 17)
    assert quality.due_date(dt.date(2026, 5, 15)) == dt.date(2026, 6, 12)
    assert quality.due_date(dt.date(2026, 5, 17)) == dt.date(2026, 6, 12)
    assert quality.due_date(dt.date(2026, 5, 18)) == dt.date(2026, 6, 15)


# ---------------------------------------------------------------- each rule: fail and pass


def test_id_number_invalid(world):
    good = _record(world)
    legacy = _record(world)
    # A 15-digit number left unconverted by an old import (masked as the registry shows it).
    Person.objects.filter(pk=legacy.person_id).update(id_masked="4208*******0123")
    assert _failing("id_number_invalid") == {legacy.pk}
    assert good.pk not in _failing("id_number_invalid")


def test_id_unauthenticated(world):
    good = _record(world)
    never = _record(world, id_checked_on=None, id_check_method="")
    later = _record(world, id_checked_on=dt.date(2026, 7, 1))  # after the date checked
    assert _failing("id_unauthenticated") == {never.pk, later.pk}
    assert good.pk not in _failing("id_unauthenticated")


def test_missing_certificate(world):
    good = _record(world)
    bad = _record(world, certificate_no="")
    assert _failing("missing_certificate") == {bad.pk}
    assert good.pk not in _failing("missing_certificate")


def test_missing_service(world):
    good = _record(world, "rural_veteran")
    bad = _record(world, "rural_veteran", service_unit="")
    no_date = _record(world, "rural_veteran", enlisted_on=None)
    family = _record(world, "martyr_family")  # no service dates needed
    assert _failing("missing_service") == {bad.pk, no_date.pk}
    assert not {good.pk, family.pk} & _failing("missing_service")


def test_missing_disability(world):
    good = _record(world)
    bad = _record(world, disability_cause="")
    no_grade = _record(world, disability_grade=None)
    assert _failing("missing_disability") == {bad.pk, no_grade.pk}
    assert good.pk not in _failing("missing_disability")


def test_missing_family(world):
    good = _record(world, "martyr_family")
    no_date = _record(world, "martyr_family", soldier_died_on=None)
    no_kind = _record(world, "serving_family", service_kind="")
    serving = _record(world, "serving_family")  # no death date needed
    assert _failing("missing_family") == {no_date.pk, no_kind.pk}
    assert not {good.pk, serving.pk} & _failing("missing_family")


def test_late_change(world):
    in_time = _record(world)
    late = _record(world)
    pending_overdue = _record(world)
    pending_in_time = _record(world)
    old = _record(world)
    # Event Monday 4 May, due Monday 1 June: approved 29 May passes, approved 2 June fails.
    _change(world, in_time, event=dt.date(2026, 5, 4), decided=dt.date(2026, 5, 29))
    _change(world, late, event=dt.date(2026, 5, 4), decided=dt.date(2026, 6, 2))
    # Pending: event 4 May (due 1 June, passed by 15 June) fails; event 10 June passes.
    _change(world, pending_overdue, event=dt.date(2026, 5, 4), status="pending")
    _change(world, pending_in_time, event=dt.date(2026, 6, 10), status="pending")
    # Approved late, but the event is more than a year before the date checked: no longer counted.
    _change(world, old, event=dt.date(2025, 5, 4), decided=dt.date(2025, 8, 1))
    assert _failing("late_change") == {late.pk, pending_overdue.pk}


def test_registry_death_unrecorded_and_dead_but_active(world):
    alive = _record(world)
    # Died Friday 15 May: the 20 working days ended 12 June, before 15 June — both rules fail.
    long_dead = _record(world, person=_person(world, death_date=dt.date(2026, 5, 15)))
    # Died Wednesday 10 June: still inside the deadline (dynamic passes), but the roster is
    # already inaccurate (accuracy fails).
    just_dead = _record(world, person=_person(world, death_date=dt.date(2026, 6, 10)))
    # Dies after the date checked: neither.
    later = _record(world, person=_person(world, death_date=dt.date(2026, 6, 20)))
    assert _failing("registry_death_unrecorded") == {long_dead.pk}
    assert _failing("dead_but_active") == {long_dead.pk, just_dead.pk}
    assert not {alive.pk, later.pk} & _failing("dead_but_active")
    # An ended record is not on the roster: no rule counts it.
    Recipient.objects.filter(pk=long_dead.pk).update(
        status="ended", ended_on=dt.date(2026, 5, 20), end_reason="death"
    )
    assert long_dead.pk not in _failing("dead_but_active")


def test_county_mismatch(world):
    good = _record(world)
    # Registered in 东宝区 (龙泉社区) but the record sits in 钟祥市.
    moved = _record(world, region="yingzhong_community")
    # Another township of the same county is no mismatch.
    same_county = _record(world, region="lixi_village")
    assert _failing("county_mismatch") == {moved.pk}
    assert not {good.pk, same_county.pk} & _failing("county_mismatch")


def test_attributes_of_other_category(world):
    good = _record(world, "martyr_family")
    graded = _record(world, "martyr_family", disability_grade=5)
    veteran_with_soldier = _record(world, "rural_veteran", soldier_name="某某")
    assert _failing("attributes_of_other_category") == {graded.pk, veteran_with_soldier.pk}
    assert good.pk not in _failing("attributes_of_other_category")


def test_service_dates_impossible(world):
    good = _record(world)
    backwards = _record(world, discharged_on=dt.date(1989, 1, 1))
    before_birth = _record(world, enlisted_on=dt.date(1959, 1, 1))
    assert _failing("service_dates_impossible") == {backwards.pk, before_birth.pk}
    assert good.pk not in _failing("service_dates_impossible")


def test_every_rule_is_one_query(world, django_assert_num_queries):
    _record(world)
    for rule in quality.rules():
        qs = rule.failing(ON)
        with django_assert_num_queries(1):
            list(qs.values_list("pk", flat=True))


def test_a_rule_registered_by_another_module_counts_in_its_dimension(world):
    record = _record(world)
    extra = quality.Rule(
        "test_band", quality.Dimension.ACCURACY, "测试规则", lambda on: quality._active()
    )
    quality.register(extra)
    try:
        regions = list(Region.objects.all())
        assert quality_rates(regions, ON)["pc_info_accuracy_rate"]["420802"] == Decimal(0)
        assert record.pk in set(
            Recipient.objects.filter(quality.failing_any(ON, "accuracy")).values_list(
                "pk", flat=True
            )
        )
    finally:
        quality._RULES.pop("test_band")


# ---------------------------------------------------------------- targets 15.2–15.5


def test_targets_worked_by_hand(world):
    # 东宝区 (420802), all in 龙泉社区 of 龙泉街道 (420802001):
    #   A complete and authenticated — passes every rule;
    #   B never authenticated        — fails ID (15.2);
    #   C no certificate number      — fails completeness (15.4);
    #   D dead in the registry since 1 May — fails accuracy (15.3) and dynamic management (15.5);
    #   F a grade change approved after its deadline — fails dynamic management (15.5);
    #   G ended — not on the roster, not counted.
    # 钟祥市 (420881): E complete — passes every rule.
    _record(world)
    _record(world, id_checked_on=None, id_check_method="")
    _record(world, certificate_no="")
    _record(world, person=_person(world, death_date=dt.date(2026, 5, 1)))
    f = _record(world)
    _change(world, f, event=dt.date(2026, 5, 4), decided=dt.date(2026, 6, 2))
    _record(world, status="ended", ended_on=dt.date(2025, 1, 1), end_reason="other")
    _record(
        world,
        region="yingzhong_community",
        person=_person(world, region="yingzhong_community"),
    )
    rates = quality_rates(list(Region.objects.all()), ON)
    # 东宝区: 5 active; ID passes 4 (all but B) = 80 %; accuracy 4 (all but D) = 80 %;
    # completeness 4 (all but C) = 80 %; dynamic 3 (all but D and F) = 60 %.
    assert rates["pc_id_authentication_rate"]["420802"] == Decimal(80)
    assert rates["pc_info_accuracy_rate"]["420802"] == Decimal(80)
    assert rates["pc_data_completeness_rate"]["420802"] == Decimal(80)
    assert rates["pc_dynamic_management_rate"]["420802"] == Decimal(60)
    # The same on its township.
    assert rates["pc_dynamic_management_rate"]["420802001"] == Decimal(60)
    # 钟祥市: 1 active, passing all = 100 %.
    assert rates["pc_id_authentication_rate"]["420881"] == Decimal(100)
    # The city: 6 active; ID 5/6 = 83.33 %; dynamic 4/6 = 66.67 %.
    assert round(rates["pc_id_authentication_rate"]["420800"], 2) == Decimal("83.33")
    assert round(rates["pc_dynamic_management_rate"]["420800"], 2) == Decimal("66.67")
    # A county with no record has no value, not 0 %.
    assert "420804" not in rates["pc_id_authentication_rate"]


def test_targets_are_computed_indicators(world):
    from minzheng.targets import indicators

    for code in quality.DIMENSION_INDICATORS.values():
        assert indicators.get(code).kind == "computed", code


# ---------------------------------------------------------------- pages


def test_quality_page_per_county_and_city_overview(world, client):
    today = timezone.localdate()
    good = _record(world)
    bad = _record(world, certificate_no="", person=_person(world))
    unchecked = _record(world, id_checked_on=None, id_check_method="")
    other = _record(
        world,
        region="yingzhong_community",
        certificate_no="",
        person=_person(world, region="yingzhong_community"),
    )
    assert today >= dt.date(2025, 1, 10)
    client.force_login(world["dongbao_approver"])
    page = client.get("/specialcare/quality/").content.decode()
    assert f"/specialcare/{bad.pk}/" in page and f"/specialcare/{unchecked.pk}/" in page
    assert f"/specialcare/{good.pk}/" not in page
    assert f"/specialcare/{other.pk}/" not in page  # another county
    assert "缺少证件编号" in page and "未做二代身份证认证" in page
    filtered = client.get("/specialcare/quality/?rule=missing_certificate").content.decode()
    assert f"/specialcare/{bad.pk}/" in filtered and f"/specialcare/{unchecked.pk}/" not in filtered
    export = client.get("/specialcare/quality/?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(export.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "规则" and {r[0] for r in rows[1:]} == {
        "missing_certificate",
        "id_unauthenticated",
    }
    assert AuditEvent.objects.filter(action="export", object_type="specialcare.quality").exists()
    # The city: the overview by county, and one county's list on request.
    client.force_login(world["city_section"])
    overview = client.get("/specialcare/quality/").content.decode()
    assert (
        "东宝区" in overview and "钟祥市" in overview and f"/specialcare/{bad.pk}/" not in overview
    )
    county = client.get("/specialcare/quality/?region=420881").content.decode()
    assert f"/specialcare/{other.pk}/" in county and f"/specialcare/{bad.pk}/" not in county
    # The record page names its failing rules.
    client.force_login(world["dongbao_approver"])
    assert "缺少证件编号" in client.get(f"/specialcare/{bad.pk}/").content.decode()


def test_quality_api_lists_failing_records_in_scope(world, api_client):
    bad = _record(world, certificate_no="")
    _record(
        world,
        region="yingzhong_community",
        certificate_no="",
        person=_person(world, region="yingzhong_community"),
    )
    body = api_client.login("dongbao_approver").get("/api/v1/specialcare/quality/failing").json()
    assert [(i["rule"], i["record_id"]) for i in body["items"]] == [("missing_certificate", bad.pk)]
    rules = api_client.login("dongbao_approver").get("/api/v1/specialcare/quality/rules").json()
    assert {r["dimension"] for r in rules} == {"id", "accuracy", "completeness", "dynamic"}


def test_workbench_card_for_the_county_approver(world, client):
    record = _record(world, certificate_no="")
    _change(world, record, event=timezone.localdate(), status="pending")
    client.force_login(world["dongbao_approver"])
    page = client.get("/").content.decode()
    assert "优抚对象待审批" in page and "数据质量不合格 1 人" in page
    client.force_login(world["dongbao_clerk"])
    assert "优抚对象待审批" not in client.get("/").content.decode()

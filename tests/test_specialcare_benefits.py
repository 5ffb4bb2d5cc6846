"""Special-care benefits (docs/DOMAIN.md §9.1.3): pension amounts by category, grade and cause worked
by hand, the payroll paying them (a month, a mid-year standard raise, a grade change, a death), the
conscript-family benefit once a year, a one-off grant once, the accuracy rule, target 15.1, scope
and audit."""

import datetime as dt
import itertools

import pytest

from minzheng.accounts.models import Role
from minzheng.assistance.services import load_default_standards
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.people import services as people_services
from minzheng.specialcare import benefits
from minzheng.specialcare.models import (
    ChangeKind,
    ChangeStatus,
    ConscriptBenefit,
    Pension,
    Recipient,
    RecipientChange,
)
from tests.conftest import make_id, make_user

pytestmark = pytest.mark.django_db

_seq = itertools.count(500)
ON = dt.date(2016, 3, 15)  # confirmations: paid from April 2016


def _person(clerk, region, name, birth="19500101", household=True):
    seq = next(_seq)
    person = people_services.register_person(
        user=clerk,
        id_number=make_id(region.code[:6], birth, seq),
        name=name,
        hukou_region=region,
        hukou_type=region.urban_rural or "rural",
    )
    if household:
        people_services.create_household(
            user=clerk,
            region=region,
            head=person,
            address=f"{region.name}{seq}号",
            bank_name="农商银行",
            bank_account=f"621700007777{seq:07d}",
            since=dt.date(2010, 1, 1),
        )
    return person


def _recipient(person, region, category, **extra):
    return Recipient.objects.create(
        person=person, region=region, category=category, registered_on=dt.date(2010, 1, 1), **extra
    )


@pytest.fixture
def care_world(jingmen, users):
    load_default_standards()
    w = {**users, "jingmen": jingmen}
    w["zx_approver"] = make_user("zx_approver", Role.COUNTY_APPROVER, jingmen["zhongxiang"])
    clerk, community = users["dongbao_clerk"], jingmen["longquan_community"]
    village = jingmen["lixi_village"]
    lixi = make_user("lixi_clerk", Role.TOWNSHIP_CLERK, village.parent)
    r = {}
    r["war1"] = _recipient(
        _person(clerk, community, "赵一战"),
        community,
        "disabled_veteran",
        disability_grade=1,
        disability_cause="war",
    )
    r["duty4"] = _recipient(
        _person(clerk, community, "钱四公"),
        community,
        "disabled_veteran",
        disability_grade=4,
        disability_cause="duty",
    )
    r["ill6"] = _recipient(
        _person(clerk, community, "孙六病"),
        community,
        "disabled_veteran",
        disability_grade=6,
        disability_cause="illness",
    )
    r["ill7"] = _recipient(
        _person(clerk, community, "李七病"),
        community,
        "disabled_veteran",
        disability_grade=7,
        disability_cause="illness",
    )
    r["martyr"] = _recipient(_person(clerk, community, "周烈属"), community, "martyr_family")
    r["rural"] = _recipient(_person(lixi, village, "吴复员"), village, "rural_veteran")
    r["conscript_urban"] = _recipient(
        _person(clerk, community, "郑兵父", "19700101"),
        community,
        "serving_family",
        service_kind="conscript",
    )
    r["conscript_rural"] = _recipient(
        _person(lixi, village, "王兵母", "19720101"),
        village,
        "serving_family",
        service_kind="conscript",
    )
    r["nco"] = _recipient(
        _person(lixi, village, "冯士官父", "19680101"),
        village,
        "serving_family",
        service_kind="nco",
    )
    zx = jingmen["yingzhong_community"]
    r["zx"] = _recipient(
        _person(users["zhongxiang_clerk"], zx, "陈钟祥"),
        zx,
        "war_veteran",
    )
    w["r"] = r
    return w


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    "key, monthly_fen",
    [
        # disabled in war, grade 1: 73,540 元 a year → 7,354,000 fen ÷ 12 = 612,833.33 → 612,833
        ("war1", 612833),
        # on duty, grade 4: 44,870 元 → 4,487,000 ÷ 12 = 373,916.67 → 373,917 (half up)
        ("duty4", 373917),
        # by illness, grade 6: 26,470 元 → 2,647,000 ÷ 12 = 220,583.33 → 220,583
        ("ill6", 220583),
        # martyr's family: 16,110 元 → 1,611,000 ÷ 12 = 134,250 exactly
        ("martyr", 134250),
        # veteran in the countryside: 14,010 元 → 1,401,000 ÷ 12 = 116,750
        ("rural", 116750),
        # war veteran (钟祥市): 6,530 元 → 653,000 ÷ 12 = 54,416.67 → 54,417
        ("zx", 54417),
    ],
)
def test_pension_amounts_by_category_grade_and_cause(care_world, key, monthly_fen):
    w = care_world
    user = w["zx_approver"] if key == "zx" else w["dongbao_approver"]
    pension = benefits.confirm_pension(user=user, recipient=w["r"][key], on=ON)
    e = pension.entitlement
    assert (e.programme, e.start_month, e.end_month) == (
        "special_care_pension",
        dt.date(2016, 4, 1),
        None,
    )
    assert e.monthly_amount_fen == monthly_fen
    assert e.basis["recipient"] == w["r"][key].pk
    assert AuditEvent.objects.filter(
        object_type="specialcare.pension", object_id=str(pension.pk), action="create"
    ).exists()


@pytest.mark.parametrize(
    "key, field, message",
    [
        ("ill7", "disability_grade", "不享受残疾抚恤金"),
        ("conscript_urban", "category", "义务兵家庭优待金"),
    ],
)
def test_records_without_a_pension_are_refused_field_by_field(care_world, key, field, message):
    with pytest.raises(ServiceError) as err:
        benefits.confirm_pension(
            user=care_world["dongbao_approver"], recipient=care_world["r"][key]
        )
    assert message in str(err.value.errors[field])


def test_only_the_county_approver_in_scope_confirms(care_world):
    w = care_world
    with pytest.raises(PermissionDeniedError):
        benefits.confirm_pension(user=w["dongbao_clerk"], recipient=w["r"]["war1"])
    with pytest.raises(NotFoundOrOutOfScope):
        benefits.confirm_pension(user=w["zx_approver"], recipient=w["r"]["war1"])
    benefits.confirm_pension(user=w["dongbao_approver"], recipient=w["r"]["war1"], on=ON)
    with pytest.raises(ServiceError) as err:
        benefits.confirm_pension(user=w["dongbao_approver"], recipient=w["r"]["war1"], on=ON)
    assert err.value.status == 409


# ---------------------------------------------------------------- the payroll


def _pay(w, month):
    from minzheng.payments import payroll
    from minzheng.payments.models import PayrollLine

    run = payroll.create_run(
        user=w["dongbao_approver"], county=w["jingmen"]["dongbao"], month=month
    )
    payroll.compute_payroll(run=run)
    assert payroll.compute_payroll(run=run)["added"] == 0
    return {
        line.person_id: line.amount_fen
        for line in PayrollLine.objects.filter(
            run=run, programme="special_care_pension", kind="regular"
        )
    }


def test_pensions_in_the_payroll_with_a_raise_a_grade_change_and_a_death(care_world):
    """东宝区 confirms four pensions on 15 Mar 2016 (paid from April): war grade 1 612,833, duty
    grade 4 373,917, martyr's family 134,250, countryside veteran 116,750 fen a month.
    June pays 612,833 + 373,917 + 134,250 + 116,750 = 1,237,750 fen (12,377.50 元).
    The city raises the martyr-family standard to 18,000 元 a year from 1 Jul 2016: 1,800,000 ÷ 12
    = 150,000 fen, so July pays 1,237,750 − 134,250 + 150,000 = 1,253,500.
    The duty veteran is re-assessed grade 3 (approved 10 Aug 2016): from September 55,890 元 ÷ 12
    = 5,589,000 ÷ 12 = 465,750 fen. The war veteran dies on 20 Aug 2016 (death approved): paid
    for August, not September. September pays 465,750 + 150,000 + 116,750 = 732,500."""
    from minzheng.assistance import services as assistance_services
    from minzheng.payments import recompute
    from minzheng.specialcare.signals import recipient_changed

    w = care_world
    r = w["r"]
    approver = w["dongbao_approver"]
    result = benefits.confirm_all_due(user=approver, county=w["jingmen"]["dongbao"], on=ON)
    # Due in 东宝区: war1, duty4, ill6, martyr, rural (not ill7, the serving families, nor 钟祥).
    assert (result["confirmed"], result["skipped"]) == (5, 0)
    assert (
        benefits.confirm_all_due(user=approver, county=w["jingmen"]["dongbao"], on=ON)["confirmed"]
        == 0
    )
    # The illness-6 veteran's pension is stopped before April to keep the arithmetic to four.
    benefits.stop_pension(
        Pension.objects.get(recipient=r["ill6"]), last_month=dt.date(2016, 3, 1), user=approver
    )
    war, duty, martyr, rural = (r[k].person_id for k in ("war1", "duty4", "martyr", "rural"))
    june = _pay(w, dt.date(2016, 6, 1))
    assert june == {war: 612833, duty: 373917, martyr: 134250, rural: 116750}
    assert sum(june.values()) == 1237750

    standard = assistance_services.set_standard(
        user=w["city_section"],
        programme="special_care_pension",
        key="martyr_family",
        region=w["jingmen"]["city"],
        effective_from=dt.date(2016, 7, 1),
        value=1800000,
        reason="提高烈士遗属定期抚恤金标准",
    )
    outcome = recompute.recompute_after_standard_change(standard=standard)
    assert (outcome["changed"], outcome["errors"]) == (1, 0)
    july = _pay(w, dt.date(2016, 7, 1))
    assert july[martyr] == 150000 and sum(july.values()) == 1253500

    # The roster approves a grade change and a death, and publishes them.
    at = dt.datetime(2016, 8, 10, 10, tzinfo=dt.UTC)
    grade = RecipientChange.objects.create(
        recipient=r["duty4"],
        kind=ChangeKind.GRADE,
        event_on=dt.date(2016, 8, 1),
        details={"disability_grade": 3},
        status=ChangeStatus.APPROVED,
        requested_by=w["dongbao_clerk"],
        requested_at=at,
        decided_by=approver,
        decided_at=at,
    )
    Recipient.objects.filter(pk=r["duty4"].pk).update(disability_grade=3)
    recipient_changed.send(Recipient, recipient=r["duty4"], change=grade)
    death = RecipientChange.objects.create(
        recipient=r["war1"],
        kind=ChangeKind.DEATH,
        event_on=dt.date(2016, 8, 20),
        status=ChangeStatus.APPROVED,
        requested_by=w["dongbao_clerk"],
        requested_at=at,
        decided_by=approver,
        decided_at=at,
    )
    Recipient.objects.filter(pk=r["war1"].pk).update(
        status="ended", ended_on=dt.date(2016, 8, 20), end_reason="death"
    )
    recipient_changed.send(Recipient, recipient=r["war1"], change=death)
    august = _pay(w, dt.date(2016, 8, 1))
    assert august[war] == 612833 and august[duty] == 373917
    september = _pay(w, dt.date(2016, 9, 1))
    assert september == {duty: 465750, martyr: 150000, rural: 116750}
    assert sum(september.values()) == 732500
    pension = Pension.objects.get(recipient=r["duty4"])
    assert (pension.disability_grade, pension.entitlement.basis["grade"]) == (3, 3)


# ---------------------------------------------------------------- conscript-family benefit


def test_conscript_family_benefit_is_paid_once_a_year(care_world):
    """Two conscripts' families in 东宝区: 龙泉社区 is urban (8,000 元), 栗溪村 rural (5,000 元);
    the NCO's family gets nothing. 2016: 2 payables, 13,000 元. A second issue adds nothing."""
    from minzheng.payments.models import OneOffPayable

    w = care_world
    county = w["jingmen"]["dongbao"]
    first = benefits.issue_conscript_benefits(
        user=w["dongbao_approver"], county=county, year=2016, on=dt.date(2016, 3, 1)
    )
    assert (first["issued"], first["skipped"]) == (2, 0)
    payables = OneOffPayable.objects.filter(programme="conscript_family_benefit")
    assert sorted(payables.values_list("amount_fen", flat=True)) == [500000, 800000]
    assert sum(payables.values_list("amount_fen", flat=True)) == 1300000
    again = benefits.issue_conscript_benefits(
        user=w["dongbao_approver"], county=county, year=2016, on=dt.date(2016, 6, 1)
    )
    assert again["issued"] == 0 and payables.count() == 2
    assert ConscriptBenefit.objects.filter(year=2016).count() == 2
    with pytest.raises(PermissionDeniedError):
        benefits.issue_conscript_benefits(user=w["zx_approver"], county=county, year=2016)


# ---------------------------------------------------------------- one-off grants


def test_one_off_grant_is_paid_once_per_kind(care_world):
    from minzheng.payments.models import OneOffPayable

    w = care_world
    grant = benefits.create_grant(
        user=w["dongbao_approver"],
        recipient=w["r"]["martyr"],
        kind="one_off_subsidy",
        amount_fen=200000,
        reason="春节慰问一次性补助",
        on=dt.date(2016, 2, 1),
    )
    assert grant.payable.programme == "special_care_subsidy"
    assert grant.payable.amount_fen == 200000
    with pytest.raises(ServiceError) as err:
        benefits.create_grant(
            user=w["dongbao_approver"],
            recipient=w["r"]["martyr"],
            kind="one_off_subsidy",
            amount_fen=100000,
            reason="再次",
        )
    assert err.value.status == 409
    assert OneOffPayable.objects.filter(source_kind="specialcare_grant").count() == 1
    with pytest.raises(ServiceError) as err:
        benefits.create_grant(
            user=w["dongbao_approver"],
            recipient=w["r"]["rural"],
            kind="one_off_subsidy",
            amount_fen=0,
            reason="",
        )
    assert set(err.value.errors) == {"amount", "reason"}


# ---------------------------------------------------------------- data quality


def test_accuracy_rule_names_pensions_of_another_grade(care_world):
    from minzheng.specialcare import quality

    w = care_world
    rule = next(r for r in quality.rules("accuracy") if r.code == "pension_grade_mismatch")
    assert str(rule.label) == "定期抚恤金档次与残疾等级不符"
    for key in ("war1", "duty4"):
        benefits.confirm_pension(user=w["dongbao_approver"], recipient=w["r"][key], on=ON)
    assert list(rule.failing(dt.date(2016, 5, 1))) == []
    # The record says grade 2 while the pension still pays grade 1 (a change not carried over).
    Recipient.objects.filter(pk=w["r"]["war1"].pk).update(disability_grade=2)
    assert [r.pk for r in rule.failing(dt.date(2016, 5, 1))] == [w["r"]["war1"].pk]


# ---------------------------------------------------------------- target 15.1


def test_policy_rate_by_hand(care_world):
    """On 30 Jun 2016. Due in 龙泉社区 (urban community): war1 (pension + medical: grade 1),
    duty4 (pension + medical), ill6 (pension + medical), ill7 (nothing: not due), martyr (pension),
    conscript_urban (conscript benefit) → 5 due. In 栗溪村: rural (pension), conscript_rural
    (conscript benefit), nco (nothing) → 2 due. In 郢中社区 (钟祥市): zx (pension) → 1 due.
    In force: war1 (pension and medical recorded), martyr (pension), conscript_urban (issued) in
    龙泉社区 → 3 of 5 (duty4 has a pension but no medical record; ill6 nothing); 栗溪村: conscript_rural
    issued, rural not confirmed → 1 of 2; 郢中社区 0 of 1.
    龙泉社区 60 %; 栗溪村 50 %; 东宝区 4 ÷ 7 = 57.14 %; 钟祥市 0 %; city 4 ÷ 8 = 50 %."""
    from decimal import Decimal

    from minzheng.regions.models import Region
    from minzheng.specialcare.benefit_indicators import policy_rate

    w = care_world
    r = w["r"]
    approver = w["dongbao_approver"]
    for key in ("war1", "duty4", "martyr"):
        benefits.confirm_pension(user=approver, recipient=r[key], on=ON)
    benefits.issue_conscript_benefits(
        user=approver, county=w["jingmen"]["dongbao"], year=2016, on=dt.date(2016, 3, 1)
    )
    benefits.record_guarantee(
        user=approver,
        recipient=r["war1"],
        data={"year": 2016, "kind": "insurance_premium"},
        on=dt.date(2016, 3, 1),
    )
    benefits.record_guarantee(
        user=approver,
        recipient=r["duty4"],
        data={"year": 2015, "kind": "insurance_premium"},
        on=dt.date(2016, 3, 1),
    )
    values = policy_rate(Region.objects.all(), dt.date(2016, 6, 30))
    assert values["420802001001"] == Decimal(60)
    assert values["420802100200"] == Decimal(50)
    assert values["420802"].quantize(Decimal("0.01")) == Decimal("57.14")
    assert values["420881"] == Decimal(0)
    assert values["420800"] == Decimal(50)


def test_a_grade_without_a_pension_stops_it_and_a_move_follows_the_record(care_world):
    """The illness-6 veteran (220,583 fen a month from April 2016) is re-assessed grade 7 by
    illness (approved 10 May 2016): grade 7 by illness carries no pension, so it is paid up to
    May and stops. The martyr's family moves to 栗溪村 (same county): the pension's village follows."""
    from minzheng.payments.models import Entitlement
    from minzheng.specialcare.signals import recipient_changed

    w = care_world
    r = w["r"]
    approver = w["dongbao_approver"]
    ill = benefits.confirm_pension(user=approver, recipient=r["ill6"], on=ON)
    martyr = benefits.confirm_pension(user=approver, recipient=r["martyr"], on=ON)
    at = dt.datetime(2016, 5, 10, 10, tzinfo=dt.UTC)

    def approved(recipient, kind, details):
        return RecipientChange.objects.create(
            recipient=recipient,
            kind=kind,
            event_on=dt.date(2016, 5, 1),
            details=details,
            status=ChangeStatus.APPROVED,
            requested_by=w["dongbao_clerk"],
            requested_at=at,
            decided_by=approver,
            decided_at=at,
        )

    Recipient.objects.filter(pk=r["ill6"].pk).update(disability_grade=7)
    recipient_changed.send(
        Recipient, recipient=r["ill6"], change=approved(r["ill6"], "grade", {"disability_grade": 7})
    )
    e = Entitlement.objects.get(pk=ill.entitlement_id)
    assert (e.status, e.end_month) == ("terminated", dt.date(2016, 5, 1))
    village = w["jingmen"]["lixi_village"]
    Recipient.objects.filter(pk=r["martyr"].pk).update(region=village)
    recipient_changed.send(
        Recipient,
        recipient=r["martyr"],
        change=approved(r["martyr"], "move", {"region": village.pk}),
    )
    assert Entitlement.objects.get(pk=martyr.entitlement_id).region_id == village.pk


def test_the_roster_approvals_move_the_pension(care_world):
    """Through the roster's own services (no signal sent by hand): the county approves a grade
    change of the duty veteran (grade 4 → 3) and the death of the war veteran, today. The duty
    pension is 55,890 元 a year from next month: 5,589,000 fen ÷ 12 = 465,750 fen a month; the
    war veteran's pension ends with this month."""
    from minzheng.payments import months
    from minzheng.payments.models import Entitlement, EntitlementChange
    from minzheng.specialcare import services as roster

    w = care_world
    r = w["r"]
    clerk, approver = w["dongbao_clerk"], w["dongbao_approver"]
    today = dt.date.today()
    duty = benefits.confirm_pension(user=approver, recipient=r["duty4"], on=ON)
    war = benefits.confirm_pension(user=approver, recipient=r["war1"], on=ON)

    grade = roster.request_change(
        user=clerk, record=r["duty4"], kind="grade", event_on=today, data={"disability_grade": 3}
    )
    roster.decide_change(user=approver, change=grade, approve=True)
    duty.refresh_from_db()
    assert duty.disability_grade == 3
    next_month = months.next_month(today)
    change = EntitlementChange.objects.get(
        entitlement_id=duty.entitlement_id, effective_month=next_month
    )
    assert change.new_amount_fen == 465750

    death = roster.request_change(user=clerk, record=r["war1"], kind="death", event_on=today)
    roster.decide_change(user=approver, change=death, approve=True)
    ended = Entitlement.objects.get(pk=war.entitlement_id)
    assert (ended.status, ended.end_month) == ("terminated", months.month_start(today))

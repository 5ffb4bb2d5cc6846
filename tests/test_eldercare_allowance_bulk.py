"""The set-based allowance statements: a city with two rules (each group of regions scanned by
its own age), the rows the confirmation writes in bulk (entitlement, first amount period with its
snapshot, enrolment), and what it refuses."""

import pytest

from minzheng.assistance import services as assistance_services
from minzheng.core.errors import ServiceError
from minzheng.eldercare import allowance
from minzheng.eldercare.models import AllowanceEnrolment
from minzheng.payments import months
from minzheng.payments.models import Entitlement, EntitlementChange
from tests.fixtures.eldercare import born, elder, this_month, today


def test_each_rule_group_is_scanned_by_its_own_age(standards, users, jingmen):
    """钟祥 pays from 75, the rest of the city from 80: a 76-year-old is proposed in 钟祥 only."""
    month = this_month()
    assistance_services.set_standard(
        user=users["city_section"],
        programme="old_age_allowance",
        key="min_age",
        region=jingmen["zhongxiang"],
        effective_from=months.add_months(month, -1),
        value=75,
        reason="钟祥市自75周岁起发放",
    )
    d_clerk, z_clerk = users["dongbao_clerk"], users["zhongxiang_clerk"]
    dongbao_76 = elder(d_clerk, jingmen["longquan_community"], "东宝七六", born(76, month, 5))
    zhongxiang_76 = elder(z_clerk, jingmen["yingzhong_community"], "钟祥七六", born(76, month, 5))
    zhongxiang_74 = elder(z_clerk, jingmen["yingzhong_community"], "钟祥七四", born(74, month, 5))
    dongbao_81 = elder(d_clerk, jingmen["longquan_community"], "东宝八一", born(81, month, 5))
    assert allowance.scan_enrolments(month=month)["proposed"] == 2
    proposed = dict(AllowanceEnrolment.objects.values_list("person_id", "eligible_from"))
    # Eligible from the month each reached their region's age: 钟祥 at 75 (a year ago), 东宝 at 80.
    assert proposed == {
        zhongxiang_76.pk: months.add_months(month, -12),
        dongbao_81.pk: months.add_months(month, -12),
    }
    assert dongbao_76.pk not in proposed and zhongxiang_74.pk not in proposed


def test_confirmation_writes_entitlement_period_and_enrolment_alike(standards, users, jingmen):
    clerk, village = users["dongbao_clerk"], jingmen["longquan_community"]
    month = this_month()
    person = elder(clerk, village, "沈九五", born(95, month, 1))
    allowance.scan_enrolments(month=month)
    result = allowance.confirm_enrolments(
        user=clerk, enrolments=AllowanceEnrolment.objects.all(), on=today(), reason="到龄纳入"
    )
    assert result == {"confirmed": 1, "skipped": []}
    entitlement = Entitlement.objects.get(person=person)
    # 95 in this month: band 2, 100.00 元 a month from this month, as a rules-based, enrolment-sourced allowance.
    assert (
        entitlement.programme,
        entitlement.beneficiary_key,
        entitlement.status,
        entitlement.monthly_amount_fen,
    ) == ("old_age_allowance", f"p{person.pk}", "active", 10000)
    assert (
        entitlement.start_month,
        entitlement.amount_since,
        entitlement.source,
        entitlement.review_class,
    ) == (month, month, "enrolment", "A")
    assert (
        entitlement.household_id == person.memberships.get().household_id
        and entitlement.region_id == village.pk
    )
    assert entitlement.basis == {"band": 2}
    assert entitlement.facts == {"birth_date": person.birth_date.isoformat(), "age": 95}
    assert {s["key"] for s in entitlement.standards} == {
        "min_age",
        "band_2_age",
        "band_3_age",
        "amount_band_1",
        "amount_band_2",
        "amount_band_3",
        "start_month_offset",
    }
    period = EntitlementChange.objects.get(entitlement=entitlement)
    assert (
        period.kind,
        period.effective_month,
        period.until_month,
        period.new_amount_fen,
        period.new_status,
    ) == ("create", month, None, 10000, "active")
    assert period.reason == f"到龄纳入，自{months.label(month)}起发放" and period.by_id == clerk.pk
    assert period.snapshot == {
        "facts": entitlement.facts,
        "standards": entitlement.standards,
        "trace": entitlement.trace,
        "rule_version": allowance.RULE_VERSION,
        "basis": {"band": 2},
        "computed_on": today().isoformat(),
        "eligible": True,
    }
    enrolment = AllowanceEnrolment.objects.get(person=person)
    assert (
        enrolment.status,
        enrolment.entitlement_id,
        enrolment.decided_by_id,
        enrolment.reason,
    ) == ("confirmed", entitlement.pk, clerk.pk, "到龄纳入")


def test_a_live_allowance_blocks_the_whole_confirmation(standards, users, jingmen):
    """Someone already paid (an allowance created meanwhile by another route) makes the list
    refused as a whole: nothing is half-written."""
    clerk, village = users["dongbao_clerk"], jingmen["longquan_community"]
    month = this_month()
    first = elder(clerk, village, "韩八二", born(82, month, 1))
    second = elder(clerk, village, "杨八三", born(83, month, 1))
    allowance.scan_enrolments(month=month)
    allowance.confirm_enrolments(
        user=clerk, enrolments=AllowanceEnrolment.objects.filter(person=first)
    )
    # A new open proposal for the person already paid, next to the other one.
    AllowanceEnrolment.objects.create(
        person=first, region=village, eligible_from=month, proposed_on=today()
    )
    with pytest.raises(ServiceError) as refused:
        allowance.confirm_enrolments(
            user=clerk, enrolments=AllowanceEnrolment.objects.filter(status="proposed")
        )
    assert refused.value.status == 409
    assert not Entitlement.objects.filter(person=second).exists()
    assert AllowanceEnrolment.objects.filter(status="proposed").count() == 2

"""Old-age allowance: the birthday boundary of the scan and of the bands, the township's
confirmation into the payroll, the monthly band reconciliation, and a death across payrolls."""

import datetime as dt

import pytest

from minzheng.assistance import services as assistance_services
from minzheng.eldercare import allowance
from minzheng.eldercare.models import AllowanceEnrolment
from minzheng.payments import months, payroll
from minzheng.payments import selectors as payment_selectors
from minzheng.payments import services as payment_services
from minzheng.payments.models import Entitlement, Overpayment, PayrollLine
from minzheng.people import services as people_services
from tests.fixtures.eldercare import born, elder, this_month, today


def _month_end(month: dt.date) -> int:
    return allowance.month_end(month).day


@pytest.mark.parametrize(
    "birth_offset_years, day_of, month_shift, band, amount",
    [
        # Age reached by the last day of the month decides the band (offset 0 = birthday month).
        (79, 28, 0, 0, 0),  # turns 80 next year
        (80, "last", 0, 1, 5000),  # turns 80 on the month's last day: band 1 this month
        (80, 1, 1, 0, 0),  # turns 80 on the 1st of next month: nothing this month
        (89, "last", 0, 1, 5000),
        (90, 1, 0, 2, 10000),  # turns 90 this month
        (99, 15, 0, 2, 10000),
        (100, "last", 0, 3, 30000),
    ],
)
def test_band_at_the_birthday_boundary(
    standards, birth_offset_years, day_of, month_shift, band, amount
):
    from minzheng.assistance.selectors import standards_table
    from minzheng.regions.models import Region

    month = this_month()
    birth_month = months.add_months(month, month_shift)
    day = _month_end(birth_month) if day_of == "last" else day_of
    birth = born(birth_offset_years, birth_month, day)
    table = standards_table(month).for_path(Region.objects.get(code="420802001").path)
    assert allowance.amount_for(birth, month, table) == (band, amount)


def test_offset_moves_eligibility_to_the_next_month(standards, users, jingmen):
    from minzheng.assistance.selectors import standards_table

    month = this_month()
    birth = born(80, month, 10)
    assistance_services.set_standard(
        user=users["city_section"],
        programme="old_age_allowance",
        key="start_month_offset",
        region=jingmen["city"],
        effective_from=months.add_months(month, -1),
        value=1,
        reason="自满龄次月起发",
    )
    table = standards_table(month).for_path(jingmen["longquan_community"].path)
    assert allowance.eligible_from(birth, table) == months.add_months(month, 1)
    assert allowance.amount_for(birth, month, table) == (0, 0)
    later = standards_table(months.add_months(month, 1)).for_path(
        jingmen["longquan_community"].path
    )
    assert allowance.amount_for(birth, months.add_months(month, 1), later) == (1, 5000)


def test_scan_proposes_the_month_a_person_turns_80(standards, users, jingmen):
    clerk, village = users["dongbao_clerk"], jingmen["longquan_community"]
    month = this_month()
    on_15th = elder(clerk, village, "赵十五", born(80, month, 15))
    on_last = elder(clerk, village, "钱月末", born(80, month, _month_end(month)))
    next_month = elder(clerk, village, "孙下月", born(80, months.add_months(month, 1), 1))
    no_household = elder(clerk, village, "李无户", born(85, month, 2), household=False)
    no_bank = elder(clerk, village, "周无账户", born(86, month, 2), bank=False)
    dead = elder(clerk, village, "吴已故", born(88, month, 2))
    people_services.update_person(user=clerk, person=dead, death_date=today())

    # Last month only the two long past 80 (the dead excluded); this month the two turning 80 in it.
    assert allowance.scan_enrolments(month=months.add_months(month, -1))["proposed"] == 2
    assert set(AllowanceEnrolment.objects.values_list("person_id", flat=True)) == {
        no_household.pk,
        no_bank.pk,
    }
    assert allowance.scan_enrolments(month=month)["proposed"] == 2
    proposed = {e.person_id: e for e in AllowanceEnrolment.objects.all()}
    assert set(proposed) == {no_household.pk, no_bank.pk, on_15th.pk, on_last.pk}
    assert next_month.pk not in proposed and dead.pk not in proposed
    assert proposed[on_15th.pk].eligible_from == month == proposed[on_last.pk].eligible_from
    assert proposed[no_household.pk].problem == "未登记在任何家庭，无法发放"
    assert proposed[no_bank.pk].problem == "家庭未登记银行账户"
    # Idempotent: the same month again proposes nobody.
    assert allowance.scan_enrolments(month=month)["proposed"] == 0
    assert allowance.scan_enrolments(month=months.add_months(month, 1))["proposed"] == 1  # 孙下月


def test_confirmation_creates_paid_entitlements(standards, users, jingmen):
    clerk, village = users["dongbao_clerk"], jingmen["longquan_community"]
    month = this_month()
    eighty = elder(clerk, village, "郑八十", born(80, month, 1))
    ninety_next = elder(clerk, village, "冯将九十", born(90, months.add_months(month, 1), 5))
    hundred = elder(clerk, village, "陈百岁", born(100, month, 1))
    lonely = elder(clerk, village, "褚无户", born(83, month, 1), household=False)
    allowance.scan_enrolments(month=month)
    enrolments = AllowanceEnrolment.objects.filter(status="proposed")
    assert enrolments.count() == 4
    # A village worker may not confirm; the township clerk may.
    from minzheng.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        allowance.confirm_enrolments(user=users["dongbao_village"], enrolments=enrolments)
    # 钟祥's clerk sees none of 东宝's proposals: nothing is confirmed.
    assert (
        allowance.confirm_enrolments(user=users["zhongxiang_clerk"], enrolments=enrolments)[
            "confirmed"
        ]
        == 0
    )
    result = allowance.confirm_enrolments(user=clerk, enrolments=enrolments, reason="到龄纳入")
    assert result["confirmed"] == 3 and [s["id"] for s in result["skipped"]] == [
        AllowanceEnrolment.objects.get(person=lonely).pk
    ]
    by_person = {e.person_id: e for e in Entitlement.objects.filter(programme="old_age_allowance")}
    assert {p: e.monthly_amount_fen for p, e in by_person.items()} == {
        eighty.pk: 5000,
        ninety_next.pk: 5000,
        hundred.pk: 30000,
    }
    assert all(
        e.start_month == month and e.status == "active" and e.next_review_on is None
        for e in by_person.values()
    )
    assert AllowanceEnrolment.objects.get(person=eighty).entitlement == by_person[eighty.pk]

    # Next month 冯 turns 90: the reconciliation opens band 2 from that month, once.
    following = months.add_months(month, 1)
    first = allowance.reconcile_amounts(month=following)
    assert (first["checked"], first["changed"]) == (3, 1)
    assert allowance.reconcile_amounts(month=following)["changed"] == 0
    ninety = by_person[ninety_next.pk]
    assert payment_selectors.amount_for_month(ninety, month) == 5000
    assert payment_selectors.amount_for_month(ninety, following) == 10000

    # Paid by the assistance payroll: one line per person and month, idempotent.
    run = payroll.create_run(
        user=users["dongbao_approver"], county=jingmen["dongbao"], month=following
    )
    payroll.compute_payroll(run=run)
    assert payroll.compute_payroll(run=run)["added"] == 0
    lines = {
        line.person_id: line.amount_fen
        for line in PayrollLine.objects.filter(run=run, programme="old_age_allowance")
    }
    assert lines == {eighty.pk: 5000, ninety_next.pk: 10000, hundred.pk: 30000}


def test_a_raised_standard_reaches_the_allowance_through_the_payroll_recompute(
    standards, users, jingmen
):
    """The payroll's standard-change recomputation uses the allowance calculator (band → amount)."""
    from minzheng.payments import recompute

    clerk, village = users["dongbao_clerk"], jingmen["longquan_community"]
    month = this_month()
    person = elder(clerk, village, "卫八五", born(85, month, 1))
    allowance.scan_enrolments(month=month)
    allowance.confirm_enrolments(user=clerk, enrolments=AllowanceEnrolment.objects.all())
    standard = assistance_services.set_standard(
        user=users["city_section"],
        programme="old_age_allowance",
        key="amount_band_1",
        region=jingmen["city"],
        effective_from=months.add_months(month, 1),
        value=8000,
        reason="提高高龄津贴",
    )
    result = recompute.recompute_after_standard_change(standard=standard)
    assert (result["changed"], result["errors"], result["slow_path"]) == (1, 0, 0)
    entitlement = Entitlement.objects.get(person=person)
    assert payment_selectors.amount_for_month(entitlement, month) == 5000
    assert payment_selectors.amount_for_month(entitlement, months.add_months(month, 1)) == 8000
    # The monthly reconciliation agrees with the recomputation: nothing more to change.
    assert allowance.reconcile_amounts(month=months.add_months(month, 1))["changed"] == 0


def test_death_stops_the_allowance_and_flags_what_was_paid_after(standards, users, jingmen):
    clerk, approver, village = (
        users["dongbao_clerk"],
        users["dongbao_approver"],
        jingmen["longquan_community"],
    )
    month, following = this_month(), months.add_months(this_month(), 1)
    person = elder(clerk, village, "蒋八七", born(87, month, 1))
    allowance.scan_enrolments(month=month)
    allowance.confirm_enrolments(user=clerk, enrolments=AllowanceEnrolment.objects.all())
    for m in (month, following):
        run = payroll.create_run(user=approver, county=jingmen["dongbao"], month=m)
        payroll.compute_payroll(run=run)
        payroll.approve_payroll(user=approver, run=run)
        payroll.export_payroll(user=approver, run=run, fmt="csv")
    assert PayrollLine.objects.filter(person=person, status="exported").count() == 2
    # Death in this month is registered after next month's payment went to the bank.
    people_services.update_person(user=clerk, person=person, death_date=month)
    result = payment_services.scan_deaths(on=today())
    entitlement = Entitlement.objects.get(person=person)
    assert (
        result["terminated"] == 1
        and entitlement.status == "terminated"
        and entitlement.end_month == month
    )
    overpayment = Overpayment.objects.get(entitlement=entitlement)
    assert (overpayment.line.month, overpayment.amount_fen, overpayment.reason) == (
        following,
        5000,
        "death",
    )
    # The dead are not proposed again.
    assert allowance.scan_enrolments(month=following)["proposed"] == 0

"""The demo set-up: a new install shows every module with data, and running it again adds nothing.
The set-up under test is the one tests/fixtures/demo.py runs once per test run on a new install."""

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.cases.holidays import package_years
from minzheng.cases.models import Holiday
from minzheng.core.models import AuditEvent
from minzheng.demo.data import DEMO_ACCOUNTS, ensure_demo_data
from minzheng.eldercare.models import Booking, ElderlyAssociation, Institution, ProviderStaff
from minzheng.payments.models import Entitlement, PayrollLine
from minzheng.people.models import Household, Person
from minzheng.regions.models import Region
from minzheng.targets import indicators
from minzheng.targets.models import (
    Evaluation,
    IndicatorValue,
    Plan,
    SnapshotRun,
    Target,
    UnitScore,
)
from tests.fixtures.demo import DEMO_PERSONS, DEMO_SEED


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Person,
            Household,
            Entitlement,
            PayrollLine,
            Institution,
            ElderlyAssociation,
            Booking,
            Plan,
            Target,
            Holiday,
        )
    }


def _all_counts(*, exclude) -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if not model._meta.proxy and model not in exclude
    }


def test_demo_fills_every_module_and_is_idempotent(demo_city, tmp_path):
    assert User.objects.filter(is_demo=True).count() == len(DEMO_ACCOUNTS)
    first = _counts()
    assert first["Person"] == DEMO_PERSONS and first["Household"] > DEMO_PERSONS // 4
    assert first["Entitlement"] > 50 and first["PayrollLine"] > 0
    assert first["Institution"] > 10 and first["ElderlyAssociation"] > 0 and first["Booking"] > 0
    assert ProviderStaff.objects.filter(user__username="provider").exists()
    # The 2016 plan, and this year's with its targets rolled forward.
    assert first["Plan"] == 2 and first["Target"] >= 200
    # The working-day calendar holds every published year, 2004 to the package's last.
    assert sorted(set(Holiday.objects.values_list("date__year", flat=True))) == package_years()
    assert_demo_in_proportion()
    _demo_is_plausible()
    everything = _all_counts(exclude={AuditEvent})
    accounts = ensure_demo_data(
        persons=DEMO_PERSONS,
        seed=DEMO_SEED,
        out_root=tmp_path,
        log=lambda message: None,
        reseed=True,
    )
    assert [a[0] for a in accounts] == [a[0] for a in DEMO_ACCOUNTS]
    assert _counts() == first
    # Nothing anywhere was added by the second run but its audit trail (every module's demo step,
    # e.g. one-off payables once chose other households when later steps had given some of the
    # first ones an allowance).
    assert _all_counts(exclude={AuditEvent}) == everything


def assert_demo_in_proportion():
    """Beds follow the city's elderly: beds per 1,000 elderly near the plan's 31 at the end of
    2016 and today (not thousands), and the leader's figures are plausible, not data anomalies."""
    city = Region.objects.get(code="420800")
    today = timezone.localdate()
    current = Plan.objects.get(year=today.year)
    for plan, on_date in ((Plan.objects.get(year=2016), dt.date(2016, 12, 31)), (current, today)):
        beds = IndicatorValue.objects.get(
            indicator="beds_per_1000_elderly", region=city, on_date=on_date
        ).value
        share = IndicatorValue.objects.get(
            indicator="share_60_plus", region=city, on_date=on_date
        ).value
        assert 25 <= beds <= 36, (on_date, beds)
        assert 5 <= share <= 30, (on_date, share)
        evaluations = Evaluation.objects.filter(
            target__plan=plan, on_date=on_date, target__region=city
        )
        assert not evaluations.filter(status="anomaly").exists(), list(
            evaluations.filter(status="anomaly").values_list("target__code", "value")
        )
        computed = [
            e
            for e in evaluations.select_related("target")
            if not indicators.reported_inputs(e.target.indicator)
        ]
        assert computed and not [
            e.target.code for e in computed if e.report_overdue
        ]  # a computed figure is never 逾期未报
    # This year's counts are scaled to the city (beds: 16,000 for 2.9 million people).
    people = Person.objects.filter(death_date__isnull=True).count()
    assert current.targets.get(code="1.3", region=city).value == round(
        Decimal(16000) * people / 2_900_000
    )
    assert (
        current.targets.get(code="1.4", region=city).value == 31
    )  # a ratio stays as the plan set it


def test_demo_beds_are_apportioned_to_the_bed():
    from minzheng.eldercare.demo import _apportion, _split

    # 11 beds by 35/15/30/20 %: 3.85, 1.65, 3.3, 2.2 → floors 3, 1, 3, 2 (9) + the two largest
    # remainders (.85 and .65) → 4, 2, 3, 2.
    assert _apportion(11, [0.35, 0.15, 0.30, 0.20]) == [4, 2, 3, 2]
    # A small county: 3 beds → 1.05, .45, .9, .6 → 1, 0, 1, 1 (no private home that year).
    assert _apportion(3, [0.35, 0.15, 0.30, 0.20]) == [1, 0, 1, 1]
    assert _split(7, 3) == [3, 2, 2]


def test_a_restart_on_the_same_day_skips_the_set_up_and_a_later_day_runs_it(
    demo_city, tmp_path, monkeypatch
):
    """Restarting the demo must not re-read the whole city (item: restart in seconds), but data
    that depends on the day (last month's payroll, today's snapshot) is set up again the next day."""
    import datetime as dt

    from minzheng.demo import data as demo

    # The set-up recorded the day it ran; a restart is "today" on that day.
    assert demo.seeded_on(persons=DEMO_PERSONS, seed=DEMO_SEED) == demo_city.set_up_on
    assert demo.seeded_on(persons=DEMO_PERSONS, seed=DEMO_SEED + 1) is None
    monkeypatch.setattr(demo.timezone, "localdate", lambda *args: demo_city.set_up_on)
    logged = []
    accounts = ensure_demo_data(
        persons=DEMO_PERSONS, seed=DEMO_SEED, out_root=tmp_path, log=logged.append
    )
    assert [a[0] for a in accounts] == [a[0] for a in DEMO_ACCOUNTS]
    assert len(logged) == 1 and "skipping" in logged[0]
    tomorrow = demo_city.set_up_on + dt.timedelta(days=1)
    monkeypatch.setattr(demo.timezone, "localdate", lambda *args: tomorrow)
    logged.clear()
    daily = {AuditEvent, IndicatorValue, Evaluation, UnitScore, SnapshotRun}
    before = _all_counts(exclude=daily)
    ensure_demo_data(persons=DEMO_PERSONS, seed=DEMO_SEED, out_root=tmp_path, log=logged.append)
    assert not any("skipping" in line for line in logged) and any(
        "Elderly care" in line for line in logged
    )
    # The next day adds the day's snapshot (and in a new month, that month's payroll): no second
    # paid batch of one-off payments "two weeks ago", and 2016's snapshots are not built again.
    if tomorrow.month == demo_city.set_up_on.month:
        assert _all_counts(exclude=daily) == before
        assert not any("targets snapshot 2016" in line for line in logged)
    assert demo.seeded_on(persons=DEMO_PERSONS, seed=DEMO_SEED) == tomorrow


def _demo_is_plausible():
    """The resident can try booking and the old-age allowance; bookings are at daytime hours at
    the household's address; living arrangements follow the household."""
    import datetime as dt

    from django.utils import timezone

    from minzheng.eldercare.models import ElderlyProfile
    from minzheng.people.models import HouseholdMember

    resident = User.objects.get(username="resident")
    household = HouseholdMember.objects.get(person=resident.person, until__isnull=True).household_id
    today = timezone.localdate()
    births = HouseholdMember.objects.filter(household_id=household, until__isnull=True).values_list(
        "person__birth_date", flat=True
    )
    assert any(b <= dt.date(today.year - 80, today.month, min(today.day, 28)) for b in births)
    for booking in Booking.objects.select_related("person"):
        assert 8 <= timezone.localtime(booking.scheduled_at).hour <= 17, booking.scheduled_at
        address = (
            HouseholdMember.objects.filter(person=booking.person, until__isnull=True)
            .values_list("household__address", flat=True)
            .first()
        )
        assert booking.address == address
    # The home-care centre's sixth booking is the held one (the volunteer provider's visits are
    # all served without anomaly).
    assert Booking.objects.filter(review="held").count() == (
        1 if Booking.objects.exclude(provider__kind="volunteers").count() >= 6 else 0
    )
    # The volunteer provider's visits, served by its worker who is a volunteer, are credited to
    # that volunteer through elderly care's booking_served, once each.
    from minzheng.volunteers.models import ServiceRecord

    visits = Booking.objects.filter(provider__kind="volunteers")
    assert visits.count() > 0 and not visits.filter(review="held").exists()
    credited = ServiceRecord.objects.filter(booking__in=visits)
    assert credited.count() == visits.count()
    assert {(r.source, r.volunteer_id) for r in credited} == {
        ("booking", r.booking.worker.volunteer_link.volunteer_id) for r in credited
    }
    for profile in ElderlyProfile.objects.exclude(living_situation=""):
        household = (
            HouseholdMember.objects.filter(person=profile.person, until__isnull=True)
            .values_list("household_id", flat=True)
            .first()
        )
        living = HouseholdMember.objects.filter(
            household_id=household, until__isnull=True, person__death_date__isnull=True
        ).count()
        assert (profile.living_situation == "alone") == (living <= 1), (
            profile.living_situation,
            living,
        )

"""The demo set-up: a new install shows every module with data, and running it again adds nothing."""

from minzheng.accounts.models import User
from minzheng.core.demo import DEMO_ACCOUNTS, ensure_demo_data
from minzheng.eldercare.models import Booking, ElderlyAssociation, Institution, ProviderStaff
from minzheng.payments.models import Entitlement, PayrollLine
from minzheng.people.models import Household, Person
from minzheng.targets.models import Plan, Target


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (User, Person, Household, Entitlement, PayrollLine, Institution, ElderlyAssociation, Booking, Plan, Target)
    }


def test_demo_fills_every_module_and_is_idempotent(db, tmp_path):
    accounts = ensure_demo_data(persons=6000, seed=7, out_root=tmp_path, log=lambda message: None)
    assert [a[0] for a in accounts] == [a[0] for a in DEMO_ACCOUNTS]
    assert User.objects.filter(is_demo=True).count() == len(DEMO_ACCOUNTS)
    first = _counts()
    assert first["Person"] == 6000 and first["Household"] > 1500
    assert first["Entitlement"] > 50 and first["PayrollLine"] > 0
    assert first["Institution"] > 10 and first["ElderlyAssociation"] > 0 and first["Booking"] > 0
    assert ProviderStaff.objects.filter(user__username="provider").exists()
    assert first["Plan"] == 1 and first["Target"] >= 100
    _demo_is_plausible()
    ensure_demo_data(persons=6000, seed=7, out_root=tmp_path, log=lambda message: None, reseed=True)
    assert _counts() == first


def test_a_restart_on_the_same_day_skips_the_set_up_and_a_later_day_runs_it(db, tmp_path, monkeypatch):
    """Restarting the demo must not re-read the whole city (item: restart in seconds), but data
    that depends on the day (last month's payroll, today's snapshot) is set up again the next day."""
    import datetime as dt

    from django.utils import timezone

    from minzheng.core import demo

    ensure_demo_data(persons=1500, seed=3, out_root=tmp_path, log=lambda message: None)
    assert demo.seeded_on(persons=1500, seed=3) == timezone.localdate()
    assert demo.seeded_on(persons=1500, seed=4) is None
    logged = []
    accounts = ensure_demo_data(persons=1500, seed=3, out_root=tmp_path, log=logged.append)
    assert [a[0] for a in accounts] == [a[0] for a in DEMO_ACCOUNTS]
    assert len(logged) == 1 and "skipping" in logged[0]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(demo.timezone, "localdate", lambda *args: tomorrow)
    logged.clear()
    ensure_demo_data(persons=1500, seed=3, out_root=tmp_path, log=logged.append)
    assert not any("skipping" in line for line in logged) and any("Elderly care" in line for line in logged)
    assert demo.seeded_on(persons=1500, seed=3) == tomorrow


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
    births = HouseholdMember.objects.filter(household_id=household, until__isnull=True).values_list("person__birth_date", flat=True)
    assert any(b <= dt.date(today.year - 80, today.month, min(today.day, 28)) for b in births)
    for booking in Booking.objects.select_related("person"):
        assert 8 <= timezone.localtime(booking.scheduled_at).hour <= 17, booking.scheduled_at
        address = HouseholdMember.objects.filter(person=booking.person, until__isnull=True).values_list("household__address", flat=True).first()
        assert booking.address == address
    assert Booking.objects.filter(review="held").count() == (1 if Booking.objects.count() >= 6 else 0)
    for profile in ElderlyProfile.objects.exclude(living_situation=""):
        household = HouseholdMember.objects.filter(person=profile.person, until__isnull=True).values_list("household_id", flat=True).first()
        living = HouseholdMember.objects.filter(household_id=household, until__isnull=True, person__death_date__isnull=True).count()
        assert (profile.living_situation == "alone") == (living <= 1), (profile.living_situation, living)

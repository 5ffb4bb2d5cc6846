"""The elderly-care demo set-up on a small synthetic city: it fills every part and is idempotent."""

from minzheng.core.demo import ensure_demo_data
from minzheng.eldercare.demo import seed_demo_eldercare
from minzheng.eldercare.models import Booking, ElderlyAssociation, Institution, ProviderStaff


def test_demo_is_complete_and_idempotent(db, tmp_path):
    from minzheng.assistance.services import load_default_standards

    ensure_demo_data(persons=10000, seed=7, out_root=tmp_path, log=lambda message: None)
    load_default_standards()
    first = seed_demo_eldercare()
    assert first["institutions"] > 10 and first["associations"] > 0 and first["providers"] == 5
    assert ProviderStaff.objects.filter(user__username="provider").exists()
    assert first["proposed"] > 0
    counts = (Institution.objects.count(), ElderlyAssociation.objects.count(), Booking.objects.count())
    second = seed_demo_eldercare()
    assert (second["institutions"], second["associations"], second["bookings"], second["proposed"]) == (0, 0, 0, 0)
    assert (Institution.objects.count(), ElderlyAssociation.objects.count(), Booking.objects.count()) == counts

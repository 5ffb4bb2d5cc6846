"""The audit trail: every change leaves an event; the hash chain detects tampering."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from minzheng.core import audit
from minzheng.core.models import AuditEvent
from minzheng.people import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def deferred_sealing(settings):
    """Append unsealed and seal later, as on PostgreSQL, on both databases (SQLite's default is to
    seal in the writer's transaction)."""
    settings.AUDIT_SEAL_INLINE = False


def test_changes_leave_events_and_chain_verifies(people, users):
    services.update_person(user=users["dongbao_clerk"], person=people["zhang"], phone="13800000001")
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", "object_type"))
    assert ("create", "people.person") in actions
    assert ("create", "people.household") in actions
    assert ("create", "people.householdmember") in actions
    assert actions[-1] == ("update", "people.person")
    report = audit.verify_chain()
    assert report.ok and report.checked == len(actions)


def test_event_content_never_holds_plaintext_ids(people):
    for event in AuditEvent.objects.all():
        text = f"{event.before} {event.after} {event.object_repr}"
        assert people["zhang"].id_number not in text
        assert "6217000012345678901" not in text


def _tamper(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)


@pytest.fixture(params=["sealed", "unsealed"])
def state(request, people):
    """The people fixture's events, sealed into the chain or still waiting for the sealer."""
    if request.param == "sealed":
        audit.seal_pending()
    assert AuditEvent.objects.filter(chain_pos__isnull=True).exists() == (
        request.param == "unsealed"
    )
    return request.param


def test_altered_event_is_named(state):
    events = list(AuditEvent.objects.order_by("seq"))
    victim = events[3]
    _tamper(
        f"UPDATE {AuditEvent._meta.db_table} SET actor_name = %s WHERE seq = %s",
        ["someone_else", victim.seq],
    )
    report = audit.verify_chain()
    assert not report.ok and report.first_bad_seq == victim.seq and report.checked == 3
    with pytest.raises(CommandError, match=f"#{victim.seq}"):
        call_command("audit", "verify")
    if state == "unsealed":
        # The sealer chained the events before it, and neither it nor anything after it.
        sealed = set(
            AuditEvent.objects.filter(chain_pos__isnull=False).values_list("seq", flat=True)
        )
        assert sealed == {e.seq for e in events[:3]}


def test_deleted_event_is_detected_at_its_successor(people):
    audit.seal_pending()
    events = list(AuditEvent.objects.order_by("seq"))
    _tamper(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = %s", [events[2].seq])
    report = audit.verify_chain()
    assert not report.ok and report.first_bad_seq == events[3].seq


def test_rehashed_event_still_breaks_the_chain(state):
    """Recomputing the altered event's hash without the audit key does not make it verify."""
    events = list(AuditEvent.objects.order_by("seq"))
    victim = events[1]
    victim.note = "rewritten"
    victim.hash = audit._digest(audit._hashed_fields(victim))
    _tamper(
        f"UPDATE {AuditEvent._meta.db_table} SET note = %s, hash = %s WHERE seq = %s",
        [victim.note, victim.hash, victim.seq],
    )
    report = audit.verify_chain()
    assert not report.ok and report.first_bad_seq == victim.seq


def test_cli_verify_ok(people, capsys):
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out


def test_login_and_logout_are_audited(client, users):
    from .conftest import PASSWORD

    assert client.login(username="dongbao_clerk", password=PASSWORD)
    client.logout()
    actions = list(
        AuditEvent.objects.filter(actor_name="dongbao_clerk").values_list("action", flat=True)
    )
    assert "login" in actions and "logout" in actions

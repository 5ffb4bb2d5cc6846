"""Tamper evidence against someone who can write the database but does not hold the audit key:
keyed hashes, signed checkpoints kept outside the database, re-sealing of pre-key chains."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from minzheng.core import audit
from minzheng.core.context import acting_as, actor_for_user
from minzheng.core.models import AuditEvent
from minzheng.people import services

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table
REAL_KEY = "real-audit-key-held-by-the-operator-only-0123456789"


@pytest.fixture(autouse=True)
def deferred_sealing(settings):
    """Append unsealed and seal later, as on PostgreSQL, on both databases (SQLite's default is to
    seal in the writer's transaction)."""
    settings.AUDIT_SEAL_INLINE = False


def _sql(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _events():
    return list(AuditEvent.objects.order_by("seq"))


def _rewrite_tail(start, *, seal):
    """What an attacker with database access does after changing or removing events: recompute
    prev_hash and hash of every later event with whatever algorithm they know."""
    prev = audit.GENESIS
    for event in _events():
        if event.seq >= start:
            event.prev_hash = prev
            key_id, event.hash = seal(event)
            _sql(
                f"UPDATE {TABLE} SET prev_hash = %s, hash = %s, key_id = %s WHERE seq = %s",
                [event.prev_hash, event.hash, key_id, event.seq],
            )
        prev = event.hash


def _unkeyed(event):
    """The published pre-key algorithm: plain SHA-256, labelled as a legacy event."""
    return "", audit._digest(audit._hashed_fields(event))


def _guessed_key(event):
    """HMAC under the published demo key, keeping the event's key label."""
    return event.key_id, audit._seal(
        audit._hashed_fields(event), audit._derive(settings_demo_key())
    )


def _relabelled(event):
    return event.key_id, audit._digest(audit._hashed_fields(event))


def settings_demo_key():
    from django.conf import settings

    return settings.DEMO_AUDIT_KEY


@pytest.fixture(autouse=True)
def operator_key(settings):
    """Every event here is sealed under an operator's own key, not the published demo key."""
    settings.AUDIT_KEY = REAL_KEY


@pytest.fixture
def chain(people, users):
    """A chain with a checkpoint taken, then more activity, all of it sealed."""
    mark = audit.head_checkpoint()
    for n in range(3):
        services.update_person(
            user=users["dongbao_clerk"], person=people["zhang"], phone=f"1380000000{n}"
        )
    audit.seal_pending()
    return mark


def _edit(mark):
    _sql(f"UPDATE {TABLE} SET actor_name = %s WHERE seq = %s", ["someone_else", _events()[2].seq])


def _rewrite_and_rehash_unkeyed(mark):
    victim = _events()[2]
    _sql(f"UPDATE {TABLE} SET note = %s WHERE seq = %s", ["rewritten", victim.seq])
    _rewrite_tail(victim.seq, seal=_unkeyed)


def _rewrite_and_rehash_guessed_key(mark):
    victim = _events()[2]
    _sql(f"UPDATE {TABLE} SET note = %s WHERE seq = %s", ["rewritten", victim.seq])
    _rewrite_tail(victim.seq, seal=_guessed_key)


def _rewrite_and_rehash_relabelled(mark):
    victim = _events()[2]
    _sql(f"UPDATE {TABLE} SET note = %s WHERE seq = %s", ["rewritten", victim.seq])
    _rewrite_tail(victim.seq, seal=_relabelled)


def _rewrite_whole_chain_unkeyed(mark):
    _sql(f"UPDATE {TABLE} SET note = %s WHERE seq = %s", ["rewritten", _events()[2].seq])
    _rewrite_tail(0, seal=_unkeyed)


def _truncate_newest(mark):
    _sql(f"DELETE FROM {TABLE} WHERE seq > %s", [mark.seq - 2])


def _truncate_newest_then_more_activity(mark):
    _truncate_newest(mark)
    audit.record("view", object_type="people.person", object_id="1", note="after the truncation")


def _delete_middle(mark):
    _sql(f"DELETE FROM {TABLE} WHERE seq = %s", [_events()[3].seq])


def _delete_middle_and_rehash(mark):
    victim = _events()[3]
    _sql(f"DELETE FROM {TABLE} WHERE seq = %s", [victim.seq])
    _rewrite_tail(victim.seq, seal=_unkeyed)


# tamper, detected without a checkpoint, detected with one, a phrase of the reason with the checkpoint
CASES = [
    (_edit, True, True, "altered"),
    (_rewrite_and_rehash_unkeyed, True, True, "without the key"),
    (_rewrite_and_rehash_guessed_key, True, True, "altered"),
    (_rewrite_and_rehash_relabelled, True, True, "altered"),
    (_rewrite_whole_chain_unkeyed, False, True, "rewritten"),
    (_truncate_newest, False, True, "newest events were deleted"),
    (_truncate_newest_then_more_activity, False, True, "is missing"),
    (_delete_middle, True, True, "removed or altered"),
    (_delete_middle_and_rehash, True, True, "without the key"),
]


@pytest.mark.parametrize(
    "tamper, without_checkpoint, with_checkpoint, reason",
    CASES,
    ids=[c[0].__name__.strip("_") for c in CASES],
)
def test_tamper_cases(chain, tamper, without_checkpoint, with_checkpoint, reason):
    assert audit.verify_chain(checkpoint=chain).ok
    tamper(chain)
    assert (not audit.verify_chain().ok) == without_checkpoint
    report = audit.verify_chain(checkpoint=chain)
    assert not report.ok and reason in report.reason


def test_untouched_chain_verifies_against_its_checkpoint_after_more_activity(chain):
    report = audit.verify_chain(checkpoint=chain)
    assert report.ok and report.checked == AuditEvent.objects.count() == chain.events + 3
    assert report.legacy == 0


def test_events_name_the_key_fingerprint_not_the_key(people):
    key_ids = set(AuditEvent.objects.values_list("key_id", flat=True))
    assert key_ids == {audit.current_key().key_id}
    assert len(audit.current_key().key_id) == 16
    assert REAL_KEY not in json.dumps(list(AuditEvent.objects.values()), default=str)
    with override_settings(AUDIT_KEY=settings_demo_key()):
        assert audit.current_key().key_id not in key_ids


def test_altered_checkpoint_file_is_refused(chain, tmp_path):
    path = audit.write_checkpoint(chain, tmp_path / "cp.json")
    data = json.loads(path.read_text())
    data["seq"], data["events"] = data["seq"] - 2, data["events"] - 2  # hide a truncation
    path.write_text(json.dumps(data))
    with pytest.raises(audit.CheckpointError, match="signature"):
        audit.read_checkpoint(path)
    with pytest.raises(CommandError, match="signature"):
        call_command("audit", "verify", checkpoint=path)


def test_checkpoint_of_another_key_is_refused(chain, tmp_path):
    path = audit.write_checkpoint(chain, tmp_path / "cp.json")
    with override_settings(AUDIT_KEY=settings_demo_key()):
        with pytest.raises(audit.CheckpointError, match="does not hold"):
            audit.read_checkpoint(path)


def test_cli_checkpoint_then_verify_detects_truncation(people, users, tmp_path, capsys):
    folder = tmp_path / "checkpoints"
    call_command("audit", "checkpoint", to=folder)
    services.update_person(user=users["dongbao_clerk"], person=people["zhang"], phone="13800000009")
    call_command("audit", "checkpoint", to=folder)
    files = sorted(folder.glob("checkpoint-*.json"))
    assert len(files) == 2
    newest = audit.read_checkpoint(folder)
    assert newest.seq == AuditEvent.objects.order_by("-seq").first().seq
    capsys.readouterr()
    call_command("audit", "verify", checkpoint=folder)
    assert "matching the checkpoint" in capsys.readouterr().out
    _sql(f"DELETE FROM {TABLE} WHERE seq = %s", [newest.seq])
    call_command("audit", "verify")  # a shorter chain is still a chain ...
    with pytest.raises(CommandError, match="newest events were deleted"):
        call_command("audit", "verify", checkpoint=folder)  # ... but not the one that was signed
    with pytest.raises(CommandError, match="newest events were deleted"):
        call_command("audit", "verify", checkpoint=files[-1])


def test_checkpoint_refuses_to_sign_a_broken_chain(people, tmp_path):
    _sql(f"UPDATE {TABLE} SET note = %s WHERE seq = %s", ["x", _events()[1].seq])
    with pytest.raises(CommandError, match="no checkpoint written"):
        call_command("audit", "checkpoint", to=tmp_path / "cp.json")
    assert not (tmp_path / "cp.json").exists()


def test_key_rotation_keeps_old_events_verifiable(people, users, settings):
    audit.seal_pending()
    settings.AUDIT_KEY = "the-next-audit-key-after-a-rotation-0123456789"
    assert (
        "does not hold" in audit.verify_chain().reason
    )  # the new key alone cannot check older events
    settings.AUDIT_PREVIOUS_KEYS = [REAL_KEY]
    services.update_person(user=users["dongbao_clerk"], person=people["zhang"], phone="13800000008")
    assert audit.verify_chain().ok
    assert len(set(AuditEvent.objects.values_list("key_id", flat=True))) == 2


def test_chain_from_before_keyed_hashing_verifies_then_reseal_seals_it(people, tmp_path, capsys):
    # As left by the previous release: every event a plain SHA-256 with no key label.
    audit.seal_pending()
    _rewrite_tail(0, seal=_unkeyed)
    count = AuditEvent.objects.count()
    report = audit.verify_chain()
    assert report.ok and report.legacy == count
    assert "reseal" in report.describe()
    call_command("audit", "reseal", to=tmp_path)
    assert "re-sealed" in capsys.readouterr().out
    report = audit.verify_chain(checkpoint=audit.read_checkpoint(tmp_path))
    assert (
        report.ok and report.legacy == 0 and report.checked == count + 1
    )  # plus the reseal's own event
    assert set(AuditEvent.objects.values_list("key_id", flat=True)) == {audit.current_key().key_id}
    last = AuditEvent.objects.order_by("-seq").first()
    assert "re-sealed" in last.note and last.after["head"] != last.before["head"]


def test_reseal_refuses_a_broken_chain(people):
    audit.seal_pending()
    _rewrite_tail(0, seal=_unkeyed)
    _sql(f"UPDATE {TABLE} SET note = %s WHERE seq = %s", ["x", _events()[1].seq])
    before = list(AuditEvent.objects.order_by("seq").values_list("hash", flat=True))
    with pytest.raises(CommandError, match="altered"):
        call_command("audit", "reseal")
    assert list(AuditEvent.objects.order_by("seq").values_list("hash", flat=True)) == before


# --- the unsealed tail -------------------------------------------------------------------------
# Events are appended unsealed and chained by the sealer once their transaction has committed.
# Inside a test's transaction nothing commits, so the fixture's three newest events stay unsealed.


@pytest.fixture
def tail(people, users):
    """A sealed chain with a checkpoint, then three events the sealer has not chained yet."""
    mark = audit.head_checkpoint()
    for n in range(3):
        services.update_person(
            user=users["dongbao_clerk"], person=people["zhang"], phone=f"1390000000{n}"
        )
    unsealed = list(AuditEvent.objects.filter(chain_pos__isnull=True).order_by("seq"))
    assert len(unsealed) == 3 and unsealed[0].seq > mark.seq
    return mark, unsealed


def _insert_copy(event, **changes):
    """Insert a row like `event` under a new seq, as someone with database access would."""
    values = {
        f.column: getattr(event, f.attname)
        for f in AuditEvent._meta.concrete_fields
        if f.column != "seq"
    }
    values.update(changes)
    values["seq"] = AuditEvent.objects.order_by("-seq").first().seq + 100
    values["before"] = json.dumps(values["before"]) if values["before"] is not None else None
    values["after"] = json.dumps(values["after"]) if values["after"] is not None else None
    columns = ", ".join(values)
    _sql(
        f"INSERT INTO {TABLE} ({columns}) VALUES ({', '.join(['%s'] * len(values))})",
        list(values.values()),
    )
    return values["seq"]


def _edit_unsealed(unsealed):
    _sql(f"UPDATE {TABLE} SET actor_name = %s WHERE seq = %s", ["someone_else", unsealed[1].seq])
    return unsealed[1].seq


def _edit_unsealed_and_rehash_guessed_key(unsealed):
    victim = unsealed[1]
    victim.note = "rewritten"
    guessed = audit._derive(settings_demo_key())
    forged = audit._event_mac(audit._content_fields(victim), victim.seq, guessed)
    _sql(
        f"UPDATE {TABLE} SET note = %s, hash = %s WHERE seq = %s", [victim.note, forged, victim.seq]
    )
    return victim.seq


def _edit_unsealed_and_rehash_unkeyed(unsealed):
    victim = unsealed[1]
    victim.note = "rewritten"
    digest = audit._digest(audit._content_fields(victim))
    _sql(
        f"UPDATE {TABLE} SET note = %s, hash = %s, key_id = '' WHERE seq = %s",
        [victim.note, digest, victim.seq],
    )
    return victim.seq


def _forge_unsealed_event(unsealed):
    """A made-up event, hashed with a guessed key, waiting for the sealer to bless it."""
    event = unsealed[0]
    event.note = "forged"
    guessed = audit._derive(settings_demo_key())
    seq = AuditEvent.objects.order_by("-seq").first().seq + 100
    forged = audit._event_mac(audit._content_fields(event), seq, guessed)
    return _insert_copy(event, note="forged", hash=forged)


def _replay_unsealed_event_after_sealing(unsealed):
    """A copy of an unsealed row, taken before it was sealed, put back later under a new seq."""
    captured = unsealed[0]
    audit.seal_pending()
    return _insert_copy(captured)


def _unseal_the_head(unsealed):
    """Turn the newest sealed event back into an 'unsealed' one, to delete it unseen later."""
    audit.seal_pending()
    head = AuditEvent.objects.order_by("-chain_pos").first()
    _sql(f"UPDATE {TABLE} SET chain_pos = NULL, prev_hash = '' WHERE seq = %s", [head.seq])
    return head.seq


UNSEALED_CASES = [
    (_edit_unsealed, "altered or forged before sealing"),
    (_edit_unsealed_and_rehash_guessed_key, "altered or forged before sealing"),
    (_edit_unsealed_and_rehash_unkeyed, "carries no keyed hash"),
    (_forge_unsealed_event, "altered or forged before sealing"),
    (_replay_unsealed_event_after_sealing, "altered or forged before sealing"),
    (_unseal_the_head, "altered or forged before sealing"),
]


@pytest.mark.parametrize(
    "tamper, reason", UNSEALED_CASES, ids=[c[0].__name__.strip("_") for c in UNSEALED_CASES]
)
def test_tamper_cases_in_the_unsealed_tail(tail, tamper, reason):
    mark, unsealed = tail
    bad = tamper(unsealed)
    # Caught by a read-only verify, by a verify that seals first, and against the checkpoint ...
    for report in (
        audit.verify_chain(seal=False),
        audit.verify_chain(),
        audit.verify_chain(checkpoint=mark),
    ):
        assert not report.ok and report.first_bad_seq == bad and reason in report.reason
    # ... and the sealer never chains the bad event, so it cannot be blessed.
    result = audit.seal_pending()
    assert result.blocked_at == bad and reason in result.reason
    assert AuditEvent.objects.get(seq=bad).chain_pos is None
    with pytest.raises(CommandError, match=f"stopped at event #{bad}"):
        call_command("audit", "seal")


def test_unsealed_events_are_counted_never_verified(tail, capsys):
    mark, unsealed = tail
    report = audit.verify_chain(seal=False, checkpoint=mark)
    assert report.ok and report.checked == mark.events and report.unsealed == 3
    assert f"{mark.events} events verified" in report.describe()
    assert "unsealed: 3 newer events" in report.describe()
    call_command("audit", "verify", no_seal=True)
    assert "unsealed: 3" in capsys.readouterr().out
    call_command("audit", "verify")  # seals first
    out = capsys.readouterr().out
    assert f"{mark.events + 3} events verified" in out and "unsealed" not in out


def test_deleting_an_unsealed_event_is_the_known_window(tail):
    """Until it is sealed, an event's place is not fixed: removing one leaves nothing to detect.
    This is the window docs/SECURITY.md states; the sealer keeps it to the moments after a commit.
    Once sealed, the same deletion is caught."""
    mark, unsealed = tail
    _sql(f"DELETE FROM {TABLE} WHERE seq = %s", [unsealed[1].seq])
    report = audit.verify_chain(seal=False, checkpoint=mark)
    assert report.ok and report.unsealed == 2
    assert audit.verify_chain(checkpoint=mark).ok
    _sql(f"DELETE FROM {TABLE} WHERE seq = %s", [unsealed[0].seq])
    report = audit.verify_chain(checkpoint=mark)
    assert not report.ok and report.first_bad_seq == unsealed[2].seq


def test_deleting_an_account_that_acted_keeps_the_chain_verifiable(people, users):
    clerk = users["dongbao_clerk"]
    with acting_as(actor_for_user(clerk)):
        services.update_person(user=clerk, person=people["zhang"], phone="13800000007")
    audit.seal_pending()
    acted = AuditEvent.objects.filter(actor_id=clerk.pk)
    assert acted.exists()
    clerk_id, events = clerk.pk, acted.count()
    clerk.delete()
    # The events keep the deleted account's id and name (both are sealed into the hash).
    assert AuditEvent.objects.filter(actor_id=clerk_id).count() == events
    assert audit.verify_chain().ok

"""Appending without a lock, sealing in the background: writers never wait for the chain, and the
sealer chains every committed event exactly once, in order, whatever runs at the same time.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from minzheng.core import audit
from minzheng.core.models import AuditEvent

TABLE = AuditEvent._meta.db_table


@pytest.fixture(autouse=True)
def deferred_sealing(settings):
    """Append unsealed and seal later, as on PostgreSQL, on both databases (SQLite's default is to
    seal in the writer's transaction)."""
    settings.AUDIT_SEAL_INLINE = False


def _chain_positions() -> list[int]:
    return list(
        AuditEvent.objects.filter(chain_pos__isnull=False)
        .order_by("chain_pos")
        .values_list("chain_pos", flat=True)
    )


@pytest.mark.django_db
def test_append_neither_locks_nor_reads_the_chain():
    with transaction.atomic(), CaptureQueriesContext(connection) as appended:
        event = audit.record("view", object_type="people.person", object_id="7", note="look")
    statements = [q["sql"] for q in appended.captured_queries]
    assert not any("advisory" in sql for sql in statements), statements
    assert not any(f'FROM "{TABLE}"' in sql for sql in statements), statements
    assert sum(TABLE in sql or "nextval" in sql for sql in statements) == 2, statements
    event.refresh_from_db()
    assert event.chain_pos is None and event.prev_hash == ""
    # Its own hash covers its content and its seq, under the audit key.
    assert event.hash == audit._event_mac(
        audit._content_fields(event), event.seq, audit.current_key()
    )


@pytest.mark.django_db
def test_sealing_chains_in_seq_order_and_is_idempotent(people, capsys):
    count = AuditEvent.objects.count()
    assert count > 3 and _chain_positions() == []
    result = audit.seal_pending(batch=3)  # several batches
    assert (result.sealed, result.head_pos, result.blocked_at) == (count, count, None)
    assert list(AuditEvent.objects.order_by("chain_pos").values_list("seq", flat=True)) == list(
        AuditEvent.objects.order_by("seq").values_list("seq", flat=True)
    )
    hashes = list(AuditEvent.objects.order_by("seq").values_list("hash", flat=True))
    assert audit.seal_pending().sealed == 0
    call_command("audit", "seal")
    assert "0 events sealed" in capsys.readouterr().out
    assert list(AuditEvent.objects.order_by("seq").values_list("hash", flat=True)) == hashes
    report = audit.verify_chain(seal=False)
    assert report.ok and report.checked == count and report.unsealed == 0


@pytest.mark.django_db(transaction=True)
def test_commit_wakes_the_background_sealer():
    with transaction.atomic():
        kept = audit.record("view", object_type="people.person", object_id="1")
    with transaction.atomic():
        audit.record("view", object_type="people.person", object_id="2")
        transaction.set_rollback(True)
    assert audit.sealer.flush(timeout=30)
    kept.refresh_from_db()
    assert kept.chain_pos is not None
    assert AuditEvent.objects.filter(chain_pos__isnull=True).count() == 0
    assert audit.verify_chain(seal=False).checked == AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_two_sealers_chain_every_event_once():
    writers, per_writer = 6, 15
    start = threading.Barrier(writers + 2)
    done = threading.Event()
    errors = []
    sealed_counts = []

    def write(n):
        try:
            start.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    audit.record("view", object_type="people.person", object_id=f"{n}-{i}")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def seal():
        try:
            start.wait()
            total = 0
            while not done.is_set():
                total += audit.seal_pending(batch=7).sealed
            sealed_counts.append(total)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    sealers = [threading.Thread(target=seal) for _ in range(2)]
    for thread in threads + sealers:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    for thread in sealers:
        thread.join()
    audit.sealer.flush(timeout=30)  # the on-commit sealer ran alongside: a third one
    audit.seal_pending()
    assert errors == []
    total = writers * per_writer
    assert AuditEvent.objects.count() == total
    assert _chain_positions() == list(range(1, total + 1))
    assert len(set(AuditEvent.objects.values_list("hash", flat=True))) == total
    report = audit.verify_chain(seal=False)
    assert report.ok and report.checked == total and report.unsealed == 0


@pytest.mark.django_db(transaction=True)
def test_a_late_commit_is_sealed_after_events_with_higher_seqs():
    """Seq is taken at insert, commits come in any order: the chain follows the sealing order."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: commits follow the seqs")
    recorded = threading.Event()
    release = threading.Event()
    late = {}

    def slow_writer():
        try:
            with transaction.atomic():
                late["event"] = audit.record("view", object_type="people.person", object_id="slow")
                recorded.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert recorded.wait(30)
    with transaction.atomic():
        quick = audit.record("view", object_type="people.person", object_id="quick")
    audit.seal_pending()
    release.set()
    thread.join()
    audit.seal_pending()
    slow = AuditEvent.objects.get(seq=late["event"].seq)
    quick.refresh_from_db()
    assert slow.seq < quick.seq and slow.chain_pos > quick.chain_pos
    report = audit.verify_chain(seal=False)
    assert report.ok and report.checked == 2


@pytest.mark.django_db
def test_inline_sealing_chains_in_the_writers_transaction(settings):
    """SQLite's default (one writer at a time there): the event is sealed before the commit."""
    settings.AUDIT_SEAL_INLINE = True
    with transaction.atomic(), CaptureQueriesContext(connection) as appended:
        first = audit.record("view", object_type="people.person", object_id="1")
        second = audit.record("view", object_type="people.person", object_id="2")
    assert (first.chain_pos, second.chain_pos) == (1, 2) and second.prev_hash == first.hash
    if connection.vendor == "postgresql":
        assert any("advisory" in q["sql"] for q in appended.captured_queries)
    report = audit.verify_chain(seal=False)
    assert report.ok and report.checked == 2 and report.unsealed == 0


def test_sqlite_seals_inline_by_default_postgresql_does_not():
    from minzheng import settings as configured

    assert configured.AUDIT_SEAL_INLINE == (connection.vendor == "sqlite")

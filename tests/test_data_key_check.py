"""The data key is checked at start-up against the check value stored on first migrate: a server,
demo or worker started with another key stops with a clear message, before any request."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from minzheng.core import crypto
from minzheng.core.keycheck import MISMATCH, DataKeyMismatch, check_data_key
from minzheng.core.models import AuditEvent, KeyCheck
from tests.fixtures.keys import STRONG_DATA_KEY

from . import workers

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_first_migrate_stores_the_check_value_of_the_key_in_use():
    stored = KeyCheck.objects.get(name="data_key")
    assert stored.value == crypto.key_check_value()
    assert crypto.key_check_value(STRONG_DATA_KEY) != stored.value
    check_data_key()  # the same key passes


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command, args",
    [("serve", ["--no-migrate"]), ("worker", ["--burst"]), ("demo", ["--no-serve"])],
)
def test_commands_refuse_to_start_with_another_key(settings, command, args):
    settings.BROKER_URL = "redis://127.0.0.1:1/0"  # the worker checks the key before it connects
    with override_settings(DATA_KEY=STRONG_DATA_KEY), pytest.raises(CommandError) as exc:
        call_command(command, *args)
    assert str(exc.value) == MISMATCH


@pytest.mark.django_db
def test_a_database_from_before_the_check_proves_the_key_on_stored_data(people):
    KeyCheck.objects.all().delete()
    with override_settings(DATA_KEY=STRONG_DATA_KEY), pytest.raises(DataKeyMismatch):
        check_data_key()
    assert not KeyCheck.objects.exists()  # a wrong key is never recorded as the database's
    check_data_key()
    assert KeyCheck.objects.get().value == crypto.key_check_value()


@pytest.mark.django_db(transaction=True)
def test_serve_with_a_wrong_key_exits_with_the_message_and_no_audit_event(people):
    env = workers.worker_env("")
    env.pop("MINZHENG_BROKER_URL")
    env["MINZHENG_DATA_KEY"] = STRONG_DATA_KEY
    before = AuditEvent.objects.count()
    proc = subprocess.run(
        [sys.executable, "-m", "minzheng", "serve", "--no-migrate", "--bind", "127.0.0.1:1"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert (
        "MINZHENG_DATA_KEY is not the key this database" in proc.stderr
        and "Traceback" not in proc.stderr
    )
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_a_reveal_that_cannot_decrypt_writes_no_unmask_event(people, users):
    from cryptography.exceptions import InvalidTag

    from minzheng.people import services

    before = AuditEvent.objects.filter(action="unmask").count()
    with override_settings(DATA_KEY=STRONG_DATA_KEY), pytest.raises(InvalidTag):
        services.reveal_id_number(user=users["dongbao_clerk"], person=people["zhang"])
    with override_settings(DATA_KEY=STRONG_DATA_KEY), pytest.raises(InvalidTag):
        services.reveal_bank_account(user=users["dongbao_clerk"], household=people["hh_dongbao"])
    assert AuditEvent.objects.filter(action="unmask").count() == before

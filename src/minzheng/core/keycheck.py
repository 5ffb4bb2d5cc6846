"""Start-up check of MINZHENG_DATA_KEY against the check value stored in the database.

Without it a server started with the wrong key runs until the first reveal, which fails with a
500 after writing an "unmask" event for data nobody saw. `serve`, `demo`, `worker` and the WSGI
entry point call check_data_key() and stop with DataKeyMismatch instead.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from . import crypto

NAME = "data_key"
MISMATCH = (
    "MINZHENG_DATA_KEY is not the key this database's personal data was encrypted with "
    "(its key check value differs from the one stored at first start). Start with the original key; "
    "without it encrypted ID numbers and bank accounts cannot be read."
)

# Apps holding ciphertext register a function returning one stored ciphertext (or None); it proves
# the key on a database that has data but no check value yet (installs from before the check).
_cipher_samples: list[Callable[[], str | None]] = []


class DataKeyMismatch(ImproperlyConfigured):
    pass


def register_cipher_sample(func: Callable[[], str | None]) -> Callable[[], str | None]:
    _cipher_samples.append(func)
    return func


def store_key_check(**kwargs) -> None:
    """post_migrate: record the check value of the key in use on first migrate."""
    check_data_key()


def check_data_key() -> None:
    """Raise DataKeyMismatch when the configured key is not the database's; store the check value
    when there is none yet."""
    from .models import KeyCheck

    expected = crypto.key_check_value()
    try:
        stored = KeyCheck.objects.filter(name=NAME).values_list("value", flat=True).first()
    except DatabaseError:
        return  # not migrated yet: the first migrate stores it
    if stored is not None:
        if not hmac.compare_digest(stored, expected):
            raise DataKeyMismatch(MISMATCH)
        return
    for sample in _cipher_samples:
        token = sample()
        if token:
            try:
                crypto.decrypt(token)
            except (InvalidTag, ValueError):
                raise DataKeyMismatch(MISMATCH) from None
    KeyCheck.objects.get_or_create(name=NAME, defaults={"value": expected})


def require_data_key() -> None:
    """check_data_key for management commands: a one-line error and exit status 1, no traceback."""
    from django.core.management.base import CommandError

    try:
        check_data_key()
    except DataKeyMismatch as exc:
        raise CommandError(str(exc)) from None

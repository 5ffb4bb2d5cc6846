"""Key fingerprints: short, one-way names for the keys kept outside the database.

A fingerprint tells which key sealed an audit event or made a backup without revealing anything
that helps to guess the key, so it can sit in the database, in checkpoints and in backup manifests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from django.conf import settings


def _fingerprint(master: bytes) -> str:
    return hmac.new(master, b"fingerprint", hashlib.sha256).hexdigest()[:16]


@lru_cache(maxsize=8)
def _data_fingerprint(secret: str) -> str:
    raw = base64.urlsafe_b64decode(secret.encode() + b"==")
    return _fingerprint(hashlib.sha256(b"minzheng-data-key\x00" + raw).digest())


def data_key_fingerprint(secret: str | None = None) -> str:
    return _data_fingerprint(secret or settings.DATA_KEY)


@lru_cache(maxsize=8)
def audit_master(secret: str) -> bytes:
    return hashlib.sha256(b"minzheng-audit-key\x00" + secret.encode()).digest()


def audit_key_fingerprint(secret: str | None = None) -> str:
    return _fingerprint(audit_master(secret or settings.AUDIT_KEY))

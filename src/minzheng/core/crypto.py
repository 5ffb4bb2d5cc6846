"""Encryption at rest for personal data (ID numbers, bank accounts).

Values are encrypted with AES-GCM under MINZHENG_DATA_KEY; exact-match search uses a keyed
hash (HMAC-SHA256 with a key derived from the same secret), so the plaintext is never stored
and never needed to find a record.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_NONCE = 12


def _master(secret: str) -> bytes:
    raw = base64.urlsafe_b64decode(secret.encode() + b"==")
    return hashlib.sha256(b"minzheng-data-key\x00" + raw).digest()


def key_check_value(secret: str | None = None) -> str:
    """A fingerprint of the data key (a keyed hash of a constant): tells whether two keys are the
    same without revealing either. Stored in the database on first start (core.keycheck)."""
    master = _master(settings.DATA_KEY if secret is None else secret)
    return hmac.new(master, b"key-check", hashlib.sha256).hexdigest()[:32]


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[AESGCM, bytes]:
    master = _master(secret)
    enc_key = hmac.new(master, b"encrypt", hashlib.sha256).digest()
    lookup_key = hmac.new(master, b"lookup", hashlib.sha256).digest()
    return AESGCM(enc_key), lookup_key


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    aead, _ = _keys(settings.DATA_KEY)
    nonce = os.urandom(_NONCE)
    return base64.b64encode(nonce + aead.encrypt(nonce, plaintext.encode(), None)).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    aead, _ = _keys(settings.DATA_KEY)
    blob = base64.b64decode(token)
    return aead.decrypt(blob[:_NONCE], blob[_NONCE:], None).decode()


# Files (uploads kept for a job, case documents, report evidence): magic, nonce, ciphertext + tag.
FILE_MAGIC = b"MZENC1\n"
FILE_OVERHEAD = len(FILE_MAGIC) + _NONCE + 16


def encrypt_bytes(data: bytes) -> bytes:
    aead, _ = _keys(settings.DATA_KEY)
    nonce = os.urandom(_NONCE)
    return FILE_MAGIC + nonce + aead.encrypt(nonce, bytes(data), FILE_MAGIC)


def is_encrypted_file(blob: bytes) -> bool:
    return blob[: len(FILE_MAGIC)] == FILE_MAGIC


def decrypt_bytes(blob: bytes) -> bytes:
    if not is_encrypted_file(blob):
        raise ValueError("not an encrypted file")
    aead, _ = _keys(settings.DATA_KEY)
    start = len(FILE_MAGIC)
    return aead.decrypt(blob[start : start + _NONCE], blob[start + _NONCE :], FILE_MAGIC)


def lookup_hash(plaintext: str) -> str:
    """Keyed hash for exact-match search; same input, same key -> same hash."""
    _, key = _keys(settings.DATA_KEY)
    return hmac.new(key, plaintext.encode(), hashlib.sha256).hexdigest()


def lookup_hasher(secret: str | None = None):
    """A fast callable for bulk paths (avoids re-deriving keys per value). `secret` (the data
    key) is for worker processes that have no Django settings; by default the configured key."""
    _, key = _keys(settings.DATA_KEY if secret is None else secret)
    base = hmac.new(key, digestmod=hashlib.sha256)

    def _hash(plaintext: str) -> str:
        h = base.copy()
        h.update(plaintext.encode())
        return h.hexdigest()

    return _hash


def hash_many(values: list[str], secret: str | None = None) -> list[str]:
    """`lookup_hash` of every value, for bulk paths."""
    hasher = lookup_hasher(secret)
    return [hasher(value) for value in values]


def encrypt_many(values: list[str], secret: str | None = None) -> list[str]:
    """`encrypt` of every value ("" stays ""), for bulk paths: the same format, with the random
    nonces drawn in one call rather than one system call per value."""
    aead, _ = _keys(settings.DATA_KEY if secret is None else secret)
    seal, encode = aead.encrypt, binascii.b2a_base64
    nonces = os.urandom(_NONCE * len(values))
    out = []
    for i, value in enumerate(values):
        if value:
            nonce = nonces[_NONCE * i : _NONCE * (i + 1)]
            out.append(encode(nonce + seal(nonce, value.encode(), None), newline=False).decode())
        else:
            out.append("")
    return out


def encryptor(secret: str | None = None):
    """A fast callable for bulk paths; `secret` as for `lookup_hasher`."""
    aead, _ = _keys(settings.DATA_KEY if secret is None else secret)
    urandom, b64 = os.urandom, base64.b64encode

    def _encrypt(plaintext: str) -> str:
        nonce = urandom(_NONCE)
        return b64(nonce + aead.encrypt(nonce, plaintext.encode(), None)).decode()

    return _encrypt

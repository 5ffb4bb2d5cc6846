"""What production accepts as SECRET_KEY and MINZHENG_DATA_KEY.

Imported by settings, so it uses nothing from Django. The checks cannot prove a key random; they
refuse what a person types instead of generating: short keys, few distinct characters, repeated
patterns, and data keys that decode to readable text (a passphrase rather than 32 random bytes).
"""

from __future__ import annotations

import base64
import binascii
import zlib

SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 20
DATA_KEY_BYTES = 32
DATA_KEY_MIN_DISTINCT = 16

GENERATE_SECRET_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'
GENERATE_DATA_KEY = (
    'python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
)


def _repetitive(text: bytes) -> bool:
    # Random text does not compress; "abcabcabc…" or "password1password1…" does.
    return len(zlib.compress(text, 9)) < 0.75 * len(text)


def secret_key_problem(key: str) -> str | None:
    """None when the key is acceptable, else why not (English: shown on the operator's console)."""
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"SECRET_KEY is {len(key)} characters; production needs at least {SECRET_KEY_MIN_LENGTH}."
    if len(set(key)) < SECRET_KEY_MIN_DISTINCT or _repetitive(key.encode()):
        return "SECRET_KEY looks typed rather than generated (few distinct characters or a repeated pattern)."
    return None


def decode_data_key(key: str) -> bytes:
    """The raw bytes of a data key (urlsafe base64, padding optional)."""
    try:
        return base64.urlsafe_b64decode(key.encode() + b"==")
    except (binascii.Error, ValueError):
        return b""


def data_key_problem(key: str) -> str | None:
    raw = decode_data_key(key)
    if len(raw) != DATA_KEY_BYTES:
        return f"MINZHENG_DATA_KEY must be urlsafe base64 of {DATA_KEY_BYTES} random bytes (it decodes to {len(raw)})."
    if len(set(raw)) < DATA_KEY_MIN_DISTINCT:
        return "MINZHENG_DATA_KEY has too few distinct bytes to be random."
    if all(32 <= b < 127 for b in raw):
        # 32 random bytes are all printable with probability (95/256)^32 ≈ 1e-14.
        return "MINZHENG_DATA_KEY decodes to readable text: a passphrase, not random bytes."
    return None

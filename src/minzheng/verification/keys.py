"""Join keys for resident ID numbers.

Departmental data is keyed by ID number; the platform stores only a keyed hash of it
(`Person.id_hash`, HMAC-SHA256 under MINZHENG_DATA_KEY, see `minzheng.core.crypto`). An import
turns every ID number into the first 8 bytes of that same hash as a signed 64-bit integer, the
`id_key`, and keeps no plaintext; the platform side takes the same 8 bytes from `id_hash`. Both
engines then join on one BIGINT column, which is what makes a province-size join fast.

64 bits for ~10^7 distinct people: the chance that any two collide is about n²/2^65 ≈ 3·10^-6 per
data set. As a second check, a finding is only kept when the masked ID of the source row equals the
member's masked ID (see `minzheng.verification.runs`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from minzheng.core import crypto


def key_from_hash(id_hash: str) -> int:
    """The join key of one platform person (from `Person.id_hash`)."""
    return int.from_bytes(bytes.fromhex(id_hash[:16]), "big", signed=True)


def keys_from_hashes(hashes: Iterable[str]) -> np.ndarray:
    prefixes = "".join(h[:16] for h in hashes)
    return np.frombuffer(bytes.fromhex(prefixes), dtype=">i8").astype(np.int64)


def keys_from_numbers(numbers: Iterable[str]) -> np.ndarray:
    """Join keys of plaintext ID numbers (normalised: 18 characters, upper-case X)."""
    hasher = crypto.lookup_hasher()
    return keys_from_hashes(hasher(n) for n in numbers)


def key_of_number(number: str) -> int:
    return key_from_hash(crypto.lookup_hash(number))

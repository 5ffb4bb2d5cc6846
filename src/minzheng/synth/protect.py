"""Encrypting and hashing the personal data of a bulk load, spread over worker processes.

AES-GCM and HMAC cost a few microseconds per value in Python, so for a city of millions they are
most of a load's client time. `Protector` cuts the values into chunks and hands them to a pool of
processes (started with `spawn`: they import only this module, never Django's database layer or
an open connection), or does the work in this process when the load is small. Results come back in order, whichever way they were computed, and are the same values the
single-value functions of `minzheng.core.crypto` produce.

Worker processes get the data key as an argument: it travels over the pool's local pipe and is
never written anywhere.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

import pyarrow as pa

from minzheng.core import crypto

# Below this many values a pool costs more to start than it saves.
PARALLEL_MIN_VALUES = 200_000


def hash_and_encrypt(secret: str, values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(keyed hashes, ciphertexts) of non-empty values (ID numbers)."""
    plain = values.to_pylist()
    return (
        pa.array(crypto.hash_many(plain, secret), pa.string()),
        pa.array(crypto.encrypt_many(plain, secret), pa.string()),
    )


def encrypt_optional(secret: str, values: pa.Array) -> pa.Array:
    """Ciphertexts, "" where the value is null or empty (bank accounts)."""
    return pa.array(crypto.encrypt_many(values.to_pylist(), secret), pa.string())


def default_workers(values: int) -> int:
    """Worker processes for a load of `values`: none below PARALLEL_MIN_VALUES; otherwise one
    per core but one, at least one and up to four.

    One worker process even on two cores: encrypting in a thread of the loading process holds
    the interpreter lock almost all the time, and every other thread of that process (the one
    feeding COPY, the one making the next batch) then waits for it at each of its many small
    steps; at 2.9 million persons that lengthened the COPY of the households and memberships,
    pure Arrow and network work, from seconds to half a minute. In a process of its own the
    encryption competes only for a core, and moving the values costs one copy of each batch."""
    if values < PARALLEL_MIN_VALUES:
        return 0
    return max(1, min((os.cpu_count() or 1) - 1, 4))


class Protector:
    """Runs `hash_and_encrypt` / `encrypt_optional` over chunks, in `workers` processes (0: here).

    `map` keeps at most a few chunks per worker in flight, so memory stays bounded however far
    ahead the workers are of the caller."""

    def __init__(self, secret: str, workers: int = 0):
        self.secret = secret
        self.workers = workers
        self.pool = (
            ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
            if workers > 0
            else None
        )
        if self.pool is not None:
            # Start every worker now (one per task submitted), so they import while the caller
            # reads its files.
            for _ in range(workers):
                self.pool.submit(default_workers, 0)

    def map(
        self, function: Callable, chunks: Iterable[pa.Array], *, here: bool = False
    ) -> Iterator:
        """`function(secret, chunk)` of every chunk, in order; `here`: in this process even with
        a pool (for a short job that should not queue behind the pool's long one)."""
        if self.pool is None or here:
            for chunk in chunks:
                yield function(self.secret, chunk)
            return
        pending: deque[Future] = deque()
        for chunk in chunks:
            pending.append(self.pool.submit(function, self.secret, chunk))
            if len(pending) >= 3 * self.workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

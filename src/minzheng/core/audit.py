"""Audit events: written in the same transaction as the change they describe, hash-chained.

Each event's hash is an HMAC (key MINZHENG_AUDIT_KEY, kept outside the database) over its content
and the previous event's hash, so someone who can write the database but lacks the key can
neither alter an event nor rebuild the chain after it. Deleting the newest events leaves a valid
shorter chain; signed checkpoints kept elsewhere (`audit checkpoint`) catch that. Events written
before keyed hashing carry an empty key_id and a plain SHA-256; they are accepted only as the
chain's oldest part, until `audit reseal` seals them under the key.

Writing and sealing are two steps, so that no write in the platform waits for another:

- `record` appends the event *unsealed*, without any lock: chain_pos empty, prev_hash "", and as
  hash an HMAC over the event's own content and its seq (so an unsealed event cannot be altered,
  forged or copied under another seq without the key either).
- `seal_pending` (the sealer) takes the chain lock, checks each committed unsealed event's own
  HMAC in seq order and appends it to the chain: the next chain_pos, prev_hash the head's hash,
  hash the chained HMAC. It stops at an event whose own HMAC does not match. It is idempotent and
  serialised by the lock, so any number of sealers may run at once. It runs in a background
  thread woken when a transaction that recorded an event commits (the request does not wait),
  every MINZHENG_AUDIT_SEAL_SECONDS in the server and worker processes, by `audit seal`, and
  before `verify_chain`, `head_checkpoint` and backups.

On SQLite, which runs one writing transaction at a time whatever we do, `record` seals at once in
the writer's transaction instead (settings.AUDIT_SEAL_INLINE, on by default there): deferring
would only add a second write transaction per event there (docs/BENCHMARKS.md).

The chain's order is the sealing order (chain_pos), not seq: a transaction that took a lower seq
may commit after one with a higher seq has been sealed, and is then sealed after it.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections, connection, models, transaction
from django.utils import timezone

from .context import current_actor
from .keys import audit_key_fingerprint, audit_master
from .models import AuditEvent

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# Fields never copied into audit snapshots: ciphertexts and lookup hashes (their masked twin is kept).
_SECRET_SUFFIXES = ("_cipher", "_hash")
# Bookkeeping columns that change on every save and say nothing about the change.
_NOISE = {"updated_at", "name_pinyin"}


def jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot(instance: models.Model) -> dict:
    data = {}
    for model_field in instance._meta.concrete_fields:
        if model_field.name.endswith(_SECRET_SUFFIXES) or model_field.name == "password":
            continue
        value = model_field.value_from_object(instance)
        if isinstance(model_field, models.FileField):
            value = value.name or ""  # the stored name, never the file
        data[model_field.attname] = value
    return jsonable(data)


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the keys that changed, so update events stay readable."""
    if not before or not after:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k) and k not in _NOISE]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _payload(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _digest(fields: dict) -> str:
    """The unkeyed hash of events written before keyed hashing (key_id "")."""
    return hashlib.sha256(_payload(fields)).hexdigest()


@dataclass(frozen=True)
class _Key:
    key_id: str
    chain: bytes
    checkpoint: bytes
    event: bytes


@lru_cache(maxsize=8)
def _derive(secret: str) -> _Key:
    master = audit_master(secret)
    return _Key(
        key_id=audit_key_fingerprint(secret),
        chain=hmac.new(master, b"chain", hashlib.sha256).digest(),
        checkpoint=hmac.new(master, b"checkpoint", hashlib.sha256).digest(),
        event=hmac.new(master, b"event", hashlib.sha256).digest(),
    )


def current_key() -> _Key:
    return _derive(settings.AUDIT_KEY)


def keyring() -> dict[str, _Key]:
    """The current key and the ones it replaced, by fingerprint: old events still verify after a rotation."""
    keys = [_derive(secret) for secret in (*settings.AUDIT_PREVIOUS_KEYS, settings.AUDIT_KEY)]
    return {key.key_id: key for key in keys}


def _seal(fields: dict, key: _Key) -> str:
    # key_id is part of what is sealed, so an event cannot be relabelled to another scheme.
    return hmac.new(
        key.chain, _payload({**fields, "key_id": key.key_id}), hashlib.sha256
    ).hexdigest()


def _event_mac(content: dict, seq: int, key: _Key) -> str:
    """An unsealed event's own hash: its content (no prev_hash), its seq and the key's fingerprint,
    under a key of its own (an event hash can never pass for a chain hash)."""
    return hmac.new(
        key.event, _payload({**content, "seq": seq, "key_id": key.key_id}), hashlib.sha256
    ).hexdigest()


def _content_fields(event: AuditEvent) -> dict:
    fields = _hashed_fields(event)
    del fields["prev_hash"]
    return fields


def _hashed_fields(event: AuditEvent) -> dict:
    return {
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "ip": event.ip,
        "channel": event.channel,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "region_code": event.region_code,
        "before": event.before,
        "after": event.after,
        "note": event.note,
        "prev_hash": event.prev_hash,
    }


def record(
    action: str,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    region_code: str = "",
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEvent:
    """Append one event to the chain. Call inside the transaction of the change."""
    actor = current_actor()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        region_code = region_code or getattr(obj, "audit_region_code", "") or ""
    if action == AuditEvent.Action.UPDATE:
        before, after = diff(before, after)
    key = current_key()
    event = AuditEvent(
        at=timezone.now(),
        actor_id=actor.user_id,
        actor_name=actor.username,
        ip=actor.ip,
        channel=actor.channel,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        region_code=region_code,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        note=note[:500],
        prev_hash="",
        key_id=key.key_id,
    )
    if settings.AUDIT_SEAL_INLINE:
        with transaction.atomic():
            _append_sealed(event, key)
        return event
    if connection.vendor == "postgresql":
        # The seq is taken first so that the event's own hash can cover it: no lock, no read of
        # the chain, one round trip more than the insert.
        with connection.cursor() as cur:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'seq'))", [AuditEvent._meta.db_table]
            )
            event.seq = cur.fetchone()[0]
        event.hash = _event_mac(_content_fields(event), event.seq, key)
        event.save(force_insert=True)
    elif connection.in_atomic_block:
        _insert_then_hash(event, key)
    else:
        with transaction.atomic():
            _insert_then_hash(event, key)
    _seal_after_commit()
    return event


def _seal_after_commit() -> None:
    """Wake the sealer once the current transaction commits (one callback per transaction,
    however many events it records)."""
    if connection.in_atomic_block and any(
        entry[1] == sealer.poke for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(sealer.poke, robust=True)


def _append_sealed(event: AuditEvent, key: _Key) -> None:
    """Seal in the writer's own transaction (AUDIT_SEAL_INLINE, SQLite's default): SQLite runs
    one writing transaction at a time, so the chain lock costs nothing more there, and sealing
    later would only add a second write transaction per event. Events left unsealed by others
    are sealed after this one by the next sealer."""
    _lock_chain()
    head = (
        AuditEvent.objects.filter(chain_pos__isnull=False)
        .order_by("-chain_pos")
        .values_list("chain_pos", "hash")
        .first()
    )
    pos, prev = head or (0, GENESIS)
    event.prev_hash = prev
    event.chain_pos = pos + 1
    event.hash = _seal(_hashed_fields(event), key)
    event.save(force_insert=True)


def _insert_then_hash(event: AuditEvent, key: _Key) -> None:
    """SQLite hands out the seq on insert (writers are serialised there anyway): insert with a
    unique placeholder, then store the hash that covers the seq, in the same transaction."""
    event.hash = "pending-" + secrets.token_hex(16)
    event.save(force_insert=True)
    event.hash = _event_mac(_content_fields(event), event.seq, key)
    AuditEvent.objects.filter(seq=event.seq).update(hash=event.hash)


def _lock_chain() -> None:
    """Serialise the chain's sealers (and re-sealing); SQLite's IMMEDIATE transactions already do.
    Only sealing takes it: writers append unsealed events without waiting for anyone."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(724215001)")


# --- sealing -----------------------------------------------------------------------------------

_UPDATE_SEALED = (
    f"UPDATE {AuditEvent._meta.db_table} SET prev_hash = %s, hash = %s, key_id = %s, chain_pos = %s "
    "WHERE seq = %s AND chain_pos IS NULL"
)


@dataclass
class SealReport:
    sealed: int
    head_pos: int = 0
    blocked_at: int | None = None
    reason: str = ""


def _unsealed_problem(seq: int, content: dict, stored: str, key_id: str, keys: dict) -> str:
    """Why an unsealed event may not enter the chain ("" when it may)."""
    key = keys.get(key_id)
    if key is None:
        return (
            f"not sealed yet, and written with a key this install does not hold (fingerprint {key_id!r})"
            if key_id
            else "not sealed yet, and carries no keyed hash (forged)"
        )
    if not hmac.compare_digest(_event_mac(content, seq, key), stored):
        return "not sealed yet, and its content does not match its own hash (altered or forged before sealing)"
    return ""


def seal_pending(*, batch: int = 2000) -> SealReport:
    """Seal every committed unsealed event into the chain, in seq order; return how many.

    Idempotent, and safe with several sealers at once: each batch runs in one transaction under
    the chain lock and reads the head and the unsealed events after taking it. An event whose own
    hash does not match stops the sealing before it (never chained, reported by `verify_chain`)."""
    total = 0
    head_pos = 0
    while True:
        problem = ""
        blocked = None
        with transaction.atomic():
            _lock_chain()
            head = (
                AuditEvent.objects.filter(chain_pos__isnull=False)
                .order_by("-chain_pos")
                .values_list("chain_pos", "hash")
                .first()
            )
            head_pos, prev = head or (0, GENESIS)
            rows = list(
                AuditEvent.objects.filter(chain_pos__isnull=True)
                .order_by("seq")
                .values_list(*_ROW)[:batch]
            )
            if not rows:
                return SealReport(total, head_pos)
            keys = keyring()
            key = current_key()
            updates = []
            for seq, at, *content, _prev, stored, key_id in rows:
                fields = dict(zip(_ROW[2:14], content))
                fields["at"] = at.isoformat()
                problem = _unsealed_problem(seq, fields, stored, key_id, keys)
                if problem:
                    blocked = seq
                    break
                fields["prev_hash"] = prev
                new_hash = _seal(fields, key)
                head_pos += 1
                updates.append((prev, new_hash, key.key_id, head_pos, seq))
                prev = new_hash
            if updates:
                with connection.cursor() as cur:
                    cur.executemany(_UPDATE_SEALED, updates)
        total += len(updates)
        if blocked is not None:
            log.error("audit sealing stopped at event #%s: %s", blocked, problem)
            return SealReport(total, head_pos, blocked, problem)
        if len(rows) < batch:
            return SealReport(total, head_pos)


class _Sealer:
    """Seals in a background thread of this process: woken by `poke()` when a transaction that
    recorded events commits (many commits, one pass), and every `interval` seconds once
    `start(interval)` was called (server and worker processes: a safety net for pokes lost with a
    killed process). The request never waits for it."""

    def __init__(self):
        self._reset()
        os.register_at_fork(after_in_child=self._reset)
        atexit.register(self._flush_at_exit)

    def _reset(self):
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._requested = 0
        self._done = 0
        self.interval: float | None = None

    def start(self, interval: float | None = None) -> None:
        with self._cond:
            if interval:
                self.interval = interval
            self._ensure_thread()
            self._cond.notify()

    def poke(self) -> None:
        with self._cond:
            self._requested += 1
            self._ensure_thread()
            self._cond.notify()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until a pass that started after the latest poke has finished."""
        with self._cond:
            target = self._requested
            if self._done >= target or self._thread is None:
                return self._done >= target
            self._cond.notify()
            return self._cond.wait_for(lambda: self._done >= target, timeout)

    def _flush_at_exit(self):
        # A short command (e.g. `users add`) seals its own events before the process ends.
        if self._thread is not None and self._done < self._requested:
            self.flush(timeout=10.0)

    def _ensure_thread(self):
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)
            self._thread.start()

    def _run(self):
        while True:
            with self._cond:
                if self._done >= self._requested:
                    self._cond.wait(self.interval)
                target = self._requested
            try:
                close_old_connections()
                seal_pending()
            except Exception:  # a busy or restarting database: the next pass retries
                log.warning("audit sealing failed; retried at the next pass", exc_info=True)
            finally:
                close_old_connections()
            with self._cond:
                self._done = max(self._done, target)
                self._cond.notify_all()


sealer = _Sealer()


# --- checkpoints -------------------------------------------------------------------------------

CHECKPOINT_FORMAT = "minzheng-audit-checkpoint/1"


class CheckpointError(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at one moment, signed: event `seq` has hash `hash` and is the `events`-th
    event of the sealed chain. Kept outside the database, it proves later truncation or rewriting."""

    seq: int
    hash: str
    events: int
    taken_at: str
    key_id: str
    signature: str = ""

    def _signed_part(self) -> bytes:
        data = asdict(self)
        data.pop("signature")
        return _payload({"format": CHECKPOINT_FORMAT, **data})

    def signed(self) -> Checkpoint:
        key = keyring().get(self.key_id) or current_key()
        signature = hmac.new(key.checkpoint, self._signed_part(), hashlib.sha256).hexdigest()
        return Checkpoint(**{**asdict(self), "key_id": key.key_id, "signature": signature})

    def check_signature(self) -> None:
        key = keyring().get(self.key_id)
        if key is None:
            raise CheckpointError(
                f"the checkpoint was signed with a key this install does not hold (fingerprint {self.key_id})"
            )
        expected = hmac.new(key.checkpoint, self._signed_part(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, self.signature):
            raise CheckpointError(
                "the checkpoint's signature does not match its content (the file was altered)"
            )

    def to_json(self) -> str:
        return json.dumps({"format": CHECKPOINT_FORMAT, **asdict(self)}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        try:
            data = json.loads(text)
            if data.pop("format", None) != CHECKPOINT_FORMAT:
                raise CheckpointError("not an audit checkpoint file")
            checkpoint = cls(
                seq=int(data["seq"]),
                hash=str(data["hash"]),
                events=int(data["events"]),
                taken_at=str(data["taken_at"]),
                key_id=str(data["key_id"]),
                signature=str(data["signature"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if isinstance(exc, CheckpointError):
                raise
            raise CheckpointError(f"unreadable checkpoint file: {exc}") from exc
        checkpoint.check_signature()
        return checkpoint


def sign_head(*, seq: int, hash: str, events: int) -> Checkpoint:
    """Sign a head read elsewhere (e.g. from a backup's database snapshot)."""
    return Checkpoint(
        seq=seq,
        hash=hash,
        events=events,
        taken_at=timezone.now().isoformat(timespec="seconds"),
        key_id=current_key().key_id,
    ).signed()


def head_checkpoint(*, seal: bool = True) -> Checkpoint:
    """Sign the sealed chain's current head (sealing what is pending first)."""
    if seal:
        seal_pending()
    # No transaction needed: the count is bounded by the head read first, so sealing meanwhile
    # does not change it.
    head = (
        AuditEvent.objects.filter(chain_pos__isnull=False)
        .order_by("-chain_pos")
        .values_list("seq", "hash", "chain_pos")
        .first()
    )
    seq, head_hash, head_pos = head or (0, GENESIS, 0)
    events = AuditEvent.objects.filter(chain_pos__lte=head_pos).count()
    return sign_head(seq=seq, hash=head_hash, events=events)


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def write_checkpoint(checkpoint: Checkpoint, to: Path | None = None) -> Path:
    """Write to `to` (a file, or a directory for a dated name), by default the checkpoint folder."""
    target = Path(to) if to else checkpoint_dir()
    if target.is_dir() or not target.suffix:
        target.mkdir(parents=True, exist_ok=True)
        stamp = checkpoint.taken_at.replace(":", "").replace("-", "")[:15]
        target = target / f"checkpoint-{checkpoint.seq:012d}-{stamp}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(checkpoint.to_json())
    tmp.replace(target)
    return target


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint file, or the one with the highest sequence in a folder of them."""
    path = Path(path)
    if path.is_dir():
        candidates = sorted(path.glob("checkpoint-*.json"))
        if not candidates:
            raise CheckpointError(f"no checkpoint files in {path}")
        return max((read_checkpoint(c) for c in candidates), key=lambda c: c.seq)
    try:
        text = path.read_text()
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror}") from exc
    return Checkpoint.from_json(text)


# --- verification ------------------------------------------------------------------------------

_ROW = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "ip",
    "channel",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "region_code",
    "before",
    "after",
    "note",
    "prev_hash",
    "hash",
    "key_id",
)


@dataclass
class ChainReport:
    """`checked` events of the sealed chain verified; `unsealed` newer events not sealed yet. Those
    are not part of what was verified: their own hashes were checked (an altered or forged one
    makes the report fail), but not their place, so one deleted among them would not show."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    legacy: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    checkpoint: Checkpoint | None = field(default=None, repr=False)
    unsealed: int = 0

    def describe(self) -> str:
        if self.ok:
            text = f"audit chain intact: {self.checked} events verified"
            if self.checkpoint:
                text += f", matching the checkpoint at event #{self.checkpoint.seq} ({self.checkpoint.taken_at})"
            if self.legacy:
                text += f"; {self.legacy} older events carry no keyed hash yet (run `minzheng audit reseal`)"
            if self.unsealed:
                text += (
                    f"; unsealed: {self.unsealed} newer events are not sealed into the chain yet "
                    "and were not verified (run `minzheng audit seal`)"
                )
            return text
        where = f" at event #{self.first_bad_seq}" if self.first_bad_seq else ""
        return (
            f"audit chain broken{where}: {self.reason} ({self.checked} events before it verified)"
        )


_SEALED_ROW = (*_ROW, "chain_pos")


def verify_chain(
    *, checkpoint: Checkpoint | None = None, batch: int = 10000, seal: bool = True
) -> ChainReport:
    """Walk the sealed chain in order (sealing what is pending first, unless `seal` is False); name
    the first event that does not hold. With a checkpoint, also require its event to be present,
    unchanged and the same number of events into the chain. Then check the own hashes of the events
    not sealed yet and count them (`unsealed`): they are never counted as verified."""
    if seal:
        seal_pending()
    keyring_now = keyring()
    keys = {
        key_id: hmac.new(key.chain, digestmod=hashlib.sha256) for key_id, key in keyring_now.items()
    }
    prev = GENESIS
    checked = legacy = 0
    last_seq = last_pos = 0
    keyed_seen = False
    checkpoint_seen = checkpoint is None or checkpoint.seq == 0

    def broken(seq, reason):
        return ChainReport(False, checked, seq, reason, legacy, last_seq, prev, checkpoint)

    if checkpoint is not None and checkpoint.seq == 0 and checkpoint.hash != GENESIS:
        return broken(None, "the checkpoint names no event but a non-empty head")
    while True:
        rows = list(
            AuditEvent.objects.filter(chain_pos__gt=last_pos)
            .order_by("chain_pos")
            .values_list(*_SEALED_ROW)[:batch]
        )
        if not rows:
            break
        for seq, at, *content, prev_hash, stored, key_id, pos in rows:
            if prev_hash != prev:
                return broken(
                    seq, "previous hash does not match (an event before it was removed or altered)"
                )
            fields = dict(zip(_ROW[2:14], content))
            fields["at"] = at.isoformat()
            fields["prev_hash"] = prev_hash
            if key_id:
                mac = keys.get(key_id)
                if mac is None:
                    return broken(
                        seq, f"sealed with a key this install does not hold (fingerprint {key_id})"
                    )
                mac = mac.copy()
                mac.update(_payload({**fields, "key_id": key_id}))
                good = hmac.compare_digest(mac.hexdigest(), stored)
                keyed_seen = True
            else:
                if keyed_seen:
                    return broken(
                        seq,
                        "an event without a keyed hash follows keyed ones (rewritten without the key)",
                    )
                good = _digest(fields) == stored
                legacy += 1
            if not good:
                return broken(seq, "content does not match its hash (the event was altered)")
            prev = stored
            checked += 1
            last_seq, last_pos = seq, pos
            if checkpoint is not None and not checkpoint_seen:
                if seq == checkpoint.seq:
                    if stored != checkpoint.hash:
                        return broken(
                            seq, "differs from the signed checkpoint (the chain was rewritten)"
                        )
                    if checked != checkpoint.events:
                        return broken(
                            seq,
                            f"{checked} events up to here, the checkpoint counted {checkpoint.events} (events were removed or inserted)",
                        )
                    checkpoint_seen = True
                elif checked == checkpoint.events:
                    # Sequence numbers do not follow the chain (a late commit is sealed after
                    # higher ones), so the checkpoint's event is looked for at its place.
                    return broken(
                        seq,
                        f"the checkpoint's event #{checkpoint.seq} is missing (deleted): another event stands at its place",
                    )
    if not checkpoint_seen:
        return broken(
            None,
            f"the checkpoint's event #{checkpoint.seq} is missing: the chain ends at event #{last_seq} after "
            f"{checked} events, the checkpoint of {checkpoint.taken_at} counted {checkpoint.events} "
            "(the newest events were deleted)",
        )
    unsealed = 0
    last_unsealed = 0
    while True:
        # Sealed after the walk above ended (chain_pos beyond it) counts as not verified too.
        rows = list(
            AuditEvent.objects.filter(
                models.Q(chain_pos__isnull=True) | models.Q(chain_pos__gt=last_pos),
                seq__gt=last_unsealed,
            )
            .order_by("seq")
            .values_list(*_SEALED_ROW)[:batch]
        )
        if not rows:
            break
        for seq, at, *content, _prev, stored, key_id, pos in rows:
            last_unsealed = seq
            unsealed += 1
            if pos is not None:
                continue
            fields = dict(zip(_ROW[2:14], content))
            fields["at"] = at.isoformat()
            problem = _unsealed_problem(seq, fields, stored, key_id, keyring_now)
            if problem:
                return broken(seq, problem)
    return ChainReport(True, checked, None, "", legacy, last_seq, prev, checkpoint, unsealed)


# --- re-sealing --------------------------------------------------------------------------------


@dataclass
class ResealReport:
    events: int
    old_head: str
    new_head: str


def reseal(*, batch: int = 5000) -> ResealReport:
    """Seal the whole chain under the current key (after upgrading from unkeyed hashes, or to retire
    an old key). Refuses a broken chain, so it can never launder tampering. Older checkpoints no
    longer match afterwards: take a new one at once."""
    seal_pending()
    with transaction.atomic():
        _lock_chain()
        report = verify_chain(seal=False)
        if not report.ok:
            raise CheckpointError(report.describe())
        key = current_key()
        prev = GENESIS
        last_pos = 0
        total = 0
        while True:
            rows = list(
                AuditEvent.objects.filter(chain_pos__gt=last_pos)
                .order_by("chain_pos")
                .values_list(*_SEALED_ROW)[:batch]
            )
            if not rows:
                break
            changed = []
            for seq, at, *content, _prev, _stored, _key_id, pos in rows:
                fields = dict(zip(_ROW[2:14], content))
                fields["at"] = at.isoformat()
                fields["prev_hash"] = prev
                new_hash = _seal(fields, key)
                changed.append(
                    AuditEvent(seq=seq, prev_hash=prev, hash=new_hash, key_id=key.key_id)
                )
                prev = new_hash
                last_pos = pos
            AuditEvent.objects.bulk_update(
                changed, ["prev_hash", "hash", "key_id"], batch_size=1000
            )
            total += len(changed)
        record(
            AuditEvent.Action.UPDATE,
            object_type="core.auditevent",
            object_repr="audit chain",
            before={"head": report.head_hash},
            after={"head": prev, "key_id": key.key_id},
            note=f"audit chain re-sealed under key {key.key_id}: {total} events",
        )
    return ResealReport(events=total, old_head=report.head_hash, new_head=prev)


# --- audited changes ---------------------------------------------------------------------------


@dataclass
class AuditedChange:
    """One change being made inside `audited()`. The block may still set `note` (e.g. from the
    outcome); `event` is the recorded event once the block has ended."""

    instance: models.Model
    action: str
    note: str = ""
    object_repr: str = ""
    region_code: str = ""
    before: dict | None = None
    event: AuditEvent | None = None


@contextmanager
def audited(
    instance: models.Model,
    action: str | None = None,
    *,
    note: str = "",
    object_repr: str = "",
    region_code: str = "",
    created: bool = False,
) -> Iterator[AuditedChange]:
    """Record one event for what the block changes on `instance`: its snapshot before the block
    and after it. Use inside the transaction of the change; the block sets the fields and saves.

    `action` defaults to "create" for a new instance (not saved yet, or `created=True` for one just
    made by get_or_create) and "update" otherwise. A new instance has no before. An update keeps
    only the fields that changed; when nothing changed the event is still written, with an empty
    before and after, so the attempt is on record. An exception in the block records nothing."""
    new = created or instance._state.adding
    change = AuditedChange(
        instance=instance,
        action=action or (AuditEvent.Action.CREATE if new else AuditEvent.Action.UPDATE),
        note=note,
        object_repr=object_repr,
        region_code=region_code,
        before=None if new else snapshot(instance),
    )
    yield change
    change.event = record(
        change.action,
        obj=instance,
        object_repr=change.object_repr,
        region_code=change.region_code,
        before=change.before,
        after=snapshot(instance),
        note=change.note,
    )


def record_created(
    instance: models.Model,
    *,
    note: str = "",
    object_repr: str = "",
    region_code: str = "",
    extra: dict | None = None,
) -> AuditEvent:
    """The "create" event of a record just saved, with its snapshot (plus `extra`, e.g. the
    many-to-many values a snapshot does not hold) as the after."""
    return record(
        AuditEvent.Action.CREATE,
        obj=instance,
        object_repr=object_repr,
        region_code=region_code,
        after=snapshot(instance) | (jsonable(extra) if extra else {}),
        note=note,
    )

"""Audit events: written in the same transaction as the change they describe, hash-chained.

Each event's hash is an HMAC (key MINZHENG_AUDIT_KEY, kept outside the database) over its content
and the previous event's hash, so someone who can write the database but lacks the key can
neither alter an event nor rebuild the chain after it. Deleting the newest events leaves a valid
shorter chain; signed checkpoints kept elsewhere (`audit checkpoint`) catch that. Events written
before keyed hashing carry an empty key_id and a plain SHA-256; they are accepted only as the
chain's oldest part, until `audit reseal` seals them under the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .context import current_actor
from .keys import audit_key_fingerprint, audit_master
from .models import AuditEvent

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
        data[model_field.attname] = model_field.value_from_object(instance)
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


@lru_cache(maxsize=8)
def _derive(secret: str) -> _Key:
    master = audit_master(secret)
    return _Key(
        key_id=audit_key_fingerprint(secret),
        chain=hmac.new(master, b"chain", hashlib.sha256).digest(),
        checkpoint=hmac.new(master, b"checkpoint", hashlib.sha256).digest(),
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
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-seq").values_list("hash", flat=True).first()
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
            prev_hash=last or GENESIS,
        )
        key = current_key()
        event.key_id = key.key_id
        event.hash = _seal(_hashed_fields(event), key)
        event.save(force_insert=True)
    return event


def _lock_chain() -> None:
    """Serialise chain writers; SQLite's IMMEDIATE transactions already do."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(724215001)")


# --- checkpoints -------------------------------------------------------------------------------

CHECKPOINT_FORMAT = "minzheng-audit-checkpoint/1"


class CheckpointError(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at one moment, signed: event `seq` has hash `hash` and `events` events
    (seq <= this one) existed. Kept outside the database, it proves later truncation or rewriting."""

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


def head_checkpoint() -> Checkpoint:
    """Sign the chain's current head."""
    # No transaction needed: the count is bounded by the head read first, so appends meanwhile do not change it.
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, head_hash = head or (0, GENESIS)
    events = AuditEvent.objects.filter(seq__lte=seq).count()
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
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    legacy: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    checkpoint: Checkpoint | None = field(default=None, repr=False)

    def describe(self) -> str:
        if self.ok:
            text = f"audit chain intact: {self.checked} events verified"
            if self.checkpoint:
                text += f", matching the checkpoint at event #{self.checkpoint.seq} ({self.checkpoint.taken_at})"
            if self.legacy:
                text += f"; {self.legacy} older events carry no keyed hash yet (run `minzheng audit reseal`)"
            return text
        where = f" at event #{self.first_bad_seq}" if self.first_bad_seq else ""
        return (
            f"audit chain broken{where}: {self.reason} ({self.checked} events before it verified)"
        )


def verify_chain(*, checkpoint: Checkpoint | None = None, batch: int = 10000) -> ChainReport:
    """Walk the chain in order; name the first event that does not hold. With a checkpoint, also
    require its event to be present, unchanged and preceded by the same number of events."""
    keys = {
        key_id: hmac.new(key.chain, digestmod=hashlib.sha256) for key_id, key in keyring().items()
    }
    prev = GENESIS
    checked = legacy = 0
    last_seq = 0
    keyed_seen = False
    checkpoint_seen = checkpoint is None or checkpoint.seq == 0

    def broken(seq, reason):
        return ChainReport(False, checked, seq, reason, legacy, last_seq, prev, checkpoint)

    if checkpoint is not None and checkpoint.seq == 0 and checkpoint.hash != GENESIS:
        return broken(None, "the checkpoint names no event but a non-empty head")
    while True:
        rows = list(
            AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq").values_list(*_ROW)[:batch]
        )
        if not rows:
            break
        for seq, at, *content, prev_hash, stored, key_id in rows:
            if checkpoint is not None and not checkpoint_seen and seq > checkpoint.seq:
                return broken(seq, f"the checkpoint's event #{checkpoint.seq} is missing (deleted)")
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
            last_seq = seq
            if checkpoint is not None and seq == checkpoint.seq:
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
    if not checkpoint_seen:
        return broken(
            None,
            f"the chain ends at event #{last_seq} but the checkpoint of {checkpoint.taken_at} reaches event #{checkpoint.seq} "
            "(the newest events were deleted)",
        )
    return ChainReport(True, checked, None, "", legacy, last_seq, prev, checkpoint)


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
    with transaction.atomic():
        _lock_chain()
        report = verify_chain()
        if not report.ok:
            raise CheckpointError(report.describe())
        key = current_key()
        prev = GENESIS
        last_seq = 0
        total = 0
        while True:
            rows = list(
                AuditEvent.objects.filter(seq__gt=last_seq)
                .order_by("seq")
                .values_list(*_ROW)[:batch]
            )
            if not rows:
                break
            changed = []
            for seq, at, *content, _prev, _stored, _key_id in rows:
                fields = dict(zip(_ROW[2:14], content))
                fields["at"] = at.isoformat()
                fields["prev_hash"] = prev
                new_hash = _seal(fields, key)
                changed.append(
                    AuditEvent(seq=seq, prev_hash=prev, hash=new_hash, key_id=key.key_id)
                )
                prev = new_hash
                last_seq = seq
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

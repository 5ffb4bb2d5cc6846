"""Audit events: written in the same transaction as the change they describe, hash-chained."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .context import current_actor
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
    for field in instance._meta.concrete_fields:
        if field.name.endswith(_SECRET_SUFFIXES) or field.name == "password":
            continue
        data[field.attname] = field.value_from_object(instance)
    return jsonable(data)


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the keys that changed, so update events stay readable."""
    if not before or not after:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k) and k not in _NOISE]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _digest(fields: dict) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


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
        if connection.vendor == "postgresql":
            # Serialise chain appends; SQLite's IMMEDIATE transactions already do.
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(724215001)")
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
        event.hash = _digest(_hashed_fields(event))
        event.save(force_insert=True)
    return event


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain(batch: int = 5000) -> ChainReport:
    prev = GENESIS
    checked = 0
    last_seq = 0
    while True:
        events = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not events:
            return ChainReport(ok=True, checked=checked)
        for event in events:
            if event.prev_hash != prev:
                return ChainReport(False, checked, event.seq, "previous hash does not match (an event before it was removed or altered)")
            if _digest(_hashed_fields(event)) != event.hash:
                return ChainReport(False, checked, event.seq, "content does not match its hash (the event was altered)")
            prev = event.hash
            checked += 1
            last_seq = event.seq

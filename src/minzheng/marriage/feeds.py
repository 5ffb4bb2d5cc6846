"""The registry's records as the verification engine's `marriage` source: one row per party of
each marriage registered on or before the day (event `marriage`, on the registration day) and of
each divorce registered by then (event `divorce`). A marriage declared void or revoked never had
legal effect (Civil Code art. 1054), so neither it nor its events are given. Registered into
verification's source registry from apps.py."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from django.db.models import Q

from .models import Divorce, DivorceStatus, Marriage, MarriageStatus


def marriage_rows(on: dt.date) -> pa.Table:
    from minzheng.verification.keys import keys_from_hashes

    valid = Q(status__in=[MarriageStatus.MARRIED, MarriageStatus.DIVORCED])
    fields = ("man__id_hash", "man__id_masked", "woman__id_hash", "woman__id_masked")
    events = [
        ("marriage", day, *row)
        for day, *row in Marriage.objects.filter(valid, registered_on__lte=on)
        .order_by("registered_on", "id")
        .values_list("registered_on", *fields)
    ] + [
        ("divorce", day, *row)
        for day, *row in Divorce.objects.filter(
            status=DivorceStatus.REGISTERED, registered_on__lte=on
        )
        .order_by("registered_on", "id")
        .values_list("registered_on", *(f"marriage__{f}" for f in fields))
    ]
    rows = []
    for event, day, man_hash, man_masked, woman_hash, woman_masked in events:
        rows.append((man_hash, man_masked, woman_hash, woman_masked, event, day))
        rows.append((woman_hash, woman_masked, man_hash, man_masked, event, day))
    return pa.table(
        {
            "id_key": pa.array(keys_from_hashes(r[0] for r in rows) if rows else [], pa.int64()),
            "id_masked": pa.array([r[1] for r in rows], pa.string()),
            "spouse_key": pa.array(
                keys_from_hashes(r[2] for r in rows) if rows else [], pa.int64()
            ),
            "spouse_masked": pa.array([r[3] for r in rows], pa.string()),
            "event": pa.array([r[4] for r in rows], pa.string()),
            "event_date": pa.array([r[5] for r in rows], pa.date32()),
        }
    )

"""The platform's own records as a verification source: every run compares the household with
the entitlements the platform itself pays (source `entitlements`), so a household that already
receives the same programme, or one that excludes it, is found even when no departmental list of
beneficiaries was imported.

The rows are taken on the run's reference date in two set-based queries (entitlements, then the
members of the households paid per household) and stored like an imported batch, so a finding
cites a batch and row as every other finding does. The same content on the same date is one
batch, so re-running a run reuses it.

Other modules that keep the records a departmental source describes feed that source the same
way: they register a function returning the source's rows on a date (`register_source`, called
in their apps.py; this module imports none of them), and every run adds the batch of those rows
to whatever a department delivered for the source (marriage registration feeds `marriage`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import uuid
from collections.abc import Callable

import pyarrow as pa
import pyarrow.parquet as pq
from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.core import audit
from minzheng.payments import months
from minzheng.people.models import HouseholdMember

from . import imports, keys
from .models import SourceBatch
from .sources import SCHEMA_VERSION, get_source

SOURCE = "entitlements"
LIVE = ("active", "suspended")

_PROVIDERS: dict[str, Callable[[dt.date], pa.Table]] = {}


def register_source(code: str, rows: Callable[[dt.date], pa.Table]) -> None:
    """Let a module feed the departmental source `code` from its own records: `rows(on)` returns
    the source's stored columns but `_batch`/`_row` (ID columns as keys and masked numbers, see
    `keys.keys_from_hashes`) for the records on or before `on`."""
    get_source(code)  # an unknown code fails at start-up, not in a run
    _PROVIDERS[code] = rows


def provided_sources() -> tuple[str, ...]:
    return tuple(_PROVIDERS)


def provided_batches(on: dt.date) -> dict[str, SourceBatch]:
    """The batch of each registered source's rows on `on` (one per content and date). A source
    with no rows yet gives no batch: a register that holds nothing is not a delivery, so the
    source stays missing (partial verification) until a department delivers or records exist."""
    out = {}
    for code, rows in _PROVIDERS.items():
        table = rows(on)
        if table.num_rows:
            out[code] = store_batch(code, table, on)
    return out


def _empty() -> dict[str, list]:
    return {
        name: []
        for name in (
            "id_key",
            "id_masked",
            "household_number",
            "programme",
            "county_code",
            "since",
            "until",
            "case_id",
        )
    }


def entitlement_rows(on: dt.date) -> pa.Table:
    """One row per person covered by a live entitlement on `on` (a household's entitlement
    covers its current members, the same members a run verifies)."""
    columns = _empty()
    try:
        model = apps.get_model("payments", "Entitlement")
    except LookupError:
        model = None
    if model is not None:
        month = on.replace(day=1)
        live = model.objects.filter(status__in=LIVE, start_month__lte=on).filter(
            Q(end_month__isnull=True) | Q(end_month__gte=month)
        )
        fields = (
            "household_id",
            "household__number",
            "programme",
            "region__path",
            "start_month",
            "end_month",
            "case_id",
        )
        per_person = live.filter(person__isnull=False).values_list(
            "person__id_hash", "person__id_masked", *fields
        )
        per_household = list(live.filter(person__isnull=True).values_list(*fields))
        rows = [(h, m, *rest) for h, m, *rest in per_person]
        if per_household:
            members: dict[int, list[tuple[str, str]]] = {}
            for household_id, id_hash, masked in HouseholdMember.objects.filter(
                household_id__in={r[0] for r in per_household}, until__isnull=True
            ).values_list("household_id", "person__id_hash", "person__id_masked"):
                members.setdefault(household_id, []).append((id_hash, masked))
            rows += [(h, m, *row) for row in per_household for h, m in members.get(row[0], [])]
        rows = [r for r in rows if r[0]]
        rows.sort(key=lambda r: (r[4], r[3], r[1], r[0]))
        for id_hash, masked, _household_id, number, programme, path, since, until, case_id in rows:
            columns["id_key"].append(id_hash)
            columns["id_masked"].append(masked)
            columns["household_number"].append(number)
            columns["programme"].append(programme)
            columns["county_code"].append(path.strip("/").rsplit("/", 1)[-1][:6])
            columns["since"].append(since)
            # the first day no longer paid, so "active on the day" reads the same as for other sources
            columns["until"].append(months.add_months(until, 1) if until else None)
            columns["case_id"].append(case_id)
    id_keys = keys.keys_from_hashes(columns.pop("id_key")) if columns["id_masked"] else []
    return pa.table(
        {
            "id_key": pa.array(id_keys, pa.int64()),
            "id_masked": pa.array(columns["id_masked"], pa.string()),
            "household_number": pa.array(columns["household_number"], pa.string()),
            "programme": pa.array(columns["programme"], pa.string()),
            "county_code": pa.array(columns["county_code"], pa.string()),
            "since": pa.array(columns["since"], pa.date32()),
            "until": pa.array(columns["until"], pa.date32()),
            "case_id": pa.array(columns["case_id"], pa.int64()),
        }
    )


def entitlements_batch(on: dt.date) -> SourceBatch:
    """The batch of the platform's entitlements on `on`, created once per content and date."""
    return store_batch(SOURCE, entitlement_rows(on), on)


def store_batch(code: str, table: pa.Table, on: dt.date) -> SourceBatch:
    """Store the platform's rows of source `code` as an imported batch, once per content and
    date."""
    sink = io.BytesIO()
    pq.write_table(table, sink)
    digest = hashlib.sha256(on.isoformat().encode() + sink.getvalue()).hexdigest()
    existing = SourceBatch.objects.filter(
        source=code, provider="", file_sha256=digest, status=SourceBatch.Status.IMPORTED
    ).first()
    if existing is not None and imports.batch_path(existing).exists():
        return existing
    schema = get_source(code)
    with transaction.atomic():
        batch, _created = SourceBatch.objects.select_for_update().get_or_create(
            source=code,
            provider="",
            file_sha256=digest,
            defaults={
                "as_of": on,
                "original_name": str(schema.label)[:200],
                "file_format": "parquet",
                "schema_version": SCHEMA_VERSION,
                "mode": SourceBatch.Mode.ALL_OR_NOTHING,
            },
        )
        n = table.num_rows
        stored = table.add_column(0, "_row", pa.array(range(1, n + 1), pa.int64()))
        stored = stored.add_column(0, "_batch", pa.array([batch.pk] * n, pa.int64()))
        stored = stored.select(schema.stored_schema().names).cast(schema.stored_schema())
        folder = imports.batch_dir() / code
        folder.mkdir(parents=True, exist_ok=True)
        data_path = folder / f"{batch.pk}.parquet"
        partial = folder / f".{batch.pk}.{uuid.uuid4().hex}.tmp"
        pq.write_table(stored, partial)
        os.replace(partial, data_path)
        batch.status = SourceBatch.Status.IMPORTED
        batch.columns = [f.name for f in schema.stored_schema()]
        batch.rows_total = batch.rows_imported = n
        batch.path = imports._relative(data_path)
        batch.parquet_sha256 = imports.sha256_of(data_path)
        batch.file_size = data_path.stat().st_size
        batch.imported_at = timezone.now()
        batch.save()
        audit.record(
            "import",
            obj=batch,
            object_repr=str(batch)[:200],
            after={
                "source": code,
                "as_of": on,
                "rows": n,
                "parquet_sha256": batch.parquet_sha256,
            },
            note=str(schema.label),
        )
    return batch

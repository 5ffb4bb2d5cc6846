"""Reads that go to the batch files or shape the report: the source row a finding cites, and the
report as JSON. Parquet is read with pyarrow (never DuckDB) so this is safe in a web worker."""

from __future__ import annotations

import datetime as dt

import pyarrow.dataset as ds

from minzheng.core.money import yuan_str

from . import imports, rules
from .models import SourceBatch
from .sources import ID, get_source


def source_row(batch: SourceBatch, row: int) -> dict | None:
    """The cited record as stored (ID numbers masked), labelled with the source's headers."""
    if not batch.path:
        return None
    path = imports.batch_path(batch)
    if not path.exists():
        return None
    table = ds.dataset(path, format="parquet").to_table(filter=ds.field("_row") == row)
    if not table.num_rows:
        return None
    values = table.slice(0, 1).to_pylist()[0]
    source = get_source(batch.source)
    shown = {}
    for column in source.columns:
        if column.kind == ID:
            value = values.get(f"{column.key_prefix}masked")
        else:
            value = values.get(column.name)
            if column.kind == "money" and value is not None:
                value = yuan_str(value)
            elif column.choices and value in column.choices:
                value = str(column.choices[value])
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        shown[str(column.label)] = value
    return shown


def report_json(report: dict) -> dict:
    case, run, finished = report["case"], report["run"], report["finished"]
    return {
        "case": {
            "id": case.pk,
            "number": case.number,
            "programme": case.programme,
            "state": case.state,
            "state_label": case.get_state_display(),
            "applied_on": case.applied_on,
        },
        "household": {
            "id": case.household_id,
            "number": case.household.number,
            "region": case.household.region.name,
        },
        "members": [
            {
                "person_id": m.person_id,
                "name": m.person.name,
                "id_number_masked": m.person.id_masked,
                "relation": m.get_relation_display(),
            }
            for m in report["members"]
        ],
        "authorisation": {
            "signed_on": report["authorisation"].signed_on,
            "signed_by": report["authorisation"].signed_by,
        }
        if report["authorisation"]
        else None,
        "run": {
            "id": run.pk,
            "reference": run.reference,
            "status": run.status,
            "as_of": run.as_of,
            "engine": run.engine,
            "finished_at": run.finished_at,
        }
        if run
        else None,
        "report_reference": finished.reference if finished else None,
        "sources": [
            {
                "code": s["code"],
                "label": str(s["label"]),
                "department": str(s["department"]),
                "required": s["required"],
                "batches": [
                    {"id": b.pk, "as_of": b.as_of, "provider": b.provider} for b in s["batches"]
                ],
            }
            for s in report["sources"]
        ],
        "coverage": report["coverage"].as_dict() if report["coverage"] else None,
        "conclusion": {
            "status": report["conclusion"]["status"],
            "label": str(report["conclusion"]["label"]),
            "text": str(report["conclusion"]["text"]),
        },
        "findings": [
            {
                "id": f.pk,
                "rule": f.rule,
                "title": rules.title(f.rule),
                "severity": f.severity,
                "status": f.status,
                "status_label": f.get_status_display(),
                "person": {
                    "id": f.person_id,
                    "name": f.person.name,
                    "id_number_masked": f.person.id_masked,
                },
                "message": rules.describe(f.rule, f.evidence),
                "batch": f.batch_id,
                "row": f.row,
                "note": f.note,
            }
            for f in report["findings"]
        ],
        "blocking": len(report["blocking"]),
        "decision": {
            "outcome": report["decision"].outcome,
            "reasons": report["decision"].reasons,
            "decided_on": report["decision"].decided_on,
        }
        if report["decision"]
        else None,
    }

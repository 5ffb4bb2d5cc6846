"""Synthetic files say so, inside the file: whoever finds a Parquet file of made-up people (on a
disk, in a backup, attached to a ticket) can tell at once that the ID numbers in it are invented,
without the manifest beside it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

KEY = b"minzheng.synthetic"
VALUE = b"true"


def mark(table: pa.Table) -> pa.Table:
    """The table with the synthetic flag in its schema metadata (kept in the Parquet footer)."""
    return table.replace_schema_metadata({**(table.schema.metadata or {}), KEY: VALUE})


def is_synthetic(path: Path | str) -> bool:
    return (pq.read_schema(path).metadata or {}).get(KEY) == VALUE

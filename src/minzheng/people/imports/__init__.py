"""Import people and households from a spreadsheet (CSV or .xlsx), one row per person.

The file is read and every row validated before anything is written. Two modes:

- ``all_or_nothing``: any error and nothing is written;
- ``good_rows``: the good rows are written; a household with a bad row is skipped whole, so no
  half household ever lands in the registry.

Writing is set-based, a batch of households at a time (`writing`): people matched by ID hash
and inserted in one statement per batch, households and memberships likewise, and one audit event
per batch with the file's checksum, the batch's rows and its counts. A batch commits whole. A
person already registered (same ID) is left as it is, and a household whose head already heads a
household is that household, so running the same file again, or re-running a job killed mid-way,
ends complete and without duplicates.

The modules, in the order an import runs: ``columns`` (what a file may contain), ``reading``
(the file's rows), ``validation`` (each row, then across rows), ``matching`` (against the
registry), ``writing`` (the batches), ``job`` (the job and its report); ``template`` is the Excel
template of the import page.
"""

from .columns import COLUMNS, Column
from .job import ensure_can_import, run_import, start_import
from .reading import file_kind, read_table
from .report import (
    ALL_OR_NOTHING,
    GOOD_ROWS,
    JOB_KIND,
    MAX_REPORTED_ERRORS,
    MODES,
    ImportFileError,
    ImportReport,
    RowError,
)
from .template import import_template_xlsx
from .writing import DEFAULT_CHUNK_HOUSEHOLDS

__all__ = [
    "ALL_OR_NOTHING",
    "COLUMNS",
    "DEFAULT_CHUNK_HOUSEHOLDS",
    "GOOD_ROWS",
    "JOB_KIND",
    "MAX_REPORTED_ERRORS",
    "MODES",
    "Column",
    "ImportFileError",
    "ImportReport",
    "RowError",
    "ensure_can_import",
    "file_kind",
    "import_template_xlsx",
    "read_table",
    "run_import",
    "start_import",
]

"""Bulk load of a generated city (see `minzheng.synth.generator`) into the database.

Everything happens in one transaction: a load killed mid-way leaves nothing behind and is simply
run again. Two ways in, chosen per load:

* **Fresh** (PostgreSQL, the people tables are empty): row ids are reserved from the tables'
  sequences, and persons, households and memberships are streamed straight into their tables
  with `COPY ... FROM STDIN`. Foreign keys, unique constraints and secondary indexes are dropped
  first and rebuilt at the end, one sort or one validating join each, instead of millions of
  row-by-row index inserts and trigger checks.
* **Merge** (otherwise, and always on SQLite): rows go into temporary staging tables (PostgreSQL:
  COPY; SQLite: `executemany` in large batches), then into the real tables with one
  `INSERT ... SELECT` each that skips what is already there: people by ID hash, households by
  number, memberships of people who already have one. Loading a directory twice adds nothing.

ID numbers and bank accounts are encrypted, hashed and masked in Python: they never reach the
database in clear, not even in staging tables. Encryption and hashing are most of the client's
time: for a city of 200,000 persons or more they run in worker processes (one per core but one,
at least one: `minzheng.synth.protect`), on the fresh path while the server loads the households
and memberships and indexes them; masking is one vectorised Arrow expression. No per-row
history is written; the load is one audit event.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, crypto, idcard
from minzheng.core.bulk import local_settings
from minzheng.regions.models import Region

from .protect import Protector, default_workers, encrypt_optional, hash_and_encrypt

Progress = Callable[[int, int, str], None] | None

BATCH_ROWS = 100_000
PEOPLE_TABLES = ("people_person", "people_household", "people_householdmember")
STAGE_PERSON = "synth_stage_person"
STAGE_HOUSEHOLD = "synth_stage_household"

PERSON_COLUMNS = (
    ("id_hash", "varchar(64)"),
    ("id_cipher", "text"),
    ("id_masked", "varchar(18)"),
    ("name", "varchar(64)"),
    ("name_pinyin", "varchar(255)"),
    ("sex", "varchar(1)"),
    ("birth_date", "date"),
    ("hukou_region_id", "bigint"),
    ("hukou_type", "varchar(8)"),
    ("disability_type", "varchar(16)"),
    ("disability_grade", "smallint"),
    ("death_date", "date"),
    ("phone", "varchar(20)"),
)
MEMBERSHIP_COLUMNS = (
    ("household_number", "varchar(32)"),
    ("relation", "varchar(16)"),
    ("since", "date"),
    ("until", "date"),
)
HOUSEHOLD_COLUMNS = (
    ("number", "varchar(32)"),
    ("region_id", "bigint"),
    ("address", "varchar(200)"),
    ("bank_name", "varchar(64)"),
    ("bank_account_cipher", "text"),
    ("bank_account_masked", "varchar(40)"),
)


class ManifestMismatch(ValueError):
    """The directory's files are not the ones its manifest describes."""


def read_manifest(src_dir: Path) -> dict:
    """The manifest, after checking every file against its checksum."""
    manifest = json.loads((Path(src_dir) / "manifest.json").read_text(encoding="utf-8"))
    for file_name, meta in manifest["files"].items():
        digest = hashlib.sha256()
        with open(Path(src_dir) / file_name, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != meta["sha256"]:
            raise ManifestMismatch(
                _("%(file)s 的校验值与 manifest.json 不符，文件已被改动或不完整")
                % {"file": file_name}
            )
    return manifest


# --------------------------------------------------------------------------------------------
# Reading the files and protecting the personal data


class CityFiles:
    """The Parquet files, cross-referenced on first use: each person's membership and household
    row, each household's head row (row numbers become ids on the fresh path). Encrypting the
    persons needs none of it, so it can start while the cross-references are made."""

    def __init__(self, src_dir: Path, region_id: dict[str, int], protector: Protector):
        self.src_dir = Path(src_dir)
        self.region_id = region_id
        self.protector = protector
        self.persons = pq.read_table(self.src_dir / "persons.parquet")
        self.households = pq.read_table(self.src_dir / "households.parquet")

    @functools.cached_property
    def people(self) -> pa.Table:
        """The persons with their membership (household number, relation, dates, household row)."""
        people = self.persons
        members = pq.read_table(self.src_dir / "members.parquet")
        same_order = (
            members.num_rows == people.num_rows
            and pc.all(pc.equal(members["id_number"], people["id_number"])).as_py()
        )
        if not same_order:  # written by another tool: match memberships to people by ID number
            people = people.append_column(
                "row", pa.array(np.arange(people.num_rows, dtype=np.int64))
            )
            members = (
                people.select(["id_number", "row"])
                .join(members, "id_number", join_type="left outer")
                .sort_by("row")
            )
            if members.num_rows != people.num_rows:
                raise ValueError(_("members.parquet 中有人员出现多次：每人只能有一条家庭成员记录"))
        for name in ("household_number", "relation", "since", "until"):
            people = people.append_column(name, members[name])
        household_row = pc.index_in(people["household_number"], value_set=self.households["number"])
        return people.append_column("household_row", household_row)

    @functools.cached_property
    def head_row(self) -> pa.Array:
        return pc.index_in(self.households["head_id_number"], value_set=self.persons["id_number"])

    def _region_ids(self, codes) -> pa.Array:
        known = pa.array(list(self.region_id.keys()), pa.string())
        index = pc.index_in(codes, value_set=known)
        if index.null_count:
            raise ValueError(_("有记录引用了 villages.parquet 中没有的村（社区）代码"))
        return pa.array(list(self.region_id.values()), pa.int64()).take(index)

    def person_batches(self, *, membership: bool) -> Iterator[tuple[int, pa.Table]]:
        """(first row number, batch) with encrypted, hashed and masked ID numbers; with
        `membership`, each person's household number, relation and dates too."""
        source = self.people if membership else self.persons
        batches = source.to_batches(max_chunksize=BATCH_ROWS)
        protected = self.protector.map(hash_and_encrypt, (b.column("id_number") for b in batches))
        start = 0
        for batch, (id_hash, id_cipher) in zip(batches, protected):
            columns = {
                "id_hash": id_hash,
                "id_cipher": id_cipher,
                "id_masked": idcard.mask_array(batch.column("id_number")),
                "name": batch.column("name"),
                "name_pinyin": batch.column("name_pinyin"),
                "sex": batch.column("sex"),
                "birth_date": batch.column("birth_date"),
                "hukou_region_id": self._region_ids(batch.column("village_code")),
                "hukou_type": batch.column("hukou_type"),
                "disability_type": pc.fill_null(batch.column("disability_type"), ""),
                "disability_grade": batch.column("disability_grade"),
                "death_date": batch.column("death_date"),
                "phone": pc.fill_null(batch.column("phone"), ""),
            }
            if membership:
                for name, _kind in MEMBERSHIP_COLUMNS:
                    columns[name] = batch.column(name)
            yield start, pa.table(columns)
            start += batch.num_rows

    def household_batches(self, *, head_hash: bool) -> Iterator[tuple[int, pa.Table]]:
        """(first row number, batch) with encrypted and masked bank accounts."""
        hasher = crypto.lookup_hasher()
        batches = self.households.to_batches(max_chunksize=BATCH_ROWS)
        # Here, not in the pool: there the accounts would wait behind the persons' chunks, and
        # the COPY of the households with them (a million accounts take about two seconds).
        ciphers = self.protector.map(
            encrypt_optional, (b.column("bank_account") for b in batches), here=True
        )
        start = 0
        for batch, account_cipher in zip(batches, ciphers):
            columns = {
                "number": batch.column("number"),
                "region_id": self._region_ids(batch.column("village_code")),
                "address": pc.fill_null(batch.column("address"), ""),
                "bank_name": pc.fill_null(batch.column("bank_name"), ""),
                "bank_account_cipher": account_cipher,
                "bank_account_masked": idcard.mask_array(batch.column("bank_account")),
                "head_row": self.head_row.slice(start, batch.num_rows),
            }
            if head_hash:
                heads = batch.column("head_id_number").to_pylist()
                columns["head_hash"] = pa.array(
                    [hasher(x) if x else None for x in heads], pa.string()
                )
            yield start, pa.table(columns)
            start += batch.num_rows


# --------------------------------------------------------------------------------------------
# Writing rows: PostgreSQL COPY (CSV) and SQLite executemany


_CSV = pacsv.WriteOptions(include_header=False, quoting_style="all_valid", batch_size=BATCH_ROWS)


class _CopyStream:
    """One `COPY table (columns) FROM STDIN` fed with Arrow batches as CSV (every non-null value
    quoted: "" is an empty string, an empty field is NULL). A background thread turns batches
    into CSV and pushes them to the server while the caller computes the next batch."""

    def __init__(self, cursor, table: str, columns: list[str]):
        self.sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
        self.raw = cursor.cursor  # psycopg cursor, below Django's wrapper
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        received_end = False
        try:
            with self.raw.copy(self.sql) as copy:
                while (batch := self.queue.get()) is not None:
                    buffer = io.BytesIO()
                    pacsv.write_csv(batch, buffer, write_options=_CSV)
                    copy.write(buffer.getbuffer())
                received_end = True  # the server may still refuse the data when COPY ends
        except BaseException as exc:  # re-raised in the caller's thread
            self.error = exc
            # Keep taking batches so a caller blocked on a full queue can reach the end marker.
            while not received_end and self.queue.get() is not None:
                pass

    def __enter__(self):
        self.thread.start()
        return self

    def write(self, batch: pa.Table) -> None:
        if self.error:
            raise self.error
        self.queue.put(batch)

    def __exit__(self, exc_type, exc, tb):
        self.queue.put(None)
        self.thread.join()
        if self.error and exc is None:
            raise self.error


def _sqlite_insert(table: str, batch: pa.Table) -> None:
    columns = []
    for column in batch.columns:
        if pa.types.is_date(column.type):
            column = pc.cast(column, pa.string())
        columns.append(column.to_pylist())
    marks = ", ".join("?" for _ in batch.column_names)
    sql = f"INSERT INTO {table} ({', '.join(batch.column_names)}) VALUES ({marks})"
    connection.connection.executemany(sql, zip(*columns))


# --------------------------------------------------------------------------------------------
# PostgreSQL: constraints and indexes rebuilt once per load


def _flush_deferred_checks(cursor) -> None:
    """Run foreign-key checks queued earlier in the transaction: ALTER TABLE and CREATE INDEX
    refuse to run while any are pending. Switching back keeps the caller's deferral."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _drop_constraints(cursor, table: str) -> list[str]:
    """Drop the table's foreign keys, unique constraints and secondary indexes (not the primary
    key); return the statements that recreate them. Inside the load's transaction, so a failed
    load restores them, and the table stays locked against other writers meanwhile."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid = %s::regclass"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    # Unique constraints, then plain indexes, then foreign keys: validating a foreign key can
    # then read both sides in index order (see _restore).
    unique = [(n, d) for n, d in constraints if not d.startswith("FOREIGN KEY")]
    foreign = [(n, d) for n, d in constraints if d.startswith("FOREIGN KEY")]
    return (
        [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in unique]
        + [definition for _name, definition in indexes]
        + [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for name, definition in foreign
        ]
    )


def _is_foreign_key(statement: str) -> bool:
    return " FOREIGN KEY " in statement


def _restore(cursor, statements: list[str]) -> None:
    """Recreate what `_drop_constraints` dropped. A foreign key is validated by one anti-join of
    the table with the one it references; between two people tables, both columns indexed by then,
    a merge join over the two indexes is several times cheaper than hashing millions of
    referenced ids, which is what the planner would pick, so hash joins (and nested loops) are
    off for those statements. A reference to the small regions table keeps its hash join."""
    _flush_deferred_checks(cursor)
    for statement in statements:
        merge = _is_foreign_key(statement) and any(
            f"REFERENCES {table}(" in statement for table in PEOPLE_TABLES
        )
        with (
            local_settings(cursor, enable_hashjoin="off", enable_nestloop="off")
            if merge
            else nullcontext()
        ):
            cursor.execute(statement)


def _row_count_at_least(cursor, table: str, rows: int) -> bool:
    cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) t", [rows])
    return cursor.fetchone()[0] >= rows


def _reserve_ids(cursor, table: str, rows: int) -> int:
    """First of `rows` consecutive ids taken from the table's sequence."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    if rows > 1:
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + rows - 1])
    return first


# --------------------------------------------------------------------------------------------
# Regions


def _ensure_region_tree(township_codes: set[str]) -> dict[str, Region]:
    from minzheng.regions.services import load_jingmen

    townships = {r.code: r for r in Region.objects.filter(code__in=township_codes)}
    if len(townships) < len(township_codes):
        load_jingmen()
        townships = {r.code: r for r in Region.objects.filter(code__in=township_codes)}
    missing = township_codes - townships.keys()
    if missing:
        raise ValueError(
            _("区划树中缺少乡镇（街道）：%(codes)s") % {"codes": "、".join(sorted(missing)[:5])}
        )
    return townships


def _load_villages(villages: pa.Table) -> tuple[dict[str, int], int]:
    """Create the village and community units that are not there yet; return code → id."""
    townships = _ensure_region_tree(set(villages["township_code"].to_pylist()))
    parent_ids = [t.pk for t in townships.values()]
    existing = set(Region.objects.filter(parent_id__in=parent_ids).values_list("code", flat=True))
    new = [
        Region(
            code=row["code"],
            name=row["name"],
            level=Region.Level.VILLAGE,
            kind=Region.Kind.STATUTORY,
            parent=townships[row["township_code"]],
            path=townships[row["township_code"]].path + row["code"] + "/",
            urban_rural=row["urban_rural"],
        )
        for row in villages.select(["code", "name", "township_code", "urban_rural"]).to_pylist()
        if row["code"] not in existing
    ]
    Region.objects.bulk_create(new, batch_size=500)
    wanted = set(villages["code"].to_pylist())
    ids = {
        code: pk
        for code, pk in Region.objects.filter(parent_id__in=parent_ids).values_list("code", "id")
        if code in wanted
    }
    return ids, len(new)


# --------------------------------------------------------------------------------------------
# The two ways in


class _Counter:
    def __init__(self, total: int, report: Callable[[int, int, str], None]):
        self.done, self.total, self.report = 0, total, report
        self.message = ""

    def start(self, message: str) -> None:
        self.message = message
        self.report(min(self.done, self.total), self.total, message)

    def add(self, rows: int) -> None:
        self.done += rows
        self.report(min(self.done, self.total), self.total, self.message)


class _Producer:
    """Runs a generator in a thread and hands its items over in order as they are made, so the
    caller can keep the database busy meanwhile (the work it does in Python, encryption and
    hashing, lets go of the GIL only now and then, but the caller mostly waits on the server)."""

    _END = object()

    def __init__(self, make: Callable[[], Iterator]):
        self.items: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(make,), daemon=True)
        self.thread.start()

    def _run(self, make):
        try:
            for item in make():
                if self.stopping.is_set():
                    break
                self.items.put(item)
        except BaseException as exc:  # re-raised in the caller's thread
            self.error = exc
        finally:
            self.items.put(self._END)

    def __iter__(self) -> Iterator:
        while (item := self.items.get()) is not self._END:
            yield item
        if self.error:
            raise self.error

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()


def _load_fresh(cursor, files: CityFiles, counter: _Counter, now: dt.datetime) -> dict[str, int]:
    """PostgreSQL into empty people tables: COPY with reserved ids, constraints rebuilt at the end.

    The order keeps both sides busy: a thread encrypts and hashes the ID numbers from the start,
    while the server takes the households and memberships and builds their indexes; the persons
    follow, then their indexes, then every foreign key."""
    n_people, n_households = files.persons.num_rows, files.households.num_rows
    _flush_deferred_checks(cursor)
    restore = {table: _drop_constraints(cursor, table) for table in PEOPLE_TABLES}
    stamp = f"'{now.isoformat()}'::timestamptz"
    for table in ("people_person", "people_household"):
        # One timestamp for the whole load, as a transaction-scoped column default, so COPY
        # does not parse it millions of times.
        cursor.execute(
            f"ALTER TABLE {table} ALTER COLUMN created_at SET DEFAULT {stamp}, ALTER COLUMN updated_at SET DEFAULT {stamp}"
        )
    person_first = _reserve_ids(cursor, "people_person", n_people)
    household_first = _reserve_ids(cursor, "people_household", n_households)
    person_columns = ["id", *(name for name, _kind in PERSON_COLUMNS)]

    def person_rows() -> Iterator[pa.Table]:
        for start, batch in files.person_batches(membership=False):
            ids = np.arange(person_first + start, person_first + start + batch.num_rows)
            yield batch.select(person_columns[1:]).add_column(0, "id", pa.array(ids))

    people = _Producer(person_rows)
    try:
        counter.start(_("写入家庭"))
        household_columns = ["id", *(name for name, _kind in HOUSEHOLD_COLUMNS), "head_id"]
        with _CopyStream(cursor, "people_household", household_columns) as stream:
            for start, batch in files.household_batches(head_hash=False):
                ids = np.arange(household_first + start, household_first + start + batch.num_rows)
                head_id = pc.add(batch["head_row"].cast(pa.int64()), person_first)
                stream.write(
                    batch.select(household_columns[1:-1])
                    .add_column(0, "id", pa.array(ids))
                    .append_column("head_id", head_id)
                )
        counter.add(n_households)

        counter.start(_("写入家庭成员"))
        members = files.people.select(["household_row", "relation", "since", "until"])
        member_table = pa.table(
            {
                "household_id": pc.add(members["household_row"].cast(pa.int64()), household_first),
                "person_id": pa.array(np.arange(person_first, person_first + n_people)),
                "relation": members["relation"],
                "since": members["since"],
                "until": members["until"],
            }
        ).filter(pc.is_valid(members["household_row"]))
        with _CopyStream(cursor, "people_householdmember", member_table.column_names) as stream:
            for batch in member_table.to_batches(max_chunksize=BATCH_ROWS):
                stream.write(pa.Table.from_batches([batch]))
        counter.add(n_people)

        counter.start(_("重建家庭索引与约束"))
        household_side = restore["people_household"] + restore["people_householdmember"]
        _restore(cursor, [s for s in household_side if not _is_foreign_key(s)])
        counter.add(n_households)

        counter.start(_("写入人员"))
        with _CopyStream(cursor, "people_person", person_columns) as stream:
            for batch in people:
                stream.write(batch)
                counter.add(batch.num_rows)
    finally:
        people.stop()

    counter.start(_("重建人员索引与约束"))
    for table in ("people_person", "people_household"):
        cursor.execute(
            f"ALTER TABLE {table} ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT"
        )
    person_side = restore["people_person"]
    _restore(
        cursor,
        [s for s in person_side if not _is_foreign_key(s)]
        + [s for s in person_side + household_side if _is_foreign_key(s)],
    )
    for table in PEOPLE_TABLES:  # statistics for the first queries, before autovacuum gets to it
        cursor.execute(f"ANALYZE {table}")
    counter.add(n_people)
    return {"persons": n_people, "households": n_households, "members": member_table.num_rows}


_INSERT_PERSONS = f"""
INSERT INTO people_person (
    id_hash, id_cipher, id_masked, name, name_pinyin, sex, birth_date, hukou_region_id, hukou_type,
    residence_region_id, disability_type, disability_grade, death_date, phone, created_at, updated_at)
SELECT s.id_hash, s.id_cipher, s.id_masked, s.name, s.name_pinyin, s.sex, s.birth_date, s.hukou_region_id,
    s.hukou_type, NULL, s.disability_type, s.disability_grade, s.death_date, s.phone, %s, %s
FROM {STAGE_PERSON} s
WHERE NOT EXISTS (SELECT 1 FROM people_person p WHERE p.id_hash = s.id_hash)
"""

_INSERT_HOUSEHOLDS = f"""
INSERT INTO people_household (
    number, region_id, address, head_id, bank_name, bank_account_cipher, bank_account_masked, created_at, updated_at)
SELECT s.number, s.region_id, s.address, p.id, s.bank_name, s.bank_account_cipher, s.bank_account_masked, %s, %s
FROM {STAGE_HOUSEHOLD} s
LEFT JOIN people_person p ON p.id_hash = s.head_hash
WHERE NOT EXISTS (SELECT 1 FROM people_household h WHERE h.number = s.number)
"""

# A membership joins an existing household only if that household has the head the file names
# for it, so a different city loaded into the same database never fills another's households.
_INSERT_MEMBERS = f"""
INSERT INTO people_householdmember (household_id, person_id, relation, since, until)
SELECT h.id, p.id, s.relation, s.since, s.until
FROM {STAGE_PERSON} s
JOIN people_person p ON p.id_hash = s.id_hash
JOIN {STAGE_HOUSEHOLD} sh ON sh.number = s.household_number
JOIN people_household h ON h.number = sh.number
JOIN people_person hp ON hp.id = h.head_id AND hp.id_hash = sh.head_hash
WHERE NOT EXISTS (SELECT 1 FROM people_householdmember m WHERE m.person_id = p.id)
"""


def _load_merge(cursor, files: CityFiles, counter: _Counter, now) -> dict[str, int]:
    """Stage everything, then insert only what is missing."""
    postgres = connection.vendor == "postgresql"
    n_people, n_households = files.people.num_rows, files.households.num_rows
    person_stage = [*PERSON_COLUMNS, *MEMBERSHIP_COLUMNS]
    household_stage = [*HOUSEHOLD_COLUMNS, ("head_hash", "varchar(64)")]
    for table, columns in ((STAGE_PERSON, person_stage), (STAGE_HOUSEHOLD, household_stage)):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        definition = ", ".join(f"{name} {kind}" for name, kind in columns)
        cursor.execute(
            f"CREATE TEMP TABLE {table} ({definition})" + (" ON COMMIT DROP" if postgres else "")
        )

    person_names = [name for name, _kind in person_stage]
    household_names = [name for name, _kind in household_stage]
    counter.start(_("暂存人员与家庭"))
    if postgres:
        with _CopyStream(cursor, STAGE_PERSON, person_names) as stream:
            for _start, batch in files.person_batches(membership=True):
                stream.write(batch.select(person_names))
                counter.add(batch.num_rows)
        with _CopyStream(cursor, STAGE_HOUSEHOLD, household_names) as stream:
            for _start, batch in files.household_batches(head_hash=True):
                stream.write(batch.select(household_names))
                counter.add(batch.num_rows)
        cursor.execute(f"ANALYZE {STAGE_PERSON}")
        cursor.execute(f"ANALYZE {STAGE_HOUSEHOLD}")
    else:
        for _start, batch in files.person_batches(membership=True):
            _sqlite_insert(STAGE_PERSON, batch.select(person_names))
            counter.add(batch.num_rows)
        for _start, batch in files.household_batches(head_hash=True):
            _sqlite_insert(STAGE_HOUSEHOLD, batch.select(household_names))
            counter.add(batch.num_rows)

    counts = {}
    steps = (
        ("persons", "people_person", n_people, _INSERT_PERSONS, [now, now], _("写入人员")),
        (
            "households",
            "people_household",
            n_households,
            _INSERT_HOUSEHOLDS,
            [now, now],
            _("写入家庭"),
        ),
        ("members", "people_householdmember", n_people, _INSERT_MEMBERS, [], _("写入家庭成员")),
    )
    # Staging tables defeat the planner's row estimates after a join or two; a nested loop over
    # millions of rows (with indexes dropped below) would never finish. Bulk inserts want hash
    # joins.
    with local_settings(cursor, enable_nestloop="off") if postgres else nullcontext():
        for key, table, rows, sql, params, message in steps:
            counter.start(message)
            # A big load into a small table: rebuild its indexes once rather than row by row.
            restore = []
            if postgres and not _row_count_at_least(cursor, table, rows):
                _flush_deferred_checks(cursor)
                restore = _drop_constraints(cursor, table)
            cursor.execute(sql, params)
            counts[key] = cursor.rowcount
            if restore:
                _restore(cursor, restore)
            if postgres:
                cursor.execute(f"ANALYZE {table}")
            counter.add(rows)
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE_PERSON}")
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE_HOUSEHOLD}")
    return counts


def _people_tables_empty(cursor) -> bool:
    return not any(_row_count_at_least(cursor, table, 1) for table in PEOPLE_TABLES)


def load_city(*, src_dir: Path, progress: Progress = None, workers: int | None = None) -> dict:
    """Load a generated city into the current database; idempotent. Returns what was added.

    `workers`: processes that encrypt and hash (default: one per core but one, at least one and
    up to four, for a city of 200,000 persons or more; 0: this process alone)."""
    src_dir = Path(src_dir)
    report = progress or (lambda done, total, message: None)
    manifest = read_manifest(src_dir)
    n_people, n_households = manifest["persons"], manifest["households"]
    counter = _Counter(3 * n_people + 2 * n_households, report)
    counter.start(_("行政区划"))
    villages = pq.read_table(src_dir / "villages.parquet")
    postgres = connection.vendor == "postgresql"
    workers = default_workers(n_people) if workers is None else workers
    with (
        Protector(settings.DATA_KEY, workers) as protector,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        if postgres:
            cursor.execute("SET LOCAL work_mem = '512MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            # Every statement here runs once over millions of rows: compiling it is wasted.
            cursor.execute("SET LOCAL jit = off")
            # Serialise concurrent loads and keep other writers out until the load commits.
            cursor.execute(f"LOCK TABLE {', '.join(PEOPLE_TABLES)} IN SHARE ROW EXCLUSIVE MODE")
        region_id, new_villages = _load_villages(villages)
        files = CityFiles(src_dir, region_id, protector)
        now = timezone.now()
        if postgres and _people_tables_empty(cursor):
            counts = _load_fresh(cursor, files, counter, now)
        else:
            counts = _load_merge(
                cursor, files, counter, connection.ops.adapt_datetimefield_value(now)
            )
        counts = {"villages": new_villages, **counts}
        audit.record(
            "import",
            object_type="synth.city",
            object_id=manifest["checksum"],
            object_repr=_("合成数据 %(persons)s 人（种子 %(seed)s）")
            % {"persons": n_people, "seed": manifest["seed"]},
            after={
                "manifest_checksum": manifest["checksum"],
                "seed": manifest["seed"],
                "in_files": {
                    "persons": n_people,
                    "households": n_households,
                    "villages": manifest["villages"],
                },
                "added": counts,
            },
            note=_(
                "批量导入合成数据：新增村（社区）%(villages)s 个、人员 %(persons)s 人、家庭 %(households)s 户、家庭成员 %(members)s 条；清单校验值 %(checksum)s"
            )
            % {**counts, "checksum": manifest["checksum"]},
        )
    report(counter.total, counter.total, _("完成"))
    return {"manifest": manifest, "added": counts, "source": str(src_dir)}

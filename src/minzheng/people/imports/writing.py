"""Writing the validated units, set-based, one batch of households at a time.

A batch is one transaction: the people it registers, its new households and memberships, the
possible duplicates it flags, and one audit event with the file's checksum, the batch's rows and
its counts. Each step is one statement for the whole batch (people are matched by ID hash in one
query, inserted in one, and so on), so the cost per row is the Python that prepares it.

A batch commits whole or not at all, and writing is idempotent: a person already registered (same
ID hash) is left as it is, a unit whose head already heads a household is that household, and a
member already in it is not added again. So a job killed between batches, run again, skips what
the committed batches wrote and completes the rest: no duplicate, no gap.

No per-record history rows (django-simple-history) are written for imported records, as for the
bulk load of the synthetic city: the batch's audit event is their record of creation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, crypto, idcard
from minzheng.core.bulk import local_settings
from minzheng.core.models import AuditEvent

from ..models import Household, HouseholdMember, Person, PossibleDuplicate, Relation
from ..pinyin import name_pinyin
from .matching import ids_by, in_list
from .report import JOB_KIND, Progress
from .rows import ImportRow, Unit

# Units (households, or people without one) per batch: about 2,900 rows in a typical file, a
# transaction of a few tenths of a second, so others' writes wait little and readers not at all.
DEFAULT_CHUNK_HOUSEHOLDS = 1000
BATCH_OBJECT_TYPE = f"{JOB_KIND}.batch"
RETRIES = 3  # a batch that meets a concurrent registration of the same ID or number is redone

PERSON_COLUMNS = (
    "id_hash",
    "id_cipher",
    "id_masked",
    "name",
    "name_pinyin",
    "sex",
    "birth_date",
    "hukou_region_id",
    "hukou_type",
    "residence_region_id",
    "disability_type",
    "disability_grade",
    "death_date",
    "phone",
    "created_at",
    "updated_at",
)
HOUSEHOLD_COLUMNS = (
    "number",
    "region_id",
    "address",
    "head_id",
    "bank_name",
    "bank_account_cipher",
    "bank_account_masked",
    "created_at",
    "updated_at",
)
MEMBER_COLUMNS = ("household_id", "person_id", "relation", "since", "until")


@dataclass
class Counts:
    created_people: int = 0
    created_households: int = 0
    existing: int = 0  # rows whose person was already registered (left as they were)
    existing_households: int = 0  # units whose head already heads a household
    added_members: int = 0  # memberships added to households that existed before
    possible_duplicates: int = 0  # pairs flagged: same name and birth date, different ID
    rejected: int = 0  # rows not written (errors in their household)

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass(frozen=True)
class Source:
    """The file being imported, as each batch's audit event names it."""

    name: str
    sha256: str
    size: int
    reference: str = ""  # the job's id


@dataclass
class _Batch:
    number: int
    units: list[Unit]
    rows: list[ImportRow] = field(init=False)

    def __post_init__(self):
        self.rows = [r for u in self.units for r in u.rows]


def write(
    units: list[Unit],
    *,
    user,
    since: dt.date,
    chunk_households: int,
    total_rows: int,
    progress: Progress,
    source: Source,
) -> Counts:
    """Write every unit without errors; units with errors are counted as rejected in their batch.
    Each batch commits on its own with its audit event."""
    counts = Counts()
    batches = [
        _Batch(number=n, units=units[start : start + chunk_households])
        for n, start in enumerate(range(0, len(units), chunk_households), start=1)
    ]
    region_code = user.region.code if user.region_id else ""
    to_date = connection.ops.adapt_datefield_value  # read here: `connection` is per thread
    # Outside a transaction (a job), the preparing thread also looks up, on a connection of its
    # own, who is registered with the next batch's names and birth dates; inside one (a test),
    # its connection would not see the caller's rows, so each batch looks them up itself.
    look_ahead = not connection.in_atomic_block
    earlier: defaultdict[tuple, list[int]] = defaultdict(list)  # registered by earlier batches
    done = 0
    # The next batch is prepared (IDs and accounts encrypted, names converted to pinyin) in a
    # thread while this one waits on the database, which releases the interpreter meanwhile.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-prepare") as pool:
        try:
            upcoming = pool.submit(_prepare, batches[0], to_date, look_ahead) if batches else None
            for index, batch in enumerate(batches):
                prepared = upcoming.result()
                if index + 1 < len(batches):
                    upcoming = pool.submit(_prepare, batches[index + 1], to_date, look_ahead)
                for attempt in range(RETRIES):
                    try:
                        with transaction.atomic():
                            batch_counts, new_people = _write_batch(
                                batch, prepared, earlier, since=since, match_all=attempt > 0
                            )
                            _record_batch(batch, len(batches), batch_counts, source, region_code)
                        break
                    except IntegrityError:
                        if attempt == RETRIES - 1:
                            raise
                for pk, key in new_people:
                    earlier[key].append(pk)
                counts.add(batch_counts)
                done += len(batch.rows)
                progress(
                    done,
                    total_rows,
                    _("正在写入：已处理%(done)d行，共%(total)d行")
                    % {"done": done, "total": total_rows},
                )
        finally:
            pool.submit(lambda: connection.close()).result()  # the preparing thread's own
    return counts


def _record_batch(
    batch: _Batch, batches: int, counts: Counts, source: Source, region_code: str
) -> None:
    numbers = [r.number for r in batch.rows]
    audit.record(
        AuditEvent.Action.IMPORT,
        object_type=BATCH_OBJECT_TYPE,
        object_id=source.reference,
        object_repr=source.name,
        region_code=region_code,
        after={
            "file": {"name": source.name, "sha256": source.sha256, "size": source.size},
            "batch": batch.number,
            "batches": batches,
            "rows": {"first": min(numbers), "last": max(numbers), "count": len(numbers)},
            **asdict(counts),
        },
        note=_(
            "导入第%(batch)d批（第%(first)d至%(last)d行）：新增人员%(people)d人、家庭%(households)d户，"
            "已有家庭新增成员%(members)d人，已存在%(existing)d人，未导入%(rejected)d行"
        )
        % {
            "batch": batch.number,
            "first": min(numbers),
            "last": max(numbers),
            "people": counts.created_people,
            "households": counts.created_households,
            "members": counts.added_members,
            "existing": counts.existing,
            "rejected": counts.rejected,
        },
    )


# ----------------------------------------------------------------------------------------------
# One batch


@dataclass
class _Prepared:
    """What a batch's writes need that takes no database: per ID hash a person's column values
    (up to the timestamps), per household key the household's."""

    people: dict[str, tuple]
    households: dict[str, tuple]
    same_name_and_birth: dict[tuple, list[int]] | None = None  # when looked up ahead,
    looked_up: list[ImportRow] = field(default_factory=list)  # for these rows


def _prepare(batch: _Batch, to_date, look_up: bool) -> _Prepared:
    encrypt, mask = crypto.encryptor(), idcard.mask
    people, households = {}, {}
    for unit in batch.units:
        if unit.has_errors:
            continue
        for r in unit.rows:
            name = r.name.strip()
            people[r.id_hash] = (
                r.id_hash,
                encrypt(r.id_number),
                mask(r.id_number),
                name,
                name_pinyin(name),
                r.id_sex,
                to_date(r.id_birth_date),
                r.region.pk,
                r.hukou_type,
                None,
                r.disability_type,
                r.disability_grade,
                None,
                r.phone,
            )
        if unit.key:
            head = unit.head
            account = head.bank_account or _first(unit, "bank_account")
            households[unit.key] = (
                head.region.pk,
                head.address or _first(unit, "address"),
                head.bank_name or _first(unit, "bank_name"),
                encrypt(account) if account else "",
                mask(account),
            )
    prepared = _Prepared(people, households)
    if look_up:  # for the people validation did not find registered: those to be registered
        prepared.looked_up = [
            r for u in batch.units if not u.has_errors for r in u.rows if not r.registered
        ]
        prepared.same_name_and_birth = _same_name_and_birth(prepared.looked_up)
    return prepared


def _write_batch(
    batch: _Batch,
    prepared: _Prepared,
    earlier: dict[tuple, list[int]],
    *,
    since: dt.date,
    match_all: bool = False,
) -> tuple[Counts, list[tuple[int, tuple]]]:
    """Write one batch; its counts and the people it registered (id, (name, birth date)).
    `earlier`: the people earlier batches registered, by (name, birth date)."""
    counts = Counts()
    units = [u for u in batch.units if not u.has_errors]
    counts.rejected = len(batch.rows) - sum(len(u.rows) for u in units)
    rows = [r for u in units for r in u.rows]
    if not rows:
        return counts, []
    stamp = _datetime(timezone.now())

    # People: one query finds those already registered, one statement inserts the others. The
    # query asks for the IDs validation found registered; someone registered since makes the
    # insert fail on the unique ID hash, and the batch is redone asking for every ID.
    person_ids = ids_by(Person, "id_hash", [r.id_hash for r in rows if match_all or r.registered])
    new_rows = [r for r in rows if r.id_hash not in person_ids]
    counts.existing = len(rows) - len(new_rows)
    counts.created_people = len(new_rows)
    same_name_and_birth = prepared.same_name_and_birth
    if same_name_and_birth is None:
        same_name_and_birth = _same_name_and_birth(new_rows)
    else:  # someone validation found registered is not any more: look them up now
        looked_up = {id(r) for r in prepared.looked_up}
        missed = _same_name_and_birth([r for r in new_rows if id(r) not in looked_up])
        for key, ids in missed.items():
            same_name_and_birth.setdefault(key, []).extend(ids)
    created = _insert(
        Person,
        PERSON_COLUMNS,
        [(*prepared.people[r.id_hash], stamp, stamp) for r in new_rows],
        key="id_hash",
    )
    person_ids.update(created)

    # Households: a unit whose head heads one already is that household.
    households = [u for u in units if u.key]
    # Only people registered before this batch can belong to a household already.
    members_of = _current_households(
        [person_ids[r.id_hash] for u in households for r in u.rows if r.id_hash not in created]
    )
    memberships: list[tuple[int, int, str]] = []
    new_households: list[Unit] = []
    for unit in households:
        head = unit.head
        current = members_of.get(person_ids[head.id_hash])
        if current is None or current[1] != Relation.HEAD:
            new_households.append(unit)
            continue
        household_id = current[0]
        counts.existing_households += 1
        for row in unit.rows:
            person_id = person_ids[row.id_hash]
            if row is not head and members_of.get(person_id, (None,))[0] != household_id:
                memberships.append((household_id, person_id, row.relation))
                counts.added_members += 1
    household_ids = _insert_households(new_households, prepared, person_ids, stamp)
    for unit, household_id in zip(new_households, household_ids):
        head = unit.head
        memberships.append((household_id, person_ids[head.id_hash], Relation.HEAD))
        memberships += [
            (household_id, person_ids[r.id_hash], r.relation) for r in unit.rows if r is not head
        ]
    counts.created_households = len(new_households)
    joined = connection.ops.adapt_datefield_value(since)
    _insert(
        HouseholdMember,
        MEMBER_COLUMNS,
        [(h, p, relation, joined, None) for h, p, relation in memberships],
    )
    new_people = [(person_ids[r.id_hash], (r.name.strip(), r.id_birth_date)) for r in new_rows]
    counts.possible_duplicates = _flag_duplicates(new_people, same_name_and_birth, earlier)
    return counts, new_people


def _current_households(person_ids: list[int]) -> dict[int, tuple[int, str]]:
    """person id -> (household id, relation) of their current membership, in one query."""
    if not person_ids:
        return {}
    condition, params = in_list("person_id", person_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT person_id, household_id, relation FROM people_householdmember"
            f" WHERE until IS NULL AND {condition}",
            params,
        )
        return {person_id: (household_id, relation) for person_id, household_id, relation in cursor}


def _insert_households(
    units: list[Unit], prepared: _Prepared, person_ids: dict[str, int], stamp
) -> list[int]:
    """Insert the units' households, numbered in their villages as `services.create_household`
    numbers them; the new ids in the units' order."""
    if not units:
        return []
    following = _last_numbers({u.head.region.code for u in units})
    values = []
    for unit in units:
        head = unit.head
        prefix = f"H{head.region.code}"
        following[prefix] += 1
        region_id, address, bank_name, cipher, masked = prepared.households[unit.key]
        number = f"{prefix}{following[prefix]:05d}"
        values.append(
            (
                number,
                region_id,
                address,
                person_ids[head.id_hash],
                bank_name,
                cipher,
                masked,
                stamp,
                stamp,
            )
        )
    ids = _insert(Household, HOUSEHOLD_COLUMNS, values, key="number")
    return [ids[v[0]] for v in values]


def _last_numbers(codes: set[str]) -> defaultdict[str, int]:
    """The last sequence number used in each village ("H" + code prefix), in one query."""
    prefixes = [f"H{code}" for code in codes]
    width = {len(p) for p in prefixes}
    last: defaultdict[str, int] = defaultdict(int)
    if len(width) != 1:  # codes of different lengths cannot share one grouping: one query each
        for prefix in prefixes:
            last.update(_last_numbers({prefix[1:]}))
        return last
    rows = (
        Household.objects.filter(_any_prefix(prefixes))
        .annotate(prefix=Substr("number", 1, width.pop()))
        .values("prefix")
        .annotate(last=Max("number"))
        .values_list("prefix", "last")
    )
    for prefix, number in rows:
        last[prefix] = int(number[len(prefix) :])
    return last


def _any_prefix(prefixes: list[str]) -> Q:
    if connection.vendor == "sqlite":
        # LIKE cannot use SQLite's (case-sensitive) index; under its byte-wise collation the
        # numbers starting with a prefix are exactly a range of the unique index.
        terms = [Q(number__gte=p, number__lt=p[:-1] + chr(ord(p[-1]) + 1)) for p in prefixes]
    else:
        terms = [Q(number__startswith=p) for p in prefixes]  # the varchar_pattern_ops index
    query = Q()
    for term in terms:
        query |= term
    return query


def _same_name_and_birth(rows: list[ImportRow]) -> defaultdict[tuple, list[int]]:
    """(name, birth date) -> ids of the people registered with them, for the rows' people: one
    query, a probe of the (name, birth_date) index each, asked before the rows are inserted so
    that nobody matches themself."""
    keys = {(r.name.strip(), r.id_birth_date) for r in rows}
    found: defaultdict[tuple, list[int]] = defaultdict(list)
    if not keys:
        return found
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two text parameters the server splits (names cannot hold the control character).
            wanted = (
                "SELECT * FROM unnest(string_to_array(%s, chr(31)),"
                " string_to_array(%s, ',')::date[]) AS w (name, birth_date)"
            )
            params = [
                "\x1f".join(name for name, _birth in keys),
                ",".join(birth.isoformat() for _name, birth in keys),
            ]
        else:
            wanted = "VALUES " + ", ".join(["(%s, %s)"] * len(keys))
            params = [v for name, birth in keys for v in (name, birth.isoformat())]
        query = (
            f"WITH wanted (name, birth_date) AS ({wanted})"
            " SELECT p.id, p.name, p.birth_date FROM wanted"
            " JOIN people_person p ON p.name = wanted.name AND p.birth_date = wanted.birth_date"
        )
        if connection.vendor == "postgresql":
            matches = _probing_the_index(cursor, query, params)
        else:
            cursor.execute(query, params)
            matches = cursor.fetchall()
        for pk, name, birth in matches:
            if isinstance(birth, str):
                birth = dt.date.fromisoformat(birth)
            found[(name, birth)].append(pk)
    return found


def _probing_the_index(cursor, query: str, params: list) -> list[tuple]:
    """Run the name lookup on PostgreSQL as one probe of the birth_date index per pair. While an
    import runs, the registry's statistics lag behind it and the planner sorted (or hashed) the
    whole registry for a few thousand pairs: 112 ms against 15 ms a batch at 70,000 people, and
    growing with the registry."""
    # Compiling (jit) would take longer than the probes.
    with local_settings(cursor, enable_hashjoin="off", enable_mergejoin="off", jit="off"):
        cursor.execute(query, params)
        matches = cursor.fetchall()
    return matches


def _flag_duplicates(
    new: list[tuple[int, tuple]],
    registered: dict[tuple, list[int]],
    earlier: dict[tuple, list[int]],
) -> int:
    """Flag the new people (id, (name, birth date)) as possible duplicates of those registered
    with the same name and birth date (found by the lookup), of those earlier batches of this
    import registered (which a lookup made ahead may not have seen), and of each other: what
    `services.flag_likely_duplicates` does for one person, for a whole batch."""
    pairs = set()
    seen: defaultdict[tuple, list[int]] = defaultdict(list)
    for pk, key in new:
        for other in registered.get(key, []) + earlier.get(key, []) + seen[key]:
            if other != pk:
                pairs.add((max(pk, other), min(pk, other)))
        seen[key].append(pk)
    reason = _("姓名和出生日期相同但身份证号码不同")
    PossibleDuplicate.objects.bulk_create(
        [PossibleDuplicate(person_id=a, other_id=b, reason=reason) for a, b in sorted(pairs)]
    )
    return len(pairs)


def _first(unit: Unit, key: str) -> str:
    return next((getattr(r, key) for r in unit.rows if getattr(r, key)), "")


# ----------------------------------------------------------------------------------------------
# Statements


def _datetime(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _insert(model, columns: tuple[str, ...], rows: list[tuple], key: str = "") -> dict:
    """Insert rows with one statement. With `key`, return key -> new id.

    PostgreSQL: ids are taken from the table's sequence first and the rows sent with a binary
    COPY (an INSERT with one array parameter per column spends many times longer adapting the
    values in Python). SQLite: one prepared INSERT run for every row, then one query for the new ids."""
    if not rows:
        return {}
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids = {}
            if key:
                cursor.execute(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))"
                    " FROM generate_series(1, %s)",
                    [len(rows)],
                )
                position = columns.index(key)
                ids = {r[position]: pk for r, (pk,) in zip(rows, cursor.fetchall())}
                columns, rows = ("id", *columns), [(ids[r[position]], *r) for r in rows]
            _copy(cursor, model, columns, rows)
            return ids
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    if not key:
        return {}
    position = columns.index(key)
    return ids_by(model, key, [r[position] for r in rows])


def _copy(cursor, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY rows into the model's table in the binary format, typed as the model's columns:
    psycopg then converts each value in C (several times faster than text COPY)."""
    types = [model._meta.get_field(c).db_type(connection).split("(")[0] for c in columns]
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    # Below Django's cursor wrapper: its error wrapper makes a refused row an IntegrityError.
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)

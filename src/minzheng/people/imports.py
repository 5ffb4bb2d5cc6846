"""Import people and households from a spreadsheet (CSV or .xlsx), one row per person.

The file is read and every row validated before anything is written. Two modes:

- ``all_or_nothing``: any error and nothing is written;
- ``good_rows``: the good rows are written; a household with a bad row is skipped whole, so no
  half household ever lands in the registry.

Writes go through the people services (one audit event per person, household and membership) and
commit in chunks of households. A person already registered (same ID) is left as it is, and a
household whose head already heads a household is that household, so running the same file again,
or re-running a job killed mid-way, ends complete and without duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minzheng.core import audit, crypto, idcard, sheets, uploads
from minzheng.core.context import Actor, acting_as, current_actor
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent, Job
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region
from minzheng.regions.services import resolve_code

from . import services
from .models import DisabilityType, HouseholdMember, Person, Relation, Sex, UrbanRural

JOB_KIND = "people.import"
ALL_OR_NOTHING = "all_or_nothing"
GOOD_ROWS = "good_rows"
MODES = (ALL_OR_NOTHING, GOOD_ROWS)
MAX_REPORTED_ERRORS = 1000
DEFAULT_CHUNK_HOUSEHOLDS = 50

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header of the template
    aliases: tuple[str, ...]
    required: bool = False
    example: str = ""
    hint: str = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "id_number",
        "身份证号码",
        ("id_number", "身份证号", "公民身份号码"),
        True,
        "420802199001011234",
        "18位，末位X须大写；请将本列设为文本格式",
    ),
    Column("name", "姓名", ("name",), True, "张三"),
    Column(
        "hukou_region",
        "户籍地区划代码",
        ("hukou_region", "区划代码", "户籍地代码"),
        True,
        "420802001001",
        "12位村（社区）代码或9位乡镇（街道）代码；户主须为村（社区）代码",
    ),
    Column("hukou_type", "户口性质", ("hukou_type", "户籍性质"), True, "城镇", "城镇或农村"),
    Column(
        "household_key",
        "家庭编号",
        ("household_key", "户编号"),
        False,
        "1",
        "本文件内的编号，同一家庭的成员填写相同编号；不填则只登记个人",
    ),
    Column(
        "relation",
        "与户主关系",
        ("relation",),
        False,
        "户主",
        "户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳女婿、其他",
    ),
    Column(
        "address", "住址", ("address", "家庭住址"), False, "龙泉街道象山社区1号", "同一家庭应一致"
    ),
    Column("bank_name", "开户银行", ("bank_name",), False, "荆门农商银行", "同一家庭应一致"),
    Column(
        "bank_account",
        "银行账号",
        ("bank_account", "银行卡号"),
        False,
        "6228480012345678901",
        "12至30位数字；请将本列设为文本格式",
    ),
    Column(
        "disability_type",
        "残疾类别",
        ("disability_type",),
        False,
        "",
        "视力、听力、言语、肢体、智力、精神、多重残疾",
    ),
    Column(
        "disability_grade",
        "残疾等级",
        ("disability_grade",),
        False,
        "",
        "1至4级，与残疾类别同时填写",
    ),
    Column("phone", "联系电话", ("phone", "电话", "手机号"), False, "13800000000"),
    Column(
        "birth_date",
        "出生日期",
        ("birth_date",),
        False,
        "1990-01-01",
        "可不填；填写时须与身份证号码一致",
    ),
    Column("sex", "性别", ("sex",), False, "男", "可不填；填写时须与身份证号码一致"),
)
_COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
_COLUMN_ORDER = {c.key: i for i, c in enumerate(COLUMNS)}
_HOUSEHOLD_FIELDS = ("address", "bank_name", "bank_account")
_MASKED_IN_REPORT = frozenset({"id_number", "bank_account"})


# "*身份证号码 " and "ID_Number" both match: required-markers, spaces and case are ignored.
_header_key = sheets.header_key


_HEADER_LOOKUP = {_header_key(name): c.key for c in COLUMNS for name in (c.header, *c.aliases)}

_HUKOU_TYPES = {
    "城镇": UrbanRural.URBAN,
    "城镇户口": UrbanRural.URBAN,
    "非农业": UrbanRural.URBAN,
    "非农业户口": UrbanRural.URBAN,
    "农村": UrbanRural.RURAL,
    "农村户口": UrbanRural.RURAL,
    "农业": UrbanRural.RURAL,
    "农业户口": UrbanRural.RURAL,
    "urban": UrbanRural.URBAN,
    "rural": UrbanRural.RURAL,
}
# Household registers (户口簿) name relations more finely than the registry keeps them.
_RELATION_SYNONYMS = {
    "本人": Relation.HEAD,
    "妻": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "长子": Relation.CHILD,
    "次子": Relation.CHILD,
    "长女": Relation.CHILD,
    "次女": Relation.CHILD,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "父": Relation.PARENT,
    "母": Relation.PARENT,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙子": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
    "祖父": Relation.GRANDPARENT,
    "祖母": Relation.GRANDPARENT,
    "外祖父": Relation.GRANDPARENT,
    "外祖母": Relation.GRANDPARENT,
    "兄": Relation.SIBLING,
    "弟": Relation.SIBLING,
    "姐": Relation.SIBLING,
    "妹": Relation.SIBLING,
    "儿媳": Relation.CHILD_IN_LAW,
    "女婿": Relation.CHILD_IN_LAW,
}
_CHINESE_GRADES = {"一": 1, "二": 2, "三": 3, "四": 4}
_SEXES = {
    "男": Sex.MALE,
    "女": Sex.FEMALE,
    "m": Sex.MALE,
    "f": Sex.FEMALE,
    "male": Sex.MALE,
    "female": Sex.FEMALE,
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def _relations() -> dict[str, str]:
    # Files are written with the Chinese labels whatever language the importing user reads.
    with translation.override(None):
        table = {str(label): value for value, label in Relation.choices}
    table.update({value: value for value in Relation.values})
    table.update(_RELATION_SYNONYMS)
    return table


def _disability_types() -> dict[str, str]:
    table = {}
    with translation.override(None):
        labels = [(value, str(label)) for value, label in DisabilityType.choices]
    for value, label in labels:
        table[label] = value
        table[label.removesuffix("残疾")] = value
        table[value] = value
    return table


# ----------------------------------------------------------------------------------------------
# Report


@dataclass(frozen=True)
class RowError:
    row: int | None  # spreadsheet row number (the header is row 1); None for the whole file
    column: str  # the header as written in the file
    value: str
    message: str


@dataclass
class ImportReport:
    mode: str
    rows: int = 0
    created_people: int = 0
    created_households: int = 0
    existing: int = 0  # rows whose person was already registered (left as they were)
    existing_households: int = 0
    skipped_rows: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)
    file_name: str = ""
    size: int = 0
    sha256: str = ""

    def summary(self) -> str:
        if not self.written:
            return _("未导入：发现%(errors)d处错误") % {"errors": len(self.errors)}
        return _(
            "已导入：新增人员%(people)d人、家庭%(households)d户，已存在%(existing)d人，跳过%(skipped)d行"
        ) % {
            "people": self.created_people,
            "households": self.created_households,
            "existing": self.existing,
            "skipped": self.skipped_rows,
        }

    def as_result(self) -> dict:
        return {
            "mode": self.mode,
            "rows": self.rows,
            "created_people": self.created_people,
            "created_households": self.created_households,
            "existing": self.existing,
            "existing_households": self.existing_households,
            "skipped_rows": self.skipped_rows,
            "written": self.written,
            "errors": [asdict(e) for e in self.errors[:MAX_REPORTED_ERRORS]],
            "error_count": len(self.errors),
            "file": {"name": self.file_name, "size": self.size, "sha256": self.sha256},
        }


class ImportFileError(Exception):
    """The file as a whole cannot be read; carries a user-facing message."""


# ----------------------------------------------------------------------------------------------
# Reading


_cell_text = sheets.cell_text


def file_kind(path: Path | bytes) -> str:
    """ "xlsx" or "csv", from the file's first bytes (the stored name may not say)."""
    if isinstance(path, bytes):
        head = path[:8]
    else:
        with open(path, "rb") as fh:
            head = fh.read(8)
    try:
        return sheets.file_kind(head)
    except sheets.SheetError as exc:
        raise ImportFileError(str(exc)) from None


def read_table(path: Path | bytes) -> list[list]:
    """All rows of the file's first sheet as lists of cell values; row i is spreadsheet row i+1."""
    try:
        return sheets.read_rows(path)
    except sheets.SheetError as exc:
        raise ImportFileError(str(exc)) from None


def _find_header(table: list[list]) -> int:
    """Index of the header row: the first of the top rows naming two known columns (a title row
    such as "某某村低保名单" may sit above it)."""
    for index, row in enumerate(table[:10]):
        known = {_HEADER_LOOKUP.get(_header_key(_cell_text(v))) for v in row} - {None}
        if len(known) >= 2:
            return index
    for index, row in enumerate(table):
        if any(_cell_text(v) for v in row):
            return index
    raise ImportFileError(_("文件中没有数据"))


# ----------------------------------------------------------------------------------------------
# Validation


@dataclass
class ImportRow:
    number: int
    cells: dict[str, str]  # column key -> text as written in the file
    raw: dict[str, object]  # column key -> cell value as read (numbers and dates from Excel)
    errors: list[RowError] = field(default_factory=list)
    id_number: str = ""
    id_hash: str = ""
    name: str = ""
    region: Region | None = None
    hukou_type: str = ""
    household_key: str = ""
    relation: str = ""
    address: str = ""
    bank_name: str = ""
    bank_account: str = ""
    disability_type: str = ""
    disability_grade: int | None = None
    phone: str = ""
    birth_date: dt.date | None = None
    sex: str = ""


@dataclass
class Unit:
    """What is written together: one household (all its rows), or one person without a household."""

    key: str
    rows: list[ImportRow]

    @property
    def head(self) -> ImportRow | None:
        return next((r for r in self.rows if r.relation == Relation.HEAD), None)

    @property
    def has_errors(self) -> bool:
        return any(r.errors for r in self.rows)


class _Validator:
    def __init__(self, *, user, headers: dict[str, str], today: dt.date):
        self.user = user
        self.headers = headers
        self.today = today
        self._regions: dict[str, Region | None] = {}
        self._hash = crypto.lookup_hasher()
        self._relations = _relations()
        self._disability_types = _disability_types()
        self.elsewhere: set[str] = set()  # ID hashes registered outside the user's regions

    def header(self, key: str) -> str:
        return self.headers.get(key) or _COLUMN_BY_KEY[key].header

    def error(self, row: ImportRow, key: str, message: str, value: str | None = None) -> None:
        shown = row.cells.get(key, "") if value is None else value
        if key in _MASKED_IN_REPORT:
            shown = idcard.mask(shown)  # the row report is kept; an ID or account in it is not
        row.errors.append(RowError(row.number, self.header(key), shown, message))

    # -- one row ------------------------------------------------------------------------------

    def clean_row(self, row: ImportRow) -> None:
        c = row.cells
        row.name = c.get("name", "")
        row.household_key = c.get("household_key", "")
        row.address = c.get("address", "")
        row.bank_name = c.get("bank_name", "")
        row.phone = c.get("phone", "")
        row.hukou_type = _HUKOU_TYPES.get(c.get("hukou_type", "").lower(), c.get("hukou_type", ""))

        id_text = c.get("id_number", "").replace(" ", "")
        if isinstance(row.raw.get("id_number"), float) and len(id_text) > 15:
            self.error(
                row,
                "id_number",
                _("身份证号码被Excel存成了数字，后几位已丢失；请将该列设为文本格式后重新填写"),
            )
            id_text = ""  # the stored digits are not the real number; do not validate them further

        birth_date = self._birth_date(row)
        sex = self._sex(row)
        disability_type = c.get("disability_type", "")
        disability_type = self._disability_types.get(disability_type, disability_type)
        grade = self._grade(row)

        rid, errors = services.validate_person_fields(
            id_number=id_text,
            name=row.name,
            hukou_type=row.hukou_type,
            birth_date=birth_date,
            sex=sex,
            disability_type=disability_type,
            disability_grade=grade,
            phone=row.phone,
            today=self.today,
        )
        for key, messages in errors.items():
            if key == "id_number" and not id_text and row.errors:
                continue  # already explained above
            for message in messages:
                self.error(row, key, message)
        if rid is not None:
            row.id_number = rid.number
            row.id_hash = self._hash(rid.number)
        row.birth_date, row.sex = birth_date, sex or ""
        row.disability_type, row.disability_grade = disability_type, grade

        self._region(row)
        self._relation(row)
        self._bank_account(row)
        if not row.household_key:
            filled = [k for k in ("relation", *_HOUSEHOLD_FIELDS) if c.get(k)]
            if filled:
                self.error(
                    row,
                    "household_key",
                    _("填写了家庭信息（%(columns)s）但未填写家庭编号")
                    % {"columns": "、".join(self.header(k) for k in filled)},
                )

    def _birth_date(self, row: ImportRow) -> dt.date | None:
        raw = row.raw.get("birth_date")
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        text = row.cells.get("birth_date", "")
        if not text:
            return None
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        self.error(row, "birth_date", _("出生日期不存在或格式不正确（应为YYYY-MM-DD）"))
        return None

    def _sex(self, row: ImportRow) -> str | None:
        text = row.cells.get("sex", "")
        if not text:
            return None
        sex = _SEXES.get(text.lower())
        if sex is None:
            self.error(row, "sex", _("性别应为男或女"))
        return sex

    def _grade(self, row: ImportRow) -> int | None:
        text = row.cells.get("disability_grade", "").removesuffix("级")
        if not text:
            return None
        if text in _CHINESE_GRADES:
            return _CHINESE_GRADES[text]
        if text.isdigit():
            return int(text)
        self.error(row, "disability_grade", _("残疾等级应为1至4级"))
        return None

    def _region(self, row: ImportRow) -> None:
        code = row.cells.get("hukou_region", "")
        if not code:
            self.error(row, "hukou_region", _("户籍地区划代码不能为空"))
            return
        if not code.isdigit() or len(code) not in (9, 12):
            self.error(
                row, "hukou_region", _("户籍地区划代码应为12位村（社区）代码或9位乡镇（街道）代码")
            )
            return
        if code not in self._regions:
            self._regions[code] = resolve_code(code)
        region = self._regions[code]
        expected_level = Region.Level.VILLAGE if len(code) == 12 else Region.Level.TOWNSHIP
        if region is None or region.level != expected_level:
            self.error(row, "hukou_region", _("区划代码不存在"))
        elif region.valid_to is not None and region.valid_to <= self.today:
            self.error(row, "hukou_region", _("该区划已停用"))
        elif not region_in_scope(self.user, region):
            self.error(row, "hukou_region", _("该区划不在本账号的管辖范围内"))
        else:
            row.region = region

    def _relation(self, row: ImportRow) -> None:
        text = row.cells.get("relation", "")
        if not row.household_key:
            return
        if not text:
            self.error(row, "relation", _("与户主关系不能为空"))
            return
        relation = self._relations.get(text) or self._relations.get(text.lower())
        if relation is None:
            self.error(
                row,
                "relation",
                _(
                    "与户主关系无效，应为户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳女婿或其他"
                ),
            )
        else:
            row.relation = relation

    def _bank_account(self, row: ImportRow) -> None:
        text = row.cells.get("bank_account", "")
        if isinstance(row.raw.get("bank_account"), float) and len(text) > 15:
            self.error(
                row,
                "bank_account",
                _("银行账号被Excel存成了数字，后几位已丢失；请将该列设为文本格式后重新填写"),
            )
            return
        try:
            row.bank_account = services.validate_bank_account(text)
        except ServiceError as exc:
            for message in exc.errors.get("bank_account", []):
                self.error(row, "bank_account", message)
            return
        if row.bank_account and not row.bank_name:
            self.error(row, "bank_name", _("填写银行账号时须填写开户银行"))

    # -- across rows --------------------------------------------------------------------------

    def check_duplicates(self, rows: list[ImportRow]) -> None:
        first_seen: dict[str, int] = {}
        for row in rows:
            if not row.id_hash:
                continue
            if row.id_hash in first_seen:
                self.error(
                    row,
                    "id_number",
                    _("身份证号码与第%(row)d行重复") % {"row": first_seen[row.id_hash]},
                )
            else:
                first_seen[row.id_hash] = row.number

    def check_household(self, unit: Unit) -> None:
        heads = [r for r in unit.rows if r.relation == Relation.HEAD]
        # A relation that could not be read may be the head's: that row's own error says enough.
        if not heads and not any(r.cells.get("relation") and not r.relation for r in unit.rows):
            self.error(
                unit.rows[0], "household_key", _("家庭编号“%(key)s”没有户主") % {"key": unit.key}
            )
        for extra in heads[1:]:
            message = _("家庭编号“%(key)s”已有户主（第%(row)d行）") % {
                "key": unit.key,
                "row": heads[0].number,
            }
            self.error(extra, "relation", message)
        if heads and heads[0].region is not None and heads[0].region.level != Region.Level.VILLAGE:
            self.error(
                heads[0],
                "hukou_region",
                _("家庭须登记到村（社区），户主的户籍地区划代码应为12位村（社区）代码"),
            )
        reference_row = heads[0] if heads else unit.rows[0]
        for key in _HOUSEHOLD_FIELDS:
            reference = getattr(reference_row, key) or next(
                (getattr(r, key) for r in unit.rows if getattr(r, key)), ""
            )
            for row in unit.rows:
                value = getattr(row, key)
                if value and value != reference:
                    self.error(
                        row,
                        key,
                        _("同一家庭的%(column)s应一致（本户为“%(value)s”）")
                        % {
                            "column": self.header(key),
                            "value": reference if key != "bank_account" else idcard.mask(reference),
                        },
                    )

    def check_registry(self, units: list[Unit]) -> None:
        """Conflicts with people already registered: someone the file puts in a household who
        already lives in another one."""
        hashes = [r.id_hash for u in units for r in u.rows if r.id_hash]
        current: dict[str, HouseholdMember] = {}
        for start in range(0, len(hashes), 500):
            batch = hashes[start : start + 500]
            members = HouseholdMember.objects.filter(
                person__id_hash__in=batch, until__isnull=True
            ).select_related("household__region", "person")
            current.update({m.person.id_hash: m for m in members})
        for unit in units:
            if not unit.key:
                continue
            head = unit.head
            target_id = None
            head_membership = (
                current.get(head.id_hash)
                if head and head.id_hash and head.id_hash not in self.elsewhere
                else None
            )
            if head_membership is not None:
                visible = region_in_scope(self.user, head_membership.household.region)
                if not visible:
                    self.error(head, "id_number", services.registered_elsewhere_message())
                elif head_membership.relation != Relation.HEAD:
                    self.error(
                        head,
                        "relation",
                        _("该人员已是家庭%(no)s的成员，不能作为新家庭的户主")
                        % {"no": head_membership.household.number},
                    )
                else:
                    target_id = head_membership.household_id
            for row in unit.rows:
                if row is head or not row.id_hash or row.id_hash in self.elsewhere:
                    continue
                membership = current.get(row.id_hash)
                if membership is not None and membership.household_id != target_id:
                    if region_in_scope(self.user, membership.household.region):
                        self.error(
                            row,
                            "id_number",
                            _("该人员已在家庭%(no)s中，请先办理迁出")
                            % {"no": membership.household.number},
                        )
                    else:
                        self.error(row, "id_number", services.registered_elsewhere_message())

    def check_elsewhere(self, rows: list[ImportRow]) -> None:
        """A row whose ID is registered outside the user's regions gets the neutral message and
        is never written: the importer learns no more than "registered elsewhere"."""
        from .selectors import people_for

        hashes = [r.id_hash for r in rows if r.id_hash]
        for start in range(0, len(hashes), 500):
            batch = hashes[start : start + 500]
            known = set(Person.objects.filter(id_hash__in=batch).values_list("id_hash", flat=True))
            if known:
                visible = set(
                    people_for(self.user)
                    .filter(id_hash__in=known)
                    .values_list("id_hash", flat=True)
                )
                self.elsewhere |= known - visible
        for row in rows:
            if row.id_hash in self.elsewhere:
                self.error(row, "id_number", services.registered_elsewhere_message())


def _parse(path: Path | bytes) -> tuple[dict[str, str], list[ImportRow], list[RowError]]:
    """Headers (column key -> header as written), data rows, and header-level errors."""
    table = read_table(path)
    header_index = _find_header(table)
    header_row = table[header_index]
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    errors: list[RowError] = []
    header_number = header_index + 1
    for position, cell in enumerate(header_row):
        written = _cell_text(cell)
        key = _HEADER_LOOKUP.get(_header_key(written))
        if key is None:
            continue  # extra columns (序号, 备注 …) are common and harmless
        if key in positions:
            errors.append(
                RowError(
                    header_number, written, written, _("列“%(column)s”重复") % {"column": written}
                )
            )
            continue
        positions[key] = position
        headers[key] = written
    for column in COLUMNS:
        if column.required and column.key not in positions:
            errors.append(
                RowError(
                    header_number,
                    column.header,
                    "",
                    _("缺少必填列“%(column)s”") % {"column": column.header},
                )
            )
    rows = []
    for index in range(header_index + 1, len(table)):
        values = table[index]
        if not any(_cell_text(v) for v in values):
            continue
        raw = {key: (values[pos] if pos < len(values) else None) for key, pos in positions.items()}
        rows.append(
            ImportRow(number=index + 1, cells={k: _cell_text(v) for k, v in raw.items()}, raw=raw)
        )
    if not rows and not errors:
        raise ImportFileError(_("文件中只有表头，没有数据"))
    return headers, rows, errors


def _group(rows: list[ImportRow]) -> list[Unit]:
    """Households in order of first appearance; a row without a household key is a unit of its own."""
    units: list[Unit] = []
    by_key: dict[str, Unit] = {}
    for row in rows:
        if not row.household_key:
            units.append(Unit(key="", rows=[row]))
        elif row.household_key in by_key:
            by_key[row.household_key].rows.append(row)
        else:
            by_key[row.household_key] = Unit(key=row.household_key, rows=[row])
            units.append(by_key[row.household_key])
    return units


def _validate(
    *, user, path: Path | bytes, today: dt.date
) -> tuple[dict[str, str], list[ImportRow], list[Unit], list[RowError]]:
    """Headers, rows, units and file-level errors; row errors are on the rows themselves."""
    headers, rows, header_errors = _parse(path)
    if header_errors:
        return headers, rows, [], header_errors
    validator = _Validator(user=user, headers=headers, today=today)
    for row in rows:
        validator.clean_row(row)
    validator.check_duplicates(rows)
    validator.check_elsewhere(rows)
    units = _group(rows)
    for unit in units:
        if unit.key:
            validator.check_household(unit)
    validator.check_registry(units)
    return headers, rows, units, []


# ----------------------------------------------------------------------------------------------
# Writing


@dataclass
class _Counts:
    created_people: int = 0
    created_households: int = 0
    existing: int = 0
    existing_households: int = 0


def _write_unit(unit: Unit, *, user, since: dt.date, counts: _Counts) -> None:
    people: list[tuple[ImportRow, Person]] = []
    for row in unit.rows:
        person = Person.objects.filter(id_hash=row.id_hash).first()
        if person is None:
            person = services.register_person(
                user=user,
                id_number=row.id_number,
                name=row.name,
                hukou_region=row.region,
                hukou_type=row.hukou_type,
                birth_date=row.birth_date,
                sex=row.sex or None,
                disability_type=row.disability_type,
                disability_grade=row.disability_grade,
                phone=row.phone,
            )
            counts.created_people += 1
        else:
            counts.existing += 1
        people.append((row, person))
    if not unit.key:
        return
    head_row, head = next((r, p) for r, p in people if r.relation == Relation.HEAD)
    members = [(p, r.relation) for r, p in people if p.pk != head.pk]
    membership = (
        head.memberships.filter(until__isnull=True, relation=Relation.HEAD)
        .select_related("household")
        .first()
    )
    if membership is None:
        services.create_household(
            user=user,
            region=head_row.region,
            head=head,
            address=head_row.address or _first(unit, "address"),
            bank_name=head_row.bank_name or _first(unit, "bank_name"),
            bank_account=head_row.bank_account or _first(unit, "bank_account"),
            members=members,
            since=since,
        )
        counts.created_households += 1
        return
    household = membership.household
    counts.existing_households += 1
    in_household = set(
        household.memberships.filter(until__isnull=True).values_list("person_id", flat=True)
    )
    for person, relation in members:
        if person.pk not in in_household:
            services.add_member(
                user=user, household=household, person=person, relation=relation, since=since
            )


def _first(unit: Unit, key: str) -> str:
    return next((getattr(r, key) for r in unit.rows if getattr(r, key)), "")


def _write(
    units: list[Unit],
    *,
    user,
    since: dt.date,
    chunk_households: int,
    total_rows: int,
    progress: Progress,
) -> _Counts:
    """Each chunk of units commits on its own: a crash loses at most the chunk in flight, and the
    next run finds the committed ones already registered."""
    counts = _Counts()
    done = 0
    for start in range(0, len(units), chunk_households):
        chunk = units[start : start + chunk_households]
        chunk_counts = _Counts()
        with transaction.atomic():
            for unit in chunk:
                _write_unit(unit, user=user, since=since, counts=chunk_counts)
        for name in asdict(counts):
            setattr(counts, name, getattr(counts, name) + getattr(chunk_counts, name))
        done += sum(len(u.rows) for u in chunk)
        progress(
            done,
            total_rows,
            _("正在写入：已处理%(done)d行，共%(total)d行") % {"done": done, "total": total_rows},
        )
    return counts


# ----------------------------------------------------------------------------------------------
# Public API


def ensure_can_import(user) -> None:
    if user is None or not user.is_authenticated or not user.is_staff_role or not user.can_write:
        raise PermissionDeniedError(_("当前账号无权导入人口信息"))


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ServiceError({"mode": [_("导入方式应为“全部正确才导入”或“只导入正确的行”")]})


def _actor_for(user) -> Actor:
    actor = current_actor()
    if actor.user_id == user.pk:
        return actor
    return Actor(user_id=user.pk, username=user.get_username(), ip=actor.ip, channel=actor.channel)


def run_import(
    *,
    user,
    path: Path | bytes,
    mode: str,
    progress: Progress | None = None,
    source_name: str = "",
    reference: str = "",
    chunk_households: int = DEFAULT_CHUNK_HOUSEHOLDS,
    today: dt.date | None = None,
) -> ImportReport:
    """Validate the whole file (a path, or its bytes), then write it according to `mode`. Safe to run again."""
    ensure_can_import(user)
    _check_mode(mode)
    if not isinstance(path, bytes):
        source_name = source_name or Path(path).name
        path = uploads.read(
            path
        )  # a stored upload is decrypted here; a plain file is read as it is
    report_file = {"size": len(path), "sha256": hashlib.sha256(path).hexdigest()}
    progress = progress or (lambda done, total, message: None)
    today = today or timezone.localdate()
    report = ImportReport(mode=mode, file_name=source_name, **report_file)
    with acting_as(_actor_for(user)):
        progress(0, 0, _("正在读取和校验文件"))
        try:
            headers, rows, units, file_errors = _validate(user=user, path=path, today=today)
        except ImportFileError as exc:
            headers, rows, units, file_errors = {}, [], [], [RowError(None, "", "", str(exc))]
        report.rows = len(rows)
        row_errors = [e for row in rows for e in row.errors]
        if file_errors or (mode == ALL_OR_NOTHING and row_errors):
            report.errors = file_errors + row_errors
            report.skipped_rows = len(rows)
        else:
            writable = [u for u in units if not u.has_errors]
            key_header = headers.get("household_key", _COLUMN_BY_KEY["household_key"].header)
            for unit in units:
                if not unit.has_errors:
                    continue
                report.skipped_rows += len(unit.rows)
                # Rows without an error of their own are reported too, so every row not written is listed.
                for row in unit.rows:
                    if not row.errors:
                        row.errors.append(
                            RowError(
                                row.number,
                                key_header,
                                unit.key,
                                _("同一家庭中有错误的行，整户未导入"),
                            )
                        )
            report.errors = [e for row in rows for e in row.errors]
            progress(0, len(rows), _("正在写入"))
            counts = _write(
                writable,
                user=user,
                since=today,
                chunk_households=max(1, int(chunk_households)),
                total_rows=len(rows),
                progress=progress,
            )
            report.created_people = counts.created_people
            report.created_households = counts.created_households
            report.existing = counts.existing
            report.existing_households = counts.existing_households
            report.written = True
        _record_import(user=user, report=report, source_name=source_name, reference=reference)
    return report


def _record_import(*, user, report: ImportReport, source_name: str, reference: str) -> None:
    summary = report.as_result()
    summary.pop("errors")
    with transaction.atomic():
        audit.record(
            AuditEvent.Action.IMPORT,
            object_type=JOB_KIND,
            object_id=reference,
            object_repr=source_name,
            region_code=user.region.code if user.region_id else "",
            after=summary,
            note=report.summary(),
        )


def start_import(*, user, path: Path | bytes, original_name: str, mode: str) -> Job:
    """Keep the upload encrypted under MEDIA_ROOT/imports/ and queue the import job, which
    deletes it when the import has finished (see `minzheng.core.uploads`)."""
    from minzheng.core.jobs import enqueue

    ensure_can_import(user)
    _check_mode(mode)
    data = path if isinstance(path, bytes) else Path(path).read_bytes()
    try:
        sheets.file_kind(data[:8])
    except sheets.SheetError as exc:
        raise ServiceError({"file": [str(exc)]}) from None
    stored = uploads.store(data, folder="imports")
    return enqueue(
        JOB_KIND,
        params={**stored.as_params(), "original_name": original_name, "mode": mode},
        user=user,
        region=user.region,
        title=_("导入人口信息：%(name)s") % {"name": original_name},
    )


def import_template_xlsx() -> bytes:
    """An Excel template: the headers, one example row, and a sheet explaining every column."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = sheets.workbook()
    sheet = workbook.active
    sheet.title = _("人口信息")
    required_fill = PatternFill("solid", fgColor="FFE699")
    # Long digit strings must stay text, or Excel keeps only 15 significant digits.
    text_columns = {"id_number", "hukou_region", "household_key", "bank_account", "phone"}
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        header = sheets.put(sheet, 1, index, column.header)
        header.font = Font(bold=True)
        if column.required:
            header.fill = required_fill
        example = sheets.put(sheet, 2, index, column.example or None)
        if column.key in text_columns:
            example.number_format = "@"
            sheet.column_dimensions[letter].number_format = "@"
        sheet.column_dimensions[letter].width = max(
            12, len(column.example) + 4, len(column.header) * 2 + 4
        )
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(_("填写说明"))
    sheets.append(notes, [_("列名"), _("是否必填"), _("说明"), _("示例")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        sheets.append(
            notes,
            [
                column.header,
                _("必填") if column.required else _("选填"),
                column.hint,
                column.example,
            ],
        )
    for letter, width in (("A", 18), ("B", 10), ("C", 60), ("D", 24)):
        notes.column_dimensions[letter].width = width
    return sheets.xlsx_bytes(workbook)

"""Validating an import file's rows: each row on its own, then across rows (duplicate IDs, one head
per household, household fields that agree)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils.translation import gettext as _

from minzheng.core import crypto, idcard
from minzheng.core.errors import ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region
from minzheng.regions.services import resolve_code

from .. import services
from ..models import Relation
from . import matching
from .columns import (
    CHINESE_GRADES,
    COLUMN_BY_KEY,
    DATE_FORMATS,
    HOUSEHOLD_FIELDS,
    HUKOU_TYPES,
    MASKED_IN_REPORT,
    SEXES,
    disability_types,
    relations,
)
from .reading import parse
from .report import RowError
from .rows import ImportRow, Unit, group


class Validator:
    def __init__(self, *, user, headers: dict[str, str], today: dt.date):
        self.user = user
        self.headers = headers
        self.today = today
        self._regions: dict[str, Region | None] = {}
        self._verdicts: dict[str, tuple[Region | None, str]] = {}
        self._hash = crypto.lookup_hasher()
        self._relations = relations()
        self._disability_types = disability_types()
        self.registered: set[str] = set()  # ID hashes of the file already in the registry
        self.elsewhere: set[str] = set()  # of those, the ones registered outside the user's regions
        self.visible_regions: dict[int, bool] = {}  # region id -> in the user's regions
        self.memberships: dict[str, matching.Membership] = {}  # ID hash -> current household

    def header(self, key: str) -> str:
        return self.headers.get(key) or COLUMN_BY_KEY[key].header

    def error(self, row: ImportRow, key: str, message: str, value: str | None = None) -> None:
        shown = row.cells.get(key, "") if value is None else value
        if key in MASKED_IN_REPORT:
            shown = idcard.mask(shown)  # the row report is kept; an ID or account in it is not
        row.errors.append(RowError(row.number, self.header(key), shown, message))

    # -- one row ------------------------------------------------------------------------------

    def clean_row(self, row: ImportRow) -> None:
        # Runs for every row of files of a hundred thousand: the helpers below are called only
        # when their cell is filled (or typed by Excel); an empty cell means no value.
        c, raw = row.cells, row.raw
        get = c.get
        row.name = get("name", "")
        row.household_key = get("household_key", "")
        row.address = get("address", "")
        row.bank_name = get("bank_name", "")
        row.phone = get("phone", "")
        hukou_type = get("hukou_type", "")
        row.hukou_type = HUKOU_TYPES.get(hukou_type.lower(), hukou_type)

        id_text = get("id_number", "").replace(" ", "")
        if raw and isinstance(raw.get("id_number"), float) and len(id_text) > 15:
            self.error(
                row,
                "id_number",
                _("身份证号码被Excel存成了数字，后几位已丢失；请将该列设为文本格式后重新填写"),
            )
            id_text = ""  # the stored digits are not the real number; do not validate them further

        birth_date = self._birth_date(row) if raw or get("birth_date") else None
        sex = self._sex(row) if get("sex") else None
        disability_type = get("disability_type", "")
        if disability_type:
            disability_type = self._disability_types.get(disability_type, disability_type)
        grade = self._grade(row) if get("disability_grade") else None

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
            row.id_birth_date, row.id_sex = rid.birth_date, rid.sex
        row.birth_date, row.sex = birth_date, sex or ""
        row.disability_type, row.disability_grade = disability_type, grade

        code = get("hukou_region", "")
        verdict = self._verdicts.get(code)
        if verdict is None:
            verdict = self._verdicts[code] = self._region_verdict(code)
        if verdict[1]:
            self.error(row, "hukou_region", verdict[1])
        else:
            row.region = verdict[0]
        if row.household_key:
            self._relation(row)
        if raw or get("bank_account"):
            self._bank_account(row)
        if not row.household_key:
            filled = [k for k in ("relation", *HOUSEHOLD_FIELDS) if get(k)]
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
        if len(text) == 10 and text[4] == "-" == text[7]:
            try:  # YYYY-MM-DD, the first format below, without strptime's cost
                return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
            except ValueError:
                pass  # the formats below decide
        for fmt in DATE_FORMATS:
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
        sex = SEXES.get(text.lower())
        if sex is None:
            self.error(row, "sex", _("性别应为男或女"))
        return sex

    def _grade(self, row: ImportRow) -> int | None:
        text = row.cells.get("disability_grade", "").removesuffix("级")
        if not text:
            return None
        if text in CHINESE_GRADES:
            return CHINESE_GRADES[text]
        if text.isdigit():
            return int(text)
        self.error(row, "disability_grade", _("残疾等级应为1至4级"))
        return None

    def prefetch_regions(self, rows: list[ImportRow]) -> None:
        """The regions of every code in the file, in one query (aliases are resolved one by one)."""
        codes = {r.cells.get("hukou_region", "") for r in rows}
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        for code in codes:
            self._regions[code] = found[code] if code in found else resolve_code(code)

    def _region_verdict(self, code: str) -> tuple[Region | None, str]:
        """The region a code names, or why a row with it cannot be imported."""
        if not code:
            return None, _("户籍地区划代码不能为空")
        if not code.isdigit() or len(code) not in (9, 12):
            return None, _("户籍地区划代码应为12位村（社区）代码或9位乡镇（街道）代码")
        if code not in self._regions:
            self._regions[code] = resolve_code(code)
        region = self._regions[code]
        expected_level = Region.Level.VILLAGE if len(code) == 12 else Region.Level.TOWNSHIP
        if region is None or region.level != expected_level:
            return None, _("区划代码不存在")
        if region.valid_to is not None and region.valid_to <= self.today:
            return None, _("该区划已停用")
        if not region_in_scope(self.user, region):
            return None, _("该区划不在本账号的管辖范围内")
        return region, ""

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
        for key in HOUSEHOLD_FIELDS:
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


def validate(
    *, user, path: Path | bytes, today: dt.date
) -> tuple[dict[str, str], list[ImportRow], list[Unit], list[RowError]]:
    """Headers, rows, units and file-level errors; row errors are on the rows themselves."""
    headers, rows, header_errors = parse(path)
    if header_errors:
        return headers, rows, [], header_errors
    validator = Validator(user=user, headers=headers, today=today)
    validator.prefetch_regions(rows)
    for row in rows:
        validator.clean_row(row)
    validator.check_duplicates(rows)
    matching.check_elsewhere(validator, rows)
    units = group(rows)
    for unit in units:
        if unit.key:
            validator.check_household(unit)
    matching.check_registry(validator, units)
    return headers, rows, units, []

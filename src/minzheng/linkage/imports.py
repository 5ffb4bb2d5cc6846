"""Import of the poverty registry and of medical-insurance enrolments from CSV or Excel files.

A file is read with `core.sheets.read_table` (Chinese headers or the field codes), every row is
checked and every bad row reported in Chinese with its spreadsheet row number; the good rows are
then written set-based in one transaction with one audit event for the file. A row's natural key
(person and year; person, year and scheme) makes a second import of the same file add nothing:
rows already held with the same content count as unchanged, changed ones are updated.

A person is found by the keyed hash of the ID number, as every import finds people; an ID not in
the registry, or of a person outside the importing user's regions, is the same error, so an
import never tells whether someone exists outside the user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit, crypto, idcard, sheets
from minzheng.core.errors import ServiceError
from minzheng.core.money import parse_yuan, yuan_str
from minzheng.core.scope import scope_paths
from minzheng.people.models import Person

from .models import InsuranceEnrolment, InsuranceScheme, PovertyRecord, PovertyStatus
from .permissions import may_import

MAX_ROWS = 200_000
YEAR_RANGE = (2000, 2100)
YES = {"是", "y", "yes", "true", "1", "有"}
NO = {"否", "n", "no", "false", "0", "无", ""}


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.errors),
            "errors": [{"row": row, "message": message} for row, message in self.errors],
        }


def _columns(kind: str) -> dict[str, str]:
    if kind == "poverty":
        return {
            "id_number": _("身份证号码"),
            "name": _("姓名"),
            "year": _("年度"),
            "household_number": _("贫困户编号"),
            "status": _("贫困状态"),
        }
    return {
        "id_number": _("身份证号码"),
        "name": _("姓名"),
        "year": _("参保年度"),
        "scheme": _("险种"),
        "premium": _("个人缴费（元）"),
        "subsidised": _("民政资助参保"),
        "subsidy": _("资助金额（元）"),
    }


REQUIRED = {
    "poverty": ("id_number", "year", "household_number", "status"),
    "insurance": ("id_number", "year", "scheme", "premium", "subsidised"),
}


def template_headers(kind: str) -> list[str]:
    return list(_columns(kind).values())


def _choice(text: str, choices) -> str | None:
    for value, label in choices:
        if text in (value, str(label)):
            return value
    return None


def _year(text: str) -> int | None:
    if not text.isdigit():
        return None
    year = int(text)
    return year if YEAR_RANGE[0] <= year <= YEAR_RANGE[1] else None


def _people_by_hash(hashes: set[str], user) -> dict[str, tuple[int, int, str]]:
    """id_hash -> (person id, hukou region id, hukou region path) of people in the user's scope."""
    found: dict[str, tuple[int, int, str]] = {}
    paths = scope_paths(user)
    chunk = sorted(hashes)
    for start in range(0, len(chunk), 5000):
        rows = Person.objects.filter(id_hash__in=chunk[start : start + 5000]).values_list(
            "id_hash", "pk", "hukou_region_id", "hukou_region__path"
        )
        for id_hash, pk, region_id, path in rows:
            if paths is None or any(path.startswith(p) for p in paths):
                found[id_hash] = (pk, region_id, path)
    return found


def _read(kind: str, data: bytes, name: str):
    labels = _columns(kind)
    keys = {sheets.header_key(label): key for key, label in labels.items()}
    keys.update({sheets.header_key(key): key for key in labels})
    try:
        table = sheets.read_table(data, keys=keys, required=REQUIRED[kind], labels=labels)
    except sheets.SheetError as exc:
        raise ServiceError({"file": [str(exc)]}) from None
    if len(table.rows) > MAX_ROWS:
        raise ServiceError({"file": [_("文件行数超过 %(n)s 行，请分批导入") % {"n": MAX_ROWS}]})
    return table


def import_file(*, user, kind: str, data: bytes, name: str = "") -> ImportResult:
    """Check every row of a poverty-registry ("poverty") or insurance ("insurance") file and
    write the good ones; the result lists each bad row with its reason."""
    if kind not in REQUIRED:
        raise ServiceError({"kind": [_("请选择数据类别")]})
    if not may_import(user):
        raise ServiceError({"file": [_("您没有导入此类数据的权限")]}, status=403)
    if not data:
        raise ServiceError({"file": [_("请选择文件")]})
    table = _read(kind, data, name)
    result = ImportResult(kind=kind, rows=len(table.rows))
    parsed: list[tuple[int, str, dict]] = []
    for row_no, cells in table.rows:
        text = {key: table.text(cells, key) for key in _columns(kind)}
        problems: list[str] = []
        try:
            number = idcard.parse(text["id_number"]).number
        except idcard.InvalidResidentId as exc:
            problems.append(str(exc) if text["id_number"] else _("身份证号码未填写"))
            number = ""
        year = _year(text["year"])
        if year is None:
            problems.append(_("年度应为2000至2100之间的四位年份"))
        values: dict = {"year": year}
        if kind == "poverty":
            values["household_number"] = text["household_number"]
            if not text["household_number"]:
                problems.append(_("贫困户编号未填写"))
            elif len(text["household_number"]) > 32:
                problems.append(_("贫困户编号不能超过32个字符"))
            values["status"] = _choice(text["status"], PovertyStatus.choices)
            if values["status"] is None:
                problems.append(_("贫困状态应为未脱贫、已脱贫或返贫"))
        else:
            values["scheme"] = _choice(text["scheme"], InsuranceScheme.choices)
            if values["scheme"] is None:
                problems.append(_("险种应为城乡居民基本医疗保险或职工基本医疗保险"))
            try:
                values["premium_fen"] = parse_yuan(text["premium"])
                if values["premium_fen"] < 0:
                    raise ValueError
            except ValueError:
                problems.append(_("个人缴费应为不小于0、最多两位小数的金额"))
                values["premium_fen"] = None
            flag = text["subsidised"].lower()
            values["subsidised"] = True if flag in YES else False if flag in NO else None
            if values["subsidised"] is None or not text["subsidised"]:
                problems.append(_("民政资助参保应填写“是”或“否”"))
            try:
                values["subsidy_fen"] = parse_yuan(text["subsidy"]) if text["subsidy"] else 0
                if values["subsidy_fen"] < 0:
                    raise ValueError
            except ValueError:
                problems.append(_("资助金额应为不小于0、最多两位小数的金额"))
                values["subsidy_fen"] = None
            if values["subsidised"] is False and values["subsidy_fen"]:
                problems.append(_("未获民政资助的，资助金额应为空或0"))
            if (
                values["premium_fen"] is not None
                and values["subsidy_fen"] is not None
                and values["subsidy_fen"] > values["premium_fen"]
            ):
                problems.append(_("资助金额不能超过个人缴费"))
        if problems:
            result.errors.append((row_no, "；".join(problems)))
        else:
            parsed.append((row_no, number, values))
    hasher = crypto.lookup_hasher()
    hashed = [(row_no, hasher(number), values) for row_no, number, values in parsed]
    people = _people_by_hash({h for _r, h, _v in hashed}, user)
    good: dict[tuple, tuple[int, dict]] = {}
    for row_no, id_hash, values in hashed:
        person = people.get(id_hash)
        if person is None:
            result.errors.append((row_no, _("身份证号码未在本辖区人口库中登记")))
            continue
        key = (person[0], values["year"]) + ((values["scheme"],) if kind == "insurance" else ())
        if key in good:
            result.errors.append(
                (row_no, _("与第 %(row)s 行重复（同一人同一年度）") % {"row": good[key][0]})
            )
            continue
        good[key] = (row_no, {**values, "person_id": person[0], "region_id": person[1]})
    result.errors.sort()
    _write(kind, user, result, [v for _r, v in good.values()], name)
    return result


@transaction.atomic(durable=True)
def _write(kind: str, user, result: ImportResult, rows: list[dict], name: str) -> None:
    model = PovertyRecord if kind == "poverty" else InsuranceEnrolment
    keys = ("person_id", "year") + (("scheme",) if kind == "insurance" else ())
    fields = (
        ("household_number", "status", "region_id")
        if kind == "poverty"
        else ("premium_fen", "subsidised", "subsidy_fen", "region_id")
    )
    existing: dict[tuple, dict] = {}
    person_ids = sorted({r["person_id"] for r in rows})
    for start in range(0, len(person_ids), 5000):
        for held in (
            model.objects.filter(person_id__in=person_ids[start : start + 5000])
            .select_for_update()
            .values("pk", *keys, *fields)
        ):
            existing[tuple(held[k] for k in keys)] = held
    to_create, to_update = [], []
    for row in rows:
        held = existing.get(tuple(row[k] for k in keys))
        if held is None:
            to_create.append(model(**row))
        elif any(held[f] != row[f] for f in fields):
            to_update.append(model(pk=held["pk"], **row))
        else:
            result.unchanged += 1
    model.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        model.objects.bulk_update(to_update, [*fields], batch_size=2000)
    result.created, result.updated = len(to_create), len(to_update)
    region_code = user.region.code if getattr(user, "region_id", None) else ""
    audit.record(
        audit.AuditEvent.Action.IMPORT,
        object_type=model._meta.label_lower,
        object_id="",
        object_repr=str(model._meta.verbose_name),
        region_code=region_code,
        after={
            "file": name[:200],
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": len(result.errors),
        },
        note=_("导入%(what)s") % {"what": model._meta.verbose_name},
    )


def subsidy_label(enrolment: InsuranceEnrolment) -> str:
    return yuan_str(enrolment.subsidy_fen) if enrolment.subsidised else ""

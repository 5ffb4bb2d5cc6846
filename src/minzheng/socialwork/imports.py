"""The talent ledger to and from a spreadsheet (core/sheets.py). The export carries the columns
the import reads, so a county can fill the file in and bring it back. Every bad row of an
import is reported with its row number and its field-level messages, and nothing of it is
written; the good rows go in one bulk insert with one audit event. The people are looked up in
one query through the ID numbers' keyed hashes, in the user's regions (the set form of
`people.selectors.visible_by_id_number`)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from minzheng.accounts.models import actor_name
from minzheng.core import audit, crypto, idcard, sheets
from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.core.scope import region_in_scope
from minzheng.people.selectors import people_for
from minzheng.regions.models import Region

from .models import Level, SocialWorker
from .permissions import may_keep
from .selectors import registered_organisations, training_hours
from .services import FIRST_CERTIFICATE_YEAR, _keeper

COLUMNS = {
    "id_number": gettext_noop("身份证号码"),
    "name": gettext_noop("姓名"),
    "level": gettext_noop("职业水平"),
    "certificate_number": gettext_noop("证书编号"),
    "certificate_year": gettext_noop("取得证书年度"),
    "employer_name": gettext_noop("工作单位"),
    "region_code": gettext_noop("所在地区划代码"),
    "post": gettext_noop("岗位"),
}
REQUIRED = ("id_number", "level", "employer_name", "post")


def _keys() -> dict[str, str]:
    keys = {}
    for key, label in COLUMNS.items():
        keys[sheets.header_key(key)] = key
        keys[sheets.header_key(label)] = key
        keys[sheets.header_key(_(label))] = key
    return keys


def export_rows(user, queryset) -> bytes:
    """The ledger in the user's scope as an Excel workbook (no formulas: core.sheets)."""
    year = timezone.localdate().year
    wb = sheets.workbook(write_only=True)
    ws = wb.create_sheet(_("社工人才台账"))
    hours_label = _("%(y)s年培训学时") % {"y": year}
    sheets.append(ws, [_(label) for label in COLUMNS.values()] + [hours_label])
    rows = list(queryset.order_by("region__path", "id"))
    hours = training_hours([w.pk for w in rows], year)
    for w in rows:
        sheets.append(
            ws,
            [
                w.person.id_number,
                w.person.name,
                w.get_level_display(),
                w.certificate_number,
                w.certificate_year or "",
                w.employer_name,
                w.region.code,
                w.post,
                hours.get(w.pk, 0),
            ],
        )
    return sheets.xlsx_bytes(wb)


def _level(text: str) -> str | None:
    labels = {str(label): code for code, label in Level.choices}
    labels |= {_(str(label)): code for code, label in Level.choices}
    labels |= {code: code for code in Level.values} | {"": None, "无": Level.NONE}
    return labels.get(text.strip())


@transaction.atomic
def import_workers(*, user, data: bytes, name: str = "") -> dict:
    _keeper(user)
    if not data:
        raise ServiceError({"file": [_("请选择文件")]})
    labels = {k: _(v) for k, v in COLUMNS.items()}
    try:
        table = sheets.read_table(data, keys=_keys(), required=REQUIRED, labels=labels)
    except sheets.SheetError as exc:
        raise ServiceError({"file": [str(exc)]}) from None
    parsed: dict[int, str] = {}
    for row_number, cells in table.rows:
        try:
            parsed[row_number] = idcard.parse(table.text(cells, "id_number")).number
        except idcard.InvalidResidentId:
            pass
    hashes = {crypto.lookup_hash(n): n for n in set(parsed.values())}
    people = {hashes[p.id_hash]: p for p in people_for(user).filter(id_hash__in=list(hashes))}
    held = set(
        SocialWorker.objects.filter(person__in=list(people.values())).values_list(
            "person_id", flat=True
        )
    )
    names = {table.text(cells, "employer_name") for _n, cells in table.rows}
    orgs = {o.name: o for o in registered_organisations(user).filter(name__in=names)}
    codes = {table.text(cells, "region_code") for _n, cells in table.rows}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes, kind="statutory")}
    this_year = timezone.localdate().year
    today = timezone.localdate()
    errors: list[dict] = []
    rows: list[SocialWorker] = []
    seen: set[int] = set()
    for row_number, cells in table.rows:
        fields: dict[str, str] = {}
        person = people.get(parsed.get(row_number, ""))
        if row_number not in parsed:
            fields["id_number"] = _("身份证号码格式不正确")
        elif person is None:
            fields["id_number"] = _("人口库中没有该身份证号码的人员，请先登记人口信息")
        elif person.pk in held or person.pk in seen:
            fields["id_number"] = _("该人员已在社工人才台账中")
        level = _level(table.text(cells, "level"))
        number = table.text(cells, "certificate_number")
        year_text = table.text(cells, "certificate_year")
        year = int(year_text) if year_text.isdigit() else None
        if level is None:
            fields["level"] = _("职业水平应为助理社会工作师、社会工作师、高级社会工作师或无")
        elif level != Level.NONE:
            if not number or len(number) > 32:
                fields["certificate_number"] = _("持证社工请填写证书编号")
            if year is None or not FIRST_CERTIFICATE_YEAR <= year <= this_year:
                fields["certificate_year"] = _("取得证书年度应在%(a)s年至%(b)s年之间") % {
                    "a": FIRST_CERTIFICATE_YEAR,
                    "b": this_year,
                }
        employer = table.text(cells, "employer_name")
        org = orgs.get(employer)
        region = org.region if org else regions.get(table.text(cells, "region_code"))
        if not employer or len(employer) > 100:
            fields["employer_name"] = _("请填写工作单位")
        elif region is None:
            fields["region_code"] = _("工作单位不是已登记的社会组织时，请填写所在地区划代码")
        elif not region_in_scope(user, region):
            fields["region_code"] = _("工作单位所在地不在管辖范围内")
        post = table.text(cells, "post")
        if not post or len(post) > 64:
            fields["post"] = _("请填写岗位")
        if fields:
            errors.append(
                {
                    "row": row_number,
                    "fields": fields,
                    "message": "；".join(f"{labels[k]}：{m}" for k, m in fields.items()),
                }
            )
            continue
        seen.add(person.pk)
        rows.append(
            SocialWorker(
                person=person,
                level=level,
                certificate_number=number if level != Level.NONE else "",
                certificate_year=year if level != Level.NONE else None,
                organisation=org,
                employer_name=employer,
                region=region,
                post=post,
                entered_on=today,
                entered_by_name=actor_name(user),
            )
        )
    SocialWorker.objects.bulk_create(rows, batch_size=1000)
    if rows:
        audit.record(
            AuditEvent.Action.IMPORT,
            object_type="socialwork.socialworker",
            object_repr=(name or _("社工人才台账"))[:200],
            region_code=user.region.code if user.region_id else "",
            after={"file": name, "added": len(rows), "rejected": len(errors)},
            note=_("导入社工人才台账 %(n)s 人") % {"n": len(rows)},
        )
    return {"rows": len(table.rows), "added": len(rows), "rejected": len(errors), "errors": errors}


__all__ = ["export_rows", "import_workers", "may_keep"]

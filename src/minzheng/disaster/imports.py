"""Affected households from a sheet (CSV or Excel, core/sheets.py): one row per household of the
registry, found by its household number. Every bad row is reported with its row number and
nothing of it is written; the good rows are written in one bulk insert with one audit event.
A household already entered for the event is reported, never entered twice."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from minzheng.core import audit, sheets
from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.core.money import parse_yuan
from minzheng.core.scope import region_in_scope
from minzheng.people.models import Household

from .models import AffectedHousehold, EventStatus, HouseLoss
from .permissions import may_enter
from .services import _lock_event, _require, _under

COLUMNS = {
    "household_number": gettext_noop("家庭编号"),
    "affected_people": gettext_noop("受灾人口"),
    "evacuated": gettext_noop("紧急转移安置人口"),
    "deaths": gettext_noop("死亡人口"),
    "missing": gettext_noop("失踪人口"),
    "house_loss": gettext_noop("房屋损失"),
    "property_loss": gettext_noop("财产损失（元）"),
    "crop_area_ha": gettext_noop("农作物受灾面积（公顷）"),
    "need_emergency": gettext_noop("需应急期生活救助"),
    "need_transitional": gettext_noop("需过渡期生活救助"),
    "need_winter_spring": gettext_noop("需冬春生活救助"),
    "need_rebuild": gettext_noop("需倒损住房恢复重建"),
}
YES = {"是", "有", "需要", "yes", "y", "1", "true"}
NO = {"否", "无", "不需要", "no", "n", "0", "false", ""}


def template_headers() -> list[str]:
    return [_(label) for label in COLUMNS.values()]


def _keys() -> dict[str, str]:
    keys = {}
    for key, label in COLUMNS.items():
        keys[sheets.header_key(key)] = key
        keys[sheets.header_key(label)] = key  # the Chinese header, whatever the language
        keys[sheets.header_key(_(label))] = key
    return keys


def _row(table, cells) -> tuple[dict, list[str]]:
    problems: list[str] = []
    values: dict = {}
    for key in ("affected_people", "evacuated", "deaths", "missing"):
        text = table.text(cells, key) or "0"
        if not text.isdigit() or int(text) > 100:
            problems.append(_("%(c)s应为0至100的整数") % {"c": _(COLUMNS[key])})
        else:
            values[key] = int(text)
    loss_text = table.text(cells, "house_loss")
    losses = {str(label): value for value, label in HouseLoss.choices} | {
        "": HouseLoss.NONE,
        "无": HouseLoss.NONE,
    }
    if loss_text not in losses:
        problems.append(_("房屋损失应为倒塌、严重损坏、一般损坏或无"))
    else:
        values["house_loss"] = losses[loss_text]
    try:
        fen = parse_yuan(table.text(cells, "property_loss") or "0")
        if fen < 0:
            raise ValueError
        values["property_loss_fen"] = fen
    except ValueError:
        problems.append(_("财产损失应为金额（元，最多两位小数）"))
    try:
        crop = Decimal(table.text(cells, "crop_area_ha") or "0")
        if (
            not crop.is_finite()
            or crop < 0
            or crop >= 10**6
            or crop != crop.quantize(Decimal("0.01"))
        ):
            raise InvalidOperation
        values["crop_area_ha"] = crop
    except InvalidOperation:
        problems.append(_("农作物受灾面积应为不小于零的数，最多两位小数"))
    for key in ("need_emergency", "need_transitional", "need_winter_spring", "need_rebuild"):
        text = table.text(cells, key).lower()
        if text in YES:
            values[key] = True
        elif text in NO:
            values[key] = False
        else:
            problems.append(_("%(c)s应填“是”或“否”") % {"c": _(COLUMNS[key])})
    return values, problems


@transaction.atomic
def import_households(*, user, event_id: int, data: bytes, name: str = "") -> dict:
    _require(may_enter(user))
    event = _lock_event(user, event_id)
    if event.status == EventStatus.VERIFIED:
        raise ServiceError({"file": [_("事件已核报，不能再登记受灾户")]}, status=409)
    if not data:
        raise ServiceError({"file": [_("请选择文件")]})
    try:
        table = sheets.read_table(
            data,
            keys=_keys(),
            required=("household_number",),
            labels={k: _(v) for k, v in COLUMNS.items()},
        )
    except sheets.SheetError as exc:
        raise ServiceError({"file": [str(exc)]}) from None
    numbers = {table.text(cells, "household_number") for _n, cells in table.rows}
    households = {
        h.number: h for h in Household.objects.filter(number__in=numbers).select_related("region")
    }
    held = set(
        AffectedHousehold.objects.filter(event=event, household__number__in=numbers).values_list(
            "household__number", flat=True
        )
    )
    areas = list(event.areas.all())
    errors: list[dict] = []
    rows: list[AffectedHousehold] = []
    seen: set[str] = set()
    for row_number, cells in table.rows:
        number = table.text(cells, "household_number")
        values, problems = _row(table, cells)
        household = households.get(number)
        if not number:
            problems.insert(0, _("家庭编号未填写"))
        elif household is None or not region_in_scope(user, household.region):
            problems.insert(0, _("家庭编号 %(n)s 在管辖范围内不存在") % {"n": number})
        elif not _under(household.region, event.county) or (
            areas and not any(_under(household.region, a) for a in areas)
        ):
            problems.insert(0, _("该家庭不在本次灾害的受灾区域"))
        elif number in held or number in seen:
            problems.insert(0, _("该家庭已登记为本次灾害的受灾户"))
        if problems:
            errors.append({"row": row_number, "message": "；".join(problems)})
            continue
        seen.add(number)
        rows.append(
            AffectedHousehold(
                event=event, household=household, region=household.region, entered_by=user, **values
            )
        )
    AffectedHousehold.objects.bulk_create(rows, batch_size=2000)
    if rows:
        audit.record(
            AuditEvent.Action.IMPORT,
            object_type="disaster.affectedhousehold",
            object_repr=f"{event.name} {name}"[:200],
            region_code=event.county.code,
            after={"event": event.pk, "file": name, "added": len(rows), "rejected": len(errors)},
            note=_("导入受灾户 %(n)s 户") % {"n": len(rows)},
        )
    return {
        "rows": len(table.rows),
        "added": len(rows),
        "rejected": len(errors),
        "errors": errors,
    }

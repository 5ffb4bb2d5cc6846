"""Writes of the place-name census: each checks the user's right and the record's stage, locks
the row, changes it, writes the review step and the audit event in one transaction."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import actor_name
from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region

from . import permissions, rules
from .models import (
    ACTION_LABELS,
    LAT_RANGE,
    LON_RANGE,
    BoundaryInspection,
    Conclusion,
    PlaceClass,
    PlaceName,
    ReviewStep,
    SelfCheck,
    Status,
    SubClass,
)

CLASS_CODES = frozenset(PlaceClass.values)
SUBCLASS_CODES = frozenset(SubClass.values)
TEXT_FIELDS = ("aliases", "short_name", "meaning", "history", "description", "code")
EDITABLE = (Status.ENTERED, Status.RETURNED)

# action: (from stages, to stage, permission)
TRANSITIONS = {
    "check": ((Status.ENTERED,), Status.CHECKED, permissions.may_check),
    "approve": ((Status.CHECKED,), Status.APPROVED, permissions.may_approve),
    "publish": ((Status.APPROVED,), Status.PUBLISHED, permissions.may_publish),
    "resubmit": ((Status.RETURNED,), Status.ENTERED, permissions.may_enter),
}
# Who may return a record at each stage: the reviewer of the next step.
RETURNERS = {
    Status.ENTERED: permissions.may_check,
    Status.CHECKED: permissions.may_approve,
    Status.APPROVED: permissions.may_publish,
}


def county_of(region: Region) -> Region | None:
    if region.level == Region.Level.COUNTY:
        return region
    codes = [c for c in region.path.strip("/").split("/") if c]
    return Region.objects.filter(code__in=codes, level=Region.Level.COUNTY).first()


def parse_coordinate(value, low: Decimal, high: Decimal, field: str, errors: dict):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip()).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("请填写数字（十进制度）"))
        return None
    if not (low <= number <= high):
        errors.setdefault(field, []).append(
            _("坐标不在荆门市范围内（%(low)s°至%(high)s°）") % {"low": low, "high": high}
        )
        return None
    return number


def clean_fields(
    *,
    standard_name: str,
    place_class: str,
    subclass: str,
    romanised: str = "",
    lon=None,
    lat=None,
    **text,
) -> tuple[dict, rules.SpellingCheck | None]:
    """Validate a record's fields; field-level Chinese messages for what is wrong."""
    errors: dict[str, list[str]] = {}
    name = re.sub(r"\s+", "", standard_name or "")
    if not name:
        errors["standard_name"] = [_("请填写标准名称")]
    elif len(name) > 100:
        errors["standard_name"] = [_("标准名称不能超过100个字")]
    elif not re.search(r"[\u4e00-\u9fff]", name):
        errors["standard_name"] = [_("标准名称应为汉字书写的名称")]
    if place_class not in CLASS_CODES:
        errors["place_class"] = [_("请选择地名类别")]
    if subclass not in SUBCLASS_CODES:
        errors["subclass"] = [_("请选择地名小类")]
    elif place_class in CLASS_CODES and subclass[:2] != place_class:
        errors["subclass"] = [_("小类不属于所选类别")]
    lon_value = parse_coordinate(lon, *LON_RANGE, "lon", errors)
    lat_value = parse_coordinate(lat, *LAT_RANGE, "lat", errors)
    if (
        (lon_value is None) != (lat_value is None)
        and not errors.get("lon")
        and not errors.get("lat")
    ):
        errors["lat" if lat_value is None else "lon"] = [_("经度和纬度须同时填写")]
    lengths = {"aliases": 200, "short_name": 50, "code": 32}
    cleaned_text = {}
    for key in TEXT_FIELDS:
        value = (text.get(key) or "").strip()
        if key in lengths and len(value) > lengths[key]:
            errors[key] = [_("不能超过%(n)s个字") % {"n": lengths[key]}]
        cleaned_text[key] = value
    romanised = re.sub(r"\s+", " ", (romanised or "").replace("’", "'")).strip()
    if len(romanised) > 200:
        errors["romanised"] = [_("不能超过200个字符")]
    elif romanised and not re.fullmatch(r"[A-Za-zÜü0-9' -]+", romanised):
        errors["romanised"] = [_("罗马字母拼写只能含拉丁字母、数字、空格和隔音符号（'）")]
    if errors:
        raise ServiceError(errors)
    check = rules.check_spelling(name, romanised, subclass)
    fields = {
        "standard_name": name,
        "place_class": place_class,
        "subclass": subclass,
        "romanised": romanised or check.suggested,
        "suggested": check.suggested,
        "spelling_ok": check.ok,
        "pronunciation": check.pronunciation,
        "lon": lon_value,
        "lat": lat_value,
        **cleaned_text,
    }
    fields["search_text"] = rules.search_key(
        name, fields["aliases"], fields["short_name"], fields["romanised"], check.suggested
    )
    return fields, check


def _step(placename, *, user, action, from_status, note=""):
    ReviewStep.objects.create(
        placename=placename,
        action=action,
        from_status=from_status,
        to_status=placename.status,
        actor=user if getattr(user, "is_authenticated", False) else None,
        actor_name=actor_name(user),
        at=timezone.now(),
        note=note[:500],
    )


def _in_scope_region(user, region: Region | None) -> Region:
    if region is None or not region_in_scope(user, region):
        raise ServiceError({"region": [_("请选择您管辖范围内的行政区")]})
    if region.kind != Region.Kind.STATUTORY or region.level not in (
        Region.Level.COUNTY,
        Region.Level.TOWNSHIP,
        Region.Level.VILLAGE,
    ):
        raise ServiceError({"region": [_("地名应登记在县（市、区）、乡镇（街道）或村（社区）")]})
    return region


def _duplicate_error():
    return ServiceError({"standard_name": [_("该行政区内已有同类别的同名地名")]})


def create_placename(
    *, user, region: Region | None, registered_on: dt.date | None = None, **fields
):
    if not permissions.may_enter(user):
        raise PermissionDeniedError(_("您没有录入地名的权限"))
    region = _in_scope_region(user, region)
    values, _check = clean_fields(**fields)
    try:
        with transaction.atomic():
            row = PlaceName(
                region=region,
                county=county_of(region),
                registrar=user,
                registrar_name=actor_name(user),
                registered_on=registered_on or timezone.localdate(),
                status=Status.ENTERED,
                **values,
            )
            row.save()
            _step(row, user=user, action="enter", from_status="")
            audit.record_created(row, note=_("录入地名"))
    except IntegrityError:
        raise _duplicate_error() from None
    return row


def update_placename(*, user, placename: PlaceName, region: Region | None = None, **fields):
    if not permissions.may_enter(user):
        raise PermissionDeniedError(_("您没有修改地名的权限"))
    region = _in_scope_region(user, region or placename.region)
    values, _check = clean_fields(**fields)
    try:
        with transaction.atomic():
            row = PlaceName.objects.select_for_update().get(pk=placename.pk)
            if row.status not in EDITABLE:
                raise ServiceError(_("只有已录入或退回修改的地名可以修改"), status=409)
            with audit.audited(row, note=_("修改地名")):
                row.region = region
                row.county = county_of(region)
                for key, value in values.items():
                    setattr(row, key, value)
                row.save()
            _step(row, user=user, action="edit", from_status=row.status)
    except IntegrityError:
        raise _duplicate_error() from None
    return row


def transition(*, user, placename: PlaceName, action: str, note: str = "") -> PlaceName:
    """check / approve / publish / resubmit, or return (with the reviewer's note)."""
    note = (note or "").strip()
    with transaction.atomic():
        row = PlaceName.objects.select_for_update().select_related("region").get(pk=placename.pk)
        if not region_in_scope(user, row.region):
            raise NotFoundOrOutOfScope()
        before = row.status
        if action == "return":
            may = RETURNERS.get(row.status)
            if may is None:
                raise ServiceError(_("该地名当前状态不能退回"), status=409)
            if not may(user):
                raise PermissionDeniedError(_("您没有退回该地名的权限"))
            if not note:
                raise ServiceError({"note": [_("退回时请填写审核意见")]})
            target = Status.RETURNED
        elif action in TRANSITIONS:
            sources, target, may = TRANSITIONS[action]
            if not may(user):
                raise PermissionDeniedError(_("您没有该审核环节的权限"))
            if row.status not in sources:
                raise ServiceError(
                    _("该地名当前为“%(s)s”，不能%(a)s")
                    % {"s": Status(row.status).label, "a": ACTION_LABELS[action]},
                    status=409,
                )
            if action == "check" and not row.spelling_ok:
                raise ServiceError(
                    {
                        "romanised": [
                            _("罗马字母拼写不符合规则（建议：%(s)s），请先改正再校核")
                            % {"s": row.suggested}
                        ]
                    }
                )
        else:
            raise ServiceError(_("未知的操作"), status=400)
        with audit.audited(row, note=f"{ACTION_LABELS[action]} {note}".strip()):
            row.status = target
            if target == Status.RETURNED:
                row.returns += 1
            if note or action == "return":
                row.review_note = note[:500]
            today = timezone.localdate()
            if target == Status.APPROVED:
                row.approved_on = today
            if target == Status.PUBLISHED:
                row.published_on = today
            row.save()
        _step(row, user=user, action=action, from_status=before, note=note)
    return row


# ------------------------------------------------------------------ inspections and self-checks


def _text(value, field, errors, *, required=False, limit=2000):
    value = (value or "").strip()
    if required and not value:
        errors[field] = [_("此项必填")]
    elif len(value) > limit:
        errors[field] = [_("不能超过%(n)s个字") % {"n": limit}]
    return value


def record_inspection(
    *,
    user,
    region_a: Region | None,
    region_b: Region | None,
    inspected_on: dt.date | None,
    participants: str,
    markers_checked: int,
    markers_damaged: int = 0,
    problems: str = "",
    conclusion: str,
    boundary_name: str = "",
) -> BoundaryInspection:
    if not permissions.may_record(user):
        raise PermissionDeniedError(_("您没有登记界线联检的权限"))
    errors: dict[str, list[str]] = {}
    if region_a is None or not region_in_scope(user, region_a):
        errors["region_a"] = [_("请选择您管辖范围内的行政区")]
    if region_b is None:
        errors["region_b"] = [_("请选择毗邻的行政区")]
    elif region_a is not None and (region_b.pk == region_a.pk or region_b.level != region_a.level):
        errors["region_b"] = [_("毗邻行政区应为同级的另一个行政区")]
    if inspected_on is None:
        errors["inspected_on"] = [_("请填写联检日期")]
    elif inspected_on > timezone.localdate():
        errors["inspected_on"] = [_("联检日期不能晚于今天")]
    participants = _text(participants, "participants", errors, required=True)
    problems = _text(problems, "problems", errors)
    if markers_checked is None or markers_checked < 0:
        errors["markers_checked"] = [_("请填写检查的界桩数")]
    if markers_damaged is None or markers_damaged < 0:
        errors["markers_damaged"] = [_("请填写损坏或缺失的界桩数")]
    elif markers_checked is not None and markers_damaged > markers_checked:
        errors["markers_damaged"] = [_("损坏或缺失的界桩数不能多于检查的界桩数")]
    if conclusion not in Conclusion.values:
        errors["conclusion"] = [_("请选择结论")]
    elif conclusion == Conclusion.RECTIFY and not problems:
        errors["problems"] = [_("需整改时请写明发现的问题")]
    if errors:
        raise ServiceError(errors)
    a, b = sorted([region_a, region_b], key=lambda r: r.code)
    name = (boundary_name or "").strip()[:100] or f"{a.name}—{b.name}"
    try:
        with transaction.atomic():
            row = BoundaryInspection.objects.create(
                boundary_name=name,
                region_a=a,
                region_b=b,
                year=inspected_on.year,
                inspected_on=inspected_on,
                participants=participants,
                markers_checked=markers_checked,
                markers_damaged=markers_damaged,
                problems=problems,
                conclusion=conclusion,
                recorded_by=user,
            )
            audit.record_created(row, note=_("登记界线联检"))
    except IntegrityError:
        raise ServiceError({"region_b": [_("这条界线本年度的联检已登记")]}, status=409) from None
    return row


def record_selfcheck(
    *,
    user,
    county: Region | None,
    checked_on: dt.date | None,
    records_checked: int,
    records_faulty: int = 0,
    problems: str = "",
    conclusion: str,
) -> SelfCheck:
    if not permissions.may_record(user):
        raise PermissionDeniedError(_("您没有登记自查的权限"))
    errors: dict[str, list[str]] = {}
    if county is None or county.level != Region.Level.COUNTY or not region_in_scope(user, county):
        errors["county"] = [_("请选择您管辖范围内的县（市、区）")]
    if checked_on is None:
        errors["checked_on"] = [_("请填写自查日期")]
    elif checked_on > timezone.localdate():
        errors["checked_on"] = [_("自查日期不能晚于今天")]
    if records_checked is None or records_checked < 0:
        errors["records_checked"] = [_("请填写抽查的地名条数")]
    if records_faulty is None or records_faulty < 0:
        errors["records_faulty"] = [_("请填写有误的条数")]
    elif records_checked is not None and records_faulty > records_checked:
        errors["records_faulty"] = [_("有误的条数不能多于抽查的条数")]
    problems = _text(problems, "problems", errors)
    if conclusion not in Conclusion.values:
        errors["conclusion"] = [_("请选择结论")]
    elif conclusion == Conclusion.RECTIFY and not problems:
        errors["problems"] = [_("需整改时请写明发现的问题")]
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        row = (
            SelfCheck.objects.select_for_update()
            .filter(county=county, year=checked_on.year)
            .first()
        )
        if row is None:
            row = SelfCheck(county=county, year=checked_on.year)
        with audit.audited(row, note=_("登记地名普查自查")):
            row.checked_on = checked_on
            row.records_checked = records_checked
            row.records_faulty = records_faulty
            row.problems = problems
            row.conclusion = conclusion
            row.recorded_by = user
            row.save()
    return row

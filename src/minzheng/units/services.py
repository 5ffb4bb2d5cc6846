"""Writes to the units: the city bureau's default units; adding, renaming and deactivating
units and assigning staff accounts to them (each checked, in one transaction, audited)."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.regions.models import Region

from .models import Unit

CITY = "420800"
CODE_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
# The city bureau's sections and affiliated units a new install starts with (code, name, kind).
# The plan pilots the "civil-affairs CEO" responsibility system at the social welfare centre, and
# its publicity targets count the sections' and affiliated units' items (25.3).
DEFAULT_UNITS = [
    ("office", "办公室", Unit.Kind.SECTION),
    ("assistance", "社会救助科", Unit.Kind.SECTION),
    ("welfare", "社会福利和慈善事业促进科", Unit.Kind.SECTION),
    ("specialcare", "优抚安置科", Unit.Kind.SECTION),
    ("grassroots", "基层政权和社区建设科", Unit.Kind.SECTION),
    ("socialorgs", "社会组织管理科", Unit.Kind.SECTION),
    ("placenames", "区划地名科", Unit.Kind.SECTION),
    ("affairs", "社会事务科", Unit.Kind.SECTION),
    ("finance", "规划财务科", Unit.Kind.SECTION),
    ("welfare-centre", "荆门市社会福利中心", Unit.Kind.AFFILIATED),
    ("relief-station", "荆门市救助管理站", Unit.Kind.AFFILIATED),
    ("funeral-home", "荆门市殡仪馆", Unit.Kind.AFFILIATED),
    ("rehab-hospital", "荆门市康复医院", Unit.Kind.AFFILIATED),
    ("cadre-centre", "荆门市军队离退休干部休养所", Unit.Kind.AFFILIATED),
    ("verification-centre", "荆门市居民家庭经济状况核对中心", Unit.Kind.AFFILIATED),
    ("lottery-centre", "荆门市福利彩票发行中心", Unit.Kind.AFFILIATED),
]


@transaction.atomic
def load_default_units() -> int:
    """Create the city bureau's default units that are missing; returns how many were added.
    Needs the region tree (the city) loaded first."""
    city = Region.objects.get(code=CITY)
    existing = set(Unit.objects.values_list("code", flat=True))
    added = 0
    for order, (code, name, kind) in enumerate(DEFAULT_UNITS, start=1):
        if code in existing:
            continue
        unit = Unit.objects.create(code=code, name=name, kind=kind, region=city, order=order)
        audit.record_created(unit)
        added += 1
    return added


# ------------------------------------------------------------------------------ managing units


def _check_manager(user, region) -> None:
    from minzheng.targets import permissions

    if not permissions.may_manage_units(user, region):
        raise PermissionDeniedError(_("当前账号无权管理单位"))


def _check_name(name: str, region, errors: dict, *, exclude: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("此项为必填项"))
    elif len(name) > 64:
        errors.setdefault("name", []).append(_("单位名称不能超过64个字"))
    elif Unit.objects.filter(region=region, name=name).exclude(pk=exclude).exists():
        errors.setdefault("name", []).append(_("本区域已有同名单位"))
    return name


@transaction.atomic(durable=True)
def create_unit(*, user, code: str, name: str, kind: str, region: Region, order: int = 0) -> Unit:
    _check_manager(user, region)
    errors: dict[str, list[str]] = {}
    code = (code or "").strip().lower()
    if not code:
        errors.setdefault("code", []).append(_("此项为必填项"))
    elif not CODE_RE.fullmatch(code):
        errors.setdefault("code", []).append(_("单位代码只能由小写字母、数字和连字符组成"))
    elif Unit.objects.filter(code=code).exists():
        errors.setdefault("code", []).append(_("单位代码已存在"))
    name = _check_name(name, region, errors)
    if kind not in Unit.Kind.values:
        errors.setdefault("kind", []).append(_("单位类别无效"))
    if errors:
        raise ServiceError(errors)
    unit = Unit.objects.create(code=code, name=name, kind=kind, region=region, order=order or 0)
    audit.record_created(unit)
    return unit


@transaction.atomic(durable=True)
def update_unit(
    *, user, unit: Unit, name: str | None = None, kind: str | None = None, active=None, order=None
) -> Unit:
    """Rename, re-class, reorder, deactivate or reactivate a unit. A deactivated unit keeps its
    targets, reports and scores (history); its staff can no longer report."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _check_manager(user, unit.region)
    errors: dict[str, list[str]] = {}
    if name is not None:
        name = _check_name(name, unit.region, errors, exclude=unit.pk)
    if kind is not None and kind not in Unit.Kind.values:
        errors.setdefault("kind", []).append(_("单位类别无效"))
    if order is not None and (not isinstance(order, int) or order < 0 or order > 32767):
        errors.setdefault("order", []).append(_("排序应为0到32767之间的整数"))
    if errors:
        raise ServiceError(errors)
    with audit.audited(unit, note=_("修改单位")):
        if name is not None:
            unit.name = name
        if kind is not None:
            unit.kind = kind
        if active is not None:
            unit.active = bool(active)
        if order is not None:
            unit.order = order
        unit.save()
    return unit


@transaction.atomic(durable=True)
def assign_staff(*, user, account, unit: Unit | None, region=None) -> object:
    """Put a staff account in a unit (or take it out, with `unit` None). Only unit-staff and
    city-section accounts of the unit's region belong to units."""
    from minzheng.accounts.models import User
    from minzheng.targets import permissions

    account = User.objects.select_for_update().get(pk=account.pk)
    scope_region = unit.region if unit is not None else (region or account.region)
    if scope_region is None:
        raise PermissionDeniedError(_("当前账号无权管理单位"))
    _check_manager(user, scope_region)
    errors: dict[str, list[str]] = {}
    if account.role not in permissions.UNIT_REPORTERS:
        errors.setdefault("username", []).append(
            _("只有局属单位工作人员和市局业务科室账号可以归属单位")
        )
    elif unit is not None and account.region_id != unit.region_id:
        errors.setdefault("username", []).append(_("账号的管辖区域与单位所属区域不一致"))
    elif unit is not None and not unit.active:
        errors.setdefault("unit", []).append(_("单位已停用"))
    if errors:
        raise ServiceError(errors)
    with audit.audited(account, note=_("调整账号所在单位")):
        account.unit = unit
        account.save(update_fields=["unit"])
    return account

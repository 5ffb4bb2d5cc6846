"""Writes to standards and statistics: each change is a new row (or a corrected statistic) with
who and why, audited in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from minzheng.accounts.models import Role
from minzheng.core import audit
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region

from .models import Programme, Standard, Statistic
from .params import PROGRAMMES, ROUNDING_RULES, STATISTIC_KEYS, Unit, normalise_value, spec_for

# Standards are set by the city's business section or an administrator (the plan makes the city
# responsible for setting and publishing them).
STANDARD_SETTER_ROLES = {Role.CITY_SECTION, Role.ADMIN}


def can_set_standards(user) -> bool:
    return bool(
        user and user.is_authenticated and (user.is_superuser or user.role in STANDARD_SETTER_ROLES)
    )


def _ensure_can_set(user, region: Region) -> None:
    """`user=None` is the platform itself (default figures at installation)."""
    if user is None:
        return
    if not can_set_standards(user):
        raise PermissionDeniedError(_("只有市局业务科室或系统管理员可以设定救助标准"))
    if not region_in_scope(user, region):
        raise ServiceError({"region": [_("所选区域不在本账号的管辖范围内")]})


def _programme(programme) -> Programme | None:
    if isinstance(programme, Programme):
        return programme
    return Programme.objects.filter(code=programme).first()


def _decimal(raw) -> Decimal | None:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, TypeError):
        return None
    return value if value.is_finite() else None


def _derivation_fields(
    derive_from: dict, *, programme: Programme, key: str, unit: str, errors: dict
) -> dict:
    """Validate `derive_from` — {"statistic": key, "ratio": "0.30", "year_offset": -1, "rounding": "fen"}
    or {"programme": code, "key": key, "factor": "1.3", "rounding": "fen"} — into model fields."""
    if unit not in Unit.MONEY:
        errors["derive_from"] = [_("只有金额类参数可以按比例推算")]
        return {}
    rounding = derive_from.get("rounding") or "fen"
    if rounding not in ROUNDING_RULES:
        errors["derive_from.rounding"] = [_("取整规则无效")]
    if "statistic" in derive_from:
        statistic = derive_from["statistic"]
        if statistic not in STATISTIC_KEYS:
            errors["derive_from.statistic"] = [_("统计指标无效")]
        ratio = _decimal(derive_from.get("ratio"))
        if ratio is None or ratio <= 0 or ratio > 100:
            errors["derive_from.ratio"] = [_("比例应为大于 0 的小数，如 0.30")]
        offset = derive_from.get("year_offset", -1)
        if isinstance(offset, bool) or not isinstance(offset, int) or not -5 <= offset <= 0:
            errors["derive_from.year_offset"] = [_("统计年度偏移应为 -5 到 0 之间的整数")]
        return {
            "derive_kind": Standard.Derivation.STATISTIC,
            "statistic_key": statistic,
            "statistic_year_offset": offset,
            "ratio": ratio,
            "rounding": rounding,
        }
    if "programme" in derive_from:
        base_programme = _programme(derive_from.get("programme") or "")
        base_key = derive_from.get("key") or ""
        base_spec = spec_for(base_programme.code, base_key) if base_programme else None
        if base_spec is None:
            errors["derive_from.key"] = [_("基准标准不存在")]
        elif base_spec.unit not in (Unit.FEN_MONTH, Unit.FEN_YEAR) or unit not in (
            Unit.FEN_MONTH,
            Unit.FEN_YEAR,
        ):
            errors["derive_from.key"] = [_("只能由按月或按年的金额标准推算")]
        elif base_programme.pk == programme.pk and base_key == key:
            errors["derive_from.key"] = [_("标准不能由自身推算")]
        factor = _decimal(derive_from.get("factor"))
        if factor is None or factor <= 0 or factor > 100:
            errors["derive_from.factor"] = [_("倍数应为大于 0 的小数，如 1.3")]
        return {
            "derive_kind": Standard.Derivation.STANDARD,
            "base_programme": base_programme,
            "base_key": base_key,
            "ratio": factor,
            "rounding": rounding,
        }
    errors["derive_from"] = [_("应指定统计指标（statistic）或基准标准（programme 和 key）")]
    return {}


@transaction.atomic
def set_standard(
    *,
    user,
    programme,
    key: str,
    region: Region,
    effective_from: dt.date,
    value=None,
    derive_from: dict | None = None,
    reason: str,
) -> Standard:
    """Put a new version of a parameter in force from `effective_from`. `value` is in the stored
    unit of the parameter (fen for money); `derive_from` derives it instead. Append-only: earlier
    versions stay readable, and a second row for the same date supersedes the first."""
    _ensure_can_set(user, region)
    errors: dict[str, list[str]] = {}
    programme_obj = _programme(programme)
    spec = spec_for(programme_obj.code, key) if programme_obj else None
    if programme_obj is None:
        errors["programme"] = [_("救助项目不存在")]
    elif spec is None:
        errors["key"] = [_("该项目没有此参数")]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写设定或调整的原因")]
    elif len(reason.strip()) > 500:
        errors["reason"] = [_("原因不能超过500个字符")]
    if not isinstance(effective_from, dt.date):
        errors["effective_from"] = [_("生效日期无效")]
    fields: dict = {}
    if spec is not None:
        if (value is None) == (derive_from is None):
            errors["value"] = [_("请填写数值，或指定推算方式（二者选一）")]
        elif derive_from is not None:
            fields = _derivation_fields(
                derive_from, programme=programme_obj, key=key, unit=spec.unit, errors=errors
            )
        else:
            try:
                fields = {"value": normalise_value(spec, value)}
            except ValueError as exc:
                errors["value"] = [str(exc)]
    if errors:
        raise ServiceError(errors)

    existing = Standard.objects.filter(programme=programme_obj, key=key, region=region)
    previous = (
        existing.filter(effective_from__lte=effective_from)
        .order_by("-effective_from", "-version")
        .first()
    )
    version = (
        existing.filter(effective_from=effective_from).aggregate(m=Max("version"))["m"] or 0
    ) + 1
    try:
        with transaction.atomic():
            standard = Standard.objects.create(
                programme=programme_obj,
                key=key,
                region=region,
                effective_from=effective_from,
                version=version,
                set_by=user,
                set_by_name=user.get_username() if user is not None else "system",
                reason=reason.strip(),
                **fields,
            )
    except IntegrityError:  # a concurrent change took this version number
        raise ServiceError(
            {"effective_from": [_("该标准刚被他人修改，请刷新后重试")]}, status=409
        ) from None
    audit.record(
        "create",
        obj=standard,
        before=audit.snapshot(previous) if previous else None,
        after=audit.snapshot(standard),
        note=reason.strip(),
    )
    return standard


@transaction.atomic
def set_statistic(
    *, user, key: str, region: Region, year: int, value, source: str = "", reason: str
) -> Statistic:
    """Record (or correct) a published statistic. Standards derived from it follow at once."""
    _ensure_can_set(user, region)
    errors: dict[str, list[str]] = {}
    if key not in STATISTIC_KEYS:
        errors["key"] = [_("统计指标无效")]
    amount = _decimal(value)
    if amount is None or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        errors["value"] = [_("应为非负金额，最多两位小数")]
    if not isinstance(year, int) or not 1949 <= year <= 2200:
        errors["year"] = [_("年度无效")]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写设定或调整的原因")]
    if errors:
        raise ServiceError(errors)
    statistic = Statistic.objects.filter(key=key, region=region, year=year).first()
    if statistic is None:
        statistic = Statistic(key=key, region=region, year=year)
    with audit.audited(statistic, note=reason.strip()):  # "create" for a new one
        statistic.value = amount
        statistic.source = source
        statistic.reason = reason.strip()
        statistic.updated_by = user
        statistic.save()
    return statistic


@transaction.atomic
def ensure_programmes() -> int:
    """The programme rows (also seeded by migration; kept here for databases built otherwise)."""
    created = 0
    for spec in PROGRAMMES:
        _obj, was_created = Programme.objects.get_or_create(
            code=spec.code, defaults={"name": spec.name, "kind": spec.kind}
        )
        created += was_created
    return created


@transaction.atomic
def load_default_standards() -> int:
    """Seed the default statistics and standards (see defaults.py) where none are set yet.
    Idempotent: a parameter that already has any row at a region is left alone, so figures an
    administrator has changed are never overwritten. Needs the region tree loaded. Written in bulk
    with one audit event for the whole seed; every row still names its setter ("system") and why."""
    from .defaults import DEFAULT_REASON, DEFAULT_STANDARDS, DEFAULT_STATISTICS

    ensure_programmes()
    programmes = {p.code: p for p in Programme.objects.all()}
    codes = {d.region for d in DEFAULT_STANDARDS} | {s.region for s in DEFAULT_STATISTICS}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    have_statistics = set(Statistic.objects.values_list("key", "region__code", "year"))
    statistics = [
        Statistic(
            key=d.key,
            region=regions[d.region],
            year=d.year,
            value=d.value,
            source=d.source,
            reason=DEFAULT_REASON,
        )
        for d in DEFAULT_STATISTICS
        if d.region in regions and (d.key, d.region, d.year) not in have_statistics
    ]
    have_standards = set(Standard.objects.values_list("programme__code", "key", "region__code"))
    standards = []
    for d in DEFAULT_STANDARDS:
        if d.region not in regions or (d.programme, d.key, d.region) in have_standards:
            continue
        spec = spec_for(d.programme, d.key)
        errors: dict[str, list[str]] = {}
        if d.derive_from is not None:
            fields = _derivation_fields(
                d.derive_from,
                programme=programmes[d.programme],
                key=d.key,
                unit=spec.unit,
                errors=errors,
            )
        else:
            fields = {"value": normalise_value(spec, d.value)}
        if errors:
            raise ServiceError(errors)
        standards.append(
            Standard(
                programme=programmes[d.programme],
                key=d.key,
                region=regions[d.region],
                effective_from=d.effective_from,
                version=1,
                set_by_name="system",
                reason=d.note or DEFAULT_REASON,
                **fields,
            )
        )
    Statistic.objects.bulk_create(statistics)
    Standard.objects.bulk_create(standards)
    created = len(statistics) + len(standards)
    if created:
        audit.record(
            "import",
            object_type="assistance.standard",
            object_repr=_("默认救助标准"),
            after={"statistics": len(statistics), "standards": len(standards)},
            note=DEFAULT_REASON,
        )
    return created

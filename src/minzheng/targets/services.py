"""Writes of target management: plans (load, copy, import, edit), cascading, reported values and
their approval, supervision cases. Keyword-only, one transaction each, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.regions.models import Region
from minzheng.regions.services import resolve_code

from . import indicators, permissions
from .models import (
    Comparison,
    Evidence,
    Plan,
    ReportedValue,
    ReportFrequency,
    Section,
    SupervisionCase,
    SupervisionNote,
    Target,
    WorkItem,
)

SEED_2016 = Path(__file__).resolve().parent / "seed" / "plan-2016.json"
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
EVIDENCE_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".xlsx", ".xls", ".docx", ".doc", ".ofd"}


# ------------------------------------------------------------------------------ helpers


def _deny(message: str):
    raise PermissionDeniedError(message)


def to_decimal(value, field: str, errors: dict, *, label: str = "") -> Decimal | None:
    if value is None or value == "":
        errors.setdefault(field, []).append(_("%(label)s此项为必填项") % {"label": label})
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(
            _("%(label)s应为数字：%(value)s") % {"label": label, "value": value}
        )
        return None
    if not number.is_finite():
        errors.setdefault(field, []).append(
            _("%(label)s应为数字：%(value)s") % {"label": label, "value": value}
        )
        return None
    return number


def to_date(value, field: str, errors: dict, *, label: str = "") -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(
            _("%(label)s日期格式应为 YYYY-MM-DD：%(value)s") % {"label": label, "value": value}
        )
        return None


def shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ------------------------------------------------------------------------------ plans as data
#
# One dictionary format (the seed file's) serves loading the 2016 plan, Excel import and export,
# and copying a plan to another year.


def plan_as_data(plan: Plan) -> dict:
    sections = []
    items_by_section: dict[int, list] = {}
    targets_by_item: dict[int, list] = {}
    for target in plan.targets.select_related("region", "parent").order_by("id"):
        targets_by_item.setdefault(target.work_item_id, []).append(target)
    for item in plan.work_items.order_by("number"):
        items_by_section.setdefault(item.section_id, []).append(item)
    for section in plan.sections.order_by("position", "code"):
        sections.append(
            {
                "code": section.code,
                "title": section.title,
                "items": [
                    {
                        "number": item.number,
                        "title": item.title,
                        "description": item.description,
                        "responsible": item.responsible,
                        "targets": [
                            {
                                "code": t.code,
                                "title": t.title,
                                "indicator": t.indicator,
                                "comparison": t.comparison,
                                "value": _fmt(t.value),
                                "unit": t.unit,
                                "deadline": t.deadline.isoformat(),
                                "weight": _fmt(t.weight),
                                "region": t.region.code,
                                "parent": t.parent.code if t.parent_id else "",
                                "note": t.note,
                                "report_frequency": t.report_frequency,
                            }
                            for t in _parents_first(targets_by_item.get(item.id, []))
                        ],
                    }
                    for item in items_by_section.get(section.id, [])
                ],
            }
        )
    return {
        "format": 1,
        "region": plan.region.code,
        "year": plan.year,
        "title": plan.title,
        "source": plan.source,
        "published_on": plan.published_on.isoformat() if plan.published_on else "",
        "period_start": plan.period_start.isoformat(),
        "period_end": plan.period_end.isoformat(),
        "report_frequency": plan.report_frequency,
        "report_grace_days": plan.report_grace_days,
        "pace_tolerance": str(plan.pace_tolerance),
        "auto_supervise": plan.auto_supervise,
        "supervision_days": plan.supervision_days,
        "sections": sections,
    }


def _parents_first(targets: list[Target]) -> list[Target]:
    by_id = {t.pk: t for t in targets}

    def depth(t):
        d = 0
        while t.parent_id and t.parent_id in by_id:
            t = by_id[t.parent_id]
            d += 1
        return d

    return sorted(targets, key=lambda t: (depth(t), t.pk))


def _validate_plan_data(data: dict) -> tuple[dict, list[dict]]:
    """Check a plan dictionary; returns (plan fields, flattened targets) or raises ServiceError
    naming each bad value ("sections" entries point at the target code)."""
    errors: dict[str, list[str]] = {}
    region = resolve_code(str(data.get("region", "")).strip())
    if region is None:
        errors.setdefault("region", []).append(
            _("区划代码不存在：%(code)s") % {"code": data.get("region")}
        )
    try:
        year = int(data.get("year"))
    except (TypeError, ValueError):
        errors.setdefault("year", []).append(_("年度应为整数"))
        year = None
    start = to_date(
        data.get("period_start") or (f"{year}-01-01" if year else ""),
        "period_start",
        errors,
        label=_("考核期起："),
    )
    end = to_date(
        data.get("period_end") or (f"{year}-12-31" if year else ""),
        "period_end",
        errors,
        label=_("考核期止："),
    )
    if start and end and end < start:
        errors.setdefault("period_end", []).append(_("考核期止不能早于考核期起"))
    frequency = data.get("report_frequency") or ReportFrequency.MONTHLY
    if frequency not in ReportFrequency.values:
        errors.setdefault("report_frequency", []).append(
            _("填报周期无效：%(value)s") % {"value": frequency}
        )
    title = str(data.get("title") or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("计划名称为必填项"))
    fields = {
        "region": region,
        "year": year,
        "title": title,
        "source": str(data.get("source") or ""),
        "published_on": to_date(data["published_on"], "published_on", errors, label=_("发文日期："))
        if data.get("published_on")
        else None,
        "period_start": start,
        "period_end": end,
        "report_frequency": frequency,
        "report_grace_days": int(data.get("report_grace_days") or 10),
        "pace_tolerance": to_decimal(data.get("pace_tolerance") or "0.1", "pace_tolerance", errors)
        or Decimal("0.1"),
        "auto_supervise": bool(data.get("auto_supervise", False)),
        "supervision_days": int(data.get("supervision_days") or 15),
    }
    flat: list[dict] = []
    seen_codes: set[str] = set()
    seen_items: set[int] = set()
    seen_sections: set[str] = set()
    for s_pos, section in enumerate(data.get("sections") or []):
        s_code = str(section.get("code", "")).strip()
        if not s_code or s_code in seen_sections:
            errors.setdefault("sections", []).append(
                _("板块编号缺失或重复：%(code)s") % {"code": s_code}
            )
        seen_sections.add(s_code)
        for item in section.get("items") or []:
            try:
                number = int(item.get("number"))
            except (TypeError, ValueError):
                errors.setdefault("sections", []).append(
                    _("工作事项序号应为整数：%(value)s") % {"value": item.get("number")}
                )
                continue
            if number in seen_items:
                errors.setdefault("sections", []).append(
                    _("工作事项序号重复：%(number)s") % {"number": number}
                )
            seen_items.add(number)
            for row in item.get("targets") or []:
                code = str(row.get("code", "")).strip()
                where = _("目标 %(code)s：") % {"code": code or "?"}
                if not code or code in seen_codes:
                    errors.setdefault("sections", []).append(where + _("目标编号缺失或重复"))
                seen_codes.add(code)
                indicator = str(row.get("indicator", "")).strip()
                if not indicators.exists(indicator):
                    errors.setdefault("sections", []).append(
                        where + _("指标代码不存在：%(code)s") % {"code": indicator}
                    )
                comparison = str(row.get("comparison") or "ge").strip()
                comparison = {"≥": "ge", ">=": "ge", "≤": "le", "<=": "le", "=": "eq"}.get(
                    comparison, comparison
                )
                if comparison not in Comparison.values:
                    errors.setdefault("sections", []).append(where + _("比较方式应为 ≥、≤ 或 ="))
                value = to_decimal(row.get("value"), "sections", errors, label=where + _("目标值"))
                weight = to_decimal(
                    row.get("weight") or "1", "sections", errors, label=where + _("权重")
                )
                if weight is not None and weight < 0:
                    errors.setdefault("sections", []).append(where + _("权重不能为负数"))
                deadline = to_date(row.get("deadline") or end, "sections", errors, label=where)
                region_code = str(row.get("region") or data.get("region") or "").strip()
                target_region = resolve_code(region_code)
                if target_region is None:
                    errors.setdefault("sections", []).append(
                        where + _("区划代码不存在：%(code)s") % {"code": region_code}
                    )
                frequency = str(row.get("report_frequency") or "")
                if frequency and frequency not in ReportFrequency.values:
                    errors.setdefault("sections", []).append(
                        where + _("填报周期无效：%(value)s") % {"value": frequency}
                    )
                unit = str(row.get("unit") or "") or (
                    str(indicators.get(indicator).unit) if indicators.exists(indicator) else ""
                )
                flat.append(
                    {
                        "section": (s_pos, s_code, str(section.get("title", "")).strip()),
                        "item": (
                            number,
                            str(item.get("title", "")).strip(),
                            str(item.get("description") or ""),
                            str(item.get("responsible") or ""),
                        ),
                        "code": code,
                        "title": str(row.get("title") or "").strip() or code,
                        "indicator": indicator,
                        "comparison": comparison,
                        "value": value,
                        "unit": unit,
                        "deadline": deadline,
                        "weight": weight,
                        "region": target_region,
                        "parent": str(row.get("parent") or "").strip(),
                        "note": str(row.get("note") or "")[:500],
                        "report_frequency": frequency,
                    }
                )
            if not item.get("targets"):
                flat.append(
                    {
                        "section": (s_pos, s_code, str(section.get("title", "")).strip()),
                        "item": (
                            number,
                            str(item.get("title", "")).strip(),
                            str(item.get("description") or ""),
                            str(item.get("responsible") or ""),
                        ),
                        "code": None,
                    }
                )
    for row in flat:
        if row.get("code") and row["parent"] and row["parent"] not in seen_codes:
            errors.setdefault("sections", []).append(
                _("目标 %(code)s：上级目标 %(parent)s 不存在")
                % {"code": row["code"], "parent": row["parent"]}
            )
    if errors:
        raise ServiceError(errors)
    return fields, flat


def _create_plan(
    fields: dict, flat: list[dict], *, status: str, copied_from: Plan | None = None
) -> Plan:
    if Plan.objects.filter(region=fields["region"], year=fields["year"]).exists():
        raise ServiceError(
            {
                "year": [
                    _("%(region)s %(year)s 年度的计划已存在")
                    % {"region": fields["region"].name, "year": fields["year"]}
                ]
            }
        )
    plan = Plan.objects.create(status=status, copied_from=copied_from, **fields)
    sections: dict[str, Section] = {}
    items: dict[int, WorkItem] = {}
    targets: dict[str, Target] = {}
    for row in flat:
        s_pos, s_code, s_title = row["section"]
        if s_code not in sections:
            sections[s_code] = Section.objects.create(
                plan=plan, code=s_code, position=s_pos, title=s_title
            )
        number, i_title, description, responsible = row["item"]
        if number not in items:
            items[number] = WorkItem.objects.create(
                plan=plan,
                section=sections[s_code],
                number=number,
                title=i_title,
                description=description,
                responsible=responsible,
            )
        if not row.get("code"):
            continue
        parent = targets.get(row["parent"]) if row["parent"] else None
        if row["parent"] and parent is None:
            raise ServiceError(
                {
                    "sections": [
                        _("目标 %(code)s 应排在其上级目标 %(parent)s 之后")
                        % {"code": row["code"], "parent": row["parent"]}
                    ]
                }
            )
        targets[row["code"]] = Target.objects.create(
            plan=plan,
            work_item=items[number],
            parent=parent,
            code=row["code"],
            title=row["title"],
            indicator=row["indicator"],
            comparison=row["comparison"],
            value=row["value"],
            unit=row["unit"],
            deadline=row["deadline"],
            weight=row["weight"],
            region=row["region"],
            note=row["note"],
            report_frequency=row["report_frequency"],
        )
    for target in targets.values():
        if target.parent_id:
            errors = allocation_errors(
                target.parent, [(c.region, c.value) for c in target.parent.children.all()]
            )
            if errors:
                raise ServiceError(
                    {
                        "sections": [
                            _("目标 %(code)s 的分解：") % {"code": target.parent.code} + e
                            for e in errors
                        ]
                    }
                )
    return plan


def touch_plan(plan_id: int) -> None:
    """Mark a plan's content as changed, so pages cached from its snapshots are rebuilt."""
    Plan.objects.filter(pk=plan_id).update(updated_at=timezone.now())


def _plan_summary(plan: Plan) -> dict:
    return {
        "year": plan.year,
        "title": plan.title,
        "status": plan.status,
        "sections": plan.sections.count(),
        "work_items": plan.work_items.count(),
        "targets": plan.targets.count(),
    }


@transaction.atomic
def load_plan(*, data: dict, user=None, status: str = Plan.Status.ACTIVE) -> Plan:
    if user is not None and not permissions.may_manage_plan(user):
        _deny(_("当前账号无权管理目标计划"))
    fields, flat = _validate_plan_data(data)
    plan = _create_plan(fields, flat, status=status)
    audit.record("create", obj=plan, after=_plan_summary(plan), note=_("载入目标计划"))
    return plan


def load_plan_2016() -> Plan:
    """The 2016 Jingmen plan, loaded once (idempotent; the demo set-up calls it)."""
    from minzheng.regions.services import load_jingmen

    city = Region.objects.filter(code="420800").first()
    if city is None:
        load_jingmen()
        city = Region.objects.get(code="420800")
    existing = Plan.objects.filter(region=city, year=2016).first()
    if existing:
        return existing
    data = json.loads(SEED_2016.read_text(encoding="utf-8"))
    return load_plan(data=data)


@transaction.atomic
def copy_plan(*, user, plan: Plan, year: int, title: str = "") -> Plan:
    """Next year's plan from this one: every section, item and target (cascades included), dates
    moved by the difference in years, as a draft to edit before it is put into force."""
    if not permissions.may_manage_plan(user, plan.region):
        _deny(_("当前账号无权管理目标计划"))
    delta = int(year) - plan.year
    data = plan_as_data(plan)
    data["year"] = int(year)
    data["title"] = title.strip() or plan.title.replace(str(plan.year), str(year))
    data["published_on"] = ""
    data["period_start"] = shift_year(plan.period_start, delta).isoformat()
    data["period_end"] = shift_year(plan.period_end, delta).isoformat()
    for section in data["sections"]:
        for item in section["items"]:
            for row in item["targets"]:
                row["deadline"] = shift_year(
                    dt.date.fromisoformat(row["deadline"]), delta
                ).isoformat()
    fields, flat = _validate_plan_data(data)
    new_plan = _create_plan(fields, flat, status=Plan.Status.DRAFT, copied_from=plan)
    audit.record(
        "create",
        obj=new_plan,
        after=_plan_summary(new_plan),
        note=_("复制自 %(title)s") % {"title": plan.title},
    )
    return new_plan


@transaction.atomic
def import_plan(*, user, data: dict) -> Plan:
    if not permissions.may_manage_plan(user):
        _deny(_("当前账号无权管理目标计划"))
    fields, flat = _validate_plan_data(data)
    if fields["region"] is not None and not permissions.may_manage_plan(user, fields["region"]):
        _deny(_("当前账号无权为该区域制定计划"))
    plan = _create_plan(fields, flat, status=Plan.Status.DRAFT)
    audit.record("import", obj=plan, after=_plan_summary(plan), note=_("从Excel导入目标计划"))
    return plan


PLAN_EDITABLE = (
    "title",
    "status",
    "report_frequency",
    "report_grace_days",
    "pace_tolerance",
    "auto_supervise",
    "supervision_days",
)


@transaction.atomic
def update_plan(*, user, plan: Plan, **changes) -> Plan:
    if not permissions.may_manage_plan(user, plan.region):
        _deny(_("当前账号无权管理目标计划"))
    unknown = set(changes) - set(PLAN_EDITABLE)
    if unknown:
        raise ServiceError({f: [_("该字段不可修改")] for f in unknown})
    errors: dict[str, list[str]] = {}
    if "status" in changes and changes["status"] not in Plan.Status.values:
        errors["status"] = [_("状态无效")]
    if "report_frequency" in changes and changes["report_frequency"] not in ReportFrequency.values:
        errors["report_frequency"] = [_("填报周期无效")]
    if "pace_tolerance" in changes:
        tolerance = to_decimal(changes["pace_tolerance"], "pace_tolerance", errors)
        if tolerance is not None and not (0 <= tolerance <= 1):
            errors["pace_tolerance"] = [_("容差应在0到1之间")]
        changes["pace_tolerance"] = tolerance
    if "title" in changes and not str(changes["title"]).strip():
        errors["title"] = [_("计划名称为必填项")]
    if errors:
        raise ServiceError(errors)
    before = audit.snapshot(plan)
    for field, value in changes.items():
        setattr(plan, field, value)
    plan.save()
    plan.refresh_from_db()
    audit.record("update", obj=plan, before=before, after=audit.snapshot(plan))
    return plan


# ------------------------------------------------------------------------------ targets


def _check_target_fields(
    *, indicator: str, comparison: str, value, weight, deadline, errors: dict
) -> tuple:
    if not indicators.exists(indicator):
        errors.setdefault("indicator", []).append(
            _("指标代码不存在：%(code)s") % {"code": indicator}
        )
    if comparison not in Comparison.values:
        errors.setdefault("comparison", []).append(_("比较方式应为 ≥、≤ 或 ="))
    value = to_decimal(value, "value", errors)
    weight = to_decimal(weight, "weight", errors)
    if weight is not None and weight < 0:
        errors.setdefault("weight", []).append(_("权重不能为负数"))
    deadline = to_date(deadline, "deadline", errors)
    return value, weight, deadline


@transaction.atomic
def create_target(
    *,
    user,
    plan: Plan,
    work_item: WorkItem,
    code: str,
    title: str,
    indicator: str,
    comparison: str,
    value,
    deadline,
    weight="1",
    region: Region | None = None,
    note: str = "",
) -> Target:
    if not permissions.may_manage_plan(user, plan.region):
        _deny(_("当前账号无权管理目标计划"))
    errors: dict[str, list[str]] = {}
    value, weight, deadline = _check_target_fields(
        indicator=indicator,
        comparison=comparison,
        value=value,
        weight=weight,
        deadline=deadline,
        errors=errors,
    )
    code = code.strip()
    if not code:
        errors.setdefault("code", []).append(_("此项为必填项"))
    elif plan.targets.filter(code=code).exists():
        errors.setdefault("code", []).append(_("目标编号已存在"))
    if work_item.plan_id != plan.pk:
        errors.setdefault("work_item", []).append(_("工作事项不属于该计划"))
    if errors:
        raise ServiceError(errors)
    target = Target.objects.create(
        plan=plan,
        work_item=work_item,
        code=code,
        title=title.strip() or code,
        indicator=indicator,
        comparison=comparison,
        value=value,
        unit=str(indicators.get(indicator).unit),
        deadline=deadline,
        weight=weight,
        region=region or plan.region,
        note=note[:500],
    )
    audit.record("create", obj=target, after=audit.snapshot(target))
    touch_plan(plan.pk)
    return target


@transaction.atomic
def update_target(*, user, target: Target, **changes) -> Target:
    """Edit a target's threshold, weight, deadline or wording; a cascaded target must still keep
    its rule with its parent and its own shares."""
    if not permissions.may_manage_plan(user, target.plan.region) and not (
        target.parent_id and permissions.may_allocate(user, target.parent)
    ):
        _deny(_("当前账号无权修改该目标"))
    editable = {"title", "comparison", "value", "deadline", "weight", "note", "report_frequency"}
    unknown = set(changes) - editable
    if unknown:
        raise ServiceError({f: [_("该字段不可修改")] for f in unknown})
    if target.parent_id and "comparison" in changes and changes["comparison"] != target.comparison:
        raise ServiceError({"comparison": [_("分解目标的比较方式与上级目标一致，不能单独修改")]})
    errors: dict[str, list[str]] = {}
    value, weight, deadline = _check_target_fields(
        indicator=target.indicator,
        comparison=changes.get("comparison", target.comparison),
        value=changes.get("value", target.value),
        weight=changes.get("weight", target.weight),
        deadline=changes.get("deadline", target.deadline),
        errors=errors,
    )
    if (
        changes.get("report_frequency")
        and changes["report_frequency"] not in ReportFrequency.values
    ):
        errors.setdefault("report_frequency", []).append(_("填报周期无效"))
    if errors:
        raise ServiceError(errors)
    before = audit.snapshot(target)
    target.title = str(changes.get("title", target.title)).strip() or target.title
    target.comparison = changes.get("comparison", target.comparison)
    target.value, target.weight, target.deadline = value, weight, deadline
    target.note = str(changes.get("note", target.note))[:500]
    target.report_frequency = changes.get("report_frequency", target.report_frequency) or ""
    target.save()
    problems = []
    if target.parent_id:
        problems += allocation_errors(
            target.parent,
            [(c.region, c.value) for c in target.parent.children.select_related("region")],
        )
    children = list(target.children.select_related("region"))
    if children:
        problems += allocation_errors(target, [(c.region, c.value) for c in children])
    if problems:
        raise ServiceError({"value": problems})
    target.refresh_from_db()
    audit.record("update", obj=target, before=before, after=audit.snapshot(target))
    touch_plan(target.plan_id)
    return target


@transaction.atomic
def delete_target(*, user, target: Target) -> None:
    if not permissions.may_manage_plan(user, target.plan.region):
        _deny(_("当前账号无权管理目标计划"))
    before = audit.snapshot(target)
    audit.record("delete", obj=target, before=before)
    target.delete()
    touch_plan(target.plan_id)


def allocation_errors(parent: Target, shares: list[tuple[Region, Decimal]]) -> list[str]:
    """The cascading rule. Amounts (sum indicators): the shares must add up to the parent's
    target (≥: at least it; ≤: at most it; =: exactly). Rates and levels: every share must be at
    least as strict as the parent's (≥: not lower; ≤: not higher; =: equal). Shares go to distinct
    units under the parent's region that do not contain one another."""
    problems: list[str] = []
    indicator = indicators.get(parent.indicator)
    paths = []
    for region, value in shares:
        under = region.path.startswith(parent.region.path) and region.pk != parent.region_id
        zone_below = region.is_zone and region.parent_id == parent.region_id
        if not under and not zone_below:
            problems.append(
                _("%(name)s 不在 %(parent)s 的下级区划中")
                % {"name": region.name, "parent": parent.region.name}
            )
        if zone_below and indicator.aggregation == indicators.SUM:
            problems.append(
                _("功能区 %(name)s 与所辖乡镇（街道）重叠，不能参与数量类目标的分解")
                % {"name": region.name}
            )
        if value is None or value < 0:
            problems.append(_("%(name)s 的分解值不能为负数") % {"name": region.name})
        paths.append((region, region.path))
    codes = [r.code for r, _v in shares]
    if len(set(codes)) != len(codes):
        problems.append(_("同一单位只能分解一次"))
    for region, path in paths:
        for other, other_path in paths:
            if (
                region.pk != other.pk
                and not region.is_zone
                and not other.is_zone
                and other_path.startswith(path)
            ):
                problems.append(
                    _("%(outer)s 已包含 %(inner)s，不能同时分解")
                    % {"outer": region.name, "inner": other.name}
                )
    if problems or not shares:
        return problems
    values = [v for _r, v in shares]
    if indicator.aggregation == indicators.SUM:
        total = sum(values, Decimal(0))
        if parent.comparison == Comparison.GE and total < parent.value:
            problems.append(
                _("分解合计 %(total)s 小于上级目标 %(target)s")
                % {"total": _fmt(total), "target": _fmt(parent.value)}
            )
        elif parent.comparison == Comparison.LE and total > parent.value:
            problems.append(
                _("分解合计 %(total)s 大于上级目标 %(target)s")
                % {"total": _fmt(total), "target": _fmt(parent.value)}
            )
        elif parent.comparison == Comparison.EQ and total != parent.value:
            problems.append(
                _("分解合计 %(total)s 不等于上级目标 %(target)s")
                % {"total": _fmt(total), "target": _fmt(parent.value)}
            )
    else:
        for region, value in shares:
            if parent.comparison == Comparison.GE and value < parent.value:
                problems.append(
                    _("%(name)s 的目标 %(value)s 低于上级目标 %(target)s")
                    % {"name": region.name, "value": _fmt(value), "target": _fmt(parent.value)}
                )
            elif parent.comparison == Comparison.LE and value > parent.value:
                problems.append(
                    _("%(name)s 的目标 %(value)s 高于上级目标 %(target)s")
                    % {"name": region.name, "value": _fmt(value), "target": _fmt(parent.value)}
                )
            elif parent.comparison == Comparison.EQ and value != parent.value:
                problems.append(
                    _("%(name)s 的目标 %(value)s 不等于上级目标 %(target)s")
                    % {"name": region.name, "value": _fmt(value), "target": _fmt(parent.value)}
                )
    return problems


def _fmt(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 16000, 0.5, 31."""
    return format(value.normalize(), "f")


@transaction.atomic
def allocate_target(*, user, target: Target, shares: list[tuple[Region, object]]) -> list[Target]:
    """Split a target among units below its region, replacing the previous split. Shares kept
    for the same unit are updated in place (their own splits and history stay)."""
    if not permissions.may_allocate(user, target):
        _deny(_("当前账号无权分解该目标"))
    errors: dict[str, list[str]] = {}
    parsed: list[tuple[Region, Decimal]] = []
    for region, raw in shares:
        value = to_decimal(raw, "shares", errors, label=f"{region.name}：")
        if value is not None:
            parsed.append((region, value))
    if errors:
        raise ServiceError(errors)
    problems = allocation_errors(target, parsed)
    if problems:
        raise ServiceError({"shares": problems})
    before = {c.region.code: str(c.value) for c in target.children.select_related("region")}
    existing = {c.region_id: c for c in target.children.all()}
    kept = []
    for region, value in parsed:
        child = existing.pop(region.pk, None)
        if child is None:
            child = Target(
                plan=target.plan,
                work_item=target.work_item,
                parent=target,
                code=f"{target.code}@{region.code}",
                title=target.title,
                indicator=target.indicator,
                comparison=target.comparison,
                value=value,
                unit=target.unit,
                deadline=target.deadline,
                weight=target.weight,
                region=region,
                note=_("由%(name)s分解下达") % {"name": target.region.name},
                report_frequency=target.report_frequency,
            )
            child.save()
        else:
            child.value = value
            child.save(update_fields=["value", "updated_at"])
            grandchildren = [(g.region, g.value) for g in child.children.select_related("region")]
            if grandchildren:
                nested = allocation_errors(child, grandchildren)
                if nested:
                    raise ServiceError(
                        {
                            "shares": [
                                _("%(name)s 已向下分解：") % {"name": region.name} + p
                                for p in nested
                            ]
                        }
                    )
        kept.append(child)
    for removed in existing.values():
        removed.delete()
    audit.record(
        "update",
        obj=target,
        object_repr=str(target),
        before={"shares": before},
        after={"shares": {c.region.code: str(c.value) for c in kept}},
        note=_("分解目标"),
    )
    touch_plan(target.plan_id)
    return kept


def cascade_to_children(*, user, target: Target, include_zones: bool = False) -> list[Target]:
    """Hand a rate target down unchanged to every unit directly below (the rate rule)."""
    indicator = indicators.get(target.indicator)
    if indicator.aggregation != indicators.RATE:
        raise ServiceError({"shares": [_("数量类目标需要逐个单位填写分解数，不能原样下达")]})
    children = list(
        Region.objects.filter(
            parent=target.region, kind=Region.Kind.STATUTORY, valid_to__isnull=True
        ).order_by("code")
    )
    if include_zones:
        children += list(
            Region.objects.filter(parent=target.region, kind=Region.Kind.ZONE).order_by("code")
        )
    if not children:
        raise ServiceError({"shares": [_("%(name)s 没有下级区划") % {"name": target.region.name}]})
    current = {c.region_id: c.value for c in target.children.all()}
    return allocate_target(
        user=user, target=target, shares=[(r, current.get(r.pk, target.value)) for r in children]
    )


# ------------------------------------------------------------------------------ reported values


def _evidence_rows(report: ReportedValue, files) -> list[Evidence]:
    rows = []
    for upload in files or []:
        name = getattr(upload, "name", "file")
        extension = Path(name).suffix.lower()[:10]
        if extension not in EVIDENCE_EXTENSIONS:
            raise ServiceError(
                {
                    "files": [
                        _("不支持的文件类型：%(name)s（可上传 PDF、图片、Excel、Word、OFD）")
                        % {"name": name}
                    ]
                }
            )
        content = upload.read()
        if len(content) > MAX_EVIDENCE_BYTES:
            raise ServiceError({"files": [_("文件超过20MB：%(name)s") % {"name": name}]})
        if not content:
            raise ServiceError({"files": [_("文件为空：%(name)s") % {"name": name}]})
        digest = hashlib.sha256(content).hexdigest()
        row = Evidence(
            report=report,
            original_name=Path(name).name[:200],
            extension=extension,
            size=len(content),
            sha256=digest,
        )
        row.file.save("evidence", ContentFile(content), save=False)
        row.save()
        rows.append(row)
    return rows


@transaction.atomic
def submit_report(
    *,
    user,
    indicator: str,
    region: Region,
    as_of,
    value=None,
    numerator=None,
    denominator=None,
    note: str = "",
    files=None,
) -> ReportedValue:
    """A unit reports an indicator's value as of a period end, with evidence; it counts once the
    level above approves it."""
    errors: dict[str, list[str]] = {}
    if not indicators.exists(indicator):
        raise ServiceError({"indicator": [_("指标代码不存在：%(code)s") % {"code": indicator}]})
    definition = indicators.get(indicator)
    if definition.kind != "reported":
        raise ServiceError({"indicator": [_("该指标由平台根据业务数据自动计算，无需填报")]})
    if not permissions.may_report(user, region):
        _deny(_("当前账号无权为该区域填报数据"))
    as_of = to_date(as_of, "as_of", errors)
    if as_of and as_of > timezone.localdate():
        errors.setdefault("as_of", []).append(_("数据截止日期不能晚于今天"))
    num = to_decimal(numerator, "numerator", errors) if numerator not in (None, "") else None
    den = to_decimal(denominator, "denominator", errors) if denominator not in (None, "") else None
    if (num is None) != (den is None):
        errors.setdefault("denominator", []).append(_("分子和分母应同时填写"))
    number = None
    if num is not None and den is not None:
        if den <= 0:
            errors.setdefault("denominator", []).append(_("分母应大于0"))
        elif num < 0:
            errors.setdefault("numerator", []).append(_("分子不能为负数"))
        else:
            number = num / den * definition_scale(definition)
            if value not in (None, ""):
                given = to_decimal(value, "value", errors)
                if given is not None and abs(given - number) > Decimal("0.01"):
                    errors.setdefault("value", []).append(
                        _("数值与分子÷分母不一致（应为 %(value)s）")
                        % {"value": _fmt(number.quantize(Decimal("0.01")))}
                    )
    else:
        number = to_decimal(value, "value", errors)
    if number is not None and number < 0:
        errors.setdefault("value", []).append(_("数值不能为负数"))
    if number is not None and definition.is_milestone and number not in (0, 1):
        errors.setdefault("value", []).append(_("完成类指标填 1（已完成）或 0（未完成）"))
    if errors:
        raise ServiceError(errors)
    report = ReportedValue.objects.create(
        indicator=indicator,
        region=region,
        as_of=as_of,
        value=number.quantize(Decimal("0.0001")),
        numerator=num,
        denominator=den,
        note=note.strip(),
        submitted_by=user if user.is_authenticated else None,
    )
    evidence = _evidence_rows(report, files)
    after = audit.snapshot(report)
    after["evidence"] = [e.original_name for e in evidence]
    audit.record("create", obj=report, after=after, note=_("填报指标数据"))
    return report


def definition_scale(definition: indicators.Indicator) -> Decimal:
    return Decimal(100) if str(definition.unit) == "%" else Decimal(1)


@transaction.atomic
def add_evidence(*, user, report: ReportedValue, files) -> list[Evidence]:
    if report.status != ReportedValue.Status.SUBMITTED:
        raise ServiceError({"files": [_("只能为待审核的填报补充材料")]})
    if report.submitted_by_id != user.pk and not permissions.may_report(user, report.region):
        _deny(_("当前账号无权为该填报补充材料"))
    rows = _evidence_rows(report, files)
    if not rows:
        raise ServiceError({"files": [_("请选择要上传的文件")]})
    audit.record(
        "update",
        obj=report,
        object_repr=str(report),
        before={},
        after={"evidence": [e.original_name for e in rows]},
        note=_("补充证明材料"),
    )
    return rows


@transaction.atomic
def review_report(*, user, report: ReportedValue, approve: bool, note: str = "") -> ReportedValue:
    report = ReportedValue.objects.select_for_update().select_related("region").get(pk=report.pk)
    if report.status != ReportedValue.Status.SUBMITTED:
        raise ServiceError({"status": [_("该填报已审核")]})
    if not permissions.may_review(user, report):
        if report.submitted_by_id == user.pk:
            _deny(_("不能审核本人填报的数据"))
        _deny(_("应由上一级单位审核"))
    note = note.strip()
    if not approve and not note:
        raise ServiceError({"note": [_("退回时请写明原因")]})
    if approve and not report.evidence.exists():
        raise ServiceError({"files": [_("该填报没有证明材料，不能审核通过")]})
    before = audit.snapshot(report)
    if approve:
        previous = ReportedValue.objects.filter(
            indicator=report.indicator,
            region=report.region,
            as_of=report.as_of,
            status=ReportedValue.Status.APPROVED,
        )
        previous.update(status=ReportedValue.Status.SUPERSEDED)
    report.status = ReportedValue.Status.APPROVED if approve else ReportedValue.Status.REJECTED
    report.reviewed_by = user
    report.reviewed_at = timezone.now()
    report.review_note = note[:500]
    report.save()
    audit.record(
        "transition",
        obj=report,
        before=before,
        after=audit.snapshot(report),
        note=note or _("审核通过"),
    )
    return report


# ------------------------------------------------------------------------------ supervision


def _default_title(target: Target, reason: str) -> str:
    return f"{target.region.name} · {target.code} {target.title}"[:200]


@transaction.atomic
def open_case(
    *,
    user,
    plan: Plan,
    region: Region,
    reason: str,
    target: Target | None = None,
    title: str = "",
    detail: str = "",
    deadline=None,
    owner=None,
    opened_on: dt.date | None = None,
    automatic: bool = False,
) -> SupervisionCase:
    """挂牌督办: put a unit's lagging target under supervision with a deadline and an owner."""
    if user is not None and not permissions.may_supervise(user, region, plan):
        _deny(_("应由上一级单位挂牌督办"))
    errors: dict[str, list[str]] = {}
    if reason not in SupervisionCase.Reason.values:
        errors["reason"] = [_("督办原因无效")]
    opened_on = opened_on or timezone.localdate()
    deadline = (
        to_date(deadline, "deadline", errors)
        if deadline
        else opened_on + dt.timedelta(days=plan.supervision_days)
    )
    if deadline and deadline < opened_on:
        errors.setdefault("deadline", []).append(_("整改期限不能早于挂牌日期"))
    if owner is not None and not (
        owner.region_id
        and owner.region.path.startswith(region.path)
        or owner.region_id == region.pk
    ):
        errors.setdefault("owner", []).append(_("责任人应为责任单位或其下级的工作人员"))
    title = (title or (_default_title(target, reason) if target else "")).strip()
    if not title:
        errors.setdefault("title", []).append(_("此项为必填项"))
    if target is not None and target.plan_id != plan.pk:
        errors.setdefault("target", []).append(_("目标不属于该计划"))
    if errors:
        raise ServiceError(errors)
    try:
        with transaction.atomic():
            case = SupervisionCase.objects.create(
                plan=plan,
                target=target,
                region=region,
                reason=reason,
                title=title[:200],
                detail=detail.strip(),
                opened_on=opened_on,
                deadline=deadline,
                owner=owner,
                opened_by=user if user is not None else None,
                automatic=automatic,
            )
    except IntegrityError:
        raise ServiceError({"target": [_("该目标已在督办中")]}, status=409) from None
    audit.record("create", obj=case, after=audit.snapshot(case), note=_("挂牌督办"))
    return case


@transaction.atomic
def assign_case_owner(*, user, case: SupervisionCase, owner) -> SupervisionCase:
    if not permissions.may_supervise(user, case.region, case.plan):
        _deny(_("应由上一级单位指定责任人"))
    if not (owner.region_id and owner.region.path.startswith(case.region.path)):
        raise ServiceError({"owner": [_("责任人应为责任单位或其下级的工作人员")]})
    before = audit.snapshot(case)
    case.owner = owner
    case.save(update_fields=["owner"])
    audit.record("update", obj=case, before=before, after=audit.snapshot(case))
    return case


@transaction.atomic
def add_case_note(*, user, case: SupervisionCase, text: str) -> SupervisionNote:
    if case.status != SupervisionCase.Status.OPEN:
        raise ServiceError({"text": [_("督办事项已销号")]})
    if not permissions.may_note_case(user, case):
        _deny(_("当前账号无权填写该督办事项的进展"))
    text = text.strip()
    if not text:
        raise ServiceError({"text": [_("请填写进展情况")]})
    note = SupervisionNote.objects.create(
        case=case, author=user, author_name=user.get_username(), text=text
    )
    audit.record(
        "update",
        obj=case,
        object_repr=str(case),
        before={},
        after={"note": text[:400]},
        note=_("督办进展"),
    )
    return note


@transaction.atomic
def close_case(
    *, user, case: SupervisionCase, note: str, closed_on: dt.date | None = None
) -> SupervisionCase:
    case = (
        SupervisionCase.objects.select_for_update().select_related("region", "plan").get(pk=case.pk)
    )
    if case.status != SupervisionCase.Status.OPEN:
        raise ServiceError({"note": [_("督办事项已销号")]})
    if not permissions.may_supervise(user, case.region, case.plan):
        _deny(_("应由挂牌单位销号"))
    if not note.strip():
        raise ServiceError({"note": [_("销号时请写明整改结果")]})
    before = audit.snapshot(case)
    case.status = SupervisionCase.Status.CLOSED
    case.closed_on = closed_on or timezone.localdate()
    case.closed_by = user
    case.closing_note = note.strip()
    case.save()
    audit.record(
        "transition", obj=case, before=before, after=audit.snapshot(case), note=_("督办销号")
    )
    return case


def request_refresh(*, user, on_date: dt.date | None = None):
    """Queue the snapshot job (the nightly cron runs the same job through the CLI)."""
    from minzheng.core import jobs

    if not permissions.may_refresh(user):
        _deny(_("当前账号无权刷新指标"))
    params = {"date": on_date.isoformat()} if on_date else {}
    return jobs.enqueue("targets.refresh", params=params, user=user, region=user.region)

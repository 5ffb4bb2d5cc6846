"""Plans as data: one dictionary format (the seed file's) for loading the 2016 plan, Excel
import and export and copying a plan to another year; plan edits."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.regions.models import Region
from minzheng.regions.services import resolve_code
from minzheng.units.models import Unit

from .. import indicators, permissions
from ..models import (
    Comparison,
    Plan,
    ReportFrequency,
    Section,
    Target,
    WorkItem,
)
from .common import _deny, _fmt, shift_year, to_date, to_decimal
from .targets import allocation_errors
from .units import unit_share_errors

SEED_2016 = Path(__file__).resolve().parent.parent / "seed" / "plan-2016.json"


def plan_as_data(plan: Plan) -> dict:
    sections = []
    items_by_section: dict[int, list] = {}
    targets_by_item: dict[int, list] = {}
    for target in plan.targets.select_related("region", "parent", "org_unit").order_by("id"):
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
                                **({"owner_unit": t.org_unit.code} if t.org_unit_id else {}),
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
                owner_unit = None
                if row.get("owner_unit"):
                    owner_unit = Unit.objects.filter(code=str(row["owner_unit"]).strip()).first()
                    if owner_unit is None:
                        errors.setdefault("sections", []).append(
                            where + _("单位代码不存在：%(code)s") % {"code": row["owner_unit"]}
                        )
                    elif target_region is not None and owner_unit.region_id != target_region.pk:
                        target_region = owner_unit.region
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
                        "org_unit": owner_unit,
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
            org_unit=row.get("org_unit"),
        )
    for target in targets.values():
        if target.parent_id and target.org_unit_id:
            errors = unit_share_errors(target.parent, [(target.org_unit, target.value)])
        elif target.parent_id:
            errors = allocation_errors(
                target.parent,
                [(c.region, c.value) for c in target.parent.children.filter(org_unit__isnull=True)],
            )
        else:
            errors = []
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


def _plan_summary(plan: Plan) -> dict:
    return {
        "year": plan.year,
        "title": plan.title,
        "status": plan.status,
        "sections": plan.sections.count(),
        "work_items": plan.work_items.count(),
        "targets": plan.targets.count(),
    }


# Plain atomic: load_plan_2016 calls it, from the demo set-up and the command.
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


@transaction.atomic(durable=True)
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


@transaction.atomic(durable=True)
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


@transaction.atomic(durable=True)
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
    with audit.audited(plan):
        for field, value in changes.items():
            setattr(plan, field, value)
        plan.save()
        plan.refresh_from_db()
    return plan

"""Targets: create, edit, delete, allocate a target to the units below and cascade it."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.regions.models import Region

from .. import indicators, permissions
from ..models import (
    Comparison,
    Plan,
    ReportFrequency,
    Target,
    WorkItem,
)
from .common import _deny, _fmt, laxer_share_problem, to_date, to_decimal, touch_plan
from .units import unit_share_errors


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


@transaction.atomic(durable=True)
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
    audit.record_created(target)
    touch_plan(plan.pk)
    return target


@transaction.atomic(durable=True)
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
    with audit.audited(target):
        target.title = str(changes.get("title", target.title)).strip() or target.title
        target.comparison = changes.get("comparison", target.comparison)
        target.value, target.weight, target.deadline = value, weight, deadline
        target.note = str(changes.get("note", target.note))[:500]
        target.report_frequency = changes.get("report_frequency", target.report_frequency) or ""
        target.save()
        problems = []
        if target.parent_id and target.org_unit_id:
            problems += unit_share_errors(target.parent, [(target.org_unit, target.value)])
        elif target.parent_id:
            problems += allocation_errors(
                target.parent,
                [
                    (c.region, c.value)
                    for c in target.parent.children.filter(org_unit__isnull=True).select_related(
                        "region"
                    )
                ],
            )
        children = list(target.children.filter(org_unit__isnull=True).select_related("region"))
        if children:
            problems += allocation_errors(target, [(c.region, c.value) for c in children])
        if problems:
            raise ServiceError({"value": problems})
        target.refresh_from_db()
    touch_plan(target.plan_id)
    return target


@transaction.atomic(durable=True)
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
            problem = laxer_share_problem(parent, region.name, value)
            if problem:
                problems.append(problem)
    return problems


# Plain atomic: cascade_to_children calls it inside its own transaction.
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
    # The regions' shares only: the shares held by units are assigned apart (assign_to_units).
    region_children = target.children.filter(org_unit__isnull=True)
    before = {c.region.code: str(c.value) for c in region_children.select_related("region")}
    existing = {c.region_id: c for c in region_children}
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
            grandchildren = [
                (g.region, g.value)
                for g in child.children.filter(org_unit__isnull=True).select_related("region")
            ]
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


@transaction.atomic(durable=True)
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
    current = {c.region_id: c.value for c in target.children.filter(org_unit__isnull=True)}
    return allocate_target(
        user=user, target=target, shares=[(r, current.get(r.pk, target.value)) for r in children]
    )

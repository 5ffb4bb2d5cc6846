"""Targets held by units: a city target cascaded to bureau sections, affiliated units or pilot
sites (the welfare centre's own targets as the "civil-affairs CEO" pilot, each section's
publicity quota).

The rule of a unit's share: a unit works inside its region, so its share is part of that region's
target, not a split of it. A rate or level (and a zero-tolerance count) is handed down at least as
strict as the parent's (≥: not lower; ≤: not higher; =: equal); an amount may be any part of the
parent's, never more than it and never negative. The units must be active and in the parent
target's region; a unit holds one share of a target.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.units.models import Unit

from .. import indicators, permissions
from ..models import Comparison, Target
from .common import _deny, _fmt, laxer_share_problem, to_decimal, touch_plan


def unit_share_errors(parent: Target, shares: list[tuple[Unit, Decimal]]) -> list[str]:
    problems: list[str] = []
    indicator = indicators.get(parent.indicator)
    if parent.org_unit_id:
        problems.append(_("单位承担的目标不能再分解给其他单位"))
    if not indicators.reported_inputs(parent.indicator) and not indicators.unit_compute(
        parent.indicator
    ):
        problems.append(
            _("“%(name)s”由平台按区域自动计算，单位承担的目标应选用单位填报的指标")
            % {"name": indicator.name}
        )
    codes = [u.code for u, _v in shares]
    if len(set(codes)) != len(codes):
        problems.append(_("同一单位只能分解一次"))
    for unit, value in shares:
        if unit.region_id != parent.region_id:
            problems.append(
                _("%(name)s 不属于 %(region)s") % {"name": unit.name, "region": parent.region.name}
            )
        if not unit.active:
            problems.append(_("%(name)s 已停用") % {"name": unit.name})
        if value is None or value < 0:
            problems.append(_("%(name)s 的分解值不能为负数") % {"name": unit.name})
            continue
        strict = indicator.aggregation != indicators.SUM or parent.comparison == Comparison.LE
        if indicator.aggregation == indicators.SUM and parent.comparison != Comparison.LE:
            if value > parent.value:
                problems.append(
                    _("%(name)s 的目标 %(value)s 大于上级目标 %(target)s")
                    % {"name": unit.name, "value": _fmt(value), "target": _fmt(parent.value)}
                )
        elif strict:
            problem = laxer_share_problem(parent, unit.name, value)
            if problem:
                problems.append(problem)
    return problems


@transaction.atomic
def assign_to_units(
    *, user, target: Target, shares: list[tuple[Unit, object]], replace: bool = False
) -> list[Target]:
    """Cascade a target to units: each unit gets (or keeps, updated) its own share, measured by
    the unit's own reports. With `replace`, units not listed lose their share. Audited."""
    if not permissions.may_manage_plan(user, target.plan.region) and not permissions.may_allocate(
        user, target
    ):
        _deny(_("当前账号无权分解该目标"))
    errors: dict[str, list[str]] = {}
    parsed: list[tuple[Unit, Decimal]] = []
    for unit, raw in shares:
        value = to_decimal(raw, "shares", errors, label=f"{unit.name}：")
        if value is not None:
            parsed.append((unit, value))
    if errors:
        raise ServiceError(errors)
    if not parsed and not replace:
        raise ServiceError({"shares": [_("请至少选择一个单位")]})
    problems = unit_share_errors(target, parsed)
    if problems:
        raise ServiceError({"shares": problems})
    held = target.children.filter(org_unit__isnull=False).select_related("org_unit")
    before = {c.org_unit.code: str(c.value) for c in held}
    existing = {c.org_unit_id: c for c in held}
    kept = []
    for unit, value in parsed:
        child = existing.pop(unit.pk, None)
        if child is None:
            child = Target.objects.create(
                plan=target.plan,
                work_item=target.work_item,
                parent=target,
                code=f"{target.code}#{unit.code}"[:48],
                title=target.title,
                indicator=target.indicator,
                comparison=target.comparison,
                value=value,
                unit=target.unit,
                deadline=target.deadline,
                weight=target.weight,
                region=unit.region,
                org_unit=unit,
                note=_("由%(name)s分解下达") % {"name": target.region.name},
                report_frequency=target.report_frequency,
            )
        elif child.value != value:
            child.value = value
            child.save(update_fields=["value", "updated_at"])
        kept.append(child)
    if replace:
        for removed in existing.values():
            removed.delete()
    audit.record(
        "update",
        obj=target,
        object_repr=str(target),
        before={"unit_shares": before},
        after={
            "unit_shares": {
                **({} if replace else {c.org_unit.code: str(c.value) for c in existing.values()}),
                **{c.org_unit.code: str(c.value) for c in kept},
            }
        },
        note=_("分解目标到单位"),
    )
    touch_plan(target.plan_id)
    return kept

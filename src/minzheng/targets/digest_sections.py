"""The weekly digest's built-in sections, from what the targets module keeps: targets whose status
changed in the week (between the evaluation before the week and the newest one within it), targets
flagged at the week's end, and supervision cases overdue at the week's end.

Only the plans of the week's year count (a past year's plan is history, not this week's news), and
only the targets of the account's own region and the level directly below it (the city and its
counties for a city leader, a county and its townships for a county's), so the digest stays a page.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core.scope import scope_q

from . import digest, permissions
from .digest import DigestItem
from .models import Evaluation, SupervisionCase, Target, TargetStatus

FLAGGED = (TargetStatus.BEHIND, TargetStatus.MISSED, TargetStatus.ANOMALY)
GOOD = (TargetStatus.MET, TargetStatus.ON_TRACK)


def digest_targets(user, year: int):
    if not permissions.may_view(user):
        return Target.objects.none()
    qs = Target.objects.filter(scope_q(user, "region"), plan__year=year)
    if user.region_id:
        qs = qs.filter(Q(region_id=user.region_id) | Q(region__parent_id=user.region_id))
    else:
        qs = qs.filter(region__level__in=("city", "county"))
    return qs


def _in_plan_order(targets) -> list:
    """Targets in the plan's order (0.5 before 2.5 before 11.1), then by region."""

    def key(t):
        code = t.parent.code if t.org_unit_id else t.code
        parts = code.replace("-", ".").split(".")
        return ([int(p) if p.isdigit() else 10**6 for p in parts], code, t.region.code, t.code)

    return sorted(targets, key=key)


def _label(target) -> str:
    """The plan's number and title, and who holds it: a unit's share carries its parent's number."""
    if target.org_unit_id:
        return f"{target.parent.code} {target.title}（{target.org_unit.name}）"
    return f"{target.code} {target.title}（{target.region.name}）"


def _latest(evaluations) -> dict[int, dict]:
    latest: dict[int, dict] = {}
    for row in evaluations:
        kept = latest.get(row["target_id"])
        if kept is None or row["on_date"] > kept["on_date"]:
            latest[row["target_id"]] = row
    return latest


def targets_moved(user, start: dt.date, end: dt.date) -> list[DigestItem]:
    targets = digest_targets(user, end.year)
    in_week = _latest(
        Evaluation.objects.filter(target__in=targets, on_date__gte=start, on_date__lte=end)
        .order_by()
        .values("target_id", "on_date", "status")
    )
    if not in_week:
        return []
    before_dates = (
        Evaluation.objects.filter(target_id__in=in_week, on_date__lt=start)
        .order_by()
        .values("target_id")
        .annotate(last=Max("on_date"))
    )
    wanted = {(r["target_id"], r["last"]) for r in before_dates}
    before = {
        r["target_id"]: r["status"]
        for r in Evaluation.objects.filter(
            target_id__in={t for t, _d in wanted}, on_date__in={d for _t, d in wanted}
        ).values("target_id", "on_date", "status")
        if (r["target_id"], r["on_date"]) in wanted
    }
    changed = {
        tid: (before.get(tid), row["status"])
        for tid, row in in_week.items()
        if tid in before and before[tid] != row["status"]
    }
    labels = dict(TargetStatus.choices)
    items = []
    for target in _in_plan_order(
        Target.objects.filter(pk__in=changed).select_related("region", "parent", "org_unit")
    ):
        old, new = changed[target.pk]
        items.append(
            DigestItem(
                text=_("%(target)s：%(old)s → %(new)s")
                % {
                    "target": _label(target),
                    "old": labels[old],
                    "new": labels[new],
                },
                url=reverse("targets:target_detail", args=[target.pk]),
                severity="danger" if new in FLAGGED else ("info" if new in GOOD else "warning"),
            )
        )
    return items


def red_flags(user, start: dt.date, end: dt.date) -> list[DigestItem]:
    targets = digest_targets(user, end.year)
    latest = _latest(
        Evaluation.objects.filter(target__in=targets, on_date__lte=end)
        .order_by()
        .values("target_id", "on_date", "status", "report_overdue")
    )
    flagged = {
        tid: row for tid, row in latest.items() if row["status"] in FLAGGED or row["report_overdue"]
    }
    labels = dict(TargetStatus.choices)
    items = []
    for target in _in_plan_order(
        Target.objects.filter(pk__in=flagged).select_related("region", "parent", "org_unit")
    ):
        row = flagged[target.pk]
        status = labels[row["status"]]
        if row["report_overdue"]:
            status = _("%(status)s，逾期未填报") % {"status": status}
        items.append(
            DigestItem(
                text=_("%(target)s：%(status)s（%(on)s）")
                % {"target": _label(target), "status": status, "on": row["on_date"].isoformat()},
                url=reverse("targets:target_detail", args=[target.pk]),
                severity="danger",
            )
        )
    return items


def supervision_overdue(user, start: dt.date, end: dt.date) -> list[DigestItem]:
    """Cases open at the week's end (opened by then, not closed by then) past their deadline."""
    if not permissions.may_view(user):
        return []
    cases = (
        SupervisionCase.objects.filter(
            scope_q(user, "region"), opened_on__lte=end, deadline__lt=end
        )
        .filter(Q(status=SupervisionCase.Status.OPEN) | Q(closed_on__gt=end))
        .select_related("region")
        .order_by("deadline", "id")
    )
    return [
        DigestItem(
            text=_("%(title)s（%(region)s）：整改期限 %(deadline)s，已逾期 %(days)s 天")
            % {
                "title": c.title,
                "region": c.region.name,
                "deadline": c.deadline.isoformat(),
                "days": (end - c.deadline).days,
            },
            url=reverse("targets:case_detail", args=[c.pk]),
            severity="danger",
        )
        for c in cases
    ]


def register() -> None:
    digest.register_section(
        "targets_moved", gettext_lazy("本周目标状态变化"), targets_moved, order=10
    )
    digest.register_section("red_flags", gettext_lazy("红色预警目标"), red_flags, order=20)
    digest.register_section(
        "supervision_overdue", gettext_lazy("督办事项逾期"), supervision_overdue, order=30
    )

"""The snapshot job's work: every indicator for every region on a date, then every target of the
plans in force evaluated against them, unit scores and ranks, and automatic supervision.

Set-based throughout: each computed indicator group is one or a few aggregate queries for all
regions, reported values are one query, roll-ups and ratios happen in memory over the region
paths, and the results are written in bulk in one transaction, replacing that date's snapshot
(so a refresh killed mid-way leaves the previous snapshot, and running it again is harmless).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.bulk import insert_rows
from minzheng.regions.models import Region

from . import calculations, indicators
from .indicators import Indicator
from .models import (
    Evaluation,
    IndicatorValue,
    Plan,
    ReportedValue,
    SnapshotRun,
    Source,
    SupervisionCase,
    Target,
    TargetStatus,
    UnitScore,
)

log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None] | None
BATCH = 5000
VALUE_PLACES = Decimal("0.0001")


@dataclass
class Cell:
    value: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    source: str = Source.COMPUTED
    reported_as_of: dt.date | None = None
    complete: bool = True


def snapshot_regions() -> list[Region]:
    """Every region below the province (city, counties, townships, villages, zones)."""
    return list(
        Region.objects.exclude(level=Region.Level.PROVINCE)
        .prefetch_related("members")
        .order_by("path")
    )


# ------------------------------------------------------------------------------ indicator values


def compute_values(
    regions: list[Region], on_date: dt.date, errors: list[str] | None = None
) -> dict[str, dict[str, Cell]]:
    """Every indicator's values for every region. A compute function that fails (a module whose
    tables are not migrated yet, say) is logged and listed in `errors`; its indicators have no
    values in this snapshot and the rest is built as usual."""
    values: dict[str, dict[str, Cell]] = {}
    ordered = indicators.evaluation_order()
    done_specs: set[int] = set()
    reported: list[Indicator] = []
    for indicator in ordered:
        if indicator.ratio:
            continue
        spec = indicators.compute_spec(indicator.code)
        if spec is None:
            reported.append(indicator)
            continue
        if id(spec) in done_specs:
            continue
        done_specs.add(id(spec))
        try:
            with transaction.atomic():
                result = spec.func(regions, on_date)
        except Exception as exc:
            log.exception("indicator compute function %s failed", spec.func.__qualname__)
            if errors is not None:
                errors.append(f"{', '.join(spec.codes)}: {exc}"[:500])
            continue
        if len(spec.codes) == 1:
            result = {spec.codes[0]: result}
        for code, by_region in result.items():
            values[code] = {rc: Cell(Decimal(v)) for rc, v in by_region.items() if v is not None}
    values.update(reported_values(reported, regions, on_date))
    for indicator in ordered:
        by_unit = indicators.unit_compute(indicator.code)
        if by_unit is None:
            continue
        try:
            with transaction.atomic():
                result = by_unit(on_date)
        except Exception as exc:
            log.exception("unit compute function %s failed", by_unit.__qualname__)
            if errors is not None:
                errors.append(f"{indicator.code} (units): {exc}"[:500])
            continue
        cells = values.setdefault(indicator.code, {})
        cells.update(
            {unit_key(uid): Cell(Decimal(v)) for uid, v in result.items() if v is not None}
        )
    for indicator in ordered:
        if indicator.ratio:
            values[indicator.code] = derive(indicator, values)
    return values


def reported_values(
    reported: list[Indicator], regions: list[Region], on_date: dt.date
) -> dict[str, dict[str, Cell]]:
    """The latest approved report on or before the date for each indicator and region (this
    year's only, for flows counted from 1 January), rolled up where a unit has no own report."""
    if not reported:
        return {}
    year_start = dt.date(on_date.year, 1, 1)
    stock = [i.code for i in reported if i.period == indicators.STOCK]
    flows = [i.code for i in reported if i.period == indicators.YEAR]
    rows = (
        ReportedValue.objects.filter(status=ReportedValue.Status.APPROVED, as_of__lte=on_date)
        .filter(Q(indicator__in=stock) | Q(indicator__in=flows, as_of__gte=year_start))
        .order_by("indicator", "region_id", "org_unit_id", "-as_of", "-id")
        .values_list(
            "indicator", "region_id", "org_unit_id", "as_of", "value", "numerator", "denominator"
        )
    )
    code_by_id = {r.pk: r.code for r in regions}
    own: dict[str, dict[str, Cell]] = defaultdict(dict)
    held: dict[str, dict[str, Cell]] = defaultdict(dict)
    for code, region_id, unit_id, as_of, value, numerator, denominator in rows:
        if unit_id is not None:
            # A unit's own figure: kept under the unit's key, never rolled into its region's.
            key = unit_key(unit_id)
            if key not in held[code]:
                held[code][key] = Cell(value, numerator, denominator, Source.REPORTED, as_of, True)
            continue
        region_code = code_by_id.get(region_id)
        if region_code is None or region_code in own[code]:
            continue
        own[code][region_code] = Cell(value, numerator, denominator, Source.REPORTED, as_of, True)
    tree = _Tree(regions)
    result = {code: tree.roll_up(indicators.get(code), cells) for code, cells in own.items()}
    for code, cells in held.items():
        result.setdefault(code, {}).update(cells)
    return result


def unit_key(unit_id: int) -> str:
    """Where a unit's own values sit beside the regions' (keyed by region code) in a snapshot's
    values; no region code has this form, so they are never written as a region's value."""
    return f"unit:{unit_id}"


def holder_key(target: Target) -> str:
    """The key of the values that measure a target: its unit's, else its region's."""
    return unit_key(target.org_unit_id) if target.org_unit_id else target.region.code


class _Tree:
    def __init__(self, regions: list[Region]):
        by_id = {r.pk: r for r in regions}
        self.children: dict[str, list[str]] = defaultdict(list)
        for r in regions:
            if r.kind == Region.Kind.STATUTORY and r.parent_id in by_id:
                self.children[by_id[r.parent_id].code].append(r.code)
        statutory = [r for r in regions if r.kind == Region.Kind.STATUTORY]
        self.bottom_up = [
            r.code for r in sorted(statutory, key=lambda r: r.path.count("/"), reverse=True)
        ]
        self.zones = [(r.code, [m.code for m in r.members.all()]) for r in regions if r.is_zone]

    def roll_up(self, indicator: Indicator, own: dict[str, Cell]) -> dict[str, Cell]:
        """A unit without its own report gets the sum of its children's values (amounts), or
        Σ numerators ÷ Σ denominators when every child reported both (rates); a functional zone
        the same over its member units."""
        result = dict(own)
        scale = Decimal(100) if str(indicator.unit) == "%" else Decimal(1)

        def combine(kids: list[str]) -> Cell | None:
            present = [result[k] for k in kids if k in result]
            if not present:
                return None
            complete = len(present) == len(kids) and all(c.complete for c in present)
            as_of = min((c.reported_as_of for c in present if c.reported_as_of), default=None)
            if indicator.aggregation == indicators.SUM:
                return Cell(
                    sum((c.value for c in present), Decimal(0)),
                    None,
                    None,
                    Source.ROLLED_UP,
                    as_of,
                    complete,
                )
            if all(c.numerator is not None and c.denominator is not None for c in present):
                numerator = sum((c.numerator for c in present), Decimal(0))
                denominator = sum((c.denominator for c in present), Decimal(0))
                if denominator > 0:
                    return Cell(
                        numerator / denominator * scale,
                        numerator,
                        denominator,
                        Source.ROLLED_UP,
                        as_of,
                        complete,
                    )
            return None

        for code in self.bottom_up:
            if code in own or code not in self.children:
                continue
            cell = combine(self.children[code])
            if cell is not None:
                result[code] = cell
        for code, members in self.zones:
            if code not in own and members:
                cell = combine(members)
                if cell is not None:
                    result[code] = cell
        return result


def derive(indicator: Indicator, values: dict[str, dict[str, Cell]]) -> dict[str, Cell]:
    numerator_code, denominator_code, scale = indicator.ratio
    numerators = values.get(numerator_code, {})
    denominators = values.get(denominator_code, {})
    result = {}
    for region_code, top in numerators.items():
        bottom = denominators.get(region_code)
        if bottom is None or bottom.value <= 0:
            continue
        dates = [d for d in (top.reported_as_of, bottom.reported_as_of) if d]
        result[region_code] = Cell(
            top.value / bottom.value * scale,
            top.value,
            bottom.value,
            Source.DERIVED,
            min(dates) if dates else None,
            top.complete and bottom.complete,
        )
    return result


# ------------------------------------------------------------------------------ evaluation


@dataclass
class EvaluationRow:
    target: Target
    value: Decimal | None
    attainment: Decimal | None
    expected: Decimal
    status: str
    report_overdue: bool


def evaluate_plan(
    plan: Plan, values: dict[str, dict[str, Cell]], on_date: dt.date
) -> list[EvaluationRow]:
    rows = []
    for target in plan.targets.select_related("region", "org_unit").order_by("id"):
        indicator = (
            indicators.get(target.indicator) if indicators.exists(target.indicator) else None
        )
        if indicator is None:
            continue
        cell = values.get(target.indicator, {}).get(holder_key(target))
        value = _q(cell.value) if cell else None
        expected = calculations.expected_attainment(
            period_start=plan.period_start,
            deadline=target.deadline,
            on_date=on_date,
            pace=indicator.pace,
        )
        plausible = value is None or indicator.is_plausible(value)
        achieved = (
            calculations.attainment(comparison=target.comparison, target=target.value, value=value)
            if plausible
            else None
        )
        status = calculations.plausible_status(
            calculations.status(
                attainment_value=achieved,
                expected=expected,
                on_date=on_date,
                deadline=target.deadline,
                tolerance=plan.pace_tolerance,
            ),
            value=value,
            plausible=plausible,
        )
        overdue = False
        if status not in (TargetStatus.MET, TargetStatus.ANOMALY):
            # only reported inputs can be overdue: a computed indicator is never 逾期未报
            overdue = report_overdue(target, plan, values, on_date)
        rows.append(EvaluationRow(target, value, achieved, expected, status, overdue))
    return rows


def report_overdue(
    target: Target, plan: Plan, values: dict[str, dict[str, Cell]], on_date: dt.date
) -> bool:
    """A report is overdue when a reporting period has ended (plus the grace days) and the value
    for the target's unit does not yet include that period, for any reported input."""
    inputs = indicators.reported_inputs(target.indicator)
    if not inputs:
        return False
    due = calculations.last_due_period_end(
        frequency=target.frequency,
        period_start=plan.period_start,
        deadline=target.deadline,
        on_date=on_date,
        grace_days=plan.report_grace_days,
    )
    if due is None:
        return False
    for code in inputs:
        cell = values.get(code, {}).get(holder_key(target))
        if (
            cell is None
            or cell.reported_as_of is None
            or cell.reported_as_of < due
            or not cell.complete
        ):
            return True
    return False


def _q(value: Decimal) -> Decimal:
    return value.quantize(VALUE_PLACES)


def _insert_values(
    values: dict[str, dict[str, Cell]], region_ids: dict[str, int], on_date: dt.date
) -> int:
    """Write the date's values in one bulk insert (COPY on PostgreSQL): tens of thousands of small
    rows, where the ORM's per-object overhead, or even one statement per row, would dominate the
    whole refresh."""
    ops = connection.ops
    day = ops.adapt_datefield_value(on_date)

    def dec(value):
        return ops.adapt_decimalfield_value(_q(value), 20, 4) if value is not None else None

    rows = [
        (
            code,
            region_ids[region_code],
            day,
            dec(cell.value),
            dec(cell.numerator),
            dec(cell.denominator),
            cell.source,
            ops.adapt_datefield_value(cell.reported_as_of),
            cell.complete,
        )
        for code, cells in values.items()
        for region_code, cell in cells.items()
        if region_code in region_ids
    ]
    columns = (
        "indicator",
        "region_id",
        "on_date",
        "value",
        "numerator",
        "denominator",
        "source",
        "reported_as_of",
        "complete",
    )
    with connection.cursor() as cursor:
        insert_rows(cursor, IndicatorValue._meta.db_table, columns, rows)
    return len(rows)


def score_units(plan: Plan, rows: list[EvaluationRow], on_date: dt.date) -> list[UnitScore]:
    """A score per region (its own targets) and per unit holding targets (level "unit", ranked
    among the plan's units), by the same rule."""
    by_holder: dict[tuple[int, int | None], list[EvaluationRow]] = defaultdict(list)
    regions = {}
    for row in rows:
        by_holder[(row.target.region_id, row.target.org_unit_id)].append(row)
        regions[row.target.region_id] = row.target.region
    scores = []
    for (region_id, unit_id), items in by_holder.items():
        counts = defaultdict(int)
        for item in items:
            counts[item.status] += 1
        scored = [calculations.Scored(i.target.weight, i.attainment) for i in items]
        scores.append(
            UnitScore(
                plan=plan,
                region=regions[region_id],
                org_unit_id=unit_id,
                on_date=on_date,
                level=UnitScore.UNIT_LEVEL if unit_id else regions[region_id].level,
                score=calculations.unit_score(scored),
                scored=calculations.scored_count(scored),
                targets=len(items),
                met=counts["met"],
                on_track=counts["on_track"],
                behind=counts["behind"],
                missed=counts["missed"],
                no_data=counts["no_data"],
                anomalies=counts["anomaly"],
                overdue_reports=sum(1 for i in items if i.report_overdue),
            )
        )
    by_level: dict[str, list[UnitScore]] = defaultdict(list)
    for score in scores:
        by_level[score.level].append(score)
    for level_scores in by_level.values():
        # Units are ranked on what is known; a unit without any data has no rank (0).
        ranked = [s for s in level_scores if s.scored]
        ranks = calculations.competition_ranks({id(s): s.score for s in ranked})
        for score in level_scores:
            score.rank = ranks.get(id(score), 0)
            score.rank_of = len(ranked)
    return scores


def plans_in_force(on_date: dt.date) -> list[Plan]:
    return list(
        Plan.objects.filter(
            status=Plan.Status.ACTIVE, period_start__lte=on_date, period_end__gte=on_date
        )
    )


def _auto_supervise(plan: Plan, rows: list[EvaluationRow], on_date: dt.date) -> int:
    from .services import open_case

    flagged = [
        r
        for r in rows
        if r.status in (TargetStatus.BEHIND, TargetStatus.MISSED) or r.report_overdue
    ]
    if not flagged:
        return 0
    already = set(
        SupervisionCase.objects.filter(
            plan=plan, status=SupervisionCase.Status.OPEN, target__in=[r.target for r in flagged]
        ).values_list("target_id", flat=True)
    )
    opened = 0
    for row in flagged:
        if row.target.pk in already:
            continue
        reason = {TargetStatus.BEHIND: "behind", TargetStatus.MISSED: "missed"}.get(
            row.status, "report_overdue"
        )
        detail = _("%(date)s 快照：完成度 %(attained)s，时间进度 %(expected)s%(overdue)s") % {
            "date": on_date.isoformat(),
            "attained": f"{row.attainment * 100:.1f}%"
            if row.attainment is not None
            else _("无数据"),
            "expected": f"{row.expected * 100:.1f}%",
            "overdue": _("，数据逾期未报") if row.report_overdue else "",
        }
        open_case(
            user=None,
            plan=plan,
            region=row.target.region,
            reason=reason,
            target=row.target,
            detail=detail,
            opened_on=on_date,
            automatic=True,
        )
        opened += 1
    return opened


# ------------------------------------------------------------------------------ the whole run


def refresh(
    *, on_date: dt.date, plans: list[Plan] | None = None, progress: Progress = None
) -> dict:
    """Build the snapshot of `on_date`. `plans` defaults to the active plans whose period
    contains the date; pass plans explicitly to (re)build the history of any plan."""
    report = progress or (lambda done, total, message: None)
    started = time.monotonic()
    report(0, 4, _("读取区划"))
    regions = snapshot_regions()
    report(1, 4, _("计算指标"))
    errors: list[str] = []
    values = compute_values(regions, on_date, errors)
    plans = plans_in_force(on_date) if plans is None else plans
    report(2, 4, _("考核目标"))
    evaluated = {plan.pk: evaluate_plan(plan, values, on_date) for plan in plans}
    region_ids = {r.code: r.pk for r in regions}
    report(3, 4, _("写入快照"))
    opened = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two refreshes of one date (the nightly run and a button) take turns; SQLite's
            # IMMEDIATE transactions already do.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(724215002)")
        IndicatorValue.objects.filter(on_date=on_date).delete()
        written = _insert_values(values, region_ids, on_date)
        evaluations = 0
        for plan in plans:
            rows = evaluated[plan.pk]
            Evaluation.objects.filter(target__plan=plan, on_date=on_date).delete()
            UnitScore.objects.filter(plan=plan, on_date=on_date).delete()
            Evaluation.objects.bulk_create(
                [
                    Evaluation(
                        target=r.target,
                        on_date=on_date,
                        value=r.value,
                        attainment=r.attainment,
                        expected=r.expected,
                        status=r.status,
                        report_overdue=r.report_overdue,
                    )
                    for r in rows
                ],
                batch_size=BATCH,
            )
            UnitScore.objects.bulk_create(score_units(plan, rows, on_date), batch_size=BATCH)
            evaluations += len(rows)
            if plan.auto_supervise:
                opened += _auto_supervise(plan, rows, on_date)
        duration_ms = int((time.monotonic() - started) * 1000)
        SnapshotRun.objects.update_or_create(
            on_date=on_date,
            defaults={
                "computed_at": timezone.now(),
                "duration_ms": duration_ms,
                "regions": len(regions),
                "values": written,
                "evaluations": evaluations,
            },
        )
        result = {
            "date": on_date.isoformat(),
            "regions": len(regions),
            "values": written,
            "plans": [p.pk for p in plans],
            "evaluations": evaluations,
            "cases_opened": opened,
            "seconds": round(duration_ms / 1000, 2),
            "errors": errors,
        }
        audit.record(
            "job",
            object_type="targets.snapshot",
            object_id=on_date.isoformat(),
            object_repr=_("指标快照 %(date)s") % {"date": on_date.isoformat()},
            after=result,
            note=_("刷新目标指标快照")
            + (_("（%(n)s 组指标计算失败）") % {"n": len(errors)} if errors else ""),
        )
    report(4, 4, _("完成"))
    return result


def default_date(plan: Plan | None = None, today: dt.date | None = None) -> dt.date:
    """Today, or the last day of the plan's period once it is over (its final assessment)."""
    today = today or timezone.localdate()
    if plan is not None:
        return min(max(today, plan.period_start), plan.period_end)
    return today


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    return calculations.period_ends(frequency="monthly", start=start, end=end)

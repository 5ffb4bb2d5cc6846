"""Demo set-up of target management: the 2016 plan and the snapshots of its months, so a new
install shows how far the (synthetic) city stood from the plan's targets; and a current-year
plan (the 2016 targets rolled forward) with this year's snapshots, so a leader sees live figures
for now.

The synthetic city is much smaller than Jingmen (20,000 people by default against about 2.9
million, docs/DOMAIN.md §1.5): in the current-year plan, an absolute count the platform computes
(beds, new centres) is scaled to the city's size, or no unit could ever reach it; rates and ratios
stay as the plan set them, and so do counts of regions of the full region tree (communities,
villages) and of registers the demo builds at the city's scale (social organisations)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from minzheng.core.context import Actor, acting_as

from . import calculations, indicators, refresh, services
from .models import Evaluation, Plan

JINGMEN_POPULATION = 2_900_000


def setup_demo(
    *, log: Callable[[str], None] = print, today: dt.date | None = None, rebuild: bool = True
) -> Plan:
    """Idempotent: loads the plan once; builds the monthly snapshots up to the plan's assessment
    date (today, or the plan's last day once the year is over) — all of them again with
    `rebuild` (the data they read changed), else only those missing; then the current year's
    plan, whose snapshots are only built when missing."""
    today = today or timezone.localdate()
    with acting_as(Actor(username="demo", channel="cli")):
        plan = services.load_plan_2016()
        last = refresh.default_date(plan, today)
        dates = refresh.month_ends(plan.period_start, last)
        if not dates or dates[-1] != last:
            dates.append(last)
        if not rebuild:
            dates = [d for d in dates if d not in _snapshot_dates(plan)]
        for on_date in dates:
            result = refresh.refresh(on_date=on_date, plans=[plan])
            log(
                f"targets snapshot {on_date}: {result['values']} values, {result['evaluations']} evaluations, {result['seconds']} s"
            )
        current = current_year_plan(plan, today=today)
        if current is not None:
            snapshot_missing(current, today=today, log=log)
    return plan


def _admin():
    from minzheng.accounts.models import User

    return User.objects.filter(is_superuser=True).order_by("id").first()


def scale_factor() -> Decimal:
    """The synthetic city's living population against Jingmen's (≤ 1)."""
    from minzheng.people.models import Person

    people = Person.objects.filter(death_date__isnull=True).count()
    return min(Decimal(1), Decimal(people) / Decimal(JINGMEN_POPULATION)) if people else Decimal(1)


def scaled(value: Decimal, factor: Decimal) -> Decimal:
    """A count target for a city `factor` times Jingmen's size: whole units, at least 1."""
    return max(Decimal(1), (value * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def current_year_plan(plan: Plan, *, today: dt.date) -> Plan | None:
    """This year's plan copied from 2016 (once), its computed counts scaled to the demo city, in
    force. None when today is in 2016 itself or no administrator exists."""
    if today.year <= plan.year:
        return None
    existing = Plan.objects.filter(region=plan.region, year=today.year).first()
    if existing is not None:
        return existing
    admin = _admin()
    if admin is None:
        return None
    title = f"{plan.title.replace(str(plan.year), str(today.year))}（演示：沿用{plan.year}年目标）"
    current = services.copy_plan(user=admin, plan=plan, year=today.year, title=title[:200])
    factor = scale_factor()
    for target in current.targets.filter(parent__isnull=True, children__isnull=True).order_by("id"):
        indicator = (
            indicators.get(target.indicator) if indicators.exists(target.indicator) else None
        )
        if (
            indicator is None
            or indicator.aggregation != indicators.SUM
            or indicator.kind != "computed"
            or not indicator.per_population
            or target.value <= 1
        ):
            continue
        value = scaled(target.value, factor)
        services.update_target(
            user=admin,
            target=target,
            value=value,
            note=(f"演示城市按人口比例折算（原目标 {target.value.normalize():f}）；{target.note}")[
                :500
            ],
        )
    return services.update_plan(user=admin, plan=current, status=Plan.Status.ACTIVE)


def _snapshot_dates(plan: Plan) -> set[dt.date]:
    return set(
        Evaluation.objects.filter(target__plan=plan).values_list("on_date", flat=True).distinct()
    )


def snapshot_missing(plan: Plan, *, today: dt.date, log: Callable[[str], None] = print) -> int:
    """This year's quarter-end snapshots and today's, for the dates the plan has none of yet
    (the nightly job adds the days after)."""
    last = refresh.default_date(plan, today)
    dates = calculations.period_ends(frequency="quarterly", start=plan.period_start, end=last)
    if not dates or dates[-1] != last:
        dates.append(last)
    done = _snapshot_dates(plan)
    built = 0
    for on_date in dates:
        if on_date in done:
            continue
        result = refresh.refresh(on_date=on_date, plans=[plan])
        built += 1
        log(
            f"targets snapshot {on_date}: {result['values']} values, {result['evaluations']} evaluations, {result['seconds']} s"
        )
    return built

"""Demo set-up of target management: the 2016 plan and the snapshots of its months, so a new
install shows how far the (synthetic) city stands from the plan's targets."""

from __future__ import annotations

from typing import Callable

from minzheng.core.context import Actor, acting_as

from . import refresh, services
from .models import Plan


def setup_demo(*, log: Callable[[str], None] = print) -> Plan:
    """Idempotent: loads the plan once; rebuilds the monthly snapshots up to the plan's
    assessment date (today, or the plan's last day once the year is over)."""
    with acting_as(Actor(username="demo", channel="cli")):
        plan = services.load_plan_2016()
        last = refresh.default_date(plan)
        dates = refresh.month_ends(plan.period_start, last)
        if not dates or dates[-1] != last:
            dates.append(last)
        for on_date in dates:
            result = refresh.refresh(on_date=on_date, plans=[plan])
            log(f"targets snapshot {on_date}: {result['values']} values, {result['evaluations']} evaluations, {result['seconds']} s")
    return plan

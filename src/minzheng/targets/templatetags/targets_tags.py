"""Formatting for target pages, and the card a unit's workbench shows."""

from decimal import Decimal

from django import template

register = template.Library()

SIGNS = {"ge": "≥", "le": "≤", "eq": "="}


@register.filter
def indicator_name(code: str) -> str:
    """An indicator's name for a code stored on a target; codes are never shown to people."""
    from minzheng.targets import indicators

    return str(indicators.get(code).name) if code and indicators.exists(code) else ""


@register.filter
def num(value, places=2):
    """A number without trailing zeros and with thousands separators: 16,000 · 31.5 · 0.25."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    text = f"{value:,.{int(places)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@register.filter
def pct(value, places=1):
    """A fraction (0.873) as a percentage (87.3%)."""
    if value is None:
        return "—"
    return f"{num(Decimal(value) * 100, places)}%"


@register.filter
def bar_width(value):
    """A fraction as a CSS width, clipped to 0–100 %."""
    if value is None:
        return "0%"
    return f"{max(0, min(100, float(value) * 100)):.1f}%"


@register.filter
def sign(comparison):
    return SIGNS.get(comparison, comparison)


def workbench_card_context(user) -> dict | None:
    """The unit's score, flags, reports to make and approve, and open supervision cases; None
    when the user has no targets page."""
    from .. import permissions, selectors

    if user is None or not permissions.may_view(user):
        return None
    plan = selectors.default_plan(user)
    if plan is None:
        return None
    region = selectors.home_region(user, plan)
    date = selectors.latest_date(plan)
    score = (
        selectors.scores_for(user)
        .filter(plan=plan, region=region, org_unit__isnull=True, on_date=date)
        .first()
        if date
        else None
    )
    tasks = selectors.unit_tasks(user, plan, region)
    return {
        "show": True,
        "plan": plan,
        "region": region,
        "score": score,
        "on_date": date,
        "overdue_tasks": [t for t in tasks if t.overdue and not t.pending],
        "reviews": len(selectors.pending_reviews(user)),
        "open_cases": selectors.cases_for(user).filter(plan=plan, status="open").count(),
    }


@register.inclusion_tag("targets/partials/workbench_card.html", takes_context=True)
def targets_workbench_card(context):
    request = context.get("request")
    return workbench_card_context(getattr(request, "user", None)) or {"show": False}

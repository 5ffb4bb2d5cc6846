"""Background jobs of target management."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from minzheng.core.jobs import job

from . import refresh
from .models import Plan

REFRESH_KIND = "targets.refresh"


@job(REFRESH_KIND, _("刷新目标指标快照"))
def refresh_snapshot(ctx, *, date: str = "", plan: int | None = None) -> dict:
    """Rebuild one date's snapshot (default today). Idempotent: the date's rows are replaced."""
    on_date = dt.date.fromisoformat(date) if date else refresh.default_date()
    plans = [Plan.objects.get(pk=plan)] if plan else None

    def progress(done, total, message):
        ctx.progress(done, total, message)

    return refresh.refresh(on_date=on_date, plans=plans, progress=progress)

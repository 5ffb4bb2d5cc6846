"""Jobs of the relief-supply depots."""

from __future__ import annotations

from minzheng.core.jobs import job

from . import snapshots

SNAPSHOT_JOB = "depots.snapshots"


@job(SNAPSHOT_JOB, "救灾物资库存月度快照")
def refresh_snapshots(ctx) -> dict:
    """Rebuild the monthly stock snapshots through last month (idempotent). The stock position
    is right without it; it keeps the position fast as months pass (docs/BENCHMARKS.md)."""
    ctx.progress(0, 1, "")
    rows = snapshots.refresh()
    ctx.progress(1, 1, "")
    return {"snapshots": rows}

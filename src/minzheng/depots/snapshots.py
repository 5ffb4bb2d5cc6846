"""Monthly balance snapshots behind the stock position on any date (selectors.position_as_of).

`refresh` rebuilds them through the last complete month: one grouped query of the confirmed
movements by depot, item and month, running totals per pair carried through every month to the
horizon, written in bulk — no pass over single movements. `apply_confirmed` keeps them right
when a confirmation lands in a month already snapshotted (a back-dated record), inside the
confirmation's transaction: every snapshot from that month on moves by the quantity."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import Movement, MovementStatus, SnapshotHorizon, StockSnapshot
from .selectors import month_start, next_month, previous_month


def _months(first: dt.date, last: dt.date):
    month = first
    while month <= last:
        yield month
        month = next_month(month)


@transaction.atomic
def refresh(*, through: dt.date | None = None) -> int:
    """Rebuild every snapshot through `through`'s month (default: last month); returns rows."""
    last = month_start(through) if through else previous_month(month_start(timezone.localdate()))
    SnapshotHorizon.objects.select_for_update().first()
    monthly = (
        Movement.objects.filter(status=MovementStatus.CONFIRMED, occurred_on__lt=next_month(last))
        .annotate(month=TruncMonth("occurred_on"))
        .values_list("depot_id", "item_id", "month")
        .annotate(total=Sum("quantity"))
    )
    by_pair: dict[tuple[int, int], dict[dt.date, int]] = defaultdict(dict)
    for depot_id, item_id, month, total in monthly:
        month = month.date() if isinstance(month, dt.datetime) else month
        by_pair[(depot_id, item_id)][month] = total
    rows = []
    for (depot_id, item_id), totals in by_pair.items():
        running = 0
        for month in _months(min(totals), last):
            running += totals.get(month, 0)
            rows.append(
                StockSnapshot(depot_id=depot_id, item_id=item_id, month=month, quantity=running)
            )
    StockSnapshot.objects.all().delete()
    StockSnapshot.objects.bulk_create(rows, batch_size=5000)
    SnapshotHorizon.objects.all().delete()
    SnapshotHorizon.objects.create(through_month=last)
    return len(rows)


def apply_confirmed(movement: Movement) -> None:
    """Carry a just-confirmed movement into the snapshots of its month and every later one."""
    horizon = SnapshotHorizon.objects.values_list("through_month", flat=True).first()
    month = month_start(movement.occurred_on)
    if horizon is None or month > horizon:
        return
    pair = StockSnapshot.objects.filter(depot_id=movement.depot_id, item_id=movement.item_id)
    pair.filter(month__gte=month).update(quantity=F("quantity") + movement.quantity)
    held = set(pair.filter(month__gte=month).values_list("month", flat=True))
    before = pair.filter(month__lt=month).order_by("-month").values_list("quantity", flat=True)
    carried = before.first() or 0
    # Months from this one on that had no row yet (the pair's first movement is this one, or an
    # earlier month than its first row) start from the balance before plus this movement.
    StockSnapshot.objects.bulk_create(
        [
            StockSnapshot(
                depot_id=movement.depot_id,
                item_id=movement.item_id,
                month=m,
                quantity=carried + movement.quantity,
            )
            for m in _months(month, horizon)
            if m not in held
        ]
    )

"""Scoped reads of the depots' ledger, and the stock position on any date.

`position_as_of(date)` answers "how much of every item is in every depot on date d" from the
monthly snapshots (the confirmed balance at the end of each month with movements) and the
movements of at most the last month, in two grouped queries — not by adding up the whole ledger.
`ledger_position_as_of` is the same answer from the ledger alone (one GROUP BY over every
movement up to d); the tests hold the two equal, the benchmark compares them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.roles import Role
from minzheng.core.scope import scope_q

from .models import (
    Batch,
    Depot,
    Finding,
    FindingStatus,
    Movement,
    MovementStatus,
    SnapshotHorizon,
    StockCount,
    StockSnapshot,
)
from .permissions import may_see

CONFIRMED = Q(status=MovementStatus.CONFIRMED)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


# ----------------------------------------------------------------------------------- scoped reads


def depots_for(user) -> QuerySet[Depot]:
    if not may_see(user):
        return Depot.objects.none()
    return Depot.objects.filter(scope_q(user, "region")).select_related("region")


def get_depot(user, pk: int) -> Depot:
    depot = depots_for(user).filter(pk=pk).first()
    if depot is None:
        raise NotFoundOrOutOfScope()
    return depot


def movements_for(user) -> QuerySet[Movement]:
    return Movement.objects.filter(depot__in=depots_for(user)).select_related(
        "depot", "batch", "item", "recorded_by", "confirmed_by"
    )


def get_movement(user, pk: int) -> Movement:
    movement = movements_for(user).filter(pk=pk).first()
    if movement is None:
        raise NotFoundOrOutOfScope()
    return movement


def counts_for(user) -> QuerySet[StockCount]:
    return StockCount.objects.filter(depot__in=depots_for(user)).select_related(
        "depot", "recorded_by", "confirmed_by"
    )


def get_count(user, pk: int) -> StockCount:
    count = counts_for(user).filter(pk=pk).first()
    if count is None:
        raise NotFoundOrOutOfScope()
    return count


def findings_for(user, *, status: str = "") -> QuerySet[Finding]:
    qs = Finding.objects.filter(depot__in=depots_for(user)).select_related(
        "depot", "line__batch", "line__item", "line__count", "resolved_by"
    )
    return qs.filter(status=status) if status else qs


def get_finding(user, pk: int) -> Finding:
    finding = findings_for(user).filter(pk=pk).first()
    if finding is None:
        raise NotFoundOrOutOfScope()
    return finding


def pending_for_keeper(user) -> tuple[QuerySet[Movement], QuerySet[StockCount]]:
    """What this keeper may confirm: pending records of the depots they keep, by someone else."""
    movements = (
        movements_for(user)
        .filter(status=MovementStatus.PENDING, depot__keepers=user)
        .exclude(recorded_by=user)
        .order_by("recorded_at")
    )
    counts = (
        counts_for(user)
        .filter(status=MovementStatus.PENDING, depot__keepers=user)
        .exclude(recorded_by=user)
        .order_by("recorded_at")
    )
    return movements, counts


def pending_widget_context(user) -> dict | None:
    """The keeper's workbench card: records waiting for their confirmation."""
    if not user.is_authenticated or user.role != Role.DEPOT_KEEPER:
        return None
    movements, counts = pending_for_keeper(user)
    return {
        "movements": list(movements[:10]),
        "counts": list(counts[:5]),
        "total": movements.count() + counts.count(),
    }


# ---------------------------------------------------------------------------- balances of batches


def batch_balances(depot: Depot, *, on: dt.date | None = None) -> dict[int, dict[str, int]]:
    """batch id -> {"ledger": confirmed balance (on `on` if given), "available": what may still
    go out: confirmed balance less the pending outs}. One grouped query."""
    qs = Movement.objects.filter(depot=depot)
    if on is not None:
        qs = qs.filter(occurred_on__lte=on)
    rows = qs.values("batch_id").annotate(
        ledger=Coalesce(Sum("quantity", filter=CONFIRMED), 0),
        available=Coalesce(Sum("quantity", filter=CONFIRMED | Q(quantity__lt=0)), 0),
    )
    return {r["batch_id"]: {"ledger": r["ledger"], "available": r["available"]} for r in rows}


def stock_batches(depot: Depot, *, on: dt.date | None = None) -> list[dict]:
    """The batches held in the depot (ledger or pending not zero), with item and expiry."""
    balances = batch_balances(depot, on=on)
    batches = Batch.objects.filter(pk__in=list(balances)).select_related("item")
    rows = []
    for batch in batches:
        b = balances[batch.pk]
        if b["ledger"] or b["available"]:
            rows.append({"batch": batch, **b})
    rows.sort(key=lambda r: (r["batch"].item.code, r["batch"].received_on, r["batch"].pk))
    return rows


# ------------------------------------------------------------------------------- stock position


def horizon() -> dt.date | None:
    row = SnapshotHorizon.objects.first()
    return row.through_month if row else None


def ledger_position_as_of(on: dt.date, *, depots=None) -> dict[tuple[int, int], int]:
    """(depot id, item id) -> confirmed balance on `on`, summed over the whole ledger."""
    qs = Movement.objects.filter(CONFIRMED, occurred_on__lte=on)
    if depots is not None:
        qs = qs.filter(depot__in=depots)
    rows = qs.values_list("depot_id", "item_id").annotate(total=Sum("quantity"))
    return {(d, i): total for d, i, total in rows}


def position_as_of(on: dt.date, *, depots=None) -> dict[tuple[int, int], int]:
    """(depot id, item id) -> confirmed balance on `on`: the snapshot at the end of the month
    before `on`'s (or of the horizon, if earlier), plus the movements after it up to `on`."""
    through = horizon()
    if through is None:
        return ledger_position_as_of(on, depots=depots)
    upto = min(previous_month(month_start(on)), through)
    snaps = StockSnapshot.objects.filter(month=upto)
    moves = Movement.objects.filter(
        CONFIRMED, occurred_on__gte=next_month(upto), occurred_on__lte=on
    )
    if depots is not None:
        snaps = snaps.filter(depot__in=depots)
        moves = moves.filter(depot__in=depots)
    result = {(d, i): q for d, i, q in snaps.values_list("depot_id", "item_id", "quantity")}
    for depot_id, item_id, total in moves.values_list("depot_id", "item_id").annotate(
        total=Sum("quantity")
    ):
        result[(depot_id, item_id)] = result.get((depot_id, item_id), 0) + total
    return result


def position_table(user, on: dt.date, *, depot: Depot | None = None) -> list[dict]:
    """Rows for the page and the export: depot, item, quantity on `on` (non-zero only)."""
    from .models import Item

    depots = [depot] if depot is not None else list(depots_for(user))
    position = position_as_of(on, depots=[d.pk for d in depots])
    items = {i.pk: i for i in Item.objects.all()}
    by_id = {d.pk: d for d in depots}
    rows = [
        {"depot": by_id[d], "item": items[i], "quantity": q}
        for (d, i), q in position.items()
        if q and d in by_id
    ]
    rows.sort(key=lambda r: (r["depot"].region.path, r["depot"].name, r["item"].code))
    return rows


# ----------------------------------------------------------------------- expiry, reconciliation


def expiring(user, *, within_days: int, today: dt.date) -> list[dict]:
    """Batches held in the user's depots that expire within `within_days` days (or have expired),
    soonest first."""
    limit = today + dt.timedelta(days=within_days)
    rows = (
        Movement.objects.filter(
            CONFIRMED,
            depot__in=depots_for(user),
            batch__expires_on__isnull=False,
            batch__expires_on__lte=limit,
        )
        .values("depot_id", "batch_id")
        .annotate(quantity=Sum("quantity"))
        .filter(quantity__gt=0)
    )
    rows = list(rows)
    depots = {d.pk: d for d in depots_for(user).filter(pk__in={r["depot_id"] for r in rows})}
    batches = Batch.objects.select_related("item").in_bulk({r["batch_id"] for r in rows})
    out = []
    for r in rows:
        batch = batches[r["batch_id"]]
        out.append(
            {
                "depot": depots[r["depot_id"]],
                "batch": batch,
                "quantity": r["quantity"],
                "days_left": (batch.expires_on - today).days,
                "expired": batch.expires_on < today,
            }
        )
    out.sort(key=lambda r: (r["batch"].expires_on, r["depot"].name))
    return out


def reconciliation(depot: Depot) -> list[dict]:
    """Per item: the ledger balance today and, from the depot's last confirmed count, the ledger
    then, the counted quantity and the difference."""
    from .models import CountLine, Item

    today_balance: dict[int, int] = defaultdict(int)
    for (_d, i), q in ledger_position_as_of(dt.date.max, depots=[depot.pk]).items():
        today_balance[i] += q
    last = (
        StockCount.objects.filter(depot=depot, status=MovementStatus.CONFIRMED)
        .order_by("-counted_on", "-id")
        .first()
    )
    counted: dict[int, dict] = {}
    if last is not None:
        for row in (
            CountLine.objects.filter(count=last)
            .values("item_id")
            .annotate(ledger=Sum("ledger_quantity"), counted=Sum("counted_quantity"))
        ):
            counted[row["item_id"]] = row
    items = Item.objects.filter(pk__in=set(today_balance) | set(counted))
    out = []
    for item in items:
        c = counted.get(item.pk)
        out.append(
            {
                "item": item,
                "ledger": today_balance.get(item.pk, 0),
                "count_ledger": c["ledger"] if c else None,
                "counted": c["counted"] if c else None,
                "difference": (c["counted"] - c["ledger"]) if c else None,
            }
        )
    return out, last


def open_findings_count(user) -> int:
    return findings_for(user, status=FindingStatus.OPEN).count()

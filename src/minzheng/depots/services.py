"""Writes to the depots' ledger. Each one checks, locks, writes and audits in one transaction.

Locking: every write that takes stock out locks the depot row first (`select_for_update`), then
reads the batch's balance, so two concurrent issues from one depot run one after the other and
the second sees the first's quantity held back; a transfer locks both depots in id order.

Custody: a movement or a count is recorded by a keeper of the depot and stays pending until a
*different* keeper of the same depot confirms it; the recorder cannot confirm their own."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, validators
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.models import AuditEvent

from . import selectors, snapshots
from .models import (
    IN_KINDS,
    Batch,
    CountLine,
    Depot,
    Finding,
    FindingStatus,
    Item,
    Movement,
    MovementKind,
    MovementStatus,
    StockCount,
)
from .permissions import is_keeper, may_resolve

MAX_QUANTITY = 10_000_000


# --------------------------------------------------------------------------------------- checks


def _locked_depot(user, depot_id: int) -> Depot:
    depot = selectors.depots_for(user).select_for_update(of=("self",)).filter(pk=depot_id).first()
    if depot is None:
        raise NotFoundOrOutOfScope()
    return depot


def _require_keeper(user, depot: Depot) -> None:
    if not is_keeper(user, depot):
        raise ServiceError({"depot": [_("只有本库保管员才能登记出入库")]}, status=403)


def _quantity(value, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError({field: [_("数量应为正整数")]})
    if value <= 0:
        raise ServiceError({field: [_("数量应大于零")]})
    if value > MAX_QUANTITY:
        raise ServiceError({field: [_("数量过大，请核对")]})
    return value


def _date(value: dt.date | None, field: str) -> dt.date:
    if value is None:
        raise ServiceError({field: [_("请填写日期")]})
    if value > timezone.localdate():
        raise ServiceError({field: [_("日期不能晚于今天")]})
    if message := validators.date_error(value):
        raise ServiceError({field: [message]})
    return value


def _batch(batch_id: int) -> Batch:
    batch = Batch.objects.select_related("item").filter(pk=batch_id).first()
    if batch is None:
        raise ServiceError({"batch": [_("批次不存在")]})
    return batch


def _check_available(depot: Depot, batch: Batch, quantity: int, on: dt.date) -> None:
    """The batch must cover `quantity` now (confirmed stock less pending outs) and on `on` (so a
    back-dated issue cannot make the ledger negative on any day after it)."""
    rows = Movement.objects.filter(depot=depot, batch=batch).aggregate(
        now=Sum("quantity", filter=Q(status=MovementStatus.CONFIRMED) | Q(quantity__lt=0)),
        then=Sum(
            "quantity",
            filter=(Q(status=MovementStatus.CONFIRMED) | Q(quantity__lt=0))
            & Q(occurred_on__lte=on),
        ),
    )
    available = min(rows["now"] or 0, rows["then"] or 0)
    if quantity > available:
        raise ServiceError(
            {
                "quantity": [
                    _("%(item)s批次%(batch)s可用库存%(available)s%(unit)s，不足%(wanted)s%(unit)s")
                    % {
                        "item": batch.item.name,
                        "batch": batch.number,
                        "available": max(available, 0),
                        "unit": batch.item.unit,
                        "wanted": quantity,
                    }
                ]
            }
        )


def _new_movement(user, depot, batch, kind, quantity, on, **extra) -> Movement:
    movement = Movement.objects.create(
        depot=depot,
        batch=batch,
        item_id=batch.item_id,
        kind=kind,
        quantity=quantity,
        occurred_on=on,
        recorded_by=user,
        recorded_at=timezone.now(),
        **extra,
    )
    audit.record_created(movement)
    return movement


# -------------------------------------------------------------------------------------- records


@transaction.atomic
def receive(
    *,
    user,
    depot_id: int,
    kind: str,
    quantity: int,
    occurred_on: dt.date,
    item_id: int | None = None,
    batch_number: str = "",
    expires_on: dt.date | None = None,
    supplier: str = "",
    batch_id: int | None = None,
    note: str = "",
) -> Movement:
    """Purchase or donation into the depot: a new batch (item, number, expiry, supplier) or more
    of a batch already known."""
    depot = _locked_depot(user, depot_id)
    _require_keeper(user, depot)
    if kind not in IN_KINDS:
        raise ServiceError({"kind": [_("入库类别应为采购入库或捐赠入库")]})
    quantity = _quantity(quantity)
    occurred_on = _date(occurred_on, "occurred_on")
    if batch_id:
        batch = _batch(batch_id)
    else:
        item = Item.objects.filter(pk=item_id).first() if item_id else None
        errors: dict[str, list[str]] = {}
        if item is None:
            errors["item"] = [_("请选择物资品种")]
        number = (batch_number or "").strip()
        if not number:
            errors["batch_number"] = [_("请填写批次号")]
        elif Batch.objects.filter(number=number).exists():
            errors["batch_number"] = [_("批次号已存在，追加入库请选择该批次")]
        if item is not None and item.perishable and expires_on is None:
            errors["expires_on"] = [_("该物资有保质期，请填写有效期")]
        if expires_on is not None and expires_on <= occurred_on:
            errors["expires_on"] = [_("有效期应晚于入库日期")]
        if errors:
            raise ServiceError(errors)
        batch = Batch.objects.create(
            item=item,
            number=number,
            received_on=occurred_on,
            expires_on=expires_on,
            supplier=(supplier or "").strip()[:64],
        )
        audit.record_created(batch, region_code=depot.region.code)
    return _new_movement(user, depot, batch, kind, quantity, occurred_on, note=note[:200])


@transaction.atomic
def issue(
    *,
    user,
    depot_id: int,
    batch_id: int,
    quantity: int,
    occurred_on: dt.date,
    recipient: str,
    purpose: str,
    reference: str = "",
) -> Movement:
    """Issue for relief: never more than the batch holds (pending issues included)."""
    depot = _locked_depot(user, depot_id)
    _require_keeper(user, depot)
    quantity = _quantity(quantity)
    occurred_on = _date(occurred_on, "occurred_on")
    errors: dict[str, list[str]] = {}
    if not (recipient or "").strip():
        errors["recipient"] = [_("请填写领用单位或领用人")]
    if not (purpose or "").strip():
        errors["purpose"] = [_("请填写用途")]
    if errors:
        raise ServiceError(errors)
    batch = _batch(batch_id)
    _check_available(depot, batch, quantity, occurred_on)
    return _new_movement(
        user,
        depot,
        batch,
        MovementKind.ISSUE,
        -quantity,
        occurred_on,
        recipient=recipient.strip()[:64],
        purpose=purpose.strip()[:128],
        reference=(reference or "").strip()[:64],
    )


@transaction.atomic
def transfer(
    *,
    user,
    from_depot_id: int,
    to_depot_id: int,
    batch_id: int,
    quantity: int,
    occurred_on: dt.date,
    note: str = "",
) -> tuple[Movement, Movement]:
    """One transfer: out of one depot and into another, both written or neither. The receiving
    depot need not be in the keeper's region (the city depot sends to the counties)."""
    if from_depot_id == to_depot_id:
        raise ServiceError({"to_depot": [_("调入库不能与调出库相同")]})
    target = Depot.objects.filter(pk=to_depot_id).first()
    if target is None:
        raise ServiceError({"to_depot": [_("调入库不存在")]})
    # Lock both depots in id order, so two opposite transfers cannot deadlock.
    locked = {
        d.pk: d
        for d in Depot.objects.select_for_update()
        .filter(pk__in=sorted({from_depot_id, to_depot_id}))
        .order_by("pk")
    }
    source = _locked_depot(user, from_depot_id)
    target = locked[to_depot_id]
    _require_keeper(user, source)
    quantity = _quantity(quantity)
    occurred_on = _date(occurred_on, "occurred_on")
    batch = _batch(batch_id)
    _check_available(source, batch, quantity, occurred_on)
    out = _new_movement(
        user,
        source,
        batch,
        MovementKind.TRANSFER_OUT,
        -quantity,
        occurred_on,
        recipient=target.name[:64],
        purpose=_("调拨"),
        note=note[:200],
    )
    into = Movement.objects.create(
        depot=target,
        batch=batch,
        item_id=batch.item_id,
        kind=MovementKind.TRANSFER_IN,
        quantity=quantity,
        occurred_on=occurred_on,
        recorded_by=user,
        recorded_at=out.recorded_at,
        counterpart=out,
        recipient=source.name[:64],
        purpose=_("调拨"),
        note=note[:200],
    )
    audit.record_created(into)
    out.counterpart = into
    out.save(update_fields=["counterpart"])
    return out, into


@transaction.atomic
def record_count(
    *, user, depot_id: int, counted_on: dt.date, lines: dict[int, int], note: str = ""
) -> StockCount:
    """A stock count: the counted quantity of each batch listed. The ledger on the count's date
    is written beside it; every difference becomes a finding, open until the county explains."""
    depot = _locked_depot(user, depot_id)
    _require_keeper(user, depot)
    counted_on = _date(counted_on, "counted_on")
    if not lines:
        raise ServiceError({"lines": [_("请至少填写一个批次的实盘数量")]})
    errors: dict[str, list[str]] = {}
    batches = Batch.objects.in_bulk(list(lines))
    for batch_id, counted in lines.items():
        if batch_id not in batches:
            errors[f"lines.{batch_id}"] = [_("批次不存在")]
        elif isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
            errors[f"lines.{batch_id}"] = [_("实盘数量应为不小于零的整数")]
    if errors:
        raise ServiceError(errors)
    ledger = selectors.batch_balances(depot, on=counted_on)
    count = StockCount.objects.create(
        depot=depot,
        counted_on=counted_on,
        recorded_by=user,
        recorded_at=timezone.now(),
        note=note[:200],
    )
    created = CountLine.objects.bulk_create(
        [
            CountLine(
                count=count,
                batch_id=batch_id,
                item_id=batches[batch_id].item_id,
                ledger_quantity=ledger.get(batch_id, {}).get("ledger", 0),
                counted_quantity=counted,
            )
            for batch_id, counted in sorted(lines.items())
        ]
    )
    findings = Finding.objects.bulk_create(
        [
            Finding(line=line, depot=depot, found_on=counted_on, difference=line.difference)
            for line in created
            if line.difference
        ]
    )
    audit.record_created(
        count,
        extra={
            "lines": [
                {"batch": ln.batch_id, "ledger": ln.ledger_quantity, "counted": ln.counted_quantity}
                for ln in created
            ],
            "findings": len(findings),
        },
    )
    return count


# --------------------------------------------------------------------------------- confirmation


def _check_second_keeper(user, depot: Depot, record) -> None:
    if record.status != MovementStatus.PENDING:
        raise ServiceError({"status": [_("该记录已复核，无需再次确认")]}, status=409)
    if record.recorded_by_id == user.pk:
        raise ServiceError(
            {"confirmed_by": [_("登记人不能复核自己登记的记录，请由另一名保管员确认")]}
        )
    if not is_keeper(user, depot):
        raise ServiceError({"confirmed_by": [_("只有本库的另一名保管员才能复核")]}, status=403)


@transaction.atomic
def confirm_movement(*, user, movement_id: int) -> Movement:
    found = selectors.get_movement(user, movement_id)
    _locked_depot(user, found.depot_id)
    movement = Movement.objects.select_for_update().get(pk=found.pk)
    depot = found.depot
    _check_second_keeper(user, depot, movement)
    with audit.audited(movement, AuditEvent.Action.TRANSITION, note=_("双人复核确认")):
        movement.status = MovementStatus.CONFIRMED
        movement.confirmed_by = user
        movement.confirmed_at = timezone.now()
        movement.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    snapshots.apply_confirmed(movement)
    return movement


@transaction.atomic
def confirm_count(*, user, count_id: int) -> StockCount:
    found = selectors.get_count(user, count_id)
    _locked_depot(user, found.depot_id)
    count = StockCount.objects.select_for_update().get(pk=found.pk)
    _check_second_keeper(user, found.depot, count)
    with audit.audited(count, AuditEvent.Action.TRANSITION, note=_("双人复核确认")):
        count.status = MovementStatus.CONFIRMED
        count.confirmed_by = user
        count.confirmed_at = timezone.now()
        count.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    return count


@transaction.atomic
def resolve_finding(*, user, finding_id: int, explanation: str, on: dt.date | None = None):
    """The county explains a count difference. The ledger is brought to the count by an
    adjustment movement dated on the count, recorded and confirmed by the count's two keepers
    (the count was their two-person act); a count not yet confirmed cannot be explained."""
    found = selectors.get_finding(user, finding_id)
    if not may_resolve(user):
        raise ServiceError({"explanation": [_("只有县级以上民政部门可以说明盘点差异")]}, status=403)
    depot = _locked_depot(user, found.depot_id)
    finding = Finding.objects.select_for_update().get(pk=found.pk)
    if finding.status != FindingStatus.OPEN:
        raise ServiceError({"status": [_("该差异已说明")]}, status=409)
    explanation = (explanation or "").strip()
    if len(explanation) < 4:
        raise ServiceError({"explanation": [_("请写明差异原因（至少4个字）")]})
    count = finding.line.count
    if count.status != MovementStatus.CONFIRMED:
        raise ServiceError({"status": [_("盘点尚未经第二名保管员复核，暂不能说明")]})
    line = finding.line
    if finding.difference < 0:
        # Stock issued since the count may already have used what the count found missing.
        _check_available(depot, line.batch, -finding.difference, count.counted_on)
    adjustment = Movement.objects.create(
        depot=depot,
        batch_id=line.batch_id,
        item_id=line.item_id,
        kind=MovementKind.ADJUST,
        quantity=finding.difference,
        occurred_on=count.counted_on,
        status=MovementStatus.CONFIRMED,
        recorded_by_id=count.recorded_by_id,
        recorded_at=timezone.now(),
        confirmed_by_id=count.confirmed_by_id,
        confirmed_at=timezone.now(),
        purpose=_("盘点差异调整"),
        note=explanation[:200],
    )
    audit.record_created(adjustment)
    snapshots.apply_confirmed(adjustment)
    with audit.audited(finding, note=explanation[:200]):
        finding.status = FindingStatus.RESOLVED
        finding.explanation = explanation
        finding.resolved_by = user
        finding.resolved_on = on or timezone.localdate()
        finding.adjustment = adjustment
        finding.save()
    return finding

"""JSON API of the relief-supply depots, mounted at /api/v1/depots.

Read the depots of the caller's regions and their stock position on any date; keepers record
receipts, issues, transfers and counts (each pending until a second keeper of the depot
confirms it); county staff explain count findings. Records outside the caller's regions read as
404; an issue beyond the stock is a 422 naming the quantity; confirming one's own record is a
422 naming the confirmer."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.core.apitypes import Date, Id, choice
from minzheng.core.pagination import Listing, paginated

from . import selectors, services
from .models import Depot, Finding, FindingStatus, Movement, MovementKind, StockCount

router = Router(tags=["depots"])

Text64 = Field(default="", max_length=64)


class DepotOut(Schema):
    id: int
    name: str
    level: str
    level_label: str
    region_code: str
    region_name: str


class DepotPositionRowOut(Schema):
    depot_id: int
    depot_name: str
    item_code: str
    item_name: str
    unit: str
    quantity: int


class DepotPositionOut(Schema):
    on: dt.date
    rows: list[DepotPositionRowOut]


class DepotMovementOut(Schema):
    id: int
    depot_id: int
    depot_name: str
    kind: str
    kind_label: str
    item_name: str
    batch_id: int
    batch_number: str
    quantity: int
    occurred_on: dt.date
    status: str
    status_label: str
    recorded_by: str
    confirmed_by: str
    recipient: str
    purpose: str
    reference: str
    counterpart_id: int | None


class DepotReceiveIn(Schema):
    kind: choice(["purchase", "donation"]) = Field(description="采购入库或捐赠入库")
    quantity: int = Field(ge=1, le=services.MAX_QUANTITY)
    occurred_on: Date
    item_id: Id | None = Field(default=None, description="新批次的物资品种")
    batch_number: str = Field(default="", max_length=32)
    expires_on: Date | None = None
    supplier: str = Text64
    batch_id: Id | None = Field(default=None, description="追加入库的已有批次")
    note: str = Field(default="", max_length=200)


class DepotIssueIn(Schema):
    batch_id: Id
    quantity: int = Field(ge=1, le=services.MAX_QUANTITY)
    occurred_on: Date
    recipient: str = Field(min_length=1, max_length=64)
    purpose: str = Field(min_length=1, max_length=128)
    reference: str = Text64


class DepotTransferIn(Schema):
    to_depot_id: Id
    batch_id: Id
    quantity: int = Field(ge=1, le=services.MAX_QUANTITY)
    occurred_on: Date
    note: str = Field(default="", max_length=200)


class DepotCountLineIn(Schema):
    batch_id: Id
    counted: int = Field(ge=0, le=services.MAX_QUANTITY)


class DepotCountIn(Schema):
    counted_on: Date
    lines: list[DepotCountLineIn] = Field(min_length=1, max_length=2000)
    note: str = Field(default="", max_length=200)


class DepotCountLineOut(Schema):
    batch_id: int
    item_name: str
    ledger: int
    counted: int
    difference: int


class DepotCountOut(Schema):
    id: int
    depot_id: int
    counted_on: dt.date
    status: str
    status_label: str
    recorded_by: str
    confirmed_by: str
    lines: list[DepotCountLineOut]
    findings: int


class DepotFindingOut(Schema):
    id: int
    depot_id: int
    depot_name: str
    item_name: str
    batch_number: str
    found_on: dt.date
    difference: int
    status: str
    status_label: str
    explanation: str


class DepotResolveIn(Schema):
    explanation: str = Field(min_length=1, max_length=2000)


class DepotFindingFilter(Schema):
    status: choice(FindingStatus.values) | None = None


class DepotPositionFilter(Schema):
    on: Date | None = Field(default=None, description="日期（默认今天）")


class DepotExpiryFilter(Schema):
    within_days: int = Field(default=90, ge=0, le=3650, description="多少天内到期")


class DepotExpiringOut(Schema):
    depot_id: int
    depot_name: str
    item_name: str
    batch_number: str
    expires_on: dt.date
    quantity: int
    days_left: int
    expired: bool


def depot_out(d: Depot) -> dict:
    return {
        "id": d.pk,
        "name": d.name,
        "level": d.level,
        "level_label": d.get_level_display(),
        "region_code": d.region.code,
        "region_name": d.region.name,
    }


def movement_out(m: Movement) -> dict:
    return {
        "id": m.pk,
        "depot_id": m.depot_id,
        "depot_name": m.depot.name,
        "kind": m.kind,
        "kind_label": str(MovementKind(m.kind).label),
        "item_name": m.item.name,
        "batch_id": m.batch_id,
        "batch_number": m.batch.number,
        "quantity": m.quantity,
        "occurred_on": m.occurred_on,
        "status": m.status,
        "status_label": m.get_status_display(),
        "recorded_by": m.recorded_by.username,
        "confirmed_by": m.confirmed_by.username if m.confirmed_by_id else "",
        "recipient": m.recipient,
        "purpose": m.purpose,
        "reference": m.reference,
        "counterpart_id": m.counterpart_id,
    }


def count_out(c: StockCount) -> dict:
    lines = list(c.lines.select_related("item"))
    return {
        "id": c.pk,
        "depot_id": c.depot_id,
        "counted_on": c.counted_on,
        "status": c.status,
        "status_label": c.get_status_display(),
        "recorded_by": c.recorded_by.username,
        "confirmed_by": c.confirmed_by.username if c.confirmed_by_id else "",
        "lines": [
            {
                "batch_id": ln.batch_id,
                "item_name": ln.item.name,
                "ledger": ln.ledger_quantity,
                "counted": ln.counted_quantity,
                "difference": ln.difference,
            }
            for ln in lines
        ],
        "findings": sum(1 for ln in lines if ln.difference),
    }


def finding_out(f: Finding) -> dict:
    return {
        "id": f.pk,
        "depot_id": f.depot_id,
        "depot_name": f.depot.name,
        "item_name": f.line.item.name,
        "batch_number": f.line.batch.number,
        "found_on": f.found_on,
        "difference": f.difference,
        "status": f.status,
        "status_label": f.get_status_display(),
        "explanation": f.explanation,
    }


def _reload(user, movement: Movement) -> dict:
    return movement_out(selectors.get_movement(user, movement.pk))


@router.get("", response=list[DepotOut])
@paginated(default=100)
def list_depots(request):
    return Listing(selectors.depots_for(request.user), depot_out)


@router.get("/position", response=DepotPositionOut)
def position(request, filters: Query[DepotPositionFilter]):
    on = filters.on or timezone.localdate()
    rows = selectors.position_table(request.user, on)
    return {"on": on, "rows": [_position_row(r) for r in rows]}


def _position_row(r: dict) -> dict:
    return {
        "depot_id": r["depot"].pk,
        "depot_name": r["depot"].name,
        "item_code": r["item"].code,
        "item_name": r["item"].name,
        "unit": r["item"].unit,
        "quantity": r["quantity"],
    }


@router.get("/expiring", response=list[DepotExpiringOut])
def expiring(request, filters: Query[DepotExpiryFilter]):
    rows = selectors.expiring(
        request.user, within_days=filters.within_days, today=timezone.localdate()
    )
    return [
        {
            "depot_id": r["depot"].pk,
            "depot_name": r["depot"].name,
            "item_name": r["batch"].item.name,
            "batch_number": r["batch"].number,
            "expires_on": r["batch"].expires_on,
            "quantity": r["quantity"],
            "days_left": r["days_left"],
            "expired": r["expired"],
        }
        for r in rows
    ]


@router.get("/findings", response=list[DepotFindingOut])
@paginated(default=100)
def list_findings(request, filters: Query[DepotFindingFilter]):
    return Listing(selectors.findings_for(request.user, status=filters.status or ""), finding_out)


@router.post("/findings/{int:finding_id}/resolve", response=DepotFindingOut)
def resolve_finding(request, finding_id: Id, payload: DepotResolveIn):
    services.resolve_finding(
        user=request.user, finding_id=finding_id, explanation=payload.explanation
    )
    return finding_out(selectors.get_finding(request.user, finding_id))


@router.get("/pending", response=list[DepotMovementOut])
def pending(request):
    movements, _counts = selectors.pending_for_keeper(request.user)
    return [movement_out(m) for m in movements]


@router.get("/{int:depot_id}", response=DepotOut)
def get_depot(request, depot_id: Id):
    return depot_out(selectors.get_depot(request.user, depot_id))


@router.get("/{int:depot_id}/position", response=DepotPositionOut)
def depot_position(request, depot_id: Id, filters: Query[DepotPositionFilter]):
    depot = selectors.get_depot(request.user, depot_id)
    on = filters.on or timezone.localdate()
    rows = selectors.position_table(request.user, on, depot=depot)
    return {"on": on, "rows": [_position_row(r) for r in rows]}


@router.get("/{int:depot_id}/movements", response=list[DepotMovementOut])
@paginated(default=100)
def list_movements(request, depot_id: Id):
    depot = selectors.get_depot(request.user, depot_id)
    return Listing(selectors.movements_for(request.user).filter(depot=depot), movement_out)


@router.post("/{int:depot_id}/receipts", response={201: DepotMovementOut})
def receive(request, depot_id: Id, payload: DepotReceiveIn):
    m = services.receive(user=request.user, depot_id=depot_id, **payload.dict())
    return Status(201, _reload(request.user, m))


@router.post("/{int:depot_id}/issues", response={201: DepotMovementOut})
def issue(request, depot_id: Id, payload: DepotIssueIn):
    m = services.issue(user=request.user, depot_id=depot_id, **payload.dict())
    return Status(201, _reload(request.user, m))


@router.post("/{int:depot_id}/transfers", response={201: DepotMovementOut})
def transfer(request, depot_id: Id, payload: DepotTransferIn):
    out, _into = services.transfer(
        user=request.user,
        from_depot_id=depot_id,
        to_depot_id=payload.to_depot_id,
        batch_id=payload.batch_id,
        quantity=payload.quantity,
        occurred_on=payload.occurred_on,
        note=payload.note,
    )
    return Status(201, _reload(request.user, out))


@router.post("/{int:depot_id}/counts", response={201: DepotCountOut})
def record_count(request, depot_id: Id, payload: DepotCountIn):
    count = services.record_count(
        user=request.user,
        depot_id=depot_id,
        counted_on=payload.counted_on,
        lines={ln.batch_id: ln.counted for ln in payload.lines},
        note=payload.note,
    )
    return Status(201, count_out(selectors.get_count(request.user, count.pk)))


@router.post("/movements/{int:movement_id}/confirm", response=DepotMovementOut)
def confirm_movement(request, movement_id: Id):
    m = services.confirm_movement(user=request.user, movement_id=movement_id)
    return _reload(request.user, m)


@router.post("/counts/{int:count_id}/confirm", response=DepotCountOut)
def confirm_count(request, count_id: Id):
    c = services.confirm_count(user=request.user, count_id=count_id)
    return count_out(selectors.get_count(request.user, c.pk))

"""Monthly settlements with providers: build, approve, export."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router

from minzheng.core.apitypes import Id
from minzheng.payments import months

from .. import bookings, selectors
from .outputs import booking_out, settlement_out
from .schemas import SettlementIn

router = Router()


@router.get("/settlements")
def list_settlements(request):
    return [settlement_out(s) for s in selectors.settlements_for(request.user)[:500]]


@router.post("/settlements")
def build_settlement(request, payload: SettlementIn):
    provider = selectors.get_provider(request.user, payload.provider_id)
    return settlement_out(
        bookings.build_settlement(
            user=request.user, provider=provider, month=months.parse(payload.month)
        )
    )


@router.get("/settlements/{settlement_id}")
def get_settlement(request, settlement_id: Id):
    s = selectors.get_settlement(request.user, settlement_id)
    return settlement_out(s) | {
        "lines": [
            booking_out(b)
            for b in s.bookings.select_related("person", "region", "provider", "item", "worker")
        ]
    }


@router.post("/settlements/{settlement_id}/approve")
def approve_settlement(request, settlement_id: Id):
    return settlement_out(
        bookings.approve_settlement(
            user=request.user, settlement=selectors.get_settlement(request.user, settlement_id)
        )
    )


@router.post("/settlements/{settlement_id}/export")
def export_settlement(request, settlement_id: Id):
    content, name = bookings.export_settlement(
        user=request.user, settlement=selectors.get_settlement(request.user, settlement_id)
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

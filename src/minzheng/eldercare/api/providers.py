"""Service providers, their catalogue items and workers; the catalogue for one person."""

from __future__ import annotations

from ninja import Router, Status

from minzheng.core.apitypes import Id
from minzheng.core.errors import NotFoundOrOutOfScope

from .. import selectors, services
from ..models import ServiceItem
from .outputs import _fen, _region, item_out, provider_out
from .schemas import ItemIn, ItemPatch, ProviderIn, WorkerIn

router = Router()


@router.get("/providers")
def list_providers(request):
    return [provider_out(p) for p in selectors.providers_for(request.user)[:500]]


@router.post("/providers", response={201: dict})
def create_provider(request, payload: ProviderIn):
    region = _region(request.user, payload.region, "region")
    p = services.register_provider(
        user=request.user,
        name=payload.name,
        kind=payload.kind,
        region=region,
        service_area_codes=payload.service_areas,
        phone=payload.phone,
        credit_code=payload.credit_code,
    )
    return Status(201, provider_out(p))


@router.get("/providers/{provider_id}")
def get_provider(request, provider_id: Id):
    p = selectors.get_provider(request.user, provider_id)
    return provider_out(p) | {
        "service_areas": [{"code": r.code, "name": r.name} for r in p.service_areas.all()],
        "items": [item_out(i) for i in p.items.all()],
        "workers": [
            {"id": w.pk, "name": w.name, "phone": w.phone, "active": w.active}
            for w in p.workers.all()
        ],
    }


@router.post("/providers/{provider_id}/items", response={201: dict})
def add_item(request, provider_id: Id, payload: ItemIn):
    p = selectors.get_provider(request.user, provider_id)
    i = services.add_service_item(
        user=request.user,
        provider=p,
        category=payload.category,
        name=payload.name,
        unit=payload.unit,
        price_fen=_fen(payload.price),
        minutes_per_unit=payload.minutes_per_unit,
    )
    return Status(201, item_out(i))


@router.patch("/items/{item_id}")
def patch_item(request, item_id: Id, payload: ItemPatch):
    item = (
        ServiceItem.objects.filter(pk=item_id, provider__in=selectors.providers_for(request.user))
        .select_related("provider")
        .first()
    )
    if item is None:
        raise NotFoundOrOutOfScope()
    item = services.update_service_item(
        user=request.user,
        item=item,
        price_fen=_fen(payload.price) if payload.price is not None else None,
        active=payload.active,
    )
    return item_out(item)


@router.post("/providers/{provider_id}/workers", response={201: dict})
def add_worker(request, provider_id: Id, payload: WorkerIn):
    w = services.add_worker(
        user=request.user,
        provider=selectors.get_provider(request.user, provider_id),
        name=payload.name,
        phone=payload.phone,
    )
    return Status(201, {"id": w.pk, "name": w.name, "phone": w.phone, "active": w.active})


@router.get("/catalogue")
def catalogue(request, person_id: Id):
    """The services offered where the elderly person lives, with each provider's prices."""
    person = selectors.get_elderly(request.user, person_id)
    return [
        item_out(i) for i in selectors.catalogue_for(person.residence_region or person.hukou_region)
    ]

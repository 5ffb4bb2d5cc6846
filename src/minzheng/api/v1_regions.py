from ninja import Router

from minzheng.regions import selectors

from .schemas import RegionOut

router = Router(tags=["regions"])


def region_out(region) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "kind": region.kind,
        "urban_rural": region.urban_rural,
        "valid_from": region.valid_from,
        "valid_to": region.valid_to,
        "parent": {"code": region.parent.code, "name": region.parent.name}
        if region.parent_id
        else None,
        "members": [{"code": m.code, "name": m.name} for m in region.members.all()],
        "zones": [{"code": z.code, "name": z.name} for z in region.zones.all()],
    }


@router.get("", response=list[RegionOut])
def list_regions(request, parent: str):
    """Children of a region (within the caller's scope)."""
    region = selectors.get_region(request.user, parent)
    return [
        region_out(r)
        for r in selectors.children_of(request.user, region).prefetch_related("members", "zones")
    ]


@router.get("/{code}", response=RegionOut)
def get_region(request, code: str):
    """One region by code; 京山's 2018 codes (420882…) resolve to the 2016 codes (420821…)."""
    return region_out(selectors.get_region(request.user, code))

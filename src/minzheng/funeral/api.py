"""JSON API of funeral and burial management, mounted at /api/v1/funeral (docs/DOMAIN.md §14).

A funeral home's account records cremations (the deceased found in the registry by full ID number
and name; the registry's death date set or confirmed), burials and claims; the bureau registers
providers, cemeteries and areas, assesses providers and approves claims and grants (an approved
grant is a one-off payable, paid once). Records outside the user's scope read as 404."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status
from pydantic import Field

from minzheng.core.apitypes import Date, Id, choice
from minzheng.core.pagination import Listing, paginated
from minzheng.people.selectors import masked_name

from . import selectors, services
from .models import (
    AreaKind,
    BurialKind,
    Cemetery,
    Claim,
    Cremation,
    Grant,
    Provider,
    ServiceItem,
)
from .permissions import is_funeral_home

router = Router(tags=["funeral and burial"])


class FuneralProviderIn(Schema):
    name: str = Field(max_length=100, description="机构名称")
    kind: choice(Provider.Kind.values) = Field(description="机构类型")
    region_code: str = Field(max_length=12, description="所在区域代码")
    licence_number: str = Field(max_length=40, description="许可证号")
    licence_valid_until: Date = Field(description="许可证有效期至")
    address: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=20)


class FuneralProviderOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_code: str
    licence_number: str
    licence_valid_until: dt.date
    active: bool


class FuneralAssessmentIn(Schema):
    assessed_on: Date = Field(description="检查日期")
    score: int = Field(ge=0, le=100, description="得分")
    passed: bool = Field(description="达到标准化要求")
    note: str = Field(default="", max_length=500)


class FuneralAssessmentOut(Schema):
    id: int
    provider_id: int
    year: int
    assessed_on: dt.date
    score: int
    passed: bool


class FuneralAreaIn(Schema):
    region_code: str = Field(max_length=12, description="县或乡镇代码")
    kind: choice(AreaKind.values) = Field(description="cremation 火化区；reform 土葬改革区")
    reason: str = Field(default="", max_length=200, description="依据")


class FuneralAreaOut(Schema):
    region_code: str
    kind: str
    reason: str


class CemeteryIn(Schema):
    name: str = Field(max_length=100)
    kind: choice(Cemetery.Kind.values)
    region_code: str = Field(max_length=12)
    operator_id: Id
    capacity: int = Field(ge=1, le=200_000)
    built_on: Date


class CemeteryOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_code: str
    operator_id: int
    capacity: int
    used: int
    built_on: dt.date


class CremationIn(Schema):
    id_number: str = Field(max_length=18, description="逝者身份证号码")
    name: str = Field(max_length=64, description="逝者姓名")
    death_date: Date = Field(description="死亡日期")
    cremated_on: Date = Field(description="火化日期")
    family_contact: str = Field(max_length=64, description="经办家属")
    family_phone: str = Field(default="", max_length=20)
    items: list[choice(ServiceItem.values)] = Field(
        default_factory=lambda: list(ServiceItem.values), max_length=4, description="基本殡葬服务"
    )
    correct_death_date: bool = Field(default=False, description="确认更正人口信息库的死亡日期")


class CremationServiceOut(Schema):
    item: str
    item_label: str
    price_fen: int
    exempt: bool
    claim_id: int | None


class CremationOut(Schema):
    id: int
    number: str
    home_id: int
    name: str
    id_masked: str
    region_code: str
    death_date: dt.date
    cremated_on: dt.date
    death_date_corrected: bool
    eligible_group: str
    services: list[CremationServiceOut]
    grant_id: int | None


class BurialIn(Schema):
    id_number: str = Field(max_length=18)
    name: str = Field(max_length=64)
    kind: choice(BurialKind.values)
    buried_on: Date
    cemetery_id: Id | None = None


class BurialOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    eco: bool
    cemetery_id: int | None
    name: str
    region_code: str
    buried_on: dt.date


class FuneralClaimIn(Schema):
    county_code: str = Field(max_length=12)
    month: Date = Field(description="服务月份（该月任一日）")


class FuneralDecisionIn(Schema):
    approve: bool
    note: str = Field(default="", max_length=500)


class FuneralClaimOut(Schema):
    id: int
    home_id: int
    county_code: str
    month: dt.date
    lines: int
    total_fen: int
    status: str
    status_label: str


class FuneralGrantOut(Schema):
    id: int
    name: str
    region_code: str
    group: str
    amount_fen: int
    status: str
    status_label: str
    payable_id: int | None


class FuneralFigureOut(Schema):
    region_code: str
    region_name: str
    deaths: int
    cremated: int
    cremation_rate: str | None
    burials: int
    eco: int
    eco_share: str | None
    eco_cemeteries: int


def _name(user, name: str) -> str:
    return name if is_funeral_home(user) else masked_name(name)


def provider_out(p: Provider) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "region_code": p.region.code,
        "licence_number": p.licence_number,
        "licence_valid_until": p.licence_valid_until,
        "active": p.active,
    }


def cremation_out(c: Cremation, user) -> dict:
    grant = Grant.objects.filter(cremation=c).values_list("pk", flat=True).first()
    return {
        "id": c.pk,
        "number": c.number,
        "home_id": c.home_id,
        "name": _name(user, c.person.name),
        "id_masked": c.person.id_masked,
        "region_code": c.region.code,
        "death_date": c.death_date,
        "cremated_on": c.cremated_on,
        "death_date_corrected": c.death_date_corrected,
        "eligible_group": c.eligible_group,
        "services": [
            {
                "item": s.item,
                "item_label": s.get_item_display(),
                "price_fen": s.price_fen,
                "exempt": s.exempt,
                "claim_id": s.claim_id,
            }
            for s in c.services.all()
        ],
        "grant_id": grant,
    }


def cemetery_out(c: Cemetery) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "region_code": c.region.code,
        "operator_id": c.operator_id,
        "capacity": c.capacity,
        "used": c.used,
        "built_on": c.built_on,
    }


def burial_out(b, user) -> dict:
    return {
        "id": b.pk,
        "number": b.number,
        "kind": b.kind,
        "kind_label": b.get_kind_display(),
        "eco": b.eco,
        "cemetery_id": b.cemetery_id,
        "name": _name(user, b.person.name),
        "region_code": b.region.code,
        "buried_on": b.buried_on,
    }


def claim_out(c: Claim) -> dict:
    return {
        "id": c.pk,
        "home_id": c.home_id,
        "county_code": c.county.code,
        "month": c.month,
        "lines": c.lines,
        "total_fen": c.total_fen,
        "status": c.status,
        "status_label": c.get_status_display(),
    }


def grant_out(g: Grant, user) -> dict:
    return {
        "id": g.pk,
        "name": _name(user, g.person.name),
        "region_code": g.region.code,
        "group": g.group,
        "amount_fen": g.amount_fen,
        "status": g.status,
        "status_label": g.get_status_display(),
        "payable_id": g.payable_id,
    }


# ---------------------------------------------------------------- providers


@router.get("/providers", response=list[FuneralProviderOut])
@paginated(default=50)
def list_providers(request):
    return Listing(selectors.providers_for(request.user), provider_out)


@router.post("/providers", response={201: FuneralProviderOut})
def create_provider(request, payload: FuneralProviderIn):
    provider = services.register_provider(user=request.user, **payload.dict())
    return Status(201, provider_out(provider))


@router.get("/providers/{int:provider_id}", response=FuneralProviderOut)
def get_provider(request, provider_id: Id):
    return provider_out(selectors.get_provider(request.user, provider_id))


@router.post("/providers/{int:provider_id}/assessments", response={201: FuneralAssessmentOut})
def assess_provider(request, provider_id: Id, payload: FuneralAssessmentIn):
    provider = selectors.get_provider(request.user, provider_id)
    a = services.record_assessment(
        user=request.user, provider=provider, year=payload.assessed_on.year, **payload.dict()
    )
    return Status(
        201,
        {
            "id": a.pk,
            "provider_id": a.provider_id,
            "year": a.year,
            "assessed_on": a.assessed_on,
            "score": a.score,
            "passed": a.passed,
        },
    )


@router.post("/areas", response=FuneralAreaOut)
def set_area(request, payload: FuneralAreaIn):
    s = services.set_area(user=request.user, **payload.dict())
    return {"region_code": s.region.code, "kind": s.kind, "reason": s.reason}


# ---------------------------------------------------------------- cemeteries and burials


@router.get("/cemeteries", response=list[CemeteryOut])
@paginated(default=50)
def list_cemeteries(request):
    return Listing(selectors.cemeteries_for(request.user), cemetery_out)


@router.post("/cemeteries", response={201: CemeteryOut})
def create_cemetery(request, payload: CemeteryIn):
    operator = selectors.get_provider(request.user, payload.operator_id)
    data = payload.dict()
    data.pop("operator_id")
    cemetery = services.register_cemetery(user=request.user, operator=operator, **data)
    return Status(201, cemetery_out(cemetery))


@router.get("/burials", response=list[BurialOut])
@paginated(default=50)
def list_burials(request):
    return Listing(
        selectors.burials_for(request.user).order_by("-buried_on", "-id"),
        lambda b: burial_out(b, request.user),
    )


@router.post("/burials", response={201: BurialOut})
def create_burial(request, payload: BurialIn):
    cemetery = None
    if payload.cemetery_id is not None:
        cemetery = selectors.get_cemetery(request.user, payload.cemetery_id)
    data = payload.dict()
    data.pop("cemetery_id")
    burial = services.record_burial(user=request.user, cemetery=cemetery, **data)
    return Status(201, burial_out(burial, request.user))


# ---------------------------------------------------------------- cremations


@router.get("/cremations", response=list[CremationOut])
@paginated(default=50)
def list_cremations(request):
    return Listing(
        selectors.cremations_for(request.user).order_by("-cremated_on", "-id"),
        lambda c: cremation_out(c, request.user),
    )


@router.post("/cremations", response={201: CremationOut})
def create_cremation(request, payload: CremationIn):
    cremation = services.record_cremation(user=request.user, **payload.dict())
    return Status(201, cremation_out(cremation, request.user))


@router.get("/cremations/{int:cremation_id}", response=CremationOut)
def get_cremation(request, cremation_id: Id):
    return cremation_out(selectors.get_cremation(request.user, cremation_id), request.user)


# ---------------------------------------------------------------- claims and grants


@router.get("/claims", response=list[FuneralClaimOut])
@paginated(default=50)
def list_claims(request):
    return Listing(selectors.claims_for(request.user), claim_out)


@router.post("/claims", response={201: FuneralClaimOut})
def create_claim(request, payload: FuneralClaimIn):
    claim = services.submit_claim(
        user=request.user, county_code=payload.county_code, month=payload.month
    )
    return Status(201, claim_out(claim))


@router.post("/claims/{int:claim_id}/decision", response=FuneralClaimOut)
def decide_claim(request, claim_id: Id, payload: FuneralDecisionIn):
    claim = selectors.get_claim(request.user, claim_id)
    return claim_out(services.decide_claim(user=request.user, claim=claim, **payload.dict()))


@router.get("/grants", response=list[FuneralGrantOut])
@paginated(default=50)
def list_grants(request):
    return Listing(selectors.grants_for(request.user), lambda g: grant_out(g, request.user))


@router.post("/grants/{int:grant_id}/decision", response=FuneralGrantOut)
def decide_grant(request, grant_id: Id, payload: FuneralDecisionIn):
    grant = selectors.get_grant(request.user, grant_id)
    return grant_out(
        services.decide_grant(user=request.user, grant=grant, **payload.dict()), request.user
    )


@router.get("/figures", response=list[FuneralFigureOut])
def figures(request):
    """Cremation and eco-burial figures of the year to date by county (the bureau's readers)."""
    from django.utils import timezone

    from minzheng.core.errors import NotFoundOrOutOfScope

    from . import stats
    from .permissions import may_see

    if not may_see(request.user) or is_funeral_home(request.user):
        raise NotFoundOrOutOfScope()
    rows = stats.county_rows(request.user, timezone.localdate())
    return [
        {
            "region_code": r["region"].code,
            "region_name": r["region"].name,
            "deaths": r["deaths"],
            "cremated": r["cremated"],
            "cremation_rate": str(r["cremation_rate"]) if r["cremation_rate"] is not None else None,
            "burials": r["burials"],
            "eco": r["eco"],
            "eco_share": str(r["eco_share"]) if r["eco_share"] is not None else None,
            "eco_cemeteries": r["eco_cemeteries"],
        }
        for r in rows
    ]

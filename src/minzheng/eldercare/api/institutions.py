"""Care institutions (inspections, health agreements, residents) and elderly associations."""

from __future__ import annotations

from ninja import Router, Status

from minzheng.core.apitypes import Id
from minzheng.core.errors import NotFoundOrOutOfScope

from .. import dashboard, selectors, services
from .outputs import _region, institution_out
from .schemas import (
    AgreementIn,
    AssociationIn,
    InspectionIn,
    InstitutionIn,
    InstitutionPatch,
    ResidentIn,
)

router = Router()


@router.get("/institutions")
def list_institutions(request, kind: str = ""):
    qs = selectors.institutions_for(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    return [
        institution_out(i)
        for i in dashboard.with_occupancy(qs.order_by("region__code", "id"))[:1000]
    ]


@router.post("/institutions", response={201: dict})
def create_institution(request, payload: InstitutionIn):
    region = _region(request.user, payload.region, "region")
    operator = (
        selectors.providers_for(request.user).filter(pk=payload.operator_id).first()
        if payload.operator_id
        else None
    )
    i = services.register_institution(
        user=request.user,
        name=payload.name,
        kind=payload.kind,
        region=region,
        beds=payload.beds,
        opened_on=payload.opened_on,
        operator=operator,
        phone=payload.phone,
    )
    return Status(201, institution_out(i))


@router.get("/institutions/{institution_id}")
def get_institution(request, institution_id: Id):
    i = dashboard.with_occupancy(
        selectors.institutions_for(request.user).filter(pk=institution_id)
    ).first()
    if i is None:
        raise NotFoundOrOutOfScope()
    return institution_out(i) | {
        "residents": [
            {
                "id": r.pk,
                "person_id": r.person_id,
                "name": r.person.name,
                "admitted_on": r.admitted_on,
                "bed": r.bed_label,
            }
            for r in i.residencies.filter(left_on__isnull=True).select_related("person")
        ],
        "inspections": [
            {
                "id": x.pk,
                "inspected_on": x.inspected_on,
                "result": x.result,
                "findings": x.findings,
                "rectify_by": x.rectify_by,
            }
            for x in i.inspections.all()
        ],
        "health_agreements": [
            {
                "id": a.pk,
                "medical_name": a.medical_name,
                "medical_kind": a.medical_kind,
                "signed_on": a.signed_on,
                "ended_on": a.ended_on,
            }
            for a in i.health_agreements.all()
        ],
    }


@router.patch("/institutions/{institution_id}")
def patch_institution(request, institution_id: Id, payload: InstitutionPatch):
    i = services.update_institution(
        user=request.user,
        institution=selectors.get_institution(request.user, institution_id),
        reason=payload.reason,
        beds=payload.beds,
        closed_on=payload.closed_on,
    )
    return institution_out(i)


@router.post("/institutions/{institution_id}/inspections", response={201: dict})
def add_inspection(request, institution_id: Id, payload: InspectionIn):
    x = services.record_inspection(
        user=request.user,
        institution=selectors.get_institution(request.user, institution_id),
        **payload.dict(),
    )
    return Status(201, {"id": x.pk, "result": x.result})


@router.post("/institutions/{institution_id}/health-agreements", response={201: dict})
def add_agreement(request, institution_id: Id, payload: AgreementIn):
    a = services.record_health_agreement(
        user=request.user,
        institution=selectors.get_institution(request.user, institution_id),
        **payload.dict(),
    )
    return Status(201, {"id": a.pk, "medical_name": a.medical_name})


@router.post("/institutions/{institution_id}/residents", response={201: dict})
def admit(request, institution_id: Id, payload: ResidentIn):
    from minzheng.people.selectors import get_person

    institution = selectors.get_institution(request.user, institution_id)
    r = services.admit_resident(
        user=request.user,
        institution=institution,
        person=get_person(request.user, payload.person_id),
        admitted_on=payload.admitted_on,
        bed_label=payload.bed_label,
    )
    return Status(201, {"id": r.pk, "person_id": r.person_id})


@router.get("/associations")
def list_associations(request):
    return [
        {
            "id": a.pk,
            "name": a.name,
            "region": {"code": a.region.code, "name": a.region.name},
            "founded_on": a.founded_on,
            "dissolved_on": a.dissolved_on,
            "members": a.members,
        }
        for a in selectors.associations_for(request.user)[:2000]
    ]


@router.post("/associations", response={201: dict})
def create_association(request, payload: AssociationIn):
    region = _region(request.user, payload.region, "region")
    a = services.register_association(
        user=request.user,
        region=region,
        name=payload.name,
        founded_on=payload.founded_on,
        members=payload.members,
        chair=payload.chair,
    )
    return Status(201, {"id": a.pk, "name": a.name})

"""The elderly registry: list, profile, contacts, ability assessments and grading."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from minzheng.core.apitypes import Id
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.pagination import Listing, paginated

from .. import ability, selectors, services
from .outputs import _grade, assessment_out, elderly_detail_out, elderly_out
from .schemas import AssessmentIn, ContactIn, ElderlyFilter, ElderlyItemOut, GradeIn, ProfileIn

router = Router()


@router.get("/elderly", response=list[ElderlyItemOut])
@paginated()
def list_elderly(request, filters: Query[ElderlyFilter]):
    """People aged 60+ from the population registry in the caller's reach, with living situation
    and latest ability grade."""
    on = timezone.localdate()
    qs = selectors.search_elderly(
        request.user,
        query=filters.q,
        living=filters.living,
        grade=filters.grade,
        region_code=filters.region,
    )
    return Listing(qs, lambda p: elderly_out(p, on))


@router.get("/elderly/{person_id}")
def get_elderly(request, person_id: Id):
    return elderly_detail_out(request.user, selectors.get_elderly(request.user, person_id))


@router.put("/elderly/{person_id}/profile")
def put_profile(request, person_id: Id, payload: ProfileIn):
    person = selectors.get_elderly(request.user, person_id)
    clinic = None
    if payload.health_clinic_id:
        clinic = selectors.providers_for(request.user).filter(pk=payload.health_clinic_id).first()
        if clinic is None:
            raise ServiceError({"health_clinic_id": [_("卫生服务机构不存在")]})
    services.update_profile(
        user=request.user,
        person=person,
        living_situation=payload.living_situation,
        address=payload.address,
        health_record_number=payload.health_record_number,
        health_clinic=clinic,
        health_record_since=payload.health_record_since,
        note=payload.note,
    )
    return elderly_detail_out(request.user, selectors.get_elderly(request.user, person_id))


@router.post("/elderly/{person_id}/contacts", response={201: dict})
def add_contact(request, person_id: Id, payload: ContactIn):
    person = selectors.get_elderly(request.user, person_id)
    c = services.add_contact(
        user=request.user,
        person=person,
        name=payload.name,
        relation=payload.relation,
        phone=payload.phone,
    )
    return Status(201, {"id": c.pk, "name": c.name, "relation": c.relation, "phone": c.phone})


@router.delete("/elderly/{person_id}/contacts/{contact_id}", response={204: None})
def remove_contact(request, person_id: Id, contact_id: Id):
    person = selectors.get_elderly(request.user, person_id)
    profile = selectors.profile_of(person)
    contact = profile.contacts.filter(pk=contact_id).first() if profile else None
    if contact is None:
        raise NotFoundOrOutOfScope()
    services.remove_contact(user=request.user, contact=contact)
    return Status(204, None)


@router.post("/elderly/{person_id}/assessments", response={201: dict})
def create_assessment(request, person_id: Id, payload: AssessmentIn):
    """Record an ability assessment; the grade follows MZ/T 039-2013."""
    person = selectors.get_elderly(request.user, person_id)
    data = payload.dict()
    a = services.record_assessment(user=request.user, person=person, **data)
    return Status(201, assessment_out(a))


@router.get("/elderly/{person_id}/assessments")
def list_assessments(request, person_id: Id):
    return [
        assessment_out(a)
        for a in selectors.assessments_of(selectors.get_elderly(request.user, person_id))
    ]


@router.post("/ability/grade")
def grade(request, payload: GradeIn):
    """The MZ/T 039-2013 grade of the given scores (nothing is saved)."""
    try:
        g = ability.grade_assessment(**payload.dict())
    except ability.InvalidScore as exc:
        raise ServiceError({exc.field: [str(exc.message)]}) from None
    return {
        "adl_grade": g.adl,
        "mental_grade": g.mental,
        "perception_grade": g.perception,
        "social_grade": g.social,
        "base_grade": g.base,
        "escalations": list(g.escalations),
        "coma": g.coma,
        "notes": g.notes,
        "ability": _grade(g.grade),
    }

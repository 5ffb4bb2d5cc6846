"""How the elderly-care API writes its records, and the lookups its operations share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.money import yuan_str, yuan_to_fen
from minzheng.payments import months
from minzheng.regions.models import Region
from minzheng.regions.selectors import get_region

from .. import ability, allowance, selectors
from ..models import AllowanceEnrolment, Booking, Institution, ServiceItem


def _grade(grade) -> dict | None:
    if grade is None:
        return None
    return {
        "grade": grade,
        "label": str(ability.GRADE_LABELS[grade]),
        "disability": ability.disability_status(grade),
    }


def elderly_out(p, on: dt.date) -> dict:
    profile = getattr(p, "elderly_profile", None)
    return {
        "id": p.pk,
        "name": p.name,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "age": allowance.age_on(p.birth_date, on),
        "id_masked": p.id_masked,
        "hukou_region": {"code": p.hukou_region.code, "name": p.hukou_region.name},
        "residence_region": {"code": p.residence_region.code, "name": p.residence_region.name}
        if p.residence_region_id
        else None,
        "living_situation": profile.living_situation if profile else "",
        "ability": _grade(getattr(p, "latest_grade", None)),
    }


def _elderly_profile(p):
    try:
        return p.elderly_profile
    except AttributeError:  # RelatedObjectDoesNotExist: no profile yet
        return None


def elderly_detail_out(user, p) -> dict:
    on = timezone.localdate()
    profile = _elderly_profile(p)
    data = elderly_out(p, on)
    data.update(
        {
            "suggested_living_situation": selectors.household_living_situation(p, on),
            "profile": {
                "address": profile.address,
                "health_record_number": profile.health_record_number,
                "health_clinic": {
                    "id": profile.health_clinic_id,
                    "name": profile.health_clinic.name,
                }
                if profile.health_clinic_id
                else None,
                "health_record_since": profile.health_record_since,
                "note": profile.note,
                "contacts": [
                    {"id": c.pk, "name": c.name, "relation": c.relation, "phone": c.phone}
                    for c in profile.contacts.all()
                ],
            }
            if profile
            else None,
            "assessments": [assessment_out(a) for a in selectors.assessments_of(p)[:20]],
            "allowance": [
                enrolment_out(e) for e in allowance.enrolments_for(user).filter(person=p)
            ],
        }
    )
    return data


def assessment_out(a) -> dict:
    return {
        "id": a.pk,
        "assessed_on": a.assessed_on,
        "reason": a.reason,
        "adl_score": a.adl_score,
        "adl_grade": a.adl_grade,
        "mental_score": a.mental_score,
        "mental_grade": a.mental_grade,
        "perception_grade": a.perception_grade,
        "social_score": a.social_score,
        "social_grade": a.social_grade,
        "base_grade": a.base_grade,
        "escalations": a.escalations,
        "ability": _grade(a.grade),
        "assessors": a.assessors,
        "next_due_on": a.next_due_on,
    }


def enrolment_out(e: AllowanceEnrolment) -> dict:
    return {
        "id": e.pk,
        "person": {"id": e.person_id, "name": e.person.name, "birth_date": e.person.birth_date},
        "region": {"code": e.region.code, "name": e.region.name},
        "status": e.status,
        "status_label": e.get_status_display(),
        "eligible_from": months.label(e.eligible_from),
        "proposed_on": e.proposed_on,
        "problem": e.problem,
        "reason": e.reason,
        "entitlement_id": e.entitlement_id,
        "monthly_amount": yuan_str(e.entitlement.monthly_amount_fen) if e.entitlement_id else None,
    }


def provider_out(p) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "region": p.region.code,
        "phone": p.phone,
        "active": p.active,
    }


def item_out(i: ServiceItem) -> dict:
    return {
        "id": i.pk,
        "provider_id": i.provider_id,
        "provider": i.provider.name,
        "category": i.category,
        "category_label": i.get_category_display(),
        "name": i.name,
        "unit": i.unit,
        "unit_label": i.get_unit_display(),
        "price": yuan_str(i.price_fen),
        "minutes_per_unit": i.minutes_per_unit,
        "active": i.active,
    }


def booking_out(b: Booking) -> dict:
    return {
        "id": b.pk,
        "number": b.number,
        "status": b.status,
        "status_label": b.get_status_display(),
        "person": {"id": b.person_id, "name": b.person.name},
        "region": {"code": b.region.code, "name": b.region.name},
        "provider": {"id": b.provider_id, "name": b.provider.name},
        "item": {
            "id": b.item_id,
            "name": b.item.name,
            "category": b.item.category,
            "unit": b.item.unit,
        },
        "quantity": b.quantity,
        "scheduled_at": b.scheduled_at,
        "address": b.address,
        "contact_phone": b.contact_phone,
        "note": b.note,
        "channel": b.channel,
        "worker": {"id": b.worker_id, "name": b.worker.name} if b.worker_id else None,
        "checked_in_at": b.checked_in_at,
        "checked_out_at": b.checked_out_at,
        "served_on": b.served_on,
        "gross": yuan_str(b.gross_fen),
        "subsidy": yuan_str(b.subsidy_fen),
        "own_share": yuan_str(b.own_share_fen),
        "subsidy_minutes": b.subsidy_minutes,
        "rating": b.rating,
        "feedback": b.feedback,
        "payable": b.payable,
        "settlement_id": b.settlement_id,
        "actual_minutes": b.actual_minutes,
        "anomalies": [
            {"code": code, "label": str(Booking.ANOMALIES.get(code, code))}
            for code in b.anomalies or []
        ],
        "review": b.review,
        "review_label": b.get_review_display(),
        "review_note": b.review_note,
    }


def settlement_out(s) -> dict:
    return {
        "id": s.pk,
        "provider": {"id": s.provider_id, "name": s.provider.name},
        "month": months.label(s.month),
        "status": s.status,
        "status_label": s.get_status_display(),
        "bookings": s.booking_count,
        "gross": yuan_str(s.gross_fen),
        "subsidy": yuan_str(s.subsidy_fen),
        "own_share": yuan_str(s.own_share_fen),
    }


def institution_out(i: Institution) -> dict:
    return {
        "id": i.pk,
        "name": i.name,
        "kind": i.kind,
        "kind_label": i.get_kind_display(),
        "region": {"code": i.region.code, "name": i.region.name},
        "beds": i.beds,
        "occupied": getattr(i, "occupied", None),
        "opened_on": i.opened_on,
        "closed_on": i.closed_on,
        "has_health_agreement": bool(getattr(i, "linked", 0)),
    }


def _region(user, code: str, field: str) -> Region:
    try:
        return get_region(user, code)
    except NotFoundOrOutOfScope:
        raise ServiceError({field: [_("区划不存在或不在管辖范围内")]}) from None


def _fen(value: Decimal) -> int:
    return yuan_to_fen(str(value))

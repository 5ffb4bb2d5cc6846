"""Writes of satisfaction: invite (sampled, once per subject, told by a notification with the
link to the answer page), the resident's answer on the page, staff recording one from a phone
call. One answer per invitation."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.roles import Role, may_write, role_of
from minzheng.core.scope import region_in_scope
from minzheng.notifications.services import notify_many

from .models import Channel, Invitation, Rating, Service
from .params import sampled

PHONE_RECORDERS = {Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN}


def invite_many(service: str, rows: list[dict], *, on: dt.date | None = None, rate=None) -> int:
    """Invite the sampled subjects among `rows` (dicts with subject_type, subject_id, number,
    person_id, region_id, unit_id and phone): one invitation per subject, however often this
    runs, and one survey message each. Set-based; returns how many were new."""
    on = on or timezone.localdate()
    rows = [
        r for r in rows if r.get("person_id") and sampled(r["subject_type"], r["subject_id"], rate)
    ]
    if not rows:
        return 0
    keys = {(r["subject_type"], str(r["subject_id"])) for r in rows}
    existing = set(
        Invitation.objects.filter(
            subject_type__in={k[0] for k in keys}, subject_id__in={k[1] for k in keys}
        ).values_list("subject_type", "subject_id")
    )
    new = [
        Invitation(
            service=service,
            subject_type=r["subject_type"],
            subject_id=str(r["subject_id"]),
            number=str(r.get("number") or "")[:40],
            person_id=r["person_id"],
            region_id=r["region_id"],
            unit_id=r.get("unit_id"),
            invited_on=on,
        )
        for r in rows
        if (r["subject_type"], str(r["subject_id"])) not in existing
    ]
    Invitation.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    created = Invitation.objects.filter(
        subject_type__in={i.subject_type for i in new},
        subject_id__in={i.subject_id for i in new},
        invited_on=on,
        rating="",
    ).values("pk", "subject_type", "subject_id", "number", "person_id", "region_id")
    phones = {(r["subject_type"], str(r["subject_id"])): r.get("phone", "") for r in rows}
    label = str(Service(service).label)
    notify_many(
        "satisfaction_survey",
        [
            {
                "dedup": f"invitation:{i['pk']}",
                "person_id": i["person_id"],
                "phone": phones.get((i["subject_type"], i["subject_id"]), ""),
                "subject_type": "satisfaction.invitation",
                "subject_id": i["pk"],
                "link": reverse("satisfaction:answer", args=[i["pk"]]),
                "region_id": i["region_id"],
                "params": {
                    "service": label,
                    "number": i["number"],
                    "link": reverse("satisfaction:answer", args=[i["pk"]]),
                },
            }
            for i in created
        ],
    )
    return len(new)


def invite(
    *,
    service: str,
    subject,
    person,
    region,
    number: str = "",
    unit=None,
    phone: str = "",
    on: dt.date | None = None,
    rate=None,
) -> int:
    """Invite one subject (a model instance) if it is sampled; see invite_many."""
    return invite_many(
        service,
        [
            {
                "subject_type": subject._meta.label_lower,
                "subject_id": subject.pk,
                "number": number,
                "person_id": person.pk if person else None,
                "region_id": region.pk,
                "unit_id": getattr(unit, "pk", unit),
                "phone": phone or (person.phone if person else ""),
            }
        ],
        on=on,
        rate=rate,
    )


@transaction.atomic
def record_given(
    *, service: str, subject, person, region, rating: str, unit=None, number: str = "", by=None
) -> Invitation:
    """A rating given on another page of the platform — a complainant rating the reply on the
    complaint itself — counted among the service's answers: every one, not a sample, with no
    survey message, once per subject (a second rating of the same subject changes nothing)."""
    if rating not in Rating.values:
        raise ServiceError({"rating": [_("请选择满意、基本满意或不满意")]})
    invitation, created = Invitation.objects.get_or_create(
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        defaults={
            "service": service,
            "number": str(number)[:40],
            "person": person,
            "region": region,
            "unit_id": getattr(unit, "pk", unit),
            "invited_on": timezone.localdate(),
            "rating": rating,
            "channel": Channel.PAGE,
            "answered_at": timezone.now(),
            "recorded_by": by if getattr(by, "is_authenticated", False) else None,
        },
    )
    if created:
        audit.record_created(invitation, note=_("满意度评价"))
    return invitation


def _check(rating: str, comment: str) -> tuple[str, str]:
    if rating not in Rating.values:
        raise ServiceError({"rating": [_("请选择满意、基本满意或不满意")]})
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ServiceError({"comment": [_("意见建议不超过500字")]})
    if rating == Rating.DISSATISFIED and not comment:
        raise ServiceError({"comment": [_("请说明不满意的原因，以便改进")]})
    return rating, comment


def _answer(user, invitation: Invitation, rating, comment, channel) -> Invitation:
    rating, comment = _check(rating, comment)
    inv = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if inv.rating:
        raise ServiceError({"rating": [_("该调查已评价，每次调查只能评价一次")]}, status=409)
    with audit.audited(inv, note=_("满意度评价")):
        inv.rating, inv.comment, inv.channel = rating, comment, channel
        inv.answered_at = timezone.now()
        inv.recorded_by = user
        inv.save(update_fields=["rating", "comment", "channel", "answered_at", "recorded_by"])
    return inv


@transaction.atomic
def answer(*, user, invitation: Invitation, rating: str, comment: str = "") -> Invitation:
    """The resident answers their own survey on the page."""
    if not user.is_authenticated or invitation.person_id != user.person_id:
        raise NotFoundOrOutOfScope()
    return _answer(user, invitation, rating, comment, Channel.PAGE)


@transaction.atomic
def record_call(*, user, invitation: Invitation, rating: str, comment: str = "") -> Invitation:
    """Staff record the answer given on a phone call (回访)."""
    if role_of(user) not in PHONE_RECORDERS or not may_write(user):
        raise PermissionDeniedError(_("当前账号无权登记电话回访"))
    if not region_in_scope(user, invitation.region):
        raise NotFoundOrOutOfScope()
    return _answer(user, invitation, rating, comment, Channel.PHONE)

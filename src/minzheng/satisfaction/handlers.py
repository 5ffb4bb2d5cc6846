"""What satisfaction subscribes to (connected in apps.py): a case decided (approved or refused,
django-fsm post_transition), a booking served (eldercare.signals.booking_served), a payment paid
(payments.signals.payments_returned). Each invites a sample; a complaint module adds its own
handler calling services.invite the same way."""

from __future__ import annotations

from django.db.models import F

from .models import Service
from .services import invite, invite_many, record_given


def on_case_transition(sender, instance=None, name: str = "", **kwargs) -> None:
    from minzheng.cases import clock
    from minzheng.cases.models import Case, Decision

    if sender is not Case or instance is None or name not in ("approve", "refuse"):
        return
    decision = Decision.objects.filter(case=instance).select_related("decided_by").last()
    unit = decision.decided_by.unit_id if decision and decision.decided_by else None
    invite(
        service=Service.CASE,
        subject=instance,
        person=instance.applicant,
        region=instance.region,
        number=instance.number,
        unit=unit,
        phone=instance.phone,
        on=clock.today(),  # published before the service sets closed_on
    )


def on_booking_served(sender, booking=None, at=None, **kwargs) -> None:
    if booking is None:
        return
    invite(
        service=Service.ELDERCARE,
        subject=booking,
        person=booking.person,
        region=booking.region,
        number=booking.number,
        phone=booking.contact_phone,
        on=at.date() if at else None,
    )


def on_payments_returned(sender, kind: str = "", bank_return=None, **kwargs) -> None:
    from minzheng.payments.models import OneOffItem, PayrollLine

    if bank_return is None:
        return
    if kind == "payroll":
        qs = PayrollLine.objects.filter(bank_return=bank_return, status="paid", kind="regular")
        subject_type = "payments.payrollline"
        recipient = F("person_id")
    elif kind == "oneoff":
        qs = OneOffItem.objects.filter(bank_return=bank_return, status="paid")
        subject_type = "payments.oneoffitem"
        recipient = F("payable__person_id")
    else:
        return
    rows = qs.annotate(recipient=recipient, head=F("household__head_id")).values(
        "pk", "recipient", "head", "region_id", "household__number", "household__head__phone"
    )
    invite_many(
        Service.PAYMENT,
        [
            {
                "subject_type": subject_type,
                "subject_id": r["pk"],
                "number": r["household__number"],
                "person_id": r["recipient"] or r["head"],
                "region_id": r["region_id"],
                "phone": r["household__head__phone"] or "",
            }
            for r in rows
        ],
    )


def on_complaint_rated(sender, complaint=None, by=None, satisfaction: str = "", **kwargs) -> None:
    """The complainant's rating of the reply (on the complaint's page) is the complaints service's
    answer: recorded once, whoever the complainant is (a registry person, a name and phone, or
    anonymous: the rating then counts without a person)."""
    if complaint is None or not satisfaction:
        return
    record_given(
        service=Service.COMPLAINT,
        subject=complaint,
        person=complaint.complainant,
        region=complaint.owner_region,
        unit=complaint.owner_unit_id,
        number=complaint.number,
        rating=satisfaction,
        by=by,
    )

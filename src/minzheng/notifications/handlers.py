"""The milestones notifications subscribe to (connected in apps.py). Each handler runs inside
the publisher's transaction, queues its messages with a dedup key naming the trigger (so an event
published twice notifies once) and never calls a sender: the dispatcher sends after the commit.

- cases (django-fsm `post_transition` of Case, and the new case's `post_save`): accepted,
  materials missing (with the one-time list; and the authorisation needed when none is on file),
  publicity, approved (with the amount) or refused (with the reasons); to-dos to the township
  clerks when an application is filed, and to the county approvers when a case reaches approval.
- eldercare (`booking_moved`): a new booking is a to-do of the provider's accounts; booking
  accepted, worker dispatched.
- payments (`payments_returned`): monthly and one-off payments paid or failed, set-based.
- payments' entitlements (`review_due_scan`, run daily by the job): periodic review due.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from minzheng.core.money import yuan_str

from .services import notify, notify_many

STAFF_TODO = {
    # (state reached) -> (kind, role)
    "county_review": ("todo_case_county_review", "county_approver"),
}


def _programme(case) -> str:
    return case.get_programme_display()


def _case_params(case, **extra) -> dict:
    return {"programme": _programme(case), "number": case.number, **extra}


def _to_applicant(kind: str, case, dedup: str, **params) -> None:
    applicant = case.applicant
    notify(
        kind=kind,
        dedup=dedup,
        person=applicant,
        phone=case.phone or applicant.phone,
        subject=case,
        link=reverse("cases:detail", args=[case.pk]),
        region=case.region,
        text_params=_case_params(case, **params),
    )


def _staff_of(region, role: str):
    from minzheng.accounts.models import User

    codes = [c for c in region.path.strip("/").split("/") if c]
    return User.objects.filter(role=role, is_active=True, region__code__in=codes)


def _todo(kind: str, case, role: str, dedup: str, **params) -> None:
    from minzheng.regions.models import Region

    link = reverse("cases:detail", args=[case.pk])
    region = Region.objects.get(pk=case.region_id)
    rows = [
        {
            "dedup": f"{dedup}:{u.pk}",
            "user_id": u.pk,
            "phone": u.phone,
            "subject_type": "cases.case",
            "subject_id": case.pk,
            "link": link,
            "region_id": case.region_id,
            "params": _case_params(case, region=region.name, **params),
        }
        for u in _staff_of(region, role).only("pk", "phone")
    ]
    notify_many(kind, rows)


def on_case_created(sender, instance=None, created=False, raw=False, **kwargs) -> None:
    if not created or raw or instance is None:
        return
    _todo("todo_case_submitted", instance, "township_clerk", f"case:{instance.pk}")


def on_case_transition(sender, instance=None, name: str = "", target: str = "", **kwargs) -> None:
    from minzheng.cases.models import Authorisation, Case, Decision, State

    if sender is not Case or instance is None:
        return
    case = instance
    if name == "start_verification":
        _to_applicant("case_accepted", case, f"case:{case.pk}")
    elif name == "request_materials":
        notice = getattr(case, "missing_materials", None)
        items = "、".join(notice.items) if notice is not None else ""
        _to_applicant("case_materials_missing", case, f"case:{case.pk}", items=items)
        if not Authorisation.objects.filter(case=case).exists():
            _to_applicant("case_authorisation_needed", case, f"case:{case.pk}")
    elif name == "start_publicity":
        publicity = getattr(case, "publicity", None)
        days = (publicity.ends_on - publicity.starts_on).days if publicity else ""
        _to_applicant("case_publicity", case, f"case:{case.pk}", days=days)
    elif name == "approve":
        decision = (
            Decision.objects.filter(case=case, outcome=Decision.Outcome.APPROVE)
            .order_by("-id")
            .first()
        )
        amount = decision.amount_fen if decision else None
        text = f"，核定金额{yuan_str(amount)}元" if amount else ""
        _to_applicant("case_approved", case, f"case:{case.pk}", amount=text)
    elif name == "refuse":
        decision = (
            Decision.objects.filter(case=case, outcome=Decision.Outcome.REFUSE)
            .order_by("-id")
            .first()
        )
        _to_applicant(
            "case_refused", case, f"case:{case.pk}", reasons=decision.reasons if decision else ""
        )
    if target == State.COUNTY_REVIEW:
        kind, role = STAFF_TODO["county_review"]
        # The transition is published before the service sets the new stage's dates: its due
        # date is the rule's from today (the acting day of every ordinary action).
        from minzheng.cases import clock
        from minzheng.cases.services import stage_due_date

        due_on = stage_due_date(case, State.COUNTY_REVIEW, clock.today())
        due = due_on.strftime("%Y年%m月%d日") if due_on else ""
        _todo(kind, case, role, f"case:{case.pk}", due=due)


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%m月%d日%H:%M")


def _provider_todo(booking) -> None:
    """A new booking: a to-do to the provider's accounts."""
    from minzheng.accounts.models import User

    accounts = User.objects.filter(provider_staff__provider_id=booking.provider_id, is_active=True)
    notify_many(
        "todo_booking_requested",
        [
            {
                "dedup": f"booking:{booking.pk}:{u.pk}",
                "user_id": u.pk,
                "phone": u.phone,
                "subject_type": "eldercare.booking",
                "subject_id": booking.pk,
                "link": reverse("eldercare:booking_detail", args=[booking.pk]),
                "region_id": booking.region_id,
                "params": {
                    "item": booking.item.name,
                    "number": booking.number,
                    "when": _when(booking.scheduled_at),
                },
            }
            for u in accounts.only("pk", "phone")
        ],
    )


def on_booking_moved(sender, booking=None, action: str = "", **kwargs) -> None:
    if booking is None:
        return
    if action == "create":
        _provider_todo(booking)
        return
    if action not in ("accept", "dispatch"):
        return
    params = {
        "item": booking.item.name,
        "number": booking.number,
        "provider": booking.provider.name,
        "when": _when(booking.scheduled_at),
    }
    if action == "accept":
        kind, dedup = "booking_accepted", f"booking:{booking.pk}"
    else:
        kind, dedup = "booking_dispatched", f"booking:{booking.pk}:{booking.worker_id}"
        params["worker"] = booking.worker.name if booking.worker_id else ""
    notify(
        kind=kind,
        dedup=dedup,
        person=booking.person,
        phone=booking.contact_phone,
        subject=booking,
        link=reverse("eldercare:booking_detail", args=[booking.pk]),
        region=booking.region,
        text_params=params,
    )


def _month(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def on_payments_returned(sender, kind: str = "", bank_return=None, **kwargs) -> None:
    """Every payment the return settled, paid or failed: one message each, in bulk."""
    from minzheng.payments.models import OneOffItem, PayrollLine
    from minzheng.payments.oneoff import _programme_name
    from minzheng.people.models import Person

    if bank_return is None:
        return
    if kind == "payroll":
        rows = (
            PayrollLine.objects.filter(
                bank_return=bank_return,
                status__in=("paid", "failed"),
                kind__in=("regular", "back_pay"),
            )
            .annotate(recipient=F("person_id"), head=F("household__head_id"))
            .values(
                "pk",
                "recipient",
                "head",
                "region_id",
                "month",
                "amount_fen",
                "programme",
                "status",
                "failure_reason",
            )
        )
        subject_type = "payments.payrollline"
    elif kind == "oneoff":
        rows = (
            OneOffItem.objects.filter(bank_return=bank_return, status__in=("paid", "failed"))
            .annotate(recipient=F("payable__person_id"), head=F("household__head_id"))
            .values(
                "pk",
                "recipient",
                "head",
                "region_id",
                "amount_fen",
                "programme",
                "status",
                "failure_reason",
                "batch__pay_date",
            )
        )
        subject_type = "payments.oneoffitem"
    else:
        return
    rows = list(rows)
    person_ids = {r["recipient"] or r["head"] for r in rows} - {None}
    phones = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "phone"))
    link = reverse("payments:mine")
    by_kind: dict[str, list[dict]] = {"payment_paid": [], "payment_failed": []}
    for r in rows:
        person_id = r["recipient"] or r["head"]
        when = r.get("month") or r.get("batch__pay_date")
        notice = "payment_paid" if r["status"] == "paid" else "payment_failed"
        by_kind[notice].append(
            {
                "dedup": f"{subject_type}:{r['pk']}",
                "person_id": person_id,
                "phone": phones.get(person_id, ""),
                "subject_type": subject_type,
                "subject_id": r["pk"],
                "link": link,
                "region_id": r["region_id"],
                "params": {
                    "month": _month(when) if when else "",
                    "programme": _programme_name(r["programme"]),
                    "amount": yuan_str(r["amount_fen"]),
                    "reason": r["failure_reason"] or "银行退回",
                },
            }
        )
    for notice, batch in by_kind.items():
        notify_many(notice, batch)


def review_due_scan(on: dt.date | None = None, *, days_ahead: int = 30) -> int:
    """Entitlements whose periodic review falls within `days_ahead` days: one reminder to the
    household per review date. Set-based; run daily by the job."""
    from minzheng.payments.models import Entitlement
    from minzheng.payments.oneoff import _programme_name
    from minzheng.people.models import Person

    on = on or timezone.localdate()
    rows = list(
        Entitlement.objects.filter(
            status=Entitlement.Status.ACTIVE,
            next_review_on__gte=on,
            next_review_on__lte=on + dt.timedelta(days=days_ahead),
        )
        .annotate(head=F("household__head_id"))
        .values("pk", "person_id", "head", "region_id", "programme", "next_review_on")
    )
    person_ids = {r["person_id"] or r["head"] for r in rows} - {None}
    phones = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "phone"))
    link = reverse("payments:mine")
    return notify_many(
        "review_due",
        [
            {
                "dedup": f"entitlement:{r['pk']}:{r['next_review_on']:%Y%m%d}",
                "person_id": r["person_id"] or r["head"],
                "phone": phones.get(r["person_id"] or r["head"], ""),
                "subject_type": "payments.entitlement",
                "subject_id": r["pk"],
                "link": link,
                "region_id": r["region_id"],
                "params": {
                    "programme": _programme_name(r["programme"]),
                    "due": r["next_review_on"].strftime("%Y年%m月%d日"),
                },
            }
            for r in rows
        ],
    )


# ------------------------------------------------------------------ complaints and petitions


def _complaint_params(complaint, **extra) -> dict:
    return {"number": complaint.number, **extra}


def _to_complainant(kind: str, complaint, **params) -> None:
    """The complainant hears of a decision unless they stayed anonymous or left no way to reach
    them (a registry person, else the phone they gave)."""
    if complaint.anonymous or not (complaint.complainant_id or complaint.complainant_phone):
        return
    with transaction.atomic():
        notify(
            kind=kind,
            dedup=f"{complaint.pk}:{params.pop('step', kind)}",
            person=complaint.complainant,
            phone=complaint.complainant_phone,
            subject=complaint,
            link=reverse("complaints:detail", args=[complaint.pk]),
            region=complaint.owner_region,
            text_params=_complaint_params(complaint, **params),
        )


def _day(value) -> str:
    return value.isoformat() if value else ""


def on_complaint_accepted(sender, complaint=None, **kwargs) -> None:
    _to_complainant("complaint_accepted", complaint, due=_day(complaint.handle_due_on))


def on_complaint_not_accepted(sender, complaint=None, **kwargs) -> None:
    _to_complainant("complaint_not_accepted", complaint, reason=complaint.not_accepted_reason)


def on_complaint_extended(sender, complaint=None, **kwargs) -> None:
    _to_complainant(
        "complaint_extended",
        complaint,
        due=_day(complaint.handle_due_on),
        reason=complaint.extension_reason,
    )


def on_complaint_replied(sender, complaint=None, **kwargs) -> None:
    _to_complainant("complaint_replied", complaint, review_due=_day(complaint.review_due_on))


def on_complaint_review_answered(sender, complaint=None, **kwargs) -> None:
    _to_complainant("complaint_review_answered", complaint)


def on_complaint_transferred(sender, complaint=None, from_region=None, from_unit=None, **kwargs):
    """A to-do for the receiving office: the staff of its unit, else the handlers of its region.
    One per transfer (a complaint may move more than once)."""
    from minzheng.accounts.models import User
    from minzheng.complaints.permissions import HANDLERS

    if complaint.owner_unit_id:
        staff = User.objects.filter(unit_id=complaint.owner_unit_id, is_active=True)
    else:
        staff = User.objects.filter(
            region_id=complaint.owner_region_id, role__in=HANDLERS, is_active=True
        )
    office = from_unit.name if from_unit is not None else getattr(from_region, "name", "")
    transfer = complaint.events.filter(from_region__isnull=False).count()  # the transfer's ordinal
    link = reverse("complaints:detail", args=[complaint.pk])
    due = complaint.handle_due_on or complaint.accept_due_on
    with transaction.atomic():
        notify_many(
            "todo_complaint_transferred",
            [
                {
                    "dedup": f"{complaint.pk}:{transfer}:{u.pk}",
                    "user_id": u.pk,
                    "phone": u.phone,
                    "subject_type": "complaints.complaint",
                    "subject_id": complaint.pk,
                    "link": link,
                    "region_id": complaint.owner_region_id,
                    "params": _complaint_params(complaint, from_office=office, due=_day(due)),
                }
                for u in staff.only("pk", "phone")
            ],
        )

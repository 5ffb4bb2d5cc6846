"""Demo outbox on the synthetic city: the messages its recent milestones would have sent — the
decisions of the latest 600 cases decided by a county (approved with the amount, refused with the
reasons) — most sent, about one in 25 failed after the retries (the gateway did not answer) so the
outbox shows some to resend, and the township clerks' to-dos of the applications still waiting to
be accepted (each clerk's oldest one failed), and the complainants' messages, sent on the day of
each step of their complaint. Rendered through the kinds' templates; set-based; a
second run adds nothing (the dedup keys)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from .kinds import get_kind
from .models import Notification, Status

LATEST = 600  # the latest county decisions told


def seed_demo_notifications() -> dict:
    from minzheng.accounts.models import User
    from minzheng.cases.models import Case, Decision, Programme, State
    from minzheng.core.money import yuan_str

    names = dict(Programme.choices)
    decisions = (
        Decision.objects.filter(
            level=Decision.Level.COUNTY,
            case__state__in=(State.APPROVED, State.REFUSED),
        )
        .annotate(
            number=F("case__number"),
            programme=F("case__programme"),
            person_id=F("case__applicant_id"),
            phone=F("case__applicant__phone"),
            region_id=F("case__region_id"),
        )
        .values(
            "case_id",
            "outcome",
            "amount_fen",
            "reasons",
            "decided_on",
            "number",
            "programme",
            "person_id",
            "phone",
            "region_id",
        )
    )
    rows = []
    for i, d in enumerate(decisions.order_by("-decided_on", "-case_id")[:LATEST]):
        approved = d["outcome"] == Decision.Outcome.APPROVE
        code = "case_approved" if approved else "case_refused"
        params = {
            "programme": str(names.get(d["programme"], "")),
            "number": d["number"],
            "amount": f"，核定金额{yuan_str(d['amount_fen'])}元" if d["amount_fen"] else "",
            "reasons": d["reasons"],
        }
        at = timezone.make_aware(dt.datetime.combine(d["decided_on"], dt.time(10, i % 60)))
        failed = i % 25 == 7 or not d["phone"]
        rows.append(
            Notification(
                kind=code,
                person_id=d["person_id"],
                phone=d["phone"] or "",
                text=get_kind(code).render(params),
                subject_type="cases.case",
                subject_id=str(d["case_id"]),
                link=reverse("cases:detail", args=[d["case_id"]]),
                region_id=d["region_id"],
                status=Status.FAILED if failed else Status.SENT,
                attempts=5 if failed else 1,
                last_error=("无手机号码" if not d["phone"] else "短信网关无应答") if failed else "",
                sent_at=None if failed else at,
                created_at=at,
                dedup_key=f"{code}:case:{d['case_id']}",
            )
        )
    clerks = list(
        User.objects.filter(role="township_clerk", is_active=True).select_related("region")
    )
    waiting = Case.objects.filter(state=State.SUBMITTED).select_related("region")
    first_of: dict[int, int] = {}
    for case in waiting.order_by("id")[:200]:
        for u in clerks:
            if u.region_id and case.region.path.startswith(u.region.path):
                # Each clerk's oldest to-do did not go out (the gateway did not answer): one to
                # resend on the outbox page.
                failed = first_of.setdefault(u.pk, case.pk) == case.pk or not u.phone
                at = timezone.make_aware(dt.datetime.combine(case.applied_on, dt.time(9)))
                rows.append(
                    Notification(
                        kind="todo_case_submitted",
                        user_id=u.pk,
                        phone=u.phone,
                        text=get_kind("todo_case_submitted").render(
                            {
                                "region": case.region.name,
                                "programme": str(names.get(case.programme, "")),
                                "number": case.number,
                            }
                        ),
                        subject_type="cases.case",
                        subject_id=str(case.pk),
                        link=reverse("cases:detail", args=[case.pk]),
                        region_id=case.region_id,
                        status=Status.FAILED if failed else Status.SENT,
                        attempts=5 if failed else 1,
                        last_error=("短信网关无应答" if u.phone else "无手机号码")
                        if failed
                        else "",
                        sent_at=None if failed else at,
                        created_at=at,
                        dedup_key=f"todo_case_submitted:case:{case.pk}:{u.pk}",
                    )
                )
    before = Notification.objects.count()
    Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    # The to-dos the applications filed during the set-up queued already keep their rows: each
    # clerk's oldest one is marked failed the same way (one update per clerk, a few clerks).
    for u in clerks:
        oldest = (
            Notification.objects.filter(user=u, kind="todo_case_submitted")
            .order_by("created_at", "id")
            .values_list("pk", flat=True)[:1]
        )
        Notification.objects.filter(pk__in=list(oldest)).update(
            status=Status.FAILED,
            attempts=5,
            next_attempt_at=None,
            sent_at=None,
            last_error="短信网关无应答" if u.phone else "无手机号码",
        )
    _complaint_messages()
    return {"notifications": Notification.objects.count() - before}


def _complaint_messages() -> None:
    """The complainants' messages of the demo's complaints, as far as each has gone: the
    register's demo writes its rows without publishing, so the handlers are called here (a few
    dozen complaints; each handler's dedup key keeps a second run from adding anything)."""
    from minzheng.complaints.models import Complaint

    from . import handlers

    # The field that tells the step happened, its handler, and the kind of message it queues.
    steps = (
        ("accepted_on", handlers.on_complaint_accepted, "complaint_accepted"),
        ("not_accepted_reason", handlers.on_complaint_not_accepted, "complaint_not_accepted"),
        ("extended_on", handlers.on_complaint_extended, "complaint_extended"),
        ("replied_on", handlers.on_complaint_replied, "complaint_replied"),
        ("review_done_on", handlers.on_complaint_review_answered, "complaint_review_answered"),
    )
    for complaint in Complaint.objects.select_related("complainant", "owner_region"):
        for field, handler, kind in steps:
            if not getattr(complaint, field):
                continue
            handler(Complaint, complaint=complaint)
            # Told on the day of the step, as the dispatcher would have (a message to no number
            # failed); a message from an earlier run is no longer queued and stays as it is.
            on = getattr(complaint, field) if field.endswith("_on") else complaint.received_on
            at = timezone.make_aware(dt.datetime.combine(on, dt.time(10)))
            queued = Notification.objects.filter(
                subject_type="complaints.complaint",
                subject_id=str(complaint.pk),
                kind=kind,
                status=Status.QUEUED,
            )
            queued.exclude(phone="").update(
                status=Status.SENT, attempts=1, created_at=at, sent_at=at, next_attempt_at=None
            )
            queued.filter(phone="").update(
                status=Status.FAILED,
                attempts=1,
                created_at=at,
                next_attempt_at=None,
                last_error="无手机号码",
            )

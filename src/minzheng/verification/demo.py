"""The demo's departmental exchange: applications of 龙泉街道 in verification, each with a signed
authorisation, and runs of the city verification centre waiting for the departments, their
requests in every state a clerk meets (answered on time, answered late, awaiting, overdue).

Dates are set back from today on the working-day calendar, as if the requests had gone out
earlier; the replies are those of departments that found nothing about the people asked."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from minzheng.accounts.models import User
from minzheng.cases import clock
from minzheng.cases import services as case_services
from minzheng.cases.models import Case, DocumentKind
from minzheng.cases.working_days import add_working_days, working_days_between
from minzheng.people.models import Household

from . import exchange, services
from .models import DepartmentRequest, Run
from .sources import get_source

# A scanned authorisation stands in for the signed form.
_SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _working_days_before(day: dt.date, n: int) -> dt.date:
    start = day - dt.timedelta(days=n * 2 + 14)
    while working_days_between(start, day) > n:
        start += dt.timedelta(days=1)
    return start


def _application(clerk, household: Household, applied_on: dt.date) -> Case:
    programme = "dibao_urban" if household.region.urban_rural != "rural" else "dibao_rural"
    case = case_services.apply(
        user=clerk,
        programme=programme,
        household=household,
        applicant=household.head,
        applied_on=applied_on,
    )
    document = case_services.upload_document(
        user=clerk,
        case=case,
        kind=DocumentKind.AUTHORISATION,
        uploaded_file=SimpleUploadedFile("authorisation.pdf", _SCAN),
    )
    case_services.record_authorisation(
        user=clerk,
        case=case,
        document=document,
        signed_on=applied_on,
        signed_by=[household.head.name],
    )
    return case_services.accept(user=clerk, case=case)


def _reply(request: DepartmentRequest, answered_on: dt.date) -> None:
    header = ",".join(c.name for c in get_source(request.source).columns) + "\n"
    exchange.record_reply(
        request=request, data=header.encode(), original_name="reply.csv", via="file"
    )
    DepartmentRequest.objects.filter(pk=request.pk).update(answered_on=answered_on)


def seed_demo_exchange(*, log=print) -> dict:
    """Two runs waiting for departments (idempotent: nothing is added once a run has requests)."""
    if DepartmentRequest.objects.exists():
        return {"runs": 0}
    clerk = User.objects.filter(username="longquan_clerk").first()
    centre = User.objects.filter(username="verify_centre").first()
    if clerk is None or centre is None or clerk.region is None:
        return {"runs": 0}
    today = clock.today()
    households = list(
        Household.objects.filter(
            region__path__startswith=clerk.region.path,
            head__isnull=False,
            head__death_date__isnull=True,
        )
        .exclude(Q(assistance_cases__isnull=False) | Q(entitlements__isnull=False))
        .select_related("region", "head")
        .order_by("id")[:2]
    )
    if len(households) < 2:
        return {"runs": 0}
    # (working days ago the requests went out, replies: source -> working days after sending)
    plans = [
        # Sent 8 working days ago: most departments answered in time, the vehicle registry two
        # days late, the banks and the real-estate registry not at all (overdue).
        (8, {"late": ("vehicles",), "open": ("deposits", "real_estate")}),
        # Sent 2 working days ago: half the departments have answered, the rest are within time.
        (2, {"open": ("deposits", "securities", "vehicles", "tax", "social_insurance")}),
    ]
    made = 0
    for household, (ago, plan) in zip(households, plans, strict=True):
        sent_on = _working_days_before(today, ago)
        case = _application(clerk, household, sent_on - dt.timedelta(days=3))
        run = services.start_run(user=centre, kind=Run.Kind.APPLICATION, case=case, exchange=True)
        due_on = add_working_days(sent_on, exchange.REPLY_WORKING_DAYS)
        run.requests.update(sent_on=sent_on, due_on=due_on)
        for request in run.requests.order_by("source"):
            if request.source in plan.get("open", ()):
                continue
            late = request.source in plan.get("late", ())
            answered_on = (
                add_working_days(due_on, 2) if late else add_working_days(sent_on, min(ago, 2))
            )
            _reply(request, min(answered_on, today))
        made += 1
        log(f"  verification run {run.reference}: requests sent {sent_on}, due {due_on}")
    return {"runs": made}

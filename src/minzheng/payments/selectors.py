"""Reads of entitlements, payrolls, reviews and overpayments, always region-scoped.

Entitlements are scoped by their village; payroll runs by their county, so only staff whose
regions cover the whole county (the county, the city, administrators) see a county's payroll.
Residents see the entitlements of the household they live in.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from minzheng.accounts.models import Role
from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_paths, scope_q
from minzheng.people.models import HouseholdMember
from minzheng.regions.models import Region
from minzheng.regions.selectors import regions_for

from .models import (
    Entitlement,
    EntitlementChange,
    OneOffBatch,
    OneOffItem,
    OneOffPayable,
    Overpayment,
    PayrollLine,
    PayrollRun,
    Review,
)


def _staff(user) -> bool:
    return bool(
        user is not None and user.is_authenticated and (user.is_superuser or user.is_staff_role)
    )


def entitlements_for(user) -> QuerySet[Entitlement]:
    qs = Entitlement.objects.select_related("household", "person", "region", "household__head")
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.role == Role.RESIDENT:
        if not user.person_id:
            return qs.none()
        own = HouseholdMember.objects.filter(person_id=user.person_id, until__isnull=True).values(
            "household_id"
        )
        return qs.filter(household_id__in=own)
    if not _staff(user):
        return qs.none()
    return qs.filter(scope_q(user, "region"))


def get_entitlement(user, pk: int) -> Entitlement:
    entitlement = entitlements_for(user).filter(pk=pk).first()
    if entitlement is None:
        raise NotFoundOrOutOfScope()
    return entitlement


def search_entitlements(
    user, *, status: str = "", programme: str = "", region_code: str = "", query: str = ""
) -> QuerySet[Entitlement]:
    qs = entitlements_for(user)
    if status:
        qs = qs.filter(status=status)
    if programme:
        qs = qs.filter(programme=programme)
    if region_code:
        qs = qs.filter(region__path__contains=f"{region_code}/")
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(household__number__startswith=query)
            | Q(household__head__name__contains=query)
            | Q(person__name__contains=query)
        )
    return qs


def changes_of(entitlement: Entitlement) -> QuerySet[EntitlementChange]:
    return entitlement.changes.select_related("standard", "by").order_by("-id")


def amount_period(entitlement_id: int, month: dt.date) -> EntitlementChange | None:
    """The amount row in force for the month (None before the entitlement started)."""
    return (
        EntitlementChange.objects.filter(
            entitlement_id=entitlement_id, new_amount_fen__isnull=False, effective_month__lte=month
        )
        .filter(Q(until_month__isnull=True) | Q(until_month__gt=month))
        .order_by("-effective_month", "-id")
        .first()
    )


def amount_for_month(entitlement: Entitlement, month: dt.date) -> int:
    period = amount_period(entitlement.pk, month)
    return period.new_amount_fen if period is not None else 0


def runs_for(user) -> QuerySet[PayrollRun]:
    qs = PayrollRun.objects.select_related("county", "approved_by", "job")
    if not _staff(user):
        return qs.none()
    return qs.filter(scope_q(user, "county"))


def get_run(user, pk: int) -> PayrollRun:
    run = runs_for(user).filter(pk=pk).first()
    if run is None:
        raise NotFoundOrOutOfScope()
    return run


def lines_of(run: PayrollRun) -> QuerySet[PayrollLine]:
    """The lines of a run the caller already found through `get_run`."""
    return run.lines.select_related("region", "household").order_by("id")


def lines_of_entitlement(entitlement: Entitlement) -> QuerySet[PayrollLine]:
    return entitlement.lines.select_related("run").order_by("-month", "-attempt")


def counties_for(user) -> QuerySet[Region]:
    """Counties whose payroll the user may see: those inside the user's regions."""
    qs = Region.objects.filter(level=Region.Level.COUNTY)
    if not _staff(user):
        return qs.none()
    paths = scope_paths(user)
    if paths is None:
        return qs
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__startswith=p)
    return qs.filter(q)


def county_of(region: Region) -> Region | None:
    codes = region.path.strip("/").split("/")
    return Region.objects.filter(code__in=codes, level=Region.Level.COUNTY).first()


def due_reviews_for(user, on: dt.date | None = None) -> QuerySet[Entitlement]:
    """Live entitlements whose review is due on or before `on` (default today), oldest first."""
    if user is not None and user.is_authenticated and user.role == Role.RESIDENT:
        return Entitlement.objects.none()
    on = on or timezone.localdate()
    return (
        entitlements_for(user)
        .exclude(status=Entitlement.Status.TERMINATED)
        .filter(next_review_on__lte=on)
        .order_by("next_review_on", "id")
    )


def reviews_for(user) -> QuerySet[Review]:
    visible = entitlements_for(user).values("pk")
    return Review.objects.filter(entitlement__in=visible).select_related(
        "entitlement", "entitlement__household", "entitlement__region"
    )


def get_review(user, pk: int) -> Review:
    if user is not None and user.is_authenticated and user.role == Role.RESIDENT:
        raise NotFoundOrOutOfScope()
    review = reviews_for(user).filter(pk=pk).first()
    if review is None:
        raise NotFoundOrOutOfScope()
    return review


def open_review(entitlement: Entitlement) -> Review | None:
    return entitlement.reviews.filter(status=Review.Status.PROPOSED).first()


def overpayments_for(user) -> QuerySet[Overpayment]:
    if user is not None and user.is_authenticated and user.role == Role.RESIDENT:
        return Overpayment.objects.none()
    if not _staff(user):
        return Overpayment.objects.none()
    return Overpayment.objects.filter(scope_q(user, "entitlement__region")).select_related(
        "line",
        "entitlement",
        "entitlement__household",
        "entitlement__region",
        "writeoff_requested_by",
        "writeoff_approved_by",
    )


def get_overpayment(user, pk: int) -> Overpayment:
    found = overpayments_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundOrOutOfScope()
    return found


def due_reviews_widget_context(user, *, limit: int = 8) -> dict | None:
    """Context of the workbench card `payments/_due_reviews_widget.html`; None for non-staff."""
    if not (user.is_superuser or user.is_staff_role):
        return None
    today = timezone.localdate()
    due = due_reviews_for(user, today)
    context = {
        "due_review_count": due.count(),
        "overdue_count": due.filter(next_review_on__lt=today).count(),
        "today": today,
        "open_overpayments": overpayments_for(user).filter(status="open").count(),
    }
    if user.role == Role.LEADER:
        # A leader follows the numbers, not the households: due and overdue reviews per county,
        # counted in one query (a pair of filtered counts per county path).
        counties = list(regions_for(user).filter(level=Region.Level.COUNTY).order_by("code"))
        counts = due.aggregate(
            **{
                f"{kind}_{c.pk}": Count("id", filter=Q(region__path__startswith=c.path, **extra))
                for c in counties
                for kind, extra in (("due", {}), ("overdue", {"next_review_on__lt": today}))
            }
        )
        context["by_county"] = [
            {"name": c.name, "due": counts[f"due_{c.pk}"], "overdue": counts[f"overdue_{c.pk}"]}
            for c in counties
            if counts[f"due_{c.pk}"]
        ]
    else:
        context["due_reviews"] = list(due[:limit])
    return context


# ---------------------------------------------------------------- one-off payments
#
# Payables are scoped by their village (a township clerk sees and settles those of the township),
# batches by their county like payroll runs.


def payables_for(user) -> QuerySet[OneOffPayable]:
    qs = OneOffPayable.objects.select_related("household", "person", "region", "region__parent")
    if not _staff(user):
        return qs.none()
    return qs.filter(scope_q(user, "region"))


def get_payable(user, pk: int) -> OneOffPayable:
    payable = payables_for(user).filter(pk=pk).first()
    if payable is None:
        raise NotFoundOrOutOfScope()
    return payable


def batches_for(user) -> QuerySet[OneOffBatch]:
    qs = OneOffBatch.objects.select_related("county", "approved_by", "job")
    if not _staff(user):
        return qs.none()
    return qs.filter(scope_q(user, "county"))


def get_batch(user, pk: int) -> OneOffBatch:
    batch = batches_for(user).filter(pk=pk).first()
    if batch is None:
        raise NotFoundOrOutOfScope()
    return batch


def items_of(batch: OneOffBatch) -> QuerySet[OneOffItem]:
    """The items of a batch the caller already found through `get_batch`."""
    return batch.items.select_related("region", "household", "payable").order_by("id")


def pending_summary(user, county: Region) -> dict:
    """What a new batch of the county would take: pending payables and failed ones to re-issue."""
    qs = payables_for(user).filter(region__path__startswith=county.path)
    pending = qs.filter(status=OneOffPayable.Status.PENDING).aggregate(
        count=Count("id"), total=Sum("amount_fen")
    )
    failed = qs.filter(status=OneOffPayable.Status.FAILED).aggregate(
        count=Count("id"), total=Sum("amount_fen")
    )
    return {
        "pending_count": pending["count"],
        "pending_fen": pending["total"] or 0,
        "failed_count": failed["count"],
        "failed_fen": failed["total"] or 0,
    }


def oneoff_widget_context(user) -> dict | None:
    """Context of the workbench card `payments/_oneoff_widget.html`: payables waiting in the
    user's regions, and the latest batches for those who run them. None for non-staff."""
    if not _staff(user) or user.role == Role.LEADER:
        return None
    qs = payables_for(user)
    waiting = qs.filter(status__in=[OneOffPayable.Status.PENDING, OneOffPayable.Status.FAILED])
    totals = waiting.aggregate(
        pending=Count("id", filter=Q(status=OneOffPayable.Status.PENDING)),
        pending_fen=Sum("amount_fen", filter=Q(status=OneOffPayable.Status.PENDING)),
        failed=Count("id", filter=Q(status=OneOffPayable.Status.FAILED)),
    )
    if not (totals["pending"] or totals["failed"]) and not batches_for(user).exists():
        return None
    return {
        "pending": totals["pending"],
        "pending_fen": totals["pending_fen"] or 0,
        "failed": totals["failed"],
        "batches": list(batches_for(user)[:3]),
    }


def overpayment_totals(qs: QuerySet[Overpayment]) -> dict:
    found = qs.order_by().aggregate(
        count=Count("id"), amount=Sum("amount_fen"), recovered=Sum("recovered_fen")
    )
    amount, recovered = found["amount"] or 0, found["recovered"] or 0
    return {"count": found["count"], "amount_fen": amount, "recovered_fen": recovered}


def deductions_of(run: PayrollRun) -> QuerySet[PayrollLine]:
    return run.lines.filter(kind=PayrollLine.Kind.DEDUCTION).select_related("household", "recovers")


def _balance(qs: QuerySet[Overpayment]) -> int:
    found = qs.order_by().aggregate(a=Sum("amount_fen"), r=Sum("recovered_fen"))
    return (found["a"] or 0) - (found["r"] or 0)


def recovery_widget_context(user) -> dict | None:
    """Workbench card `payments/_recovery_widget.html`: overpayments to recover in the user's
    regions, and write-offs waiting for the user's approval. None for staff below the county."""
    from .views import may_see_payrolls

    if not may_see_payrolls(user):
        return None
    mine = overpayments_for(user)
    open_ = mine.filter(status__in=["open", "recovering"])
    return {
        "open": open_.filter(status="open").count(),
        "recovering": open_.filter(status="recovering").count(),
        "balance_fen": _balance(open_),
        "writeoffs_waiting": open_.filter(writeoff_requested_by__isnull=False)
        .exclude(writeoff_requested_by=user)
        .count(),
    }

"""The plan's target 15.1 (pc_policy_rate: 抚恤补助、医疗保障和义务兵家庭优待政策落实率 ≥ 100 %),
computed from the roster and its benefits for every region at once.

15.1 pc_policy_rate on a date d:
  recipients with every benefit due to them in force ÷ recipients due at least one × 100, where
  an active record (registered on or before d) is due
  - a periodic pension when its category, grade and cause receive one (benefits.due_q): in force
    when a pension was confirmed by d and its entitlement is not stopped before d's month;
  - the year's conscript-family benefit when it is a conscript's family: in force when d's year's
    benefit was issued by d;
  - a medical guarantee when it is a disabled veteran of grades 1–6: in force when one was
    recorded for d's year by d.
Counted by record, in the record's village, rolled up to every ancestor; a region with nobody due
has no value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from minzheng.targets.indicators import computes, rollup_rate

from .benefits import conscript_due_q, due_q, medical_due_q
from .models import ConscriptBenefit, MedicalGuarantee, Pension, Recipient


def figures(on_date: dt.date) -> tuple[dict[int, int], dict[int, int]]:
    """(in force, due) per village id."""
    month = dt.date(on_date.year, on_date.month, 1)
    pension = Pension.objects.filter(recipient=OuterRef("pk"), confirmed_on__lte=on_date).filter(
        Q(entitlement__end_month__isnull=True) | Q(entitlement__end_month__gte=month)
    )
    conscript = ConscriptBenefit.objects.filter(
        recipient=OuterRef("pk"), year=on_date.year, issued_on__lte=on_date
    )
    medical = MedicalGuarantee.objects.filter(
        recipient=OuterRef("pk"), year=on_date.year, recorded_on__lte=on_date
    )
    any_due = due_q() | conscript_due_q() | medical_due_q()
    all_in_force = (
        (~due_q() | Q(has_pension=True))
        & (~conscript_due_q() | Q(has_conscript=True))
        & (~medical_due_q() | Q(has_medical=True))
    )
    rows = (
        Recipient.objects.filter(registered_on__lte=on_date)
        .filter(any_due)
        .annotate(
            has_pension=Exists(pension),
            has_conscript=Exists(conscript),
            has_medical=Exists(medical),
        )
        .order_by()
        .values("region_id")
        .annotate(due=Count("id"), ok=Count("id", filter=all_in_force))
    )
    due: dict[int, int] = defaultdict(int)
    ok: dict[int, int] = defaultdict(int)
    for row in rows:
        due[row["region_id"]] += row["due"]
        ok[row["region_id"]] += row["ok"]
    return ok, due


@computes("pc_policy_rate")
def policy_rate(regions, on_date: dt.date) -> dict[str, Decimal]:
    ok, due = figures(on_date)
    return rollup_rate(ok, due, regions)

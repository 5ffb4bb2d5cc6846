"""Demo benefits of the special-care roster (after `seed_demo_roster`): pensions confirmed two
months back for about 85 % of the recipients due one, so last month's payroll pays them (the rest
wait on the county approver's benefits page, so 15.1 is below 100 %); this year's conscript-family
benefits issued for about 80 % of conscripts' families; medical guarantees recorded for about
75 % of disabled veterans of grades 1–6; two one-off grants. Deterministic by record id, set-based
per county; a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Q
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.core.context import Actor, acting_as
from minzheng.core.errors import ServiceError
from minzheng.payments import months
from minzheng.regions.models import Region

from . import benefits
from .models import GrantKind, GuaranteeKind, MedicalGuarantee, OneOffGrant, Recipient


def _share(pk: int, salt: int) -> int:
    digest = hashlib.blake2b(f"specialcare-benefits:{salt}:{pk}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % 100


def seed_demo_benefits(*, on: dt.date | None = None) -> dict:
    from minzheng.payments import payroll
    from minzheng.payments.models import PayrollRun

    today = on or timezone.localdate()
    admin = User.objects.filter(username="admin").first()
    if admin is None or not Recipient.objects.exists():
        return {"pensions": 0, "conscript": 0, "guarantees": 0, "grants": 0}
    confirm_on = months.add_months(months.month_start(today), -2)
    result = {"pensions": 0, "conscript": 0, "guarantees": 0, "grants": 0}
    counties = list(Region.objects.filter(level=Region.Level.COUNTY).order_by("code"))
    with acting_as(Actor(username="demo", channel="cli")):
        paid_counties = []
        for county in counties:
            due = list(benefits.due_unconfirmed(county).values_list("pk", flat=True))
            chosen = [pk for pk in due if _share(pk, 1) < 85]
            if chosen:
                done = benefits.confirm_all_due(
                    user=admin, county=county, on=confirm_on, only=chosen
                )
                result["pensions"] += done["confirmed"]
                if done["confirmed"]:
                    paid_counties.append(county)
            conscripts = Recipient.objects.filter(
                benefits.conscript_due_q(), region__path__startswith=county.path
            ).exclude(conscript_benefits__year=today.year)
            chosen = [pk for pk in conscripts.values_list("pk", flat=True) if _share(pk, 2) < 80]
            if chosen:
                issued = benefits.issue_conscript_benefits(
                    user=admin, county=county, year=today.year, on=today, only=chosen
                )
                result["conscript"] += issued["issued"]
        last_month = months.add_months(months.month_start(today), -1)
        for county in paid_counties:
            run, _created = PayrollRun.objects.get_or_create(county=county, month=last_month)
            if run.status in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
                payroll.compute_payroll(run=run)
        medical = [
            MedicalGuarantee(
                recipient_id=pk,
                region_id=region_id,
                year=today.year,
                kind=GuaranteeKind.INSURANCE_PREMIUM,
                amount_fen=0,
                note="",
                recorded_on=today,
                recorded_by=admin,
            )
            for pk, region_id in Recipient.objects.filter(benefits.medical_due_q())
            .exclude(medical_guarantees__year=today.year)
            .values_list("pk", "region_id")
            if _share(pk, 3) < 75
        ]
        MedicalGuarantee.objects.bulk_create(medical, ignore_conflicts=True)
        result["guarantees"] = len(medical)
        grantees = (
            Recipient.objects.filter(status="active")
            .filter(Q(category="martyr_family") | Q(category="illness_death_family"))
            .order_by("pk")[:2]
        )
        for recipient in grantees:
            if OneOffGrant.objects.filter(recipient=recipient).exists():
                continue
            try:
                benefits.create_grant(
                    user=admin,
                    recipient=recipient,
                    kind=GrantKind.ONE_OFF_SUBSIDY,
                    amount_fen=200000,
                    reason="春节走访慰问一次性补助",
                    on=today,
                )
            except ServiceError:  # no household in the registry: nothing to pay to
                continue
            result["grants"] += 1
    return result

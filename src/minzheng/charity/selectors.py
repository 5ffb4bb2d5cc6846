"""Scoped reads (see permissions.py): a charity account reads its own organisation's books only,
the overseers the charities of their registries; anything else is not found. The public page reads
through `public_month`, which names no person but masked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from minzheng.cases import medical_selectors
from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.roles import Role, role_of
from minzheng.core.scope import scope_q

from .models import Campaign, CampaignKind, Charity, Donation, Receipt, Use, UseCategory
from .rules import AnnualCheck


def own_charity(user) -> Charity | None:
    if not user.is_authenticated or role_of(user) != Role.ORGANISATION:
        return None
    return (
        Charity.objects.filter(organisation__accounts__user=user)
        .select_related("organisation", "organisation__region", "organisation__registry")
        .first()
    )


def charities_for(user) -> QuerySet[Charity]:
    from .permissions import may_oversee

    qs = Charity.objects.select_related(
        "organisation", "organisation__region", "organisation__registry"
    )
    if may_oversee(user):
        return qs.filter(scope_q(user, "organisation__registry"))
    if user.is_authenticated and role_of(user) == Role.ORGANISATION:
        return qs.filter(organisation__accounts__user=user)
    return qs.none()


def get_charity(user, pk: int) -> Charity:
    charity = charities_for(user).filter(pk=pk).first()
    if charity is None:
        raise NotFoundOrOutOfScope()
    return charity


def donations_for(user) -> QuerySet[Donation]:
    return Donation.objects.filter(charity__in=charities_for(user)).select_related(
        "charity__organisation", "donor_person", "campaign"
    )


def get_donation(user, pk: int) -> Donation:
    donation = donations_for(user).filter(pk=pk).first()
    if donation is None:
        raise NotFoundOrOutOfScope()
    return donation


def uses_for(user) -> QuerySet[Use]:
    return Use.objects.filter(charity__in=charities_for(user)).select_related(
        "charity__organisation", "beneficiary_person", "donation", "medical_bill"
    )


def get_use(user, pk: int) -> Use:
    use = uses_for(user).filter(pk=pk).first()
    if use is None:
        raise NotFoundOrOutOfScope()
    return use


def get_receipt(user, pk: int) -> Receipt:
    receipt = (
        Receipt.objects.filter(donation__charity__in=charities_for(user))
        .select_related("donation__charity__organisation", "donation__donor_person")
        .filter(pk=pk)
        .first()
    )
    if receipt is None:
        raise NotFoundOrOutOfScope()
    return receipt


def valid_receipt(donation: Donation) -> Receipt | None:
    return donation.receipts.filter(voided_at__isnull=True).first()


def without_receipt(qs: QuerySet[Donation]) -> QuerySet[Donation]:
    """Donations that hold no valid (unvoided) receipt."""
    valid = Receipt.objects.filter(donation=OuterRef("pk"), voided_at__isnull=True)
    return qs.filter(~Exists(valid))


def unreceipted(charity: Charity) -> QuerySet[Donation]:
    return without_receipt(charity.donations.all()).select_related("donor_person", "campaign")


def unrestricted_balance(charity: Charity) -> int:
    """Undirected donations received less the uses drawn from the unrestricted funds."""
    income = charity.donations.filter(directed=False).aggregate(s=Sum("amount_fen"))["s"] or 0
    spent = charity.uses.filter(donation__isnull=True).aggregate(s=Sum("amount_fen"))["s"] or 0
    return income - spent


def directed_open(charity: Charity) -> list[Donation]:
    return [
        d
        for d in charity.donations.filter(directed=True)
        .select_related("donor_person")
        .order_by("received_on", "id")
        if d.balance_fen > 0
    ]


def unpublished_uses(charity: Charity) -> QuerySet[Use]:
    return charity.uses.filter(published_on__isnull=True).select_related("beneficiary_person")


def annual_check(charity: Charity, year: int) -> AnnualCheck:
    income = (
        charity.donations.filter(received_on__year=year - 1).aggregate(s=Sum("amount_fen"))["s"]
        or 0
    )
    spent = charity.uses.filter(used_on__year=year).aggregate(
        charitable=Sum("amount_fen", filter=Q(category=UseCategory.CHARITABLE)),
        management=Sum("amount_fen", filter=Q(category=UseCategory.MANAGEMENT)),
    )
    return AnnualCheck(
        year=year,
        income_prev_fen=income,
        charitable_fen=spent["charitable"] or 0,
        management_fen=spent["management"] or 0,
    )


def annual_checks(user, year: int) -> list[tuple[Charity, AnnualCheck]]:
    return [(c, annual_check(c, year)) for c in charities_for(user).order_by("id")]


@dataclass
class UnitTotal:
    unit: str
    donations: int
    total_fen: int


def drive_units(campaign: Campaign) -> list[UnitTotal]:
    """The one-day drive's participating units (the units that gave to it) and their totals."""
    rows = (
        campaign.donations.filter(donor_kind="unit")
        .values("donor_unit")
        .annotate(n=Count("id"), total=Sum("amount_fen"))
        .order_by("-total", "donor_unit")
    )
    return [UnitTotal(r["donor_unit"], r["n"], r["total"]) for r in rows]


def drives_for(user, year: int) -> list[dict]:
    campaigns = Campaign.objects.filter(
        charity__in=charities_for(user), kind=CampaignKind.ONE_DAY, year=year
    ).select_related("charity__organisation")
    out = []
    for campaign in campaigns.order_by("charity_id"):
        totals = campaign.donations.aggregate(n=Count("id"), s=Sum("amount_fen"))
        out.append(
            {
                "campaign": campaign,
                "units": drive_units(campaign),
                "donations": totals["n"] or 0,
                "total_fen": totals["s"] or 0,
            }
        )
    return out


def referred_bills(charity: Charity):
    """Settled medical bills referred to charity in the charity's registry region, each with what
    charities have paid on it so far."""
    bills = list(medical_selectors.referred_to_charity(charity.organisation.registry)[:200])
    paid = charity_paid({b.pk for b in bills})
    for bill in bills:
        bill.charity_paid_fen = paid.get(bill.pk, 0)
        bill.charity_room_fen = max(0, (bill.charity_fen or 0) - bill.charity_paid_fen)
    return bills


def charity_paid(bill_ids) -> dict[int, int]:
    rows = (
        Use.objects.filter(medical_bill_id__in=list(bill_ids))
        .values("medical_bill_id")
        .annotate(s=Sum("amount_fen"))
    )
    return {r["medical_bill_id"]: r["s"] for r in rows}


# ---------------------------------------------------------------- public


def public_charities() -> QuerySet[Charity]:
    return Charity.objects.filter(organisation__status="registered").select_related("organisation")


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def public_month(charity: Charity, year: int, month: int) -> dict:
    """Donations received and published uses of one month, with totals; donors are masked or
    anonymous as they chose, beneficiaries masked."""
    start, end = month_bounds(year, month)
    donations = list(
        charity.donations.filter(received_on__range=(start, end))
        .select_related("donor_person")
        .order_by("received_on", "id")
    )
    uses = list(
        charity.uses.filter(used_on__range=(start, end), published_on__isnull=False)
        .select_related("beneficiary_person")
        .order_by("used_on", "id")
    )
    return {
        "donations": donations,
        "uses": uses,
        "donations_fen": sum(d.amount_fen for d in donations),
        "uses_fen": sum(u.amount_fen for u in uses),
    }


def referred_bills_queryset(charity: Charity):
    return medical_selectors.referred_to_charity(charity.organisation.registry)


def public_year(charity: Charity, year: int) -> list[dict]:
    """Each month of the year with donations received and published uses, with totals."""
    from django.db.models.functions import ExtractMonth

    received = dict(
        charity.donations.filter(received_on__year=year)
        .annotate(m=ExtractMonth("received_on"))
        .values("m")
        .annotate(s=Sum("amount_fen"))
        .values_list("m", "s")
    )
    used = dict(
        charity.uses.filter(used_on__year=year, published_on__isnull=False)
        .annotate(m=ExtractMonth("used_on"))
        .values("m")
        .annotate(s=Sum("amount_fen"))
        .values_list("m", "s")
    )
    return [
        {
            "month": f"{year:04d}-{m:02d}",
            "donations_fen": received.get(m, 0),
            "uses_fen": used.get(m, 0),
        }
        for m in sorted(set(received) | set(used))
    ]


def latest_public_month(charity: Charity) -> dt.date | None:
    latest = (
        charity.donations.order_by("-received_on").values_list("received_on", flat=True).first()
    )
    return latest.replace(day=1) if latest else None

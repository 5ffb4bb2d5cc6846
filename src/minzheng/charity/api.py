"""JSON API of charity, mounted at /api/v1/charity. A charity account reads and writes its own
books (another organisation's records read 404); the overseers read the charities of their
registries and the annual checks; the public listing needs no login and names no person but
masked."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Id, choice
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError
from minzheng.core.pagination import Listing, paginated

from . import selectors, services
from .models import Channel, DonationForm, DonorKind, Purpose, UseCategory
from .pdf import receipt_pdf
from .permissions import may_oversee

router = Router(tags=["charity"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _own(request):
    charity = selectors.own_charity(request.user)
    if charity is None:
        raise NotFoundOrOutOfScope()
    return charity


# ---------------------------------------------------------------- charities


class CharityOut(Schema):
    id: int
    organisation_id: int
    name: str
    registry_name: str
    recognised_on: dt.date
    public_fundraising: bool


def charity_out(c) -> dict:
    return {
        "id": c.pk,
        "organisation_id": c.organisation_id,
        "name": c.name,
        "registry_name": c.organisation.registry.name,
        "recognised_on": c.recognised_on,
        "public_fundraising": c.public_fundraising,
    }


@router.get("/charities", response=list[CharityOut])
@paginated(default=100)
def list_charities(request):
    return Listing(selectors.charities_for(request.user).order_by("id"), charity_out)


class CharityRecogniseIn(Schema):
    organisation_id: Id
    recognised_on: Date
    public_fundraising: bool = False


@router.post("/charities", response={201: CharityOut, **ERRORS})
def recognise(request, payload: CharityRecogniseIn):
    """The city section recognises a registered social organisation as a charitable one."""
    from minzheng.socialorgs import selectors as socialorgs_selectors

    organisation = socialorgs_selectors.get_organisation(request.user, payload.organisation_id)
    charity = services.recognise(
        user=request.user,
        organisation=organisation,
        recognised_on=payload.recognised_on,
        public_fundraising=payload.public_fundraising,
    )
    return Status(201, charity_out(charity))


# ---------------------------------------------------------------- donations


class CharityDonationOut(Schema):
    id: int
    charity_id: int
    donor_kind: str
    donor_name: str
    public_donor: str
    public_anonymous: bool
    form: str
    amount_fen: int
    goods_description: str
    goods_quantity: int | None
    goods_unit: str
    received_on: dt.date
    channel: str
    campaign_id: int | None
    purpose: str
    purpose_note: str
    directed: bool
    used_fen: int
    balance_fen: int
    receipt_number: str | None


def donation_out(d) -> dict:
    valid = next((r for r in d.receipts.all() if r.voided_at is None), None)
    return {
        "id": d.pk,
        "charity_id": d.charity_id,
        "donor_kind": d.donor_kind,
        "donor_name": d.donor_name,
        "public_donor": d.public_donor,
        "public_anonymous": d.public_anonymous,
        "form": d.form,
        "amount_fen": d.amount_fen,
        "goods_description": d.goods_description,
        "goods_quantity": d.goods_quantity,
        "goods_unit": d.goods_unit,
        "received_on": d.received_on,
        "channel": d.channel,
        "campaign_id": d.campaign_id,
        "purpose": d.purpose,
        "purpose_note": d.purpose_note,
        "directed": d.directed,
        "used_fen": d.used_fen,
        "balance_fen": d.balance_fen,
        "receipt_number": valid.number if valid else None,
    }


class CharityDonationFilter(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100)
    unreceipted: bool = False


@router.get("/donations", response=list[CharityDonationOut])
@paginated(default=100)
def list_donations(request, filters: Query[CharityDonationFilter]):
    qs = selectors.donations_for(request.user).prefetch_related("receipts")
    if filters.year:
        qs = qs.filter(received_on__year=filters.year)
    if filters.unreceipted:
        qs = selectors.without_receipt(qs)
    return Listing(qs.order_by("-received_on", "-id"), donation_out)


@router.get("/donations/{int:donation_id}", response={200: CharityDonationOut, 404: ErrorOut})
def get_donation(request, donation_id: Id):
    return donation_out(selectors.get_donation(request.user, donation_id))


class CharityDonationIn(Schema):
    donor_kind: choice(DonorKind.values)
    form: choice(DonationForm.values)
    amount_fen: int = Field(gt=0, le=10**13)
    received_on: Date
    channel: choice(Channel.values)
    donor_id_number: str = Field(default="", max_length=32)
    donor_unit: str = Field(default="", max_length=100)
    public_anonymous: bool = False
    goods_description: str = Field(default="", max_length=200)
    goods_quantity: int | None = Field(default=None, ge=1, le=10**9)
    goods_unit: str = Field(default="", max_length=8)
    campaign_id: Id | None = None
    purpose: choice(Purpose.values) = Purpose.GENERAL
    purpose_note: str = Field(default="", max_length=200)
    directed: bool = False


@router.post("/donations", response={201: CharityDonationOut, **ERRORS})
def record_donation(request, payload: CharityDonationIn):
    donation = services.record_donation(user=request.user, charity=_own(request), **payload.dict())
    return Status(201, donation_out(donation))


# ---------------------------------------------------------------- receipts


class CharityReceiptOut(Schema):
    id: int
    donation_id: int
    number: str
    issued_on: dt.date
    voided: bool
    void_reason: str


def receipt_out(r) -> dict:
    return {
        "id": r.pk,
        "donation_id": r.donation_id,
        "number": r.number,
        "issued_on": r.issued_on,
        "voided": r.voided_at is not None,
        "void_reason": r.void_reason,
    }


@router.post("/donations/{int:donation_id}/receipt", response={201: CharityReceiptOut, **ERRORS})
def issue_receipt(request, donation_id: Id):
    donation = selectors.get_donation(request.user, donation_id)
    return Status(201, receipt_out(services.issue_receipt(user=request.user, donation=donation)))


class CharityVoidIn(Schema):
    reason: str = Field(max_length=200)


@router.post("/receipts/{int:receipt_id}/void", response={200: CharityReceiptOut, **ERRORS})
def void_receipt(request, receipt_id: Id, payload: CharityVoidIn):
    receipt = selectors.get_receipt(request.user, receipt_id)
    return receipt_out(
        services.void_receipt(user=request.user, receipt=receipt, reason=payload.reason)
    )


@router.get("/receipts/{int:receipt_id}/pdf", response={200: None, 404: ErrorOut})
def receipt_pdf_file(request, receipt_id: Id):
    """The donation receipt as a PDF."""
    receipt = selectors.get_receipt(request.user, receipt_id)
    response = HttpResponse(receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{receipt.number}.pdf"'
    return response


# ---------------------------------------------------------------- uses


class CharityUseOut(Schema):
    id: int
    charity_id: int
    category: str
    project: str
    beneficiary: str
    amount_fen: int
    used_on: dt.date
    purpose: str
    donation_id: int | None
    medical_bill_id: int | None
    published_on: dt.date | None


def use_out(u) -> dict:
    return {
        "id": u.pk,
        "charity_id": u.charity_id,
        "category": u.category,
        "project": u.project,
        "beneficiary": u.beneficiary_name,
        "amount_fen": u.amount_fen,
        "used_on": u.used_on,
        "purpose": u.purpose,
        "donation_id": u.donation_id,
        "medical_bill_id": u.medical_bill_id,
        "published_on": u.published_on,
    }


@router.get("/uses", response=list[CharityUseOut])
@paginated(default=100)
def list_uses(request):
    return Listing(selectors.uses_for(request.user).order_by("-used_on", "-id"), use_out)


class CharityUseIn(Schema):
    project: str = Field(max_length=100)
    amount_fen: int = Field(gt=0, le=10**13)
    used_on: Date
    purpose: choice(Purpose.values)
    category: choice(UseCategory.values) = UseCategory.CHARITABLE
    beneficiary_id_number: str = Field(default="", max_length=32)
    beneficiary_unit: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=200)
    donation_id: Id | None = None


@router.post("/uses", response={201: CharityUseOut, **ERRORS})
def record_use(request, payload: CharityUseIn):
    use = services.record_use(user=request.user, charity=_own(request), **payload.dict())
    return Status(201, use_out(use))


class CharityPublishIn(Schema):
    use_ids: list[Id] | None = None


class CharityPublishOut(Schema):
    published: int


@router.post("/uses/publish", response={200: CharityPublishOut, **ERRORS})
def publish(request, payload: CharityPublishIn):
    count = services.publish_uses(user=request.user, charity=_own(request), use_ids=payload.use_ids)
    return {"published": count}


# ---------------------------------------------------------------- medical


class CharityBillOut(Schema):
    id: int
    settlement_number: str
    case_number: str
    discharged_on: dt.date
    total_fen: int
    assistance_fen: int | None
    charity_fen: int | None
    charity_paid_fen: int
    room_fen: int


@router.get("/medical-referrals", response={200: list[CharityBillOut], 404: ErrorOut})
def medical_referrals(request):
    """Settled medical-assistance bills referred to charity in the charity's region, with what
    remains after every earlier payer and the charities' payments."""
    return [
        {
            "id": b.pk,
            "settlement_number": b.settlement_number,
            "case_number": b.case.number,
            "discharged_on": b.discharged_on,
            "total_fen": b.total_fen,
            "assistance_fen": b.assistance_fen,
            "charity_fen": b.charity_fen,
            "charity_paid_fen": b.charity_paid_fen,
            "room_fen": b.charity_room_fen,
        }
        for b in selectors.referred_bills(_own(request))
    ]


class CharityMedicalIn(Schema):
    medical_bill_id: Id
    amount_fen: int = Field(gt=0, le=10**13)
    used_on: Date
    donation_id: Id | None = None


@router.post("/medical-payments", response={201: CharityUseOut, **ERRORS})
def medical_payment(request, payload: CharityMedicalIn):
    """A charity payment on a settled medical bill, at most what remains after the earlier
    payers (basic insurance, serious-illness insurance, medical assistance) and other charities."""
    use = services.record_use(
        user=request.user,
        charity=_own(request),
        project=_("医疗救助后慈善救助"),
        purpose=Purpose.MEDICAL,
        **payload.dict(),
    )
    return Status(201, use_out(use))


# ---------------------------------------------------------------- oversight


class CharityYearFilter(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100)


class CharityCheckOut(Schema):
    charity_id: int
    name: str
    public_fundraising: bool
    year: int
    income_prev_fen: int
    charitable_fen: int
    management_fen: int
    charitable_percent: str
    management_percent: str
    charitable_ok: bool | None
    management_ok: bool | None


@router.get("/checks", response={200: list[CharityCheckOut], 403: ErrorOut})
def annual_checks(request, filters: Query[CharityYearFilter]):
    """The annual checks of DOMAIN §15 for each charity the caller oversees."""
    if not may_oversee(request.user):
        raise PermissionDeniedError(_("当前账号无权查看慈善组织年度检查"))
    year = filters.year or timezone.localdate().year
    return [
        {
            "charity_id": c.pk,
            "name": c.name,
            "public_fundraising": c.public_fundraising,
            "year": year,
            "income_prev_fen": k.income_prev_fen,
            "charitable_fen": k.charitable_fen,
            "management_fen": k.management_fen,
            "charitable_percent": k.charitable_percent,
            "management_percent": k.management_percent,
            "charitable_ok": k.charitable_ok,
            "management_ok": k.management_ok,
        }
        for c, k in selectors.annual_checks(request.user, year)
    ]


class CharityDriveUnitOut(Schema):
    unit: str
    donations: int
    total_fen: int


class CharityDriveOut(Schema):
    campaign_id: int
    charity_id: int
    name: str
    year: int
    donations: int
    total_fen: int
    units: list[CharityDriveUnitOut]


@router.get("/drives", response=list[CharityDriveOut])
def drives(request, filters: Query[CharityYearFilter]):
    """The one-day drives (慈善一日捐) of the year with their participating units' totals."""
    year = filters.year or timezone.localdate().year
    return [
        {
            "campaign_id": d["campaign"].pk,
            "charity_id": d["campaign"].charity_id,
            "name": d["campaign"].name,
            "year": d["campaign"].year,
            "donations": d["donations"],
            "total_fen": d["total_fen"],
            "units": [u.__dict__ for u in d["units"]],
        }
        for d in selectors.drives_for(request.user, year)
    ]


class CharityDriveIn(Schema):
    year: int = Field(ge=2000, le=2100)


class CharityCampaignOut(Schema):
    id: int
    name: str
    year: int


@router.post("/drives", response={201: CharityCampaignOut, **ERRORS})
def start_drive(request, payload: CharityDriveIn):
    campaign = services.one_day_campaign(
        user=request.user, charity=_own(request), year=payload.year
    )
    return Status(201, {"id": campaign.pk, "name": campaign.name, "year": campaign.year})


# ---------------------------------------------------------------- public


class CharityPublicDonationOut(Schema):
    received_on: dt.date
    donor: str
    form: str
    purpose: str
    directed: bool
    amount_fen: int


class CharityPublicUseOut(Schema):
    used_on: dt.date
    project: str
    beneficiary: str
    purpose: str
    amount_fen: int


class CharityPublicMonthOut(Schema):
    charity_id: int
    name: str
    month: str
    donations: list[CharityPublicDonationOut]
    uses: list[CharityPublicUseOut]
    donations_fen: int
    uses_fen: int


@router.get(
    "/public/{int:charity_id}/{int:year}/{int:month}",
    auth=None,
    response={200: CharityPublicMonthOut, 404: ErrorOut, 422: ErrorOut},
)
def public_month(request, charity_id: Id, year: int, month: int):
    """Without login: one month's donations (donors masked or anonymous as they chose) and
    published uses (beneficiaries masked), with totals."""
    charity = selectors.public_charities().filter(pk=charity_id).first()
    if charity is None or not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise NotFoundOrOutOfScope()
    data = selectors.public_month(charity, year, month)
    return {
        "charity_id": charity.pk,
        "name": charity.name,
        "month": f"{year:04d}-{month:02d}",
        "donations": [
            {
                "received_on": d.received_on,
                "donor": d.public_donor,
                "form": d.form,
                "purpose": d.purpose,
                "directed": d.directed,
                "amount_fen": d.amount_fen,
            }
            for d in data["donations"]
        ],
        "uses": [
            {
                "used_on": u.used_on,
                "project": u.project,
                "beneficiary": u.public_beneficiary,
                "purpose": u.purpose,
                "amount_fen": u.amount_fen,
            }
            for u in data["uses"]
        ],
        "donations_fen": data["donations_fen"],
        "uses_fen": data["uses_fen"],
    }

"""Writes of charity. Each service is one business action: it checks who acts (a charity account
for its own books, the city section for recognition), validates with field-level Chinese messages,
locks what it draws on, writes and leaves an audit event in one transaction.

Locks: a use drawn from a directed donation locks the donation's row, one from the unrestricted
funds locks the charity's row, a charity payment on a medical bill locks the bill's row first;
the balance is read after the lock, so two uses can never together exceed it. Receipt numbers
come from a per-charity, per-year counter locked the same way."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import actor_name
from minzheng.cases.models import MedicalBill
from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.money import yuan_str
from minzheng.core.roles import may_write
from minzheng.core.validators import gathered_past_date
from minzheng.people import selectors as people_selectors
from minzheng.socialorgs.models import Organisation, OrganisationStatus

from . import rules, selectors
from .models import (
    Campaign,
    CampaignKind,
    Channel,
    Charity,
    Donation,
    DonationForm,
    DonorKind,
    Purpose,
    Receipt,
    ReceiptCounter,
    Use,
    UseCategory,
)
from .permissions import may_recognise

MAX_FEN = 10**13


def _acting_charity(user, charity: Charity) -> Charity:
    """The charity account acts for its own organisation only; anyone else is refused."""
    own = selectors.own_charity(user)
    if own is None or own.pk != charity.pk:
        if selectors.charities_for(user).filter(pk=charity.pk).exists():
            raise PermissionDeniedError(_("只有慈善组织本身可以办理此项业务"))
        raise NotFoundOrOutOfScope()
    if not may_write(user):
        raise PermissionDeniedError(_("当前账号为只读账号"))
    return own


def _amount(value, field: str, errors: dict) -> int:
    if value is None or value <= 0:
        errors.setdefault(field, []).append(_("金额应大于0"))
        return 0
    if value > MAX_FEN:
        errors.setdefault(field, []).append(_("金额过大"))
    return int(value)


def _person(user, id_number: str, field: str, errors: dict):
    if not (id_number or "").strip():
        errors.setdefault(field, []).append(_("请填写身份证号码"))
        return None
    try:
        person = people_selectors.visible_by_id_number(user, id_number, field=field)
    except ServiceError as exc:
        for key, messages in exc.errors.items():
            errors.setdefault(key, []).extend(messages)
        return None
    if person is None:
        errors.setdefault(field, []).append(_("人口信息库中没有该身份证号码的人员"))
    return person


# ---------------------------------------------------------------- recognition


@transaction.atomic
def recognise(
    *, user, organisation: Organisation, recognised_on: dt.date, public_fundraising: bool
) -> Charity:
    """The city section recognises a registered social organisation as a charitable one."""
    if not may_recognise(user):
        raise PermissionDeniedError(_("只有市级民政部门可以认定慈善组织"))
    if organisation.status != OrganisationStatus.REGISTERED:
        raise ServiceError({"organisation": [_("只有已登记的社会组织可以认定为慈善组织")]})
    if Charity.objects.filter(organisation=organisation).exists():
        raise ServiceError({"organisation": [_("该组织已认定为慈善组织")]}, status=409)
    charity = Charity.objects.create(
        organisation=organisation,
        recognised_on=recognised_on,
        public_fundraising=public_fundraising,
    )
    audit.record_created(charity, note=_("认定慈善组织"))
    return charity


# ---------------------------------------------------------------- campaigns


@transaction.atomic
def one_day_campaign(*, user, charity: Charity, year: int) -> Campaign:
    """The charity's one-day drive of the year (created once)."""
    charity = _acting_charity(user, charity)
    campaign, created = Campaign.objects.get_or_create(
        charity=charity,
        kind=CampaignKind.ONE_DAY,
        year=year,
        defaults={"name": _("%(year)s年慈善一日捐") % {"year": year}},
    )
    if created:
        audit.record_created(campaign, note=_("发起慈善一日捐"))
    return campaign


# ---------------------------------------------------------------- donations


@transaction.atomic
def record_donation(
    *,
    user,
    charity: Charity,
    donor_kind: str,
    form: str,
    amount_fen: int,
    received_on,
    channel: str,
    donor_id_number: str = "",
    donor_unit: str = "",
    public_anonymous: bool = False,
    goods_description: str = "",
    goods_quantity: int | None = None,
    goods_unit: str = "",
    campaign_id: int | None = None,
    purpose: str = Purpose.GENERAL,
    purpose_note: str = "",
    directed: bool = False,
) -> Donation:
    charity = _acting_charity(user, charity)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    person = None
    donor_unit = (donor_unit or "").strip()
    if donor_kind not in DonorKind.values:
        errors["donor_kind"] = [_("请选择捐赠人类型")]
    elif donor_kind == DonorKind.PERSON:
        person = _person(user, donor_id_number, "donor_id_number", errors)
        donor_unit = ""
    elif donor_kind == DonorKind.UNIT:
        if not donor_unit:
            errors["donor_unit"] = [_("请填写捐赠单位名称")]
    else:
        donor_unit = ""
    if form not in DonationForm.values:
        errors["form"] = [_("请选择捐赠形式")]
    amount_fen = _amount(amount_fen, "amount_fen", errors)
    received_on = gathered_past_date(received_on, "received_on", errors, today=today)
    if channel not in Channel.values:
        errors["channel"] = [_("请选择接收方式")]
    goods_description = (goods_description or "").strip()
    if form == DonationForm.GOODS:
        if not goods_description:
            errors["goods_description"] = [_("捐赠物资应写明名称及规格")]
        if not goods_quantity or goods_quantity <= 0:
            errors["goods_quantity"] = [_("捐赠物资应填写数量")]
    else:
        goods_description, goods_quantity, goods_unit = "", None, ""
        if channel == Channel.IN_KIND:
            errors["channel"] = [_("资金捐赠不能选择实物接收")]
    if purpose not in Purpose.values:
        errors["purpose"] = [_("请选择捐赠用途")]
    elif directed and purpose == Purpose.GENERAL:
        errors["purpose"] = [_("定向捐赠应写明捐赠人指定的用途")]
    campaign = None
    if campaign_id:
        campaign = Campaign.objects.filter(pk=campaign_id, charity=charity).first()
        if campaign is None:
            errors["campaign_id"] = [_("募捐活动不存在")]
        elif received_on and campaign.year != received_on.year:
            errors["campaign_id"] = [_("接收日期不在该募捐活动的年度内")]
    if errors:
        raise ServiceError(errors)
    donation = Donation.objects.create(
        charity=charity,
        donor_kind=donor_kind,
        donor_person=person,
        donor_unit=donor_unit[:100],
        public_anonymous=bool(public_anonymous) and donor_kind != DonorKind.ANONYMOUS,
        form=form,
        amount_fen=amount_fen,
        goods_description=goods_description[:200],
        goods_quantity=goods_quantity,
        goods_unit=(goods_unit or "")[:8],
        received_on=received_on,
        channel=channel,
        campaign=campaign,
        purpose=purpose,
        purpose_note=(purpose_note or "").strip()[:200],
        directed=bool(directed),
        created_by=user,
    )
    audit.record_created(donation, note=_("登记慈善捐赠"))
    return donation


# ---------------------------------------------------------------- receipts


@transaction.atomic
def issue_receipt(*, user, donation: Donation, on: dt.date | None = None) -> Receipt:
    charity = _acting_charity(user, donation.charity)
    donation = Donation.objects.select_for_update().get(pk=donation.pk)
    if donation.receipts.filter(voided_at__isnull=True).exists():
        raise ServiceError({"donation": [_("该捐赠已开具票据，作废后方可重开")]}, status=409)
    on = on or timezone.localdate()
    counter, _created = ReceiptCounter.objects.get_or_create(charity=charity, year=on.year)
    counter = ReceiptCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    receipt = Receipt.objects.create(
        donation=donation,
        number=rules.receipt_number(charity_id=charity.pk, year=on.year, serial=counter.last),
        issued_on=on,
        issued_by_name=actor_name(user),
    )
    audit.record_created(receipt, note=_("开具捐赠票据"))
    return receipt


@transaction.atomic
def void_receipt(*, user, receipt: Receipt, reason: str) -> Receipt:
    _acting_charity(user, receipt.donation.charity)
    receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
    reason = (reason or "").strip()
    if receipt.voided_at is not None:
        raise ServiceError({"receipt": [_("该票据已作废")]}, status=409)
    if not reason:
        raise ServiceError({"reason": [_("请写明作废原因")]})
    with audit.audited(receipt, "transition", note=_("作废捐赠票据")):
        receipt.voided_at = timezone.now()
        receipt.void_reason = reason[:200]
        receipt.voided_by_name = actor_name(user)
        receipt.save()
    return receipt


# ---------------------------------------------------------------- uses of funds


@transaction.atomic
def record_use(
    *,
    user,
    charity: Charity,
    project: str,
    amount_fen: int,
    used_on,
    purpose: str,
    category: str = UseCategory.CHARITABLE,
    beneficiary_id_number: str = "",
    beneficiary_unit: str = "",
    note: str = "",
    donation_id: int | None = None,
    medical_bill_id: int | None = None,
) -> Use:
    """A disbursement drawn from the unrestricted funds or from one directed donation; a directed
    donation pays only for the purpose its donor named, and never beyond what remains of it."""
    charity = _acting_charity(user, charity)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    project = (project or "").strip()
    if not project:
        errors["project"] = [_("请填写项目名称")]
    if category not in UseCategory.values:
        errors["category"] = [_("请选择支出类别")]
    amount_fen = _amount(amount_fen, "amount_fen", errors)
    used_on = gathered_past_date(used_on, "used_on", errors, today=today)
    if purpose not in Purpose.values:
        errors["purpose"] = [_("请选择用途")]
    bill = None
    person = None
    beneficiary_unit = (beneficiary_unit or "").strip()
    if medical_bill_id:
        bill = (
            MedicalBill.objects.select_for_update(of=("self",))
            .filter(
                pk=medical_bill_id,
                pk__in=selectors.referred_bills_queryset(charity).values("pk"),
            )
            .select_related("person")
            .first()
        )
        if bill is None:
            raise NotFoundOrOutOfScope()
        person, beneficiary_unit, purpose = bill.person, "", Purpose.MEDICAL
        if category != UseCategory.CHARITABLE:
            errors["category"] = [_("医疗救助后的慈善救助属于慈善活动支出")]
        paid = Use.objects.filter(medical_bill=bill).aggregate(s=Sum("amount_fen"))["s"] or 0
        room = max(0, (bill.charity_fen or 0) - paid)
        if amount_fen > room:
            errors.setdefault("amount_fen", []).append(
                _("超过基本医保、大病保险和医疗救助支付后个人仍需负担的金额（尚余 %(room)s 元）")
                % {"room": yuan_str(room)}
            )
    elif category == UseCategory.CHARITABLE:
        if beneficiary_id_number and beneficiary_unit:
            errors["beneficiary_unit"] = [_("受助人和受助单位只填一项")]
        elif beneficiary_id_number:
            person = _person(user, beneficiary_id_number, "beneficiary_id_number", errors)
        elif not beneficiary_unit:
            errors["beneficiary_id_number"] = [_("请填写受助人身份证号码或受助单位")]
    if errors:
        raise ServiceError(errors)
    if donation_id:
        donation = Donation.objects.select_for_update().filter(pk=donation_id).first()
        if donation is None or donation.charity_id != charity.pk:
            raise ServiceError({"donation_id": [_("资金来源不是本组织的定向捐赠")]})
        if not donation.directed:
            raise ServiceError({"donation_id": [_("该捐赠不是定向捐赠，应从非限定资金支出")]})
        if category != UseCategory.CHARITABLE:
            raise ServiceError({"donation_id": [_("定向捐赠不能用于管理费用")]})
        if donation.purpose != purpose:
            raise ServiceError(
                {
                    "purpose": [
                        _("定向捐赠只能用于捐赠人指定的用途（%(purpose)s）")
                        % {"purpose": donation.get_purpose_display()}
                    ]
                }
            )
        if amount_fen > donation.amount_fen - donation.used_fen:
            raise ServiceError(
                {
                    "amount_fen": [
                        _("超过该定向捐赠的余额（%(left)s 元）")
                        % {"left": yuan_str(donation.amount_fen - donation.used_fen)}
                    ]
                },
                status=409,
            )
        with audit.audited(donation, note=_("定向捐赠使用")):
            donation.used_fen += amount_fen
            donation.save(update_fields=["used_fen"])
    else:
        donation = None
        Charity.objects.select_for_update().get(pk=charity.pk)
        left = selectors.unrestricted_balance(charity)
        if amount_fen > left:
            raise ServiceError(
                {
                    "amount_fen": [
                        _("超过非限定资金的余额（%(left)s 元）") % {"left": yuan_str(left)}
                    ]
                },
                status=409,
            )
    use = Use.objects.create(
        charity=charity,
        category=category,
        project=project[:100],
        beneficiary_person=person,
        beneficiary_unit=beneficiary_unit[:100],
        amount_fen=amount_fen,
        used_on=used_on,
        purpose=purpose,
        note=(note or "").strip()[:200],
        donation=donation,
        medical_bill=bill,
        created_by=user,
    )
    audit.record_created(use, note=_("登记善款使用"))
    return use


@transaction.atomic
def publish_uses(*, user, charity: Charity, use_ids: list[int] | None = None) -> int:
    """Put the uses (all unpublished ones when no ids are given) on the public page."""
    charity = _acting_charity(user, charity)
    qs = Use.objects.select_for_update().filter(charity=charity, published_on__isnull=True)
    if use_ids is not None:
        qs = qs.filter(pk__in=use_ids)
    ids = list(qs.values_list("pk", flat=True))
    if not ids:
        raise ServiceError({"uses": [_("没有待公示的善款使用")]})
    today = timezone.localdate()
    Use.objects.filter(pk__in=ids).update(published_on=today)
    audit.record(
        "update",
        object_type="charity.use",
        object_repr=charity.name,
        region_code=charity.audit_region_code,
        after={"published": ids, "on": today.isoformat()},
        note=_("公示善款使用"),
    )
    return len(ids)

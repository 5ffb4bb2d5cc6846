"""Charity (慈善事业): docs/DOMAIN.md §15.

- `Charity`: a registered social organisation (socialorgs.Organisation, never a copy) recognised
  as a charitable organisation (认定为慈善组织), with or without the public-fundraising
  qualification (公开募捐资格).
- `Campaign`: a fundraising campaign of a charity; the "one-day donation" (慈善一日捐) is one
  campaign per charity and year, its participating units are the units that gave to it.
- `Donation`: money (integer fen) or goods (valued in fen, with description and quantity) received
  from a person of the population registry, a unit, or an anonymous donor; a directed donation
  (定向捐赠) keeps the amount used from it (`used_fen`, never above `amount_fen`).
- `Receipt`: the numbered donation receipt (捐赠票据); voided with a reason, its number is never
  issued again (`ReceiptCounter` only counts up).
- `Use`: a disbursement (慈善项目支出) or a management cost, drawn from the unrestricted funds or
  from one directed donation of the same purpose; a charity payment on a settled medical bill
  (cases.MedicalBill) is a use as well. Published uses show on the public page.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Charity(models.Model):
    organisation = models.OneToOneField(
        "socialorgs.Organisation",
        on_delete=models.PROTECT,
        related_name="charity",
        verbose_name=_("社会组织"),
    )
    recognised_on = models.DateField(_("认定为慈善组织日期"))
    public_fundraising = models.BooleanField(_("具有公开募捐资格"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("慈善组织")
        verbose_name_plural = _("慈善组织")

    def __str__(self):
        return self.organisation.name

    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def audit_region_code(self) -> str:
        return self.organisation.region.code


class CampaignKind(models.TextChoices):
    ONE_DAY = "one_day", _("慈善一日捐")
    GENERAL = "general", _("专项募捐")


class Campaign(models.Model):
    charity = models.ForeignKey(Charity, on_delete=models.CASCADE, related_name="campaigns")
    kind = models.CharField(_("活动类型"), max_length=16, choices=CampaignKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("活动名称"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = _("募捐活动")
        verbose_name_plural = _("募捐活动")
        constraints = [
            models.UniqueConstraint(
                fields=["charity", "year"],
                condition=Q(kind="one_day"),
                name="charity_one_day_per_year",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.charity.organisation.region.code


class DonorKind(models.TextChoices):
    PERSON = "person", _("个人")
    UNIT = "unit", _("单位")
    ANONYMOUS = "anonymous", _("匿名")


class DonationForm(models.TextChoices):
    MONEY = "money", _("资金")
    GOODS = "goods", _("物资")


class Channel(models.TextChoices):
    BANK = "bank", _("银行转账")
    CASH = "cash", _("现金")
    ONLINE = "online", _("网络募捐")
    IN_KIND = "in_kind", _("实物接收")


class Purpose(models.TextChoices):
    GENERAL = "general", _("不限定用途")
    EDUCATION = "education", _("助学")
    MEDICAL = "medical", _("助医")
    ELDERLY = "elderly", _("助老")
    DISABLED = "disabled", _("助残")
    POVERTY = "poverty", _("济困")
    DISASTER = "disaster", _("救灾")


class Donation(models.Model):
    charity = models.ForeignKey(Charity, on_delete=models.PROTECT, related_name="donations")
    donor_kind = models.CharField(_("捐赠人类型"), max_length=16, choices=DonorKind.choices)
    donor_person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("捐赠人"),
    )
    donor_unit = models.CharField(_("捐赠单位"), max_length=100, blank=True)
    public_anonymous = models.BooleanField(_("公示时不具名"), default=False)
    form = models.CharField(_("捐赠形式"), max_length=8, choices=DonationForm.choices)
    amount_fen = models.BigIntegerField(_("金额或折合金额（分）"))
    goods_description = models.CharField(_("物资名称及规格"), max_length=200, blank=True)
    goods_quantity = models.PositiveIntegerField(_("物资数量"), null=True, blank=True)
    goods_unit = models.CharField(_("计量单位"), max_length=8, blank=True)
    received_on = models.DateField(_("接收日期"), db_index=True)
    channel = models.CharField(_("接收方式"), max_length=16, choices=Channel.choices)
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
        verbose_name=_("募捐活动"),
    )
    purpose = models.CharField(
        _("捐赠用途"), max_length=16, choices=Purpose.choices, default=Purpose.GENERAL
    )
    purpose_note = models.CharField(_("用途说明"), max_length=200, blank=True)
    directed = models.BooleanField(_("定向捐赠"), default=False)
    used_fen = models.BigIntegerField(_("已使用（分）"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("慈善捐赠")
        verbose_name_plural = _("慈善捐赠")
        indexes = [models.Index(fields=["charity", "received_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0)
                & Q(used_fen__gte=0)
                & Q(used_fen__lte=F("amount_fen")),
                name="charity_donation_amounts",
            ),
            models.CheckConstraint(
                condition=Q(directed=True) | Q(used_fen=0), name="charity_donation_undirected"
            ),
        ]

    def __str__(self):
        return f"{self.charity_id}:{self.received_on} {self.amount_fen}"

    @property
    def audit_region_code(self) -> str:
        return self.charity.organisation.region.code

    @property
    def balance_fen(self) -> int:
        return self.amount_fen - self.used_fen if self.directed else 0

    @property
    def directed_label(self) -> str:
        from minzheng.core.money import yuan_str

        return _("%(donor)s · %(purpose)s · 余额 %(left)s 元") % {
            "donor": self.donor_name,
            "purpose": self.get_purpose_display(),
            "left": yuan_str(self.balance_fen),
        }

    @property
    def donor_name(self) -> str:
        """The donor as the organisation's own books name them."""
        if self.donor_kind == DonorKind.PERSON and self.donor_person_id:
            return self.donor_person.name
        if self.donor_kind == DonorKind.UNIT:
            return self.donor_unit
        return str(_("匿名"))

    @property
    def public_donor(self) -> str:
        """The donor as the public page shows them: anonymous as chosen, a person masked."""
        from minzheng.people.selectors import masked_name

        if self.donor_kind == DonorKind.ANONYMOUS or self.public_anonymous:
            return str(_("匿名"))
        if self.donor_kind == DonorKind.PERSON and self.donor_person_id:
            return masked_name(self.donor_person.name)
        return self.donor_unit


class ReceiptCounter(models.Model):
    charity = models.ForeignKey(Charity, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["charity", "year"], name="charity_receipt_counter")
        ]


class Receipt(models.Model):
    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="receipts")
    number = models.CharField(_("票据号码"), max_length=32, unique=True)
    issued_on = models.DateField(_("开具日期"))
    issued_by_name = models.CharField(_("开票人"), max_length=64, blank=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    voided_by_name = models.CharField(_("作废人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("捐赠票据")
        verbose_name_plural = _("捐赠票据")
        constraints = [
            models.UniqueConstraint(
                fields=["donation"],
                condition=Q(voided_at__isnull=True),
                name="charity_one_valid_receipt",
            )
        ]

    def __str__(self):
        return self.number

    @property
    def audit_region_code(self) -> str:
        return self.donation.charity.organisation.region.code


class UseCategory(models.TextChoices):
    CHARITABLE = "charitable", _("慈善活动支出")
    MANAGEMENT = "management", _("管理费用")


class Use(models.Model):
    charity = models.ForeignKey(Charity, on_delete=models.PROTECT, related_name="uses")
    category = models.CharField(
        _("支出类别"),
        max_length=16,
        choices=UseCategory.choices,
        default=UseCategory.CHARITABLE,
    )
    project = models.CharField(_("项目名称"), max_length=100)
    beneficiary_person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("受助人"),
    )
    beneficiary_unit = models.CharField(_("受助单位"), max_length=100, blank=True)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    used_on = models.DateField(_("支出日期"), db_index=True)
    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    donation = models.ForeignKey(
        Donation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="uses",
        verbose_name=_("资金来源（定向捐赠）"),
    )
    medical_bill = models.ForeignKey(
        "cases.MedicalBill",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("医疗费用单据"),
    )
    published_on = models.DateField(_("公示日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-used_on", "-id"]
        verbose_name = _("善款使用")
        verbose_name_plural = _("善款使用")
        indexes = [models.Index(fields=["charity", "used_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="charity_use_amount"),
        ]

    def __str__(self):
        return f"{self.project} {self.amount_fen}"

    @property
    def audit_region_code(self) -> str:
        return self.charity.organisation.region.code

    @property
    def beneficiary_name(self) -> str:
        if self.beneficiary_person_id:
            return self.beneficiary_person.name
        return self.beneficiary_unit

    @property
    def public_beneficiary(self) -> str:
        from minzheng.people.selectors import masked_name

        if self.beneficiary_person_id:
            return masked_name(self.beneficiary_person.name)
        return self.beneficiary_unit

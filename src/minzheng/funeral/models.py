"""Funeral and eco-burial (docs/DOMAIN.md §14).

- `Provider`: a funeral-service provider (a funeral home, a cemetery's operator, a funeral service
  station) registered with its region and licence; `ProviderStaff` binds an account of role
  `funeral_home` to it (unit scope: the account sees and changes only its provider's records).
- `Assessment`: the yearly standardisation assessment of a provider (target 9.1).
- `AreaSetting`: a county or township declared a cremation area or a burial-reform area; a
  region without a setting of its own follows its nearest ancestor's, and a region with none is a
  cremation area.
- `Cremation`: a body cremated by a funeral home, matched to the population registry (the death
  date is set or confirmed through the people module's service), with its numbered certificate.
- `ServiceLine`: a basic funeral service given with a cremation (transport, storage, cremation, ash
  storage) at its standard price (`PriceStandard`), exempted for an eligible person and claimed
  from the county through a `Claim`.
- `Grant`: the funeral grant (丧葬补助) of an eligible deceased, approved by the county and paid
  once as a one-off payable.
- `Cemetery` and `Burial`: cemeteries (village eco-cemeteries among them) with capacity and built
  date, and the burials made in them by type.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Provider(models.Model):
    class Kind(models.TextChoices):
        FUNERAL_HOME = "funeral_home", _("殡仪馆")
        CEMETERY = "cemetery", _("公墓经营单位")
        SERVICE_STATION = "service_station", _("殡葬服务站")

    name = models.CharField(_("机构名称"), max_length=100, unique=True)
    kind = models.CharField(_("机构类型"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区域")
    )
    licence_number = models.CharField(_("许可证号"), max_length=40, unique=True)
    licence_valid_until = models.DateField(_("许可证有效期至"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    active = models.BooleanField(_("正常运营"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["region__code", "id"]
        verbose_name = _("殡葬服务机构")
        verbose_name_plural = _("殡葬服务机构")

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class ProviderStaff(models.Model):
    """Binds a platform account of role `funeral_home` to the provider it works for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="funeral_staff"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="staff")

    class Meta:
        verbose_name = _("殡葬服务机构账号")
        verbose_name_plural = _("殡葬服务机构账号")

    def __str__(self):
        return f"{self.user_id}→{self.provider_id}"


class Assessment(models.Model):
    """The yearly standardisation assessment (殡葬服务标准化检查) of a provider."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("年度"))
    assessed_on = models.DateField(_("检查日期"))
    score = models.PositiveSmallIntegerField(_("得分"))
    passed = models.BooleanField(_("达到标准化要求"))
    note = models.CharField(_("检查意见"), max_length=500, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "provider_id"]
        verbose_name = _("标准化检查")
        verbose_name_plural = _("标准化检查")
        constraints = [
            models.UniqueConstraint(fields=["provider", "year"], name="funeral_one_assessment"),
        ]

    @property
    def audit_region_code(self) -> str:
        return self.provider.region.code


class AreaKind(models.TextChoices):
    CREMATION = "cremation", _("火化区")
    REFORM = "reform", _("土葬改革区")


class AreaSetting(models.Model):
    region = models.OneToOneField(
        "regions.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("区域")
    )
    kind = models.CharField(_("殡葬改革区域类型"), max_length=16, choices=AreaKind.choices)
    reason = models.CharField(_("依据"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region__code"]
        verbose_name = _("火化区与土葬改革区")
        verbose_name_plural = _("火化区与土葬改革区")

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class Cremation(models.Model):
    number = models.CharField(_("火化证明编号"), max_length=24, unique=True)
    home = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="cremations", verbose_name=_("殡仪馆")
    )
    person = models.OneToOneField(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="cremation",
        verbose_name=_("逝者"),
    )
    # The deceased's place of household registration when cremated (scope and the targets).
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("户籍地")
    )
    death_date = models.DateField(_("死亡日期"))
    cremated_on = models.DateField(_("火化日期"))
    death_date_corrected = models.BooleanField(_("更正了人口信息库的死亡日期"), default=False)
    family_contact = models.CharField(_("经办家属"), max_length=64)
    family_phone = models.CharField(_("家属电话"), max_length=20, blank=True)
    # The benefit the deceased received at death that makes the basic services free ("" none).
    eligible_group = models.CharField(_("惠民殡葬对象类别"), max_length=32, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["-cremated_on", "-id"]
        verbose_name = _("火化记录")
        verbose_name_plural = _("火化记录")
        indexes = [models.Index(fields=["death_date"], name="funeral_crem_death")]

    def __str__(self):
        return self.number

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class ServiceItem(models.TextChoices):
    TRANSPORT = "transport", _("遗体接运")
    STORAGE = "storage", _("遗体存放（3天）")
    CREMATION = "cremation", _("遗体火化")
    ASH_STORAGE = "ash_storage", _("骨灰寄存（1年）")


BASIC_ITEMS = tuple(ServiceItem.values)


class PriceStandard(models.Model):
    """The standard price of a basic service, or the funeral grant's amount (item `grant`), set
    for the city or a county from a date; the most specific region's latest wins."""

    GRANT = "grant"
    ITEMS = [*ServiceItem.choices, (GRANT, _("丧葬补助"))]

    item = models.CharField(_("项目"), max_length=16, choices=ITEMS)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("适用区域")
    )
    amount_fen = models.PositiveIntegerField(_("标准（分）"))
    effective_from = models.DateField(_("起始日期"))

    class Meta:
        ordering = ["item", "region__code", "-effective_from"]
        verbose_name = _("惠民殡葬收费和补助标准")
        verbose_name_plural = _("惠民殡葬收费和补助标准")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "region", "effective_from"], name="funeral_one_price"
            ),
        ]


class Claim(models.Model):
    """A funeral home's claim to a county for the free services it gave in a month."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待县级审核")
        APPROVED = "approved", _("已核准")
        RETURNED = "returned", _("已退回")

    home = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="claims")
    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("结算县")
    )
    month = models.DateField(_("服务月份"))
    total_fen = models.BigIntegerField(_("申请金额（分）"), default=0)
    lines = models.PositiveIntegerField(_("服务项数"), default=0)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["-month", "-id"]
        verbose_name = _("惠民殡葬费用结算申请")
        verbose_name_plural = _("惠民殡葬费用结算申请")
        constraints = [
            models.UniqueConstraint(
                fields=["home", "county", "month"],
                condition=Q(status="submitted"),
                name="funeral_one_open_claim",
            ),
        ]

    @property
    def audit_region_code(self) -> str:
        return self.county.code


class ServiceLine(models.Model):
    cremation = models.ForeignKey(Cremation, on_delete=models.CASCADE, related_name="services")
    item = models.CharField(_("服务项目"), max_length=16, choices=ServiceItem.choices)
    price_fen = models.PositiveIntegerField(_("标准价格（分）"))
    exempt = models.BooleanField(_("免除"), default=False)
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.SET_NULL, related_name="service_lines"
    )

    class Meta:
        ordering = ["cremation_id", "id"]
        verbose_name = _("基本殡葬服务")
        verbose_name_plural = _("基本殡葬服务")
        constraints = [
            models.UniqueConstraint(fields=["cremation", "item"], name="funeral_one_item"),
        ]


class Grant(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待县级审核")
        APPROVED = "approved", _("已核准发放")
        REJECTED = "rejected", _("不予发放")

    # One grant per death: the person is unique, whatever the cremation.
    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, related_name="funeral_grant"
    )
    cremation = models.OneToOneField(
        Cremation, on_delete=models.PROTECT, related_name="grant", null=True, blank=True
    )
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(_("对象类别"), max_length=32)
    amount_fen = models.PositiveIntegerField(_("补助金额（分）"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField(_("审核日期"), null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    payable = models.ForeignKey(
        "payments.OneOffPayable",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("丧葬补助")
        verbose_name_plural = _("丧葬补助")

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class Cemetery(models.Model):
    class Kind(models.TextChoices):
        VILLAGE_ECO = "village_eco", _("村级公益性生态公墓")
        PUBLIC = "public", _("城乡公益性公墓")
        COMMERCIAL = "commercial", _("经营性公墓")
        ASH_HALL = "ash_hall", _("骨灰堂")

    name = models.CharField(_("公墓名称"), max_length=100)
    kind = models.CharField(_("公墓类型"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区域")
    )
    operator = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="cemeteries",
        verbose_name=_("经营管理单位"),
    )
    capacity = models.PositiveIntegerField(_("设计容量（穴位）"))
    used = models.PositiveIntegerField(_("已使用"), default=0)
    built_on = models.DateField(_("建成日期"))
    active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region__code", "id"]
        verbose_name = _("公墓")
        verbose_name_plural = _("公墓")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="funeral_cemetery_name"),
            models.CheckConstraint(
                condition=Q(used__lte=models.F("capacity")), name="funeral_cemetery_capacity"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def free(self) -> int:
        return self.capacity - self.used

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class BurialKind(models.TextChoices):
    TREE = "tree", _("树葬")
    FLOWER = "flower", _("花葬")
    LAWN = "lawn", _("草坪葬")
    WALL = "wall", _("壁葬")
    SCATTERING = "scattering", _("骨灰撒散")
    SEA = "sea", _("海葬")
    GRAVE = "grave", _("墓穴安葬")
    ASH_STORAGE = "ash_storage", _("骨灰堂存放")


ECO_KINDS = ("tree", "flower", "lawn", "wall", "scattering", "sea")
# Kinds that take no place of a cemetery's capacity.
NO_PLACE_KINDS = ("scattering", "sea")


class Burial(models.Model):
    number = models.CharField(_("安葬编号"), max_length=24, unique=True)
    kind = models.CharField(_("安葬方式"), max_length=16, choices=BurialKind.choices)
    cemetery = models.ForeignKey(
        Cemetery,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="burials",
        verbose_name=_("公墓"),
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="burials", verbose_name=_("办理单位")
    )
    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, related_name="burial", verbose_name=_("逝者")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("户籍地")
    )
    buried_on = models.DateField(_("安葬日期"))
    eco = models.BooleanField(_("生态安葬"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-buried_on", "-id"]
        verbose_name = _("安葬记录")
        verbose_name_plural = _("安葬记录")

    @property
    def audit_region_code(self) -> str:
        return self.region.code

"""Social organisations (社会组织) and their registry: docs/DOMAIN.md §10.

- `Organisation`: one organisation from its application for registration to its deregistration,
  of one of the three kinds, in a field of activity (the four kinds that register directly,
  without a supervising unit, among them), registered by the city's or a county's registry
  (`registry`), domiciled in a region (`region`), with its legal representative a person of the
  population registry (never a copy).
- `OrganisationAccount`: binds a platform account of role `organisation` to the organisation it
  acts for (it files the registration, changes and annual reports online).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("社会团体")
    SERVICE_ORG = "service_org", _("社会服务机构")  # 民办非企业单位 before the Charity Law
    FOUNDATION = "foundation", _("基金会")


class OrganisationField(models.TextChoices):
    # The four that register directly, without a supervising unit (DOMAIN §10).
    TRADE = "trade", _("行业协会商会类")
    SCIENCE = "science", _("科技类")
    CHARITY = "charity", _("公益慈善类")
    COMMUNITY = "community", _("城乡社区服务类")
    # The others need a supervising unit (业务主管单位).
    EDUCATION = "education", _("教育类")
    HEALTH = "health", _("卫生健康类")
    CULTURE = "culture", _("文化体育类")
    OTHER = "other", _("其他")


DIRECT_REGISTRATION_FIELDS = frozenset(
    {
        OrganisationField.TRADE,
        OrganisationField.SCIENCE,
        OrganisationField.CHARITY,
        OrganisationField.COMMUNITY,
    }
)


class OrganisationStatus(models.TextChoices):
    PENDING = "pending", _("待审查")
    REFUSED = "refused", _("不予登记")
    REGISTERED = "registered", _("已登记")
    DEREGISTERED = "deregistered", _("已注销")
    REVOKED = "revoked", _("已撤销登记")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    WINDOW = "window", _("窗口申请")


class Organisation(models.Model):
    name = models.CharField(_("名称"), max_length=100, db_index=True)
    kind = models.CharField(_("组织类型"), max_length=16, choices=OrganisationKind.choices)
    field = models.CharField(_("业务领域"), max_length=16, choices=OrganisationField.choices)
    status = models.CharField(
        _("登记状态"),
        max_length=16,
        choices=OrganisationStatus.choices,
        default=OrganisationStatus.PENDING,
        db_index=True,
    )
    registry = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记管理机关"),
        help_text=_("市或县（市、区）民政部门"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("住所地")
    )
    address = models.CharField(_("住所"), max_length=200)
    legal_representative = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="represented_organisations",
        verbose_name=_("法定代表人"),
    )
    supervising_unit = models.CharField(
        _("业务主管单位"), max_length=100, blank=True, help_text=_("直接登记的四类组织不填")
    )
    capital_fen = models.BigIntegerField(_("注册资金（分）"), default=0)
    purpose = models.TextField(_("宗旨和业务范围"), max_length=2000)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    channel = models.CharField(_("申请方式"), max_length=8, choices=Channel.choices)
    applied_at = models.DateTimeField(_("申请时间"))
    registered_on = models.DateField(_("登记日期"), null=True, blank=True, db_index=True)
    ended_on = models.DateField(_("注销或撤销日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-registered_on", "-id"]
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        indexes = [models.Index(fields=["status", "registered_on"], name="socialorgs_org_status")]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class OrganisationAccount(models.Model):
    """Binds a platform account of role `organisation` to the organisation it acts for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_account"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="accounts"
    )

    class Meta:
        verbose_name = _("社会组织账号")
        verbose_name_plural = _("社会组织账号")

    def __str__(self):
        return f"{self.user_id}→{self.organisation_id}"

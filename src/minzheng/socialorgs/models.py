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

from minzheng.core.uploads import encrypted_storage


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


def _articles_path(instance, filename):
    # Never the uploaded name; the file is encrypted at rest like every kept upload.
    return (
        f"socialorgs/{instance.pk or 'new'}/{instance.articles_sha256[:16]}{instance.articles_ext}"
    )


def bureau_name(region) -> str:
    """The registry as a page names it: the civil-affairs bureau of its region."""
    return _("%(name)s民政局") % {"name": region.name} if region is not None else ""


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
    # The application: articles (章程) encrypted at rest, the legal deadline, who filed and who
    # decided, a refusal's reason.
    articles = models.FileField(
        _("章程"), upload_to=_articles_path, max_length=200, blank=True, storage=encrypted_storage
    )
    articles_sha256 = models.CharField(max_length=64, blank=True)
    articles_ext = models.CharField(max_length=8, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(_("办理时限"), null=True, blank=True)
    decided_by_name = models.CharField(_("审查人"), max_length=64, blank=True)
    refusal_reason = models.TextField(_("不予登记理由"), max_length=2000, blank=True)
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

    @property
    def registry_label(self) -> str:
        return bureau_name(self.registry)


class OrganisationAccount(models.Model):
    """Binds a platform account of role `organisation` to the organisation it acts for. An account
    signed up online holds the legal representative it was opened for (identified on the
    population registry) and has no organisation until its application is filed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_account"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="accounts"
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("法定代表人（注册人）"),
    )

    class Meta:
        verbose_name = _("社会组织账号")
        verbose_name_plural = _("社会组织账号")

    def __str__(self):
        return f"{self.user_id}→{self.organisation_id}"


# ---------------------------------------------------------------- registration extras


class RequestKind(models.TextChoices):
    CHANGE = "change", _("变更登记")
    DEREGISTER = "deregister", _("注销登记")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审查")
    APPROVED = "approved", _("已核准")
    REFUSED = "refused", _("不予核准")


# What a change request may change (DOMAIN §10): each an Organisation field.
CHANGE_FIELDS = ("name", "address", "region", "legal_representative", "capital_fen", "purpose")


class OrganisationRequest(models.Model):
    """A registered organisation asks the registry to change a registered item or to deregister."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="requests"
    )
    kind = models.CharField(_("事项"), max_length=16, choices=RequestKind.choices)
    # The new values, by Organisation field (a region or person by id); empty for deregistration.
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.TextField(_("申请理由"), max_length=2000)
    channel = models.CharField(_("申请方式"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("审查状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    filed_at = models.DateTimeField(_("申请时间"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(_("办理时限"))
    decided_on = models.DateField(_("审查日期"), null=True, blank=True)
    decided_by_name = models.CharField(_("审查人"), max_length=64, blank=True)
    refusal_reason = models.TextField(_("不予核准理由"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("变更和注销申请")
        verbose_name_plural = _("变更和注销申请")

    @property
    def audit_region_code(self) -> str:
        return self.organisation.audit_region_code

    def change_rows(self) -> list[tuple[str, str]]:
        """The requested changes as a page shows them: the field's label and the new value (a
        region or person by name, the capital in yuan)."""
        from minzheng.core.money import yuan_str
        from minzheng.people.models import Person
        from minzheng.regions.models import Region

        rows = []
        for key, value in self.changes.items():
            if key not in CHANGE_FIELDS:
                continue
            if key == "region":
                value = Region.objects.filter(code=value).values_list("name", flat=True).first()
            elif key == "legal_representative":
                value = Person.objects.filter(pk=value).values_list("name", flat=True).first()
            elif key == "capital_fen":
                key, value = "capital", _("%(y)s 元") % {"y": yuan_str(value)}
            label = (
                _("注册资金")
                if key == "capital"
                else Organisation._meta.get_field(key).verbose_name
            )
            rows.append((str(label), str(value or "—")))
        return rows


# ---------------------------------------------------------------- annual reports


class Conclusion(models.TextChoices):
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class AnnualReport(models.Model):
    """An organisation's annual work report for `year`, filed the following year: to the
    supervising unit by 31 March, to the registry by 31 May; the registry's annual inspection
    concludes it."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    income_fen = models.BigIntegerField(_("本年收入（分）"))
    expenditure_fen = models.BigIntegerField(_("本年支出（分）"))
    net_assets_fen = models.BigIntegerField(_("年末净资产（分）"))
    staff = models.PositiveIntegerField(_("专职工作人员数"))
    activities = models.TextField(_("主要业务活动"), max_length=4000)
    supervisor_on = models.DateField(_("报业务主管单位日期"), null=True, blank=True)
    filed_on = models.DateField(_("报登记管理机关日期"))
    channel = models.CharField(_("报送方式"), max_length=8, choices=Channel.choices)
    conclusion = models.CharField(
        _("年检结论"), max_length=16, choices=Conclusion.choices, blank=True
    )
    remarks = models.TextField(_("年检意见"), max_length=2000, blank=True)
    inspected_on = models.DateField(_("年检日期"), null=True, blank=True)
    inspected_by_name = models.CharField(_("年检人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-year", "organisation__name"]
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"], name="socialorgs_report_once_a_year"
            )
        ]
        indexes = [models.Index(fields=["year", "inspected_on"], name="socialorgs_report_year")]

    @property
    def audit_region_code(self) -> str:
        return self.organisation.audit_region_code


# ---------------------------------------------------------------- ratings


class Grade(models.TextChoices):
    A5 = "5A", _("5A级")
    A4 = "4A", _("4A级")
    A3 = "3A", _("3A级")
    A2 = "2A", _("2A级")
    A1 = "1A", _("1A级")
    NONE = "none", _("未达到等级")


class Rating(models.Model):
    """A rating application and its result (评估等级), valid five years."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="ratings")
    applied_on = models.DateField(_("申请日期"))
    score = models.PositiveSmallIntegerField(_("评估得分"), null=True, blank=True)
    grade = models.CharField(_("评估等级"), max_length=8, choices=Grade.choices, blank=True)
    decided_on = models.DateField(_("评定日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    decided_by_name = models.CharField(_("评定人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-applied_on", "-id"]
        verbose_name = _("评估等级")
        verbose_name_plural = _("评估等级")

    @property
    def audit_region_code(self) -> str:
        return self.organisation.audit_region_code


# ---------------------------------------------------------------- supervision


class MeasureKind(models.TextChoices):
    AUDIT = "audit", _("抽查审计")
    WARNING = "warning", _("警告")
    FINE = "fine", _("罚款")
    SUSPENSION = "suspension", _("限期停止活动")
    REVOCATION = "revocation", _("撤销登记")


SANCTIONS = (
    MeasureKind.WARNING,
    MeasureKind.FINE,
    MeasureKind.SUSPENSION,
    MeasureKind.REVOCATION,
)


class Measure(models.Model):
    """A spot audit with its findings, or an administrative sanction."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="measures"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=MeasureKind.choices)
    on = models.DateField(_("日期"))
    findings = models.TextField(_("查明情况"), max_length=4000)
    amount_fen = models.BigIntegerField(_("罚款金额（分）"), null=True, blank=True)
    until = models.DateField(_("停止活动至"), null=True, blank=True)
    by_name = models.CharField(_("经办人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("监督检查和行政处罚")
        verbose_name_plural = _("监督检查和行政处罚")

    @property
    def audit_region_code(self) -> str:
        return self.organisation.audit_region_code


class ListKind(models.TextChoices):
    ABNORMAL = "abnormal", _("活动异常名录")
    DISHONEST = "dishonest", _("严重违法失信名单")


class ListEntry(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="list_entries"
    )
    list = models.CharField(_("名录"), max_length=16, choices=ListKind.choices)
    entered_on = models.DateField(_("列入日期"))
    reason = models.TextField(_("列入理由"), max_length=2000)
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)
    removal_reason = models.TextField(_("移出理由"), max_length=2000, blank=True)
    by_name = models.CharField(_("经办人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-entered_on", "-id"]
        verbose_name = _("名录记录")
        verbose_name_plural = _("名录记录")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "list"],
                condition=models.Q(removed_on__isnull=True),
                name="socialorgs_listed_once",
            )
        ]

    @property
    def audit_region_code(self) -> str:
        return self.organisation.audit_region_code


# ---------------------------------------------------------------- complaints


class ComplaintSubject(models.TextChoices):
    ILLEGAL_ACTIVITY = "illegal_activity", _("社会组织违法行为")
    UNREGISTERED = "unregistered", _("非法社会组织")


class ComplaintStatus(models.TextChoices):
    FILED = "filed", _("待调查")
    INVESTIGATING = "investigating", _("调查中")
    CLOSED = "closed", _("已办结")


class Complaint(models.Model):
    number = models.CharField(_("投诉编号"), max_length=32, unique=True)
    subject = models.CharField(_("投诉类别"), max_length=20, choices=ComplaintSubject.choices)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("被投诉的社会组织"),
    )
    subject_name = models.CharField(_("被投诉组织名称"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("活动地")
    )
    registry = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("承办登记管理机关"),
    )
    content = models.TextField(_("投诉内容"), max_length=4000)
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    complainant_name = models.CharField(_("投诉人姓名"), max_length=64)
    complainant_phone = models.CharField(_("联系电话"), max_length=20)
    received_on = models.DateField(_("收到日期"))
    due_on = models.DateField(_("办结时限"))
    status = models.CharField(
        _("办理状态"),
        max_length=16,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.FILED,
        db_index=True,
    )
    notes = models.TextField(_("调查情况"), max_length=8000, blank=True)
    reply = models.TextField(_("书面答复"), max_length=4000, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    handled_by_name = models.CharField(_("承办人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("社会组织投诉")
        verbose_name_plural = _("社会组织投诉")

    def __str__(self):
        return self.number

    @property
    def audit_region_code(self) -> str:
        return self.registry.code if self.registry_id else ""

    @property
    def registry_label(self) -> str:
        return bureau_name(self.registry)


# ---------------------------------------------------------------- online sign-up


class OrganisationSignup(models.Model):
    """A pending sign-up of an organisation's legal representative (the resident sign-up's pattern,
    accounts.registration): the account exists only once the code texted to the number on record
    for the person is entered."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    username = models.CharField(max_length=150)
    phone = models.CharField(max_length=20)
    password = models.CharField(max_length=128)
    code_hash = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("社会组织账号注册")
        verbose_name_plural = _("社会组织账号注册")

    @property
    def audit_region_code(self) -> str:
        return self.person.audit_region_code

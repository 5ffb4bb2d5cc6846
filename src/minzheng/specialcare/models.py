"""The roster of special-care recipients (优抚对象, docs/DOMAIN.md §6) on the population registry.

- `Recipient`: a person of the registry (`people.Person`, never a copy) in one of the categories of
  §6: disabled veterans (with grade and cause), veterans living in the countryside, veterans
  discharged with illness, war and weapons-test veterans, families of martyrs, of soldiers who
  died on duty or of illness, families of serving soldiers. Its region is the recipient's village
  (the person's place of household registration when registered, moved by an approved move), so
  scope needs no join through the registry. A person may hold several categories (a disabled war
  veteran is both), one active record per category.
- `RecipientChange`: a change to a record (grade change, death, move between counties, correction
  of attributes, ending) requested with the date of the event and applied only when approved, so
  the record's history is the list of its approved changes (and the audit trail) and "dynamic
  management" is measurable: the days from the event to the approval.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.uploads import encrypted_storage


class Category(models.TextChoices):
    DISABLED_VETERAN = "disabled_veteran", _("残疾军人")
    RURAL_VETERAN = "rural_veteran", _("在乡复员军人")
    ILLNESS_VETERAN = "illness_veteran", _("带病回乡退伍军人")
    WAR_VETERAN = "war_veteran", _("参战退役人员")
    TEST_VETERAN = "test_veteran", _("参试退役人员")
    MARTYR_FAMILY = "martyr_family", _("烈士遗属")
    DUTY_DEATH_FAMILY = "duty_death_family", _("因公牺牲军人遗属")
    ILLNESS_DEATH_FAMILY = "illness_death_family", _("病故军人遗属")
    SERVING_FAMILY = "serving_family", _("现役军人家属")


# Categories whose record is about a soldier other than the recipient (the martyr, the soldier who
# died, the serving soldier): the soldier's name and the recipient's relation to them are required.
FAMILY_CATEGORIES = {
    Category.MARTYR_FAMILY,
    Category.DUTY_DEATH_FAMILY,
    Category.ILLNESS_DEATH_FAMILY,
    Category.SERVING_FAMILY,
}
# Categories of veterans themselves: enlistment and discharge dates and the unit are required.
VETERAN_CATEGORIES = {
    Category.DISABLED_VETERAN,
    Category.RURAL_VETERAN,
    Category.ILLNESS_VETERAN,
    Category.WAR_VETERAN,
    Category.TEST_VETERAN,
}


class DisabilityCause(models.TextChoices):
    WAR = "war", _("因战")
    DUTY = "duty", _("因公")
    ILLNESS = "illness", _("因病")


class Relation(models.TextChoices):
    PARENT = "parent", _("父母")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class ServiceKind(models.TextChoices):
    """What the serving soldier of a serving-family record is: only conscripts' families receive
    the yearly conscript-family benefit (义务兵家庭优待金)."""

    CONSCRIPT = "conscript", _("义务兵")
    NCO = "nco", _("士官")
    OFFICER = "officer", _("军官")


class IdCheckMethod(models.TextChoices):
    CARD_READER = "card_reader", _("二代身份证读卡")
    DEPARTMENTAL = "departmental", _("公安户籍比对")
    MANUAL = "manual", _("人工核验")


class RecipientStatus(models.TextChoices):
    # A new registration is itself a request: the record is pending until the county approves it
    # (active) or refuses it (refused); only active records are on the roster.
    PENDING = "pending", _("登记待审批")
    ACTIVE = "active", _("在册")
    ENDED = "ended", _("已注销")
    REFUSED = "refused", _("登记未批准")


class EndReason(models.TextChoices):
    DEATH = "death", _("死亡")
    MOVED_OUT = "moved_out", _("迁出本市")
    DISQUALIFIED = "disqualified", _("不再符合条件")
    OTHER = "other", _("其他")


class Recipient(models.Model):
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="special_care_records",
        verbose_name=_("优抚对象"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在村（社区）"),
    )
    category = models.CharField(_("优抚类别"), max_length=24, choices=Category.choices)
    status = models.CharField(
        _("状态"), max_length=8, choices=RecipientStatus.choices, default=RecipientStatus.ACTIVE
    )
    registered_on = models.DateField(_("登记日期"))
    ended_on = models.DateField(_("注销日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("注销原因"), max_length=16, choices=EndReason.choices, blank=True
    )
    certificate_no = models.CharField(_("证件编号"), max_length=40, blank=True)
    certificate_issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    # Disabled veterans.
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    disability_cause = models.CharField(
        _("致残性质"), max_length=8, choices=DisabilityCause.choices, blank=True
    )
    # Veterans: their own service.
    enlisted_on = models.DateField(_("入伍日期"), null=True, blank=True)
    discharged_on = models.DateField(_("退役日期"), null=True, blank=True)
    service_unit = models.CharField(_("服役部队"), max_length=100, blank=True)
    # Families: the martyr, the soldier who died, or the serving soldier.
    soldier_name = models.CharField(_("烈士（军人）姓名"), max_length=64, blank=True)
    relation = models.CharField(
        _("与烈士（军人）关系"), max_length=8, choices=Relation.choices, blank=True
    )
    soldier_died_on = models.DateField(_("牺牲（病故）日期"), null=True, blank=True)
    service_kind = models.CharField(
        _("服役类别"), max_length=12, choices=ServiceKind.choices, blank=True
    )
    # Second-generation ID card authentication (二代身份证认证, plan item 15).
    id_checked_on = models.DateField(_("身份认证日期"), null=True, blank=True)
    id_check_method = models.CharField(
        _("身份认证方式"), max_length=16, choices=IdCheckMethod.choices, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["region__path", "id"]
        verbose_name = _("优抚对象")
        verbose_name_plural = _("优抚对象")
        indexes = [models.Index(fields=["category", "status"], name="specialcare_category_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "category"],
                condition=Q(status__in=["active", "pending"]),
                name="specialcare_one_open_record_per_category",
            ),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=10),
                name="specialcare_disability_grade_1_to_10",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "pending", "refused"], ended_on__isnull=True)
                | Q(status="ended", ended_on__isnull=False),
                name="specialcare_ended_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class ChangeKind(models.TextChoices):
    REGISTER = "register", _("新增登记")
    GRADE = "grade", _("残疾等级调整")
    DEATH = "death", _("死亡")
    MOVE = "move", _("迁移")
    CORRECTION = "correction", _("信息更正")
    END = "end", _("注销")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class RecipientChange(models.Model):
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="changes", verbose_name=_("优抚对象")
    )
    kind = models.CharField(_("变更类型"), max_length=12, choices=ChangeKind.choices)
    # The day the change happened in life (the death, the assessment, the move), from which the
    # days to record it are counted.
    event_on = models.DateField(_("事件日期"))
    # What changes: e.g. {"disability_grade": 4}, {"region": <id>}, {"service_unit": "…"}.
    details = models.JSONField(_("变更内容"), default=dict, blank=True)
    # The last day to record it: N working days after the event (quality.DYNAMIC_WORKING_DAYS on
    # the working-day calendar), fixed when requested so the dynamic-management rule is one query.
    due_on = models.DateField(_("办理时限"), null=True, blank=True)
    # Where the record was when the change was requested: a move's sending county keeps reading
    # the changes made while the record was in its regions, the move included.
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请时所在地"),
    )
    reason = models.CharField(_("变更理由"), max_length=500, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("优抚对象变更")
        verbose_name_plural = _("优抚对象变更")
        indexes = [models.Index(fields=["status", "kind"], name="specialcare_change_status")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class DocumentKind(models.TextChoices):
    CERTIFICATE = "certificate", _("优抚证件")
    ID_CARD = "id_card", _("身份证复印件")
    DISABILITY_ASSESSMENT = "disability_assessment", _("伤残等级评定材料")
    DEATH_CERTIFICATE = "death_certificate", _("死亡证明")
    SERVICE_PROOF = "service_proof", _("服役证明")
    MARTYR_PROOF = "martyr_proof", _("烈士证明书")
    OTHER = "other", _("其他材料")


def _document_path(instance, filename):
    # Never the uploaded name, which may carry personal details.
    return f"specialcare/{instance.recipient_id}/{instance.sha256[:16]}{instance.extension}"


class RecipientDocument(models.Model):
    """A scan kept with a record (certificate, ID card copy, disability assessment, death
    certificate…), encrypted at rest like every kept upload."""

    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="documents", verbose_name=_("优抚对象")
    )
    kind = models.CharField(_("材料类型"), max_length=24, choices=DocumentKind.choices)
    file = models.FileField(
        _("文件"), upload_to=_document_path, max_length=200, storage=encrypted_storage
    )
    original_name = models.CharField(_("原文件名"), max_length=200)
    extension = models.CharField(max_length=10, blank=True)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("优抚对象材料")
        verbose_name_plural = _("优抚对象材料")


# ---------------------------------------------------------------- benefits (优抚待遇)
# Benefits of the recipients on the roster (specialcare/benefits.py): the periodic pension paid by
# the payroll (a `payments.Entitlement`, with the grade and cause it was computed on kept here in
# plain columns for set-based checks), the yearly conscript-family benefit and the one-off grants
# paid as one-off payables, and the medical guarantees recorded per year.


class Pension(models.Model):
    """A recipient's periodic pension or living allowance (定期抚恤金 / 定期生活补助): the payroll's
    entitlement and the category, grade and cause it is computed on."""

    recipient = models.ForeignKey(
        Recipient, on_delete=models.PROTECT, related_name="pensions", verbose_name=_("优抚对象")
    )
    entitlement = models.OneToOneField(
        "payments.Entitlement",
        on_delete=models.PROTECT,
        related_name="special_care_pension",
        verbose_name=_("发放待遇"),
    )
    category = models.CharField(_("优抚类别"), max_length=24, choices=Category.choices)
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    disability_cause = models.CharField(
        _("致残性质"), max_length=8, choices=DisabilityCause.choices, blank=True
    )
    confirmed_on = models.DateField(_("确认日期"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("定期抚恤补助")
        verbose_name_plural = _("定期抚恤补助")

    def __str__(self):
        return f"{self.get_category_display()} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.recipient.region.code if self.recipient_id else ""


class ConscriptBenefit(models.Model):
    """The yearly conscript-family benefit (义务兵家庭优待金) of a serving-family record: once a
    year, paid as a one-off payable whose source is this row."""

    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        related_name="conscript_benefits",
        verbose_name=_("优抚对象"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在村（社区）"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    amount_fen = models.BigIntegerField(_("金额（分）"))
    issued_on = models.DateField(_("发放核定日期"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核定人"),
    )
    payable = models.ForeignKey(
        "payments.OneOffPayable",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("待发放款项"),
    )

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("义务兵家庭优待金")
        verbose_name_plural = _("义务兵家庭优待金")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "year"], name="specialcare_one_conscript_benefit_a_year"
            )
        ]

    def __str__(self):
        return f"{self.year} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class GuaranteeKind(models.TextChoices):
    INSURANCE_PREMIUM = "insurance_premium", _("政府代缴医疗保险费")
    MEDICAL_SUBSIDY = "medical_subsidy", _("优抚对象医疗补助")
    PUBLIC_MEDICAL = "public_medical", _("公费医疗")


class MedicalGuarantee(models.Model):
    """What medical guarantee a recipient has in a year (医疗保障): a register, one row per
    recipient, year and kind; the medical subsidy's amount is the year's total of claims paid."""

    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        related_name="medical_guarantees",
        verbose_name=_("优抚对象"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在村（社区）"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("保障方式"), max_length=20, choices=GuaranteeKind.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_on = models.DateField(_("登记日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("优抚对象医疗保障")
        verbose_name_plural = _("优抚对象医疗保障")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "year", "kind"], name="specialcare_one_guarantee_a_year"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.year} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class GrantKind(models.TextChoices):
    DEATH_PENSION = "death_pension", _("一次性抚恤金")
    ONE_OFF_SUBSIDY = "one_off_subsidy", _("一次性补助")


class OneOffGrant(models.Model):
    """A one-off grant to a recipient (一次性抚恤金 on a death, 一次性补助), at most once per
    recipient and kind, paid as a one-off payable whose source is this row."""

    recipient = models.ForeignKey(
        Recipient, on_delete=models.PROTECT, related_name="grants", verbose_name=_("优抚对象")
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在村（社区）"),
    )
    kind = models.CharField(_("补助类型"), max_length=20, choices=GrantKind.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    reason = models.CharField(_("事由"), max_length=200)
    decided_on = models.DateField(_("核定日期"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核定人"),
    )
    payable = models.ForeignKey(
        "payments.OneOffPayable",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("待发放款项"),
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("一次性抚恤补助")
        verbose_name_plural = _("一次性抚恤补助")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind"], name="specialcare_one_grant_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.recipient.audit_region_code
        return self.region.code if self.region_id else ""

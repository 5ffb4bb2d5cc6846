"""Social-assistance applications (救助申请) as cases moving through the stages of the
minimum-living-guarantee procedure, plus the records each stage leaves behind.

The state field is a django-fsm field on a model with ConcurrentTransitionMixin: a save only
succeeds when the state in the database is still the one the row was read with, so two
concurrent transitions of one case can never both land. Services also lock the row.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from minzheng.core.uploads import encrypted_storage


class Programme(models.TextChoices):
    """Programme codes shared with minzheng.assistance."""

    DIBAO_URBAN = "dibao_urban", _("城市最低生活保障")
    DIBAO_RURAL = "dibao_rural", _("农村最低生活保障")
    TEKUN = "tekun", _("特困人员救助供养")
    TEMPORARY = "temporary", _("临时救助")
    MEDICAL = "medical", _("医疗救助")
    DISABILITY_LIVING = "disability_living", _("困难残疾人生活补贴")
    DISABILITY_NURSING = "disability_nursing", _("重度残疾人护理补贴")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    WINDOW = "window", _("窗口申请")
    ON_BEHALF = "on_behalf", _("村（社区）代为申请")


class State(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    AWAITING_MATERIALS = "awaiting_materials", _("待补齐材料")
    VERIFYING = "verifying", _("信息核对")
    INVESTIGATING = "investigating", _("入户调查")
    APPRAISING = "appraising", _("民主评议")
    TOWNSHIP_REVIEW = "township_review", _("乡镇审核")
    PUBLICITY = "publicity", _("公示中")
    COUNTY_REVIEW = "county_review", _("县级审批")
    EMERGENCY_GRANTED = "emergency_granted", _("已先行救助，待补办手续")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")


CLOSED_STATES = (State.APPROVED, State.REFUSED, State.WITHDRAWN)
OPEN_STATES = tuple(s for s in State.values if s not in CLOSED_STATES)
# The ordinary procedure in order, for the resident's stage timeline.
ORDINARY_STAGES = (
    State.SUBMITTED,
    State.VERIFYING,
    State.INVESTIGATING,
    State.APPRAISING,
    State.TOWNSHIP_REVIEW,
    State.PUBLICITY,
    State.COUNTY_REVIEW,
    State.APPROVED,
)
EMERGENCY_STAGES = (State.SUBMITTED, State.EMERGENCY_GRANTED, State.COUNTY_REVIEW, State.APPROVED)


class Case(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("申请编号"), max_length=32, unique=True)
    programme = models.CharField(
        _("救助项目"), max_length=32, choices=Programme.choices, db_index=True
    )
    applicant = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="assistance_cases",
        verbose_name=_("申请人"),
    )
    household = models.ForeignKey(
        "people.Household",
        on_delete=models.PROTECT,
        related_name="assistance_cases",
        verbose_name=_("家庭"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="assistance_cases",
        verbose_name=_("所在村（社区）"),
    )
    channel = models.CharField(_("申请渠道"), max_length=16, choices=Channel.choices)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="filed_cases",
        verbose_name=_("经办人"),
        help_text=_("代为申请的村（社区）工作人员或窗口受理人员"),
    )
    reason = models.TextField(_("申请理由"), blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    facts = models.JSONField(_("家庭收入和财产情况"), default=dict, blank=True)
    requested_amount_fen = models.BigIntegerField(_("申请救助金额（分）"), null=True, blank=True)
    is_emergency = models.BooleanField(_("急难型临时救助"), default=False)
    relative_of_staff = models.BooleanField(_("经办人员或村干部近亲属（备案）"), default=False)
    relative_relation = models.CharField(_("近亲属关系说明"), max_length=200, blank=True)

    state = FSMField(
        _("办理阶段"), max_length=32, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    applied_on = models.DateField(_("申请日期"))
    stage_started_on = models.DateField(_("本阶段开始日期"))
    stage_due_on = models.DateField(_("本阶段办理时限"), null=True, blank=True, db_index=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        indexes = [models.Index(fields=["state", "stage_due_on"])]
        constraints = [
            # One open application per household and programme, held by the database so that
            # concurrent applications cannot both pass a check made before either is written.
            models.UniqueConstraint(
                fields=["household", "programme"],
                condition=Q(state__in=OPEN_STATES),
                name="cases_one_open_case_per_household_programme",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.get_programme_display()}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def is_open(self) -> bool:
        return self.state not in CLOSED_STATES

    # Transitions. The services call exactly one of these per action, inside a transaction that
    # holds the row lock; guards on role, region and business rules live in the services.
    @transition(field=state, source=State.SUBMITTED, target=State.AWAITING_MATERIALS)
    def request_materials(self):
        pass

    @transition(
        field=state, source=[State.SUBMITTED, State.AWAITING_MATERIALS], target=State.VERIFYING
    )
    def start_verification(self):
        pass

    @transition(field=state, source=State.VERIFYING, target=State.INVESTIGATING)
    def pass_verification(self):
        pass

    @transition(field=state, source=State.INVESTIGATING, target=State.APPRAISING)
    def complete_investigation(self):
        pass

    @transition(field=state, source=State.APPRAISING, target=State.TOWNSHIP_REVIEW)
    def complete_appraisal(self):
        pass

    @transition(field=state, source=State.TOWNSHIP_REVIEW, target=State.PUBLICITY)
    def start_publicity(self):
        pass

    @transition(field=state, source=State.PUBLICITY, target=State.COUNTY_REVIEW)
    def close_publicity(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.EMERGENCY_GRANTED)
    def grant_emergency(self):
        pass

    @transition(field=state, source=State.EMERGENCY_GRANTED, target=State.COUNTY_REVIEW)
    def complete_emergency_paperwork(self):
        pass

    @transition(field=state, source=State.COUNTY_REVIEW, target=State.APPROVED)
    def approve(self):
        pass

    @transition(
        field=state,
        source=[State.VERIFYING, State.TOWNSHIP_REVIEW, State.PUBLICITY, State.COUNTY_REVIEW],
        target=State.REFUSED,
    )
    def refuse(self):
        pass

    @transition(field=state, source=list(OPEN_STATES), target=State.WITHDRAWN)
    def withdraw(self):
        pass


class CaseEvent(models.Model):
    """One line of a case's history: every transition, and the records added at a stage."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=32)
    from_state = models.CharField(_("原阶段"), max_length=32, choices=State.choices, blank=True)
    to_state = models.CharField(_("新阶段"), max_length=32, choices=State.choices, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    by_name = models.CharField(_("操作人"), max_length=150, blank=True)
    on = models.DateField(_("办理日期"))
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    @property
    def is_transition(self) -> bool:
        return self.from_state != self.to_state


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("居民身份证")
    HUKOU_BOOK = "hukou_book", _("户口簿")
    INCOME_PROOF = "income_proof", _("收入证明")
    AUTHORISATION = "authorisation", _("核对授权书")
    MEDICAL_BILL = "medical_bill", _("医疗费用票据")
    OTHER = "other", _("其他材料")


def _document_path(instance, filename):
    # The stored name never reuses the uploaded one (it may carry a person's name or ID).
    return f"cases/{instance.case_id}/{instance.sha256[:16]}{instance.extension}"


class Document(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=16, choices=DocumentKind.choices)
    # ID card scans, household registers, income proofs: encrypted at rest with the data key.
    file = models.FileField(
        _("文件"), upload_to=_document_path, max_length=200, storage=encrypted_storage
    )
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=64)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self):
        return f"{self.get_kind_display()} {self.original_name}"


class MissingMaterialsNotice(models.Model):
    """The one-time list of missing materials (一次性告知): one per case, never a second list."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="missing_materials")
    items = models.JSONField(_("需补齐的材料"))
    issued_on = models.DateField(_("告知日期"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_on = models.DateField(_("补齐日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("一次性告知书")
        verbose_name_plural = _("一次性告知书")


class Authorisation(models.Model):
    """The household's signed authorisation for economic-status verification (核对授权书)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="authorisation")
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("授权书扫描件")
    )
    signed_on = models.DateField(_("签署日期"))
    signed_by = models.JSONField(_("签署人"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("核对授权书")
        verbose_name_plural = _("核对授权书")


class Investigation(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="investigations")
    investigators = models.JSONField(_("调查人员"))
    visited_on = models.DateField(_("入户日期"))
    findings = models.TextField(_("调查情况"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("入户调查")
        verbose_name_plural = _("入户调查")


class Appraisal(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appraisals")
    held_on = models.DateField(_("评议日期"))
    invitees = models.PositiveIntegerField(_("应到人数"))
    attendees = models.PositiveIntegerField(_("实到人数"))
    votes_for = models.PositiveIntegerField(_("同意票"))
    votes_against = models.PositiveIntegerField(_("反对票"))
    quorum_ratio = models.CharField(_("到会比例要求"), max_length=16)
    approval_ratio = models.CharField(_("同意比例要求"), max_length=16)
    approved = models.BooleanField(_("评议通过"))
    note = models.TextField(_("评议情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")


class Publicity(models.Model):
    """Publicity (公示) of N days: from `starts_on` through `last_day` (stored as `ends_on` =
    starts_on + N days). Objections may be filed through the last day, so the publicity closes
    (and the stage is due) from the day after it, `ends_on`."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="publicity")
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示期满"))
    closed_on = models.DateField(_("公示办结日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")

    @property
    def last_day(self) -> dt.date:
        return self.ends_on - dt.timedelta(days=1)

    def may_close_on(self, on: dt.date) -> bool:
        return on >= self.ends_on


class ObjectionOutcome(models.TextChoices):
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class Objection(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="objections")
    objector = models.CharField(_("异议人"), max_length=64, blank=True, help_text=_("可匿名"))
    content = models.TextField(_("异议内容"))
    filed_on = models.DateField(_("提出日期"))
    due_on = models.DateField(_("办结时限"))
    outcome = models.CharField(
        _("处理结果"), max_length=16, choices=ObjectionOutcome.choices, blank=True
    )
    resolution = models.TextField(_("核查处理情况"), blank=True)
    resolved_on = models.DateField(_("办结日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")


class SpotCheck(models.Model):
    """County home spot check (县级入户抽查); a selected case cannot be approved before it is done."""

    class Reason(models.TextChoices):
        RANDOM = "random", _("随机抽取")
        QUOTA = "quota", _("补足年度抽查比例")
        RELATIVE = "relative", _("近亲属备案，全部抽查")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="spot_check")
    reason = models.CharField(_("抽查原因"), max_length=16, choices=Reason.choices)
    draw = models.FloatField(_("随机数"))
    ratio = models.CharField(_("抽查比例"), max_length=16)
    selected_on = models.DateField(_("抽取日期"))
    checked_on = models.DateField(_("抽查日期"), null=True, blank=True)
    investigators = models.JSONField(_("抽查人员"), default=list, blank=True)
    findings = models.TextField(_("抽查情况"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("入户抽查")
        verbose_name_plural = _("入户抽查")

    @property
    def is_done(self) -> bool:
        return self.checked_on is not None


class EmergencyPayment(models.Model):
    """Emergency temporary assistance paid before the paperwork (先行救助)."""

    class Method(models.TextChoices):
        CASH = "cash", _("现金")
        TRANSFER = "transfer", _("转账")
        IN_KIND = "in_kind", _("实物")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="emergency_payment")
    amount_fen = models.BigIntegerField(_("救助金额（分）"))
    method = models.CharField(_("救助方式"), max_length=16, choices=Method.choices)
    paid_on = models.DateField(_("发放日期"))
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("先行救助")
        verbose_name_plural = _("先行救助")


class Decision(models.Model):
    """A decision with its written reasons. A refusal always carries reasons (database-enforced)."""

    class Level(models.TextChoices):
        VERIFICATION = "verification", _("信息核对")
        TOWNSHIP = "township", _("乡镇（街道）审核")
        COUNTY = "county", _("县级审批")

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("同意")
        REFUSE = "refuse", _("不同意")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    level = models.CharField(_("环节"), max_length=16, choices=Level.choices)
    outcome = models.CharField(_("结论"), max_length=16, choices=Outcome.choices)
    reasons = models.TextField(_("理由"), blank=True)
    amount_fen = models.BigIntegerField(_("核定金额（分/月）"), null=True, blank=True)
    # What the rules gave on the decision date, and why the decided amount differs from it.
    rules_amount_fen = models.BigIntegerField(_("按规则计算金额（分/月）"), null=True, blank=True)
    amount_reason = models.TextField(_("核定金额与规则金额不同的理由"), blank=True)
    decided_on = models.DateField(_("决定日期"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("审核审批意见")
        verbose_name_plural = _("审核审批意见")
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="refuse") | ~Q(reasons=""),
                name="cases_refusal_has_reasons",
            ),
        ]


class HolidaySource(models.TextChoices):
    PACKAGE = "package", _("国务院公布")
    MANUAL = "manual", _("管理员录入")


class Holiday(models.Model):
    """The national holiday calendar: days off (放假) and the adjusted working days (调休上班)
    that fall on weekends. Days not listed follow the Monday–Friday week.

    `source` tells the State Council's published arrangement, written in bulk by
    `cases.holidays.load_calendar`, from an administrator's entry or correction, which a later
    load never overwrites. Saving one row is always an administrator's act (the admin page and
    the holiday service save rows one by one; the loader never calls `save()`), so `save()`
    marks the row manual."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(
        _("调休上班"), default=False, help_text=_("勾选表示该日为调休上班日，否则为放假日")
    )
    name = models.CharField(_("节日"), max_length=32)
    source = models.CharField(
        _("来源"),
        max_length=8,
        choices=HolidaySource.choices,
        default=HolidaySource.MANUAL,
        editable=False,
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")

    def __str__(self):
        kind = _("上班") if self.is_working_day else _("放假")
        return f"{self.date} {self.name} {kind}"

    def save(self, *args, **kwargs):
        self.source = HolidaySource.MANUAL
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "source"}
        super().save(*args, **kwargs)

    @property
    def year(self) -> int:
        return self.date.year


class CaseNumberCounter(models.Model):
    """The last sequence number given per prefix (county code + year). Allocation locks this row,
    so concurrent applications in one county take consecutive numbers without collisions."""

    prefix = models.CharField(max_length=16, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("申请编号计数器")
        verbose_name_plural = _("申请编号计数器")

    def __str__(self):
        return f"{self.prefix} {self.last}"


class MedicalBill(models.Model):
    """One settled hospital bill (一站式结算单) of a person on the registry, attached to a
    medical-assistance case. The figures are those the insurers settled; the assistance payout is
    computed by `cases.medical` from the person's yearly ledger and frozen when the case is
    approved (a later bill never changes it)."""

    class Kind(models.TextChoices):
        INPATIENT = "inpatient", _("住院")
        OUTPATIENT = "outpatient", _("门诊")

    class Source(models.TextChoices):
        TYPED = "typed", _("手工录入")
        SETTLEMENT_FILE = "settlement_file", _("一站式结算文件导入")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="medical_bills", verbose_name=_("救助申请")
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="medical_bills",
        verbose_name=_("患者"),
    )
    settlement_number = models.CharField(_("结算单号"), max_length=64, unique=True)
    hospital = models.CharField(_("医疗机构"), max_length=100)
    kind = models.CharField(_("就诊类别"), max_length=16, choices=Kind.choices)
    admitted_on = models.DateField(_("入院（就诊）日期"))
    discharged_on = models.DateField(_("出院（结算）日期"), db_index=True)
    total_fen = models.BigIntegerField(_("医疗费用总额（分）"))
    in_policy_fen = models.BigIntegerField(_("政策范围内费用（分）"))
    basic_insurance_fen = models.BigIntegerField(_("基本医疗保险支付（分）"), default=0)
    critical_illness_fen = models.BigIntegerField(_("大病保险支付（分）"), default=0)
    other_insurance_fen = models.BigIntegerField(_("其他保险支付（分）"), default=0)
    self_paid_in_policy_fen = models.BigIntegerField(_("政策范围内个人自付（分）"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    # Frozen at the county's approval of the case; null while the case is undecided.
    assistance_fen = models.BigIntegerField(_("医疗救助支付（分）"), null=True, blank=True)
    charity_fen = models.BigIntegerField(_("转介慈善救助（分）"), null=True, blank=True)
    trace = models.JSONField(_("计算过程"), default=list, blank=True)
    decided_on = models.DateField(_("核定日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["discharged_on", "id"]
        verbose_name = _("医疗费用单据")
        verbose_name_plural = _("医疗费用单据")
        indexes = [models.Index(fields=["person", "discharged_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_fen__gte=0)
                & Q(in_policy_fen__gte=0)
                & Q(in_policy_fen__lte=models.F("total_fen"))
                & Q(basic_insurance_fen__gte=0)
                & Q(critical_illness_fen__gte=0)
                & Q(other_insurance_fen__gte=0)
                & Q(self_paid_in_policy_fen__gte=0),
                name="cases_medical_bill_amounts",
            ),
            models.CheckConstraint(
                condition=Q(admitted_on__lte=models.F("discharged_on")),
                name="cases_medical_bill_dates",
            ),
        ]

    def __str__(self):
        return f"{self.settlement_number} {self.hospital}"

    @property
    def insurers_fen(self) -> int:
        return self.basic_insurance_fen + self.critical_illness_fen + self.other_insurance_fen

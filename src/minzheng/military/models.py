"""Military-civil affairs at the bureau: double-support enrolment (双拥), the retired military
cadres' centre (军休) and military-related appeals (涉军诉求/信访). docs/DOMAIN.md §9.3, §9.4 and §16.

- `SupportEnrolment`: a region (urban community, township or street, county) applies for a year
  to enter the double-support model-creation ranks (双拥“三创”); the level above reviews it with an
  assessment score, evidence notes and a result (enrolled / not yet).
- `RetiredCadre`: a cadre handed over by the army (接收安置), a person of the population registry
  (`people.Person`, never a copy), with the transfer notice, the reception deadline and the day
  received. `TreatmentItem` is the yearly "two treatments" checklist (政治待遇, 生活待遇) per
  cadre; `CadreService` the services and activities logged; `CadreSurvey` the yearly
  satisfaction questionnaire.
- `MilitaryAppeal`: a military-related appeal with its legal deadlines (信访条例), handling notes
  (`AppealEvent`), written reply, satisfaction, request for review, report upward and the check
  of its facts. Self-contained (no foreign key into other modules but the registry and the
  region tree) so a platform-wide complaints register could absorb it later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------- double support


class EnrolmentResult(models.TextChoices):
    PENDING = "pending", _("待审核")
    ENROLLED = "enrolled", _("已进入创建行列")
    NOT_YET = "not_yet", _("暂未进入")


class SupportEnrolment(models.Model):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("申报单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    applied_on = models.DateField(_("申报日期"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_by_name = models.CharField(_("申报人"), max_length=64, blank=True)
    application = models.TextField(_("申报材料说明"), max_length=2000)
    result = models.CharField(
        _("审核结果"),
        max_length=16,
        choices=EnrolmentResult.choices,
        default=EnrolmentResult.PENDING,
    )
    score = models.PositiveSmallIntegerField(_("考核得分"), null=True, blank=True)
    evidence = models.TextField(_("考核依据"), max_length=2000, blank=True)
    reviewed_on = models.DateField(_("审核日期"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by_name = models.CharField(_("审核人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-year", "region__path"]
        verbose_name = _("双拥创建申报")
        verbose_name_plural = _("双拥创建申报")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year"], name="military_enrolment_once_a_year"
            )
        ]

    def __str__(self):
        return f"{self.year} {self.region_id}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


# ---------------------------------------------------------------- retired cadres


class CadreCategory(models.TextChoices):
    RETIRED_OFFICER = "retired_officer", _("军队退休干部")
    LIXIU = "lixiu", _("军队离休干部")
    CIVILIAN = "civilian", _("无军籍退休职工")
    NCO = "nco", _("退休士官")


class RetiredCadre(models.Model):
    person = models.OneToOneField(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="retired_cadre",
        verbose_name=_("军休人员"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("户籍所在地")
    )
    category = models.CharField(_("人员类别"), max_length=16, choices=CadreCategory.choices)
    rank = models.CharField(_("军衔（职级）"), max_length=32)
    handover_year = models.PositiveSmallIntegerField(_("移交年度"))
    notice_number = models.CharField(_("移交通知文号"), max_length=64, blank=True)
    notice_on = models.DateField(_("移交通知日期"))
    due_on = models.DateField(_("接收时限"))
    received_on = models.DateField(_("接收日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-handover_year", "id"]
        verbose_name = _("军休人员")
        verbose_name_plural = _("军休人员")

    def __str__(self):
        return f"{self.get_category_display()} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def received_in_time(self) -> bool:
        return bool(self.received_on and self.received_on <= self.due_on)


class TreatmentKind(models.TextChoices):
    POLITICAL = "political", _("政治待遇")
    LIVING = "living", _("生活待遇")


class TreatmentCode(models.TextChoices):
    DOCUMENTS = "documents", _("阅读文件")
    BRIEFING = "briefing", _("情况通报")
    HEALTH_CHECK = "health_check", _("健康体检")
    PAY = "pay", _("离退休费调整")
    MEDICAL = "medical", _("医疗待遇")
    HOUSING = "housing", _("住房补贴")


TREATMENT_KIND = {
    TreatmentCode.DOCUMENTS: TreatmentKind.POLITICAL,
    TreatmentCode.BRIEFING: TreatmentKind.POLITICAL,
    TreatmentCode.HEALTH_CHECK: TreatmentKind.POLITICAL,
    TreatmentCode.PAY: TreatmentKind.LIVING,
    TreatmentCode.MEDICAL: TreatmentKind.LIVING,
    TreatmentCode.HOUSING: TreatmentKind.LIVING,
}


class TreatmentItem(models.Model):
    cadre = models.ForeignKey(RetiredCadre, on_delete=models.CASCADE, related_name="treatments")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("待遇类别"), max_length=16, choices=TreatmentKind.choices)
    item = models.CharField(_("待遇项目"), max_length=16, choices=TreatmentCode.choices)
    delivered_on = models.DateField(_("落实日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["year", "kind", "item"]
        verbose_name = _("两个待遇落实项目")
        verbose_name_plural = _("两个待遇落实项目")
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "year", "item"], name="military_treatment_item_once"
            )
        ]

    @property
    def audit_region_code(self) -> str:
        return self.cadre.region.code


class ServiceKind(models.TextChoices):
    VISIT = "visit", _("走访慰问")
    HEALTH = "health", _("健康服务")
    ACTIVITY = "activity", _("文体活动")
    OTHER = "other", _("其他服务")


class CadreService(models.Model):
    cadre = models.ForeignKey(RetiredCadre, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("服务类别"), max_length=16, choices=ServiceKind.choices)
    on = models.DateField(_("服务日期"))
    note = models.CharField(_("服务内容"), max_length=200)
    by_name = models.CharField(_("记录人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("军休服务记录")
        verbose_name_plural = _("军休服务记录")

    @property
    def audit_region_code(self) -> str:
        return self.cadre.region.code


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


SATISFIED_ANSWERS = (Satisfaction.SATISFIED, Satisfaction.BASIC)


class CadreSurvey(models.Model):
    cadre = models.ForeignKey(RetiredCadre, on_delete=models.CASCADE, related_name="surveys")
    year = models.PositiveSmallIntegerField(_("年度"))
    answered_on = models.DateField(_("调查日期"))
    political = models.CharField(_("政治待遇落实"), max_length=16, choices=Satisfaction.choices)
    living = models.CharField(_("生活待遇落实"), max_length=16, choices=Satisfaction.choices)
    services = models.CharField(_("服务管理"), max_length=16, choices=Satisfaction.choices)
    overall = models.CharField(_("总体评价"), max_length=16, choices=Satisfaction.choices)
    comment = models.CharField(_("意见建议"), max_length=500, blank=True)

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = _("军休人员满意度调查")
        verbose_name_plural = _("军休人员满意度调查")
        constraints = [
            models.UniqueConstraint(fields=["cadre", "year"], name="military_survey_once_a_year")
        ]

    @property
    def audit_region_code(self) -> str:
        return self.cadre.region.code


# ---------------------------------------------------------------- appeals


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口来访")
    PHONE = "phone", _("来电")
    LETTER = "letter", _("来信")
    ONLINE = "online", _("网上信访")


class MilitaryStatus(models.TextChoices):
    VETERAN = "veteran", _("退役军人")
    SPECIAL_CARE = "special_care", _("优抚对象")
    FAMILY = "family", _("军属")
    RETIRED_CADRE = "retired_cadre", _("军休人员")
    OTHER = "other", _("其他涉军人员")


class AppealCategory(models.TextChoices):
    PLACEMENT = "placement", _("安置")
    PENSION = "pension", _("抚恤补助")
    MEDICAL = "medical", _("医疗")
    HOUSING = "housing", _("住房")
    OTHER = "other", _("其他")


class AppealStage(models.TextChoices):
    FILED = "filed", _("登记")
    ACCEPTED = "accepted", _("受理办理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    REPLIED = "replied", _("已答复")
    REVIEW = "review", _("复查中")
    CLOSED = "closed", _("办结")


class FactsCheck(models.TextChoices):
    PENDING = "", _("未核实")
    ACCURATE = "accurate", _("信息准确")
    CORRECTED = "corrected", _("信息有误已更正")


class MilitaryAppeal(models.Model):
    number = models.CharField(_("诉求编号"), max_length=32, unique=True)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在乡镇（街道）"),
    )
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    appellant = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("诉求人（人口库）"),
    )
    appellant_name = models.CharField(_("诉求人姓名"), max_length=64)
    appellant_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    military_status = models.CharField(_("涉军身份"), max_length=16, choices=MilitaryStatus.choices)
    category = models.CharField(_("诉求类别"), max_length=16, choices=AppealCategory.choices)
    content = models.TextField(_("诉求内容"), max_length=4000)
    received_on = models.DateField(_("收到日期"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_by_name = models.CharField(_("登记人"), max_length=64, blank=True)
    stage = models.CharField(
        _("办理阶段"), max_length=16, choices=AppealStage.choices, default=AppealStage.FILED
    )
    # Deadlines (military.deadlines): calendar days, a last day on a day off moves to the next
    # working day.
    accept_due_on = models.DateField(_("受理时限"))
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    not_accepted_reason = models.TextField(_("不予受理理由"), max_length=2000, blank=True)
    handle_due_on = models.DateField(_("办结时限"), null=True, blank=True)
    extended_on = models.DateField(_("延期日期"), null=True, blank=True)
    extension_reason = models.TextField(_("延期理由"), max_length=2000, blank=True)
    reply = models.TextField(_("书面答复"), max_length=4000, blank=True)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    satisfaction = models.CharField(
        _("诉求人评价"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    review_due_on = models.DateField(_("复查申请期限"), null=True, blank=True)
    review_requested_on = models.DateField(_("申请复查日期"), null=True, blank=True)
    review_reason = models.TextField(_("复查请求"), max_length=2000, blank=True)
    review_result = models.TextField(_("复查意见"), max_length=2000, blank=True)
    review_done_on = models.DateField(_("复查日期"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    report_due_on = models.DateField(_("报告时限"))
    reported_on = models.DateField(_("报告市局日期"), null=True, blank=True)
    facts_check = models.CharField(
        _("信息核实"), max_length=16, choices=FactsCheck.choices, blank=True, default=""
    )
    facts_checked_on = models.DateField(_("核实日期"), null=True, blank=True)
    abnormal_petition = models.BooleanField(_("非正常赴省进京访"), default=False)
    mass_incident = models.BooleanField(_("群体性事件"), default=False)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("涉军诉求")
        verbose_name_plural = _("涉军诉求")
        indexes = [models.Index(fields=["received_on"], name="military_appeal_received")]

    def __str__(self):
        return self.number

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class AppealEvent(models.Model):
    appeal = models.ForeignKey(MilitaryAppeal, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    label = models.CharField(max_length=64)
    from_stage = models.CharField(max_length=16, blank=True)
    to_stage = models.CharField(max_length=16, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_name = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

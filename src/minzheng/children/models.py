"""The children's register and child-protection cases (docs/DOMAIN.md §6).

- `ChildRecord`: a child on the population registry (`people.Person`, never a copy) who is an
  orphan (孤儿, §6.1), a child in difficulty (困境儿童) or a rural left-behind child (农村留守儿童,
  §6.2): guardian, each parent's whereabouts, school, the village children's officer (儿童主任),
  the care type of an orphan. Its region is the child's village (the person's place of household
  registration when registered), so scope needs no join through the registry.
- `QuarterConfirmation`: the village worker's confirmation that a record still holds, once per
  child and quarter (registers are updated at least quarterly, §6.3 [local]).
- `ChildCase`: a report of a child at risk (强制报告) and the case it opens, through the stages of
  §6.3: report → emergency action (应急处置) → assessment and help plan (评估帮扶) → guardianship
  intervention (监护干预, may be skipped with a reason) → closed. A django-fsm field on a
  ConcurrentTransitionMixin model, like cases.Case; the services also lock the row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class Category(models.TextChoices):
    ORPHAN = "orphan", _("孤儿")
    DIFFICULTY = "difficulty", _("困境儿童")
    LEFT_BEHIND = "left_behind", _("农村留守儿童")


class DifficultyReason(models.TextChoices):
    POVERTY = "poverty", _("家庭经济困难")
    DISABILITY = "disability", _("自身残疾")
    NO_GUARDIANSHIP = "no_guardianship", _("缺乏有效监护")


class ParentStatus(models.TextChoices):
    AT_HOME = "at_home", _("在家")
    WORKING_AWAY = "working_away", _("外出务工")
    DECEASED = "deceased", _("死亡")
    MISSING = "missing", _("失踪")
    IN_PRISON = "in_prison", _("服刑在押")


class CareType(models.TextChoices):
    INSTITUTIONAL = "institutional", _("机构养育")
    DISPERSED = "dispersed", _("散居")


class ChildRecord(models.Model):
    person = models.OneToOneField(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="child_record",
        verbose_name=_("儿童"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在村（社区）"),
    )
    category = models.CharField(_("儿童类别"), max_length=16, choices=Category.choices)
    difficulty_reason = models.CharField(
        _("困境类型"), max_length=16, choices=DifficultyReason.choices, blank=True
    )
    guardian = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("监护人（人口库）"),
    )
    guardian_name = models.CharField(_("监护人姓名"), max_length=64, blank=True)
    guardian_relation = models.CharField(_("与儿童关系"), max_length=32, blank=True)
    guardian_phone = models.CharField(_("监护人电话"), max_length=20, blank=True)
    father_status = models.CharField(
        _("父亲情况"), max_length=16, choices=ParentStatus.choices, default=ParentStatus.AT_HOME
    )
    father_place = models.CharField(_("父亲所在地"), max_length=100, blank=True)
    mother_status = models.CharField(
        _("母亲情况"), max_length=16, choices=ParentStatus.choices, default=ParentStatus.AT_HOME
    )
    mother_place = models.CharField(_("母亲所在地"), max_length=100, blank=True)
    school = models.CharField(_("就读学校"), max_length=100, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("儿童主任（账号）"),
    )
    officer_name = models.CharField(_("儿童主任"), max_length=64, blank=True)
    care_type = models.CharField(_("养育方式"), max_length=16, choices=CareType.choices, blank=True)
    # The county's confirmation of an orphan, which starts the orphan allowance on the payroll.
    allowance_confirmed_on = models.DateField(_("县级确认日期"), null=True, blank=True)
    entitlement = models.ForeignKey(
        "payments.Entitlement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("孤儿基本生活费待遇"),
    )
    registered_on = models.DateField(_("登记日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["region__path", "id"]
        verbose_name = _("儿童登记")
        verbose_name_plural = _("儿童登记")
        indexes = [models.Index(fields=["category"], name="children_record_category")]
        constraints = [
            models.CheckConstraint(
                condition=Q(category="difficulty") | Q(difficulty_reason=""),
                name="children_reason_only_in_difficulty",
            ),
            models.CheckConstraint(
                condition=Q(category="orphan") | Q(care_type=""),
                name="children_care_type_only_orphans",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class QuarterConfirmation(models.Model):
    child = models.ForeignKey(ChildRecord, on_delete=models.CASCADE, related_name="confirmations")
    quarter = models.DateField(_("季度"), help_text=_("季度第一天"))
    confirmed_on = models.DateField(_("确认日期"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-quarter", "id"]
        verbose_name = _("季度核实")
        verbose_name_plural = _("季度核实")
        constraints = [
            models.UniqueConstraint(fields=["child", "quarter"], name="children_one_confirmation")
        ]

    @property
    def audit_region_code(self) -> str:
        return self.child.audit_region_code


class Stage(models.TextChoices):
    REPORTED = "reported", _("强制报告")
    EMERGENCY = "emergency", _("应急处置")
    ASSESSMENT = "assessment", _("评估帮扶")
    INTERVENTION = "intervention", _("监护干预")
    CLOSED = "closed", _("结案")


OPEN_STAGES = (Stage.REPORTED, Stage.EMERGENCY, Stage.ASSESSMENT, Stage.INTERVENTION)


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", _("紧急（儿童正处于危险中）")
    HIGH = "high", _("较急")
    NORMAL = "normal", _("一般")


class ReporterKind(models.TextChoices):
    SCHOOL = "school", _("学校")
    CLINIC = "clinic", _("医疗机构")
    POLICE = "police", _("公安派出所")
    VILLAGE = "village", _("村（居）委会")
    TOWNSHIP = "township", _("乡镇（街道）")
    RESIDENT = "resident", _("居民")
    OTHER = "other", _("其他")


class ChildCase(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("案件编号"), max_length=32, unique=True)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="child_cases",
        verbose_name=_("儿童"),
    )
    described_name = models.CharField(_("儿童姓名（报告人所述）"), max_length=64, blank=True)
    described_age = models.PositiveSmallIntegerField(_("年龄（报告人所述）"), null=True, blank=True)
    described_place = models.CharField(_("所在地点"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在地")
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="child_reports",
        verbose_name=_("报告人账号"),
    )
    reporter_kind = models.CharField(_("报告人类别"), max_length=16, choices=ReporterKind.choices)
    reporter_name = models.CharField(_("报告人"), max_length=100)
    reporter_phone = models.CharField(_("报告人电话"), max_length=20, blank=True)
    what_happened = models.TextField(_("发生了什么"))
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices)
    reported_at = models.DateTimeField(_("报告时间"))

    stage = FSMField(
        _("办理阶段"), max_length=16, choices=Stage.choices, default=Stage.REPORTED, db_index=True
    )
    first_contact_due_at = models.DateTimeField(_("首次接触时限"))
    assessment_due_on = models.DateField(_("评估时限"))
    plan_due_on = models.DateField(_("帮扶计划时限"))
    first_contact_at = models.DateTimeField(_("首次接触时间"), null=True, blank=True)
    emergency_action = models.TextField(_("应急处置情况"), blank=True)
    assessed_on = models.DateField(_("评估日期"), null=True, blank=True)
    assessment = models.TextField(_("评估结论"), blank=True)
    plan_on = models.DateField(_("帮扶计划日期"), null=True, blank=True)
    plan = models.TextField(_("帮扶计划"), blank=True)
    intervention_skipped_reason = models.TextField(_("无需监护干预的理由"), blank=True)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    closing_note = models.TextField(_("结案说明"), blank=True)
    # The stage found overdue by the escalation step and when it went to the county.
    overdue_stage = models.CharField(
        _("超期环节"), max_length=16, choices=Stage.choices, blank=True
    )
    escalated_at = models.DateTimeField(_("上报县级时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("儿童保护案件")
        verbose_name_plural = _("儿童保护案件")
        indexes = [models.Index(fields=["stage", "reported_at"], name="children_case_stage")]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(described_name=""),
                name="children_case_child_named",
            )
        ]

    def __str__(self):
        return self.number

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def child_name(self) -> str:
        return self.person.name if self.person_id else self.described_name

    # Transitions; guards on role, region and the records a stage needs live in the services.
    @transition(field=stage, source=Stage.REPORTED, target=Stage.EMERGENCY)
    def contact(self):
        pass

    @transition(field=stage, source=Stage.EMERGENCY, target=Stage.ASSESSMENT)
    def assess(self):
        pass

    @transition(field=stage, source=Stage.ASSESSMENT, target=Stage.INTERVENTION)
    def intervene(self):
        pass

    @transition(field=stage, source=[Stage.ASSESSMENT, Stage.INTERVENTION], target=Stage.CLOSED)
    def close(self):
        pass


class CaseEvent(models.Model):
    case = models.ForeignKey(ChildCase, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=32)
    label = models.CharField(_("操作"), max_length=100)
    from_stage = models.CharField(_("原阶段"), max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=16, choices=Stage.choices, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_name = models.CharField(_("操作人"), max_length=150, blank=True)
    at = models.DateTimeField(_("记录时间"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("案件办理记录")
        verbose_name_plural = _("案件办理记录")


class ReferralTarget(models.TextChoices):
    SCHOOL = "school", _("学校")
    HEALTH = "health", _("卫生健康")
    SOCIAL_WORKER = "social_worker", _("社会工作者")
    CHARITY = "charity", _("慈善组织")


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    DONE = "done", _("已完成")
    DECLINED = "declined", _("已拒绝")


class Referral(models.Model):
    case = models.ForeignKey(ChildCase, on_delete=models.CASCADE, related_name="referrals")
    target = models.CharField(_("转介对象"), max_length=16, choices=ReferralTarget.choices)
    organisation = models.CharField(_("接收单位"), max_length=100)
    need = models.CharField(_("转介事项"), max_length=200)
    referred_on = models.DateField(_("转介日期"))
    status = models.CharField(
        _("转介结果"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.PENDING
    )
    status_on = models.DateField(_("结果日期"), null=True, blank=True)
    result_note = models.CharField(_("结果说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("转介")
        verbose_name_plural = _("转介")

    @property
    def audit_region_code(self) -> str:
        return self.case.audit_region_code


class MeasureKind(models.TextChoices):
    WARNING = "warning", _("训诫、告诫")
    COURT = "court", _("申请法院撤销监护资格")
    TEMPORARY_CARE = "temporary_care", _("临时监护（临时安置）")


class Measure(models.Model):
    case = models.ForeignKey(ChildCase, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("干预措施"), max_length=16, choices=MeasureKind.choices)
    on = models.DateField(_("日期"))
    document = models.CharField(_("文书编号"), max_length=100)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("监护干预措施")
        verbose_name_plural = _("监护干预措施")

    @property
    def audit_region_code(self) -> str:
        return self.case.audit_region_code

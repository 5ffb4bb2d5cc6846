"""Sunshine placement of discharged soldiers (阳光安置, docs/DOMAIN.md §9.2).

- `PlacementYear`: one county's placement of the year's discharged soldiers, run by the county
  bureau's placement office: draft (veterans registered) → publicity (ranking published, objections
  taken) → final (ranking locked; posts chosen in order) → closed. It keeps the score weights and
  the grant standard it was run with, so a later change of the defaults never rewrites a ranking.
- `Veteran`: a person of the population registry (`people.Person`, never a copy) with the service
  record the score is computed from, the score and its trace, the rank and choice order, and the
  outcome: a post, or self-employment with its one-off grant and training wish.
- `Objection`: filed during the publicity window by the veteran or by the clerk for them; answered
  upheld (the record corrected, the score and ranking recomputed) or dismissed with a reason.
- `Post`: a post an employer publishes for the year, approved by the placement office; `taken`
  counts the choices made, never above `count` (a check constraint, and the row is locked).
- `Course`, `Enrolment`, `Attendance`: vocational training of self-employed veterans, with the
  exam result and the employment outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class YearStatus(models.TextChoices):
    DRAFT = "draft", _("登记中")
    PUBLICITY = "publicity", _("公示中")
    FINAL = "final", _("排名已确定")
    CLOSED = "closed", _("已结束")


class Rank(models.TextChoices):
    PRIVATE = "private", _("义务兵")
    NCO1 = "nco1", _("一级士官")
    NCO2 = "nco2", _("二级士官")
    NCO3 = "nco3", _("三级士官")
    NCO4 = "nco4", _("四级士官")
    NCO5 = "nco5", _("五级士官")
    NCO6 = "nco6", _("六级士官")


class PriorityGroup(models.TextChoices):
    NCO12 = "nco12", _("服现役满12年的士官")
    MERIT = "merit", _("服役期间荣获二等功以上奖励或战时三等功以上奖励")
    DISABLED = "disabled", _("因战致残被评定为5级至8级残疾等级")
    MARTYR_CHILD = "martyr_child", _("烈士子女")


class Outcome(models.TextChoices):
    PENDING = "pending", _("待选岗")
    POST = "post", _("已选岗位")
    SELF_EMPLOYED = "self_employed", _("自主就业")


class PlacementYear(models.Model):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（市、区）")
    )
    year = models.PositiveSmallIntegerField(_("安置年度"))
    status = models.CharField(
        _("状态"), max_length=16, choices=YearStatus.choices, default=YearStatus.DRAFT
    )
    weights = models.JSONField(_("服役表现计分标准"), default=dict)
    grant_per_year_fen = models.BigIntegerField(_("一次性经济补助标准（每服役年，分）"))
    publicity_start = models.DateField(_("公示开始日期"), null=True, blank=True)
    publicity_end = models.DateField(_("公示结束日期"), null=True, blank=True)
    finalised_on = models.DateField(_("排名确定日期"), null=True, blank=True)
    choice_on = models.DateField(_("选岗日期"), null=True, blank=True)
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "region__code"]
        verbose_name = _("安置年度")
        verbose_name_plural = _("安置年度")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="placement_year_once"),
        ]

    def __str__(self):
        return f"{self.region.name} {self.year}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class Veteran(models.Model):
    year = models.ForeignKey(
        PlacementYear, on_delete=models.CASCADE, related_name="veterans", verbose_name=_("安置年度")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("退役士兵")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("户籍地")
    )
    enlisted_on = models.DateField(_("入伍日期"))
    discharged_on = models.DateField(_("退役日期"))
    rank = models.CharField(_("军衔（士兵等级）"), max_length=8, choices=Rank.choices)
    priority_group = models.CharField(
        _("重点安置对象类别"), max_length=16, choices=PriorityGroup.choices, blank=True
    )
    priority_evidence = models.CharField(_("重点对象证明材料"), max_length=200, blank=True)
    first_class_merits = models.PositiveSmallIntegerField(_("一等功"), default=0)
    second_class_merits = models.PositiveSmallIntegerField(_("二等功"), default=0)
    third_class_merits = models.PositiveSmallIntegerField(_("三等功"), default=0)
    outstanding_soldier = models.PositiveSmallIntegerField(_("优秀士兵"), default=0)
    hardship_months = models.PositiveSmallIntegerField(_("艰苦边远地区服役月数"), default=0)
    warnings = models.PositiveSmallIntegerField(_("警告处分"), default=0)
    serious_warnings = models.PositiveSmallIntegerField(_("严重警告处分"), default=0)
    demerits = models.PositiveSmallIntegerField(_("记过以上处分"), default=0)
    service_months = models.PositiveSmallIntegerField(_("服役月数"), default=0)
    score = models.DecimalField(_("服役表现得分"), max_digits=7, decimal_places=2, default=0)
    score_trace = models.JSONField(_("得分构成"), default=list)
    rank_no = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    choice_no = models.PositiveIntegerField(_("选岗顺序"), null=True, blank=True)
    outcome = models.CharField(
        _("安置去向"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    post = models.ForeignKey(
        "Post",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chosen_by",
        verbose_name=_("所选岗位"),
    )
    chosen_at = models.DateTimeField(_("选定时间"), null=True, blank=True)
    wishes_training = models.BooleanField(_("有培训意愿"), default=False)
    grant_fen = models.BigIntegerField(_("一次性经济补助（分）"), null=True, blank=True)
    grant_decided_on = models.DateField(_("补助核定日期"), null=True, blank=True)
    registered_on = models.DateField(_("登记日期"))

    class Meta:
        ordering = ["year", "choice_no", "rank_no", "id"]
        verbose_name = _("退役士兵")
        verbose_name_plural = _("退役士兵")
        constraints = [
            models.UniqueConstraint(fields=["year", "person"], name="placement_veteran_once"),
            models.CheckConstraint(
                condition=Q(discharged_on__gt=F("enlisted_on")), name="placement_service_dates"
            ),
            models.CheckConstraint(
                condition=Q(outcome="post", post__isnull=False)
                | (~Q(outcome="post") & Q(post__isnull=True)),
                name="placement_post_iff_placed",
            ),
        ]

    def __str__(self):
        return self.person.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class Objection(models.Model):
    veteran = models.ForeignKey(
        Veteran, on_delete=models.CASCADE, related_name="objections", verbose_name=_("退役士兵")
    )
    text = models.CharField(_("异议内容"), max_length=1000)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_veteran = models.BooleanField(_("本人提出"), default=False)
    filed_on = models.DateField(_("提出日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    answer = models.CharField(_("答复"), max_length=1000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_on = models.DateField(_("答复日期"), null=True, blank=True)
    score_before = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    score_after = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-filed_on", "-id"]
        verbose_name = _("排名异议")
        verbose_name_plural = _("排名异议")

    @property
    def audit_region_code(self) -> str:
        return self.veteran.region.code


class PostStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核")
    REJECTED = "rejected", _("未通过")


class Post(models.Model):
    year = models.ForeignKey(
        PlacementYear, on_delete=models.CASCADE, related_name="posts", verbose_name=_("安置年度")
    )
    employer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="placement_posts",
        verbose_name=_("接收单位账号"),
    )
    unit = models.CharField(_("接收单位"), max_length=100)
    name = models.CharField(_("岗位名称"), max_length=100)
    count = models.PositiveSmallIntegerField(_("岗位数"))
    taken = models.PositiveSmallIntegerField(_("已选"), default=0)
    requirements = models.CharField(_("岗位要求"), max_length=500, blank=True)
    location = models.CharField(_("工作地点"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=PostStatus.choices, default=PostStatus.SUBMITTED
    )
    reason = models.CharField(_("审核意见"), max_length=200, blank=True)
    reviewed_on = models.DateField(_("审核日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        ordering = ["year", "id"]
        verbose_name = _("安置岗位")
        verbose_name_plural = _("安置岗位")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="placement_post_count"),
            models.CheckConstraint(condition=Q(taken__lte=F("count")), name="placement_post_full"),
        ]

    def __str__(self):
        return f"{self.unit} {self.name}"

    @property
    def left(self) -> int:
        return self.count - self.taken

    @property
    def audit_region_code(self) -> str:
        return self.year.region.code


class Course(models.Model):
    year = models.ForeignKey(
        PlacementYear, on_delete=models.CASCADE, related_name="courses", verbose_name=_("安置年度")
    )
    name = models.CharField(_("培训项目"), max_length=100)
    provider = models.CharField(_("培训机构"), max_length=100)
    starts_on = models.DateField(_("开班日期"))
    ends_on = models.DateField(_("结业日期"))
    sessions = models.PositiveSmallIntegerField(_("课时（次）"), default=1)

    class Meta:
        ordering = ["year", "starts_on", "id"]
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="placement_course_dates"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.year.region.code


class ExamResult(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class Enrolment(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("培训班")
    )
    veteran = models.OneToOneField(
        Veteran, on_delete=models.CASCADE, related_name="enrolment", verbose_name=_("退役士兵")
    )
    enrolled_on = models.DateField(_("报名日期"))
    exam_result = models.CharField(
        _("考核结果"), max_length=8, choices=ExamResult.choices, blank=True
    )
    exam_on = models.DateField(_("考核日期"), null=True, blank=True)
    employed = models.BooleanField(_("已就业"), null=True, blank=True)
    employer_name = models.CharField(_("就业单位"), max_length=100, blank=True)
    outcome_on = models.DateField(_("就业情况登记日期"), null=True, blank=True)

    class Meta:
        ordering = ["course", "id"]
        verbose_name = _("培训报名")
        verbose_name_plural = _("培训报名")

    @property
    def audit_region_code(self) -> str:
        return self.veteran.region.code


class Attendance(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("培训报名")
    )
    on = models.DateField(_("日期"))
    present = models.BooleanField(_("出勤"), default=True)

    class Meta:
        ordering = ["enrolment", "on"]
        verbose_name = _("培训考勤")
        verbose_name_plural = _("培训考勤")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "on"], name="placement_attendance_once"),
        ]

    @property
    def audit_region_code(self) -> str:
        return self.enrolment.veteran.region.code

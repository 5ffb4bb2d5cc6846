"""Key projects (重点项目): the bureau's construction projects followed month by month.

A project belongs to a region (the county that owns it; the city for a city project) and may
name the unit that carries it. Its budget is in fen (core.money), its site area in mu. Milestones
carry a due date and the date they were done; a milestone past due and not done is overdue.
Progress is reported per month: the investment completed since the start (cumulative), the
physical progress in per cent, a narrative and photos kept encrypted like every kept upload.
The plan's targets 0.3 and 0.4 are computed from the project whose `code` is
`jingshan-centre` (projects/indicators.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.uploads import encrypted_storage

JINGSHAN_CENTRE = "jingshan-centre"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    CONSTRUCTION = "construction", _("在建")
    COMPLETED = "completed", _("已竣工")
    ACCEPTED = "accepted", _("已验收")


class Project(models.Model):
    code = models.SlugField(_("项目代码"), max_length=48, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("业主区域")
    )
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("承建单位"),
    )
    budget_fen = models.BigIntegerField(_("总投资（分）"))
    site_area_mu = models.DecimalField(_("占地面积（亩）"), max_digits=10, decimal_places=2)
    start_on = models.DateField(_("开工日期"))
    planned_completion_on = models.DateField(_("计划竣工日期"))
    completed_on = models.DateField(_("竣工日期"), null=True, blank=True)
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    description = models.TextField(_("建设内容"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["planned_completion_on", "id"]
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目")
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_fen__gte=0), name="projects_budget_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(planned_completion_on__gte=models.F("start_on")),
                name="projects_completion_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点名称"), max_length=100)
    due_on = models.DateField(_("计划完成日期"))
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        constraints = [
            models.UniqueConstraint(fields=["project", "title"], name="projects_milestone_unique")
        ]

    def __str__(self) -> str:
        return self.title

    def overdue_on(self, day) -> bool:
        return self.done_on is None and self.due_on < day

    @property
    def audit_region_code(self) -> str:
        return self.project.region.code


class ProgressReport(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    period = models.DateField(_("月份"), help_text=_("该月第一天"))
    investment_fen = models.BigIntegerField(_("累计完成投资（分）"))
    progress_pct = models.DecimalField(_("形象进度（%）"), max_digits=5, decimal_places=2)
    narrative = models.TextField(_("进展情况"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "period"]
        verbose_name = _("项目进度")
        verbose_name_plural = _("项目进度")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period"], name="projects_one_report_a_month"
            ),
            models.CheckConstraint(
                condition=Q(investment_fen__gte=0), name="projects_investment_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(progress_pct__gte=0) & Q(progress_pct__lte=100),
                name="projects_progress_is_a_percentage",
            ),
        ]
        indexes = [models.Index(fields=["period"])]

    def __str__(self) -> str:
        return f"{self.project} {self.period:%Y-%m}"

    @property
    def audit_region_code(self) -> str:
        return self.project.region.code


def _photo_path(instance, filename):
    # The stored name never reuses the uploaded one.
    return f"projects/photos/{instance.report_id}/{instance.sha256[:16]}{instance.extension}"


class ProgressPhoto(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=_photo_path, storage=encrypted_storage)
    original_name = models.CharField(_("原文件名"), max_length=200)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")

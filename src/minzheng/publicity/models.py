"""Publicity submissions (宣传信息报送, plan item 25): what counties, bureau sections and affiliated
units submit, and the bureau office's review.

A submission comes from one side: a county (its civil-affairs bureau; `unit` empty, `region` the
county) or a unit of the city bureau (a section or affiliated unit; `region` the unit's region).
The bureau office (the section 办公室) counts it or rejects it with a reason; only counted
submissions count towards the targets 25.1–25.8 (publicity/indicators.py, docs/DOMAIN.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.uploads import encrypted_storage

OFFICE_UNIT = "office"  # units.Unit code of the bureau office, which reviews the submissions


class Kind(models.TextChoices):
    INFO = "info", _("信息")
    PROVINCIAL = "provincial", _("省以上刊物投稿")
    SPECIAL_PAGE = "special_page", _("专版宣传")
    TV = "tv", _("电视台用稿")
    PRESS = "press", _("《中国社会报》《湖北日报》采用")
    RESEARCH = "research", _("调研文章")
    CAMPAIGN = "campaign", _("集中采访宣传活动")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    COUNTED = "counted", _("已计数")
    REJECTED = "rejected", _("不予计数")


def _attachment_path(instance, filename):
    return f"publicity/{instance.submitted_on:%Y}/{instance.sha256[:16]}{instance.extension}"


class Submission(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("报送区域")
    )
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("报送单位"),
    )
    submitted_on = models.DateField(_("报送日期"), db_index=True)
    outlet = models.CharField(_("刊发媒体"), max_length=100, blank=True)
    adopted = models.BooleanField(_("已采用"), default=False)
    adopted_on = models.DateField(_("采用日期"), null=True, blank=True)
    link = models.URLField(_("链接"), max_length=500, blank=True)
    attachment = models.FileField(
        _("附件"), upload_to=_attachment_path, storage=encrypted_storage, blank=True
    )
    attachment_name = models.CharField(max_length=200, blank=True)
    extension = models.CharField(max_length=10, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    reject_reason = models.CharField(_("不予计数原因"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("宣传信息")
        verbose_name_plural = _("宣传信息")
        indexes = [models.Index(fields=["status", "kind", "submitted_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(adopted=False) | Q(adopted_on__isnull=False),
                name="publicity_adopted_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="publicity_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.region.code

    @property
    def source_name(self) -> str:
        return self.unit.name if self.unit_id else self.region.name

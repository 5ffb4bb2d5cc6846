"""Survey invitations (one per subject: a decided case, a served booking, a paid payment, later
a complaint) and their one answer, kept on the invitation itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Service(models.TextChoices):
    CASE = "case", _("社会救助申请")
    ELDERCARE = "eldercare", _("居家养老服务")
    PAYMENT = "payment", _("救助金发放")
    COMPLAINT = "complaint", _("投诉举报")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


SATISFIED_RATINGS = (Rating.SATISFIED, Rating.BASIC)


class Channel(models.TextChoices):
    PAGE = "page", _("网上评价")
    PHONE = "phone", _("电话回访")


class Invitation(models.Model):
    service = models.CharField(_("服务类别"), max_length=16, choices=Service.choices)
    subject_type = models.CharField(_("事项类型"), max_length=64)
    subject_id = models.CharField(_("事项编号"), max_length=64)
    number = models.CharField(_("事项编号"), max_length=40, blank=True)
    # None for a rating given by someone outside the population registry (a complainant known by
    # name and phone only, or anonymous), recorded by the staff who took it.
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评价人"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区域")
    )
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("承办单位"),
    )
    invited_on = models.DateField(_("邀请日期"), db_index=True)
    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True)
    comment = models.CharField(_("意见建议"), max_length=500, blank=True)
    channel = models.CharField(_("评价方式"), max_length=8, choices=Channel.choices, blank=True)
    answered_at = models.DateTimeField(_("评价时间"), null=True, blank=True, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-invited_on", "-id"]
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"], name="satisfaction_one_per_subject"
            ),
            models.CheckConstraint(
                condition=Q(rating="") | Q(answered_at__isnull=False),
                name="satisfaction_answer_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_service_display()} {self.number}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def answered(self) -> bool:
        return bool(self.rating)

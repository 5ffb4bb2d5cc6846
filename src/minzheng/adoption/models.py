"""Adoption registration (收养登记, docs/DOMAIN.md §12.2).

An application is filed at the county civil-affairs bureau (`registry`, a county region). For an
abandoned child or a child whose birth parents cannot be found, the bureau first publishes a
notice seeking the parents for 60 days; the decision is due within 30 calendar days of the day
after the application, the notice period not counted (then 30 days after the notice ends).
Approval registers the adoption and issues a numbered certificate; a refusal states its reason.
Registered adoptions are reviewed in the quality check (档案质量检查), which target 10.2 counts.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Situation(models.TextChoices):
    ORPHAN = "orphan", _("丧失父母的孤儿")
    ABANDONED = "abandoned", _("查找不到生父母的弃婴、儿童")
    PARENTS_UNABLE = "parents_unable", _("生父母有特殊困难无力抚养")
    STEPCHILD = "stepchild", _("继子女")
    RELATIVE = "relative", _("三代以内旁系同辈血亲的子女")


NOTICE_SITUATIONS = (Situation.ABANDONED,)


class Status(models.TextChoices):
    NOTICE_DUE = "notice_due", _("待发布查找公告")
    UNDER_NOTICE = "under_notice", _("公告期间")
    PENDING = "pending", _("待审查决定")
    APPROVED = "approved", _("准予登记")
    REFUSED = "refused", _("不予登记")


class Adoption(models.Model):
    registry = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("收养登记机关")
    )
    child = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("被收养人")
    )
    adopter = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("收养人")
    )
    adopter_spouse = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("收养人配偶"),
    )
    situation = models.CharField(_("被收养人情况"), max_length=16, choices=Situation.choices)
    placing_party = models.CharField(_("送养人"), max_length=100)
    applied_on = models.DateField(_("申请日期"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    notice_published_on = models.DateField(_("公告发布日期"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公告期满日"), null=True, blank=True)
    notice_closed_on = models.DateField(_("公告结束日期"), null=True, blank=True)
    parents_claimed = models.BooleanField(_("生父母已认领"), default=False)
    decision_due_on = models.DateField(_("决定期限"), null=True, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decided_by_name = models.CharField(_("决定人"), max_length=64, blank=True)
    refusal_reason = models.CharField(_("不予登记理由"), max_length=500, blank=True)
    certificate_year = models.PositiveSmallIntegerField(null=True, blank=True)
    certificate_seq = models.PositiveIntegerField(null=True, blank=True)
    certificate_no = models.CharField(_("收养登记证字号"), max_length=32, blank=True)
    handled_by_name = models.CharField(_("受理人"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-applied_on", "-id"]
        verbose_name = _("收养登记")
        verbose_name_plural = _("收养登记")
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "certificate_year", "certificate_seq"],
                condition=Q(certificate_seq__isnull=False),
                name="adoption_cert_sequence",
            ),
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(status__in=["notice_due", "under_notice", "pending", "approved"]),
                name="adoption_one_live_per_child",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="adoption_refusal_has_reason",
            ),
        ]

    def __str__(self):
        return self.certificate_no or f"#{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.registry.code


class QualityCheck(models.Model):
    """The quality check of one registered adoption's record: passed, or failed with the defect."""

    adoption = models.ForeignKey(
        Adoption, on_delete=models.CASCADE, related_name="checks", verbose_name=_("收养登记")
    )
    registry = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("收养登记机关")
    )
    checked_on = models.DateField(_("检查日期"))
    passed = models.BooleanField(_("合格"))
    defect = models.CharField(_("存在问题"), max_length=200, blank=True)
    checked_by_name = models.CharField(_("检查人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-checked_on", "-id"]
        verbose_name = _("收养登记档案质量检查")
        verbose_name_plural = _("收养登记档案质量检查")
        constraints = [
            models.CheckConstraint(
                condition=Q(passed=True) | ~Q(defect=""), name="adoption_check_defect_named"
            )
        ]

    @property
    def audit_region_code(self) -> str:
        return self.registry.code

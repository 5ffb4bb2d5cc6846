"""The outbox of notifications (one row per message to one recipient) and the recipients'
opt-outs. See the module docstring of services.py for the life of a message."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SUPPRESSED = "suppressed", _("已退订，未发送")
    HELD = "held", _("免打扰时段暂缓")


class Notification(models.Model):
    kind = models.CharField(_("消息类别"), max_length=48, db_index=True)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收账号"),
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    text = models.TextField(_("消息内容"))
    subject_type = models.CharField(_("事项类型"), max_length=64, blank=True)
    subject_id = models.CharField(_("事项编号"), max_length=64, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属区域"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送时间"), null=True, blank=True)
    last_error = models.CharField(_("最近一次错误"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), db_index=True)
    # One message per trigger: the same event published twice adds nothing.
    dedup_key = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("消息通知")
        verbose_name_plural = _("消息通知")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_due"),
            models.Index(fields=["person", "-created_at"], name="notif_person"),
            models.Index(fields=["user", "-created_at"], name="notif_user"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class OptOut(models.Model):
    """A recipient (a registry person or an account) does not want one kind of message, or any
    (kind = "")."""

    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("消息类别"), max_length=48, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("消息退订")
        verbose_name_plural = _("消息退订")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(person__isnull=False),
                name="notif_optout_person_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=Q(person__isnull=True),
                name="notif_optout_user_kind",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(user__isnull=False),
                name="notif_optout_has_recipient",
            ),
        ]

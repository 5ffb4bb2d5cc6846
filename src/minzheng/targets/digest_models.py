"""A leader's weekly digest as it was generated (targets/digest_store.py): one record per account
and week, kept so past weeks read as they were sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Digest(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("账号")
    )
    week_start = models.DateField(_("周一"))
    generated_at = models.DateTimeField(_("生成时间"))
    # [{"key", "title", "items": [{"text", "url", "severity"}]}] in the sections' order
    sections = models.JSONField(default=list)

    class Meta:
        app_label = "targets"
        ordering = ["-week_start", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="targets_digest_one_a_week")
        ]
        verbose_name = _("领导周报")
        verbose_name_plural = _("领导周报")

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Programme(models.Model):
    """A social-assistance programme; the rows are seeded by a data migration."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("按月发放")
        ONE_OFF = "one_off", _("一次性救助")

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("发放方式"), max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("救助项目")
        verbose_name_plural = _("救助项目")

    def __str__(self):
        return self.name


class Statistic(models.Model):
    """A published yearly per-capita figure (yuan) a standard can be derived from, e.g. last
    year's urban per-capita consumption expenditure. Resolved along the region path like
    standards, so a city's own figure overrides the province's."""

    key = models.CharField(_("指标"), max_length=64)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("数值（元/年）"), max_digits=14, decimal_places=2)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("修改原因"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["key", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "region", "year"], name="statistic_key_region_year"
            )
        ]
        verbose_name = _("统计指标")
        verbose_name_plural = _("统计指标")

    def __str__(self):
        return f"{self.key} {self.year} {self.value}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class Standard(models.Model):
    """One version of one parameter of a programme for a region from a date.

    Append-only: a change is a new row (a later `effective_from`, or the same date with a higher
    `version` to correct it), never an update, so every figure ever in force can be read back with
    who set it and why. The value is either entered (`value`, in the unit the parameter registry
    gives) or derived: from a statistic × ratio, or from another standard × factor, computed when
    resolved so that, e.g., the 特困 standard follows the 低保 standard of each region.
    """

    class Derivation(models.TextChoices):
        NONE = "", _("直接录入")
        STATISTIC = "statistic", _("按统计指标比例")
        STANDARD = "standard", _("按其他标准倍数")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="standards", verbose_name=_("救助项目")
    )
    key = models.CharField(_("参数"), max_length=64)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    effective_from = models.DateField(_("生效日期"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    value = models.JSONField(_("数值"), null=True, blank=True)
    derive_kind = models.CharField(
        _("取值方式"), max_length=16, choices=Derivation.choices, blank=True, default=""
    )
    statistic_key = models.CharField(_("统计指标"), max_length=64, blank=True)
    statistic_year_offset = models.SmallIntegerField(
        _("统计年度偏移"), default=-1, help_text=_("-1 表示生效日期的上一年度")
    )
    base_programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("基准项目"),
    )
    base_key = models.CharField(_("基准参数"), max_length=64, blank=True)
    ratio = models.DecimalField(
        _("比例或倍数"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    rounding = models.CharField(_("取整规则"), max_length=16, blank=True, default="fen")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("设定人"),
    )
    set_by_name = models.CharField(_("设定人"), max_length=150)
    reason = models.CharField(_("设定原因"), max_length=500)
    created_at = models.DateTimeField(_("设定时间"), auto_now_add=True)

    class Meta:
        ordering = ["programme_id", "key", "region_id", "effective_from", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "key", "region", "effective_from", "version"],
                name="standard_version_unique",
            ),
        ]
        indexes = [models.Index(fields=["effective_from"], name="standard_effective_idx")]
        verbose_name = _("救助标准")
        verbose_name_plural = _("救助标准")

    def __str__(self):
        return f"{self.programme.code}.{self.key}@{self.region.code} {self.effective_from} v{self.version}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code

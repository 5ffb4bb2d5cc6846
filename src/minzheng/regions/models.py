from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A node of the administrative tree (GB/T 2260 + statistical township/village codes),
    or a functional zone (功能区) whose members keep their statutory parent.

    `path` is the chain of codes from the root ("420800/420802/420802001/"), so a subtree is
    one indexed prefix match.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县（市、区）")
        TOWNSHIP = "township", _("乡镇（街道）")
        VILLAGE = "village", _("村（社区）")
        ZONE = "zone", _("功能区")

    class Kind(models.TextChoices):
        STATUTORY = "statutory", _("行政区划")
        ZONE = "zone", _("功能区")

    class UrbanRural(models.TextChoices):
        URBAN = "urban", _("城镇")
        RURAL = "rural", _("农村")

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.STATUTORY)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    path = models.CharField(max_length=128, db_index=True, editable=False)
    urban_rural = models.CharField(
        _("城乡属性"), max_length=8, choices=UrbanRural.choices, blank=True
    )
    valid_from = models.DateField(_("启用日期"), null=True, blank=True)
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)
    members = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="zones",
        verbose_name=_("功能区所辖单位"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = self.compute_path()
        super().save(*args, **kwargs)

    @property
    def audit_region_code(self) -> str:
        return self.code

    @property
    def is_zone(self) -> bool:
        return self.kind == self.Kind.ZONE

    def compute_path(self) -> str:
        return (self.parent.path if self.parent_id else "") + self.code + "/"


class RegionAlias(models.Model):
    """Another code for the same unit, e.g. 京山's 420882 (2018) for 420821 (2016)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="aliases")
    code = models.CharField(_("别名代码"), max_length=12, unique=True)
    name = models.CharField(_("别名"), max_length=64, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("区划别名")
        verbose_name_plural = _("区划别名")

    def __str__(self):
        return f"{self.code} → {self.region.code}"

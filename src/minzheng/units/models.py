"""Units: the bodies that hold responsibility beside the regions.

A region answers for its territory; a unit answers for a line of work — one of the city bureau's
own sections (局机关科室), an affiliated unit (局属单位: the social welfare centre, the relief
station, the funeral home, the rehabilitation hospital …) or a pilot site. Each unit sits in the
region whose bureau it belongs to (the city's sections in the city), so the region scope rule still
decides who may see it; a staff account may belong to one unit (`accounts.User.unit`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    class Kind(models.TextChoices):
        SECTION = "section", _("局机关科室")
        AFFILIATED = "affiliated", _("局属单位")
        PILOT = "pilot", _("试点单位")

    code = models.SlugField(_("单位代码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=64)
    kind = models.CharField(_("单位类别"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="units", verbose_name=_("所属区域")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ("order", "code")
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(fields=("region", "name"), name="unit_name_unique_in_region")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code

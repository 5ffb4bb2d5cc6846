"""Two departmental registers kept against the population registry, year by year:

- the poverty registry (建档立卡贫困人口) of the poverty-alleviation office: who was registered
  poor in a year and whether they were still poor, lifted out or back in poverty;
- basic medical-insurance enrolment of the healthcare-security bureau: who is enrolled in a year,
  in which scheme, the premium, and whether civil affairs paid (part of) it.

Both reference `people.Person` (found by the keyed hash of the ID number at import); neither
copies a person. The region is the person's place of household registration when the row was
loaded, so scope and the indicators need no join through the registry."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PovertyStatus(models.TextChoices):
    POOR = "poor", _("未脱贫")
    LIFTED = "lifted", _("已脱贫")
    RETURNED = "returned", _("返贫")


# Statuses of people the poverty backstop (精准扶贫兜底) is about in a year.
IN_POVERTY = (PovertyStatus.POOR, PovertyStatus.RETURNED)


class InsuranceScheme(models.TextChoices):
    RESIDENT = "resident", _("城乡居民基本医疗保险")
    EMPLOYEE = "employee", _("职工基本医疗保险")


class PovertyRecord(models.Model):
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="poverty_records",
        verbose_name=_("人员"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    household_number = models.CharField(_("贫困户编号"), max_length=32)
    status = models.CharField(_("贫困状态"), max_length=16, choices=PovertyStatus.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("户籍地")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = _("建档立卡贫困人口")
        verbose_name_plural = _("建档立卡贫困人口")
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="linkage_poverty_person_year")
        ]
        indexes = [models.Index(fields=["year", "status"], name="linkage_poverty_year_status")]

    def __str__(self):
        return f"{self.person_id} {self.year} {self.status}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class InsuranceEnrolment(models.Model):
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="insurance_enrolments",
        verbose_name=_("人员"),
    )
    year = models.PositiveSmallIntegerField(_("参保年度"))
    scheme = models.CharField(_("险种"), max_length=16, choices=InsuranceScheme.choices)
    premium_fen = models.BigIntegerField(_("个人缴费（分）"))
    subsidised = models.BooleanField(_("民政资助参保"), default=False)
    subsidy_fen = models.BigIntegerField(_("资助金额（分）"), default=0)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("户籍地")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = _("基本医疗保险参保")
        verbose_name_plural = _("基本医疗保险参保")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year", "scheme"], name="linkage_insurance_person_year_scheme"
            ),
            models.CheckConstraint(
                condition=Q(premium_fen__gte=0)
                & Q(subsidy_fen__gte=0)
                & Q(subsidy_fen__lte=F("premium_fen"))
                & (Q(subsidised=True) | Q(subsidy_fen=0)),
                name="linkage_insurance_subsidy_within_premium",
            ),
        ]
        indexes = [models.Index(fields=["year", "subsidised"], name="linkage_insurance_year_sub")]

    def __str__(self):
        return f"{self.person_id} {self.year} {self.scheme}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

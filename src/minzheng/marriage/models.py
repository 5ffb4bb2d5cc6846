"""Marriage registration (婚姻登记, docs/DOMAIN.md §12.1).

A county's marriage registry (the county civil-affairs bureau's 婚姻登记处, `registry`, a county
region) books appointments, registers marriages, takes divorce applications by agreement through
the 30-day cooling-off period to the divorce registration, issues numbered certificates (and
supplementary ones), records annulments and revocations, keeps the scanned archive, and has its
records reviewed by a checker (档案质量检查), which target 10.1 counts.

The population registry holds no marital status, so this module is where it lives: the selector
`selectors.current_marriage(person)` answers whether a person is married today.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.uploads import encrypted_storage


class Kind(models.TextChoices):
    MARRIAGE = "marriage", _("结婚登记")
    DIVORCE = "divorce", _("离婚登记")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    ATTENDED = "attended", _("已办理")
    CANCELLED = "cancelled", _("已取消")


class Appointment(models.Model):
    """A slot booked online at a county registry by a resident (or at the window by staff)."""

    registry = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("婚姻登记处")
    )
    kind = models.CharField(_("办理事项"), max_length=16, choices=Kind.choices)
    day = models.DateField(_("预约日期"))
    slot = models.CharField(_("预约时段"), max_length=16)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("预约人")
    )
    partner_name = models.CharField(_("另一方姓名"), max_length=64)
    partner = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("另一方"),
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)

    class Meta:
        ordering = ["day", "slot", "id"]
        verbose_name = _("婚姻登记预约")
        verbose_name_plural = _("婚姻登记预约")
        indexes = [models.Index(fields=["registry", "day"], name="marriage_appt_registry_day")]

    def __str__(self):
        return f"{self.day} {self.slot}"

    @property
    def audit_region_code(self) -> str:
        return self.registry.code


class MarriageStatus(models.TextChoices):
    MARRIED = "married", _("婚姻存续")
    DIVORCED = "divorced", _("已离婚")
    VOID = "void", _("婚姻无效")
    REVOKED = "revoked", _("婚姻被撤销")


class Marriage(models.Model):
    """One marriage registered by a registry: the man and the woman, the day, the certificate."""

    registry = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("婚姻登记处")
    )
    man = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("男方")
    )
    woman = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("女方")
    )
    registered_on = models.DateField(_("登记日期"))
    certificate_no = models.CharField(_("结婚证字号"), max_length=32, unique=True)
    status = models.CharField(
        _("婚姻状况"), max_length=16, choices=MarriageStatus.choices, default=MarriageStatus.MARRIED
    )
    ended_on = models.DateField(_("婚姻终止日期"), null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_by_name = models.CharField(_("登记员"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-registered_on", "-id"]
        verbose_name = _("结婚登记")
        verbose_name_plural = _("结婚登记")
        indexes = [models.Index(fields=["registry", "registered_on"], name="marriage_reg_day")]
        constraints = [
            # One living marriage per person: the database stands behind the service's check.
            models.UniqueConstraint(
                fields=["man"], condition=Q(status="married"), name="marriage_one_per_man"
            ),
            models.UniqueConstraint(
                fields=["woman"], condition=Q(status="married"), name="marriage_one_per_woman"
            ),
        ]

    def __str__(self):
        return self.certificate_no

    @property
    def audit_region_code(self) -> str:
        return self.registry.code


class DivorceStatus(models.TextChoices):
    COOLING = "cooling", _("冷静期")
    WITHDRAWN = "withdrawn", _("已撤回")
    LAPSED = "lapsed", _("逾期视为撤回")
    REGISTERED = "registered", _("已登记离婚")


class Divorce(models.Model):
    """A divorce by agreement (协议离婚): the application with its written agreement, the 30-day
    cooling-off from the day the registry received it, then both confirm in person within the
    following 30 days (Civil Code art. 1077), which registers the divorce and issues its
    certificate; no confirmation by then and the application lapses."""

    marriage = models.ForeignKey(
        Marriage, on_delete=models.PROTECT, related_name="divorces", verbose_name=_("婚姻")
    )
    registry = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("婚姻登记处")
    )
    applied_on = models.DateField(_("申请日期"))
    cooling_ends_on = models.DateField(_("冷静期届满日"))
    confirm_by = models.DateField(_("确认截止日"))
    children_agreement = models.TextField(_("子女抚养协议"))
    property_agreement = models.TextField(_("财产处理协议"))
    debts_agreement = models.TextField(_("债务处理协议"))
    status = models.CharField(
        _("状态"), max_length=16, choices=DivorceStatus.choices, default=DivorceStatus.COOLING
    )
    registered_on = models.DateField(_("离婚登记日期"), null=True, blank=True)
    certificate_no = models.CharField(_("离婚证字号"), max_length=32, blank=True)
    withdrawn_by = models.CharField(_("撤回方"), max_length=64, blank=True)
    handled_by_name = models.CharField(_("登记员"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-applied_on", "-id"]
        verbose_name = _("协议离婚")
        verbose_name_plural = _("协议离婚")
        constraints = [
            models.UniqueConstraint(
                fields=["marriage"], condition=Q(status="cooling"), name="marriage_one_open_divorce"
            ),
        ]

    def __str__(self):
        return self.certificate_no or f"#{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.registry.code


class CertificateKind(models.TextChoices):
    MARRIAGE = "J", _("结婚证")
    DIVORCE = "L", _("离婚证")
    MARRIAGE_COPY = "BJ", _("补发结婚证")
    DIVORCE_COPY = "BL", _("补发离婚证")


class Certificate(models.Model):
    """Every certificate number a registry issued: numbered per registry, year and kind as
    <kind><registry code>-<year>-<6-digit sequence>, e.g. J420802-2026-000017; a supplementary
    certificate gets a number of its own (BJ/BL) and names the one it replaces."""

    registry = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("婚姻登记处")
    )
    kind = models.CharField(_("证件类型"), max_length=2, choices=CertificateKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("证件字号"), max_length=32, unique=True)
    marriage = models.ForeignKey(
        Marriage, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("婚姻")
    )
    divorce = models.ForeignKey(
        Divorce, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    issued_on = models.DateField(_("发证日期"))
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("补领原因"), max_length=200, blank=True)
    issued_by_name = models.CharField(_("登记员"), max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("婚姻登记证件")
        verbose_name_plural = _("婚姻登记证件")
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "kind", "year", "sequence"], name="marriage_cert_sequence"
            )
        ]

    def __str__(self):
        return self.number

    @property
    def audit_region_code(self) -> str:
        return self.registry.code


class AnnulmentKind(models.TextChoices):
    VOID = "void", _("宣告婚姻无效")
    REVOKED = "revoked", _("撤销婚姻")


class AnnulmentGround(models.TextChoices):
    BIGAMY = "bigamy", _("重婚")
    KINSHIP = "kinship", _("有禁止结婚的亲属关系")
    UNDER_AGE = "under_age", _("未到法定婚龄")
    COERCION = "coercion", _("因胁迫结婚")
    CONCEALED_ILLNESS = "concealed_illness", _("婚前隐瞒重大疾病")


class Annulment(models.Model):
    """A marriage declared void or revoked by a court's ruling (Civil Code arts. 1051–1053),
    recorded on the marriage, which ends."""

    marriage = models.OneToOneField(
        Marriage, on_delete=models.PROTECT, related_name="annulment", verbose_name=_("婚姻")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AnnulmentKind.choices)
    ground = models.CharField(_("事由"), max_length=24, choices=AnnulmentGround.choices)
    court = models.CharField(_("作出裁判的法院"), max_length=100)
    ruling_no = models.CharField(_("裁判文书号"), max_length=64)
    ruling_date = models.DateField(_("裁判日期"))
    recorded_on = models.DateField(_("记载日期"))
    recorded_by_name = models.CharField(_("登记员"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("婚姻无效或撤销")
        verbose_name_plural = _("婚姻无效或撤销")

    @property
    def audit_region_code(self) -> str:
        return self.marriage.registry.code


class ArchiveKind(models.TextChoices):
    ID_CARD = "id_card", _("身份证件")
    HUKOU_BOOK = "hukou_book", _("户口簿")
    PHOTO = "photo", _("合影照片")
    DECLARATION = "declaration", _("声明书")
    AGREEMENT = "agreement", _("离婚协议书")
    RULING = "ruling", _("法院裁判文书")
    OTHER = "other", _("其他材料")


def _archive_path(instance, filename):
    # Never the uploaded name, which may carry a person's name or ID number.
    return f"marriage/{instance.marriage_id}/{instance.sha256[:16]}{instance.extension}"


class ArchiveFile(models.Model):
    """A scanned document of a registration's electronic archive, encrypted at rest."""

    marriage = models.ForeignKey(
        Marriage, on_delete=models.CASCADE, related_name="archive", verbose_name=_("婚姻")
    )
    divorce = models.ForeignKey(
        Divorce, null=True, blank=True, on_delete=models.CASCADE, related_name="archive"
    )
    kind = models.CharField(_("材料类型"), max_length=16, choices=ArchiveKind.choices)
    file = models.FileField(
        _("文件"), upload_to=_archive_path, max_length=200, storage=encrypted_storage
    )
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=64)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by_name = models.CharField(_("上传人"), max_length=64, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("电子档案")
        verbose_name_plural = _("电子档案")

    @property
    def audit_region_code(self) -> str:
        return self.marriage.registry.code


class QualityCheck(models.Model):
    """The registry's quality check of one registration's record (档案质量检查): passed, or
    failed with the defect found. Target 10.1 counts these."""

    marriage = models.ForeignKey(
        Marriage, on_delete=models.CASCADE, related_name="checks", verbose_name=_("婚姻")
    )
    divorce = models.ForeignKey(
        Divorce, null=True, blank=True, on_delete=models.CASCADE, related_name="checks"
    )
    registry = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("婚姻登记处")
    )
    checked_on = models.DateField(_("检查日期"))
    passed = models.BooleanField(_("合格"))
    defect = models.CharField(_("存在问题"), max_length=200, blank=True)
    checked_by_name = models.CharField(_("检查人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-checked_on", "-id"]
        verbose_name = _("婚姻登记档案质量检查")
        verbose_name_plural = _("婚姻登记档案质量检查")
        constraints = [
            models.CheckConstraint(
                condition=Q(passed=True) | ~Q(defect=""), name="marriage_check_defect_named"
            )
        ]

    @property
    def audit_region_code(self) -> str:
        return self.registry.code

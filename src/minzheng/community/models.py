"""Community governance (docs/DOMAIN.md §11.3): points-based management (积分制) and the
community-building registers behind the plan's targets 5.2–5.4.

Points
- `PointsRule`: an item of a village's (or urban community's) own points rules: a category, the
  points per occurrence, an optional yearly cap per person, in force from a date. A revision is a
  new row (same `origin`) and closes the old one the day before; an award keeps the row it was
  made under.
- `PointsAward`: points given to a resident of the village (a `people.Person`, never a copy) under
  a rule, with a note and an optional photo (encrypted at rest). Awards above the confirmation
  threshold and deductions wait for the township. A mistake is corrected by a reversal: a new
  award row with the opposite points (`reverses`), never by editing.
- `PointsBalance`: one row per person per village, the only place a balance lives; every change
  of it locks the row (`select_for_update`), and a CHECK constraint keeps it ≥ 0.
- `ShopItem`, `Redemption`: the points shop (积分超市) of a village or of a township (serving its
  villages); a redemption takes the points and the stock at once, is handed over at the shop or
  cancelled before that (points and stock back).

Registers (targets 5.2–5.4)
- `DemoSite`: a rural village designated a rural-community demonstration site (农村社区建设示范点)
  in a year, its checklist and the county's acceptance.
- `DifficultVillage` with `RemediationTask`: a village listed as a "difficult village" of village
  affairs openness and democratic management, the problems found, the tasks and the acceptance.
- `StandardTask`: the annual tasks of the standard-community three-year plan of a county.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.uploads import encrypted_storage


class Category(models.TextChoices):
    VOLUNTEERING = "volunteering", _("志愿服务")
    VILLAGE_AFFAIRS = "village_affairs", _("村务参与")
    ENVIRONMENT = "environment", _("环境卫生")
    FAMILY_VIRTUES = "family_virtues", _("家庭美德")
    MISCONDUCT = "misconduct", _("违规扣分")


class PointsRule(models.Model):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）")
    )
    origin = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("原规则"),
    )
    name = models.CharField(_("积分项目"), max_length=64)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    points = models.PositiveIntegerField(_("每次分值"))
    yearly_cap = models.PositiveIntegerField(_("每人每年上限"), null=True, blank=True)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("停止日期"), null=True, blank=True)
    created_by_name = models.CharField(_("制定人"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["category", "name", "-valid_from"]
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        indexes = [models.Index(fields=["region", "valid_from"])]

    def __str__(self):
        return f"{self.name}（{self.signed_points:+d}）"

    @property
    def is_deduction(self) -> bool:
        return self.category == Category.MISCONDUCT

    @property
    def signed_points(self) -> int:
        return -self.points if self.is_deduction else self.points

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class AwardStatus(models.TextChoices):
    PENDING = "pending", _("待乡镇确认")
    EFFECTIVE = "effective", _("已生效")
    REJECTED = "rejected", _("未予确认")


def _photo_path(instance, filename):
    # Never the uploaded name, which may carry personal details.
    return f"community/awards/{instance.sha256[:16]}{instance.photo_extension}"


class PointsAward(models.Model):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民")
    )
    rule = models.ForeignKey(
        PointsRule, on_delete=models.PROTECT, related_name="awards", verbose_name=_("积分项目")
    )
    points = models.IntegerField(_("积分"))
    awarded_on = models.DateField(_("日期"))
    note = models.CharField(_("事由"), max_length=500)
    status = models.CharField(
        _("状态"), max_length=16, choices=AwardStatus.choices, default=AwardStatus.EFFECTIVE
    )
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
        verbose_name=_("冲正的记录"),
    )
    photo = models.FileField(
        _("照片"), upload_to=_photo_path, max_length=200, storage=encrypted_storage, blank=True
    )
    photo_extension = models.CharField(max_length=10, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    awarded_by_name = models.CharField(_("登记人"), max_length=64, blank=True)
    decided_on = models.DateField(_("确认日期"), null=True, blank=True)
    decided_by_name = models.CharField(_("确认人"), max_length=64, blank=True)
    decision_note = models.CharField(_("确认意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["-awarded_on", "-id"]
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["person", "region"]),
        ]

    def __str__(self):
        return f"{self.rule.name} {self.points:+d}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class PointsBalance(models.Model):
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）")
    )
    balance = models.IntegerField(_("积分余额"), default=0)
    earned = models.IntegerField(_("累计获得"), default=0)
    spent = models.IntegerField(_("累计兑换"), default=0)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            models.UniqueConstraint(fields=["person", "region"], name="community_balance_unique"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="community_balance_ge_0"),
        ]

    def __str__(self):
        return f"{self.balance}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class ShopItem(models.Model):
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("积分超市所属"),
    )
    name = models.CharField(_("商品"), max_length=64)
    price = models.PositiveIntegerField(_("兑换积分"))
    stock = models.IntegerField(_("库存"), default=0)
    active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["price", "name"]
        verbose_name = _("积分超市商品")
        verbose_name_plural = _("积分超市商品")
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="community_stock_ge_0"),
        ]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class RedemptionStatus(models.TextChoices):
    RESERVED = "reserved", _("待领取")
    HANDED_OVER = "handed_over", _("已领取")
    CANCELLED = "cancelled", _("已取消")


class Redemption(models.Model):
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("积分所属村（社区）"),
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民")
    )
    item = models.ForeignKey(
        ShopItem, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("商品")
    )
    quantity = models.PositiveIntegerField(_("数量"))
    points = models.PositiveIntegerField(_("扣减积分"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=RedemptionStatus.choices,
        default=RedemptionStatus.RESERVED,
    )
    requested_online = models.BooleanField(_("居民线上申请"), default=False)
    created_on = models.DateField(_("兑换日期"))
    created_by_name = models.CharField(_("经办人"), max_length=64, blank=True)
    handed_over_on = models.DateField(_("领取日期"), null=True, blank=True)
    closed_by_name = models.CharField(_("办结人"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self):
        return f"{self.item.name} × {self.quantity}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code


# ---------------------------------------------------------------- registers (targets 5.2–5.4)

# The checklist of a demonstration site [assumed]: the usual headings of the province's rural
# community building standard; acceptance needs every item met.
CHECKLIST = [
    ("organisation", _("组织体系健全")),
    ("facilities", _("综合服务设施达标")),
    ("services", _("公共服务进村（社区）")),
    ("openness", _("村务公开规范")),
    ("environment", _("人居环境整治")),
    ("culture", _("文化体育活动经常")),
]
CHECKLIST_LABELS = dict(CHECKLIST)


class SiteStatus(models.TextChoices):
    DESIGNATED = "designated", _("建设中")
    ACCEPTED = "accepted", _("已验收")
    FAILED = "failed", _("验收未通过")


class DemoSite(models.Model):
    region = models.OneToOneField(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("行政村")
    )
    year = models.PositiveSmallIntegerField(_("确定年度"))
    designated_on = models.DateField(_("确定日期"))
    checklist = models.JSONField(_("建设清单"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=SiteStatus.choices, default=SiteStatus.DESIGNATED
    )
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    accepted_by_name = models.CharField(_("验收人"), max_length=64, blank=True)
    acceptance_note = models.CharField(_("验收意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["-year", "region__path"]
        verbose_name = _("农村社区建设示范点")
        verbose_name_plural = _("农村社区建设示范点")
        indexes = [models.Index(fields=["status", "accepted_on"])]

    def __str__(self):
        return self.region.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class DifficultStatus(models.TextChoices):
    LISTED = "listed", _("治理中")
    REMEDIATED = "remediated", _("已验收销号")


class DifficultVillage(models.Model):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    year = models.PositiveSmallIntegerField(_("列入年度"))
    problems = models.TextField(_("发现的问题"), max_length=2000)
    status = models.CharField(
        _("状态"), max_length=16, choices=DifficultStatus.choices, default=DifficultStatus.LISTED
    )
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    accepted_by_name = models.CharField(_("验收人"), max_length=64, blank=True)
    acceptance_note = models.CharField(_("验收意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["-year", "region__path"]
        verbose_name = _("村务公开和民主管理难点村")
        verbose_name_plural = _("村务公开和民主管理难点村")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="community_difficult_unique")
        ]

    def __str__(self):
        return self.region.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class RemediationTask(models.Model):
    village = models.ForeignKey(
        DifficultVillage, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("难点村")
    )
    title = models.CharField(_("整改任务"), max_length=200)
    due_on = models.DateField(_("完成时限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("整改任务")
        verbose_name_plural = _("整改任务")

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.village.region.code


class StandardTask(models.Model):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（市、区）")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("年度任务"), max_length=200)
    due_on = models.DateField(_("完成时限"))
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.CharField(_("完成情况"), max_length=500, blank=True)

    class Meta:
        ordering = ["-year", "due_on", "id"]
        verbose_name = _("标准化社区建设年度任务")
        verbose_name_plural = _("标准化社区建设年度任务")
        indexes = [models.Index(fields=["year", "due_on"])]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.region.code

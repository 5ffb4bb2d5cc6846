"""Disaster relief (救灾, docs/DOMAIN.md §8): disaster events of a county with their response
level and the county's reports (初报, 续报, 核报), the affected households of the registry with
their losses and needs, the relief decided for them (paid through the one-off payments) and its
publicity; and the preparedness records the plan's targets 3.1–3.6 read: rescue teams with their
training results, county emergency-plan drills and model disaster-reduction communities.

Households and people are never copied: an affected household references `people.Household`, a
team member `people.Person` or an account. Records carry the region they belong to so that scope
(`core.scope.scope_q`) and the indicators need no join through the registry."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DisasterType(models.TextChoices):
    FLOOD = "flood", _("洪涝")
    DROUGHT = "drought", _("干旱")
    STORM = "storm", _("风雹")
    LANDSLIDE = "landslide", _("滑坡、泥石流")
    EARTHQUAKE = "earthquake", _("地震")
    SNOW = "snow", _("低温冷冻和雪灾")
    OTHER = "other", _("其他")


class ResponseLevel(models.TextChoices):
    I = "1", _("Ⅰ级响应")  # noqa: E741 - the official name of the level
    II = "2", _("Ⅱ级响应")
    III = "3", _("Ⅲ级响应")
    IV = "4", _("Ⅳ级响应")


class EventStatus(models.TextChoices):
    ONGOING = "ongoing", _("灾情持续")
    ENDED = "ended", _("灾情结束，待核报")
    VERIFIED = "verified", _("已核报")


class DisasterEvent(models.Model):
    name = models.CharField(_("灾害名称"), max_length=100)
    disaster_type = models.CharField(_("灾害类型"), max_length=16, choices=DisasterType.choices)
    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("报灾县区")
    )
    areas = models.ManyToManyField(
        "regions.Region", related_name="+", blank=True, verbose_name=_("受灾乡镇（村）")
    )
    started_at = models.DateTimeField(_("灾害发生时间"))
    ended_at = models.DateTimeField(_("灾害结束时间"), null=True, blank=True)
    response_level = models.CharField(
        _("应急响应级别"), max_length=1, choices=ResponseLevel.choices, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=EventStatus.choices, default=EventStatus.ONGOING
    )
    description = models.TextField(_("灾情简述"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("灾害事件")
        verbose_name_plural = _("灾害事件")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="disaster_event_ends_after_start",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.county.code if self.county_id else ""


class LevelChange(models.Model):
    """The history of the response level: every start, raise, lowering and end of a response."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.CASCADE, related_name="levels")
    level = models.CharField(
        _("应急响应级别"), max_length=1, choices=ResponseLevel.choices, blank=True
    )
    changed_at = models.DateTimeField(_("调整时间"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("应急响应调整")
        verbose_name_plural = _("应急响应调整")


class ReportKind(models.TextChoices):
    INITIAL = "initial", _("初报")
    CONTINUING = "continuing", _("续报")
    VERIFIED = "verified", _("核报")


class DisasterReport(models.Model):
    """A report of the county with the figures as known when it was made. `due_at` is fixed when
    the report is made (deadlines.py); a report made after it is late and stays flagged."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(_("报告类型"), max_length=16, choices=ReportKind.choices)
    # The calendar day a 续报 covers; the event's start day for 初报, its end day for 核报.
    covers_on = models.DateField(_("报告所属日期"))
    due_at = models.DateTimeField(_("报送期限"))
    submitted_at = models.DateTimeField(_("报送时间"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    affected_people = models.PositiveIntegerField(_("受灾人口"), default=0)
    evacuated = models.PositiveIntegerField(_("紧急转移安置人口"), default=0)
    deaths = models.PositiveIntegerField(_("死亡人口"), default=0)
    missing = models.PositiveIntegerField(_("失踪人口"), default=0)
    houses_collapsed = models.PositiveIntegerField(_("倒塌房屋（户）"), default=0)
    houses_severe = models.PositiveIntegerField(_("严重损坏房屋（户）"), default=0)
    houses_general = models.PositiveIntegerField(_("一般损坏房屋（户）"), default=0)
    crop_area_ha = models.DecimalField(
        _("农作物受灾面积（公顷）"), max_digits=12, decimal_places=2, default=0
    )
    direct_loss_fen = models.BigIntegerField(_("直接经济损失（分）"), default=0)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    # For a 核报: where its figures differ from the affected-household records when it was made.
    mismatches = models.JSONField(_("与受灾户台账不符"), default=list, blank=True)

    class Meta:
        ordering = ["event", "submitted_at", "id"]
        verbose_name = _("灾情报告")
        verbose_name_plural = _("灾情报告")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind", "covers_on"], name="disaster_report_once_per_day"
            ),
            models.UniqueConstraint(
                fields=["event", "kind"],
                condition=~Q(kind="continuing"),
                name="disaster_report_initial_verified_once",
            ),
            models.CheckConstraint(
                condition=Q(direct_loss_fen__gte=0), name="disaster_report_loss_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.event_id} {self.kind} {self.covers_on}"

    @property
    def late(self) -> bool:
        return self.submitted_at > self.due_at

    @property
    def audit_region_code(self) -> str:
        return self.event.county.code


class HouseLoss(models.TextChoices):
    NONE = "none", _("无房屋损失")
    COLLAPSED = "collapsed", _("倒塌")
    SEVERE = "severe", _("严重损坏")
    GENERAL = "general", _("一般损坏")


class AffectedHousehold(models.Model):
    event = models.ForeignKey(DisasterEvent, on_delete=models.PROTECT, related_name="households")
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）")
    )
    affected_people = models.PositiveIntegerField(_("受灾人口"), default=0)
    evacuated = models.PositiveIntegerField(_("紧急转移安置人口"), default=0)
    deaths = models.PositiveIntegerField(_("死亡人口"), default=0)
    missing = models.PositiveIntegerField(_("失踪人口"), default=0)
    house_loss = models.CharField(
        _("房屋损失"), max_length=16, choices=HouseLoss.choices, default=HouseLoss.NONE
    )
    property_loss_fen = models.BigIntegerField(_("财产损失（分）"), default=0)
    crop_area_ha = models.DecimalField(
        _("农作物受灾面积（公顷）"), max_digits=10, decimal_places=2, default=0
    )
    need_emergency = models.BooleanField(_("需应急期生活救助"), default=False)
    need_transitional = models.BooleanField(_("需过渡期生活救助"), default=False)
    need_winter_spring = models.BooleanField(_("需冬春生活救助"), default=False)
    need_rebuild = models.BooleanField(_("需倒损住房恢复重建"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    entered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["region__path", "id"]
        verbose_name = _("受灾户")
        verbose_name_plural = _("受灾户")
        constraints = [
            models.UniqueConstraint(fields=["event", "household"], name="disaster_household_once"),
            models.CheckConstraint(
                condition=Q(property_loss_fen__gte=0), name="disaster_household_loss_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.event_id} {self.household_id}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class ReliefKind(models.TextChoices):
    EMERGENCY = "emergency", _("应急期生活救助")
    TRANSITIONAL = "transitional", _("过渡期生活救助")
    WINTER_SPRING = "winter_spring", _("冬春生活救助")
    REBUILD = "rebuild", _("倒损住房恢复重建补助")


class ReliefForm(models.TextChoices):
    CASH = "cash", _("现金")
    IN_KIND = "in_kind", _("实物")


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", _("待县级审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")


class ReliefDecision(models.Model):
    """Relief for one affected household: proposed by the township, decided by the county. An
    approved decision publishes its amount as a one-off payable (source kind `disaster_relief`)."""

    affected = models.ForeignKey(
        AffectedHousehold, on_delete=models.PROTECT, related_name="decisions"
    )
    kind = models.CharField(_("救助类别"), max_length=16, choices=ReliefKind.choices)
    form = models.CharField(_("发放方式"), max_length=16, choices=ReliefForm.choices)
    # Cash: the amount; in kind: the value of the goods, as the one-off payment records it.
    amount_fen = models.BigIntegerField(_("金额（分）"))
    items = models.CharField(_("实物明细"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    proposed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    reason = models.CharField(_("审批意见"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）")
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("救灾救助决定")
        verbose_name_plural = _("救灾救助决定")
        constraints = [
            models.UniqueConstraint(fields=["affected", "kind"], name="disaster_decision_once"),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="disaster_decision_amount_positive"
            ),
        ]

    def __str__(self):
        return f"{self.affected_id} {self.kind}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class Publicity(models.Model):
    """The public list of one event's approved relief in one township, for a period."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.PROTECT, related_name="publicities")
    township = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）")
    )
    starts_on = models.DateField(_("公示开始日期"))
    ends_on = models.DateField(_("公示结束日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("救灾救助公示")
        verbose_name_plural = _("救灾救助公示")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="disaster_publicity_period"
            )
        ]

    @property
    def audit_region_code(self) -> str:
        return self.township.code if self.township_id else ""


class RescueTeam(models.Model):
    name = models.CharField(_("队伍名称"), max_length=100)
    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属县区")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["county__code", "name"]
        verbose_name = _("救灾应急队伍")
        verbose_name_plural = _("救灾应急队伍")
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="disaster_team_name_once")
        ]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.county.code if self.county_id else ""


class TeamMember(models.Model):
    """A member is a person of the registry or an account of the platform, never a copy."""

    team = models.ForeignKey(RescueTeam, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    joined_on = models.DateField(_("加入日期"))

    class Meta:
        ordering = ["team", "id"]
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, account__isnull=True)
                | Q(person__isnull=True, account__isnull=False),
                name="disaster_member_person_or_account",
            ),
            models.UniqueConstraint(fields=["team", "person"], name="disaster_member_person_once"),
            models.UniqueConstraint(
                fields=["team", "account"], name="disaster_member_account_once"
            ),
        ]

    @property
    def display_name(self) -> str:
        if self.person_id:
            return self.person.name
        return self.account.get_full_name() or self.account.username

    @property
    def audit_region_code(self) -> str:
        return self.team.county.code


class TrainingSession(models.Model):
    team = models.ForeignKey(RescueTeam, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField(_("培训日期"))
    subject = models.CharField(_("培训内容"), max_length=200)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("队伍培训")
        verbose_name_plural = _("队伍培训")

    @property
    def audit_region_code(self) -> str:
        return self.team.county.code


class TrainingResult(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="results")
    member = models.ForeignKey(TeamMember, on_delete=models.PROTECT, related_name="results")
    passed = models.BooleanField(_("考核合格"))

    class Meta:
        verbose_name = _("培训考核结果")
        verbose_name_plural = _("培训考核结果")
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="disaster_result_once")
        ]


class Drill(models.Model):
    """An emergency-plan drill (预案演练) held by a county."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（市、区）")
    )
    held_on = models.DateField(_("演练日期"))
    title = models.CharField(_("演练名称"), max_length=200)
    meets_standard = models.BooleanField(_("演练达标"))
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("预案演练")
        verbose_name_plural = _("预案演练")

    @property
    def audit_region_code(self) -> str:
        return self.county.code


class ModelLevel(models.TextChoices):
    NATIONAL = "national", _("全国综合减灾示范社区")
    PROVINCIAL = "provincial", _("省级综合减灾示范社区")
    CITY = "city", _("市级综合减灾示范社区")


class ModelResult(models.TextChoices):
    NAMED = "named", _("获命名")
    NOT_NAMED = "not_named", _("未获命名")


class ModelCommunityAssessment(models.Model):
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区（村）")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("创建级别"), max_length=16, choices=ModelLevel.choices)
    result = models.CharField(_("评定结果"), max_length=16, choices=ModelResult.choices)
    assessed_on = models.DateField(_("评定日期"))

    class Meta:
        ordering = ["-year", "community__code"]
        verbose_name = _("综合减灾示范社区评定")
        verbose_name_plural = _("综合减灾示范社区评定")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "level"], name="disaster_model_assessment_once"
            )
        ]

    @property
    def audit_region_code(self) -> str:
        return self.community.code

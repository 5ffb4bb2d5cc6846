"""The volunteer registration management system (志愿者注册登记管理系统), docs/DOMAIN.md §11.1.

- `Volunteer`: a resident registered under the real name: the registry person (`people.Person`,
  never a copy), the community of their household registration when they applied (the scope of
  the record), skills, service areas and availability. The street office (township clerk of that
  township) approves or refuses with a reason; an approved volunteer has a number. A volunteer
  may leave; staff may suspend. `total_minutes` and `star` are the summary refreshed set-based
  (`summary.refresh`) and after each credit.
- `Team` (志愿服务队): in a region, optionally linked to a social organisation and to an
  elderly-care provider of kind volunteers; `TeamMember` the requests to join and the members.
- `Activity` published by a team; `Signup` a volunteer's place (capacity held under a row lock);
  `ServiceRecord` the hours, from an activity (once per sign-up) or from an elderly-care booking
  served by a linked worker (once per booking: both unique).
- `WorkerLink`: an elderly-care provider's worker who is a volunteer.
- `RegionSummary`: per community and street, residents, approved volunteers and star counts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Stars by total hours (DOMAIN §11.1 [assumed]): the least hours of each star.
STAR_HOURS = (100, 300, 600, 1000, 1500)


def star_for_minutes(minutes: int) -> int:
    hours = (minutes or 0) / 60
    return sum(1 for threshold in STAR_HOURS if hours >= threshold)


class Skill(models.TextChoices):
    ELDERLY = "elderly", _("助老服务")
    MEDICAL = "medical", _("医疗卫生")
    EDUCATION = "education", _("教育辅导")
    LEGAL = "legal", _("法律服务")
    PSYCHOLOGICAL = "psychological", _("心理疏导")
    ENVIRONMENT = "environment", _("环境保护")
    CULTURE = "culture", _("文化体育")
    EMERGENCY = "emergency", _("应急救援")
    COMMUNITY = "community", _("社区治理")


class Availability(models.TextChoices):
    WEEKDAYS = "weekdays", _("工作日")
    WEEKENDS = "weekends", _("周末")
    EVENINGS = "evenings", _("工作日晚间")
    ANYTIME = "anytime", _("时间灵活")


class Status(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已注册")
    REFUSED = "refused", _("不予注册")
    SUSPENDED = "suspended", _("已暂停")
    LEFT = "left", _("已退出")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上注册")
    WINDOW = "window", _("窗口登记")


class Volunteer(models.Model):
    person = models.OneToOneField(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="volunteer",
        verbose_name=_("志愿者"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("户籍所在村（社区）"),
    )
    number = models.CharField(_("志愿者编号"), max_length=20, unique=True, null=True, blank=True)
    skills = models.JSONField(_("服务技能"), default=list)
    areas = models.ManyToManyField(
        "regions.Region", related_name="+", blank=True, verbose_name=_("服务区域")
    )
    availability = models.CharField(_("服务时间"), max_length=16, choices=Availability.choices)
    phone = models.CharField(_("联系电话"), max_length=20)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    channel = models.CharField(_("注册方式"), max_length=8, choices=Channel.choices)
    applied_at = models.DateTimeField(_("申请时间"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(_("审核人"), max_length=64, blank=True)
    # The unit whose staff approved the registration (the street office, or the level above
    # for a registration taken there): what target 7.4 reads.
    approved_in = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核单位"),
    )
    approved_on = models.DateField(_("注册日期"), null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    total_minutes = models.PositiveIntegerField(_("累计服务时长（分钟）"), default=0)
    star = models.PositiveSmallIntegerField(_("星级"), default=0)

    class Meta:
        ordering = ["-applied_at", "-id"]
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        indexes = [models.Index(fields=["region", "status"], name="volunteers_region_status")]

    def __str__(self):
        return self.number or f"#{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def hours(self) -> str:
        return f"{self.total_minutes / 60:.1f}"

    def skill_labels(self) -> list[str]:
        labels = dict(Skill.choices)
        return [str(labels[s]) for s in self.skills if s in labels]


class Team(models.Model):
    name = models.CharField(_("服务队名称"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在地区")
    )
    organisation = models.ForeignKey(
        "socialorgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("依托社会组织"),
    )
    provider = models.OneToOneField(
        "eldercare.Provider",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_team",
        verbose_name=_("居家养老服务机构"),
    )
    leader = models.ForeignKey(
        Volunteer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
        verbose_name=_("队长"),
    )
    description = models.CharField(_("服务队简介"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("成立时间"), auto_now_add=True)

    class Meta:
        ordering = ["region__path", "id"]
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class MemberStatus(models.TextChoices):
    REQUESTED = "requested", _("申请加入")
    ACCEPTED = "accepted", _("队员")
    REFUSED = "refused", _("未同意")


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    status = models.CharField(
        _("状态"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["team_id", "id"]
        verbose_name = _("服务队队员")
        verbose_name_plural = _("服务队队员")
        constraints = [
            models.UniqueConstraint(fields=["team", "volunteer"], name="volunteers_member_once")
        ]

    @property
    def audit_region_code(self) -> str:
        return self.team.region.code


class Activity(models.Model):
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="activities", verbose_name=_("服务队")
    )
    title = models.CharField(_("活动名称"), max_length=100)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("活动地点"), max_length=200)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在地区")
    )
    capacity = models.PositiveIntegerField(_("招募人数"))
    skills = models.JSONField(_("所需技能"), default=list, blank=True)
    signed_up = models.PositiveIntegerField(_("已报名"), default=0)
    cancelled = models.BooleanField(_("已取消"), default=False)
    hours_recorded_at = models.DateTimeField(_("时长登记时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="volunteers_activity_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def length_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def skill_labels(self) -> list[str]:
        labels = dict(Skill.choices)
        return [str(labels[s]) for s in self.skills if s in labels]


class Signup(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="signups")
    signed_at = models.DateTimeField(_("报名时间"))

    class Meta:
        ordering = ["activity_id", "id"]
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="volunteers_signup_once")
        ]


class Source(models.TextChoices):
    ACTIVITY = "activity", _("志愿服务活动")
    BOOKING = "booking", _("居家养老服务")


class ServiceRecord(models.Model):
    """Hours served, in minutes. Once per sign-up and once per elderly-care booking."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="records")
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    served_on = models.DateField(_("服务日期"))
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"))
    attended = models.BooleanField(_("出勤"), default=True)
    signup = models.OneToOneField(
        Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="record"
    )
    booking = models.OneToOneField(
        "eldercare.Booking",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_record",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("服务内容"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        indexes = [models.Index(fields=["volunteer", "served_on"], name="volunteers_record_by_vol")]

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.1f}"

    @property
    def audit_region_code(self) -> str:
        return self.volunteer.region.code


class WorkerLink(models.Model):
    """An elderly-care provider's worker who is this volunteer: a served booking of the worker
    for a provider linked to a team is credited to the volunteer."""

    worker = models.OneToOneField(
        "eldercare.Worker", on_delete=models.CASCADE, related_name="volunteer_link"
    )
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="worker_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务人员与志愿者关联")
        verbose_name_plural = _("服务人员与志愿者关联")

    @property
    def audit_region_code(self) -> str:
        return self.volunteer.region.code


class RegionSummary(models.Model):
    """Per community (village level) and street (township level): registered residents alive,
    approved volunteers registered there, and how many hold each star. Refreshed set-based."""

    region = models.OneToOneField(
        "regions.Region", on_delete=models.CASCADE, related_name="volunteer_summary"
    )
    residents = models.PositiveIntegerField(default=0)
    volunteers = models.PositiveIntegerField(default=0)
    star1 = models.PositiveIntegerField(default=0)
    star2 = models.PositiveIntegerField(default=0)
    star3 = models.PositiveIntegerField(default=0)
    star4 = models.PositiveIntegerField(default=0)
    star5 = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("志愿者注册统计")
        verbose_name_plural = _("志愿者注册统计")

    @property
    def rate(self):
        return round(self.volunteers * 100 / self.residents, 2) if self.residents else None


class Certificate(models.Model):
    """A service certificate as issued: the verification number printed on it and the figures it
    printed, so anyone shown the certificate can check it by the number. The same volunteer with
    the same hours on the same day gets the same number (one row)."""

    code = models.CharField(_("验证码"), max_length=12, unique=True)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    issued_on = models.DateField(_("出具日期"))
    minutes = models.PositiveIntegerField(_("累计服务时长（分钟）"))
    star = models.PositiveSmallIntegerField(_("星级"))
    issued_by_name = models.CharField(_("出具单位"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")

    def __str__(self):
        return self.code

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.1f}"

    @property
    def audit_region_code(self) -> str:
        return self.volunteer.region.code

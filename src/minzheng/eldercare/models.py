"""Elderly care: what the population registry does not already hold about people aged 60+,
home-care service providers and their bookings, care institutions with their beds, and elderly
associations.

People are never copied: the elderly registry is the population registry filtered by age, and
`ElderlyProfile` only adds what care needs (living situation, health record, contacts).
Amounts are integer fen; service quantities and subsidy quotas are integer minutes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LivingSituation(models.TextChoices):
    ALONE = "alone", _("独居")
    EMPTY_NEST = "empty_nest", _("空巢")
    WITH_FAMILY = "with_family", _("与家人同住")
    INSTITUTION = "institution", _("入住养老机构")


class ElderlyProfile(models.Model):
    """Care facts about one person of the registry (created on first use)."""

    person = models.OneToOneField(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="elderly_profile",
        verbose_name=_("老年人"),
    )
    living_situation = models.CharField(
        _("居住状况"), max_length=16, choices=LivingSituation.choices, blank=True
    )
    address = models.CharField(_("服务地址"), max_length=200, blank=True)
    # Where the service address is (WGS-84), when known: check-in positions are compared with it.
    latitude = models.FloatField(_("服务地址纬度"), null=True, blank=True)
    longitude = models.FloatField(_("服务地址经度"), null=True, blank=True)
    health_record_number = models.CharField(_("健康档案编号"), max_length=40, blank=True)
    health_clinic = models.ForeignKey(
        "Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="health_records",
        verbose_name=_("建档卫生服务机构"),
        limit_choices_to={"kind": "clinic"},
    )
    health_record_since = models.DateField(_("建档日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("老年人档案")
        verbose_name_plural = _("老年人档案")

    def __str__(self):
        return str(self.person)

    @property
    def audit_region_code(self) -> str:
        return self.person.audit_region_code


class EmergencyContact(models.Model):
    profile = models.ForeignKey(ElderlyProfile, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("联系人"), max_length=64)
    relation = models.CharField(_("关系"), max_length=32)
    phone = models.CharField(_("联系电话"), max_length=20)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["profile_id", "ordering", "id"]
        verbose_name = _("紧急联系人")
        verbose_name_plural = _("紧急联系人")

    def __str__(self):
        return f"{self.name}（{self.relation}）"


class Assessment(models.Model):
    """One ability assessment under MZ/T 039-2013; every reassessment is a new row."""

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="ability_assessments",
        verbose_name=_("老年人"),
    )
    assessed_on = models.DateField(_("评估日期"))
    reason = models.CharField(
        _("评估类型"),
        max_length=16,
        choices=[
            ("initial", _("首次评估")),
            ("periodic", _("定期评估")),
            ("change", _("状况变化即时评估")),
        ],
        default="initial",
    )
    adl_score = models.PositiveSmallIntegerField(_("日常生活活动总分"))
    mental_score = models.PositiveSmallIntegerField(_("精神状态总分"), null=True, blank=True)
    mental_grade = models.PositiveSmallIntegerField(_("精神状态分级"))
    consciousness = models.PositiveSmallIntegerField(_("意识水平"), null=True, blank=True)
    vision = models.PositiveSmallIntegerField(_("视力"), null=True, blank=True)
    hearing = models.PositiveSmallIntegerField(_("听力"), null=True, blank=True)
    communication = models.PositiveSmallIntegerField(_("沟通交流"), null=True, blank=True)
    perception_grade = models.PositiveSmallIntegerField(_("感知觉与沟通分级"))
    social_score = models.PositiveSmallIntegerField(_("社会参与总分"), null=True, blank=True)
    social_grade = models.PositiveSmallIntegerField(_("社会参与分级"))
    adl_grade = models.PositiveSmallIntegerField(_("日常生活活动分级"))
    base_grade = models.PositiveSmallIntegerField(_("判定卡等级"))
    escalations = models.JSONField(_("提高等级的情形"), default=list, blank=True)
    grade = models.PositiveSmallIntegerField(_("能力等级"), db_index=True)
    assessors = models.CharField(_("评估员"), max_length=100)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_due_on = models.DateField(_("下次评估日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person_id", "-assessed_on", "-id"]
        verbose_name = _("老年人能力评估")
        verbose_name_plural = _("老年人能力评估")
        indexes = [
            models.Index(fields=["person", "-assessed_on", "-id"], name="eldercare_assess_latest")
        ]

    @property
    def audit_region_code(self) -> str:
        return self.person.audit_region_code


class AllowanceEnrolment(models.Model):
    """An old-age allowance enrolment: proposed by the monthly scan, decided by the township.
    A confirmed enrolment points at the entitlement the payroll pays."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待乡镇确认")
        CONFIRMED = "confirmed", _("已纳入发放")
        REJECTED = "rejected", _("不予纳入")

    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="allowance_enrolments",
        verbose_name=_("老年人"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("户籍地")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    eligible_from = models.DateField(_("符合条件月份"))
    proposed_on = models.DateField(_("提出日期"))
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发放家庭账户"),
    )
    problem = models.CharField(_("待处理问题"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    reason = models.CharField(_("意见"), max_length=500, blank=True)
    entitlement = models.OneToOneField(
        "payments.Entitlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allowance_enrolment",
    )

    class Meta:
        ordering = ["-proposed_on", "id"]
        verbose_name = _("高龄津贴纳入")
        verbose_name_plural = _("高龄津贴纳入")
        constraints = [
            # One open proposal per person; decided ones stay as the history.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="proposed"),
                name="eldercare_one_open_enrolment",
            ),
        ]

    def __str__(self):
        return f"{self.person_id}:{self.status}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class ServiceCategory(models.TextChoices):
    MEALS = "meals", _("助餐")
    CLEANING = "cleaning", _("助洁")
    BATHING = "bathing", _("助浴")
    MEDICAL = "medical", _("助医")
    EMERGENCY = "emergency", _("助急")
    MOBILITY = "mobility", _("助行")


class Provider(models.Model):
    """A home-care service provider: housekeeping company, community home-care centre,
    clinic or volunteer team, with the areas it serves."""

    class Kind(models.TextChoices):
        HOUSEKEEPING = "housekeeping", _("家政服务企业")
        CARE_CENTRE = "care_centre", _("社区居家养老服务中心")
        CLINIC = "clinic", _("医疗卫生机构")
        VOLUNTEERS = "volunteers", _("志愿服务队")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("登记地")
    )
    service_areas = models.ManyToManyField(
        "regions.Region", related_name="eldercare_providers", verbose_name=_("服务区域")
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    active = models.BooleanField(_("在服务"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("居家养老服务机构")
        verbose_name_plural = _("居家养老服务机构")

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class ProviderStaff(models.Model):
    """Binds a platform account of role `provider` to the provider it works for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_staff"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="staff")

    class Meta:
        verbose_name = _("服务机构账号")
        verbose_name_plural = _("服务机构账号")

    def __str__(self):
        return f"{self.user_id}→{self.provider_id}"


class Worker(models.Model):
    """A provider's service worker (护理员、家政员、医生、志愿者), dispatched to bookings."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="workers")
    name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        ordering = ["provider_id", "id"]
        verbose_name = _("服务人员")
        verbose_name_plural = _("服务人员")

    def __str__(self):
        return self.name


class ServiceItem(models.Model):
    """A catalogue entry. Price per unit (hour, visit or meal); `minutes_per_unit` is what one
    unit counts against the monthly subsidised time."""

    class Unit(models.TextChoices):
        HOUR = "hour", _("小时")
        VISIT = "visit", _("次")
        MEAL = "meal", _("餐")

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="items")
    category = models.CharField(_("服务类别"), max_length=16, choices=ServiceCategory.choices)
    name = models.CharField(_("服务项目"), max_length=100)
    unit = models.CharField(_("计价单位"), max_length=8, choices=Unit.choices)
    price_fen = models.PositiveIntegerField(_("单价（分）"))
    minutes_per_unit = models.PositiveIntegerField(_("折算服务时长（分钟/单位）"))
    active = models.BooleanField(_("在售"), default=True)

    class Meta:
        ordering = ["provider_id", "category", "id"]
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")

    def __str__(self):
        return f"{self.get_category_display()}·{self.name}"


class Settlement(models.Model):
    """A provider's monthly settlement: the government subsidy and the people's own share of
    the bookings confirmed and not yet settled."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待审核")
        APPROVED = "approved", _("已审核")
        EXPORTED = "exported", _("已导出支付")

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="settlements")
    month = models.DateField(_("结算月份"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    booking_count = models.PositiveIntegerField(_("服务单数"), default=0)
    gross_fen = models.BigIntegerField(_("服务总额（分）"), default=0)
    subsidy_fen = models.BigIntegerField(_("政府补贴（分）"), default=0)
    own_share_fen = models.BigIntegerField(_("个人自付（分）"), default=0)
    built_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "provider_id"]
        verbose_name = _("服务结算")
        verbose_name_plural = _("服务结算")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "month"], name="eldercare_one_settlement_per_month"
            )
        ]

    def __str__(self):
        return f"{self.provider_id}:{self.month:%Y-%m}"

    @property
    def audit_region_code(self) -> str:
        return self.provider.audit_region_code


class Booking(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("待接单")
        ACCEPTED = "accepted", _("已接单")
        DECLINED = "declined", _("已拒单")
        DISPATCHED = "dispatched", _("已派单")
        IN_SERVICE = "in_service", _("服务中")
        COMPLETED = "completed", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        CANCELLED = "cancelled", _("已取消")
        NO_SHOW = "no_show", _("未能上门服务")

    class Review(models.TextChoices):
        NONE = "", _("无需复核")
        HELD = "held", _("异常待复核")
        RELEASED = "released", _("复核通过")
        REJECTED = "rejected", _("复核不予结算")

    ANOMALIES = {
        "same_minute": _("签到与签退在同一分钟"),
        "too_short": _("实际服务时长明显短于预约时长"),
        "outside_slot": _("签退时间远超预约时段"),
        "location": _("签到或签退位置与服务地址不符"),
    }

    class Channel(models.TextChoices):
        SELF = "self", _("老年人本人")
        FAMILY = "family", _("家属")
        COMMUNITY = "community", _("社区代约")

    number = models.CharField(_("预约单号"), max_length=24, unique=True)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="care_bookings",
        verbose_name=_("服务对象"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在村（社区）"),
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("服务机构")
    )
    item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("服务项目")
    )
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    scheduled_at = models.DateTimeField(_("预约时间"))
    address = models.CharField(_("服务地址"), max_length=200)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    channel = models.CharField(_("预约方式"), max_length=16, choices=Channel.choices)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    worker = models.ForeignKey(
        Worker,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("服务人员"),
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    served_on = models.DateField(_("服务日期"), null=True, blank=True, db_index=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    unit_price_fen = models.PositiveIntegerField(_("单价（分）"))
    minutes = models.PositiveIntegerField(_("折算服务时长（分钟）"))
    gross_fen = models.PositiveIntegerField(_("服务费用（分）"))
    subsidy_minutes = models.PositiveIntegerField(_("享受补贴时长（分钟）"), default=0)
    subsidy_fen = models.PositiveIntegerField(_("政府补贴（分）"), default=0)
    own_share_fen = models.PositiveIntegerField(_("个人自付（分）"), default=0)
    subsidy_basis = models.JSONField(_("补贴计算依据"), default=dict, blank=True)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    feedback = models.CharField(_("评价内容"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    payable = models.BooleanField(_("计入结算"), default=True)
    # Proof that the service happened: what the check-in and check-out recorded, the anomalies
    # found in it (codes of ANOMALIES) and the review that holds such a booking from settlement.
    actual_minutes = models.PositiveIntegerField(_("实际服务时长（分钟）"), null=True, blank=True)
    check_in_lat = models.FloatField(null=True, blank=True)
    check_in_lng = models.FloatField(null=True, blank=True)
    check_out_lat = models.FloatField(null=True, blank=True)
    check_out_lng = models.FloatField(null=True, blank=True)
    anomalies = models.JSONField(_("异常"), default=list, blank=True)
    review = models.CharField(
        _("复核"), max_length=16, choices=Review.choices, blank=True, default="", db_index=True
    )
    review_note = models.CharField(_("复核意见"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    settlement = models.ForeignKey(
        Settlement, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    created_at = models.DateTimeField(_("预约提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_at", "-id"]
        verbose_name = _("服务预约")
        verbose_name_plural = _("服务预约")
        indexes = [
            models.Index(fields=["provider", "status"], name="eldercare_booking_board"),
            models.Index(fields=["person", "scheduled_at"], name="eldercare_booking_person"),
        ]

    def __str__(self):
        return self.number

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def anomaly_labels(self) -> list[str]:
        return [str(self.ANOMALIES.get(code, code)) for code in self.anomalies or []]


class BookingEvent(models.Model):
    ACTIONS = {
        "create": _("提交预约"),
        "accept": _("接单"),
        "decline": _("拒单"),
        "dispatch": _("派单"),
        "check_in": _("签到"),
        "check_out": _("签退"),
        "confirm": _("确认服务完成"),
        "cancel": _("取消预约"),
        "no_show": _("未能上门服务"),
        "complaint": _("投诉"),
        "complaint_resolved": _("处理投诉"),
        "review": _("异常复核"),
    }

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=24)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_name = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        ordering = ["booking_id", "id"]

    @property
    def action_label(self) -> str:
        return str(self.ACTIONS.get(self.action, self.action))


class Complaint(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("投诉属实")
        DISMISSED = "dismissed", _("投诉不成立")

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="complaints")
    text = models.CharField(_("投诉内容"), max_length=1000)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)
    resolution = models.CharField(_("处理意见"), max_length=1000, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("服务投诉")
        verbose_name_plural = _("服务投诉")

    @property
    def audit_region_code(self) -> str:
        return self.booking.audit_region_code


class Institution(models.Model):
    """A care institution or community facility with beds."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("公办养老机构")
        PRIVATE = "private", _("民办养老机构")
        TOWNSHIP_HOME = "township_home", _("乡镇福利院")
        COMMUNITY_CENTRE = "community_centre", _("城市社区居家养老服务中心")
        RURAL_CENTRE = "rural_centre", _("农村老年人互助照料活动中心")

    # Urban care institutions for the 养医结合 coverage indicator.
    URBAN_INSTITUTION_KINDS = (Kind.PUBLIC, Kind.PRIVATE)

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=24, choices=Kind.choices, db_index=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在地")
    )
    beds = models.PositiveIntegerField(_("床位数"), default=0)
    opened_on = models.DateField(_("建成投用日期"))
    closed_on = models.DateField(_("停用日期"), null=True, blank=True)
    operator = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="institutions",
        verbose_name=_("运营机构"),
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_id", "id"]
        verbose_name = _("养老机构与设施")
        verbose_name_plural = _("养老机构与设施")

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class Residency(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="residencies"
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="care_residencies",
        verbose_name=_("入住老人"),
    )
    admitted_on = models.DateField(_("入住日期"))
    left_on = models.DateField(_("离院日期"), null=True, blank=True)
    bed_label = models.CharField(_("床位号"), max_length=20, blank=True)

    class Meta:
        ordering = ["institution_id", "id"]
        verbose_name = _("入住记录")
        verbose_name_plural = _("入住记录")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(left_on__isnull=True),
                name="eldercare_one_current_residency",
            ),
        ]

    @property
    def audit_region_code(self) -> str:
        return self.institution.audit_region_code


class FireInspection(models.Model):
    class Result(models.TextChoices):
        PASSED = "passed", _("合格")
        RECTIFY = "rectify", _("限期整改")
        FAILED = "failed", _("不合格（停止使用）")

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="inspections"
    )
    inspected_on = models.DateField(_("检查日期"))
    result = models.CharField(_("检查结果"), max_length=16, choices=Result.choices)
    findings = models.CharField(_("发现问题"), max_length=1000, blank=True)
    rectify_by = models.DateField(_("整改期限"), null=True, blank=True)
    inspector = models.CharField(_("检查人"), max_length=100)

    class Meta:
        ordering = ["institution_id", "-inspected_on", "-id"]
        verbose_name = _("消防安全检查")
        verbose_name_plural = _("消防安全检查")

    @property
    def audit_region_code(self) -> str:
        return self.institution.audit_region_code


class HealthAgreement(models.Model):
    """养医结合: an agreement with a medical institution; in force from `signed_on` until
    `ended_on` (exclusive) or open-ended."""

    class MedicalKind(models.TextChoices):
        HOSPITAL = "hospital", _("医院")
        TOWNSHIP_HEALTH_CENTRE = "township_health_centre", _("乡镇卫生院")
        COMMUNITY_CLINIC = "community_clinic", _("社区卫生服务站（室）")
        VILLAGE_CLINIC = "village_clinic", _("村卫生室")

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="health_agreements"
    )
    medical_name = models.CharField(_("医疗机构"), max_length=100)
    medical_kind = models.CharField(_("医疗机构类别"), max_length=32, choices=MedicalKind.choices)
    signed_on = models.DateField(_("签订日期"))
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    services = models.CharField(_("服务内容"), max_length=500, blank=True)

    class Meta:
        ordering = ["institution_id", "-signed_on"]
        verbose_name = _("健康服务协议")
        verbose_name_plural = _("健康服务协议")

    @property
    def audit_region_code(self) -> str:
        return self.institution.audit_region_code


class ElderlyAssociation(models.Model):
    """An elderly association (老年协会) of one community or village."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）")
    )
    name = models.CharField(_("名称"), max_length=100)
    founded_on = models.DateField(_("成立日期"))
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    members = models.PositiveIntegerField(_("会员人数"), default=0)
    chair = models.CharField(_("会长"), max_length=64, blank=True)

    class Meta:
        ordering = ["region_id", "id"]
        verbose_name = _("老年协会")
        verbose_name_plural = _("老年协会")

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

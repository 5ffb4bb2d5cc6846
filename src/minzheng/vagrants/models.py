"""Relief for vagrants and beggars (流浪乞讨人员救助) at a relief station (docs/DOMAIN.md §7).

A `Stay` is one intake at a station: who came (a `people.Person` found in the population registry,
or an `UnidentifiedPerson` described by the staff), how they came, their consent (help is
voluntary: a refusal is recorded and closes the stay), belongings received, health on arrival,
then during the stay the extensions beyond the 10-day limit, medical referrals and family contact
attempts, and the exit. A minor goes to the minors' protection centre; their schooling is
tracked after the exit with follow-up visits.

The state field is a django-fsm field on a model with ConcurrentTransitionMixin (as cases): a
save only lands when the state in the database is still the one read, and services lock the row.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from minzheng.core.uploads import encrypted_storage

# A stay is normally at most 10 days [law: the Interim Measures]; longer only by an extension.
STAY_LIMIT_DAYS = 10
# A stay whose end is this many days away or less shows as near the limit.
NEAR_LIMIT_DAYS = 2
ADULT_AGE = 18
SCHOOL_AGE = 6  # from 6 to 17 a child is of school age (primary to senior secondary)


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Arrival(models.TextChoices):
    SELF = "self", _("自行求助")
    POLICE = "police", _("公安机关护送")
    PUBLIC = "public", _("群众引导")
    CITY = "city_management", _("城管部门护送")


class ExitKind(models.TextChoices):
    ESCORT_HOME = "escort_home", _("护送（返乡）回家")
    FAMILY = "family", _("交亲属接回")
    INSTITUTION = "institution", _("转介安置机构")
    LEFT = "left", _("自愿离站")
    MINOR_CENTRE = "minor_centre", _("送未成年人救助保护中心")
    DIED = "died", _("死亡")


class SchoolStatus(models.TextChoices):
    PENDING = "pending", _("待跟踪")
    BACK = "back", _("已返校")
    NOT_YET = "not_yet", _("暂未返校")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    POLICE = "police", _("公安协查")
    HOMETOWN = "hometown", _("户籍地民政部门")
    NOTICE = "notice", _("寻亲公告")
    VISIT = "visit", _("上门走访")


class UnidentifiedPerson(models.Model):
    """Someone not found in the population registry: what they said and what staff saw. Never
    a second copy of a registered person; the ID number they stated is kept masked only."""

    stated_name = models.CharField(_("自报姓名"), max_length=64, blank=True)
    stated_id_masked = models.CharField(_("自报身份证号码"), max_length=18, blank=True)
    hometown = models.CharField(_("自述籍贯或住址"), max_length=200, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    apparent_age = models.PositiveSmallIntegerField(_("估计年龄"))
    description = models.TextField(_("体貌特征"))
    photo = models.FileField(
        _("照片"), upload_to="vagrants/photos/", storage=encrypted_storage, blank=True
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("身份未核实人员")
        verbose_name_plural = _("身份未核实人员")
        constraints = [
            models.CheckConstraint(
                condition=Q(apparent_age__lte=120), name="vagrants_unidentified_age_plausible"
            )
        ]

    def __str__(self):
        return self.stated_name or str(_("无名氏"))


class Stay(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        ARRIVED = "arrived", _("待确认受助意愿")
        STAYING = "staying", _("在站救助")
        EXITED = "exited", _("已离站")
        REFUSED = "refused", _("拒绝救助")

    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("救助站所在区域"),
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vagrant_stays",
        verbose_name=_("人员"),
    )
    unidentified = models.ForeignKey(
        UnidentifiedPerson,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stays",
        verbose_name=_("身份未核实人员"),
    )
    arrival = models.CharField(_("来站方式"), max_length=20, choices=Arrival.choices)
    arrived_on = models.DateField(_("入站日期"), db_index=True)
    age_at_arrival = models.PositiveSmallIntegerField(_("入站时年龄"))
    health_on_arrival = models.TextField(_("入站时健康状况"))
    state = FSMField(
        _("救助状态"), max_length=16, choices=State.choices, default=State.ARRIVED, db_index=True
    )
    consent_on = models.DateField(_("意愿确认日期"), null=True, blank=True)
    consent_note = models.CharField(_("受助意愿说明"), max_length=500, blank=True)
    ends_on = models.DateField(_("救助期限"))
    exited_on = models.DateField(_("离站日期"), null=True, blank=True, db_index=True)
    exit_kind = models.CharField(_("离站方式"), max_length=20, choices=ExitKind.choices, blank=True)
    destination = models.CharField(_("去向"), max_length=200, blank=True)
    ticket_fen = models.BigIntegerField(_("返乡车票费用（分）"), default=0)
    belongings_signed_by = models.CharField(_("物品领回签收人"), max_length=64, blank=True)
    exit_note = models.CharField(_("离站说明"), max_length=500, blank=True)
    school_status = models.CharField(
        _("返校情况"), max_length=16, choices=SchoolStatus.choices, blank=True
    )
    school_name = models.CharField(_("就读学校"), max_length=200, blank=True)
    school_returned_on = models.DateField(_("返校日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-arrived_on", "-id"]
        verbose_name = _("流浪乞讨人员救助")
        verbose_name_plural = _("流浪乞讨人员救助")
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(unidentified__isnull=True))
                | (Q(person__isnull=True) & Q(unidentified__isnull=False)),
                name="vagrants_stay_one_identity",
            ),
            models.CheckConstraint(condition=Q(ticket_fen__gte=0), name="vagrants_ticket_positive"),
            # A registered person is at one station at a time: one open stay each.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state__in=["arrived", "staying"]),
                name="vagrants_one_open_stay_per_person",
            ),
        ]
        indexes = [models.Index(fields=["state", "ends_on"], name="vagrants_stay_state_end")]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"JZ{self.arrived_on:%Y}-{self.pk or 0:05d}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def is_minor(self) -> bool:
        return self.age_at_arrival < ADULT_AGE

    @property
    def is_school_age(self) -> bool:
        return SCHOOL_AGE <= self.age_at_arrival < ADULT_AGE

    @property
    def display_name(self) -> str:
        if self.person_id:
            return self.person.name
        return str(self.unidentified)

    @property
    def sex(self) -> str:
        return self.person.sex if self.person_id else self.unidentified.sex

    def days_over(self, on: dt.date) -> int:
        return (on - self.ends_on).days

    # Transitions: the services call exactly one per action, holding the row lock.
    @transition(field=state, source=State.ARRIVED, target=State.STAYING)
    def consent(self):
        pass

    @transition(field=state, source=State.ARRIVED, target=State.REFUSED)
    def refuse(self):
        pass

    @transition(field=state, source=State.STAYING, target=State.EXITED)
    def leave(self):
        pass


class Belonging(models.Model):
    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="belongings")
    description = models.CharField(_("物品"), max_length=200)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    received_on = models.DateField(_("代管日期"))
    returned_on = models.DateField(_("领回日期"), null=True, blank=True)
    returned_to = models.CharField(_("领回签收人"), max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("代管物品")
        verbose_name_plural = _("代管物品")

    def __str__(self):
        return f"{self.description} × {self.quantity}"

    @property
    def audit_region_code(self) -> str:
        return self.stay.audit_region_code


class Extension(models.Model):
    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="extensions")
    previous_end_on = models.DateField(_("原救助期限"))
    new_end_on = models.DateField(_("延长至"))
    reason = models.CharField(_("延长理由"), max_length=500)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("决定人"),
    )
    decided_at = models.DateTimeField(_("决定时间"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("延长救助期限")
        verbose_name_plural = _("延长救助期限")

    def __str__(self):
        return f"{self.previous_end_on} → {self.new_end_on}"

    @property
    def audit_region_code(self) -> str:
        return self.stay.audit_region_code


class MedicalReferral(models.Model):
    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="referrals")
    hospital = models.CharField(_("医院"), max_length=200)
    referred_on = models.DateField(_("送医日期"))
    result = models.CharField(_("救治结果"), max_length=500, blank=True)
    cost_fen = models.BigIntegerField(_("医疗费用（分）"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("送医救治")
        verbose_name_plural = _("送医救治")
        constraints = [
            models.CheckConstraint(condition=Q(cost_fen__gte=0), name="vagrants_referral_cost")
        ]

    def __str__(self):
        return f"{self.hospital} {self.referred_on}"

    @property
    def audit_region_code(self) -> str:
        return self.stay.audit_region_code


class FamilyContact(models.Model):
    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="contacts")
    contacted_on = models.DateField(_("联系日期"))
    channel = models.CharField(_("联系方式"), max_length=16, choices=ContactChannel.choices)
    reached = models.BooleanField(_("已联系上亲属"), default=False)
    result = models.CharField(_("联系结果"), max_length=500)

    class Meta:
        ordering = ["id"]
        verbose_name = _("寻亲联系")
        verbose_name_plural = _("寻亲联系")

    def __str__(self):
        return f"{self.contacted_on} {self.get_channel_display()}"

    @property
    def audit_region_code(self) -> str:
        return self.stay.audit_region_code


class FollowUp(models.Model):
    """A visit after a minor's exit: how they are and whether they are back in school."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="follow_ups")
    visited_on = models.DateField(_("回访日期"))
    result = models.CharField(_("回访情况"), max_length=500)

    class Meta:
        ordering = ["id"]
        verbose_name = _("离站回访")
        verbose_name_plural = _("离站回访")

    def __str__(self):
        return f"{self.visited_on}"

    @property
    def audit_region_code(self) -> str:
        return self.stay.audit_region_code

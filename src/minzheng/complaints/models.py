"""The complaints and petitions register (信访/投诉), docs/DOMAIN.md §16.

- `Complaint`: one complaint or petition, filed online by a resident, by phone, at the window or
  by letter; its number (a yearly sequence per registry, `Counter`), channel, category, the
  complainant (a registry person when known — never a copy — or a name and phone; anonymous on
  some channels), the record complained about (`subject_kind` + `subject_id`, a kind registered
  in `complaints.subjects`), the owner (a region's civil-affairs office, or a unit of the city
  bureau) and the legal deadlines (`complaints.deadlines`).
- `ComplaintEvent`: the history (every step, with who and when), including transfers, which
  also record the region and unit the complaint left so they keep reading it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    ONLINE = "online", _("网上投诉")
    PHONE = "phone", _("来电")
    WINDOW = "window", _("窗口来访")
    LETTER = "letter", _("来信")


# Channels on which a complainant may stay anonymous (no name to answer in person at a window).
ANONYMOUS_CHANNELS = (Channel.PHONE, Channel.LETTER)


class Category(models.TextChoices):
    ASSISTANCE = "assistance", _("社会救助")
    ELDERCARE = "eldercare", _("养老服务")
    SOCIAL_ORGS = "social_orgs", _("社会组织")
    MILITARY = "military", _("涉军事务")
    CHILDREN = "children", _("儿童福利")
    FUNERAL = "funeral", _("殡葬管理")
    MARRIAGE = "marriage", _("婚姻登记")
    ENFORCEMENT = "enforcement", _("行政执法")
    CONDUCT = "conduct", _("工作人员作风")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    RECEIVED = "received", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    INVESTIGATED = "investigated", _("已调查")
    REPLIED = "replied", _("已答复")
    REVIEW = "review", _("复查中")
    CLOSED = "closed", _("已办结")


OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED, Status.INVESTIGATED, Status.REVIEW)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Counter(models.Model):
    """The last number given in a registry's year; locked while a number is taken."""

    registry = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registry", "year"], name="complaints_counter_once")
        ]


class Complaint(models.Model):
    number = models.CharField(_("投诉编号"), max_length=32, unique=True)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    category = models.CharField(_("投诉类别"), max_length=16, choices=Category.choices)
    anonymous = models.BooleanField(_("匿名"), default=False)
    complainant = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("投诉人（人口库）"),
    )
    complainant_name = models.CharField(_("投诉人姓名"), max_length=64, blank=True)
    complainant_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    filer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The resident's account that filed online (their 'my complaints').",
    )
    subject_kind = models.CharField(_("投诉对象类型"), max_length=40, blank=True)
    subject_id = models.PositiveBigIntegerField(_("投诉对象"), null=True, blank=True)
    owner_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("承办地区")
    )
    owner_unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("承办单位"),
    )
    content = models.TextField(_("投诉内容"), max_length=4000)
    received_on = models.DateField(_("收到日期"))
    received_by_name = models.CharField(_("登记人"), max_length=64, blank=True)
    status = models.CharField(
        _("办理状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    accept_due_on = models.DateField(_("受理时限"))
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    not_accepted_reason = models.TextField(_("不予受理理由"), max_length=2000, blank=True)
    handle_due_on = models.DateField(_("办结时限"), null=True, blank=True)
    extended_on = models.DateField(_("延期日期"), null=True, blank=True)
    extension_reason = models.TextField(_("延期理由"), max_length=2000, blank=True)
    findings = models.TextField(_("调查情况"), max_length=4000, blank=True)
    substantiated = models.BooleanField(_("投诉属实"), null=True, blank=True)
    investigated_on = models.DateField(_("调查日期"), null=True, blank=True)
    reply = models.TextField(_("书面答复"), max_length=4000, blank=True)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    satisfaction = models.CharField(
        _("对答复的评价"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    review_due_on = models.DateField(_("复查申请期限"), null=True, blank=True)
    review_requested_on = models.DateField(_("申请复查日期"), null=True, blank=True)
    review_reason = models.TextField(_("复查请求"), max_length=2000, blank=True)
    review_answer_due_on = models.DateField(_("复查答复时限"), null=True, blank=True)
    review_result = models.TextField(_("复查意见"), max_length=2000, blank=True)
    review_done_on = models.DateField(_("复查日期"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("信访投诉")
        verbose_name_plural = _("信访投诉")
        indexes = [
            models.Index(fields=["received_on"], name="complaints_received"),
            models.Index(fields=["status"], name="complaints_status"),
            models.Index(fields=["subject_kind", "subject_id"], name="complaints_subject"),
        ]

    def __str__(self):
        return self.number

    @property
    def audit_region_code(self) -> str:
        return self.owner_region.code if self.owner_region_id else ""

    @property
    def owner_label(self) -> str:
        if self.owner_unit_id:
            return self.owner_unit.name
        return self.owner_region.name

    @property
    def replied_in_time(self) -> bool | None:
        if self.replied_on is None or self.handle_due_on is None:
            return None
        return self.replied_on <= self.handle_due_on


class ComplaintEvent(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    label = models.CharField(max_length=64)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    # A transfer: where the complaint came from (that office keeps reading it).
    from_region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_name = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

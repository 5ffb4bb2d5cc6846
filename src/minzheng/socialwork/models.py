"""Social work (社会工作): the talent ledger, purchased services, three-social linkage and
public-benefit venture funding. docs/DOMAIN.md §11.2 and §11.3.

- `SocialWorker`: one entry of the talent ledger (人才台账), a person of the population registry
  (`people.Person`, never a copy) with a qualification level (or none: a practitioner), the
  certificate, the employer (a registered `socialorgs.Organisation`, or a named unit) and its
  region (the scope of the entry), the post; `Training` the training records with their hours.
- `Project`: a service delivered by an organisation with social workers of the ledger, of one of
  three kinds: purchased by the city or a county bureau (政府购买社会工作服务; `region` is the
  purchaser), three-social linkage in a community (三社联动; `region` is the urban community), or
  funded by a venture-funding award (公益创投; `region` is the call's city or county). Each has
  milestones (`Milestone`) and ends in an acceptance (验收) with a result.
- `VentureCall`: a call for public-benefit venture funding by the city or a county, with its
  budget, funding source, window and categories, and the staff accounts appointed to review;
  `VentureApplication` an organisation's application; `VentureReview` one reviewer's score.
- `Assembly`: a member assembly (会员大会) of a social-work association (an `Organisation`) of
  the city or a county, for target 7.3.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------- the talent ledger


class Level(models.TextChoices):
    NONE = "none", _("社会工作从业人员")
    ASSISTANT = "assistant", _("助理社会工作师")
    SOCIAL_WORKER = "social_worker", _("社会工作师")
    SENIOR = "senior", _("高级社会工作师")


class SocialWorker(models.Model):
    person = models.OneToOneField(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="social_worker",
        verbose_name=_("社会工作者"),
    )
    level = models.CharField(_("职业水平"), max_length=16, choices=Level.choices)
    certificate_number = models.CharField(_("证书编号"), max_length=32, blank=True)
    certificate_year = models.PositiveSmallIntegerField(_("取得证书年度"), null=True, blank=True)
    organisation = models.ForeignKey(
        "socialorgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="social_workers",
        verbose_name=_("工作单位（社会组织）"),
    )
    employer_name = models.CharField(_("工作单位"), max_length=100)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("工作单位所在地"),
    )
    post = models.CharField(_("岗位"), max_length=64)
    entered_on = models.DateField(_("入账日期"))
    entered_by_name = models.CharField(_("录入人"), max_length=64, blank=True)

    class Meta:
        ordering = ["region__path", "id"]
        verbose_name = _("社工人才")
        verbose_name_plural = _("社工人才台账")

    def __str__(self):
        return f"{self.get_level_display()} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class Training(models.Model):
    worker = models.ForeignKey(SocialWorker, on_delete=models.CASCADE, related_name="trainings")
    on = models.DateField(_("培训日期"))
    title = models.CharField(_("培训内容"), max_length=100)
    hours = models.PositiveSmallIntegerField(_("学时"))

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")

    @property
    def audit_region_code(self) -> str:
        return self.worker.region.code


# ---------------------------------------------------------------- projects


class ProjectKind(models.TextChoices):
    PURCHASED = "purchased", _("政府购买社会工作服务")
    LINKAGE = "linkage", _("三社联动")
    VENTURE = "venture", _("公益创投")


class ProjectStatus(models.TextChoices):
    ONGOING = "ongoing", _("实施中")
    ACCEPTED = "accepted", _("验收合格")
    FAILED = "failed", _("验收不合格")


class FundingSource(models.TextChoices):
    CITY = "city", _("市级财政")
    COUNTY = "county", _("县级财政")
    PROVINCIAL = "provincial", _("省级专项资金")


class Project(models.Model):
    kind = models.CharField(_("项目类型"), max_length=16, choices=ProjectKind.choices)
    name = models.CharField(_("项目名称"), max_length=100)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("购买方或实施社区"),
    )
    organisation = models.ForeignKey(
        "socialorgs.Organisation",
        on_delete=models.PROTECT,
        related_name="social_work_projects",
        verbose_name=_("承接社会组织"),
    )
    workers = models.ManyToManyField(
        SocialWorker, blank=True, related_name="projects", verbose_name=_("参与社工")
    )
    service = models.TextField(_("服务内容"), max_length=2000)
    budget_fen = models.BigIntegerField(_("项目资金（分）"), default=0)
    funding_source = models.CharField(
        _("资金来源"), max_length=16, choices=FundingSource.choices, blank=True
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(
        _("项目状态"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.ONGOING
    )
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    acceptance_note = models.TextField(_("验收意见"), max_length=2000, blank=True)
    accepted_by_name = models.CharField(_("验收人"), max_length=64, blank=True)
    application = models.OneToOneField(
        "VentureApplication",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project",
        verbose_name=_("公益创投申报"),
    )
    created_by_name = models.CharField(_("登记人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("社会工作服务项目")
        verbose_name_plural = _("社会工作服务项目")
        indexes = [models.Index(fields=["kind", "status"], name="socialwork_project_kind")]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点内容"), max_length=100)
    due_on = models.DateField(_("计划完成日期"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.CharField(_("完成情况"), max_length=200, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")

    @property
    def audit_region_code(self) -> str:
        return self.project.region.code


# ---------------------------------------------------------------- venture funding


class VentureCategory(models.TextChoices):
    ELDERLY = "elderly", _("为老服务")
    CHILDREN = "children", _("儿童青少年服务")
    DISABILITY = "disability", _("助残服务")
    POVERTY = "poverty", _("扶贫济困")
    COMMUNITY = "community", _("社区治理")


class VentureCall(models.Model):
    name = models.CharField(_("创投活动名称"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("主办单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    budget_fen = models.BigIntegerField(_("资助总额（分）"))
    funding_source = models.CharField(_("资金来源"), max_length=16, choices=FundingSource.choices)
    opens_on = models.DateField(_("申报开始日期"))
    closes_on = models.DateField(_("申报截止日期"))
    categories = models.JSONField(_("资助类别"), default=list)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="venture_calls", verbose_name=_("评审人")
    )
    created_by_name = models.CharField(_("发布人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-year", "-opens_on", "-id"]
        verbose_name = _("公益创投活动")
        verbose_name_plural = _("公益创投活动")

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    def category_labels(self) -> list[str]:
        labels = dict(VentureCategory.choices)
        return [str(labels[c]) for c in self.categories if c in labels]


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已申报")
    AWARDED = "awarded", _("获得资助")


class VentureApplication(models.Model):
    call = models.ForeignKey(VentureCall, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(
        "socialorgs.Organisation",
        on_delete=models.PROTECT,
        related_name="venture_applications",
        verbose_name=_("申报组织"),
    )
    title = models.CharField(_("项目名称"), max_length=100)
    category = models.CharField(_("资助类别"), max_length=16, choices=VentureCategory.choices)
    amount_fen = models.BigIntegerField(_("申请金额（分）"))
    plan = models.TextField(_("实施方案"), max_length=4000)
    filed_at = models.DateTimeField(_("申报时间"))
    filed_by_name = models.CharField(_("申报人"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    awarded_fen = models.BigIntegerField(_("资助金额（分）"), null=True, blank=True)
    awarded_source = models.CharField(
        _("资助资金来源"), max_length=16, choices=FundingSource.choices, blank=True
    )
    awarded_on = models.DateField(_("资助日期"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("公益创投申报")
        verbose_name_plural = _("公益创投申报")
        constraints = [
            models.UniqueConstraint(
                fields=["call", "organisation"], name="socialwork_application_once_per_call"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.call.region.code


class VentureReview(models.Model):
    application = models.ForeignKey(
        VentureApplication, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewer_name = models.CharField(_("评审人"), max_length=64, blank=True)
    score = models.PositiveSmallIntegerField(_("评分"))
    comment = models.CharField(_("评审意见"), max_length=500, blank=True)
    scored_at = models.DateTimeField(_("评审时间"))

    class Meta:
        ordering = ["scored_at", "id"]
        verbose_name = _("公益创投评审")
        verbose_name_plural = _("公益创投评审")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="socialwork_review_once"
            )
        ]

    @property
    def audit_region_code(self) -> str:
        return self.application.call.region.code


# ---------------------------------------------------------------- association


class Assembly(models.Model):
    association = models.ForeignKey(
        "socialorgs.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("社会工作协会"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区划")
    )
    held_on = models.DateField(_("召开日期"))
    members_present = models.PositiveIntegerField(_("到会会员数"))
    resolutions = models.TextField(_("会议议题和决议"), max_length=2000)
    recorded_by_name = models.CharField(_("记录人"), max_length=64, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("社会工作协会会员大会")
        verbose_name_plural = _("社会工作协会会员大会")

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

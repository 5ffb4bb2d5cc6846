"""Target management (民政CEO 层级目标管理): plans, work items, targets cascaded down the region
tree, reported values with evidence, pre-aggregated snapshots, unit scores and supervision cases."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.uploads import encrypted_storage


class ReportFrequency(models.TextChoices):
    MONTHLY = "monthly", _("按月")
    QUARTERLY = "quarterly", _("按季度")
    HALF_YEARLY = "half_yearly", _("按半年")
    YEARLY = "yearly", _("按年")


class Plan(models.Model):
    """One year's work plan of a unit (the city bureau), loaded as data."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ACTIVE = "active", _("执行中")
        CLOSED = "closed", _("已结束")

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("制定单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=200)
    source = models.TextField(_("来源"), blank=True)
    published_on = models.DateField(_("发文日期"), null=True, blank=True)
    period_start = models.DateField(_("考核期起"))
    period_end = models.DateField(_("考核期止"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    report_frequency = models.CharField(
        _("填报周期"),
        max_length=16,
        choices=ReportFrequency.choices,
        default=ReportFrequency.MONTHLY,
    )
    report_grace_days = models.PositiveSmallIntegerField(
        _("填报宽限天数"), default=10, help_text=_("每个填报周期结束后多少天内应完成填报")
    )
    pace_tolerance = models.DecimalField(
        _("进度预警容差"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.1000"),
        help_text=_("完成度低于时间进度减去该容差时预警，例如 0.1 表示落后时间进度10个百分点"),
    )
    auto_supervise = models.BooleanField(_("预警自动挂牌督办"), default=False)
    supervision_days = models.PositiveSmallIntegerField(_("督办期限（天）"), default=15)
    copied_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("复制自"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-year", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="targets_plan_region_year")
        ]
        verbose_name = _("目标计划")
        verbose_name_plural = _("目标计划")

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class Section(models.Model):
    """A heading of the plan (一、二、…), grouping work items."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    code = models.CharField(_("编号"), max_length=8)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    title = models.CharField(_("标题"), max_length=200)

    class Meta:
        ordering = ["plan_id", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="targets_section_plan_code")
        ]
        verbose_name = _("工作板块")
        verbose_name_plural = _("工作板块")

    def __str__(self):
        return self.title


class WorkItem(models.Model):
    """A numbered work item (工作安排) with its description and responsible units."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="work_items")
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="work_items", verbose_name=_("工作板块")
    )
    number = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("工作内容"), blank=True)
    responsible = models.CharField(_("责任单位"), max_length=300, blank=True)

    class Meta:
        ordering = ["plan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="targets_item_plan_number")
        ]
        verbose_name = _("工作事项")
        verbose_name_plural = _("工作事项")

    def __str__(self):
        return f"{self.number}、{self.title}"


class Comparison(models.TextChoices):
    GE = "ge", "≥"
    LE = "le", "≤"
    EQ = "eq", "="


class Target(models.Model):
    """A quantified target bound to an indicator, for one region, split down the tree through
    `parent` (the city's target → each county's share → each township's)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    work_item = models.ForeignKey(
        WorkItem, on_delete=models.CASCADE, related_name="targets", verbose_name=_("工作事项")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("上级目标"),
    )
    code = models.CharField(_("目标编号"), max_length=48)
    title = models.CharField(_("目标名称"), max_length=200)
    indicator = models.CharField(_("指标代码"), max_length=64, db_index=True)
    comparison = models.CharField(
        _("比较"), max_length=2, choices=Comparison.choices, default=Comparison.GE
    )
    value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=4)
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    deadline = models.DateField(_("完成期限"))
    weight = models.DecimalField(_("权重"), max_digits=8, decimal_places=2, default=Decimal("1"))
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("责任区域")
    )
    # A target held by a unit (a bureau section, an affiliated unit, a pilot site) rather than by
    # the region as a whole: `region` is then the unit's region (the scope rule still applies)
    # and the unit's own approved reports, not the region's figures, measure it.
    org_unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
        verbose_name=_("责任单位"),
    )
    note = models.CharField(_("原文表述"), max_length=500, blank=True)
    report_frequency = models.CharField(
        _("填报周期"),
        max_length=16,
        choices=ReportFrequency.choices,
        blank=True,
        help_text=_("留空则按计划的填报周期"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["plan_id", "work_item__number", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="targets_target_plan_code"),
            models.UniqueConstraint(
                fields=["parent", "region"],
                condition=Q(parent__isnull=False, org_unit__isnull=True),
                name="targets_target_one_share_per_region",
            ),
            models.UniqueConstraint(
                fields=["parent", "org_unit"],
                condition=Q(parent__isnull=False, org_unit__isnull=False),
                name="targets_target_one_share_per_unit",
            ),
        ]
        indexes = [models.Index(fields=["plan", "region"])]
        verbose_name = _("目标")
        verbose_name_plural = _("目标")

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code

    @property
    def owner_name(self) -> str:
        """Who answers for the target: the unit holding it, else its region."""
        return self.org_unit.name if self.org_unit_id else self.region.name

    @property
    def frequency(self) -> str:
        return self.report_frequency or self.plan.report_frequency


class ReportedValue(models.Model):
    """A value a unit reports for an indicator as of a period end, approved by the level above.
    Only approved values enter the snapshots; a correction is a new report that supersedes."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已审核")
        REJECTED = "rejected", _("已退回")
        SUPERSEDED = "superseded", _("已更正")

    indicator = models.CharField(_("指标代码"), max_length=64)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("填报区域")
    )
    # A unit's own figure (its region is the unit's region); None for the region's figure.
    org_unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("填报单位"),
    )
    as_of = models.DateField(_("数据截止日期"))
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4)
    numerator = models.DecimalField(
        _("分子"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    denominator = models.DecimalField(
        _("分母"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    note = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("填报人"),
    )
    submitted_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "as_of"],
                condition=Q(status="approved", org_unit__isnull=True),
                name="targets_one_approved_report",
            ),
            models.UniqueConstraint(
                fields=["indicator", "org_unit", "as_of"],
                condition=Q(status="approved", org_unit__isnull=False),
                name="targets_one_approved_unit_report",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "region", "as_of"])]
        verbose_name = _("填报数据")
        verbose_name_plural = _("填报数据")

    def __str__(self):
        return f"{self.indicator}@{self.region_id} {self.as_of}: {self.value}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code

    @property
    def owner_name(self) -> str:
        return self.org_unit.name if self.org_unit_id else self.region.name


def _evidence_path(instance, filename):
    # The stored name never reuses the uploaded one, which may carry personal details.
    return f"targets/evidence/{instance.report_id}/{instance.sha256[:16]}{instance.extension}"


class Evidence(models.Model):
    report = models.ForeignKey(ReportedValue, on_delete=models.CASCADE, related_name="evidence")
    # Evidence can be a list of people served: encrypted at rest like every kept upload.
    file = models.FileField(_("文件"), upload_to=_evidence_path, storage=encrypted_storage)
    original_name = models.CharField(_("原文件名"), max_length=200)
    extension = models.CharField(max_length=10, blank=True)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")


class Source(models.TextChoices):
    COMPUTED = "computed", _("平台计算")
    DERIVED = "derived", _("派生计算")
    REPORTED = "reported", _("单位填报")
    ROLLED_UP = "rolled_up", _("下级汇总")


class IndicatorValue(models.Model):
    """A pre-aggregated indicator value for a region on a date (dashboards read only these)."""

    indicator = models.CharField(max_length=64)
    # No index of its own (see Meta): the unique index leads every read, and deleting a region,
    # which almost never happens, may scan.
    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    on_date = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=4)
    numerator = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    denominator = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    # For reported values: the oldest report date behind the value, and whether every unit
    # below that should have reported did (a rolled-up sum of three of five counties is partial).
    reported_as_of = models.DateField(null=True)
    complete = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "on_date"], name="targets_value_unique"
            )
        ]
        # Every read names the indicator, so the unique index serves them all; the date's index
        # serves a date's replacement. Each refresh writes a row per region and indicator, so an
        # index more is tens of thousands of scattered insertions more (an index on the region
        # alone made a date's insert into the demo's SQLite database 1.34 s instead of 1.11 s).
        indexes = [models.Index(fields=["on_date", "indicator"])]
        verbose_name = _("指标快照")
        verbose_name_plural = _("指标快照")


class TargetStatus(models.TextChoices):
    MET = "met", _("已完成")
    ON_TRACK = "on_track", _("进度正常")
    BEHIND = "behind", _("进度滞后")
    MISSED = "missed", _("逾期未完成")
    NO_DATA = "no_data", _("暂无数据")
    ANOMALY = "anomaly", _("数据异常")


class Evaluation(models.Model):
    """A target measured on a snapshot date: value, attainment, expected pace, status."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="evaluations")
    on_date = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    attainment = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    expected = models.DecimalField(max_digits=6, decimal_places=4)
    status = models.CharField(max_length=16, choices=TargetStatus.choices)
    report_overdue = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "on_date"], name="targets_evaluation_unique")
        ]
        indexes = [models.Index(fields=["on_date", "status"])]
        verbose_name = _("目标考核快照")
        verbose_name_plural = _("目标考核快照")

    @property
    def flagged(self) -> bool:
        return (
            self.status in (TargetStatus.BEHIND, TargetStatus.MISSED, TargetStatus.ANOMALY)
            or self.report_overdue
        )


class UnitScore(models.Model):
    """A unit's weighted score under a plan on a snapshot date, and its rank among its level:
    a region's (its own targets), or, with `org_unit`, a bureau section's, affiliated unit's or
    pilot site's (level "unit", ranked among the plan's units; `region` is the unit's region)."""

    UNIT_LEVEL = "unit"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="scores")
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="scores"
    )
    on_date = models.DateField()
    level = models.CharField(max_length=16)
    score = models.DecimalField(max_digits=7, decimal_places=2)
    targets = models.PositiveIntegerField(default=0)
    met = models.PositiveIntegerField(default=0)
    on_track = models.PositiveIntegerField(default=0)
    behind = models.PositiveIntegerField(default=0)
    missed = models.PositiveIntegerField(default=0)
    no_data = models.PositiveIntegerField(default=0)
    anomalies = models.PositiveIntegerField(default=0)
    # Targets the score is computed from: those with a plausible value (no data is not a zero).
    scored = models.PositiveIntegerField(default=0)
    overdue_reports = models.PositiveIntegerField(default=0)
    rank = models.PositiveIntegerField(default=1)
    rank_of = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "region", "on_date"],
                condition=Q(org_unit__isnull=True),
                name="targets_score_unique",
            ),
            models.UniqueConstraint(
                fields=["plan", "org_unit", "on_date"],
                condition=Q(org_unit__isnull=False),
                name="targets_unit_score_unique",
            ),
        ]
        indexes = [models.Index(fields=["plan", "on_date", "level"])]
        verbose_name = _("单位得分")
        verbose_name_plural = _("单位得分")

    @property
    def flagged(self) -> int:
        return self.behind + self.missed + self.anomalies


class SnapshotRun(models.Model):
    """When the snapshot of a date was last built, how long it took, how much it wrote."""

    on_date = models.DateField(unique=True)
    computed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    regions = models.PositiveIntegerField(default=0)
    values = models.PositiveIntegerField(default=0)
    evaluations = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-on_date"]
        verbose_name = _("快照批次")
        verbose_name_plural = _("快照批次")


class SupervisionCase(models.Model):
    """挂牌督办: a lagging target (or overdue report) under supervision until closed."""

    class Reason(models.TextChoices):
        BEHIND = "behind", _("进度滞后")
        MISSED = "missed", _("逾期未完成")
        REPORT_OVERDUE = "report_overdue", _("逾期未填报")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("督办中")
        CLOSED = "closed", _("已销号")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="supervision_cases")
    target = models.ForeignKey(
        Target,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="supervision_cases",
        verbose_name=_("目标"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    reason = models.CharField(_("督办原因"), max_length=16, choices=Reason.choices)
    title = models.CharField(_("督办事项"), max_length=200)
    detail = models.TextField(_("情况说明"), blank=True)
    opened_on = models.DateField(_("挂牌日期"))
    deadline = models.DateField(_("整改期限"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("责任人"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("挂牌人"),
    )
    automatic = models.BooleanField(_("系统自动挂牌"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("销号人"),
    )
    closing_note = models.TextField(_("销号说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(status="open"),
                name="targets_one_open_case_per_target",
            ),
        ]
        verbose_name = _("挂牌督办")
        verbose_name_plural = _("挂牌督办")

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class SupervisionNote(models.Model):
    case = models.ForeignKey(SupervisionCase, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("进展情况"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("督办进展")
        verbose_name_plural = _("督办进展")


from .digest_models import Digest  # noqa: E402, F401  (the weekly digest, kept per account)

"""Household economic-status verification: departmental data batches, verification runs and the
findings they leave for staff.

Departmental rows never enter this database: a batch is a Parquet file under
MEDIA_ROOT/verification/batches/ plus one row here with its schema, counts, checksums and error
report. A finding cites the batch and the row of that file it came from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .sources import choices as source_choices


class SourceBatch(models.Model):
    """One delivery of one departmental source, as of a date."""

    class Status(models.TextChoices):
        IMPORTING = "importing", _("导入中")
        IMPORTED = "imported", _("已导入")
        REJECTED = "rejected", _("未导入（有错误）")

    class Mode(models.TextChoices):
        GOOD_ROWS = "good_rows", _("导入正确的行，报告错误行")
        ALL_OR_NOTHING = "all_or_nothing", _("有任何错误则整批不导入")

    source = models.CharField(_("数据来源"), max_length=32, choices=source_choices(), db_index=True)
    provider = models.CharField(
        _("提供单位"), max_length=100, blank=True, help_text=_("如某银行；同一来源可有多个提供单位")
    )
    as_of = models.DateField(_("数据截止日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.IMPORTING
    )
    mode = models.CharField(
        _("导入方式"), max_length=16, choices=Mode.choices, default=Mode.GOOD_ROWS
    )
    original_name = models.CharField(_("原文件名"), max_length=200)
    file_format = models.CharField(_("文件格式"), max_length=8)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.BigIntegerField(_("文件大小（字节）"), default=0)
    schema_version = models.PositiveIntegerField(default=1)
    columns = models.JSONField(_("存储字段"), default=list)
    rows_total = models.BigIntegerField(_("记录数"), default=0)
    rows_imported = models.BigIntegerField(_("导入记录数"), default=0)
    rows_rejected = models.BigIntegerField(_("错误记录数"), default=0)
    errors = models.JSONField(_("错误（前若干条）"), default=list, blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    path = models.CharField(_("数据文件"), max_length=300, blank=True)
    parquet_sha256 = models.CharField(max_length=64, blank=True)
    error_report = models.CharField(_("错误报告文件"), max_length=300, blank=True)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("部门数据批次")
        verbose_name_plural = _("部门数据批次")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "provider", "file_sha256"],
                name="verification_batch_once_per_file",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "status", "as_of"], name="verification_batch_current")
        ]

    def __str__(self):
        provider = f"（{self.provider}）" if self.provider else ""
        return f"{self.get_source_display()}{provider} {self.as_of} #{self.pk}"


class Run(models.Model):
    """One verification run over a set of households, executed as a job."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("单个申请")
        APPLICATIONS = "applications", _("辖区待核对申请")
        RECHECK = "recheck", _("在册对象定期复核")
        HOUSEHOLDS = "households", _("指定家庭")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("核对中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    class Engine(models.TextChoices):
        DUCKDB = "duckdb", _("DuckDB（单机内嵌）")
        SPARK = "spark", _("Apache Spark")

    kind = models.CharField(_("核对范围"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请"),
    )
    household_ids = models.JSONField(_("指定家庭"), default=list, blank=True)
    engine = models.CharField(
        _("核对引擎"), max_length=16, choices=Engine.choices, default=Engine.DUCKDB
    )
    as_of = models.DateField(_("核对基准日"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cases = models.ManyToManyField(
        "cases.Case", blank=True, related_name="verification_runs", verbose_name=_("核对的申请")
    )
    households = models.PositiveIntegerField(_("核对家庭数"), default=0)
    members = models.PositiveIntegerField(_("核对人数"), default=0)
    skipped = models.JSONField(_("未核对的家庭"), default=dict, blank=True)
    findings_total = models.PositiveIntegerField(_("核对发现"), default=0)
    findings_new = models.PositiveIntegerField(_("新增核对发现"), default=0)
    batches = models.JSONField(_("使用的数据批次"), default=dict, blank=True)
    missing_sources = models.JSONField(_("缺少的数据来源"), default=list, blank=True)
    # {"cases": {case id: Coverage.as_dict()}, "programmes": {programme: Coverage.as_dict()}}
    coverage = models.JSONField(_("核对覆盖情况"), default=dict, blank=True)
    timings = models.JSONField(_("耗时（秒）"), default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("核对任务")
        verbose_name_plural = _("核对任务")

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        """The report number staff quote (核对报告编号)."""
        year = self.created_at.year if self.created_at else ""
        return f"HD{year}{self.pk:06d}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class Finding(models.Model):
    """A discrepancy between a household's record and a departmental source.

    `key` is unique over (run target, rule, member, source batch, row): running the same target
    again, or re-running a run killed mid-way, updates the finding instead of adding another, and
    keeps what staff recorded on it."""

    class Status(models.TextChoices):
        OPEN = "open", _("待核实")
        EXPLAINED = "explained", _("已说明情况")
        CONFIRMED = "confirmed", _("已确认属实")

    class Severity(models.TextChoices):
        FAIL = "fail", _("不符合条件情形")
        REVIEW = "review", _("需核实情形")
        NOTICE = "notice", _("提示备案")

    key = models.CharField(max_length=64, unique=True)
    target = models.CharField(_("核对对象"), max_length=64, db_index=True)
    rule = models.CharField(_("核对规则"), max_length=32, db_index=True)
    severity = models.CharField(_("性质"), max_length=16, choices=Severity.choices)
    household = models.ForeignKey(
        "people.Household",
        on_delete=models.PROTECT,
        related_name="verification_findings",
        verbose_name=_("家庭"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="verification_findings",
        verbose_name=_("成员"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在村（社区）"),
    )
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verification_findings",
        verbose_name=_("申请"),
    )
    batch = models.ForeignKey(
        SourceBatch, on_delete=models.PROTECT, related_name="findings", verbose_name=_("数据批次")
    )
    row = models.BigIntegerField(_("批次内记录号"))
    first_run = models.ForeignKey(
        Run, on_delete=models.PROTECT, related_name="+", verbose_name=_("首次发现")
    )
    last_run = models.ForeignKey(
        Run, on_delete=models.PROTECT, related_name="findings", verbose_name=_("最近核对")
    )
    message = models.TextField(_("核对情况"))
    evidence = models.JSONField(_("比对数据"), default=dict)
    status = models.CharField(
        _("处理状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    note = models.TextField(_("处理说明"), blank=True)
    status_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("核对发现")
        verbose_name_plural = _("核对发现")
        indexes = [
            models.Index(fields=["case", "status"], name="verification_finding_case"),
            models.Index(fields=["household", "status"], name="verification_finding_hh"),
        ]

    def __str__(self):
        return f"{self.rule} {self.household_id}:{self.person_id}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

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
    # A department's reply to one request covers only the people asked about: it is read by the
    # run that asked, never taken as the source's current extract by other runs.
    reply = models.BooleanField(_("核对请求的回复"), default=False)
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
        AWAITING = "awaiting", _("等待部门回复")
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


class SourceAdapter(models.Model):
    """How one department exchanges data with the platform, set by an administrator. A source
    without a row here is exchanged by file (the clerk sends the request file and uploads the
    reply)."""

    class Kind(models.TextChoices):
        FILE = "file", _("文件交换（人工上传回复文件）")
        PULL = "pull", _("接口拉取（平台调用部门接口）")
        PUSH = "push", _("接口推送（部门调用本平台接口回复）")

    source = models.CharField(_("数据来源"), max_length=32, choices=source_choices(), unique=True)
    kind = models.CharField(_("交换方式"), max_length=8, choices=Kind.choices, default=Kind.FILE)
    url = models.URLField(_("部门接口地址"), max_length=300, blank=True)
    token_cipher = models.TextField(blank=True, editable=False)
    timeout = models.PositiveIntegerField(_("超时（秒）"), default=30)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["source"]
        verbose_name = _("部门数据交换方式")
        verbose_name_plural = _("部门数据交换方式")

    def __str__(self):
        return f"{self.get_source_display()} {self.get_kind_display()}"


class DepartmentRequest(models.Model):
    """One department's part of a run: the people it is asked about, when the request went out,
    the reply deadline (5 working days) and the reply (a batch of that source), or the record
    that a person decided to proceed without it."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("待回复")
        ANSWERED = "answered", _("已回复")
        NO_REPLY = "no_reply", _("未回复（经办人确认不再等待）")

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="requests")
    source = models.CharField(_("数据来源"), max_length=32, choices=source_choices())
    adapter = models.CharField(
        _("交换方式"), max_length=8, choices=SourceAdapter.Kind.choices, default="file"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.AWAITING
    )
    households = models.PositiveIntegerField(_("家庭数"), default=0)
    members = models.PositiveIntegerField(_("人数"), default=0)
    sent_on = models.DateField(_("发送日期"))
    due_on = models.DateField(_("回复期限"))
    sends = models.PositiveIntegerField(_("发送次数"), default=1)
    last_sent_at = models.DateTimeField(_("最近发送时间"), null=True, blank=True)
    answered_on = models.DateField(_("回复日期"), null=True, blank=True)
    answered_via = models.CharField(_("回复途径"), max_length=8, blank=True)
    batch = models.ForeignKey(
        SourceBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("回复数据"),
    )
    note = models.TextField(_("说明"), blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_error = models.TextField(_("最近错误"), blank=True)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["run_id", "source"]
        verbose_name = _("部门核对请求")
        verbose_name_plural = _("部门核对请求")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "source"], name="verification_request_once_per_source"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="verification_request_due"),
        ]

    def __str__(self):
        return f"{self.reference} {self.get_source_display()}"

    @property
    def reference(self) -> str:
        return f"{self.run.reference}-{self.source}"

    @property
    def audit_region_code(self) -> str:
        return self.run.region.code if self.run_id else ""


class DepartmentToken(models.Model):
    """A department's credential for the API: it reads and answers only its own source's
    requests. Only a hash of the secret is kept; revoking is immediate."""

    source = models.CharField(_("数据来源"), max_length=32, choices=source_choices())
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("令牌前缀"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["source", "-id"]
        verbose_name = _("部门接口令牌")
        verbose_name_plural = _("部门接口令牌")

    def __str__(self):
        return f"{self.get_source_display()} {self.name} {self.prefix}…"

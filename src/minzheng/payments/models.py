"""Entitlements (what a beneficiary is owed each month), their history, monthly payrolls with
frozen lines, bank returns, overpayments and periodic reviews.

Programme-agnostic: an entitlement names its programme by code, so any monthly programme
(低保, 特困, disability subsidies, the old-age allowance of elderly care) is paid by the same payroll.

Amounts are integer fen. The amount owed for a month is read from the entitlement's amount
periods (EntitlementChange rows that carry `new_amount_fen`, each in force from `effective_month`
until the month before `until_month`), so a payroll for any month, computed at any time, finds
the figure that was in force for it; the period row is also the frozen record of the computation
(facts, standards and trace) a payroll line points at.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.uploads import encrypted_storage

LIVE_LINE_STATUSES = ("pending", "exported", "paid")


class Entitlement(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("正常发放")
        SUSPENDED = "suspended", _("暂停发放")
        TERMINATED = "terminated", _("已终止")

    class ReviewClass(models.TextChoices):
        A = "A", _("A类（无劳动能力或重病，收入稳定）")
        B = "B", _("B类（收入基本稳定）")
        C = "C", _("C类（有劳动能力，收入不稳定）")

    class AmountBasis(models.TextChoices):
        RULES = "rules", _("按规则计算")
        DECIDED = "decided", _("审批核定")

    class Source(models.TextChoices):
        CASE = "case", _("审批生成")
        DEMO = "demo", _("演示数据")
        IMPORT = "import", _("批量导入")
        ENROLMENT = "enrolment", _("按条件纳入")

    programme = models.CharField(_("救助项目"), max_length=32)
    household = models.ForeignKey(
        "people.Household",
        on_delete=models.PROTECT,
        related_name="entitlements",
        verbose_name=_("家庭"),
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlements",
        verbose_name=_("享受人员"),
        help_text=_("按人发放的项目（特困供养、残疾人补贴、高龄津贴）填写；按户发放的为空"),
    )
    # "h<household id>" or "p<person id>": at most one live entitlement per beneficiary and programme.
    beneficiary_key = models.CharField(max_length=32, editable=False)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在村（社区）"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    start_month = models.DateField(_("起始发放月份"))
    end_month = models.DateField(_("最后发放月份"), null=True, blank=True)
    monthly_amount_fen = models.BigIntegerField(_("月发放金额（分）"))
    amount_since = models.DateField(_("现金额起始月份"))
    amount_basis = models.CharField(
        _("金额依据"), max_length=16, choices=AmountBasis.choices, default=AmountBasis.RULES
    )
    facts = models.JSONField(_("计算所依据的家庭情况"), default=dict, blank=True)
    basis = models.JSONField(_("标准调整时的计算要素"), null=True, blank=True)
    standards = models.JSONField(_("计算所依据的救助标准"), default=list, blank=True)
    trace = models.JSONField(_("计算过程"), default=list, blank=True)
    rule_version = models.CharField(_("规则版本"), max_length=64, blank=True)
    computed_on = models.DateField(_("计算日期"))
    review_class = models.CharField(
        _("复核类别"), max_length=1, choices=ReviewClass.choices, default=ReviewClass.B
    )
    next_review_on = models.DateField(_("下次复核日期"), null=True, blank=True, db_index=True)
    review_reason = models.CharField(_("提前复核原因"), max_length=200, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entitlements",
        verbose_name=_("来源申请"),
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.CASE)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("救助待遇")
        verbose_name_plural = _("救助待遇")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(case__isnull=False),
                name="payments_one_entitlement_per_case",
            ),
            models.UniqueConstraint(
                fields=["programme", "beneficiary_key"],
                condition=~Q(status="terminated"),
                name="payments_one_live_entitlement",
            ),
        ]
        indexes = [models.Index(fields=["status", "programme"], name="payments_ent_status_prog")]

    def __str__(self):
        return f"{self.programme} {self.beneficiary_key} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def is_live(self) -> bool:
        return self.status != self.Status.TERMINATED


class EntitlementChange(models.Model):
    """One entry of an entitlement's history. Rows with `new_amount_fen` are amount periods."""

    class Kind(models.TextChoices):
        CREATE = "create", _("核定待遇")
        CHANGE = "change", _("调整金额")
        RECOMPUTE = "recompute", _("按标准调整重算")
        REVIEW = "review", _("复核调整")
        SUSPEND = "suspend", _("暂停发放")
        RESUME = "resume", _("恢复发放")
        TERMINATE = "terminate", _("终止发放")
        FLAG = "flag", _("提示复核")

    # Indexed through (entitlement, effective_month) below.
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    effective_month = models.DateField(_("生效月份"))
    until_month = models.DateField(_("截止月份（不含）"), null=True, blank=True)
    old_amount_fen = models.BigIntegerField(_("原金额（分）"), null=True, blank=True)
    new_amount_fen = models.BigIntegerField(_("新金额（分）"), null=True, blank=True)
    old_status = models.CharField(_("原状态"), max_length=16, blank=True)
    new_status = models.CharField(_("新状态"), max_length=16, blank=True)
    reason = models.TextField(_("原因"))
    # Standards are append-only (never deleted), so the reference needs no constraint of its own,
    # which would cost a check per row when a change of standard recomputes 100,000 entitlements.
    standard = models.ForeignKey(
        "assistance.Standard",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        verbose_name=_("调整的标准"),
        db_index=False,
        db_constraint=False,
    )
    snapshot = models.JSONField(_("计算依据"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
        db_index=False,
    )
    by_name = models.CharField(_("经办人"), max_length=150, blank=True)
    at = models.DateTimeField(_("记录时间"))

    class Meta:
        ordering = ["entitlement_id", "id"]
        verbose_name = _("待遇变更记录")
        verbose_name_plural = _("待遇变更记录")
        indexes = [
            models.Index(fields=["entitlement", "effective_month"], name="payments_change_period")
        ]


class BankBatch(models.Model):
    """What a monthly payroll run and a one-off batch share: a county's payments sent to the bank
    together, their totals, and who computed, approved and exported them."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（市、区）")
    )
    line_count = models.PositiveIntegerField(_("发放笔数"), default=0)
    total_fen = models.BigIntegerField(_("发放总额（分）"), default=0)
    paid_count = models.PositiveIntegerField(_("成功笔数"), default=0)
    paid_fen = models.BigIntegerField(_("成功金额（分）"), default=0)
    failed_count = models.PositiveIntegerField(_("失败笔数"), default=0)
    failed_fen = models.BigIntegerField(_("失败金额（分）"), default=0)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def audit_region_code(self) -> str:
        return self.county.code if self.county_id else ""


class PayrollRun(BankBatch):
    class Status(models.TextChoices):
        DRAFT = "draft", _("待计算")
        COMPUTED = "computed", _("已计算，待审核")
        APPROVED = "approved", _("已审核，待导出")
        EXPORTED = "exported", _("已导出银行文件")
        RECONCILED = "reconciled", _("已对账")

    month = models.DateField(_("发放月份"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "county__code"]
        verbose_name = _("月度发放")
        verbose_name_plural = _("月度发放")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "month"], name="payments_one_run_per_county_month"
            )
        ]

    def __str__(self):
        return f"{self.county_id}:{self.month:%Y-%m}"


class PayrollLine(models.Model):
    """One payment of one month to one beneficiary, frozen on the figures it was computed from.

    Database-enforced: one line per (entitlement, month, attempt), and at most one live line
    (pending, exported or paid) per (entitlement, month), so neither a re-run nor a concurrent run
    adds anything and a month is never paid twice. A failed payment stays as it is and is
    re-queued as the next attempt in a later run."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("当月发放")
        BACK_PAY = "back_pay", _("补发")
        DEDUCTION = "deduction", _("抵扣追回")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发放")
        EXPORTED = "exported", _("已报送银行")
        PAID = "paid", _("发放成功")
        FAILED = "failed", _("发放失败")
        REQUEUED = "requeued", _("失败已重新发放")
        CANCELLED = "cancelled", _("已取消")

    # A payroll inserts 100,000 lines at once, so the table carries few indexes and constraints:
    # lines are read by run (and status) and by entitlement (through the unique constraints, which
    # lead with it). Household, person and region are copies of the entitlement's, frozen with the
    # line; the entitlement's own foreign keys guard them, and a constraint of their own would
    # cost a row lock in the people and region tables for every line written.
    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="lines")
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    household = models.ForeignKey(
        "people.Household",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    programme = models.CharField(_("救助项目"), max_length=32)
    month = models.DateField(_("所属月份"))
    # Back pay (补发) makes up the difference for a month already paid, under the amount period
    # `amount_change` now in force for it; a deduction (negative) recovers an overpayment and is
    # netted into the household's payment of the run in the bank file.
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.REGULAR)
    attempt = models.PositiveSmallIntegerField(_("发放次数"), default=1)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    amount_change = models.ForeignKey(
        EntitlementChange,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("金额依据"),
        db_index=False,
    )
    payee_name = models.CharField(_("收款人"), max_length=64, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=64, blank=True)
    account_cipher = models.TextField(blank=True, editable=False)
    account_masked = models.CharField(_("银行账号"), max_length=40, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requeued_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    bank_return = models.ForeignKey(
        "BankReturn",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    recovers = models.ForeignKey(
        "Overpayment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deductions",
        db_index=False,
    )
    created_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["run_id", "id"]
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        constraints = [
            models.UniqueConstraint(
                fields=["entitlement", "month", "attempt"],
                condition=Q(kind="regular"),
                name="payments_line_attempt_once",
            ),
            models.UniqueConstraint(
                fields=["entitlement", "month"],
                condition=Q(status__in=LIVE_LINE_STATUSES, kind="regular"),
                name="payments_line_live_once",
            ),
            # One back pay per month and amount period (a second retroactive change is a new
            # period, so it pays its own difference), attempts as for regular lines.
            models.UniqueConstraint(
                fields=["entitlement", "month", "amount_change", "attempt"],
                condition=Q(kind="back_pay"),
                name="payments_backpay_attempt_once",
            ),
            models.UniqueConstraint(
                fields=["entitlement", "month", "amount_change"],
                condition=Q(status__in=LIVE_LINE_STATUSES, kind="back_pay"),
                name="payments_backpay_live_once",
            ),
            models.UniqueConstraint(
                fields=["recovers", "run"],
                condition=Q(kind="deduction"),
                name="payments_deduction_once_per_run",
            ),
        ]
        indexes = [models.Index(fields=["run", "status"], name="payments_line_run_status")]

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class ReturnFile(models.Model):
    """What the bank's return files of a payroll run and of a one-off batch share: the file, its
    digest (the same file imported again changes nothing) and the per-row report."""

    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.JSONField(_("逐行结果"), default=list)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    paid = models.PositiveIntegerField(_("确认成功"), default=0)
    failed = models.PositiveIntegerField(_("确认失败"), default=0)
    unchanged = models.PositiveIntegerField(_("此前已确认"), default=0)
    errors = models.PositiveIntegerField(_("无法匹配或有冲突"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        abstract = True

    def save_report(self, *, rows: list[dict], row_count: int, counts: dict) -> None:
        self.rows, self.row_count = rows, row_count
        self.paid, self.failed = counts["paid"], counts["failed"]
        self.unchanged, self.errors = counts["unchanged"], counts["errors"]
        self.save()


class BankReturn(ReturnFile):
    """A bank's return file for one payroll run; the same file imported again changes nothing."""

    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="returns")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("银行回盘")
        verbose_name_plural = _("银行回盘")
        constraints = [
            models.UniqueConstraint(fields=["run", "sha256"], name="payments_return_file_once")
        ]


class Overpayment(models.Model):
    """Money paid that the beneficiary was not owed, to be recovered: a month paid after death or
    termination (its line), a month whose amount was lowered retroactively after it was paid
    (the difference), or income a verification found undeclared (a proposal from the
    verification module). Recovered by deductions from later payments (the payroll nets a
    monthly amount into the household's payment) or repayments with a receipt; written off only
    with a second person's approval."""

    class Reason(models.TextChoices):
        DEATH = "death", _("死亡后仍有发放")
        TERMINATED = "terminated", _("终止后仍有发放")
        REDUCTION = "reduction", _("金额追溯下调后多发")
        VERIFICATION = "verification", _("核对发现未申报收入")

    class Status(models.TextChoices):
        OPEN = "open", _("待追回")
        RECOVERING = "recovering", _("追回中")
        RECOVERED = "recovered", _("已追回")
        WAIVED = "waived", _("已核销")

    class Method(models.TextChoices):
        NONE = "", _("未制定")
        DEDUCT = "deduct", _("从以后发放中抵扣")
        REPAY = "repay", _("退回")

    line = models.OneToOneField(
        PayrollLine, null=True, blank=True, on_delete=models.PROTECT, related_name="overpayment"
    )
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="overpayments"
    )
    month = models.DateField(_("所属月份"), null=True, blank=True)
    # A lowered month: the amount period now in force for it (one overpayment per month and period).
    amount_change = models.ForeignKey(
        EntitlementChange,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Natural key of an overpayment found by a computation (a lowered month under an amount
    # period, a verification finding), so finding it again adds nothing.
    source_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    recovered_fen = models.BigIntegerField(_("已追回（分）"), default=0)
    reason = models.CharField(_("原因"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    method = models.CharField(
        _("追回方式"), max_length=16, choices=Method.choices, default=Method.NONE, blank=True
    )
    deduct_monthly_fen = models.BigIntegerField(_("每月抵扣（分）"), null=True, blank=True)
    writeoff_reason = models.TextField(_("核销理由"), blank=True)
    writeoff_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    writeoff_requested_at = models.DateTimeField(null=True, blank=True)
    writeoff_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    writeoff_approved_at = models.DateTimeField(null=True, blank=True)
    flagged_at = models.DateTimeField(_("发现时间"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("多发待追回")
        verbose_name_plural = _("多发待追回")
        constraints = [
            models.UniqueConstraint(
                fields=["entitlement", "month", "amount_change"],
                condition=Q(reason="reduction"),
                name="payments_reduction_once",
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.entitlement.audit_region_code

    @property
    def balance_fen(self) -> int:
        return self.amount_fen - self.recovered_fen


class Repayment(models.Model):
    """Money recovered on an overpayment: a repayment with its receipt, or a deduction the bank
    confirmed paid (its line)."""

    class Method(models.TextChoices):
        REPAY = "repay", _("退回")
        DEDUCTION = "deduction", _("发放抵扣")

    overpayment = models.ForeignKey(
        Overpayment, on_delete=models.PROTECT, related_name="repayments"
    )
    method = models.CharField(_("方式"), max_length=16, choices=Method.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    paid_on = models.DateField(_("日期"))
    receipt = models.CharField(_("收据号"), max_length=64, blank=True)
    line = models.OneToOneField(
        PayrollLine, null=True, blank=True, on_delete=models.PROTECT, related_name="repayment"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("追回记录")
        verbose_name_plural = _("追回记录")

    @property
    def audit_region_code(self) -> str:
        return self.overpayment.audit_region_code


class Review(models.Model):
    """A periodic review (动态管理复核): the rules re-run on current facts, and a proposal that a
    clerk confirms or rejects."""

    class Proposal(models.TextChoices):
        NO_CHANGE = "no_change", _("维持不变")
        INCREASE = "increase", _("增加金额")
        DECREASE = "decrease", _("减少金额")
        STOP = "stop", _("停止发放")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("未采纳")
        SUPERSEDED = "superseded", _("已重新复核")

    entitlement = models.ForeignKey(Entitlement, on_delete=models.CASCADE, related_name="reviews")
    due_on = models.DateField(_("应复核日期"), null=True, blank=True)
    performed_on = models.DateField(_("复核日期"))
    facts = models.JSONField(_("复核时的家庭情况"), default=dict)
    standards = models.JSONField(default=list)
    trace = models.JSONField(default=list)
    rule_version = models.CharField(max_length=64, blank=True)
    basis = models.JSONField(null=True, blank=True)
    reasons = models.JSONField(_("不符合条件的原因"), default=list)
    verification = models.JSONField(_("信息核对结果"), default=list)
    eligible = models.BooleanField(_("仍符合条件"))
    current_amount_fen = models.BigIntegerField(_("现金额（分）"))
    proposed_amount_fen = models.BigIntegerField(_("建议金额（分）"))
    proposal = models.CharField(_("复核建议"), max_length=16, choices=Proposal.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED
    )
    effective_month = models.DateField(_("调整生效月份"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("确认意见"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("待遇复核")
        verbose_name_plural = _("待遇复核")
        constraints = [
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=Q(status="proposed"),
                name="payments_one_open_review",
            ),
        ]

    @property
    def audit_region_code(self) -> str:
        return self.entitlement.audit_region_code


# ---------------------------------------------------------------- one-off payments
#
# A decided one-off amount (temporary or medical assistance, later disaster relief, funeral and
# other grants) is a payable, published by its producer through `payments.oneoff.register_payable`
# and paid once: by the bank in a county's batch, or settled by hand (cash, in kind). The batch
# items mirror the payroll's lines (frozen payee and account, attempts, at most one live item).

LIVE_ITEM_STATUSES = ("pending", "exported", "paid")


class OneOffPayable(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待发放")
        IN_BATCH = "in_batch", _("已编入发放批次")
        PAID = "paid", _("发放成功")
        FAILED = "failed", _("发放失败")
        REISSUED = "reissued", _("失败后重新发放")
        CASH = "cash", _("已现金发放")
        IN_KIND = "in_kind", _("已实物发放")

    SETTLED = (Status.PAID, Status.CASH, Status.IN_KIND)

    # What the payable comes from: ("case", case id), ("emergency", emergency payment id), or a
    # later module's own kind. A source is paid at most once (database-enforced).
    source_kind = models.CharField(_("来源类型"), max_length=32)
    source_id = models.BigIntegerField(_("来源编号"))
    programme = models.CharField(_("救助项目"), max_length=32)
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭")
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("救助对象"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在村（社区）"),
    )
    # The case it was decided on, when there is one (the case timeline reads the payment by it).
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("来源申请"),
    )
    amount_fen = models.BigIntegerField(_("金额（分）"))
    decided_on = models.DateField(_("核定日期"))
    description = models.CharField(_("说明"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    paid_on = models.DateField(_("发放日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("一次性救助待发放")
        verbose_name_plural = _("一次性救助待发放")
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id"], name="payments_payable_source_once"
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="payments_payable_amount_positive"
            ),
        ]
        # No index on status: a batch and its returns change the status of every payable they
        # touch, and with status in no index (and room left in each page, migration 0004)
        # PostgreSQL rewrites those rows in place. The pending list is read by county, rarely.

    def __str__(self):
        return f"{self.source_kind}:{self.source_id}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def is_settled(self) -> bool:
        return self.status in self.SETTLED


class OneOffBatch(BankBatch):
    class Status(models.TextChoices):
        DRAFT = "draft", _("待编制")
        COMPUTED = "computed", _("已编制，待审核")
        APPROVED = "approved", _("已审核，待导出")
        EXPORTED = "exported", _("已导出银行文件")
        RECONCILED = "reconciled", _("已对账")

    pay_date = models.DateField(_("发放日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    computed_at = models.DateTimeField(_("编制时间"), null=True, blank=True)

    class Meta:
        ordering = ["-pay_date", "county__code"]
        verbose_name = _("一次性救助发放批次")
        verbose_name_plural = _("一次性救助发放批次")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "pay_date"], name="payments_one_batch_per_county_date"
            )
        ]

    def __str__(self):
        return f"{self.county_id}:{self.pay_date}"


class OneOffItem(models.Model):
    """One payable in one batch, frozen with the payee and account as they were. One item per
    (payable, attempt), at most one live item (pending, exported, paid) per payable: a payable is
    never paid twice, and a failed one goes into a later batch as the next attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发放")
        EXPORTED = "exported", _("已报送银行")
        PAID = "paid", _("发放成功")
        FAILED = "failed", _("发放失败")
        REQUEUED = "requeued", _("失败已重新发放")
        CANCELLED = "cancelled", _("已取消")

    batch = models.ForeignKey(OneOffBatch, on_delete=models.CASCADE, related_name="items")
    payable = models.ForeignKey(
        OneOffPayable, on_delete=models.PROTECT, related_name="items", db_index=False
    )
    attempt = models.PositiveSmallIntegerField(_("发放次数"), default=1)
    # Copies of the payable's, frozen with the item (see PayrollLine for why no constraints).
    household = models.ForeignKey(
        "people.Household",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    programme = models.CharField(_("救助项目"), max_length=32)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    decided_on = models.DateField(_("核定日期"))
    payee_name = models.CharField(_("收款人"), max_length=64, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=64, blank=True)
    account_cipher = models.TextField(blank=True, editable=False)
    account_masked = models.CharField(_("银行账号"), max_length=40, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requeued_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    bank_return = models.ForeignKey(
        "OneOffReturn",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("编制时间"))

    class Meta:
        ordering = ["batch_id", "id"]
        verbose_name = _("一次性救助发放明细")
        verbose_name_plural = _("一次性救助发放明细")
        constraints = [
            models.UniqueConstraint(
                fields=["payable", "attempt"], name="payments_item_attempt_once"
            ),
            models.UniqueConstraint(
                fields=["payable"],
                condition=Q(status__in=LIVE_ITEM_STATUSES),
                name="payments_item_live_once",
            ),
        ]
        indexes = [models.Index(fields=["batch", "status"], name="payments_item_batch_status")]

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""


class OneOffReturn(ReturnFile):
    """A bank's return file for one batch; the same file imported again changes nothing."""

    batch = models.ForeignKey(OneOffBatch, on_delete=models.CASCADE, related_name="returns")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("一次性救助银行回盘")
        verbose_name_plural = _("一次性救助银行回盘")
        constraints = [
            models.UniqueConstraint(fields=["batch", "sha256"], name="payments_oneoff_return_once")
        ]


def _handover_path(instance, filename: str) -> str:
    import uuid

    return f"payments/handovers/{uuid.uuid4().hex}.bin"


class Handover(models.Model):
    """Cash or goods handed over in person (现金、实物发放): who handed what to whom and when, with
    the recipient's signature or a photo, kept encrypted at rest."""

    class Kind(models.TextChoices):
        CASH = "cash", _("现金")
        IN_KIND = "in_kind", _("实物")

    payable = models.OneToOneField(OneOffPayable, on_delete=models.PROTECT, related_name="handover")
    kind = models.CharField(_("发放方式"), max_length=16, choices=Kind.choices)
    amount_fen = models.BigIntegerField(_("现金金额（分）"), null=True, blank=True)
    items = models.CharField(_("实物名称和数量"), max_length=300, blank=True)
    recipient_name = models.CharField(_("领取人"), max_length=64)
    handed_by_name = models.CharField(_("发放人"), max_length=64)
    handed_on = models.DateField(_("发放日期"))
    evidence = models.FileField(
        _("签字或照片"),
        upload_to=_handover_path,
        max_length=200,
        blank=True,
        storage=encrypted_storage,
    )
    evidence_name = models.CharField(max_length=200, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("现金和实物发放记录")
        verbose_name_plural = _("现金和实物发放记录")

    @property
    def audit_region_code(self) -> str:
        return self.payable.audit_region_code

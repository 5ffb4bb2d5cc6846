"""Relief-supply depots (救灾物资储备库, docs/DOMAIN.md §8): the city's and each county's depot,
the catalogue of supplies, batches as received, and the in/out ledger kept by two keepers.

The ledger is the list of `Movement` rows: a signed quantity of one batch in one depot on a date
(in: purchase, donation, transfer in, count adjustment up; out: issue for relief, transfer out,
count adjustment down). A movement recorded by one keeper is *pending* until a different keeper
of the same depot confirms it (two-person custody); only confirmed movements count in the stock
position, while a pending issue already holds its quantity back so that two issues cannot
overdraw. A transfer is one out-movement and one in-movement written in one transaction.

A stock count (盘点) records the counted quantity of each batch; every difference against the
ledger on the count's date becomes a `Finding` the county must explain. Resolving it writes the
adjustment movement that brings the ledger to the count.

`StockSnapshot` keeps, per depot, item and month, the confirmed balance at the end of that month,
so the position on any date is the snapshot of the month before plus the (at most one month of)
movements after it (selectors.position_as_of). `snapshots.refresh` builds them set-based up to
the last complete month; a confirmation dated on or before that month updates them in its own
transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DepotLevel(models.TextChoices):
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class Depot(models.Model):
    name = models.CharField(_("储备库名称"), max_length=64, unique=True)
    level = models.CharField(_("级别"), max_length=8, choices=DepotLevel.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属地区")
    )
    address = models.CharField(_("地址"), max_length=128, blank=True)
    keepers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="depots", blank=True, verbose_name=_("保管员")
    )

    class Meta:
        ordering = ["region__path", "name"]
        verbose_name = _("救灾物资储备库")
        verbose_name_plural = _("救灾物资储备库")

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class Item(models.Model):
    """One kind of supply in the catalogue (帐篷, 棉被, …)."""

    code = models.CharField(_("物资编码"), max_length=16, unique=True)
    name = models.CharField(_("物资名称"), max_length=32, unique=True)
    unit = models.CharField(_("计量单位"), max_length=8)
    perishable = models.BooleanField(_("有保质期"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("物资品种")
        verbose_name_plural = _("物资品种")

    def __str__(self):
        return self.name


class Batch(models.Model):
    """A lot of one item as received: it keeps its identity when transferred between depots."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="batches")
    number = models.CharField(_("批次号"), max_length=32, unique=True)
    received_on = models.DateField(_("入库日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    supplier = models.CharField(_("供货单位"), max_length=64, blank=True)

    class Meta:
        ordering = ["item__code", "received_on", "id"]
        verbose_name = _("物资批次")
        verbose_name_plural = _("物资批次")

    def __str__(self):
        return f"{self.item.name} {self.number}"


class MovementKind(models.TextChoices):
    PURCHASE = "purchase", _("采购入库")
    DONATION = "donation", _("捐赠入库")
    TRANSFER_IN = "transfer_in", _("调拨入库")
    ISSUE = "issue", _("救灾发放")
    TRANSFER_OUT = "transfer_out", _("调拨出库")
    ADJUST = "adjust", _("盘点调整")


IN_KINDS = (MovementKind.PURCHASE, MovementKind.DONATION)


class MovementStatus(models.TextChoices):
    PENDING = "pending", _("待复核")
    CONFIRMED = "confirmed", _("已复核")


class Movement(models.Model):
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="movements")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="movements")
    # The batch's item, kept here so the stock position groups one table.
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类别"), max_length=16, choices=MovementKind.choices)
    quantity = models.IntegerField(_("数量"))  # signed: + in, − out
    occurred_on = models.DateField(_("发生日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=MovementStatus.choices, default=MovementStatus.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    confirmed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    counterpart = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient = models.CharField(_("领用单位（人）"), max_length=64, blank=True)
    purpose = models.CharField(_("用途"), max_length=128, blank=True)
    reference = models.CharField(_("关联事项"), max_length=64, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
        indexes = [
            models.Index(fields=["occurred_on"], name="depots_movement_on"),
            models.Index(fields=["depot", "batch"], name="depots_movement_depot_batch"),
            models.Index(
                fields=["depot", "recorded_at"],
                name="depots_movement_pending",
                condition=models.Q(status="pending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="depots_movement_not_zero")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity}"

    @property
    def audit_region_code(self) -> str:
        return self.depot.region.code

    @property
    def magnitude(self) -> int:
        return abs(self.quantity)


class StockCount(models.Model):
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="counts")
    counted_on = models.DateField(_("盘点日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=MovementStatus.choices, default=MovementStatus.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    confirmed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["-counted_on", "-id"]
        verbose_name = _("库存盘点")
        verbose_name_plural = _("库存盘点")

    def __str__(self):
        return f"{self.depot_id} {self.counted_on}"

    @property
    def audit_region_code(self) -> str:
        return self.depot.region.code


class CountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    ledger_quantity = models.IntegerField(_("账面数量"))
    counted_quantity = models.PositiveIntegerField(_("实盘数量"))

    class Meta:
        ordering = ["item__code", "batch_id"]
        constraints = [
            models.UniqueConstraint(fields=["count", "batch"], name="depots_count_line_batch")
        ]

    @property
    def difference(self) -> int:
        return self.counted_quantity - self.ledger_quantity


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待说明")
    RESOLVED = "resolved", _("已说明")


class Finding(models.Model):
    """A count's difference against the ledger, open until the county explains it."""

    line = models.OneToOneField(CountLine, on_delete=models.PROTECT, related_name="finding")
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="findings")
    found_on = models.DateField(_("发现日期"))
    difference = models.IntegerField(_("差异数量"))
    status = models.CharField(
        _("状态"), max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    explanation = models.TextField(_("情况说明"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    resolved_on = models.DateField(_("说明日期"), null=True, blank=True)
    adjustment = models.OneToOneField(
        Movement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-found_on", "-id"]
        verbose_name = _("盘点差异")
        verbose_name_plural = _("盘点差异")

    def __str__(self):
        return f"{self.depot_id} {self.found_on} {self.difference}"

    @property
    def audit_region_code(self) -> str:
        return self.depot.region.code


class StockSnapshot(models.Model):
    """Confirmed balance of an item in a depot at the end of `month` (its first day): a row for
    every month from the pair's first movement through the horizon (`SnapshotHorizon`)."""

    depot = models.ForeignKey(Depot, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    quantity = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["depot", "item", "month"], name="depots_snapshot_depot_item_month"
            )
        ]
        indexes = [models.Index(fields=["month"], name="depots_snapshot_month")]


class SnapshotHorizon(models.Model):
    """One row: snapshots hold every month up to and including `through_month`."""

    through_month = models.DateField(null=True)

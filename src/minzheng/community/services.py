"""Writes of the module. Each service is one business action: it checks who acts and where (404
outside the region, 403 for a role that may not act), validates with field-level Chinese
messages, locks what it changes (`select_for_update`), changes it and writes the audit event in
one transaction.

Balances: a person's balance in a village is one `PointsBalance` row; every service that moves it
locks that row first and the shop item second (the same order everywhere, so two redemptions wait
for each other instead of deadlocking), so it never goes below zero nor the stock below zero,
whatever runs at the same time (the CHECK constraints are the last line)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import actor_name
from minzheng.core import audit, validators
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region

from . import selectors
from .models import (
    CHECKLIST_LABELS,
    AwardStatus,
    Category,
    DemoSite,
    DifficultStatus,
    DifficultVillage,
    PointsAward,
    PointsBalance,
    PointsRule,
    Redemption,
    RedemptionStatus,
    RemediationTask,
    ShopItem,
    SiteStatus,
    StandardTask,
)
from .permissions import (
    is_resident,
    may_accept,
    may_confirm,
    may_keep_points,
    may_keep_registers,
)

# An award above this many points, and every deduction, waits for the township's confirmation
# [assumed]: the village committee sets its own values, the township checks the large ones.
CONFIRM_THRESHOLD = 20
MAX_POINTS = 1000
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_EXTENSIONS = {".jpg", ".jpeg", ".png"}


def _forbid(message: str):
    raise PermissionDeniedError(message)


def _collect(errors: dict, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except ServiceError as exc:
        errors.update(exc.errors)
        return None


def _positive(value, field: str, message: str, *, maximum: int = MAX_POINTS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ServiceError({field: [message]})
    return value


def _any_date(value, field: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise ServiceError({field: [_("请填写日期")]})
    message = validators.date_error(value)
    if message:
        raise ServiceError({field: [message]})
    return value


def _keeper_village(user, village: Region) -> Region:
    if not may_keep_points(user):
        _forbid(_("当前账号无权管理积分"))
    if village.level != "village" or not region_in_scope(user, village):
        raise NotFoundOrOutOfScope()
    return village


# ---------------------------------------------------------------- rules


@transaction.atomic
def create_rule(
    *,
    user,
    village: Region,
    name: str,
    category: str,
    points,
    yearly_cap=None,
    valid_from: dt.date | None = None,
) -> PointsRule:
    """A village committee adds an item to its own points rules."""
    _keeper_village(user, village)
    errors: dict[str, list[str]] = {}
    name = _collect(
        errors, validators.required_text, name, "name", _("请填写积分项目"), max_length=64
    )
    if category not in Category.values:
        errors["category"] = [_("请选择类别")]
    points = _collect(errors, _positive, points, "points", _("每次分值应为1至1000的整数"))
    if yearly_cap is not None:
        yearly_cap = _collect(
            errors, _positive, yearly_cap, "yearly_cap", _("年度上限应为1至1000的整数")
        )
        if yearly_cap and points and yearly_cap < points:
            errors["yearly_cap"] = [_("年度上限不能小于每次分值")]
    valid_from = _collect(errors, _any_date, valid_from or timezone.localdate(), "valid_from")
    if errors:
        raise ServiceError(errors)
    rule = PointsRule.objects.create(
        region=village,
        name=name,
        category=category,
        points=points,
        yearly_cap=yearly_cap,
        valid_from=valid_from,
        created_by_name=actor_name(user),
    )
    rule.origin = rule
    rule.save(update_fields=["origin"])
    audit.record_created(rule, note=_("制定积分规则"))
    return rule


@transaction.atomic
def revise_rule(
    *, user, rule: PointsRule, points, yearly_cap=None, valid_from: dt.date | None = None
) -> PointsRule:
    """A new value from a date: a new version of the item; the old one stops the day before and
    the awards made under it keep it."""
    rule = selectors.get_rule(user, rule.pk)
    _keeper_village(user, rule.region)
    old = PointsRule.objects.select_for_update().get(pk=rule.pk)
    errors: dict[str, list[str]] = {}
    if old.valid_to is not None:
        raise ServiceError({"valid_from": [_("该规则已停止，不能再修订")]}, status=409)
    points = _collect(errors, _positive, points, "points", _("每次分值应为1至1000的整数"))
    if yearly_cap is not None:
        yearly_cap = _collect(
            errors, _positive, yearly_cap, "yearly_cap", _("年度上限应为1至1000的整数")
        )
        if yearly_cap and points and yearly_cap < points:
            errors["yearly_cap"] = [_("年度上限不能小于每次分值")]
    valid_from = _collect(errors, _any_date, valid_from or timezone.localdate(), "valid_from")
    if valid_from and valid_from <= old.valid_from:
        errors["valid_from"] = [_("生效日期应晚于原规则的生效日期%(d)s") % {"d": old.valid_from}]
    if errors:
        raise ServiceError(errors)
    before = audit.snapshot(old)
    old.valid_to = valid_from - dt.timedelta(days=1)
    old.save(update_fields=["valid_to"])
    audit.record(
        "update", obj=old, before=before, after=audit.snapshot(old), note=_("积分规则修订")
    )
    new = PointsRule.objects.create(
        region=old.region,
        origin_id=old.origin_id or old.pk,
        name=old.name,
        category=old.category,
        points=points,
        yearly_cap=yearly_cap,
        valid_from=valid_from,
        created_by_name=actor_name(user),
    )
    audit.record_created(new, note=_("积分规则修订"))
    return new


@transaction.atomic
def retire_rule(*, user, rule: PointsRule, valid_to: dt.date | None = None) -> PointsRule:
    rule = selectors.get_rule(user, rule.pk)
    _keeper_village(user, rule.region)
    row = PointsRule.objects.select_for_update().get(pk=rule.pk)
    if row.valid_to is not None:
        raise ServiceError({"valid_to": [_("该规则已停止")]}, status=409)
    valid_to = _any_date(valid_to or timezone.localdate(), "valid_to")
    if valid_to < row.valid_from:
        raise ServiceError({"valid_to": [_("停止日期不能早于生效日期")]})
    before = audit.snapshot(row)
    row.valid_to = valid_to
    row.save(update_fields=["valid_to"])
    audit.record(
        "update", obj=row, before=before, after=audit.snapshot(row), note=_("停止积分规则")
    )
    return row


# ---------------------------------------------------------------- balances


def _locked_balance(person_id: int, village_id: int, *, create: bool) -> PointsBalance | None:
    if create:
        PointsBalance.objects.get_or_create(person_id=person_id, region_id=village_id)
    return (
        PointsBalance.objects.select_for_update()
        .filter(person_id=person_id, region_id=village_id)
        .first()
    )


def _post(award: PointsAward) -> None:
    """Apply an effective award to the balance (locked). A deduction takes at most what the
    balance holds [assumed]: the record keeps the points actually taken."""
    balance = _locked_balance(award.person_id, award.region_id, create=True)
    before = audit.snapshot(balance)
    if award.points < 0 and award.reverses_id is None and -award.points > balance.balance:
        award.points = -balance.balance
        award.save(update_fields=["points"])
    if balance.balance + award.points < 0:
        raise ServiceError(
            {"__all__": [_("积分余额不足，无法冲正：该居民的积分已兑换，请先取消未领取的兑换")]},
            status=409,
        )
    balance.balance += award.points
    balance.earned += award.points  # net of deductions and reversals: balance = earned - spent
    balance.save(update_fields=["balance", "earned"])
    audit.record(
        "update", obj=balance, before=before, after=audit.snapshot(balance), note=_("积分变动")
    )


# ---------------------------------------------------------------- awards


def _award_snapshot(award: PointsAward) -> dict:
    """The award's snapshot with the photo as its stored name (a file is not JSON)."""
    data = {
        f.attname: f.value_from_object(award)
        for f in award._meta.concrete_fields
        if f.name != "photo"
    }
    data["photo"] = award.photo.name or ""
    return audit.jsonable(data)


def _photo(upload, errors: dict) -> tuple[bytes, str] | None:
    if upload is None:
        return None
    name = getattr(upload, "name", "photo") or "photo"
    extension = Path(name).suffix.lower()[:10]
    if extension not in PHOTO_EXTENSIONS:
        errors["photo"] = [_("照片应为 JPG 或 PNG 格式")]
        return None
    content = upload.read()
    if not content:
        errors["photo"] = [_("文件为空")]
        return None
    if len(content) > MAX_PHOTO_BYTES:
        errors["photo"] = [_("照片超过10MB")]
        return None
    return content, extension


@transaction.atomic
def award_points(
    *,
    user,
    village: Region,
    person_id,
    rule_id,
    note: str,
    awarded_on: dt.date | None = None,
    photo=None,
) -> PointsAward:
    """The village committee awards (or deducts) points to a resident of the village under one
    of its rules in force on the day. Above the threshold, and for a deduction, the award waits
    for the township."""
    _keeper_village(user, village)
    errors: dict[str, list[str]] = {}
    person = selectors.resident_of(village, person_id)
    if person is None:
        errors["person_id"] = [_("请从本村（社区）居民中选择")]
    awarded_on = _collect(errors, validators.past_date, awarded_on, "awarded_on")
    rule = None
    if isinstance(rule_id, int):
        rule = PointsRule.objects.filter(pk=rule_id, region=village).first()
    if rule is None:
        errors["rule_id"] = [_("请选择本村（社区）的积分项目")]
    elif awarded_on and not (
        rule.valid_from <= awarded_on and (rule.valid_to is None or awarded_on <= rule.valid_to)
    ):
        errors["rule_id"] = [_("该积分项目在%(d)s不适用") % {"d": awarded_on}]
    note = _collect(errors, validators.required_text, note, "note", _("请填写事由"), max_length=500)
    photo_data = _photo(photo, errors)
    if errors:
        raise ServiceError(errors)
    points = rule.signed_points
    if rule.yearly_cap and not rule.is_deduction:
        # Lock the person's balance first so two awards for the same person count each other.
        _locked_balance(person.pk, village.pk, create=True)
        year_total = sum(
            PointsAward.objects.filter(
                person=person,
                rule__origin_id=rule.origin_id,
                awarded_on__year=awarded_on.year,
                status__in=[AwardStatus.EFFECTIVE, AwardStatus.PENDING],
            ).values_list("points", flat=True)
        )
        if year_total + points > rule.yearly_cap:
            raise ServiceError(
                {
                    "rule_id": [
                        _("该项目每人每年最多%(cap)s分，本年已得%(got)s分")
                        % {"cap": rule.yearly_cap, "got": year_total}
                    ]
                },
                status=409,
            )
    pending = rule.is_deduction or points > CONFIRM_THRESHOLD
    award = PointsAward(
        region=village,
        person=person,
        rule=rule,
        points=points,
        awarded_on=awarded_on,
        note=note,
        status=AwardStatus.PENDING if pending else AwardStatus.EFFECTIVE,
        awarded_by=user,
        awarded_by_name=actor_name(user),
    )
    if photo_data:
        content, extension = photo_data
        award.sha256 = hashlib.sha256(content).hexdigest()
        award.photo_extension = extension
        award.photo.save("photo", ContentFile(content), save=False)
    award.save()
    audit.record("create", obj=award, after=_award_snapshot(award), note=_("积分登记"))
    if not pending:
        _post(award)
    return award


@transaction.atomic
def decide_award(
    *, user, award: PointsAward, approve: bool, note: str = "", on=None
) -> PointsAward:
    """The township confirms (the points take effect) or declines an award waiting for it."""
    award = selectors.get_award(user, award.pk)
    if not may_confirm(user):
        _forbid(_("当前账号无权确认积分"))
    row = PointsAward.objects.select_for_update().get(pk=award.pk)
    if row.status != AwardStatus.PENDING:
        raise ServiceError({"__all__": [_("该积分记录已确认")]}, status=409)
    note = validators.required_text(
        note, "note", _("不予确认时请填写理由"), max_length=500, required=not approve
    )
    before = _award_snapshot(row)
    row.status = AwardStatus.EFFECTIVE if approve else AwardStatus.REJECTED
    row.decided_on = validators.past_date(on, "on", not_before=row.awarded_on)
    row.decided_by_name = actor_name(user)
    row.decision_note = note
    row.save()
    audit.record(
        "update",
        obj=row,
        before=before,
        after=_award_snapshot(row),
        note=_("乡镇确认积分") if approve else _("乡镇不予确认积分"),
    )
    if approve:
        _post(row)
    return row


@transaction.atomic
def reverse_award(*, user, award: PointsAward, reason: str, on=None) -> PointsAward:
    """A mistake is corrected by a reversal: a new record with the opposite points; the original
    stays as it was."""
    award = selectors.get_award(user, award.pk)
    _keeper_village(user, award.region)
    row = PointsAward.objects.select_for_update().get(pk=award.pk)
    if row.status != AwardStatus.EFFECTIVE or row.reverses_id is not None:
        raise ServiceError({"__all__": [_("只能冲正已生效的积分记录")]}, status=409)
    if PointsAward.objects.filter(reverses=row).exists():
        raise ServiceError({"__all__": [_("该积分记录已冲正")]}, status=409)
    reason = validators.required_text(reason, "reason", _("请填写冲正理由"), max_length=500)
    reversal = PointsAward(
        region=row.region,
        person_id=row.person_id,
        rule_id=row.rule_id,
        points=-row.points,
        awarded_on=validators.past_date(on, "on", not_before=row.awarded_on),
        note=reason,
        status=AwardStatus.EFFECTIVE,
        reverses=row,
        awarded_by=user,
        awarded_by_name=actor_name(user),
    )
    reversal.save()
    audit.record("create", obj=reversal, after=_award_snapshot(reversal), note=_("积分冲正"))
    _post(reversal)
    return reversal


# ---------------------------------------------------------------- shop


def _shop_region(user, code: str) -> Region:
    if not may_keep_points(user):
        _forbid(_("当前账号无权管理积分超市"))
    region = Region.objects.filter(code=(code or "").strip(), kind="statutory").first()
    if region is None or region.level not in ("village", "township"):
        raise ServiceError({"region_code": [_("请选择村（社区）或乡镇（街道）")]})
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    return region


@transaction.atomic
def add_item(*, user, region_code: str, name: str, price, stock) -> ShopItem:
    errors: dict[str, list[str]] = {}
    region = _collect(errors, _shop_region, user, region_code)
    name = _collect(
        errors, validators.required_text, name, "name", _("请填写商品名称"), max_length=64
    )
    price = _collect(errors, _positive, price, "price", _("兑换积分应为1至1000的整数"))
    if isinstance(stock, bool) or not isinstance(stock, int) or not 0 <= stock <= 100000:
        errors["stock"] = [_("库存应为0至100000的整数")]
    if errors:
        raise ServiceError(errors)
    item = ShopItem.objects.create(region=region, name=name, price=price, stock=stock)
    audit.record_created(item, note=_("积分超市上架商品"))
    return item


@transaction.atomic
def restock(*, user, item: ShopItem, add, active: bool | None = None) -> ShopItem:
    item = selectors.get_item(user, item.pk)
    if not may_keep_points(user):
        _forbid(_("当前账号无权管理积分超市"))
    if isinstance(add, bool) or not isinstance(add, int) or not 0 <= add <= 100000:
        raise ServiceError({"add": [_("补货数量应为0至100000的整数")]})
    row = ShopItem.objects.select_for_update().get(pk=item.pk)
    before = audit.snapshot(row)
    row.stock += add
    if active is not None:
        row.active = active
    row.save(update_fields=["stock", "active"])
    audit.record(
        "update", obj=row, before=before, after=audit.snapshot(row), note=_("积分超市补货")
    )
    return row


@transaction.atomic
def redeem(
    *,
    user,
    village: Region,
    item_id,
    quantity,
    person_id=None,
    hand_over: bool = False,
) -> Redemption:
    """A redemption takes the points and the stock at once: at the shop by the village committee
    for a resident present (handed over at once, or later), or asked for by the resident from the
    phone (handed over by the staff)."""
    if is_resident(user):
        if village.pk not in selectors.resident_village_ids(user):
            raise NotFoundOrOutOfScope()
        person_id = user.person_id
        hand_over = False
    else:
        _keeper_village(user, village)
    errors: dict[str, list[str]] = {}
    person = selectors.resident_of(village, person_id)
    if person is None:
        errors["person_id"] = [_("请从本村（社区）居民中选择")]
    item = None
    if isinstance(item_id, int):
        item = selectors.shop_of(village).filter(pk=item_id).first()
    if item is None:
        errors["item_id"] = [_("请选择本村（社区）积分超市的商品")]
    quantity = _collect(
        errors, _positive, quantity, "quantity", _("数量应为1至99的整数"), maximum=99
    )
    if errors:
        raise ServiceError(errors)
    # Lock order: the balance, then the item (as everywhere in this module).
    balance = _locked_balance(person.pk, village.pk, create=False)
    item = ShopItem.objects.select_for_update().get(pk=item.pk)
    cost = item.price * quantity
    have = balance.balance if balance else 0
    if have < cost:
        raise ServiceError(
            {
                "quantity": [
                    _("积分不足：需要%(cost)s分，余额%(have)s分") % {"cost": cost, "have": have}
                ]
            },
            status=409,
        )
    if item.stock < quantity:
        raise ServiceError(
            {"quantity": [_("库存不足：仅剩%(n)s件") % {"n": item.stock}]}, status=409
        )
    before = audit.snapshot(balance)
    balance.balance -= cost
    balance.spent += cost
    balance.save(update_fields=["balance", "spent"])
    audit.record(
        "update", obj=balance, before=before, after=audit.snapshot(balance), note=_("积分兑换")
    )
    before = audit.snapshot(item)
    item.stock -= quantity
    item.save(update_fields=["stock"])
    audit.record(
        "update", obj=item, before=before, after=audit.snapshot(item), note=_("积分兑换出库")
    )
    today = timezone.localdate()
    row = Redemption.objects.create(
        region=village,
        person=person,
        item=item,
        quantity=quantity,
        points=cost,
        status=RedemptionStatus.HANDED_OVER if hand_over else RedemptionStatus.RESERVED,
        requested_online=is_resident(user),
        created_on=today,
        created_by_name=actor_name(user),
        handed_over_on=today if hand_over else None,
        closed_by_name=actor_name(user) if hand_over else "",
    )
    audit.record_created(row, note=_("积分兑换"))
    return row


@transaction.atomic
def hand_over(*, user, redemption: Redemption) -> Redemption:
    redemption = selectors.get_redemption(user, redemption.pk)
    _keeper_village(user, redemption.region)
    row = Redemption.objects.select_for_update().get(pk=redemption.pk)
    if row.status != RedemptionStatus.RESERVED:
        raise ServiceError({"__all__": [_("该兑换已办结")]}, status=409)
    before = audit.snapshot(row)
    row.status = RedemptionStatus.HANDED_OVER
    row.handed_over_on = timezone.localdate()
    row.closed_by_name = actor_name(user)
    row.save()
    audit.record(
        "update", obj=row, before=before, after=audit.snapshot(row), note=_("兑换物品已领取")
    )
    return row


@transaction.atomic
def cancel_redemption(*, user, redemption: Redemption) -> Redemption:
    """Before hand-over, by the staff or the resident: the points and the stock go back."""
    redemption = selectors.get_redemption(user, redemption.pk)
    if not is_resident(user):
        _keeper_village(user, redemption.region)
    row = Redemption.objects.select_for_update().get(pk=redemption.pk)
    if row.status != RedemptionStatus.RESERVED:
        raise ServiceError({"__all__": [_("只能取消尚未领取的兑换")]}, status=409)
    balance = _locked_balance(row.person_id, row.region_id, create=True)
    item = ShopItem.objects.select_for_update().get(pk=row.item_id)
    before = audit.snapshot(balance)
    balance.balance += row.points
    balance.spent -= row.points
    balance.save(update_fields=["balance", "spent"])
    audit.record(
        "update",
        obj=balance,
        before=before,
        after=audit.snapshot(balance),
        note=_("取消兑换退回积分"),
    )
    before = audit.snapshot(item)
    item.stock += row.quantity
    item.save(update_fields=["stock"])
    audit.record(
        "update", obj=item, before=before, after=audit.snapshot(item), note=_("取消兑换退回库存")
    )
    before = audit.snapshot(row)
    row.status = RedemptionStatus.CANCELLED
    row.closed_by_name = actor_name(user)
    row.save()
    audit.record("update", obj=row, before=before, after=audit.snapshot(row), note=_("取消兑换"))
    return row


# ---------------------------------------------------------------- registers


def _register_keeper(user):
    if not may_keep_registers(user):
        _forbid(_("当前账号无权维护社区建设台账"))


def _register_village(user, code: str, *, rural: bool) -> Region:
    region = Region.objects.filter(code=(code or "").strip(), kind="statutory").first()
    if region is None or region.level != "village":
        raise ServiceError({"region_code": [_("请选择行政村")]})
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    if rural and region.urban_rural != "rural":
        raise ServiceError({"region_code": [_("农村社区建设示范点应为行政村，城镇社区不在范围内")]})
    return region


def _year(value, field: str = "year") -> int:
    today = timezone.localdate()
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= today.year + 1:
        raise ServiceError({field: [_("年度应在2000年至%(y)s年之间") % {"y": today.year + 1}]})
    return value


@transaction.atomic
def designate_site(*, user, region_code: str, year, on=None) -> DemoSite:
    _register_keeper(user)
    errors: dict[str, list[str]] = {}
    region = _collect(errors, _register_village, user, region_code, rural=True)
    year = _collect(errors, _year, year)
    on = _collect(errors, validators.past_date, on, "on")
    if errors:
        raise ServiceError(errors)
    try:
        with transaction.atomic():
            site = DemoSite.objects.create(
                region=region,
                year=year,
                designated_on=on,
                checklist={k: False for k in CHECKLIST_LABELS},
            )
    except IntegrityError:
        raise ServiceError({"region_code": [_("该村已确定为示范点")]}, status=409) from None
    audit.record_created(site, note=_("确定农村社区建设示范点"))
    return site


@transaction.atomic
def update_checklist(*, user, site: DemoSite, done: list[str]) -> DemoSite:
    site = selectors.get_site(user, site.pk)
    _register_keeper(user)
    unknown = [k for k in done if k not in CHECKLIST_LABELS]
    if unknown:
        raise ServiceError({"done": [_("建设清单中没有该项")]})
    row = DemoSite.objects.select_for_update().get(pk=site.pk)
    if row.status == SiteStatus.ACCEPTED:
        raise ServiceError({"done": [_("已验收的示范点不能修改建设清单")]}, status=409)
    before = audit.snapshot(row)
    row.checklist = {k: k in done for k in CHECKLIST_LABELS}
    row.save(update_fields=["checklist"])
    audit.record(
        "update", obj=row, before=before, after=audit.snapshot(row), note=_("更新示范点建设清单")
    )
    return row


@transaction.atomic
def accept_site(*, user, site: DemoSite, passed: bool, note: str = "", on=None) -> DemoSite:
    site = selectors.get_site(user, site.pk)
    if not may_accept(user):
        _forbid(_("示范点由县级民政部门验收"))
    row = DemoSite.objects.select_for_update().get(pk=site.pk)
    if row.status == SiteStatus.ACCEPTED:
        raise ServiceError({"__all__": [_("该示范点已验收")]}, status=409)
    if passed and not all(row.checklist.get(k) for k in CHECKLIST_LABELS):
        raise ServiceError({"__all__": [_("建设清单尚有未完成的项目，不能验收通过")]}, status=409)
    note = validators.required_text(
        note, "note", _("请填写验收意见"), max_length=500, required=not passed
    )
    before = audit.snapshot(row)
    row.status = SiteStatus.ACCEPTED if passed else SiteStatus.FAILED
    row.accepted_on = validators.past_date(on, "on", not_before=row.designated_on)
    row.accepted_by_name = actor_name(user)
    row.acceptance_note = note
    row.save()
    audit.record("update", obj=row, before=before, after=audit.snapshot(row), note=_("示范点验收"))
    return row


@transaction.atomic
def list_difficult(*, user, region_code: str, year, problems: str) -> DifficultVillage:
    _register_keeper(user)
    errors: dict[str, list[str]] = {}
    region = _collect(errors, _register_village, user, region_code, rural=False)
    year = _collect(errors, _year, year)
    problems = _collect(
        errors, validators.required_text, problems, "problems", _("请填写发现的问题")
    )
    if errors:
        raise ServiceError(errors)
    try:
        with transaction.atomic():
            row = DifficultVillage.objects.create(region=region, year=year, problems=problems)
    except IntegrityError:
        raise ServiceError({"region_code": [_("该村本年度已列为难点村")]}, status=409) from None
    audit.record_created(row, note=_("列入难点村"))
    return row


@transaction.atomic
def add_remediation_task(*, user, village: DifficultVillage, title: str, due_on) -> RemediationTask:
    village = selectors.get_difficult(user, village.pk)
    _register_keeper(user)
    errors: dict[str, list[str]] = {}
    title = _collect(
        errors, validators.required_text, title, "title", _("请填写整改任务"), max_length=200
    )
    due_on = _collect(errors, _any_date, due_on, "due_on")
    if errors:
        raise ServiceError(errors)
    row = DifficultVillage.objects.select_for_update().get(pk=village.pk)
    if row.status == DifficultStatus.REMEDIATED:
        raise ServiceError({"__all__": [_("该难点村已验收销号")]}, status=409)
    task = RemediationTask.objects.create(village=row, title=title, due_on=due_on)
    audit.record_created(task, note=_("难点村整改任务"))
    return task


@transaction.atomic
def complete_remediation_task(*, user, task: RemediationTask, on=None) -> RemediationTask:
    village = selectors.get_difficult(user, task.village_id)
    _register_keeper(user)
    row = RemediationTask.objects.select_for_update().get(pk=task.pk, village=village)
    if row.done_on is not None:
        raise ServiceError({"__all__": [_("该任务已完成")]}, status=409)
    before = audit.snapshot(row)
    row.done_on = validators.past_date(on, "on")
    row.save(update_fields=["done_on"])
    audit.record(
        "update", obj=row, before=before, after=audit.snapshot(row), note=_("整改任务完成")
    )
    return row


@transaction.atomic
def accept_difficult(
    *, user, village: DifficultVillage, note: str = "", on=None
) -> DifficultVillage:
    village = selectors.get_difficult(user, village.pk)
    if not may_accept(user):
        _forbid(_("难点村治理由县级民政部门验收"))
    row = DifficultVillage.objects.select_for_update().get(pk=village.pk)
    if row.status == DifficultStatus.REMEDIATED:
        raise ServiceError({"__all__": [_("该难点村已验收销号")]}, status=409)
    tasks = list(row.tasks.all())
    if not tasks or any(t.done_on is None for t in tasks):
        raise ServiceError({"__all__": [_("整改任务尚未全部完成，不能验收")]}, status=409)
    before = audit.snapshot(row)
    row.status = DifficultStatus.REMEDIATED
    row.accepted_on = validators.past_date(on, "on", not_before=max(t.done_on for t in tasks))
    row.accepted_by_name = actor_name(user)
    row.acceptance_note = validators.required_text(note, "note", "", max_length=500, required=False)
    row.save()
    audit.record(
        "update", obj=row, before=before, after=audit.snapshot(row), note=_("难点村验收销号")
    )
    return row


@transaction.atomic
def add_standard_task(*, user, region_code: str, year, title: str, due_on) -> StandardTask:
    if not may_accept(user):
        _forbid(_("标准化社区建设年度任务由县级民政部门维护"))
    errors: dict[str, list[str]] = {}
    region = Region.objects.filter(code=(region_code or "").strip(), level="county").first()
    if region is None:
        errors["region_code"] = [_("请选择县（市、区）")]
    elif not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    year = _collect(errors, _year, year)
    title = _collect(
        errors, validators.required_text, title, "title", _("请填写年度任务"), max_length=200
    )
    due_on = _collect(errors, _any_date, due_on, "due_on")
    if due_on and year and due_on.year != year:
        errors["due_on"] = [_("完成时限应在该年度内")]
    if errors:
        raise ServiceError(errors)
    task = StandardTask.objects.create(region=region, year=year, title=title, due_on=due_on)
    audit.record_created(task, note=_("标准化社区建设年度任务"))
    return task


@transaction.atomic
def complete_standard_task(*, user, task: StandardTask, note: str = "", on=None) -> StandardTask:
    task = selectors.get_task(user, task.pk)
    if not may_accept(user):
        _forbid(_("标准化社区建设年度任务由县级民政部门维护"))
    row = StandardTask.objects.select_for_update().get(pk=task.pk)
    if row.completed_on is not None:
        raise ServiceError({"__all__": [_("该任务已完成")]}, status=409)
    before = audit.snapshot(row)
    row.completed_on = validators.past_date(on, "on")
    row.note = validators.required_text(note, "note", "", max_length=500, required=False)
    row.save(update_fields=["completed_on", "note"])
    audit.record(
        "update", obj=row, before=before, after=audit.snapshot(row), note=_("年度任务完成")
    )
    return row

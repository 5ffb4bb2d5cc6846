"""Writes of disaster relief. Each service checks the role and the scope, locks what it changes
(select_for_update), makes the transition and records the audit event in one transaction, and
raises ServiceError with field-level Chinese messages for bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.core.money import yuan_str
from minzheng.core.scope import region_in_scope
from minzheng.people.models import Household
from minzheng.regions.models import Region

from . import deadlines, selectors
from .models import (
    AffectedHousehold,
    DecisionStatus,
    DisasterEvent,
    DisasterReport,
    DisasterType,
    Drill,
    EventStatus,
    HouseLoss,
    LevelChange,
    ModelCommunityAssessment,
    ModelLevel,
    ModelResult,
    Publicity,
    ReliefDecision,
    ReliefForm,
    ReliefKind,
    ReportKind,
    RescueTeam,
    ResponseLevel,
    TeamMember,
    TrainingResult,
    TrainingSession,
)
from .permissions import may_approve, may_enter, may_report

PROGRAMME = "disaster_relief"
REPORT_FIGURES = (
    "affected_people",
    "evacuated",
    "deaths",
    "missing",
    "houses_collapsed",
    "houses_severe",
    "houses_general",
)
REPORT_LABELS = {
    "affected_people": gettext_lazy("受灾人口"),
    "evacuated": gettext_lazy("紧急转移安置人口"),
    "deaths": gettext_lazy("死亡人口"),
    "missing": gettext_lazy("失踪人口"),
    "houses_collapsed": gettext_lazy("倒塌房屋（户）"),
    "houses_severe": gettext_lazy("严重损坏房屋（户）"),
    "houses_general": gettext_lazy("一般损坏房屋（户）"),
}
# The figures of a 核报 checked against the affected-household records.
CHECKED_FIGURES = REPORT_FIGURES
MAX_COUNT = 10_000_000
MAX_FEN = 10**15
MAX_PUBLICITY_DAYS = 30


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("当前角色无权执行此操作"))


def _in_scope(user, region) -> None:
    if region is None or not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()


def _choice(errors, field, value, choices, message):
    if value not in choices:
        errors[field] = [message]


def _under(region: Region, ancestor: Region) -> bool:
    return region.path.startswith(ancestor.path)


def _lock_event(user, event_id: int) -> DisasterEvent:
    selectors.get_event(user, event_id)
    return DisasterEvent.objects.select_for_update().select_related("county").get(pk=event_id)


# ---------------------------------------------------------------- events


@transaction.atomic
def create_event(
    *,
    user,
    name: str,
    disaster_type: str,
    county: Region,
    started_at: dt.datetime,
    areas: list[Region] | None = None,
    response_level: str = "",
    description: str = "",
) -> DisasterEvent:
    _require(may_report(user))
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("请填写灾害名称")]
    elif len(name) > 100:
        errors["name"] = [_("灾害名称不能超过100个字")]
    _choice(errors, "disaster_type", disaster_type, DisasterType.values, _("请选择灾害类型"))
    if response_level:
        _choice(
            errors, "response_level", response_level, ResponseLevel.values, _("应急响应级别无效")
        )
    if county is None or county.level != Region.Level.COUNTY:
        errors["county"] = [_("请选择报灾的县（市、区）")]
    elif not region_in_scope(user, county):
        raise NotFoundOrOutOfScope()
    if not isinstance(started_at, dt.datetime):
        errors["started_at"] = [_("请填写灾害发生时间")]
    elif started_at > timezone.now():
        errors["started_at"] = [_("灾害发生时间不能晚于现在")]
    areas = list(areas or [])
    if county is not None and "county" not in errors:
        outside = [a.name for a in areas if not _under(a, county) or a.pk == county.pk]
        if outside:
            errors["areas"] = [_("受灾区域须为本县的乡镇或村：%(n)s") % {"n": "、".join(outside)}]
    if errors:
        raise ServiceError(errors)
    event = DisasterEvent(
        name=name,
        disaster_type=disaster_type,
        county=county,
        started_at=started_at,
        response_level=response_level or "",
        description=(description or "")[:2000],
        created_by=user,
    )
    with audit.audited(event, object_repr=name, note=_("登记灾害事件")):
        event.save()
        event.areas.set(areas)
    if response_level:
        LevelChange.objects.create(
            event=event,
            level=response_level,
            changed_at=started_at,
            changed_by=user,
            note=_("启动应急响应"),
        )
    return event


@transaction.atomic
def change_level(*, user, event_id: int, level: str, changed_at=None, note: str = ""):
    """Start, raise, lower or end (level "") the emergency response; the history is kept."""
    _require(may_report(user))
    event = _lock_event(user, event_id)
    if level and level not in ResponseLevel.values:
        raise ServiceError({"level": [_("应急响应级别无效")]})
    if level == event.response_level:
        raise ServiceError({"level": [_("与当前应急响应级别相同")]})
    if event.status == EventStatus.VERIFIED:
        raise ServiceError({"level": [_("事件已核报，不能再调整应急响应")]}, status=409)
    changed_at = changed_at or timezone.now()
    if changed_at < event.started_at or changed_at > timezone.now():
        raise ServiceError({"changed_at": [_("调整时间须在灾害发生之后、不晚于现在")]})
    with audit.audited(event, object_repr=event.name, note=note or _("调整应急响应级别")):
        event.response_level = level
        event.save(update_fields=["response_level"])
        LevelChange.objects.create(
            event=event,
            level=level,
            changed_at=changed_at,
            changed_by=user,
            note=(note or "")[:200],
        )
    return event


@transaction.atomic
def end_event(*, user, event_id: int, ended_at: dt.datetime) -> DisasterEvent:
    _require(may_report(user))
    event = _lock_event(user, event_id)
    if event.status != EventStatus.ONGOING:
        raise ServiceError({"ended_at": [_("灾情已结束")]}, status=409)
    if not isinstance(ended_at, dt.datetime):
        raise ServiceError({"ended_at": [_("请填写灾害结束时间")]})
    if ended_at < event.started_at or ended_at > timezone.now():
        raise ServiceError({"ended_at": [_("结束时间须在发生时间之后、不晚于现在")]})
    with audit.audited(event, object_repr=event.name, note=_("灾情结束，待核报")):
        event.ended_at = ended_at
        event.status = EventStatus.ENDED
        event.save(update_fields=["ended_at", "status"])
    return event


# ---------------------------------------------------------------- reports


def _figures(data: dict, errors: dict) -> dict:
    figures = {}
    for field in REPORT_FIGURES:
        value = data.get(field, 0) or 0
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
            errors[field] = [_("须为不小于零的整数")]
        figures[field] = value
    crop = data.get("crop_area_ha", 0) or 0
    try:
        crop = Decimal(str(crop))
        if (
            not crop.is_finite()
            or crop < 0
            or crop >= Decimal(10**10)
            or crop != crop.quantize(Decimal("0.01"))
        ):
            raise ValueError
    except (ValueError, ArithmeticError):
        errors["crop_area_ha"] = [_("农作物受灾面积须为不小于零的数，最多两位小数")]
        crop = Decimal(0)
    figures["crop_area_ha"] = crop
    loss = data.get("direct_loss_fen", 0) or 0
    if not isinstance(loss, int) or isinstance(loss, bool) or not 0 <= loss <= MAX_FEN:
        errors["direct_loss_fen"] = [_("直接经济损失须为不小于零的金额")]
    figures["direct_loss_fen"] = loss
    return figures


def check_against_households(event, figures: dict) -> list[dict]:
    """Where a 核报's figures differ from the affected-household records."""
    totals = selectors.household_totals(event)
    labels = {f.name: str(f.verbose_name) for f in DisasterReport._meta.fields}
    return [
        {
            "field": field,
            "label": labels[field],
            "reported": figures[field],
            "records": totals[field],
        }
        for field in CHECKED_FIGURES
        if figures[field] != totals[field]
    ]


@transaction.atomic
def submit_report(
    *, user, event_id: int, kind: str, covers_on: dt.date | None = None, note: str = "", **data
) -> DisasterReport:
    """Record a report of the county. Late reports are accepted and flagged; a 核报 needs the
    event ended, closes it and keeps where its figures differ from the household records."""
    _require(may_report(user))
    event = _lock_event(user, event_id)
    errors: dict[str, list[str]] = {}
    if kind not in ReportKind.values:
        raise ServiceError({"kind": [_("报告类型应为初报、续报或核报")]})
    figures = _figures(data, errors)
    now = timezone.now()
    if kind == ReportKind.CONTINUING:
        if not isinstance(covers_on, dt.date):
            errors["covers_on"] = [_("请填写续报所属日期")]
        else:
            first = deadlines.local_date(event.started_at) + dt.timedelta(days=1)
            last = deadlines.local_date(event.ended_at) if event.ended_at else timezone.localdate()
            if not first <= covers_on <= min(last, timezone.localdate()):
                errors["covers_on"] = [_("续报所属日期须在灾害发生次日至灾情结束日（或今天）之间")]
    if kind == ReportKind.VERIFIED and event.ended_at is None:
        raise ServiceError({"kind": [_("灾情结束后才能核报")]}, status=409)
    if errors:
        raise ServiceError(errors)
    covers = deadlines.covered_day(event, kind, covers_on)
    if event.reports.filter(kind=kind, covers_on=covers).exists():
        message = _("该日的续报已报送") if kind == ReportKind.CONTINUING else _("该类报告已报送")
        raise ServiceError({"kind": [message]}, status=409)
    report = DisasterReport(
        event=event,
        kind=kind,
        covers_on=covers,
        due_at=deadlines.due_at(event, kind, covers),
        submitted_at=now,
        submitted_by=user,
        note=(note or "")[:500],
        **figures,
    )
    if kind == ReportKind.VERIFIED:
        report.mismatches = check_against_households(event, figures)
    label = ReportKind(kind).label
    with audit.audited(
        report,
        object_repr=f"{event.name} {label}",
        note=_("报送%(k)s%(late)s") % {"k": label, "late": _("（逾期）") if report.late else ""},
    ):
        report.save()
    if kind == ReportKind.VERIFIED:
        with audit.audited(event, object_repr=event.name, note=_("核报完成")):
            event.status = EventStatus.VERIFIED
            event.save(update_fields=["status"])
    return report


# ---------------------------------------------------------------- affected households

HOUSEHOLD_FIELDS = (
    "affected_people",
    "evacuated",
    "deaths",
    "missing",
    "house_loss",
    "property_loss_fen",
    "crop_area_ha",
    "need_emergency",
    "need_transitional",
    "need_winter_spring",
    "need_rebuild",
)


def _household_values(data: dict, errors: dict) -> dict:
    values = {}
    for field in ("affected_people", "evacuated", "deaths", "missing"):
        if field in data:
            v = data[field]
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 100:
                errors[field] = [_("须为0至100的整数")]
            values[field] = v
    if "house_loss" in data:
        _choice(errors, "house_loss", data["house_loss"], HouseLoss.values, _("房屋损失类别无效"))
        values["house_loss"] = data["house_loss"]
    if "property_loss_fen" in data:
        v = data["property_loss_fen"]
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= MAX_FEN:
            errors["property_loss_fen"] = [_("财产损失须为不小于零的金额")]
        values["property_loss_fen"] = v
    if "crop_area_ha" in data:
        try:
            crop = Decimal(str(data["crop_area_ha"]))
            if (
                not crop.is_finite()
                or crop < 0
                or crop >= 10**6
                or crop != crop.quantize(Decimal("0.01"))
            ):
                raise ValueError
            values["crop_area_ha"] = crop
        except (ValueError, ArithmeticError):
            errors["crop_area_ha"] = [_("农作物受灾面积须为不小于零的数，最多两位小数")]
    for field in ("need_emergency", "need_transitional", "need_winter_spring", "need_rebuild"):
        if field in data:
            values[field] = bool(data[field])
    return values


def _check_household_place(user, event, household: Household, errors: dict, field: str) -> None:
    if not region_in_scope(user, household.region):
        raise NotFoundOrOutOfScope()
    region = household.region
    areas = list(event.areas.all())
    if not _under(region, event.county):
        errors[field] = [_("该家庭不在本次灾害的报灾县区")]
    elif areas and not any(_under(region, a) or _under(a, region) for a in areas):
        errors[field] = [_("该家庭不在本次灾害的受灾区域")]


@transaction.atomic
def add_affected(*, user, event_id: int, household: Household, **data) -> AffectedHousehold:
    _require(may_enter(user))
    event = _lock_event(user, event_id)
    if event.status == EventStatus.VERIFIED:
        raise ServiceError({"event": [_("事件已核报，不能再登记受灾户")]}, status=409)
    errors: dict[str, list[str]] = {}
    _check_household_place(user, event, household, errors, "household")
    values = _household_values(data, errors)
    if errors:
        raise ServiceError(errors)
    if AffectedHousehold.objects.filter(event=event, household=household).exists():
        raise ServiceError({"household": [_("该家庭已登记为本次灾害的受灾户")]}, status=409)
    affected = AffectedHousehold(
        event=event, household=household, region=household.region, entered_by=user, **values
    )
    with audit.audited(
        affected, object_repr=f"{event.name} {household.number}", note=_("登记受灾户")
    ):
        affected.save()
    return affected


@transaction.atomic
def add_village(*, user, event_id: int, village: Region, **data) -> int:
    """Every household registered in the village becomes an affected household of the event
    (those already entered are left as they are): one INSERT, one audit event for the set."""
    _require(may_enter(user))
    event = _lock_event(user, event_id)
    if event.status == EventStatus.VERIFIED:
        raise ServiceError({"event": [_("事件已核报，不能再登记受灾户")]}, status=409)
    if village is None or village.level != Region.Level.VILLAGE:
        raise ServiceError({"village": [_("请选择村（社区）")]})
    _in_scope(user, village)
    errors: dict[str, list[str]] = {}
    probe = Household(region=village)
    _check_household_place(user, event, probe, errors, "village")
    values = _household_values(data, errors)
    if errors:
        raise ServiceError(errors)
    held = AffectedHousehold.objects.filter(event=event).values("household_id")
    households = Household.objects.filter(region=village).exclude(pk__in=held)
    rows = [
        AffectedHousehold(event=event, household_id=pk, region=village, entered_by=user, **values)
        for pk in households.values_list("pk", flat=True)
    ]
    AffectedHousehold.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    audit.record(
        AuditEvent.Action.CREATE,
        object_type="disaster.affectedhousehold",
        object_repr=f"{event.name} {village.name}",
        region_code=village.code,
        after={
            "event": event.pk,
            "village": village.code,
            "households": len(rows),
            **{k: str(v) for k, v in values.items()},
        },
        note=_("按村批量登记受灾户 %(n)s 户") % {"n": len(rows)},
    )
    return len(rows)


@transaction.atomic
def update_affected(*, user, affected_id: int, **data) -> AffectedHousehold:
    _require(may_enter(user))
    selectors.get_affected(user, affected_id)
    affected = AffectedHousehold.objects.select_for_update().get(pk=affected_id)
    if affected.event.status == EventStatus.VERIFIED:
        raise ServiceError({"event": [_("事件已核报，受灾户信息不能再修改")]}, status=409)
    errors: dict[str, list[str]] = {}
    values = _household_values(data, errors)
    if errors:
        raise ServiceError(errors)
    with audit.audited(affected, object_repr=str(affected), note=_("修改受灾户损失和需求")):
        for field, value in values.items():
            setattr(affected, field, value)
        affected.save()
    return affected


# ---------------------------------------------------------------- relief decisions


@transaction.atomic
def propose_relief(
    *, user, affected_id: int, kind: str, form: str, amount_fen: int, items: str = ""
) -> ReliefDecision:
    _require(may_enter(user))
    selectors.get_affected(user, affected_id)
    affected = (
        AffectedHousehold.objects.select_for_update().select_related("region").get(pk=affected_id)
    )
    errors: dict[str, list[str]] = {}
    _choice(errors, "kind", kind, ReliefKind.values, _("请选择救助类别"))
    _choice(errors, "form", form, ReliefForm.values, _("发放方式应为现金或实物"))
    if (
        not isinstance(amount_fen, int)
        or isinstance(amount_fen, bool)
        or not 0 < amount_fen <= MAX_FEN
    ):
        errors["amount_fen"] = [_("救助金额须大于零")]
    items = (items or "").strip()
    if form == ReliefForm.IN_KIND and not items:
        errors["items"] = [_("实物发放请填写实物明细")]
    if len(items) > 200:
        errors["items"] = [_("实物明细不能超过200个字")]
    if errors:
        raise ServiceError(errors)
    if ReliefDecision.objects.filter(affected=affected, kind=kind).exists():
        raise ServiceError({"kind": [_("该户本次灾害已有此类救助")]}, status=409)
    decision = ReliefDecision(
        affected=affected,
        kind=kind,
        form=form,
        amount_fen=amount_fen,
        items=items,
        proposed_by=user,
        region=affected.region,
    )
    with audit.audited(
        decision,
        object_repr=f"{ReliefKind(kind).label} {yuan_str(amount_fen)}",
        note=_("提出救灾救助"),
    ):
        decision.save()
    return decision


@transaction.atomic
def decide_relief(
    *, user, decision_id: int, approve: bool, reason: str = "", on: dt.date | None = None
) -> ReliefDecision:
    """The county approves or refuses. Approving cash relief publishes the amount as a one-off
    payable in the same transaction (paid in the county's bank batch); relief in kind becomes a
    payable, settled in kind, when the goods are handed over (`hand_over_goods`)."""
    _require(may_approve(user))
    selectors.get_decision(user, decision_id)
    decision = (
        ReliefDecision.objects.select_for_update()
        .select_related("affected__household", "affected__event", "region")
        .get(pk=decision_id)
    )
    if decision.status != DecisionStatus.PROPOSED:
        raise ServiceError({"status": [_("该救助已审批")]}, status=409)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ServiceError({"reason": [_("不予批准请填写理由")]})
    on = on or timezone.localdate()
    with audit.audited(
        decision,
        object_repr=f"{decision.get_kind_display()} {yuan_str(decision.amount_fen)}",
        note=_("县级批准救灾救助") if approve else _("县级不予批准救灾救助"),
    ):
        decision.status = DecisionStatus.APPROVED if approve else DecisionStatus.REFUSED
        decision.decided_by = user
        decision.decided_on = on
        decision.reason = reason[:200]
        decision.save(update_fields=["status", "decided_by", "decided_on", "reason"])
    if approve and decision.form == ReliefForm.CASH:
        _register(decision, on)
    return decision


def _register(decision: ReliefDecision, on: dt.date, *, handed_over: bool = False):
    from minzheng.payments.oneoff import register_payable

    household = decision.affected.household
    return register_payable(
        source_kind=selectors.PAYABLE_SOURCE,
        source_id=decision.pk,
        programme=PROGRAMME,
        household=household,
        person=household.head,
        region=decision.region,
        amount_fen=decision.amount_fen,
        decided_on=decision.decided_on,
        description=_("%(e)s %(k)s%(items)s")
        % {
            "e": decision.affected.event.name,
            "k": decision.get_kind_display(),
            "items": f"（{decision.items}）" if decision.items else "",
        },
        settled="in_kind" if handed_over else "",
        paid_on=on if handed_over else None,
    )


@transaction.atomic
def hand_over_goods(*, user, decision_id: int, on: dt.date):
    """Relief in kind is never sent to the bank: when the goods are handed over, the township or
    the county records it and the one-off payable is registered as settled in kind."""
    from minzheng.payments.models import OneOffPayable

    _require(may_enter(user))
    selectors.get_decision(user, decision_id)
    decision = (
        ReliefDecision.objects.select_for_update(of=("self",))
        .select_related("affected__household__head", "affected__event", "region")
        .get(pk=decision_id)
    )
    if decision.form != ReliefForm.IN_KIND or decision.status != DecisionStatus.APPROVED:
        raise ServiceError({"status": [_("只有已批准的实物救助才能登记发放")]}, status=409)
    if OneOffPayable.objects.filter(
        source_kind=selectors.PAYABLE_SOURCE, source_id=decision.pk
    ).exists():
        raise ServiceError({"status": [_("该实物救助已登记发放")]}, status=409)
    if not isinstance(on, dt.date) or on > timezone.localdate() or on < decision.decided_on:
        raise ServiceError({"handed_over_on": [_("发放日期须在批准之后、不晚于今天")]})
    payable = _register(decision, on, handed_over=True)
    audit.record(
        AuditEvent.Action.UPDATE,
        obj=decision,
        object_repr=f"{decision.get_kind_display()} {decision.items}"[:200],
        after={"handed_over_on": on.isoformat(), "payable": payable.pk},
        note=_("登记实物救助已发放"),
    )
    return payable


# ---------------------------------------------------------------- publicity


@transaction.atomic
def publish(
    *, user, event_id: int, township: Region, starts_on: dt.date, ends_on: dt.date
) -> Publicity:
    _require(may_approve(user))
    event = _lock_event(user, event_id)
    errors: dict[str, list[str]] = {}
    if township is None or township.level != Region.Level.TOWNSHIP:
        errors["township"] = [_("请选择乡镇（街道）")]
    elif not region_in_scope(user, township):
        raise NotFoundOrOutOfScope()
    elif not _under(township, event.county):
        errors["township"] = [_("该乡镇不在本次灾害的报灾县区")]
    if not isinstance(starts_on, dt.date) or not isinstance(ends_on, dt.date):
        errors["starts_on"] = [_("请填写公示期")]
    elif ends_on < starts_on:
        errors["ends_on"] = [_("公示结束日期不能早于开始日期")]
    elif (ends_on - starts_on).days + 1 > MAX_PUBLICITY_DAYS:
        errors["ends_on"] = [_("公示期不能超过30天")]
    if errors:
        raise ServiceError(errors)
    publicity = Publicity(
        event=event, township=township, starts_on=starts_on, ends_on=ends_on, created_by=user
    )
    if not selectors.publicity_rows(publicity).exists():
        raise ServiceError({"township": [_("该乡镇尚无已批准的救灾救助，无需公示")]})
    with audit.audited(
        publicity, object_repr=f"{event.name} {township.name}", note=_("发布救灾救助公示")
    ):
        publicity.save()
    return publicity


# ---------------------------------------------------------------- teams, training, drills, communities


def _county(user, county: Region, field: str = "county") -> None:
    if county is None or county.level != Region.Level.COUNTY:
        raise ServiceError({field: [_("请选择县（市、区）")]})
    _in_scope(user, county)


@transaction.atomic
def create_team(*, user, name: str, county: Region) -> RescueTeam:
    _require(may_report(user))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ServiceError({"name": [_("请填写队伍名称（不超过100个字）")]})
    _county(user, county)
    if RescueTeam.objects.filter(county=county, name=name).exists():
        raise ServiceError({"name": [_("本县已有同名队伍")]}, status=409)
    team = RescueTeam(name=name, county=county)
    with audit.audited(team, object_repr=name, note=_("登记救灾应急队伍")):
        team.save()
    return team


@transaction.atomic
def add_member(*, user, team_id: int, person=None, account=None, joined_on=None) -> TeamMember:
    _require(may_report(user))
    selectors.get_team(user, team_id)
    team = RescueTeam.objects.select_for_update().select_related("county").get(pk=team_id)
    if (person is None) == (account is None):
        raise ServiceError({"person": [_("请选择一名人员或一个账号")]})
    if person is not None and not region_in_scope(user, person.hukou_region):
        raise NotFoundOrOutOfScope()
    if account is not None and (
        account.region is None or not region_in_scope(user, account.region)
    ):
        raise NotFoundOrOutOfScope()
    lookup = {"person": person} if person is not None else {"account": account}
    if team.members.filter(**lookup).exists():
        raise ServiceError({"person": [_("已是本队队员")]}, status=409)
    member = TeamMember(team=team, joined_on=joined_on or timezone.localdate(), **lookup)
    with audit.audited(member, object_repr=f"{team.name}", note=_("增加队员")):
        member.save()
    return member


@transaction.atomic
def record_training(
    *, user, team_id: int, held_on: dt.date, subject: str, results: dict[int, bool]
) -> TrainingSession:
    """A training session of a team with each trained member's result (member id -> passed)."""
    _require(may_report(user))
    selectors.get_team(user, team_id)
    team = RescueTeam.objects.select_for_update().get(pk=team_id)
    errors: dict[str, list[str]] = {}
    subject = (subject or "").strip()
    if not subject or len(subject) > 200:
        errors["subject"] = [_("请填写培训内容（不超过200个字）")]
    if not isinstance(held_on, dt.date) or held_on > timezone.localdate():
        errors["held_on"] = [_("培训日期不能晚于今天")]
    members = set(team.members.values_list("pk", flat=True))
    if not results:
        errors["results"] = [_("请填写参训队员的考核结果")]
    elif set(results) - members:
        errors["results"] = [_("考核结果中有非本队队员")]
    if errors:
        raise ServiceError(errors)
    session = TrainingSession(team=team, held_on=held_on, subject=subject)
    with audit.audited(session, object_repr=f"{team.name} {subject}", note=_("登记队伍培训")):
        session.save()
        TrainingResult.objects.bulk_create(
            [
                TrainingResult(session=session, member_id=m, passed=bool(p))
                for m, p in results.items()
            ]
        )
    audit.record(
        AuditEvent.Action.CREATE,
        object_type="disaster.trainingresult",
        object_id=str(session.pk),
        object_repr=f"{team.name} {subject}",
        region_code=team.county.code,
        after={str(m): bool(p) for m, p in results.items()},
        note=_("登记培训考核结果 %(n)s 人") % {"n": len(results)},
    )
    return session


@transaction.atomic
def record_drill(
    *, user, county: Region, held_on: dt.date, title: str, meets_standard: bool, note: str = ""
) -> Drill:
    _require(may_report(user))
    _county(user, county)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title or len(title) > 200:
        errors["title"] = [_("请填写演练名称（不超过200个字）")]
    if not isinstance(held_on, dt.date) or held_on > timezone.localdate():
        errors["held_on"] = [_("演练日期不能晚于今天")]
    if not isinstance(meets_standard, bool):
        errors["meets_standard"] = [_("请选择是否达标")]
    if errors:
        raise ServiceError(errors)
    drill = Drill(
        county=county,
        held_on=held_on,
        title=title,
        meets_standard=meets_standard,
        note=(note or "")[:500],
    )
    with audit.audited(drill, object_repr=title, note=_("登记预案演练")):
        drill.save()
    return drill


@transaction.atomic
def record_assessment(
    *, user, community: Region, year: int, level: str, result: str, assessed_on: dt.date
) -> ModelCommunityAssessment:
    _require(may_report(user))
    errors: dict[str, list[str]] = {}
    if community is None or community.level != Region.Level.VILLAGE:
        raise ServiceError({"community": [_("请选择社区（村）")]})
    _in_scope(user, community)
    _choice(errors, "level", level, ModelLevel.values, _("请选择创建级别"))
    _choice(errors, "result", result, ModelResult.values, _("评定结果应为获命名或未获命名"))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = [_("年度无效")]
    if not isinstance(assessed_on, dt.date) or assessed_on > timezone.localdate():
        errors["assessed_on"] = [_("评定日期不能晚于今天")]
    elif isinstance(year, int) and assessed_on.year != year:
        errors["assessed_on"] = [_("评定日期须在评定年度内")]
    if errors:
        raise ServiceError(errors)
    if ModelCommunityAssessment.objects.filter(
        community=community, year=year, level=level
    ).exists():
        raise ServiceError({"level": [_("该社区本年度此级别已评定")]}, status=409)
    assessment = ModelCommunityAssessment(
        community=community, year=year, level=level, result=result, assessed_on=assessed_on
    )
    try:
        with audit.audited(
            assessment, object_repr=f"{community.name} {year}", note=_("登记综合减灾示范社区评定")
        ):
            assessment.save()
    except IntegrityError:
        raise ServiceError({"level": [_("该社区本年度此级别已评定")]}, status=409) from None
    return assessment

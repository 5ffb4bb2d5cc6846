"""Home-care bookings from request to settlement.

requested → accepted (provider) → dispatched (a worker) → in_service (check-in) → completed
(check-out; subsidy computed) → confirmed (the elderly person, family or community, with a
rating). Side exits: declined (provider), cancelled (either side before check-in), no_show
(provider: nobody at home). Complaints can be filed on any booking and are decided by community
or township staff; an upheld complaint takes the booking out of settlement.

Subsidy (programme `home_care_subsidy`, parameters by region and date): from `min_age`, each
person has a monthly quota of subsidised minutes by their latest MZ/T 039 grade and income
status (低保 or 特困 → "assisted"); within the quota the government pays the service price, at
most `hourly_cap` an hour; the rest is the person's own share. The quota is shared by the
person's bookings served in the same month, in the order they are completed.

Proof of service: check-in only within `checkin_window_minutes` of the booked time; at check-out
an hourly service is billed for the minutes served (at most those booked), a visit or a meal per
unit; a service checked out in the same minute, much shorter than booked (`min_duration_ratio`),
long after its slot, or reported away from the address (`location_tolerance_metres`) is held
for review by community or township staff, who release or reject it.

Monthly settlement per provider: the confirmed, payable bookings not yet settled and served up to
the month's end, with no open complaint and not held for review, summed into subsidy and own share; approved by the
county and exported for payment. Late confirmations fall into the next month's settlement.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from fractions import Fraction

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import Role, actor_name
from minzheng.assistance.selectors import standards_in_force
from minzheng.core import audit, sheets
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.money import yuan_decimal, yuan_str
from minzheng.core.scope import region_in_scope
from minzheng.payments import months
from minzheng.payments.models import Entitlement
from minzheng.payments.params import PAYROLL_ROLES
from minzheng.people.models import HouseholdMember, Person

from . import selectors, signals
from .allowance import age_on
from .models import (
    Booking,
    BookingEvent,
    Complaint,
    ElderlyProfile,
    Provider,
    ServiceItem,
    Settlement,
    Worker,
)
from .services import FACILITY_WRITERS, REGISTRY_WRITERS

SUBSIDY = "home_care_subsidy"
OPEN = (Booking.Status.REQUESTED, Booking.Status.ACCEPTED, Booking.Status.DISPATCHED)
MAX_DAYS_AHEAD = 60
ASSISTED_PROGRAMMES = ("dibao_urban", "dibao_rural", "tekun")


def _reason(text, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise ServiceError({field: [_("请填写原因")]})
    return text[:500]


# ---------------------------------------------------------------- sides


def _booker_side(user, person) -> str:
    """The channel a user books or confirms for `person` through, or 404/403."""
    if user is None or not user.is_authenticated:
        raise NotFoundOrOutOfScope()
    if user.role == Role.PROVIDER:
        raise PermissionDeniedError(_("服务机构不能代老年人预约或确认服务"))
    if not selectors.elderly_for(user).filter(pk=person.pk).exists():
        raise NotFoundOrOutOfScope()
    return _channel(user, person)


def _channel(user, person) -> str:
    if user.role == Role.PROVIDER:
        raise PermissionDeniedError(_("服务机构不能代老年人预约或确认服务"))
    if user.role == Role.RESIDENT:
        return Booking.Channel.SELF if user.person_id == person.pk else Booking.Channel.FAMILY
    if not (user.is_superuser or user.role in REGISTRY_WRITERS) or not user.can_write:
        raise PermissionDeniedError(_("当前账号无权代老年人预约服务"))
    return Booking.Channel.COMMUNITY


def _elder_to_book_for(user, person) -> Person:
    """The elderly person (a Person or its id) through the caller's scope, with what booking
    reads (regions, care profile, current household address) in the same query; 404 outside it."""
    address = HouseholdMember.objects.filter(person_id=OuterRef("pk"), until__isnull=True).values(
        "household__address"
    )[:1]
    found = (
        selectors.elderly_for(user)
        .filter(pk=getattr(person, "pk", person))
        .annotate(household_address=Subquery(address))
        .first()
    )
    if found is None:
        raise NotFoundOrOutOfScope()
    return found


def _bookable_item(item, region) -> ServiceItem:
    """The catalogue item (a ServiceItem or its id) with its provider and whether the provider
    serves the region, in one query; 422 when it cannot be booked there."""
    codes = region.path.strip("/").split("/")
    serves = Provider.service_areas.through.objects.filter(
        provider_id=OuterRef("provider_id"), region__code__in=codes
    )
    found = (
        ServiceItem.objects.select_related("provider")
        .annotate(serves=Exists(serves))
        .filter(pk=getattr(item, "pk", item))
        .first()
    )
    if found is None:
        raise ServiceError({"item_id": [_("服务项目不存在")]})
    if not found.active or not found.provider.active:
        raise ServiceError({"item": [_("该服务项目已停止提供")]})
    if not found.serves:
        raise ServiceError({"item": [_("该服务机构不在老人所在村（社区）提供服务")]})
    return found


def _provider_side(user, booking: Booking) -> None:
    own = selectors.provider_of(user)
    if own is not None and own.pk == booking.provider_id:
        return
    if user is not None and user.is_authenticated and user.is_superuser:
        return
    if selectors.bookings_for(user).filter(pk=booking.pk).exists():
        raise PermissionDeniedError(_("只有承接服务的机构可以办理此操作"))
    raise NotFoundOrOutOfScope()


def _locked(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("person", "region", "provider", "item")
        .get(pk=booking.pk)
    )


def _event(
    booking: Booking,
    *,
    action: str,
    user,
    from_status: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> None:
    BookingEvent.objects.create(
        booking=booking,
        action=action,
        from_status=from_status,
        to_status=booking.status,
        note=note[:500],
        by=user if getattr(user, "pk", None) else None,
        by_name=actor_name(user, nobody="system"),
        at=at or timezone.now(),
    )
    audit.record(
        "transition",
        obj=booking,
        before={"status": from_status},
        after={"status": booking.status, "action": action},
        note=note,
    )


def _move(
    booking: Booking,
    *,
    allowed: tuple,
    to: str,
    action: str,
    user,
    note: str = "",
    at: dt.datetime | None = None,
    **fields,
) -> Booking:
    if booking.status not in allowed:
        raise ServiceError(
            {
                "status": [
                    _("当前状态（%(s)s）不能执行此操作") % {"s": booking.get_status_display()}
                ]
            },
            status=409,
        )
    from_status = booking.status
    booking.status = to
    for key, value in fields.items():
        setattr(booking, key, value)
    booking.save()
    _event(booking, action=action, user=user, from_status=from_status, note=note, at=at)
    signals.booking_moved.send(
        sender=Booking, booking=booking, action=action, from_status=from_status
    )
    return booking


# ---------------------------------------------------------------- booking


@transaction.atomic
def create_booking(
    *,
    user,
    person,
    item,
    scheduled_at: dt.datetime,
    quantity: int = 1,
    address: str = "",
    contact_phone: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> Booking:
    """Book `item` for the elderly `person` (each an object or its id). The person is looked up
    once, through the caller's scope; the request costs a fixed handful of queries. `now` is the
    clock (the demo replays past days)."""
    if user is None or not user.is_authenticated:
        raise NotFoundOrOutOfScope()
    person = _elder_to_book_for(user, person)
    channel = _channel(user, person)
    region = person.residence_region or person.hukou_region
    item = _bookable_item(item, region)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 12:
        raise ServiceError({"quantity": [_("数量应为1至12")]})
    now = _clock(now)
    if timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)
    if scheduled_at < now - dt.timedelta(minutes=5):
        raise ServiceError({"scheduled_at": [_("预约时间不能早于现在")]})
    if scheduled_at > now + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ServiceError(
            {"scheduled_at": [_("最多可预约%(n)s天内的服务") % {"n": MAX_DAYS_AHEAD}]}
        )
    if not (address or "").strip():
        profile = _profile(person)
        address = (profile.address if profile else "") or person.household_address or ""
    if not (address or "").strip():
        raise ServiceError({"address": [_("请填写服务地址")]})
    booking = Booking.objects.create(
        number=uuid.uuid4().hex[:24],
        person=person,
        region=region,
        provider=item.provider,
        item=item,
        quantity=quantity,
        scheduled_at=scheduled_at,
        address=address.strip()[:200],
        contact_phone=(contact_phone or person.phone or "").strip()[:20],
        note=(note or "").strip()[:500],
        channel=channel,
        booked_by=user,
        unit_price_fen=item.price_fen,
        minutes=item.minutes_per_unit * quantity,
        gross_fen=item.price_fen * quantity,
    )
    booking.number = f"YL{timezone.localdate(now):%Y%m%d}{booking.pk:06d}"
    booking.save(update_fields=["number"])
    BookingEvent.objects.create(
        booking=booking,
        action="create",
        to_status=booking.status,
        note=booking.get_channel_display(),
        by=user,
        by_name=actor_name(user, nobody="system"),
        at=now,
    )
    signals.booking_moved.send(sender=Booking, booking=booking, action="create", from_status="")
    # Last, so the audit chain's lock is held only from here to the commit.
    audit.record_created(booking, note=_("网上预约：%(item)s") % {"item": str(item)})
    return booking


def _profile(person) -> ElderlyProfile | None:
    try:
        return person.elderly_profile  # fetched with the person
    except ElderlyProfile.DoesNotExist:
        return None


@transaction.atomic
def accept(*, user, booking: Booking, now: dt.datetime | None = None) -> Booking:
    _provider_side(user, booking)
    return _move(
        _locked(booking),
        allowed=(Booking.Status.REQUESTED,),
        to=Booking.Status.ACCEPTED,
        action="accept",
        user=user,
        at=now,
    )


@transaction.atomic
def decline(*, user, booking: Booking, reason: str) -> Booking:
    _provider_side(user, booking)
    return _move(
        _locked(booking),
        allowed=(Booking.Status.REQUESTED,),
        to=Booking.Status.DECLINED,
        action="decline",
        user=user,
        note=_reason(reason),
    )


@transaction.atomic
def dispatch(*, user, booking: Booking, worker: Worker, now: dt.datetime | None = None) -> Booking:
    _provider_side(user, booking)
    if worker.provider_id != booking.provider_id or not worker.active:
        raise ServiceError({"worker": [_("请选择本机构在岗的服务人员")]})
    booking = _locked(booking)
    return _move(
        booking,
        allowed=(Booking.Status.ACCEPTED, Booking.Status.DISPATCHED),
        to=Booking.Status.DISPATCHED,
        action="dispatch",
        user=user,
        note=worker.name,
        worker=worker,
        at=now,
    )


def _position(latitude, longitude, field: str) -> tuple[float, float] | None:
    """A reported position (WGS-84 degrees) or None when none was sent; both or neither."""
    if latitude is None and longitude is None:
        return None
    try:
        lat, lng = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise ServiceError({field: [_("位置应同时包含纬度和经度")]}) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or math.isnan(lat) or math.isnan(lng):
        raise ServiceError({field: [_("位置超出经纬度范围")]})
    return lat, lng


def distance_metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, mean Earth radius): ample for a tolerance of metres."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def _proof_standards(booking: Booking, on: dt.date) -> dict:
    standards = standards_in_force(SUBSIDY, booking.region, on)
    return {
        "window": _standard(standards, "checkin_window_minutes"),
        "ratio": Fraction(str(_standard(standards, "min_duration_ratio"))),
        "tolerance": _standard(standards, "location_tolerance_metres"),
    }


def _clock(now: dt.datetime | None) -> dt.datetime:
    """The time of an action: now, or a given moment when the demo replays past days."""
    return now or timezone.now()


@transaction.atomic
def check_in(
    *, user, booking: Booking, latitude=None, longitude=None, now: dt.datetime | None = None
) -> Booking:
    """The worker arrives: accepted only within the configured window around the booked time, so
    a service cannot be started (and billed) at a time nobody agreed to."""
    _provider_side(user, booking)
    now = _clock(now)
    position = _position(latitude, longitude, "position")
    booking = _locked(booking)
    if booking.status == Booking.Status.DISPATCHED:
        window = dt.timedelta(minutes=_proof_standards(booking, timezone.localdate(now))["window"])
        if abs(now - booking.scheduled_at) > window:
            start, end = (
                timezone.localtime(booking.scheduled_at - window),
                timezone.localtime(booking.scheduled_at + window),
            )
            raise ServiceError(
                {
                    "checked_in_at": [
                        _("只能在预约时间前后 %(n)s 分钟内签到（%(start)s 至 %(end)s）")
                        % {
                            "n": window.seconds // 60,
                            "start": f"{start:%Y-%m-%d %H:%M}",
                            "end": f"{end:%Y-%m-%d %H:%M}",
                        }
                    ]
                }
            )
    lat, lng = position or (None, None)
    return _move(
        booking,
        allowed=(Booking.Status.DISPATCHED,),
        to=Booking.Status.IN_SERVICE,
        action="check_in",
        user=user,
        at=now,
        checked_in_at=now,
        served_on=timezone.localdate(now),
        check_in_lat=lat,
        check_in_lng=lng,
    )


def billable_minutes(booking: Booking, actual_minutes: int | None) -> int:
    """The minutes a booking is billed and subsidised for: an hourly service by the time actually
    served (never more than booked); a visit or a meal by its catalogue unit, as booked."""
    if booking.item.unit == ServiceItem.Unit.HOUR and actual_minutes is not None:
        return min(actual_minutes, booking.minutes)
    return booking.minutes


def billed_gross(booking: Booking, minutes: int) -> int:
    """Price of the billed minutes: an hourly service pro rata to the minute (half up to the fen),
    others at the booked quantity."""
    if booking.item.unit != ServiceItem.Unit.HOUR:
        return booking.unit_price_fen * booking.quantity
    unit_minutes = booking.minutes // booking.quantity
    return (2 * booking.unit_price_fen * minutes + unit_minutes) // (2 * unit_minutes)


def proof_anomalies(
    booking: Booking,
    *,
    checked_out_at: dt.datetime,
    out_position,
    standards: dict,
    site: tuple[float, float] | None,
) -> list[str]:
    """What makes a completed service doubtful (codes of Booking.ANOMALIES), by the standards:
    check-in and check-out in the same minute; a stay shorter than the ratio of the booked time
    (hour and visit services); a check-out long after the booked slot ended; a reported position
    away from the service address, or check-in and check-out away from each other."""
    found = []
    checked_in_at = booking.checked_in_at
    actual = (checked_out_at - checked_in_at).total_seconds() / 60
    if checked_in_at.replace(second=0, microsecond=0) == checked_out_at.replace(
        second=0, microsecond=0
    ):
        found.append("same_minute")
    elif (
        booking.item.unit in (ServiceItem.Unit.HOUR, ServiceItem.Unit.VISIT)
        and actual < standards["ratio"] * booking.minutes
    ):
        found.append("too_short")
    slot_end = booking.scheduled_at + dt.timedelta(minutes=booking.minutes + standards["window"])
    if checked_out_at > slot_end:
        found.append("outside_slot")
    in_position = (
        (booking.check_in_lat, booking.check_in_lng) if booking.check_in_lat is not None else None
    )
    tolerance = standards["tolerance"]
    far = any(
        site is not None and p is not None and distance_metres(site, p) > tolerance
        for p in (in_position, out_position)
    )
    if far or (
        in_position and out_position and distance_metres(in_position, out_position) > tolerance
    ):
        found.append("location")
    return found


@transaction.atomic
def check_out(
    *, user, booking: Booking, latitude=None, longitude=None, now: dt.datetime | None = None
) -> Booking:
    """End of service: the bill follows the catalogue unit and the time served, the subsidy is
    computed against the month's remaining quota, and a doubtful service is held from settlement
    until staff review it."""
    _provider_side(user, booking)
    now = _clock(now)
    out_position = _position(latitude, longitude, "position")
    booking = _locked(booking)
    if booking.status != Booking.Status.IN_SERVICE:
        raise ServiceError(
            {
                "status": [
                    _("当前状态（%(s)s）不能执行此操作") % {"s": booking.get_status_display()}
                ]
            },
            status=409,
        )
    # Serialise the quota of one person: concurrent check-outs read the used minutes in turn.
    ElderlyProfile.objects.get_or_create(person=booking.person)
    profile = ElderlyProfile.objects.select_for_update().get(person=booking.person)
    site = (
        (profile.latitude, profile.longitude)
        if profile.latitude is not None and profile.longitude is not None
        else None
    )
    standards = _proof_standards(booking, booking.served_on or timezone.localdate(now))
    anomalies = proof_anomalies(
        booking, checked_out_at=now, out_position=out_position, standards=standards, site=site
    )
    actual = max(0, int((now - booking.checked_in_at).total_seconds() // 60))
    booking.actual_minutes = actual
    booking.gross_fen = billed_gross(booking, billable_minutes(booking, actual))
    split = subsidy_split(booking)
    lat, lng = out_position or (None, None)
    note = "；".join(str(Booking.ANOMALIES[code]) for code in anomalies)
    booking = _move(
        booking,
        allowed=(Booking.Status.IN_SERVICE,),
        to=Booking.Status.COMPLETED,
        action="check_out",
        user=user,
        at=now,
        note=_("异常待复核：%(list)s") % {"list": note} if anomalies else "",
        checked_out_at=now,
        subsidy_minutes=split["subsidy_minutes"],
        subsidy_fen=split["subsidy_fen"],
        own_share_fen=booking.gross_fen - split["subsidy_fen"],
        subsidy_basis=split,
        check_out_lat=lat,
        check_out_lng=lng,
        anomalies=anomalies,
        review=Booking.Review.HELD if anomalies else Booking.Review.NONE,
    )
    if not anomalies:
        signals.booking_served.send(sender=Booking, booking=booking, at=now)
    return booking


def may_review(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or user.role in REGISTRY_WRITERS)
        and user.can_write
    )


def may_approve_settlements(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or user.role in PAYROLL_ROLES)
        and user.can_write
    )


@transaction.atomic
def review_booking(*, user, booking: Booking, release: bool, note: str) -> Booking:
    """Community or township staff decide a held booking: released into settlement, or rejected
    (never paid). A written reason either way."""
    own = selectors.provider_of(user)
    if own is not None and own.pk == booking.provider_id:
        raise PermissionDeniedError(_("服务记录由社区或乡镇（街道）工作人员复核"))
    if (
        user is None
        or not user.is_authenticated
        or not (user.is_superuser or user.is_staff_role)
        or not region_in_scope(user, booking.region)
    ):
        raise NotFoundOrOutOfScope()
    if not may_review(user):
        raise PermissionDeniedError(_("当前账号无权复核服务记录"))
    note = _reason(note, "review_note")
    booking = _locked(booking)
    if booking.review != Booking.Review.HELD:
        raise ServiceError({"review": [_("该服务记录没有待复核的异常")]}, status=409)
    before = {"review": booking.review, "payable": booking.payable}
    booking.review = Booking.Review.RELEASED if release else Booking.Review.REJECTED
    booking.payable = bool(release)
    booking.review_note, booking.reviewed_by, booking.reviewed_at = note, user, timezone.now()
    booking.save(
        update_fields=[
            "review",
            "payable",
            "review_note",
            "reviewed_by",
            "reviewed_at",
            "updated_at",
        ]
    )
    BookingEvent.objects.create(
        booking=booking,
        action="review",
        from_status=booking.status,
        to_status=booking.status,
        note=f"{booking.get_review_display()}：{note}",
        by=user,
        by_name=actor_name(user, nobody="system"),
        at=timezone.now(),
    )
    audit.record(
        "update",
        obj=booking,
        before=before,
        after={"review": booking.review, "payable": booking.payable},
        note=note,
    )
    if release:
        signals.booking_served.send(sender=Booking, booking=booking, at=booking.reviewed_at)
    return booking


@transaction.atomic
def confirm(
    *, user, booking: Booking, rating: int, feedback: str = "", now: dt.datetime | None = None
) -> Booking:
    _booker_side(user, booking.person)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ServiceError({"rating": [_("评价应为1至5星")]})
    return _move(
        _locked(booking),
        allowed=(Booking.Status.COMPLETED,),
        to=Booking.Status.CONFIRMED,
        action="confirm",
        user=user,
        note=(feedback or "").strip()[:500],
        rating=rating,
        feedback=(feedback or "").strip()[:500],
        confirmed_at=_clock(now),
        at=now,
    )


@transaction.atomic
def cancel(*, user, booking: Booking, reason: str) -> Booking:
    """Either side, before the worker checks in."""
    own = selectors.provider_of(user)
    if own is not None:
        _provider_side(user, booking)
    else:
        _booker_side(user, booking.person)
    return _move(
        _locked(booking),
        allowed=OPEN,
        to=Booking.Status.CANCELLED,
        action="cancel",
        user=user,
        note=_reason(reason),
    )


@transaction.atomic
def no_show(*, user, booking: Booking, reason: str) -> Booking:
    """The worker came and could not serve (nobody at home, refused at the door)."""
    _provider_side(user, booking)
    return _move(
        _locked(booking),
        allowed=(Booking.Status.DISPATCHED,),
        to=Booking.Status.NO_SHOW,
        action="no_show",
        user=user,
        note=_reason(reason),
        served_on=timezone.localdate(),
    )


# ---------------------------------------------------------------- subsidy


def is_assisted(person, month: dt.date) -> bool:
    """低保 household or 特困 person with an entitlement live in the month."""
    household = (
        HouseholdMember.objects.filter(person=person, until__isnull=True)
        .values_list("household_id", flat=True)
        .first()
    )
    live = (
        Entitlement.objects.filter(programme__in=ASSISTED_PROGRAMMES, start_month__lte=month)
        .exclude(status=Entitlement.Status.TERMINATED)
        .exclude(end_month__lt=month)
    )
    by_person = live.filter(person=person).exists()
    return by_person or (
        household is not None and live.filter(household_id=household, person__isnull=True).exists()
    )


def _standard(standards: dict, key: str) -> int:
    resolved = standards.get(key)
    if resolved is None or resolved.value is None:
        raise ServiceError(
            {"standard": [_("没有生效的居家养老服务补贴标准：%(key)s") % {"key": key}]}
        )
    return resolved.value


def subsidy_split(booking: Booking, on: dt.date | None = None) -> dict:
    """The government's and the person's share of a booking, with the figures used."""
    on = on or booking.served_on or timezone.localdate()
    month = months.month_start(on)
    standards = standards_in_force(SUBSIDY, booking.region, on)
    person = booking.person
    age = age_on(person.birth_date, on)
    basis = {
        "served_on": on.isoformat(),
        "age": age,
        "gross_fen": booking.gross_fen,
        "minutes": booking.minutes,
    }
    if age < _standard(standards, "min_age"):
        return basis | {"reason": "age", "subsidy_minutes": 0, "subsidy_fen": 0}
    assessment = selectors.latest_assessment(person, on)
    grade = assessment.grade if assessment else 0
    status = "assisted" if is_assisted(person, month) else "other"
    quota = _standard(standards, f"minutes_{status}_grade_{grade}")
    used = (
        Booking.objects.filter(
            person=person,
            served_on__gte=month,
            served_on__lt=months.add_months(month, 1),
            payable=True,
            status__in=[Booking.Status.COMPLETED, Booking.Status.CONFIRMED],
        )
        .exclude(pk=booking.pk)
        .aggregate(total=Sum("subsidy_minutes"))["total"]
        or 0
    )
    subsidised = min(billable_minutes(booking, booking.actual_minutes), max(0, quota - used))
    cap = _standard(standards, "hourly_cap")
    unit_minutes = booking.minutes // booking.quantity
    # Per subsidised minute the government pays the price per minute, at most cap/60:
    # subsidy = subsidised × min(P/M, C/60) = subsidised × min(60P, CM) / (60M), rounded half up.
    numerator = subsidised * min(60 * booking.unit_price_fen, cap * unit_minutes)
    denominator = 60 * unit_minutes
    subsidy = (2 * numerator + denominator) // (2 * denominator)
    subsidy = min(subsidy, booking.gross_fen)
    return basis | {
        "grade": grade,
        "assessment_id": assessment.pk if assessment else None,
        "income_status": status,
        "quota_minutes": quota,
        "used_minutes": used,
        "subsidy_minutes": subsidised,
        "hourly_cap_fen": cap,
        "subsidy_fen": subsidy,
    }


# ---------------------------------------------------------------- complaints


@transaction.atomic
def file_complaint(*, user, booking: Booking, text: str) -> Complaint:
    _booker_side(user, booking.person)
    text = _reason(text, "text")
    complaint = Complaint.objects.create(booking=booking, text=text, filed_by=user)
    BookingEvent.objects.create(
        booking=booking,
        action="complaint",
        from_status=booking.status,
        to_status=booking.status,
        note=text,
        by=user,
        by_name=actor_name(user, nobody="system"),
        at=timezone.now(),
    )
    audit.record_created(complaint, object_repr=booking.number)
    return complaint


@transaction.atomic
def resolve_complaint(*, user, complaint: Complaint, upheld: bool, resolution: str) -> Complaint:
    """Community or township staff decide. Upheld: the booking is not paid (taken out of a draft
    settlement); a booking already in an approved settlement keeps its payment and the
    resolution says so."""
    booking = complaint.booking
    own = selectors.provider_of(user)
    if own is not None and own.pk == booking.provider_id:
        raise PermissionDeniedError(_("投诉由社区或乡镇（街道）工作人员处理"))
    if (
        user is None
        or not user.is_authenticated
        or not (user.is_superuser or user.is_staff_role)
        or not region_in_scope(user, booking.region)
    ):
        raise NotFoundOrOutOfScope()
    if not (user.is_superuser or user.role in REGISTRY_WRITERS) or not user.can_write:
        raise PermissionDeniedError(_("当前账号无权处理投诉"))
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.status != Complaint.Status.OPEN:
        raise ServiceError({"status": [_("该投诉已处理")]}, status=409)
    resolution = _reason(resolution, "resolution")
    # The event is written when the block ends, so the audit chain's lock is held only from there.
    with audit.audited(
        complaint,
        "transition",
        object_repr=booking.number,
        region_code=booking.audit_region_code,
        note=resolution,
    ):
        complaint.status = Complaint.Status.UPHELD if upheld else Complaint.Status.DISMISSED
        complaint.resolution, complaint.resolved_by, complaint.resolved_at = (
            resolution,
            user,
            timezone.now(),
        )
        complaint.save()
        booking = _locked(booking)
        if upheld:
            settled = (
                booking.settlement_id
                and Settlement.objects.filter(pk=booking.settlement_id)
                .exclude(status=Settlement.Status.DRAFT)
                .exists()
            )
            if not settled:
                draft = booking.settlement_id
                booking.payable, booking.settlement = False, None
                booking.save(update_fields=["payable", "settlement", "updated_at"])
                if draft:
                    _refresh_totals(Settlement.objects.get(pk=draft))
        BookingEvent.objects.create(
            booking=booking,
            action="complaint_resolved",
            from_status=booking.status,
            to_status=booking.status,
            note=f"{complaint.get_status_display()}：{resolution}",
            by=user,
            by_name=actor_name(user, nobody="system"),
            at=timezone.now(),
        )
    return complaint


# ---------------------------------------------------------------- settlement


def _settlement_guard(user, provider, *, approve: bool = False) -> None:
    own = selectors.provider_of(user)
    if own is not None:
        if own.pk != provider.pk:
            raise NotFoundOrOutOfScope()
        if approve:
            raise PermissionDeniedError(_("只有县级审批人员可以审核和导出服务结算"))
        return
    if (
        user is None
        or not user.is_authenticated
        or not (user.is_superuser or user.is_staff_role)
        or not region_in_scope(user, provider.region)
    ):
        raise NotFoundOrOutOfScope()
    roles = PAYROLL_ROLES if approve else FACILITY_WRITERS
    if not (user.is_superuser or user.role in roles) or not user.can_write:
        raise PermissionDeniedError(
            _("只有县级审批人员可以审核和导出服务结算")
            if approve
            else _("当前账号无权生成服务结算")
        )


def _refresh_totals(settlement: Settlement) -> Settlement:
    totals = Booking.objects.filter(settlement=settlement).aggregate(
        n=Count("id"), gross=Sum("gross_fen"), subsidy=Sum("subsidy_fen"), own=Sum("own_share_fen")
    )
    settlement.booking_count = totals["n"] or 0
    settlement.gross_fen, settlement.subsidy_fen, settlement.own_share_fen = (
        totals["gross"] or 0,
        totals["subsidy"] or 0,
        totals["own"] or 0,
    )
    Settlement.objects.filter(pk=settlement.pk).update(
        booking_count=settlement.booking_count,
        gross_fen=settlement.gross_fen,
        subsidy_fen=settlement.subsidy_fen,
        own_share_fen=settlement.own_share_fen,
    )
    return settlement


@transaction.atomic
def build_settlement(*, user, provider, month) -> Settlement:
    """The provider's settlement of the month (re-built while a draft): confirmed, payable bookings
    served by the month's end, not in another settlement and with no open complaint."""
    _settlement_guard(user, provider)
    month = months.month_start(month)
    if month > months.month_start(timezone.localdate()):
        raise ServiceError({"month": [_("不能结算未来月份")]})
    settlement, _created = Settlement.objects.get_or_create(provider=provider, month=month)
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status != Settlement.Status.DRAFT:
        raise ServiceError({"status": [_("该月结算已审核，不能重新生成")]}, status=409)
    Booking.objects.filter(settlement=settlement).update(settlement=None)
    open_complaint = Complaint.objects.filter(
        booking_id=OuterRef("pk"), status=Complaint.Status.OPEN
    )
    Booking.objects.filter(
        provider=provider,
        status=Booking.Status.CONFIRMED,
        payable=True,
        settlement__isnull=True,
        served_on__lt=months.add_months(month, 1),
    ).exclude(review=Booking.Review.HELD).exclude(Exists(open_complaint)).update(
        settlement=settlement
    )
    _refresh_totals(settlement)
    settlement.built_at = timezone.now()
    settlement.save(update_fields=["built_at"])
    audit.record(
        "update",
        obj=settlement,
        object_repr=f"{provider.name} {months.label(month)}",
        after={
            "bookings": settlement.booking_count,
            "gross_fen": settlement.gross_fen,
            "subsidy_fen": settlement.subsidy_fen,
            "own_share_fen": settlement.own_share_fen,
        },
        note=_("生成服务结算：%(n)s 单，补贴 %(s)s 元，自付 %(o)s 元")
        % {
            "n": settlement.booking_count,
            "s": yuan_str(settlement.subsidy_fen),
            "o": yuan_str(settlement.own_share_fen),
        },
    )
    return settlement


@transaction.atomic
def approve_settlement(*, user, settlement: Settlement) -> Settlement:
    _settlement_guard(user, settlement.provider, approve=True)
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status != Settlement.Status.DRAFT:
        raise ServiceError({"status": [_("只有待审核的结算可以审核")]}, status=409)
    _refresh_totals(settlement)
    settlement.status = Settlement.Status.APPROVED
    settlement.approved_by, settlement.approved_at = user, timezone.now()
    settlement.save()
    audit.record(
        "transition",
        obj=settlement,
        before={"status": "draft"},
        after={"status": "approved", "subsidy_fen": settlement.subsidy_fen},
    )
    return settlement


EXPORT_HEADER = [
    "预约单号",
    "服务日期",
    "服务对象",
    "村（社区）",
    "服务项目",
    "数量",
    "服务费用（元）",
    "政府补贴（元）",
    "个人自付（元）",
    "评价",
]


@transaction.atomic
def export_settlement(*, user, settlement: Settlement) -> tuple[bytes, str]:
    """The settlement as CSV for payment (UTF-8 with BOM, opens in Excel); audited."""
    _settlement_guard(user, settlement.provider, approve=True)
    settlement = (
        Settlement.objects.select_for_update().select_related("provider").get(pk=settlement.pk)
    )
    if settlement.status == Settlement.Status.DRAFT:
        raise ServiceError({"status": [_("结算须经审核后才能导出")]}, status=409)
    rows = [
        [_("服务机构"), settlement.provider.name, _("结算月份"), months.label(settlement.month)],
        EXPORT_HEADER,
    ]
    for b in (
        Booking.objects.filter(settlement=settlement)
        .select_related("person", "region", "item")
        .order_by("served_on", "id")
    ):
        rows.append(
            [
                b.number,
                b.served_on,
                b.person.name,
                b.region.name,
                str(b.item),
                b.quantity,
                yuan_decimal(b.gross_fen),
                yuan_decimal(b.subsidy_fen),
                yuan_decimal(b.own_share_fen),
                b.rating or "",
            ]
        )
    rows.append(
        [
            _("合计"),
            "",
            "",
            "",
            "",
            settlement.booking_count,
            yuan_decimal(settlement.gross_fen),
            yuan_decimal(settlement.subsidy_fen),
            yuan_decimal(settlement.own_share_fen),
            "",
        ]
    )
    before = settlement.status
    settlement.status = Settlement.Status.EXPORTED
    settlement.exported_at = timezone.now()
    settlement.save(update_fields=["status", "exported_at"])
    audit.record(
        "export",
        obj=settlement,
        before={"status": before},
        after={"status": settlement.status, "subsidy_fen": settlement.subsidy_fen},
        note=_("导出服务结算"),
    )
    return sheets.csv_bytes(
        rows
    ), f"settlement-{settlement.provider_id}-{months.label(settlement.month)}.csv"

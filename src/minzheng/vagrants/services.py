"""Writes of the relief station: each checks the user and the input, locks the stay, changes it
(one state-machine transition at most) and writes the audit event, in one transaction.

Help is voluntary: the stay starts as an intake awaiting the person's consent; consent opens the
stay (food, lodging, care), a refusal is recorded and closes it. The stay's end is 10 days after
arrival and moves only by an extension with a reason. The exit says how the person left; a
journey home with a ticket registers the ticket as a one-off payable (payments.oneoff), which
the county pays in its one-off batches like any other."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from minzheng.core import audit, idcard
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.core.money import yuan_str
from minzheng.core.scope import region_in_scope
from minzheng.payments.oneoff import register_payable
from minzheng.people.models import Person
from minzheng.people.selectors import current_household, find_by_id_number
from minzheng.regions.models import Region

from .models import (
    ADULT_AGE,
    SCHOOL_AGE,
    STAY_LIMIT_DAYS,
    Arrival,
    Belonging,
    ContactChannel,
    ExitKind,
    Extension,
    FamilyContact,
    FollowUp,
    MedicalReferral,
    SchoolStatus,
    Sex,
    Stay,
    UnidentifiedPerson,
)
from .permissions import may_write

PAYABLE_SOURCE = "vagrant_ticket"
PROGRAMME = "vagrant_journey"
MINOR_EXITS = (ExitKind.MINOR_CENTRE, ExitKind.FAMILY, ExitKind.DIED)
# Exits that name where the person went.
NAMED_DESTINATION = (
    ExitKind.ESCORT_HOME,
    ExitKind.FAMILY,
    ExitKind.INSTITUTION,
    ExitKind.MINOR_CENTRE,
)
PHOTO_TYPES = {"image/jpeg", "image/png"}
PHOTO_MAX_BYTES = 5 * 1024 * 1024


# ---------------------------------------------------------------- guards


def _check_writer(user, region: Region) -> None:
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    if not may_write(user):
        raise PermissionDeniedError(_("只有救助管理站工作人员可以办理"))


def _locked(user, stay: Stay) -> Stay:
    locked = (
        Stay.objects.select_for_update(of=("self",))
        .select_related("region", "person", "unidentified")
        .get(pk=stay.pk)
    )
    _check_writer(user, locked.region)
    return locked


def _require(stay: Stay, states, action: str) -> None:
    if stay.state not in states:
        raise ServiceError(
            {
                "state": [
                    _("该救助记录当前为“%(state)s”，不能办理“%(action)s”")
                    % {"state": stay.get_state_display(), "action": action}
                ]
            },
            status=409,
        )


def _today() -> dt.date:
    return timezone.localdate()


def _date(
    value, field: str, *, required=True, not_before: dt.date | None = None, label=""
) -> dt.date | None:
    if value is None:
        if required:
            raise ServiceError({field: [_("请填写日期")]})
        return None
    if not isinstance(value, dt.date):
        raise ServiceError({field: [_("日期格式应为 YYYY-MM-DD")]})
    if value > _today():
        raise ServiceError({field: [_("日期不能晚于今天")]})
    if not_before is not None and value < not_before:
        raise ServiceError(
            {field: [_("日期不能早于%(what)s（%(d)s）") % {"what": label, "d": not_before}]}
        )
    return value


def _text(value, field: str, message: str = "", *, max_length: int = 500) -> str:
    text = (value or "").strip()
    if not text and message:
        raise ServiceError({field: [message]})
    if len(text) > max_length:
        raise ServiceError({field: [_("不能超过 %(n)s 个字") % {"n": max_length}]})
    if "\x00" in text:
        raise ServiceError({field: [_("不能包含空字符")]})
    return text


def _fen(value, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ServiceError({field: [_("金额不能为负数")]})
    if value > 10_000_000_00:
        raise ServiceError({field: [_("金额过大，请核对")]})
    return value


def _age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# ---------------------------------------------------------------- intake


def identify(*, id_number: str = "", name: str = "", birth_date: dt.date | None = None):
    """The registry's person for an ID number, or for a name and birth date when exactly one
    person has them; None otherwise. Unscoped by design: someone from anywhere in the city may
    arrive at the station, and the result is only ever shown masked."""
    if id_number:
        return find_by_id_number(id_number)
    if name and birth_date:
        found = list(Person.objects.filter(name=name, birth_date=birth_date)[:2])
        return found[0] if len(found) == 1 else None
    return None


@transaction.atomic
def register_intake(
    *,
    user,
    region: Region | None = None,
    arrived_on: dt.date | None,
    arrival: str,
    health_on_arrival: str,
    id_number: str = "",
    name: str = "",
    birth_date: dt.date | None = None,
    sex: str = "",
    apparent_age: int | None = None,
    description: str = "",
    hometown: str = "",
    photo=None,
    belongings: Iterable[tuple[str, int]] = (),
) -> Stay:
    """Record who came to the station, how and in what health, and what they handed in."""
    region = region or user.region
    if region is None:
        raise ServiceError({"region": [_("请选择救助站所在区域")]})
    _check_writer(user, region)
    errors: dict[str, list[str]] = {}
    arrived_on = _date(arrived_on, "arrived_on", not_before=dt.date(2000, 1, 1), label=_("2000年"))
    if arrival not in Arrival.values:
        errors["arrival"] = [_("请选择来站方式")]
    health = (health_on_arrival or "").strip()
    if not health:
        errors["health_on_arrival"] = [_("请填写入站时健康状况")]
    name = _text(name, "name", max_length=64)
    id_number = (id_number or "").strip().replace(" ", "")
    parsed = None
    if id_number:
        try:
            parsed = idcard.parse(id_number, today=_today())
        except idcard.InvalidResidentId as exc:
            errors["id_number"] = [str(exc)]
    if birth_date is not None and (birth_date > arrived_on or birth_date.year < 1900):
        errors["birth_date"] = [_("出生日期应早于入站日期")]
    items = []
    for i, (what, quantity) in enumerate(belongings):
        what = (what or "").strip()
        if not what:
            continue
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 9999:
            errors[f"belongings.{i}.quantity"] = [_("物品数量应为1至9999")]
        items.append((what[:200], quantity))
    if errors:
        raise ServiceError(errors)

    person = identify(id_number=parsed.number if parsed else "", name=name, birth_date=birth_date)
    unidentified = None
    if person is not None:
        age = _age_on(person.birth_date, arrived_on)
    else:
        born = parsed.birth_date if parsed else birth_date
        if born is not None:
            age = _age_on(born, arrived_on)
        elif apparent_age is None:
            raise ServiceError({"apparent_age": [_("身份未能核实时，请填写估计年龄")]})
        elif not isinstance(apparent_age, int) or not 0 <= apparent_age <= 120:
            raise ServiceError({"apparent_age": [_("估计年龄应为0至120岁")]})
        else:
            age = apparent_age
        sex = parsed.sex if parsed else sex
        if sex not in Sex.values:
            raise ServiceError({"sex": [_("请选择性别")]})
        description = _text(
            description, "description", _("身份未能核实时，请描述体貌特征"), max_length=2000
        )
        unidentified = UnidentifiedPerson(
            stated_name=name,
            stated_id_masked=idcard.mask(parsed.number) if parsed else "",
            hometown=_text(hometown, "hometown", max_length=200),
            sex=sex,
            apparent_age=age,
            description=description,
        )
        if photo is not None:
            if getattr(photo, "content_type", "") not in PHOTO_TYPES:
                raise ServiceError({"photo": [_("照片应为 JPG 或 PNG 图片")]})
            if photo.size > PHOTO_MAX_BYTES:
                raise ServiceError({"photo": [_("照片不能超过5MB")]})
            unidentified.photo.save(photo.name or "photo.jpg", photo, save=False)
        unidentified.save()
        # The photo is a file (kept encrypted): the event says whether there is one.
        audit.record(
            AuditEvent.Action.CREATE,
            obj=unidentified,
            after={
                "stated_name": unidentified.stated_name,
                "stated_id_masked": unidentified.stated_id_masked,
                "sex": unidentified.sex,
                "apparent_age": unidentified.apparent_age,
                "photo": bool(unidentified.photo),
            },
            note=_("登记身份未核实的受助人员"),
        )
    if (
        person is not None
        and Stay.objects.filter(
            person=person, state__in=[Stay.State.ARRIVED, Stay.State.STAYING]
        ).exists()
    ):
        raise ServiceError({"id_number": [_("该人员已在站接受救助，不能重复登记")]}, status=409)
    if age < ADULT_AGE:
        school = SchoolStatus.PENDING if age >= SCHOOL_AGE else SchoolStatus.NOT_APPLICABLE
    else:
        school = ""
    stay = Stay(
        region=region,
        person=person,
        unidentified=unidentified,
        arrival=arrival,
        arrived_on=arrived_on,
        age_at_arrival=age,
        health_on_arrival=health[:2000],
        ends_on=arrived_on + dt.timedelta(days=STAY_LIMIT_DAYS),
        school_status=school,
        created_by=user,
    )
    try:
        with transaction.atomic():
            stay.save()
    except IntegrityError:  # a concurrent intake of the same person
        raise ServiceError(
            {"id_number": [_("该人员已在站接受救助，不能重复登记")]}, status=409
        ) from None
    audit.record_created(
        stay,
        note=_("救助站受理登记：%(how)s") % {"how": stay.get_arrival_display()},
    )
    for what, quantity in items:
        _add_belonging(stay, what, quantity, arrived_on)
    return stay


def _add_belonging(stay: Stay, what: str, quantity: int, on: dt.date) -> Belonging:
    item = Belonging(stay=stay, description=what, quantity=quantity, received_on=on)
    with audit.audited(item, object_repr=f"{stay.number} {item}", note=_("代管物品登记")):
        item.save()
    return item


@transaction.atomic
def add_belonging(*, user, stay: Stay, description: str, quantity: int) -> Belonging:
    stay = _locked(user, stay)
    _require(stay, (Stay.State.ARRIVED, Stay.State.STAYING), _("登记代管物品"))
    what = _text(description, "description", _("请填写物品名称"), max_length=200)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 9999:
        raise ServiceError({"quantity": [_("物品数量应为1至9999")]})
    return _add_belonging(stay, what, quantity, _today())


def _return_belongings(stay: Stay, signed_by: str, on: dt.date) -> int:
    """Hand back everything still kept, signed for by `signed_by`; one audit event each."""
    kept = list(stay.belongings.filter(returned_on__isnull=True))
    if kept and not signed_by:
        raise ServiceError({"signed_by": [_("有代管物品未领回，请填写领回签收人")]})
    for item in kept:
        with audit.audited(item, object_repr=f"{stay.number} {item}", note=_("代管物品领回")):
            item.returned_on, item.returned_to = on, signed_by
            item.save(update_fields=["returned_on", "returned_to"])
    return len(kept)


def _transition(stay: Stay, method: str, action: str, note: str) -> None:
    bound = getattr(stay, method)
    if not can_proceed(bound):
        _require(stay, (), action)
    with audit.audited(stay, AuditEvent.Action.TRANSITION, note=note):
        bound()
        stay.save()


@transaction.atomic
def record_consent(
    *,
    user,
    stay: Stay,
    consent: bool,
    on: dt.date | None = None,
    note: str = "",
    signed_by: str = "",
) -> Stay:
    """The person's own decision. Consent opens the stay; a refusal closes it the same day and
    hands back whatever they handed in."""
    stay = _locked(user, stay)
    _require(stay, (Stay.State.ARRIVED,), _("确认受助意愿"))
    on = _date(on or _today(), "on", not_before=stay.arrived_on, label=_("入站日期"))
    note = _text(note, "note")
    if not isinstance(consent, bool):
        raise ServiceError({"consent": [_("请选择是否自愿接受救助")]})
    if consent:
        stay.consent_on, stay.consent_note = on, note
        _transition(stay, "consent", _("确认受助意愿"), _("本人自愿接受救助"))
        return stay
    if not note:
        raise ServiceError({"note": [_("请记录拒绝救助的情况")]})
    signed_by = _text(signed_by, "signed_by", max_length=64)
    _return_belongings(stay, signed_by, on)
    stay.consent_on, stay.consent_note = on, note
    stay.exited_on, stay.exit_note, stay.belongings_signed_by = on, note, signed_by
    _transition(stay, "refuse", _("拒绝救助"), _("本人拒绝救助，救助终止"))
    return stay


# ---------------------------------------------------------------- during the stay


@transaction.atomic
def extend(*, user, stay: Stay, new_end_on: dt.date | None, reason: str) -> Extension:
    """Keep someone beyond the limit (illness, a family on its way, a minor awaiting transfer)."""
    stay = _locked(user, stay)
    _require(stay, (Stay.State.STAYING,), _("延长救助期限"))
    reason = _text(reason, "reason", _("延长救助期限须说明理由"))
    if new_end_on is None:
        raise ServiceError({"new_end_on": [_("请填写延长后的救助期限")]})
    if not isinstance(new_end_on, dt.date):
        raise ServiceError({"new_end_on": [_("日期格式应为 YYYY-MM-DD")]})
    if new_end_on <= stay.ends_on:
        raise ServiceError(
            {"new_end_on": [_("延长后的期限应晚于现期限（%(d)s）") % {"d": stay.ends_on}]}
        )
    if new_end_on > stay.ends_on + dt.timedelta(days=366):
        raise ServiceError({"new_end_on": [_("一次延长不能超过一年")]})
    extension = Extension(
        stay=stay,
        previous_end_on=stay.ends_on,
        new_end_on=new_end_on,
        reason=reason,
        decided_by=user,
    )
    with audit.audited(extension, object_repr=f"{stay.number} {extension}", note=reason):
        extension.save()
    with audit.audited(stay, note=_("延长救助期限：%(r)s") % {"r": reason}):
        stay.ends_on = new_end_on
        stay.save(update_fields=["ends_on", "updated_at"])
    return extension


@transaction.atomic
def add_referral(
    *,
    user,
    stay: Stay,
    hospital: str,
    referred_on: dt.date | None,
    result: str = "",
    cost_fen: int = 0,
) -> MedicalReferral:
    stay = _locked(user, stay)
    _require(stay, (Stay.State.ARRIVED, Stay.State.STAYING), _("送医救治"))
    referral = MedicalReferral(
        stay=stay,
        hospital=_text(hospital, "hospital", _("请填写医院名称"), max_length=200),
        referred_on=_date(
            referred_on, "referred_on", not_before=stay.arrived_on, label=_("入站日期")
        ),
        result=_text(result, "result"),
        cost_fen=_fen(cost_fen, "cost_fen"),
    )
    with audit.audited(referral, object_repr=f"{stay.number} {referral}", note=_("送医救治")):
        referral.save()
    return referral


@transaction.atomic
def add_contact(
    *,
    user,
    stay: Stay,
    contacted_on: dt.date | None,
    channel: str,
    result: str,
    reached: bool = False,
) -> FamilyContact:
    stay = _locked(user, stay)
    _require(stay, (Stay.State.ARRIVED, Stay.State.STAYING), _("联系亲属"))
    if channel not in ContactChannel.values:
        raise ServiceError({"channel": [_("请选择联系方式")]})
    contact = FamilyContact(
        stay=stay,
        contacted_on=_date(
            contacted_on, "contacted_on", not_before=stay.arrived_on, label=_("入站日期")
        ),
        channel=channel,
        reached=bool(reached),
        result=_text(result, "result", _("请填写联系结果")),
    )
    with audit.audited(contact, object_repr=f"{stay.number} {contact}", note=_("联系亲属")):
        contact.save()
    return contact


# ---------------------------------------------------------------- exit


@transaction.atomic
def exit_stay(
    *,
    user,
    stay: Stay,
    kind: str,
    exited_on: dt.date | None,
    destination: str = "",
    ticket_fen: int = 0,
    signed_by: str = "",
    note: str = "",
) -> Stay:
    """How the person left. A minor leaves only to the protection centre or with family; a
    journey home with a ticket registers the ticket as a one-off payable to their household."""
    stay = _locked(user, stay)
    _require(stay, (Stay.State.STAYING,), _("离站"))
    if kind not in ExitKind.values:
        raise ServiceError({"kind": [_("请选择离站方式")]})
    exited_on = _date(exited_on, "exited_on", not_before=stay.arrived_on, label=_("入站日期"))
    if stay.is_minor and kind not in MINOR_EXITS:
        raise ServiceError({"kind": [_("未成年人应送未成年人救助保护中心或交亲属接回")]})
    if not stay.is_minor and kind == ExitKind.MINOR_CENTRE:
        raise ServiceError({"kind": [_("成年人不能送未成年人救助保护中心")]})
    destination = _text(destination, "destination", max_length=200)
    if kind in NAMED_DESTINATION and not destination:
        raise ServiceError({"destination": [_("请填写去向（地址、亲属或机构名称）")]})
    ticket_fen = _fen(ticket_fen, "ticket_fen")
    if ticket_fen and kind != ExitKind.ESCORT_HOME:
        raise ServiceError({"ticket_fen": [_("只有护送（返乡）回家才登记车票费用")]})
    household = None
    if ticket_fen:
        household = current_household(stay.person) if stay.person_id else None
        if household is None:
            raise ServiceError(
                {
                    "ticket_fen": [
                        _(
                            "身份未核实或在人口信息库中无家庭的人员，车票由救助站直接购买，不登记待发放"
                        )
                    ]
                }
            )
    signed_by = _text(signed_by, "signed_by", max_length=64)
    _return_belongings(stay, signed_by, exited_on)
    stay.exited_on, stay.exit_kind, stay.destination = exited_on, kind, destination
    stay.ticket_fen, stay.belongings_signed_by = ticket_fen, signed_by
    stay.exit_note = _text(note, "note")
    _transition(stay, "leave", _("离站"), _("离站：%(k)s") % {"k": ExitKind(kind).label})
    if household is not None:
        register_payable(
            source_kind=PAYABLE_SOURCE,
            source_id=stay.pk,
            programme=PROGRAMME,
            household=household,
            person=stay.person,
            region=household.region,
            amount_fen=ticket_fen,
            decided_on=exited_on,
            description=_("返乡车票 %(n)s %(y)s 元")
            % {"n": stay.number, "y": yuan_str(ticket_fen)},
        )
    return stay


# ---------------------------------------------------------------- minors after the exit


@transaction.atomic
def record_school(
    *, user, stay: Stay, status: str, school_name: str = "", returned_on: dt.date | None = None
) -> Stay:
    stay = _locked(user, stay)
    _require(stay, (Stay.State.STAYING, Stay.State.EXITED), _("登记返校情况"))
    if not stay.is_minor:
        raise ServiceError({"status": [_("只有未成年人登记返校情况")]})
    if status not in SchoolStatus.values or status == SchoolStatus.PENDING:
        raise ServiceError({"status": [_("请选择返校情况")]})
    if status == SchoolStatus.NOT_APPLICABLE and stay.is_school_age:
        raise ServiceError({"status": [_("学龄儿童（6至17周岁）应跟踪返校情况")]})
    school_name = _text(school_name, "school_name", max_length=200)
    if status == SchoolStatus.BACK:
        if not school_name:
            raise ServiceError({"school_name": [_("请填写就读学校")]})
        returned_on = _date(
            returned_on, "returned_on", not_before=stay.arrived_on, label=_("入站日期")
        )
    else:
        school_name, returned_on = "", None
    with audit.audited(stay, note=_("返校情况：%(s)s") % {"s": SchoolStatus(status).label}):
        stay.school_status, stay.school_name, stay.school_returned_on = (
            status,
            school_name,
            returned_on,
        )
        stay.save(
            update_fields=["school_status", "school_name", "school_returned_on", "updated_at"]
        )
    return stay


@transaction.atomic
def add_follow_up(*, user, stay: Stay, visited_on: dt.date | None, result: str) -> FollowUp:
    stay = _locked(user, stay)
    _require(stay, (Stay.State.EXITED,), _("离站回访"))
    if not stay.is_minor:
        raise ServiceError({"result": [_("离站回访只针对未成年人")]})
    visit = FollowUp(
        stay=stay,
        visited_on=_date(visited_on, "visited_on", not_before=stay.exited_on, label=_("离站日期")),
        result=_text(result, "result", _("请填写回访情况")),
    )
    with audit.audited(visit, object_repr=f"{stay.number} {_('离站回访')}", note=_("离站回访")):
        visit.save()
    return visit

"""Writes of the volunteer registration system. Each service is one business action: it checks
who acts and where (404 outside the region, 403 for a role that may not act), validates with
field-level Chinese messages, locks the row, changes it and writes the audit event in one
transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, validators
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.people import selectors as people_selectors
from minzheng.regions.models import Region

from .models import (
    Activity,
    Availability,
    Certificate,
    Channel,
    MemberStatus,
    ServiceRecord,
    Signup,
    Skill,
    Source,
    Status,
    Team,
    TeamMember,
    Volunteer,
    WorkerLink,
    star_for_minutes,
)
from .permissions import is_resident, is_staff, may_decide
from .selectors import get_activity, get_team, get_volunteer, leads, own_volunteer

# ---------------------------------------------------------------- helpers


def _by_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _forbid(message: str):
    raise PermissionDeniedError(message)


def _collect(errors: dict, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except ServiceError as exc:
        errors.update(exc.errors)
        return None


def _skills(values, field: str = "skills", *, required: bool = True) -> list[str]:
    values = [v for v in (values or []) if v]
    if required and not values:
        raise ServiceError({field: [_("请至少选择一项服务技能")]})
    if any(v not in Skill.values for v in values):
        raise ServiceError({field: [_("服务技能不在可选范围内")]})
    return sorted(set(values), key=Skill.values.index)


def _areas(codes) -> list[Region]:
    codes = [c.strip() for c in (codes or []) if c and c.strip()]
    if not codes:
        raise ServiceError({"area_codes": [_("请至少选择一个服务区域")]})
    found = list(
        Region.objects.filter(
            code__in=codes, kind="statutory", level__in=["county", "township", "village"]
        )
    )
    if len(found) != len(set(codes)):
        raise ServiceError(
            {"area_codes": [_("服务区域应为县（市、区）、乡镇（街道）或村（社区）")]}
        )
    return found


def _phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError({"phone": [_("请填写联系电话")]})
    message = validators.phone_error(value)
    if message:
        raise ServiceError({"phone": [message]})
    return value


def _region(code: str, field: str = "region_code") -> Region:
    region = Region.objects.filter(code=(code or "").strip(), kind="statutory").first()
    if region is None or region.level not in ("city", "county", "township", "village"):
        raise ServiceError({field: [_("请选择地区")]})
    return region


def refresh_volunteer(volunteer_id: int) -> None:
    """Total hours and star of one volunteer, after a credit (the set-based refresh of all is
    `summary.refresh`)."""
    total = (
        ServiceRecord.objects.filter(volunteer_id=volunteer_id, attended=True).aggregate(
            m=Sum("minutes")
        )["m"]
        or 0
    )
    Volunteer.objects.filter(pk=volunteer_id).update(
        total_minutes=total, star=star_for_minutes(total)
    )


# ---------------------------------------------------------------- registration


@transaction.atomic
def register(
    *,
    user,
    skills: list[str],
    area_codes: list[str],
    availability: str,
    phone: str,
    id_number: str = "",
    now: dt.datetime | None = None,
) -> Volunteer:
    """A resident registers online under the real name (their registry person); staff register a
    resident at the window by ID number. A decider's window registration is approved at once
    (the identity was checked in person); the others wait for the street office."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if is_resident(user):
        person, channel = user.person, Channel.ONLINE
    elif is_staff(user):
        channel = Channel.WINDOW
        person = _collect(
            errors,
            people_selectors.visible_by_id_number,
            user,
            id_number,
            field="id_number",
            format_message=_("身份证号码格式不正确"),
        )
        if person is None and "id_number" not in errors:
            errors["id_number"] = [_("人口库中没有该身份证号码的人员，或不在您的管辖范围内")]
    else:
        _forbid(_("当前账号无权登记志愿者"))
    skills = _collect(errors, _skills, skills)
    areas = _collect(errors, _areas, area_codes)
    if availability not in Availability.values:
        errors["availability"] = [_("请选择服务时间")]
    phone = _collect(errors, _phone, phone)
    if person is not None:
        if person.death_date is not None:
            errors["id_number"] = [_("该人员已死亡，不能登记")]
        elif person.hukou_region is None or person.hukou_region.level != "village":
            errors["id_number"] = [_("该人员没有村（社区）户籍登记，不能登记")]
    if errors:
        raise ServiceError(errors)
    existing = Volunteer.objects.select_for_update().filter(person=person).first()
    if existing is not None and existing.status not in (Status.REFUSED, Status.LEFT):
        raise ServiceError(
            {"id_number" if channel == Channel.WINDOW else "__all__": [_("已经注册或正在审核中")]},
            status=409,
        )
    row = existing or Volunteer(person=person)
    before = audit.snapshot(row) if existing else None
    row.region = person.hukou_region
    row.skills, row.availability, row.phone = skills, availability, phone
    row.status, row.channel, row.applied_at, row.applied_by = Status.PENDING, channel, now, user
    row.decided_at, row.decided_by, row.decided_by_name, row.reason = None, None, "", ""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ServiceError({"__all__": [_("已经注册或正在审核中")]}, status=409) from None
    row.areas.set(areas)
    extra = {"areas": [a.code for a in areas]}
    if before is None:
        audit.record_created(row, note=_("志愿者注册申请"), extra=extra)
    else:
        audit.record(
            "update",
            obj=row,
            before=before,
            after=audit.snapshot(row) | extra,
            note=_("志愿者重新申请注册"),
        )
    if channel == Channel.WINDOW and may_decide(user) and region_in_scope(user, row.region):
        row = decide(user=user, volunteer=row, approve=True, reason="", now=now)
    return row


def _number(row: Volunteer) -> str:
    return f"ZY{row.region.code[:6]}{row.pk:08d}"


def _approving_unit(user, volunteer: Volunteer) -> Region:
    if user.region_id:
        return user.region
    return volunteer.region.parent or volunteer.region


@transaction.atomic
def decide(
    *, user, volunteer: Volunteer, approve: bool, reason: str, now: dt.datetime | None = None
) -> Volunteer:
    """The street office approves (a volunteer number is given) or refuses with a reason."""
    volunteer = get_volunteer(user, volunteer.pk)
    if not may_decide(user):
        _forbid(_("当前账号无权审核志愿者注册"))
    row = Volunteer.objects.select_for_update().select_related("region").get(pk=volunteer.pk)
    if row.status != Status.PENDING:
        raise ServiceError({"status": [_("该注册申请已处理")]}, status=409)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ServiceError({"reason": [_("不予注册时请填写理由")]})
    if len(reason) > 500:
        raise ServiceError({"reason": [_("内容过长，最多%(n)s字") % {"n": 500}]})
    now = now or timezone.now()
    with audit.audited(row, note=_("志愿者注册审核")):
        row.status = Status.APPROVED if approve else Status.REFUSED
        row.reason = reason
        row.decided_at, row.decided_by, row.decided_by_name = now, user, _by_name(user)
        if approve:
            row.approved_on = timezone.localdate(now)
            row.approved_in = _approving_unit(user, row)
            row.number = row.number or _number(row)
        row.save()
    return row


@transaction.atomic
def leave(*, user, reason: str = "") -> Volunteer:
    """A volunteer leaves (注销): their hours stay on record."""
    own = own_volunteer(user)
    if own is None or not is_resident(user):
        raise NotFoundOrOutOfScope()
    row = Volunteer.objects.select_for_update().get(pk=own.pk)
    if row.status not in (Status.PENDING, Status.APPROVED, Status.SUSPENDED):
        raise ServiceError({"status": [_("当前状态不能退出")]}, status=409)
    with audit.audited(row, note=_("志愿者退出")):
        row.status, row.reason = Status.LEFT, (reason or "").strip()[:500]
        row.save()
    return row


@transaction.atomic
def suspend(*, user, volunteer: Volunteer, reason: str) -> Volunteer:
    volunteer = get_volunteer(user, volunteer.pk)
    if not may_decide(user):
        _forbid(_("当前账号无权暂停志愿者"))
    reason = validators.required_text(reason, "reason", _("请填写暂停理由"), max_length=500)
    row = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if row.status != Status.APPROVED:
        raise ServiceError({"status": [_("只能暂停已注册的志愿者")]}, status=409)
    with audit.audited(row, note=_("暂停志愿者")):
        row.status, row.reason = Status.SUSPENDED, reason
        row.save()
    return row


@transaction.atomic
def reinstate(*, user, volunteer: Volunteer) -> Volunteer:
    volunteer = get_volunteer(user, volunteer.pk)
    if not may_decide(user):
        _forbid(_("当前账号无权恢复志愿者"))
    row = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if row.status != Status.SUSPENDED:
        raise ServiceError({"status": [_("只能恢复已暂停的志愿者")]}, status=409)
    with audit.audited(row, note=_("恢复志愿者")):
        row.status, row.reason = Status.APPROVED, ""
        row.save()
    return row


# ---------------------------------------------------------------- teams


@transaction.atomic
def create_team(
    *,
    user,
    name: str,
    region_code: str,
    description: str = "",
    organisation_id: int | None = None,
    provider_id: int | None = None,
    leader_number: str = "",
) -> Team:
    from minzheng.eldercare.models import Provider
    from minzheng.socialorgs.models import Organisation

    if not is_staff(user):
        _forbid(_("当前账号无权组建志愿服务队"))
    errors: dict[str, list[str]] = {}
    name = _collect(
        errors, validators.required_text, name, "name", _("请填写服务队名称"), max_length=100
    )
    region = _collect(errors, _region, region_code)
    if region is not None and not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    description = _collect(
        errors,
        validators.required_text,
        description,
        "description",
        "",
        max_length=500,
        required=False,
    )
    organisation = provider = leader = None
    if organisation_id:
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            errors["organisation_id"] = [_("社会组织不存在")]
    if provider_id:
        provider = Provider.objects.filter(pk=provider_id, kind=Provider.Kind.VOLUNTEERS).first()
        if provider is None:
            errors["provider_id"] = [_("请选择类别为志愿服务队的居家养老服务机构")]
        elif Team.objects.filter(provider=provider).exists():
            errors["provider_id"] = [_("该服务机构已关联其他服务队")]
    if leader_number:
        leader = Volunteer.objects.filter(
            number=leader_number.strip(), status=Status.APPROVED
        ).first()
        if leader is None:
            errors["leader_number"] = [_("没有该编号的在册志愿者")]
    if errors:
        raise ServiceError(errors)
    team = Team.objects.create(
        name=name,
        region=region,
        description=description,
        organisation=organisation,
        provider=provider,
        leader=leader,
        created_by=user,
    )
    if leader is not None:
        TeamMember.objects.create(
            team=team,
            volunteer=leader,
            status=MemberStatus.ACCEPTED,
            requested_at=timezone.now(),
            decided_at=timezone.now(),
        )
    audit.record_created(team, note=_("组建志愿服务队"))
    return team


def _manager(user, team: Team) -> None:
    """The team's leader, or staff in the team's region."""
    if leads(user, team):
        return
    if is_staff(user) and region_in_scope(user, team.region):
        return
    _forbid(_("只有服务队队长或辖区工作人员可以办理"))


@transaction.atomic
def request_join(*, user, team: Team) -> TeamMember:
    team = get_team(user, team.pk)
    volunteer = own_volunteer(user)
    if volunteer is None or volunteer.status != Status.APPROVED:
        raise ServiceError({"__all__": [_("注册成为志愿者并通过审核后才能加入服务队")]}, status=409)
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(
                team=team, volunteer=volunteer, requested_at=timezone.now()
            )
    except IntegrityError:
        raise ServiceError({"__all__": [_("已申请加入该服务队")]}, status=409) from None
    audit.record_created(member, note=_("申请加入志愿服务队"))
    return member


@transaction.atomic
def decide_member(*, user, team: Team, member_id: int, accept: bool) -> TeamMember:
    team = get_team(user, team.pk)
    _manager(user, team)
    member = TeamMember.objects.select_for_update().filter(pk=member_id, team=team).first()
    if member is None:
        raise NotFoundOrOutOfScope()
    if member.status != MemberStatus.REQUESTED:
        raise ServiceError({"status": [_("该申请已处理")]}, status=409)
    with audit.audited(member, note=_("处理入队申请")):
        member.status = MemberStatus.ACCEPTED if accept else MemberStatus.REFUSED
        member.decided_at = timezone.now()
        member.save()
    return member


@transaction.atomic
def link_worker(*, user, worker_id: int, volunteer_number: str) -> WorkerLink:
    """Staff record that an elderly-care worker of a team's provider is a volunteer."""
    from minzheng.eldercare.models import Worker

    if not is_staff(user):
        _forbid(_("当前账号无权关联服务人员"))
    errors: dict[str, list[str]] = {}
    worker = Worker.objects.select_related("provider").filter(pk=worker_id).first()
    if worker is None or not Team.objects.filter(provider_id=worker.provider_id).exists():
        errors["worker_id"] = [_("请选择已关联服务队的服务机构的服务人员")]
    volunteer = Volunteer.objects.filter(
        number=(volunteer_number or "").strip(), status=Status.APPROVED
    ).first()
    if volunteer is None:
        errors["volunteer_number"] = [_("没有该编号的在册志愿者")]
    if errors:
        raise ServiceError(errors)
    if not region_in_scope(user, volunteer.region):
        raise NotFoundOrOutOfScope()
    link, created = WorkerLink.objects.update_or_create(
        worker=worker, defaults={"volunteer": volunteer}
    )
    audit.record_created(link, note=_("关联服务人员与志愿者"))
    return link


# ---------------------------------------------------------------- activities


@transaction.atomic
def publish_activity(
    *,
    user,
    team: Team,
    title: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    place: str,
    region_code: str,
    capacity: int | None,
    skills: list[str] | None = None,
) -> Activity:
    team = get_team(user, team.pk)
    _manager(user, team)
    errors: dict[str, list[str]] = {}
    title = _collect(
        errors, validators.required_text, title, "title", _("请填写活动名称"), max_length=100
    )
    place = _collect(
        errors, validators.required_text, place, "place", _("请填写活动地点"), max_length=200
    )
    region = _collect(errors, _region, region_code)
    if region is not None and not region.path.startswith(team.region.path):
        errors["region_code"] = [_("活动地区应在服务队所在地区内")]
    if starts_at is None:
        errors["starts_at"] = [_("请填写开始时间")]
    if ends_at is None:
        errors["ends_at"] = [_("请填写结束时间")]
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [_("结束时间应晚于开始时间")]
    elif starts_at is not None and ends_at - starts_at > dt.timedelta(hours=24):
        errors["ends_at"] = [_("一次活动不超过24小时")]
    if not isinstance(capacity, int) or not 1 <= capacity <= 1000:
        errors["capacity"] = [_("招募人数应在1至1000之间")]
    skills = _collect(errors, _skills, skills, required=False)
    if errors:
        raise ServiceError(errors)
    activity = Activity.objects.create(
        team=team,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        region=region,
        capacity=capacity,
        skills=skills,
        created_by=user,
    )
    audit.record_created(activity, note=_("发布志愿服务活动"))
    return activity


@transaction.atomic
def sign_up(*, user, activity: Activity, now: dt.datetime | None = None) -> Signup:
    """A place is taken under a lock on the activity row, so concurrent sign-ups never exceed the
    capacity."""
    activity = get_activity(user, activity.pk)
    volunteer = own_volunteer(user)
    if volunteer is None or volunteer.status != Status.APPROVED:
        raise ServiceError({"__all__": [_("注册成为志愿者并通过审核后才能报名")]}, status=409)
    now = now or timezone.now()
    row = Activity.objects.select_for_update().get(pk=activity.pk)
    if row.cancelled or row.starts_at <= now:
        raise ServiceError({"__all__": [_("活动已开始或已取消，不能报名")]}, status=409)
    if Signup.objects.filter(activity=row, volunteer=volunteer).exists():
        raise ServiceError({"__all__": [_("已报名该活动")]}, status=409)
    if row.signed_up >= row.capacity:
        raise ServiceError({"__all__": [_("报名人数已满")]}, status=409)
    signup = Signup.objects.create(activity=row, volunteer=volunteer, signed_at=now)
    Activity.objects.filter(pk=row.pk).update(signed_up=F("signed_up") + 1)
    audit.record_created(signup, note=_("报名志愿服务活动"), region_code=row.region.code)
    return signup


@transaction.atomic
def record_hours(
    *, user, activity: Activity, entries: list[dict], now: dt.datetime | None = None
) -> list[ServiceRecord]:
    """After the activity the organiser records, once, for every participant: attended or not,
    and the minutes served (at most the activity's length)."""
    activity = get_activity(user, activity.pk)
    _manager(user, activity.team)
    now = now or timezone.now()
    row = Activity.objects.select_for_update().select_related("team").get(pk=activity.pk)
    if row.hours_recorded_at is not None:
        raise ServiceError({"__all__": [_("该活动的服务时长已登记")]}, status=409)
    if row.ends_at > now:
        raise ServiceError({"__all__": [_("活动结束后才能登记服务时长")]}, status=409)
    signups = {s.pk: s for s in row.signups.select_related("volunteer")}
    given = {}
    errors: dict[str, list[str]] = {}
    length = row.length_minutes
    for i, entry in enumerate(entries or []):
        sid = entry.get("signup_id")
        if sid not in signups:
            errors[f"entries.{i}.signup_id"] = [_("报名记录不存在")]
            continue
        attended = bool(entry.get("attended"))
        minutes = entry.get("minutes") or 0
        if attended and (not isinstance(minutes, int) or not 1 <= minutes <= length):
            errors[f"entries.{i}.minutes"] = [
                _("服务时长应在1至%(n)s分钟之间（不超过活动时长）") % {"n": length}
            ]
        given[sid] = (attended, minutes if attended else 0)
    missing = set(signups) - set(given)
    if missing and not errors:
        errors["entries"] = [_("请为每位报名的志愿者登记出勤情况")]
    if errors:
        raise ServiceError(errors)
    records = ServiceRecord.objects.bulk_create(
        [
            ServiceRecord(
                volunteer=signups[sid].volunteer,
                source=Source.ACTIVITY,
                served_on=timezone.localdate(row.starts_at),
                minutes=minutes,
                attended=attended,
                signup=signups[sid],
                team=row.team,
                title=row.title,
            )
            for sid, (attended, minutes) in given.items()
        ]
    )
    with audit.audited(row, note=_("登记志愿服务时长")):
        row.hours_recorded_at = now
        row.save(update_fields=["hours_recorded_at"])
    for vid in {signups[sid].volunteer_id for sid in given}:
        refresh_volunteer(vid)
    return records


# ---------------------------------------------------------------- hours from elderly care


def credit_booking(*, booking, at=None) -> ServiceRecord | None:
    """Subscribed to eldercare's booking_served, inside its transaction: a booking served by a
    volunteer worker for a provider linked to a team is credited once (the booking is unique on
    the records; a second signal adds nothing)."""
    if not booking.worker_id:
        return None
    link = (
        WorkerLink.objects.select_related("volunteer")
        .filter(worker_id=booking.worker_id, volunteer__status=Status.APPROVED)
        .first()
    )
    team = Team.objects.filter(provider_id=booking.provider_id).first()
    if link is None or team is None:
        return None
    if ServiceRecord.objects.filter(booking_id=booking.pk).exists():
        return None
    minutes = booking.actual_minutes or booking.minutes or 0
    if minutes <= 0:
        return None
    try:
        with transaction.atomic():
            record = ServiceRecord.objects.create(
                volunteer=link.volunteer,
                source=Source.BOOKING,
                served_on=booking.served_on or timezone.localdate(at),
                minutes=minutes,
                booking=booking,
                team=team,
                title=str(booking.item.name)[:100],
            )
    except IntegrityError:
        return None
    audit.record_created(record, note=_("居家养老志愿服务时长"))
    refresh_volunteer(link.volunteer_id)
    return record


def on_booking_served(sender, booking, at=None, **kwargs):
    credit_booking(booking=booking, at=at)


# ---------------------------------------------------------------- certificate


def verification_code(volunteer: Volunteer, issued_on: dt.date) -> str:
    """12 digits derived from the number, the hours and the day, keyed with the site's secret: a
    certificate shown later is checked by recomputing it."""
    message = f"{volunteer.number}|{volunteer.total_minutes}|{issued_on.isoformat()}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return str(int(digest[:15], 16) % 10**12).zfill(12)


@transaction.atomic
def issue_certificate(*, volunteer: Volunteer, on: dt.date | None = None) -> Certificate:
    """Record a certificate as printed (its verification number and figures) so it can be
    verified later; the same volunteer, hours and day give the same number and the same row, so
    downloading it again records nothing new."""
    on = on or timezone.localdate()
    code = verification_code(volunteer, on)
    found = Certificate.objects.filter(code=code).first()
    if found is not None:
        return found
    certificate = Certificate(
        code=code,
        volunteer=volunteer,
        issued_on=on,
        minutes=volunteer.total_minutes,
        star=volunteer.star,
        issued_by_name=volunteer.approved_in.name if volunteer.approved_in_id else "",
    )
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:  # issued by a concurrent download a moment ago
        return Certificate.objects.get(code=code)
    audit.record_created(certificate, note=_("出具志愿服务证明"))
    return certificate

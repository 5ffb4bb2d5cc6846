"""Writes of the register. Each service is one business action: it checks who acts and where
(404 outside the scope, 403 for a role that may not act), validates with field-level Chinese
messages (422), refuses a step the complaint's state does not allow (409), locks the row, changes
it, writes the history and the audit event in one transaction, and publishes the milestone
(`complaints.signals`) once the transaction commits."""

from __future__ import annotations

import datetime as dt
import io

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import actor_name
from minzheng.core import audit, validators
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.roles import Role, role_of
from minzheng.core.scope import region_in_scope
from minzheng.people import selectors as people_selectors
from minzheng.regions.models import Region
from minzheng.units.models import Unit

from . import deadlines, signals, subjects
from .models import (
    ANONYMOUS_CHANNELS,
    Category,
    Channel,
    Complaint,
    Counter,
    Satisfaction,
    Status,
)
from .permissions import is_resident, may_file, may_handle
from .selectors import get_complaint, is_owned_by

OWNER_LEVELS = ("township", "county", "city")


# ---------------------------------------------------------------- helpers


def _office_region(region: Region | None) -> Region | None:
    """The civil-affairs office answering for `region`: its township, county or the city (a
    village's complaint goes to its township)."""
    while region is not None and region.level not in OWNER_LEVELS:
        region = region.parent
    return region


def registry_of(region: Region) -> Region:
    """The county (or the city) whose yearly sequence numbers the complaint."""
    while region.level == "township" and region.parent is not None:
        region = region.parent
    return region


def _next_number(registry: Region, year: int) -> str:
    """XF + the registry's code + year + a 4-digit sequence, taken under the counter's row lock."""
    try:
        with transaction.atomic():
            Counter.objects.get_or_create(registry=registry, year=year)
    except IntegrityError:  # created meanwhile by a concurrent filing
        pass
    counter = Counter.objects.select_for_update().get(registry=registry, year=year)
    Counter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    return f"XF{registry.code[:6]}{year}{counter.last + 1:04d}"


def _event(complaint, *, user, action, label, before: str, note: str = "", **extra):
    complaint.events.create(
        action=action,
        label=label,
        from_status=before,
        to_status=complaint.status,
        by=user,
        by_name=actor_name(user),
        at=timezone.now(),
        note=note,
        **extra,
    )


def _publish(signal, complaint, user, **kwargs):
    transaction.on_commit(
        lambda: signal.send(sender=Complaint, complaint=complaint, by=user, **kwargs)
    )


def _owner(region_code: str, unit_code: str, errors: dict) -> tuple[Region | None, Unit | None]:
    unit = None
    region = None
    if (unit_code or "").strip():
        unit = (
            Unit.objects.select_related("region")
            .filter(code=unit_code.strip(), active=True)
            .first()
        )
        if unit is None:
            errors["owner_unit_code"] = [_("没有这个单位")]
        else:
            region = unit.region
    elif (region_code or "").strip():
        region = Region.objects.filter(
            code=region_code.strip(), kind="statutory", level__in=OWNER_LEVELS
        ).first()
        if region is None:
            errors["owner_region_code"] = [_("请选择承办的乡镇（街道）、县（市、区）或市局")]
    return region, unit


def _stage(complaint, allowed: tuple, label: str):
    if complaint.status not in allowed:
        raise ServiceError(
            {
                "status": [
                    _("投诉当前处于“%(s)s”状态，不能办理“%(a)s”")
                    % {"s": complaint.get_status_display(), "a": label}
                ]
            },
            status=409,
        )


def _locked(complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("owner_region", "owner_unit")
        .get(pk=complaint.pk)
    )


def _handled(user, complaint) -> Complaint:
    """The complaint, locked, for its owner's staff; read-only readers are refused (403)."""
    complaint = get_complaint(user, complaint.pk)
    if not may_handle(user):
        raise PermissionDeniedError(_("当前账号无权办理信访投诉"))
    if not is_owned_by(user, complaint):
        raise PermissionDeniedError(_("该投诉已转由其他单位办理，本单位只能查看"))
    return _locked(complaint)


def _save(complaint, *, user, action: str, label: str, before: dict, note: str = "", **extra):
    complaint.save()
    _event(
        complaint,
        user=user,
        action=action,
        label=label,
        before=before.get("status", ""),
        note=note,
        **extra,
    )
    audit.record(
        "update", obj=complaint, before=before, after=audit.snapshot(complaint), note=label
    )
    return complaint


# ---------------------------------------------------------------- filing


@transaction.atomic
def file_complaint(
    *,
    user,
    category: str,
    content: str,
    channel: str = "",
    anonymous: bool = False,
    complainant_id_number: str = "",
    complainant_name: str = "",
    complainant_phone: str = "",
    subject_kind: str = "",
    subject_id: int | None = None,
    owner_region_code: str = "",
    owner_unit_code: str = "",
    received_on: dt.date | None = None,
) -> Complaint:
    """A resident files online for themselves; staff register a complaint received by phone, at
    the window or by letter. The owner is the office chosen (in the filer's scope), else the
    office of the record complained about, else the filer's own office (a resident's: their
    township)."""
    if not may_file(user):
        raise PermissionDeniedError(_("当前账号无权登记信访投诉"))
    errors: dict[str, list[str]] = {}
    resident = is_resident(user)
    person = None
    if category not in Category.values:
        errors["category"] = [_("请选择投诉类别")]
    text = (content or "").strip()
    if not text:
        errors["content"] = [_("请填写投诉内容")]
    elif len(text) > 4000:
        errors["content"] = [_("内容过长，最多%(n)s字") % {"n": 4000}]
    subject = None
    if subject_kind:
        if subjects.get(subject_kind) is None:
            errors["subject_kind"] = [_("请选择投诉对象类型")]
        else:
            subject = subjects.resolve(user, subject_kind, subject_id)
            if subject is None:
                errors["subject_id"] = [_("没有找到这个投诉对象")]
    if resident:
        channel = Channel.ONLINE
        anonymous = False
        person = user.person
        if person is None:
            raise PermissionDeniedError(_("当前账号未关联人口信息，不能网上投诉"))
        region = _office_region(subject.region if subject else person.hukou_region)
        unit = None
        name = person.name
        phone = (complainant_phone or "").strip() or person.phone or user.phone or ""
    else:
        if channel not in (Channel.PHONE, Channel.WINDOW, Channel.LETTER):
            errors["channel"] = [_("请选择来源渠道")]
        anonymous = bool(anonymous)
        if anonymous and channel not in ANONYMOUS_CHANNELS:
            errors["anonymous"] = [_("只有来电、来信可以匿名")]
        if (complainant_id_number or "").strip() and not anonymous:
            try:
                person = people_selectors.visible_by_id_number(
                    user,
                    complainant_id_number,
                    field="complainant_id_number",
                    format_message=_("身份证号码格式不正确"),
                )
                if person is None:
                    errors["complainant_id_number"] = [
                        _("本辖区人口库中没有这个身份证号码，请只填写姓名和电话")
                    ]
            except ServiceError as exc:
                errors.update(exc.errors)
        name = (
            ""
            if anonymous
            else ((complainant_name or "").strip() or (person.name if person else ""))
        )
        phone = (
            ""
            if anonymous
            else ((complainant_phone or "").strip() or (person.phone if person else ""))
        )
        if not anonymous and not name:
            errors["complainant_name"] = [_("请填写投诉人姓名，或选择匿名（来电、来信）")]
        region, unit = _owner(owner_region_code, owner_unit_code, errors)
        if region is None and "owner_region_code" not in errors and "owner_unit_code" not in errors:
            if subject is not None:
                region = _office_region(subject.region)
            elif role_of(user) == Role.UNIT_STAFF and user.unit_id:
                unit = user.unit
                region = unit.region
            else:
                region = _office_region(user.region)
    if name and (problem := validators.name_error(name)):
        errors["complainant_name"] = [problem]
    if phone and (problem := validators.phone_error(phone)):
        errors["complainant_phone"] = [problem]
    try:
        received = validators.past_date(None if resident else received_on, "received_on")
    except ServiceError as exc:
        errors.update(exc.errors)
        received = None
    if errors:
        raise ServiceError(errors)
    if region is None:
        raise ServiceError(
            {"owner_region_code": [_("请选择承办的乡镇（街道）、县（市、区）或市局")]}
        )
    if not resident and not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    if (
        not resident
        and unit is not None
        and role_of(user) == Role.UNIT_STAFF
        and unit.pk != user.unit_id
    ):
        raise ServiceError({"owner_unit_code": [_("只能登记本单位承办的投诉，其他单位请转办")]})
    complaint = Complaint.objects.create(
        number=_next_number(registry_of(region), received.year),
        channel=channel,
        category=category,
        anonymous=anonymous,
        complainant=person,
        complainant_name=name[:64],
        complainant_phone=phone[:20],
        filer=user if resident else None,
        subject_kind=subject_kind if subject else "",
        subject_id=subject_id if subject else None,
        owner_region=region,
        owner_unit=unit,
        content=text,
        received_on=received,
        received_by_name=actor_name(user),
        accept_due_on=deadlines.accept_due(received),
    )
    _event(complaint, user=user, action="receive", label=_("登记投诉"), before="")
    audit.record_created(complaint, object_repr=complaint.number, note=_("登记信访投诉"))
    _publish(signals.complaint_received, complaint, user)
    return complaint


# ---------------------------------------------------------------- handling


@transaction.atomic
def accept(*, user, complaint, on: dt.date | None = None) -> Complaint:
    complaint = _handled(user, complaint)
    label = _("受理")
    _stage(complaint, (Status.RECEIVED,), label)
    before = audit.snapshot(complaint)
    complaint.accepted_on = validators.past_date(on, "on", not_before=complaint.received_on)
    complaint.handle_due_on = deadlines.handle_due(complaint.accepted_on)
    complaint.status = Status.ACCEPTED
    _save(complaint, user=user, action="accept", label=label, before=before)
    _publish(signals.complaint_accepted, complaint, user)
    return complaint


@transaction.atomic
def decline(*, user, complaint, reason: str, on: dt.date | None = None) -> Complaint:
    """不予受理, with the reason told to the complainant."""
    complaint = _handled(user, complaint)
    label = _("不予受理")
    _stage(complaint, (Status.RECEIVED,), label)
    reason = validators.required_text(reason, "reason", _("请填写不予受理的理由"))
    before = audit.snapshot(complaint)
    complaint.not_accepted_reason = reason
    complaint.closed_on = validators.past_date(on, "on", not_before=complaint.received_on)
    complaint.status = Status.NOT_ACCEPTED
    _save(complaint, user=user, action="decline", label=label, before=before, note=reason)
    _publish(signals.complaint_not_accepted, complaint, user)
    return complaint


@transaction.atomic
def transfer(
    *, user, complaint, note: str, to_region_code: str = "", to_unit_code: str = ""
) -> Complaint:
    """Hand the complaint to another region's office or a unit, with a note. The deadlines keep
    running; the office it leaves keeps reading it."""
    complaint = _handled(user, complaint)
    label = _("转办")
    _stage(complaint, (Status.RECEIVED, Status.ACCEPTED, Status.INVESTIGATED), label)
    errors: dict = {}
    region, unit = _owner(to_region_code, to_unit_code, errors)
    if region is None and not errors:
        errors["to_region_code"] = [_("请选择转往的地区或单位")]
    errors = {("to_" + k.removeprefix("owner_")): v for k, v in errors.items()}
    try:
        note = validators.required_text(note, "note", _("请填写转办说明"), max_length=500)
    except ServiceError as exc:
        errors.update(exc.errors)
    if errors:
        raise ServiceError(errors)
    if region == complaint.owner_region and unit == complaint.owner_unit:
        raise ServiceError({"to_region_code": [_("不能转给当前承办单位")]})
    before = audit.snapshot(complaint)
    from_region, from_unit = complaint.owner_region, complaint.owner_unit
    complaint.owner_region, complaint.owner_unit = region, unit
    to_label = unit.name if unit else region.name
    _save(
        complaint,
        user=user,
        action="transfer",
        label=label,
        before=before,
        note=f"{_('转至')}{to_label}：{note}",
        from_region=from_region,
        from_unit=from_unit,
    )
    _publish(
        signals.complaint_transferred, complaint, user, from_region=from_region, from_unit=from_unit
    )
    return complaint


@transaction.atomic
def extend(*, user, complaint, reason: str, days: int = deadlines.EXTENSION_DAYS) -> Complaint:
    """Extend the handling period once, by up to 30 days, with a reason; the complainant is told
    (the `complaint_extended` signal, and the history)."""
    complaint = _handled(user, complaint)
    label = _("延期办理")
    _stage(complaint, (Status.ACCEPTED, Status.INVESTIGATED), label)
    if complaint.extended_on:
        raise ServiceError({"reason": [_("办理期限只能延长一次")]}, status=409)
    errors: dict = {}
    if not isinstance(days, int) or not 1 <= days <= deadlines.EXTENSION_DAYS:
        errors["days"] = [_("延长天数应在1至30天之间")]
    try:
        reason = validators.required_text(reason, "reason", _("请填写延期理由"))
    except ServiceError as exc:
        errors.update(exc.errors)
    if errors:
        raise ServiceError(errors)
    today = timezone.localdate()
    if today > complaint.handle_due_on:
        raise ServiceError({"reason": [_("办理期限已过，不能再延期")]}, status=409)
    before = audit.snapshot(complaint)
    complaint.extended_on = today
    complaint.extension_reason = reason
    complaint.handle_due_on = deadlines.handle_due(complaint.accepted_on, days)
    note = _("延长%(n)s日，已告知投诉人：%(r)s") % {"n": days, "r": reason}
    _save(complaint, user=user, action="extend", label=label, before=before, note=note)
    _publish(signals.complaint_extended, complaint, user)
    return complaint


@transaction.atomic
def investigate(*, user, complaint, findings: str, substantiated: bool | None) -> Complaint:
    """The findings of the investigation (调查核实) and whether the complaint is substantiated."""
    complaint = _handled(user, complaint)
    label = _("调查核实")
    _stage(complaint, (Status.ACCEPTED, Status.INVESTIGATED), label)
    errors: dict = {}
    try:
        findings = validators.required_text(
            findings, "findings", _("请填写调查情况"), max_length=4000
        )
    except ServiceError as exc:
        errors.update(exc.errors)
    if substantiated not in (True, False):
        errors["substantiated"] = [_("请选择投诉是否属实")]
    if errors:
        raise ServiceError(errors)
    before = audit.snapshot(complaint)
    complaint.findings = findings
    complaint.substantiated = substantiated
    complaint.investigated_on = timezone.localdate()
    complaint.status = Status.INVESTIGATED
    _save(complaint, user=user, action="investigate", label=label, before=before, note=findings)
    _publish(signals.complaint_investigated, complaint, user)
    return complaint


@transaction.atomic
def reply(*, user, complaint, text: str, on: dt.date | None = None) -> Complaint:
    """The written reply (书面答复) after the investigation; the 30 days to ask for a review
    start."""
    complaint = _handled(user, complaint)
    label = _("书面答复")
    _stage(complaint, (Status.INVESTIGATED,), label)
    text = validators.required_text(text, "reply", _("请填写书面答复内容"), max_length=4000)
    before = audit.snapshot(complaint)
    complaint.reply = text
    complaint.replied_on = validators.past_date(on, "on", not_before=complaint.accepted_on)
    complaint.review_due_on = deadlines.review_due(complaint.replied_on)
    complaint.status = Status.REPLIED
    _save(complaint, user=user, action="reply", label=label, before=before, note=text)
    _publish(signals.complaint_replied, complaint, user)
    return complaint


def _own_or_handled(user, complaint) -> Complaint:
    """The complainant (a resident, their own complaint) or the owner's staff recording what the
    complainant said."""
    if is_resident(user):
        get_complaint(user, complaint.pk)
        return _locked(complaint)
    return _handled(user, complaint)


@transaction.atomic
def rate(*, user, complaint, satisfaction: str) -> Complaint:
    """The complainant's satisfaction with the reply; it closes the complaint (a review may still
    be asked within its 30 days)."""
    complaint = _own_or_handled(user, complaint)
    label = _("评价答复")
    _stage(complaint, (Status.REPLIED,), label)
    if satisfaction not in Satisfaction.values:
        raise ServiceError({"satisfaction": [_("请选择对答复的评价")]})
    before = audit.snapshot(complaint)
    complaint.satisfaction = satisfaction
    complaint.status = Status.CLOSED
    complaint.closed_on = max(timezone.localdate(), complaint.replied_on)
    _save(
        complaint,
        user=user,
        action="rate",
        label=label,
        before=before,
        note=str(Satisfaction(satisfaction).label),
    )
    _publish(signals.complaint_rated, complaint, user, satisfaction=satisfaction)
    _publish(signals.complaint_closed, complaint, user)
    return complaint


@transaction.atomic
def close(*, user, complaint) -> Complaint:
    """The owner closes a replied complaint the complainant did not rate."""
    complaint = _handled(user, complaint)
    label = _("办结")
    _stage(complaint, (Status.REPLIED,), label)
    before = audit.snapshot(complaint)
    complaint.status = Status.CLOSED
    complaint.closed_on = max(timezone.localdate(), complaint.replied_on)
    _save(complaint, user=user, action="close", label=label, before=before)
    _publish(signals.complaint_closed, complaint, user)
    return complaint


@transaction.atomic
def request_review(*, user, complaint, reason: str, on: dt.date | None = None) -> Complaint:
    """A request for review (复查) within 30 days of the written reply; answered within 30."""
    complaint = _own_or_handled(user, complaint)
    label = _("申请复查")
    _stage(complaint, (Status.REPLIED, Status.CLOSED), label)
    if complaint.review_requested_on or not complaint.replied_on:
        raise ServiceError({"reason": [_("该投诉已申请过复查")]}, status=409)
    reason = validators.required_text(reason, "reason", _("请填写复查请求"))
    on = validators.past_date(
        None if is_resident(user) else on, "on", not_before=complaint.replied_on
    )
    if on > complaint.review_due_on:
        raise ServiceError(
            {
                "reason": [
                    _("已超过复查申请期限（%(d)s）") % {"d": complaint.review_due_on.isoformat()}
                ]
            },
            status=409,
        )
    before = audit.snapshot(complaint)
    complaint.review_requested_on = on
    complaint.review_reason = reason
    complaint.review_answer_due_on = deadlines.review_answer_due(on)
    complaint.status = Status.REVIEW
    complaint.closed_on = None
    _save(complaint, user=user, action="review", label=label, before=before, note=reason)
    _publish(signals.complaint_review_requested, complaint, user)
    return complaint


def may_answer_review(user, complaint) -> bool:
    """The office above the owner answers the review: the county for a township's complaint, the
    city for a county's or a unit's (a unit does not review itself)."""
    if not may_handle(user):
        return False
    if role_of(user) == Role.ADMIN:
        return True
    if role_of(user) == Role.UNIT_STAFF or user.region is None:
        return False
    owner = complaint.owner_region
    if complaint.owner_unit_id:
        return (
            user.region.level == "city"
            and user.unit_id != complaint.owner_unit_id
            and (owner.path.startswith(user.region.path))
        )
    return owner.path.startswith(user.region.path) and owner.pk != user.region_id


@transaction.atomic
def answer_review(*, user, complaint, result: str, on: dt.date | None = None) -> Complaint:
    complaint = get_complaint(user, complaint.pk)
    if not may_answer_review(user, complaint):
        raise PermissionDeniedError(_("复查由承办单位的上一级办理"))
    complaint = _locked(complaint)
    label = _("复查意见")
    _stage(complaint, (Status.REVIEW,), label)
    result = validators.required_text(result, "result", _("请填写复查意见"))
    before = audit.snapshot(complaint)
    complaint.review_result = result
    complaint.review_done_on = validators.past_date(
        on, "on", not_before=complaint.review_requested_on
    )
    complaint.closed_on = complaint.review_done_on
    complaint.status = Status.CLOSED
    _save(complaint, user=user, action="review_done", label=label, before=before, note=result)
    _publish(signals.complaint_review_answered, complaint, user)
    _publish(signals.complaint_closed, complaint, user)
    return complaint


# ---------------------------------------------------------------- the reply letter


def reply_letter_pdf(complaint: Complaint) -> bytes:
    """The written reply as a letter (A4, the embedded CJK font); the complainant's name only,
    no ID number or phone."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    from minzheng.core.pdf import cjk_font

    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    title = _("信访事项答复意见书")
    pdf.setTitle(f"{title} {complaint.number}")
    pdf.setFont(font, 20)
    pdf.drawCentredString(width / 2, height - 72, title)
    pdf.setFont(font, 11)
    pdf.drawRightString(width - 60, height - 100, complaint.number)
    y = height - 140
    addressee = complaint.complainant_name or _("投诉人")
    lines = [f"{addressee}：", ""]
    intro = _("你于%(d)s反映的问题（%(c)s），本机关已于%(a)s受理。经调查核实，现答复如下：") % {
        "d": complaint.received_on.strftime("%Y年%m月%d日"),
        "c": complaint.get_category_display(),
        "a": complaint.accepted_on.strftime("%Y年%m月%d日") if complaint.accepted_on else "—",
    }
    lines.append(intro)
    lines.extend(complaint.reply.splitlines() or [""])
    lines.append("")
    if complaint.review_due_on:
        lines.append(
            _("如对本答复意见不服，可于%(d)s前向上一级行政机关申请复查。")
            % {"d": complaint.review_due_on.strftime("%Y年%m月%d日")}
        )
    for line in lines:
        for part in simpleSplit(line, font, 12, width - 140) or [""]:
            if y < 80:
                pdf.showPage()
                pdf.setFont(font, 12)
                y = height - 72
            pdf.setFont(font, 12)
            pdf.drawString(70, y, part)
            y -= 20
    y -= 20
    pdf.drawRightString(width - 70, y, complaint.owner_label)
    day = complaint.replied_on or timezone.localdate()
    pdf.drawRightString(width - 70, y - 20, day.strftime("%Y年%m月%d日"))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()

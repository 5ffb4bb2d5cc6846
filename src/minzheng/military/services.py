"""Writes of the module. Each service is one business action: it checks who acts and where (404
outside the region, 403 for a role that may not act), validates with field-level Chinese
messages, locks the row, changes it and writes the audit event in one transaction."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import actor_name
from minzheng.core import audit, validators
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.roles import Role
from minzheng.core.scope import region_in_scope
from minzheng.people import selectors as people_selectors
from minzheng.regions.models import Region

from . import deadlines
from .models import (
    TREATMENT_KIND,
    AppealCategory,
    AppealStage,
    CadreCategory,
    CadreService,
    CadreSurvey,
    Channel,
    EnrolmentResult,
    FactsCheck,
    MilitaryAppeal,
    MilitaryStatus,
    RetiredCadre,
    Satisfaction,
    ServiceKind,
    SupportEnrolment,
    TreatmentCode,
    TreatmentItem,
)
from .permissions import (
    may_apply,
    may_file_appeal,
    may_handle_appeals,
    may_keep_cadres,
    may_report_appeals,
    may_review,
    may_review_appeals,
)
from .selectors import get_appeal, get_cadre, get_enrolment

# ---------------------------------------------------------------- helpers


def _forbid(message: str):
    raise PermissionDeniedError(message)


def _choice(value, choices, field: str, message: str) -> str:
    if value not in choices.values or value == "":
        raise ServiceError({field: [message]})
    return value


def _year(value, field: str = "year") -> int:
    today = timezone.localdate()
    if not isinstance(value, int) or not 2000 <= value <= today.year + 1:
        raise ServiceError({field: [_("年度应在2000年至%(y)s年之间") % {"y": today.year + 1}]})
    return value


def _person_by_id(user, id_number: str, field: str):
    return people_selectors.visible_by_id_number(
        user, id_number, field=field, format_message=_("身份证号码格式不正确")
    )


# ---------------------------------------------------------------- double support


def _enrolment_region(user, code: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip(), kind="statutory").first()
    if region is None or region.level not in ("county", "township", "village"):
        raise ServiceError({"region_code": [_("请选择申报的社区、乡镇（街道）或县（市、区）")]})
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    if region.level == "village" and region.urban_rural != "urban":
        raise ServiceError(
            {"region_code": [_("“双拥三创”按城镇社区统计，行政村不在社区申报范围内")]}
        )
    role = Role.ADMIN if user.is_superuser else user.role
    # The village worker applies for their own community, the township clerk for the township
    # or one of its communities, the county for the county itself.
    allowed = {
        Role.VILLAGE_WORKER: ("village",),
        Role.TOWNSHIP_CLERK: ("township", "village"),
        Role.COUNTY_APPROVER: ("county",),
        Role.ADMIN: ("county", "township", "village"),
    }.get(role, ())
    if region.level not in allowed:
        raise ServiceError({"region_code": [_("当前账号不能为该层级的单位申报")]})
    return region


@transaction.atomic
def apply_enrolment(
    *, user, region_code: str, year: int, application: str, on: dt.date | None = None
) -> SupportEnrolment:
    """A region applies to enter the double-support model-creation ranks for a year (申报)."""
    if not may_apply(user):
        _forbid(_("当前账号无权申报双拥创建"))
    errors: dict[str, list[str]] = {}
    region = None
    try:
        region = _enrolment_region(user, region_code)
    except ServiceError as exc:
        errors.update(exc.errors)
    try:
        year = _year(year)
    except ServiceError as exc:
        errors.update(exc.errors)
    try:
        application = validators.required_text(application, "application", _("请填写申报材料说明"))
    except ServiceError as exc:
        errors.update(exc.errors)
    if errors:
        raise ServiceError(errors)
    row = SupportEnrolment(
        region=region,
        year=year,
        applied_on=validators.past_date(on, "on"),
        applied_by=user,
        applied_by_name=actor_name(user),
        application=application,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ServiceError({"region_code": [_("该单位本年度已申报")]}, status=409) from None
    audit.record_created(row, note=_("双拥创建申报"))
    return row


@transaction.atomic
def review_enrolment(
    *,
    user,
    enrolment: SupportEnrolment,
    result: str,
    score: int | None,
    evidence: str,
    on: dt.date | None = None,
) -> SupportEnrolment:
    """The level above reviews: the county for a community or township, the city for a county."""
    enrolment = get_enrolment(user, enrolment.pk)
    if not may_review(user):
        _forbid(_("当前账号无权审核双拥创建申报"))
    role = Role.ADMIN if user.is_superuser else user.role
    reviewer = Role.CITY_SECTION if enrolment.region.level == "county" else Role.COUNTY_APPROVER
    if role not in (reviewer, Role.ADMIN):
        _forbid(_("该申报由上一级审核：社区、乡镇（街道）由县级审核，县（市、区）由市级审核"))
    row = SupportEnrolment.objects.select_for_update().select_related("region").get(pk=enrolment.pk)
    if row.result != EnrolmentResult.PENDING:
        raise ServiceError({"result": [_("该申报已审核")]}, status=409)
    errors: dict[str, list[str]] = {}
    if result not in (EnrolmentResult.ENROLLED, EnrolmentResult.NOT_YET):
        errors["result"] = [_("请选择审核结果")]
    if score is None or not 0 <= score <= 100:
        errors["score"] = [_("考核得分应在0至100之间")]
    evidence = (evidence or "").strip()
    if not evidence:
        errors["evidence"] = [_("请填写考核依据")]
    elif len(evidence) > 2000:
        errors["evidence"] = [_("内容过长，最多%(n)s字") % {"n": 2000}]
    if errors:
        raise ServiceError(errors)
    before = audit.snapshot(row)
    row.result = result
    row.score = score
    row.evidence = evidence
    row.reviewed_on = validators.past_date(on, "on", not_before=row.applied_on)
    row.reviewed_by = user
    row.reviewed_by_name = actor_name(user)
    row.save()
    audit.record(
        "update", obj=row, before=before, after=audit.snapshot(row), note=_("双拥创建审核")
    )
    return row


# ---------------------------------------------------------------- retired cadres


def _keeper(user):
    if not may_keep_cadres(user):
        _forbid(_("当前账号无权管理军休人员"))


@transaction.atomic
def register_handover(
    *,
    user,
    id_number: str,
    category: str,
    rank: str,
    handover_year: int,
    notice_on: dt.date | None,
    notice_number: str = "",
    due_on: dt.date | None = None,
) -> RetiredCadre:
    """A cadre on the army's transfer notice (移交), found on the population registry by ID
    number. The centre does not register people: a person new to the city is registered by the
    township of their household registration first (the registry is the general staff's)."""
    _keeper(user)
    errors: dict[str, list[str]] = {}
    person = None
    try:
        person = _person_by_id(user, id_number, "id_number")
        if person is None:
            errors["id_number"] = [
                _("人口库中没有这个身份证号码，请先由户籍所在地乡镇（街道）在人口库登记")
            ]
        elif not person.is_alive:
            errors["id_number"] = [_("该人员已死亡")]
    except ServiceError as exc:
        errors.update(exc.errors)
    if category not in CadreCategory.values:
        errors["category"] = [_("请选择人员类别")]
    rank = (rank or "").strip()
    if not rank:
        errors["rank"] = [_("请填写军衔（职级）")]
    elif len(rank) > 32:
        errors["rank"] = [_("内容过长，最多%(n)s字") % {"n": 32}]
    try:
        handover_year = _year(handover_year, "handover_year")
    except ServiceError as exc:
        errors.update(exc.errors)
    if notice_on is None:
        errors["notice_on"] = [_("请填写移交通知日期")]
    else:
        try:
            validators.past_date(notice_on, "notice_on")
        except ServiceError as exc:
            errors.update(exc.errors)
    if len(notice_number or "") > 64:
        errors["notice_number"] = [_("内容过长，最多%(n)s字") % {"n": 64}]
    if errors:
        raise ServiceError(errors)
    due_on = due_on or dt.date(handover_year, 12, 31)
    if due_on < notice_on:
        raise ServiceError({"due_on": [_("接收时限不能早于移交通知日期")]})
    cadre = RetiredCadre(
        person=person,
        region=person.hukou_region,
        category=category,
        rank=rank,
        handover_year=handover_year,
        notice_on=notice_on,
        notice_number=(notice_number or "").strip(),
        due_on=due_on,
    )
    try:
        with transaction.atomic():
            cadre.save()
    except IntegrityError:
        raise ServiceError({"id_number": [_("该人员已在军休人员名册中")]}, status=409) from None
    audit.record_created(cadre, note=_("登记移交军休人员"))
    return cadre


def open_checklist(cadre: RetiredCadre, year: int) -> int:
    """The year's "two treatments" checklist of a cadre (each item once; idempotent)."""
    rows = [
        TreatmentItem(cadre=cadre, year=year, kind=TREATMENT_KIND[code], item=code)
        for code in TreatmentCode.values
    ]
    return len(TreatmentItem.objects.bulk_create(rows, ignore_conflicts=True))


def _locked_cadre(user, cadre) -> RetiredCadre:
    cadre = get_cadre(user, cadre.pk)
    _keeper(user)
    return (
        RetiredCadre.objects.select_for_update(of=("self",))
        .select_related("region", "person")
        .get(pk=cadre.pk)
    )


@transaction.atomic
def receive_cadre(*, user, cadre: RetiredCadre, on: dt.date | None = None) -> RetiredCadre:
    """接收安置: the centre receives the cadre; the year's checklist opens."""
    cadre = _locked_cadre(user, cadre)
    if cadre.received_on:
        raise ServiceError({"on": [_("该人员已接收")]}, status=409)
    before = audit.snapshot(cadre)
    cadre.received_on = validators.past_date(on, "on", not_before=cadre.notice_on)
    cadre.save(update_fields=["received_on"])
    open_checklist(cadre, cadre.received_on.year)
    audit.record(
        "update", obj=cadre, before=before, after=audit.snapshot(cadre), note=_("接收安置")
    )
    return cadre


def _received(cadre):
    if not cadre.received_on:
        raise ServiceError({"cadre": [_("该人员尚未接收安置")]}, status=409)


@transaction.atomic
def deliver_item(
    *,
    user,
    cadre: RetiredCadre,
    item: str,
    year: int | None = None,
    on: dt.date | None = None,
    note: str = "",
) -> TreatmentItem:
    """One item of the year's two treatments delivered (落实), with its date."""
    cadre = _locked_cadre(user, cadre)
    _received(cadre)
    item = _choice(item, TreatmentCode, "item", _("请选择待遇项目"))
    on = validators.past_date(on, "on")
    year = year or on.year
    if year != on.year:
        raise ServiceError({"on": [_("落实日期应在%(y)s年内") % {"y": year}]})
    note = validators.required_text(note, "note", "", max_length=200, required=False)
    open_checklist(cadre, year)
    row = TreatmentItem.objects.select_for_update().get(cadre=cadre, year=year, item=item)
    if row.delivered_on:
        raise ServiceError({"item": [_("该项目本年度已落实")]}, status=409)
    before = audit.snapshot(row)
    row.delivered_on = on
    row.note = note
    row.save()
    audit.record("update", obj=row, before=before, after=audit.snapshot(row), note=_("落实待遇"))
    return row


@transaction.atomic
def log_service(
    *, user, cadre: RetiredCadre, kind: str, note: str, on: dt.date | None = None
) -> CadreService:
    cadre = _locked_cadre(user, cadre)
    _received(cadre)
    errors = {}
    if kind not in ServiceKind.values:
        errors["kind"] = [_("请选择服务类别")]
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("请填写服务内容")]
    elif len(note) > 200:
        errors["note"] = [_("内容过长，最多%(n)s字") % {"n": 200}]
    if errors:
        raise ServiceError(errors)
    row = CadreService.objects.create(
        cadre=cadre,
        kind=kind,
        on=validators.past_date(on, "on"),
        note=note,
        by_name=actor_name(user),
    )
    audit.record_created(row, note=_("军休服务记录"))
    return row


@transaction.atomic
def record_survey(
    *,
    user,
    cadre: RetiredCadre,
    political: str,
    living: str,
    services: str,
    overall: str,
    comment: str = "",
    on: dt.date | None = None,
) -> CadreSurvey:
    """The cadre's answers to the year's satisfaction questionnaire (once a year)."""
    cadre = _locked_cadre(user, cadre)
    _received(cadre)
    errors = {}
    answers = {"political": political, "living": living, "services": services, "overall": overall}
    for field, value in answers.items():
        if value not in Satisfaction.values:
            errors[field] = [_("请选择满意、基本满意或不满意")]
    if len(comment or "") > 500:
        errors["comment"] = [_("内容过长，最多%(n)s字") % {"n": 500}]
    if errors:
        raise ServiceError(errors)
    on = validators.past_date(on, "on")
    row = CadreSurvey(
        cadre=cadre, year=on.year, answered_on=on, comment=(comment or "").strip(), **answers
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ServiceError({"overall": [_("该人员本年度已完成满意度调查")]}, status=409) from None
    audit.record_created(row, note=_("满意度调查"))
    return row


# ---------------------------------------------------------------- appeals


def _township_of(region: Region) -> Region | None:
    while region is not None and region.level not in ("township",):
        if region.level in ("county", "city", "province", "zone"):
            return None
        region = region.parent
    return region


def _event(appeal, *, user, action: str, label: str, before: str, note: str = ""):
    appeal.events.create(
        action=action,
        label=label,
        from_stage=before,
        to_stage=appeal.stage,
        by=user,
        by_name=actor_name(user),
        at=timezone.now(),
        note=note,
    )


@transaction.atomic
def file_appeal(
    *,
    user,
    military_status: str,
    category: str,
    content: str,
    channel: str = "",
    appellant_id_number: str = "",
    appellant_name: str = "",
    appellant_phone: str = "",
    region_code: str = "",
    received_on: dt.date | None = None,
) -> MilitaryAppeal:
    """A military-related appeal registered by township or county staff (window, phone, letter)
    or filed online by a resident for themselves. The appellant is a person of the registry when
    known (by ID number), else a name and phone."""
    if not may_file_appeal(user):
        _forbid(_("当前账号无权登记涉军诉求"))
    errors: dict[str, list[str]] = {}
    person = None
    region = None
    resident = user.role == Role.RESIDENT and not user.is_superuser
    if resident:
        person = user.person
        channel = Channel.ONLINE
        if person is None:
            _forbid(_("当前账号未关联人口信息，不能网上信访"))
        region = _township_of(person.hukou_region)
    else:
        if channel not in (Channel.WINDOW, Channel.PHONE, Channel.LETTER, Channel.ONLINE):
            errors["channel"] = [_("请选择来源渠道")]
        if (appellant_id_number or "").strip():
            try:
                person = _person_by_id(user, appellant_id_number, "appellant_id_number")
                if person is None:
                    errors["appellant_id_number"] = [
                        _("本辖区人口库中没有这个身份证号码，请只填写姓名和电话")
                    ]
            except ServiceError as exc:
                errors.update(exc.errors)
        if person is not None:
            region = _township_of(person.hukou_region)
        elif (region_code or "").strip():
            found = Region.objects.filter(code=region_code.strip()).first()
            region = _township_of(found) if found else None
            if region is None:
                errors["region_code"] = [_("请选择诉求人所在的乡镇（街道）")]
        elif user.region is not None and user.region.level == "township":
            region = user.region
        else:
            errors["region_code"] = [_("请选择诉求人所在的乡镇（街道）")]
    name = (appellant_name or "").strip() or (person.name if person else "")
    if not name:
        errors["appellant_name"] = [_("请填写诉求人姓名，或填写身份证号码")]
    elif validators.name_error(name):
        errors["appellant_name"] = [validators.name_error(name)]
    phone = (appellant_phone or "").strip() or (getattr(person, "phone", "") or "")
    if phone and validators.phone_error(phone):
        errors["appellant_phone"] = [validators.phone_error(phone)]
    if military_status not in MilitaryStatus.values:
        errors["military_status"] = [_("请选择诉求人的涉军身份")]
    if category not in AppealCategory.values:
        errors["category"] = [_("请选择诉求类别")]
    text = (content or "").strip()
    if not text:
        errors["content"] = [_("请填写诉求内容")]
    elif len(text) > 4000:
        errors["content"] = [_("内容过长，最多%(n)s字") % {"n": 4000}]
    try:
        received = validators.past_date(received_on, "received_on")
    except ServiceError as exc:
        errors.update(exc.errors)
        received = None
    if errors:
        raise ServiceError(errors)
    if region is None or not region_in_scope(user, region) and not resident:
        raise NotFoundOrOutOfScope()
    appeal = MilitaryAppeal(
        number=f"T{timezone.now().timestamp():.6f}",
        region=region,
        channel=channel,
        appellant=person,
        appellant_name=name[:64],
        appellant_phone=phone,
        military_status=military_status,
        category=category,
        content=text,
        received_on=received,
        filed_by=user,
        filed_by_name=actor_name(user),
        accept_due_on=deadlines.accept_due(received),
        report_due_on=deadlines.report_due(received),
    )
    appeal.save()
    appeal.number = f"SJ{received:%Y}{appeal.pk:06d}"
    MilitaryAppeal.objects.filter(pk=appeal.pk).update(number=appeal.number)
    _event(appeal, user=user, action="file", label=_("登记诉求"), before="")
    audit.record_created(appeal, note=_("登记涉军诉求"))
    return appeal


def _handled(user, appeal, *, check=may_handle_appeals, message=None) -> MilitaryAppeal:
    appeal = get_appeal(user, appeal.pk)
    if not check(user):
        _forbid(message or _("当前账号无权办理涉军诉求"))
    return (
        MilitaryAppeal.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=appeal.pk)
    )


def _stage(appeal, allowed: tuple, label: str):
    if appeal.stage not in allowed:
        raise ServiceError(
            {
                "stage": [
                    _("诉求当前处于“%(stage)s”阶段，不能办理“%(action)s”")
                    % {"stage": appeal.get_stage_display(), "action": label}
                ]
            },
            status=409,
        )


def _save(appeal, *, user, action: str, label: str, before: dict, note: str = ""):
    appeal.save()
    _event(appeal, user=user, action=action, label=label, before=before.get("stage", ""), note=note)
    audit.record("update", obj=appeal, before=before, after=audit.snapshot(appeal), note=label)
    return appeal


@transaction.atomic
def accept_appeal(*, user, appeal, on: dt.date | None = None) -> MilitaryAppeal:
    appeal = _handled(user, appeal)
    label = _("受理")
    _stage(appeal, (AppealStage.FILED,), label)
    before = audit.snapshot(appeal)
    appeal.accepted_on = validators.past_date(on, "on", not_before=appeal.received_on)
    appeal.handle_due_on = deadlines.handle_due(appeal.accepted_on)
    appeal.stage = AppealStage.ACCEPTED
    return _save(appeal, user=user, action="accept", label=label, before=before)


@transaction.atomic
def decline_appeal(*, user, appeal, reason: str, on: dt.date | None = None) -> MilitaryAppeal:
    """不予受理, with the written notice of the reason to the appellant."""
    appeal = _handled(user, appeal)
    label = _("不予受理")
    _stage(appeal, (AppealStage.FILED,), label)
    reason = validators.required_text(reason, "reason", _("请填写不予受理的理由"))
    before = audit.snapshot(appeal)
    appeal.not_accepted_reason = reason
    appeal.closed_on = validators.past_date(on, "on", not_before=appeal.received_on)
    appeal.stage = AppealStage.NOT_ACCEPTED
    return _save(appeal, user=user, action="decline", label=label, before=before, note=reason)


@transaction.atomic
def add_note(*, user, appeal, note: str) -> MilitaryAppeal:
    appeal = _handled(user, appeal)
    label = _("办理情况")
    _stage(appeal, (AppealStage.ACCEPTED, AppealStage.REVIEW), label)
    note = validators.required_text(note, "note", _("请填写办理情况"))
    _event(appeal, user=user, action="note", label=label, before=appeal.stage, note=note)
    audit.record("update", obj=appeal, note=label, after={"note": note})
    return appeal


@transaction.atomic
def extend_appeal(*, user, appeal, reason: str, on: dt.date | None = None) -> MilitaryAppeal:
    """Extend the handling period once, by 30 days, with a reason (信访条例 Art. 33)."""
    appeal = _handled(user, appeal)
    label = _("延期办理")
    _stage(appeal, (AppealStage.ACCEPTED,), label)
    if appeal.extended_on:
        raise ServiceError({"reason": [_("办理期限只能延长一次")]}, status=409)
    reason = validators.required_text(reason, "reason", _("请填写延期理由"))
    on = validators.past_date(on, "on", not_before=appeal.accepted_on)
    if on > appeal.handle_due_on:
        raise ServiceError({"on": [_("办理期限已过，不能再延期")]})
    before = audit.snapshot(appeal)
    appeal.extended_on = on
    appeal.extension_reason = reason
    appeal.handle_due_on = deadlines.extended_due(appeal.accepted_on)
    return _save(appeal, user=user, action="extend", label=label, before=before, note=reason)


@transaction.atomic
def reply_appeal(*, user, appeal, reply: str, on: dt.date | None = None) -> MilitaryAppeal:
    """The written reply (书面答复); the 30 days for a request for review start."""
    appeal = _handled(user, appeal)
    label = _("书面答复")
    _stage(appeal, (AppealStage.ACCEPTED,), label)
    text = validators.required_text(reply, "reply", _("请填写书面答复内容"), max_length=4000)
    before = audit.snapshot(appeal)
    appeal.reply = text
    appeal.replied_on = validators.past_date(on, "on", not_before=appeal.accepted_on)
    appeal.review_due_on = deadlines.review_due(appeal.replied_on)
    appeal.stage = AppealStage.REPLIED
    return _save(appeal, user=user, action="reply", label=label, before=before, note=text)


@transaction.atomic
def record_satisfaction(*, user, appeal, satisfaction: str) -> MilitaryAppeal:
    """The appellant's view of the reply; an answer closes the appeal (办结)."""
    appeal = _handled(user, appeal)
    label = _("诉求人评价")
    _stage(appeal, (AppealStage.REPLIED,), label)
    satisfaction = _choice(satisfaction, Satisfaction, "satisfaction", _("请选择诉求人评价"))
    before = audit.snapshot(appeal)
    appeal.satisfaction = satisfaction
    appeal.closed_on = max(timezone.localdate(), appeal.replied_on)
    appeal.stage = AppealStage.CLOSED
    return _save(appeal, user=user, action="satisfaction", label=label, before=before)


@transaction.atomic
def request_review(*, user, appeal, reason: str, on: dt.date | None = None) -> MilitaryAppeal:
    """A request for review (复查) within 30 days of the written reply (信访条例 Art. 34)."""
    appeal = _handled(user, appeal)
    label = _("申请复查")
    _stage(appeal, (AppealStage.REPLIED, AppealStage.CLOSED), label)
    if appeal.review_requested_on:
        raise ServiceError({"reason": [_("该诉求已申请过复查")]}, status=409)
    reason = validators.required_text(reason, "reason", _("请填写复查请求"))
    on = validators.past_date(on, "on", not_before=appeal.replied_on)
    if on > appeal.review_due_on:
        raise ServiceError(
            {"on": [_("已超过复查申请期限（%(d)s）") % {"d": appeal.review_due_on.isoformat()}]}
        )
    before = audit.snapshot(appeal)
    appeal.review_requested_on = on
    appeal.review_reason = reason
    appeal.stage = AppealStage.REVIEW
    return _save(appeal, user=user, action="review", label=label, before=before, note=reason)


@transaction.atomic
def decide_review(*, user, appeal, result: str, on: dt.date | None = None) -> MilitaryAppeal:
    """The level above (the city) gives its review opinion; the appeal is closed."""
    appeal = _handled(user, appeal, check=may_review_appeals, message=_("复查由上一级（市局）办理"))
    label = _("复查意见")
    _stage(appeal, (AppealStage.REVIEW,), label)
    result = validators.required_text(result, "result", _("请填写复查意见"))
    before = audit.snapshot(appeal)
    appeal.review_result = result
    appeal.review_done_on = validators.past_date(on, "on", not_before=appeal.review_requested_on)
    appeal.closed_on = appeal.review_done_on
    appeal.stage = AppealStage.CLOSED
    return _save(appeal, user=user, action="review_done", label=label, before=before, note=result)


@transaction.atomic
def report_appeal(*, user, appeal, on: dt.date | None = None) -> MilitaryAppeal:
    """The county reports the appeal to the city (报告), once."""
    appeal = _handled(user, appeal, check=may_report_appeals, message=_("涉军诉求由县级向市局报告"))
    label = _("报告市局")
    if appeal.reported_on:
        raise ServiceError({"on": [_("该诉求已报告")]}, status=409)
    before = audit.snapshot(appeal)
    appeal.reported_on = validators.past_date(on, "on", not_before=appeal.received_on)
    return _save(appeal, user=user, action="report", label=label, before=before)


@transaction.atomic
def check_facts(*, user, appeal, result: str, note: str = "") -> MilitaryAppeal:
    """The handler verifies the record's required facts (identity, military status, category,
    content): accurate, or wrong and corrected (for target 18.1)."""
    appeal = _handled(user, appeal)
    label = _("信息核实")
    if result not in (FactsCheck.ACCURATE, FactsCheck.CORRECTED):
        raise ServiceError({"result": [_("请选择核实结果")]})
    if appeal.facts_check:
        raise ServiceError({"result": [_("该诉求信息已核实")]}, status=409)
    note = validators.required_text(
        note, "note", _("请说明更正了哪些信息"), max_length=500, required=result == "corrected"
    )
    before = audit.snapshot(appeal)
    appeal.facts_check = result
    appeal.facts_checked_on = timezone.localdate()
    return _save(appeal, user=user, action="facts", label=label, before=before, note=note)


@transaction.atomic
def flag_appeal(
    *, user, appeal, abnormal_petition: bool, mass_incident: bool, note: str
) -> MilitaryAppeal:
    """Flag (or unflag) an appeal as a non-normal petition to the province or Beijing or as a
    mass incident (targets 18.4, 18.5), with the reason."""
    appeal = _handled(user, appeal)
    label = _("标记重点情况")
    note = validators.required_text(note, "note", _("请说明情况"), max_length=500)
    before = audit.snapshot(appeal)
    appeal.abnormal_petition = bool(abnormal_petition)
    appeal.mass_incident = bool(mass_incident)
    return _save(appeal, user=user, action="flag", label=label, before=before, note=note)

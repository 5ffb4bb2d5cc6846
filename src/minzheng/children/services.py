"""Writes of the children's register and the protection cases. Each service is one business
action: it checks who acts and where (404 outside the region, 403 for a role that may not act),
validates with field-level Chinese messages, locks the row, runs the transition and writes the
event and the audit event in one transaction."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from minzheng.accounts.models import actor_name
from minzheng.core import audit, idcard, validators
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.people import selectors as people_selectors
from minzheng.regions.models import Region

from . import deadlines
from .models import (
    Category,
    ChildCase,
    ChildRecord,
    DifficultyReason,
    Measure,
    MeasureKind,
    ParentStatus,
    QuarterConfirmation,
    Referral,
    ReferralStatus,
    ReferralTarget,
    ReporterKind,
    Stage,
    Urgency,
)
from .permissions import (
    may_confirm_quarter,
    may_edit_register,
    may_handle_cases,
    may_report,
)
from .selectors import get_case, get_record, quarter_of

MAX_AGE = 18  # the register holds minors


def _forbid(user, message: str):
    raise PermissionDeniedError(message)


def _optional(value, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise ServiceError({field: [_("内容过长，最多%(n)s字") % {"n": max_length}]})
    return value


def _choice(value, choices, field: str, message: str) -> str:
    if value not in choices.values:
        raise ServiceError({field: [message]})
    return value


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# ---------------------------------------------------------------- register


def _register_fields(data: dict, *, user) -> dict:
    """Validate the editable fields of a register record; every problem named by its field."""
    errors: dict[str, list[str]] = {}
    category = data.get("category", "")
    if category not in Category.values:
        errors["category"] = [_("请选择儿童类别")]
    reason = data.get("difficulty_reason", "") or ""
    if category == Category.DIFFICULTY and reason not in DifficultyReason.values:
        errors["difficulty_reason"] = [_("困境儿童须选择困境类型")]
    if category != Category.DIFFICULTY:
        reason = ""
    care = data.get("care_type", "") or ""
    if category == Category.ORPHAN and care not in ("institutional", "dispersed"):
        errors["care_type"] = [_("孤儿须选择养育方式（机构养育或散居）")]
    if category != Category.ORPHAN:
        care = ""
    statuses = {}
    for parent in ("father", "mother"):
        status = data.get(f"{parent}_status") or ParentStatus.AT_HOME
        if status not in ParentStatus.values:
            errors[f"{parent}_status"] = [_("请选择父母情况")]
        statuses[parent] = status
    if category == Category.ORPHAN and not all(
        s in (ParentStatus.DECEASED, ParentStatus.MISSING) for s in statuses.values()
    ):
        errors.setdefault("category", []).append(
            _("孤儿是父母均已死亡或被宣告失踪的儿童，请核对父母情况")
        )
    if category == Category.LEFT_BEHIND and not (
        ParentStatus.WORKING_AWAY in statuses.values()
        and all(s != ParentStatus.AT_HOME for s in statuses.values())
    ):
        errors.setdefault("category", []).append(
            _("农村留守儿童须父母双方外出务工，或一方外出务工、另一方无监护能力")
        )
    phone = (data.get("guardian_phone") or "").strip()
    if phone and validators.phone_error(phone):
        errors["guardian_phone"] = [validators.phone_error(phone)]
    guardian = None
    guardian_id = (data.get("guardian_id_number") or "").strip()
    if guardian_id:
        try:
            number = idcard.parse(guardian_id).number
        except idcard.InvalidResidentId:
            errors["guardian_id_number"] = [_("监护人身份证号码格式不正确")]
        else:
            guardian = (
                people_selectors.people_for(user)
                .filter(pk=getattr(people_selectors.find_by_id_number(number), "pk", 0))
                .first()
            )
            if guardian is None:
                errors["guardian_id_number"] = [_("人口库中未找到该监护人，请填写监护人姓名")]
    guardian_name = (data.get("guardian_name") or "").strip() or (guardian.name if guardian else "")
    if (
        not guardian_name
        and category != Category.ORPHAN
        or (category == Category.ORPHAN and care == "dispersed" and not guardian_name)
    ):
        errors.setdefault("guardian_name", [_("请填写监护人姓名")])
    fields = {}
    for name, limit in (
        ("guardian_relation", 32),
        ("father_place", 100),
        ("mother_place", 100),
        ("school", 100),
        ("officer_name", 64),
    ):
        value = (data.get(name) or "").strip()
        if len(value) > limit:
            errors[name] = [_("内容过长，最多%(n)s字") % {"n": limit}]
        fields[name] = value
    if guardian_name and validators.name_error(guardian_name):
        errors["guardian_name"] = [validators.name_error(guardian_name)]
    if errors:
        raise ServiceError(errors)
    return {
        **fields,
        "category": category,
        "difficulty_reason": reason,
        "care_type": care,
        "father_status": statuses["father"],
        "mother_status": statuses["mother"],
        "guardian": guardian,
        "guardian_name": guardian_name[:64],
        "guardian_phone": phone,
    }


def _child_person(user, *, person_id: int | None, id_number: str):
    """The child on the registry, in the user's regions, by registry id or ID number."""
    person = None
    if person_id:
        person = people_selectors.people_for(user).filter(pk=person_id).first()
        if person is None:
            raise NotFoundOrOutOfScope()
    elif id_number:
        person = people_selectors.visible_by_id_number(
            user, id_number, format_message=_("身份证号码格式不正确")
        )
        if person is None:
            raise ServiceError({"id_number": [_("本辖区人口库中没有这个身份证号码")]})
    else:
        raise ServiceError({"id_number": [_("请输入儿童的身份证号码，或从人口库中选择")]})
    return person


@transaction.atomic
def register_child(*, user, data: dict, person_id: int | None = None, id_number: str = ""):
    if not may_edit_register(user):
        _forbid(user, _("当前账号无权登记儿童"))
    person = _child_person(user, person_id=person_id, id_number=id_number)
    today = timezone.localdate()
    if not person.is_alive:
        raise ServiceError({"id_number": [_("该人员已死亡")]})
    if _age(person.birth_date, today) >= MAX_AGE:
        raise ServiceError({"id_number": [_("该人员已满18周岁，不能登记为儿童")]})
    if not region_in_scope(user, person.hukou_region):
        raise NotFoundOrOutOfScope()
    fields = _register_fields(data, user=user)
    record = ChildRecord(
        person=person,
        region=person.hukou_region,
        registered_on=today,
        officer=user if user.role == "village_worker" and not fields["officer_name"] else None,
        **fields,
    )
    if record.officer_id and not record.officer_name:
        record.officer_name = actor_name(user)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ServiceError({"id_number": [_("该儿童已在登记册中")]}, status=409) from None
    audit.record_created(record, note=_("登记儿童"))
    return record


@transaction.atomic
def update_child(*, user, record: ChildRecord, data: dict) -> ChildRecord:
    record = get_record(user, record.pk)
    if not may_edit_register(user):
        _forbid(user, _("当前账号无权修改儿童登记"))
    record = ChildRecord.objects.select_for_update().get(pk=record.pk)
    before = audit.snapshot(record)
    fields = _register_fields(data, user=user)
    if record.entitlement_id and (
        fields["category"] != record.category or fields["care_type"] != record.care_type
    ):
        raise ServiceError(
            {"care_type": [_("已发放孤儿基本生活费的儿童，变更类别或养育方式须先停发待遇")]},
            status=409,
        )
    for name, value in fields.items():
        setattr(record, name, value)
    record.save()
    audit.record("update", obj=record, before=before, after=audit.snapshot(record))
    return record


@transaction.atomic
def confirm_quarter(*, user, record: ChildRecord, note: str = "", on: dt.date | None = None):
    """The village worker confirms the record still holds this quarter (once per quarter)."""
    record = get_record(user, record.pk)
    if not may_confirm_quarter(user):
        _forbid(user, _("当前账号无权核实儿童信息"))
    on = validators.past_date(on, "on")
    quarter = quarter_of(on)
    confirmation, created = QuarterConfirmation.objects.get_or_create(
        child=record,
        quarter=quarter,
        defaults={
            "confirmed_on": on,
            "confirmed_by": user,
            "note": _optional(note, "note", 200),
        },
    )
    if created:
        audit.record_created(confirmation, note=_("季度核实"))
    return confirmation, created


# ---------------------------------------------------------------- reports and cases


def _region_for_report(code: str) -> Region:
    region = Region.objects.filter(
        code=(code or "").strip(), level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE]
    ).first()
    if region is None:
        raise ServiceError({"region_code": [_("请选择儿童所在的乡镇（街道）或村（社区）")]})
    return region


def _reporter_kind(user, kind: str) -> str:
    if user.role == "resident":
        return ReporterKind.RESIDENT
    if user.role == "village_worker":
        return ReporterKind.VILLAGE
    if user.role == "township_clerk":
        return ReporterKind.TOWNSHIP
    return kind if kind in ReporterKind.values else ReporterKind.OTHER


@transaction.atomic
def report_child(
    *,
    user,
    what_happened: str,
    urgency: str,
    id_number: str = "",
    name: str = "",
    age: int | None = None,
    place: str = "",
    region_code: str = "",
    reporter_kind: str = "",
    reporter_phone: str = "",
) -> ChildCase:
    """A report of a child at risk (强制报告): the child found on the registry by ID number, or
    described by name, age and place. The report opens a case; the reporter sees its status."""
    if not may_report(user):
        _forbid(user, _("当前账号无权报告"))
    errors: dict[str, list[str]] = {}
    person = None
    id_number = (id_number or "").strip()
    if id_number:
        try:
            number = idcard.parse(id_number).number
        except idcard.InvalidResidentId:
            errors["id_number"] = [_("身份证号码格式不正确")]
        else:
            # Unscoped on purpose: a school reports a pupil from anywhere. Nothing about the
            # person is shown back to the reporter.
            person = people_selectors.find_by_id_number(number)
    name = (name or "").strip()
    if person is None and not name:
        errors["name"] = [_("请填写儿童姓名，或填写儿童的身份证号码")]
    if name and validators.name_error(name):
        errors["name"] = [validators.name_error(name)]
    if age is not None and not 0 <= age < MAX_AGE:
        errors["age"] = [_("年龄应在0至17周岁之间")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("请选择紧急程度")]
    what = (what_happened or "").strip()
    if not what:
        errors["what_happened"] = [_("请说明发生了什么")]
    elif len(what) > 2000:
        errors["what_happened"] = [_("内容过长，最多%(n)s字") % {"n": 2000}]
    if reporter_phone and validators.phone_error(reporter_phone):
        errors["reporter_phone"] = [validators.phone_error(reporter_phone)]
    if len(place or "") > 200:
        errors["place"] = [_("内容过长，最多%(n)s字") % {"n": 200}]
    region = None
    if person is not None:
        region = person.hukou_region
    else:
        try:
            region = _region_for_report(region_code)
        except ServiceError as exc:
            errors.update(exc.errors)
    if errors:
        raise ServiceError(errors)
    now = timezone.now()
    case = ChildCase(
        number=f"T{now.timestamp():.6f}",
        person=person,
        described_name=name if person is None else (name or ""),
        described_age=age,
        described_place=(place or "").strip(),
        region=region,
        reported_by=user,
        reporter_kind=_reporter_kind(user, reporter_kind),
        reporter_name=actor_name(user),
        reporter_phone=(reporter_phone or user.phone or "").strip(),
        what_happened=what,
        urgency=urgency,
        reported_at=now,
        **deadlines.due_dates(now),
    )
    case.save()
    case.number = f"ET{timezone.localtime(now):%Y}{case.pk:06d}"
    ChildCase.objects.filter(pk=case.pk).update(number=case.number)
    _event(case, user=user, action="report", label=_("强制报告"), before="", note="")
    audit.record_created(case, note=_("强制报告"))
    return case


def _event(case, *, user, action: str, label: str, before: str, note: str = "", at=None):
    case.events.create(
        action=action,
        label=label,
        from_stage=before,
        to_stage=case.stage,
        by=user,
        by_name=actor_name(user),
        at=at or timezone.now(),
        note=note,
    )


def _handled(user, case: ChildCase) -> ChildCase:
    """404 outside the case's chain, 403 for a role that may only read; the row locked."""
    case = get_case(user, case.pk)
    if not may_handle_cases(user):
        _forbid(
            user, _("当前账号（%(role)s）无权办理儿童保护案件") % {"role": user.get_role_display()}
        )
    return (
        ChildCase.objects.select_for_update(of=("self",))
        .select_related("region", "person")
        .get(pk=case.pk)
    )


def _transition(case: ChildCase, method: str, *, user, label: str, note: str = "") -> ChildCase:
    bound = getattr(case, method)
    if not can_proceed(bound):
        raise ServiceError(
            {
                "stage": [
                    _("案件当前处于“%(stage)s”阶段，不能办理“%(action)s”")
                    % {"stage": case.get_stage_display(), "action": label}
                ]
            },
            status=409,
        )
    before = case.stage
    bound()
    if case.overdue_stage and case.overdue_stage == before:
        case.overdue_stage = ""  # the overdue act is done; the escalation time stays on record
    case.save()
    _event(case, user=user, action=method, label=label, before=before, note=note)
    audit.record(
        "transition", obj=case, before={"stage": before}, after={"stage": case.stage}, note=label
    )
    return case


@transaction.atomic
def record_first_contact(
    *, user, case: ChildCase, action: str, at: dt.datetime | None = None, id_number: str = ""
) -> ChildCase:
    """应急处置: first contact with the child and what was done at once."""
    case = _handled(user, case)
    text = validators.required_text(action, "action", _("请填写应急处置情况"))
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError({"at": [_("接触时间不能晚于现在")]})
    if at < case.reported_at:
        raise ServiceError({"at": [_("接触时间不能早于报告时间")]})
    if id_number and case.person_id is None:
        case.person = _child_person(user, person_id=None, id_number=id_number)
    case.first_contact_at = at
    case.emergency_action = text
    return _transition(case, "contact", user=user, label=_("应急处置"), note=text)


@transaction.atomic
def record_assessment(
    *, user, case: ChildCase, assessment: str, on: dt.date | None = None
) -> ChildCase:
    case = _handled(user, case)
    text = validators.required_text(assessment, "assessment", _("请填写评估结论"))
    case.assessed_on = validators.past_date(
        on, "on", not_before=timezone.localtime(case.first_contact_at or case.reported_at).date()
    )
    case.assessment = text
    return _transition(case, "assess", user=user, label=_("完成评估"), note=text)


@transaction.atomic
def record_plan(
    *, user, case: ChildCase, plan: str, on: dt.date | None = None, referrals=()
) -> ChildCase:
    """The help plan, with its referrals (each `{target, organisation, need}`)."""
    case = _handled(user, case)
    if case.stage != Stage.ASSESSMENT:
        raise ServiceError({"stage": [_("只有“评估帮扶”阶段的案件可以制定帮扶计划")]}, status=409)
    text = validators.required_text(plan, "plan", _("请填写帮扶计划"))
    on = validators.past_date(on, "on", not_before=case.assessed_on)
    rows = [_referral_fields(r, index=i, on=on) for i, r in enumerate(referrals or [])]
    before = audit.snapshot(case)
    case.plan, case.plan_on = text, on
    if case.overdue_stage == Stage.ASSESSMENT:
        case.overdue_stage = ""
    case.save()
    created = Referral.objects.bulk_create(Referral(case=case, **row) for row in rows)
    _event(case, user=user, action="plan", label=_("制定帮扶计划"), before=case.stage, note=text)
    audit.record(
        "update", obj=case, before=before, after=audit.snapshot(case), note=_("制定帮扶计划")
    )
    for referral in created:
        audit.record_created(referral, note=_("转介"))
    return case


def _referral_fields(data: dict, *, index: int | None = None, on: dt.date) -> dict:
    prefix = f"referrals.{index}." if index is not None else ""
    errors = {}
    target = data.get("target", "")
    if target not in ReferralTarget.values:
        errors[f"{prefix}target"] = [_("请选择转介对象")]
    organisation = (data.get("organisation") or "").strip()
    if not organisation:
        errors[f"{prefix}organisation"] = [_("请填写接收单位")]
    need = (data.get("need") or "").strip()
    if not need:
        errors[f"{prefix}need"] = [_("请填写转介事项")]
    if len(organisation) > 100 or len(need) > 200:
        errors[f"{prefix}need"] = [_("内容过长")]
    if errors:
        raise ServiceError(errors)
    return {"target": target, "organisation": organisation, "need": need, "referred_on": on}


@transaction.atomic
def add_referral(*, user, case: ChildCase, data: dict, on: dt.date | None = None) -> Referral:
    case = _handled(user, case)
    if case.stage not in (Stage.ASSESSMENT, Stage.INTERVENTION):
        raise ServiceError({"stage": [_("案件当前阶段不能转介")]}, status=409)
    referral = Referral.objects.create(
        case=case,
        **_referral_fields(data, on=validators.past_date(on, "on", not_before=case.assessed_on)),
    )
    _event(
        case,
        user=user,
        action="referral",
        label=_("转介"),
        before=case.stage,
        note=f"{referral.get_target_display()} {referral.organisation}",
    )
    audit.record_created(referral, note=_("转介"))
    return referral


@transaction.atomic
def update_referral(
    *, user, case: ChildCase, referral_id: int, status: str, note: str = "", on=None
) -> Referral:
    case = _handled(user, case)
    referral = Referral.objects.select_for_update().filter(case=case, pk=referral_id).first()
    if referral is None:
        raise NotFoundOrOutOfScope()
    if status not in ReferralStatus.values or status == ReferralStatus.PENDING:
        raise ServiceError({"status": [_("请选择转介结果：已接收、已完成或已拒绝")]})
    if status == ReferralStatus.DECLINED and not (note or "").strip():
        raise ServiceError({"note": [_("被拒绝的转介须说明原因")]})
    before = audit.snapshot(referral)
    referral.status = status
    referral.status_on = validators.past_date(on, "on", not_before=referral.referred_on)
    referral.result_note = _optional(note, "note", 200)
    referral.save()
    _event(
        case,
        user=user,
        action="referral_result",
        label=_("转介结果"),
        before=case.stage,
        note=f"{referral.organisation}：{referral.get_status_display()}",
    )
    audit.record("update", obj=referral, before=before, after=audit.snapshot(referral))
    return referral


@transaction.atomic
def start_intervention(*, user, case: ChildCase, note: str = "") -> ChildCase:
    case = _handled(user, case)
    if case.plan_on is None:
        raise ServiceError({"plan": [_("请先制定帮扶计划")]}, status=409)
    return _transition(case, "intervene", user=user, label=_("启动监护干预"), note=note.strip())


@transaction.atomic
def add_measure(
    *, user, case: ChildCase, kind: str, document: str, on: dt.date | None = None, note: str = ""
) -> Measure:
    case = _handled(user, case)
    if case.stage != Stage.INTERVENTION:
        raise ServiceError({"stage": [_("只有“监护干预”阶段的案件可以记录干预措施")]}, status=409)
    kind = _choice(kind, MeasureKind, "kind", _("请选择干预措施"))
    document = validators.required_text(document, "document", _("请填写文书编号"), max_length=100)
    measure = Measure.objects.create(
        case=case,
        kind=kind,
        document=document,
        on=validators.past_date(on, "on", not_before=case.plan_on),
        note=_optional(note, "note", 200),
    )
    _event(
        case,
        user=user,
        action="measure",
        label=measure.get_kind_display(),
        before=case.stage,
        note=document,
    )
    audit.record_created(measure, note=measure.get_kind_display())
    return measure


@transaction.atomic
def close_case(
    *, user, case: ChildCase, note: str, skip_reason: str = "", on: dt.date | None = None
) -> ChildCase:
    """结案. From 评估帮扶 only with the reason guardianship intervention is not needed; from
    监护干预 once at least one measure is recorded."""
    case = _handled(user, case)
    text = validators.required_text(note, "note", _("请填写结案说明"))
    if case.stage == Stage.ASSESSMENT:
        if case.plan_on is None:
            raise ServiceError({"plan": [_("请先制定帮扶计划")]}, status=409)
        case.intervention_skipped_reason = validators.required_text(
            skip_reason, "skip_reason", _("未经监护干预结案，须说明无需监护干预的理由")
        )
    elif case.stage == Stage.INTERVENTION and not case.measures.exists():
        raise ServiceError({"kind": [_("请先记录至少一项监护干预措施")]}, status=409)
    case.closed_on = validators.past_date(on, "on", not_before=case.plan_on)
    case.closing_note = text
    return _transition(case, "close", user=user, label=_("结案"), note=text)


# ---------------------------------------------------------------- escalation


@transaction.atomic
def escalate_overdue(*, now: dt.datetime | None = None) -> dict:
    """Mark every case whose stage is past its deadline and send it to the county
    child-protection officer's workbench (the card reads `overdue_stage`/`escalated_at`).
    Set-based: one UPDATE per stage, one event row per newly escalated case, one audit event.
    A case already escalated for its current stage is not escalated again."""
    from .selectors import overdue_q

    now = now or timezone.now()
    due = ChildCase.objects.filter(overdue_q(now))
    fresh = list(due.exclude(overdue_stage=F("stage")).values_list("pk", "stage"))
    by_stage: dict[str, list[int]] = {}
    for pk, stage in fresh:
        by_stage.setdefault(stage, []).append(pk)
    for stage, ids in by_stage.items():
        ChildCase.objects.filter(pk__in=ids).update(overdue_stage=stage, escalated_at=now)
    labels = dict(Stage.choices)
    from .models import CaseEvent

    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=pk,
            action="escalate",
            label=_("超期上报县级儿童保护专干"),
            from_stage=stage,
            to_stage=stage,
            by_name=_("系统"),
            at=now,
            note=_("“%(s)s”环节超过办理时限") % {"s": labels[stage]},
        )
        for pk, stage in fresh
    )
    if fresh:
        audit.record(
            "update",
            object_type="children.childcase",
            object_id="escalation",
            object_repr=_("儿童保护案件超期上报"),
            after={"escalated": [pk for pk, _s in fresh]},
            note=_("超期上报 %(n)s 件") % {"n": len(fresh)},
        )
    return {"escalated": len(fresh), "overdue": due.count()}

"""Writes of the application procedure: one function per action, keyword-only, one transaction.

Every action locks the case row, checks who may act (role, region, own case), checks the stage
through the state machine, writes its records, one CaseEvent and one audit event. Acts carry the
date they happened (`on`, default today): staff may record an act done earlier on paper, never a
future one and never before the current stage began.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from fractions import Fraction

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from minzheng.accounts.models import Role
from minzheng.assistance.evaluation import with_household_members
from minzheng.assistance.selectors import standard_in_force
from minzheng.core import audit, crypto, idcard
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.money import yuan_str
from minzheng.core.scope import region_in_scope
from minzheng.people.models import Household, HouseholdMember, Person

from . import clock, working_days
from .assessment import assess_case
from .models import (
    CLOSED_STATES,
    OPEN_STATES,
    Appraisal,
    Authorisation,
    Case,
    CaseEvent,
    CaseNumberCounter,
    Channel,
    Decision,
    Document,
    DocumentKind,
    EmergencyPayment,
    Holiday,
    Investigation,
    MissingMaterialsNotice,
    Objection,
    ObjectionOutcome,
    Programme,
    Publicity,
    SpotCheck,
    State,
)
from .params import DEFAULTS, STAGE_DEADLINES, ratio_text, workflow_param
from .selectors import can_see

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_FACTS_BYTES = 64 * 1024
# Accepted scans, recognised by their first bytes rather than the name or the declared type.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)

CLERK = {Role.TOWNSHIP_CLERK}
APPROVER = {Role.COUNTY_APPROVER}
VILLAGE = {Role.VILLAGE_WORKER}
VERIFIER = {Role.VERIFICATION_CENTRE, Role.TOWNSHIP_CLERK}


# ---------------------------------------------------------------- guards and helpers


def _guard(user, case: Case, roles: set, *, resident_owner: bool = False) -> None:
    """404 when the case is not visible to the user, 403 when their role may not act."""
    if not can_see(user, case):
        raise NotFoundOrOutOfScope()
    if user.role == Role.RESIDENT and resident_owner:
        return
    if user.role not in roles or not user.can_write:
        raise PermissionDeniedError(
            _("当前账号（%(role)s）无权办理此环节") % {"role": user.get_role_display()}
        )


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("region").get(pk=case.pk)


def _state_conflict(case: Case, action_label: str) -> ServiceError:
    return ServiceError(
        {
            "state": [
                _("申请当前处于“%(state)s”阶段，不能办理“%(action)s”")
                % {"state": case.get_state_display(), "action": action_label}
            ]
        },
        status=409,
    )


def _require_state(case: Case, states, action_label: str) -> None:
    if case.state not in states:
        raise _state_conflict(case, action_label)


def _today() -> dt.date:
    return clock.today()


def _act_date(case: Case | None, on: dt.date | None, field: str = "on") -> dt.date:
    on = on or _today()
    if on > _today():
        # Named as the form labels the field.
        raise ServiceError(
            {
                field: [
                    _("申请日期不能晚于今天")
                    if field == "applied_on"
                    else _("办理日期不能晚于今天")
                ]
            }
        )
    if case is not None and on < case.stage_started_on:
        raise ServiceError(
            {
                field: [
                    _("办理日期不能早于本阶段开始日期 %(d)s")
                    % {"d": case.stage_started_on.isoformat()}
                ]
            }
        )
    return on


def _text(value: str | None, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError({field: [message]})
    return value


def _names(values, field: str) -> list[str]:
    """Distinct non-empty names in the order given."""
    seen: list[str] = []
    for value in values or []:
        name = str(value).strip()
        if name and name not in seen:
            seen.append(name)
    if len(seen) > 20:
        raise ServiceError({field: [_("人数过多")]})
    return seen


def stage_due_date(case: Case, state: str, start: dt.date) -> dt.date | None:
    """The deadline of `state` entered on `start`, in working or calendar days as its rule says."""
    key = STAGE_DEADLINES.get(state)
    if key is None:
        return None
    n = workflow_param(key, case.region, start, programme=case.programme)
    if DEFAULTS[key].unit == "working_days":
        return working_days.add_working_days(start, n)
    return start + dt.timedelta(days=n)


def _event(
    case: Case,
    *,
    user,
    action: str,
    on: dt.date,
    from_state: str,
    note: str = "",
    data: dict | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        action=action,
        from_state=from_state,
        to_state=case.state,
        by=user,
        by_name=(user.get_full_name() or user.get_username()) if user else "",
        on=on,
        note=note,
        data=audit.jsonable(data or {}),
    )


def _transition(
    case: Case,
    method: str,
    action_label: str,
    *,
    user,
    action: str,
    on: dt.date,
    note: str = "",
    data: dict | None = None,
    due: dt.date | None = None,
    due_from_rule: bool = True,
) -> Case:
    """Run one state-machine transition, set the new stage's dates, and write event and audit."""
    bound = getattr(case, method)
    if not can_proceed(bound):
        raise _state_conflict(case, action_label)
    before = case.state
    # Whether the stage being left overran its legal deadline, for the on-time indicator.
    left_due = case.stage_due_on
    data = {
        **(data or {}),
        "left_stage_due_on": left_due,
        "left_stage_late": bool(left_due and on > left_due),
    }
    bound()
    case.stage_started_on = on
    case.stage_due_on = (
        due if due is not None or not due_from_rule else stage_due_date(case, case.state, on)
    )
    if case.state in CLOSED_STATES:
        case.closed_on = on
    case.save()
    _event(case, user=user, action=action, on=on, from_state=before, note=note, data=data)
    audit.record(
        "transition",
        obj=case,
        before={"state": before},
        after={"state": case.state},
        note=note or action_label,
    )
    return case


def _snapshot(obj) -> dict:
    """audit.snapshot, with stored files reduced to their names."""
    data = {}
    for field in obj._meta.concrete_fields:
        value = field.value_from_object(obj)
        data[field.attname] = value.name if isinstance(value, FieldFile) else value
    return audit.jsonable(data)


def _record(
    case: Case, *, user, action: str, on: dt.date, obj, note: str, data: dict | None = None
) -> None:
    """A record added at the current stage without changing it."""
    _event(case, user=user, action=action, on=on, from_state=case.state, note=note, data=data)
    audit.record(
        "create",
        obj=obj,
        object_repr=f"{case.number} {note}"[:200],
        region_code=case.audit_region_code,
        after=_snapshot(obj),
        note=note,
    )


def _require_authorisation(case: Case) -> None:
    if not Authorisation.objects.filter(case=case).exists():
        raise ServiceError({"authorisation": [_("须先登记申请家庭签署的核对授权书（含扫描件）")]})


# ---------------------------------------------------------------- application


def next_case_number(region, year: int) -> str:
    """Take the next number of the county and year: county code, year, 5-digit sequence. Must run
    inside the transaction that saves the case; the counter row stays locked until it commits, so
    a rolled-back application gives its number back."""
    prefix = f"{region.code[:6]}{year}"
    # A concurrent first insert of the same prefix waits on the primary key, then get_or_create
    # reads the winner's row under the lock.
    counter, _created = CaseNumberCounter.objects.select_for_update().get_or_create(
        prefix=prefix,
        defaults={"last": _highest_sequence(prefix)},
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}{counter.last:05d}"


def _highest_sequence(prefix: str) -> int:
    # Numbers given before counters existed (or loaded in bulk) are continued, never reused.
    last = (
        Case.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return int(last[len(prefix) :]) if last else 0


def duplicate_open_case_error() -> ServiceError:
    return ServiceError({"programme": [_("该家庭已有正在办理的同类申请")]}, status=409)


def _insert_case(case: Case) -> None:
    """Save a new case; a concurrent application that won the household's open-case slot
    (cases_one_open_case_per_household_programme) turns into the 409 the check before gives."""
    try:
        with transaction.atomic():
            case.save(force_insert=True)
    except IntegrityError:
        if Case.objects.filter(
            household=case.household, programme=case.programme, state__in=OPEN_STATES
        ).exists():
            raise duplicate_open_case_error() from None
        raise


def _age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _validate_facts(facts, household: Household, on: dt.date) -> dict:
    """The household's facts in the shape of the assistance quote input (members with relation,
    income by type in yuan, property, medical bill…). A member's ID number is never stored: it is
    replaced by the person's record (when they are in the household), age on the application
    date and sex, which is all the rules read from it."""
    if facts is None:
        return {}
    if not isinstance(facts, dict):
        raise ServiceError({"facts": [_("家庭收入和财产情况应为对象")]})
    if len(json.dumps(facts, ensure_ascii=False, default=str).encode()) > MAX_FACTS_BYTES:
        raise ServiceError({"facts": [_("家庭收入和财产情况内容过长")]})
    facts = audit.jsonable(facts)
    members = facts.get("members", [])
    if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise ServiceError({"facts.members": [_("家庭成员应为列表")]})
    in_household = {
        m.person.id_hash: m.person
        for m in HouseholdMember.objects.filter(
            household=household, until__isnull=True
        ).select_related("person")
    }
    for i, member in enumerate(members):
        number = member.pop("id_number", None)
        if not number:
            continue
        try:
            rid = idcard.parse(str(number), today=on)
        except idcard.InvalidResidentId as exc:
            raise ServiceError({f"facts.members.{i}.id_number": [str(exc)]}) from None
        person = in_household.get(crypto.lookup_hash(rid.number))
        if person is not None:
            member["person_id"] = person.pk
        member.setdefault("age", _age_on(rid.birth_date, on))
        member.setdefault("sex", rid.sex)
    return facts


# Programmes a household cannot hold together: 低保 urban or rural, or 特困 support (the basic
# living of a 特困 person is the support itself) — docs/DOMAIN.md §3.8.
EXCLUSIVE_PROGRAMMES = (frozenset({Programme.DIBAO_URBAN, Programme.DIBAO_RURAL, Programme.TEKUN}),)


def exclusive_with(programme: str) -> set[str]:
    """The programme itself and those it excludes."""
    found = {programme}
    for group in EXCLUSIVE_PROGRAMMES:
        if programme in group:
            found |= set(group)
    return found


def check_not_duplicate(*, household: Household, programme: str) -> None:
    """409 with a message naming what the household already has, when it receives the
    programme (or an exclusive one) or has an application for it open. Call inside the
    application's transaction: the open cases are locked while the new one is written."""
    programmes = exclusive_with(programme)
    open_case = (
        Case.objects.select_for_update()
        .filter(household=household, programme__in=programmes)
        .exclude(state__in=CLOSED_STATES)
        .order_by("id")
        .first()
    )
    if open_case is not None:
        same = open_case.programme == programme
        message = (
            _("该家庭已有正在办理的%(p)s申请（编号 %(n)s），不能重复申请")
            if same
            else _("该家庭已有正在办理的%(p)s申请（编号 %(n)s），与所申请项目不能同时享受")
        )
        raise ServiceError(
            {
                "programme": [
                    message % {"p": open_case.get_programme_display(), "n": open_case.number}
                ]
            },
            status=409,
        )
    # Entitlements belong to payments, which depends on cases: read through the app registry.
    entitlement_model = apps.get_model("payments", "Entitlement")
    receiving = (
        entitlement_model.objects.filter(household=household, programme__in=programmes)
        .exclude(status="terminated")
        .order_by("id")
        .values_list("programme", flat=True)
        .first()
    )
    if receiving is not None:
        label = Programme(receiving).label if receiving in Programme.values else receiving
        message = (
            _("该家庭正在享受%(p)s，不能重复申请")
            if receiving == programme
            else _("该家庭正在享受%(p)s，与所申请项目不能同时享受")
        )
        raise ServiceError({"programme": [message % {"p": label}]}, status=409)


@transaction.atomic
def apply(
    *,
    user,
    programme: str,
    household: Household | None = None,
    applicant: Person | None = None,
    reason: str = "",
    phone: str = "",
    facts: dict | None = None,
    requested_amount_fen: int | None = None,
    is_emergency: bool = False,
    relative_of_staff: bool = False,
    relative_relation: str = "",
    applied_on: dt.date | None = None,
) -> Case:
    """Apply: a resident for their own household online, a village worker on the applicant's
    behalf, or a township clerk at the window."""
    if user is None or not user.is_authenticated:
        raise PermissionDeniedError(_("请先登录"))
    if user.role == Role.RESIDENT:
        if not user.person_id:
            raise PermissionDeniedError(
                _("账号尚未关联居民本人信息，请到村（社区）或乡镇（街道）办理")
            )
        if applied_on and applied_on != _today():
            raise ServiceError({"applied_on": [_("网上申请的申请日期为提交当日")]})
        applicant = user.person
        own = (
            HouseholdMember.objects.filter(person_id=user.person_id, until__isnull=True)
            .select_related("household")
            .first()
        )
        if own is None:
            raise ServiceError({"household_id": [_("您尚未登记家庭，请到村（社区）办理家庭登记")]})
        if household is not None and household.pk != own.household_id:
            raise ServiceError({"household_id": [_("只能为本人所在家庭申请")]})
        household = own.household
        channel, filed_by = Channel.ONLINE, None
    elif user.role in VILLAGE | CLERK and user.can_write:
        if household is None:
            raise ServiceError({"household_id": [_("请选择申请家庭")]})
        if not region_in_scope(user, household.region):
            raise ServiceError({"household_id": [_("家庭不存在或不在管辖范围内")]})
        channel = Channel.ON_BEHALF if user.role == Role.VILLAGE_WORKER else Channel.WINDOW
        filed_by = user
    else:
        raise PermissionDeniedError(
            _("当前账号（%(role)s）不能提交救助申请") % {"role": user.get_role_display()}
        )

    errors: dict[str, list[str]] = {}
    if programme not in Programme.values:
        errors["programme"] = [_("申请项目无效")]
    if applicant is None:
        errors["applicant_id"] = [_("请选择申请人")]
    elif not HouseholdMember.objects.filter(
        household=household, person=applicant, until__isnull=True
    ).exists():
        errors["applicant_id"] = [_("申请人须为该家庭的现有成员")]
    elif applicant.death_date is not None:
        errors["applicant_id"] = [_("申请人已登记死亡")]
    if is_emergency and programme != Programme.TEMPORARY:
        errors["is_emergency"] = [_("只有临时救助可以按急难型先行救助办理")]
    if programme == Programme.TEMPORARY:
        if requested_amount_fen is None or requested_amount_fen <= 0:
            errors["requested_amount_fen"] = [_("临时救助须填写申请救助金额")]
    elif requested_amount_fen is not None and requested_amount_fen < 0:
        errors["requested_amount_fen"] = [_("金额不能为负数")]
    if relative_of_staff and not (relative_relation or "").strip():
        errors["relative_relation"] = [_("备案为经办人员或村干部近亲属时，须说明亲属关系")]
    if len(phone or "") > 20:
        errors["phone"] = [_("联系电话过长")]
    try:
        applied_on = _act_date(None, applied_on, "applied_on")
    except ServiceError as exc:
        errors.update(exc.errors)
        applied_on = _today()
    try:
        facts = _validate_facts(facts, household, applied_on)
    except ServiceError as exc:
        errors.update(exc.errors)
    if errors:
        raise ServiceError(errors)

    check_not_duplicate(household=household, programme=programme)
    # Whatever the interface sent, the facts list every current member of the household.
    facts = with_household_members(facts, household)

    case = Case(
        programme=programme,
        applicant=applicant,
        household=household,
        region=household.region,
        channel=channel,
        filed_by=filed_by,
        reason=(reason or "").strip(),
        phone=(phone or "").strip(),
        facts=facts,
        requested_amount_fen=requested_amount_fen,
        is_emergency=is_emergency,
        relative_of_staff=relative_of_staff,
        relative_relation=(relative_relation or "").strip(),
        state=State.SUBMITTED,
        applied_on=applied_on,
        stage_started_on=applied_on,
    )
    case.stage_due_on = stage_due_date(case, State.SUBMITTED, applied_on)
    case.number = next_case_number(household.region, applied_on.year)
    _insert_case(case)
    _event(
        case,
        user=user,
        action="apply",
        on=applied_on,
        from_state="",
        note=case.get_channel_display(),
    )
    audit.record("create", obj=case, after=audit.snapshot(case), note=case.get_channel_display())
    return case


# ---------------------------------------------------------------- documents and acceptance


def _sniff(head: bytes) -> tuple[str, str] | None:
    for signature, content_type, extension in _SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


@transaction.atomic
def upload_document(*, user, case: Case, kind: str, uploaded_file) -> Document:
    """Keep an uploaded scan (PDF, JPEG or PNG, at most 10 MB) with the case."""
    _guard(user, case, CLERK | VILLAGE, resident_owner=True)
    case = _locked(case)
    if not case.is_open:
        raise _state_conflict(case, _("上传材料"))
    if kind not in DocumentKind.values:
        raise ServiceError({"kind": [_("材料类型无效")]})
    size = getattr(uploaded_file, "size", None) or 0
    if size <= 0:
        raise ServiceError({"file": [_("文件为空")]})
    if size > MAX_DOCUMENT_BYTES:
        raise ServiceError(
            {"file": [_("文件不能超过 %(mb)s MB") % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)}]}
        )
    content = b"".join(uploaded_file.chunks())
    sniffed = _sniff(content[:16])
    if sniffed is None:
        raise ServiceError({"file": [_("只接受 PDF、JPG 或 PNG 格式的扫描件")]})
    content_type, extension = sniffed
    name = (getattr(uploaded_file, "name", "") or "").rsplit("/", 1)[-1][
        :200
    ] or f"document{extension}"
    document = Document(
        case=case,
        kind=kind,
        original_name=name,
        content_type=content_type,
        extension=extension,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )
    document.file.save("upload", ContentFile(content), save=False)
    document.save()
    _record(
        case,
        user=user,
        action="document",
        on=_today(),
        obj=document,
        note=_("上传材料：%(kind)s") % {"kind": document.get_kind_display()},
        data={"document_id": document.pk},
    )
    return document


@transaction.atomic
def record_authorisation(
    *, user, case: Case, document: Document, signed_on: dt.date, signed_by: list[str]
) -> Authorisation:
    """Register the household's signed verification authorisation (核对授权书) and its scan."""
    _guard(user, case, CLERK | VILLAGE)
    case = _locked(case)
    _require_state(
        case,
        (State.SUBMITTED, State.AWAITING_MATERIALS, State.EMERGENCY_GRANTED),
        _("登记核对授权书"),
    )
    if Authorisation.objects.filter(case=case).exists():
        raise ServiceError({"authorisation": [_("核对授权书已登记")]}, status=409)
    if document.case_id != case.pk or document.kind != DocumentKind.AUTHORISATION:
        raise ServiceError({"document_id": [_("请选择本申请已上传的核对授权书扫描件")]})
    names = _names(signed_by, "signed_by")
    if not names:
        raise ServiceError({"signed_by": [_("请填写签署授权书的家庭成员")]})
    if signed_on > _today():
        raise ServiceError({"signed_on": [_("签署日期不能晚于今天")]})
    authorisation = Authorisation.objects.create(
        case=case, document=document, signed_on=signed_on, signed_by=names, recorded_by=user
    )
    _record(
        case,
        user=user,
        action="authorisation",
        on=_today(),
        obj=authorisation,
        note=_("登记核对授权书"),
        data={"signed_by": names, "signed_on": signed_on},
    )
    return authorisation


@transaction.atomic
def accept(
    *, user, case: Case, missing_materials: list[str] | None = None, on: dt.date | None = None
) -> Case:
    """Acceptance (受理). With missing materials: the one-time list, and the case waits for them.
    Complete: the signed authorisation must be on file, and the case goes to verification."""
    _guard(user, case, CLERK)
    case = _locked(case)
    _require_state(case, (State.SUBMITTED,), _("受理"))
    on = _act_date(case, on)
    items = _names(missing_materials, "missing_materials")
    if items:
        notice = MissingMaterialsNotice.objects.create(
            case=case, items=items, issued_on=on, issued_by=user
        )
        audit.record(
            "create",
            obj=notice,
            object_repr=f"{case.number} {_('一次性告知')}",
            region_code=case.audit_region_code,
            after=audit.snapshot(notice),
        )
        return _transition(
            case,
            "request_materials",
            _("受理"),
            user=user,
            action="accept",
            on=on,
            note=_("受理，一次性告知需补齐材料：%(items)s") % {"items": "；".join(items)},
            data={"missing_materials": items},
        )
    _require_authorisation(case)
    return _transition(
        case,
        "start_verification",
        _("受理"),
        user=user,
        action="accept",
        on=on,
        note=_("受理，材料齐全"),
    )


@transaction.atomic
def complete_materials(*, user, case: Case, on: dt.date | None = None) -> Case:
    """The applicant has brought everything on the one-time list: on to verification."""
    _guard(user, case, CLERK)
    case = _locked(case)
    _require_state(case, (State.AWAITING_MATERIALS,), _("材料补齐"))
    on = _act_date(case, on)
    _require_authorisation(case)
    notice = MissingMaterialsNotice.objects.filter(case=case).first()
    if notice is not None:
        notice.completed_on = on
        notice.save(update_fields=["completed_on"])
    return _transition(
        case,
        "start_verification",
        _("材料补齐"),
        user=user,
        action="complete_materials",
        on=on,
        note=_("材料已补齐"),
    )


# ---------------------------------------------------------------- verification, investigation, appraisal


@transaction.atomic
def record_verification(
    *,
    user,
    case: Case,
    passed: bool,
    report_ref: str = "",
    reasons: str = "",
    on: dt.date | None = None,
) -> Case:
    """Result of the economic-status verification. A failure is a written refusal without a home visit."""
    _guard(user, case, VERIFIER)
    case = _locked(case)
    _require_state(case, (State.VERIFYING,), _("信息核对"))
    on = _act_date(case, on)
    data = {"report_ref": (report_ref or "").strip()}
    if passed:
        return _transition(
            case,
            "pass_verification",
            _("信息核对"),
            user=user,
            action="verification",
            on=on,
            note=_("信息核对通过"),
            data=data,
        )
    reasons = _text(reasons, "reasons", _("核对不通过时须写明不予批准的理由"))
    Decision.objects.create(
        case=case,
        level=Decision.Level.VERIFICATION,
        outcome=Decision.Outcome.REFUSE,
        reasons=reasons,
        decided_on=on,
        decided_by=user,
    )
    return _transition(
        case,
        "refuse",
        _("信息核对"),
        user=user,
        action="verification",
        on=on,
        note=_("信息核对不通过：%(r)s") % {"r": reasons},
        data=data | {"reasons": reasons},
    )


@transaction.atomic
def record_investigation(
    *,
    user,
    case: Case,
    investigators: list[str],
    visited_on: dt.date,
    findings: str,
    on: dt.date | None = None,
) -> Investigation:
    """Home investigation (入户调查) by at least the required number of investigators."""
    _guard(user, case, CLERK)
    case = _locked(case)
    _require_state(case, (State.INVESTIGATING,), _("入户调查"))
    if visited_on > _today() or visited_on < case.stage_started_on:
        raise ServiceError({"visited_on": [_("入户日期应在本阶段开始之后、登记之日之前")]})
    on = _act_date(case, on or visited_on)
    names = _names(investigators, "investigators")
    minimum = workflow_param(
        "workflow.min_investigators", case.region, visited_on, programme=case.programme
    )
    if len(names) < minimum:
        raise ServiceError({"investigators": [_("入户调查人员不得少于 %(n)s 人") % {"n": minimum}]})
    if visited_on > on or visited_on < case.stage_started_on:
        raise ServiceError({"visited_on": [_("入户日期应在本阶段开始之后、登记之日之前")]})
    findings = _text(findings, "findings", _("请填写入户调查情况"))
    investigation = Investigation.objects.create(
        case=case, investigators=names, visited_on=visited_on, findings=findings, recorded_by=user
    )
    _transition(
        case,
        "complete_investigation",
        _("入户调查"),
        user=user,
        action="investigation",
        on=on,
        note=_("入户调查：%(names)s") % {"names": "、".join(names)},
        data={"investigation_id": investigation.pk},
    )
    return investigation


@transaction.atomic
def record_appraisal(
    *,
    user,
    case: Case,
    held_on: dt.date,
    invitees: int,
    attendees: int,
    votes_for: int,
    votes_against: int,
    note: str = "",
    on: dt.date | None = None,
) -> Appraisal:
    """Democratic appraisal (民主评议). Without a quorum the meeting is void and nothing is recorded."""
    _guard(user, case, CLERK | VILLAGE)
    case = _locked(case)
    _require_state(case, (State.APPRAISING,), _("民主评议"))
    if held_on > _today() or held_on < case.stage_started_on:
        raise ServiceError({"held_on": [_("评议日期应在本阶段开始之后、登记之日之前")]})
    on = _act_date(case, on or held_on)
    if held_on > on or held_on < case.stage_started_on:
        raise ServiceError({"held_on": [_("评议日期应在本阶段开始之后、登记之日之前")]})
    if invitees < 1:
        raise ServiceError({"invitees": [_("应到人数至少为1人")]})
    if attendees > invitees:
        raise ServiceError({"attendees": [_("实到人数不能多于应到人数")]})
    if votes_for < 0 or votes_against < 0 or votes_for + votes_against > attendees:
        raise ServiceError({"votes_for": [_("同意票与反对票之和不能多于实到人数")]})
    quorum = workflow_param(
        "workflow.appraisal_quorum_ratio", case.region, held_on, programme=case.programme
    )
    approval = workflow_param(
        "workflow.appraisal_approval_ratio", case.region, held_on, programme=case.programme
    )
    if Fraction(attendees, invitees) < quorum:
        raise ServiceError(
            {
                "attendees": [
                    _("实到 %(a)s 人，未达到应到 %(i)s 人的 %(q)s，评议无效，请重新组织评议")
                    % {"a": attendees, "i": invitees, "q": ratio_text(quorum)}
                ]
            }
        )
    approved = attendees > 0 and Fraction(votes_for, attendees) >= approval
    appraisal = Appraisal.objects.create(
        case=case,
        held_on=held_on,
        invitees=invitees,
        attendees=attendees,
        votes_for=votes_for,
        votes_against=votes_against,
        quorum_ratio=ratio_text(quorum),
        approval_ratio=ratio_text(approval),
        approved=approved,
        note=(note or "").strip(),
        recorded_by=user,
    )
    result = _("通过") if approved else _("未通过")
    _transition(
        case,
        "complete_appraisal",
        _("民主评议"),
        user=user,
        action="appraisal",
        on=on,
        note=_("民主评议%(r)s：应到%(i)s人，实到%(a)s人，同意%(f)s票，反对%(g)s票")
        % {"r": result, "i": invitees, "a": attendees, "f": votes_for, "g": votes_against},
        data={"appraisal_id": appraisal.pk, "approved": approved},
    )
    return appraisal


# ---------------------------------------------------------------- township review and publicity


@transaction.atomic
def township_review(
    *,
    user,
    case: Case,
    approve: bool,
    reasons: str = "",
    publicity_starts_on: dt.date | None = None,
    on: dt.date | None = None,
) -> Case:
    """Township review (乡镇审核). Approval starts the publicity; a refusal carries written reasons.
    After an objection is upheld during publicity the township may still refuse."""
    _guard(user, case, CLERK)
    case = _locked(case)
    on = _act_date(case, on)
    if not approve:
        _require_state(case, (State.TOWNSHIP_REVIEW, State.PUBLICITY), _("乡镇审核"))
        if (
            case.state == State.PUBLICITY
            and not case.objections.filter(outcome=ObjectionOutcome.UPHELD).exists()
        ):
            raise ServiceError(
                {"decision": [_("公示期间仅在异议成立时可作出不予批准的审核")]}, status=409
            )
        reasons = _text(reasons, "reasons", _("不予批准时须写明理由"))
        Decision.objects.create(
            case=case,
            level=Decision.Level.TOWNSHIP,
            outcome=Decision.Outcome.REFUSE,
            reasons=reasons,
            decided_on=on,
            decided_by=user,
        )
        return _transition(
            case,
            "refuse",
            _("乡镇审核"),
            user=user,
            action="township_review",
            on=on,
            note=_("乡镇审核不同意：%(r)s") % {"r": reasons},
            data={"reasons": reasons},
        )
    _require_state(case, (State.TOWNSHIP_REVIEW,), _("乡镇审核"))
    reasons = (reasons or "").strip()
    last_appraisal = case.appraisals.order_by("-id").first()
    if last_appraisal is not None and not last_appraisal.approved and not reasons:
        raise ServiceError({"reasons": [_("民主评议未通过，同意时须写明理由")]})
    starts_on = publicity_starts_on or on
    if starts_on < on:
        raise ServiceError({"publicity_starts_on": [_("公示开始日期不能早于审核日期")]})
    days = workflow_param(
        "workflow.publicity_days", case.region, starts_on, programme=case.programme
    )
    ends_on = starts_on + dt.timedelta(days=days)
    Decision.objects.create(
        case=case,
        level=Decision.Level.TOWNSHIP,
        outcome=Decision.Outcome.APPROVE,
        reasons=reasons,
        decided_on=on,
        decided_by=user,
    )
    publicity = Publicity.objects.create(case=case, starts_on=starts_on, ends_on=ends_on)
    return _transition(
        case,
        "start_publicity",
        _("乡镇审核"),
        user=user,
        action="township_review",
        on=on,
        due=publicity.last_day,
        note=_("乡镇审核同意，公示 %(s)s 至 %(e)s")
        % {"s": starts_on.isoformat(), "e": publicity.last_day.isoformat()},
        data={"publicity_starts_on": starts_on, "publicity_last_day": publicity.last_day},
    )


@transaction.atomic
def file_objection(
    *, user, case: Case, content: str, objector: str = "", filed_on: dt.date | None = None
) -> Objection:
    """An objection raised during the publicity, to be resolved within the objection deadline."""
    _guard(user, case, CLERK | VILLAGE)
    case = _locked(case)
    _require_state(case, (State.PUBLICITY,), _("登记公示异议"))
    filed_on = _act_date(None, filed_on, "filed_on")
    publicity = case.publicity
    if not publicity.starts_on <= filed_on <= publicity.last_day:
        raise ServiceError(
            {
                "filed_on": [
                    _("异议应在公示期内（%(s)s 至 %(e)s）提出")
                    % {"s": publicity.starts_on.isoformat(), "e": publicity.last_day.isoformat()}
                ]
            }
        )
    content = _text(content, "content", _("请填写异议内容"))
    days = workflow_param(
        "workflow.objection_working_days", case.region, filed_on, programme=case.programme
    )
    objection = Objection.objects.create(
        case=case,
        objector=(objector or "").strip()[:64],
        content=content,
        filed_on=filed_on,
        due_on=working_days.add_working_days(filed_on, days),
        recorded_by=user,
    )
    _record(
        case,
        user=user,
        action="objection",
        on=filed_on,
        obj=objection,
        note=_("登记公示异议，应于 %(d)s 前办结") % {"d": objection.due_on.isoformat()},
        data={"objection_id": objection.pk},
    )
    return objection


@transaction.atomic
def resolve_objection(
    *,
    user,
    case: Case,
    objection: Objection,
    outcome: str,
    resolution: str,
    on: dt.date | None = None,
) -> Objection:
    _guard(user, case, CLERK)
    case = _locked(case)
    _require_state(case, (State.PUBLICITY,), _("办结公示异议"))
    objection = Objection.objects.select_for_update().get(pk=objection.pk, case=case)
    if objection.resolved_on is not None:
        raise ServiceError({"objection": [_("该异议已办结")]}, status=409)
    if outcome not in ObjectionOutcome.values:
        raise ServiceError({"outcome": [_("请选择异议是否成立")]})
    resolution = _text(resolution, "resolution", _("请填写核查处理情况"))
    on = _act_date(None, on)
    if on < objection.filed_on:
        raise ServiceError({"on": [_("办结日期不能早于异议提出日期")]})
    before = audit.snapshot(objection)
    objection.outcome, objection.resolution, objection.resolved_on, objection.resolved_by = (
        outcome,
        resolution,
        on,
        user,
    )
    objection.save()
    _event(
        case,
        user=user,
        action="objection_resolved",
        on=on,
        from_state=case.state,
        note=_("异议办结：%(o)s。%(r)s") % {"o": objection.get_outcome_display(), "r": resolution},
        data={"objection_id": objection.pk},
    )
    audit.record(
        "update",
        obj=objection,
        object_repr=f"{case.number} {_('公示异议')}",
        region_code=case.audit_region_code,
        before=before,
        after=audit.snapshot(objection),
    )
    return objection


def spot_check_draw(number: str) -> float:
    """The case's fixed random number in [0, 1): the same case number always draws the same."""
    return random.Random(f"spot-check:{number}").random()


def _select_for_spot_check(case: Case, on: dt.date) -> SpotCheck | None:
    ratio = workflow_param("workflow.spot_check_ratio", case.region, on, programme=case.programme)
    draw = spot_check_draw(case.number)
    if case.relative_of_staff:
        reason = SpotCheck.Reason.RELATIVE
    elif Fraction(draw) < ratio:
        reason = SpotCheck.Reason.RANDOM
    else:
        return None
    return SpotCheck.objects.create(
        case=case, reason=reason, draw=draw, ratio=ratio_text(ratio), selected_on=on
    )


def _enter_county_review(
    case: Case, method: str, action_label: str, *, user, action: str, on: dt.date, note: str
) -> Case:
    case = _transition(case, method, action_label, user=user, action=action, on=on, note=note)
    check = _select_for_spot_check(case, on)
    if check is not None:
        # The selection is the system's (a draw, or the rule for staff relatives), not the
        # approver's whose action moved the case on: recorded without a user.
        _record(
            case,
            user=None,
            action="spot_check_selected",
            on=on,
            obj=check,
            note=_("抽中县级入户抽查（%(r)s）") % {"r": check.get_reason_display()},
            data={"draw": check.draw, "ratio": check.ratio},
        )
    return case


@transaction.atomic
def close_publicity(*, user, case: Case, on: dt.date | None = None) -> Case:
    """End of publicity: only after the period, with every objection resolved and none upheld."""
    _guard(user, case, CLERK)
    case = _locked(case)
    _require_state(case, (State.PUBLICITY,), _("公示期满报送县级审批"))
    on = _act_date(None, on)
    publicity = case.publicity
    if not publicity.may_close_on(on):
        raise ServiceError(
            {
                "on": [
                    _("公示期至 %(e)s 届满，届满当日起方可报送县级审批")
                    % {"e": publicity.last_day.isoformat()}
                ]
            },
            status=409,
        )
    objections = list(case.objections.all())
    if any(o.resolved_on is None for o in objections):
        raise ServiceError({"objections": [_("尚有未办结的公示异议，办结后方可报送")]}, status=409)
    if any(o.outcome == ObjectionOutcome.UPHELD for o in objections):
        raise ServiceError(
            {"objections": [_("有异议经核查成立，应由乡镇（街道）作出不予批准的审核意见")]},
            status=409,
        )
    publicity.closed_on = on
    publicity.save(update_fields=["closed_on"])
    return _enter_county_review(
        case,
        "close_publicity",
        _("公示期满报送县级审批"),
        user=user,
        action="close_publicity",
        on=on,
        note=_("公示期满无异议或异议不成立，报送县级审批"),
    )


# ---------------------------------------------------------------- county approval


@transaction.atomic
def record_spot_check(
    *, user, case: Case, checked_on: dt.date, investigators: list[str], findings: str
) -> SpotCheck:
    _guard(user, case, APPROVER)
    case = _locked(case)
    _require_state(case, (State.COUNTY_REVIEW,), _("登记入户抽查"))
    check = SpotCheck.objects.select_for_update().filter(case=case).first()
    if check is None:
        raise ServiceError({"spot_check": [_("本申请未被抽中入户抽查")]}, status=409)
    if check.is_done:
        raise ServiceError({"spot_check": [_("入户抽查已登记")]}, status=409)
    checked_on = _act_date(case, checked_on, "checked_on")
    names = _names(investigators, "investigators")
    minimum = workflow_param(
        "workflow.min_investigators", case.region, checked_on, programme=case.programme
    )
    if len(names) < minimum:
        raise ServiceError({"investigators": [_("入户抽查人员不得少于 %(n)s 人") % {"n": minimum}]})
    findings = _text(findings, "findings", _("请填写抽查情况"))
    before = audit.snapshot(check)
    check.checked_on, check.investigators, check.findings, check.checked_by = (
        checked_on,
        names,
        findings,
        user,
    )
    check.save()
    _event(
        case,
        user=user,
        action="spot_check",
        on=checked_on,
        from_state=case.state,
        note=_("县级入户抽查：%(names)s") % {"names": "、".join(names)},
        data={"findings": findings},
    )
    audit.record(
        "update",
        obj=check,
        object_repr=f"{case.number} {_('入户抽查')}",
        region_code=case.audit_region_code,
        before=before,
        after=audit.snapshot(check),
    )
    return check


def _decided_amount(
    case: Case, on: dt.date, amount_fen: int | None, amount_reason: str
) -> tuple[int | None, int | None, str]:
    """(amount, rules amount, reason) of a monthly programme's approval: the rules' amount on the
    decision date is the default; another amount needs a written reason; a blank or zero amount
    is refused while the household is eligible."""
    assessment = assess_case(case, on=on)
    if assessment is None:
        return amount_fen, None, ""
    amount_reason = (amount_reason or "").strip()
    rules_amount = assessment.amount_fen if assessment.computed and assessment.eligible else None
    if not amount_fen:
        if rules_amount:
            raise ServiceError(
                {
                    "amount_fen": [
                        _("请填写核定救助金额（按规则计算为每月 %(y)s 元）")
                        % {"y": yuan_str(rules_amount)}
                    ]
                }
            )
        basis = assessment.error or "；".join(assessment.reasons) or _("按规则金额为零")
        raise ServiceError(
            {
                "amount_fen": [
                    _("按规则计算不能核定金额（%(why)s）。确需批准的，须填写核定救助金额并写明理由")
                    % {"why": basis}
                ]
            }
        )
    # Without a computed figure (no standard in force) the approver's amount is the decision.
    if assessment.computed and amount_fen != rules_amount and not amount_reason:
        expected = (
            _("每月 %(y)s 元") % {"y": yuan_str(rules_amount)} if rules_amount else _("不符合条件")
        )
        raise ServiceError(
            {
                "amount_reason": [
                    _("核定金额与按规则计算的结果（%(e)s）不同，须写明理由") % {"e": expected}
                ]
            }
        )
    if len(amount_reason) > 2000:
        raise ServiceError({"amount_reason": [_("理由不能超过2000个字符")]})
    return (
        amount_fen,
        assessment.amount_fen if assessment.computed else None,
        amount_reason if amount_fen != rules_amount else "",
    )


@transaction.atomic
def county_decision(
    *,
    user,
    case: Case,
    approve: bool,
    reasons: str = "",
    amount_fen: int | None = None,
    amount_reason: str = "",
    on: dt.date | None = None,
) -> Case:
    """County approval (县级审批) or refusal with written reasons. A case drawn for a spot check
    is approved only after the check is recorded. A monthly programme is approved at the rules'
    amount on the decision date, or at another amount with a written reason."""
    _guard(user, case, APPROVER)
    case = _locked(case)
    _require_state(case, (State.COUNTY_REVIEW,), _("县级审批"))
    on = _act_date(case, on)
    if amount_fen is not None and amount_fen < 0:
        raise ServiceError({"amount_fen": [_("金额不能为负数")]})
    if approve and amount_fen is not None:
        _check_programme_cap(case, amount_fen, on)
    if not approve:
        reasons = _text(reasons, "reasons", _("不予批准时须写明理由"))
        Decision.objects.create(
            case=case,
            level=Decision.Level.COUNTY,
            outcome=Decision.Outcome.REFUSE,
            reasons=reasons,
            decided_on=on,
            decided_by=user,
        )
        return _transition(
            case,
            "refuse",
            _("县级审批"),
            user=user,
            action="county_decision",
            on=on,
            note=_("县级审批不予批准：%(r)s") % {"r": reasons},
            data={"reasons": reasons},
        )
    check = SpotCheck.objects.filter(case=case).first()
    if check is not None and not check.is_done:
        raise ServiceError(
            {"spot_check": [_("本申请已被抽中入户抽查，须先登记抽查结果再审批")]}, status=409
        )
    amount_fen, rules_amount, amount_reason = _decided_amount(case, on, amount_fen, amount_reason)
    Decision.objects.create(
        case=case,
        level=Decision.Level.COUNTY,
        outcome=Decision.Outcome.APPROVE,
        reasons=(reasons or "").strip(),
        amount_fen=amount_fen,
        rules_amount_fen=rules_amount,
        amount_reason=amount_reason,
        decided_on=on,
        decided_by=user,
    )
    # The approve transition is published (django-fsm post_transition); payments subscribes
    # and creates the entitlement in this transaction.
    return _transition(
        case,
        "approve",
        _("县级审批"),
        user=user,
        action="county_decision",
        on=on,
        note=_("县级审批批准"),
        data={
            "amount_fen": amount_fen,
            "rules_amount_fen": rules_amount,
            "amount_reason": amount_reason,
        },
    )


# ---------------------------------------------------------------- withdrawal, 备案, emergency path


@transaction.atomic
def withdraw(*, user, case: Case, reason: str = "", on: dt.date | None = None) -> Case:
    """Withdrawal at any open stage, by the applicant's household or by the township clerk."""
    _guard(user, case, CLERK, resident_owner=True)
    case = _locked(case)
    if not case.is_open:
        raise _state_conflict(case, _("撤回申请"))
    if user.role == Role.RESIDENT:
        on = _act_date(case, None)
        reason = (reason or "").strip() or _("申请人本人撤回")
    else:
        on = _act_date(case, on)
        reason = _text(reason, "reason", _("代为撤回时须注明申请人撤回的情况"))
    return _transition(
        case,
        "withdraw",
        _("撤回申请"),
        user=user,
        action="withdraw",
        on=on,
        note=_("撤回申请：%(r)s") % {"r": reason},
        data={"reason": reason},
    )


@transaction.atomic
def declare_staff_relative(*, user, case: Case, relation: str) -> Case:
    """备案: the applicant is a close relative of civil-affairs staff or a village cadre; such cases
    are always spot-checked at county level. The verification centre records it when a run finds it."""
    _guard(user, case, CLERK | VILLAGE | APPROVER | VERIFIER)
    case = _locked(case)
    if not case.is_open:
        raise _state_conflict(case, _("近亲属备案"))
    relation = _text(relation, "relation", _("请说明亲属关系"))
    before = audit.snapshot(case)
    case.relative_of_staff, case.relative_relation = True, relation[:200]
    case.save(update_fields=["relative_of_staff", "relative_relation", "updated_at"])
    today = _today()
    _event(
        case,
        user=user,
        action="staff_relative",
        on=today,
        from_state=case.state,
        note=_("近亲属备案：%(r)s") % {"r": relation},
    )
    audit.record(
        "update", obj=case, before=before, after=audit.snapshot(case), note=_("近亲属备案")
    )
    if case.state == State.COUNTY_REVIEW and not SpotCheck.objects.filter(case=case).exists():
        check = _select_for_spot_check(case, today)
        _record(
            case,
            user=user,
            action="spot_check_selected",
            on=today,
            obj=check,
            note=_("抽中县级入户抽查（%(r)s）") % {"r": check.get_reason_display()},
        )
    return case


@transaction.atomic
def _check_programme_cap(case: Case, amount_fen: int, on: dt.date) -> None:
    """Temporary assistance is paid once, up to the region's cap for its kind (急难型/支出型)."""
    if case.programme != Programme.TEMPORARY:
        return
    key = "cap_emergency" if case.is_emergency else "cap_expenditure"
    cap = standard_in_force(case.programme, key, case.region, on)
    if cap is not None and cap.value is not None and amount_fen > cap.value:
        raise ServiceError(
            {"amount_fen": [_("超过本地区临时救助每次上限 %(y)s 元") % {"y": yuan_str(cap.value)}]}
        )


def grant_emergency(
    *,
    user,
    case: Case,
    amount_fen: int,
    method: str,
    paid_on: dt.date | None = None,
    note: str = "",
) -> EmergencyPayment:
    """Emergency temporary assistance: the township helps first, within its delegated limit;
    the paperwork and the county's confirmation follow."""
    _guard(user, case, CLERK)
    case = _locked(case)
    if not (case.is_emergency and case.programme == Programme.TEMPORARY):
        raise ServiceError({"is_emergency": [_("只有急难型临时救助可以先行救助")]}, status=409)
    _require_state(case, (State.SUBMITTED,), _("先行救助"))
    paid_on = _act_date(case, paid_on, "paid_on")
    if method not in EmergencyPayment.Method.values:
        raise ServiceError({"method": [_("救助方式无效")]})
    limit = workflow_param(
        "workflow.township_delegation_limit_fen", case.region, paid_on, programme=case.programme
    )
    if amount_fen is None or amount_fen <= 0:
        raise ServiceError({"amount_fen": [_("请填写救助金额")]})
    if amount_fen > limit:
        raise ServiceError(
            {
                "amount_fen": [
                    _("超过乡镇（街道）先行救助限额 %(y)s 元，须报县级审批")
                    % {"y": yuan_str(limit)}
                ]
            }
        )
    payment = EmergencyPayment.objects.create(
        case=case,
        amount_fen=amount_fen,
        method=method,
        paid_on=paid_on,
        note=(note or "").strip(),
        recorded_by=user,
    )
    audit.record(
        "create",
        obj=payment,
        object_repr=f"{case.number} {_('先行救助')}",
        region_code=case.audit_region_code,
        after=audit.snapshot(payment),
    )
    _transition(
        case,
        "grant_emergency",
        _("先行救助"),
        user=user,
        action="emergency_grant",
        on=paid_on,
        note=_("先行救助 %(y)s 元（%(m)s）")
        % {"y": yuan_str(amount_fen), "m": payment.get_method_display()},
        data={"amount_fen": amount_fen, "method": method},
    )
    return payment


@transaction.atomic
def complete_emergency_paperwork(*, user, case: Case, on: dt.date | None = None) -> Case:
    """The paperwork after emergency help is complete (authorisation on file): to the county."""
    _guard(user, case, CLERK)
    case = _locked(case)
    _require_state(case, (State.EMERGENCY_GRANTED,), _("补办手续"))
    on = _act_date(case, on)
    _require_authorisation(case)
    return _enter_county_review(
        case,
        "complete_emergency_paperwork",
        _("补办手续"),
        user=user,
        action="emergency_paperwork",
        on=on,
        note=_("先行救助手续已补齐，报县级审批确认"),
    )


# ---------------------------------------------------------------- holiday calendar


def _ensure_calendar_admin(user) -> None:
    if (
        user is None
        or not user.is_authenticated
        or not (user.is_superuser or user.role == Role.ADMIN)
    ):
        raise PermissionDeniedError(_("只有系统管理员可以维护节假日安排"))


@transaction.atomic
def set_holiday(*, user, date: dt.date, is_working_day: bool, name: str) -> Holiday:
    """Enter or correct one day of the national holiday arrangement (a day off or a worked weekend day)."""
    _ensure_calendar_admin(user)
    name = _text(name, "name", _("请填写节日名称"))
    holiday = Holiday.objects.filter(date=date).first()
    before = audit.snapshot(holiday) if holiday else None
    holiday = holiday or Holiday(date=date)
    holiday.is_working_day, holiday.name = is_working_day, name[:32]
    holiday.save()
    audit.record(
        "update" if before else "create",
        obj=holiday,
        object_repr=str(holiday),
        before=before,
        after=audit.snapshot(holiday),
    )
    return holiday


@transaction.atomic
def remove_holiday(*, user, holiday: Holiday) -> None:
    _ensure_calendar_admin(user)
    before = audit.snapshot(holiday)
    audit.record("delete", obj=holiday, object_repr=str(holiday), before=before)
    holiday.delete()

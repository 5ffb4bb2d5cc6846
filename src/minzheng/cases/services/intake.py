"""Application and acceptance: the case number, the household's facts, the duplicate
assistance check, documents, the resident's authorisation, acceptance and complete materials."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from minzheng.accounts.models import Role
from minzheng.assistance.evaluation import with_household_members
from minzheng.core import audit, crypto, idcard
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.people.models import Household, HouseholdMember, Person

from ..models import (
    CLOSED_STATES,
    OPEN_STATES,
    Authorisation,
    Case,
    CaseNumberCounter,
    Channel,
    Document,
    DocumentKind,
    MissingMaterialsNotice,
    Programme,
    State,
)
from .guards import (
    CLERK,
    VILLAGE,
    _act_date,
    _event,
    _guard,
    _locked,
    _names,
    _record,
    _require_authorisation,
    _require_state,
    _state_conflict,
    _today,
    _transition,
    stage_due_date,
)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_FACTS_BYTES = 64 * 1024
# Accepted scans, recognised by their first bytes rather than the name or the declared type.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
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
    audit.record_created(case, note=case.get_channel_display())
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


# `apply`, `upload_document` and `record_authorisation` stay plain atomic blocks: the API calls
# them one by one, and the two use cases below call them together in one transaction.


@transaction.atomic(durable=True)
def submit_application(*, user, documents=(), **application) -> Case:
    """An application and the scans handed in with it, kept together or not at all: a scan that
    is refused leaves no application behind. `documents` are (kind, uploaded file) pairs; a
    refused scan is reported under its kind. The other arguments are those of `apply`."""
    case = apply(user=user, **application)
    for kind, uploaded_file in documents:
        try:
            upload_document(user=user, case=case, kind=kind, uploaded_file=uploaded_file)
        except ServiceError as exc:
            raise ServiceError(
                {kind: exc.errors.get("file", sum(exc.errors.values(), []))}
            ) from None
    return case


@transaction.atomic(durable=True)
def record_authorisation_scan(
    *, user, case: Case, scan, signed_on: dt.date, signed_by: list[str]
) -> Authorisation:
    """Keep the scan of the signed authorisation and register the authorisation, in one
    transaction (the page's form takes both at once)."""
    document = upload_document(
        user=user, case=case, kind=DocumentKind.AUTHORISATION, uploaded_file=scan
    )
    return record_authorisation(
        user=user, case=case, document=document, signed_on=signed_on, signed_by=signed_by
    )


@transaction.atomic(durable=True)
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
        audit.record_created(
            notice,
            object_repr=f"{case.number} {_('一次性告知')}",
            region_code=case.audit_region_code,
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


@transaction.atomic(durable=True)
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

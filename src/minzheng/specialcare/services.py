"""Writes of the special-care roster. Each service is one business action: it checks who acts and
where (404 outside the region, 403 for a role that may not act), validates with field-level
Chinese messages, locks the row, runs the transition and writes the audit event in one
transaction.

A registration and every change is a request that the county approver approves or refuses: a new
record is pending until approved; a change (grade, death, move, correction, ending) is applied to
the record only when approved. A death, approved, ends every open record of the person and sets the
person's death date in the population registry when it is empty (people.services.update_person),
so the payroll's death scan stops the payments."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, idcard, validators
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.people import selectors as people_selectors
from minzheng.people import services as people_services
from minzheng.regions.models import Region

from . import quality, signals
from .models import (
    FAMILY_CATEGORIES,
    VETERAN_CATEGORIES,
    Category,
    ChangeKind,
    ChangeStatus,
    DisabilityCause,
    DocumentKind,
    EndReason,
    IdCheckMethod,
    Recipient,
    RecipientChange,
    RecipientDocument,
    RecipientStatus,
    Relation,
    ServiceKind,
)
from .permissions import may_approve, may_check_id, may_request, may_upload

BEREAVED = {c for c in FAMILY_CATEGORIES if c != Category.SERVING_FAMILY}
TEXT_LIMITS = {"certificate_no": 40, "service_unit": 100, "soldier_name": 64}
DATE_FIELDS = (
    "certificate_issued_on",
    "enlisted_on",
    "discharged_on",
    "soldier_died_on",
)
ATTRIBUTE_FIELDS = (
    "certificate_no",
    "certificate_issued_on",
    "disability_grade",
    "disability_cause",
    "enlisted_on",
    "discharged_on",
    "service_unit",
    "soldier_name",
    "relation",
    "soldier_died_on",
    "service_kind",
)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".ofd"}


def _date_value(value, field: str, errors: dict, *, required: bool = False):
    if value in (None, ""):
        if required:
            errors[field] = [_("请填写日期")]
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            errors[field] = [_("日期格式应为年-月-日")]
            return None
    message = validators.date_error(value)
    if message:
        errors[field] = [message]
        return None
    if value > timezone.localdate():
        errors[field] = [_("日期不能晚于今天")]
        return None
    return value


def validate_attributes(category: str, data: dict, *, birth_date: dt.date | None = None) -> dict:
    """The attributes of a record of `category`, checked as the category requires: every problem
    named by its field (a ServiceError of Chinese messages). Attributes of other categories are
    dropped, so a record never holds, say, a grade on a non-disabled category."""
    errors: dict[str, list[str]] = {}
    if category not in Category.values:
        raise ServiceError({"category": [_("请选择优抚类别")]})
    out: dict = {name: "" for name in ATTRIBUTE_FIELDS}
    for name in DATE_FIELDS:
        out[name] = None
    out["disability_grade"] = None
    for name, limit in TEXT_LIMITS.items():
        value = (data.get(name) or "").strip()
        if len(value) > limit:
            errors[name] = [_("内容过长，最多%(n)s字") % {"n": limit}]
        out[name] = value
    if not out["certificate_no"]:
        errors.setdefault("certificate_no", [_("请填写证件编号")])
    out["certificate_issued_on"] = _date_value(
        data.get("certificate_issued_on"), "certificate_issued_on", errors
    )
    if category in VETERAN_CATEGORIES:
        out["enlisted_on"] = _date_value(
            data.get("enlisted_on"), "enlisted_on", errors, required=True
        )
        out["discharged_on"] = _date_value(
            data.get("discharged_on"), "discharged_on", errors, required=True
        )
        if not out["service_unit"]:
            errors.setdefault("service_unit", [_("请填写服役部队")])
        if (
            out["enlisted_on"]
            and out["discharged_on"]
            and out["discharged_on"] < out["enlisted_on"]
        ):
            errors["discharged_on"] = [_("退役日期不能早于入伍日期")]
        if birth_date and out["enlisted_on"] and out["enlisted_on"] <= birth_date:
            errors["enlisted_on"] = [_("入伍日期不能早于出生日期")]
    else:
        out["service_unit"] = ""
    if category == Category.DISABLED_VETERAN:
        grade = data.get("disability_grade")
        try:
            grade = int(grade) if grade not in (None, "") else None
        except (TypeError, ValueError):
            grade = 0
        if grade is None:
            errors["disability_grade"] = [_("残疾军人须填写残疾等级（一级至十级）")]
        elif not 1 <= grade <= 10:
            errors["disability_grade"] = [_("残疾等级应为一级至十级（1至10）")]
        out["disability_grade"] = grade if grade and 1 <= grade <= 10 else None
        cause = data.get("disability_cause") or ""
        if cause not in DisabilityCause.values:
            errors["disability_cause"] = [_("残疾军人须选择致残性质（因战、因公或因病）")]
        out["disability_cause"] = cause
    if category in FAMILY_CATEGORIES:
        if not out["soldier_name"]:
            errors.setdefault("soldier_name", [_("请填写烈士（军人）姓名")])
        elif validators.name_error(out["soldier_name"]):
            errors["soldier_name"] = [validators.name_error(out["soldier_name"])]
        relation = data.get("relation") or ""
        if relation not in Relation.values:
            errors["relation"] = [_("请选择与烈士（军人）的关系")]
        out["relation"] = relation
    else:
        out["soldier_name"] = ""
    if category in BEREAVED:
        out["soldier_died_on"] = _date_value(
            data.get("soldier_died_on"), "soldier_died_on", errors, required=True
        )
    if category == Category.SERVING_FAMILY:
        kind = data.get("service_kind") or ""
        if kind not in ServiceKind.values:
            errors["service_kind"] = [_("请选择服役类别（义务兵、士官或军官）")]
        out["service_kind"] = kind
    if errors:
        raise ServiceError(errors)
    return out


def _person(user, *, person_id: int | None, id_number: str):
    """The recipient on the registry, in the user's regions, by registry id or ID number: never a
    second copy of a person (a number not in the registry is registered there first)."""
    if person_id:
        person = people_selectors.people_for(user).filter(pk=person_id).first()
        if person is None:
            raise NotFoundOrOutOfScope()
        return person
    if not (id_number or "").strip():
        raise ServiceError({"id_number": [_("请填写身份证号码")]})
    person = people_selectors.visible_by_id_number(user, id_number)
    if person is None:
        if people_selectors.find_by_id_number(idcard.parse(id_number.strip()).number) is None:
            raise ServiceError(
                {"id_number": [_("人口库中没有该身份证号码，请先在人口信息中登记此人")]}
            )
        raise ServiceError({"id_number": [people_services.registered_elsewhere_message()]})
    return person


def _deadline(event_on: dt.date) -> dt.date:
    return quality.due_date(event_on)


@transaction.atomic
def register(
    *,
    user,
    category: str,
    data: dict,
    person_id: int | None = None,
    id_number: str = "",
    registered_on: dt.date | None = None,
) -> Recipient:
    """A person of the registry put on the roster in a category: a pending record with its
    registration request, for the county to approve."""
    if not may_request(user):
        raise PermissionDeniedError(_("当前账号无权登记优抚对象"))
    person = _person(user, person_id=person_id, id_number=id_number)
    errors: dict[str, list[str]] = {}
    try:
        attributes = validate_attributes(category, data, birth_date=person.birth_date)
    except ServiceError as exc:
        errors.update(exc.errors)
    if person.death_date:
        errors.setdefault("id_number", []).append(_("人口库记载此人已死亡，不能登记"))
    day = _date_value(registered_on, "registered_on", errors) or timezone.localdate()
    if errors:
        raise ServiceError(errors)
    region = person.hukou_region
    if not region_in_scope(user, region):
        raise ServiceError({"id_number": [_("此人户籍不在本账号的管辖范围内")]})
    if Recipient.objects.filter(
        person=person,
        category=category,
        status__in=[RecipientStatus.ACTIVE, RecipientStatus.PENDING],
    ).exists():
        raise ServiceError({"category": [_("此人已在该类别登记（在册或待审批）")]}, status=409)
    record = Recipient(
        person=person,
        region=region,
        category=category,
        status=RecipientStatus.PENDING,
        registered_on=day,
        **attributes,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ServiceError(
            {"category": [_("此人已在该类别登记（在册或待审批）")]}, status=409
        ) from None
    audit.record_created(record, note=_("登记优抚对象，待审批"))
    change = RecipientChange.objects.create(
        recipient=record,
        kind=ChangeKind.REGISTER,
        event_on=day,
        due_on=_deadline(day),
        details={"category": category},
        region=region,
        reason="",
        requested_by=user,
        requested_at=timezone.now(),
    )
    audit.record_created(change, region_code=region.code)
    return record


def _change_details(user, record: Recipient, kind: str, data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    details: dict = {}
    if kind == ChangeKind.GRADE:
        if record.category != Category.DISABLED_VETERAN:
            raise ServiceError({"kind": [_("只有残疾军人可以调整残疾等级")]})
        grade = data.get("disability_grade")
        try:
            grade = int(grade)
        except (TypeError, ValueError):
            grade = 0
        if not 1 <= grade <= 10:
            errors["disability_grade"] = [_("残疾等级应为一级至十级（1至10）")]
        elif grade == record.disability_grade:
            errors["disability_grade"] = [_("新等级与现等级相同")]
        details["disability_grade"] = grade
        cause = data.get("disability_cause") or ""
        if cause:
            if cause not in DisabilityCause.values:
                errors["disability_cause"] = [_("请选择致残性质")]
            details["disability_cause"] = cause
    elif kind == ChangeKind.MOVE:
        code = (data.get("region_code") or "").strip()
        region = Region.objects.filter(code=code, level=Region.Level.VILLAGE).first()
        if region is None:
            errors["region_code"] = [_("请填写迁入地村（社区）代码")]
        elif (
            region.path[: quality.COUNTY_PATH_LENGTH]
            == record.region.path[: quality.COUNTY_PATH_LENGTH]
        ):
            errors["region_code"] = [_("迁入地与现所在地属同一县（市、区），请用信息更正")]
        else:
            details["region_id"] = region.pk
            details["region_code"] = region.code
            details["region_name"] = region.name
            details["from_region_code"] = record.region.code
            details["from_region_name"] = record.region.name
    elif kind == ChangeKind.CORRECTION:
        merged = {f: getattr(record, f) for f in ATTRIBUTE_FIELDS}
        given = {f: data[f] for f in ATTRIBUTE_FIELDS if f in data and data[f] not in (None,)}
        if not given:
            raise ServiceError({"details": [_("请填写要更正的信息")]})
        merged.update(given)
        try:
            checked = validate_attributes(record.category, merged)
        except ServiceError as exc:
            raise ServiceError(exc.errors) from None
        details = {
            f: (v.isoformat() if isinstance(v, dt.date) else v)
            for f, v in checked.items()
            if v != getattr(record, f)
            and not (v in ("", None) and getattr(record, f) in ("", None))
        }
        if not details:
            raise ServiceError({"details": [_("更正内容与现有信息相同")]})
    elif kind == ChangeKind.END:
        end_reason = data.get("end_reason") or ""
        if end_reason not in EndReason.values or end_reason == EndReason.DEATH:
            errors["end_reason"] = [_("请选择注销原因（死亡请办理死亡变更）")]
        details["end_reason"] = end_reason
    elif kind == ChangeKind.DEATH:
        pass
    else:
        raise ServiceError({"kind": [_("请选择变更类型")]})
    if errors:
        raise ServiceError(errors)
    return details


@transaction.atomic
def request_change(
    *, user, record: Recipient, kind: str, event_on, data: dict | None = None, reason: str = ""
) -> RecipientChange:
    """A change to an active record, requested with the date of the event; applied on approval."""
    if not may_request(user):
        raise PermissionDeniedError(_("当前账号无权申请变更"))
    record = (
        Recipient.objects.select_for_update().select_related("region", "person").get(pk=record.pk)
    )
    if record.status != RecipientStatus.ACTIVE:
        raise ServiceError({"kind": [_("只有在册的优抚对象可以申请变更")]}, status=409)
    if record.changes.filter(status=ChangeStatus.PENDING).exists():
        raise ServiceError({"kind": [_("已有待审批的变更，请等待审批后再申请")]}, status=409)
    errors: dict[str, list[str]] = {}
    event = _date_value(event_on, "event_on", errors, required=True)
    if event and event < record.person.birth_date:
        errors["event_on"] = [_("事件日期不能早于出生日期")]
    reason = (reason or "").strip()
    if len(reason) > 500:
        errors["reason"] = [_("内容过长，最多%(n)s字") % {"n": 500}]
    if kind not in ChangeKind.values or kind == ChangeKind.REGISTER:
        errors["kind"] = [_("请选择变更类型")]
    if errors:
        raise ServiceError(errors)
    details = _change_details(user, record, kind, data or {})
    change = RecipientChange.objects.create(
        recipient=record,
        kind=kind,
        event_on=event,
        due_on=_deadline(event),
        details=details,
        region=record.region,
        reason=reason,
        requested_by=user,
        requested_at=timezone.now(),
    )
    audit.record_created(change, region_code=record.region.code)
    return change


def _apply(user, change: RecipientChange, record: Recipient) -> None:
    details = change.details or {}
    if change.kind == ChangeKind.REGISTER:
        record.status = RecipientStatus.ACTIVE
    elif change.kind == ChangeKind.GRADE:
        record.disability_grade = details["disability_grade"]
        if details.get("disability_cause"):
            record.disability_cause = details["disability_cause"]
    elif change.kind == ChangeKind.MOVE:
        record.region = Region.objects.get(pk=details["region_id"])
    elif change.kind == ChangeKind.CORRECTION:
        for field, value in details.items():
            if field in DATE_FIELDS and value:
                value = dt.date.fromisoformat(value)
            setattr(record, field, value if value != "" or field not in DATE_FIELDS else None)
    elif change.kind in (ChangeKind.DEATH, ChangeKind.END):
        record.status = RecipientStatus.ENDED
        record.ended_on = change.event_on
        record.end_reason = (
            EndReason.DEATH if change.kind == ChangeKind.DEATH else details["end_reason"]
        )


def _record_death(user, change: RecipientChange, record: Recipient) -> list[Recipient]:
    """End the person's other open records and set the registry's death date if empty; the
    records ended with it."""
    ended = []
    for other in (
        Recipient.objects.select_for_update()
        .filter(person_id=record.person_id, status=RecipientStatus.ACTIVE)
        .exclude(pk=record.pk)
    ):
        with audit.audited(other, note=_("死亡，随同注销")):
            other.status = RecipientStatus.ENDED
            other.ended_on = change.event_on
            other.end_reason = EndReason.DEATH
            other.save()
        ended.append(other)
    person = record.person
    if person.death_date is None and region_in_scope(user, person.hukou_region):
        people_services.update_person(user=user, person=person, death_date=change.event_on)
    return ended


@transaction.atomic
def decide_change(
    *, user, change: RecipientChange, approve: bool, note: str = ""
) -> RecipientChange:
    """The county approves (applies) or refuses a pending registration or change."""
    if not may_approve(user):
        raise PermissionDeniedError(_("当前账号无权审批"))
    change = (
        RecipientChange.objects.select_for_update()
        .select_related("recipient", "recipient__region")
        .get(pk=change.pk)
    )
    if not region_in_scope(user, change.recipient.region):
        raise NotFoundOrOutOfScope()
    if change.status != ChangeStatus.PENDING:
        raise ServiceError({"status": [_("该申请已审批")]}, status=409)
    note = (note or "").strip()
    if len(note) > 500:
        raise ServiceError({"note": [_("内容过长，最多%(n)s字") % {"n": 500}]})
    if not approve and not note:
        raise ServiceError({"note": [_("不予批准须填写理由")]})
    record = (
        Recipient.objects.select_for_update()
        .select_related("person", "person__hukou_region", "region")
        .get(pk=change.recipient_id)
    )
    expected = (
        RecipientStatus.PENDING if change.kind == ChangeKind.REGISTER else RecipientStatus.ACTIVE
    )
    if record.status != expected:
        raise ServiceError({"status": [_("优抚对象状态已变化，不能审批此申请")]}, status=409)
    with audit.audited(change, audit.AuditEvent.Action.TRANSITION):
        change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REFUSED
        change.decided_by = user
        change.decided_at = timezone.now()
        change.decision_note = note
        change.save()
    if approve:
        with audit.audited(record, note=change.get_kind_display()):
            _apply(user, change, record)
            record.save()
        ended_with_it = (
            _record_death(user, change, record) if change.kind == ChangeKind.DEATH else []
        )
        # Modules that hang on a record (the benefits) follow the approved change.
        for changed in (record, *ended_with_it):
            signals.recipient_changed.send(sender=Recipient, recipient=changed, change=change)
    elif change.kind == ChangeKind.REGISTER:
        with audit.audited(record, note=_("登记未批准")):
            record.status = RecipientStatus.REFUSED
            record.save()
    return change


@transaction.atomic
def record_id_check(*, user, record: Recipient, method: str, on=None) -> Recipient:
    """Second-generation ID card authentication: how and when the identity was checked."""
    if not may_check_id(user):
        raise PermissionDeniedError(_("当前账号无权登记身份认证"))
    errors: dict[str, list[str]] = {}
    if method not in IdCheckMethod.values:
        errors["method"] = [_("请选择认证方式")]
    day = _date_value(on or timezone.localdate(), "on", errors, required=True)
    if errors:
        raise ServiceError(errors)
    record = Recipient.objects.select_for_update().get(pk=record.pk)
    with audit.audited(record, note=_("二代身份证认证")):
        record.id_check_method = method
        record.id_checked_on = day
        record.save(update_fields=["id_check_method", "id_checked_on", "updated_at"])
    return record


@transaction.atomic
def add_document(
    *, user, record: Recipient, kind: str, upload, note: str = ""
) -> RecipientDocument:
    """A scan kept with the record, encrypted at rest."""
    if not may_upload(user):
        raise PermissionDeniedError(_("当前账号无权上传材料"))
    if kind not in DocumentKind.values:
        raise ServiceError({"kind": [_("请选择材料类型")]})
    if upload is None:
        raise ServiceError({"file": [_("请选择要上传的文件")]})
    name = getattr(upload, "name", "file") or "file"
    extension = Path(name).suffix.lower()[:10]
    if extension not in DOCUMENT_EXTENSIONS:
        raise ServiceError({"file": [_("不支持的文件类型（可上传 PDF、JPG、PNG、OFD）")]})
    content = upload.read()
    if not content:
        raise ServiceError({"file": [_("文件为空")]})
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ServiceError({"file": [_("文件超过20MB")]})
    note = (note or "").strip()
    if len(note) > 200:
        raise ServiceError({"note": [_("内容过长，最多%(n)s字") % {"n": 200}]})
    document = RecipientDocument(
        recipient=record,
        kind=kind,
        original_name=Path(name).name[:200],
        extension=extension,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        note=note,
        uploaded_by=user,
    )
    document.file.save("document", ContentFile(content), save=False)
    document.save()
    audit.record(
        "create",
        obj=document,
        region_code=record.region.code,
        after={
            "recipient": record.pk,
            "kind": document.kind,
            "original_name": document.original_name,
            "size": document.size,
            "sha256": document.sha256,
        },
    )
    return document


def download_document(*, user, document: RecipientDocument) -> None:
    """Record that a scan was read (personal data leaving the platform)."""
    audit.record(
        "view",
        obj=document,
        region_code=document.recipient.region.code,
        note=_("下载优抚对象材料"),
    )

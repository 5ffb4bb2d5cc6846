"""Writes of marriage registration: each service checks the role and scope, locks what it
changes, applies the rule and records the audit event in one transaction; a refusal is a
ServiceError naming the field it concerns, in Chinese (docs/DOMAIN.md §12.1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import actor_name
from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.people.models import Person, Sex
from minzheng.people.selectors import presented_or_error
from minzheng.regions.models import Region

from . import rules, selectors, signals
from .models import (
    AnnulmentGround,
    AnnulmentKind,
    Appointment,
    AppointmentStatus,
    ArchiveFile,
    ArchiveKind,
    Certificate,
    CertificateKind,
    Divorce,
    DivorceStatus,
    Kind,
    Marriage,
    MarriageStatus,
    QualityCheck,
)
from .permissions import is_checker, is_registrar, is_resident

MAX_ARCHIVE_BYTES = 10 * 1024 * 1024
BOOK_AHEAD_DAYS = 30
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


def _today() -> dt.date:
    return timezone.localdate()


def _require(check, user, message: str = "") -> None:
    if not check(user):
        raise PermissionDeniedError(message or _("当前账号无权办理婚姻登记业务"))


def _text(value, field: str, errors: dict, *, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = [_("请填写此项")]
    elif len(value) > limit:
        errors[field] = [_("内容过长，最多%(n)s字") % {"n": limit}]
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ServiceError(errors)


def registry_of(user, registry_code: str = "") -> Region:
    """The county registry the user acts for: a county account's own county; an administrator
    (or a city account) names one in scope."""
    region = getattr(user, "region", None)
    if region is not None and region.level == "county" and not registry_code:
        return region
    found = Region.objects.filter(code=(registry_code or "").strip(), level="county").first()
    if found is None or not region_in_scope(user, found):
        raise ServiceError({"registry_code": [_("请选择县（市、区）婚姻登记处")]})
    return found


def party(id_number: str, name: str, *, field: str) -> Person:
    """The person an ID card presented at the registry names: the number must be valid and match
    the population registry's record under that name (registration is possible anywhere, so the
    lookup is not limited to the registry's county; nothing is shown of a mismatch)."""
    return presented_or_error(id_number, name, field=field)


# ---------------------------------------------------------------- appointments


@transaction.atomic
def book_appointment(
    *,
    user,
    registry_code: str,
    kind: str,
    day: dt.date,
    slot: str,
    partner_id_number: str,
    partner_name: str,
    phone: str = "",
    person: Person | None = None,
) -> Appointment:
    """A resident books a slot for themself and their partner (staff book at the window for a
    `person`). A slot takes SLOT_CAPACITY couples; days from tomorrow up to 30 days ahead."""
    errors: dict[str, list[str]] = {}
    if is_resident(user):
        person = Person.objects.get(pk=user.person_id)
    elif not is_registrar(user) or person is None:
        raise PermissionDeniedError(_("只有居民本人或婚姻登记员可以预约"))
    registry = Region.objects.filter(code=(registry_code or "").strip(), level="county").first()
    if registry is None:
        errors["registry_code"] = [_("请选择县（市、区）婚姻登记处")]
    if kind not in Kind.values:
        errors["kind"] = [_("请选择办理事项")]
    today = _today()
    if not isinstance(day, dt.date):
        errors["day"] = [_("请选择预约日期")]
    elif day <= today or day > today + dt.timedelta(days=BOOK_AHEAD_DAYS):
        errors["day"] = [
            _("只能预约明天起%(n)s天内的日期") % {"n": BOOK_AHEAD_DAYS},
        ]
    elif day.weekday() >= 5:
        errors["day"] = [_("婚姻登记处周六、周日不办理登记，请选择工作日")]
    if slot not in selectors.SLOTS:
        errors["slot"] = [_("请选择预约时段")]
    partner_name = _text(partner_name, "partner_name", errors, limit=64)
    partner = None
    try:
        partner = party(partner_id_number, partner_name, field="partner_id_number")
    except ServiceError as exc:
        errors.update(exc.errors)
    if partner is not None and partner.pk == person.pk:
        errors["partner_id_number"] = [_("另一方不能是本人")]
    _raise(errors)
    Region.objects.select_for_update().filter(pk=registry.pk).first()
    if dict(selectors.free_slots(registry, day)).get(slot, 0) <= 0:
        raise ServiceError({"slot": [_("该时段已约满，请选择其他时段")]}, status=409)
    if Appointment.objects.filter(
        person=person, day__gte=today, status=AppointmentStatus.BOOKED
    ).exists():
        raise ServiceError({"day": [_("您已有一个未办理的预约，请先取消原预约")]}, status=409)
    appointment = Appointment.objects.create(
        registry=registry,
        kind=kind,
        day=day,
        slot=slot,
        person=person,
        partner=partner,
        partner_name=partner_name,
        phone=_text(phone, "phone", {}, limit=20, required=False),
        booked_by=user,
    )
    audit.record_created(appointment, note=str(appointment.get_kind_display()))
    return appointment


@transaction.atomic
def cancel_appointment(*, user, appointment: Appointment) -> Appointment:
    appointment = selectors.get_appointment(user, appointment.pk)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ServiceError({"status": [_("该预约已办理或已取消")]}, status=409)
    with audit.audited(appointment, note=_("取消预约")):
        appointment.status = AppointmentStatus.CANCELLED
        appointment.save(update_fields=["status"])
    return appointment


# ---------------------------------------------------------------- certificates


def _issue(
    registry: Region,
    kind: str,
    on: dt.date,
    *,
    marriage: Marriage,
    divorce: Divorce | None = None,
    replaces: Certificate | None = None,
    reason: str = "",
    by: str = "",
) -> Certificate:
    """The next number of the registry's kind and year (the registry row is locked, so two
    registrations at once never draw one number)."""
    Region.objects.select_for_update().filter(pk=registry.pk).first()
    last = Certificate.objects.filter(registry=registry, kind=kind, year=on.year).aggregate(
        m=Max("sequence")
    )["m"]
    sequence = (last or 0) + 1
    certificate = Certificate.objects.create(
        registry=registry,
        kind=kind,
        year=on.year,
        sequence=sequence,
        number=f"{kind}{registry.code}-{on.year}-{sequence:06d}",
        marriage=marriage,
        divorce=divorce,
        issued_on=on,
        replaces=replaces,
        reason=reason,
        issued_by_name=by,
    )
    audit.record_created(certificate, note=str(certificate.get_kind_display()))
    return certificate


# ---------------------------------------------------------------- marriage


def marriage_refusals(
    man: Person, woman: Person, on: dt.date, *, free_will_man: bool, free_will_woman: bool
) -> dict[str, list[str]]:
    """Every legal ground that bars these two from marrying on `on`, by field."""
    errors: dict[str, list[str]] = {}
    for field, person, sex in (("man", man, Sex.MALE), ("woman", woman, Sex.FEMALE)):
        if person.sex != sex:
            errors[f"{field}_id_number"] = [
                _("男方应为男性") if sex == Sex.MALE else _("女方应为女性")
            ]
            continue
        if person.death_date is not None:
            errors[f"{field}_id_number"] = [_("人口库记载此人已死亡")]
            continue
        if not rules.of_legal_age(sex, person.birth_date, on):
            errors[f"{field}_id_number"] = [
                _("未到法定婚龄：%(sex)s须年满%(n)s周岁，登记日为%(age)s周岁")
                % {
                    "sex": _("男方") if sex == Sex.MALE else _("女方"),
                    "n": rules.LEGAL_AGE[sex],
                    "age": rules.age_on(person.birth_date, on),
                }
            ]
            continue
        existing = selectors.current_marriage(person)
        if existing is not None:
            errors[f"{field}_id_number"] = [
                _("已有登记在册的婚姻（%(registry)s，%(day)s登记），不能再行结婚")
                % {"registry": existing.registry.name, "day": existing.registered_on}
            ]
            continue
        spouse = selectors.registry_spouse(person)
        if spouse is not None and spouse.pk not in (man.pk, woman.pk):
            errors[f"{field}_id_number"] = [
                _("户籍登记显示此人已有配偶，请核实婚姻状况（如已离婚或丧偶须先更正户籍登记）")
            ]
    if not errors and man.pk != woman.pk:
        kinship = selectors.kinship_between(man, woman)
        if kinship:
            errors["kinship"] = [
                _("户籍记录显示双方为%(kin)s，禁止结婚") % {"kin": kinship},
            ]
    if not free_will_man:
        errors["free_will_man"] = [_("结婚须男女双方完全自愿，男方未当面声明自愿")]
    if not free_will_woman:
        errors["free_will_woman"] = [_("结婚须男女双方完全自愿，女方未当面声明自愿")]
    return errors


@transaction.atomic
def register_marriage(
    *,
    user,
    man_id_number: str,
    man_name: str,
    woman_id_number: str,
    woman_name: str,
    free_will_man: bool,
    free_will_woman: bool,
    registry_code: str = "",
    appointment: Appointment | None = None,
    on: dt.date | None = None,
) -> Marriage:
    """Register a marriage at the registry's window, both in person; issues certificate J…."""
    _require(is_registrar, user)
    registry = registry_of(user, registry_code)
    on = on or _today()
    errors: dict[str, list[str]] = {}
    man = woman = None
    for field, number, name in (
        ("man_id_number", man_id_number, man_name),
        ("woman_id_number", woman_id_number, woman_name),
    ):
        try:
            found = party(number, name, field=field)
        except ServiceError as exc:
            errors.update(exc.errors)
            continue
        if field == "man_id_number":
            man = found
        else:
            woman = found
    _raise(errors)
    # Lock both people so two windows cannot marry one person twice at the same moment.
    list(Person.objects.select_for_update().filter(pk__in=[man.pk, woman.pk]))
    _raise(
        marriage_refusals(
            man, woman, on, free_will_man=free_will_man, free_will_woman=free_will_woman
        )
    )
    if appointment is not None:
        appointment = selectors.get_appointment(user, appointment.pk)
    by = actor_name(user)
    marriage = Marriage(
        registry=registry,
        man=man,
        woman=woman,
        registered_on=on,
        certificate_no="",
        appointment=appointment,
        registered_by=user,
        registered_by_name=by,
    )
    # The number comes from the certificate register; the marriage is saved first with a
    # placeholder unique to it.
    marriage.certificate_no = f"pending-{man.pk}-{woman.pk}-{on.isoformat()}"
    try:
        with transaction.atomic():
            marriage.save()
    except IntegrityError:
        raise ServiceError({"man_id_number": [_("一方已有登记在册的婚姻")]}, status=409) from None
    certificate = _issue(registry, CertificateKind.MARRIAGE, on, marriage=marriage, by=by)
    marriage.certificate_no = certificate.number
    marriage.save(update_fields=["certificate_no"])
    if appointment is not None and appointment.status == AppointmentStatus.BOOKED:
        appointment.status = AppointmentStatus.ATTENDED
        appointment.save(update_fields=["status"])
    audit.record_created(marriage, note=_("结婚登记"))
    signals.marriage_registered.send(sender=Marriage, marriage=marriage)
    return marriage


# ---------------------------------------------------------------- divorce by agreement


@transaction.atomic
def apply_divorce(
    *,
    user,
    marriage: Marriage,
    children_agreement: str,
    property_agreement: str,
    debts_agreement: str,
    free_will_man: bool,
    free_will_woman: bool,
    on: dt.date | None = None,
) -> Divorce:
    """Receive both parties' divorce application with their written agreement; the cooling-off
    runs 30 days from the day after."""
    _require(is_registrar, user)
    marriage = selectors.get_marriage(user, marriage.pk)
    marriage = Marriage.objects.select_for_update().get(pk=marriage.pk)
    on = on or _today()
    errors: dict[str, list[str]] = {}
    texts = {
        "children_agreement": _text(children_agreement, "children_agreement", errors, limit=2000),
        "property_agreement": _text(property_agreement, "property_agreement", errors, limit=2000),
        "debts_agreement": _text(debts_agreement, "debts_agreement", errors, limit=2000),
    }
    if not free_will_man:
        errors["free_will_man"] = [_("协议离婚须双方自愿，男方未当面声明自愿离婚")]
    if not free_will_woman:
        errors["free_will_woman"] = [_("协议离婚须双方自愿，女方未当面声明自愿离婚")]
    if marriage.status != MarriageStatus.MARRIED:
        errors["marriage"] = [_("该婚姻已终止，不能申请离婚")]
    elif marriage.divorces.filter(status=DivorceStatus.COOLING).exists():
        errors["marriage"] = [_("该婚姻已有一份在冷静期内的离婚申请")]
    _raise(errors)
    divorce = Divorce.objects.create(
        marriage=marriage,
        registry=marriage.registry,
        applied_on=on,
        cooling_ends_on=rules.cooling_ends_on(on),
        confirm_by=rules.confirm_by(on),
        handled_by_name=actor_name(user),
        **texts,
    )
    audit.record_created(divorce, note=_("受理离婚登记申请"))
    return divorce


def _open_divorce(user, divorce: Divorce) -> Divorce:
    _require(is_registrar, user)
    divorce = selectors.get_divorce(user, divorce.pk)
    divorce = Divorce.objects.select_for_update().get(pk=divorce.pk)
    if divorce.status != DivorceStatus.COOLING:
        raise ServiceError(
            {"status": [_("该申请已%(s)s") % {"s": divorce.get_status_display()}]}, status=409
        )
    return divorce


@transaction.atomic
def withdraw_divorce(*, user, divorce: Divorce, party_name: str, on: dt.date | None = None):
    """Either party withdraws during the cooling-off (Civil Code art. 1077 para. 1)."""
    divorce = _open_divorce(user, divorce)
    on = on or _today()
    errors: dict = {}
    party_name = _text(party_name, "party_name", errors, limit=64)
    _raise(errors)
    if on > divorce.cooling_ends_on:
        raise ServiceError(
            {"status": [_("冷静期已届满，不再受理撤回；未在期限内确认的申请视为撤回")]}, status=409
        )
    with audit.audited(divorce, note=_("撤回离婚登记申请")):
        divorce.status = DivorceStatus.WITHDRAWN
        divorce.withdrawn_by = party_name
        divorce.save(update_fields=["status", "withdrawn_by"])
    return divorce


@transaction.atomic
def confirm_divorce(
    *,
    user,
    divorce: Divorce,
    confirmed_man: bool,
    confirmed_woman: bool,
    on: dt.date | None = None,
) -> Divorce:
    """Both parties come in person after the cooling-off and within the following 30 days: the
    divorce is registered and certificate L… issued; the marriage ends."""
    divorce = _open_divorce(user, divorce)
    on = on or _today()
    errors: dict[str, list[str]] = {}
    if on <= divorce.cooling_ends_on:
        errors["on"] = [_("冷静期至%(d)s届满，届满后方可确认离婚") % {"d": divorce.cooling_ends_on}]
    elif on > divorce.confirm_by:
        errors["on"] = [_("确认期限已于%(d)s届满，申请视为撤回") % {"d": divorce.confirm_by}]
    if not confirmed_man:
        errors["confirmed_man"] = [_("须男方本人到场确认")]
    if not confirmed_woman:
        errors["confirmed_woman"] = [_("须女方本人到场确认")]
    _raise(errors)
    marriage = Marriage.objects.select_for_update().get(pk=divorce.marriage_id)
    by = actor_name(user)
    certificate = _issue(
        divorce.registry, CertificateKind.DIVORCE, on, marriage=marriage, divorce=divorce, by=by
    )
    with audit.audited(divorce, note=_("离婚登记")):
        divorce.status = DivorceStatus.REGISTERED
        divorce.registered_on = on
        divorce.certificate_no = certificate.number
        divorce.handled_by_name = by
        divorce.save()
    with audit.audited(marriage, note=_("离婚登记")):
        marriage.status = MarriageStatus.DIVORCED
        marriage.ended_on = on
        marriage.save(update_fields=["status", "ended_on"])
    signals.divorce_registered.send(sender=Divorce, divorce=divorce)
    return divorce


def lapse_overdue(*, today: dt.date | None = None) -> int:
    """Applications nobody confirmed by their deadline count as withdrawn (set-based, audited
    per application; run daily)."""
    today = today or _today()
    overdue = list(
        Divorce.objects.filter(status=DivorceStatus.COOLING, confirm_by__lt=today).select_related(
            "registry"
        )
    )
    with transaction.atomic():
        Divorce.objects.filter(pk__in=[d.pk for d in overdue]).update(status=DivorceStatus.LAPSED)
        for divorce in overdue:
            audit.record(
                "update",
                obj=divorce,
                before={"status": DivorceStatus.COOLING},
                after={"status": DivorceStatus.LAPSED},
                note=_("逾期未确认，视为撤回离婚登记申请"),
            )
    return len(overdue)


# ---------------------------------------------------------------- supplementary certificates


@transaction.atomic
def reissue_certificate(*, user, marriage: Marriage, reason: str, on: dt.date | None = None):
    """补领: a lost or damaged certificate replaced by one numbered anew (BJ for a marriage still
    in force, BL for a registered divorce), which names the one it replaces."""
    _require(is_registrar, user)
    marriage = selectors.get_marriage(user, marriage.pk)
    on = on or _today()
    errors: dict = {}
    reason = _text(reason, "reason", errors, limit=200)
    _raise(errors)
    registry = marriage.registry
    if marriage.status == MarriageStatus.MARRIED:
        kind, divorce = CertificateKind.MARRIAGE_COPY, None
        original = marriage.certificates.filter(
            kind__in=[CertificateKind.MARRIAGE, CertificateKind.MARRIAGE_COPY]
        ).last()
    elif marriage.status == MarriageStatus.DIVORCED:
        kind = CertificateKind.DIVORCE_COPY
        divorce = marriage.divorces.filter(status=DivorceStatus.REGISTERED).first()
        original = marriage.certificates.filter(
            kind__in=[CertificateKind.DIVORCE, CertificateKind.DIVORCE_COPY]
        ).last()
    else:
        raise ServiceError({"reason": [_("该婚姻已被宣告无效或撤销，不能补领证件")]}, status=409)
    return _issue(
        registry,
        kind,
        on,
        marriage=marriage,
        divorce=divorce,
        replaces=original,
        reason=reason,
        by=actor_name(user),
    )


# ---------------------------------------------------------------- annulment and revocation


@transaction.atomic
def record_annulment(
    *,
    user,
    marriage: Marriage,
    kind: str,
    ground: str,
    court: str,
    ruling_no: str,
    ruling_date: dt.date | None,
    on: dt.date | None = None,
):
    """Record a court's ruling that the marriage is void (bigamy, prohibited kinship, under age)
    or revoked (coercion, a serious illness concealed); the marriage ends as of the ruling."""
    from .models import Annulment

    _require(is_registrar, user)
    marriage = selectors.get_marriage(user, marriage.pk)
    marriage = Marriage.objects.select_for_update().get(pk=marriage.pk)
    on = on or _today()
    errors: dict[str, list[str]] = {}
    if kind not in AnnulmentKind.values:
        errors["kind"] = [_("请选择宣告无效或撤销")]
    void_grounds = {AnnulmentGround.BIGAMY, AnnulmentGround.KINSHIP, AnnulmentGround.UNDER_AGE}
    if ground not in AnnulmentGround.values:
        errors["ground"] = [_("请选择事由")]
    elif kind == AnnulmentKind.VOID and ground not in void_grounds:
        errors["ground"] = [_("婚姻无效的事由只有重婚、禁止结婚的亲属关系、未到法定婚龄")]
    elif kind == AnnulmentKind.REVOKED and ground in void_grounds:
        errors["ground"] = [_("可撤销婚姻的事由只有胁迫和婚前隐瞒重大疾病")]
    court = _text(court, "court", errors, limit=100)
    ruling_no = _text(ruling_no, "ruling_no", errors, limit=64)
    if not isinstance(ruling_date, dt.date):
        errors["ruling_date"] = [_("请填写裁判日期")]
    elif ruling_date > on:
        errors["ruling_date"] = [_("裁判日期不能晚于今天")]
    elif ruling_date < marriage.registered_on:
        errors["ruling_date"] = [_("裁判日期不能早于结婚登记日期")]
    if hasattr(marriage, "annulment"):
        errors["kind"] = [_("该婚姻已记载无效或撤销")]
    elif marriage.status != MarriageStatus.MARRIED:
        errors["kind"] = [_("该婚姻已因离婚终止，无需记载")]
    _raise(errors)
    annulment = Annulment.objects.create(
        marriage=marriage,
        kind=kind,
        ground=ground,
        court=court,
        ruling_no=ruling_no,
        ruling_date=ruling_date,
        recorded_on=on,
        recorded_by_name=actor_name(user),
    )
    audit.record_created(annulment, note=str(annulment.get_kind_display()))
    with audit.audited(marriage, note=str(annulment.get_kind_display())):
        marriage.status = (
            MarriageStatus.VOID if kind == AnnulmentKind.VOID else MarriageStatus.REVOKED
        )
        marriage.ended_on = ruling_date
        marriage.save(update_fields=["status", "ended_on"])
    return annulment


# ---------------------------------------------------------------- archive


def _sniff(head: bytes):
    for signature, content_type, extension in _SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


@transaction.atomic
def upload_archive(
    *, user, marriage: Marriage, kind: str, uploaded_file, divorce: Divorce | None = None
) -> ArchiveFile:
    """Keep one scanned document of the registration (PDF, JPEG or PNG, at most 10 MB),
    encrypted at rest like every kept upload."""
    _require(is_registrar, user)
    marriage = selectors.get_marriage(user, marriage.pk)
    if divorce is not None and divorce.marriage_id != marriage.pk:
        raise NotFoundOrOutOfScope()
    if kind not in ArchiveKind.values:
        raise ServiceError({"kind": [_("请选择材料类型")]})
    if uploaded_file is None:
        raise ServiceError({"file": [_("请选择文件")]})
    size = getattr(uploaded_file, "size", None) or 0
    if size <= 0:
        raise ServiceError({"file": [_("文件为空")]})
    if size > MAX_ARCHIVE_BYTES:
        raise ServiceError(
            {"file": [_("文件不能超过 %(mb)s MB") % {"mb": MAX_ARCHIVE_BYTES // (1024 * 1024)}]}
        )
    content = b"".join(uploaded_file.chunks())
    sniffed = _sniff(content[:16])
    if sniffed is None:
        raise ServiceError({"file": [_("只接受 PDF、JPG 或 PNG 格式的扫描件")]})
    content_type, extension = sniffed
    name = (getattr(uploaded_file, "name", "") or "").rsplit("/", 1)[-1][:200]
    archive = ArchiveFile(
        marriage=marriage,
        divorce=divorce,
        kind=kind,
        original_name=name or f"scan{extension}",
        content_type=content_type,
        extension=extension,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by_name=actor_name(user),
    )
    archive.file.save("upload", ContentFile(content), save=False)
    archive.save()
    audit.record_created(archive, note=str(archive.get_kind_display()))
    return archive


def open_archive(*, user, archive: ArchiveFile) -> bytes:
    """The plaintext of one scanned document, for a user who reads the registration (another
    county's reads as not found, like a file missing from the storage); the reading is audited,
    since a scan of an ID card or a household register is personal data leaving the platform."""
    archive = selectors.get_archive(user, archive.marriage_id, archive.pk)
    try:
        with archive.file.open("rb") as fh:
            content = fh.read()
    except FileNotFoundError:
        raise NotFoundOrOutOfScope() from None
    audit.record(
        "view",
        obj=archive,
        region_code=archive.audit_region_code,
        note=_("查阅婚姻登记电子档案：%(kind)s") % {"kind": archive.get_kind_display()},
    )
    return content


# ---------------------------------------------------------------- quality checks


@transaction.atomic
def record_check(
    *,
    user,
    marriage: Marriage,
    passed: bool,
    defect: str = "",
    divorce: Divorce | None = None,
    on: dt.date | None = None,
) -> QualityCheck:
    """A checker's review of one registration's record: passed, or failed naming the defect."""
    _require(is_checker, user, _("只有县级审批员或市局业务科室可以检查婚姻登记档案"))
    marriage = selectors.get_marriage(user, marriage.pk)
    errors: dict = {}
    defect = _text(defect, "defect", errors, limit=200, required=not passed)
    _raise(errors)
    check = QualityCheck.objects.create(
        marriage=marriage,
        divorce=divorce,
        registry=divorce.registry if divorce else marriage.registry,
        checked_on=on or _today(),
        passed=bool(passed),
        defect="" if passed else defect,
        checked_by_name=actor_name(user),
    )
    audit.record_created(check, note=_("合格") if passed else defect)
    return check


# ---------------------------------------------------------------- PDF


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate (结婚证/离婚证, or its supplementary copy) as a PDF with the embedded CJK
    font, ID numbers masked (the paper form is filled at the window)."""
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.pdfgen import canvas

    from minzheng.core.pdf import cjk_font

    marriage = certificate.marriage
    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=landscape(A5))
    width, height = landscape(A5)
    title = str(certificate.get_kind_display())
    pdf.setTitle(title)
    pdf.setFont(font, 24)
    pdf.drawCentredString(width / 2, height - 60, title)
    day = (
        certificate.divorce.registered_on
        if certificate.divorce_id and certificate.divorce.registered_on
        else marriage.registered_on
    )
    rows = [
        ("字号", certificate.number),
        ("持证人", f"{marriage.man.name}、{marriage.woman.name}"),
        ("登记日期", day.strftime("%Y年%m月%d日")),
        ("男方", f"{marriage.man.name}  {marriage.man.id_masked}"),
        ("女方", f"{marriage.woman.name}  {marriage.woman.id_masked}"),
        ("登记机关", f"{certificate.registry.name}民政局婚姻登记处"),
        ("发证日期", certificate.issued_on.strftime("%Y年%m月%d日")),
    ]
    if certificate.replaces_id:
        rows.append(("原证字号", certificate.replaces.number))
    pdf.setFont(font, 12)
    y = height - 110
    for label, value in rows:
        pdf.drawString(70, y, f"{label}：")
        pdf.drawString(170, y, value)
        y -= 26
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()

"""Writes of the registry. Each service is one business action: it checks who acts and where (404
outside the region, 403 for a role that may not act), validates with field-level Chinese messages,
locks the row, changes it and writes the audit event in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts import registration
from minzheng.accounts.models import Role, User, actor_name
from minzheng.accounts.services import password_errors
from minzheng.core import audit, crypto, idcard, validators
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.messaging import MessagingError, send_sms
from minzheng.core.scope import region_in_scope
from minzheng.people.models import Person
from minzheng.regions.models import Region

from . import rules, selectors
from .models import (
    CHANGE_FIELDS,
    DIRECT_REGISTRATION_FIELDS,
    Channel,
    Complaint,
    ComplaintStatus,
    ComplaintSubject,
    Conclusion,
    ListEntry,
    ListKind,
    Measure,
    MeasureKind,
    Organisation,
    OrganisationAccount,
    OrganisationField,
    OrganisationKind,
    OrganisationRequest,
    OrganisationSignup,
    OrganisationStatus,
    Rating,
    RequestKind,
    RequestStatus,
)
from .models import AnnualReport as Report
from .permissions import is_organisation, is_registry_staff, may_decide, may_file_complaint

log = logging.getLogger(__name__)

ARTICLE_EXTENSIONS = (".pdf", ".doc", ".docx", ".ofd", ".jpg", ".png")
MAX_ARTICLES_BYTES = 20 * 1024 * 1024


def _raise(errors: dict):
    if errors:
        raise ServiceError(errors)


def _text(value, field: str, message: str, limit: int, errors: dict) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = [message]
    elif len(value) > limit:
        errors[field] = [_("内容过长，最多%(n)s字") % {"n": limit}]
    return value


# ---------------------------------------------------------------- online sign-up

SIGNUP_PURPOSE = "organisation_signup"


def signup(*, id_number: str, name: str, phone: str, username: str, password: str) -> None:
    """The legal representative opens an organisation account online: identified on the
    population registry by ID number and name (accounts.registration's pattern: the same answer
    whatever the registry holds; the code goes to the mobile number on record for the person,
    never to the one typed). Returns nothing on purpose."""
    phone, name, username = (phone or "").strip(), (name or "").strip(), (username or "").strip()
    errors: dict[str, list[str]] = {}
    number = ""
    if not registration.valid_mobile(phone):
        errors["phone"] = [_("请填写11位手机号码")]
    try:
        number = idcard.parse(id_number or "").number
    except idcard.InvalidResidentId as exc:
        errors["id_number"] = [str(exc)]
    if not name:
        errors["name"] = [_("姓名不能为空")]
    if not username or len(username) > 30 or not username.replace("_", "").isalnum():
        errors["username"] = [_("登录名为1至30位字母、数字或下划线")]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("该登录名已被使用")]
    errors.update(password_errors(password or "", username=username, first_name=name, phone=phone))
    _raise(errors)
    probe = User(username=username)
    probe.set_password(password)
    person = Person.objects.filter(
        id_hash=crypto.lookup_hash(number), death_date__isnull=True
    ).first()
    if person is None or person.name != name:
        return
    now = timezone.now()
    if (
        OrganisationSignup.objects.filter(
            person=person, created_at__gte=now - dt.timedelta(days=1)
        ).count()
        >= registration.MAX_SIGNUPS_PER_PERSON_PER_DAY
    ):
        return
    on_record = (person.phone or "").strip()
    code = (
        registration.new_code(registration.SMS_CODE_DIGITS)
        if registration.valid_mobile(on_record)
        else ""
    )
    with transaction.atomic():
        pending = OrganisationSignup.objects.create(
            person=person,
            username=username,
            phone=phone,
            password=probe.password,
            expires_at=now + registration.SMS_CODE_TTL,
            code_hash=registration.code_hash("org", username, code) if code else "",
        )
        audit.record(
            "create",
            obj=pending,
            object_repr=f"{person.name} {username}",
            region_code=person.audit_region_code,
            note=_("社会组织账号在线注册，待验证"),
        )
    if code:
        text = _("【民政】您正在开通社会组织网上办事账号，验证码%(code)s，%(m)s分钟内有效。") % {
            "code": code,
            "m": int(registration.SMS_CODE_TTL.total_seconds() // 60),
        }
        try:
            send_sms(phone=on_record, text=text, purpose=SIGNUP_PURPOSE)
        except MessagingError:
            log.exception("organisation sign-up code not sent")


def neutral_answer() -> str:
    return _(
        "如果您填写的信息与户籍登记一致，验证码已发送到您在户籍登记中预留的手机号码，%(m)s分钟内有效。"
    ) % {"m": int(registration.SMS_CODE_TTL.total_seconds() // 60)}


def activate(*, username: str, code: str) -> User:
    username, code = (username or "").strip(), (code or "").strip()
    wrong = ServiceError({"code": [_("验证码错误或已失效")]})
    if not username or not code:
        raise ServiceError({"code": [_("请填写登录名和验证码")]})
    now = timezone.now()
    with transaction.atomic():
        pendings = list(
            OrganisationSignup.objects.select_for_update()
            .filter(
                username=username,
                completed_at__isnull=True,
                expires_at__gt=now,
                attempts__lt=registration.MAX_CODE_ATTEMPTS,
            )
            .select_related("person")
        )
        good = registration.code_hash("org", username, code)
        for pending in pendings:
            if pending.code_hash and pending.code_hash == good:
                if User.objects.filter(username=username).exists():
                    break
                user = User(
                    username=username,
                    role=Role.ORGANISATION,
                    phone=pending.phone,
                    first_name=pending.person.name,
                )
                user.password = pending.password
                user.save()
                OrganisationAccount.objects.create(user=user, person=pending.person)
                OrganisationSignup.objects.filter(username=username).update(completed_at=now)
                audit.record_created(
                    user,
                    region_code=pending.person.audit_region_code,
                    note=_("社会组织账号开通（法定代表人短信验证）"),
                )
                return user
        OrganisationSignup.objects.filter(pk__in=[p.pk for p in pendings]).update(
            attempts=F("attempts") + 1
        )
    raise wrong


# ---------------------------------------------------------------- registration


def _person(id_number: str, name: str, errors: dict, field: str = "legal_id_number"):
    """The legal representative on the population registry: ID number and name must match (the
    registry staff hold the ID card; the registry is the city's, not the staff's region)."""
    try:
        number = idcard.parse((id_number or "").strip()).number
    except idcard.InvalidResidentId as exc:
        errors[field] = [str(exc)]
        return None
    person = Person.objects.filter(
        id_hash=crypto.lookup_hash(number), death_date__isnull=True
    ).first()
    if person is None or person.name != (name or "").strip():
        errors[field] = [_("人口库中没有与该身份证号码和姓名一致的在世人员")]
        return None
    return person


def _registry(code: str, errors: dict) -> Region | None:
    registry = Region.objects.filter(
        code=(code or "").strip(), level__in=["city", "county"], kind="statutory"
    ).first()
    if registry is None:
        errors["registry_code"] = [_("请选择登记管理机关（市或县（市、区）民政部门）")]
    return registry


def _domicile(code: str, registry, errors: dict) -> Region | None:
    region = Region.objects.filter(code=(code or "").strip(), kind="statutory").first()
    if region is None:
        errors["region_code"] = [_("请选择住所所在区划")]
    elif registry is not None and not region.path.startswith(registry.path):
        errors["region_code"] = [_("住所应在登记管理机关的行政区域内")]
    return region


def _name_taken(name: str, registry, exclude_pk=None) -> bool:
    qs = Organisation.objects.filter(name=name, registry=registry, status__in=selectors.LIVE)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def check_name(name: str, *, kind: str, registry, exclude_pk=None) -> list[str]:
    errors = rules.name_errors(name, kind=kind, registry=registry)
    if not errors and registry is not None and _name_taken(name.strip(), registry, exclude_pk):
        errors.append(_("同一登记管理机关已有同名的社会组织"))
    return errors


def _capital(capital_fen, kind: str, registry, on: dt.date, errors: dict) -> int:
    if not isinstance(capital_fen, int) or capital_fen < 0:
        errors["capital_fen"] = [_("请填写注册资金")]
        return 0
    if registry is not None and kind in OrganisationKind.values:
        minimum = rules.minimum_capital_fen(kind, registry.level, on)
        if capital_fen < minimum:
            errors["capital_fen"] = [
                _("%(kind)s的注册资金不得少于%(yuan)s元")
                % {
                    "kind": OrganisationKind(kind).label,
                    "yuan": f"{minimum // 100:,}",
                }
            ]
    return capital_fen


def _articles(upload, errors: dict):
    if upload is None:
        errors["articles"] = [_("请上传章程")]
        return None
    name = getattr(upload, "name", "") or "articles"
    extension = Path(name).suffix.lower()[:8]
    if extension not in ARTICLE_EXTENSIONS:
        errors["articles"] = [_("章程文件应为 PDF、Word、OFD 或图片")]
        return None
    content = upload.read()
    if not content:
        errors["articles"] = [_("文件为空")]
        return None
    if len(content) > MAX_ARTICLES_BYTES:
        errors["articles"] = [_("文件超过20MB")]
        return None
    return content, extension


@transaction.atomic
def apply_registration(
    *,
    user,
    name: str,
    kind: str,
    field: str,
    registry_code: str,
    region_code: str,
    address: str,
    supervising_unit: str,
    capital_fen: int,
    purpose: str,
    phone: str,
    articles,
    legal_id_number: str = "",
    legal_name: str = "",
    on: dt.date | None = None,
) -> Organisation:
    """An application for registration (成立登记): online by the organisation account of its
    legal representative, or at the registry's window by its staff."""
    online = is_organisation(user)
    if not online and not is_registry_staff(user):
        raise PermissionDeniedError(_("当前账号无权申请社会组织登记"))
    account = selectors.account_of(user) if online else None
    if online and account is None:
        raise PermissionDeniedError(_("当前账号未绑定法定代表人"))
    if (
        account is not None
        and account.organisation_id
        and (account.organisation.status != OrganisationStatus.REFUSED)
    ):
        raise ServiceError(
            {"name": [_("本账号已有登记申请或已登记的社会组织，请办理变更登记")]}, status=409
        )
    applied_on = timezone.localdate() if online else validators.past_date(on, "on")
    errors: dict[str, list[str]] = {}
    if kind not in OrganisationKind.values:
        errors["kind"] = [_("请选择组织类型")]
    if field not in OrganisationField.values:
        errors["field"] = [_("请选择业务领域")]
    registry = _registry(registry_code, errors)
    if registry is not None and not online and not region_in_scope(user, registry):
        raise NotFoundOrOutOfScope()
    region = _domicile(region_code, registry, errors)
    name = (name or "").strip()
    if kind in OrganisationKind.values:
        if problems := check_name(name, kind=kind, registry=registry):
            errors["name"] = problems
    address = _text(address, "address", _("请填写住所"), 200, errors)
    purpose = _text(purpose, "purpose", _("请填写宗旨和业务范围"), 2000, errors)
    supervising_unit = (supervising_unit or "").strip()
    if field in OrganisationField.values and field not in DIRECT_REGISTRATION_FIELDS:
        if not supervising_unit:
            errors["supervising_unit"] = [
                _("该业务领域须经业务主管单位审查同意（直接登记的四类组织除外）")
            ]
    elif supervising_unit:
        supervising_unit = ""  # the four direct-registration fields have none
    if len(supervising_unit) > 100:
        errors["supervising_unit"] = [_("内容过长，最多%(n)s字") % {"n": 100}]
    capital_fen = _capital(capital_fen, kind, registry, applied_on, errors)
    phone = (phone or "").strip()
    if problem := validators.phone_error(phone):
        errors["phone"] = [problem]
    if online:
        person = account.person
    else:
        person = _person(legal_id_number, legal_name, errors)
    content = _articles(articles, errors)
    _raise(errors)
    org = Organisation(
        name=name,
        kind=kind,
        field=field,
        status=OrganisationStatus.PENDING,
        registry=registry,
        region=region,
        address=address,
        legal_representative=person,
        supervising_unit=supervising_unit,
        capital_fen=capital_fen,
        purpose=purpose,
        phone=phone,
        channel=Channel.ONLINE if online else Channel.WINDOW,
        applied_at=timezone.now(),
        due_on=rules.registration_due(applied_on),
        filed_by=user,
        articles_sha256=hashlib.sha256(content[0]).hexdigest(),
        articles_ext=content[1],
    )
    org.save()
    org.articles.save("articles", ContentFile(content[0]), save=True)
    if account is not None:
        account.organisation = org
        account.save(update_fields=["organisation"])
    audit.record_created(
        org, note=_("社会组织成立登记申请（%(c)s）") % {"c": org.get_channel_display()}
    )
    return org


def _locked_org(user, organisation) -> Organisation:
    organisation = selectors.get_organisation(user, organisation.pk)
    return (
        Organisation.objects.select_for_update(of=("self",))
        .select_related("registry", "region")
        .get(pk=organisation.pk)
    )


def _decider(user, organisation):
    if not may_decide(user, organisation.registry):
        raise PermissionDeniedError(
            _("由登记管理机关审查：市级登记由市局科室审查，县级登记由县（市、区）民政局审查")
        )


@transaction.atomic
def approve_registration(*, user, organisation, on: dt.date | None = None) -> Organisation:
    """准予登记: the credit code, the registration date, the certificate (printed on demand)."""
    org = _locked_org(user, organisation)
    _decider(user, org)
    if org.status != OrganisationStatus.PENDING:
        raise ServiceError({"status": [_("该申请已审查")]}, status=409)
    if _name_taken(org.name, org.registry, exclude_pk=org.pk):
        raise ServiceError({"name": [_("同一登记管理机关已有同名的社会组织")]}, status=409)
    on = validators.past_date(on, "on", not_before=org.applied_at.date())
    with audit.audited(org, note=_("准予登记")):
        org.status = OrganisationStatus.REGISTERED
        org.registered_on = on
        org.credit_code = rules.credit_code(
            kind=org.kind, registry_code=org.registry.code, serial=100_000_000 + org.pk
        )
        org.decided_by_name = actor_name(user)
        org.save()
    return org


@transaction.atomic
def refuse_registration(*, user, organisation, reason: str) -> Organisation:
    org = _locked_org(user, organisation)
    _decider(user, org)
    if org.status != OrganisationStatus.PENDING:
        raise ServiceError({"status": [_("该申请已审查")]}, status=409)
    errors: dict = {}
    reason = _text(reason, "reason", _("请填写不予登记的理由"), 2000, errors)
    _raise(errors)
    with audit.audited(org, note=_("不予登记")):
        org.status = OrganisationStatus.REFUSED
        org.refusal_reason = reason
        org.decided_by_name = actor_name(user)
        org.ended_on = timezone.localdate()
        org.save()
    return org


def certificate_pdf(organisation: Organisation) -> bytes:
    """The registration certificate (登记证书) as a PDF with the embedded CJK font."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    from minzheng.core.money import yuan_str
    from minzheng.core.pdf import cjk_font

    if organisation.status != OrganisationStatus.REGISTERED:
        raise ServiceError({"status": [_("该组织未登记或已终止，没有有效的登记证书")]}, status=409)
    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=landscape(A4))
    width, height = landscape(A4)
    title = {
        OrganisationKind.SOCIAL_GROUP: "社会团体法人登记证书",
        OrganisationKind.SERVICE_ORG: "民办非企业单位登记证书",
        OrganisationKind.FOUNDATION: "基金会法人登记证书",
    }[organisation.kind]
    pdf.setTitle(title)
    pdf.setFont(font, 26)
    pdf.drawCentredString(width / 2, height - 80, title)
    rows = [
        ("统一社会信用代码", organisation.credit_code),
        ("名称", organisation.name),
        ("业务范围", organisation.purpose[:60]),
        ("住所", organisation.address),
        (
            "法定代表人",
            organisation.legal_representative.name if organisation.legal_representative else "",
        ),
        ("注册资金", f"{yuan_str(organisation.capital_fen)} 元"),
        ("业务主管单位", organisation.supervising_unit or "（直接登记）"),
        ("登记管理机关", f"{organisation.registry.name}民政局"),
        ("发证日期", organisation.registered_on.strftime("%Y年%m月%d日")),
    ]
    pdf.setFont(font, 14)
    y = height - 150
    for label, value in rows:
        pdf.drawString(110, y, f"{label}：")
        pdf.drawString(260, y, value)
        y -= 34
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# ---------------------------------------------------------------- changes and deregistration


def _acting_for(user, organisation) -> Organisation:
    """The organisation account acts for its own organisation; registry staff at the window."""
    org = selectors.get_organisation(user, organisation.pk)
    if not (is_organisation(user) or is_registry_staff(user)):
        raise PermissionDeniedError(_("当前账号无权办理该事项"))
    return org


@transaction.atomic
def file_request(*, user, organisation, kind: str, changes: dict | None, reason: str):
    org = _acting_for(user, organisation)
    if org.status != OrganisationStatus.REGISTERED:
        raise ServiceError({"kind": [_("只有已登记的社会组织可以申请变更或注销")]}, status=409)
    if OrganisationRequest.objects.filter(organisation=org, status=RequestStatus.PENDING).exists():
        raise ServiceError({"kind": [_("该组织已有待审查的申请")]}, status=409)
    errors: dict[str, list[str]] = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("请选择申请事项")]
    reason = _text(reason, "reason", _("请填写申请理由"), 2000, errors)
    clean: dict = {}
    if kind == RequestKind.CHANGE:
        clean = _clean_changes(org, changes or {}, errors)
    _raise(errors)
    row = OrganisationRequest.objects.create(
        organisation=org,
        kind=kind,
        changes=clean,
        reason=reason,
        channel=Channel.ONLINE if is_organisation(user) else Channel.WINDOW,
        filed_at=timezone.now(),
        filed_by=user,
        due_on=rules.request_due(timezone.localdate()),
    )
    audit.record_created(row, note=row.get_kind_display())
    return row


def _clean_changes(org, changes: dict, errors: dict) -> dict:
    clean: dict = {}
    unknown = [k for k in changes if k not in CHANGE_FIELDS + ("legal_name",)]
    if unknown or not any(changes.get(k) not in (None, "") for k in CHANGE_FIELDS):
        errors["changes"] = [_("请填写要变更的事项（名称、住所、法定代表人、注册资金、宗旨）")]
        return clean
    if name := (changes.get("name") or "").strip():
        if problems := check_name(name, kind=org.kind, registry=org.registry, exclude_pk=org.pk):
            errors["name"] = problems
        clean["name"] = name
    if address := (changes.get("address") or "").strip():
        clean["address"] = address[:200]
    if code := (changes.get("region") or "").strip():
        region = _domicile(code, org.registry, errors)
        if region is not None:
            clean["region"] = region.code
    if id_number := (changes.get("legal_representative") or "").strip():
        person = _person(id_number, changes.get("legal_name", ""), errors, "legal_representative")
        if person is not None:
            clean["legal_representative"] = person.pk
    if changes.get("capital_fen") not in (None, ""):
        clean["capital_fen"] = _capital(
            changes.get("capital_fen"), org.kind, org.registry, timezone.localdate(), errors
        )
    if purpose := (changes.get("purpose") or "").strip():
        clean["purpose"] = purpose[:2000]
    return clean


@transaction.atomic
def decide_request(*, user, request, approve: bool, reason: str = "", on=None):
    row = selectors.get_request(user, request.pk)
    _decider(user, row.organisation)
    row = OrganisationRequest.objects.select_for_update().get(pk=row.pk)
    if row.status != RequestStatus.PENDING:
        raise ServiceError({"status": [_("该申请已审查")]}, status=409)
    on = validators.past_date(on, "on")
    org = Organisation.objects.select_for_update().get(pk=row.organisation_id)
    if not approve:
        errors: dict = {}
        reason = _text(reason, "reason", _("请填写不予核准的理由"), 2000, errors)
        _raise(errors)
    with audit.audited(row, note=_("核准") if approve else _("不予核准")):
        row.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
        row.refusal_reason = "" if approve else reason
        row.decided_on = on
        row.decided_by_name = actor_name(user)
        row.save()
    if approve:
        with audit.audited(org, note=row.get_kind_display()):
            if row.kind == RequestKind.DEREGISTER:
                org.status = OrganisationStatus.DEREGISTERED
                org.ended_on = on
            else:
                for key, value in row.changes.items():
                    if key == "region":
                        org.region = Region.objects.get(code=value)
                    elif key == "legal_representative":
                        org.legal_representative_id = value
                    else:
                        setattr(org, key, value)
            org.save()
    return row


# ---------------------------------------------------------------- annual reports


@transaction.atomic
def file_report(
    *,
    user,
    organisation,
    year: int,
    income_fen: int,
    expenditure_fen: int,
    net_assets_fen: int,
    staff: int,
    activities: str,
    supervisor_on: dt.date | None = None,
    on: dt.date | None = None,
) -> Report:
    """The annual work report of `year`, filed from 1 January of the next year."""
    org = _acting_for(user, organisation)
    today = timezone.localdate()
    filed_on = today if is_organisation(user) else validators.past_date(on, "on")
    errors: dict[str, list[str]] = {}
    if not isinstance(year, int) or year >= filed_on.year or year < 2000:
        errors["year"] = [_("年度报告在次年报送，请填写已结束的年度")]
    elif not rules.due_a_report(org.registered_on, org.ended_on, year):
        errors["year"] = [_("该组织该年度无须报送年度报告")]
    for key, value in (
        ("income_fen", income_fen),
        ("expenditure_fen", expenditure_fen),
        ("staff", staff),
    ):
        if not isinstance(value, int) or value < 0:
            errors[key] = [_("请填写不小于0的数")]
    if not isinstance(net_assets_fen, int):
        errors["net_assets_fen"] = [_("请填写年末净资产")]
    activities = _text(activities, "activities", _("请填写主要业务活动"), 4000, errors)
    if org.supervising_unit and supervisor_on is None:
        errors["supervisor_on"] = [_("请填写报业务主管单位初审的日期")]
    if supervisor_on is not None and supervisor_on > filed_on:
        errors["supervisor_on"] = [_("日期不能晚于报送日期")]
    _raise(errors)
    row = Report(
        organisation=org,
        year=year,
        income_fen=income_fen,
        expenditure_fen=expenditure_fen,
        net_assets_fen=net_assets_fen,
        staff=staff,
        activities=activities,
        supervisor_on=supervisor_on if org.supervising_unit else None,
        filed_on=filed_on,
        channel=Channel.ONLINE if is_organisation(user) else Channel.WINDOW,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ServiceError({"year": [_("该年度报告已报送")]}, status=409) from None
    audit.record_created(row, note=_("%(y)s年度报告") % {"y": year})
    return row


@transaction.atomic
def inspect_report(
    *, user, report, conclusion: str, remarks: str = "", on: dt.date | None = None
) -> Report:
    row = selectors.get_report(user, report.pk)
    _decider(user, row.organisation)
    row = Report.objects.select_for_update().select_related("organisation").get(pk=row.pk)
    if row.inspected_on:
        raise ServiceError({"conclusion": [_("该年度报告已年检")]}, status=409)
    errors: dict = {}
    if conclusion not in Conclusion.values:
        errors["conclusion"] = [_("请选择年检结论")]
    remarks = (remarks or "").strip()
    if conclusion in (Conclusion.BASIC, Conclusion.UNQUALIFIED) and not remarks:
        errors["remarks"] = [_("基本合格或不合格的，请写明年检意见")]
    _raise(errors)
    with audit.audited(row, note=_("年度检查")):
        row.conclusion = conclusion
        row.remarks = remarks[:2000]
        row.inspected_on = validators.past_date(on, "on", not_before=row.filed_on)
        row.inspected_by_name = actor_name(user)
        row.save()
    return row


# ---------------------------------------------------------------- ratings


@transaction.atomic
def apply_rating(*, user, organisation, on: dt.date | None = None) -> Rating:
    org = _acting_for(user, organisation)
    applied_on = timezone.localdate() if is_organisation(user) else validators.past_date(on, "on")
    if org.status != OrganisationStatus.REGISTERED:
        raise ServiceError({"organisation": [_("只有已登记的社会组织可以申请评估")]}, status=409)
    if not rules.may_be_rated(org.registered_on, applied_on):
        raise ServiceError(
            {"organisation": [_("取得登记证书满两年的社会组织方可申请评估")]}, status=409
        )
    if org.list_entries.filter(removed_on__isnull=True).exists():
        raise ServiceError(
            {"organisation": [_("列入活动异常名录或严重违法失信名单期间不得申请评估")]},
            status=409,
        )
    if org.ratings.filter(decided_on__isnull=True).exists():
        raise ServiceError({"organisation": [_("已有待评定的评估申请")]}, status=409)
    row = Rating.objects.create(organisation=org, applied_on=applied_on)
    audit.record_created(row, note=_("申请社会组织评估"))
    return row


@transaction.atomic
def grade_rating(*, user, rating, score: int, on: dt.date | None = None) -> Rating:
    row = selectors.get_rating(user, rating.pk)
    _decider(user, row.organisation)
    row = Rating.objects.select_for_update().get(pk=row.pk)
    if row.decided_on:
        raise ServiceError({"score": [_("该评估已评定")]}, status=409)
    if not isinstance(score, int) or not 0 <= score <= rules.MAX_SCORE:
        raise ServiceError({"score": [_("评估得分应在0至1000之间")]})
    on = validators.past_date(on, "on", not_before=row.applied_on)
    with audit.audited(row, note=_("评定评估等级")):
        row.score = score
        row.grade = rules.grade_for(score, on)
        row.decided_on = on
        row.valid_until = rules.rating_valid_until(on)
        row.decided_by_name = actor_name(user)
        row.save()
    return row


# ---------------------------------------------------------------- supervision


@transaction.atomic
def record_measure(
    *,
    user,
    organisation,
    kind: str,
    findings: str,
    amount_fen: int | None = None,
    until: dt.date | None = None,
    on: dt.date | None = None,
) -> Measure:
    """A spot audit with findings, or a sanction; revocation ends the registration."""
    org = _locked_org(user, organisation)
    _decider(user, org)
    errors: dict = {}
    if kind not in MeasureKind.values:
        errors["kind"] = [_("请选择类别")]
    findings = _text(findings, "findings", _("请填写查明情况"), 4000, errors)
    if kind == MeasureKind.FINE and (not isinstance(amount_fen, int) or amount_fen <= 0):
        errors["amount_fen"] = [_("请填写罚款金额")]
    on = validators.past_date(on, "on")
    if kind == MeasureKind.SUSPENSION and (until is None or until <= on):
        errors["until"] = [_("请填写停止活动的截止日期（晚于处罚日期）")]
    if kind in (
        MeasureKind.SUSPENSION,
        MeasureKind.REVOCATION,
        MeasureKind.FINE,
        MeasureKind.WARNING,
    ) and (org.status != OrganisationStatus.REGISTERED):
        errors["kind"] = [_("该组织不在登记状态，不能处罚")]
    _raise(errors)
    row = Measure.objects.create(
        organisation=org,
        kind=kind,
        on=on,
        findings=findings,
        amount_fen=amount_fen if kind == MeasureKind.FINE else None,
        until=until if kind == MeasureKind.SUSPENSION else None,
        by_name=actor_name(user),
    )
    audit.record_created(row, note=row.get_kind_display())
    if kind == MeasureKind.REVOCATION:
        with audit.audited(org, note=_("撤销登记")):
            org.status = OrganisationStatus.REVOKED
            org.ended_on = on
            org.save()
    return row


@transaction.atomic
def enter_list(*, user, organisation, list_kind: str, reason: str, on=None) -> ListEntry:
    org = _locked_org(user, organisation)
    _decider(user, org)
    errors: dict = {}
    if list_kind not in ListKind.values:
        errors["list"] = [_("请选择名录")]
    reason = _text(reason, "reason", _("请填写列入理由"), 2000, errors)
    _raise(errors)
    row = ListEntry(
        organisation=org,
        list=list_kind,
        entered_on=validators.past_date(on, "on"),
        reason=reason,
        by_name=actor_name(user),
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ServiceError({"list": [_("该组织已在此名录中")]}, status=409) from None
    audit.record_created(row, note=_("列入%(l)s") % {"l": row.get_list_display()})
    return row


@transaction.atomic
def remove_from_list(*, user, entry, reason: str, on=None) -> ListEntry:
    row = selectors.get_list_entry(user, entry.pk)
    _decider(user, row.organisation)
    row = ListEntry.objects.select_for_update().get(pk=row.pk)
    if row.removed_on:
        raise ServiceError({"reason": [_("已移出")]}, status=409)
    errors: dict = {}
    reason = _text(reason, "reason", _("请填写移出理由"), 2000, errors)
    _raise(errors)
    with audit.audited(row, note=_("移出%(l)s") % {"l": row.get_list_display()}):
        row.removed_on = validators.past_date(on, "on", not_before=row.entered_on)
        row.removal_reason = reason
        row.save()
    return row


# ---------------------------------------------------------------- complaints


def _complaint_number(registry, on: dt.date) -> str:
    prefix = f"SZTS{registry.code[:6]}{on:%Y%m%d}"
    count = Complaint.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{count + 1:03d}"


@transaction.atomic
def file_complaint(
    *,
    user,
    subject: str,
    content: str,
    organisation_id: int | None = None,
    subject_name: str = "",
    region_code: str = "",
    complainant_name: str = "",
    complainant_phone: str = "",
) -> Complaint:
    """Anyone complains: a signed-in resident or organisation, registry staff at the window, or
    the public form with a name and phone. It goes to the registry of the organisation, or of the
    county where an unregistered organisation is active."""
    signed_in = user is not None and user.is_authenticated
    if signed_in and not may_file_complaint(user):
        raise PermissionDeniedError(_("当前账号无权登记投诉"))
    errors: dict[str, list[str]] = {}
    if subject not in ComplaintSubject.values:
        errors["subject"] = [_("请选择投诉类别")]
    content = _text(content, "content", _("请填写投诉内容"), 4000, errors)
    org = None
    region = None
    if organisation_id:
        org = (
            Organisation.objects.select_related("registry", "region")
            .filter(pk=organisation_id)
            .exclude(status__in=[OrganisationStatus.PENDING, OrganisationStatus.REFUSED])
            .first()
        )
        if org is None:
            errors["organisation_id"] = [_("没有这个社会组织")]
    if org is None:
        subject_name = _text(subject_name, "subject_name", _("请填写被投诉组织的名称"), 100, errors)
        region = Region.objects.filter(
            code=(region_code or "").strip(), kind="statutory", level__in=["county", "township"]
        ).first()
        if region is None:
            errors["region_code"] = [_("请选择活动所在的县（市、区）或乡镇（街道）")]
    if signed_in and is_registry_staff(user) or not signed_in:
        complainant_name = _text(
            complainant_name, "complainant_name", _("请填写投诉人姓名"), 64, errors
        )
        phone = (complainant_phone or "").strip()
        if not phone:
            errors["complainant_phone"] = [_("请填写联系电话")]
        elif problem := validators.phone_error(phone):
            errors["complainant_phone"] = [problem]
        complainant_phone = phone
    else:
        complainant_name = actor_name(user)
        complainant_phone = user.phone or ""
    _raise(errors)
    if org is not None:
        registry, region, subject_name = org.registry, org.region, org.name
    else:
        registry = region if region.level == "county" else region.parent
    today = timezone.localdate()
    row = Complaint(
        number=_complaint_number(registry, today),
        subject=subject,
        organisation=org,
        subject_name=subject_name,
        region=region,
        registry=registry,
        content=content,
        complainant=user if signed_in and not is_registry_staff(user) else None,
        complainant_name=complainant_name,
        complainant_phone=complainant_phone[:20],
        received_on=today,
        due_on=rules.complaint_due(today),
    )
    row.save()
    audit.record_created(row, object_repr=row.number, note=row.get_subject_display())
    return row


def _locked_complaint(user, complaint) -> Complaint:
    row = selectors.get_complaint(user, complaint.pk)
    if not is_registry_staff(user):
        raise PermissionDeniedError(_("当前账号无权办理投诉"))
    return Complaint.objects.select_for_update().select_related("registry").get(pk=row.pk)


@transaction.atomic
def note_complaint(*, user, complaint, note: str) -> Complaint:
    row = _locked_complaint(user, complaint)
    if row.status == ComplaintStatus.CLOSED:
        raise ServiceError({"note": [_("该投诉已办结")]}, status=409)
    errors: dict = {}
    note = _text(note, "note", _("请填写调查情况"), 2000, errors)
    _raise(errors)
    with audit.audited(row, note=_("记录调查情况")):
        stamp = f"{timezone.localdate():%Y-%m-%d} {actor_name(user)}：{note}"
        row.notes = (f"{row.notes}\n{stamp}" if row.notes else stamp)[-8000:]
        row.status = ComplaintStatus.INVESTIGATING
        row.handled_by_name = actor_name(user)
        row.save()
    return row


@transaction.atomic
def reply_complaint(*, user, complaint, reply: str, on=None) -> Complaint:
    """The written reply closes the complaint (查处: investigated and answered)."""
    row = _locked_complaint(user, complaint)
    if row.status == ComplaintStatus.CLOSED:
        raise ServiceError({"reply": [_("该投诉已办结")]}, status=409)
    errors: dict = {}
    reply = _text(reply, "reply", _("请填写书面答复"), 4000, errors)
    if not row.notes:
        errors["reply"] = [_("请先记录调查情况")]
    _raise(errors)
    with audit.audited(row, note=_("书面答复并办结")):
        row.reply = reply
        row.closed_on = validators.past_date(on, "on", not_before=row.received_on)
        row.status = ComplaintStatus.CLOSED
        row.handled_by_name = actor_name(user)
        row.save()
    return row

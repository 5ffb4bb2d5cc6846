"""Resident sign-up that proves identity, and the township window's part in it.

1. `register_resident` takes ID number, name, the mobile number that becomes the login name and a
   password. Whatever the registry holds, it answers the same: nothing is created for an unknown
   ID, a wrong name, a person who already has an account or a login name in use. For a match it
   keeps a *pending* sign-up and texts a one-time code to the mobile number **on record for that
   person** in the population registry, never to the number typed in the form.
2. `activate_resident` takes the login name and a code: the texted code, or an activation code the
   township window printed after checking the ID card (`issue_activation_code`). Only then does an
   account exist. Codes are short-lived, stored as keyed hashes and allow a few attempts.
3. `reset_resident_account`: a township clerk of the person's region (or an administrator), after
   an in-person check, disables an account someone else took; the real owner then signs up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, crypto, idcard
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.messaging import MessagingError, send_sms

from .models import ActivationCode, PendingRegistration, Role, User
from .services import password_errors

log = logging.getLogger(__name__)

SMS_CODE_TTL = dt.timedelta(minutes=10)
WINDOW_CODE_TTL = dt.timedelta(hours=72)
PENDING_TTL = dt.timedelta(days=7)  # long enough to visit the window after signing up online
MAX_CODE_ATTEMPTS = 5
MAX_SIGNUPS_PER_PERSON_PER_DAY = 5  # texts to one registered number a day: no SMS bombing
SMS_CODE_DIGITS = 6
WINDOW_CODE_DIGITS = 8
SMS_PURPOSE = "registration"
# Staff who may print activation codes and reset resident accounts (region-scoped).
WINDOW_ROLES = {Role.TOWNSHIP_CLERK, Role.ADMIN}


def neutral_answer() -> str:
    """The one answer to every well-formed sign-up, whatever the registry holds."""
    return _(
        "如果您填写的信息与户籍登记一致，验证码已发送到您在户籍登记中预留的手机号码，%(m)s分钟内有效。"
        "未收到验证码的，请携带身份证到户籍所在乡镇（街道）窗口领取开通码。"
    ) % {"m": int(SMS_CODE_TTL.total_seconds() // 60)}


def new_code(digits: int) -> str:
    """A one-time code of `digits` digits (SMS sign-up, window activation, organisation sign-up)."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def code_hash(kind: str, salt: str, code: str) -> str:
    """What is stored of a one-time code: a keyed hash of its kind, its salt and the code."""
    # Keyed with the secret key (kept outside the database): a copy of the table alone does not
    # let anyone try all 10^6 codes offline.
    message = f"{kind}:{salt}:{code.strip()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def valid_mobile(phone: str) -> bool:
    return len(phone) == 11 and phone.isdigit() and phone.startswith("1")


def _format_errors(*, id_number: str, name: str, phone: str, password: str) -> tuple[str, dict]:
    """Checks that need no registry look-up: answering them reveals nothing about anyone."""
    errors: dict[str, list[str]] = {}
    number = ""
    if not valid_mobile(phone):
        errors["phone"] = [_("请填写11位手机号码")]
    try:
        number = idcard.parse(id_number).number
    except idcard.InvalidResidentId as exc:
        errors["id_number"] = [str(exc)]
    if not name:
        errors["name"] = [_("姓名不能为空")]
    errors.update(password_errors(password, username=phone, first_name=name, phone=phone))
    return number, errors


def register_resident(*, id_number: str, name: str, phone: str, password: str) -> None:
    """Start a resident sign-up. Returns nothing on purpose: see `neutral_answer`."""
    from minzheng.people.models import Person

    phone, name = (phone or "").strip(), (name or "").strip()
    number, errors = _format_errors(
        id_number=id_number or "", name=name, phone=phone, password=password or ""
    )
    if errors:
        raise ServiceError(errors)
    # Hash first, for every request: a match must not answer slower than a miss.
    probe = User(username=phone)
    probe.set_password(password)
    person = Person.objects.filter(
        id_hash=crypto.lookup_hash(number), death_date__isnull=True
    ).first()
    if person is None or person.name != name:
        return
    if User.objects.filter(person=person).exists() or User.objects.filter(username=phone).exists():
        return
    now = timezone.now()
    if (
        PendingRegistration.objects.filter(
            person=person, created_at__gte=now - dt.timedelta(days=1)
        ).count()
        >= MAX_SIGNUPS_PER_PERSON_PER_DAY
    ):
        return
    on_record = (person.phone or "").strip()
    code = new_code(SMS_CODE_DIGITS) if valid_mobile(on_record) else ""
    with transaction.atomic():
        pending = PendingRegistration.objects.create(
            person=person,
            phone=phone,
            password=probe.password,
            expires_at=now + PENDING_TTL,
            code_hash=code_hash("sms", phone, code) if code else "",
        )
        audit.record(
            "create",
            obj=pending,
            object_repr=f"{person.name} {phone}",
            region_code=person.audit_region_code,
            note=_("居民在线注册，待验证")
            + ("" if code else _("（户籍登记无手机号码，须到窗口领取开通码）")),
        )
    if code:
        text = _(
            "【民政】您正在开通民政服务账号，验证码%(code)s，%(m)s分钟内有效。如非本人操作，请勿告知他人。"
        ) % {"code": code, "m": int(SMS_CODE_TTL.total_seconds() // 60)}
        try:
            send_sms(phone=on_record, text=text, purpose=SMS_PURPOSE)
        except MessagingError:
            # The answer must stay the same; the resident can still use a window code.
            log.exception("registration code not sent")


def activate_resident(*, phone: str, code: str) -> User:
    """Complete a pending sign-up with the texted code or a window activation code."""
    phone, code = (phone or "").strip(), (code or "").strip()
    wrong = ServiceError({"code": [_("验证码错误或已失效")]})
    if not phone or not code:
        raise ServiceError({"code": [_("请填写手机号码和验证码")]})
    now = timezone.now()
    with transaction.atomic():
        pendings = list(
            PendingRegistration.objects.select_for_update()
            .filter(
                phone=phone,
                completed_at__isnull=True,
                expires_at__gt=now,
                attempts__lt=MAX_CODE_ATTEMPTS,
            )
            .select_related("person")
            .order_by("-created_at")
        )
        for pending in pendings:
            window = None
            if not (
                pending.code_hash
                and pending.created_at + SMS_CODE_TTL > now
                and hmac.compare_digest(pending.code_hash, code_hash("sms", phone, code))
            ):
                window = (
                    ActivationCode.objects.select_for_update()
                    .filter(
                        person=pending.person,
                        used_at__isnull=True,
                        expires_at__gt=now,
                        attempts__lt=MAX_CODE_ATTEMPTS,
                        code_hash=code_hash("window", str(pending.person_id), code),
                    )
                    .first()
                )
                if window is None:
                    continue
            return _complete(pending, window=window, now=now)
        # A wrong code costs every sign-up it was tried against, and the person's window codes.
        PendingRegistration.objects.filter(pk__in=[p.pk for p in pendings]).update(
            attempts=F("attempts") + 1
        )
        ActivationCode.objects.filter(
            person_id__in=[p.person_id for p in pendings],
            used_at__isnull=True,
            expires_at__gt=now,
        ).update(attempts=F("attempts") + 1)
    raise wrong


def _complete(pending: PendingRegistration, *, window: ActivationCode | None, now) -> User:
    person = pending.person
    if (
        User.objects.filter(person=person).exists()
        or User.objects.filter(username=pending.phone).exists()
    ):
        # Someone finished first (the owner through another sign-up): this one is void.
        pending.completed_at = now
        pending.save(update_fields=["completed_at"])
        raise ServiceError({"code": [_("验证码错误或已失效")]})
    user = User(
        username=pending.phone,
        role=Role.RESIDENT,
        person=person,
        phone=pending.phone,
        first_name=person.name,
    )
    user.password = pending.password
    user.save()
    pending.completed_at = now
    pending.save(update_fields=["completed_at"])
    # Other sign-ups for this person (perhaps a stranger's) end here.
    PendingRegistration.objects.filter(person=person, completed_at__isnull=True).update(
        completed_at=now
    )
    if window is not None:
        window.used_at = now
        window.save(update_fields=["used_at"])
    how = _("窗口开通码") if window is not None else _("短信验证码")
    audit.record_created(
        user,
        region_code=person.audit_region_code,
        note=_("居民账号开通（%(how)s）") % {"how": how},
    )
    return user


def _ensure_window_staff(user, person) -> None:
    from minzheng.people.selectors import people_for

    if (
        user is None
        or not user.is_authenticated
        or user.role not in WINDOW_ROLES
        or not user.can_write
    ):
        raise PermissionDeniedError(_("只有乡镇（街道）受理员或系统管理员可以办理居民账号业务"))
    if not people_for(user).filter(pk=person.pk).exists():
        raise NotFoundOrOutOfScope()


def issue_activation_code(*, user, person) -> tuple[str, ActivationCode]:
    """Print a code at the window after checking the ID card in person; older unused codes lapse."""
    _ensure_window_staff(user, person)
    if person.death_date is not None:
        raise ServiceError({"person": [_("该人员已登记死亡，不能开通居民账号")]})
    now = timezone.now()
    code = new_code(WINDOW_CODE_DIGITS)
    with transaction.atomic():
        ActivationCode.objects.filter(
            person=person, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        row = ActivationCode.objects.create(
            person=person,
            code_hash=code_hash("window", str(person.pk), code),
            issued_by=user,
            expires_at=now + WINDOW_CODE_TTL,
        )
        audit.record(
            "create",
            obj=row,
            object_repr=person.name,
            region_code=person.audit_region_code,
            note=_("窗口核验身份证原件后发放开通码"),
        )
    return code, row


def resident_account(person) -> User | None:
    return User.objects.filter(person=person, role=Role.RESIDENT, is_active=True).first()


def reset_resident_account(*, user, person, note: str = "") -> User:
    """Disable the resident account bound to `person` after an in-person check, free its login
    name and detach it from the person; its tokens and sessions end with it."""
    _ensure_window_staff(user, person)
    note = (note or "").strip()
    if not note:
        raise ServiceError(
            {"note": [_("请说明核验情况（如：已核验身份证原件，本人称未注册该账号）")]}
        )
    with transaction.atomic():
        account = (
            User.objects.select_for_update()
            .filter(person=person, role=Role.RESIDENT, is_active=True)
            .first()
        )
        if account is None:
            raise ServiceError({"person": [_("该居民没有已开通的账号")]}, status=409)
        with audit.audited(
            account,
            region_code=person.audit_region_code,
            note=_("窗口核验后重置居民账号：%(note)s") % {"note": note},
        ):
            account.is_active = False
            account.person = None
            account.username = f"reset-{account.pk}-{account.username}"[:150]
            account.set_unusable_password()
            account.save()
            PendingRegistration.objects.filter(person=person, completed_at__isnull=True).update(
                completed_at=timezone.now()
            )
    return account

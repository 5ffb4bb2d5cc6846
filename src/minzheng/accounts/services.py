"""Account writes: staff and resident accounts, resident sign-up with a second factor, resets."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import ServiceError

from .models import Role, User


def password_errors(
    password: str, *, username: str = "", first_name: str = "", phone: str = "", user=None
) -> dict:
    """Django's validators (length, common, numeric, similarity to the account's own names)."""
    probe = user or User(username=username, first_name=first_name, phone=phone)
    try:
        validate_password(password, user=probe)
    except ValidationError as exc:
        return {"password": list(exc.messages)}
    return {}


@transaction.atomic
def create_account(
    *,
    username: str,
    password: str,
    role: str,
    region=None,
    person=None,
    phone: str = "",
    display_name: str = "",
    is_demo: bool = False,
) -> User:
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [_("角色无效，可选：%(roles)s") % {"roles": ", ".join(Role.values)}]
    if User.objects.filter(username=username).exists():
        errors["username"] = [_("用户名已存在")]
    if role not in (Role.RESIDENT, Role.PROVIDER) and region is None and role != Role.ADMIN:
        errors["region"] = [_("工作人员账号必须绑定管辖区域")]
    if role == Role.RESIDENT and person is None:
        errors["person"] = [_("居民账号必须绑定本人身份证号码")]
    errors.update(
        password_errors(password, username=username, first_name=display_name, phone=phone)
    )
    if errors:
        raise ServiceError(errors)
    user = User(
        username=username,
        role=role,
        region=region,
        person=person,
        phone=phone,
        first_name=display_name,
        is_demo=is_demo,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN and region is None,
    )
    user.set_password(password)
    user.save()
    audit.record_created(user)
    return user


@transaction.atomic
def set_password(*, user: User, password: str) -> User:
    """A new password, checked by the validators; the accounts.signals receiver ends its API tokens."""
    errors = password_errors(password, user=user)
    if errors:
        raise ServiceError(errors)
    user.set_password(password)
    user.save()
    audit.record("update", obj=user, note=_("修改密码"))
    return user


@transaction.atomic
def disable_account(*, user: User) -> User:
    with audit.audited(user, note=_("停用账号")):
        user.is_active = False
        user.save()
    return user

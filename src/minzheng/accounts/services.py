"""Account writes: creating staff and resident accounts bound to a region."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import ServiceError

from .models import Role, User


@transaction.atomic
def create_account(
    *, username: str, password: str, role: str, region=None, person=None, phone: str = "", display_name: str = "",
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
    try:
        validate_password(password)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ServiceError(errors)
    user = User(
        username=username, role=role, region=region, person=person, phone=phone, first_name=display_name,
        is_demo=is_demo, is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN and region is None,
    )
    user.set_password(password)
    user.save()
    audit.record("create", obj=user, after=audit.snapshot(user))
    return user


def _valid_mobile(phone: str) -> bool:
    return len(phone) == 11 and phone.isdigit() and phone.startswith("1")


@transaction.atomic
def register_resident(*, id_number: str, name: str, phone: str, password: str) -> User:
    """A resident opens an account with their resident ID and phone. The ID and name must match a
    living person in the population registry; the mobile number becomes the login name. The same
    message answers an unknown ID and a wrong name, so the form cannot probe the registry."""
    from minzheng.core import crypto, idcard
    from minzheng.people.models import Person

    errors: dict[str, list[str]] = {}
    phone = (phone or "").strip()
    if not _valid_mobile(phone):
        errors["phone"] = [_("请填写11位手机号码")]
    elif User.objects.filter(username=phone).exists():
        errors["phone"] = [_("该手机号码已注册，请直接登录")]
    person = None
    try:
        number = idcard.parse(id_number).number
    except idcard.InvalidResidentId as exc:
        errors["id_number"] = [str(exc)]
    else:
        person = Person.objects.filter(id_hash=crypto.lookup_hash(number), death_date__isnull=True).first()
        if person is None or person.name != (name or "").strip():
            errors["id_number"] = [_("身份证号码与姓名不匹配，或尚未登记户籍信息；请到户籍所在村（社区）核实")]
            person = None
        elif User.objects.filter(person=person).exists():
            errors["id_number"] = [_("该居民已开通账号，请直接登录；忘记密码请到村（社区）办理")]
    try:
        validate_password(password)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ServiceError(errors)
    return create_account(username=phone, password=password, role=Role.RESIDENT, person=person, phone=phone, display_name=person.name)

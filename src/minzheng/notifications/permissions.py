"""Who reads the outbox, who sees the recipients unmasked, who may resend."""

from __future__ import annotations

from minzheng.core.roles import Role, may_write, role_of

# Roles that handle the residents' affairs themselves and so see whom a message went to.
UNMASKED = {Role.TOWNSHIP_CLERK, Role.VILLAGE_WORKER, Role.COUNTY_APPROVER, Role.ADMIN}
RESENDERS = {Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN}


def may_read_outbox(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.is_staff_role))


def may_see_recipients(user) -> bool:
    return role_of(user) in UNMASKED


def may_resend(user) -> bool:
    return bool(user.is_authenticated and role_of(user) in RESENDERS and may_write(user))


def is_resident(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.RESIDENT)

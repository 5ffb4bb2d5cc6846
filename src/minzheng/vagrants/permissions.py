"""Who works with the relief station's records: the station staff record and change them (and
the administrators); city and county civil-affairs staff and leaders read them, leaders and the
county and city sections with names masked (they need counts and outcomes, not identities)."""

from minzheng.core.roles import Role

WRITERS = (Role.RELIEF_STATION, Role.ADMIN)
READERS = (*WRITERS, Role.CITY_SECTION, Role.COUNTY_APPROVER, Role.LEADER)
# Roles that see who a person is (name, stated identity, description); the others see a mask.
IDENTITY_ROLES = (Role.RELIEF_STATION, Role.ADMIN)


def may_see(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in READERS)


def may_write(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in WRITERS)


def sees_identity(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in IDENTITY_ROLES)

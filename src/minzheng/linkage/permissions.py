"""Who reads and loads the poverty registry and the medical-insurance enrolments: the county and
city civil-affairs staff (within their region, as always) and the administrators."""

from minzheng.core.roles import Role

READERS = (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.LEADER, Role.ADMIN)
IMPORTERS = (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)


def may_see(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in READERS)


def may_import(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in IMPORTERS)

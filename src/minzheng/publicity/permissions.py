"""Who may file, review and read publicity submissions.

- A county files for its county: a county approver (not read-only) of a county.
- A unit files for itself: a city-section or unit-staff account that belongs to a unit.
- The bureau office reviews: a city-section account of the unit 办公室 (and the administrator).
- The leader and the city sections read; a county reads its own county's submissions, a unit-staff
  account its own unit's (publicity/selectors.py).
"""

from minzheng.core.roles import Role, may_write, role_of

from .models import OFFICE_UNIT


def is_office(user) -> bool:
    return role_of(user) == Role.CITY_SECTION and getattr(user.unit, "code", "") == OFFICE_UNIT


def may_review(user) -> bool:
    return (is_office(user) or role_of(user) == Role.ADMIN) and may_write(user)


def files_as_county(user) -> bool:
    return (
        role_of(user) == Role.COUNTY_APPROVER
        and user.region is not None
        and user.region.level == "county"
    )


def files_as_unit(user) -> bool:
    return role_of(user) in (Role.CITY_SECTION, Role.UNIT_STAFF) and user.unit_id is not None


def may_submit(user) -> bool:
    return (files_as_county(user) or files_as_unit(user)) and may_write(user)


def may_view(user) -> bool:
    return role_of(user) in (
        Role.LEADER,
        Role.CITY_SECTION,
        Role.ADMIN,
        Role.COUNTY_APPROVER,
    ) or files_as_unit(user)

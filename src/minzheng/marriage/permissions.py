"""Who may see and do what in marriage registration (docs/DOMAIN.md §12).

- The marriage registrar (婚姻收养登记员) of a county registry books, registers, issues and
  archives the records of its county; another county's records read 404.
- Checkers review the records' quality: the county approver for its county, the city section for
  every county (they read the records, with ID numbers masked, and write only the checks).
- The leader reads the statistics only (counts, never a person).
- A resident books an appointment and sees their own appointments and marriages.
"""

from minzheng.core.roles import Role, may_write, role_of

REGISTRARS = (Role.MARRIAGE_REGISTRAR, Role.ADMIN)
CHECKERS = (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)
STATISTICS = REGISTRARS + CHECKERS + (Role.LEADER,)


def is_registrar(user) -> bool:
    return role_of(user) in REGISTRARS and may_write(user)


def may_read_records(user) -> bool:
    return role_of(user) in REGISTRARS + CHECKERS


def is_checker(user) -> bool:
    return role_of(user) in CHECKERS and may_write(user)


def may_see_statistics(user) -> bool:
    return role_of(user) in STATISTICS


def is_resident(user) -> bool:
    return role_of(user) == Role.RESIDENT and bool(getattr(user, "person_id", None))


def may_use_marriage(user) -> bool:
    return may_read_records(user) or may_see_statistics(user)

"""Who may see and do what in adoption registration (docs/DOMAIN.md §12.2): the marriage and
adoption registrar (婚姻收养登记员) of a county bureau handles its county's applications (another
county's read 404); checkers (county approver, city section) review registered records; the
leader reads counts only (the statistics and the indicators)."""

from minzheng.core.roles import Role, may_write, role_of

REGISTRARS = (Role.MARRIAGE_REGISTRAR, Role.ADMIN)
CHECKERS = (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)
STATISTICS = REGISTRARS + CHECKERS + (Role.LEADER,)


def is_registrar(user) -> bool:
    return role_of(user) in REGISTRARS and may_write(user)


def is_checker(user) -> bool:
    return role_of(user) in CHECKERS and may_write(user)


def may_read(user) -> bool:
    return role_of(user) in REGISTRARS + CHECKERS


def may_see_statistics(user) -> bool:
    return role_of(user) in STATISTICS

"""Who may see and do what in community governance.

- Points: the village committee keeps its own rules, awards and shop: the village worker of the
  village, the township clerk for the villages of the township (and the township's own shop).
  The township clerk confirms awards above the threshold and deductions. The county approver,
  the city section and the leader read (names masked). A resident sees their own balance,
  history, their village's rules, board and shop, and asks for a redemption from the phone.
- Registers (targets 5.2–5.4): township clerks and county approvers keep them in scope; the
  county approver (or the administrator) accepts demonstration sites and difficult villages and
  keeps the county's standard-community tasks; the city section and the leader read.
"""

from minzheng.core.roles import Role, may_write, role_of

POINTS_KEEPERS = (Role.VILLAGE_WORKER, Role.TOWNSHIP_CLERK, Role.ADMIN)
POINTS_CONFIRMERS = (Role.TOWNSHIP_CLERK, Role.ADMIN)
POINTS_READERS = POINTS_KEEPERS + (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.LEADER)

REGISTER_KEEPERS = (Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.ADMIN)
REGISTER_ACCEPTORS = (Role.COUNTY_APPROVER, Role.ADMIN)
REGISTER_READERS = REGISTER_KEEPERS + (Role.CITY_SECTION, Role.LEADER)


def may_read_points(user) -> bool:
    return role_of(user) in POINTS_READERS


def may_keep_points(user) -> bool:
    return role_of(user) in POINTS_KEEPERS and may_write(user)


def may_confirm(user) -> bool:
    return role_of(user) in POINTS_CONFIRMERS and may_write(user)


def points_names(user) -> bool:
    """Full names for the village committee and the township; masked above."""
    return role_of(user) in POINTS_KEEPERS


def is_resident(user) -> bool:
    return role_of(user) == Role.RESIDENT and bool(user.person_id)


def may_read_registers(user) -> bool:
    return role_of(user) in REGISTER_READERS


def may_keep_registers(user) -> bool:
    return role_of(user) in REGISTER_KEEPERS and may_write(user)


def may_accept(user) -> bool:
    return role_of(user) in REGISTER_ACCEPTORS and may_write(user)


def may_use_community(user) -> bool:
    return may_read_points(user) or may_read_registers(user)

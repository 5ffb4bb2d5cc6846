"""Who may see and do what with the special-care roster (优抚对象).

- The township clerk and the village worker (for their own village, through their region scope)
  register recipients and request changes; the county approver approves or refuses every
  registration and change; the administrators do everything.
- The city section and the leader read everything in their scope (the leader with names masked).
- Residents and the other roles see nothing.
Every read is limited to the user's region subtree (core.scope): a record elsewhere is a 404.
Full names are shown to the roles that work with the records (UNMASK_ROLES, the village worker and
the city section); the leader sees masked names. ID numbers are always masked.
"""

from minzheng.core.roles import Role, role_of

WRITERS = (Role.VILLAGE_WORKER, Role.TOWNSHIP_CLERK, Role.ADMIN)
APPROVERS = (Role.COUNTY_APPROVER, Role.ADMIN)
READERS = WRITERS + APPROVERS + (Role.CITY_SECTION, Role.LEADER)
NAMED = (
    Role.VILLAGE_WORKER,
    Role.TOWNSHIP_CLERK,
    Role.COUNTY_APPROVER,
    Role.CITY_SECTION,
    Role.ADMIN,
)


def may_read(user) -> bool:
    return role_of(user) in READERS


def shows_names(user) -> bool:
    return role_of(user) in NAMED


def may_request(user) -> bool:
    return role_of(user) in WRITERS and user.can_write


def may_approve(user) -> bool:
    return role_of(user) in APPROVERS and user.can_write


def may_upload(user) -> bool:
    return may_request(user) or may_approve(user)


def may_check_id(user) -> bool:
    return may_request(user) or may_approve(user)

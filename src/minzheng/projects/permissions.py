"""Who may see and do what with key projects.

The city section, county approvers and the leader read the projects of their region subtree (a
county its own projects, the city all); the city section and county approvers (not read-only)
record projects, milestones and monthly progress within that subtree.
"""

from minzheng.core.roles import Role, may_write, role_of

READERS = (Role.CITY_SECTION, Role.COUNTY_APPROVER, Role.LEADER, Role.ADMIN)
MANAGERS = (Role.CITY_SECTION, Role.COUNTY_APPROVER, Role.ADMIN)


def may_view(user) -> bool:
    return role_of(user) in READERS


def may_manage(user) -> bool:
    return role_of(user) in MANAGERS and may_write(user)

"""Who does what in disaster relief. Everyone works within their region subtree (core.scope):

- the county (county approver) registers events, changes the response level, makes the reports,
  decides relief, publishes the publicity, keeps teams, training and drills;
- the township and village staff enter the affected households and propose relief;
- the city section sees every county (overdue reports escalate to it) and records model
  disaster-reduction community assessments; leaders read."""

from minzheng.core.roles import Role

READERS = (
    Role.VILLAGE_WORKER,
    Role.TOWNSHIP_CLERK,
    Role.COUNTY_APPROVER,
    Role.CITY_SECTION,
    Role.LEADER,
    Role.ADMIN,
)
COUNTY = (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)
ENTERERS = (Role.VILLAGE_WORKER, Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.ADMIN)
APPROVERS = (Role.COUNTY_APPROVER, Role.ADMIN)


def _has(user, roles) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in roles))


def may_see(user) -> bool:
    return _has(user, READERS)


def may_report(user) -> bool:
    """Register events, report, change the level; keep teams, training, drills, communities."""
    return _has(user, COUNTY)


def may_enter(user) -> bool:
    """Enter affected households and propose relief."""
    return _has(user, ENTERERS)


def may_approve(user) -> bool:
    return _has(user, APPROVERS)

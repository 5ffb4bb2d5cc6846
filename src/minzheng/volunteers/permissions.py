"""Who may see and do what in the volunteer registration system (docs/DOMAIN.md §11.1).

- Staff of the general registers read the volunteers, teams and activities of their region
  subtree (city all, county its subtree, street its subtree, community its village); the leader
  reads with names masked.
- The street office decides registrations: the township clerk of the volunteer's township (the
  county approver, the city section and the administrator in their scope too); the same roles
  suspend a volunteer. Staff (village worker included) register a resident at the window.
- Teams are set up by community, street, county or city staff in their scope; a team's leader (a
  volunteer) or staff in scope accept members, publish activities and record hours.
- A resident registers themselves, asks to join teams, signs up for activities and sees their own
  record and certificate.
"""

from minzheng.core.roles import Role, may_write, role_of

STAFF = (
    Role.VILLAGE_WORKER,
    Role.TOWNSHIP_CLERK,
    Role.COUNTY_APPROVER,
    Role.CITY_SECTION,
    Role.ADMIN,
)
READERS = STAFF + (Role.LEADER,)
DECIDERS = (Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)


def may_read(user) -> bool:
    return role_of(user) in READERS


def is_staff(user) -> bool:
    return role_of(user) in STAFF and may_write(user)


def may_decide(user) -> bool:
    return role_of(user) in DECIDERS and may_write(user)


def names_shown(user) -> bool:
    return role_of(user) in STAFF


def is_resident(user) -> bool:
    return role_of(user) == Role.RESIDENT and bool(user.person_id)


def may_use(user) -> bool:
    return may_read(user) or is_resident(user)

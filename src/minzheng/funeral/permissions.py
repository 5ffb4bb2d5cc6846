"""Who may see and do what in funeral and burial management (docs/DOMAIN.md §14).

- A funeral-service provider's account (role `funeral_home`, bound to its provider by
  `ProviderStaff`) records its own cremations, services, burials and claims and sees only its own
  provider's records; another provider's record reads 404.
- The county approver registers the providers and cemeteries of its county, assesses them, sets
  the cremation and burial-reform areas of its county, and approves the free-service claims and
  funeral grants of its county. The city section does the same for the whole city (and for the
  city's own providers). The leader reads. Township and village staff have no part in it.
"""

from minzheng.core.roles import Role, may_write, role_of

BUREAU = (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)
READERS = (*BUREAU, Role.LEADER)


def is_funeral_home(user) -> bool:
    return role_of(user) == Role.FUNERAL_HOME


def may_see(user) -> bool:
    return role_of(user) in READERS or is_funeral_home(user)


def may_manage(user) -> bool:
    """The civil-affairs bureau: providers, cemeteries, areas, assessments, claims and grants."""
    return role_of(user) in BUREAU and may_write(user)


def may_record(user) -> bool:
    """A provider's account records cremations, services, burials and claims."""
    return is_funeral_home(user) and may_write(user)

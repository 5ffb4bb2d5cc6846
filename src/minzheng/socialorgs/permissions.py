"""Who may see and do what in the social-organisation registry (docs/DOMAIN.md §10).

- The registry is the civil-affairs bureau of the city or of a county: the city section acts for
  the city's registry, the county approver for the county's. Each reads the organisations, reports,
  requests and complaints of the registries in its region scope (the city section every registry of
  the city, a county approver its county's only: another county's records read 404) and decides
  only those of its own level (a county approver never decides a city registration).
- The leader reads. Township and village staff have no part in it.
- An organisation account (role `organisation`) files its own registration, changes, annual
  reports and rating applications, and sees only its own organisation.
- Complaints are sensitive: the registry's chain reads them (county approver of the registry's
  county, city section, administrators); a complainant with an account sees their own.
"""

from minzheng.core.roles import Role, may_write, role_of

REGISTRY_STAFF = (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)
READERS = REGISTRY_STAFF + (Role.LEADER,)


def may_read(user) -> bool:
    return role_of(user) in READERS


def is_registry_staff(user) -> bool:
    return role_of(user) in REGISTRY_STAFF and may_write(user)


def is_organisation(user) -> bool:
    return role_of(user) == Role.ORGANISATION


def may_decide(user, registry) -> bool:
    """The registry's own level decides: the city section for the city's registry, a county
    approver for a county's (the region scope is checked by the selectors)."""
    role = role_of(user)
    if not is_registry_staff(user):
        return False
    if role == Role.ADMIN:
        return True
    return (registry.level == "city") == (role == Role.CITY_SECTION)


def may_file_complaint(user) -> bool:
    return role_of(user) in (Role.RESIDENT, Role.ORGANISATION) or is_registry_staff(user)


def may_use_socialorgs(user) -> bool:
    return may_read(user) or is_organisation(user)

"""Who may see and do what in the place-name census (docs/DOMAIN.md §13, docs/PLACENAMES.md).

- Place-name officers (地名普查员) enter records, correct returned ones and check them (entered →
  checked), in their region scope only.
- The county approves (checked → approved): a place-name officer whose region is a county, or a
  county approver; in their scope.
- The city section publishes (approved → published) for the whole city.
- Each reviewer may return a record for correction with a note at their own step.
- The leader reads; the city section and the county approver read their scope too. Records,
  inspections and self-checks outside the user's scope read 404 (selectors).
- Boundary inspections and self-checks are recorded by a county's officer or approver, or by the
  city section.
"""

from minzheng.core.roles import Role, may_write, role_of

READERS = (
    Role.PLACENAME_OFFICER,
    Role.COUNTY_APPROVER,
    Role.CITY_SECTION,
    Role.LEADER,
    Role.ADMIN,
)


def may_read(user) -> bool:
    return role_of(user) in READERS


def _writer(user) -> bool:
    return may_read(user) and role_of(user) != Role.LEADER and may_write(user)


def may_enter(user) -> bool:
    return _writer(user) and role_of(user) in (Role.PLACENAME_OFFICER, Role.ADMIN)


def may_check(user) -> bool:
    return may_enter(user)


def _county_level(user) -> bool:
    region = getattr(user, "region", None)
    return region is not None and region.level == "county"


def may_approve(user) -> bool:
    role = role_of(user)
    if not _writer(user):
        return False
    if role == Role.ADMIN:
        return True
    if role == Role.COUNTY_APPROVER:
        return True
    return role == Role.PLACENAME_OFFICER and _county_level(user)


def may_publish(user) -> bool:
    return _writer(user) and role_of(user) in (Role.CITY_SECTION, Role.ADMIN)


def may_record(user) -> bool:
    """Boundary inspections and self-checks."""
    return _writer(user) and role_of(user) in (
        Role.PLACENAME_OFFICER,
        Role.COUNTY_APPROVER,
        Role.CITY_SECTION,
        Role.ADMIN,
    )

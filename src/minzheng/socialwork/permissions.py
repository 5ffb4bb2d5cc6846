"""Who may see and do what in social work.

- The ledger, the purchased-service and three-social-linkage projects and the venture-funding
  calls are kept by the city section (the whole city) and the county approvers (their county:
  a ledger entry by its employer's region, a project by its purchaser or community, a call by
  the city or county that runs it); the leader reads.
- A reviewer is a staff account appointed to a call: they read and score that call's
  applications whatever their region, and nothing else of it.
- An organisation account (`socialorgs.OrganisationAccount`) reads the open calls, files its
  organisation's applications and sees its own applications, awards and projects only.
"""

from minzheng.core.roles import Role, may_write, role_of

KEEPERS = (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)
READERS = KEEPERS + (Role.LEADER,)


def may_read(user) -> bool:
    return role_of(user) in READERS


def may_keep(user) -> bool:
    return role_of(user) in KEEPERS and may_write(user)


def is_organisation(user) -> bool:
    return role_of(user) == Role.ORGANISATION


def may_review_any(user) -> bool:
    """A staff account that may be appointed to review calls."""
    return bool(user and user.is_authenticated and user.is_staff_role and may_write(user))


def may_use(user) -> bool:
    return may_read(user) or (may_review_any(user) and user.venture_calls.exists())

"""Who may see and do what in the complaints register.

Complaints are need-to-know. Staff who handle them: the township clerk, the county approver, the
city section and the bureau's units' staff (`unit_staff`). A staff account reads the complaints
owned by its region subtree, or by its unit (a unit's staff read only their unit's), and those
its office transferred out (read-only); it handles (writes) those its own office owns — its own
region's (not a township's, for a county) or its unit's. The office above the owner answers a
review. The leader
reads, with the complainant's personal data masked. A resident files online for themselves and
follows, rates and asks for a review of their own. Village workers, providers and every other
role do not see complaints (404).
"""

from minzheng.core.roles import Role, may_write, role_of

HANDLERS = (
    Role.TOWNSHIP_CLERK,
    Role.COUNTY_APPROVER,
    Role.CITY_SECTION,
    Role.UNIT_STAFF,
    Role.ADMIN,
)
READERS = HANDLERS + (Role.LEADER,)
FILERS = HANDLERS + (Role.RESIDENT,)


def may_read(user) -> bool:
    return role_of(user) in READERS


def may_handle(user) -> bool:
    return role_of(user) in HANDLERS and may_write(user)


def may_file(user) -> bool:
    return role_of(user) in FILERS and may_write(user)


def is_resident(user) -> bool:
    return role_of(user) == Role.RESIDENT


def shows_personal_data(user) -> bool:
    """The handlers see the complainant's name and phone; the leader reads them masked."""
    return role_of(user) in HANDLERS


def may_use(user) -> bool:
    return may_read(user) or is_resident(user)

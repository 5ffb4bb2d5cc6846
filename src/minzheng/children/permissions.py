"""Who may see and do what with the children's register and the protection cases.

The register is sensitive and need-to-know: the village worker of the child's village, the
township clerk, the county child-protection officer and the administrators see names; city staff
see the register with names masked; the leader sees counts only; nobody else sees it.

A protection case is visible only to its owner's chain: the township where the child lives (its
township clerk), the county above (its child-protection officer), the city section and the
administrators — each through their region scope, so a clerk of another township, even in the
same county, reads it as 404. A reporter sees the status of their own reports, never the case.
"""

from minzheng.core.roles import Role, role_of

REGISTER_NAMED = (Role.VILLAGE_WORKER, Role.TOWNSHIP_CLERK, Role.CHILD_PROTECTION, Role.ADMIN)
REGISTER_MASKED = (Role.CITY_SECTION,)
REGISTER_WRITERS = (Role.VILLAGE_WORKER, Role.TOWNSHIP_CLERK, Role.CHILD_PROTECTION, Role.ADMIN)
CONFIRMERS = (Role.VILLAGE_WORKER, Role.TOWNSHIP_CLERK, Role.ADMIN)
# The county confirms an orphan for the allowance.
ALLOWANCE_CONFIRMERS = (Role.CHILD_PROTECTION, Role.ADMIN)
COUNTS_ONLY = (Role.LEADER,)

CASE_READERS = (Role.TOWNSHIP_CLERK, Role.CHILD_PROTECTION, Role.CITY_SECTION, Role.ADMIN)
CASE_HANDLERS = (Role.TOWNSHIP_CLERK, Role.CHILD_PROTECTION, Role.ADMIN)


def may_see_register(user) -> bool:
    return role_of(user) in REGISTER_NAMED + REGISTER_MASKED


def shows_names(user) -> bool:
    return role_of(user) in REGISTER_NAMED


def may_edit_register(user) -> bool:
    return role_of(user) in REGISTER_WRITERS and user.can_write


def may_confirm_quarter(user) -> bool:
    return role_of(user) in CONFIRMERS and user.can_write


def may_confirm_allowance(user) -> bool:
    return role_of(user) in ALLOWANCE_CONFIRMERS and user.can_write


def may_see_counts(user) -> bool:
    return role_of(user) in REGISTER_NAMED + REGISTER_MASKED + COUNTS_ONLY


def may_read_cases(user) -> bool:
    return role_of(user) in CASE_READERS


def may_handle_cases(user) -> bool:
    return role_of(user) in CASE_HANDLERS and user.can_write


def may_report(user) -> bool:
    """Anyone with an account who may write: reporters, staff and residents."""
    return bool(user is not None and user.is_authenticated and user.can_write)


def may_use_children(user) -> bool:
    return may_see_counts(user) or may_read_cases(user)

"""Who may do what in target management. Services check these; pages use them to offer buttons."""

from __future__ import annotations

from minzheng.accounts.models import Role
from minzheng.core.scope import region_in_scope, scope_paths

PLAN_MANAGERS = {Role.ADMIN, Role.CITY_SECTION}
ALLOCATORS = {Role.ADMIN, Role.CITY_SECTION, Role.COUNTY_APPROVER, Role.TOWNSHIP_CLERK}
SUPERVISORS = {Role.ADMIN, Role.CITY_SECTION, Role.COUNTY_APPROVER}


def is_platform_admin(user) -> bool:
    return bool(user.is_authenticated and scope_paths(user) is None)


def is_writer(user) -> bool:
    return bool(user.is_authenticated and user.is_staff_role and user.can_write)


def may_view(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff_role or user.is_superuser))


def may_manage_plan(user, plan_region=None) -> bool:
    if not is_writer(user) and not user.is_superuser:
        return False
    if is_platform_admin(user):
        return True
    if user.role not in PLAN_MANAGERS:
        return False
    return plan_region is None or region_in_scope(user, plan_region)


def may_allocate(user, target) -> bool:
    if is_platform_admin(user):
        return True
    return is_writer(user) and user.role in ALLOCATORS and region_in_scope(user, target.region)


def may_report(user, region) -> bool:
    return is_platform_admin(user) or (is_writer(user) and region_in_scope(user, region))


# ------------------------------------------------------------------------------ units' targets
# A target a unit holds is reported by the unit's own staff (an account whose `unit` is the unit:
# the unit-staff role of an affiliated unit or pilot site, or a city-section account of that
# section) and approved by the bureau above the unit: a writing city-section account or
# administrator of the unit's region who is not of that unit (a section does not approve its own
# figures), or the platform administrator. The leader and the city sections read every unit of
# their region; a unit's staff read their own unit only.
UNIT_REPORTERS = {Role.UNIT_STAFF, Role.CITY_SECTION}
UNIT_REVIEWERS = {Role.ADMIN, Role.CITY_SECTION}


def is_unit_member(user, unit) -> bool:
    return bool(
        user.is_authenticated and user.is_active and unit is not None and user.unit_id == unit.pk
    )


def may_view_unit(user, unit) -> bool:
    """The unit's own staff, or a staff account (the leader, a city section) whose region scope
    holds the unit."""
    if is_unit_member(user, unit):
        return True
    return may_view(user) and region_in_scope(user, unit.region)


def may_report_unit(user, unit) -> bool:
    return (
        is_unit_member(user, unit)
        and unit.active
        and user.role in UNIT_REPORTERS
        and bool(user.can_write)
    )


def may_review_unit_report(user, report) -> bool:
    if report.submitted_by_id == user.pk:
        return False
    if is_platform_admin(user):
        return True
    return (
        is_writer(user)
        and user.role in UNIT_REVIEWERS
        and user.unit_id != report.org_unit_id
        and region_in_scope(user, report.region)
    )


def may_manage_units(user, region=None) -> bool:
    """Add, rename, deactivate units and assign their staff: the administrators and the city
    sections of the region holding them."""
    if is_platform_admin(user):
        return True
    if not is_writer(user) or user.role not in PLAN_MANAGERS:
        return False
    return region is None or region_in_scope(user, region)


def is_above(user, region) -> bool:
    """Whether the user's unit is the level above `region` (any ancestor, not the region itself);
    a functional zone is above its member townships and everything under them."""
    if is_platform_admin(user):
        return True
    own = user.region
    if own is None:
        return False
    if own.is_zone:
        # Kept on the (per-request) region instance: lists check many records against it.
        paths = getattr(own, "_member_paths", None)
        if paths is None:
            paths = own._member_paths = [m.path for m in own.members.all()]
        return any(region.path.startswith(p) for p in paths)
    return region.path.startswith(own.path) and region.path != own.path


def may_review(user, report) -> bool:
    """The level above approves; at the top of the plan (the city's own figures), a city-level
    administrator does. Nobody approves their own report."""
    if not (is_writer(user) or is_platform_admin(user)):
        return False
    if report.submitted_by_id == user.pk:
        return False
    if report.org_unit_id:
        return may_review_unit_report(user, report)
    if is_above(user, report.region):
        return True
    return user.role == Role.ADMIN and user.region_id == report.region_id


def may_supervise(user, region, plan) -> bool:
    """The level above puts a unit under supervision; the city bureau also supervises its own
    (city-level) targets, which its sections carry."""
    if is_platform_admin(user):
        return True
    if not is_writer(user) or user.role not in SUPERVISORS:
        return False
    if is_above(user, region):
        return True
    return user.region_id == plan.region_id and region.pk == plan.region_id


def may_note_case(user, case) -> bool:
    return (
        case.owner_id == user.pk
        or is_platform_admin(user)
        or (is_writer(user) and region_in_scope(user, case.region))
    )


def may_refresh(user) -> bool:
    return is_platform_admin(user) or (is_writer(user) and user.role in PLAN_MANAGERS)

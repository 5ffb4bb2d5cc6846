"""Who may see and do what in sunshine placement (docs/DOMAIN.md §9.2).

The county civil-affairs bureau's placement office (the county approver of the county) runs its
county's placement years: veterans, ranking, publicity and objections, post approval, the choice
session, grants and training. The city section oversees every county (reads, and may act as the
office); the leader reads. An employer (安置接收单位) publishes posts for a year of its county and
sees only its own posts and who took them. A veteran with a resident account linked to their
person sees their own score and ranking and files objections during the publicity window. Each
through their region scope: another county's year reads as 404.
"""

from minzheng.core.roles import Role, role_of

OFFICE = (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)
READERS = OFFICE + (Role.LEADER,)


def may_read(user) -> bool:
    return role_of(user) in READERS


def may_run(user) -> bool:
    return role_of(user) in OFFICE and user.can_write


def is_employer(user) -> bool:
    return role_of(user) == Role.EMPLOYER


def is_veteran_account(user) -> bool:
    return role_of(user) == Role.RESIDENT and bool(user.person_id)


def may_use_placement(user) -> bool:
    return may_read(user) or is_employer(user)

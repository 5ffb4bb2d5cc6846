"""Who may see and do what in the military-civil affairs module.

- Double support: the village worker and the township clerk apply for their own region (a
  township clerk also for a community of the township), the county approver for the county; the county approver reviews communities
  and townships of the county, the city section reviews counties; the leader reads.
- Retired cadres: the military retired cadres' centre (`cadre_centre`, a specialist that is not
  staff of the general registers) keeps them; the city section reads with names masked, the
  leader reads counts; nobody else sees them.
- Appeals are sensitive: only the appeal's region chain (the township clerk of its township, the
  county approver of its county, the city section, the administrators) reads them, each through
  their region scope, so another township or county reads 404. The leader reads with personal
  data masked. A resident files online for themselves and sees their own appeals' status.
"""

from minzheng.core.roles import Role, may_write, role_of

ENROLMENT_APPLICANTS = (Role.VILLAGE_WORKER, Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.ADMIN)
ENROLMENT_REVIEWERS = (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)
ENROLMENT_READERS = ENROLMENT_APPLICANTS + ENROLMENT_REVIEWERS + (Role.LEADER,)

CADRE_KEEPERS = (Role.CADRE_CENTRE, Role.ADMIN)
CADRE_READERS = CADRE_KEEPERS + (Role.CITY_SECTION, Role.LEADER)

APPEAL_HANDLERS = (Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)
APPEAL_READERS = APPEAL_HANDLERS + (Role.LEADER,)
APPEAL_REPORTERS = (Role.COUNTY_APPROVER, Role.ADMIN)  # the county reports to the city
APPEAL_REVIEWERS = (Role.CITY_SECTION, Role.ADMIN)  # a review goes to the level above


def may_read_enrolments(user) -> bool:
    return role_of(user) in ENROLMENT_READERS


def may_apply(user) -> bool:
    return role_of(user) in ENROLMENT_APPLICANTS and may_write(user)


def may_review(user) -> bool:
    return role_of(user) in ENROLMENT_REVIEWERS and may_write(user)


def may_read_cadres(user) -> bool:
    return role_of(user) in CADRE_READERS


def may_keep_cadres(user) -> bool:
    return role_of(user) in CADRE_KEEPERS and may_write(user)


def cadre_names(user) -> bool:
    return role_of(user) in CADRE_KEEPERS


def may_read_appeals(user) -> bool:
    return role_of(user) in APPEAL_READERS


def may_handle_appeals(user) -> bool:
    return role_of(user) in APPEAL_HANDLERS and may_write(user)


def may_report_appeals(user) -> bool:
    return role_of(user) in APPEAL_REPORTERS and may_write(user)


def may_review_appeals(user) -> bool:
    return role_of(user) in APPEAL_REVIEWERS and may_write(user)


def appeal_names(user) -> bool:
    """Personal data in full for the handlers; masked for read-only roles."""
    return role_of(user) in APPEAL_HANDLERS


def may_file_appeal(user) -> bool:
    """Township and county staff at the window, by phone or letter; a resident online."""
    return role_of(user) in (
        Role.TOWNSHIP_CLERK,
        Role.COUNTY_APPROVER,
        Role.ADMIN,
        Role.RESIDENT,
    ) and (may_write(user))


def may_use_military(user) -> bool:
    return may_read_enrolments(user) or may_read_cadres(user) or may_read_appeals(user)

"""Who may see and do what in charity (docs/DOMAIN.md §15).

- A charitable organisation acts through its organisation account (role `organisation`, bound to
  its social organisation by socialorgs.OrganisationAccount): it records its donations, receipts
  and uses, and sees only its own books (another organisation's records read 404).
- The city section oversees every charity of the city (annual checks, the one-day drive) and
  recognises a registered organisation as a charitable one; a county approver reads the charities
  of its county's registry; the leader reads. Nobody else has a part; the public page needs no
  login and carries no personal data.
"""

from minzheng.core.roles import Role, may_write, role_of

OVERSEERS = (Role.CITY_SECTION, Role.COUNTY_APPROVER, Role.ADMIN, Role.LEADER)


def may_oversee(user) -> bool:
    return role_of(user) in OVERSEERS


def may_recognise(user) -> bool:
    return role_of(user) in (Role.CITY_SECTION, Role.ADMIN) and may_write(user)


def is_charity_account(user) -> bool:
    if role_of(user) != Role.ORGANISATION:
        return False
    from .selectors import own_charity

    return own_charity(user) is not None


def may_use_charity(user) -> bool:
    return may_oversee(user) or is_charity_account(user)

"""Who works with the relief-supply depots: keepers record and confirm the ledger of the depots
they keep; county and city civil-affairs staff read it and explain count findings; leaders read."""

from minzheng.core.roles import Role

READERS = (Role.DEPOT_KEEPER, Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.LEADER, Role.ADMIN)
RESOLVERS = (Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN)


def may_see(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in READERS)


def may_resolve(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in RESOLVERS)


def is_keeper(user, depot) -> bool:
    return (
        user.is_authenticated
        and user.role == Role.DEPOT_KEEPER
        and depot.keepers.filter(pk=user.pk).exists()
    )

from functools import lru_cache

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

UserModel = get_user_model()


@lru_cache(maxsize=4)
def _user_statement(alias: str):
    """The SELECT of a user with its region, and the ORM's converters of each column."""
    connection = connections[alias]
    user_fields = UserModel._meta.concrete_fields
    region_field = UserModel._meta.get_field("region")
    Region = region_field.related_model
    region_fields = Region._meta.concrete_fields
    q = connection.ops.quote_name
    columns = [f"u.{q(f.column)}" for f in user_fields] + [
        f"r.{q(f.column)}" for f in region_fields
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(UserModel._meta.db_table)} u"
        f" LEFT JOIN {q(Region._meta.db_table)} r"
        f" ON r.{q(Region._meta.pk.column)} = u.{q(region_field.column)}"
        f" WHERE u.{q(UserModel._meta.pk.column)} = %s"
    )
    converters = []
    for index, field in enumerate([*user_fields, *region_fields]):
        col = field.get_col("u" if index < len(user_fields) else "r")
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            converters.append((index, found, col))
    return (
        sql,
        converters,
        [f.attname for f in user_fields],
        Region,
        [f.attname for f in region_fields],
    )


def _user_with_region(user_id):
    """The user and its region, as `select_related("region")` reads them, by one statement built
    once per process: every request reads its user, and compiling the ORM query cost more CPU
    than the database spends answering it."""
    pk = UserModel._meta.pk.to_python(user_id)
    alias = router.db_for_read(UserModel)
    connection = connections[alias]
    sql, converters, user_names, Region, region_names = _user_statement(alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, found, col in converters:  # as the ORM converts them (encrypted fields, SQLite)
        for converter in found:
            values[index] = converter(values[index], col, connection)
    n = len(user_names)
    user = UserModel.from_db(alias, user_names, values[:n])
    user.region = (
        Region.from_db(alias, region_names, values[n:]) if user.region_id is not None else None
    )
    return user


class LoginGuardBackend(AxesStandaloneBackend):
    """Refuses a login while its account or client address is locked out (django-axes).

    Axes insists on the request; an authentication without one (the test client's `login`, a
    script inside the server) does not come from the network and has no address to count, so it
    passes on to the next backend. Every network login (sign-in page, token endpoint) hands over
    its request; tests/test_accounts_security.py proves both lock."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class PlatformBackend(ModelBackend):
    """Demo accounts can only log in while the platform runs in demo mode."""

    def user_can_authenticate(self, user):
        if getattr(user, "is_demo", False) and not settings.DEMO_MODE:
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id):
        # Every page scopes its reads by the user's region and shows its name: read it with the
        # user (one statement a request instead of two, and no query to compile).
        user = _user_with_region(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

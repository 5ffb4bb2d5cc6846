"""`minzheng.core.bulk.local_settings`: PostgreSQL settings for the statements inside only, put
back as they were afterwards, whether the statements succeed or fail."""

import pytest
from django.db import DatabaseError, connection, transaction

from minzheng.core.bulk import local_settings

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="planner settings exist on PostgreSQL only"
    ),
]

PLANNER = "SELECT current_setting('enable_hashjoin'), current_setting('work_mem')"


def _planner(cursor):
    cursor.execute(PLANNER)
    return cursor.fetchone()


def test_settings_hold_inside_and_are_put_back_after():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '7MB'")
        assert _planner(cursor) == ("on", "7MB")
        with local_settings(cursor, enable_hashjoin="off", work_mem="64MB"):
            assert _planner(cursor) == ("off", "64MB")
            with local_settings(cursor, work_mem="1GB"):
                assert _planner(cursor) == ("off", "1GB")
            assert _planner(cursor) == ("off", "64MB")
        assert _planner(cursor) == ("on", "7MB")


def test_a_failing_statement_leaves_the_settings_as_they_were():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '7MB'")
        with pytest.raises(DatabaseError):
            with local_settings(cursor, enable_hashjoin="off", work_mem="64MB"):
                cursor.execute("SELECT 1 / 0")
        assert _planner(cursor) == ("on", "7MB")
        assert transaction.get_connection().in_atomic_block  # the test's transaction goes on

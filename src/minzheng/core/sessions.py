"""Database sessions, read with one prepared statement instead of a compiled ORM query.

Every page reads its session; the ORM spends more CPU building `Session.objects.get(...)` than
PostgreSQL spends answering it. Everything else (creating, saving, deleting, expiring sessions)
is Django's database backend unchanged, so logout and `clearsessions` keep working as before and a
session ends on the server the moment it is deleted (a signed-cookie or per-process cached
session would outlive a logout on the other workers).
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        key = self.session_key  # None when the cookie did not hold a well-formed key
        if key is None:
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",
                [key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0])

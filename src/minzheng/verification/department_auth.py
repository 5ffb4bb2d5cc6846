"""The departments' credential on the API: `Authorization: Bearer MZD-…` issued per source by an
administrator (exchange.issue_token). It is not a user: it reads and answers only its own
source's requests, and every event it causes names the department and the token."""

from __future__ import annotations

from django.utils import timezone
from ninja.security import HttpBearer

from minzheng.core.context import Actor, _current
from minzheng.core.middleware import client_ip

from .exchange import hash_secret
from .models import DepartmentToken


class DepartmentBearer(HttpBearer):
    def authenticate(self, request, token: str):
        row = DepartmentToken.objects.filter(
            key_hash=hash_secret(token), revoked_at__isnull=True
        ).first()
        if row is None:
            return None
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            DepartmentToken.objects.filter(pk=row.pk).update(last_used_at=now)
        _current.set(
            Actor(
                username=f"department:{row.source}:{row.prefix}",
                ip=client_ip(request),
                channel="api",
            )
        )
        return row


department_auth = DepartmentBearer()

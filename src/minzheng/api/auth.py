"""API authentication: `Authorization: Bearer <token>` from POST /api/v1/auth/token, or a
logged-in browser session (with CSRF on unsafe methods)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from minzheng.accounts.models import ApiToken
from minzheng.core.context import _current, actor_for_user
from minzheng.core.middleware import client_ip

TOKEN_LIFETIME = timedelta(hours=12)


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        row = (
            ApiToken.objects.select_related("user", "user__region")
            .filter(key_hash=ApiToken.hash_key(token), expires_at__gt=timezone.now(), user__is_active=True)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            # At most one write a minute per token: a busy client should not cost a commit per request.
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        # Audit events written by this request name the token's user.
        _current.set(actor_for_user(row.user, ip=client_ip(request), channel="api"))
        return row.user


def issue_token(user) -> str:
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key), expires_at=timezone.now() + TOKEN_LIFETIME)
    return key


api_auth = [BearerToken(), django_auth]

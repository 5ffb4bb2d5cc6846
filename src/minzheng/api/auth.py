"""API authentication: `Authorization: Bearer <token>` from POST /api/v1/auth/token, or a
logged-in browser session (with CSRF on unsafe methods)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from minzheng.accounts.models import ApiToken
from minzheng.core.context import _current, actor_for_user
from minzheng.core.middleware import client_ip


def token_lifetime() -> timedelta:
    """MINZHENG_API_TOKEN_HOURS (default 12); an expired token answers 401."""
    return timedelta(hours=settings.API_TOKEN_HOURS)


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        row = (
            ApiToken.objects.select_related("user", "user__region")
            .filter(
                key_hash=ApiToken.hash_key(token),
                expires_at__gt=timezone.now(),
                user__is_active=True,
            )
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


def issue_token(user) -> dict:
    """A new token for `user`: the key (shown once; only its hash is kept) and when it expires."""
    key = secrets.token_urlsafe(32)
    lifetime = token_lifetime()
    expires_at: datetime = timezone.now() + lifetime
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key), expires_at=expires_at)
    return {
        "token": key,
        "token_type": "Bearer",
        "expires_in": int(lifetime.total_seconds()),
        "expires_at": expires_at,
    }


def revoke_tokens(user) -> int:
    """End every API token of `user` (logout, password change and disabling do this)."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


api_auth = [BearerToken(), django_auth]

"""Login guessing: failures per account and per client address, kept by django-axes.

Every way in that takes a secret (the sign-in page, `POST /api/v1/auth/token`, resident sign-up
and its one-time code) reports a failure here and asks `is_locked` first. A locked login answers
429 with the time left, in the page or as JSON, until the cool-off ends or an administrator lifts
it (admin "Access attempts", or `minzheng lockouts lift`).
"""

from __future__ import annotations

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


class LoginGuardHandler(AxesDatabaseHandler):
    """Axes compares one count with one limit; an office behind one address needs a higher limit
    than a single account, so the address count is scaled onto the account limit:
    floor(address_failures × account_limit / address_limit) ≥ account_limit exactly when
    address_failures ≥ address_limit."""

    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        account_limit = settings.AXES_FAILURE_LIMIT
        return max(
            by_account, by_address * account_limit // max(1, settings.LOGIN_FAILURES_ADDRESS)
        )


def credentials_for(username: str) -> dict:
    return {"username": (username or "").strip()}


def is_locked(request, username: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, credentials_for(username))


def record_failure(request, username: str) -> None:
    """A failed secret outside Django's authenticate() (sign-up, one-time codes). Counted by the
    lockout handler directly rather than through `user_login_failed`, which would also write a
    "login failed" audit event for what is not a login."""
    AxesProxyHandler.user_login_failed(
        sender=__name__, credentials=credentials_for(username), request=request
    )


def minutes_left(request=None) -> int:
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_message(request=None) -> str:
    return _("尝试次数过多，已暂时锁定，请%(n)s分钟后再试；如需立即解除，请联系系统管理员") % {
        "n": minutes_left(request)
    }


def lockout_response(request, original_response=None, credentials=None):
    """What a locked login answers: 429 JSON for the API, the page with the message otherwise."""
    message = lockout_message(request)
    retry = str(minutes_left(request) * 60)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": message, "errors": [{"field": "__all__", "message": message}]}, status=429
        )
    else:
        response = render(request, "web/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = retry
    return response


def current_lockouts():
    """Accounts and addresses locked now, for the `lockouts` command."""
    threshold = timezone.now() - get_cool_off()
    recent = AccessAttempt.objects.filter(attempt_time__gte=threshold)
    accounts = [
        (row["username"], row["n"], row["last"])
        for row in recent.values("username").annotate(
            n=Sum("failures_since_start"), last=Max("attempt_time")
        )
        if row["n"] >= settings.AXES_FAILURE_LIMIT
    ]
    addresses = [
        (row["ip_address"], row["n"], row["last"])
        for row in recent.values("ip_address").annotate(
            n=Sum("failures_since_start"), last=Max("attempt_time")
        )
        if row["n"] >= settings.LOGIN_FAILURES_ADDRESS
    ]
    return accounts, addresses

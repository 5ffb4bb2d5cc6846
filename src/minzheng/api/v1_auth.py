"""Sign-in, sign-out and resident sign-up.

Every operation that takes a secret counts failures per account and per client address
(accounts.lockout); a locked login answers 429 with `Retry-After` until the cool-off ends or an
administrator lifts it.
"""

from datetime import datetime

from django.contrib.auth import authenticate, logout
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from minzheng.accounts import lockout, registration
from minzheng.core import audit
from minzheng.core.context import acting_as, actor_for_user
from minzheng.core.errors import ServiceError
from minzheng.core.middleware import client_ip
from minzheng.people import selectors as people_selectors

from .auth import api_auth, issue_token, revoke_tokens
from .schemas import ErrorOut

router = Router(tags=["auth"])


class Credentials(Schema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=128)


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="seconds until the token expires")
    expires_at: datetime


def _locked(request, username: str):
    """The 429 answer (with Retry-After) while the account or the address is locked, else None."""
    return lockout.lockout_response(request) if lockout.is_locked(request, username) else None


@router.post(
    "/token", auth=None, response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut}
)
def token(request, credentials: Credentials):
    """Exchange a username and password for a bearer token (lifetime in `expires_in`,
    MINZHENG_API_TOKEN_HOURS). Repeated failures lock the account or address: 429."""
    if refused := _locked(request, credentials.username):
        return refused
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        # On the failure that reaches the limit the lockout middleware answers 429 instead.
        raise ServiceError({"password": [_("用户名或密码错误")]}, status=401)
    with acting_as(actor_for_user(user, ip=client_ip(request), channel="api")):
        audit.record("login", obj=user, object_repr=user.get_username(), note="api token")
    return issue_token(user)


class LogoutOut(Schema):
    revoked: int = Field(description="number of API tokens ended")


@router.post("/logout", response={200: LogoutOut, 401: ErrorOut})
def logout_view(request):
    """End every API token of the calling account (and its browser session, if it has one)."""
    user = request.user
    revoked = revoke_tokens(user)
    with acting_as(actor_for_user(user, ip=client_ip(request), channel="api")):
        audit.record(
            "logout",
            obj=user,
            object_repr=user.get_username(),
            note=f"api tokens revoked: {revoked}",
        )
    if request.session.session_key:
        logout(request)
    return {"revoked": revoked}


class Registration(Schema):
    id_number: str = Field(max_length=32)
    name: str = Field(max_length=64)
    phone: str = Field(max_length=20, description="mobile number; becomes the login name")
    password: str = Field(max_length=128)


class RegistrationOut(Schema):
    detail: str


@router.post("/register", auth=None, response={202: RegistrationOut, 422: ErrorOut, 429: ErrorOut})
def register(request, payload: Registration):
    """Start a resident sign-up. The answer is the same whether or not the ID, name or phone are
    known; a match gets a one-time code by SMS to the mobile number on record in the population
    registry (or a code from the township window). Finish with `POST /api/v1/auth/activate`."""
    if refused := _locked(request, payload.phone):
        return refused
    # Every attempt counts, so the lockout itself cannot tell a match from a miss.
    lockout.record_failure(request, payload.phone)
    registration.register_resident(
        id_number=payload.id_number,
        name=payload.name,
        phone=payload.phone,
        password=payload.password,
    )
    return Status(202, {"detail": registration.neutral_answer()})


class Activation(Schema):
    phone: str = Field(max_length=20)
    code: str = Field(max_length=16)


@router.post("/activate", auth=None, response={201: TokenOut, 422: ErrorOut, 429: ErrorOut})
def activate(request, payload: Activation):
    """Finish a resident sign-up with the SMS code or the window activation code; answers a token."""
    if refused := _locked(request, payload.phone):
        return refused
    try:
        user = registration.activate_resident(phone=payload.phone, code=payload.code)
    except ServiceError:
        lockout.record_failure(request, payload.phone)
        raise
    return Status(201, issue_token(user))


class ActivationCodeOut(Schema):
    code: str = Field(description="shown once; print it for the resident")
    expires_at: datetime


@router.post(
    "/residents/{int:person_id}/activation-code",
    auth=api_auth,
    response={201: ActivationCodeOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def activation_code(request, person_id: int):
    """Township window, after checking the resident's ID card in person: a code that activates the
    resident's sign-up (72 hours, one use)."""
    person = people_selectors.get_person(request.user, person_id)
    code, row = registration.issue_activation_code(user=request.user, person=person)
    return Status(201, {"code": code, "expires_at": row.expires_at})


class ResetIn(Schema):
    note: str = Field(max_length=500, description="how the identity was checked")


class ResetOut(Schema):
    detail: str


@router.post(
    "/residents/{int:person_id}/reset",
    auth=api_auth,
    response={
        200: ResetOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
)
def reset_account(request, person_id: int, payload: ResetIn):
    """Township window, after an in-person check: disable a resident account someone else took,
    so the real owner can sign up. Audited."""
    person = people_selectors.get_person(request.user, person_id)
    registration.reset_resident_account(user=request.user, person=person, note=payload.note)
    return {"detail": _("已重置该居民的账号，本人可重新注册")}

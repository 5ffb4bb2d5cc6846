from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from minzheng.core import audit
from minzheng.core.context import acting_as, actor_for_user
from minzheng.core.errors import ServiceError
from minzheng.core.middleware import client_ip

from .auth import TOKEN_LIFETIME, issue_token

router = Router(tags=["auth"])


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_in: int


@router.post("/token", auth=None, response={200: TokenOut, 401: dict})
def token(request, credentials: Credentials):
    """Exchange a username and password for a bearer token (valid 12 hours)."""
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        raise ServiceError({"password": [_("用户名或密码错误")]}, status=401)
    with acting_as(actor_for_user(user, ip=client_ip(request), channel="api")):
        audit.record("login", obj=user, object_repr=user.get_username(), note="api token")
    return {"token": issue_token(user), "expires_in": int(TOKEN_LIFETIME.total_seconds())}


class Registration(Schema):
    id_number: str
    name: str
    phone: str
    password: str


@router.post("/register", auth=None, response={201: TokenOut})
def register(request, payload: Registration):
    """A resident opens an account with their resident ID, name and mobile number (the login name)."""
    from minzheng.accounts.services import register_resident

    user = register_resident(id_number=payload.id_number, name=payload.name, phone=payload.phone, password=payload.password)
    return Status(201, {"token": issue_token(user), "expires_in": int(TOKEN_LIFETIME.total_seconds())})

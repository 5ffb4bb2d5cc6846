"""JSON API of notifications, mounted at /api/v1/notifications. Staff read the outbox of their
region subtree (another region's message reads 404) and resend a failed one; a resident reads
their own messages (`/mine`) and sets their opt-outs (`/preferences`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Id, choice
from minzheng.core.errors import PermissionDeniedError
from minzheng.core.pagination import Listing, paginated

from . import selectors, services
from .kinds import all_kinds, label
from .models import Status
from .permissions import is_resident, may_read_outbox

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    recipient: str
    phone: str
    text: str
    subject_type: str
    subject_id: str
    link: str
    region_code: str | None
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    sent_at: dt.datetime | None
    created_at: dt.datetime


def _out(user):
    def out(n) -> dict:
        return {
            "id": n.pk,
            "kind": n.kind,
            "kind_label": label(n.kind),
            "recipient": selectors.recipient_name(user, n) if not is_resident(user) else "",
            "phone": selectors.recipient_phone(user, n),
            "text": n.text,
            "subject_type": n.subject_type,
            "subject_id": n.subject_id,
            "link": n.link,
            "region_code": n.region.code if n.region_id else None,
            "status": n.status,
            "attempts": n.attempts,
            "next_attempt_at": n.next_attempt_at,
            "last_error": n.last_error,
            "sent_at": n.sent_at,
            "created_at": n.created_at,
        }

    return out


class NotificationFilter(Schema):
    status: choice(Status.values) | None = None
    kind: str = Field(default="", max_length=48)
    since: Date | None = None
    until: Date | None = None


@router.get("/outbox", response={200: list[NotificationOut], 403: ErrorOut, 422: ErrorOut})
@paginated(default=50)
def list_outbox(request, filters: Query[NotificationFilter]):
    """The outbox of the caller's region subtree, newest first."""
    if not may_read_outbox(request.user) or is_resident(request.user):
        raise PermissionDeniedError(_("当前账号无权查看消息发送记录"))
    qs = selectors.search(
        request.user,
        status=filters.status or "",
        kind=filters.kind,
        since=filters.since,
        until=filters.until,
    )
    return Listing(qs.order_by("-created_at", "-id"), _out(request.user))


@router.get("/mine", response={200: list[NotificationOut], 422: ErrorOut})
@paginated(default=50)
def list_mine(request):
    """The messages to the signed-in resident (or account), newest first."""
    qs = selectors.mine(request.user).select_related("region")
    return Listing(qs.order_by("-created_at", "-id"), _out(request.user))


@router.get("/{int:notification_id}", response={200: NotificationOut, 404: ErrorOut})
def get_notification(request, notification_id: Id):
    return _out(request.user)(selectors.get_for(request.user, notification_id))


@router.post(
    "/{int:notification_id}/resend",
    response={200: NotificationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def resend(request, notification_id: Id):
    """Queue a failed message again (audited)."""
    n = selectors.get_for(request.user, notification_id)
    return _out(request.user)(services.resend(user=request.user, notification=n))


class NotificationKindOut(Schema):
    code: str
    label: str
    refused: bool


class NotificationPreferencesOut(Schema):
    refuse_all: bool
    kinds: list[NotificationKindOut]


class NotificationPreferencesIn(Schema):
    refuse_all: bool = False
    refused: list[Annotated[str, Field(max_length=48)]] = Field(default_factory=list, max_length=50)


def _preferences(user) -> dict:
    refused = services.refused_kinds(user)
    return {
        "refuse_all": "" in refused,
        "kinds": [
            {"code": k.code, "label": k.display, "refused": k.code in refused}
            for k in all_kinds()
            if k.opt_out
        ],
    }


@router.get("/preferences", response={200: NotificationPreferencesOut, 403: ErrorOut})
def get_preferences(request):
    return _preferences(request.user)


@router.put(
    "/preferences", response={200: NotificationPreferencesOut, 403: ErrorOut, 422: ErrorOut}
)
def put_preferences(request, payload: NotificationPreferencesIn):
    """Replace the caller's opt-outs: all messages, or the listed kinds."""
    services.set_preferences(
        user=request.user, refuse_all=payload.refuse_all, refused=payload.refused
    )
    return _preferences(request.user)

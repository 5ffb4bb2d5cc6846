"""JSON API of satisfaction, mounted at /api/v1/satisfaction: the resident's invitations and
answer, staff's phone-call record, and the rates by region, service and unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Id, choice
from minzheng.core.errors import PermissionDeniedError
from minzheng.core.pagination import Listing, paginated

from . import selectors, services
from .models import Rating

router = Router(tags=["satisfaction"])


class SurveyInvitationOut(Schema):
    id: int
    service: str
    number: str
    region_code: str
    invited_on: dt.date
    rating: str
    comment: str
    channel: str
    answered_at: dt.datetime | None


def _out(i) -> dict:
    return {
        "id": i.pk,
        "service": i.service,
        "number": i.number,
        "region_code": i.region.code,
        "invited_on": i.invited_on,
        "rating": i.rating,
        "comment": i.comment,
        "channel": i.channel,
        "answered_at": i.answered_at,
    }


@router.get("/mine", response={200: list[SurveyInvitationOut], 422: ErrorOut})
@paginated(default=50)
def list_mine(request):
    return Listing(
        selectors.mine(request.user).select_related("region").order_by("-invited_on", "-id"), _out
    )


class SurveyAnswerIn(Schema):
    rating: choice(Rating.values)
    comment: str = Field(default="", max_length=500)


@router.post(
    "/{int:invitation_id}/answer",
    response={200: SurveyInvitationOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def answer(request, invitation_id: Id, payload: SurveyAnswerIn):
    """The resident answers their own survey (once)."""
    inv = selectors.get_own(request.user, invitation_id)
    return _out(services.answer(user=request.user, invitation=inv, **payload.dict()))


@router.post(
    "/{int:invitation_id}/call",
    response={200: SurveyInvitationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def record_call(request, invitation_id: Id, payload: SurveyAnswerIn):
    """Staff record the answer given on a phone call."""
    inv = selectors.get_for(request.user, invitation_id)
    return _out(services.record_call(user=request.user, invitation=inv, **payload.dict()))


class SatisfactionRateOut(Schema):
    key: str
    label: str
    invited: int
    answers: int
    satisfied: int
    basic: int
    dissatisfied: int
    rate: Decimal | None


class SatisfactionRatesOut(Schema):
    since: dt.date
    until: dt.date
    regions: list[SatisfactionRateOut]
    services: list[SatisfactionRateOut]
    units: list[SatisfactionRateOut]


class SatisfactionPeriod(Schema):
    since: Date | None = None
    until: Date | None = None


def _rows(rows) -> list[dict]:
    return [{**r, "key": str(r["key"]), "label": str(r["label"])} for r in rows]


@router.get("/rates", response={200: SatisfactionRatesOut, 403: ErrorOut, 422: ErrorOut})
def rates(request, period: Query[SatisfactionPeriod]):
    """Satisfied rate = (satisfied + basically satisfied) ÷ answers × 100, by region (the
    caller's subregions and a total), by service and by unit, over invitations of the period."""
    if not selectors.may_see_rates(request.user):
        raise PermissionDeniedError(_("当前账号无权查看满意度统计"))
    today = timezone.localdate()
    since = period.since or dt.date(today.year, 1, 1)
    until = period.until or today
    qs = selectors.period(selectors.invitations_for(request.user), since, until)
    return {
        "since": since,
        "until": until,
        "regions": _rows(selectors.by_region(request.user, qs)),
        "services": _rows(selectors.by_service(qs)),
        "units": _rows(selectors.by_unit(qs)),
    }

"""The plan's elderly-care indicators for the caller's region."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from ninja import Router

from minzheng.core.apitypes import Date
from minzheng.core.errors import NotFoundOrOutOfScope

from .. import dashboard, selectors

router = Router()


@router.get("/indicators")
def indicators(request, on: Date | None = None):
    """The plan's elderly-care indicators for the caller's region, computed from the records."""
    if not selectors.is_staff(request.user):
        raise NotFoundOrOutOfScope()
    data = dashboard.dashboard_for(request.user, on or timezone.localdate())
    region = data.pop("region", None)
    return {
        "region": {"code": region.code, "name": region.name} if region else None,
        **{
            k: (str(v) if isinstance(v, Decimal) else v)
            for k, v in data.items()
            if k != "health_links"
        },
        "health_links": [
            {"label": str(label), "percent": str(v) if v is not None else None}
            for label, v in data.get("health_links", [])
        ],
    }

"""Statistics of the register by category, owner region, owner unit or month of receipt, over
the complaints received in a year within what the user may read (one grouped query)."""

from __future__ import annotations

from typing import Literal

from django.db.models import Count, F, Q
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from minzheng.core.errors import PermissionDeniedError

from . import selectors
from .models import Category, Status
from .permissions import may_read

By = Literal["category", "region", "unit", "month"]


def check_reader(user) -> None:
    if not may_read(user):
        raise PermissionDeniedError(_("当前账号无权查看信访投诉统计"))


def table(user, *, year: int, by: str = "category") -> list[dict]:
    today = timezone.localdate()
    qs = selectors.complaints_for(user).filter(received_on__year=year)
    key = {
        "category": F("category"),
        "region": F("owner_region__name"),
        "unit": F("owner_unit__name"),
        "month": ExtractMonth("received_on"),
    }[by]
    accepted = ~Q(status__in=[Status.RECEIVED, Status.NOT_ACCEPTED])
    rows = (
        qs.order_by()
        .annotate(k=key)
        .values("k")
        .annotate(
            received=Count("id"),
            accepted=Count("id", filter=accepted),
            investigated=Count("id", filter=Q(investigated_on__isnull=False)),
            replied=Count("id", filter=Q(replied_on__isnull=False)),
            replied_in_time=Count(
                "id", filter=Q(replied_on__isnull=False, replied_on__lte=F("handle_due_on"))
            ),
            overdue=Count("id", filter=selectors.overdue_q(today)),
        )
        .order_by("k")
    )
    out = []
    for r in rows:
        k = r.pop("k")
        if by == "category":
            label = str(Category(k).label) if k in Category.values else k
        elif by == "month":
            label = _("%(m)s月") % {"m": k}
        else:
            label = k or _("（无承办单位）")
        out.append({"key": str(k if k is not None else ""), "label": label, **r})
    return out


COLUMNS = [  # headings, translated when written
    ("label", gettext_noop("分组")),
    ("received", gettext_noop("收到")),
    ("accepted", gettext_noop("受理")),
    ("investigated", gettext_noop("已调查")),
    ("replied", gettext_noop("已答复")),
    ("replied_in_time", gettext_noop("按期答复")),
    ("overdue", gettext_noop("超期未办")),
]

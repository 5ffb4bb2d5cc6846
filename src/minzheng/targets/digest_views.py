"""The leader's weekly digest on the page and in PDF (/targets/digest/), a week chosen by any of
its days, and the workbench card linking to this week's digest."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.web.views.base import page

from . import digest_store
from .digest_pdf import digest_pdf

digest_page = page(check=digest_store.may_read, message=_("领导周报仅供领导和市局科室查看"))


def _day(request) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        return today
    return day if dt.date(2000, 1, 1) <= day <= today else today


@digest_page
def digest_view(request):
    user = request.user
    today = timezone.localdate()
    built = digest_store.for_week(user, _day(request))
    this_week, _end = digest_store.week_of(today)
    weeks = sorted(
        {this_week - dt.timedelta(weeks=n) for n in range(8)} | set(digest_store.kept_weeks(user)),
        reverse=True,
    )
    return render(
        request,
        "targets/digest/week.html",
        {
            "built": built,
            "weeks": weeks,
            "kept": set(digest_store.kept_weeks(user)),
            "this_week": this_week,
            "previous": built.start - dt.timedelta(weeks=1),
            "following": built.start + dt.timedelta(weeks=1) if built.start < this_week else None,
        },
    )


@digest_page
def digest_pdf_view(request):
    built = digest_store.for_week(request.user, _day(request))
    response = HttpResponse(
        digest_pdf(request.user, built, base_url=request.build_absolute_uri("/").rstrip("/")),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="digest-{built.start.isoformat()}.pdf"'
    return response


def digest_card_context(user) -> dict | None:
    if (
        not digest_store.may_read(user)
        or digest_store.role_of(user) not in digest_store.RECIPIENT_ROLES
    ):
        return None
    start, end = digest_store.week_of(timezone.localdate())
    return {"start": start, "end": end}


urlpatterns = [
    path("", digest_view, name="digest"),
    path("pdf/", digest_pdf_view, name="digest_pdf"),
]

"""Pages: the rates (by region, service and unit; Excel export), the phone-call list where staff
record answers, and the resident's answer page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core import sheets
from minzheng.core.errors import ServiceError
from minzheng.web.views.base import page, paginate

from . import selectors, services
from .models import Rating, Service

rates_page = page(check=selectors.may_see_rates)
resident_page = page(
    check=lambda u: u.role == "resident", message=gettext_lazy("此页面供居民本人评价")
)


def _period(request) -> tuple[dt.date, dt.date, dict]:
    today = timezone.localdate()
    values = {}
    for key, default in (("since", dt.date(today.year, 1, 1)), ("until", today)):
        try:
            values[key] = dt.date.fromisoformat(request.GET.get(key, ""))
        except ValueError:
            values[key] = default
    return values["since"], values["until"], values


def _tables(request):
    since, until, values = _period(request)
    qs = selectors.period(selectors.invitations_for(request.user), since, until)
    return values, {
        "regions": selectors.by_region(request.user, qs),
        "services": selectors.by_service(qs),
        "units": selectors.by_unit(qs),
    }


@rates_page
def rates(request):
    values, tables = _tables(request)
    return render(request, "satisfaction/rates.html", {"period": values, **tables})


@rates_page
def export(request):
    values, tables = _tables(request)
    wb = sheets.workbook()
    wb.remove(wb.active)
    header = [
        _("名称"),
        _("调查数"),
        _("评价数"),
        _("满意"),
        _("基本满意"),
        _("不满意"),
        _("满意率（%）"),
    ]
    for title, rows in (
        (_("按区域"), tables["regions"]),
        (_("按服务"), tables["services"]),
        (_("按单位"), tables["units"]),
    ):
        ws = wb.create_sheet(title)
        sheets.append(ws, header)
        for r in rows:
            sheets.append(
                ws,
                [
                    str(r["label"]),
                    r["invited"],
                    r["answers"],
                    r["satisfied"],
                    r["basic"],
                    r["dissatisfied"],
                    float(r["rate"]) if r["rate"] is not None else "",
                ],
            )
    response = HttpResponse(
        sheets.xlsx_bytes(wb),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"satisfaction-{values['since']:%Y%m%d}-{values['until']:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@rates_page
def calls(request):
    """Unanswered invitations of the caller's regions, to record an answer given by phone."""
    if request.method == "POST":
        inv = selectors.get_for(request.user, int(request.POST.get("invitation") or 0))
        try:
            services.record_call(
                user=request.user,
                invitation=inv,
                rating=request.POST.get("rating", ""),
                comment=request.POST.get("comment", ""),
            )
        except ServiceError as exc:
            for errors in exc.errors.values():
                for e in errors:
                    messages.error(request, e)
        else:
            messages.success(request, _("电话回访结果已登记"))
        return redirect("satisfaction:calls")
    qs = (
        selectors.invitations_for(request.user)
        .filter(rating="")
        .select_related("region", "person")
        .order_by("-invited_on", "-id")
    )
    return render(
        request,
        "satisfaction/calls.html",
        {"page_obj": paginate(request, qs), "ratings": Rating.choices},
    )


@resident_page
def answer(request, pk: int):
    inv = selectors.get_own(request.user, pk)
    errors = {}
    if request.method == "POST":
        try:
            services.answer(
                user=request.user,
                invitation=inv,
                rating=request.POST.get("rating", ""),
                comment=request.POST.get("comment", ""),
            )
        except ServiceError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("satisfaction:answer", pk=pk)
    return render(
        request,
        "satisfaction/answer.html",
        {
            "inv": selectors.get_own(request.user, pk),
            "service": Service(inv.service).label,
            "ratings": Rating.choices,
            "errors": errors,
            "posted": request.POST,
        },
    )

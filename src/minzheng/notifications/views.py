"""Pages: the staff outbox (scoped, filtered, masked, resend) and the resident's 我的消息 with
their opt-out preferences."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.web.views.base import page, paginate

from . import selectors, services
from .kinds import all_kinds, label
from .models import Status
from .permissions import is_resident, may_read_outbox, may_resend

outbox_page = page(check=may_read_outbox)
resident_page = page(check=is_resident, message=gettext_lazy("此页面供居民查看本人的消息"))


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _labelled(counts: dict) -> list[tuple[str, int]]:
    return [(name, counts.get(code, 0)) for code, name in Status.choices]


@outbox_page
def outbox(request):
    user = request.user
    f = {k: request.GET.get(k, "").strip() for k in ("status", "kind", "since", "until")}
    if f["status"] not in Status.values:
        f["status"] = ""
    qs = selectors.search(
        user,
        status=f["status"],
        kind=f["kind"],
        since=_date(f["since"]),
        until=_date(f["until"]),
    )
    page_obj = paginate(request, qs.order_by("-created_at", "-id"))
    rows = [
        {
            "n": n,
            "kind": label(n.kind),
            "name": selectors.recipient_name(user, n),
            "phone": selectors.recipient_phone(user, n),
        }
        for n in page_obj
    ]
    return render(
        request,
        "notifications/outbox.html",
        {
            "page_obj": page_obj,
            "rows": rows,
            "filters": f,
            "statuses": Status.choices,
            "kinds": [(k.code, k.display) for k in all_kinds()],
            "counts": _labelled(selectors.status_counts(selectors.outbox_for(user))),
            "may_resend": may_resend(user),
        },
    )


@outbox_page
@require_POST
def resend(request, pk: int):
    n = selectors.get_for(request.user, pk)
    try:
        services.resend(user=request.user, notification=n)
    except ServiceError as exc:
        for errors in exc.errors.values():
            for e in errors:
                messages.error(request, e)
    else:
        messages.success(request, _("已重新排队发送"))
    return redirect(request.POST.get("next") or "notifications:outbox")


@resident_page
def mine(request):
    user = request.user
    if request.method == "POST":
        refuse_all = request.POST.get("refuse_all") == "1"
        wanted = {k.code for k in all_kinds() if k.opt_out and k.audience == "resident"}
        accepted = set(request.POST.getlist("accept"))
        services.set_preferences(user=user, refuse_all=refuse_all, refused=wanted - accepted)
        messages.success(request, _("消息设置已保存"))
        return redirect("notifications:mine")
    refused = services.refused_kinds(user)
    page_obj = paginate(request, selectors.mine(user).order_by("-created_at", "-id"))
    kinds = [
        {"code": k.code, "label": k.display, "on": k.code not in refused}
        for k in all_kinds()
        if k.opt_out and k.audience == "resident"
    ]
    return render(
        request,
        "notifications/mine.html",
        {
            "page_obj": page_obj,
            "rows": [{"n": n, "kind": label(n.kind)} for n in page_obj],
            "kinds": kinds,
            "refuse_all": "" in refused,
        },
    )

"""Pages of the complaints register (plain forms, phone friendly), the resident's own
complaints, the statistics with their Excel export, and the workbench card."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core import sheets
from minzheng.core.errors import ServiceError
from minzheng.people.selectors import masked_name, masked_phone
from minzheng.regions.models import Region
from minzheng.units.models import Unit
from minzheng.web.views.base import apply_service_error, page, paginate

from . import deadlines, forms, selectors, services, sources, stats, subjects
from .models import Category, Channel, Status
from .permissions import is_resident, may_file, may_handle, may_read, may_use, shows_personal_data

register_page = page(check=may_read)
file_page = page(check=lambda u: may_file(u) and not is_resident(u))
resident_page = page(check=is_resident)
any_page = page(check=may_use)


def _owner_regions(user, *, everywhere: bool = False):
    qs = Region.objects.filter(kind="statutory", level__in=services.OWNER_LEVELS)
    if not everywhere:
        from minzheng.core.scope import scope_paths

        paths = scope_paths(user)
        if paths is not None:
            from django.db.models import Q

            q = Q(pk__in=[])
            for p in paths:
                q |= Q(path__startswith=p)
            qs = qs.filter(q)
    return [("", "—")] + [(r.code, r.name) for r in qs.order_by("path")[:400]]


def _unit_choices():
    return [("", "—")] + [(u.code, u.name) for u in Unit.objects.filter(active=True)]


def _shown(user, c) -> tuple[str, str]:
    if c.anonymous:
        return _("匿名"), ""
    if shows_personal_data(user) or c.filer_id == user.pk:
        return c.complainant_name, c.complainant_phone
    return masked_name(c.complainant_name), masked_phone(c.complainant_phone)


@register_page
def complaint_list(request):
    user = request.user
    g = request.GET
    status = g.get("status", "") if g.get("status", "") in Status.values else ""
    category = g.get("category", "") if g.get("category", "") in Category.values else ""
    channel = g.get("channel", "") if g.get("channel", "") in Channel.values else ""
    overdue = g.get("overdue") == "1"
    qs = selectors.complaints_for(
        user, status=status, category=category, channel=channel, overdue=overdue
    )
    rows = paginate(request, qs)
    today = timezone.localdate()
    for c in rows:
        c.shown_name = _shown(user, c)[0]
        c.flag = deadlines.flag(c, today)
    others = []
    for source in sources.sources():
        found = source.rows(user)
        if found:
            others.append({"label": source.label, "rows": found})
    return render(
        request,
        "complaints/list.html",
        {
            "rows": rows,
            "status": status,
            "category": category,
            "channel": channel,
            "overdue": overdue,
            "statuses": Status.choices,
            "categories": Category.choices,
            "channels": Channel.choices,
            "may_file": may_file(user),
            "others": others,
        },
    )


@file_page
def complaint_new(request):
    user = request.user
    form = forms.StaffComplaintForm(request.POST or None)
    form.fields["owner_region_code"].choices = _owner_regions(user)
    form.fields["owner_unit_code"].choices = _unit_choices()
    if request.method == "POST" and form.is_valid():
        try:
            c = services.file_complaint(user=user, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已登记信访投诉 %(n)s") % {"n": c.number})
            return redirect("complaints:detail", c.pk)
    return render(
        request, "complaints/new.html", {"form": form}, status=422 if form.errors else 200
    )


@resident_page
def my_complaints(request):
    user = request.user
    form = forms.OnlineComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            c = services.file_complaint(user=user, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("投诉已提交，编号 %(n)s") % {"n": c.number})
            return redirect("complaints:detail", c.pk)
    return render(
        request,
        "complaints/mine.html",
        {"form": form, "rows": list(selectors.mine(user)[:50])},
        status=422 if form.errors else 200,
    )


ACTION_FORMS = {
    "accept": forms.OnForm,
    "decline": forms.ReasonForm,
    "transfer": forms.TransferForm,
    "extend": forms.ExtendForm,
    "investigate": forms.InvestigateForm,
    "reply": forms.ReplyForm,
    "rate": forms.RateForm,
    "close": forms.CloseForm,
    "review": forms.ReviewForm,
    "review_result": forms.ReviewResultForm,
}


def _context(request, c, bound: dict | None = None) -> dict:
    user = request.user
    bound = bound or {}
    name, phone = _shown(user, c)
    built = {}
    for key, cls in ACTION_FORMS.items():
        form = bound.get(key) or cls(prefix=key)
        if key == "transfer":
            form.fields["to_region_code"].choices = _owner_regions(user, everywhere=True)
            form.fields["to_unit_code"].choices = _unit_choices()
        built[key] = form
    subject = subjects.resolve(user, c.subject_kind, c.subject_id) if c.subject_kind else None
    resident = is_resident(user)
    return {
        "c": c,
        "name": name,
        "phone": phone,
        "flag": deadlines.flag(c, timezone.localdate()),
        "events": list(c.events.all()),
        "owned": not resident and may_handle(user) and selectors.is_owned_by(user, c),
        "resident": resident,
        "may_review": not resident and services.may_answer_review(user, c),
        "subject": subject,
        "subject_label": subjects.label(c.subject_kind),
        "forms": built,
    }


@any_page
def complaint_detail(request, pk: int):
    c = selectors.get_complaint(request.user, pk)
    return render(request, "complaints/detail.html", _context(request, c))


@any_page
def reply_letter(request, pk: int):
    c = selectors.get_complaint(request.user, pk)
    if not c.replied_on:
        raise Http404()
    response = HttpResponse(services.reply_letter_pdf(c), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{c.number}.pdf"'
    return response


@any_page
@require_POST
def complaint_action(request, pk: int, action: str):
    user = request.user
    c = selectors.get_complaint(user, pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404()
    form = form_class(request.POST, prefix=action)
    if action == "transfer":
        form.fields["to_region_code"].choices = _owner_regions(user, everywhere=True)
        form.fields["to_unit_code"].choices = _unit_choices()
    if form.is_valid():
        d = form.cleaned_data
        calls = {
            "accept": lambda: services.accept(user=user, complaint=c, on=d.get("on")),
            "decline": lambda: services.decline(user=user, complaint=c, reason=d["reason"]),
            "transfer": lambda: services.transfer(user=user, complaint=c, **d),
            "extend": lambda: services.extend(user=user, complaint=c, **d),
            "investigate": lambda: services.investigate(user=user, complaint=c, **d),
            "reply": lambda: services.reply(
                user=user, complaint=c, text=d["reply"], on=d.get("on")
            ),
            "rate": lambda: services.rate(user=user, complaint=c, satisfaction=d["satisfaction"]),
            "close": lambda: services.close(user=user, complaint=c),
            "review": lambda: services.request_review(user=user, complaint=c, reason=d["reason"]),
            "review_result": lambda: services.answer_review(
                user=user, complaint=c, result=d["result"]
            ),
        }
        try:
            calls[action]()
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            if action == "transfer" and not selectors.complaints_for(user).filter(pk=pk).exists():
                return redirect("complaints:list")
            return redirect("complaints:detail", c.pk)
    c = selectors.get_complaint(user, pk)
    return render(
        request, "complaints/detail.html", _context(request, c, {action: form}), status=422
    )


# ---------------------------------------------------------------- statistics


def _stats_args(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if not 2000 <= year <= today.year + 1:
        year = today.year
    by = request.GET.get("by", "category")
    if by not in ("category", "region", "unit", "month"):
        by = "category"
    return year, by


@register_page
def statistics(request):
    year, by = _stats_args(request)
    rows = stats.table(request.user, year=year, by=by)
    totals = {k: sum(r[k] for r in rows) for k, _h in stats.COLUMNS[1:]}
    return render(
        request,
        "complaints/stats.html",
        {
            "year": year,
            "by": by,
            "rows": rows,
            "totals": totals,
            "bys": [
                ("category", _("按类别")),
                ("region", _("按承办地区")),
                ("unit", _("按承办单位")),
                ("month", _("按月份")),
            ],
        },
    )


@register_page
def statistics_xlsx(request):
    year, by = _stats_args(request)
    rows = stats.table(request.user, year=year, by=by)
    wb = sheets.workbook()
    ws = wb.active
    ws.title = str(year)
    sheets.append(ws, [_(h) for _k, h in stats.COLUMNS])
    for r in rows:
        sheets.append(ws, [r[k] for k, _h in stats.COLUMNS])
    response = HttpResponse(sheets.xlsx_bytes(wb), content_type=sheets.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="complaints-{year}-{by}.xlsx"'
    return response


# ---------------------------------------------------------------- workbench card


def widget_context(user):
    """Due soon and overdue complaints the user's office owns."""
    if not may_handle(user) or is_resident(user):
        return None
    today = timezone.localdate()
    owned = selectors.complaints_for(user).filter(selectors.owned_q(user))
    overdue = owned.filter(selectors.overdue_q(today))
    soon = owned.filter(selectors.due_soon_q(today))
    rows = list((overdue | soon).order_by("accept_due_on", "id")[:6])
    for c in rows:
        c.flag = deadlines.flag(c, today)
        c.due = deadlines.current_due(c)
    return {"overdue_count": overdue.count(), "soon_count": soon.count(), "rows": rows}

"""Pages of adoption registration: the bureau's list (notices, decisions due with their
deadlines), the application form, an application's page (notice, decision, certificate, quality
check), the statistics by month and county, and the workbench card."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.web.views.base import apply_service_error, page, paginate

from . import forms, selectors, services
from .api import statistics_of, statistics_response
from .models import Status
from .permissions import is_checker, is_registrar, may_read, may_see_statistics

desk_page = page(check=may_read)
stats_page = page(check=may_see_statistics)


@desk_page
def index(request):
    user = request.user
    today = timezone.localdate()
    return render(
        request,
        "adoption/index.html",
        {
            "today": today,
            "to_publish": list(selectors.notices_to_publish(user)),
            "under_notice": list(
                selectors.adoptions_for(user)
                .filter(status=Status.UNDER_NOTICE)
                .order_by("notice_ends_on")
            ),
            "due": list(selectors.decisions_due(user)),
            "rows": paginate(request, selectors.adoptions_for(user).order_by("-applied_on", "-id")),
            "may_register": is_registrar(user),
        },
    )


@desk_page
def apply(request):
    if not is_registrar(request.user):
        raise Http404()
    if request.method == "POST":
        form = forms.ApplyForm(request.POST)
        if form.is_valid():
            try:
                adoption = services.apply(user=request.user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已受理收养登记申请"))
                return redirect("adoption:detail", adoption.pk)
    else:
        form = forms.ApplyForm()
    return render(request, "adoption/apply.html", {"form": form})


FORMS = {"close": forms.CloseNoticeForm, "decide": forms.DecideForm, "check": forms.CheckForm}


def _detail(request, adoption, bound=None, status=200):
    bound = bound or {}
    today = timezone.localdate()
    return render(
        request,
        "adoption/detail.html",
        {
            "a": adoption,
            "today": today,
            "overdue": adoption.status == Status.PENDING
            and adoption.decision_due_on
            and adoption.decision_due_on < today,
            "may_register": is_registrar(request.user),
            "may_check": is_checker(request.user),
            "checks": list(adoption.checks.all()),
            "forms": {k: bound.get(k) or cls(prefix=k) for k, cls in FORMS.items()},
        },
        status=status,
    )


@desk_page
def detail(request, pk: int):
    return _detail(request, selectors.get_adoption(request.user, pk))


@desk_page
def certificate(request, pk: int):
    adoption = selectors.get_adoption(request.user, pk)
    if adoption.status != Status.APPROVED:
        raise Http404()
    response = HttpResponse(services.certificate_pdf(adoption), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{adoption.certificate_no}.pdf"'
    return response


@desk_page
@require_POST
def act(request, pk: int, action: str):
    user = request.user
    adoption = selectors.get_adoption(user, pk)
    if action == "publish":
        try:
            services.publish_notice(user=user, adoption=adoption)
            messages.success(request, _("已发布查找生父母公告"))
        except ServiceError as exc:
            messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
        return redirect("adoption:detail", pk)
    cls = FORMS.get(action)
    if cls is None:
        raise Http404()
    form = cls(request.POST, prefix=action)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "close":
                services.close_notice(user=user, adoption=adoption, **data)
                messages.success(request, _("公告已结束"))
            elif action == "decide":
                a = services.decide(
                    user=user,
                    adoption=adoption,
                    approve=data["approve"] == "1",
                    reason=data["reason"],
                )
                messages.success(
                    request,
                    _("准予登记，收养登记证字号 %(no)s") % {"no": a.certificate_no}
                    if a.status == Status.APPROVED
                    else _("已作出不予登记决定"),
                )
            else:
                services.record_check(
                    user=user,
                    adoption=adoption,
                    passed=data["passed"] == "1",
                    defect=data["defect"],
                )
                messages.success(request, _("已记录检查结论"))
            return redirect("adoption:detail", pk)
        except ServiceError as exc:
            apply_service_error(form, exc)
            for key in ("on", "status", "adoption"):
                for m in exc.errors.get(key, []):
                    form.add_error(None, m)
    return _detail(request, adoption, {action: form}, status=422)


def registrar_widget_context(user):
    if not is_registrar(user) or user.is_superuser:
        return None
    today = timezone.localdate()
    due = selectors.decisions_due(user)
    return {
        "today": today,
        "to_publish": selectors.notices_to_publish(user).count(),
        "notices": list(selectors.notices_ending(user, today).order_by("notice_ends_on")[:5]),
        "under_notice": selectors.adoptions_for(user).filter(status=Status.UNDER_NOTICE).count(),
        "due": list(due[:5]),
        "due_count": due.count(),
        "overdue": due.filter(decision_due_on__lt=today).count(),
    }


@stats_page
def statistics(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 1950), 2100)
    stats = statistics_of(request.user, year)
    if request.GET.get("format") == "xlsx":
        return statistics_response(stats)
    return render(
        request,
        "adoption/statistics.html",
        {
            "stats": stats,
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "may_read": may_read(request.user),
        },
    )

"""Pages of marriage registration: the registrar's desk (today's appointments, divorces due for
confirmation, the register form), a marriage's page (certificates, divorce, supplementary
certificate, annulment, archive, quality check), statistics, the resident's booking page, and
the workbench cards."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.regions.models import Region
from minzheng.web.views.base import apply_service_error, page, paginate

from . import forms, selectors, services
from .api import archive_response, statistics_workbook
from .models import Certificate, MarriageStatus
from .permissions import (
    is_checker,
    is_registrar,
    is_resident,
    may_read_records,
    may_see_statistics,
)

desk_page = page(check=may_read_records)
stats_page = page(check=may_see_statistics)
resident_page = page(check=is_resident, message=_("仅限居民本人预约"))


def _counties():
    return [
        (r.code, _("%(county)s婚姻登记处") % {"county": r.name})
        for r in Region.objects.filter(level="county", kind="statutory").order_by("code")
    ]


@desk_page
def index(request):
    user = request.user
    today = timezone.localdate()
    query = request.GET.get("q", "").strip()[:32]
    marriages = selectors.marriages_for(user)
    if query:
        marriages = marriages.filter(certificate_no__icontains=query)
    unchecked = request.GET.get("unchecked") == "1"
    if unchecked:
        marriages = marriages.filter(checks__isnull=True)
    return render(
        request,
        "marriage/index.html",
        {
            "today": today,
            "appointments": list(selectors.day_appointments(user, today)),
            "due": list(selectors.due_for_confirmation(user, today).order_by("confirm_by")),
            "cooling": list(
                selectors.cooling_divorces(user)
                .filter(cooling_ends_on__gte=today)
                .order_by("cooling_ends_on")[:20]
            ),
            "marriages": paginate(request, marriages.order_by("-registered_on", "-id")),
            "query": query,
            "unchecked": unchecked,
            "may_register": is_registrar(user),
            "may_check": is_checker(user),
        },
    )


@desk_page
def register(request):
    user = request.user
    if not is_registrar(user):
        raise Http404()
    appointment = None
    if request.GET.get("appointment") or request.POST.get("appointment"):
        try:
            pk = int(request.GET.get("appointment") or request.POST.get("appointment"))
        except ValueError:
            raise Http404() from None
        appointment = selectors.get_appointment(user, pk)
    if request.method == "POST":
        form = forms.RegisterForm(request.POST)
        if form.is_valid():
            try:
                marriage = services.register_marriage(
                    user=user,
                    appointment=appointment,
                    **{k: v for k, v in form.cleaned_data.items() if k != "kinship"},
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("结婚登记完成，结婚证字号 %(no)s") % {"no": marriage.certificate_no},
                )
                return redirect("marriage:detail", marriage.pk)
    else:
        initial = {}
        if appointment is not None:
            person, partner = appointment.person, appointment.partner
            first, second = ("man", "woman") if person.sex == "M" else ("woman", "man")
            initial[f"{first}_name"] = person.name
            if partner is not None:
                initial[f"{second}_name"] = partner.name
        form = forms.RegisterForm(initial=initial)
    return render(request, "marriage/register.html", {"form": form, "appointment": appointment})


DETAIL_FORMS = {
    "divorce": forms.DivorceForm,
    "reissue": forms.ReissueForm,
    "annul": forms.AnnulmentForm,
    "archive": forms.ArchiveForm,
    "check": forms.CheckForm,
}


def _detail(request, marriage, bound=None, status=200):
    user = request.user
    bound = bound or {}
    return render(
        request,
        "marriage/detail.html",
        {
            "m": marriage,
            "certificates": list(marriage.certificates.select_related("replaces")),
            "divorces": list(marriage.divorces.all()),
            "archive": list(marriage.archive.all()),
            "checks": list(marriage.checks.all()),
            "annulment": getattr(marriage, "annulment", None),
            "married": marriage.status == MarriageStatus.MARRIED,
            "may_register": is_registrar(user),
            "may_check": is_checker(user),
            "forms": {k: bound.get(k) or cls(prefix=k) for k, cls in DETAIL_FORMS.items()},
        },
        status=status,
    )


@desk_page
def detail(request, pk: int):
    return _detail(request, selectors.get_marriage(request.user, pk))


@desk_page
@require_POST
def act(request, pk: int, action: str):
    user = request.user
    marriage = selectors.get_marriage(user, pk)
    cls = DETAIL_FORMS.get(action)
    if cls is None:
        raise Http404()
    form = cls(request.POST, request.FILES, prefix=action)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "divorce":
                divorce = services.apply_divorce(user=user, marriage=marriage, **data)
                messages.success(
                    request,
                    _("已受理离婚登记申请，冷静期至%(d)s届满")
                    % {"d": divorce.cooling_ends_on.isoformat()},
                )
                return redirect("marriage:divorce", divorce.pk)
            if action == "reissue":
                c = services.reissue_certificate(user=user, marriage=marriage, **data)
                messages.success(request, _("已补发证件，字号 %(no)s") % {"no": c.number})
            elif action == "annul":
                services.record_annulment(user=user, marriage=marriage, **data)
                messages.success(request, _("已记载婚姻无效或撤销"))
            elif action == "archive":
                services.upload_archive(
                    user=user, marriage=marriage, kind=data["kind"], uploaded_file=data["file"]
                )
                messages.success(request, _("已归档"))
            elif action == "check":
                services.record_check(
                    user=user,
                    marriage=marriage,
                    passed=data["passed"] == "1",
                    defect=data["defect"],
                )
                messages.success(request, _("已记录检查结论"))
            return redirect("marriage:detail", marriage.pk)
        except ServiceError as exc:
            apply_service_error(form, exc)
    return _detail(request, marriage, {action: form}, status=422)


@desk_page
def archive_file(request, pk: int, archive_pk: int):
    archive = selectors.get_archive(request.user, pk, archive_pk)
    return archive_response(services.open_archive(user=request.user, archive=archive), archive)


@desk_page
def certificate_pdf(request, pk: int):
    c = Certificate.objects.filter(pk=pk).select_related("marriage", "registry").first()
    if c is None or not selectors.marriages_for(request.user).filter(pk=c.marriage_id).exists():
        raise NotFoundOrOutOfScope()
    response = HttpResponse(services.certificate_pdf(c), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{c.number}.pdf"'
    return response


DIVORCE_FORMS = {"confirm": forms.ConfirmForm, "withdraw": forms.WithdrawForm}


def _divorce_page(request, divorce, bound=None, status=200):
    bound = bound or {}
    today = timezone.localdate()
    return render(
        request,
        "marriage/divorce.html",
        {
            "d": divorce,
            "today": today,
            "may_confirm": divorce.cooling_ends_on < today <= divorce.confirm_by,
            "may_register": is_registrar(request.user),
            "forms": {k: bound.get(k) or cls(prefix=k) for k, cls in DIVORCE_FORMS.items()},
        },
        status=status,
    )


@desk_page
def divorce(request, pk: int):
    return _divorce_page(request, selectors.get_divorce(request.user, pk))


@desk_page
@require_POST
def divorce_act(request, pk: int, action: str):
    user = request.user
    d = selectors.get_divorce(user, pk)
    cls = DIVORCE_FORMS.get(action)
    if cls is None:
        raise Http404()
    form = cls(request.POST, prefix=action)
    if form.is_valid():
        try:
            if action == "confirm":
                d = services.confirm_divorce(
                    user=user,
                    divorce=d,
                    confirmed_man=form.cleaned_data["confirmed_man"],
                    confirmed_woman=form.cleaned_data["confirmed_woman"],
                )
                messages.success(
                    request, _("离婚登记完成，离婚证字号 %(no)s") % {"no": d.certificate_no}
                )
            else:
                services.withdraw_divorce(user=user, divorce=d, **form.cleaned_data)
                messages.success(request, _("已撤回离婚登记申请"))
            return redirect("marriage:divorce", d.pk)
        except ServiceError as exc:
            apply_service_error(form, exc)
            if "on" in exc.errors or "status" in exc.errors:
                for m in exc.errors.get("on", []) + exc.errors.get("status", []):
                    form.add_error(None, m)
    return _divorce_page(request, d, {action: form}, status=422)


@stats_page
def statistics(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 1950), 2100)
    stats = selectors.statistics(request.user, year)
    if request.GET.get("format") == "xlsx":
        data = statistics_workbook(
            {
                "year": year,
                "total_marriages": stats["total_marriages"],
                "total_divorces": stats["total_divorces"],
                "months": [
                    {"month": m, "marriages": a, "divorces": b} for m, a, b in stats["months"]
                ],
                "counties": [
                    {"code": c, "name": n, "marriages": a, "divorces": b}
                    for c, n, a, b in stats["counties"]
                ],
            }
        )
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="marriage-{year}.xlsx"'
        return response
    return render(
        request,
        "marriage/statistics.html",
        {"stats": stats, "year": year, "years": list(range(today.year, today.year - 5, -1))},
    )


# ---------------------------------------------------------------- resident


@resident_page
def book(request):
    user = request.user
    if request.method == "POST":
        form = forms.BookForm(request.POST)
        form.fields["registry_code"].choices = _counties()
        if form.is_valid():
            try:
                services.book_appointment(user=user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("预约成功，请按时携带身份证、户口簿到婚姻登记处办理"))
                return redirect("marriage:book")
    else:
        form = forms.BookForm()
        form.fields["registry_code"].choices = _counties()
        # The county of the resident's household registration (its code's first six digits).
        form.initial["registry_code"] = user.person.hukou_region.code[:6]
    return render(
        request,
        "marriage/book.html",
        {"form": form, "mine": list(selectors.appointments_for(user).order_by("-day")[:10])},
    )


@resident_page
@require_POST
def cancel(request, pk: int):
    appointment = selectors.get_appointment(request.user, pk)
    try:
        services.cancel_appointment(user=request.user, appointment=appointment)
        messages.success(request, _("已取消预约"))
    except ServiceError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    return redirect("marriage:book")


# ---------------------------------------------------------------- workbench cards


def registrar_widget_context(user):
    if not is_registrar(user) or user.is_superuser:
        return None
    today = timezone.localdate()
    return {
        "appointments": list(selectors.day_appointments(user, today)[:8]),
        "appointment_count": selectors.day_appointments(user, today).count(),
        "due": list(selectors.due_for_confirmation(user, today).order_by("confirm_by")[:5]),
        "due_count": selectors.due_for_confirmation(user, today).count(),
        "cooling": selectors.cooling_divorces(user).filter(cooling_ends_on__gte=today).count(),
    }


def resident_widget_context(user):
    if not is_resident(user):
        return None
    today = timezone.localdate()
    return {
        "appointments": list(
            selectors.appointments_for(user).filter(day__gte=today, status="booked")[:3]
        )
    }

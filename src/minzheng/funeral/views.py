"""Pages of funeral and burial management: the funeral home records cremations (from the deaths
its workbench lists), services, burials and claims; the bureau registers providers, cemeteries
and areas, assesses providers, approves claims and grants and exports the figures. Each form
posts to the services; an error comes back next to its field."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.core import sheets
from minzheng.core.errors import ServiceError
from minzheng.people.selectors import masked_name
from minzheng.regions.models import Region
from minzheng.web.views.base import apply_service_error, page, paginate

from . import forms, selectors, services, stats
from .models import Cemetery, Claim, Grant
from .permissions import is_funeral_home, may_manage, may_record, may_see

funeral_page = page(check=may_see)
home_page = page(check=may_record, message=gettext_lazy("只有殡葬服务机构工作人员可以办理"))
bureau_page = page(check=may_manage, message=gettext_lazy("只有县级以上民政部门可以办理"))


def _status(form) -> int:
    return 422 if form.errors else 200


# ---------------------------------------------------------------- workbench cards


def home_widget_context(user) -> dict | None:
    if not is_funeral_home(user):
        return None
    figures = selectors.home_counts(user)
    return figures or None


def bureau_widget_context(user) -> dict | None:
    if not may_see(user) or is_funeral_home(user):
        return None
    figures = selectors.bureau_counts(user)
    if not any(figures.values()):
        return None
    return figures


# ---------------------------------------------------------------- index


@funeral_page
def index(request):
    user = request.user
    context = {"is_home": is_funeral_home(user), "may_manage": may_manage(user)}
    if context["is_home"]:
        context["counts"] = selectors.home_counts(user)
        awaiting = selectors.awaiting_cremation(user).order_by("-death_date", "id")[:50]
        context["awaiting"] = awaiting
    else:
        context["counts"] = selectors.bureau_counts(user)
        context["rows"] = stats.county_rows(user, timezone.localdate())
    return render(request, "funeral/index.html", context)


# ---------------------------------------------------------------- cremations


@funeral_page
def cremation_list(request):
    user = request.user
    qs = selectors.cremations_for(user).order_by("-cremated_on", "-id")
    query = (request.GET.get("q") or "").strip()
    if query:
        qs = qs.filter(number__icontains=query)
    rows = paginate(request, qs)
    for c in rows:
        c.shown_name = c.person.name if is_funeral_home(user) else masked_name(c.person.name)
    return render(
        request,
        "funeral/cremation_list.html",
        {"rows": rows, "q": query, "may_record": may_record(user)},
    )


@home_page
def cremation_new(request):
    if request.method == "POST":
        form = forms.CremationForm(request.POST)
        if form.is_valid():
            try:
                cremation = services.record_cremation(user=request.user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(
                    request, _("已登记火化，火化证明编号 %(n)s") % {"n": cremation.number}
                )
                return redirect("funeral:cremation_detail", cremation.pk)
    else:
        form = forms.CremationForm(
            initial={
                "name": request.GET.get("name", "")[:64],
                "death_date": request.GET.get("death_date", "")[:10],
                "cremated_on": timezone.localdate(),
            }
        )
    return render(
        request,
        "funeral/cremation_new.html",
        {"form": form, "show_correct": "death_date" in form.errors},
        status=_status(form),
    )


@funeral_page
def cremation_detail(request, pk: int):
    user = request.user
    cremation = selectors.get_cremation(user, pk)
    full = is_funeral_home(user)
    return render(
        request,
        "funeral/cremation_detail.html",
        {
            "c": cremation,
            "shown_name": cremation.person.name if full else masked_name(cremation.person.name),
            "lines": cremation.services.select_related("claim"),
            "grant": Grant.objects.filter(cremation=cremation).first(),
            "total": sum(line.price_fen for line in cremation.services.all()),
        },
    )


@funeral_page
def certificate(request, pk: int):
    cremation = selectors.get_cremation(request.user, pk)
    response = HttpResponse(services.certificate_pdf(cremation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="cremation-{cremation.number}.pdf"'
    return response


# ---------------------------------------------------------------- burials


@funeral_page
def burial_list(request):
    user = request.user
    rows = paginate(request, selectors.burials_for(user).order_by("-buried_on", "-id"))
    for b in rows:
        b.shown_name = b.person.name if is_funeral_home(user) else masked_name(b.person.name)
    return render(
        request, "funeral/burial_list.html", {"rows": rows, "may_record": may_record(user)}
    )


@home_page
def burial_new(request):
    user = request.user
    cemeteries = selectors.cemeteries_for(user).filter(active=True).order_by("name")
    if request.method == "POST":
        form = forms.BurialForm(request.POST, cemeteries=cemeteries)
        if form.is_valid():
            data = form.cleaned_data
            try:
                burial = services.record_burial(
                    user=user,
                    id_number=data["id_number"],
                    name=data["name"],
                    kind=data["kind"],
                    buried_on=data["buried_on"],
                    cemetery=data["cemetery_id"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记安葬，编号 %(n)s") % {"n": burial.number})
                return redirect("funeral:burial_list")
    else:
        form = forms.BurialForm(initial={"buried_on": timezone.localdate()}, cemeteries=cemeteries)
    return render(request, "funeral/burial_new.html", {"form": form}, status=_status(form))


# ---------------------------------------------------------------- cemeteries


@funeral_page
def cemetery_list(request):
    user = request.user
    kind = request.GET.get("kind", "")
    qs = selectors.cemeteries_for(user)
    if kind in Cemetery.Kind.values:
        qs = qs.filter(kind=kind)
    return render(
        request,
        "funeral/cemetery_list.html",
        {
            "rows": paginate(request, qs),
            "kind": kind,
            "kinds": Cemetery.Kind.choices,
            "may_manage": may_manage(user),
        },
    )


@bureau_page
def cemetery_new(request):
    user = request.user
    providers = selectors.providers_for(user).filter(active=True).order_by("name")
    if request.method == "POST":
        form = forms.CemeteryForm(request.POST, providers=providers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.register_cemetery(
                    user=user,
                    name=data["name"],
                    kind=data["kind"],
                    region_code=data["region_code"],
                    operator=data["operator_id"],
                    capacity=data["capacity"],
                    built_on=data["built_on"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc, forms.REGION_FIELD)
            else:
                messages.success(request, _("已登记公墓"))
                return redirect("funeral:cemetery_list")
    else:
        form = forms.CemeteryForm(providers=providers)
    return render(request, "funeral/cemetery_new.html", {"form": form}, status=_status(form))


# ---------------------------------------------------------------- providers and assessments


@funeral_page
def provider_list(request):
    user = request.user
    year = timezone.localdate().year
    rows = list(selectors.providers_for(user))
    passed = dict(
        selectors.assessments_for(user).filter(year=year).values_list("provider_id", "passed")
    )
    for p in rows:
        p.assessed = passed.get(p.pk)
    return render(
        request,
        "funeral/provider_list.html",
        {"rows": rows, "year": year, "may_manage": may_manage(user)},
    )


@bureau_page
def provider_new(request):
    if request.method == "POST":
        form = forms.ProviderForm(request.POST)
        if form.is_valid():
            try:
                provider = services.register_provider(user=request.user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc, forms.REGION_FIELD)
            else:
                messages.success(request, _("已登记殡葬服务机构"))
                return redirect("funeral:provider_detail", provider.pk)
    else:
        form = forms.ProviderForm()
    return render(request, "funeral/provider_new.html", {"form": form}, status=_status(form))


@funeral_page
def provider_detail(request, pk: int):
    user = request.user
    provider = selectors.get_provider(user, pk)
    form = None
    if may_manage(user):
        form = forms.AssessmentForm(initial={"assessed_on": timezone.localdate()})
    if request.method == "POST":
        if not may_manage(user):
            raise Http404()
        form = forms.AssessmentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_assessment(
                    user=user,
                    provider=provider,
                    year=data["assessed_on"].year,
                    assessed_on=data["assessed_on"],
                    score=data["score"],
                    passed=data["passed"],
                    note=data["note"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记标准化检查结果"))
                return redirect("funeral:provider_detail", provider.pk)
    return render(
        request,
        "funeral/provider_detail.html",
        {
            "p": provider,
            "assessments": provider.assessments.all(),
            "cemeteries": provider.cemeteries.all(),
            "staff_count": provider.staff.count(),
            "may_manage": may_manage(user),
            "form": form,
        },
        status=_status(form) if form is not None else 200,
    )


@require_POST
@bureau_page
def provider_active(request, pk: int):
    """Stop a provider (it can then record nothing) or let it operate again."""
    provider = selectors.get_provider(request.user, pk)
    active = request.POST.get("active") == "1"
    services.set_provider_active(user=request.user, provider=provider, active=active)
    messages.success(request, _("已恢复运营") if active else _("已停止运营"))
    return redirect("funeral:provider_detail", provider.pk)


@bureau_page
def provider_accounts(request, pk: int):
    """The accounts bound to a provider: bind one by its user name, unbind one."""
    user = request.user
    provider = selectors.get_provider(user, pk)
    form = forms.BindForm()
    if request.method == "POST":
        form = forms.BindForm(request.POST)
        if form.is_valid():
            account = selectors.bindable_account(user, form.cleaned_data["username"])
            try:
                services.bind_account(user=user, provider=provider, account=account)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已关联账号"))
                return redirect("funeral:provider_accounts", provider.pk)
    return render(
        request,
        "funeral/provider_accounts.html",
        {
            "p": provider,
            "staff": provider.staff.select_related("user", "user__region").order_by(
                "user__username"
            ),
            "form": form,
        },
        status=_status(form),
    )


@require_POST
@bureau_page
def provider_unbind(request, pk: int, staff_pk: int):
    provider = selectors.get_provider(request.user, pk)
    staff = provider.staff.filter(pk=staff_pk).first()
    if staff is None:
        raise Http404()
    services.unbind_account(user=request.user, staff=staff)
    messages.success(request, _("已解除关联"))
    return redirect("funeral:provider_accounts", provider.pk)


# ---------------------------------------------------------------- areas


@funeral_page
def areas(request):
    user = request.user
    form = forms.AreaForm() if may_manage(user) else None
    if request.method == "POST":
        if not may_manage(user):
            raise Http404()
        form = forms.AreaForm(request.POST)
        if form.is_valid():
            try:
                services.set_area(user=user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc, forms.REGION_FIELD)
            else:
                messages.success(request, _("已设定殡葬改革区域"))
                return redirect("funeral:areas")
    return render(
        request,
        "funeral/areas.html",
        {"rows": selectors.area_settings_for(user), "form": form},
        status=_status(form) if form is not None else 200,
    )


# ---------------------------------------------------------------- claims and grants


def _counties():
    return Region.objects.filter(level=Region.Level.COUNTY).order_by("code")


@funeral_page
def claim_list(request):
    user = request.user
    counties = _counties()
    form = None
    if may_record(user):
        form = forms.ClaimForm(
            counties=counties, initial={"month": timezone.localdate().strftime("%Y-%m")}
        )
    if request.method == "POST":
        if not may_record(user):
            raise Http404()
        form = forms.ClaimForm(request.POST, counties=counties)
        if form.is_valid():
            try:
                claim = services.submit_claim(user=user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已提交结算申请：%(n)s 项") % {"n": claim.lines})
                return redirect("funeral:claim_list")
    status = request.GET.get("status", "")
    qs = selectors.claims_for(user)
    if status in Claim.Status.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "funeral/claim_list.html",
        {
            "rows": paginate(request, qs),
            "status": status,
            "statuses": Claim.Status.choices,
            "may_manage": may_manage(user),
            "form": form,
        },
        status=_status(form) if form is not None else 200,
    )


@require_POST
@funeral_page
def claim_decide(request, pk: int):
    claim = selectors.get_claim(request.user, pk)
    try:
        services.decide_claim(
            user=request.user,
            claim=claim,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        for msgs in exc.errors.values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, _("已审核结算申请"))
    return redirect("funeral:claim_list")


@funeral_page
def grant_list(request):
    user = request.user
    status = request.GET.get("status", "")
    qs = selectors.grants_for(user)
    if status in Grant.Status.values:
        qs = qs.filter(status=status)
    rows = paginate(request, qs)
    for g in rows:
        g.shown_name = g.person.name if is_funeral_home(user) else masked_name(g.person.name)
    return render(
        request,
        "funeral/grant_list.html",
        {
            "rows": rows,
            "status": status,
            "statuses": Grant.Status.choices,
            "may_decide": may_manage(user),
        },
    )


@require_POST
@funeral_page
def grant_decide(request, pk: int):
    grant = selectors.get_grant(request.user, pk)
    try:
        services.decide_grant(
            user=request.user,
            grant=grant,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        for msgs in exc.errors.values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, _("已审核丧葬补助"))
    return redirect("funeral:grant_list")


# ---------------------------------------------------------------- statistics


@funeral_page
def export(request):
    user = request.user
    if is_funeral_home(user):
        raise Http404()
    on = timezone.localdate()
    wb = sheets.workbook()
    ws = wb.active
    ws.title = _("殡葬统计")
    sheets.append(ws, stats.header())
    for row in stats.county_rows(user, on):
        sheets.append(ws, stats.as_cells(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="funeral-{on:%Y%m%d}.xlsx"'
    return response

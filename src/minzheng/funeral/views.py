"""Pages of funeral and burial management: the funeral home records cremations (from the deaths
its workbench lists), services, burials and claims; the bureau registers providers, cemeteries
and areas, assesses providers, approves claims and grants and exports the figures. Each form
posts to the services; an error comes back next to its field."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.core import sheets
from minzheng.core.errors import ServiceError
from minzheng.people.selectors import masked_name
from minzheng.regions.models import Region
from minzheng.web.views.base import page, paginate

from . import selectors, services, stats
from .models import BASIC_ITEMS, AreaKind, BurialKind, Cemetery, Claim, Grant, Provider, ServiceItem
from .permissions import is_funeral_home, may_manage, may_record, may_see

funeral_page = page(check=may_see)
home_page = page(check=may_record, message=gettext_lazy("只有殡葬服务机构工作人员可以办理"))
bureau_page = page(check=may_manage, message=gettext_lazy("只有县级以上民政部门可以办理"))


def _date(post, name: str, errors: dict, *, required=True) -> dt.date | None:
    text = (post.get(name) or "").strip()
    if not text:
        if required:
            errors[name] = [_("请填写日期")]
        return None
    try:
        value = parse_date(text)
    except ValueError:
        value = None
    if value is None:
        errors[name] = [_("日期格式应为 YYYY-MM-DD")]
    return value


def _int(post, name: str, errors: dict) -> int | None:
    text = (post.get(name) or "").strip()
    if not text.isdigit() or len(text) > 7:
        errors[name] = [_("请填写整数")]
        return None
    return int(text)


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
    values = {
        "id_number": "",
        "name": request.GET.get("name", "")[:64],
        "death_date": request.GET.get("death_date", "")[:10],
        "cremated_on": timezone.localdate().isoformat(),
        "family_contact": "",
        "family_phone": "",
    }
    items = list(BASIC_ITEMS)
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        values = {k: (post.get(k) or "").strip() for k in values}
        items = [i for i in post.getlist("items") if i in ServiceItem.values]
        death_date = _date(post, "death_date", errors)
        cremated_on = _date(post, "cremated_on", errors)
        if not errors:
            try:
                cremation = services.record_cremation(
                    user=request.user,
                    id_number=values["id_number"],
                    name=values["name"],
                    death_date=death_date,
                    cremated_on=cremated_on,
                    family_contact=values["family_contact"],
                    family_phone=values["family_phone"],
                    items=items,
                    correct_death_date=post.get("correct_death_date") == "1",
                )
            except ServiceError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request, _("已登记火化，火化证明编号 %(n)s") % {"n": cremation.number}
                )
                return redirect("funeral:cremation_detail", cremation.pk)
    return render(
        request,
        "funeral/cremation_new.html",
        {
            "values": values,
            "items": items,
            "item_choices": ServiceItem.choices,
            "errors": errors,
            "show_correct": "death_date" in errors,
        },
        status=422 if errors else 200,
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
    values = {"id_number": "", "name": "", "kind": "tree", "cemetery_id": "", "buried_on": ""}
    values["buried_on"] = timezone.localdate().isoformat()
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        values = {k: (post.get(k) or "").strip() for k in values}
        buried_on = _date(post, "buried_on", errors)
        cemetery = None
        if values["cemetery_id"]:
            if not values["cemetery_id"].isdigit():
                errors["cemetery_id"] = [_("请选择公墓")]
            else:
                cemetery = cemeteries.filter(pk=int(values["cemetery_id"])).first()
                if cemetery is None:
                    errors["cemetery_id"] = [_("请选择公墓")]
        if not errors:
            try:
                burial = services.record_burial(
                    user=user,
                    id_number=values["id_number"],
                    name=values["name"],
                    kind=values["kind"],
                    buried_on=buried_on,
                    cemetery=cemetery,
                )
            except ServiceError as exc:
                errors = exc.errors
            else:
                messages.success(request, _("已登记安葬，编号 %(n)s") % {"n": burial.number})
                return redirect("funeral:burial_list")
    return render(
        request,
        "funeral/burial_new.html",
        {
            "values": values,
            "errors": errors,
            "kinds": BurialKind.choices,
            "cemeteries": cemeteries,
        },
        status=422 if errors else 200,
    )


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
    providers = selectors.providers_for(user).filter(active=True)
    values = {
        "name": "",
        "kind": Cemetery.Kind.VILLAGE_ECO,
        "region_code": "",
        "operator_id": "",
        "capacity": "",
        "built_on": "",
    }
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        values = {k: (post.get(k) or "").strip() for k in values}
        built_on = _date(post, "built_on", errors)
        capacity = _int(post, "capacity", errors)
        operator = (
            providers.filter(pk=int(values["operator_id"])).first()
            if values["operator_id"].isdigit()
            else None
        )
        if operator is None:
            errors["operator_id"] = [_("请选择经营管理单位")]
        if not errors:
            try:
                services.register_cemetery(
                    user=user,
                    name=values["name"],
                    kind=values["kind"],
                    region_code=values["region_code"],
                    operator=operator,
                    capacity=capacity,
                    built_on=built_on,
                )
            except ServiceError as exc:
                errors = exc.errors
            else:
                messages.success(request, _("已登记公墓"))
                return redirect("funeral:cemetery_list")
    return render(
        request,
        "funeral/cemetery_new.html",
        {
            "values": values,
            "errors": errors,
            "kinds": Cemetery.Kind.choices,
            "providers": providers,
        },
        status=422 if errors else 200,
    )


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
    values = {
        "name": "",
        "kind": Provider.Kind.FUNERAL_HOME,
        "region_code": "",
        "licence_number": "",
        "licence_valid_until": "",
        "address": "",
        "phone": "",
    }
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        values = {k: (post.get(k) or "").strip() for k in values}
        valid_until = _date(post, "licence_valid_until", errors)
        if not errors:
            try:
                provider = services.register_provider(
                    user=request.user, **(values | {"licence_valid_until": valid_until})
                )
            except ServiceError as exc:
                errors = exc.errors
            else:
                messages.success(request, _("已登记殡葬服务机构"))
                return redirect("funeral:provider_detail", provider.pk)
    return render(
        request,
        "funeral/provider_new.html",
        {"values": values, "errors": errors, "kinds": Provider.Kind.choices},
        status=422 if errors else 200,
    )


@funeral_page
def provider_detail(request, pk: int):
    user = request.user
    provider = selectors.get_provider(user, pk)
    errors: dict = {}
    year = timezone.localdate().year
    if request.method == "POST":
        if not may_manage(user):
            raise Http404()
        post = request.POST
        assessed_on = _date(post, "assessed_on", errors)
        score = _int(post, "score", errors)
        if not errors:
            try:
                services.record_assessment(
                    user=user,
                    provider=provider,
                    year=assessed_on.year,
                    assessed_on=assessed_on,
                    score=score,
                    passed=post.get("passed") == "1",
                    note=post.get("note", ""),
                )
            except ServiceError as exc:
                errors = exc.errors
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
            "may_manage": may_manage(user),
            "errors": errors,
            "today": timezone.localdate().isoformat(),
            "year": year,
        },
        status=422 if errors else 200,
    )


# ---------------------------------------------------------------- areas


@funeral_page
def areas(request):
    user = request.user
    errors: dict = {}
    if request.method == "POST":
        if not may_manage(user):
            raise Http404()
        try:
            services.set_area(
                user=user,
                region_code=request.POST.get("region_code", ""),
                kind=request.POST.get("kind", ""),
                reason=request.POST.get("reason", ""),
            )
        except ServiceError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("已设定殡葬改革区域"))
            return redirect("funeral:areas")
    from .models import AreaSetting

    rows = AreaSetting.objects.select_related("region").order_by("region__code")
    if not (user.is_superuser or user.role == "admin"):
        from minzheng.core.scope import scope_q

        rows = rows.filter(scope_q(user, "region"))
    return render(
        request,
        "funeral/areas.html",
        {
            "rows": rows,
            "kinds": AreaKind.choices,
            "may_manage": may_manage(user),
            "errors": errors,
            "values": request.POST if errors else {},
        },
        status=422 if errors else 200,
    )


# ---------------------------------------------------------------- claims and grants


def _counties():
    return Region.objects.filter(level=Region.Level.COUNTY).order_by("code")


@funeral_page
def claim_list(request):
    user = request.user
    errors: dict = {}
    if request.method == "POST":
        if not may_record(user):
            raise Http404()
        month = (
            parse_date((request.POST.get("month") or "") + "-01")
            if request.POST.get("month")
            else None
        )
        try:
            claim = services.submit_claim(
                user=user, county_code=request.POST.get("county_code", ""), month=month
            )
        except (ServiceError, ValueError) as exc:
            errors = (
                exc.errors if isinstance(exc, ServiceError) else {"month": [_("请选择服务月份")]}
            )
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
            "may_record": may_record(user),
            "may_manage": may_manage(user),
            "counties": _counties(),
            "errors": errors,
            "month": timezone.localdate().strftime("%Y-%m"),
        },
        status=422 if errors else 200,
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

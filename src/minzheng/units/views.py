"""Pages of units: the list and management (administrators, city sections), a unit's scorecard
(its targets, score, reports to make and returned), reporting with evidence, the review of a
unit's report, cascading a target to units, and the unit staff's workbench card."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.regions.models import Region
from minzheng.targets import indicators
from minzheng.targets import permissions as target_permissions
from minzheng.targets import selectors as target_selectors
from minzheng.targets import services as target_services
from minzheng.targets.forms import ReportForm
from minzheng.targets.models import ReportedValue
from minzheng.targets.views import chosen_indicator, report_forms
from minzheng.web.views.base import apply_service_error, page

from . import selectors, services
from .forms import AssignForm, StaffForm, UnitEditForm, UnitForm
from .models import Unit

units_page = page(check=selectors.may_use_units)


def _date_param(request) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return None


def _int_param(request, name: str) -> int | None:
    raw = request.GET.get(name, "")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise NotFoundOrOutOfScope() from None


@units_page
def index(request):
    user = request.user
    if not target_permissions.may_view(user):
        # A unit's own staff have one unit: theirs.
        return mine(request)
    may_manage = target_permissions.may_manage_units(user, user.region)
    form = UnitForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        if not may_manage:
            raise PermissionDeniedError(_("当前账号无权管理单位"))
        region = user.region or Region.objects.filter(level=Region.Level.CITY).first()
        if form.is_valid():
            data = form.cleaned_data
            try:
                unit = services.create_unit(
                    user=user,
                    code=data["code"],
                    name=data["name"],
                    kind=data["kind"],
                    region=region,
                    order=data["order"] or 0,
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已添加单位：%(name)s") % {"name": unit.name})
                return redirect("units:detail", code=unit.code)
    units = list(selectors.units_for(user).order_by("region__path", "order", "code"))
    staff_counts = selectors.staff_counts(units)
    for unit in units:
        unit.staff_count = staff_counts.get(unit.pk, 0)
    return render(
        request,
        "units/index.html",
        {"units": units, "form": form, "may_manage": may_manage},
    )


@units_page
def mine(request):
    unit = selectors.own_unit(request.user)
    if unit is None:
        raise NotFoundOrOutOfScope()
    return redirect("units:detail", code=unit.code)


@units_page
def detail(request, code):
    user = request.user
    unit = selectors.get_unit(user, code)
    plan = selectors.default_plan(user, unit, _int_param(request, "plan"))
    card = selectors.scorecard(user, unit, plan, _date_param(request)) if plan else None
    may_manage = target_permissions.may_manage_units(user, unit.region)
    return render(
        request,
        "units/detail.html",
        {
            "unit": unit,
            "plan": plan,
            "plans": selectors.plans_for_unit(user, unit),
            "card": card,
            "may_report": target_permissions.may_report_unit(user, unit),
            "may_manage": may_manage,
            "staff": selectors.staff_of(unit) if may_manage or user.unit_id == unit.pk else [],
            "edit_form": UnitEditForm(
                initial={
                    "name": unit.name,
                    "kind": unit.kind,
                    "order": unit.order,
                    "active": unit.active,
                }
            )
            if may_manage
            else None,
            "staff_form": StaffForm(accounts=selectors.assignable_accounts(user, unit))
            if may_manage
            else None,
            "reviews": [
                r for r in selectors.pending_unit_reviews(user) if r.org_unit_id == unit.pk
            ],
        },
    )


@units_page
@require_POST
def edit(request, code):
    user = request.user
    unit = selectors.get_unit(user, code)
    form = UnitEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_unit(
                user=user,
                unit=unit,
                name=data["name"],
                kind=data["kind"],
                order=data["order"],
                active=data["active"],
            )
        except ServiceError as exc:
            messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
        else:
            messages.success(request, _("单位信息已保存"))
    else:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect("units:detail", code=unit.code)


@units_page
@require_POST
def staff(request, code):
    user = request.user
    unit = selectors.get_unit(user, code)
    if not target_permissions.may_manage_units(user, unit.region):
        raise PermissionDeniedError(_("当前账号无权管理单位"))
    form = StaffForm(request.POST, accounts=selectors.assignable_accounts(user, unit))
    if form.is_valid():
        account = selectors.account_for_assignment(user, form.cleaned_data["username"], unit)
        remove = form.cleaned_data["action"] == "remove"
        if remove and account.unit_id != unit.pk:
            messages.error(request, _("该账号不在本单位"))
            return redirect("units:detail", code=unit.code)
        try:
            services.assign_staff(
                user=user, account=account, unit=None if remove else unit, region=unit.region
            )
        except ServiceError as exc:
            messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
        else:
            messages.success(request, _("已调整账号所在单位"))
    else:
        messages.error(request, _("请选择账号"))
    return redirect("units:detail", code=unit.code)


def _indicator_choices(unit: Unit) -> list[tuple[str, str]]:
    return [(i.code, f"{i.name}（{i.unit}）") for i in selectors.reported_indicators(unit)]


@units_page
def report_submit(request, code):
    user = request.user
    unit = selectors.get_unit(user, code)
    if not target_permissions.may_report_unit(user, unit):
        raise PermissionDeniedError(_("只有本单位工作人员可以填报本单位的数据"))
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        indicator_choices=_indicator_choices(unit),
        region_choices=[(unit.code, unit.name)],
        initial={
            "indicator": request.GET.get("indicator", ""),
            "region": unit.code,
            "as_of": timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = target_services.submit_report(
                user=user, region=unit.region, unit=unit, **form.figures()
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已提交，待市局审核"))
            return redirect("units:report_detail", code=unit.code, pk=report.pk)
    return render(
        request,
        "units/report_form.html",
        {"unit": unit, "form": form, "indicator": chosen_indicator(request, form)},
    )


@units_page
def report_detail(request, code, pk):
    user = request.user
    unit = selectors.get_unit(user, code)
    report = selectors.get_unit_report(user, unit, pk)
    review_form, evidence_form, done = report_forms(request, report)
    if done:
        return redirect("units:report_detail", code=unit.code, pk=report.pk)
    submitted = report.status == ReportedValue.Status.SUBMITTED
    return render(
        request,
        "units/report_detail.html",
        {
            "unit": unit,
            "report": report,
            "indicator": indicators.get(report.indicator)
            if indicators.exists(report.indicator)
            else None,
            "may_review": submitted and target_permissions.may_review(user, report),
            "may_add_evidence": submitted and target_permissions.may_report_unit(user, unit),
            "may_report": target_permissions.may_report_unit(user, unit),
            "review_form": review_form,
            "evidence_form": evidence_form,
        },
    )


@units_page
def evidence_download(request, code, pk):
    unit = selectors.get_unit(request.user, code)
    evidence = selectors.get_unit_evidence(request.user, unit, pk)
    return FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name
    )


@units_page
def assign(request, target_pk):
    """Cascade a target to units of its region (plan managers)."""
    user = request.user
    target = target_selectors.get_target(user, target_pk)
    if not (
        target_permissions.may_manage_plan(user, target.plan.region)
        or target_permissions.may_allocate(user, target)
    ):
        raise PermissionDeniedError(_("当前账号无权分解该目标"))
    units = selectors.units_of_region(user, target.region)
    current = {c.org_unit_id: c.value for c in target_selectors.unit_shares(target)}
    form = AssignForm(request.POST or None, units=units, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            target_services.assign_to_units(
                user=user,
                target=target,
                shares=form.shares(),
                replace=form.cleaned_data["replace"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已分解到单位"))
            return redirect("targets:target_detail", pk=target.pk)
    return render(
        request,
        "units/assign.html",
        {
            "target": target,
            "form": form,
            "indicator": indicators.get(target.indicator)
            if indicators.exists(target.indicator)
            else None,
        },
    )


def workbench_context(user) -> dict | None:
    """The unit's own card: its targets, reports due and reports returned (its staff only)."""
    if user is None or not user.is_authenticated or not user.unit_id:
        return None
    unit = selectors.own_unit(user)
    if unit is None:
        return None
    plan = selectors.default_plan(user, unit)
    if plan is None:
        return None
    card = selectors.scorecard(user, unit, plan)
    return {
        "unit": unit,
        "plan": plan,
        "card": card,
        "may_report": target_permissions.may_report_unit(user, unit),
    }

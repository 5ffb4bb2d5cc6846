"""Pages of the special-care benefits (/specialcare/benefits/): the county approver's list of
recipients due a pension (confirm one, or every due one of the county), the pensions in force,
this year's conscript-family benefits (issue them), the medical guarantees and the one-off grants
(record one from a recipient's row). Plain forms, phone friendly; every read is scoped."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.money import yuan_str, yuan_to_fen
from minzheng.web.views.base import page, paginate

from . import benefit_selectors as selectors
from . import benefits
from .benefit_api import county_for
from .jobs import enqueue_confirm_due
from .models import GrantKind, GuaranteeKind

benefits_page = page(check=selectors.may_see)
TABS = ("due", "pensions", "conscript", "guarantees", "grants")


def _errors(request, exc: ServiceError) -> None:
    messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))


@benefits_page
def index(request):
    user = request.user
    tab = request.GET.get("tab", "due")
    tab = tab if tab in TABS else "due"
    year = timezone.localdate().year
    context = {
        "tab": tab,
        "year": year,
        "may_confirm": selectors.may_confirm(user),
        "may_record": selectors.may_record_guarantee(user),
        "guarantee_kinds": GuaranteeKind.choices,
        "grant_kinds": GrantKind.choices,
        "due_count": selectors.with_pension_flag(
            selectors.recipients(user).filter(benefits.due_q())
        )
        .filter(has_pension=False, person__death_date__isnull=True)
        .count(),
    }
    if tab == "due":
        qs = (
            selectors.with_pension_flag(selectors.recipients(user).filter(benefits.due_q()))
            .filter(has_pension=False, person__death_date__isnull=True)
            .order_by("region__path", "id")
        )
    elif tab == "pensions":
        qs = selectors.live_pensions(user).order_by("recipient__region__path", "id")
    elif tab == "conscript":
        qs = selectors.conscript_benefits(user).filter(year=year).order_by("region__path", "id")
        context["conscript_due"] = (
            selectors.recipients(user)
            .filter(benefits.conscript_due_q())
            .exclude(conscript_benefits__year=year)
            .count()
        )
    elif tab == "guarantees":
        qs = selectors.guarantees(user).order_by("-year", "-id")
        context["medical_due"] = (
            selectors.recipients(user)
            .filter(benefits.medical_due_q())
            .exclude(medical_guarantees__year=year)
            .order_by("region__path", "id")[:50]
        )
    else:
        qs = selectors.grants(user).order_by("-id")
        context["grant_candidates"] = (
            selectors.recipients(user).filter(status="active").order_by("region__path", "id")[:200]
        )
    context["rows"] = paginate(request, qs)
    return render(request, "specialcare/benefits/index.html", context)


@require_POST
@benefits_page
def confirm(request, pk: int):
    recipient = selectors.get_recipient(request.user, pk)
    try:
        pension = benefits.confirm_pension(user=request.user, recipient=recipient)
    except ServiceError as exc:
        _errors(request, exc)
    else:
        e = pension.entitlement
        messages.success(
            request,
            _("已确认，定期抚恤补助自%(y)s年%(m)s月起每月发放 %(a)s 元")
            % {
                "y": e.start_month.year,
                "m": e.start_month.month,
                "a": yuan_str(e.monthly_amount_fen),
            },
        )
    return redirect("specialcare_benefits:index")


def _county(request):
    try:
        return county_for(request.user, request.POST.get("county_code", ""))
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from None


@require_POST
@benefits_page
def confirm_all(request):
    """Queue the county's bulk confirmation as a job and show its progress."""
    job = enqueue_confirm_due(user=request.user, county=_county(request))
    return redirect("web:job_detail", job.pk)


@require_POST
@benefits_page
def issue_conscript(request):
    year = timezone.localdate().year
    try:
        result = benefits.issue_conscript_benefits(
            user=request.user, county=_county(request), year=year
        )
    except ServiceError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("%(year)s年度义务兵家庭优待金：本次核发 %(issued)s 户") % result
        )
    return redirect(f"{_index_url()}?tab=conscript")


def _index_url() -> str:
    from django.urls import reverse

    return reverse("specialcare_benefits:index")


def _fen(value: str) -> int | None:
    try:
        return yuan_to_fen(value.strip())
    except Exception:  # noqa: BLE001 — any unreadable amount is a field error
        return None


@require_POST
@benefits_page
def record_guarantee(request, pk: int):
    recipient = selectors.get_recipient(request.user, pk)
    amount = _fen(request.POST.get("amount", "") or "0")
    try:
        benefits.record_guarantee(
            user=request.user,
            recipient=recipient,
            data={
                "year": timezone.localdate().year,
                "kind": request.POST.get("kind", ""),
                "amount_fen": amount if amount is not None else -1,
                "note": request.POST.get("note", ""),
            },
        )
    except ServiceError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已登记医疗保障"))
    return redirect(f"{_index_url()}?tab=guarantees")


@require_POST
@benefits_page
def create_grant(request):
    try:
        pk = int(request.POST.get("recipient", ""))
    except ValueError:
        messages.error(request, _("请选择优抚对象"))
        return redirect(f"{_index_url()}?tab=grants")
    recipient = selectors.get_recipient(request.user, pk)
    amount = _fen(request.POST.get("amount", ""))
    try:
        benefits.create_grant(
            user=request.user,
            recipient=recipient,
            kind=request.POST.get("kind", ""),
            amount_fen=amount if amount is not None else 0,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已核定一次性抚恤补助，转入一次性发放"))
    return redirect(f"{_index_url()}?tab=grants")


def widget_context(user) -> dict | None:
    """The county approver's workbench card: recipients due a pension not yet confirmed."""
    if not selectors.may_confirm(user) or user.is_superuser:
        return None
    due = (
        selectors.with_pension_flag(selectors.recipients(user).filter(benefits.due_q()))
        .filter(has_pension=False, person__death_date__isnull=True)
        .order_by("region__path", "id")
    )
    return {"count": due.count(), "rows": list(due[:5])}

"""Pages of charity: the charitable organisation's books (donations, receipts, uses, charity
payments after medical assistance, publicity), the city section's oversight (annual checks, the
one-day drive), the public page without login, and the workbench cards."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.web.views.base import apply_service_error, page, paginate

from . import forms, selectors, services
from .pdf import receipt_pdf
from .permissions import is_charity_account, may_oversee, may_recognise, may_use_charity

any_page = page(check=may_use_charity)
own_page = page(check=is_charity_account, message=_("仅限慈善组织账号"))
oversight_page = page(check=may_oversee)


def _errors_text(exc: ServiceError) -> str:
    return " ".join(m for ms in exc.errors.values() for m in ms)


def _year(request, default: int) -> int:
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if 2000 <= year <= default + 1 else default


# ---------------------------------------------------------------- the organisation's books


@any_page
def index(request):
    user = request.user
    if not is_charity_account(user):
        return overview(request)
    charity = selectors.own_charity(user)
    year = timezone.localdate().year
    this_year = charity.donations.filter(received_on__year=year)
    return render(
        request,
        "charity/index.html",
        {
            "charity": charity,
            "year": year,
            "year_fen": this_year.aggregate(s=Sum("amount_fen"))["s"] or 0,
            "balance_fen": selectors.unrestricted_balance(charity),
            "directed": selectors.directed_open(charity),
            "unreceipted": list(selectors.unreceipted(charity).order_by("-received_on")[:20]),
            "unpublished": list(selectors.unpublished_uses(charity).order_by("-used_on")),
            "donations": paginate(
                request,
                charity.donations.select_related("donor_person", "campaign").prefetch_related(
                    "receipts"
                ),
            ),
            "uses": list(
                charity.uses.select_related("beneficiary_person", "donation").order_by(
                    "-used_on", "-id"
                )[:30]
            ),
            "check": selectors.annual_check(charity, year),
        },
    )


def overview(request):
    user = request.user
    year = _year(request, timezone.localdate().year)
    rows = []
    for charity in selectors.charities_for(user).order_by("id"):
        totals = charity.donations.filter(received_on__year=year).aggregate(s=Sum("amount_fen"))
        spent = charity.uses.filter(used_on__year=year).aggregate(s=Sum("amount_fen"))
        rows.append(
            {
                "charity": charity,
                "received_fen": totals["s"] or 0,
                "spent_fen": spent["s"] or 0,
                "check": selectors.annual_check(charity, year),
            }
        )
    candidates = []
    if may_recognise(user):
        from minzheng.socialorgs import selectors as socialorgs_selectors

        candidates = list(
            socialorgs_selectors.organisations_for(user, status="registered")
            .filter(field="charity", charity__isnull=True)
            .order_by("name")[:300]
        )
    return render(
        request,
        "charity/overview.html",
        {"rows": rows, "year": year, "candidates": candidates, "today": timezone.localdate()},
    )


@page(check=lambda u: may_recognise(u))
@require_POST
def recognise(request):
    from minzheng.socialorgs import selectors as socialorgs_selectors

    wanted = request.POST.get("organisation", "")
    if not wanted.isdigit():
        messages.error(request, _("请选择社会组织"))
        return redirect("charity:index")
    organisation = socialorgs_selectors.get_organisation(request.user, int(wanted))
    try:
        charity = services.recognise(
            user=request.user,
            organisation=organisation,
            recognised_on=timezone.localdate(),
            public_fundraising=request.POST.get("public_fundraising") == "on",
        )
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("%(name)s已认定为慈善组织。") % {"name": charity.name})
    return redirect("charity:index")


@own_page
def donation_new(request):
    charity = selectors.own_charity(request.user)
    campaigns = list(charity.campaigns.order_by("-year", "id"))
    if request.method == "POST":
        form = forms.DonationRecordForm(request.POST, campaigns=campaigns)
        if form.is_valid():
            data = form.cleaned_data
            try:
                donation = services.record_donation(
                    user=request.user,
                    charity=charity,
                    donor_kind=data["donor_kind"],
                    donor_id_number=data["donor_id_number"],
                    donor_unit=data["donor_unit"],
                    public_anonymous=data["public_anonymous"],
                    form=data["form"],
                    amount_fen=forms.YuanField().fen(data["amount_yuan"]),
                    goods_description=data["goods_description"],
                    goods_quantity=data["goods_quantity"],
                    goods_unit=data["goods_unit"],
                    received_on=data["received_on"],
                    channel=data["channel"],
                    campaign_id=int(data["campaign_id"]) if data["campaign_id"] else None,
                    purpose=data["purpose"],
                    purpose_note=data["purpose_note"],
                    directed=data["directed"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc, {"amount_fen": "amount_yuan"})
            else:
                messages.success(request, _("捐赠已登记，请开具捐赠票据。"))
                return redirect("charity:donation_detail", donation.pk)
    else:
        form = forms.DonationRecordForm(
            campaigns=campaigns, initial={"received_on": timezone.localdate()}
        )
    return render(request, "charity/donation_new.html", {"form": form, "charity": charity})


@any_page
def donation_detail(request, pk: int):
    donation = selectors.get_donation(request.user, pk)
    own = is_charity_account(request.user)
    return render(
        request,
        "charity/donation_detail.html",
        {
            "donation": donation,
            "receipts": list(donation.receipts.order_by("-id")),
            "valid": selectors.valid_receipt(donation),
            "uses": list(donation.uses.select_related("beneficiary_person")),
            "own": own,
            "void_form": forms.VoidForm(),
        },
    )


@own_page
@require_POST
def donation_receipt(request, pk: int):
    donation = selectors.get_donation(request.user, pk)
    try:
        receipt = services.issue_receipt(user=request.user, donation=donation)
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已开具捐赠票据 %(n)s。") % {"n": receipt.number})
    return redirect("charity:donation_detail", donation.pk)


@own_page
@require_POST
def receipt_void(request, pk: int):
    receipt = selectors.get_receipt(request.user, pk)
    form = forms.VoidForm(request.POST)
    reason = form.data.get("reason", "")
    try:
        services.void_receipt(user=request.user, receipt=receipt, reason=reason)
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("票据 %(n)s 已作废，号码不再使用。") % {"n": receipt.number})
    return redirect("charity:donation_detail", receipt.donation_id)


@any_page
def receipt_download(request, pk: int):
    receipt = selectors.get_receipt(request.user, pk)
    response = HttpResponse(receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{receipt.number}.pdf"'
    return response


@own_page
def use_new(request):
    charity = selectors.own_charity(request.user)
    directed = selectors.directed_open(charity)
    if request.method == "POST":
        form = forms.UseRecordForm(request.POST, directed=directed)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_use(
                    user=request.user,
                    charity=charity,
                    category=data["category"],
                    project=data["project"],
                    beneficiary_id_number=data["beneficiary_id_number"],
                    beneficiary_unit=data["beneficiary_unit"],
                    amount_fen=forms.YuanField().fen(data["amount_yuan"]),
                    used_on=data["used_on"],
                    purpose=data["purpose"],
                    note=data["note"],
                    donation_id=int(data["donation_id"]) if data["donation_id"] else None,
                )
            except ServiceError as exc:
                apply_service_error(form, exc, {"amount_fen": "amount_yuan"})
            else:
                messages.success(request, _("善款使用已登记，公示后在公开页面显示。"))
                return redirect("charity:index")
    else:
        form = forms.UseRecordForm(directed=directed, initial={"used_on": timezone.localdate()})
    return render(request, "charity/use_new.html", {"form": form, "charity": charity})


@own_page
@require_POST
def publish(request):
    charity = selectors.own_charity(request.user)
    try:
        count = services.publish_uses(user=request.user, charity=charity)
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已公示 %(n)s 笔善款使用。") % {"n": count})
    return redirect("charity:index")


@own_page
def medical(request):
    charity = selectors.own_charity(request.user)
    bills = selectors.referred_bills(charity)
    directed = [d for d in selectors.directed_open(charity) if d.purpose == "medical"]
    chosen = None
    form = None
    bill_id = request.POST.get("bill") or request.GET.get("bill")
    if bill_id:
        chosen = next((b for b in bills if str(b.pk) == str(bill_id)), None)
        if chosen is None:
            raise Http404()
        if request.method == "POST":
            form = forms.MedicalPaymentForm(request.POST, directed=directed)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.record_use(
                        user=request.user,
                        charity=charity,
                        project=_("医疗救助后慈善救助"),
                        amount_fen=forms.YuanField().fen(data["amount_yuan"]),
                        used_on=data["used_on"],
                        purpose="medical",
                        donation_id=int(data["donation_id"]) if data["donation_id"] else None,
                        medical_bill_id=chosen.pk,
                    )
                except ServiceError as exc:
                    apply_service_error(form, exc, {"amount_fen": "amount_yuan"})
                else:
                    messages.success(request, _("慈善救助已登记。"))
                    return redirect("charity:medical")
        else:
            form = forms.MedicalPaymentForm(
                directed=directed, initial={"used_on": timezone.localdate()}
            )
    return render(
        request,
        "charity/medical.html",
        {"charity": charity, "bills": bills, "chosen": chosen, "form": form},
    )


# ---------------------------------------------------------------- oversight


@oversight_page
def checks(request):
    today = timezone.localdate()
    year = _year(request, today.year)
    return render(
        request,
        "charity/checks.html",
        {
            "year": year,
            "years": list(range(today.year, today.year - 4, -1)),
            "rows": selectors.annual_checks(request.user, year),
        },
    )


@any_page
def drives(request):
    today = timezone.localdate()
    year = _year(request, today.year)
    return render(
        request,
        "charity/drives.html",
        {
            "year": year,
            "years": list(range(today.year, today.year - 4, -1)),
            "drives": selectors.drives_for(request.user, year),
            "may_start": is_charity_account(request.user)
            and year == today.year
            and not selectors.own_charity(request.user)
            .campaigns.filter(kind="one_day", year=year)
            .exists(),
        },
    )


@own_page
@require_POST
def drive_start(request):
    charity = selectors.own_charity(request.user)
    year = timezone.localdate().year
    campaign = services.one_day_campaign(user=request.user, charity=charity, year=year)
    messages.success(
        request, _("%(name)s已发起，登记捐赠时可选择该活动。") % {"name": campaign.name}
    )
    return redirect("charity:drives")


# ---------------------------------------------------------------- public


def public(request):
    """Without login: per organisation and month, donations (donors masked or anonymous as they
    chose) and the published uses, with totals."""
    today = timezone.localdate()
    charities = list(selectors.public_charities().order_by("id"))
    charity = None
    wanted = request.GET.get("org", "")
    if wanted.isdigit():
        charity = next((c for c in charities if c.pk == int(wanted)), None)
    if charity is None and charities:
        charity = charities[0]
    month_text = request.GET.get("month", "")
    latest = selectors.latest_public_month(charity) if charity else None
    default = min(latest, today.replace(day=1)) if latest else today.replace(day=1)
    try:
        month = dt.date.fromisoformat(f"{month_text}-01") if month_text else default
    except ValueError:
        month = default
    if month > today:
        month = today.replace(day=1)
    data = selectors.public_month(charity, month.year, month.month) if charity else None
    months = []
    cursor = today.replace(day=1)
    for _i in range(24):
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor - dt.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "charity/public.html",
        {
            "charities": charities,
            "charity": charity,
            "month": month.strftime("%Y-%m"),
            "months": months,
            "data": data,
            "year_rows": selectors.public_year(charity, month.year) if charity else [],
            "year": month.year,
        },
    )


# ---------------------------------------------------------------- workbench cards


def charity_widget_context(user):
    if not is_charity_account(user):
        return None
    charity = selectors.own_charity(user)
    directed = selectors.directed_open(charity)
    return {
        "charity": charity,
        "unreceipted": selectors.unreceipted(charity).count(),
        "unpublished": selectors.unpublished_uses(charity).count(),
        "directed": len(directed),
        "directed_fen": sum(d.balance_fen for d in directed),
    }


def oversight_widget_context(user):
    if not may_oversee(user) or user.is_superuser:
        return None
    from minzheng.core.roles import Role, role_of

    if role_of(user) != Role.CITY_SECTION:
        return None
    year = timezone.localdate().year
    rows = selectors.annual_checks(user, year)
    if not rows:
        return None
    failing = [
        c
        for c, check in rows
        if c.public_fundraising and (check.charitable_ok is False or check.management_ok is False)
    ]
    drives = selectors.drives_for(user, year)
    return {
        "year": year,
        "charities": len(rows),
        "failing": len(failing),
        "drives": len(drives),
        "drive_fen": sum(d["total_fen"] for d in drives),
        "drive_units": sum(len(d["units"]) for d in drives),
    }

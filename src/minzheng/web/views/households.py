"""Households: list, detail with members and history, create, members in and out, bank account."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from minzheng.core import idcard
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.people import selectors, services

from ..forms import BankAccountForm, HouseholdForm, MemberAddForm, MemberEndForm
from ..selectors import age_on, filter_regions, household_audit_trail, search_households
from .base import (
    apply_service_error,
    is_resident,
    may_reveal,
    may_write,
    paginate,
    registry_page,
    write_page,
)


def _person_by_id_number(user, form, field: str):
    """The registered person in the user's regions with this full resident ID; otherwise a field
    error on the form and None."""
    try:
        number = idcard.parse(form.cleaned_data[field]).number
    except idcard.InvalidResidentId as exc:
        form.add_error(field, str(exc))
        return None
    person = selectors.search_people(user, number).first()
    if person is None:
        form.add_error(field, _("未找到该身份证号码对应的人员（须先登记，且在您的管辖范围内）"))
    return person


@registry_page
def household_list(request):
    user = request.user
    query = request.GET.get("q", "").strip()
    region_code = request.GET.get("region", "").strip()
    return render(
        request,
        "web/household_list.html",
        {
            "page_obj": paginate(request, search_households(user, query, region_code=region_code)),
            "query": query,
            "region_code": region_code,
            "region_options": filter_regions(user) if user.is_staff_role else [],
            "may_write": may_write(user),
        },
    )


def _detail_context(request, household, **forms):
    user = request.user
    members = [
        (m, age_on(m.person.birth_date, m.person.death_date))
        for m in selectors.current_members(household)
    ]
    if is_resident(user):
        # Residents: the bank account's last four digits, no reveal, no staff history.
        return {
            "household": household,
            "members": members,
            "resident_view": True,
            "bank_account_shown": selectors.resident_bank_account(household),
            "may_write": False,
            "may_reveal": False,
        }
    return {
        "household": household,
        "members": members,
        "bank_account_shown": household.bank_account_masked,
        "past_members": household.memberships.filter(until__isnull=False)
        .select_related("person")
        .order_by("-until"),
        "events": household_audit_trail(household),
        "may_write": may_write(user),
        "may_reveal": may_reveal(user),
        "add_form": forms.get("add_form") or MemberAddForm(),
        "end_form": MemberEndForm(),
        "bank_form": forms.get("bank_form")
        or BankAccountForm(initial={"bank_name": household.bank_name}),
        "open_panel": forms.get("open_panel", ""),
    }


@registry_page
def household_detail(request, pk):
    household = selectors.get_household(request.user, pk)
    return render(request, "web/household_detail.html", _detail_context(request, household))


@write_page
def household_create(request):
    user = request.user
    form = HouseholdForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        head = _person_by_id_number(user, form, "head_id_number")
        if head is not None:
            try:
                household = services.create_household(
                    user=user,
                    region=data["region"],
                    head=head,
                    address=data["address"],
                    bank_name=data["bank_name"],
                    bank_account=data["bank_account"],
                )
            except ServiceError as exc:
                apply_service_error(
                    form, exc, {"person": "head_id_number", "relation": "head_id_number"}
                )
            else:
                return redirect("web:household_detail", pk=household.pk)
    return render(request, "web/household_form.html", {"form": form})


@require_POST
@write_page
def member_add(request, pk):
    user = request.user
    household = selectors.get_household(user, pk)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        person = _person_by_id_number(user, form, "id_number")
        if person is not None:
            try:
                services.add_member(
                    user=user,
                    household=household,
                    person=person,
                    relation=form.cleaned_data["relation"],
                    since=form.cleaned_data["since"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc, {"person": "id_number"})
            else:
                messages.success(request, _("已将 %(name)s 加入本家庭") % {"name": person.name})
                return redirect("web:household_detail", pk=household.pk)
    context = _detail_context(request, household, add_form=form, open_panel="add")
    return render(request, "web/household_detail.html", context, status=422)


@require_POST
@write_page
def member_end(request, pk, member_pk):
    user = request.user
    household = selectors.get_household(user, pk)
    member = selectors.current_members(household).filter(pk=member_pk).first()
    if member is None:
        raise NotFoundOrOutOfScope()
    form = MemberEndForm(request.POST)
    if form.is_valid():
        try:
            services.end_membership(user=user, member=member, until=form.cleaned_data["until"])
        except ServiceError as exc:
            for message in [m for ms in exc.errors.values() for m in ms]:
                messages.error(request, message)
        else:
            messages.success(request, _("%(name)s 已迁出本家庭") % {"name": member.person.name})
    else:
        for message in [m for ms in form.errors.values() for m in ms]:
            messages.error(request, message)
    return redirect("web:household_detail", pk=household.pk)


@require_POST
@write_page
def bank_account_edit(request, pk):
    user = request.user
    household = selectors.get_household(user, pk)
    form = BankAccountForm(request.POST)
    if form.is_valid():
        try:
            services.set_bank_account(user=user, household=household, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("银行账户已更新"))
            return redirect("web:household_detail", pk=household.pk)
    context = _detail_context(request, household, bank_form=form, open_panel="bank")
    return render(request, "web/household_detail.html", context, status=422)


@never_cache
@require_POST
@registry_page
def household_reveal_bank(request, pk):
    household = selectors.get_household(request.user, pk)
    value = services.reveal_bank_account(user=request.user, household=household)
    if request.htmx:
        return render(request, "web/partials/revealed.html", {"value": value or "—"})
    return render(
        request,
        "web/revealed_page.html",
        {
            "value": value or "—",
            "label": household.number,
            "back_url": reverse("web:household_detail", args=[household.pk]),
        },
    )

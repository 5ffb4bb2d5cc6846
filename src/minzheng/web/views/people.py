"""People: search, detail with history, register, edit, reveal the full ID number."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.people import selectors, services
from minzheng.people.selectors import masked_phone

from ..forms import PersonForm
from ..selectors import age_on, filter_regions, person_audit_trail
from .base import (
    apply_service_error,
    is_resident,
    may_reveal_id,
    may_write,
    paginate,
    registry_page,
    write_page,
)
from .resident_accounts import may_manage_accounts

_PERSON_FIELD_MAP = {"region": "hukou_region"}


@registry_page
def person_list(request):
    user = request.user
    query = request.GET.get("q", "").strip()
    region_code = request.GET.get("region", "").strip()
    people = selectors.search_people(user, query, region_code=region_code).order_by("id")
    return render(
        request,
        "web/person_list.html",
        {
            "page_obj": paginate(request, people),
            "query": query,
            "region_code": region_code,
            "region_options": filter_regions(user) if user.is_staff_role else [],
            "may_write": may_write(user),
        },
    )


@registry_page
def person_detail(request, pk):
    user = request.user
    person = selectors.get_person(user, pk)
    household = selectors.current_household(person)
    if (
        household is not None
        and not selectors.households_for(user).filter(pk=household.pk).exists()
    ):
        household = None  # registered here but living in a household outside this user's regions
    resident = is_resident(user)
    context = {
        "person": person,
        "age": age_on(person.birth_date, person.death_date),
        "household": household,
        "may_write": may_write(user),
        "may_reveal": may_reveal_id(user, person),
        "resident_view": resident,
    }
    if resident:
        # A resident sees their household's members, not the registry's workings: no staff names,
        # addresses or past households, and other members' phone numbers masked.
        context["phone"] = (
            person.phone if person.pk == user.person_id else masked_phone(person.phone)
        )
    else:
        context |= {
            "phone": person.phone,
            "memberships": person.memberships.select_related("household").order_by("-since"),
            "events": person_audit_trail(person),
        }
    if may_manage_accounts(user):
        from minzheng.accounts.registration import resident_account

        context["manage_account"] = True
        context["resident_account"] = resident_account(person)
    return render(request, "web/person_detail.html", context)


@never_cache
@require_POST
@registry_page
def person_reveal_id(request, pk):
    person = selectors.get_person(request.user, pk)
    value = services.reveal_id_number(user=request.user, person=person)
    if request.htmx:
        return render(request, "web/partials/revealed.html", {"value": value})
    return render(
        request,
        "web/revealed_page.html",
        {
            "value": value,
            "label": person.name,
            "back_url": reverse("web:person_detail", args=[person.pk]),
        },
    )


@write_page
def person_create(request):
    user = request.user
    form = PersonForm(request.POST or None, user=user)
    existing_url = ""
    if request.method == "POST" and form.is_valid():
        try:
            person = services.register_person(user=user, **form.service_kwargs())
        except ServiceError as exc:
            apply_service_error(form, exc, _PERSON_FIELD_MAP)
            existing_url = exc.data.get("existing_url", "")
        else:
            return redirect("web:person_detail", pk=person.pk)
    return render(
        request,
        "web/person_form.html",
        {"form": form, "existing_url": existing_url, "person": None},
    )


@write_page
def person_edit(request, pk):
    user = request.user
    person = selectors.get_person(user, pk)
    initial = {
        "name": person.name,
        "hukou_region": person.hukou_region.code,
        "hukou_type": person.hukou_type,
        "residence_region": person.residence_region.code if person.residence_region_id else "",
        "phone": person.phone,
        "disability_type": person.disability_type,
        "disability_grade": person.disability_grade or "",
        "death_date": person.death_date,
    }
    form = PersonForm(request.POST or None, user=user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(user=user, person=person, **form.service_kwargs())
        except ServiceError as exc:
            apply_service_error(form, exc, _PERSON_FIELD_MAP)
        else:
            return redirect("web:person_detail", pk=person.pk)
    return render(request, "web/person_form.html", {"form": form, "person": person})

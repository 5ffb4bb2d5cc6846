"""Reads of elderly care, always scoped.

Who sees what:
- staff see the elderly, bookings, institutions and associations of their regions (a community
  worker: the residents of their community); providers and settlements registered there;
- a provider account sees its own provider, catalogue, orders and settlements, and the people
  only through its orders;
- a resident sees the elderly of their own household (themselves or their parents) and the
  bookings made for them.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from minzheng.accounts.models import Role
from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q
from minzheng.people.models import HouseholdMember, Person

from .allowance import years_before
from .models import (
    Assessment,
    Booking,
    ElderlyAssociation,
    ElderlyProfile,
    Institution,
    Provider,
    ProviderStaff,
    ServiceItem,
    Settlement,
)

ELDERLY_AGE = 60


def is_staff(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.is_staff_role))


def provider_of(user) -> Provider | None:
    """The provider a `provider` account works for (None for any other account)."""
    if not (user and user.is_authenticated and user.role == Role.PROVIDER):
        return None
    staff = ProviderStaff.objects.select_related("provider").filter(user=user).first()
    return staff.provider if staff else None


def _own_household_people(user):
    households = HouseholdMember.objects.filter(
        person_id=user.person_id, until__isnull=True
    ).values("household_id")
    return HouseholdMember.objects.filter(household_id__in=households, until__isnull=True).values(
        "person_id"
    )


def elderly_for(user, *, on: dt.date | None = None) -> QuerySet[Person]:
    """People aged 60+ and alive on `on`, straight from the population registry, with their
    latest ability grade annotated (`latest_grade`, None when never assessed)."""
    on = on or timezone.localdate()
    qs = Person.objects.filter(birth_date__lte=years_before(on, ELDERLY_AGE)).filter(
        Q(death_date__isnull=True) | Q(death_date__gt=on)
    )
    if is_staff(user):
        qs = qs.filter(scope_q(user, "hukou_region", "residence_region"))
    elif user and user.is_authenticated and user.role == Role.RESIDENT and user.person_id:
        qs = qs.filter(pk__in=_own_household_people(user))
    else:
        return qs.none()
    latest = Assessment.objects.filter(person_id=OuterRef("pk"), assessed_on__lte=on).order_by(
        "-assessed_on", "-id"
    )
    return qs.select_related("hukou_region", "residence_region", "elderly_profile").annotate(
        latest_grade=Subquery(latest.values("grade")[:1]),
        latest_assessed_on=Subquery(latest.values("assessed_on")[:1]),
    )


def get_elderly(user, pk: int, *, on: dt.date | None = None) -> Person:
    person = elderly_for(user, on=on).filter(pk=pk).first()
    if person is None:
        raise NotFoundOrOutOfScope()
    return person


def search_elderly(
    user, *, query: str = "", living: str = "", grade: str = "", region_code: str = ""
) -> QuerySet[Person]:
    qs = elderly_for(user)
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(name__contains=query) | Q(name_pinyin__contains=query.replace(" ", "").lower())
        )
    if living:
        qs = qs.filter(elderly_profile__living_situation=living)
    if grade in ("0", "1", "2", "3"):
        qs = qs.filter(latest_grade=int(grade))
    elif grade == "none":
        qs = qs.filter(latest_grade__isnull=True)
    if region_code:
        qs = qs.filter(
            Q(hukou_region__path__contains=f"{region_code}/")
            | Q(residence_region__path__contains=f"{region_code}/")
        )
    return qs.order_by("hukou_region__code", "name", "pk")


def profile_of(person: Person) -> ElderlyProfile | None:
    return ElderlyProfile.objects.select_related("health_clinic").filter(person=person).first()


def assessments_of(person: Person) -> QuerySet[Assessment]:
    return Assessment.objects.filter(person=person).order_by("-assessed_on", "-id")


def latest_assessment(person: Person, on: dt.date | None = None) -> Assessment | None:
    qs = Assessment.objects.filter(person=person)
    if on is not None:
        qs = qs.filter(assessed_on__lte=on)
    return qs.order_by("-assessed_on", "-id").first()


def household_living_situation(person: Person, on: dt.date | None = None) -> str:
    """A suggestion from the registry: alone when the current household has one living member,
    empty-nest when all its living members are 60+, otherwise with family."""
    on = on or timezone.localdate()
    household = (
        HouseholdMember.objects.filter(person=person, until__isnull=True)
        .values_list("household_id", flat=True)
        .first()
    )
    if household is None:
        return ""
    births = [
        b
        for b, d in HouseholdMember.objects.filter(
            household_id=household, until__isnull=True
        ).values_list("person__birth_date", "person__death_date")
        if d is None or d > on
    ]
    if len(births) <= 1:
        return "alone"
    cutoff = years_before(on, ELDERLY_AGE)
    return "empty_nest" if all(b <= cutoff for b in births) else "with_family"


# ---------------------------------------------------------------- providers


def providers_for(user) -> QuerySet[Provider]:
    qs = Provider.objects.select_related("region")
    own = provider_of(user)
    if own is not None:
        return qs.filter(pk=own.pk)
    if is_staff(user):
        return qs.filter(scope_q(user, "region", "service_areas")).distinct()
    if user and user.is_authenticated and user.role == Role.RESIDENT:
        return qs.filter(active=True)
    return qs.none()


def get_provider(user, pk: int) -> Provider:
    provider = providers_for(user).filter(pk=pk).first()
    if provider is None:
        raise NotFoundOrOutOfScope()
    return provider


def providers_serving(region) -> QuerySet[Provider]:
    """Active providers whose service areas contain the region."""
    codes = region.path.strip("/").split("/")
    return (
        Provider.objects.filter(active=True, service_areas__code__in=codes)
        .distinct()
        .order_by("kind", "name")
    )


def catalogue_for(region) -> QuerySet[ServiceItem]:
    return (
        ServiceItem.objects.filter(active=True, provider__in=providers_serving(region))
        .select_related("provider")
        .order_by("category", "price_fen", "id")
    )


# ---------------------------------------------------------------- bookings


def bookings_for(user) -> QuerySet[Booking]:
    qs = Booking.objects.select_related("person", "region", "provider", "item", "worker")
    own = provider_of(user)
    if own is not None:
        return qs.filter(provider=own)
    if is_staff(user):
        return qs.filter(scope_q(user, "region"))
    if user and user.is_authenticated and user.role == Role.RESIDENT and user.person_id:
        return qs.filter(Q(person_id__in=_own_household_people(user)) | Q(booked_by=user))
    return qs.none()


def get_booking(user, pk: int) -> Booking:
    booking = bookings_for(user).filter(pk=pk).first()
    if booking is None:
        raise NotFoundOrOutOfScope()
    return booking


def search_bookings(
    user,
    *,
    status: str = "",
    provider_id: int | None = None,
    person_id: int | None = None,
    month: dt.date | None = None,
) -> QuerySet[Booking]:
    qs = bookings_for(user)
    if status == "open":
        qs = qs.filter(
            status__in=[
                Booking.Status.REQUESTED,
                Booking.Status.ACCEPTED,
                Booking.Status.DISPATCHED,
                Booking.Status.IN_SERVICE,
            ]
        )
    elif status:
        qs = qs.filter(status=status)
    if provider_id:
        qs = qs.filter(provider_id=provider_id)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if month:
        qs = qs.filter(scheduled_at__date__gte=month, scheduled_at__date__lt=_next_month(month))
    return qs


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def board_for(user) -> dict[str, list[Booking]]:
    """A provider's order board: open orders by status, oldest first."""
    columns = {s: [] for s in ("requested", "accepted", "dispatched", "in_service", "completed")}
    for booking in (
        bookings_for(user).filter(status__in=list(columns)).order_by("scheduled_at", "id")[:500]
    ):
        columns[booking.status].append(booking)
    return columns


def settlements_for(user) -> QuerySet[Settlement]:
    qs = Settlement.objects.select_related("provider", "provider__region")
    own = provider_of(user)
    if own is not None:
        return qs.filter(provider=own)
    if is_staff(user):
        return qs.filter(scope_q(user, "provider__region"))
    return qs.none()


def get_settlement(user, pk: int) -> Settlement:
    settlement = settlements_for(user).filter(pk=pk).first()
    if settlement is None:
        raise NotFoundOrOutOfScope()
    return settlement


# ---------------------------------------------------------------- institutions and associations


def institutions_for(user) -> QuerySet[Institution]:
    qs = Institution.objects.select_related("region", "operator")
    own = provider_of(user)
    if own is not None:
        return qs.filter(operator=own)
    if is_staff(user):
        return qs.filter(scope_q(user, "region"))
    return qs.none()


def get_institution(user, pk: int) -> Institution:
    institution = institutions_for(user).filter(pk=pk).first()
    if institution is None:
        raise NotFoundOrOutOfScope()
    return institution


def associations_for(user) -> QuerySet[ElderlyAssociation]:
    if not is_staff(user):
        return ElderlyAssociation.objects.none()
    return ElderlyAssociation.objects.select_related("region").filter(scope_q(user, "region"))

"""Scoped reads of funeral and burial records. A provider's account sees its own provider's
records only; the bureau's staff see the records of their region scope (by the deceased's place of
household registration or the provider's region); anything else reads as 404."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q
from minzheng.people.models import Person
from minzheng.people.selectors import presented

from .models import (
    AreaKind,
    AreaSetting,
    Assessment,
    Burial,
    Cemetery,
    Claim,
    Cremation,
    Grant,
    Provider,
    ServiceLine,
)
from .permissions import is_funeral_home, may_see


def provider_of(user) -> Provider | None:
    """The provider a `funeral_home` account works for (None when it is bound to none)."""
    if not is_funeral_home(user):
        return None
    staff = getattr(user, "funeral_staff", None)
    return staff.provider if staff is not None else None


def _none(model):
    return model.objects.none()


def providers_for(user) -> QuerySet[Provider]:
    if not may_see(user):
        return _none(Provider)
    qs = Provider.objects.select_related("region")
    if is_funeral_home(user):
        own = provider_of(user)
        return qs.filter(pk=own.pk) if own else qs.none()
    return qs.filter(scope_q(user, "region"))


def cremations_for(user) -> QuerySet[Cremation]:
    if not may_see(user):
        return _none(Cremation)
    qs = Cremation.objects.select_related("home", "person", "region")
    if is_funeral_home(user):
        return qs.filter(home=provider_of(user))
    return qs.filter(scope_q(user, "region", "home__region"))


def burials_for(user) -> QuerySet[Burial]:
    if not may_see(user):
        return _none(Burial)
    qs = Burial.objects.select_related("cemetery", "provider", "person", "region")
    if is_funeral_home(user):
        return qs.filter(provider=provider_of(user))
    return qs.filter(scope_q(user, "region", "provider__region"))


def cemeteries_for(user) -> QuerySet[Cemetery]:
    if not may_see(user):
        return _none(Cemetery)
    qs = Cemetery.objects.select_related("region", "operator")
    if is_funeral_home(user):
        return qs.filter(operator=provider_of(user))
    return qs.filter(scope_q(user, "region"))


def claims_for(user) -> QuerySet[Claim]:
    if not may_see(user):
        return _none(Claim)
    qs = Claim.objects.select_related("home", "county")
    if is_funeral_home(user):
        return qs.filter(home=provider_of(user))
    return qs.filter(scope_q(user, "county"))


def grants_for(user) -> QuerySet[Grant]:
    if not may_see(user):
        return _none(Grant)
    qs = Grant.objects.select_related("person", "region", "cremation", "payable")
    if is_funeral_home(user):
        return qs.filter(cremation__home=provider_of(user))
    return qs.filter(scope_q(user, "region"))


def assessments_for(user) -> QuerySet[Assessment]:
    return Assessment.objects.filter(provider__in=providers_for(user)).select_related("provider")


def area_settings_for(user) -> QuerySet[AreaSetting]:
    if not may_see(user):
        return _none(AreaSetting)
    return (
        AreaSetting.objects.select_related("region")
        .filter(scope_q(user, "region"))
        .order_by("region__code")
    )


def bindable_account(user, username: str):
    """The account of that user name within the user's regions (None otherwise: an account
    elsewhere reads as unknown). The service checks that it is a funeral-service account."""
    qs = get_user_model().objects.filter(username=(username or "").strip())
    return qs.filter(scope_q(user, "region")).select_related("region").first()


def _get(qs, pk):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFoundOrOutOfScope()
    return obj


def get_provider(user, pk: int) -> Provider:
    return _get(providers_for(user), pk)


def get_cremation(user, pk: int) -> Cremation:
    return _get(cremations_for(user), pk)


def get_burial(user, pk: int) -> Burial:
    return _get(burials_for(user), pk)


def get_cemetery(user, pk: int) -> Cemetery:
    return _get(cemeteries_for(user), pk)


def get_claim(user, pk: int) -> Claim:
    return _get(claims_for(user), pk)


def get_grant(user, pk: int) -> Grant:
    return _get(grants_for(user), pk)


# ---------------------------------------------------------------- the registry match


def match_deceased(id_number: str, name: str) -> Person | None:
    """The registry's person with this full ID number AND this exact name, or None.

    A funeral home cremates whoever died, wherever registered, so this lookup is not limited to a
    region scope; it only confirms a match of both facts the family's documents give and never
    lists, searches or hints: a wrong name and an unknown number answer the same None. A
    malformed number is a field error."""
    return presented(id_number, name)


# ---------------------------------------------------------------- cremation and burial areas


def area_kind_by_path(settings_rows=None) -> dict[str, str]:
    """{region path: area kind} of every region with a setting of its own."""
    rows = settings_rows if settings_rows is not None else AreaSetting.objects.all()
    return {s.region.path: s.kind for s in rows.select_related("region")}


def area_kind_of(path: str, by_path: dict[str, str]) -> str:
    """The kind of the region at `path`: its own setting, else its nearest ancestor's, else a
    cremation area."""
    best = ""
    for prefix in by_path:
        if path.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return by_path[best] if best else AreaKind.CREMATION


# ---------------------------------------------------------------- workbench figures


def awaiting_cremation(user, on: dt.date | None = None) -> QuerySet[Person]:
    """Deaths in the registry of the last 30 days, of the provider's county (the city's home: the
    central districts), with no cremation recorded: the bodies the home expects."""
    on = on or timezone.localdate()
    provider = provider_of(user)
    if provider is None:
        return Person.objects.none()
    region = provider.region
    qs = Person.objects.filter(
        death_date__gte=on - dt.timedelta(days=30),
        death_date__lte=on,
        cremation__isnull=True,
        burial__isnull=True,
    )
    if region.level == "city":
        # The city's home serves the central districts that have no home of their own.
        served = Provider.objects.filter(
            kind=Provider.Kind.FUNERAL_HOME, active=True, region__level="county"
        ).values_list("region__path", flat=True)
        qs = qs.filter(hukou_region__path__startswith=region.path)
        for path in served:
            qs = qs.exclude(hukou_region__path__startswith=path)
        return qs.select_related("hukou_region")
    return qs.filter(hukou_region__path__startswith=region.path).select_related("hukou_region")


def home_counts(user) -> dict:
    provider = provider_of(user)
    if provider is None:
        return {}
    today = timezone.localdate()
    lines = ServiceLine.objects.filter(cremation__home=provider, exempt=True)
    unclaimed = lines.filter(Q(claim__isnull=True) | Q(claim__status=Claim.Status.RETURNED))
    return {
        "provider": provider,
        "awaiting": awaiting_cremation(user).count(),
        "cremations_year": Cremation.objects.filter(
            home=provider, cremated_on__year=today.year
        ).count(),
        "unclaimed_lines": unclaimed.count(),
        "unclaimed_fen": unclaimed.aggregate(s=Sum("price_fen"))["s"] or 0,
        "claims_open": Claim.objects.filter(home=provider, status=Claim.Status.SUBMITTED).count(),
        "grants_pending": Grant.objects.filter(
            cremation__home=provider, status=Grant.Status.PROPOSED
        ).count(),
    }


def bureau_counts(user) -> dict:
    today = timezone.localdate()
    claims = claims_for(user).filter(status=Claim.Status.SUBMITTED)
    year = Q(buried_on__year=today.year)
    burials = (
        burials_for(user)
        .filter(year)
        .aggregate(all=Count("id"), eco=Count("id", filter=Q(eco=True)))
    )
    return {
        "claims": claims.count(),
        "claims_fen": claims.aggregate(s=Sum("total_fen"))["s"] or 0,
        "grants": grants_for(user).filter(status=Grant.Status.PROPOSED).count(),
        "cremations_year": cremations_for(user).filter(cremated_on__year=today.year).count(),
        "burials_year": burials["all"],
        "eco_year": burials["eco"],
    }

"""Reads of the population registry, always region-scoped."""

from __future__ import annotations

import re

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from minzheng.core import crypto, idcard
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.scope import scope_q

from .models import Household, HouseholdMember, Person, PossibleDuplicate


def people_for(user) -> QuerySet[Person]:
    qs = Person.objects.select_related("hukou_region", "residence_region")
    if user.is_authenticated and user.role == "resident":
        return (
            qs.filter(memberships__household__in=_own_households(user)).distinct()
            if user.person_id
            else qs.none()
        )
    return qs.filter(scope_q(user, "hukou_region", "residence_region"))


def households_for(user) -> QuerySet[Household]:
    qs = Household.objects.select_related("region", "head")
    if user.is_authenticated and user.role == "resident":
        return qs.filter(pk__in=_own_households(user))
    return qs.filter(scope_q(user, "region"))


def _own_households(user):
    return HouseholdMember.objects.filter(person_id=user.person_id, until__isnull=True).values(
        "household_id"
    )


def get_person(user, pk: int) -> Person:
    person = people_for(user).filter(pk=pk).first()
    if person is None:
        raise NotFoundOrOutOfScope()
    return person


def get_household(user, pk: int) -> Household:
    household = households_for(user).filter(pk=pk).first()
    if household is None:
        raise NotFoundOrOutOfScope()
    return household


def find_by_id_number(number: str) -> Person | None:
    """Unscoped exact lookup, for uniqueness checks only; never return it to a user unscoped."""
    return Person.objects.filter(id_hash=crypto.lookup_hash(number)).first()


def visible_by_id_number(
    user, id_number: str, *, field: str = "id_number", format_message: str | None = None
) -> Person | None:
    """The person of the user's regions with this ID number, or None (not registered, or
    registered elsewhere: the caller words it). A malformed number is a 422 on `field`, worded
    `format_message` or else by the ID parser."""
    try:
        number = idcard.parse((id_number or "").strip()).number
    except idcard.InvalidResidentId as exc:
        raise ServiceError({field: [format_message or str(exc)]}) from None
    found = find_by_id_number(number)
    return people_for(user).filter(pk=found.pk).first() if found else None


def presented(id_number: str, name: str, *, field: str = "id_number") -> Person | None:
    """The registry's person with this full ID number AND exactly this name, wherever registered,
    or None: for documents presented in person (a registration, a cremation), which may come from
    anywhere. It confirms a match of both facts and never lists or hints: a wrong name and an
    unknown number answer the same None. A malformed number is a 422 on `field`."""
    try:
        number = idcard.parse((id_number or "").strip()).number
    except idcard.InvalidResidentId as exc:
        raise ServiceError({field: [str(exc)]}) from None
    found = find_by_id_number(number)
    return found if found is not None and found.name == (name or "").strip() else None


def presented_or_error(id_number: str, name: str, *, field: str = "id_number") -> Person:
    """`presented`, where the person must be on the registry: no match is a 422 on `field` that
    says only that the number and name do not match a registered person."""
    found = presented(id_number, name, field=field)
    if found is None:
        raise ServiceError(
            {field: [_("身份证号码与姓名不符，或人口库中没有此人，请先核实并登记户籍信息")]}
        )
    return found


_ID_LIKE = re.compile(r"^\d{15}$|^\d{17}[\dXx]$")
_LATIN = re.compile(r"^[A-Za-z ]+$")


def search_people(user, query: str = "", *, region_code: str = "") -> QuerySet[Person]:
    """Search by full resident ID (exact, through the keyed hash), name, pinyin or initials."""
    qs = people_for(user)
    query = (query or "").strip()
    if region_code:
        qs = qs.filter(
            Q(hukou_region__path__contains=f"{region_code}/")
            | Q(residence_region__path__contains=f"{region_code}/")
        )
    if not query:
        return qs
    if _ID_LIKE.match(query):
        try:
            number = idcard.parse(query.upper() if len(query) == 15 else query).number
        except idcard.InvalidResidentId:
            number = query.upper()
        return qs.filter(id_hash=crypto.lookup_hash(number))
    key = pinyin_query(query)
    if key:
        return qs.filter(name_pinyin__contains=key)
    return qs.filter(name__contains=query)


def pinyin_query(query: str) -> str:
    """The search key for a query typed in Latin letters ("Zeng Guo" → "zengguo"), else ""."""
    query = (query or "").strip()
    return query.replace(" ", "").lower() if _LATIN.match(query) else ""


def masked_phone(phone: str) -> str:
    """138****1234: what a resident sees of another household member's number."""
    phone = (phone or "").strip()
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else ("*" * len(phone))


def masked_name(name: str, *, keep_last: bool = False) -> str:
    """张三丰 → 张** (the surname, enough to tell rows apart); with `keep_last`, as on published
    lists, 张*丰 and 欧阳明华 → 欧**华 (names of three characters or more keep their last one)."""
    name = (name or "").strip()
    if not name:
        return ""
    if keep_last and len(name) > 2:
        return name[0] + "*" * (len(name) - 2) + name[-1]
    return name[0] + "*" * max(len(name) - 1, 1)


def resident_bank_account(household: Household) -> str:
    """The last four digits only: all a resident ever sees of the household's bank account."""
    masked = household.bank_account_masked or ""
    return "**** " + masked[-4:] if masked else ""


def _current_memberships() -> QuerySet[HouseholdMember]:
    return (
        HouseholdMember.objects.filter(until__isnull=True).select_related("person").order_by("id")
    )


def with_current_members(households: QuerySet[Household]) -> QuerySet[Household]:
    """The households with their current members read in one query for the whole page, which
    `current_members` then returns without a query per household."""
    return households.prefetch_related(
        Prefetch("memberships", queryset=_current_memberships(), to_attr="current_memberships")
    )


def current_members(household: Household):
    prefetched = getattr(household, "current_memberships", None)
    if prefetched is not None:
        return prefetched
    return _current_memberships().filter(household=household)


def find_household(user, text: str) -> tuple[Household | None, Person | None]:
    """The household a clerk means by a full resident ID (the person's current household) or a
    household number, within the user's regions; the person when found by ID."""
    text = (text or "").strip()
    if not text:
        return None, None
    if _ID_LIKE.match(text):
        person = search_people(user, text).first()
        if person is not None:
            household = (
                households_for(user)
                .filter(memberships__person=person, memberships__until__isnull=True)
                .first()
            )
            return household, person if household else None
    return households_for(user).filter(number=text).first(), None


def current_household(person: Person) -> Household | None:
    m = person.memberships.filter(until__isnull=True).select_related("household").first()
    return m.household if m else None


def open_duplicates_for(user) -> QuerySet[PossibleDuplicate]:
    visible = people_for(user).values("pk")
    return PossibleDuplicate.objects.filter(
        status=PossibleDuplicate.Status.OPEN, person__in=visible
    ).select_related("person", "other")

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from minzheng.core.apitypes import Date, Id
from minzheng.core.errors import ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.people import exports, selectors, services
from minzheng.regions.services import resolve_code

from .schemas import (
    HouseholdIn,
    HouseholdOut,
    MemberIn,
    PersonIn,
    PersonOut,
    PersonPatch,
    RevealedOut,
)

people_router = Router(tags=["people"])
households_router = Router(tags=["households"])


def _region(code: str | None, field: str):
    if not code:
        return None
    region = resolve_code(code)
    if region is None:
        raise ServiceError({field: [_("区划代码不存在：%(code)s") % {"code": code}]})
    return region


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def person_out(person) -> dict:
    today = person.death_date or dt.date.today()
    household = selectors.current_household(person)
    ref = lambda r: {"code": r.code, "name": r.name} if r else None  # noqa: E731
    return {
        "id": person.pk,
        "id_number_masked": person.id_masked,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "age": _age(person.birth_date, today),
        "hukou_region": ref(person.hukou_region),
        "hukou_type": person.hukou_type,
        "residence_region": ref(person.residence_region),
        "disability_type": person.disability_type,
        "disability_grade": person.disability_grade,
        "death_date": person.death_date,
        "household_id": household.pk if household else None,
    }


class PeopleFilter(Schema):
    q: str = ""
    region: str = ""


@people_router.get("", response=list[PersonOut])
@paginated()
def list_people(request, filters: Query[PeopleFilter]):
    """Search people in scope by full ID (exact), name, pinyin or initials, and region."""
    qs = selectors.search_people(request.user, filters.q, region_code=filters.region).order_by("id")
    return Listing(qs, person_out)


@people_router.get("/export.xlsx", response={200: None})
def export_people(request, filters: Query[PeopleFilter]):
    """The search result as an Excel file (IDs masked; the export is audited)."""
    body = exports.export_people_xlsx(
        user=request.user, query=filters.q, region_code=filters.region
    )
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="people.xlsx"'
    return response


@people_router.post("", response={201: PersonOut})
def create_person(request, payload: PersonIn):
    data = payload.dict()
    person = services.register_person(
        user=request.user,
        id_number=data["id_number"],
        name=data["name"],
        hukou_region=_region(data["hukou_region"], "hukou_region") or _missing("hukou_region"),
        hukou_type=data["hukou_type"],
        residence_region=_region(data["residence_region"], "residence_region"),
        birth_date=data["birth_date"],
        sex=data["sex"],
        disability_type=data["disability_type"],
        disability_grade=data["disability_grade"],
        death_date=data["death_date"],
        phone=data["phone"],
    )
    return Status(201, person_out(person))


def _missing(field):
    raise ServiceError({field: [_("此项为必填项")]})


@people_router.get("/{int:person_id}", response=PersonOut)
def get_person(request, person_id: Id):
    return person_out(selectors.get_person(request.user, person_id))


@people_router.patch("/{int:person_id}", response=PersonOut)
def update_person(request, person_id: Id, payload: PersonPatch):
    person = selectors.get_person(request.user, person_id)
    changes = payload.dict(exclude_unset=True)
    if "residence_region" in changes:
        changes["residence_region"] = _region(changes["residence_region"], "residence_region")
    return person_out(services.update_person(user=request.user, person=person, **changes))


@people_router.post("/{int:person_id}/reveal-id", response=RevealedOut)
def reveal_id(request, person_id: Id):
    """The full ID number, for roles that need it; every call is audited."""
    person = selectors.get_person(request.user, person_id)
    return {"value": services.reveal_id_number(user=request.user, person=person)}


def household_out(household, user=None) -> dict:
    resident = user is not None and user.role == "resident"
    return {
        "id": household.pk,
        "number": household.number,
        "region": {"code": household.region.code, "name": household.region.name},
        "address": household.address,
        "head_id": household.head_id,
        "bank_name": household.bank_name,
        # A resident sees the last four digits only.
        "bank_account_masked": selectors.resident_bank_account(household)
        if resident
        else household.bank_account_masked,
        "members": [
            {
                "person_id": m.person_id,
                "name": m.person.name,
                "id_number_masked": m.person.id_masked,
                "relation": m.relation,
                "since": m.since,
                "until": m.until,
            }
            for m in selectors.current_members(household)
        ],
    }


class HouseholdFilter(Schema):
    region: str = ""


@households_router.get("", response=list[HouseholdOut])
@paginated()
def list_households(request, filters: Query[HouseholdFilter]):
    qs = selectors.with_current_members(selectors.households_for(request.user).order_by("id"))
    if filters.region:
        qs = qs.filter(region__path__contains=f"{filters.region}/")
    return Listing(qs, lambda h: household_out(h, request.user))


@households_router.post("", response={201: HouseholdOut})
def create_household(request, payload: HouseholdIn):
    region = _region(payload.region, "region")
    head = _person_in_scope(request.user, payload.head_id, "head_id")
    members = [
        (_person_in_scope(request.user, m.person_id, f"members.{i}.person_id"), m.relation)
        for i, m in enumerate(payload.members)
    ]
    household = services.create_household(
        user=request.user,
        region=region,
        head=head,
        address=payload.address,
        bank_name=payload.bank_name,
        bank_account=payload.bank_account,
        members=members,
        since=payload.since,
    )
    return Status(201, household_out(household, request.user))


def _person_in_scope(user, person_id: int, field: str):
    person = selectors.people_for(user).filter(pk=person_id).first()
    if person is None:
        raise ServiceError({field: [_("人员不存在或不在管辖范围内")]})
    return person


@households_router.get("/{int:household_id}", response=HouseholdOut)
def get_household(request, household_id: Id):
    return household_out(selectors.get_household(request.user, household_id), request.user)


@households_router.post("/{int:household_id}/members", response={201: HouseholdOut})
def add_member(request, household_id: Id, payload: MemberIn, since: Date | None = None):
    household = selectors.get_household(request.user, household_id)
    person = _person_in_scope(request.user, payload.person_id, "person_id")
    services.add_member(
        user=request.user,
        household=household,
        person=person,
        relation=payload.relation,
        since=since or dt.date.today(),
    )
    return Status(201, household_out(household, request.user))


@households_router.post("/{int:household_id}/reveal-bank-account", response=RevealedOut)
def reveal_bank_account(request, household_id: Id):
    household = selectors.get_household(request.user, household_id)
    return {"value": services.reveal_bank_account(user=request.user, household=household)}

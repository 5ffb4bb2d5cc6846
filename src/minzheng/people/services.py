"""Writes to the population registry: one function per action, one transaction, one audit event."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, crypto, idcard, validators
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region

from .models import (
    DisabilityType,
    Household,
    HouseholdMember,
    Person,
    PossibleDuplicate,
    Relation,
    UrbanRural,
)
from .pinyin import name_pinyin

# Choices as sets: validation runs once per row of an import, and `.values` builds a list each time.
_HUKOU_TYPES = frozenset(UrbanRural.values)
_DISABILITY_TYPES = frozenset(DisabilityType.values)


def ensure_can_write(user, region: Region) -> None:
    if user is None or not user.is_authenticated or not user.is_staff_role or not user.can_write:
        raise PermissionDeniedError(_("当前账号无权修改人口信息"))
    if not region_in_scope(user, region):
        raise ServiceError({"region": [_("所选区域不在本账号的管辖范围内")]})


def registered_elsewhere_message() -> str:
    """What a user hears about an ID registered outside their regions (and nothing more)."""
    return _("该身份证号码已在其他地区登记，请联系县级民政部门")


def person_in_scope(user, person: Person) -> bool:
    """The same rule as people.selectors.people_for: registered or living in the user's regions."""
    return region_in_scope(user, person.hukou_region) or (
        person.residence_region_id is not None and region_in_scope(user, person.residence_region)
    )


def validate_person_fields(
    *,
    id_number: str,
    name: str,
    hukou_type: str,
    birth_date: dt.date | None = None,
    sex: str | None = None,
    disability_type: str = "",
    disability_grade: int | None = None,
    death_date: dt.date | None = None,
    phone: str = "",
    today: dt.date | None = None,
) -> tuple[idcard.ResidentId | None, dict[str, list[str]]]:
    """Pure validation shared by the form, the API and the importer."""
    errors: dict[str, list[str]] = {}
    rid = None
    try:
        rid = idcard.parse(id_number, today=today)
    except idcard.InvalidResidentId as exc:
        errors["id_number"] = [str(exc)]
    if not (name or "").strip():
        errors["name"] = [_("姓名不能为空")]
    elif len(name.strip()) > 64:
        errors["name"] = [_("姓名过长")]
    elif message := validators.name_error(name.strip()):
        errors["name"] = [message]
    if message := validators.phone_error((phone or "").strip()):
        errors["phone"] = [message]
    if hukou_type not in _HUKOU_TYPES:
        errors["hukou_type"] = [_("户口性质应为城镇或农村")]
    if rid is not None:
        if birth_date and birth_date != rid.birth_date:
            errors["birth_date"] = [
                _("出生日期与身份证号码不一致（号码中为 %(d)s）")
                % {"d": rid.birth_date.isoformat()}
            ]
        if sex and sex != rid.sex:
            errors["sex"] = [_("性别与身份证号码不一致")]
    if disability_type and disability_type not in _DISABILITY_TYPES:
        errors["disability_type"] = [_("残疾类别无效")]
    if disability_grade is not None and disability_grade not in (1, 2, 3, 4):
        errors["disability_grade"] = [_("残疾等级应为1至4级")]
    if bool(disability_type) != (disability_grade is not None):
        errors.setdefault("disability_grade", []).append(_("残疾类别和残疾等级应同时填写"))
    if death_date:
        if death_date > (today or dt.date.today()):
            errors["death_date"] = [_("死亡日期不能晚于今天")]
        elif rid is not None and death_date < rid.birth_date:
            errors["death_date"] = [_("死亡日期不能早于出生日期")]
    return rid, errors


@transaction.atomic
def register_person(
    *,
    user,
    id_number: str,
    name: str,
    hukou_region: Region,
    hukou_type: str,
    residence_region: Region | None = None,
    birth_date: dt.date | None = None,
    sex: str | None = None,
    disability_type: str = "",
    disability_grade: int | None = None,
    death_date: dt.date | None = None,
    phone: str = "",
) -> Person:
    ensure_can_write(user, hukou_region)
    rid, errors = validate_person_fields(
        id_number=id_number,
        name=name,
        hukou_type=hukou_type,
        birth_date=birth_date,
        sex=sex,
        disability_type=disability_type,
        disability_grade=disability_grade,
        death_date=death_date,
        phone=phone,
    )
    if errors:
        raise ServiceError(errors)
    id_hash = crypto.lookup_hash(rid.number)
    existing = Person.objects.filter(id_hash=id_hash).first()
    if existing:
        if not person_in_scope(user, existing):
            # Nothing that identifies the record: no link, no internal id, no household number.
            raise ServiceError({"id_number": [registered_elsewhere_message()]}, status=409)
        raise ServiceError(
            {
                "id_number": [
                    _("该身份证号码已登记，请打开已有记录：/people/%(pk)s/") % {"pk": existing.pk}
                ]
            },
            status=409,
            data={"existing_id": existing.pk, "existing_url": f"/people/{existing.pk}/"},
        )
    person = Person(
        id_hash=id_hash,
        id_cipher=crypto.encrypt(rid.number),
        id_masked=idcard.mask(rid.number),
        name=name.strip(),
        name_pinyin=name_pinyin(name.strip()),
        sex=rid.sex,
        birth_date=rid.birth_date,
        hukou_region=hukou_region,
        hukou_type=hukou_type,
        residence_region=residence_region,
        disability_type=disability_type,
        disability_grade=disability_grade,
        death_date=death_date,
        phone=phone,
    )
    try:
        with transaction.atomic():
            person.save(force_insert=True)
    except IntegrityError:  # a concurrent registration of the same ID won the race
        raise ServiceError({"id_number": [_("该身份证号码已登记")]}, status=409) from None
    audit.record_created(person)
    flag_likely_duplicates(person)
    return person


def flag_likely_duplicates(person: Person) -> list[PossibleDuplicate]:
    """Same name and birth date, different ID: probably one person registered twice."""
    flags = []
    for other in Person.objects.filter(name=person.name, birth_date=person.birth_date).exclude(
        pk=person.pk
    ):
        a, b = sorted([person, other], key=lambda p: p.pk)
        flag, created = PossibleDuplicate.objects.get_or_create(
            person=b, other=a, defaults={"reason": _("姓名和出生日期相同但身份证号码不同")}
        )
        if created:
            audit.record(
                "create",
                obj=flag,
                object_repr=str(b),
                region_code=person.audit_region_code,
                note=flag.reason,
            )
            flags.append(flag)
    return flags


_EDITABLE = {
    "name",
    "hukou_region",
    "hukou_type",
    "residence_region",
    "disability_type",
    "disability_grade",
    "death_date",
    "phone",
}


@transaction.atomic
def update_person(*, user, person: Person, **changes) -> Person:
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise ServiceError({f: [_("此项不可修改")] for f in unknown})
    ensure_can_write(user, person.hukou_region)
    if "hukou_region" in changes:
        ensure_can_write(user, changes["hukou_region"])
    merged = {f: getattr(person, f) for f in _EDITABLE} | changes
    _rid, errors = validate_person_fields(
        id_number=person.id_number,
        name=merged["name"],
        hukou_type=merged["hukou_type"],
        disability_type=merged["disability_type"] or "",
        disability_grade=merged["disability_grade"],
        death_date=merged["death_date"],
        phone=changes.get("phone") or "",
    )
    if errors:
        raise ServiceError(errors)
    with audit.audited(person):
        for field, value in changes.items():
            setattr(person, field, value)
        person.name = person.name.strip()
        person.name_pinyin = name_pinyin(person.name)
        person.save()
    return person


def validate_bank_account(account: str) -> str:
    digits = (account or "").replace(" ", "")
    if digits and (not digits.isdigit() or not 12 <= len(digits) <= 30):
        raise ServiceError({"bank_account": [_("银行账号应为12至30位数字")]})
    return digits


def next_household_number(region: Region) -> str:
    prefix = f"H{region.code}"
    last = (
        Household.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


@transaction.atomic
def create_household(
    *,
    user,
    region: Region,
    head: Person,
    address: str = "",
    bank_name: str = "",
    bank_account: str = "",
    members: list[tuple[Person, str]] | None = None,
    since: dt.date | None = None,
) -> Household:
    ensure_can_write(user, region)
    if region.level != Region.Level.VILLAGE:
        raise ServiceError({"region": [_("家庭应登记到村（社区）")]})
    account = validate_bank_account(bank_account)
    since = since or timezone.localdate()
    household = Household(
        region=region,
        address=address,
        head=head,
        bank_name=bank_name,
        bank_account_cipher=crypto.encrypt(account),
        bank_account_masked=idcard.mask(account),
    )
    for attempt in range(5):
        # Numbers are per village and sequential; a concurrent registration may take ours.
        household.number = next_household_number(region)
        try:
            with transaction.atomic():
                household.save(force_insert=True)
            break
        except IntegrityError:
            if attempt == 4:
                raise
    audit.record_created(household)
    add_member(user=user, household=household, person=head, relation=Relation.HEAD, since=since)
    for person, relation in members or []:
        add_member(user=user, household=household, person=person, relation=relation, since=since)
    return household


@transaction.atomic
def add_member(
    *, user, household: Household, person: Person, relation: str, since: dt.date
) -> HouseholdMember:
    ensure_can_write(user, household.region)
    if relation not in Relation.values:
        raise ServiceError({"relation": [_("与户主关系无效")]})
    current = person.memberships.filter(until__isnull=True).select_related("household").first()
    if current and current.household_id == household.pk:
        raise ServiceError({"person": [_("%(name)s 已是本家庭成员") % {"name": person.name}]})
    if current and not region_in_scope(user, current.household.region):
        raise ServiceError(
            {
                "person": [
                    _("%(name)s 已在其他地区的家庭中，请联系县级民政部门") % {"name": person.name}
                ]
            }
        )
    if current:
        raise ServiceError(
            {
                "person": [
                    _("%(name)s 已在家庭 %(no)s 中，请先办理迁出")
                    % {"name": person.name, "no": current.household.number}
                ]
            }
        )
    if (
        relation == Relation.HEAD
        and household.memberships.filter(until__isnull=True, relation=Relation.HEAD).exists()
    ):
        raise ServiceError({"relation": [_("该家庭已有户主")]})
    member = HouseholdMember.objects.create(
        household=household, person=person, relation=relation, since=since
    )
    audit.record_created(member, object_repr=f"{household.number} + {person.name}")
    return member


@transaction.atomic
def end_membership(*, user, member: HouseholdMember, until: dt.date) -> HouseholdMember:
    ensure_can_write(user, member.household.region)
    if until < member.since:
        raise ServiceError({"until": [_("离开日期不能早于加入日期")]})
    with audit.audited(member):
        member.until = until
        member.save(update_fields=["until"])
    return member


@transaction.atomic
def set_bank_account(*, user, household: Household, bank_name: str, bank_account: str) -> Household:
    ensure_can_write(user, household.region)
    account = validate_bank_account(bank_account)
    with audit.audited(household):
        household.bank_name = bank_name
        household.bank_account_cipher = crypto.encrypt(account)
        household.bank_account_masked = idcard.mask(account)
        household.save()
    return household


def reveal_id_number(*, user, person: Person) -> str:
    """Plaintext ID for an authorised role (the caller has already scoped `person`); audited.
    A resident may reveal their own number only, never another household member's."""
    if user.role == "resident":
        allowed = user.person_id is not None and user.person_id == person.pk
    else:
        allowed = user.can_unmask
    if not allowed:
        raise PermissionDeniedError(_("当前角色无权查看完整身份证号码"))
    plain = person.id_number  # decrypt first: no "unmask" event for a value nobody saw
    audit.record("unmask", obj=person, note="id_number")
    return plain


def reveal_bank_account(*, user, household: Household) -> str:
    """Staff roles that pay or approve only; a resident sees the last four digits and no more."""
    if user.role == "resident" or not user.can_unmask:
        raise PermissionDeniedError(_("当前角色无权查看完整银行账号"))
    plain = crypto.decrypt(household.bank_account_cipher)  # decrypt first, as above
    audit.record("unmask", obj=household, note="bank_account")
    return plain


# A death reported by an authority outside the registry's staff (a funeral home's cremation) may
# correct a recorded death date by at most this many days; a larger difference is for the county's
# registry staff to settle with the documents (docs/DOMAIN.md §14).
DEATH_CORRECTION_DAYS = 30


@transaction.atomic
def record_reported_death(
    *, person: Person, death_date: dt.date, source: str, correct: bool = False
) -> tuple[Person, str]:
    """A death reported to the registry by another authority that saw the body (a funeral home).

    The registry's death date is set when empty, confirmed when equal, and replaced only when the
    reporter confirms a correction (`correct`) and the new date is valid and within
    DEATH_CORRECTION_DAYS of the recorded one. Returns the person and what happened: "set",
    "confirmed" or "corrected". Payments stop through the registry's death date as for any death
    (the payroll skips later months; the death scan ends the entitlements)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    rid = idcard.parse(person.id_number)
    if not isinstance(death_date, dt.date):
        raise ServiceError({"death_date": [_("请填写死亡日期")]})
    if death_date > timezone.localdate():
        raise ServiceError({"death_date": [_("死亡日期不能晚于今天")]})
    if death_date < rid.birth_date:
        raise ServiceError({"death_date": [_("死亡日期不能早于出生日期")]})
    recorded = person.death_date
    if recorded == death_date:
        return person, "confirmed"
    if recorded is not None:
        if not correct:
            raise ServiceError(
                {
                    "death_date": [
                        _(
                            "与人口信息库登记的死亡日期（%(d)s）不一致；如确需更正，请勾选“更正死亡日期”"
                        )
                        % {"d": recorded.isoformat()}
                    ]
                }
            )
        if abs((death_date - recorded).days) > DEATH_CORRECTION_DAYS:
            raise ServiceError(
                {
                    "death_date": [
                        _(
                            "与登记的死亡日期相差超过 %(n)s 天，请家属持死亡证明到户籍地县级民政部门更正"
                        )
                        % {"n": DEATH_CORRECTION_DAYS}
                    ]
                }
            )
    outcome = "set" if recorded is None else "corrected"
    with audit.audited(
        person,
        note=(
            _("%(s)s报告死亡，登记死亡日期")
            if outcome == "set"
            else _("%(s)s报告死亡，更正死亡日期")
        )
        % {"s": source},
    ):
        person.death_date = death_date
        person.save(update_fields=["death_date"])
    return person, outcome

"""Writes of the elderly registry (profiles, contacts, assessments), providers and their
catalogues, institutions with beds, inspections and health agreements, and elderly associations.
One function per action, keyword-only, one transaction, an audit event with the change.
Bookings and settlements are in `bookings.py`, the old-age allowance in `allowance.py`."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import Role
from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region

from . import ability, selectors
from .models import (
    Assessment,
    ElderlyAssociation,
    ElderlyProfile,
    EmergencyContact,
    FireInspection,
    HealthAgreement,
    Institution,
    LivingSituation,
    Provider,
    ProviderStaff,
    Residency,
    ServiceCategory,
    ServiceItem,
    Worker,
)

# Who keeps the elderly registry (profiles, contacts, assessments): community and township staff.
REGISTRY_WRITERS = {
    Role.VILLAGE_WORKER,
    Role.TOWNSHIP_CLERK,
    Role.COUNTY_APPROVER,
    Role.CITY_SECTION,
    Role.ADMIN,
}
# Who registers providers, institutions, inspections and agreements.
FACILITY_WRITERS = {Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.CITY_SECTION, Role.ADMIN}
# Elderly associations are also recorded by the community itself.
ASSOCIATION_WRITERS = FACILITY_WRITERS | {Role.VILLAGE_WORKER}
REASSESS_MONTHS = 6  # MZ/T 039-2013 4.3.5: reassess every six months without special change


def _guard(user, region: Region, roles: set, message: str) -> None:
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff_role):
        raise NotFoundOrOutOfScope()
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    if not (user.is_superuser or user.role in roles) or not user.can_write:
        raise PermissionDeniedError(message)


def _guard_person(user, person) -> None:
    _guard(
        user,
        person.residence_region or person.hukou_region,
        REGISTRY_WRITERS,
        _("当前账号无权维护老年人信息"),
    )


def _text(value, field: str, *, required: bool = True, limit: int = 200) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError({field: [_("此项为必填项")]})
    if len(value) > limit:
        raise ServiceError({field: [_("不能超过%(n)s个字符") % {"n": limit}]})
    return value


# ---------------------------------------------------------------- registry


@transaction.atomic
def update_profile(
    *,
    user,
    person,
    living_situation: str | None = None,
    address: str | None = None,
    health_record_number: str | None = None,
    health_clinic: Provider | None = None,
    health_record_since: dt.date | None = None,
    note: str | None = None,
) -> ElderlyProfile:
    """Set the care facts of one elderly person (created on first call); fields left None keep
    their value."""
    _guard_person(user, person)
    profile, created = ElderlyProfile.objects.select_for_update().get_or_create(person=person)
    with audit.audited(profile, created=created):
        if living_situation is not None:
            if living_situation and living_situation not in LivingSituation.values:
                raise ServiceError({"living_situation": [_("居住状况无效")]})
            profile.living_situation = living_situation
        if address is not None:
            profile.address = _text(address, "address", required=False)
        if health_record_number is not None:
            profile.health_record_number = _text(
                health_record_number, "health_record_number", required=False, limit=40
            )
        if health_clinic is not None:
            if health_clinic.kind != Provider.Kind.CLINIC:
                raise ServiceError({"health_clinic": [_("健康档案应由医疗卫生机构建立")]})
            profile.health_clinic = health_clinic
        if health_record_since is not None:
            profile.health_record_since = health_record_since
        if note is not None:
            profile.note = _text(note, "note", required=False, limit=500)
        if profile.health_record_number and profile.health_clinic_id is None:
            raise ServiceError({"health_clinic": [_("请选择建立健康档案的卫生服务机构")]})
        profile.save()
    return profile


@transaction.atomic
def add_contact(*, user, person, name: str, relation: str, phone: str) -> EmergencyContact:
    _guard_person(user, person)
    profile, _created = ElderlyProfile.objects.get_or_create(person=person)
    phone = _text(phone, "phone", limit=20)
    if not phone.replace("-", "").isdigit():
        raise ServiceError({"phone": [_("联系电话只能包含数字和短横线")]})
    contact = EmergencyContact.objects.create(
        profile=profile,
        name=_text(name, "name", limit=64),
        relation=_text(relation, "relation", limit=32),
        phone=phone,
        ordering=profile.contacts.count(),
    )
    audit.record_created(contact, region_code=person.audit_region_code)
    return contact


@transaction.atomic
def remove_contact(*, user, contact: EmergencyContact) -> None:
    _guard_person(user, contact.profile.person)
    before = audit.snapshot(contact)
    contact.delete()
    audit.record(
        "delete",
        object_type="eldercare.emergencycontact",
        object_id=str(before["id"]),
        object_repr=before["name"],
        region_code=contact.profile.person.audit_region_code,
        before=before,
    )


def _add_months(day: dt.date, count: int) -> dt.date:
    from minzheng.payments.params import add_months_to_date

    return add_months_to_date(day, count)


@transaction.atomic
def record_assessment(
    *,
    user,
    person,
    assessed_on: dt.date,
    adl_score: int,
    assessors: str,
    reason: str = "initial",
    mental_score: int | None = None,
    mental: int | None = None,
    consciousness: int | None = None,
    vision: int | None = None,
    hearing: int | None = None,
    communication: int | None = None,
    perception: int | None = None,
    social_score: int | None = None,
    social: int | None = None,
    escalations: list[str] | tuple[str, ...] = (),
) -> Assessment:
    """Grade an assessment by MZ/T 039-2013 and keep it; earlier assessments stay as history."""
    _guard_person(user, person)
    if assessed_on > timezone.localdate():
        raise ServiceError({"assessed_on": [_("评估日期不能晚于今天")]})
    if reason not in ("initial", "periodic", "change"):
        raise ServiceError({"reason": [_("评估类型无效")]})
    assessors = _text(assessors, "assessors", limit=100)
    if (
        len([a for a in assessors.replace("，", ",").replace("、", ",").split(",") if a.strip()])
        < 2
    ):
        raise ServiceError({"assessors": [_("每次评估应由2名评估员进行，请填写两名评估员姓名")]})
    try:
        grading = ability.grade_assessment(
            adl_score=adl_score,
            mental_score=mental_score,
            mental=mental,
            consciousness=consciousness,
            vision=vision,
            hearing=hearing,
            communication=communication,
            perception=perception,
            social_score=social_score,
            social=social,
            escalations=tuple(escalations),
        )
    except ability.InvalidScore as exc:
        raise ServiceError({exc.field: [str(exc.message)]}) from None
    assessment = Assessment.objects.create(
        person=person,
        assessed_on=assessed_on,
        reason=reason,
        adl_score=adl_score,
        mental_score=mental_score,
        mental_grade=grading.mental,
        consciousness=consciousness,
        vision=vision,
        hearing=hearing,
        communication=communication,
        perception_grade=grading.perception,
        social_score=social_score,
        social_grade=grading.social,
        adl_grade=grading.adl,
        base_grade=grading.base,
        escalations=list(grading.escalations),
        grade=grading.grade,
        assessors=assessors,
        assessed_by=user if getattr(user, "pk", None) else None,
        next_due_on=_add_months(assessed_on, REASSESS_MONTHS),
    )
    audit.record_created(
        assessment,
        object_repr=f"{person.name} {grading.label}",
        note=_("能力评估：%(g)s") % {"g": grading.label},
    )
    return assessment


# ---------------------------------------------------------------- providers


def _facility_guard(user, region: Region) -> None:
    _guard(user, region, FACILITY_WRITERS, _("当前账号无权登记服务机构和养老设施"))


def _areas(user, codes: list[str]) -> list[Region]:
    regions = list(Region.objects.filter(code__in=codes))
    if len(regions) != len(set(codes)) or not regions:
        raise ServiceError({"service_areas": [_("请选择有效的服务区域")]})
    for region in regions:
        if not region_in_scope(user, region):
            raise ServiceError(
                {
                    "service_areas": [
                        _("服务区域 %(name)s 不在本账号的管辖范围内") % {"name": region.name}
                    ]
                }
            )
    return regions


@transaction.atomic
def register_provider(
    *,
    user,
    name: str,
    kind: str,
    region: Region,
    service_area_codes: list[str],
    phone: str = "",
    credit_code: str = "",
) -> Provider:
    _facility_guard(user, region)
    if kind not in Provider.Kind.values:
        raise ServiceError({"kind": [_("服务机构类别无效")]})
    provider = Provider.objects.create(
        name=_text(name, "name", limit=100),
        kind=kind,
        region=region,
        phone=_text(phone, "phone", required=False, limit=20),
        credit_code=_text(credit_code, "credit_code", required=False, limit=18),
    )
    provider.service_areas.set(_areas(user, service_area_codes))
    audit.record_created(provider, extra={"service_areas": sorted(service_area_codes)})
    return provider


@transaction.atomic
def set_provider_active(*, user, provider: Provider, active: bool, reason: str) -> Provider:
    _facility_guard(user, provider.region)
    reason = _text(reason, "reason", limit=500)
    with audit.audited(provider, note=reason):
        provider.active = active
        provider.save(update_fields=["active"])
    return provider


@transaction.atomic
def bind_provider_account(*, user, provider: Provider, account) -> ProviderStaff:
    """Let a `provider` account act for the provider (its orders, workers and settlements)."""
    _facility_guard(user, provider.region)
    if account.role != Role.PROVIDER:
        raise ServiceError({"account": [_("只能绑定“服务机构”角色的账号")]})
    staff, created = ProviderStaff.objects.update_or_create(
        user=account, defaults={"provider": provider}
    )
    audit.record(
        "create" if created else "update",
        obj=staff,
        object_repr=f"{account.get_username()} → {provider.name}",
        region_code=provider.audit_region_code,
        after={"user": account.pk, "provider": provider.pk},
    )
    return staff


def _guard_provider_side(user, provider: Provider) -> None:
    """The provider's own account, or facility staff over its region."""
    own = selectors.provider_of(user)
    if own is not None:
        if own.pk != provider.pk:
            raise NotFoundOrOutOfScope()
        return
    _facility_guard(user, provider.region)


@transaction.atomic
def add_service_item(
    *,
    user,
    provider: Provider,
    category: str,
    name: str,
    unit: str,
    price_fen: int,
    minutes_per_unit: int,
) -> ServiceItem:
    _guard_provider_side(user, provider)
    if category not in ServiceCategory.values:
        raise ServiceError({"category": [_("服务类别无效")]})
    if unit not in ServiceItem.Unit.values:
        raise ServiceError({"unit": [_("计价单位无效")]})
    if (
        isinstance(price_fen, bool)
        or not isinstance(price_fen, int)
        or not 0 <= price_fen <= 10_000_000
    ):
        raise ServiceError({"price": [_("价格无效")]})
    if (
        isinstance(minutes_per_unit, bool)
        or not isinstance(minutes_per_unit, int)
        or not 1 <= minutes_per_unit <= 24 * 60
    ):
        raise ServiceError({"minutes_per_unit": [_("折算服务时长应为1至1440分钟")]})
    item = ServiceItem.objects.create(
        provider=provider,
        category=category,
        name=_text(name, "name", limit=100),
        unit=unit,
        price_fen=price_fen,
        minutes_per_unit=minutes_per_unit,
    )
    audit.record_created(item, region_code=provider.audit_region_code)
    return item


@transaction.atomic
def update_service_item(
    *, user, item: ServiceItem, price_fen: int | None = None, active: bool | None = None
) -> ServiceItem:
    """A new price applies to bookings made from now on; booked ones keep the price booked."""
    _guard_provider_side(user, item.provider)
    if price_fen is not None and (
        isinstance(price_fen, bool)
        or not isinstance(price_fen, int)
        or not 0 <= price_fen <= 10_000_000
    ):
        raise ServiceError({"price": [_("价格无效")]})
    with audit.audited(item, region_code=item.provider.audit_region_code):
        if price_fen is not None:
            item.price_fen = price_fen
        if active is not None:
            item.active = active
        item.save()
    return item


@transaction.atomic
def add_worker(*, user, provider: Provider, name: str, phone: str = "") -> Worker:
    _guard_provider_side(user, provider)
    worker = Worker.objects.create(
        provider=provider,
        name=_text(name, "name", limit=64),
        phone=_text(phone, "phone", required=False, limit=20),
    )
    audit.record_created(worker, region_code=provider.audit_region_code)
    return worker


# ---------------------------------------------------------------- institutions


@transaction.atomic
def register_institution(
    *,
    user,
    name: str,
    kind: str,
    region: Region,
    beds: int,
    opened_on: dt.date,
    operator: Provider | None = None,
    phone: str = "",
) -> Institution:
    _facility_guard(user, region)
    if kind not in Institution.Kind.values:
        raise ServiceError({"kind": [_("机构类别无效")]})
    if isinstance(beds, bool) or not isinstance(beds, int) or not 0 <= beds <= 10000:
        raise ServiceError({"beds": [_("床位数应为0至10000")]})
    institution = Institution.objects.create(
        name=_text(name, "name", limit=100),
        kind=kind,
        region=region,
        beds=beds,
        opened_on=opened_on,
        operator=operator,
        phone=_text(phone, "phone", required=False, limit=20),
    )
    audit.record_created(institution)
    return institution


@transaction.atomic
def update_institution(
    *,
    user,
    institution: Institution,
    reason: str,
    beds: int | None = None,
    closed_on: dt.date | None = None,
) -> Institution:
    _facility_guard(user, institution.region)
    reason = _text(reason, "reason", limit=500)
    with audit.audited(institution, note=reason):
        if beds is not None:
            if isinstance(beds, bool) or not isinstance(beds, int) or not 0 <= beds <= 10000:
                raise ServiceError({"beds": [_("床位数应为0至10000")]})
            occupied = institution.residencies.filter(left_on__isnull=True).count()
            if beds < occupied:
                raise ServiceError(
                    {"beds": [_("床位数不能少于在住老人数（%(n)s）") % {"n": occupied}]}
                )
            institution.beds = beds
        if closed_on is not None:
            if closed_on < institution.opened_on:
                raise ServiceError({"closed_on": [_("停用日期不能早于建成日期")]})
            institution.closed_on = closed_on
        institution.save()
    return institution


@transaction.atomic
def record_inspection(
    *,
    user,
    institution: Institution,
    inspected_on: dt.date,
    result: str,
    inspector: str,
    findings: str = "",
    rectify_by: dt.date | None = None,
) -> FireInspection:
    _facility_guard(user, institution.region)
    if result not in FireInspection.Result.values:
        raise ServiceError({"result": [_("检查结果无效")]})
    if result == FireInspection.Result.RECTIFY and rectify_by is None:
        raise ServiceError({"rectify_by": [_("限期整改须填写整改期限")]})
    if result != FireInspection.Result.PASSED and not (findings or "").strip():
        raise ServiceError({"findings": [_("请填写发现的问题")]})
    inspection = FireInspection.objects.create(
        institution=institution,
        inspected_on=inspected_on,
        result=result,
        inspector=_text(inspector, "inspector", limit=100),
        findings=_text(findings, "findings", required=False, limit=1000),
        rectify_by=rectify_by,
    )
    audit.record_created(inspection)
    return inspection


@transaction.atomic
def record_health_agreement(
    *,
    user,
    institution: Institution,
    medical_name: str,
    medical_kind: str,
    signed_on: dt.date,
    ended_on: dt.date | None = None,
    services: str = "",
) -> HealthAgreement:
    _facility_guard(user, institution.region)
    if medical_kind not in HealthAgreement.MedicalKind.values:
        raise ServiceError({"medical_kind": [_("医疗机构类别无效")]})
    if ended_on is not None and ended_on <= signed_on:
        raise ServiceError({"ended_on": [_("终止日期应晚于签订日期")]})
    agreement = HealthAgreement.objects.create(
        institution=institution,
        medical_name=_text(medical_name, "medical_name", limit=100),
        medical_kind=medical_kind,
        signed_on=signed_on,
        ended_on=ended_on,
        services=_text(services, "services", required=False, limit=500),
    )
    audit.record_created(agreement)
    return agreement


@transaction.atomic
def admit_resident(
    *, user, institution: Institution, person, admitted_on: dt.date, bed_label: str = ""
) -> Residency:
    _facility_guard(user, institution.region)
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    occupied = institution.residencies.filter(left_on__isnull=True).count()
    if occupied >= institution.beds:
        raise ServiceError(
            {"institution": [_("床位已满（%(n)s张）") % {"n": institution.beds}]}, status=409
        )
    if person.death_date is not None:
        raise ServiceError({"person": [_("该人员已死亡")]})
    try:
        with transaction.atomic():
            residency = Residency.objects.create(
                institution=institution,
                person=person,
                admitted_on=admitted_on,
                bed_label=_text(bed_label, "bed_label", required=False, limit=20),
            )
    except IntegrityError:
        raise ServiceError({"person": [_("该老人已入住其他机构")]}, status=409) from None
    audit.record_created(residency, object_repr=f"{person.name} → {institution.name}")
    return residency


@transaction.atomic
def discharge_resident(*, user, residency: Residency, left_on: dt.date) -> Residency:
    _facility_guard(user, residency.institution.region)
    if residency.left_on is not None:
        raise ServiceError({"left_on": [_("已离院")]}, status=409)
    if left_on < residency.admitted_on:
        raise ServiceError({"left_on": [_("离院日期不能早于入住日期")]})
    with audit.audited(residency):
        residency.left_on = left_on
        residency.save(update_fields=["left_on"])
    return residency


# ---------------------------------------------------------------- associations


@transaction.atomic
def register_association(
    *, user, region: Region, name: str, founded_on: dt.date, members: int = 0, chair: str = ""
) -> ElderlyAssociation:
    _guard(user, region, ASSOCIATION_WRITERS, _("当前账号无权登记老年协会"))
    if region.level != Region.Level.VILLAGE:
        raise ServiceError({"region": [_("老年协会按村（社区）登记")]})
    if ElderlyAssociation.objects.filter(region=region, dissolved_on__isnull=True).exists():
        raise ServiceError({"region": [_("该村（社区）已有老年协会")]}, status=409)
    association = ElderlyAssociation.objects.create(
        region=region,
        name=_text(name, "name", limit=100),
        founded_on=founded_on,
        members=members,
        chair=_text(chair, "chair", required=False, limit=64),
    )
    audit.record_created(association)
    return association


@transaction.atomic
def dissolve_association(
    *, user, association: ElderlyAssociation, dissolved_on: dt.date, reason: str
) -> ElderlyAssociation:
    _guard(user, association.region, ASSOCIATION_WRITERS, _("当前账号无权登记老年协会"))
    reason = _text(reason, "reason", limit=500)
    with audit.audited(association, note=reason):
        association.dissolved_on = dissolved_on
        association.save(update_fields=["dissolved_on"])
    return association

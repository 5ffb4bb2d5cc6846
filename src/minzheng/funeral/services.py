"""Writes of funeral and burial management (docs/DOMAIN.md §14): one function per action, each
checking, locking, changing and auditing in one transaction.

Eligibility for free basic services and for the funeral grant is read from the payments module's
entitlements (the benefits the deceased received in the month of death): see `groups_at_death`.
"""

from __future__ import annotations

import datetime as dt
import io

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.core.money import yuan_str
from minzheng.core.scope import region_in_scope
from minzheng.payments import oneoff
from minzheng.payments.models import Entitlement
from minzheng.people import services as people_services
from minzheng.people.models import HouseholdMember, Person
from minzheng.regions.models import Region

from . import selectors
from .models import (
    BASIC_ITEMS,
    ECO_KINDS,
    NO_PLACE_KINDS,
    AreaKind,
    AreaSetting,
    Assessment,
    Burial,
    BurialKind,
    Cemetery,
    Claim,
    Cremation,
    Grant,
    PriceStandard,
    Provider,
    ProviderStaff,
    ServiceItem,
)
from .permissions import may_manage, may_record

GRANT_SOURCE = "funeral_grant"
GRANT_PROGRAMME = "funeral_grant"
# Benefits in the month of death that make the basic funeral services free (惠民殡葬), in the
# order a group is named when a person held several; and those that also give the funeral grant
# (特困 support includes the funeral, docs/DOMAIN.md §3.2, §14). Special-care beneficiaries'
# one-off pension on death is decided by the special-care module (§9), not here.
FREE_SERVICE_PROGRAMMES = (
    "tekun",
    "dibao_urban",
    "dibao_rural",
    "orphan_allowance",
    "special_care_pension",
)
GRANT_PROGRAMMES = ("tekun",)


def _month(on: dt.date) -> dt.date:
    return on.replace(day=1)


def _need(check: bool, message: str) -> None:
    if not check:
        raise PermissionDeniedError(message)


def _bureau(user, region: Region) -> None:
    _need(may_manage(user), _("只有县级以上民政部门可以办理"))
    if not region_in_scope(user, region):
        raise ServiceError({"region": [_("所选区域不在本账号的管辖范围内")]})


def _own_provider(user) -> Provider:
    _need(may_record(user), _("只有殡葬服务机构工作人员可以办理"))
    provider = selectors.provider_of(user)
    if provider is None or not provider.active:
        raise PermissionDeniedError(_("本账号未关联正常运营的殡葬服务机构"))
    return provider


def _region(code: str, field: str = "region_code") -> Region:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        raise ServiceError({field: [_("区划代码不存在")]})
    return region


def county_of(region: Region) -> Region:
    """The county (or the city, for a city-level region) a region belongs to."""
    codes = region.path.strip("/").split("/")
    county = Region.objects.filter(code__in=codes, level=Region.Level.COUNTY).first()
    return county or region


# ---------------------------------------------------------------- providers


@transaction.atomic
def register_provider(
    *,
    user,
    name: str,
    kind: str,
    region_code: str,
    licence_number: str,
    licence_valid_until: dt.date,
    address: str = "",
    phone: str = "",
) -> Provider:
    region = _region(region_code)
    _bureau(user, region)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    licence_number = (licence_number or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("请填写机构名称（不超过100个字）")]
    elif Provider.objects.filter(name=name).exists():
        errors["name"] = [_("该机构名称已登记")]
    if kind not in Provider.Kind.values:
        errors["kind"] = [_("请选择机构类型")]
    if region.level not in (Region.Level.CITY, Region.Level.COUNTY, Region.Level.TOWNSHIP):
        errors["region_code"] = [_("请选择市、县（市、区）或乡镇（街道）")]
    if not licence_number or len(licence_number) > 40:
        errors["licence_number"] = [_("请填写许可证号（不超过40个字符）")]
    elif Provider.objects.filter(licence_number=licence_number).exists():
        errors["licence_number"] = [_("该许可证号已登记")]
    if not isinstance(licence_valid_until, dt.date):
        errors["licence_valid_until"] = [_("请填写许可证有效期")]
    elif licence_valid_until < timezone.localdate():
        errors["licence_valid_until"] = [_("许可证已过期，不能登记")]
    if errors:
        raise ServiceError(errors)
    provider = Provider.objects.create(
        name=name,
        kind=kind,
        region=region,
        licence_number=licence_number,
        licence_valid_until=licence_valid_until,
        address=(address or "").strip()[:200],
        phone=(phone or "").strip()[:20],
        created_by=user,
    )
    audit.record_created(provider, note=_("登记殡葬服务机构"))
    return provider


@transaction.atomic
def set_provider_active(*, user, provider: Provider, active: bool) -> Provider:
    _bureau(user, provider.region)
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    with audit.audited(provider, note=_("恢复运营") if active else _("停止运营")):
        provider.active = active
        provider.save(update_fields=["active"])
    return provider


@transaction.atomic
def bind_account(*, user, provider: Provider, account) -> ProviderStaff:
    """Bind an account of role `funeral_home` to the provider it works for. The account must be
    of the bureau's regions; an account bound to a provider outside them is not moved."""
    _bureau(user, provider.region)
    if account is None or (account.region_id and not region_in_scope(user, account.region)):
        raise ServiceError({"username": [_("未找到该账号")]})
    if account.role != "funeral_home":
        raise ServiceError({"username": [_("只能关联殡葬服务机构账号")]})
    if not provider.active:
        raise ServiceError({"username": [_("该机构已停止运营，不能关联账号")]})
    staff = ProviderStaff.objects.select_for_update().filter(user=account).first()
    if staff is None:
        staff = ProviderStaff.objects.create(user=account, provider=provider)
        audit.record_created(
            staff, note=_("关联殡葬服务机构账号"), region_code=provider.region.code
        )
        return staff
    if staff.provider_id == provider.pk:
        raise ServiceError({"username": [_("该账号已关联本机构")]}, status=409)
    if not region_in_scope(user, staff.provider.region):
        raise ServiceError({"username": [_("该账号已关联其他机构")]}, status=409)
    with audit.audited(staff, note=_("关联殡葬服务机构账号"), region_code=provider.region.code):
        staff.provider = provider
        staff.save(update_fields=["provider"])
    return staff


@transaction.atomic
def unbind_account(*, user, staff: ProviderStaff) -> None:
    """Remove an account from its provider; the account keeps its role but can record nothing."""
    provider = staff.provider
    _bureau(user, provider.region)
    audit.record(
        AuditEvent.Action.DELETE,
        obj=staff,
        before=audit.snapshot(staff),
        note=_("解除殡葬服务机构账号关联"),
        region_code=provider.region.code,
    )
    staff.delete()


@transaction.atomic
def record_assessment(
    *,
    user,
    provider: Provider,
    year: int,
    assessed_on: dt.date,
    score: int,
    passed: bool,
    note: str = "",
) -> Assessment:
    """The yearly standardisation assessment; one per provider and year (a second corrects it)."""
    _bureau(user, provider.region)
    errors: dict[str, list[str]] = {}
    if not isinstance(score, int) or not 0 <= score <= 100:
        errors["score"] = [_("得分应为0至100的整数")]
    if not isinstance(assessed_on, dt.date) or assessed_on > timezone.localdate():
        errors["assessed_on"] = [_("检查日期不能晚于今天")]
    elif assessed_on.year != year:
        errors["assessed_on"] = [_("检查日期应在所评年度内")]
    if errors:
        raise ServiceError(errors)
    existing = Assessment.objects.select_for_update().filter(provider=provider, year=year).first()
    assessment = existing or Assessment(provider=provider, year=year)
    with audit.audited(assessment, note=_("殡葬服务标准化检查")):
        assessment.assessed_on = assessed_on
        assessment.score = score
        assessment.passed = bool(passed)
        assessment.note = (note or "").strip()[:500]
        assessment.assessed_by = user
        assessment.save()
    return assessment


@transaction.atomic
def set_area(*, user, region_code: str, kind: str, reason: str = "") -> AreaSetting:
    """Declare a county or township a cremation area or a burial-reform area."""
    region = _region(region_code)
    _bureau(user, region)
    if region.level not in (Region.Level.COUNTY, Region.Level.TOWNSHIP):
        raise ServiceError({"region_code": [_("请选择县（市、区）或乡镇（街道）")]})
    if kind not in AreaKind.values:
        raise ServiceError({"kind": [_("请选择火化区或土葬改革区")]})
    if kind == AreaKind.REFORM and not (reason or "").strip():
        raise ServiceError({"reason": [_("划为土葬改革区须注明依据")]})
    setting = AreaSetting.objects.select_for_update().filter(region=region).first()
    setting = setting or AreaSetting(region=region)
    with audit.audited(setting, note=_("设定殡葬改革区域")):
        setting.kind = kind
        setting.reason = (reason or "").strip()[:200]
        setting.set_by = user
        setting.save()
    return setting


# ---------------------------------------------------------------- cemeteries


@transaction.atomic
def register_cemetery(
    *,
    user,
    name: str,
    kind: str,
    region_code: str,
    operator: Provider,
    capacity: int,
    built_on: dt.date,
) -> Cemetery:
    region = _region(region_code)
    _bureau(user, region)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("请填写公墓名称（不超过100个字）")]
    elif Cemetery.objects.filter(region=region, name=name).exists():
        errors["name"] = [_("该区域已有同名公墓")]
    if kind not in Cemetery.Kind.values:
        errors["kind"] = [_("请选择公墓类型")]
    elif kind == Cemetery.Kind.VILLAGE_ECO and region.level != Region.Level.VILLAGE:
        errors["region_code"] = [_("村级公益性生态公墓应选择所在村")]
    if not isinstance(capacity, int) or not 1 <= capacity <= 200_000:
        errors["capacity"] = [_("设计容量应为1至200000的整数")]
    if not isinstance(built_on, dt.date) or built_on > timezone.localdate():
        errors["built_on"] = [_("建成日期不能晚于今天")]
    if not operator.active:
        errors["operator_id"] = [_("经营管理单位已停止运营")]
    if errors:
        raise ServiceError(errors)
    cemetery = Cemetery.objects.create(
        name=name,
        kind=kind,
        region=region,
        operator=operator,
        capacity=capacity,
        built_on=built_on,
    )
    audit.record_created(cemetery, note=_("登记公墓"))
    return cemetery


# ---------------------------------------------------------------- eligibility and prices


def groups_at_death(person: Person, death_date: dt.date) -> list[str]:
    """The programmes the person received in the month of death: their own entitlements and
    their household's (低保 is paid per household), live in that month."""
    month = _month(death_date)
    households = HouseholdMember.objects.filter(person=person, since__lte=death_date).filter(
        Q(until__isnull=True) | Q(until__gte=death_date)
    )
    live = (
        Entitlement.objects.filter(start_month__lte=month)
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .filter(
            Q(person=person)
            | Q(person__isnull=True, household_id__in=households.values("household_id"))
        )
    )
    held = set(live.values_list("programme", flat=True))
    return [p for p in FREE_SERVICE_PROGRAMMES if p in held]


def eligible_group(person: Person, death_date: dt.date) -> str:
    groups = groups_at_death(person, death_date)
    return groups[0] if groups else ""


def standard_of(item: str, region: Region, on: dt.date) -> int | None:
    """The standard (fen) of the item for the region on the date: the most specific region of
    the region's chain with a standard, its latest standard in force."""
    prefixes = region.path.strip("/").split("/")
    rows = PriceStandard.objects.filter(
        item=item, effective_from__lte=on, region__code__in=prefixes
    ).values_list("region__path", "effective_from", "amount_fen")
    best = max(rows, key=lambda r: (len(r[0]), r[1]), default=None)
    return best[2] if best else None


def _household_at_death(person: Person, death_date: dt.date):
    member = (
        HouseholdMember.objects.filter(person=person, since__lte=death_date)
        .filter(Q(until__isnull=True) | Q(until__gte=death_date))
        .select_related("household", "household__region")
        .order_by("-since")
        .first()
    )
    return member.household if member else None


# ---------------------------------------------------------------- cremations


def _number(prefix: str, provider: Provider, model, on: dt.date) -> str:
    """The next number of the provider's year, under the lock of the provider's row."""
    Provider.objects.select_for_update().filter(pk=provider.pk).first()
    stem = f"{prefix}{on.year}{provider.pk:03d}"
    last = (
        model.objects.filter(number__startswith=stem)
        .order_by("-number")
        .values_list("number", flat=True)
    ).first()
    seq = int(last[len(stem) :]) + 1 if last else 1
    return f"{stem}{seq:05d}"


@transaction.atomic
def record_cremation(
    *,
    user,
    id_number: str,
    name: str,
    death_date: dt.date,
    cremated_on: dt.date,
    family_contact: str,
    family_phone: str = "",
    items: list[str] | tuple[str, ...] = BASIC_ITEMS,
    correct_death_date: bool = False,
) -> Cremation:
    """A body cremated by the user's funeral home, matched to the registry by full ID number and
    name. The registry's death date is set when empty, confirmed when equal, and corrected only
    when the home confirms it and the registry accepts it (people.services.record_reported_death);
    the basic services given are priced by the standards and exempted for an eligible person; an
    eligible person's funeral grant is proposed to the county."""
    home = _own_provider(user)
    if home.kind != Provider.Kind.FUNERAL_HOME:
        raise PermissionDeniedError(_("只有殡仪馆可以登记火化"))
    return cremate(
        home=home,
        recorded_by=user,
        id_number=id_number,
        name=name,
        death_date=death_date,
        cremated_on=cremated_on,
        family_contact=family_contact,
        family_phone=family_phone,
        items=items,
        correct_death_date=correct_death_date,
    )


@transaction.atomic
def cremate(
    *,
    home: Provider,
    recorded_by,
    id_number: str,
    name: str,
    death_date: dt.date,
    cremated_on: dt.date,
    family_contact: str,
    family_phone: str = "",
    items=BASIC_ITEMS,
    correct_death_date: bool = False,
) -> Cremation:
    """The cremation itself, for a home already checked (record_cremation; the demo's homes)."""
    user = recorded_by
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    family_contact = (family_contact or "").strip()
    if not family_contact or len(family_contact) > 64:
        errors["family_contact"] = [_("请填写经办家属姓名（不超过64个字）")]
    if not isinstance(death_date, dt.date):
        errors["death_date"] = [_("请填写死亡日期")]
    if not isinstance(cremated_on, dt.date):
        errors["cremated_on"] = [_("请填写火化日期")]
    elif cremated_on > today:
        errors["cremated_on"] = [_("火化日期不能晚于今天")]
    elif isinstance(death_date, dt.date) and cremated_on < death_date:
        errors["cremated_on"] = [_("火化日期不能早于死亡日期")]
    unknown = [i for i in items if i not in ServiceItem.values]
    if unknown:
        errors["items"] = [_("服务项目不正确")]
    person = selectors.match_deceased(id_number, name) if (id_number or "").strip() else None
    if not (id_number or "").strip():
        errors["id_number"] = [_("请填写逝者身份证号码")]
    elif person is None:
        errors["id_number"] = [_("人口信息库中没有与该身份证号码和姓名相符的人员，请核对证件")]
    if errors:
        raise ServiceError(errors)
    person = Person.objects.select_for_update().select_related("hukou_region").get(pk=person.pk)
    if Cremation.objects.filter(person=person).exists():
        raise ServiceError({"id_number": [_("该逝者已有火化记录")]}, status=409)
    person, outcome = people_services.record_reported_death(
        person=person, death_date=death_date, source=home.name, correct=correct_death_date
    )
    group = eligible_group(person, death_date)
    cremation = Cremation(
        number=_number("HZ", home, Cremation, cremated_on),
        home=home,
        person=person,
        region=person.hukou_region,
        death_date=death_date,
        cremated_on=cremated_on,
        death_date_corrected=outcome == "corrected",
        family_contact=family_contact,
        family_phone=(family_phone or "").strip()[:20],
        eligible_group=group,
        recorded_by=user,
    )
    cremation.save()
    lines = []
    for item in dict.fromkeys(items):
        price = standard_of(item, home.region, cremated_on)
        if price is None:
            raise ServiceError({"items": [_("尚未设定该项服务的收费标准")]})
        lines.append(cremation.services.create(item=item, price_fen=price, exempt=bool(group)))
    audit.record_created(
        cremation,
        note=_("登记火化，人口信息库死亡日期：%(o)s")
        % {"o": {"set": _("新登记"), "confirmed": _("一致"), "corrected": _("已更正")}[outcome]},
        extra={"services": [(line.item, line.price_fen, line.exempt) for line in lines]},
    )
    if group in GRANT_PROGRAMMES:
        _propose_grant(cremation, group)
    return cremation


def _propose_grant(cremation: Cremation, group: str) -> Grant | None:
    person = cremation.person
    if Grant.objects.filter(person=person).exists():
        return None
    household = _household_at_death(person, cremation.death_date)
    amount = standard_of(PriceStandard.GRANT, person.hukou_region, cremation.death_date)
    if household is None or not amount:
        return None
    grant = Grant.objects.create(
        person=person,
        cremation=cremation,
        household=household,
        region=person.hukou_region,
        group=group,
        amount_fen=amount,
    )
    audit.record_created(grant, note=_("提出丧葬补助，待县级审核"))
    return grant


@transaction.atomic
def decide_grant(*, user, grant: Grant, approve: bool, note: str = "") -> Grant:
    """The county approves or refuses a proposed funeral grant. Approval publishes a one-off
    payable with the grant as its source, so the same death is paid once: deciding again answers
    with the grant as it is and the payable registered first."""
    county = county_of(grant.region)
    _bureau(user, county)
    if not (user.is_superuser or user.role in ("county_approver", "admin")):
        raise PermissionDeniedError(_("丧葬补助由户籍地县级民政部门审核"))
    grant = Grant.objects.select_for_update().select_related("person", "household").get(pk=grant.pk)
    if grant.status != Grant.Status.PROPOSED:
        if approve and grant.status == Grant.Status.APPROVED:
            return grant
        raise ServiceError({"status": [_("该补助已审核")]}, status=409)
    if not approve and not (note or "").strip():
        raise ServiceError({"note": [_("不予发放须注明理由")]})
    today = timezone.localdate()
    with audit.audited(grant, note=_("核准丧葬补助") if approve else _("不予发放丧葬补助")):
        grant.status = Grant.Status.APPROVED if approve else Grant.Status.REJECTED
        grant.decided_by = user
        grant.decided_on = today
        grant.decision_note = (note or "").strip()[:500]
        if approve:
            grant.payable = oneoff.register_payable(
                source_kind=GRANT_SOURCE,
                source_id=grant.pk,
                programme=GRANT_PROGRAMME,
                household=grant.household,
                person=grant.person,
                region=grant.household.region,
                amount_fen=grant.amount_fen,
                decided_on=today,
                description=_("丧葬补助 %(n)s") % {"n": grant.cremation.number}
                if grant.cremation_id
                else _("丧葬补助"),
            )
        grant.save()
    return grant


# ---------------------------------------------------------------- claims


@transaction.atomic
def submit_claim(*, user, county_code: str, month: dt.date) -> Claim:
    """Claim from a county the exempted services the home gave in a month to people registered in
    that county, not yet claimed (or in a returned claim)."""
    home = _own_provider(user)
    county = _region(county_code, "county_code")
    if county.level != Region.Level.COUNTY:
        raise ServiceError({"county_code": [_("请选择县（市、区）")]})
    if not isinstance(month, dt.date):
        raise ServiceError({"month": [_("请选择服务月份")]})
    month = _month(month)
    if month > _month(timezone.localdate()):
        raise ServiceError({"month": [_("服务月份不能晚于本月")]})
    Provider.objects.select_for_update().filter(pk=home.pk).first()
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    lines = (
        home_lines(home)
        .filter(cremation__region__path__startswith=county.path)
        .filter(cremation__cremated_on__gte=month, cremation__cremated_on__lt=nxt)
        .filter(Q(claim__isnull=True) | Q(claim__status=Claim.Status.RETURNED))
    )
    total = lines.aggregate(s=Sum("price_fen"))["s"] or 0
    count = lines.count()
    if not count:
        raise ServiceError({"month": [_("该月没有待结算的免除费用")]})
    if Claim.objects.filter(
        home=home, county=county, month=month, status=Claim.Status.SUBMITTED
    ).exists():
        raise ServiceError({"month": [_("该月已有待审核的结算申请")]}, status=409)
    claim = Claim.objects.create(
        home=home, county=county, month=month, total_fen=total, lines=count, submitted_by=user
    )
    lines.update(claim=claim)
    audit.record_created(
        claim, note=_("申请结算惠民殡葬免除费用 %(y)s 元") % {"y": yuan_str(total)}
    )
    return claim


def home_lines(home: Provider):
    from .models import ServiceLine

    return ServiceLine.objects.filter(cremation__home=home, exempt=True)


@transaction.atomic
def decide_claim(*, user, claim: Claim, approve: bool, note: str = "") -> Claim:
    _bureau(user, claim.county)
    if not (user.is_superuser or user.role in ("county_approver", "admin")):
        raise PermissionDeniedError(_("结算申请由县级民政部门审核"))
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != Claim.Status.SUBMITTED:
        raise ServiceError({"status": [_("该申请已审核")]}, status=409)
    if not approve and not (note or "").strip():
        raise ServiceError({"note": [_("退回须注明理由")]})
    with audit.audited(claim, note=_("核准结算") if approve else _("退回结算申请")):
        claim.status = Claim.Status.APPROVED if approve else Claim.Status.RETURNED
        claim.decided_by = user
        claim.decided_at = timezone.now()
        claim.decision_note = (note or "").strip()[:500]
        claim.save()
    return claim


# ---------------------------------------------------------------- burials


@transaction.atomic
def record_burial(
    *,
    user,
    id_number: str,
    name: str,
    kind: str,
    buried_on: dt.date,
    cemetery: Cemetery | None = None,
) -> Burial:
    """A burial by the user's provider: in one of the cemeteries it runs (a place taken under the
    cemetery's row lock, so capacity holds under concurrent burials) or, for a sea burial, none.
    The deceased must be dead in the registry."""
    return bury(
        provider=_own_provider(user),
        recorded_by=user,
        id_number=id_number,
        name=name,
        kind=kind,
        buried_on=buried_on,
        cemetery=cemetery,
    )


@transaction.atomic
def bury(
    *,
    provider: Provider,
    recorded_by,
    id_number: str,
    name: str,
    kind: str,
    buried_on: dt.date,
    cemetery: Cemetery | None = None,
) -> Burial:
    """The burial itself, for a provider already checked (record_burial; the demo)."""
    user = recorded_by
    errors: dict[str, list[str]] = {}
    if kind not in BurialKind.values:
        errors["kind"] = [_("请选择安葬方式")]
    if not isinstance(buried_on, dt.date) or buried_on > timezone.localdate():
        errors["buried_on"] = [_("安葬日期不能晚于今天")]
    if cemetery is None and kind != BurialKind.SEA:
        errors["cemetery_id"] = [_("请选择公墓")]
    elif cemetery is not None and cemetery.operator_id != provider.pk:
        raise NotFoundOrOutOfScope()
    person = selectors.match_deceased(id_number, name) if (id_number or "").strip() else None
    if not (id_number or "").strip():
        errors["id_number"] = [_("请填写逝者身份证号码")]
    elif person is None:
        errors["id_number"] = [_("人口信息库中没有与该身份证号码和姓名相符的人员，请核对证件")]
    elif person.death_date is None:
        errors["id_number"] = [_("人口信息库尚未登记该人员死亡，请先登记火化或由户籍地登记死亡")]
    elif isinstance(buried_on, dt.date) and buried_on < person.death_date:
        errors["buried_on"] = [_("安葬日期不能早于死亡日期")]
    if errors:
        raise ServiceError(errors)
    if Burial.objects.filter(person=person).exists():
        raise ServiceError({"id_number": [_("该逝者已有安葬记录")]}, status=409)
    if cemetery is not None:
        cemetery = Cemetery.objects.select_for_update().get(pk=cemetery.pk)
        if not cemetery.active:
            raise ServiceError({"cemetery_id": [_("该公墓已停用")]})
        if cemetery.built_on > buried_on:
            raise ServiceError({"buried_on": [_("安葬日期早于公墓建成日期")]})
        if kind not in NO_PLACE_KINDS:
            if cemetery.used >= cemetery.capacity:
                raise ServiceError({"cemetery_id": [_("该公墓已无空余穴位")]}, status=409)
            Cemetery.objects.filter(pk=cemetery.pk).update(used=F("used") + 1)
    burial = Burial.objects.create(
        number=_number("AZ", provider, Burial, buried_on),
        kind=kind,
        cemetery=cemetery,
        provider=provider,
        person=person,
        region=person.hukou_region,
        buried_on=buried_on,
        eco=kind in ECO_KINDS,
        recorded_by=user,
    )
    audit.record_created(burial, note=_("登记安葬：%(k)s") % {"k": burial.get_kind_display()})
    return burial


# ---------------------------------------------------------------- the certificate


def certificate_pdf(cremation: Cremation) -> bytes:
    """The cremation certificate (火化证明), one A5 page with the embedded CJK font; an official
    document, so always in Chinese whatever the reader's language."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return _certificate_pdf(cremation)


def _certificate_pdf(cremation: Cremation) -> bytes:
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfgen import canvas

    from minzheng.core.pdf import cjk_font

    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A5)
    pdf.setTitle(_("火化证明"))
    width, height = A5
    pdf.setFont(font, 20)
    pdf.drawCentredString(width / 2, height - 70, _("火化证明"))
    pdf.setFont(font, 10)
    pdf.drawRightString(width - 40, height - 95, _("编号：%(n)s") % {"n": cremation.number})
    person = cremation.person
    rows = [
        (_("逝者姓名"), person.name),
        (_("性别"), person.get_sex_display()),
        (_("身份证号码"), person.id_masked),
        (_("户籍地"), cremation.region.name),
        (_("死亡日期"), cremation.death_date.isoformat()),
        (_("火化日期"), cremation.cremated_on.isoformat()),
        (_("经办家属"), cremation.family_contact),
    ]
    y = height - 140
    pdf.setFont(font, 12)
    for label, value in rows:
        if not value:
            continue
        pdf.drawString(60, y, f"{label}：")
        pdf.drawString(160, y, str(value))
        y -= 28
    pdf.drawString(60, y - 20, _("兹证明上述逝者遗体已在本馆火化。"))
    pdf.drawRightString(width - 50, 110, cremation.home.name)
    pdf.drawRightString(width - 50, 88, cremation.created_at.date().isoformat())
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()

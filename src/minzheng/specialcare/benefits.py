"""Special-care benefits (优抚待遇, docs/DOMAIN.md §9.1.3): the periodic pension paid by the payroll,
the yearly conscript-family benefit and the one-off grants paid as one-off payables, and the
medical guarantees recorded per year.

Periodic pensions and living allowances (定期抚恤金 / 定期生活补助). The county approver confirms a
benefit for an active recipient whose category receives one (disabled veterans of a grade and
cause with a standard — grades 1–10 disabled in war or on duty, 1–6 by illness —, families of
martyrs and of soldiers who died on duty or of illness, veterans living in the countryside,
discharged with illness, war and weapons-test veterans; not serving soldiers' families). It
becomes a per-person `payments.Entitlement` of programme `special_care_pension` from the month
after the confirmation, with no end month. Its monthly amount is the annual standard of the
recipient's key (`disabled_<cause>_grade_<n>` or the category) in force for the village, divided
by 12 and rounded half up to the fen [assumed]. The basis records the recipient, category, grade
and cause, so the payroll's standard-change recomputation moves every recipient to a new figure
from the month it takes effect (the calculator registered below); the grade and cause are also
kept in `Pension`'s own columns for the data-quality rule.

The roster publishes its approved changes (`signals.recipient_changed`): a grade change puts the
new grade's amount in force from the month after the approval; a record that ended (death, move
out, disqualified) stops the entitlement after the month it ended; a move inside the city moves
the entitlement's village. The registry's death scan stops payments on a death too.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import actor_name
from minzheng.assistance.params import SPECIALCARE_GRADES
from minzheng.assistance.selectors import all_standards_in_force, standards_table
from minzheng.core import audit
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.money import yuan_str
from minzheng.payments import months
from minzheng.payments.models import Entitlement, EntitlementChange, Overpayment
from minzheng.payments.services import (
    end_entitlement,
    open_person_entitlement,
    person_entitlement,
    set_amount,
)
from minzheng.people.models import HouseholdMember
from minzheng.people.selectors import current_household
from minzheng.regions.models import Region

from .benefit_selectors import get_recipient, may_confirm
from .models import Category, Pension, Recipient, RecipientStatus

PROGRAMME = "special_care_pension"
RULE_VERSION = "special_care_pension/2016.1"
# Categories paid a periodic pension or living allowance (the serving families are not: theirs is
# the yearly conscript-family benefit).
PENSION_CATEGORIES = (
    Category.DISABLED_VETERAN,
    Category.MARTYR_FAMILY,
    Category.DUTY_DEATH_FAMILY,
    Category.ILLNESS_DEATH_FAMILY,
    Category.RURAL_VETERAN,
    Category.ILLNESS_VETERAN,
    Category.WAR_VETERAN,
    Category.TEST_VETERAN,
)


def pension_key(category: str, grade: int | None, cause: str | None) -> str | None:
    """The standard's key for a recipient, or None when the record receives no periodic pension."""
    if category == Category.DISABLED_VETERAN:
        if cause in SPECIALCARE_GRADES and grade in SPECIALCARE_GRADES[cause]:
            return f"disabled_{cause}_grade_{grade}"
        return None
    if category in PENSION_CATEGORIES:
        return str(category)
    return None


def due_q(prefix: str = "") -> Q:
    """Active records whose category, grade and cause receive a periodic pension."""
    p = prefix
    disabled = Q(**{f"{p}category": Category.DISABLED_VETERAN}) & (
        Q(
            **{
                f"{p}disability_cause__in": ["war", "duty"],
                f"{p}disability_grade__gte": 1,
                f"{p}disability_grade__lte": 10,
            }
        )
        | Q(
            **{
                f"{p}disability_cause": "illness",
                f"{p}disability_grade__gte": 1,
                f"{p}disability_grade__lte": 6,
            }
        )
    )
    others = Q(**{f"{p}category__in": [c for c in PENSION_CATEGORIES if c != "disabled_veteran"]})
    return Q(**{f"{p}status": RecipientStatus.ACTIVE}) & (disabled | others)


def monthly_fen(annual_fen: int) -> int:
    """The monthly payment of an annual standard: ÷ 12, rounded half up to the fen [assumed]."""
    return (2 * annual_fen + 12) // 24


def amount_for(basis: dict, standards) -> int:
    """The monthly amount in fen for a basis under the resolved standards of a region."""
    key = pension_key(basis.get("category"), basis.get("grade"), basis.get("cause"))
    resolved = standards.get(PROGRAMME, {}).get(key) if key else None
    value = getattr(resolved, "value", None)
    if value is None:
        raise LookupError(f"{PROGRAMME}.{key}")
    return monthly_fen(value)


def basis_of(recipient: Recipient) -> dict:
    return {
        "recipient": recipient.pk,
        "category": recipient.category,
        "grade": recipient.disability_grade,
        "cause": recipient.disability_cause or None,
    }


def live_pension(recipient_id: int) -> Pension | None:
    return (
        Pension.objects.filter(recipient_id=recipient_id)
        .exclude(entitlement__status=Entitlement.Status.TERMINATED)
        .select_related("entitlement")
        .first()
    )


def _check_due(recipient: Recipient) -> str:
    if recipient.status != RecipientStatus.ACTIVE:
        raise ServiceError({"recipient": [_("该优抚对象已注销")]})
    key = pension_key(recipient.category, recipient.disability_grade, recipient.disability_cause)
    if key is None:
        if recipient.category == Category.SERVING_FAMILY:
            raise ServiceError(
                {"category": [_("现役军人家属不享受定期抚恤补助，发放义务兵家庭优待金")]}
            )
        raise ServiceError({"disability_grade": [_("该残疾等级和致残性质不享受残疾抚恤金")]})
    if not recipient.person.is_alive:
        raise ServiceError({"recipient": [_("该优抚对象已死亡")]})
    return key


@transaction.atomic
def confirm_pension(*, user, recipient: Recipient, on: dt.date | None = None) -> Pension:
    """The county approver confirms a recipient's pension: paid from the next month."""
    recipient = get_recipient(user, recipient.pk)
    if not may_confirm(user):
        raise PermissionDeniedError(_("只有县级审批员可以确认优抚对象定期抚恤补助"))
    recipient = (
        Recipient.objects.select_for_update(of=("self",))
        .select_related("person", "region")
        .get(pk=recipient.pk)
    )
    on = on or timezone.localdate()
    key = _check_due(recipient)
    if live_pension(recipient.pk) is not None:
        raise ServiceError({"recipient": [_("该优抚对象已在享受定期抚恤补助")]}, status=409)
    household = current_household(recipient.person)
    if household is None:
        raise ServiceError(
            {"household": [_("该优抚对象没有登记家庭户，无法发放；请先在人口库中登记家庭")]}
        )
    start = months.next_month(on)
    standards = all_standards_in_force(recipient.region, start)
    basis = basis_of(recipient)
    try:
        amount = amount_for(basis, standards)
    except LookupError:
        raise ServiceError({"category": [_("所在地区没有生效的定期抚恤补助标准")]}) from None
    note = _("县级确认优抚对象定期抚恤补助，自%(m)s起每月发放 %(y)s 元") % {
        "m": months.label(start),
        "y": yuan_str(amount),
    }
    entitlement = open_person_entitlement(
        user=user,
        programme=PROGRAMME,
        person_id=recipient.person_id,
        household_id=household.pk,
        region_id=recipient.region_id,
        on=on,
        start_month=start,
        amount_fen=amount,
        basis=basis,
        standard_detail=standards[PROGRAMME][key],
        rule_version=RULE_VERSION,
        note=note,
        duplicate_error={"recipient": [_("该优抚对象已有在享的定期抚恤补助")]},
    )
    pension = Pension.objects.create(
        recipient=recipient,
        entitlement=entitlement,
        category=recipient.category,
        disability_grade=recipient.disability_grade,
        disability_cause=recipient.disability_cause,
        confirmed_on=on,
        confirmed_by=user,
    )
    audit.record_created(pension, note=note)
    return pension


def due_unconfirmed(county: Region):
    """Active recipients of the county due a pension who have none in force (set-based)."""
    live = Pension.objects.filter(recipient=OuterRef("pk")).exclude(
        entitlement__status=Entitlement.Status.TERMINATED
    )
    return (
        Recipient.objects.filter(due_q(), region__path__startswith=county.path)
        .filter(person__death_date__isnull=True)
        .filter(~Exists(live))
    )


def confirm_all_due(
    *, user, county: Region, on: dt.date | None = None, only: list[int] | None = None
) -> dict:
    """Confirm, in one transaction and set-based, every due recipient of the county who has no
    pension yet (those without a household in the registry are left and counted)."""
    if not may_confirm(user):
        raise PermissionDeniedError(_("只有县级审批员可以确认优抚对象定期抚恤补助"))
    from minzheng.core.scope import region_in_scope

    if not region_in_scope(user, county):
        raise PermissionDeniedError(_("不能确认本县以外的优抚对象"))
    on = on or timezone.localdate()
    start = months.next_month(on)
    with transaction.atomic():
        due = due_unconfirmed(county)
        if only is not None:
            due = due.filter(pk__in=only)
        rows = list(
            due.select_for_update(of=("self",))
            .order_by("pk")
            .values_list(
                "pk",
                "person_id",
                "region_id",
                "region__path",
                "category",
                "disability_grade",
                "disability_cause",
            )
        )
        households = dict(
            HouseholdMember.objects.filter(
                person_id__in=[r[1] for r in rows], until__isnull=True
            ).values_list("person_id", "household_id")
        )
        table = standards_table(start)
        by_path: dict[str, dict] = {}
        entitlements, pensions, skipped = [], [], 0
        for pk, person_id, region_id, path, category, grade, cause in rows:
            standards = by_path.get(path)
            if standards is None:
                standards = by_path[path] = table.for_path(path)
            recipient = Recipient(
                pk=pk,
                person_id=person_id,
                region_id=region_id,
                category=category,
                disability_grade=grade,
                disability_cause=cause,
            )
            basis = basis_of(recipient)
            household_id = households.get(person_id)
            try:
                amount = amount_for(basis, standards)
            except LookupError:
                amount = None
            if household_id is None or amount is None:
                skipped += 1
                continue
            detail = standards[PROGRAMME][pension_key(category, grade, cause)]
            entitlements.append(
                person_entitlement(
                    programme=PROGRAMME,
                    person_id=recipient.person_id,
                    household_id=household_id,
                    region_id=recipient.region_id,
                    on=on,
                    start_month=start,
                    amount_fen=amount,
                    basis=basis,
                    standard_detail=detail,
                    rule_version=RULE_VERSION,
                )
            )
            pensions.append(
                Pension(
                    recipient_id=pk,
                    category=category,
                    disability_grade=grade,
                    disability_cause=cause,
                    confirmed_on=on,
                    confirmed_by=user,
                )
            )
        Entitlement.objects.bulk_create(entitlements, batch_size=2000)
        note = _("县级批量确认优抚对象定期抚恤补助，自%(m)s起发放") % {"m": months.label(start)}
        now = timezone.now()
        EntitlementChange.objects.bulk_create(
            [
                EntitlementChange(
                    entitlement_id=e.pk,
                    kind=EntitlementChange.Kind.CREATE,
                    effective_month=start,
                    new_amount_fen=e.monthly_amount_fen,
                    new_status=Entitlement.Status.ACTIVE,
                    reason=note,
                    snapshot={"basis": e.basis},
                    by=user,
                    by_name=actor_name(user, nobody="system"),
                    at=now,
                )
                for e in entitlements
            ],
            batch_size=2000,
        )
        for e, p in zip(entitlements, pensions, strict=True):
            p.entitlement_id = e.pk
        Pension.objects.bulk_create(pensions, batch_size=2000)
        result = {
            "confirmed": len(pensions),
            "skipped": skipped,
            "from_month": months.label(start),
            "monthly_total": yuan_str(sum(e.monthly_amount_fen for e in entitlements)),
        }
        audit.record(
            "create",
            object_type="specialcare.pension",
            object_repr=_("批量确认定期抚恤补助"),
            region_code=county.code,
            after=result,
            note=_("%(note)s：确认 %(confirmed)s 人，未能确认 %(skipped)s 人")
            % {"note": note, **result},
        )
    return result


# ---------------------------------------------------------------- roster changes


def on_recipient_changed(sender, *, recipient: Recipient, change, **kwargs) -> None:
    """Subscriber of `signals.recipient_changed`: the pension follows the approved change."""
    pension = live_pension(recipient.pk)
    if pension is None:
        return
    recipient = Recipient.objects.select_related("region").get(pk=recipient.pk)
    user = getattr(change, "decided_by", None)
    decided = getattr(change, "decided_at", None)
    on = timezone.localdate(decided) if decided else timezone.localdate()
    if recipient.status == RecipientStatus.ENDED:
        stop_pension(pension, last_month=months.month_start(recipient.ended_on or on), user=user)
        return
    if recipient.region_id != pension.entitlement.region_id:
        Entitlement.objects.filter(pk=pension.entitlement_id).update(region=recipient.region)
    if (recipient.disability_grade, recipient.disability_cause) != (
        pension.disability_grade,
        pension.disability_cause,
    ) or recipient.category != pension.category:
        apply_grade(pension, recipient=recipient, from_month=months.next_month(on), user=user)


@transaction.atomic
def apply_grade(pension: Pension, *, recipient: Recipient, from_month: dt.date, user) -> Pension:
    """Put the amount of the recipient's current grade and cause in force from `from_month`; a
    grade with no pension (e.g. illness grade 7) stops it after the month before."""
    # The payroll's writer of one entitlement's amount periods (earlier periods end at
    # `from_month`); recompute.write_amounts is set-based but its temporary table can be made only
    # once per transaction on PostgreSQL.
    entitlement = Entitlement.objects.select_for_update().get(pk=pension.entitlement_id)
    basis = basis_of(recipient)
    standards = all_standards_in_force(recipient.region, from_month)
    try:
        amount = amount_for(basis, standards)
    except LookupError:
        stop_pension(pension, last_month=months.add_months(from_month, -1), user=user)
        return pension
    note = _("残疾等级调整为%(g)s级，自%(m)s起按新标准每月发放 %(y)s 元") % {
        "g": recipient.disability_grade,
        "m": months.label(from_month),
        "y": yuan_str(amount),
    }
    with audit.audited(entitlement, note=note):
        set_amount(
            entitlement,
            amount_fen=amount,
            from_month=from_month,
            kind=EntitlementChange.Kind.CHANGE,
            reason=note,
            user=user,
            snapshot={"basis": basis},
        )
        entitlement.basis = basis
        entitlement.save()
    with audit.audited(pension, note=note):
        pension.category = recipient.category
        pension.disability_grade = recipient.disability_grade
        pension.disability_cause = recipient.disability_cause
        pension.save(update_fields=["category", "disability_grade", "disability_cause"])
    return pension


@transaction.atomic
def stop_pension(pension: Pension, *, last_month: dt.date, user) -> None:
    """The roster record ended: nothing is owed after `last_month` (payments already made for
    later months are flagged for recovery by the payroll)."""

    entitlement = Entitlement.objects.select_for_update().get(pk=pension.entitlement_id)
    if entitlement.status == Entitlement.Status.TERMINATED:
        return
    last_month = max(last_month, months.add_months(entitlement.start_month, -1))
    end_entitlement(
        entitlement,
        last_month=last_month,
        reason=_("优抚对象已注销，停发定期抚恤补助"),
        user=user,
        overpayment_reason=Overpayment.Reason.TERMINATED,
    )


# ---------------------------------------------------------------- payroll calculator


def register_calculator() -> None:
    """Let the payroll's standard-change recomputation compute pensions: the basis is the
    category, grade and cause, the amount that key's annual standard ÷ 12."""
    from minzheng.assistance.params import REGISTRY
    from minzheng.payments import calculators

    def amount(basis: dict, standards) -> tuple[bool, int]:
        if (
            pension_key((basis or {}).get("category"), basis.get("grade"), basis.get("cause"))
            is None
        ):
            return False, 0
        return True, amount_for(basis, standards)

    calculators.register(
        calculators.Calculator(
            programme=PROGRAMME,
            depends_on=frozenset({PROGRAMME}),
            reads=frozenset((PROGRAMME, key) for key in REGISTRY[PROGRAMME]),
            basis=lambda result, facts: None,
            amount=amount,
        )
    )


# ---------------------------------------------------------------- conscript-family benefit

CONSCRIPT_PROGRAMME = "conscript_family_benefit"
CONSCRIPT_SOURCE = "specialcare_conscript"
GRANT_SOURCE = "specialcare_grant"
# One-off grants are paid under a programme per kind, named on the payments pages.
GRANT_PROGRAMMES = {
    "death_pension": "special_care_death_pension",
    "one_off_subsidy": "special_care_subsidy",
}


def _households(person_ids: list[int]) -> dict:
    """The current household of each person (one query)."""
    return {
        m.person_id: m.household
        for m in HouseholdMember.objects.filter(
            person_id__in=person_ids, until__isnull=True
        ).select_related("household")
    }


def conscript_due_q(prefix: str = "") -> Q:
    p = prefix
    return Q(
        **{
            f"{p}status": RecipientStatus.ACTIVE,
            f"{p}category": Category.SERVING_FAMILY,
            f"{p}service_kind": "conscript",
        }
    )


def conscript_amount(urban_rural: str, standards) -> int:
    key = "amount_urban" if urban_rural == "urban" else "amount_rural"
    value = getattr(standards.get(CONSCRIPT_PROGRAMME, {}).get(key), "value", None)
    if value is None:
        raise LookupError(f"{CONSCRIPT_PROGRAMME}.{key}")
    return value


def issue_conscript_benefits(
    *, user, county: Region, year: int, on: dt.date | None = None, only: list[int] | None = None
) -> dict:
    """Issue the year's conscript-family benefit to every active conscript's family of the county
    that has not had it this year: one row per (recipient, year) — database-unique — and one
    one-off payable whose source is that row, so a second issue adds nothing."""
    from minzheng.core.scope import region_in_scope
    from minzheng.payments.oneoff import register_payable

    if not may_confirm(user):
        raise PermissionDeniedError(_("只有县级审批员可以发放义务兵家庭优待金"))
    if not region_in_scope(user, county):
        raise PermissionDeniedError(_("不能发放本县以外的义务兵家庭优待金"))
    on = on or timezone.localdate()
    if not isinstance(year, int) or not (2000 <= year <= on.year):
        raise ServiceError({"year": [_("年度不正确")]})
    from .models import ConscriptBenefit

    with transaction.atomic():
        rows = list(
            Recipient.objects.filter(conscript_due_q(), region__path__startswith=county.path)
            .filter(person__death_date__isnull=True)
            .exclude(conscript_benefits__year=year)
            .filter(Q() if only is None else Q(pk__in=only))
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", "person_id", "region_id", "region__path", "region__urban_rural")
        )
        households = dict(
            HouseholdMember.objects.filter(
                person_id__in=[r[1] for r in rows], until__isnull=True
            ).values_list("person_id", "household_id")
        )
        table = standards_table(dt.date(year, 1, 1) if year < on.year else on)
        new, skipped = [], 0
        for pk, person_id, region_id, path, urban_rural in rows:
            try:
                amount = conscript_amount(urban_rural, table.for_path(path))
            except LookupError:
                amount = None
            if amount is None or person_id not in households:
                skipped += 1
                continue
            new.append(
                ConscriptBenefit(
                    recipient_id=pk,
                    region_id=region_id,
                    year=year,
                    amount_fen=amount,
                    issued_on=on,
                    issued_by=user,
                )
            )
        ConscriptBenefit.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        created = list(
            ConscriptBenefit.objects.filter(
                year=year, payable__isnull=True, region__path__startswith=county.path
            ).select_related("recipient", "region")
        )
        homes = _households([b.recipient.person_id for b in created])
        for benefit in created:
            benefit.payable = register_payable(
                source_kind=CONSCRIPT_SOURCE,
                source_id=benefit.pk,
                programme=CONSCRIPT_PROGRAMME,
                household=homes[benefit.recipient.person_id],
                person=benefit.recipient.person,
                region=benefit.region,
                amount_fen=benefit.amount_fen,
                decided_on=on,
                description=_("%(y)s年度义务兵家庭优待金") % {"y": year},
            )
        ConscriptBenefit.objects.bulk_update(created, ["payable"], batch_size=2000)
        result = {"year": year, "issued": len(created), "skipped": skipped}
        audit.record(
            "create",
            object_type="specialcare.conscriptbenefit",
            object_repr=_("发放义务兵家庭优待金"),
            region_code=county.code,
            after=result,
            note=_("%(year)s年度义务兵家庭优待金：核发 %(issued)s 户，未能核发 %(skipped)s 户")
            % result,
        )
    return result


# ---------------------------------------------------------------- medical guarantees


def medical_due_q(prefix: str = "") -> Q:
    """Recipients due a recorded medical guarantee each year: disabled veterans of grades 1–6,
    whose medical insurance premiums the government pays [law, assumed scope]."""
    p = prefix
    return Q(
        **{
            f"{p}status": RecipientStatus.ACTIVE,
            f"{p}category": Category.DISABLED_VETERAN,
            f"{p}disability_grade__gte": 1,
            f"{p}disability_grade__lte": 6,
        }
    )


@transaction.atomic
def record_guarantee(*, user, recipient: Recipient, data: dict, on: dt.date | None = None):
    """Record a recipient's medical guarantee of a year (one per recipient, year and kind)."""
    from .benefit_selectors import may_record_guarantee
    from .models import GuaranteeKind, MedicalGuarantee

    recipient = get_recipient(user, recipient.pk)
    if not may_record_guarantee(user):
        raise PermissionDeniedError(_("无权登记优抚对象医疗保障"))
    on = on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    year, kind = data.get("year"), data.get("kind")
    amount = data.get("amount_fen") or 0
    if not isinstance(year, int) or isinstance(year, bool) or not (2000 <= year <= on.year + 1):
        errors["year"] = [_("年度不正确")]
    if kind not in GuaranteeKind.values:
        errors["kind"] = [_("请选择医疗保障方式")]
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        errors["amount"] = [_("金额应为非负数")]
    if recipient.status != RecipientStatus.ACTIVE:
        errors["recipient"] = [_("该优抚对象已注销")]
    if errors:
        raise ServiceError(errors)
    if MedicalGuarantee.objects.filter(recipient=recipient, year=year, kind=kind).exists():
        raise ServiceError({"kind": [_("该优抚对象本年度已登记此项医疗保障")]}, status=409)
    guarantee = MedicalGuarantee.objects.create(
        recipient=recipient,
        region=recipient.region,
        year=year,
        kind=kind,
        amount_fen=amount,
        note=(data.get("note") or "")[:200],
        recorded_on=on,
        recorded_by=user,
    )
    audit.record_created(
        guarantee, note=_("登记优抚对象医疗保障：%(k)s") % {"k": guarantee.get_kind_display()}
    )
    return guarantee


# ---------------------------------------------------------------- one-off grants


@transaction.atomic
def create_grant(
    *, user, recipient: Recipient, kind: str, amount_fen, reason: str, on: dt.date | None = None
):
    """The county decides a one-off grant (一次性抚恤金, 一次性补助): paid once per recipient and
    kind, as a one-off payable whose source is the grant."""
    from minzheng.payments.oneoff import register_payable

    from .models import GrantKind, OneOffGrant

    recipient = get_recipient(user, recipient.pk)
    if not may_confirm(user):
        raise PermissionDeniedError(_("只有县级审批员可以核定一次性抚恤补助"))
    on = on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if kind not in GrantKind.values:
        errors["kind"] = [_("请选择补助类型")]
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        errors["amount"] = [_("发放金额须大于零")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请填写事由")]
    if errors:
        raise ServiceError(errors)
    if OneOffGrant.objects.filter(recipient=recipient, kind=kind).exists():
        raise ServiceError({"kind": [_("该优抚对象已核定过此项一次性抚恤补助")]}, status=409)
    person = recipient.person
    home = _households([person.pk]).get(person.pk)
    if home is None:
        raise ServiceError(
            {"household": [_("该优抚对象没有登记家庭户，无法发放；请先在人口库中登记家庭")]}
        )
    grant = OneOffGrant.objects.create(
        recipient=recipient,
        region=recipient.region,
        kind=kind,
        amount_fen=amount_fen,
        reason=reason[:200],
        decided_on=on,
        decided_by=user,
    )
    grant.payable = register_payable(
        source_kind=GRANT_SOURCE,
        source_id=grant.pk,
        programme=GRANT_PROGRAMMES[kind],
        household=home,
        person=person,
        region=recipient.region,
        amount_fen=amount_fen,
        decided_on=on,
        description=f"{grant.get_kind_display()}：{reason}"[:200],
    )
    grant.save(update_fields=["payable"])
    audit.record_created(
        grant,
        note=_("核定%(k)s %(y)s 元") % {"k": grant.get_kind_display(), "y": yuan_str(amount_fen)},
    )
    return grant


def register_paid_programmes() -> None:
    from django.utils.translation import gettext_noop

    from minzheng.assistance.params import ProgrammeSpec, register_paid_programme

    register_paid_programme(
        ProgrammeSpec("special_care_death_pension", gettext_noop("优抚一次性抚恤金"), "one_off")
    )
    register_paid_programme(
        ProgrammeSpec("special_care_subsidy", gettext_noop("优抚对象一次性补助"), "one_off")
    )


# ---------------------------------------------------------------- data quality (15.3)


def _grade_mismatch(on: dt.date):
    """Active disabled veterans whose live pension was computed on another grade or cause than
    the record's (one query: an EXISTS over the pensions' own columns)."""
    wrong = (
        Pension.objects.filter(recipient=OuterRef("pk"))
        .exclude(entitlement__status=Entitlement.Status.TERMINATED)
        .filter(
            ~Q(disability_grade=OuterRef("disability_grade"))
            | ~Q(disability_cause=OuterRef("disability_cause"))
        )
    )
    return Recipient.objects.filter(
        status=RecipientStatus.ACTIVE, category=Category.DISABLED_VETERAN
    ).filter(Exists(wrong))


def _rule():
    from django.utils.translation import gettext_lazy

    from .quality import Dimension, Rule

    return Rule(
        code="pension_grade_mismatch",
        dimension=Dimension.ACCURACY,
        label=gettext_lazy("定期抚恤金档次与残疾等级不符"),
        failing=_grade_mismatch,
    )


PENSION_GRADE_RULE = _rule()

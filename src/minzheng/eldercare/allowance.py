"""Old-age allowance (高龄津贴): eligibility from the birth date, the monthly enrolment scan,
the township's confirmation, and the monthly amount by age band.

Payment is the payroll's (minzheng.payments): a confirmed enrolment becomes a per-person
`Entitlement` of programme `old_age_allowance` whose amount periods the payroll reads, so the
allowance is paid in the same idempotent monthly run as assistance and stopped by the same death
scan, with payments for months after death flagged for recovery.

Rules (parameters of programme `old_age_allowance`, by region and date):
- a person is proposed the month in which they reach `min_age` (by the month's last day);
- eligible from that month plus `start_month_offset` (0: the birthday month, 1: the next);
- the band of a month is the age reached by the last day of (month − offset): below
  `band_2_age` band 1, below `band_3_age` band 2, else band 3, each with its amount;
- payment starts from the eligible month, but not before the month the township confirms
  (months before confirmation are not paid by the payroll);
- a rejected person is not proposed again by the scan.

Everything that touches many people is set-based: the scan is one query and bulk inserts, the
confirmation of a township's list writes entitlements in bulk, and the monthly reconciliation
of amounts (birthdays crossing a band, standards changed) writes only the differences.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.assistance.selectors import StandardsTable, standards_table
from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope, scope_q
from minzheng.payments import months
from minzheng.payments.models import Entitlement, EntitlementChange
from minzheng.payments.params import ENTITLEMENT_WRITERS
from minzheng.people.models import HouseholdMember, Person
from minzheng.regions.models import Region

from .models import AllowanceEnrolment

PROGRAMME = "old_age_allowance"
RULE_VERSION = "old_age_allowance/2016.1"
Progress = Callable[[int, int, str], None] | None
BATCH = 5000


# ---------------------------------------------------------------- pure rules

def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def years_before(day: dt.date, years: int) -> dt.date:
    """The latest birth date of someone `years` old on `day` (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birthday_month(birth: dt.date, age: int) -> dt.date:
    """The month in which someone born on `birth` reaches `age` (29 Feb birthdays: February)."""
    return dt.date(birth.year + age, birth.month, 1)


def _value(standards: dict, key: str):
    resolved = standards.get(PROGRAMME, {}).get(key)
    value = getattr(resolved, "value", None)
    if value is None:
        raise ServiceError({"standard": [_("没有生效的高龄津贴标准：%(key)s") % {"key": key}]})
    return value


def band_for(birth: dt.date, month: dt.date, standards: dict) -> int:
    """0 when not (yet) eligible for the month, else the band 1–3."""
    offset = _value(standards, "start_month_offset")
    age = age_on(birth, month_end(months.add_months(month, -offset)))
    if age < _value(standards, "min_age"):
        return 0
    if age < _value(standards, "band_2_age"):
        return 1
    if age < _value(standards, "band_3_age"):
        return 2
    return 3


def amount_for(birth: dt.date, month: dt.date, standards: dict) -> tuple[int, int]:
    """(band, monthly amount in fen) for the month under the standards in force for it."""
    band = band_for(birth, month, standards)
    return band, (_value(standards, f"amount_band_{band}") if band else 0)


def eligible_from(birth: dt.date, standards: dict) -> dt.date:
    return months.add_months(birthday_month(birth, _value(standards, "min_age")), _value(standards, "start_month_offset"))


def _standards_used(standards: dict, keys: list[str]) -> list[dict]:
    programme = standards.get(PROGRAMME, {})
    return [programme[k].as_detail() for k in keys if k in programme]


# ---------------------------------------------------------------- permissions

def may_decide(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in ENTITLEMENT_WRITERS) and user.can_write)


def _guard(user, region) -> None:
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff_role):
        raise NotFoundOrOutOfScope()
    if not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    if not may_decide(user):
        raise PermissionDeniedError(_("只有乡镇（街道）经办人员或县级审批人员可以确认高龄津贴"))


def enrolments_for(user):
    qs = AllowanceEnrolment.objects.select_related("person", "region", "household", "entitlement")
    if user is None or not user.is_authenticated or not (user.is_superuser or user.is_staff_role):
        return qs.none()
    return qs.filter(scope_q(user, "region"))


def get_enrolment(user, pk: int) -> AllowanceEnrolment:
    enrolment = enrolments_for(user).filter(pk=pk).first()
    if enrolment is None:
        raise NotFoundOrOutOfScope()
    return enrolment


# ---------------------------------------------------------------- scan

def _min_age_groups(table: StandardsTable, region_paths: dict[int, str]) -> dict[tuple[int, int], list[int]]:
    """(min_age, offset) -> region ids, so that a city with one rule is one query."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for region_id, path in region_paths.items():
        standards = table.for_path(path)
        try:
            groups[(_value(standards, "min_age"), _value(standards, "start_month_offset"))].append(region_id)
        except ServiceError:
            continue  # no allowance standard for this region: nobody there is proposed
    return groups


def scan_enrolments(*, month: dt.date, progress: Progress = None) -> dict:
    """Propose everyone who reaches the allowance age by the end of `month`, is alive, has no
    proposal, rejection or live allowance. Idempotent: a second scan of the month adds nothing."""
    report = progress or (lambda done, total, message: None)
    month = months.month_start(month)
    table = standards_table(month)
    today = timezone.localdate()
    # Every unit people can be registered in (a few thousand rows, not the registry).
    region_paths = dict(Region.objects.exclude(kind=Region.Kind.ZONE).values_list("pk", "path"))
    open_or_refused = AllowanceEnrolment.objects.filter(person_id=OuterRef("pk")).filter(
        Q(status__in=[AllowanceEnrolment.Status.PROPOSED, AllowanceEnrolment.Status.REJECTED])
        | Q(status=AllowanceEnrolment.Status.CONFIRMED, entitlement__status__in=[Entitlement.Status.ACTIVE, Entitlement.Status.SUSPENDED]))
    live = Entitlement.objects.filter(person_id=OuterRef("pk"), programme=PROGRAMME).exclude(status=Entitlement.Status.TERMINATED)
    proposed = 0
    report(0, 0, _("查找年满高龄津贴年龄的老年人"))
    for (min_age, offset), region_ids in _min_age_groups(table, region_paths).items():
        cutoff = years_before(month_end(month), min_age)
        candidates = list(
            Person.objects.filter(hukou_region_id__in=region_ids, death_date__isnull=True, birth_date__lte=cutoff)
            .filter(~Exists(open_or_refused), ~Exists(live)).order_by("pk").values_list("pk", "birth_date", "hukou_region_id")
        )
        households = _current_households([pk for pk, _b, _r in candidates])
        rows = []
        for pk, birth, region_id in candidates:
            household = households.get(pk)
            rows.append(AllowanceEnrolment(
                person_id=pk, region_id=region_id, status=AllowanceEnrolment.Status.PROPOSED,
                eligible_from=months.add_months(birthday_month(birth, min_age), offset), proposed_on=today,
                household_id=household[0] if household else None, problem=_problem(household),
            ))
        for start in range(0, len(rows), BATCH):
            with transaction.atomic():
                created = AllowanceEnrolment.objects.bulk_create(rows[start:start + BATCH], ignore_conflicts=True)
                proposed += len(created)
            report(start + len(rows[start:start + BATCH]), len(rows), _("生成高龄津贴纳入建议"))
    result = {"month": months.label(month), "proposed": proposed}
    if proposed:
        audit.record("create", object_type="eldercare.allowanceenrolment", object_repr=_("高龄津贴纳入建议"), after=result,
                     note=_("%(month)s 高龄津贴到龄扫描：新增纳入建议 %(proposed)s 人") % result)
    return result


def _current_households(person_ids: list[int]) -> dict[int, tuple[int, bool]]:
    """person id -> (current household id, has a bank account)."""
    found: dict[int, tuple[int, bool]] = {}
    for start in range(0, len(person_ids), 20000):
        for pid, hid, cipher in HouseholdMember.objects.filter(person_id__in=person_ids[start:start + 20000], until__isnull=True) \
                .values_list("person_id", "household_id", "household__bank_account_cipher"):
            found[pid] = (hid, bool(cipher))
    return found


def _problem(household: tuple[int, bool] | None) -> str:
    if household is None:
        return _("未登记在任何家庭，无法发放")
    if not household[1]:
        return _("家庭未登记银行账户")
    return ""


# ---------------------------------------------------------------- decisions

def confirm_enrolments(*, user, enrolments, on: dt.date | None = None, reason: str = "") -> dict:
    """Confirm proposed enrolments (one, or a township's whole list) and create their
    entitlements in bulk. Proposals that cannot be paid (dead meanwhile, no household) are left
    proposed and reported. One transaction."""
    if not may_decide(user):
        raise PermissionDeniedError(_("只有乡镇（街道）经办人员或县级审批人员可以确认高龄津贴"))
    on = on or timezone.localdate()
    decision_month = months.month_start(on)
    ids = [e.pk for e in enrolments] if not hasattr(enrolments, "values_list") else list(enrolments.values_list("pk", flat=True))
    with transaction.atomic():
        rows = list(
            enrolments_for(user).select_for_update(of=("self",)).filter(pk__in=ids, status=AllowanceEnrolment.Status.PROPOSED)
            .values("pk", "person_id", "person__birth_date", "person__death_date", "person__name", "region_id", "region__path")
            .order_by("pk")
        )
        if len(ids) == 1 and not rows:
            raise ServiceError({"status": [_("该纳入建议已处理或不在管辖范围内")]}, status=409)
        households = _current_households([r["person_id"] for r in rows])
        tables = {decision_month: standards_table(decision_month)}
        table = tables[decision_month]
        entitlements, enrolment_ids, skipped = [], [], []
        for r in rows:
            household = households.get(r["person_id"])
            if r["person__death_date"] is not None:
                skipped.append({"id": r["pk"], "reason": _("已死亡")})
                continue
            if household is None:
                skipped.append({"id": r["pk"], "reason": _("未登记在任何家庭，无法发放")})
                continue
            standards = table.for_path(r["region__path"])
            birth = r["person__birth_date"]
            try:
                start = max(eligible_from(birth, standards), decision_month)
            except ServiceError as exc:
                skipped.append({"id": r["pk"], "reason": exc.errors["standard"][0]})
                continue
            if start not in tables:
                tables[start] = standards_table(start)
            start_standards = tables[start].for_path(r["region__path"])
            band, amount = amount_for(birth, start, start_standards)
            if not band:
                skipped.append({"id": r["pk"], "reason": _("尚未达到高龄津贴年龄")})
                continue
            entitlements.append((r, household[0], start, band, amount, start_standards))
            enrolment_ids.append(r["pk"])
        created = _create_entitlements(entitlements, user=user, on=on, reason=reason)
        now = timezone.now()
        # Set-based: each confirmed enrolment points at its person's new live allowance.
        new_entitlement = Entitlement.objects.filter(person_id=OuterRef("person_id"), programme=PROGRAMME).exclude(
            status=Entitlement.Status.TERMINATED).values("pk")[:1]
        for start in range(0, len(enrolment_ids), BATCH):
            AllowanceEnrolment.objects.filter(pk__in=enrolment_ids[start:start + BATCH]).update(
                status=AllowanceEnrolment.Status.CONFIRMED, entitlement_id=Subquery(new_entitlement), decided_by=user, decided_at=now,
                reason=reason[:500], problem="")
        result = {"confirmed": len(created), "skipped": skipped}
        if created:
            audit.record("transition", object_type="eldercare.allowanceenrolment", object_repr=_("确认高龄津贴纳入"),
                         region_code=user.region.code if user.region_id else "",
                         before={"status": "proposed"}, after={"status": "confirmed", "count": len(created), "ids": enrolment_ids[:200]},
                         note=reason or _("确认纳入高龄津贴 %(n)s 人") % {"n": len(created)})
    return result


def _create_entitlements(rows: list, *, user, on: dt.date, reason: str) -> list[int]:
    """Bulk-create allowance entitlements and their first amount period, shaped as
    minzheng.payments.services.create_entitlement shapes them."""
    if not rows:
        return []
    by_name = (user.get_full_name() or user.get_username()) if user is not None else "system"
    keys = ["min_age", "band_2_age", "band_3_age", "amount_band_1", "amount_band_2", "amount_band_3", "start_month_offset"]
    objects = []
    for r, household_id, start, band, amount, standards in rows:
        birth = r["person__birth_date"]
        objects.append(Entitlement(
            programme=PROGRAMME, household_id=household_id, person_id=r["person_id"], beneficiary_key=f"p{r['person_id']}",
            region_id=r["region_id"], status=Entitlement.Status.ACTIVE, start_month=start, monthly_amount_fen=amount,
            amount_since=start, amount_basis=Entitlement.AmountBasis.RULES,
            facts={"birth_date": birth.isoformat(), "age": age_on(birth, month_end(start))},
            basis={"band": band}, standards=_standards_used(standards, keys),
            trace=[{"step": "band", "label": str(_("年龄档次")), "value": band, "detail": {"month": months.label(start)}}],
            rule_version=RULE_VERSION, computed_on=on, review_class=Entitlement.ReviewClass.A, next_review_on=None,
            source=Entitlement.Source.ENROLMENT,
        ))
    try:
        with transaction.atomic():
            created = Entitlement.objects.bulk_create(objects, batch_size=2000)
    except IntegrityError:
        raise ServiceError({"status": [_("其中有人已在享受高龄津贴，不能重复纳入")]}, status=409) from None
    now = timezone.now()
    note = reason or _("确认纳入高龄津贴")
    EntitlementChange.objects.bulk_create([
        EntitlementChange(
            entitlement_id=e.pk, kind=EntitlementChange.Kind.CREATE, effective_month=e.start_month, new_amount_fen=e.monthly_amount_fen,
            new_status=Entitlement.Status.ACTIVE, reason=f"{note}，{_('自%(m)s起发放') % {'m': months.label(e.start_month)}}",
            snapshot={"facts": e.facts, "standards": e.standards, "trace": e.trace, "rule_version": RULE_VERSION, "basis": e.basis,
                      "computed_on": on.isoformat(), "eligible": True},
            by=user if getattr(user, "pk", None) else None, by_name=by_name, at=now,
        )
        for e in created
    ], batch_size=2000)
    return [e.pk for e in created]


@transaction.atomic
def reject_enrolment(*, user, enrolment: AllowanceEnrolment, reason: str) -> AllowanceEnrolment:
    _guard(user, enrolment.region)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": [_("请填写不予纳入的原因")]})
    enrolment = AllowanceEnrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != AllowanceEnrolment.Status.PROPOSED:
        raise ServiceError({"status": [_("该纳入建议已处理")]}, status=409)
    before = audit.snapshot(enrolment)
    enrolment.status = AllowanceEnrolment.Status.REJECTED
    enrolment.decided_by, enrolment.decided_at, enrolment.reason = user, timezone.now(), reason[:500]
    enrolment.save()
    audit.record("transition", obj=enrolment, before=before, after=audit.snapshot(enrolment), note=reason)
    return enrolment


@transaction.atomic
def propose_enrolment(*, user, person: Person, on: dt.date | None = None) -> AllowanceEnrolment:
    """A township proposing one person by hand (e.g. again after a rejection was corrected)."""
    _guard(user, person.hukou_region)
    on = on or timezone.localdate()
    if person.death_date is not None:
        raise ServiceError({"person": [_("该人员已死亡")]})
    standards = standards_table(months.month_start(on)).for_path(person.hukou_region.path)
    if band_for(person.birth_date, months.month_start(on), standards) == 0 and \
            birthday_month(person.birth_date, _value(standards, "min_age")) > months.month_start(on):
        raise ServiceError({"person": [_("尚未达到高龄津贴年龄")]})
    if Entitlement.objects.filter(person=person, programme=PROGRAMME).exclude(status=Entitlement.Status.TERMINATED).exists():
        raise ServiceError({"person": [_("该人员已在享受高龄津贴")]}, status=409)
    household = _current_households([person.pk]).get(person.pk)
    try:
        with transaction.atomic():
            enrolment = AllowanceEnrolment.objects.create(
                person=person, region=person.hukou_region, eligible_from=eligible_from(person.birth_date, standards), proposed_on=on,
                household_id=household[0] if household else None, problem=_problem(household),
            )
    except IntegrityError:
        raise ServiceError({"person": [_("该人员已有待确认的纳入建议")]}, status=409) from None
    audit.record("create", obj=enrolment, after=audit.snapshot(enrolment), note=_("手工提出高龄津贴纳入建议"))
    return enrolment


# ---------------------------------------------------------------- monthly amounts

def reconcile_amounts(*, month: dt.date, user=None, progress: Progress = None) -> dict:
    """Bring every live allowance to the amount owed for `month`: a birthday crossing into the
    next band, or a changed amount or band age, opens a new amount period from the month. Run
    before the month's payroll; idempotent (a second run changes nothing)."""
    from minzheng.payments.recompute import write_amounts

    report = progress or (lambda done, total, message: None)
    month = months.month_start(month)
    table = standards_table(month)
    rows = list(
        Entitlement.objects.filter(programme=PROGRAMME, start_month__lte=month).exclude(status=Entitlement.Status.TERMINATED)
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .values_list("pk", "person__birth_date", "region__path", "monthly_amount_fen", "amount_since").order_by("pk")
    )
    later = [pk for pk, _b, _p, _a, since in rows if since > month]
    in_force = {}
    for start in range(0, len(later), BATCH):
        in_force.update(dict(
            EntitlementChange.objects.filter(entitlement_id__in=later[start:start + BATCH], new_amount_fen__isnull=False, effective_month__lte=month)
            .filter(Q(until_month__isnull=True) | Q(until_month__gt=month)).values_list("entitlement_id", "new_amount_fen")))
    changed, bands, missing = [], {}, 0
    for done, (pk, birth, path, amount, since) in enumerate(rows, start=1):
        old = in_force.get(pk, 0) if since > month else amount
        try:
            band, new = amount_for(birth, month, table.for_path(path))
        except ServiceError:
            missing += 1
            continue
        if band and new != old:
            changed.append((pk, old, new))
            bands[pk] = band
        if done % 20000 == 0:
            report(done, len(rows), _("核对高龄津贴档次"))
    result = {"month": months.label(month), "checked": len(rows), "changed": len(changed), "no_standard": missing}
    if changed:
        with transaction.atomic():
            reason = _("%(m)s 起按年龄档次和津贴标准调整高龄津贴") % {"m": months.label(month)}
            write_amounts(changed, from_month=month, kind=EntitlementChange.Kind.CHANGE, reason=str(reason),
                           snapshot={"rule_version": RULE_VERSION, "month": months.label(month)}, standard_id=None, user=user)
            updates = [Entitlement(pk=pk, basis={"band": band}) for pk, band in bands.items()]
            Entitlement.objects.bulk_update(updates, ["basis"], batch_size=BATCH)
            audit.record("update", object_type="payments.entitlement", object_repr=_("高龄津贴档次核对"), after=result,
                         note=_("核对 %(checked)s 项高龄津贴，调整 %(changed)s 项") % result)
    report(len(rows), len(rows), _("调整 %(changed)s 项") % result)
    return result


def register_calculator() -> None:
    """Let the payroll's standard-change recomputation compute allowance amounts: the basis is
    the band, the amount the band's figure."""
    from minzheng.payments import calculators

    def amount(basis: dict, standards) -> tuple[bool, int]:
        band = basis.get("band") if basis else None
        if band not in (1, 2, 3):
            return False, 0
        resolved = standards.get(PROGRAMME, {}).get(f"amount_band_{band}")
        if resolved is None or resolved.value is None:
            raise LookupError(f"{PROGRAMME}.amount_band_{band}")
        return True, resolved.value

    calculators.register(calculators.Calculator(
        programme=PROGRAMME, depends_on=frozenset({PROGRAMME}),
        reads=frozenset({(PROGRAMME, f"amount_band_{b}") for b in (1, 2, 3)}),
        basis=lambda result, facts: None, amount=amount,
    ))

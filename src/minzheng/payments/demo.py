"""Demo beneficiaries: plausible 低保 and 特困 entitlements for some households of the synthetic
city, computed through the rules with the standards in force, and a computed payroll for last
month, so that a fresh demo shows real figures. Idempotent."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.assistance.selectors import standards_table
from minzheng.people.models import Household, HouseholdMember
from minzheng.regions.models import Region

from . import months, payroll, services
from .evaluation import current_facts, evaluate
from .models import Entitlement, EntitlementChange, Overpayment, PayrollLine, PayrollRun

# Monthly wages drawn for members able to work, and pensions for the elderly (yuan): the
# households chosen are poor, so most draws are small.
WAGES = ("0", "0", "0", "150.00", "200.00", "300.00", "450.00", "600.00")
PENSIONS = ("0", "0", "80.00", "120.00", "150.00")


def _facts(
    household: Household, members: list[HouseholdMember], on: dt.date, rng: random.Random
) -> dict:
    rows = []
    for m in members:
        person = m.person
        age = (
            on.year
            - person.birth_date.year
            - ((on.month, on.day) < (person.birth_date.month, person.birth_date.day))
        )
        income = {}
        if 18 <= age < 60 and not (person.disability_grade and person.disability_grade <= 2):
            income["wage"] = rng.choice(WAGES)
        elif age >= 60:
            income["pension"] = rng.choice(PENSIONS)
        row = {
            "relation": m.relation,
            "person_id": person.pk,
            "income": {k: v for k, v in income.items() if v != "0"},
        }
        if rng.random() < 0.05:
            row["serious_illness"] = True
        rows.append(row)
    return {"members": rows, "property": {"homes": 1}}


def _entitle(household: Household, *, on: dt.date, seed: int, table_cache: dict) -> bool:
    """One household's demo entitlement, if the rules find it eligible on the drawn approval date."""
    rng = random.Random(f"{seed}:{household.number}")
    members = [
        m
        for m in HouseholdMember.objects.filter(
            household=household, until__isnull=True
        ).select_related("person")
        if m.person.death_date is None
    ]
    if not members:
        return False
    approved_on = on - dt.timedelta(days=rng.randint(62, 720))
    elderly_alone = len(members) == 1 and members[0].person.birth_date.year <= approved_on.year - 62
    urban = (household.region.urban_rural or "urban") == "urban"
    programme = (
        "tekun"
        if elderly_alone and rng.random() < 0.35
        else ("dibao_urban" if urban else "dibao_rural")
    )
    facts = _facts(household, members, approved_on, rng)
    if programme == "tekun":
        facts["members"][0]["income"] = {}
    table = table_cache.get(approved_on) or table_cache.setdefault(
        approved_on, standards_table(approved_on)
    )
    hukou = members[0].person.hukou_type if programme == "tekun" else ""
    trial = evaluate(
        programme,
        current_facts(facts, on=approved_on, hukou_type=hukou),
        region=household.region,
        on=approved_on,
        standards=table.for_path(household.region.path),
    )
    if not (trial.computed and trial.eligible and trial.amount_fen > 0):
        return False
    services.create_entitlement(
        user=None,
        programme=programme,
        household=household,
        region=household.region,
        approved_on=approved_on,
        facts=facts,
        person=members[0].person if programme == "tekun" else None,
        source=Entitlement.Source.DEMO,
        reason=_("演示数据：按审批日生效的救助标准核定"),
    )
    return True


def _candidates():
    """Households with a bank account, a living head, and no entitlement yet, spread over the city."""
    return (
        Household.objects.filter(region__level=Region.Level.VILLAGE)
        .exclude(bank_account_cipher="")
        .filter(head__isnull=False, head__death_date__isnull=True)
        .exclude(entitlements__isnull=False)
        .annotate(size=Count("memberships", filter=Q(memberships__until__isnull=True)))
        .filter(size__gte=1, size__lte=4)
        .select_related("region", "head")
        .order_by("id")
    )


def seed_demo_beneficiaries(
    *, count: int = 400, on: dt.date | None = None, seed: int = 2016
) -> dict:
    """Create up to `count` demo entitlements (counting those already there), approved on dates
    spread over the last two years, and compute last month's payroll of every county that has
    beneficiaries. Households the rules find ineligible are skipped."""
    on = on or timezone.localdate()
    have = Entitlement.objects.filter(source=Entitlement.Source.DEMO).count()
    counts = {"created": 0, "skipped": 0}
    table_cache: dict[dt.date, object] = {}
    # First visit households evenly over the whole city (ordered by village), a few more than
    # needed since the rules turn some down; then, if still short, every household left.
    for evenly in (True, False):
        needed = count - have - counts["created"]
        if needed <= 0:
            break
        candidates = _candidates()
        step = max(1, int(candidates.count() / (needed * 1.15))) if evenly else 1
        for index, household in enumerate(candidates.iterator(chunk_size=500)):
            if have + counts["created"] >= count:
                break
            if index % step == 0:
                outcome = (
                    "created"
                    if _entitle(household, on=on, seed=seed, table_cache=table_cache)
                    else "skipped"
                )
                counts[outcome] += 1
    last_month = months.add_months(months.month_start(on), -1)
    runs = []
    county_ids = set()
    for path in (
        Entitlement.objects.filter(source=Entitlement.Source.DEMO)
        .values_list("region__path", flat=True)
        .distinct()
    ):
        county_ids.update(
            Region.objects.filter(
                level=Region.Level.COUNTY, code__in=path.strip("/").split("/")
            ).values_list("pk", flat=True)
        )
    for county in Region.objects.filter(pk__in=county_ids).order_by("code"):
        run, _created = PayrollRun.objects.get_or_create(county=county, month=last_month)
        if run.status in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
            payroll.compute_payroll(run=run)
            run.refresh_from_db()
        runs.append(
            {
                "county": county.code,
                "month": months.label(last_month),
                "lines": run.line_count,
                "total_fen": run.total_fen,
            }
        )
    return {**counts, "demo_entitlements": have + counts["created"], "payrolls": runs}


# ---------------------------------------------------------------- one-off payments

# Decided one-off amounts in yuan: temporary assistance up to the 3,000 元 cap, medical assistance
# larger. In proportion to the 400 monthly beneficiaries: about one one-off decision for every
# four of them in the last two months.
TEMPORARY_AMOUNTS = (300, 500, 800, 1000, 1500, 2000, 3000)
MEDICAL_AMOUNTS = (600, 1200, 2500, 4000, 6800)


def seed_demo_oneoff(*, count: int = 100, on: dt.date | None = None, seed: int = 2016) -> dict:
    """Demo one-off payables (temporary and medical assistance, decided over the last two months)
    and, per county, a batch paid two weeks ago out of the older ones, reconciled with two
    failures to re-issue; the newer ones stay pending for the county to put in a batch. Idempotent
    (once the demo payables exist the step adds nothing)."""
    from . import oneoff
    from .models import OneOffBatch, OneOffItem, OneOffPayable

    on = on or timezone.localdate()
    # One-off cases the other demo steps approved (medical assistance with its bills) are payable
    # like any approved case; they were written without passing through the transition signal.
    oneoff.backfill()
    # The payables and their paid batch are made once: later demo steps give some of the chosen
    # households entitlements (e.g. an old-age allowance), so choosing again on a re-run would
    # pick others, and "two weeks ago" on a later day is another batch.
    if OneOffPayable.objects.filter(source_kind="demo").exists():
        return {"created": 0, "batches": []}
    rng = random.Random(f"{seed}:oneoff")
    households = list(
        Household.objects.filter(region__level=Region.Level.VILLAGE)
        .exclude(bank_account_cipher="")
        .filter(head__isnull=False, head__death_date__isnull=True)
        .exclude(entitlements__isnull=False)
        .select_related("region", "head")
        .order_by("id")[: count * 40 : 40]
    )
    pay_date = on - dt.timedelta(days=14)
    older, newer = [], []
    for index, household in enumerate(households):
        medical = index % 3 == 2
        decided_on = on - dt.timedelta(days=rng.randint(1, 60))
        amount = rng.choice(MEDICAL_AMOUNTS if medical else TEMPORARY_AMOUNTS) * 100
        (older if decided_on < pay_date else newer).append(
            (household, "medical" if medical else "temporary", decided_on, amount)
        )
    before = OneOffPayable.objects.filter(source_kind="demo").count()

    def register(rows):
        for household, programme, decided_on, amount in rows:
            oneoff.register_payable(
                source_kind="demo",
                source_id=household.pk,
                programme=programme,
                household=household,
                person=household.head,
                region=household.region,
                amount_fen=amount,
                decided_on=decided_on,
                description=_("演示数据"),
            )

    register(older)
    batches = []
    counties = Region.objects.filter(level=Region.Level.COUNTY).order_by("code")
    for county in counties:
        pending = OneOffPayable.objects.filter(
            source_kind="demo", status="pending", region__path__startswith=county.path
        )
        if not pending.exists():
            continue
        batch, _created = OneOffBatch.objects.get_or_create(county=county, pay_date=pay_date)
        if batch.status not in oneoff.OPEN_BATCH:
            continue
        oneoff.fill_batch(batch=batch)
        # The bank's answer, as a reconciled batch shows it: all paid but the first two items.
        items = OneOffItem.objects.filter(batch=batch).order_by("id")
        failed = list(items.values_list("id", flat=True)[:2])
        items.exclude(id__in=failed).update(status="paid")
        items.filter(id__in=failed).update(status="failed", failure_reason=_("账户已冻结"))
        OneOffPayable.objects.filter(items__batch=batch, items__status="paid").update(
            status="paid", paid_on=pay_date
        )
        OneOffPayable.objects.filter(items__batch=batch, items__status="failed").update(
            status="failed"
        )
        oneoff.refresh_totals(batch)
        OneOffBatch.objects.filter(pk=batch.pk).update(
            status=OneOffBatch.Status.RECONCILED,
            computed_at=timezone.now(),
            approved_at=timezone.now(),
            exported_at=timezone.now(),
        )
        batches.append({"county": county.code, "pay_date": pay_date.isoformat()})
    register(newer)
    return {
        "created": OneOffPayable.objects.filter(source_kind="demo").count() - before,
        "batches": batches,
    }


RAISE_REASON = "演示数据：县级复议后追溯提高金额（差额在发放时逐月补发）"
REDUCE_REASON = "演示数据：复核发现收入增加，追溯下调金额（多发部分追回）"


def _paid_history(county: Region, month: dt.date) -> None:
    """A month's run of the county as the bank confirmed it: computed, then every line paid."""
    run, _created = PayrollRun.objects.get_or_create(county=county, month=month)
    if run.status not in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
        return
    payroll.compute_payroll(run=run)
    run.lines.filter(status=PayrollLine.Status.PENDING).update(status=PayrollLine.Status.PAID)
    run.status = PayrollRun.Status.RECONCILED
    run.save(update_fields=["status"])
    services.refresh_run_totals(run)


def seed_demo_back_pay_and_recovery(*, on: dt.date | None = None) -> dict:
    """东宝区's demo history: the two months before last paid; a retroactive raise for a few
    households from three months ago (so last month's run carries their back pay), a retroactive
    reduction for two others (overpayments, one deducted monthly, one repaid with a receipt), and
    an income finding proposed for recovery. Idempotent; needs the demo's 东宝区 approver."""
    from minzheng.accounts.models import User

    from . import recovery
    from .signals import income_found

    on = on or timezone.localdate()
    user = User.objects.filter(username="dongbao_approver", role="county_approver").first()
    county = Region.objects.filter(code="420802").first()
    if user is None or county is None:
        return {"skipped": True}
    last = months.add_months(months.month_start(on), -1)
    first = months.add_months(last, -2)
    for month in (first, months.add_months(last, -1)):
        _paid_history(county, month)
    chosen = list(
        Entitlement.objects.filter(
            source=Entitlement.Source.DEMO,
            region__path__startswith=county.path,
            status=Entitlement.Status.ACTIVE,
            start_month__lte=first,
            programme__in=["dibao_urban", "dibao_rural"],
        ).order_by("pk")[:9]
    )
    done = EntitlementChange.objects.filter(reason__in=[RAISE_REASON, REDUCE_REASON]).exists()
    if not done and len(chosen) >= 3:
        for e in chosen[:6]:
            services.change_amount(
                user=user,
                entitlement=e,
                amount_fen=e.monthly_amount_fen + 3000,
                from_month=first,
                reason=RAISE_REASON,
            )
        for e in chosen[6:8]:
            services.change_amount(
                user=user,
                entitlement=e,
                amount_fen=max(e.monthly_amount_fen - 2500, 100),
                from_month=first,
                reason=REDUCE_REASON,
            )
    run, _created = PayrollRun.objects.get_or_create(county=county, month=last)
    if run.status in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
        payroll.compute_payroll(run=run)
    planned = Overpayment.objects.exclude(method="").exists()
    reduced = (
        []
        if planned
        else list(Overpayment.objects.filter(reason=Overpayment.Reason.REDUCTION).order_by("pk"))
    )
    if reduced:
        recovery.set_plan(user=user, overpayment=reduced[0], method="deduct", monthly_fen=1000)
    if len(reduced) > 1:
        recovery.record_repayment(
            user=user,
            overpayment=reduced[1],
            amount_fen=reduced[1].amount_fen // 2,
            paid_on=on,
            receipt="HB-DEMO-0001",
        )
    if len(chosen) > 8:
        income_found.send(
            sender=None,
            household_id=chosen[8].household_id,
            first_month=first,
            last_month=months.add_months(last, -1),
            monthly_income_fen=8000,
            reference="demo-income",
            note=_("演示数据：税务代扣代缴记录显示有未申报的工资收入"),
            user=user,
        )
    if run.status in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
        payroll.compute_payroll(run=run)  # the deduction planned above
    run.refresh_from_db()
    return {
        "back_pay_lines": run.lines.filter(kind=PayrollLine.Kind.BACK_PAY).count(),
        "overpayments": Overpayment.objects.count(),
    }

"""Demo data of units: the city social welfare centre as the "civil-affairs CEO" pilot holding
its own targets cascaded from the city's (no liability accident 22.3, no "four winds" problem
23.1, the public's satisfaction 23.5, its monthly publicity items 25.3), each bureau section
holding the publicity quota 25.3 (at least 10 items a month), so the board shows the units beside
the regions.

Only the reported indicators are reported: the pilot's monthly reports of 22.3 and 23.1 with
evidence — approved, but this year's latest 22.3 waits for the city's review and its latest 23.1
was returned.
25.3 and 23.5 are computed for each unit from its own records (the publicity demo's counted
items, the satisfaction demo's answered surveys carrying the unit).

Idempotent: the shares are assigned once per plan, the reports written once."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.core import audit
from minzheng.targets import calculations
from minzheng.targets import services as target_services
from minzheng.targets.models import Evidence, Plan, ReportedValue, Target

from .models import Unit

# (parent target code in the plan, unit code or the kind "section" for every section, share)
PILOT = "welfare-centre"
SHARES = [
    ("22.3", PILOT, "0"),
    ("23.1", PILOT, "0"),
    ("23.5", PILOT, "95"),
    ("25.3", PILOT, "10"),
    ("25.3", Unit.Kind.SECTION, "10"),
]
# The pilot's monthly reports: (indicator, note). The latest month's first report waits for the
# city's review, its second was returned.
REPORTS = [
    ("liability_accidents", "本月无医疗质量、养老服务等法律责任事故"),
    ("four_winds_problems", "本月干部职工无“四风”问题"),
]
RETURNED_NOTE = "附件缺少本月自查登记表，请补充后重新填报"
EVIDENCE = b"%PDF-1.4\n% demo evidence: the monthly self-inspection register\n%%EOF\n"


def _plan_2016() -> Plan | None:
    return Plan.objects.filter(region__code="420800", year=2016).first()


def _assign(plan: Plan, admin) -> int:
    if plan.targets.filter(org_unit__isnull=False).exists():
        return 0
    sections = list(Unit.objects.filter(kind=Unit.Kind.SECTION, active=True).order_by("order"))
    made = 0
    for parent_code, who, value in SHARES:
        parent = plan.targets.filter(code=parent_code, parent__isnull=True).first()
        if parent is None:
            continue
        units = sections if who == Unit.Kind.SECTION else list(Unit.objects.filter(code=who))
        made += len(
            target_services.assign_to_units(
                user=admin, target=parent, shares=[(u, value) for u in units]
            )
        )
    return made


def _month_ends(year: int, today: dt.date) -> list[dt.date]:
    last = min(dt.date(year, 12, 31), today - dt.timedelta(days=1))
    return calculations.period_ends(frequency="monthly", start=dt.date(year, 1, 1), end=last)


def _reviewer_for(unit: Unit, office, section):
    """The city's reviewer: the office for the other units, the assistance section for the
    office (nobody approves their own unit's figures)."""
    return section if unit.code == "office" else office


@transaction.atomic
def _reports(plan: Plan, year: int, today: dt.date) -> int:
    """A year's monthly reports of the reported indicators the units hold under `plan` (the
    current year's plan, copied from it later, holds the same)."""
    codes = [code for code, _note in REPORTS]
    held = (
        Target.objects.filter(plan=plan, org_unit__isnull=False, indicator__in=codes)
        .values_list("org_unit_id", "indicator")
        .distinct()
    )
    by_unit: dict[int, set[str]] = {}
    for unit_id, code in held:
        by_unit.setdefault(unit_id, set()).add(code)
    if not by_unit:
        return 0
    if ReportedValue.objects.filter(org_unit__isnull=False, as_of__year=year).exists():
        return 0
    office = User.objects.filter(username="bureau_office").first()
    section = User.objects.filter(username="city_section").first()
    staff = {u.unit_id: u for u in User.objects.filter(unit__isnull=False).order_by("id")}
    months = _month_ends(year, today)
    rows: list[ReportedValue] = []
    now = timezone.now()
    for unit in Unit.objects.filter(pk__in=list(by_unit)).order_by("order", "id"):
        reviewer = _reviewer_for(unit, office, section)
        for n, month_end in enumerate(months, start=1):
            last = n == len(months) and year == today.year
            for k, (code, note) in enumerate(REPORTS):
                if code not in by_unit[unit.pk]:
                    continue
                status, review_note = ReportedValue.Status.APPROVED, ""
                if last and k == 0:
                    status = ReportedValue.Status.SUBMITTED
                elif last:
                    status, review_note = ReportedValue.Status.REJECTED, RETURNED_NOTE
                waiting = status == ReportedValue.Status.SUBMITTED
                rows.append(
                    ReportedValue(
                        indicator=code,
                        value=Decimal(0),
                        note=note,
                        region_id=unit.region_id,
                        org_unit=unit,
                        as_of=month_end,
                        status=status,
                        submitted_by=staff.get(unit.pk),
                        reviewed_by=None if waiting else reviewer,
                        reviewed_at=None if waiting else now,
                        review_note=review_note,
                    )
                )
    created = ReportedValue.objects.bulk_create(rows)
    digest = hashlib.sha256(EVIDENCE).hexdigest()
    for report in created:
        evidence = Evidence(
            report=report,
            original_name=f"{report.as_of:%Y年%m月}自查登记表.pdf",
            extension=".pdf",
            size=len(EVIDENCE),
            sha256=digest,
        )
        evidence.file.save("evidence", ContentFile(EVIDENCE), save=False)
        evidence.save()
        audit.record_created(report, note="演示数据：单位填报")
    return len(created)


def seed_demo_units(today: dt.date | None = None) -> dict:
    """The pilot's and the sections' targets (on the 2016 plan, which the current year's plan is
    copied from) and their reports of 2016 and of this year's past months."""
    today = today or timezone.localdate()
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    if admin is None:
        return {}
    plan = _plan_2016() or target_services.load_plan_2016()
    assigned = _assign(plan, admin)
    current = Plan.objects.filter(region=plan.region, year=today.year).first()
    if current is not None and current.pk != plan.pk:
        assigned += _assign(current, admin)
    reports = _reports(plan, 2016, today)
    if today.year > 2016:
        reports += _reports(plan, today.year, today)
    return {"unit_targets": assigned, "unit_reports": reports}

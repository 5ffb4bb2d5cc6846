"""Demo data: the Jingmen tree, a deterministic synthetic city and one account per role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import Role, User
from minzheng.accounts.services import create_account
from minzheng.core import audit
from minzheng.core.context import Actor, acting_as
from minzheng.core.models import AuditEvent, Job
from minzheng.people.models import HouseholdMember, Person, Relation
from minzheng.regions.models import Region
from minzheng.regions.services import load_jingmen
from minzheng.units.models import Unit
from minzheng.units.services import load_default_units

DEMO_PASSWORD = "demo12345"
SEEDED_TYPE = "core.demo"
# username, role, region code ("" = whole platform); the township and village accounts sit in
# 东宝区 龙泉街道 so that the demo shows scope at work against the rest of the city.
DEMO_ACCOUNTS = [
    ("admin", Role.ADMIN, "", "系统管理员"),
    ("city_section", Role.CITY_SECTION, "420800", "市局社会救助科"),
    ("leader", Role.LEADER, "420800", "市局领导"),
    ("verify_centre", Role.VERIFICATION_CENTRE, "420800", "市核对中心"),
    ("dongbao_approver", Role.COUNTY_APPROVER, "420802", "东宝区民政局审批员"),
    ("zhongxiang_approver", Role.COUNTY_APPROVER, "420881", "钟祥市民政局审批员"),
    ("longquan_clerk", Role.TOWNSHIP_CLERK, "420802001", "龙泉街道受理员"),
    ("village_worker", Role.VILLAGE_WORKER, "busiest-village:420802001", "社区工作人员"),
    ("provider", Role.PROVIDER, "", "居家养老服务中心"),
    ("resident", Role.RESIDENT, "busiest-village:420802001", ""),
    ("child_protection", Role.CHILD_PROTECTION, "420802", "东宝区儿童保护专干"),
    ("school_reporter", Role.REPORTER, "420802001", "龙泉街道中心小学"),
    ("relief_station", Role.RELIEF_STATION, "420800", "荆门市救助管理站"),
    ("depot_keeper", Role.DEPOT_KEEPER, "420802", "东宝区救灾物资储备库保管员"),
    ("depot_keeper2", Role.DEPOT_KEEPER, "420802", "东宝区救灾物资储备库副保管员"),
    ("employer", Role.EMPLOYER, "420802", "荆门市东宝区城市管理局"),
    ("cadre_centre", Role.CADRE_CENTRE, "420800", "荆门市军队离退休干部休养所"),
    ("social_org", Role.ORGANISATION, "420802", "东宝区阳光社会工作服务中心"),
    ("marriage_registrar", Role.MARRIAGE_REGISTRAR, "420802", "东宝区婚姻登记处登记员"),
    ("funeral_home", Role.FUNERAL_HOME, "420800", "荆门市殡仪馆"),
    ("placename_officer", Role.PLACENAME_OFFICER, "420802", "东宝区地名普查办公室"),
    ("charity", Role.ORGANISATION, "420800", "荆门市慈善总会"),
    ("welfare_centre", Role.UNIT_STAFF, "420800", "荆门市社会福利中心"),
    ("bureau_office", Role.CITY_SECTION, "420800", "市局办公室"),
]
# The unit (units.Unit code) a demo account belongs to.
DEMO_ACCOUNT_UNITS = {
    "city_section": "assistance",
    "welfare_centre": "welfare-centre",
    "bureau_office": "office",
}


def seeded_on(*, persons: int, seed: int) -> dt.date | None:
    """The day the demo of this size and seed was last set up completely, from its audit event."""
    after = (
        AuditEvent.objects.filter(object_type=SEEDED_TYPE, object_id=f"{persons}-{seed}")
        .order_by("-seq")
        .values_list("after", flat=True)
        .first()
    )
    return dt.date.fromisoformat(after["on"]) if after and after.get("on") else None


def ensure_demo_data(
    *,
    persons: int,
    seed: int,
    out_root: Path,
    log: Callable[[str], None] = print,
    reseed: bool = False,
) -> list[tuple[str, str, str]]:
    """Everything a new install shows, each step idempotent so a second `demo` adds nothing.

    The steps re-read the whole city (beneficiaries, bookings, a year of indicator snapshots), which
    takes a while even when they add nothing; a restart on the same day as a complete set-up skips
    them. The set-ups depend on the day (last month's payroll, today's snapshot), so the first start
    on a later day, or `reseed`, runs them again."""
    today = timezone.localdate()
    if (
        not reseed
        and seeded_on(persons=persons, seed=seed) == today
        and User.objects.filter(username="admin").exists()
    ):
        log(
            "Existing demo data found (set up today); skipping set-up. Use --reseed to run it again."
        )
        return _ensure_accounts()
    from minzheng.adoption.demo import seed_demo_adoption
    from minzheng.assistance.services import load_default_standards
    from minzheng.cases.demo import seed_demo_medical
    from minzheng.cases.holidays import load_calendar
    from minzheng.charity.demo import seed_demo_charity
    from minzheng.children.demo import seed_demo_children
    from minzheng.community.demo import seed_demo_community
    from minzheng.complaints.demo import seed_demo_complaints
    from minzheng.depots.demo import seed_demo_depots
    from minzheng.disaster.demo import seed_demo_disaster
    from minzheng.eldercare.demo import seed_demo_eldercare
    from minzheng.funeral.demo import seed_demo_funeral
    from minzheng.linkage.demo import seed_demo_linkage
    from minzheng.marriage.demo import seed_demo_marriage
    from minzheng.military.demo import seed_demo_military
    from minzheng.notifications.demo import seed_demo_notifications
    from minzheng.payments.demo import (
        seed_demo_back_pay_and_recovery,
        seed_demo_beneficiaries,
        seed_demo_oneoff,
    )
    from minzheng.placement.demo import seed_demo_placement
    from minzheng.placenames.demo import seed_demo_placenames
    from minzheng.projects.demo import seed_demo_projects
    from minzheng.publicity.demo import seed_demo_publicity
    from minzheng.satisfaction.demo import seed_demo_satisfaction
    from minzheng.socialorgs.demo import seed_demo_organisations
    from minzheng.socialwork.demo import seed_demo_social_work
    from minzheng.specialcare.benefit_demo import seed_demo_benefits
    from minzheng.specialcare.demo import seed_demo_roster
    from minzheng.synth.generator import generate_city
    from minzheng.synth.loader import load_city
    from minzheng.targets.demo import setup_demo as setup_demo_targets
    from minzheng.units.demo import seed_demo_units
    from minzheng.vagrants.demo import seed_demo_vagrants
    from minzheng.verification.demo import seed_demo_exchange
    from minzheng.volunteers.demo import seed_demo_volunteers

    with acting_as(Actor(username="demo", channel="cli")):
        rows_before = _module_rows()
        load_jingmen()
        load_default_units()
        load_default_standards()
        load_calendar()
        if not Person.objects.exists():
            out_dir = out_root / f"{persons}-{seed}"
            if not (out_dir / "manifest.json").exists():
                log(f"Generating a synthetic city of {persons:,} persons …")
                generate_city(persons=persons, seed=seed, out_dir=out_dir)
            log("Loading it …")
            load_city(src_dir=out_dir)
        accounts = _ensure_accounts()
        log("Social assistance beneficiaries and last month's payroll …")
        seed_demo_beneficiaries(count=400)
        log("Back pay after a retroactive raise, overpayments in recovery …")
        seed_demo_back_pay_and_recovery()
        log("Medical assistance: cases with hospital bills across this year …")
        seed_demo_medical()
        log("Poverty registry and medical-insurance enrolments …")
        seed_demo_linkage()
        log("Children: the register, protection cases, orphan allowances …")
        seed_demo_children()
        log("One-off payments: temporary and medical assistance, a paid batch …")
        seed_demo_oneoff(count=100)
        log("Elderly care: providers, institutions, beds, bookings …")
        seed_demo_eldercare()
        log("Relief-supply depots: a year of stock, the July 2016 flood, a count …")
        seed_demo_depots()
        log("Disaster relief: the 2016 flood, rescue teams, drills, model communities …")
        seed_demo_disaster()
        log("Relief station: a year of stays of vagrants and beggars …")
        seed_demo_vagrants()
        log("Special care: the roster of veterans and military families …")
        seed_demo_roster()
        log("Double support, retired military cadres and military-related appeals …")
        seed_demo_military()
        log(
            "Veterans' placement: this year's placement in 东宝区, posts, choices, grants, training …"
        )
        seed_demo_placement()
        log("Special care: pensions in last month's payroll, conscript-family benefits …")
        seed_demo_benefits()
        log("Social organisations: the register, annual inspections, ratings, complaints …")
        seed_demo_organisations()
        log("Volunteers: registrations, teams, activities and hours …")
        seed_demo_volunteers()
        log("Social work: the talent ledger, purchased services, 三社联动, venture funding …")
        seed_demo_social_work()
        log("Community governance: points in the pilot communities, demonstration sites …")
        seed_demo_community()
        log("Marriage: appointments, registrations, certificates and the archive …")
        seed_demo_marriage()
        log("Adoption: applications, notices and registrations …")
        seed_demo_adoption()
        log("Place names: the census database, reviews and boundary inspections …")
        seed_demo_placenames()
        log("Funeral: funeral homes, cremations, burials and eco-cemeteries …")
        seed_demo_funeral()
        log("Charity: donations, receipts, use of funds and lottery reports …")
        seed_demo_charity()
        log("Units, key projects and publicity submissions …")
        seed_demo_units()
        seed_demo_projects()
        seed_demo_publicity()
        log("Complaints and petitions …")
        seed_demo_complaints()
        log("Notifications and satisfaction surveys …")
        seed_demo_notifications()
        seed_demo_satisfaction()
        log("The 2016 plan's targets and a first indicator snapshot …")
        # The past months' snapshots only change when the steps above added something.
        setup_demo_targets(log=log, rebuild=reseed or _module_rows() != rows_before)
        log("Verification runs waiting for the departments' replies …")
        seed_demo_exchange(log=log)
        audit.record(
            "import",
            object_type=SEEDED_TYPE,
            object_id=f"{persons}-{seed}",
            object_repr=_("演示数据"),
            after={"persons": persons, "seed": seed, "on": today.isoformat()},
            note=_("演示数据已完整生成"),
        )
    return accounts


def _module_rows() -> int:
    """How many rows the modules' tables hold, but for the audit trail, the jobs and the target
    snapshots (which every run writes): equal before and after a run means it added nothing."""
    skipped = {AuditEvent, Job}
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if not model._meta.proxy and model not in skipped and model._meta.app_label != "targets"
    )


@transaction.atomic
def _ensure_accounts() -> list[tuple[str, str, str]]:
    rows = []
    for index, (username, role, where, display_name) in enumerate(DEMO_ACCOUNTS):
        region = _demo_region(where)
        user = User.objects.filter(username=username).first()
        if user is None:
            person = _demo_resident(region) if role == Role.RESIDENT else None
            user = create_account(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                region=None if role == Role.RESIDENT else region,
                person=person,
                # Staff get their to-do messages by SMS; a resident's number is their registry's.
                phone="" if person else f"1390716{index:04d}",
                is_demo=True,
                display_name=display_name or (person.name if person else ""),
            )
        if username in DEMO_ACCOUNT_UNITS and user.unit_id is None:
            with audit.audited(user, note=_("演示账号所在单位")):
                user.unit = Unit.objects.get(code=DEMO_ACCOUNT_UNITS[username])
                user.save(update_fields=["unit"])
        rows.append(
            (
                username,
                Role(role).label,
                user.region.name
                if user.region_id
                else ("—" if role != Role.RESIDENT else region.name),
            )
        )
    return rows


def _demo_region(where: str) -> Region | None:
    if not where:
        return None
    if where.startswith("busiest-village:"):
        township = where.split(":", 1)[1]
        # The township's most populous community, so the village accounts have people to serve.
        return (
            Region.objects.filter(parent__code=township, level=Region.Level.VILLAGE)
            .annotate(people=Count("registered_people"))
            .order_by("-people", "code")
            .first()
        )
    return Region.objects.get(code=where)


def _demo_resident(village: Region) -> Person:
    """The head of a household with a living member aged 80 or over (in the village, else in its
    township), so that booking home care and the old-age allowance can be tried from the
    resident's account; any head of the village otherwise."""
    today = timezone.localdate()
    born_by = dt.date(
        today.year - 80, today.month, 28 if (today.month, today.day) == (2, 29) else today.day
    )
    eighty = HouseholdMember.objects.filter(
        household_id=OuterRef("household_id"),
        until__isnull=True,
        person__death_date__isnull=True,
        person__birth_date__lte=born_by,
    )
    live_heads = HouseholdMember.objects.filter(
        relation=Relation.HEAD, until__isnull=True, person__death_date__isnull=True
    )
    for where in (
        {"household__region": village},
        {"household__region__parent_id": village.parent_id},
    ):
        with_eighty = (
            live_heads.filter(Exists(eighty), **where)
            .select_related("person")
            .order_by("household__region__code", "household_id")
        )
        head = with_eighty.filter(person__birth_date__gt=born_by).first() or with_eighty.first()
        if head is not None:
            return head.person
    return (
        live_heads.filter(household__region=village)
        .select_related("person")
        .order_by("household_id")
        .first()
        .person
    )

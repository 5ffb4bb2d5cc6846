"""Demo records of the children's register and the protection cases, from the loaded synthetic
city, so the pages, the workbench cards, the payroll and target 4.2 have figures on a new install.

Shares (synthetic, deterministic by person id; docs/DOMAIN.md §6): of the living children under
16, about 0.1 % orphans (half raised in an institution), 1.5 % children in difficulty (poverty,
disability or without effective guardianship in turn), and of the rural children 8 % left behind
(both parents working away, or the father away and the mother unable to care). This quarter's
confirmation is done for about 85 % of the register. Orphans with a household are confirmed by
the county two months back, so last month's payroll pays their allowance. A handful of
protection cases in 东宝区 龙泉街道 at every stage, some overdue, reported by the school and
handled by the county child-protection officer.

Writes are set-based (bulk inserts that ignore rows already held); a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.core.context import Actor, acting_as
from minzheng.payments import months
from minzheng.people.models import HouseholdMember, Person

from . import allowance, deadlines, services
from .models import (
    CareType,
    Category,
    ChildCase,
    ChildRecord,
    DifficultyReason,
    QuarterConfirmation,
)
from .selectors import quarter_of

REASONS = [DifficultyReason.POVERTY, DifficultyReason.DISABILITY, DifficultyReason.NO_GUARDIANSHIP]
DEMO_TOWNSHIP = "420802001"
MOTHERS = ["张丽", "李芳", "王静", "陈艳", "刘娟", "杨敏"]
GRANDMOTHERS = ["张桂英", "李秀英", "王玉兰", "陈桂兰", "刘秀珍", "杨凤英"]
SCHOOLS = ["中心小学", "第一初级中学", "实验小学", "希望小学"]


def _draw(pk: int, salt: int, modulo: int = 10000) -> int:
    digest = hashlib.blake2b(f"child:{salt}:{pk}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % modulo


def _record(
    pk: int, name: str, region_id: int, rural: bool, today: dt.date, *, orphan: bool = False
) -> ChildRecord | None:
    draw = 0 if orphan else _draw(pk, 1)
    surname = name[:1]
    common = {"person_id": pk, "region_id": region_id, "registered_on": today}
    school = SCHOOLS[_draw(pk, 2, len(SCHOOLS))]
    if draw < 10:  # 0.1 %
        institutional = _draw(pk, 3, 2) == 0
        return ChildRecord(
            **common,
            category=Category.ORPHAN,
            care_type=CareType.INSTITUTIONAL if institutional else CareType.DISPERSED,
            father_status="deceased",
            mother_status="deceased" if _draw(pk, 4, 3) else "missing",
            guardian_name="荆门市儿童福利院" if institutional else f"{surname}建国",
            guardian_relation="" if institutional else "祖父",
            school=school,
        )
    if draw < 160:  # 1.5 %
        reason = REASONS[_draw(pk, 5, 3)]
        return ChildRecord(
            **common,
            category=Category.DIFFICULTY,
            difficulty_reason=reason,
            father_status="in_prison" if reason == DifficultyReason.NO_GUARDIANSHIP else "at_home",
            guardian_name=f"{MOTHERS[_draw(pk, 9, len(MOTHERS))]}",
            guardian_relation="母亲",
            school=school,
        )
    if rural and _draw(pk, 6, 100) < 8:  # 8 % of rural children
        both = _draw(pk, 7, 4) != 0
        return ChildRecord(
            **common,
            category=Category.LEFT_BEHIND,
            father_status="working_away",
            father_place="广东省深圳市",
            mother_status="working_away" if both else "in_prison",
            mother_place="浙江省杭州市" if both else "",
            guardian_name=f"{GRANDMOTHERS[_draw(pk, 10, len(GRANDMOTHERS))]}",
            guardian_relation="祖母",
            school=school,
        )
    return None


@transaction.atomic
def seed_demo_children(*, on: dt.date | None = None) -> dict:
    today = on or timezone.localdate()
    born_after = dt.date(today.year - 16, today.month, min(today.day, 28))
    children = (
        Person.objects.filter(birth_date__gt=born_after)
        .filter(Q(death_date__isnull=True) | Q(death_date__gt=today))
        .values_list("pk", "name", "hukou_region_id", "hukou_type", "hukou_region__path")
    )
    children = list(children.iterator(chunk_size=5000))
    # The demo accounts' township (东宝区 龙泉街道) always has two orphans to show, however small
    # the city: its two children drawn lowest.
    demo_township = sorted(
        (_draw(pk, 1), pk) for pk, _n, _r, _h, path in children if f"/{DEMO_TOWNSHIP}/" in path
    )
    forced = {pk for _d, pk in demo_township[:2]}
    rows = [
        r
        for pk, name, region_id, hukou, _path in children
        if (r := _record(pk, name, region_id, hukou == "rural", today, orphan=pk in forced))
        is not None
    ]
    before = ChildRecord.objects.count()
    ChildRecord.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    created = ChildRecord.objects.count() - before

    quarter = quarter_of(today)
    # The demo village worker's village keeps its first two children to confirm, so the
    # workbench card has something to show.
    worker_village = User.objects.filter(username="village_worker").values("region_id")
    left_open = set(
        ChildRecord.objects.filter(region_id__in=worker_village)
        .order_by("pk")
        .values_list("pk", flat=True)[:2]
    )
    confirmations = [
        QuarterConfirmation(child_id=pk, quarter=quarter, confirmed_on=today, note="入户核实")
        for pk in ChildRecord.objects.values_list("pk", flat=True)
        if _draw(pk, 8, 100) < 85 and pk not in left_open
    ]
    QuarterConfirmation.objects.bulk_create(confirmations, batch_size=2000, ignore_conflicts=True)

    paid = _confirm_orphans(today)
    cases = _demo_cases(today)
    return {"records": created, "orphans_paid": paid, "cases": cases}


def _confirm_orphans(today: dt.date) -> int:
    """Orphans with a household, confirmed two months back by the administrator, so last
    month's payroll pays them; then last month's payroll of their counties is brought up to date."""
    from minzheng.payments import payroll
    from minzheng.payments.models import PayrollRun
    from minzheng.regions.models import Region

    admin = User.objects.filter(username="admin").first()
    if admin is None:
        return 0
    in_household = HouseholdMember.objects.filter(until__isnull=True).values("person_id")
    pending = ChildRecord.objects.filter(
        category=Category.ORPHAN, entitlement__isnull=True, person_id__in=in_household
    ).select_related("region")
    confirm_on = months.add_months(months.month_start(today), -2)
    paid = 0
    counties = set()
    with acting_as(Actor(username="demo", channel="cli")):
        for record in pending:  # some tens in a city of 100,000; each one an entitlement
            allowance.confirm_orphan(user=admin, record=record, on=confirm_on)
            counties.update(record.region.path.strip("/").split("/"))
            paid += 1
        last_month = months.add_months(months.month_start(today), -1)
        for county in Region.objects.filter(level=Region.Level.COUNTY, code__in=counties):
            run, _created = PayrollRun.objects.get_or_create(county=county, month=last_month)
            if run.status in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
                payroll.compute_payroll(run=run)
    return paid


def _demo_cases(today: dt.date) -> int:
    """Ten cases in 龙泉街道 at every stage (some overdue), once."""
    if ChildCase.objects.exists():
        return 0
    reporter = User.objects.filter(username="school_reporter").first()
    officer = User.objects.filter(username="child_protection").first()
    if reporter is None or officer is None:
        return 0
    kids = list(
        ChildRecord.objects.filter(region__path__contains="/420802001/")
        .select_related("person")
        .order_by("id")[:10]
    )
    if not kids:
        return 0
    now = timezone.now()
    hours = dt.timedelta(hours=1)
    days = dt.timedelta(days=1)
    # (reported this long ago, the steps done: contact / assess / plan / intervene / close)
    plan = [
        (2 * hours, ""),
        (30 * hours, ""),  # first contact overdue
        (3 * days, "contact"),
        (9 * days, "contact"),  # assessment overdue
        (10 * days, "assess"),
        (20 * days, "assess"),  # help plan overdue
        (12 * days, "plan"),
        (25 * days, "intervene"),
        (40 * days, "close"),
        (35 * days, "close_skip"),  # closed without guardianship intervention
    ]
    steps = ["contact", "assess", "plan", "intervene", "close"]
    texts = [
        "学生连续多日未到校，家访发现独自在家",
        "校医发现学生身上有多处伤痕",
        "学生反映父母外出后无人照看",
    ]
    with acting_as(Actor(username="school_reporter", channel="web")):
        made = []
        for index, (ago, _last) in enumerate(plan):
            kid = kids[index % len(kids)]
            case = services.report_child(
                user=reporter,
                id_number=kid.person.id_number,
                what_happened=texts[index % len(texts)],
                urgency=["immediate", "high", "normal"][index % 3],
                reporter_kind="school",
            )
            reported = now - ago
            ChildCase.objects.filter(pk=case.pk).update(
                reported_at=reported, **deadlines.due_dates(reported)
            )
            case.events.update(at=reported)
            made.append(ChildCase.objects.get(pk=case.pk))
    with acting_as(Actor(username="child_protection", channel="web")):
        for case, (_ago, last) in zip(made, plan):
            if not last:
                continue
            reported = case.reported_at
            if last == "close_skip":
                done = ["contact", "assess", "plan", "close"]
            else:
                done = steps[: steps.index(last) + 1]
            day = timezone.localtime(reported).date()
            if "contact" in done:
                services.record_first_contact(
                    user=officer,
                    case=case,
                    action="当日联系学校和社区，儿童已由亲属照看",
                    at=reported + 5 * hours,
                )
            if "assess" in done:
                services.record_assessment(
                    user=officer,
                    case=case,
                    assessment="监护人监护能力不足，需要帮扶",
                    on=day + dt.timedelta(days=3),
                )
            if "plan" in done:
                services.record_plan(
                    user=officer,
                    case=case,
                    plan="学校每日考勤，社工每周家访",
                    on=day + dt.timedelta(days=8),
                    referrals=[
                        {
                            "target": "school",
                            "organisation": "龙泉街道中心小学",
                            "need": "每日考勤",
                        },
                        {
                            "target": "social_worker",
                            "organisation": "东宝区社工站",
                            "need": "每周家访",
                        },
                    ],
                )
            if "intervene" in done:
                services.start_intervention(user=officer, case=case, note="监护人拒不履行监护职责")
                services.add_measure(
                    user=officer,
                    case=case,
                    kind="warning",
                    document="东民训诫〔2016〕1号",
                    on=day + dt.timedelta(days=9),
                )
            if "close" in done:
                services.close_case(
                    user=officer,
                    case=case,
                    note="监护已落实，结案",
                    skip_reason="" if "intervene" in done else "监护人已履行监护职责",
                    on=day + dt.timedelta(days=12),
                )
        services.escalate_overdue()
    return len(made)

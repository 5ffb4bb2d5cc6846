"""Demo records of the module, in proportion to the synthetic city (the real 2016 region register:
5 county-level units, their townships, generated villages and communities), so the pages, the
workbench cards and targets 16–18 have figures on a new install:

- double support, this year: 4 of the 5 counties enrolled, about 3 in 4 townships and 2 in 5
  urban communities (near the targets 100 / 80 / 50 %, not all there), a few applications pending;
- the retired cadres' centre with 40 cadres from the registry (aged 55–85), 34 handed over in past
  years and received, 6 on this year's notice of whom 3 received; this year's two-treatments
  checklists delivered but for one item of 3 cadres; a visit each; the survey answered by 30
  (27 satisfied, 2 basically satisfied, 1 dissatisfied);
- 30 military-related appeals across the counties' townships (6 in 东宝区 龙泉街道, the demo
  clerk's) at every stage, a few late, one flagged as a non-normal petition.

Writes are set-based (bulk inserts); each part runs only once, so a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.people.models import Person
from minzheng.regions.models import Region
from minzheng.targets.indicators import years_before

from . import deadlines
from .models import (
    TREATMENT_KIND,
    AppealEvent,
    CadreService,
    CadreSurvey,
    MilitaryAppeal,
    RetiredCadre,
    SupportEnrolment,
    TreatmentCode,
    TreatmentItem,
)

DEMO_TOWNSHIP = "420802001"
RANKS = ["正师职", "副师职", "正团职", "副团职", "正营职", "一级军士长", "二级军士长"]
CATEGORIES = ["retired_officer", "retired_officer", "lixiu", "civilian", "nco"]
CONTENTS = [
    ("placement", "退役后安置工作未落实，要求按政策安排工作岗位"),
    ("pension", "伤残抚恤金标准调整后未补发差额"),
    ("medical", "优抚对象医疗补助报销比例有疑问，要求解释"),
    ("housing", "申请优抚对象住房保障，询问办理进度"),
    ("other", "参战退役人员身份认定材料提交后无回复"),
]
STATUSES = ["veteran", "special_care", "family", "veteran", "veteran"]
NAMES = ["周国强", "吴建军", "郑卫东", "孙志刚", "冯海涛", "陈立新"]


def _draw(key: str, modulo: int) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % modulo


@transaction.atomic
def seed_demo_military(*, on: dt.date | None = None) -> dict:
    today = on or timezone.localdate()
    return {
        "enrolments": _enrolments(today),
        "cadres": _cadres(today),
        "appeals": _appeals(today),
    }


def _enrolments(today: dt.date) -> int:
    year = today.year
    if SupportEnrolment.objects.filter(year=year).exists():
        return 0
    applied = min(dt.date(year, 3, 1), today)
    reviewed = min(dt.date(year, 6, 30), today)
    units = Region.objects.filter(kind="statutory", level__in=["county", "township", "village"])
    units = units.exclude(level="village", urban_rural="rural").order_by("code")
    counties = [r for r in units if r.level == "county"]
    rows = []
    for region in units:
        draw = _draw(f"enrol:{region.code}", 100)
        if region.level == "county":
            # Every county but the last applies and is enrolled; the last is still pending.
            enrolled, pending = region != counties[-1], region == counties[-1]
        elif region.level == "township":
            enrolled, pending = draw < 75, 75 <= draw < 85
        else:
            enrolled, pending = draw < 40, 40 <= draw < 50
        if not (enrolled or pending):
            continue
        rows.append(
            SupportEnrolment(
                region=region,
                year=year,
                applied_on=applied,
                applied_by_name="演示申报",
                application=f"{region.name}双拥工作领导小组健全，拥军优属活动经常化，申报进入“双拥三创”行列。",
                result="pending" if pending else "enrolled",
                score=None if pending else 80 + draw % 20,
                evidence="" if pending else "实地考核：组织健全、制度完善、活动记录齐全",
                reviewed_on=None if pending else reviewed,
                reviewed_by_name="" if pending else "演示审核",
            )
        )
    SupportEnrolment.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _cadres(today: dt.date) -> int:
    if RetiredCadre.objects.exists():
        return 0
    year = today.year
    people = list(
        Person.objects.filter(
            birth_date__lte=years_before(today, 55),
            birth_date__gt=years_before(today, 85),
            sex="M",
        )
        .filter(Q(death_date__isnull=True) | Q(death_date__gt=today))
        .order_by("id")
        .values_list("pk", "hukou_region_id")[:400:10]
    )[:40]
    rows = []
    for i, (pk, region_id) in enumerate(people):
        this_year = i >= len(people) - 6
        handover = year if this_year else year - 1 - i % 10
        notice = min(dt.date(handover, 9, 1), today) if this_year else dt.date(handover, 9, 1)
        received = None if this_year and i % 2 else min(notice + dt.timedelta(days=45), today)
        rows.append(
            RetiredCadre(
                person_id=pk,
                region_id=region_id,
                category=CATEGORIES[i % len(CATEGORIES)],
                rank=RANKS[i % len(RANKS)],
                handover_year=handover,
                notice_number=f"鄂军休移〔{handover}〕{i % 9 + 1}号",
                notice_on=notice,
                due_on=dt.date(handover, 12, 31),
                received_on=received,
            )
        )
    RetiredCadre.objects.bulk_create(rows, ignore_conflicts=True)
    received = list(
        RetiredCadre.objects.filter(received_on__isnull=False)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    items, services, surveys = [], [], []
    for n, pk in enumerate(received):
        for m, code in enumerate(TreatmentCode.values):
            missing = n % 12 == 5 and m == n % len(TreatmentCode.values)
            items.append(
                TreatmentItem(
                    cadre_id=pk,
                    year=year,
                    kind=TREATMENT_KIND[code],
                    item=code,
                    delivered_on=None if missing else min(dt.date(year, 1 + m, 15), today),
                )
            )
        services.append(
            CadreService(
                cadre_id=pk,
                kind="visit",
                on=min(dt.date(year, 1, 20), today),
                note="春节走访慰问，送去慰问金和年货",
                by_name="荆门市军队离退休干部休养所",
            )
        )
        if n < 30:
            overall = "dissatisfied" if n == 7 else ("basic" if n in (3, 19) else "satisfied")
            surveys.append(
                CadreSurvey(
                    cadre_id=pk,
                    year=year,
                    answered_on=min(dt.date(year, 11, 10), today),
                    political="satisfied",
                    living="basic" if overall != "satisfied" else "satisfied",
                    services=overall,
                    overall=overall,
                    comment="希望增加集体活动" if overall != "satisfied" else "",
                )
            )
    TreatmentItem.objects.bulk_create(items, ignore_conflicts=True)
    CadreService.objects.bulk_create(services)
    CadreSurvey.objects.bulk_create(surveys, ignore_conflicts=True)
    return len(rows)


# (stage, days ago received, days to accept, reply after days, report after days, extended)
PLAN = [
    ("filed", 3, None, None, 1, False),
    ("filed", 8, None, None, 2, False),
    ("filed", 25, None, None, 2, False),  # acceptance late
    ("accepted", 20, 5, None, 1, False),
    ("accepted", 40, 3, None, 2, False),
    ("accepted", 95, 10, None, 2, True),  # extended
    ("accepted", 100, 4, None, 6, False),  # reply late, reported late
    ("replied", 50, 2, 30, 1, False),
    ("replied", 60, 3, 40, 2, False),
    ("closed", 70, 3, 45, 1, False),
    ("closed", 80, 5, 40, 3, False),
    ("closed", 90, 4, 70, 2, False),  # replied late
    ("not_accepted", 30, None, None, 2, False),
    ("review", 85, 2, 35, 1, False),
]


def _appeals(today: dt.date) -> int:
    if MilitaryAppeal.objects.exists():
        return 0
    townships = list(Region.objects.filter(kind="statutory", level="township").order_by("code"))
    if not townships:
        return 0
    demo = [t for t in townships if t.code == DEMO_TOWNSHIP]
    others = [t for t in townships if t.code != DEMO_TOWNSHIP]
    places = (demo * 6) + [others[(i * 7) % len(others)] for i in range(24)]
    start = dt.date(today.year, 1, 1)
    rows = []
    for i, region in enumerate(places):
        stage, ago, accept_after, reply_after, report_after, extended = PLAN[i % len(PLAN)]
        received = max(today - dt.timedelta(days=ago + i // len(PLAN)), start)
        accepted = (
            min(received + dt.timedelta(days=accept_after), today)
            if accept_after is not None
            else None
        )
        handle_due = (
            (deadlines.extended_due(accepted) if extended else deadlines.handle_due(accepted))
            if accepted
            else None
        )
        replied = (
            min(accepted + dt.timedelta(days=reply_after), today)
            if accepted and reply_after is not None
            else None
        )
        reported = received + dt.timedelta(days=report_after)
        reported = reported if reported <= today and i % 10 != 4 else None
        category, content = CONTENTS[i % len(CONTENTS)]
        rows.append(
            MilitaryAppeal(
                number=f"DEMO{i:04d}",
                region=region,
                channel=["window", "phone", "letter", "online"][i % 4],
                appellant_name=NAMES[i % len(NAMES)],
                appellant_phone=f"1397160{i:04d}",
                military_status=STATUSES[i % len(STATUSES)],
                category=category,
                content=content,
                received_on=received,
                filed_by_name=f"{region.name}受理员",
                stage=stage,
                accept_due_on=deadlines.accept_due(received),
                accepted_on=accepted,
                not_accepted_reason="诉求已通过司法途径处理，依法不予受理"
                if stage == "not_accepted"
                else "",
                handle_due_on=handle_due,
                extended_on=accepted + dt.timedelta(days=50) if extended else None,
                extension_reason="需协调人社部门核查档案" if extended else "",
                reply="经核查，已按政策落实，详见书面答复" if replied else "",
                replied_on=replied,
                satisfaction="satisfied" if stage == "closed" else "",
                review_due_on=deadlines.review_due(replied) if replied else None,
                review_requested_on=min(replied + dt.timedelta(days=10), today)
                if stage == "review"
                else None,
                review_reason="对答复意见不服" if stage == "review" else "",
                closed_on=min(replied + dt.timedelta(days=7), today)
                if stage == "closed"
                else (received + dt.timedelta(days=5) if stage == "not_accepted" else None),
                report_due_on=deadlines.report_due(received),
                reported_on=reported,
                facts_check="" if stage == "filed" else ("corrected" if i == 9 else "accurate"),
                facts_checked_on=accepted or (received if stage != "filed" else None),
                abnormal_petition=i == 11,
            )
        )
    created = MilitaryAppeal.objects.bulk_create(rows)
    for appeal in created:
        appeal.number = f"SJ{appeal.received_on:%Y}{appeal.pk:06d}"
    MilitaryAppeal.objects.bulk_update(created, ["number"])
    noon = dt.time(10, 0)
    AppealEvent.objects.bulk_create(
        AppealEvent(
            appeal=a,
            action="file",
            label="登记诉求",
            to_stage="filed",
            by_name=a.filed_by_name,
            at=timezone.make_aware(dt.datetime.combine(a.received_on, noon)),
        )
        for a in created
    )
    return len(created)

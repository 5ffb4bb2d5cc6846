"""Demo of sunshine placement: a placement year of 东宝区, so the pages, the live board and
targets 14.1–14.5 have figures on a new install (docs/DOMAIN.md §9.2). The story is told below in
2016 dates and moved as a whole to end on the day of the set-up (STORY_END).

30 young men of 东宝区 drawn from the synthetic city (born 1986–1997, with a household; fewer in a
city too small to have them), with service records drawn deterministically from their registry
id: six in the four priority groups, the others privates with two years or NCOs with five or
eight; two pairs share a score (one pair broken by the enlistment date, one by the ID number).
Registered on 10 October 2016, published 17–23 October, one objection upheld and one dismissed,
final on 25 October. Twenty posts from the demo employer (东宝区城市管理局), one place each, all
approved. The choice session on 8 November 2016: the six priority veterans take posts, then the
others in order (each fifth's second and fourth choose self-employment, the rest a post while one
is left) until an eighth of the list (three of 30) is still waiting, so the board shows whose turn
it is. Grants of the eight self-employed decided on 15 November and paid on
30 November, but one still pending; six wish to train, five enrolled in one course
(21 November – 16 December, ten sessions, attendance recorded), four pass the exam and four are
employed by 28 December.

Everything is written in one transaction, set-based; when the year exists the step adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.core import audit
from minzheng.payments.oneoff import register_payable
from minzheng.people.models import Household, HouseholdMember, Person
from minzheng.regions.models import Region

from . import scoring
from .models import (
    Attendance,
    Course,
    Enrolment,
    ExamResult,
    Objection,
    ObjectionStatus,
    Outcome,
    PlacementYear,
    Post,
    PostStatus,
    PriorityGroup,
    Veteran,
    YearStatus,
)
from .services import PAYABLE_SOURCE, PROGRAMME, recompute_ranking

COUNTY = "420802"
# The story below is told in 2016 dates; it is moved as a whole to end on the day the demo is set
# up (its last date, the employment outcomes, becomes today), so the current year's dashboard
# shows a placement year and nothing is dated in the future.
STORY_END = dt.date(2016, 12, 28)
_shift = dt.timedelta(0)
VETERANS = 30
POSTS = [
    "市政设施巡查员",
    "城市管理协管员",
    "数字城管监督员",
    "园林绿化管护员",
    "环境卫生监督员",
    "违章建筑巡查员",
    "户外广告管理员",
    "停车秩序管理员",
    "市容秩序协管员",
    "渣土运输监管员",
    "路灯设施维护员",
    "排水设施巡查员",
    "执法辅助驾驶员",
    "执法记录管理员",
    "应急抢险队员",
    "城管热线受理员",
    "市场秩序协管员",
    "桥梁设施巡查员",
    "综合执法辅助员",
    "档案管理员",
]
PRIORITY = [
    (PriorityGroup.NCO12, "士官退役证，服现役满12年"),
    (PriorityGroup.NCO12, "士官退役证，服现役满12年"),
    (PriorityGroup.MERIT, "二等功证书"),
    (PriorityGroup.MERIT, "二等功证书"),
    (PriorityGroup.DISABLED, "残疾军人证，因战七级"),
    (PriorityGroup.MARTYR_CHILD, "烈士证明书"),
]


def D(year: int, month: int, day: int) -> dt.date:
    """A date of the story, moved with it (see STORY_END)."""
    return dt.date(year, month, day) + _shift


def _draw(pk: int, salt: int, modulo: int) -> int:
    digest = hashlib.blake2b(f"placement:{salt}:{pk}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % modulo


def _record(i: int, pk: int) -> dict:
    """The service record of the i-th veteran (0-based): priority ones first, then the others."""
    base = {
        "first_class_merits": 0,
        "second_class_merits": 0,
        "third_class_merits": 0,
        "outstanding_soldier": _draw(pk, 1, 3),
        "hardship_months": [0, 0, 6, 12, 24][_draw(pk, 2, 5)],
        "warnings": 1 if _draw(pk, 3, 10) == 0 else 0,
        "serious_warnings": 0,
        "demerits": 0,
        "priority_group": "",
        "priority_evidence": "",
    }
    if i < len(PRIORITY):
        group, evidence = PRIORITY[i]
        base.update(priority_group=group, priority_evidence=evidence)
        if group == PriorityGroup.NCO12:
            return {
                **base,
                "enlisted_on": D(2004, 9, 1),
                "discharged_on": D(2016, 9, 1),
                "rank": "nco3",
            }
        if group == PriorityGroup.MERIT:
            base["second_class_merits"] = 1
        return {
            **base,
            "enlisted_on": D(2011, 9, 1),
            "discharged_on": D(2016, 9, 1),
            "rank": "nco1",
        }
    if i in (6, 7):  # a tie broken by the ID number: the same record twice
        return {
            **base,
            "enlisted_on": D(2014, 9, 1),
            "discharged_on": D(2016, 9, 1),
            "rank": "private",
            "outstanding_soldier": 1,
            "hardship_months": 12,
            "warnings": 0,
        }
    if i == 8:  # ties with 6 and 7 on points and months, enlisted earlier: ranked first of three
        return {
            **base,
            "enlisted_on": D(2013, 12, 1),
            "discharged_on": D(2015, 12, 1),
            "rank": "private",
            "outstanding_soldier": 1,
            "hardship_months": 12,
            "warnings": 0,
        }
    kind = _draw(pk, 4, 10)
    if kind < 6:
        return {
            **base,
            "enlisted_on": D(2014, 9, 1),
            "discharged_on": D(2016, 9, 1),
            "rank": "private",
        }
    if kind < 9:
        return {
            **base,
            "enlisted_on": D(2011, 9, 1),
            "discharged_on": D(2016, 9, 1),
            "rank": "nco1",
        }
    return {
        **base,
        "enlisted_on": D(2008, 9, 1),
        "discharged_on": D(2016, 9, 1),
        "rank": "nco2",
        "third_class_merits": 1,
    }


def _young_men(county: Region) -> list[int]:
    current = HouseholdMember.objects.filter(person_id=OuterRef("pk"), until__isnull=True)
    return list(
        Person.objects.filter(
            hukou_region__path__startswith=county.path,
            sex="M",
            birth_date__gte=D(1986, 1, 1),
            birth_date__lte=D(1997, 12, 31),
            death_date__isnull=True,
        )
        .filter(Exists(current))
        .order_by("pk")
        .values_list("pk", flat=True)[:VETERANS]
    )


def _at(day: dt.date, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, 9, 0)) + dt.timedelta(
        minutes=minute
    )


@transaction.atomic
def seed_demo_placement() -> dict:
    county = Region.objects.filter(code=COUNTY).first()
    employer = User.objects.filter(username="employer").first()
    if county is None or employer is None:
        return {}
    if PlacementYear.objects.filter(region=county).exists():
        return {"veterans": 0}
    global _shift
    _shift = timezone.localdate() - STORY_END
    men = _young_men(county)
    if not men:
        return {}
    office = User.objects.filter(role="county_approver", region=county).order_by("pk").first()
    year = PlacementYear.objects.create(
        region=county,
        year=D(2016, 10, 10).year,
        status=YearStatus.DRAFT,
        weights=dict(scoring.DEFAULT_WEIGHTS),
        grant_per_year_fen=scoring.DEFAULT_GRANT_PER_YEAR_FEN,
        created_by=office,
    )
    regions = dict(Person.objects.filter(pk__in=men).values_list("pk", "hukou_region_id"))
    veterans = []
    for i, pk in enumerate(men):
        v = Veteran(
            year=year,
            person_id=pk,
            region_id=regions[pk],
            registered_on=D(2016, 10, 10),
            **_record(i, pk),
        )
        v.score, v.score_trace, v.service_months = scoring.compute(v, year.weights)
        veterans.append(v)
    Veteran.objects.bulk_create(veterans)
    # Objections during the window: one upheld (a 优秀士兵 award left out), one dismissed.
    by_pk = {v.person_id: v for v in Veteran.objects.filter(year=year)}
    upheld, dismissed = by_pk[men[-1]], by_pk[men[-2]]
    before = upheld.score
    upheld.outstanding_soldier += 1
    upheld.score, upheld.score_trace, upheld.service_months = scoring.compute(upheld, year.weights)
    upheld.save()
    Objection.objects.bulk_create(
        [
            Objection(
                veteran=upheld,
                text="2015年度优秀士兵漏计",
                by_veteran=True,
                filed_on=D(2016, 10, 18),
                status=ObjectionStatus.UPHELD,
                answer="经核实部队证明，予以更正",
                answered_by=office,
                answered_on=D(2016, 10, 20),
                score_before=before,
                score_after=upheld.score,
            ),
            Objection(
                veteran=dismissed,
                text="艰苦地区服役时间计算有误",
                filed_by=office,
                filed_on=D(2016, 10, 19),
                status=ObjectionStatus.DISMISSED,
                answer="经核对档案，艰苦边远地区服役月数无误，维持原得分",
                answered_by=office,
                answered_on=D(2016, 10, 21),
                score_before=dismissed.score,
                score_after=dismissed.score,
            ),
        ]
    )
    ranked = recompute_ranking(year)
    PlacementYear.objects.filter(pk=year.pk).update(
        status=YearStatus.FINAL,
        publicity_start=D(2016, 10, 17),
        publicity_end=D(2016, 10, 23),
        finalised_on=D(2016, 10, 25),
        choice_on=D(2016, 11, 8),
    )
    unit = employer.get_full_name() or employer.get_username()
    Post.objects.bulk_create(
        [
            Post(
                year=year,
                employer=employer,
                unit=unit,
                name=name,
                count=1,
                requirements="身体健康，退役士兵" if i % 3 else "持C1驾驶证优先",
                location="东宝区",
                status=PostStatus.APPROVED,
                reviewed_on=D(2016, 10, 28),
            )
            for i, name in enumerate(POSTS)
        ]
    )
    posts = list(Post.objects.filter(year=year).order_by("pk"))

    # The session: everyone but the last four (in choice order) has chosen.
    order = sorted(ranked, key=lambda v: v.choice_no)
    waiting = min(4, len(order) // 8)
    chose = order[: len(order) - waiting]
    free = iter(posts)
    self_employed = []
    for n, v in enumerate(chose):
        v.chosen_at = _at(D(2016, 11, 8), 3 * n)
        # The priority groups take posts; of the others every fifth's second and fourth choose
        # self-employment (8 of 20), the rest a post while one is left.
        others = n - len(PRIORITY)
        post = None
        if v.priority_group or others % 5 not in (1, 3):
            post = next(free, None)
        if post is not None:
            v.outcome, v.post = Outcome.POST, post
            post.taken += 1
        else:
            v.outcome = Outcome.SELF_EMPLOYED
            v.grant_fen = scoring.grant_fen(v.service_months, year.grant_per_year_fen)
            v.grant_decided_on = D(2016, 11, 15)
            v.wishes_training = len(self_employed) % 4 != 3
            self_employed.append(v)
    Veteran.objects.bulk_update(
        chose, ["outcome", "post", "chosen_at", "grant_fen", "grant_decided_on", "wishes_training"]
    )
    Post.objects.bulk_update(posts, ["taken"])

    # Grants: paid on 30 November, but the last one still pending.
    households = dict(
        HouseholdMember.objects.filter(
            person_id__in=[v.person_id for v in self_employed], until__isnull=True
        ).values_list("person_id", "household_id")
    )
    household_rows = Household.objects.in_bulk(set(households.values()))
    for k, v in enumerate(self_employed):
        _payable(v, household_rows[households[v.person_id]], pending=k == len(self_employed) - 1)

    # Training: all but one of those wishing enrol; attendance, exam and employment.
    course = Course.objects.create(
        year=year,
        name="汽车维修与驾驶",
        provider="荆门技师学院",
        starts_on=D(2016, 11, 21),
        ends_on=D(2016, 12, 16),
        sessions=10,
    )
    wishing = [v for v in self_employed if v.wishes_training]
    enrolled = wishing[:-1] if len(wishing) > 1 else wishing
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                course=course,
                veteran=v,
                enrolled_on=D(2016, 11, 16),
                exam_result=ExamResult.FAIL if k == 1 else ExamResult.PASS,
                exam_on=D(2016, 12, 16),
                employed=k != 1,
                employer_name=""
                if k == 1
                else [
                    "东宝区顺达汽修厂",
                    "荆门市公交集团",
                    "自主创业（汽车美容店）",
                    "荆门长运物流",
                ][k % 4],
                outcome_on=D(2016, 12, 28),
            )
            for k, v in enumerate(enrolled)
        ]
    )
    session_days = [
        D(2016, 11, 21) + dt.timedelta(days=d) for d in (0, 2, 4, 7, 9, 11, 14, 16, 18, 25)
    ]
    Attendance.objects.bulk_create(
        [
            Attendance(enrolment=e, on=day, present=not (k == 1 and j in (3, 7)))
            for k, e in enumerate(Enrolment.objects.filter(course=course).order_by("pk"))
            for j, day in enumerate(session_days)
        ]
    )
    audit.record_created(year, note=f"演示数据：{year.year}年度退役士兵阳光安置")
    return {"veterans": len(veterans), "posts": len(posts), "self_employed": len(self_employed)}


def _payable(v: Veteran, household: Household, pending: bool):
    return register_payable(
        source_kind=PAYABLE_SOURCE,
        source_id=v.pk,
        programme=PROGRAMME,
        household=household,
        person=v.person,
        region=v.region,
        amount_fen=v.grant_fen,
        decided_on=v.grant_decided_on,
        description=f"{v.year.year}年度退役士兵自主就业一次性经济补助",
        settled="" if pending else "paid",
        paid_on=None if pending else D(2016, 11, 30),
    )

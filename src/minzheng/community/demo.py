"""Demo records of community governance, so the pages, the workbench cards and targets 5.2–5.4
have figures on a new install:

- points-based management in the 漳河新区 pilot (the communities and villages of 漳河镇) and in
  the demo community of 龙泉街道 (the demo village worker's, where the demo resident lives): six
  rules each, a year of awards (a few dozen residents per village), balances, a shop per village
  and one of 龙泉街道, redemptions handed over and a few waiting; the demo resident has a history,
  a balance and one redemption waiting; an award of 50 points waits for longquan_clerk;
- rural-community demonstration sites: 55 villages designated in 2016, 48 accepted by the county
  that year (the plan's 60 not reached); this year 56 designated, 52 accepted, 4 with their
  checklist done waiting for the county;
- difficult villages: 27 listed in 2016, 22 remediated that year; this year 26 listed, 23
  remediated;
- the standard-community plan: 4 tasks per county in 2016 (all done) and this year (those due by
  today done, but one of 钟祥市 late).

Writes are set-based (bulk inserts); each part runs only once, so a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from minzheng.people.models import Person
from minzheng.regions.models import Region

from .models import (
    CHECKLIST_LABELS,
    AwardStatus,
    DemoSite,
    DifficultVillage,
    PointsAward,
    PointsBalance,
    PointsRule,
    Redemption,
    RedemptionStatus,
    RemediationTask,
    ShopItem,
    StandardTask,
)

DEMO_TOWNSHIP = "420802001"  # 龙泉街道
PILOT_TOWNSHIP = "420802102"  # 漳河镇, of the 漳河新区 zone
RULES = [
    ("参加志愿服务活动", "volunteering", 5, 60),
    ("参加村（居）民议事会", "village_affairs", 3, 30),
    ("门前三包、庭院整洁", "environment", 2, 24),
    ("评为文明家庭、好婆婆好媳妇", "family_virtues", 10, 20),
    ("见义勇为、救助他人", "volunteering", 50, None),
    ("乱倒垃圾、乱搭乱建", "misconduct", 5, None),
]
GOODS = [("洗衣粉", 20, 60), ("食用油（5升）", 80, 20), ("大米（10斤）", 50, 30), ("毛巾", 10, 100)]
TOWNSHIP_GOODS = [("电饭煲", 200, 5), ("保温水壶", 120, 10)]
TASKS = [
    "社区综合服务设施达标改造",
    "社区网格化服务管理全覆盖",
    "社区工作者持证上岗培训",
    "“互联网+社区”服务平台上线",
]


def _draw(key: str, modulo: int) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % modulo


@transaction.atomic
def seed_demo_community(*, on: dt.date | None = None) -> dict:
    today = on or timezone.localdate()
    return {
        "awards": _points(today),
        "sites": _sites(today),
        "difficult": _difficult(today),
        "tasks": _tasks(today),
    }


def _pilot_villages() -> list[Region]:
    from minzheng.accounts.models import User

    demo = User.objects.filter(username="village_worker").select_related("region").first()
    villages = list(
        Region.objects.filter(parent__code=PILOT_TOWNSHIP, level="village").order_by("code")[:6]
    )
    if demo is not None and demo.region and demo.region.level == "village":
        villages.insert(0, demo.region)
    elif (
        first := Region.objects.filter(parent__code=DEMO_TOWNSHIP, level="village").first()
    ) is not None:
        villages.insert(0, first)
    return villages


def _points(today: dt.date) -> int:
    if PointsRule.objects.exists():
        return 0
    villages = _pilot_villages()
    if not villages:
        return 0
    start = today - dt.timedelta(days=365)
    PointsRule.objects.bulk_create(
        PointsRule(
            region=v,
            name=name,
            category=category,
            points=points,
            yearly_cap=cap,
            valid_from=start,
            created_by_name="演示村委会",
        )
        for v in villages
        for name, category, points, cap in RULES
    )
    PointsRule.objects.filter(origin__isnull=True).update(origin=F("id"))
    rules = defaultdict(list)
    for r in PointsRule.objects.filter(region__in=villages).order_by("id"):
        rules[r.region_id].append(r)
    from minzheng.accounts.models import User

    resident = User.objects.filter(username="resident").values_list("person_id", flat=True).first()
    alive = Q(death_date__isnull=True)
    awards: list[PointsAward] = []
    for v in villages:
        people = list(
            Person.objects.filter(alive, Q(hukou_region=v) | Q(residence_region=v))
            .order_by("id")
            .values_list("id", flat=True)[:40]
        )
        if (
            resident
            and resident not in people
            and Person.objects.filter(
                Q(hukou_region=v) | Q(residence_region=v), pk=resident
            ).exists()
        ):
            people.append(resident)
        # Rules whose yearly cap no demo person can pass with at most 8 awards.
        ordinary = [
            r
            for r in rules[v.pk]
            if not r.is_deduction and r.yearly_cap and r.yearly_cap >= 8 * r.points
        ]
        for pid in people:
            for k in range(3 + _draw(f"n:{pid}", 6)):
                rule = ordinary[_draw(f"r:{pid}:{k}", len(ordinary))]
                day = start + dt.timedelta(days=1 + _draw(f"d:{pid}:{k}", 364))
                awards.append(
                    PointsAward(
                        region=v,
                        person_id=pid,
                        rule=rule,
                        points=rule.points,
                        awarded_on=min(day, today),
                        note=f"{rule.name}（演示记录）",
                        status=AwardStatus.EFFECTIVE,
                        awarded_by_name="演示村委会",
                    )
                )
        # A deed above the threshold waiting for the township (the demo community's).
        if v == villages[0] and people:
            brave = next(r for r in rules[v.pk] if r.points == 50)
            awards.append(
                PointsAward(
                    region=v,
                    person_id=people[_draw("brave", len(people))],
                    rule=brave,
                    points=50,
                    awarded_on=today,
                    note="协助救出落水儿童（演示记录）",
                    status=AwardStatus.PENDING,
                    awarded_by_name="演示村委会",
                )
            )
    PointsAward.objects.bulk_create(awards)
    # Shops: each village's, and 龙泉街道's.
    items = [ShopItem(region=v, name=n, price=p, stock=s) for v in villages for n, p, s in GOODS]
    township = Region.objects.filter(code=DEMO_TOWNSHIP).first()
    if township is not None:
        items += [ShopItem(region=township, name=n, price=p, stock=s) for n, p, s in TOWNSHIP_GOODS]
    ShopItem.objects.bulk_create(items)
    cheapest = {v.pk: list(ShopItem.objects.filter(region=v).order_by("price")) for v in villages}
    earned: dict[tuple[int, int], int] = defaultdict(int)
    for a in awards:
        if a.status == AwardStatus.EFFECTIVE:
            earned[(a.person_id, a.region_id)] += a.points
    redemptions: list[Redemption] = []
    spent: dict[tuple[int, int], int] = defaultdict(int)
    taken: dict[int, int] = defaultdict(int)
    for (pid, vid), total in sorted(earned.items()):
        goods = cheapest[vid]
        if not goods or _draw(f"red:{pid}", 3) == 0 and pid != resident:
            continue
        item = goods[_draw(f"item:{pid}", 2)]  # one of the two cheapest
        if total - spent[(pid, vid)] < item.price:
            continue
        waiting = pid == resident or _draw(f"wait:{pid}", 10) == 0
        day = today - dt.timedelta(days=0 if waiting else 1 + _draw(f"day:{pid}", 90))
        redemptions.append(
            Redemption(
                region_id=vid,
                person_id=pid,
                item=item,
                quantity=1,
                points=item.price,
                status=RedemptionStatus.RESERVED if waiting else RedemptionStatus.HANDED_OVER,
                requested_online=pid == resident,
                created_on=day,
                created_by_name="演示村委会",
                handed_over_on=None if waiting else day,
                closed_by_name="" if waiting else "演示村委会",
            )
        )
        spent[(pid, vid)] += item.price
        taken[item.pk] += 1
    Redemption.objects.bulk_create(redemptions)
    for item_id, n in taken.items():
        ShopItem.objects.filter(pk=item_id).update(stock=F("stock") - n)
    PointsBalance.objects.bulk_create(
        PointsBalance(
            person_id=pid,
            region_id=vid,
            earned=total,
            spent=spent[(pid, vid)],
            balance=total - spent[(pid, vid)],
        )
        for (pid, vid), total in earned.items()
    )
    return len(awards)


def _rural_villages() -> list[Region]:
    return list(
        Region.objects.filter(level="village", urban_rural="rural", kind="statutory").order_by(
            "code"
        )
    )


def _sites(today: dt.date) -> int:
    if DemoSite.objects.exists():
        return 0
    villages = sorted(_rural_villages(), key=lambda r: _draw(f"site:{r.code}", 10**6))
    full = {k: True for k in CHECKLIST_LABELS}
    rows = []
    for i, v in enumerate(villages[:55]):
        accepted = i < 48
        checklist = full if accepted else {k: j < 4 for j, k in enumerate(CHECKLIST_LABELS)}
        rows.append(
            DemoSite(
                region=v,
                year=2016,
                designated_on=dt.date(2016, 3, 1),
                checklist=checklist,
                status="accepted" if accepted else "designated",
                accepted_on=dt.date(2016, 10 + i % 3, 10 + i % 15) if accepted else None,
                accepted_by_name="演示验收" if accepted else "",
            )
        )
    if today.year > 2016:
        year = today.year
        for i, v in enumerate(villages[55:111]):
            accepted = i < 52
            rows.append(
                DemoSite(
                    region=v,
                    year=year,
                    designated_on=dt.date(year, 1, 10),
                    checklist=full if i < 6 else {},
                    status="accepted" if accepted else "designated",
                    accepted_on=min(dt.date(year, 6 + i % 5, 10 + i % 15), today)
                    if accepted
                    else None,
                    accepted_by_name="演示验收" if accepted else "",
                )
            )
    DemoSite.objects.bulk_create(rows)
    return len(rows)


def _difficult(today: dt.date) -> int:
    if DifficultVillage.objects.exists():
        return 0
    villages = sorted(
        Region.objects.filter(level="village", kind="statutory").order_by("code"),
        key=lambda r: _draw(f"difficult:{r.code}", 10**6),
    )
    plans = [(2016, v, i < 22) for i, v in enumerate(villages[:27])]
    if today.year > 2016:
        plans += [(today.year, v, i < 23) for i, v in enumerate(villages[27:53])]
    rows = [
        DifficultVillage(
            region=v,
            year=year,
            problems="村务公开栏长期未更新，财务收支未按季度公开；村民代表会议记录不全。",
            status="remediated" if done else "listed",
            accepted_on=min(dt.date(year, 11, 20), today) if done else None,
            accepted_by_name="演示验收" if done else "",
        )
        for year, v, done in plans
    ]
    DifficultVillage.objects.bulk_create(rows)
    created = {(d.region_id, d.year): d for d in DifficultVillage.objects.all()}
    tasks = []
    for year, v, done in plans:
        d = created[(v.pk, year)]
        first_due = min(dt.date(year, 6, 30), today)
        tasks += [
            RemediationTask(
                village=d,
                title="规范村务公开栏，按季度公开财务收支",
                due_on=first_due,
                done_on=first_due if done or year == today.year else None,
            ),
            RemediationTask(
                village=d,
                title="健全村民代表会议制度和会议记录",
                due_on=dt.date(year, 10, 31),
                done_on=min(dt.date(year, 10, 31), today) if done else None,
            ),
        ]
    RemediationTask.objects.bulk_create(tasks)
    return len(rows)


def _tasks(today: dt.date) -> int:
    if StandardTask.objects.exists():
        return 0
    counties = list(Region.objects.filter(level="county", kind="statutory").order_by("code"))
    years = [2016] + ([today.year] if today.year > 2016 else [])
    rows = []
    for year in years:
        for c in counties:
            for i, title in enumerate(TASKS):
                due = dt.date(year, 3 * (i + 1), 28)
                done = due <= today and not (year == today.year and c.code == "420881" and i == 0)
                rows.append(
                    StandardTask(
                        region=c,
                        year=year,
                        title=title,
                        due_on=due,
                        completed_on=due - dt.timedelta(days=5) if done else None,
                        note="按期完成" if done else "",
                    )
                )
    StandardTask.objects.bulk_create(rows)
    return len(rows)

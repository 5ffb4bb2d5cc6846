"""A plausible year of the Jingmen city relief station (荆门市救助管理站) on a new install.

Jingmen has about 2.9 million people; a city station of that size takes in a few hundred people
a year. Over the 365 days up to today, one intake a day on average less a share (≈ 300 stays),
deterministic by day and slot: about 40 % found in the population registry, the rest described
(unidentified); 8 % minors (most of school age), 5 % who refused help; exits by journey home
(35 %), to family (20 %), to an institution (5 %), leaving on their own (35 %), one death; minors
to the protection centre or family, with nine in ten of the school-age ones back in school.
Journeys home of registered people with a household carry a ticket (a one-off payable). Today's
station holds a handful of current stays, one over the 10-day limit, one near it, one extended,
and one intake awaiting the person's answer. Rows are written in bulk; a second run adds nothing
(the station's stays are there already)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.core import audit
from minzheng.core.models import AuditEvent
from minzheng.payments.oneoff import register_payable
from minzheng.people.models import Household, HouseholdMember, Person
from minzheng.regions.models import Region

from .models import (
    ADULT_AGE,
    SCHOOL_AGE,
    STAY_LIMIT_DAYS,
    Arrival,
    Belonging,
    ExitKind,
    Extension,
    FamilyContact,
    SchoolStatus,
    Stay,
    UnidentifiedPerson,
)
from .services import PAYABLE_SOURCE, PROGRAMME

CITY = "420800"
ARRIVALS = [Arrival.SELF] * 5 + [Arrival.POLICE] * 2 + [Arrival.PUBLIC] * 2 + [Arrival.CITY]
DESCRIPTIONS = (
    "中等身材，短发，穿深色棉衣，右手有旧伤疤",
    "偏瘦，留长发，背蓝色双肩包，口音像外省",
    "身材较高，戴眼镜，衣着单薄",
    "矮胖，光头，左腿行走不便",
    "中等身材，胡须较长，穿军绿色外套",
)
HEALTH = ("无明显异常", "轻度营养不良", "感冒发热", "足部冻伤", "自述有高血压")
SCHOOLS = ("荆门市东宝区龙泉小学", "钟祥市郢中中学", "京山市实验中学", "沙洋县城关小学")


def _draw(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big") % 100


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@transaction.atomic
def seed_demo_vagrants(*, on: dt.date | None = None) -> dict:
    on = on or timezone.localdate()
    station = Region.objects.filter(code=CITY).first()
    if station is None or Stay.objects.filter(region=station).exists():
        return {"stays": 0}
    # Registered people who could turn up: adults with a household, and some children.
    alive = Person.objects.filter(Q(death_date__isnull=True)).order_by("id")
    adults = list(
        alive.filter(
            birth_date__lte=on.replace(year=on.year - 20), memberships__until__isnull=True
        ).values_list("id", "birth_date")[:400:3]
    )
    children = list(
        alive.filter(
            birth_date__gt=on.replace(year=on.year - 17),
            birth_date__lte=on.replace(year=on.year - 7),
        ).values_list("id", "birth_date")[:60:2]
    )
    plans = []  # (arrived_on, person_id or None, age, kind of story)
    for day in range(365, -1, -1):
        arrived = on - dt.timedelta(days=day)
        # Today's intake, one near the limit, one extended and one over it are always there.
        slots = 1 if _draw(f"n{day}") < 80 or day in (0, 6, 9, 12) else 0
        slots += 1 if _draw(f"m{day}") < 3 else 0
        for slot in range(slots):
            key = f"{day}:{slot}"
            minor = _draw("minor" + key) < 8
            registered = _draw("reg" + key) < 40
            pool = children if minor else adults
            person = None
            if registered and pool:
                person = pool.pop(_draw("pick" + key) % len(pool))
            age = (
                _age(person[1], arrived)
                if person
                else (4 + _draw("age" + key) % 13 if minor else 20 + _draw("age" + key) % 55)
            )
            plans.append((arrived, person[0] if person else None, age, key))
    unidentified = [
        UnidentifiedPerson(
            stated_name=""
            if _draw("nm" + key) < 50
            else "自称" + "张王李赵刘陈"[_draw("s" + key) % 6] + "某",
            hometown="" if _draw("ht" + key) < 40 else "自述河南省周口市",
            sex="M" if _draw("sex" + key) < 80 else "F",
            apparent_age=age,
            description=DESCRIPTIONS[_draw("d" + key) % len(DESCRIPTIONS)],
        )
        for arrived, person_id, age, key in plans
        if person_id is None
    ]
    UnidentifiedPerson.objects.bulk_create(unidentified, batch_size=500)
    described = iter(unidentified)
    households = dict(
        HouseholdMember.objects.filter(
            person_id__in=[p for _a, p, _g, _k in plans if p], until__isnull=True
        ).values_list("person_id", "household_id")
    )
    stays = []
    tickets = []
    for arrived, person_id, age, key in plans:
        days_ago = (on - arrived).days
        minor = age < ADULT_AGE
        stay = Stay(
            region=station,
            person_id=person_id,
            unidentified=None if person_id else next(described),
            arrival=ARRIVALS[_draw("arr" + key) % len(ARRIVALS)],
            arrived_on=arrived,
            age_at_arrival=age,
            health_on_arrival=HEALTH[_draw("h" + key) % len(HEALTH)],
            ends_on=arrived + dt.timedelta(days=STAY_LIMIT_DAYS),
            school_status=(
                (SchoolStatus.PENDING if age >= SCHOOL_AGE else SchoolStatus.NOT_APPLICABLE)
                if minor
                else ""
            ),
        )
        length = 1 + _draw("len" + key) % 7
        if days_ago <= 12 and _draw("cur" + key) < 60 or days_ago in (0, 6, 9, 12):
            # Still at the station today.
            if days_ago == 0:
                stay.state = Stay.State.ARRIVED
            else:
                stay.state, stay.consent_on = Stay.State.STAYING, arrived
            stays.append(stay)
            continue
        if _draw("ref" + key) < 5 and not minor:
            stay.state, stay.consent_on, stay.exited_on = Stay.State.REFUSED, arrived, arrived
            stay.consent_note = stay.exit_note = "本人表示不需要救助，自行离开"
            stays.append(stay)
            continue
        stay.state, stay.consent_on = Stay.State.EXITED, arrived
        stay.exited_on = min(arrived + dt.timedelta(days=length), on)
        draw = _draw("exit" + key)
        if minor:
            stay.exit_kind = ExitKind.MINOR_CENTRE if draw < 70 else ExitKind.FAMILY
            stay.destination = "荆门市未成年人救助保护中心" if draw < 70 else "父母接回"
            if age >= SCHOOL_AGE and (on - stay.exited_on).days > 20:
                if _draw("school" + key) < 90:
                    stay.school_status = SchoolStatus.BACK
                    stay.school_name = SCHOOLS[_draw("sn" + key) % len(SCHOOLS)]
                    stay.school_returned_on = stay.exited_on + dt.timedelta(days=14)
                else:
                    stay.school_status = SchoolStatus.NOT_YET
        elif draw < 35:
            stay.exit_kind, stay.destination = ExitKind.ESCORT_HOME, "购票返乡"
            household_id = households.get(person_id)
            if household_id and len(tickets) < 12:
                stay.ticket_fen = (60 + _draw("tk" + key) % 200) * 100
                tickets.append((stay, household_id))
        elif draw < 55:
            stay.exit_kind, stay.destination = ExitKind.FAMILY, "亲属来站接回"
        elif draw < 60:
            stay.exit_kind, stay.destination = ExitKind.INSTITUTION, "荆门市社会福利院"
        elif draw == 99 and _draw("died" + key) < 40:
            stay.exit_kind = ExitKind.DIED
        else:
            stay.exit_kind = ExitKind.LEFT
        stays.append(stay)
    Stay.objects.bulk_create(stays, batch_size=500)
    # The current stays: one extended, the rest as they come (one over the limit, one near).
    staying = [s for s in stays if s.state == Stay.State.STAYING]
    extended = [s for s in staying if (on - s.arrived_on).days == 6][:1]
    Extension.objects.bulk_create(
        Extension(
            stay=s,
            previous_end_on=s.ends_on,
            new_end_on=s.ends_on + dt.timedelta(days=10),
            reason="患病住院治疗，待康复后返乡",
        )
        for s in extended
    )
    for s in extended:
        s.ends_on += dt.timedelta(days=10)
    Stay.objects.bulk_update(extended, ["ends_on"])
    Belonging.objects.bulk_create(
        Belonging(
            stay=s,
            description=("手机", "身份证", "行李包", "现金")[_draw(f"b{s.pk}") % 4],
            quantity=1,
            received_on=s.arrived_on,
            returned_on=s.exited_on,
            returned_to="本人" if s.exited_on else "",
        )
        for s in stays
        if _draw(f"bel{s.pk}") < 40
    )
    FamilyContact.objects.bulk_create(
        FamilyContact(
            stay=s,
            contacted_on=s.arrived_on + dt.timedelta(days=1),
            channel=("phone", "police", "hometown")[_draw(f"c{s.pk}") % 3],
            reached=s.exit_kind in (ExitKind.FAMILY, ExitKind.ESCORT_HOME),
            result="已联系上家属" if s.exit_kind == ExitKind.FAMILY else "未能联系上",
        )
        for s in stays
        if s.state in (Stay.State.STAYING, Stay.State.EXITED) and s.exited_on != s.arrived_on
    )
    # A ticket home is a decided one-off payment: a dozen registrations at most.
    for stay, household_id in tickets:
        household = Household.objects.select_related("region").get(pk=household_id)
        register_payable(
            source_kind=PAYABLE_SOURCE,
            source_id=stay.pk,
            programme=PROGRAMME,
            household=household,
            person=Person.objects.get(pk=stay.person_id),
            region=household.region,
            amount_fen=stay.ticket_fen,
            decided_on=stay.exited_on,
            description=f"返乡车票 {stay.number}",
        )
    counts = {
        "stays": len(stays),
        "identified": sum(1 for s in stays if s.person_id),
        "minors": sum(1 for s in stays if s.age_at_arrival < ADULT_AGE),
        "current": len(staying) + sum(1 for s in stays if s.state == Stay.State.ARRIVED),
        "tickets": len(tickets),
    }
    audit.record(
        AuditEvent.Action.IMPORT,
        object_type="vagrants.demo",
        object_repr="流浪乞讨人员救助演示数据",
        region_code=CITY,
        after={**counts, "on": on.isoformat()},
        note="演示数据：市救助管理站一年的救助记录",
    )
    return counts

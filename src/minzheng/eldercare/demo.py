"""Demo data of elderly care on the synthetic city: providers with catalogues and workers (the
Duodao pilot's centre, company, clinic and volunteers, and 龙泉街道's centre bound to the demo
`provider` account), institutions and centres with beds in several counties and health-service
agreements (most in the Zhongxiang pilot), elderly associations, assessments, allowance proposals
(confirmed in 龙泉街道) and bookings at every stage. Idempotent: a second call adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from minzheng.accounts.models import Role, User
from minzheng.core import audit
from minzheng.core.context import Actor, acting_as
from minzheng.payments import months
from minzheng.people.models import HouseholdMember, Person
from minzheng.regions.models import Region

from . import allowance, bookings, services
from .models import (
    Assessment,
    Booking,
    ElderlyAssociation,
    HealthAgreement,
    Institution,
    LivingSituation,
    Provider,
    ProviderStaff,
    ServiceItem,
)

CATALOGUE = [
    ("meals", "送餐上门", "meal", 1200, 30),
    ("cleaning", "居室清洁", "hour", 4000, 60),
    ("bathing", "上门助浴", "visit", 5000, 60),
    ("medical", "陪同就医", "visit", 6000, 120),
    ("emergency", "紧急呼叫上门", "visit", 3000, 60),
    ("mobility", "陪同出行", "hour", 3500, 60),
]


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _provider(admin, name, kind, region, areas, *, items=True) -> Provider:
    provider = Provider.objects.filter(name=name).first()
    if provider is None:
        provider = services.register_provider(
            user=admin,
            name=name,
            kind=kind,
            region=region,
            service_area_codes=areas,
            phone="0724-" + str(2000000 + _stable(name) % 999999),
        )
        if items:
            for category, item, unit, price, minutes in CATALOGUE:
                services.add_service_item(
                    user=admin,
                    provider=provider,
                    category=category,
                    name=item,
                    unit=unit,
                    price_fen=price,
                    minutes_per_unit=minutes,
                )
        for worker in (
            ("王秀英", "刘建华")
            if kind != Provider.Kind.VOLUNTEERS
            else ("志愿者张明", "志愿者李红")
        ):
            services.add_worker(user=admin, provider=provider, name=worker)
    return provider


# Beds per 1,000 elderly the demo city is built to show (docs/DOMAIN.md §5.4: national 2015
# 30.3, the plan's target ≥ 31): a little under the target at the end of 2016, a little over it
# today.
BEDS_PER_1000_2016 = 30
BEDS_PER_1000_NOW = 32
# Of each county's 2016 beds: the public welfare home, the private care home, the township homes;
# the rest are in community and rural centres.
SHARES_2016 = {"public": 0.35, "private": 0.15, "township_home": 0.30}
# One centre for about this many elderly (urban, rural), so the count follows the population.
ELDERLY_PER_CENTRE = {"urban": 150, "rural": 120}


def _elderly(on: dt.date) -> tuple[dict[str, int], dict[int, int]]:
    """People aged 60 or more on `on`, alive, by county code and by village id (one query)."""
    from minzheng.targets.indicators import years_before

    rows = (
        Person.objects.filter(birth_date__lte=years_before(on, 60))
        .filter(Q(death_date__isnull=True) | Q(death_date__gt=on))
        .order_by()
        .values("hukou_region_id", "hukou_region__path")
        .annotate(n=Count("id"))
    )
    by_county: dict[str, int] = {}
    by_village: dict[int, int] = {}
    for row in rows:
        # province/city/county/…: the county is the third code of the path
        parts = row["hukou_region__path"].strip("/").split("/")
        if len(parts) > 2:
            by_county[parts[2]] = by_county.get(parts[2], 0) + row["n"]
        by_village[row["hukou_region_id"]] = by_village.get(row["hukou_region_id"], 0) + row["n"]
    return by_county, by_village


def _apportion(total: int, shares: list[float]) -> list[int]:
    """`total` whole beds by `shares` (largest remainders), adding up to `total` exactly."""
    exact = [total * share for share in shares]
    parts = [int(x) for x in exact]
    for i in sorted(range(len(shares)), key=lambda i: exact[i] - parts[i], reverse=True)[
        : total - sum(parts)
    ]:
        parts[i] += 1
    return parts


def _split(total: int, parts: int) -> list[int]:
    """`total` beds over `parts` facilities as evenly as whole beds allow (each at least 1)."""
    parts = max(parts, 1)
    base, extra = divmod(max(total, parts), parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _institutions(admin, today: dt.date) -> int:
    """Institutions, centres and beds in proportion to the synthetic city's elderly: each
    county's beds are set from its own people aged 60+ (BEDS_PER_1000_*), so beds per 1,000
    elderly lands near the plan's 31 whatever the city's size; facilities opened since 2017 carry
    the growth to today's elderly population."""
    if Institution.objects.exists():
        return 0
    end_2016 = dt.date(2016, 12, 31)
    elderly_2016, villages_2016 = _elderly(end_2016)
    elderly_now, _villages_now = _elderly(today)
    this_year = min(dt.date(today.year, 3, 1), today)
    created = 0

    def register(name, kind, region, beds, opened_on):
        nonlocal created
        created += 1
        return services.register_institution(
            user=admin, name=name, kind=kind, region=region, beds=beds, opened_on=opened_on
        )

    def agreement(institution, medical_name, medical_kind, signed_on):
        services.record_health_agreement(
            user=admin,
            institution=institution,
            medical_name=medical_name,
            medical_kind=medical_kind,
            signed_on=signed_on,
        )

    for index, county in enumerate(
        Region.objects.filter(level=Region.Level.COUNTY).order_by("code")
    ):
        townships = list(
            Region.objects.filter(parent=county, level=Region.Level.TOWNSHIP).order_by("code")
        )
        if not townships:
            continue
        pilot = county.code in ("420804", "420881")  # Duodao and Zhongxiang pilots
        streets = [t for t in townships if t.code[6:7] == "0"] or townships[:1]
        towns = [t for t in townships if t.code[6:7] in ("1", "2")]
        beds_2016 = round(elderly_2016.get(county.code, 0) * BEDS_PER_1000_2016 / 1000)
        beds_now = max(beds_2016, round(elderly_now.get(county.code, 0) * BEDS_PER_1000_NOW / 1000))
        # The county's 2016 beds exactly, by share; a part without a whole bed is not built.
        public_beds, private_beds, home_beds, centre_beds = _apportion(
            max(beds_2016, 1),
            [
                SHARES_2016["public"],
                SHARES_2016["private"],
                SHARES_2016["township_home"],
                1 - sum(SHARES_2016.values()),
            ],
        )
        public_beds = max(public_beds, 1)  # every county has its welfare home
        public = register(
            f"{county.name}社会福利院", "public", streets[0], public_beds, dt.date(2008, 1, 1)
        )
        agreement(public, f"{county.name}人民医院", "hospital", dt.date(2015, 6, 1))
        if private_beds:
            private = register(
                f"{county.name}颐养院", "private", streets[-1], private_beds, dt.date(2016, 3, 1)
            )
            if pilot:
                agreement(private, f"{county.name}中医院", "hospital", dt.date(2016, 4, 1))
        homes = (towns[:2] if home_beds >= 4 else towns[:1]) or townships[-1:]
        for n, (town, beds) in enumerate(
            zip(homes, _split(home_beds, len(homes))) if home_beds else []
        ):
            home = register(f"{town.name}福利院", "township_home", town, beds, dt.date(2005, 1, 1))
            if pilot or n == 0:
                agreement(home, f"{town.name}卫生院", "township_health_centre", dt.date(2016, 3, 1))

        # Centres in the villages with the most elderly, as many as the county's elderly call for
        # and its remaining beds allow (about three beds each at least).
        villages = list(
            Region.objects.filter(parent__in=townships, level=Region.Level.VILLAGE).order_by("code")
        )
        by_kind = {"urban": [], "rural": []}
        for village in sorted(villages, key=lambda v: (-villages_2016.get(v.pk, 0), v.code)):
            if village.urban_rural in by_kind:
                by_kind[village.urban_rural].append(village)
        elderly = elderly_2016.get(county.code, 0)
        wanted = {kind: max(1, round(elderly / per)) for kind, per in ELDERLY_PER_CENTRE.items()}
        urban = [("urban", v) for v in by_kind["urban"][: wanted["urban"]]]
        rural = [("rural", v) for v in by_kind["rural"][: wanted["rural"]]]
        # every other county's first centre is a rural one, so both kinds exist in 2016
        candidates = _interleave(urban, rural) if index % 2 == 0 else _interleave(rural, urban)
        stock = candidates[: max(1, min(len(candidates), centre_beds // 3))] if centre_beds else []
        for n, ((kind, village), beds) in enumerate(zip(stock, _split(centre_beds, len(stock)))):
            roll = _stable(village.code) % 100
            opened = (
                dt.date(2016, 1 + roll % 11, 1) if n % 2 == 0 else dt.date(2014, 1 + roll % 12, 1)
            )
            centre = _centre(register, kind, village, beds, opened)
            if roll % 10 < (7 if pilot else 3):
                agreement(
                    centre,
                    f"{village.name}卫生室",
                    "community_clinic" if kind == "urban" else "village_clinic",
                    max(opened, dt.date(2016, 2, 1)),
                )
        # Growth to today's elderly: centres opened in later years, the last ones this year.
        growth = beds_now - beds_2016
        used = {village.pk for _kind, village in stock}
        later = [
            pair
            for pair in _interleave(
                [("urban", v) for v in by_kind["urban"] if v.pk not in used],
                [("rural", v) for v in by_kind["rural"] if v.pk not in used],
            )
        ]
        later = later[: max(1, min(4, growth // 3))] if growth > 0 else []
        years = [today.year - 1, today.year] if today.year > 2017 else [today.year]
        for n, ((kind, village), beds) in enumerate(zip(later, _split(growth, len(later)))):
            year = years[(n // 2 + 1) % len(years)]  # one urban and one rural centre a year
            opened = this_year if year == today.year else dt.date(year, 6, 1)
            centre = _centre(register, kind, village, beds, opened)
            if pilot:
                agreement(
                    centre,
                    f"{village.name}卫生室",
                    "community_clinic" if kind == "urban" else "village_clinic",
                    opened,
                )
    return created


def _interleave(first: list, second: list) -> list:
    result = []
    for i in range(max(len(first), len(second))):
        result += first[i : i + 1] + second[i : i + 1]
    return result


def _centre(register, kind: str, village: Region, beds: int, opened: dt.date) -> Institution:
    if kind == "urban":
        return register(
            f"{village.name}居家养老服务中心", "community_centre", village, beds, opened
        )
    return register(f"{village.name}老年人互助照料活动中心", "rural_centre", village, beds, opened)


@transaction.atomic
def _associations(today: dt.date) -> int:
    """One association in most villages (the plan's coverage targets are shares of villages);
    its members never outnumber the village's elderly."""
    if ElderlyAssociation.objects.exists():
        return 0
    _by_county, elderly = _elderly(today)
    rows = []
    for village in Region.objects.filter(
        level=Region.Level.VILLAGE, kind=Region.Kind.STATUTORY
    ).order_by("code"):
        roll = _stable("assoc" + village.code) % 100
        if roll < (90 if village.urban_rural == "urban" else 80):
            rows.append(
                ElderlyAssociation(
                    region=village,
                    name=f"{village.name}老年协会",
                    founded_on=dt.date(2012 + roll % 5, 1 + roll % 12, 1),
                    members=max(1, min(20 + roll, elderly.get(village.pk, 0))),
                )
            )
    ElderlyAssociation.objects.bulk_create(rows, batch_size=2000)
    audit.record(
        "import",
        object_type="eldercare.elderlyassociation",
        object_repr="演示老年协会",
        after={"count": len(rows)},
    )
    return len(rows)


def _assessments(worker, village: Region, today: dt.date) -> list[Person]:
    elderly = list(
        Person.objects.filter(
            hukou_region=village,
            death_date__isnull=True,
            birth_date__lte=today.replace(year=today.year - 65),
        ).order_by("pk")[:30]
    )
    if Assessment.objects.filter(person__in=elderly).exists():
        return elderly
    for n, person in enumerate(elderly):
        adl = (100, 95, 80, 60, 45, 30)[n % 6]
        services.record_assessment(
            user=worker,
            person=person,
            assessed_on=today - dt.timedelta(days=10 + n),
            adl_score=adl,
            mental_score=n % 4,
            consciousness=0,
            vision=n % 3,
            hearing=(n + 1) % 3,
            communication=n % 2,
            social_score=(n * 3) % 16,
            assessors="张评估员,李评估员",
            escalations=["incidents"] if n % 11 == 5 else [],
        )
        services.update_profile(
            user=worker, person=person, living_situation=_living_situation(person, today)
        )
        services.add_contact(
            user=worker,
            person=person,
            name=f"{person.name[0]}家属",
            relation="子女",
            phone=f"1380724{n:04d}",
        )
    return elderly


SLOT_HOURS = (9, 10, 14, 15, 16)  # bookings at daytime hours, local time


def _slot(day: dt.date, n: int) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(SLOT_HOURS[n % len(SLOT_HOURS)], 30 if n % 2 else 0))
    )


def _last_slot_before(now: dt.datetime) -> dt.datetime:
    """The latest daytime slot at least 20 minutes before now (today's or an earlier day's)."""
    day = timezone.localdate(now)
    while True:
        for hour in reversed(SLOT_HOURS):
            slot = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
            if slot <= now - dt.timedelta(minutes=20):
                return slot
        day -= dt.timedelta(days=1)


def _bookings(worker, provider_user, provider: Provider, elderly: list[Person]) -> int:
    """Twelve bookings at every stage, replayed at the times they would have happened: those
    served in the past at daytime slots of the last days (checked in and out around the slot),
    one in service since the last slot, open ones at slots in the coming days. One confirmed
    service was checked out in the minute it started, so it waits for review."""
    if Booking.objects.filter(provider=provider).exists() or not elderly:
        return 0
    items = list(ServiceItem.objects.filter(provider=provider).order_by("id"))
    worker_row = provider.workers.order_by("id").first()
    now = timezone.now()
    today = timezone.localdate(now)
    made = 0
    for n, person in enumerate(elderly[:12]):
        item = items[n % len(items)]
        stage = n % 6
        if stage < 3:
            scheduled = _slot(today + dt.timedelta(days=1 + n // 2), n)
        elif stage == 3:
            scheduled = _last_slot_before(now)
        else:
            scheduled = _slot(today - dt.timedelta(days=2 + 3 * n), n)
        booked_at = min(now, scheduled - dt.timedelta(hours=20))
        booking = bookings.create_booking(
            user=worker,
            person=person,
            item=item,
            quantity=1 + n % 2,
            scheduled_at=scheduled,
            now=booked_at,
        )
        made += 1
        if stage >= 1:
            bookings.accept(
                user=provider_user, booking=booking, now=booked_at + dt.timedelta(minutes=15)
            )
        if stage >= 2:
            bookings.dispatch(
                user=provider_user,
                booking=booking,
                worker=worker_row,
                now=booked_at + dt.timedelta(minutes=40),
            )
        if stage >= 3:
            bookings.check_in(
                user=provider_user, booking=booking, now=scheduled + dt.timedelta(minutes=5)
            )
        if stage >= 4:
            served = (
                dt.timedelta(seconds=20) if n == 5 else dt.timedelta(minutes=booking.minutes + 2)
            )
            bookings.check_out(
                user=provider_user,
                booking=booking,
                now=scheduled + dt.timedelta(minutes=5) + served,
            )
        if stage >= 5:
            bookings.confirm(
                user=worker,
                booking=booking,
                rating=5,
                feedback="服务周到",
                now=scheduled + dt.timedelta(minutes=booking.minutes + 120),
            )
    return made


def _living_situation(person: Person, today: dt.date) -> str:
    """独居 when the person is the only living member of the household, 空巢 when every member is
    60 or over, otherwise with family: the registry decides, not a rotation."""
    household = (
        HouseholdMember.objects.filter(person=person, until__isnull=True)
        .values_list("household_id", flat=True)
        .first()
    )
    if household is None:
        return LivingSituation.ALONE
    births = list(
        HouseholdMember.objects.filter(
            household_id=household, until__isnull=True, person__death_date__isnull=True
        ).values_list("person__birth_date", flat=True)
    )
    if len(births) <= 1:
        return LivingSituation.ALONE
    cutoff = dt.date(
        today.year - 60, today.month, 28 if (today.month, today.day) == (2, 29) else today.day
    )
    return (
        LivingSituation.EMPTY_NEST
        if all(b and b <= cutoff for b in births)
        else LivingSituation.WITH_FAMILY
    )


def seed_demo_eldercare(*, today: dt.date | None = None) -> dict:
    """Needs the region tree, the standards, the synthetic city and the demo accounts."""
    today = today or timezone.localdate()
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    if admin is None:
        return {"skipped": "no administrator account"}
    with acting_as(Actor(user_id=admin.pk, username=admin.get_username(), channel="cli")):
        duodao, dongbao = Region.objects.get(code="420804"), Region.objects.get(code="420802")
        longquan = Region.objects.get(code="420802001")
        _provider(admin, "掇刀区居家养老服务中心", Provider.Kind.CARE_CENTRE, duodao, [duodao.code])
        _provider(
            admin,
            "掇刀家政服务有限公司",
            Provider.Kind.HOUSEKEEPING,
            duodao,
            [duodao.code, dongbao.code],
        )
        _provider(admin, "掇刀石街道社区卫生服务中心", Provider.Kind.CLINIC, duodao, [duodao.code])
        _provider(
            admin,
            "掇刀区助老志愿服务队",
            Provider.Kind.VOLUNTEERS,
            duodao,
            [duodao.code],
            items=False,
        )
        centre = _provider(
            admin, "龙泉街道居家养老服务中心", Provider.Kind.CARE_CENTRE, longquan, [longquan.code]
        )
        provider_user = User.objects.filter(username="provider", role=Role.PROVIDER).first()
        if (
            provider_user is not None
            and not ProviderStaff.objects.filter(user=provider_user).exists()
        ):
            services.bind_provider_account(user=admin, provider=centre, account=provider_user)
        institutions = _institutions(admin, today)
        associations = _associations(today)
        worker = User.objects.filter(username="village_worker").first()
        elderly, made = [], 0
        if worker is not None and worker.region_id:
            elderly = _assessments(worker, worker.region, today)
            if provider_user is not None:
                made = _bookings(worker, provider_user, centre, elderly)
        scan = allowance.scan_enrolments(month=months.month_start(today))
        confirmed = 0
        clerk = User.objects.filter(username="longquan_clerk").first()
        if clerk is not None:
            pending = allowance.enrolments_for(clerk).filter(status="proposed", problem="")
            if pending.exists():
                confirmed = allowance.confirm_enrolments(
                    user=clerk, enrolments=pending, reason="演示：到龄纳入"
                )["confirmed"]
    return {
        "institutions": institutions,
        "associations": associations,
        "assessed": len(elderly),
        "bookings": made,
        "proposed": scan["proposed"],
        "confirmed": confirmed,
        "providers": Provider.objects.count(),
        "agreements": HealthAgreement.objects.count(),
    }

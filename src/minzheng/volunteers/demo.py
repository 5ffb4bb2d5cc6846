"""Demo data of the volunteer registration system, set-based and idempotent (a second run adds
nothing): approved volunteers at about 3 % of every urban community's residents (so the 5 %
target shows a real gap) and about 1 % of rural villages' (so every street has some), registered
by their street; a dozen registrations pending on 龙泉街道's workbench; a team in every county with
a year of activities and their hours; earlier years' hours so that some volunteers hold each star;
a team linked to the elderly-care demo's volunteer provider, with a worker who is a volunteer and
a handful of past home visits served by that worker through the elderly-care booking services (so
elderly care's `booking_served` credits the hours to the volunteer by the real path). The demo
resident is not a volunteer, so the registration can be walked."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Mod
from django.utils import timezone

from minzheng.core.context import Actor, acting_as
from minzheng.people.models import Person
from minzheng.regions.models import Region

from . import summary
from .models import (
    Activity,
    Availability,
    Channel,
    MemberStatus,
    ServiceRecord,
    Signup,
    Skill,
    Source,
    Status,
    Team,
    TeamMember,
    Volunteer,
    WorkerLink,
)

SKILLS = Skill.values
AVAIL = Availability.values
TITLES = (
    "敬老院陪伴",
    "社区环境整治",
    "义务理发",
    "法律咨询进社区",
    "防汛应急演练",
    "青少年课业辅导",
)
# Earlier years' hours (minutes) by volunteer id modulo 40: some at every star.
HISTORY = {0: 1600 * 60, 1: 1100 * 60, 2: 700 * 60, 3: 650 * 60, 4: 350 * 60, 5: 320 * 60}
HISTORY.update({k: 110 * 60 for k in range(6, 12)})


@transaction.atomic
def seed_demo_volunteers(*, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    User = get_user_model()
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    if admin is None:
        return {"skipped": "no administrator account"}
    with acting_as(Actor(user_id=admin.pk, username=admin.get_username(), channel="cli")):
        if Team.objects.filter(description="演示服务队").exists():
            # Seeded before: only the served visits, if an earlier demo lacks them.
            served = _serve_bookings(admin)
            if served:
                summary.refresh()
            return {
                "skipped": "already seeded",
                "volunteers": Volunteer.objects.count(),
                "served_bookings": served,
            }
        return _seed(admin, today)


def _seed(admin, today: dt.date) -> dict:
    User = get_user_model()
    now = timezone.now()
    excluded = set(User.objects.exclude(person=None).values_list("person_id", flat=True))
    villages = {
        r.pk: r
        for r in Region.objects.filter(level="village", kind="statutory").only(
            "id", "code", "parent_id", "urban_rural", "path"
        )
    }
    adults = (
        Person.objects.filter(
            hukou_region_id__in=list(villages),
            death_date__isnull=True,
            birth_date__lte=dt.date(today.year - 18, 1, 1),
            birth_date__gte=dt.date(today.year - 70, 1, 1),
        )
        .exclude(pk__in=excluded)
        .filter(volunteer__isnull=True)
    )
    # About 3 % of urban residents and 1 % of rural (by person id), chosen in the database.
    picked = list(
        adults.annotate(m33=Mod("id", 33), m100=Mod("id", 100))
        .filter(
            Q(hukou_region__urban_rural="urban", m33=0)
            | Q(hukou_region__urban_rural="rural", m100=0)
        )
        .values_list("pk", "hukou_region_id", "phone")
    )
    rows = []
    for pid, rid, phone in picked:
        approved_on = today - dt.timedelta(days=30 + (pid * 7) % 700)
        rows.append(
            Volunteer(
                person_id=pid,
                region_id=rid,
                skills=[SKILLS[pid % len(SKILLS)], SKILLS[(pid // 7) % len(SKILLS)]],
                availability=AVAIL[pid % len(AVAIL)],
                phone=phone or f"139{pid % 100000000:08d}",
                status=Status.APPROVED,
                channel=Channel.WINDOW,
                applied_at=now - dt.timedelta(days=40 + (pid * 7) % 700),
                decided_at=now - dt.timedelta(days=30 + (pid * 7) % 700),
                decided_by_name="街道志愿服务站",
                approved_in_id=villages[rid].parent_id,
                approved_on=approved_on,
            )
        )
    Volunteer.objects.bulk_create(rows, batch_size=2000)
    created = list(
        Volunteer.objects.filter(
            channel=Channel.WINDOW, status=Status.APPROVED, number__isnull=True
        ).select_related("region", "person")
    )
    for v in created:
        v.number = f"ZY{v.region.code[:6]}{v.pk:08d}"
    Volunteer.objects.bulk_update(created, ["number"], batch_size=2000)
    # Pending registrations on 龙泉街道's workbench.
    longquan = Region.objects.filter(code="420802001").first()
    pending = []
    if longquan is not None:
        candidates = (
            adults.filter(hukou_region__path__startswith=longquan.path)
            .exclude(pk__in=[v.person_id for v in created])
            .order_by("pk")
            .values_list("pk", "hukou_region_id")[:12]
        )
        pending = [
            Volunteer(
                person_id=pid,
                region_id=rid,
                skills=[SKILLS[pid % len(SKILLS)]],
                availability=AVAIL[pid % len(AVAIL)],
                phone=f"137{pid % 100000000:08d}",
                status=Status.PENDING,
                channel=Channel.ONLINE,
                applied_at=now - dt.timedelta(days=i % 5, hours=i),
            )
            for i, (pid, rid) in enumerate(candidates)
        ]
        Volunteer.objects.bulk_create(pending)
    teams, activities, records = _teams_and_hours(admin, created, today)
    _history(created, today)
    linked = _eldercare_team(admin, created)
    served = _serve_bookings(admin)
    refreshed = summary.refresh()
    return {
        "volunteers": len(created),
        "pending": len(pending),
        "teams": teams,
        "activities": activities,
        "records": records,
        "linked_provider": linked,
        "served_bookings": served,
        **refreshed,
    }


def _teams_and_hours(admin, volunteers, today: dt.date) -> tuple[int, int, int]:
    by_county: dict[str, list[Volunteer]] = {}
    for v in volunteers:
        by_county.setdefault(v.region.path.split("/")[2], []).append(v)
    counties = {r.code: r for r in Region.objects.filter(level="county", kind="statutory")}
    now = timezone.now()
    teams = []
    for code, members in sorted(by_county.items()):
        county = counties.get(code)
        if county is None:
            continue
        teams.append(
            Team(
                name=f"{county.name}志愿服务总队",
                region=county,
                leader=members[0],
                description="演示服务队",
                created_by=admin,
            )
        )
    Team.objects.bulk_create(teams)
    members, acts = [], []
    for team in teams:
        vols = by_county[team.region.code]
        members += [
            TeamMember(
                team=team,
                volunteer=v,
                status=MemberStatus.ACCEPTED,
                requested_at=now - dt.timedelta(days=300),
                decided_at=now - dt.timedelta(days=299),
            )
            for v in vols[:60]
        ]
        # A year of activities (every two weeks), and three still to come.
        for k in range(-26, 4):
            start = timezone.make_aware(
                dt.datetime.combine(today + dt.timedelta(days=14 * k + 3), dt.time(9, 0))
            )
            acts.append(
                Activity(
                    team=team,
                    title=TITLES[(k + 26) % len(TITLES)],
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=3),
                    place=f"{team.region.name}新时代文明实践站",
                    region=vols[0].region,
                    capacity=20,
                    skills=[SKILLS[(k + 26) % len(SKILLS)]],
                    hours_recorded_at=start + dt.timedelta(hours=4) if k < 0 else None,
                    created_by=admin,
                )
            )
    TeamMember.objects.bulk_create(members)
    Activity.objects.bulk_create(acts)
    signups, past = [], []
    for a in acts:
        vols = by_county[a.team.region.code][:60]
        chosen = [v for i, v in enumerate(vols) if (i + a.starts_at.toordinal()) % 4 == 0][
            : a.capacity - (3 if a.starts_at > now else 0)
        ]
        for v in chosen:
            signups.append(
                Signup(activity=a, volunteer=v, signed_at=a.starts_at - dt.timedelta(days=3))
            )
        a.signed_up = len(chosen)
    Signup.objects.bulk_create(signups, batch_size=2000)
    Activity.objects.bulk_update(acts, ["signed_up"], batch_size=2000)
    for s in signups:
        a = s.activity
        if a.hours_recorded_at is None:
            continue
        attended = (s.volunteer_id + a.pk) % 10 != 0
        past.append(
            ServiceRecord(
                volunteer_id=s.volunteer_id,
                source=Source.ACTIVITY,
                served_on=a.starts_at.date(),
                minutes=(120 + (s.volunteer_id % 4) * 20) if attended else 0,
                attended=attended,
                signup=s,
                team=a.team,
                title=a.title,
            )
        )
    ServiceRecord.objects.bulk_create(past, batch_size=2000)
    return len(teams), len(acts), len(past)


def _history(volunteers, today: dt.date) -> None:
    """Hours of earlier years, carried over in one record each."""
    ServiceRecord.objects.bulk_create(
        [
            ServiceRecord(
                volunteer_id=v.pk,
                source=Source.ACTIVITY,
                served_on=dt.date(today.year - 1, 12, 31),
                minutes=HISTORY[v.pk % 40],
                title="往年志愿服务时长结转",
            )
            for v in volunteers
            if v.pk % 40 in HISTORY
        ],
        batch_size=2000,
    )


def _eldercare_team(admin, volunteers) -> str:
    """The elderly-care demo's volunteer provider, linked to a team of its county, with a worker
    who is one of the county's volunteers (bookings it serves are credited to them)."""
    from minzheng.eldercare import services as care_services
    from minzheng.eldercare.models import Provider

    provider = Provider.objects.filter(kind=Provider.Kind.VOLUNTEERS).order_by("id").first()
    if provider is None or Team.objects.filter(provider=provider).exists():
        return ""
    county_path = "/".join(provider.region.path.split("/")[:3]) + "/"
    own = [v for v in volunteers if v.region.path.startswith(county_path)]
    leader = own[0] if own else None
    team = Team.objects.create(
        name=provider.name,
        region=provider.region,
        provider=provider,
        leader=leader,
        description="居家养老上门服务",
        created_by=admin,
    )
    if leader is not None:
        worker = care_services.add_worker(user=admin, provider=provider, name=leader.person.name)
        WorkerLink.objects.create(worker=worker, volunteer=leader)
        TeamMember.objects.create(
            team=team,
            volunteer=leader,
            status=MemberStatus.ACCEPTED,
            requested_at=timezone.now(),
            decided_at=timezone.now(),
        )
    return provider.name


VISIT = ("陪同出行（志愿服务）", 60)  # the volunteer provider's one catalogue item, free of charge
VISITS = 6


def _serve_bookings(admin) -> int:
    """Past home visits of the volunteer provider, each booked, accepted, dispatched to the worker
    who is a volunteer, checked in and out and confirmed through the elderly-care booking
    services at the times they would have happened: check-in five minutes after the booked time,
    check-out when the booked hour is up, no position reported, so the proof of service has no
    anomaly and elderly care's `booking_served` credits the hours to the volunteer.

    The elderly are people of 60 or more living in the provider's service area and never
    assessed (ability grade 0, whose subsidised quota is nil), so the free visits take no one's
    subsidy quota. Idempotent: nothing is done once the provider has a booking."""
    from minzheng.eldercare import bookings
    from minzheng.eldercare import services as care_services
    from minzheng.eldercare.models import Assessment, Booking, ServiceItem
    from minzheng.eldercare.selectors import elderly_for
    from minzheng.people.models import HouseholdMember

    team = (
        Team.objects.filter(provider__kind="volunteers")
        .select_related("provider")
        .order_by("id")
        .first()
    )
    if team is None or Booking.objects.filter(provider=team.provider).exists():
        return 0
    provider = team.provider
    link = (
        WorkerLink.objects.filter(worker__provider=provider, worker__active=True)
        .select_related("worker")
        .order_by("id")
        .first()
    )
    paths = [r.path for r in provider.service_areas.all()]
    if link is None or not paths:
        return 0
    item = ServiceItem.objects.filter(provider=provider, active=True).order_by("id").first()
    if item is None:
        item = care_services.add_service_item(
            user=admin,
            provider=provider,
            category="mobility",
            name=VISIT[0],
            unit=ServiceItem.Unit.VISIT,
            price_fen=0,
            minutes_per_unit=VISIT[1],
        )
    hukou = Q()
    residence = Q()
    for path in paths:
        hukou |= Q(hukou_region__path__startswith=path)
        residence |= Q(residence_region__path__startswith=path)
    housed = HouseholdMember.objects.filter(person_id=OuterRef("pk"), until__isnull=True).exclude(
        household__address=""
    )
    elderly = list(
        elderly_for(admin)
        .filter(hukou & (Q(residence_region__isnull=True) | residence))
        .filter(Exists(housed))
        .exclude(pk__in=Assessment.objects.values("person_id"))
        .order_by("id")[:VISITS]
    )
    now = timezone.now()
    today = timezone.localdate(now)
    for n, person in enumerate(elderly):
        # Every fourth day back from three days ago, at 9:00 or 14:30.
        day = today - dt.timedelta(days=3 + 4 * n)
        at = dt.time(9, 0) if n % 2 == 0 else dt.time(14, 30)
        scheduled = timezone.make_aware(dt.datetime.combine(day, at))
        booked_at = scheduled - dt.timedelta(days=1)
        booking = bookings.create_booking(
            user=admin, person=person, item=item, scheduled_at=scheduled, now=booked_at
        )
        bookings.accept(user=admin, booking=booking, now=booked_at + dt.timedelta(minutes=20))
        bookings.dispatch(
            user=admin,
            booking=booking,
            worker=link.worker,
            now=booked_at + dt.timedelta(minutes=45),
        )
        checked_in = scheduled + dt.timedelta(minutes=5)
        bookings.check_in(user=admin, booking=booking, now=checked_in)
        bookings.check_out(
            user=admin,
            booking=booking,
            now=checked_in + dt.timedelta(minutes=booking.minutes),
        )
        bookings.confirm(
            user=admin,
            booking=booking,
            rating=5,
            feedback="志愿者很耐心",
            now=checked_in + dt.timedelta(hours=3),
        )
    return len(elderly)

"""Demo social organisations on the synthetic city: the register the other governance modules
(social work, community governance, volunteers) hang their records on. Deterministic (seed 2016);
one set-based write; a second run adds nothing.

- 300 organisations in the nine counties in proportion to their population, about a fifth
  registered by the city's registry; the three kinds in roughly the city's mix (social groups
  45 %, social service organisations 52 %, foundations 3 %); registered from 2005 up to this
  year, with about 70 registered this year (the plan's 90 new ones show a gap); a dozen were
  deregistered on the way.
- Legal representatives are residents of the county aged 30–70 on the population registry.
- Registrations from 2015 on were filed online for four in five, the rest at the window.
- The demo account `social_org` acts for 东宝区阳光社会工作服务中心 (domiciled in 龙泉街道).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import Role, User
from minzheng.core import audit
from minzheng.core.models import AuditEvent
from minzheng.people.models import Person
from minzheng.regions.models import Region

from . import rules
from .demo_records import seed_demo_records
from .models import (
    DIRECT_REGISTRATION_FIELDS,
    Channel,
    Organisation,
    OrganisationAccount,
    OrganisationField,
    OrganisationKind,
    OrganisationStatus,
)

TOTAL = 300
NEW_THIS_YEAR = 70
ACCOUNT_ORGANISATION = "东宝区阳光社会工作服务中心"

# (field, kind, name endings) drawn from for the generated names.
_SHAPES = [
    (OrganisationField.TRADE, OrganisationKind.SOCIAL_GROUP, ["商会", "行业协会", "产业协会"]),
    (OrganisationField.SCIENCE, OrganisationKind.SOCIAL_GROUP, ["科学技术协会", "农业技术协会"]),
    (OrganisationField.CHARITY, OrganisationKind.SERVICE_ORG, ["公益服务中心", "社会工作服务中心"]),
    (OrganisationField.CHARITY, OrganisationKind.FOUNDATION, ["慈善基金会", "教育基金会"]),
    (
        OrganisationField.COMMUNITY,
        OrganisationKind.SERVICE_ORG,
        ["社区服务中心", "居家养老服务中心"],
    ),
    (OrganisationField.COMMUNITY, OrganisationKind.SOCIAL_GROUP, ["老年人协会", "志愿者协会"]),
    (OrganisationField.EDUCATION, OrganisationKind.SERVICE_ORG, ["培训学校", "幼儿园"]),
    (OrganisationField.HEALTH, OrganisationKind.SERVICE_ORG, ["康复中心", "护理院"]),
    (
        OrganisationField.CULTURE,
        OrganisationKind.SOCIAL_GROUP,
        ["书法家协会", "体育协会", "戏曲协会"],
    ),
    (OrganisationField.OTHER, OrganisationKind.SOCIAL_GROUP, ["联谊会", "研究会"]),
]
_SHAPE_WEIGHTS = [10, 4, 16, 3, 22, 12, 12, 6, 10, 5]
_WORDS = "阳光 爱心 春晖 明德 同心 仁和 惠民 乐龄 启航 康宁 和美 兴农 博爱 善行 长青 晨曦".split()
_SUPERVISORS = {
    OrganisationField.EDUCATION: "教育局",
    OrganisationField.HEALTH: "卫生和计划生育委员会",
    OrganisationField.CULTURE: "文化体育新闻出版广电局",
    OrganisationField.OTHER: "民政局",
}


def seed_demo_organisations(*, today: dt.date | None = None) -> int:
    """Needs the region tree and the synthetic city. Returns how many organisations it added."""
    today = today or timezone.localdate()
    if Organisation.objects.exists():
        _bind_account()
        seed_demo_records(today=today)
        return 0
    city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
    counties = list(
        Region.objects.filter(level=Region.Level.COUNTY, kind=Region.Kind.STATUTORY).order_by(
            "code"
        )
    )
    if city is None or not counties:
        return 0
    rng = random.Random(2016)
    townships = {
        c.pk: list(Region.objects.filter(parent=c, level=Region.Level.TOWNSHIP).order_by("code"))
        for c in counties
    }
    people = {c.pk: _adults(c, today) for c in counties}
    weights = [max(1, len(people[c.pk])) for c in counties]
    used_names: set[str] = set()
    rows = []
    for i in range(TOTAL):
        county = counties[0] if i == 0 else rng.choices(counties, weights)[0]
        field, kind, endings = _SHAPES[2] if i == 0 else rng.choices(_SHAPES, _SHAPE_WEIGHTS)[0]
        name = ACCOUNT_ORGANISATION if i == 0 else _name(rng, county, endings, used_names)
        used_names.add(name)
        by_city = i != 0 and rng.random() < 0.2
        township = (
            townships[county.pk][0] if i == 0 else rng.choice(townships[county.pk] or [county])
        )
        registered = _registered_on(rng, i, today)
        if i == 0:  # the demo account's organisation has reports and ratings behind it
            registered = dt.date(today.year - 6, 6, 18)
        online = registered.year >= 2015 and (i == 0 or rng.random() < 0.8)
        ended = registered.year < today.year - 2 and rng.random() < 0.04
        candidates = people[county.pk]
        rows.append(
            Organisation(
                name=name,
                kind=kind,
                field=field,
                status=OrganisationStatus.DEREGISTERED if ended else OrganisationStatus.REGISTERED,
                registry=city if by_city else county,
                region=township,
                address=f"{township.name}{rng.randint(1, 199)}号",
                legal_representative_id=candidates[i % len(candidates)] if candidates else None,
                supervising_unit=""
                if field in DIRECT_REGISTRATION_FIELDS
                else f"{(city if by_city else county).name}{_SUPERVISORS[field]}",
                capital_fen=(
                    rng.choice([2_000_000, 3_000_000, 5_000_000])
                    if kind == OrganisationKind.FOUNDATION
                    else rng.choice([30_000, 50_000, 100_000, 200_000])
                )
                * 100,
                purpose=f"{_purpose(field)}，依法开展活动。",
                phone=f"0724-{rng.randint(2_000_000, 8_999_999)}",
                credit_code=_credit_code(i, kind),
                channel=Channel.ONLINE if online else Channel.WINDOW,
                applied_at=timezone.make_aware(
                    dt.datetime.combine(registered - dt.timedelta(days=25), dt.time(9, 30))
                ),
                registered_on=registered,
                ended_on=registered + dt.timedelta(days=900) if ended else None,
            )
        )
    with transaction.atomic():
        Organisation.objects.bulk_create(rows, batch_size=500)
        audit.record(
            AuditEvent.Action.IMPORT,
            object_type="socialorgs.demo",
            object_repr="社会组织演示数据",
            region_code=city.code,
            after={"organisations": len(rows)},
            note="演示数据：社会组织登记名录",
        )
    _bind_account()
    seed_demo_records(today=today)
    return len(rows)


def _bind_account() -> None:
    organisation = Organisation.objects.filter(name=ACCOUNT_ORGANISATION).first()
    if organisation is not None:
        bind_account("social_org", organisation)


def bind_account(username: str, organisation: Organisation) -> None:
    """Bind a demo account of role `organisation` to the organisation it acts for (once)."""
    user = User.objects.filter(username=username, role=Role.ORGANISATION).first()
    if user is None or OrganisationAccount.objects.filter(user=user).exists():
        return
    with transaction.atomic():
        binding = OrganisationAccount.objects.create(
            user=user, organisation=organisation, person=organisation.legal_representative
        )
        audit.record_created(binding, region_code=organisation.region.code)


def register_organisation(
    *,
    name: str,
    kind: str,
    field: str,
    registry: Region,
    region: Region,
    registered_on: dt.date,
    purpose: str,
    capital_fen: int,
) -> Organisation:
    """A registered organisation another module's demo needs by name (found or created once),
    shaped like the generated ones: direct registration, a legal representative of its county, a
    well-formed credit code."""
    existing = Organisation.objects.filter(name=name).first()
    if existing is not None:
        return existing
    county = region if region.level == Region.Level.COUNTY else region.parent
    candidates = _adults(county, timezone.localdate())
    serial = Organisation.objects.count() + 1
    with transaction.atomic():
        organisation = Organisation.objects.create(
            name=name,
            kind=kind,
            field=field,
            status=OrganisationStatus.REGISTERED,
            registry=registry,
            region=region,
            address=f"{region.name}{serial % 199 + 1}号",
            legal_representative_id=candidates[0] if candidates else None,
            capital_fen=capital_fen,
            purpose=purpose,
            phone="0724-2345678",
            credit_code=_credit_code(serial - 1, kind),
            channel=Channel.WINDOW,
            applied_at=timezone.make_aware(
                dt.datetime.combine(registered_on - dt.timedelta(days=25), dt.time(9, 30))
            ),
            registered_on=registered_on,
        )
        audit.record_created(organisation, note="演示数据：社会组织登记")
    return organisation


def _adults(county: Region, today: dt.date) -> list[int]:
    return list(
        Person.objects.filter(
            hukou_region__path__startswith=county.path,
            birth_date__lte=today.replace(year=today.year - 30),
            birth_date__gt=today.replace(year=today.year - 70),
            death_date__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:400]
    )


def _name(rng: random.Random, county: Region, endings: list[str], used: set[str]) -> str:
    for _attempt in range(50):
        name = f"{county.name}{rng.choice(_WORDS)}{rng.choice(endings)}"
        if name not in used:
            return name
    return f"{county.name}{rng.choice(endings)}{len(used) + 1}"


def _registered_on(rng: random.Random, i: int, today: dt.date) -> dt.date:
    """About NEW_THIS_YEAR this year (up to today), the rest spread over 2005 to last year."""
    if i < NEW_THIS_YEAR:
        start = dt.date(today.year, 1, 4)
        return start + dt.timedelta(days=rng.randint(0, max(0, (today - start).days)))
    start, end = dt.date(2005, 1, 1), dt.date(today.year - 1, 12, 28)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _purpose(field: str) -> str:
    return {
        OrganisationField.TRADE: "加强行业自律，维护会员合法权益，促进行业发展",
        OrganisationField.SCIENCE: "普及科学知识，开展技术交流与推广",
        OrganisationField.CHARITY: "扶贫济困，扶老救孤，开展公益慈善服务",
        OrganisationField.COMMUNITY: "为城乡社区居民提供养老、助残、邻里互助等服务",
        OrganisationField.EDUCATION: "开展非学历教育培训",
        OrganisationField.HEALTH: "提供康复护理服务",
        OrganisationField.CULTURE: "组织文化体育交流活动",
    }.get(field, "团结会员，开展交流联谊活动")


def _credit_code(i: int, kind: str) -> str:
    """A well-formed 18-character unified social credit code (rules.credit_code)."""
    return rules.credit_code(kind=kind, registry_code="420800", serial=i + 1)

"""Demo records of social work on the synthetic city, hung on the social organisations' demo
register (300 organisations, run before this one), so the pages, the workbench cards and the
plan's targets 5.1, 6.1 and 7.2 have figures on a new install:

- the talent ledger: 120 social workers of the population registry across the counties (东宝区
  the most), employed by registered organisations of their county; about 40 % practitioners,
  35 % assistant social workers, 20 % social workers, 5 % senior; most entered in 2016 (the
  plan's ledger, target 7.2), the rest since; training records of 2016 and of this year;
- 10 purchased-service projects (the city and the counties), 4 accepted, 6 under way with
  milestones due in the coming weeks (东宝区's on its approver's workbench);
- three-social linkage in 36 urban communities: 30 accepted in 2016 (target 5.1 is 40: a gap),
  6 under way this year;
- public-benefit venture funding: the city's 2016 call (8 applications, 5 awards of which 2 from
  the provincial fund) and this year's (20 applications, one from the `social_org` account's
  organisation, scored by three appointed reviewers, 12 awards within the budget of which 2 from
  the provincial fund, milestones), and an open call of 东宝区 to which organisations may still
  apply (reviewers: the county approver and the 龙泉街道 clerk).

No member assembly is seeded: the register holds no social-work association (7.3 shows that).
Writes are set-based (bulk inserts); a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

from minzheng.people.models import Person
from minzheng.regions.models import Region

from .models import (
    ApplicationStatus,
    FundingSource,
    Level,
    Milestone,
    Project,
    ProjectKind,
    ProjectStatus,
    SocialWorker,
    Training,
    VentureApplication,
    VentureCall,
    VentureCategory,
    VentureReview,
)

WORKERS = 120
LINKAGE_ACCEPTED = 30
LINKAGE_ONGOING = 6
POSTS = ["一线社工", "项目主管", "督导", "机构负责人", "社区社工"]
SERVICES = [
    ("为老服务", "空巢老人探访、健康讲座和互助小组"),
    ("儿童关爱", "留守儿童课后陪伴、心理疏导和安全教育"),
    ("助残服务", "残疾人康复训练陪护和就业辅导"),
    ("社区营造", "居民议事会培育和社区志愿服务队建设"),
    ("困境帮扶", "低保和特困家庭个案管理与资源链接"),
]


def _draw(key: str, modulo: int) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % modulo


def _level(i: int) -> str:
    n = _draw(f"level-{i}", 100)
    if n < 40:
        return Level.NONE
    if n < 75:
        return Level.ASSISTANT
    if n < 95:
        return Level.SOCIAL_WORKER
    return Level.SENIOR


@transaction.atomic
def seed_demo_social_work(*, on: dt.date | None = None) -> dict:
    from minzheng.socialorgs.models import Organisation

    today = on or timezone.localdate()
    if SocialWorker.objects.exists():
        return {}
    city = Region.objects.filter(level="city", kind="statutory").order_by("code").first()
    counties = list(Region.objects.filter(level="county", kind="statutory").order_by("code"))
    orgs = list(
        Organisation.objects.filter(status="registered").select_related("region", "registry")
    )
    if city is None or not counties or not orgs:
        return {}
    by_county = {c.pk: [o for o in orgs if o.region.path.startswith(c.path)] for c in counties}
    counties = [c for c in counties if by_county[c.pk]]
    workers = _ledger(today, counties, by_county)
    purchased = _purchased(today, city, counties, by_county, workers)
    linkage = _linkage(today, counties, by_county, workers)
    venture = _venture(today, city, counties, orgs, by_county)
    return {
        "workers": len(workers),
        "purchased": purchased,
        "linkage": linkage,
        "venture": venture,
    }


def _ledger(today, counties, by_county) -> list[SocialWorker]:
    # 东宝区 (the demo accounts' county) gets a double share.
    weights = [2 if c.code == "420802" else 1 for c in counties]
    shares = [WORKERS * w // sum(weights) for w in weights]
    shares[0] += WORKERS - sum(shares)
    rows: list[SocialWorker] = []
    young, old = dt.date(today.year - 24, 1, 1), dt.date(today.year - 58, 1, 1)
    i = 0
    for county, share in zip(counties, shares, strict=True):
        people = list(
            Person.objects.filter(
                hukou_region__path__startswith=county.path,
                birth_date__lte=young,
                birth_date__gte=old,
                death_date__isnull=True,
            )
            .order_by("id")
            .values_list("pk", flat=True)[: share * 7 : 7]
        )
        county_orgs = by_county[county.pk]
        for person_id in people:
            level = _level(i)
            org = county_orgs[_draw(f"org-{i}", len(county_orgs))]
            year = 2016 if i % 3 else min(2016 + i % 10, today.year)
            entered = dt.date(year, 3 + i % 9, 1 + i % 27)
            entered = min(entered, today)
            cert_year = None
            if level != Level.NONE:
                cert_year = min(2008 + _draw(f"cert-{i}", 9), entered.year)
            rows.append(
                SocialWorker(
                    person_id=person_id,
                    level=level,
                    certificate_number=(
                        f"{cert_year}{4208:04d}{i:05d}" if level != Level.NONE else ""
                    ),
                    certificate_year=cert_year,
                    organisation=org,
                    employer_name=org.name,
                    region=org.region,
                    post=POSTS[_draw(f"post-{i}", len(POSTS))],
                    entered_on=entered,
                    entered_by_name="市局社会救助科",
                )
            )
            i += 1
    SocialWorker.objects.bulk_create(rows)
    rows = list(SocialWorker.objects.select_related("region").order_by("id"))
    trainings = []
    for n, w in enumerate(rows):
        if w.entered_on.year == 2016:
            trainings.append(
                Training(worker=w, on=dt.date(2016, 11, 10), title="社会工作实务培训", hours=16)
            )
        for k in range(1 + n % 3):
            day = min(dt.date(today.year, 2 + 3 * k, 15), today)
            trainings.append(
                Training(
                    worker=w,
                    on=day,
                    title=["继续教育集中培训", "个案管理专题", "督导能力提升"][k],
                    hours=8 * (1 + _draw(f"hours-{n}-{k}", 4)),
                )
            )
    Training.objects.bulk_create(trainings)
    return rows


def _project(kind, name, region, org, service, budget, starts, ends, status, accepted=None, **kw):
    return Project(
        kind=kind,
        name=name,
        region=region,
        organisation=org,
        service=service,
        budget_fen=budget,
        starts_on=starts,
        ends_on=ends,
        status=status,
        accepted_on=accepted,
        acceptance_note="按合同完成服务指标，资料齐全" if accepted else "",
        accepted_by_name="市局社会救助科" if accepted else "",
        created_by_name="市局社会救助科",
        **kw,
    )


def _attach(projects, workers_for, milestones_for):
    """Workers (through the M2M table) and milestones of freshly created projects, in bulk."""
    through = Project.workers.through
    links, stones = [], []
    for p in projects:
        links += [through(project_id=p.pk, socialworker_id=w.pk) for w in workers_for(p)]
        stones += milestones_for(p)
    through.objects.bulk_create(links)
    Milestone.objects.bulk_create(stones)


def _stones(p: Project, today: dt.date, done_all: bool) -> list[Milestone]:
    titles = ["需求评估和服务方案", "中期服务评估", "服务总结和结项资料"]
    span = max((p.ends_on - p.starts_on).days, 3)
    rows = []
    for k, title in enumerate(titles):
        due = p.starts_on + dt.timedelta(days=span * (k + 1) // 3)
        if not done_all and due > today:
            # the open ones of ongoing projects fall due in the coming weeks
            due = today + dt.timedelta(days=7 + 9 * k)
        done = due if (done_all or due < today - dt.timedelta(days=3)) else None
        rows.append(
            Milestone(
                project=p,
                title=title,
                due_on=due,
                done_on=min(done, today) if done else None,
                note="已完成" if done else "",
            )
        )
    return rows


def _workers_of(workers, region):
    return [w for w in workers if w.region.path.startswith(region.path)] or workers


def _purchased(today, city, counties, by_county, workers) -> int:
    rows = []
    for k in range(10):
        county = counties[k % len(counties)]
        purchaser = city if k % 5 == 4 else county
        org = by_county[county.pk][_draw(f"pp-{k}", len(by_county[county.pk]))]
        topic, service = SERVICES[k % len(SERVICES)]
        accepted = k < 4
        start = dt.date(today.year - 1, 9, 1) if accepted else dt.date(today.year, 3, 1)
        end = dt.date(today.year, 8, 31) if accepted else dt.date(today.year + 1, 2, 28)
        rows.append(
            _project(
                ProjectKind.PURCHASED,
                f"{purchaser.name}{topic}社会工作服务项目",
                purchaser,
                org,
                service,
                (20 + 5 * (k % 4)) * 10_000_00,
                start,
                end,
                ProjectStatus.ACCEPTED if accepted else ProjectStatus.ONGOING,
                min(dt.date(today.year, 9, 20), today) if accepted else None,
                funding_source=FundingSource.CITY if purchaser == city else FundingSource.COUNTY,
            )
        )
    created = Project.objects.bulk_create(rows)
    _attach(
        created,
        lambda p: _workers_of(workers, p.organisation.region)[:3],
        lambda p: _stones(p, today, p.status == ProjectStatus.ACCEPTED),
    )
    return len(created)


def _linkage(today, counties, by_county, workers) -> int:
    communities = list(
        Region.objects.filter(
            level="village", urban_rural="urban", kind="statutory", valid_to__isnull=True
        ).order_by("code")
    )
    # Spread over the counties: every county's communities in turn.
    by = {c.pk: [r for r in communities if r.path.startswith(c.path)] for c in counties}
    chosen = []
    while len(chosen) < LINKAGE_ACCEPTED + LINKAGE_ONGOING and any(by.values()):
        for c in counties:
            if by[c.pk] and len(chosen) < LINKAGE_ACCEPTED + LINKAGE_ONGOING:
                chosen.append((c, by[c.pk].pop(0)))
    rows = []
    for k, (county, community) in enumerate(chosen):
        orgs = by_county[county.pk]
        org = orgs[_draw(f"lk-{k}", len(orgs))]
        topic, service = SERVICES[k % len(SERVICES)]
        accepted = k < LINKAGE_ACCEPTED
        start = dt.date(2016, 3, 1 + k % 20) if accepted else dt.date(today.year, 4, 1)
        end = dt.date(2016, 11, 30) if accepted else dt.date(today.year + 1, 3, 31)
        rows.append(
            _project(
                ProjectKind.LINKAGE,
                f"{community.name}“三社联动”{topic}",
                community,
                org,
                service,
                5 * 10_000_00,
                start,
                end,
                ProjectStatus.ACCEPTED if accepted else ProjectStatus.ONGOING,
                dt.date(2016, 12, 1 + k % 20) if accepted else None,
            )
        )
    created = Project.objects.bulk_create(rows)
    _attach(
        created,
        lambda p: _workers_of(workers, p.organisation.region)[:2],
        lambda p: _stones(p, today, p.status == ProjectStatus.ACCEPTED),
    )
    return len(created)


def _venture(today, city, counties, orgs, by_county) -> dict:
    from minzheng.accounts.models import User, actor_name
    from minzheng.socialorgs.models import OrganisationAccount

    reviewers = list(
        User.objects.filter(
            username__in=["city_section", "dongbao_approver", "zhongxiang_approver"]
        )
    )
    account_org = (
        OrganisationAccount.objects.filter(user__username="social_org")
        .values_list("organisation_id", flat=True)
        .first()
    )
    registered = [o for o in orgs if o.registered_on]
    out = {}
    year = today.year
    this = dict(
        name=f"荆门市{year}年社区公益创投活动",
        year=year,
        budget=2_000_000_00,
        opens=min(dt.date(year, 3, 1), today - dt.timedelta(days=60)),
        closes=min(dt.date(year, 4, 15), today - dt.timedelta(days=45)),
        apps=20,
        awards=12,
    )
    old = dict(
        name="荆门市2016年社区公益创投活动",
        year=2016,
        budget=800_000_00,
        opens=dt.date(2016, 4, 1),
        closes=dt.date(2016, 5, 15),
        apps=8,
        awards=5,
    )
    for spec in (old, this):
        call = VentureCall.objects.create(
            name=spec["name"],
            region=city,
            year=spec["year"],
            budget_fen=spec["budget"],
            funding_source=FundingSource.CITY,
            opens_on=spec["opens"],
            closes_on=spec["closes"],
            categories=list(VentureCategory.values),
            created_by_name="市局社会救助科",
        )
        call.reviewers.set(reviewers)
        eligible = [o for o in registered if o.registered_on < spec["opens"]]
        picks = eligible[:: max(1, len(eligible) // spec["apps"])][: spec["apps"]]
        if spec is this and account_org and account_org not in {o.pk for o in picks}:
            own = next((o for o in orgs if o.pk == account_org), None)
            if own is not None:
                picks[-1] = own
        apps = []
        for k, org in enumerate(picks):
            category = VentureCategory.values[k % len(VentureCategory.values)]
            topic = dict(VentureCategory.choices)[category]
            filed = timezone.make_aware(
                dt.datetime.combine(spec["opens"] + dt.timedelta(days=3 + k), dt.time(10))
            )
            apps.append(
                VentureApplication(
                    call=call,
                    organisation=org,
                    title=f"{org.name[:20]}{topic}公益项目",
                    category=category,
                    amount_fen=(10 + 2 * (k % 6)) * 10_000_00,
                    plan=f"面向辖区居民开展{topic}，全年服务不少于200人次，建立志愿者队伍并形成案例集。",
                    filed_at=filed,
                    filed_by_name=org.name,
                )
            )
        apps = VentureApplication.objects.bulk_create(apps)
        reviews = []
        for k, a in enumerate(apps):
            for r, user in enumerate(reviewers):
                reviews.append(
                    VentureReview(
                        application=a,
                        reviewer=user,
                        reviewer_name=actor_name(user),
                        score=60 + _draw(f"score-{spec['year']}-{k}-{r}", 38),
                        comment="方案可行，目标明确",
                        scored_at=a.filed_at + dt.timedelta(days=30),
                    )
                )
        VentureReview.objects.bulk_create(reviews)
        scores: dict[int, list[int]] = {}
        for rv in reviews:
            scores.setdefault(rv.application_id, []).append(rv.score)
        ranked = sorted(apps, key=lambda a: -sum(scores[a.pk]) / len(scores[a.pk]))
        top = ranked[: spec["awards"]]
        if spec is this and account_org:
            own_app = next((a for a in apps if a.organisation_id == account_org), None)
            if own_app is not None and own_app not in top:
                top[-1] = own_app
        awarded_on = spec["closes"] + dt.timedelta(days=40)
        total = 0
        projects = []
        for k, a in enumerate(top):
            amount = min(a.amount_fen, spec["budget"] // spec["awards"])
            total += amount
            a.status = ApplicationStatus.AWARDED
            a.awarded_fen = amount
            a.awarded_source = FundingSource.PROVINCIAL if k < 2 else FundingSource.CITY
            a.awarded_on = awarded_on
            projects.append(
                _project(
                    ProjectKind.VENTURE,
                    a.title,
                    city,
                    a.organisation,
                    a.plan,
                    amount,
                    awarded_on,
                    dt.date(spec["year"], 12, 31),
                    ProjectStatus.ACCEPTED if spec is old else ProjectStatus.ONGOING,
                    dt.date(2016, 12, 28) if spec is old else None,
                    funding_source=a.awarded_source,
                    application=a,
                )
            )
        assert total <= spec["budget"]
        VentureApplication.objects.bulk_update(
            top, ["status", "awarded_fen", "awarded_source", "awarded_on"]
        )
        created = Project.objects.bulk_create(projects)
        _attach(
            created,
            lambda p: [],
            lambda p: _stones(p, today, p.status == ProjectStatus.ACCEPTED),
        )
        out[spec["year"]] = {"applications": len(apps), "awards": len(top)}
    dongbao = next((c for c in counties if c.code == "420802"), counties[0])
    call = VentureCall.objects.create(
        name=f"东宝区{year}年度社区公益微创投",
        region=dongbao,
        year=year,
        budget_fen=300_000_00,
        funding_source=FundingSource.COUNTY,
        opens_on=today - dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=20),
        categories=[VentureCategory.ELDERLY, VentureCategory.CHILDREN, VentureCategory.COMMUNITY],
        created_by_name="东宝区民政局审批员",
    )
    call.reviewers.set(User.objects.filter(username__in=["dongbao_approver", "longquan_clerk"]))
    county_orgs = [o for o in by_county.get(dongbao.pk, []) if o.pk != account_org][:3]
    VentureApplication.objects.bulk_create(
        VentureApplication(
            call=call,
            organisation=o,
            title=f"{o.name[:20]}社区微公益项目",
            category=VentureCategory.COMMUNITY,
            amount_fen=3 * 10_000_00,
            plan="组织居民开展楼栋互助和环境整治，全年活动不少于12次。",
            filed_at=timezone.now() - dt.timedelta(days=5 - k),
            filed_by_name=o.name,
        )
        for k, o in enumerate(county_orgs)
    )
    out["open"] = len(county_orgs)
    return out

"""The registry's records behind the demo organisations (set-based; once: a second run adds
nothing), so the pages, the workbench cards and targets 6.2–6.6 have figures:

- last year's annual reports from about 92 % of the organisations due, inspections concluded for
  about 87 % of those due (the 90 % target shows a gap; 85 % 合格, 12 % 基本合格, 3 % 不合格), the
  rest filed and waiting or overdue — among them `social_org`'s organisation, so its workbench
  shows the report to file; the same for the 2015 reports inspected in 2016 (the 2016 plan);
- ratings for 40 organisations registered two full years, graded on scores 480–960;
- two online applications pending (one with 东宝区's registry, one with the city's), a change
  request, three organisations on the abnormal-activity list;
- complaints: four in 2016, all answered; six this year in every state, one past its deadline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.regions.models import Region

from . import rules
from .models import (
    AnnualReport,
    Channel,
    Complaint,
    ComplaintStatus,
    Conclusion,
    ListEntry,
    ListKind,
    Organisation,
    OrganisationRequest,
    OrganisationStatus,
    Rating,
    RequestKind,
)

ACCOUNT_ORGANISATION = "东宝区阳光社会工作服务中心"
PLAN_YEAR = 2016


def _clamp(day: dt.date, today: dt.date) -> dt.date:
    return min(day, today)


def _reports(year: int, today: dt.date, rng: random.Random) -> list[AnnualReport]:
    due = list(
        Organisation.objects.filter(
            registered_on__lte=dt.date(year, 12, 31), status__in=["registered", "deregistered"]
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=rules.registry_deadline(year)))
        .exclude(name=ACCOUNT_ORGANISATION)
        .order_by("pk")
    )
    rows = []
    for i, org in enumerate(due):
        roll = (i * 37) % 100  # a fixed spread: 0–86 inspected, 87–91 filed, 92–99 not filed
        if roll >= 92:
            continue
        filed = _clamp(dt.date(year + 1, 2, 1) + dt.timedelta(days=rng.randint(0, 115)), today)
        inspected = roll < 87 and filed < today
        c = rng.random()
        conclusion = (
            Conclusion.QUALIFIED
            if c < 0.85
            else Conclusion.BASIC
            if c < 0.97
            else Conclusion.UNQUALIFIED
        )
        income = rng.randint(5, 300) * 10_000_00
        rows.append(
            AnnualReport(
                organisation=org,
                year=year,
                income_fen=income,
                expenditure_fen=income * rng.randint(70, 105) // 100,
                net_assets_fen=org.capital_fen + rng.randint(-2, 20) * 10_000_00,
                staff=rng.randint(1, 25),
                activities="开展会员服务、公益活动和业务培训。",
                supervisor_on=filed - dt.timedelta(days=20) if org.supervising_unit else None,
                filed_on=filed,
                channel=Channel.ONLINE if rng.random() < 0.8 else Channel.WINDOW,
                conclusion=conclusion if inspected else "",
                remarks=""
                if conclusion == Conclusion.QUALIFIED or not inspected
                else "财务管理不规范，限期整改。",
                inspected_on=_clamp(filed + dt.timedelta(days=rng.randint(15, 90)), today)
                if inspected
                else None,
                inspected_by_name="年检科" if inspected else "",
            )
        )
    return rows


def seed_demo_records(*, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    if AnnualReport.objects.exists() or not Organisation.objects.exists():
        return 0
    rng = random.Random(2017)
    rows = _reports(today.year - 1, today, rng)
    if today.year - 1 > PLAN_YEAR:
        rows += _reports(PLAN_YEAR - 1, dt.date(PLAN_YEAR, 12, 31), rng)
    ratings = []
    eligible = list(
        Organisation.objects.filter(
            status=OrganisationStatus.REGISTERED,
            registered_on__lte=rules.add_years(today, -3),
        ).order_by("pk")[:40]
    )
    for i, org in enumerate(eligible):
        decided = _clamp(
            max(rules.add_years(org.registered_on, 2), today - dt.timedelta(days=365 * 4))
            + dt.timedelta(days=30 + i * 7),
            today,
        )
        score = 480 + (i * 53) % 481
        ratings.append(
            Rating(
                organisation=org,
                applied_on=decided - dt.timedelta(days=60),
                score=score,
                grade=rules.grade_for(score, decided),
                decided_on=decided,
                valid_until=rules.rating_valid_until(decided),
                decided_by_name="评估委员会",
            )
        )
    city = Region.objects.filter(level="city").order_by("code").first()
    dongbao = Region.objects.filter(name="东宝区", level="county").first()
    with transaction.atomic():
        AnnualReport.objects.bulk_create(rows, batch_size=500)
        Rating.objects.bulk_create(ratings)
        _applications(today, city, dongbao)
        _requests_and_lists(today, dongbao)
        _complaints(today, city, dongbao)
    return len(rows)


def _applications(today, city, dongbao):
    if city is None or dongbao is None:
        return
    towns = list(Region.objects.filter(parent=dongbao, level="township").order_by("code")[:2])
    people = list(
        Organisation.objects.filter(legal_representative__isnull=False)
        .values_list("legal_representative_id", flat=True)
        .order_by("pk")[200:202]
    )
    if len(towns) < 1 or len(people) < 2:
        return
    content = "章程（演示）".encode()
    for name, registry, town, person, kind, field, capital in (
        (
            "东宝区同心社区服务中心",
            dongbao,
            towns[0],
            people[0],
            "service_org",
            "community",
            5_000_000,
        ),
        ("荆门市慈航慈善基金会", city, towns[-1], people[1], "foundation", "charity", 300_000_000),
    ):
        applied = today - dt.timedelta(days=6)
        org = Organisation.objects.create(
            name=name,
            kind=kind,
            field=field,
            status=OrganisationStatus.PENDING,
            registry=registry,
            region=town,
            address=f"{town.name}同心路8号",
            legal_representative_id=person,
            capital_fen=capital,
            purpose="为城乡社区居民提供服务，依法开展公益活动。",
            phone="0724-2345678",
            channel=Channel.ONLINE,
            applied_at=timezone.make_aware(dt.datetime.combine(applied, dt.time(10, 0))),
            due_on=rules.registration_due(applied),
            articles_sha256=hashlib.sha256(content).hexdigest(),
            articles_ext=".pdf",
        )
        org.articles.save("articles", ContentFile(content), save=True)


def _requests_and_lists(today, dongbao):
    orgs = list(
        Organisation.objects.filter(status="registered", registry=dongbao)
        .exclude(name=ACCOUNT_ORGANISATION)
        .order_by("pk")[:4]
    )
    if len(orgs) < 4:
        return
    OrganisationRequest.objects.create(
        organisation=orgs[0],
        kind=RequestKind.CHANGE,
        changes={"address": f"{orgs[0].region.name}新华路18号"},
        reason="办公场所搬迁",
        channel=Channel.ONLINE,
        filed_at=timezone.now() - dt.timedelta(days=3),
        due_on=rules.request_due(today - dt.timedelta(days=3)),
    )
    ListEntry.objects.bulk_create(
        ListEntry(
            organisation=o,
            list=ListKind.ABNORMAL,
            entered_on=today - dt.timedelta(days=40 + 10 * i),
            reason="未按规定报送年度工作报告" if i else "通过登记的住所无法联系",
            by_name="登记科",
        )
        for i, o in enumerate(orgs[1:4])
    )


def _complaints(today, city, dongbao):
    if city is None or dongbao is None:
        return
    town = Region.objects.filter(parent=dongbao, level="township").order_by("code").first()
    target = (
        Organisation.objects.filter(status="registered", registry=dongbao).order_by("-pk").first()
    )
    rows = []
    plan = [
        # (received, status, with organisation, registry)
        (dt.date(PLAN_YEAR, 3, 14), ComplaintStatus.CLOSED, True, dongbao),
        (dt.date(PLAN_YEAR, 6, 2), ComplaintStatus.CLOSED, False, dongbao),
        (dt.date(PLAN_YEAR, 9, 19), ComplaintStatus.CLOSED, True, city),
        (dt.date(PLAN_YEAR, 11, 8), ComplaintStatus.CLOSED, False, city),
        (today - dt.timedelta(days=120), ComplaintStatus.CLOSED, True, dongbao),
        (today - dt.timedelta(days=90), ComplaintStatus.CLOSED, False, dongbao),
        (today - dt.timedelta(days=70), ComplaintStatus.INVESTIGATING, True, dongbao),  # overdue
        (today - dt.timedelta(days=20), ComplaintStatus.INVESTIGATING, False, dongbao),
        (today - dt.timedelta(days=5), ComplaintStatus.FILED, True, dongbao),
        (today - dt.timedelta(days=2), ComplaintStatus.FILED, False, city),
    ]
    for n, (received, status, with_org, registry) in enumerate(plan, start=1):
        org = target if with_org and registry == dongbao else None
        due = rules.complaint_due(received)
        closed = status == ComplaintStatus.CLOSED
        rows.append(
            Complaint(
                number=f"SZTS{registry.code[:6]}{received:%Y%m%d}{n:03d}",
                subject="illegal_activity" if org else "unregistered",
                organisation=org,
                subject_name=org.name if org else "“荆楚国学研究会”（未登记）",
                region=org.region if org else (town if registry == dongbao else city),
                registry=registry,
                content="以社会组织名义向居民收取会费、组织培训，疑似违法开展活动。",
                complainant_name="刘建华",
                complainant_phone="13907240000",
                received_on=received,
                due_on=due,
                status=status,
                notes=""
                if status == ComplaintStatus.FILED
                else f"{received:%Y-%m-%d} 登记科：已约谈负责人，调取收费凭证。",
                reply="经调查，已责令停止违规收费并退还费用。" if closed else "",
                closed_on=min(due, received + dt.timedelta(days=25)) if closed else None,
                handled_by_name="登记科" if status != ComplaintStatus.FILED else "",
            )
        )
    Complaint.objects.bulk_create(rows)

"""Demo adoption registrations. In proportion the synthetic city would see a fraction of one a
year (the real city registers a few dozen), so the demo keeps a small register that shows every
step rather than a proportional count: two dozen adoptions registered over the last two years
across the counties, most of this year's checked (one failed, so target 10.2 stands below the
plan's 100 %), and in 东宝区 (the demo `marriage_registrar`) an abandoned infant under the 60-day
notice ending within days and an application waiting for a decision. Deterministic (seed 2016);
a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from minzheng.core import audit
from minzheng.core.models import AuditEvent
from minzheng.people.models import HouseholdMember, Person, Relation
from minzheng.regions.models import Region

from . import rules
from .models import Adoption, QualityCheck, Situation, Status

REGISTERED = 24
DEMO_REGISTRY = "420802"


def _years_ago(today: dt.date, years: int) -> dt.date:
    return today.replace(year=today.year - years, day=28 if today.day == 29 else today.day)


def seed_demo_adoption(*, today: dt.date | None = None) -> dict:
    if Adoption.objects.exists():
        return {}
    today = today or timezone.localdate()
    counties = {
        r.code: r
        for r in Region.objects.filter(level=Region.Level.COUNTY, kind=Region.Kind.STATUTORY)
    }
    if DEMO_REGISTRY not in counties:
        return {}
    rng = random.Random(2016)
    children = list(
        Person.objects.filter(
            death_date__isnull=True, birth_date__gt=_years_ago(today, 10), birth_date__lte=today
        )
        .order_by("id")
        .values_list("id", "hukou_region__code", "birth_date")
    )
    spouses = dict(
        HouseholdMember.objects.filter(
            until__isnull=True, relation=Relation.SPOUSE, person__sex="F"
        ).values_list("household_id", "person_id")
    )
    adopters = list(
        HouseholdMember.objects.filter(
            until__isnull=True,
            relation=Relation.HEAD,
            person__sex="M",
            person__death_date__isnull=True,
            person__birth_date__lte=_years_ago(today, 32),
            person__birth_date__gt=_years_ago(today, 50),
            household_id__in=list(spouses),
        )
        .order_by("household_id")
        .values_list("person_id", "household_id", "person__hukou_region__code")
    )
    if len(children) < REGISTERED + 2 or len(adopters) < REGISTERED + 2:
        return {}
    rng.shuffle(children)
    rng.shuffle(adopters)
    # The two open applications in 东宝区 first, then the registered ones anywhere.
    dongbao_children = [c for c in children if c[1].startswith(DEMO_REGISTRY)]
    dongbao_adopters = [a for a in adopters if a[2].startswith(DEMO_REGISTRY)]
    rows = []
    infant = min(dongbao_children[:20], key=lambda c: (today - c[2]).days)
    published = today - dt.timedelta(days=55)
    rows.append(
        Adoption(
            registry=counties[DEMO_REGISTRY],
            child_id=infant[0],
            adopter_id=dongbao_adopters[0][0],
            adopter_spouse_id=spouses[dongbao_adopters[0][1]],
            situation=Situation.ABANDONED,
            placing_party="荆门市社会福利院",
            applied_on=published - dt.timedelta(days=3),
            status=Status.UNDER_NOTICE,
            notice_published_on=published,
            notice_ends_on=rules.notice_ends(published),
            handled_by_name="婚姻收养登记员",
        )
    )
    waiting = next(c for c in dongbao_children if c[0] != infant[0])
    applied = today - dt.timedelta(days=20)
    rows.append(
        Adoption(
            registry=counties[DEMO_REGISTRY],
            child_id=waiting[0],
            adopter_id=dongbao_adopters[1][0],
            adopter_spouse_id=spouses[dongbao_adopters[1][1]],
            situation=Situation.ORPHAN,
            placing_party="荆门市社会福利院",
            applied_on=applied,
            status=Status.PENDING,
            decision_due_on=rules.decision_due(applied),
            handled_by_name="婚姻收养登记员",
        )
    )
    used_children = {infant[0], waiting[0]}
    used_adopters = {dongbao_adopters[0][0], dongbao_adopters[1][0]}
    pool_children = [c for c in children if c[0] not in used_children]
    pool_adopters = [a for a in adopters if a[0] not in used_adopters]
    seq: dict[tuple[str, int], int] = {}
    registered = []
    for i in range(REGISTERED):
        child, adopter = pool_children[i], pool_adopters[i]
        registry = counties.get(adopter[2][:6]) or counties[DEMO_REGISTRY]
        decided = today - dt.timedelta(days=rng.randint(5, 700))
        applied = decided - dt.timedelta(days=rng.randint(5, 28))
        if applied <= child[2]:
            applied, decided = child[2] + dt.timedelta(days=1), child[2] + dt.timedelta(days=20)
            if decided > today:
                continue
        key = (registry.code, decided.year)
        seq[key] = seq.get(key, 0) + 1
        registered.append(
            Adoption(
                registry=registry,
                child_id=child[0],
                adopter_id=adopter[0],
                adopter_spouse_id=spouses[adopter[1]],
                situation=rng.choice(
                    [Situation.ORPHAN, Situation.PARENTS_UNABLE, Situation.RELATIVE]
                ),
                placing_party="荆门市社会福利院",
                applied_on=applied,
                status=Status.APPROVED,
                decision_due_on=rules.decision_due(applied),
                decided_on=decided,
                decided_by_name="婚姻收养登记员",
                certificate_year=decided.year,
                certificate_seq=seq[key],
                certificate_no=f"SY{registry.code}-{decided.year}-{seq[key]:06d}",
                handled_by_name="婚姻收养登记员",
            )
        )
    with transaction.atomic():
        Adoption.objects.bulk_create(rows + registered)
        checks = []
        failed = False
        for a in Adoption.objects.filter(status=Status.APPROVED).order_by("decided_on", "id"):
            checked = a.decided_on + dt.timedelta(days=10)
            if checked > today or checked.year != today.year and rng.random() < 0.5:
                continue
            fail = not failed and checked.year == today.year
            failed = failed or fail
            checks.append(
                QualityCheck(
                    adoption=a,
                    registry_id=a.registry_id,
                    checked_on=checked,
                    passed=not fail,
                    defect="缺少送养人身份证明" if fail else "",
                    checked_by_name="县级审批员",
                )
            )
        QualityCheck.objects.bulk_create(checks)
        audit.record(
            AuditEvent.Action.IMPORT,
            object_type="adoption.demo",
            object_repr="收养登记演示数据",
            region_code=DEMO_REGISTRY,
            after={"adoptions": len(rows) + len(registered), "checks": len(checks)},
            note="演示数据：收养登记",
        )
    return {"adoptions": len(rows) + len(registered), "checks": len(checks)}

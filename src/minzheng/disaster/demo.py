"""Demo records of disaster relief on the synthetic city, so that the pages and the plan's targets
3.1 and 3.3–3.6 have figures on a new install. Deterministic by record id; set-based writes;
a second run adds nothing.

- The 2016 flood of 东宝区 (1–6 July 2016, Ⅳ level raised to Ⅲ on 2 July, ended 6 July): its
  初报 in time, daily 续报 (the 4 July one late), a 核报 whose figures are the records' totals;
  up to 300 affected households in two townships (龙泉街道 and the next one), their losses and
  needs drawn per household; relief for them: emergency living help for every household
  (200 yuan a person affected, a fifth in kind: quilts and rice), rebuilding grants for
  collapsed (20,000 yuan) and severely damaged (8,000 yuan) homes, winter–spring help (500 yuan)
  for half of the households with damage; all approved on 8–20 July 2016 except the last dozen
  still waiting for the county; the approved paid by hand (cash or goods) in July 2016, except
  every seventh still pending (goods not yet handed over have no payable yet); the public list of 龙泉街道 for 21–27 July 2016.
- One rescue team per county with 8 members of its registry, trained in April 2016 and in March
  of the current year (one member in ten failing).
- Drills: in 2016 three counties meet the standard and one does not; two more in 2017, the rest
  in 2018 (the three-year target).
- Model disaster-reduction communities: 2016 assessments of 12 urban communities, 8 named
  provincial or national; 2 named in the current year."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from minzheng.core import audit
from minzheng.core.models import AuditEvent
from minzheng.people.models import Household, Person
from minzheng.regions.models import Region

from . import deadlines
from .models import (
    AffectedHousehold,
    DecisionStatus,
    DisasterEvent,
    DisasterReport,
    Drill,
    EventStatus,
    HouseLoss,
    LevelChange,
    ModelCommunityAssessment,
    ModelLevel,
    ModelResult,
    Publicity,
    ReliefDecision,
    ReliefForm,
    ReliefKind,
    RescueTeam,
    TeamMember,
    TrainingResult,
    TrainingSession,
)
from .selectors import PAYABLE_SOURCE, household_totals
from .services import PROGRAMME

FLOOD_NAME = "东宝区2016年7月洪涝灾害"
MAX_HOUSEHOLDS = 300


def _draw(pk: int, salt: int) -> int:
    digest = hashlib.blake2b(f"disaster:{salt}:{pk}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % 100


def _at(day: int, hour: int, minute: int = 0, month: int = 7) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2016, month, day, hour, minute))


@transaction.atomic
def seed_demo_disaster(*, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    counts = {
        "events": 0,
        "households": 0,
        "decisions": 0,
        "teams": 0,
        "drills": 0,
        "assessments": 0,
    }
    dongbao = Region.objects.filter(code="420802").first()
    if dongbao is None:
        return counts
    if not DisasterEvent.objects.filter(name=FLOOD_NAME).exists():
        counts.update(_flood(dongbao))
    if not RescueTeam.objects.exists():
        counts.update(_teams(today))
    if not Drill.objects.exists():
        counts["drills"] = _drills()
    if not ModelCommunityAssessment.objects.exists():
        counts["assessments"] = _communities(today)
    if any(counts.values()):
        audit.record(
            AuditEvent.Action.IMPORT,
            object_type="disaster.demo",
            object_repr="救灾演示数据",
            region_code="420800",
            after=counts,
            note="演示数据：洪涝灾害、受灾户和救助、应急队伍、预案演练、示范社区",
        )
    return counts


def _flood(dongbao: Region) -> dict:
    townships = list(
        Region.objects.filter(parent=dongbao, level=Region.Level.TOWNSHIP)
        .annotate(n=Count("children__households"))
        .filter(n__gt=0)
        .order_by("code")[:2]
    )
    if not townships:
        return {}
    started, ended = _at(1, 3, 20), _at(6, 18)
    event = DisasterEvent.objects.create(
        name=FLOOD_NAME,
        disaster_type="flood",
        county=dongbao,
        started_at=started,
        ended_at=ended,
        response_level="3",
        status=EventStatus.VERIFIED,
        description="持续强降雨引发山洪和内涝，城区低洼地带和沿河村庄受淹。",
    )
    event.areas.set(townships)
    LevelChange.objects.bulk_create(
        [
            LevelChange(event=event, level="4", changed_at=_at(1, 6), note="启动Ⅳ级救灾应急响应"),
            LevelChange(event=event, level="3", changed_at=_at(2, 9), note="雨情加重，提升至Ⅲ级"),
            LevelChange(
                event=event, level="", changed_at=_at(7, 10), note="灾情平稳，终止应急响应"
            ),
        ]
    )
    event.response_level = ""
    event.save(update_fields=["response_level"])

    households = list(
        Household.objects.filter(region__parent__in=townships)
        .order_by("id")
        .values_list("pk", "region_id", "head_id")[:MAX_HOUSEHOLDS]
    )
    sizes = dict(
        Household.objects.filter(pk__in=[h[0] for h in households])
        .annotate(n=Count("memberships"))
        .values_list("pk", "n")
    )
    rows = []
    for pk, region_id, _head in households:
        draw = _draw(pk, 1)
        loss = (
            HouseLoss.COLLAPSED
            if draw < 6
            else HouseLoss.SEVERE
            if draw < 16
            else HouseLoss.GENERAL
            if draw < 45
            else HouseLoss.NONE
        )
        people = max(1, min(sizes.get(pk, 1), 8))
        rows.append(
            AffectedHousehold(
                event=event,
                household_id=pk,
                region_id=region_id,
                affected_people=people,
                evacuated=people if loss in (HouseLoss.COLLAPSED, HouseLoss.SEVERE) else 0,
                house_loss=loss,
                property_loss_fen=(draw * 37 % 50 + 1) * 100_00,
                crop_area_ha=Decimal(_draw(pk, 2) % 40) / Decimal(20),
                need_emergency=True,
                need_transitional=loss in (HouseLoss.COLLAPSED, HouseLoss.SEVERE),
                need_winter_spring=loss != HouseLoss.NONE and _draw(pk, 3) < 50,
                need_rebuild=loss in (HouseLoss.COLLAPSED, HouseLoss.SEVERE),
            )
        )
    AffectedHousehold.objects.bulk_create(rows, batch_size=2000)
    affected = list(
        AffectedHousehold.objects.filter(event=event).values_list(
            "pk", "household_id", "region_id", "affected_people", "house_loss", "need_winter_spring"
        )
    )
    decisions = []
    for pk, _household, region_id, people, loss, winter in affected:
        in_kind = _draw(pk, 4) < 20
        grants = [
            (
                ReliefKind.EMERGENCY,
                ReliefForm.IN_KIND if in_kind else ReliefForm.CASH,
                200_00 * people,
                f"棉被{people}床、大米{people * 10}公斤" if in_kind else "",
            )
        ]
        if loss == HouseLoss.COLLAPSED:
            grants.append((ReliefKind.REBUILD, ReliefForm.CASH, 20_000_00, ""))
        elif loss == HouseLoss.SEVERE:
            grants.append((ReliefKind.REBUILD, ReliefForm.CASH, 8_000_00, ""))
        if winter:
            grants.append((ReliefKind.WINTER_SPRING, ReliefForm.CASH, 500_00, ""))
        for kind, form, amount, items in grants:
            decisions.append(
                ReliefDecision(
                    affected_id=pk,
                    kind=kind,
                    form=form,
                    amount_fen=amount,
                    items=items,
                    region_id=region_id,
                    status=DecisionStatus.APPROVED,
                    decided_on=dt.date(2016, 7, 8 + pk % 13),
                )
            )
    waiting = min(12, len(decisions) // 10)  # the last dozen (of a big enough set) wait
    for decision in decisions[len(decisions) - waiting :]:
        decision.status, decision.decided_on = DecisionStatus.PROPOSED, None
    ReliefDecision.objects.bulk_create(decisions, batch_size=2000)

    from minzheng.payments.models import OneOffPayable

    approved = ReliefDecision.objects.filter(
        affected__event=event, status=DecisionStatus.APPROVED
    ).values_list(
        "pk",
        "kind",
        "form",
        "amount_fen",
        "decided_on",
        "region_id",
        "affected__household_id",
        "affected__household__head_id",
    )
    labels = dict(ReliefKind.choices)
    payables = []
    for pk, kind, form, amount, decided_on, region_id, household_id, head_id in approved:
        pending = pk % 7 == 0
        if pending and form == ReliefForm.IN_KIND:
            continue  # goods not handed over yet: no payable until they are
        payables.append(
            OneOffPayable(
                source_kind=PAYABLE_SOURCE,
                source_id=pk,
                programme=PROGRAMME,
                household_id=household_id,
                person_id=head_id,
                region_id=region_id,
                amount_fen=amount,
                decided_on=decided_on,
                description=f"{FLOOD_NAME} {labels[kind]}",
                status=(
                    OneOffPayable.Status.PENDING
                    if pending
                    else OneOffPayable.Status.IN_KIND
                    if form == ReliefForm.IN_KIND
                    else OneOffPayable.Status.CASH
                ),
                paid_on=None if pending else decided_on + dt.timedelta(days=3),
            )
        )
    OneOffPayable.objects.bulk_create(payables, batch_size=2000, ignore_conflicts=True)
    Publicity.objects.create(
        event=event,
        township=townships[0],
        starts_on=dt.date(2016, 7, 21),
        ends_on=dt.date(2016, 7, 27),
    )

    totals = household_totals(event)
    figures = {
        k: totals[k]
        for k in (
            "affected_people",
            "evacuated",
            "deaths",
            "missing",
            "houses_collapsed",
            "houses_severe",
            "houses_general",
        )
    }
    reports = [("initial", _at(1, 4, 50), {k: v // 3 for k, v in figures.items()})]
    for day in range(2, 7):
        submitted = _at(day + 1, 9) if day == 4 else _at(day, 20)  # the 4 July report came late
        share = Decimal(day) / Decimal(6)
        reports.append(
            (
                "continuing",
                submitted,
                {k: int(v * share) for k, v in figures.items()},
            )
        )
    reports.append(("verified", _at(10, 16), figures))
    DisasterReport.objects.bulk_create(
        [
            DisasterReport(
                event=event,
                kind=kind,
                covers_on=(
                    deadlines.local_date(started)
                    if kind == "initial"
                    else deadlines.local_date(ended)
                    if kind == "verified"
                    else deadlines.local_date(submitted - dt.timedelta(hours=12))
                ),
                due_at=(
                    deadlines.due_at(event, kind)
                    if kind != "continuing"
                    else deadlines.end_of_day(
                        deadlines.local_date(submitted - dt.timedelta(hours=12))
                    )
                ),
                submitted_at=submitted,
                crop_area_ha=Decimal("850.00") * (1 if kind == "verified" else Decimal("0.6")),
                direct_loss_fen=(38_600_000_00 if kind == "verified" else 21_000_000_00),
                note="",
                **values,
            )
            for kind, submitted, values in reports
        ]
    )
    return {"events": 1, "households": len(rows), "decisions": len(decisions)}


def _counties() -> list[Region]:
    return list(
        Region.objects.filter(level=Region.Level.COUNTY, kind=Region.Kind.STATUTORY).order_by(
            "code"
        )
    )


def _teams(today: dt.date) -> dict:
    teams = [RescueTeam(name=f"{c.name}救灾应急队", county=c) for c in _counties()]
    RescueTeam.objects.bulk_create(teams)
    teams = list(RescueTeam.objects.select_related("county"))
    members = []
    for team in teams:
        people = (
            Person.objects.filter(
                hukou_region__path__startswith=team.county.path,
                death_date__isnull=True,
                birth_date__lte=dt.date(1996, 1, 1),
                birth_date__gte=dt.date(1966, 1, 1),
            )
            .order_by("id")
            .values_list("pk", flat=True)[:8]
        )
        members += [
            TeamMember(team=team, person_id=pk, joined_on=dt.date(2016, 1, 1)) for pk in people
        ]
    TeamMember.objects.bulk_create(members)
    sessions = []
    for team in teams:
        sessions.append(
            TrainingSession(
                team=team, held_on=dt.date(2016, 4, 15), subject="防汛抢险和紧急转移安置培训"
            )
        )
        this_march = dt.date(today.year, 3, 20)
        if today.year > 2016 and this_march <= today:
            sessions.append(
                TrainingSession(
                    team=team, held_on=this_march, subject="灾情统计报送和应急救援演练培训"
                )
            )
    TrainingSession.objects.bulk_create(sessions)
    results = []
    by_team: dict[int, list[int]] = {}
    for member_id, team_id in TeamMember.objects.values_list("pk", "team_id"):
        by_team.setdefault(team_id, []).append(member_id)
    for session_id, team_id in TrainingSession.objects.values_list("pk", "team_id"):
        for member_id in by_team.get(team_id, []):
            results.append(
                TrainingResult(
                    session_id=session_id,
                    member_id=member_id,
                    passed=_draw(member_id * 1000 + session_id, 5) >= 10,
                )
            )
    TrainingResult.objects.bulk_create(results, batch_size=2000)
    return {"teams": len(teams)}


def _drills() -> int:
    counties = _counties()
    drills = []
    for index, county in enumerate(counties):
        if index < 3:
            drills.append(
                Drill(
                    county=county,
                    held_on=dt.date(2016, 5, 10 + index),
                    title="防汛救灾应急预案演练",
                    meets_standard=True,
                )
            )
        elif index == 3:
            drills.append(
                Drill(
                    county=county,
                    held_on=dt.date(2016, 6, 2),
                    title="地震应急预案演练",
                    meets_standard=False,
                    note="转移安置环节未按预案执行",
                )
            )
            drills.append(
                Drill(
                    county=county,
                    held_on=dt.date(2017, 5, 12),
                    title="地震应急预案演练",
                    meets_standard=True,
                )
            )
        elif index < 6:
            drills.append(
                Drill(
                    county=county,
                    held_on=dt.date(2017, 5, 12),
                    title="防汛救灾应急预案演练",
                    meets_standard=True,
                )
            )
        else:
            drills.append(
                Drill(
                    county=county,
                    held_on=dt.date(2018, 5, 12),
                    title="综合救灾应急预案演练",
                    meets_standard=True,
                )
            )
    Drill.objects.bulk_create(drills)
    return len(drills)


def _communities(today: dt.date) -> int:
    # Three urban communities of each county (by code), so every county has some.
    communities = []
    for county in _counties():
        communities += list(
            Region.objects.filter(
                level=Region.Level.VILLAGE, urban_rural="urban", path__startswith=county.path
            ).order_by("code")[:3]
        )
    rows = []
    for index, community in enumerate(communities[:12]):
        level = (
            ModelLevel.NATIONAL
            if index < 2
            else ModelLevel.PROVINCIAL
            if index < 10
            else ModelLevel.CITY
        )
        named = index not in (3, 7)
        rows.append(
            ModelCommunityAssessment(
                community=community,
                year=2016,
                level=level,
                result=ModelResult.NAMED if named else ModelResult.NOT_NAMED,
                assessed_on=dt.date(2016, 11, 20),
            )
        )
    if today.year > 2016 and today >= dt.date(today.year, 1, 15):
        for community in communities[12:14]:
            rows.append(
                ModelCommunityAssessment(
                    community=community,
                    year=today.year,
                    level=ModelLevel.PROVINCIAL,
                    result=ModelResult.NAMED,
                    assessed_on=dt.date(today.year, 1, 15),
                )
            )
    ModelCommunityAssessment.objects.bulk_create(rows)
    return len(rows)

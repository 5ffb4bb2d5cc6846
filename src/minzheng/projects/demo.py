"""Demo key projects: the plan's Jingshan civil-affairs public service centre (22.47 million yuan,
54.07 mu, started at the beginning of this year, due at its end) with a progress report for every
past month of the year, the investment completed close to but not yet at the budget and the fit-out
milestone overdue; 京山县儿童福利院 (also under construction, one milestone overdue), 胡集镇福利院
in 钟祥市 (the plan's 养医结合 pilot, completed and accepted) and the city welfare centre's care
building (planned). Idempotent: a project whose code exists is left as it is."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minzheng.core import audit
from minzheng.regions.models import Region
from minzheng.units.models import Unit

from .models import JINGSHAN_CENTRE, Milestone, ProgressReport, Project, ProjectStatus

WAN = 1_000_000  # fen in 1 万元

# code, name, region, unit code, budget 万元, mu, start (month, day), planned (month, day),
# status, milestones [(title, due (m, d), done (m, d) or None)],
# cumulative investment (万元) and progress (%) of each month from the start.
PROJECTS = [
    (
        JINGSHAN_CENTRE,
        "京山县民政公共服务中心",
        "420821",
        None,
        2247,
        "54.07",
        (1, 8),
        (12, 31),
        ProjectStatus.CONSTRUCTION,
        [
            ("场地平整及围挡", (2, 29), (2, 26)),
            ("主体结构开工", (3, 31), (3, 18)),
            ("主体结构封顶", (7, 31), (8, 12)),
            ("外墙装饰完成", (10, 15), (10, 20)),
            ("室内装修及设备安装", (11, 30), None),
            ("竣工验收", (12, 31), None),
        ],
        [
            (95, 3),
            (210, 8),
            (430, 17),
            (640, 27),
            (850, 38),
            (1060, 49),
            (1290, 60),
            (1480, 70),
            (1650, 78),
            (1830, 85),
            (1985, 91),
            (2140, 96),
        ],
    ),
    (
        "jingshan-children-home",
        "京山县儿童福利院",
        "420821",
        None,
        1180,
        "12.50",
        (3, 1),
        (12, 31),
        ProjectStatus.CONSTRUCTION,
        [
            ("施工图审查", (3, 31), (3, 28)),
            ("主体结构封顶", (9, 30), None),
            ("竣工验收", (12, 31), None),
        ],
        [(60, 5), (150, 12), (260, 20), (380, 29), (470, 36), (560, 43), (640, 50), (700, 55)],
    ),
    (
        "hujizhen-welfare-home",
        "胡集镇福利院",
        "420881",
        None,
        860,
        "9.80",
        (1, 4),
        (9, 30),
        ProjectStatus.ACCEPTED,
        [
            ("主体结构封顶", (5, 31), (5, 20)),
            ("竣工验收", (9, 30), (9, 26)),
        ],
        [
            (120, 12),
            (260, 28),
            (400, 44),
            (530, 60),
            (640, 74),
            (730, 86),
            (800, 95),
            (845, 99),
            (860, 100),
        ],
    ),
    (
        "welfare-centre-care-building",
        "荆门市社会福利中心护理楼",
        "420800",
        "welfare-centre",
        3200,
        "18.00",
        (12, 20),
        (12, 31),
        ProjectStatus.PLANNED,
        [("立项批复", (12, 31), None)],
        [],
    ),
]


def _day(year: int, month_day: tuple[int, int]) -> dt.date:
    month, day = month_day
    return dt.date(year, month, min(day, 28) if month == 2 and day > 28 else day)


@transaction.atomic
def seed_demo_projects(today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    year = today.year
    regions = {r.code: r for r in Region.objects.filter(code__in={p[2] for p in PROJECTS})}
    units = {u.code: u for u in Unit.objects.all()}
    existing = set(Project.objects.values_list("code", flat=True))
    created = 0
    for (
        code,
        name,
        region_code,
        unit_code,
        budget,
        mu,
        start,
        planned,
        status,
        milestones,
        months,
    ) in PROJECTS:
        if code in existing or region_code not in regions:
            continue
        start_on, planned_on = _day(year, start), _day(year, planned)
        # Only months already over are reported (the report of a month comes after it).
        periods = [
            dt.date(year, start_on.month + i, 1)
            for i in range(len(months))
            if start_on.month + i < today.month
        ]
        done_months = months[: len(periods)]
        final = status in (ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED)
        completed_on = _day(year, milestones[-1][2]) if final and milestones[-1][2] else None
        if final and (completed_on is None or completed_on > today):
            status, completed_on = ProjectStatus.CONSTRUCTION, None
        if status != ProjectStatus.PLANNED and not periods:
            status = ProjectStatus.PLANNED
        project = Project.objects.create(
            code=code,
            name=name,
            region=regions[region_code],
            unit=units.get(unit_code) if unit_code else None,
            budget_fen=budget * WAN,
            site_area_mu=Decimal(mu),
            start_on=start_on,
            planned_completion_on=planned_on,
            completed_on=completed_on,
            accepted_on=completed_on + dt.timedelta(days=20)
            if status == ProjectStatus.ACCEPTED and completed_on + dt.timedelta(days=20) <= today
            else None,
            status=status,
        )
        if project.status == ProjectStatus.ACCEPTED and project.accepted_on is None:
            project.status = ProjectStatus.COMPLETED
            project.save(update_fields=["status"])
        Milestone.objects.bulk_create(
            [
                Milestone(
                    project=project,
                    title=title,
                    due_on=_day(year, due),
                    done_on=_day(year, done) if done and _day(year, done) <= today else None,
                )
                for title, due, done in milestones
            ]
        )
        ProgressReport.objects.bulk_create(
            [
                ProgressReport(
                    project=project,
                    period=period,
                    investment_fen=wan * WAN,
                    progress_pct=Decimal(pct),
                    narrative=f"{period.month}月：累计完成投资{wan}万元，形象进度{pct}%。",
                )
                for period, (wan, pct) in zip(periods, done_months, strict=True)
            ]
        )
        audit.record_created(project, note="演示数据")
        created += 1
    return {"projects": created}

"""The plan's targets 0.3 and 0.4, computed from the records of the Jingshan civil-affairs public
service centre (the project whose code is `jingshan-centre`). On a date d:

0.3 jingshan_centre_investment (万元): the cumulative investment completed of the newest progress
    report whose month began on or before d (a month's report speaks for its month); fen ÷
    1,000,000; counted in the project's region (京山县) and rolled up the tree. No report yet: 0.
0.4 jingshan_centre_completed: 1 when the project was completed (竣工) on or before d — status
    completed or accepted with a completion date ≤ d — else 0; in the project's region only (a
    milestone is done or not; the city holds no such target).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from minzheng.targets.indicators import computes, rollup_sum

from .models import JINGSHAN_CENTRE, ProgressReport, Project, ProjectStatus

FEN_PER_WAN = Decimal(1_000_000)


@computes("jingshan_centre_investment")
def jingshan_centre_investment(regions, on_date: dt.date):
    report = (
        ProgressReport.objects.filter(project__code=JINGSHAN_CENTRE, period__lte=on_date)
        .order_by("-period")
        .values("project__region_id", "investment_fen")
        .first()
    )
    counts = (
        {report["project__region_id"]: Decimal(report["investment_fen"]) / FEN_PER_WAN}
        if report
        else {}
    )
    return rollup_sum(counts, regions)


@computes("jingshan_centre_completed")
def jingshan_centre_completed(regions, on_date: dt.date):
    project = (
        Project.objects.filter(code=JINGSHAN_CENTRE)
        .values("region_id", "status", "completed_on")
        .first()
    )
    if project is None:
        return {}
    done = (
        project["status"] in (ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED)
        and project["completed_on"] is not None
        and project["completed_on"] <= on_date
    )
    return {r.code: Decimal(1 if done else 0) for r in regions if r.pk == project["region_id"]}

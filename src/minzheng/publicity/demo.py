"""Demo publicity: a year of submissions from the counties and the bureau's units, counted or
rejected by the bureau office, the current month's still waiting for review. Each county and
unit files at its own pace, so some meet the monthly quota (20 and 10 items) and some do not:
钟祥市 and 东宝区 file well above 20 a month, 沙洋县 falls short; the office and the welfare
centre file 11–14, the funeral home, the lottery centre and the place-names section (区划地名科)
about 6. Idempotent: nothing is added
once any submission exists."""

from __future__ import annotations

import calendar
import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.core import audit
from minzheng.units.models import Unit

from .models import Kind, Status, Submission
from .selectors import counties, reporting_units

# information items a month (low, high) by county code and unit code; others get the default
COUNTY_PACE = {"420802": (21, 26), "420881": (22, 28), "420822": (12, 18), "420804": (18, 24)}
COUNTY_DEFAULT = (19, 24)
UNIT_PACE = {
    "office": (12, 15),
    "welfare-centre": (11, 14),
    "funeral-home": (4, 8),
    "lottery-centre": (5, 8),
    "assistance": (10, 13),
    "placenames": (4, 8),
}
UNIT_DEFAULT = (8, 13)
OUTLETS = {
    Kind.INFO: "荆门民政网",
    Kind.PROVINCIAL: "《湖北民政》",
    Kind.SPECIAL_PAGE: "《荆门日报》",
    Kind.TV: "荆门电视台",
    Kind.PRESS: "《中国社会报》",
    Kind.RESEARCH: "《荆门民政调研》",
    Kind.CAMPAIGN: "",
}
TOPICS = [
    "低保提标",
    "居家养老",
    "救灾物资储备",
    "慈善一日捐",
    "社区建设",
    "殡葬改革",
    "优抚安置",
    "地名普查",
]
# (kind, items a month for the whole city, adopted)
OTHER_KINDS = [
    (Kind.PROVINCIAL, 8, False),
    (Kind.SPECIAL_PAGE, 2, False),
    (Kind.TV, 8, True),
    (Kind.PRESS, 2, True),
    (Kind.RESEARCH, 2, False),
]


@transaction.atomic
def seed_demo_publicity(today: dt.date | None = None, seed: int = 25) -> dict:
    if Submission.objects.exists():
        return {"submissions": 0}
    today = today or timezone.localdate()
    rng = random.Random(seed)
    office = User.objects.filter(username="bureau_office").first()
    filers = {u.region_id: u for u in User.objects.filter(role="county_approver")}
    unit_filers = {u.unit_id: u for u in User.objects.filter(unit__isnull=False)}
    office_unit = Unit.objects.filter(code="office").first()
    rows: list[Submission] = []

    def add(title, kind, region, unit, day, *, adopted=False, by=None):
        waiting = day.year == today.year and day.month == today.month
        rejected = not waiting and rng.random() < 0.04
        rows.append(
            Submission(
                title=title,
                kind=kind,
                region=region,
                unit=unit,
                submitted_on=day,
                outlet=OUTLETS[kind],
                adopted=adopted,
                adopted_on=min(day + dt.timedelta(days=rng.randint(1, 6)), today)
                if adopted
                else None,
                link=f"https://mzj.jingmen.example/xx/{day:%Y%m}/{len(rows) + 1}.html",
                status=Status.SUBMITTED
                if waiting
                else (Status.REJECTED if rejected else Status.COUNTED),
                reject_reason="内容重复" if rejected else "",
                submitted_by=by,
                reviewed_by=None if waiting else office,
            )
        )

    def days(year, month, n):
        last = calendar.monthrange(year, month)[1]
        if year == today.year and month == today.month:
            last = max(1, today.day - 1)
        return sorted(dt.date(year, month, rng.randint(1, last)) for _ in range(n))

    county_list = counties()
    units = reporting_units()
    city = units[0].region if units else None
    for month in range(1, today.month + 1):
        for county in county_list:
            low, high = COUNTY_PACE.get(county.code, COUNTY_DEFAULT)
            for i, day in enumerate(days(today.year, month, rng.randint(low, high))):
                topic = TOPICS[(i + month) % len(TOPICS)]
                add(
                    f"{county.name}{topic}工作动态（{month}月第{i + 1}期）",
                    Kind.INFO,
                    county,
                    None,
                    day,
                    by=filers.get(county.pk),
                )
        for unit in units:
            low, high = UNIT_PACE.get(unit.code, UNIT_DEFAULT)
            for i, day in enumerate(days(today.year, month, rng.randint(low, high))):
                add(
                    f"{unit.name}工作信息（{month}月第{i + 1}期）",
                    Kind.INFO,
                    unit.region,
                    unit,
                    day,
                    by=unit_filers.get(unit.pk),
                )
        for kind, per_month, adopted in OTHER_KINDS:
            for i, day in enumerate(days(today.year, month, per_month)):
                source = county_list[(i + month) % len(county_list)] if county_list else city
                add(
                    f"{source.name}{TOPICS[i % len(TOPICS)]}稿件（{month}月）",
                    kind,
                    source,
                    None,
                    day,
                    adopted=adopted,
                    by=filers.get(source.pk),
                )
        if month in (5, 11) and office_unit is not None and month < today.month:
            add(
                f"全市民政工作集中采访宣传活动（{month}月）",
                Kind.CAMPAIGN,
                office_unit.region,
                office_unit,
                dt.date(today.year, month, 15),
                by=office,
            )
    Submission.objects.bulk_create(rows, batch_size=1000)
    audit.record(
        "import",
        object_type="publicity.submission",
        object_id="demo",
        object_repr="演示宣传信息",
        after={"submissions": len(rows)},
        note="演示数据",
    )
    return {"submissions": len(rows)}

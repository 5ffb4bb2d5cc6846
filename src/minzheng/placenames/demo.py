"""Demo census database on the synthetic city's real region tree (seed 2016; set-based; a second
run adds nothing):

- Records of the eleven classes built from the region names and common generic words: the city's
  counties and townships (行政区域), every village and community (群众自治组织), natural villages
  of the rural villages (居民点), roads and bridges, rivers, hills, reservoirs, parks, buildings,
  schools and health centres of each township — about 4,500 records, coordinates inside each
  county's approximate extent around a centre drawn for each township.
- Most are approved or published; 东宝区 has a queue for `placename_officer` (entered, some with
  a spelling that breaks the rules, returned with a note, checked and waiting for approval) and
  the city section has approved records to publish.
- Self-checks: 掇刀、钟祥、京山 passed this year, 东宝 must rectify, 沙洋 has none yet; joint
  inspections of the six county boundaries last year, four of them this year.
So 8.2 stands far below the plan's 30,000 (the census is part-way), 8.1 and 8.3 are not met at
the city, nor 8.4.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.core import audit
from minzheng.regions.models import Region

from . import rules
from .models import (
    COUNTY_EXTENTS,
    BoundaryInspection,
    Conclusion,
    PlaceName,
    ReviewStep,
    SelfCheck,
    Status,
    SubClass,
)

SOURCE = "demo"
SURNAMES = list(
    "张王李刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文曾"
)
SETTLEMENT_ENDINGS = ["家湾", "家冲", "家台", "家垸", "家岗", "家畈", "家庄", "家咀"]
WORDS = list("清石白黄沙竹柳桃杨马龙凤虎青金银长团双新东西南北中兴和平安乐丰泉")
# (subclass, endings, per township)
TOWNSHIP_FEATURES = [
    (SubClass.ROAD, ["路", "大道", "街"], 4),
    (SubClass.BRIDGE, ["桥", "大桥"], 1),
    (SubClass.RIVER, ["河", "港"], 1),
    (SubClass.LAKE, ["湖"], 0.3),
    (SubClass.SPRING, ["泉", "溪"], 0.3),
    (SubClass.MOUNTAIN, ["山"], 0.6),
    (SubClass.HILL, ["岭", "岗"], 0.6),
    (SubClass.RESERVOIR, ["水库"], 0.5),
    (SubClass.SLUICE, ["泵站", "干渠"], 0.4),
    (SubClass.POWER, ["变电站"], 0.3),
    (SubClass.PARK, ["公园"], 0.3),
    (SubClass.RELIC, ["寺", "遗址"], 0.2),
    (SubClass.BUILDING, ["广场"], 0.3),
    (SubClass.URBAN_SETTLEMENT, ["小区", "花园"], 0.5),
    (SubClass.FARM, ["农场", "林场"], 0.15),
    (SubClass.SCHOOL, ["中心小学"], 1),
    (SubClass.HOSPITAL, ["卫生院"], 1),
    (SubClass.STATION, ["客运站"], 0.3),
]
NEIGHBOURS = [
    ("420802", "420804"),
    ("420802", "420881"),
    ("420804", "420822"),
    ("420804", "420881"),
    ("420822", "420881"),
    ("420881", "420882"),
]
INSPECTED_THIS_YEAR = 4
SELF_CHECKS = {
    "420804": Conclusion.PASSED,
    "420881": Conclusion.PASSED,
    "420882": Conclusion.PASSED,
    "420802": Conclusion.RECTIFY,
}
OFFICER_COUNTY = "420802"


def _spelling_slip(rng: random.Random, spelling: str) -> str:
    """A spelling that breaks one rule: joined words, a lost apostrophe or lower case."""
    if " " in spelling and rng.random() < 0.6:
        return spelling.replace(" ", "")
    if "'" in spelling:
        return spelling.replace("'", "")
    return spelling.lower() if spelling.lower() != spelling else spelling.upper()


def _short(name: str) -> str:
    for suffix in ("街道", "社区", "镇", "乡", "村", "区", "县", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def seed_demo_placenames(*, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    if PlaceName.objects.filter(source=SOURCE).exists():
        return {"placenames": 0}
    counties = list(
        Region.objects.filter(level=Region.Level.COUNTY, kind=Region.Kind.STATUTORY).order_by(
            "code"
        )
    )
    if not counties:
        return {"placenames": 0}
    rng = random.Random(2016)
    officer = User.objects.filter(username="placename_officer").first()
    townships = list(
        Region.objects.filter(level=Region.Level.TOWNSHIP, kind=Region.Kind.STATUTORY)
        .select_related("parent")
        .order_by("code")
    )
    villages = list(
        Region.objects.filter(level=Region.Level.VILLAGE, kind=Region.Kind.STATUTORY).order_by(
            "code"
        )
    )
    county_by_code = {c.code: c for c in counties}
    # 京山 under either code (420821 in 2016, 420882 since).
    for old, new in (("420821", "420882"), ("420882", "420821")):
        if old in county_by_code and new not in county_by_code:
            county_by_code[new] = county_by_code[old]
    centre: dict[int, tuple[float, float]] = {}
    for c in counties:
        box = COUNTY_EXTENTS.get(c.code, (112.0, 30.8, 112.5, 31.2))
        centre[c.pk] = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    for t in townships:
        box = COUNTY_EXTENTS.get(t.parent.code, (112.0, 30.8, 112.5, 31.2))
        centre[t.pk] = (
            rng.uniform(box[0] + 0.04, box[2] - 0.04),
            rng.uniform(box[1] + 0.03, box[3] - 0.03),
        )
    township_by_id = {t.pk: t for t in townships}

    specs: list[tuple[Region, Region, str, str, float, float]] = []  # region, county, sub, name

    def add(region, county, subclass, name, near, spread=0.03):
        lon, lat = centre[near.pk]
        box = COUNTY_EXTENTS.get(county.code)
        x, y = lon + rng.uniform(-spread, spread), lat + rng.uniform(-spread, spread)
        if box:
            x, y = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
        specs.append((region, county, subclass, name, x, y))

    for c in counties:
        add(c, c, SubClass.COUNTY, c.name, c, 0.01)
    for t in townships:
        add(t, t.parent, SubClass.TOWNSHIP, t.name, t, 0.005)
    for v in villages:
        t = township_by_id.get(v.parent_id)
        if t is None:
            continue
        rural = v.urban_rural == Region.UrbanRural.RURAL or v.name.endswith("村")
        add(v, t.parent, SubClass.VILLAGE_COMMITTEE if rural else SubClass.COMMUNITY, v.name, t)
        if rural:
            for _i in range(rng.choice((1, 1, 2))):
                name = rng.choice(SURNAMES) + rng.choice(SETTLEMENT_ENDINGS)
                add(v, t.parent, SubClass.RURAL_SETTLEMENT, name, t)
    for t in townships:
        stem = _short(t.name)
        for subclass, endings, per in TOWNSHIP_FEATURES:
            count = int(per) + (1 if rng.random() < per - int(per) else 0)
            for i in range(count):
                if subclass == SubClass.SCHOOL or subclass == SubClass.HOSPITAL:
                    name = stem + endings[0]
                elif subclass == SubClass.ROAD and i == 0:
                    name = stem + "大道"
                elif subclass == SubClass.ROAD and i == 1:
                    name = stem + "东路"
                else:
                    name = stem[:1] + rng.choice(WORDS) + rng.choice(endings)
                add(t, t.parent, subclass, name, t)

    rng.shuffle(specs)  # the review stages fall on every class, not the first ones listed
    seen: set[tuple] = set()
    rows: list[PlaceName] = []
    plans: list[tuple[str, int]] = []  # the final stage, and how many returns on the way
    officer_county = county_by_code.get(OFFICER_COUNTY)
    queue_left = {"entered": 24, "slip": 8, "returned": 4, "checked": 10}
    for region, county, subclass, name, lon, lat in specs:
        key = (region.pk, subclass[:2], name)
        if key in seen:
            continue
        seen.add(key)
        result = rules.romanise(name, subclass)
        spelling = result.spelling
        status, returns = Status.PUBLISHED, 0
        draw = rng.random()
        in_officer_county = officer_county is not None and county.pk == officer_county.pk
        if in_officer_county and draw < 0.05 and queue_left["slip"]:
            queue_left["slip"] -= 1
            status, spelling = Status.ENTERED, _spelling_slip(rng, spelling)
        elif in_officer_county and draw < 0.1 and queue_left["entered"]:
            queue_left["entered"] -= 1
            status = Status.ENTERED
        elif in_officer_county and draw < 0.12 and queue_left["returned"]:
            queue_left["returned"] -= 1
            status, returns = Status.RETURNED, 1
        elif in_officer_county and draw < 0.15 and queue_left["checked"]:
            queue_left["checked"] -= 1
            status = Status.CHECKED
        elif draw < 0.08:
            status = Status.ENTERED
        elif draw < 0.12:
            status = Status.CHECKED
        elif draw < 0.30:
            status = Status.APPROVED
        registered = today - dt.timedelta(days=rng.randint(40, 700))
        approved = (
            min(today, registered + dt.timedelta(days=rng.randint(5, 30)))
            if status in (Status.APPROVED, Status.PUBLISHED)
            else None
        )
        check = rules.check_spelling(name, spelling, subclass)
        rows.append(
            PlaceName(
                code="",
                region=region,
                county=county,
                standard_name=name,
                short_name=_short(name) if subclass in (SubClass.COUNTY, SubClass.TOWNSHIP) else "",
                romanised=spelling,
                suggested=check.suggested,
                spelling_ok=check.ok,
                pronunciation=check.pronunciation,
                place_class=subclass[:2],
                subclass=subclass,
                meaning=_meaning(name, subclass),
                description="",
                lon=round(lon, 6),
                lat=round(lat, 6),
                registrar=officer if in_officer_county else None,
                registrar_name=f"{county.name}地名普查办公室",
                registered_on=registered,
                status=status,
                returns=returns,
                review_note="拼写和小类请核对后重新提交" if status == Status.RETURNED else "",
                approved_on=approved,
                published_on=(
                    min(today, approved + dt.timedelta(days=14))
                    if status == Status.PUBLISHED
                    else None
                ),
                source=SOURCE,
                search_text=rules.search_key(name, "", "", spelling, check.suggested),
            )
        )
        plans.append((status, returns))
    with transaction.atomic():
        created = PlaceName.objects.bulk_create(rows, batch_size=2000)
        steps = []
        now = timezone.now()
        for row, (status, _returns) in zip(created, plans, strict=True):
            at = dt.datetime.combine(row.registered_on, dt.time(9), tzinfo=now.tzinfo)
            steps.append(_s(row, "enter", "", Status.ENTERED, at, row.registrar_name))
            if status == Status.RETURNED:
                steps.append(
                    _s(
                        row,
                        "return",
                        Status.ENTERED,
                        Status.RETURNED,
                        at + dt.timedelta(days=3),
                        "东宝区地名普查办公室",
                        row.review_note,
                    )
                )
            if status in (Status.CHECKED, Status.APPROVED, Status.PUBLISHED):
                steps.append(
                    _s(
                        row,
                        "check",
                        Status.ENTERED,
                        Status.CHECKED,
                        at + dt.timedelta(days=2),
                        row.registrar_name,
                    )
                )
            if status in (Status.APPROVED, Status.PUBLISHED):
                steps.append(
                    _s(
                        row,
                        "approve",
                        Status.CHECKED,
                        Status.APPROVED,
                        dt.datetime.combine(row.approved_on, dt.time(10), tzinfo=now.tzinfo),
                        f"{row.county.name}民政局",
                    )
                )
            if status == Status.PUBLISHED:
                steps.append(
                    _s(
                        row,
                        "publish",
                        Status.APPROVED,
                        Status.PUBLISHED,
                        dt.datetime.combine(row.published_on, dt.time(10), tzinfo=now.tzinfo),
                        "荆门市民政局区划地名科",
                    )
                )
        ReviewStep.objects.bulk_create(steps, batch_size=5000)
        _checks_and_inspections(counties, county_by_code, today, officer)
        audit.record(
            "import",
            object_type="placenames.placename",
            object_id=SOURCE,
            object_repr="地名普查演示数据",
            after={"records": len(created), "steps": len(steps)},
            note="演示数据",
        )
    return {"placenames": len(created)}


def _s(row, action, from_status, to_status, at, actor, note=""):
    return ReviewStep(
        placename=row,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_name=actor,
        at=at,
        note=note,
    )


def _meaning(name: str, subclass: str) -> str:
    if subclass == SubClass.RURAL_SETTLEMENT and "家" in name:
        return f"以最早定居的{name[0]}姓人家得名。"
    if subclass == SubClass.ROAD:
        return "以所在乡镇（街道）名称命名。"
    return ""


def _checks_and_inspections(counties, county_by_code, today, officer):
    year = today.year
    for code, conclusion in SELF_CHECKS.items():
        county = county_by_code.get(code)
        if county is None:
            continue
        SelfCheck.objects.get_or_create(
            county=county,
            year=year,
            defaults={
                "checked_on": today - dt.timedelta(days=20 + len(code) % 7),
                "records_checked": 200,
                "records_faulty": 3 if conclusion == Conclusion.PASSED else 18,
                "problems": ""
                if conclusion == Conclusion.PASSED
                else "部分自然村罗马字母拼写未分写，坐标缺失12条",
                "conclusion": conclusion,
                "recorded_by": officer if code == OFFICER_COUNTY else None,
            },
        )
    for index, (a, b) in enumerate(NEIGHBOURS):
        ra, rb = county_by_code.get(a), county_by_code.get(b)
        if ra is None or rb is None:
            continue
        name = f"{ra.name}—{rb.name}线"
        years = [year - 1] + ([year] if index < INSPECTED_THIS_YEAR else [])
        for y in years:
            on = min(today, dt.date(y, 5, 10) + dt.timedelta(days=index * 9))
            BoundaryInspection.objects.get_or_create(
                region_a=ra,
                region_b=rb,
                year=y,
                defaults={
                    "boundary_name": name,
                    "inspected_on": on,
                    "participants": f"{ra.name}民政局、{rb.name}民政局及相关乡镇（街道）",
                    "markers_checked": 12 + index * 3,
                    "markers_damaged": 1 if index % 3 == 0 else 0,
                    "problems": "1块界桩被施工损坏，已约定补设" if index % 3 == 0 else "",
                    "conclusion": Conclusion.RECTIFY if index % 3 == 0 else Conclusion.PASSED,
                },
            )

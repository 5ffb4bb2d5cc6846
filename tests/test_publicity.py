"""Publicity submissions: counties and units file, the bureau office counts or rejects; the targets
25.1–25.8 from the counted submissions (figures worked out by hand), the monthly quota table and
its Excel export, the digest's quota shortfalls, the API end to end with the county scope, the
demo idempotent."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from minzheng.accounts.models import Role
from minzheng.core.models import AuditEvent
from minzheng.publicity import digest as publicity_digest
from minzheng.publicity import selectors
from minzheng.publicity.demo import seed_demo_publicity
from minzheng.publicity.models import Kind, Status, Submission
from minzheng.regions.models import Region
from minzheng.targets.indicators import compute_spec
from minzheng.units.models import Unit
from minzheng.units.services import load_default_units
from tests.conftest import make_user

D = dt.date
COUNTIES = ("420802", "420804", "420821", "420822", "420881")


@pytest.fixture
def world(jingmen, users):
    load_default_units()
    city = jingmen["city"]
    units = {u.code: u for u in Unit.objects.all()}
    return {
        **users,
        "units": units,
        "bureau_office": make_user("bureau_office", Role.CITY_SECTION, city, unit=units["office"]),
        "welfare_centre": make_user(
            "welfare_centre", Role.UNIT_STAFF, city, unit=units["welfare-centre"]
        ),
        "zhongxiang_approver": make_user(
            "zhongxiang_approver", Role.COUNTY_APPROVER, jingmen["zhongxiang"]
        ),
    }


def _items(region, n, day, *, unit=None, kind=Kind.INFO, status=Status.COUNTED, adopted_on=None):
    Submission.objects.bulk_create(
        Submission(
            title=f"{region.name}{kind}{day}{i}",
            kind=kind,
            region=region,
            unit=unit,
            submitted_on=day,
            adopted=adopted_on is not None,
            adopted_on=adopted_on,
            link="https://example.org/x",
            status=status,
            reject_reason="重复" if status == Status.REJECTED else "",
        )
        for i in range(n)
    )


@pytest.fixture
def year_2025(world):
    r = {c: Region.objects.get(code=c) for c in ("420800", *COUNTIES)}
    u = world["units"]
    Unit.objects.exclude(code__in=["office", "welfare-centre", "funeral-home"]).update(active=False)
    for code in COUNTIES:
        _items(r[code], 20, D(2025, 1, 10))
    _items(r["420802"], 5, D(2025, 1, 20))  # 东宝 January: 25
    _items(r["420802"], 15, D(2025, 2, 10))  # 东宝 February: 15
    _items(r["420802"], 3, D(2025, 2, 11), status=Status.REJECTED)
    _items(r["420802"], 2, D(2025, 2, 12), status=Status.SUBMITTED)
    _items(r["420881"], 20, D(2025, 2, 20))  # 钟祥 February: 20
    _items(r["420802"], 30, D(2025, 3, 30))  # 东宝 March: 30
    _items(r["420881"], 0, D(2025, 3, 30))
    for code, jan, feb in (("office", 12, 12), ("welfare-centre", 10, 8), ("funeral-home", 6, 0)):
        _items(r["420800"], jan, D(2025, 1, 15), unit=u[code])
        _items(r["420800"], feb, D(2025, 2, 15), unit=u[code])
    _items(r["420800"], 3, D(2025, 2, 16), unit=u["funeral-home"], status=Status.REJECTED)
    _items(r["420802"], 1, D(2025, 1, 5), kind=Kind.PROVINCIAL)
    _items(r["420881"], 1, D(2025, 2, 10), kind=Kind.PROVINCIAL)
    _items(r["420802"], 1, D(2025, 3, 2), kind=Kind.PROVINCIAL)
    _items(r["420802"], 1, D(2025, 3, 3), kind=Kind.PROVINCIAL, status=Status.REJECTED)
    _items(r["420822"], 1, D(2025, 1, 28), kind=Kind.TV, adopted_on=D(2025, 2, 2))
    _items(
        r["420822"],
        1,
        D(2025, 3, 1),
        kind=Kind.TV,
        status=Status.SUBMITTED,
        adopted_on=D(2025, 3, 2),
    )
    _items(r["420881"], 2, D(2025, 4, 8), kind=Kind.PRESS, adopted_on=D(2025, 4, 9))
    _items(r["420804"], 1, D(2025, 5, 6), kind=Kind.SPECIAL_PAGE)
    _items(r["420821"], 1, D(2025, 6, 1), kind=Kind.RESEARCH)
    _items(r["420800"], 1, D(2025, 5, 15), unit=u["office"], kind=Kind.CAMPAIGN)
    return r


def _compute(code, on):
    values = compute_spec(code).func(list(Region.objects.prefetch_related("members")), on)
    return values[code] if code in values else values


@pytest.mark.parametrize(
    "on, dongbao, zhongxiang, shayang, city",
    [
        (D(2025, 1, 30), None, None, None, None),  # no complete month yet: no value
        (D(2025, 1, 31), "25.00", "20.00", "20.00", "20.00"),
        (D(2025, 2, 28), "20.00", "20.00", "10.00", "10.00"),  # (25+15)/2, (20+20)/2, 20/2
        (D(2025, 3, 30), "20.00", "20.00", "10.00", "10.00"),  # March not over: not counted
        (D(2025, 3, 31), "23.33", "13.33", "6.67", "6.67"),  # 70/3, 40/3, 20/3
    ],
)
def test_county_monthly_average_over_complete_months(
    year_2025, on, dongbao, zhongxiang, shayang, city
):
    values = _compute("county_info_items_monthly", on)
    expected = {"420802": dongbao, "420881": zhongxiang, "420822": shayang, "420800": city}
    for code, figure in expected.items():
        assert (str(values[code]) if code in values else None) == figure
    assert "420802001" not in values  # townships hold no such target


@pytest.mark.parametrize(
    "on, lowest",
    [(D(2025, 1, 31), "6.00"), (D(2025, 2, 28), "3.00"), (D(2025, 3, 31), "2.00")],
)
def test_units_lowest_monthly_average_at_the_city(year_2025, on, lowest):
    # office 12,12,0; welfare centre 10,8,0; funeral home 6,0,0 (rejected ones do not count)
    assert _compute("section_info_items_monthly", on) == {"420800": Decimal(lowest)}


@pytest.mark.parametrize(
    "code, on, city, region, at_region",
    [
        ("provincial_submissions", D(2025, 2, 28), 2, "420802", 1),
        ("provincial_submissions", D(2025, 12, 31), 3, "420802", 2),  # the rejected one not
        ("tv_stories", D(2025, 1, 31), 0, "420822", 0),  # submitted in January, adopted 2 Feb
        ("tv_stories", D(2025, 2, 2), 1, "420822", 1),
        ("tv_stories", D(2025, 12, 31), 1, "420822", 1),  # the one waiting for review not
        ("national_provincial_press", D(2025, 4, 9), 2, "420881", 2),
        ("special_pages", D(2025, 5, 6), 1, "420804", 1),
        ("research_articles", D(2025, 5, 31), 0, "420821", 0),
        ("publicity_campaigns", D(2025, 6, 30), 1, "420802", 0),
        ("publicity_campaigns", D(2026, 6, 30), 0, "420800", 0),  # a new year starts from zero
    ],
)
def test_counts_of_the_year(year_2025, code, on, city, region, at_region):
    values = _compute(code, on)
    assert values["420800"] == city and values[region] == at_region


def test_quota_table_and_excel(year_2025, world, client):
    counties, units = selectors.quota_table(world["leader"], 2025, D(2025, 2, 28))
    dongbao = next(r for r in counties if r.key == "420802")
    assert dongbao.months[:3] == [25, 15, 30] and dongbao.elapsed == 2
    assert (dongbao.average, dongbao.met, dongbao.month_met(1)) == (Decimal("20.00"), True, False)
    assert {r.key: r.met for r in units} == {
        "office": True,
        "welfare-centre": False,
        "funeral-home": False,
    }
    own, none = selectors.quota_table(world["dongbao_approver"], 2025, D(2025, 2, 28))
    assert [r.key for r in own] == ["420802"] and none == []
    client.force_login(world["leader"])
    page = client.get("/publicity/quotas/?year=2025")
    assert page.status_code == 200 and 'data-testid="avg-420802"' in page.content.decode()
    xlsx = client.get("/publicity/quotas.xlsx?year=2025")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    dongbao_row = next(r for r in rows if r[0] == "东宝区")
    assert dongbao_row[1:5] == (20, 25, 15, 30)


def test_digest_quota_shortfalls_of_the_last_complete_month(year_2025, world):
    items = publicity_digest.quota_shortfalls(world["leader"], D(2025, 3, 3), D(2025, 3, 9))
    texts = [i.text for i in items]
    assert "东宝区 2025年2月计数信息 15 条，少于每月 20 条" in texts
    assert not any(t.startswith("钟祥市") for t in texts)
    assert "荆门市殡仪馆 2025年2月计数信息 0 条，少于每月 10 条" in texts
    assert not any(t.startswith("办公室") for t in texts)
    assert len(items) == 4 + 2  # 东宝, 掇刀, 京山, 沙洋; welfare centre, funeral home
    county = publicity_digest.quota_shortfalls(
        world["zhongxiang_approver"], D(2025, 3, 3), D(2025, 3, 9)
    )
    assert county == []  # 钟祥 filed 20 in February; the units are not its business


def test_api_file_review_and_scope(world, api_client):
    api = api_client.login("dongbao_approver")
    payload = {
        "title": "东宝区低保提标",
        "kind": "info",
        "submitted_on": "2025-03-02",
        "outlet": "荆门民政网",
        "link": "https://example.org/a",
    }
    r = api.post("/api/v1/publicity/submissions", payload)
    assert r.status_code == 201, r.content
    item = r.json()
    assert (item["region_code"], item["unit_code"], item["status"]) == ("420802", "", "submitted")
    sid = item["id"]
    bad = api.post("/api/v1/publicity/submissions", payload | {"link": "ftp://x", "kind": "tv"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"link", "adopted"}
    assert (
        api.post(f"/api/v1/publicity/submissions/{sid}/review", {"count": True}).status_code == 403
    )
    other = api_client.login("zhongxiang_approver")
    assert other.get(f"/api/v1/publicity/submissions/{sid}").status_code == 404
    assert other.get("/api/v1/publicity/submissions").json()["count"] == 0
    office = api_client.login("bureau_office")
    r = office.post(f"/api/v1/publicity/submissions/{sid}/review", {"count": False}, lang="en")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = office.post(f"/api/v1/publicity/submissions/{sid}/review", {"count": True})
    assert r.status_code == 200 and r.json()["status"] == "counted"
    assert (
        office.post(f"/api/v1/publicity/submissions/{sid}/review", {"count": True}).status_code
        == 409
    )
    unit = api_client.login("welfare_centre")
    r = unit.post("/api/v1/publicity/submissions", payload | {"kind": "campaign"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    r = unit.post("/api/v1/publicity/submissions", payload | {"title": "福利中心重阳活动"})
    assert r.status_code == 201 and r.json()["unit_code"] == "welfare-centre"
    assert [s["title"] for s in unit.get("/api/v1/publicity/submissions").json()["items"]] == [
        "福利中心重阳活动"
    ]
    assert unit.get(f"/api/v1/publicity/submissions/{sid}").status_code == 404
    quotas = api_client.login("leader").get("/api/v1/publicity/quotas", year=2025).json()
    assert next(r for r in quotas["counties"] if r["code"] == "420802")["months"][2] == 1
    assert (
        AuditEvent.objects.filter(object_type="publicity.submission", object_id=str(sid)).count()
        == 2
    )


def test_form_field_errors_and_attachment(world, client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(world["dongbao_approver"])
    r = client.post("/publicity/new/", {"title": "", "kind": "info", "submitted_on": "2099-01-01"})
    assert r.status_code == 422
    assert set(r.context["form"].errors) == {"title"}
    r = client.post("/publicity/new/", {"title": "a", "kind": "info", "submitted_on": "2099-01-01"})
    assert set(r.context["form"].errors) == {"submitted_on", "link"}
    r = client.post(
        "/publicity/new/",
        {
            "title": "社区建设",
            "kind": "info",
            "submitted_on": "2025-03-01",
            "attachment": SimpleUploadedFile("稿件.txt", "正文".encode()),
        },
    )
    assert r.status_code == 302
    item = Submission.objects.get(title="社区建设")
    assert client.get(f"/publicity/{item.pk}/attachment/").getvalue() == "正文".encode()
    client.force_login(world["zhongxiang_approver"])
    assert client.get(f"/publicity/{item.pk}/").status_code == 404


def test_demo_publicity_idempotent(world):
    today = D(2026, 12, 7)
    first = seed_demo_publicity(today=today)["submissions"]
    assert first > 2000
    assert seed_demo_publicity(today=today) == {"submissions": 0}
    counties, units = selectors.quota_table(world["leader"], 2026, today)
    met = {r.key: r.met for r in [*counties, *units]}
    assert met["420881"] is True and met["420822"] is False
    assert met["office"] is True and met["funeral-home"] is False
    assert Submission.objects.filter(status=Status.SUBMITTED, submitted_on__month=12).exists()
    assert not Submission.objects.filter(
        status=Status.SUBMITTED, submitted_on__month__lt=12
    ).exists()

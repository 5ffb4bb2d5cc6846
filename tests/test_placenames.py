"""Place-name census: the romanisation rules on cases worked by hand, the review steps and who may
take them, scope (another county reads 404), import with bad rows and without duplicates on a
second run, GeoJSON, search, the API end to end, inspections and self-checks, and targets
8.1–8.4 on records whose figures are worked out below."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.core import jobs
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent, Job
from minzheng.core.roles import Role
from minzheng.placenames import exchange, indicators, rules, selectors, services
from minzheng.placenames.models import (
    BoundaryInspection,
    Conclusion,
    PlaceName,
    ReviewStep,
    SelfCheck,
    Status,
)
from minzheng.regions.models import Region
from tests.conftest import make_user

# ---------------------------------------------------------------- the rules, by hand


@pytest.mark.parametrize(
    "name, subclass, spelling, pronunciation",
    [
        # rule 5: apostrophe before a, o, e inside a word
        ("西安", "", "Xi'an", "Xī'ān"),
        ("天峨", "", "Tian'e", "Tiān'é"),
        ("东阿", "", "Dong'e", "Dōng'ē"),
        # rule 1: specific and generic apart, each capitalised
        ("龙泉街道", "2102", "Longquan Jiedao", "Lóngquán Jiēdào"),
        ("象山大道", "2501", "Xiangshan Dadao", "Xiàngshān Dàdào"),
        ("京山市", "2101", "Jingshan Shi", "Jīngshān Shì"),
        ("漳河", "1101", "Zhang He", "Zhāng Hé"),
        ("屈家岭管理区", "2201", "Qujialing Guanliqu", "Qūjiālǐng Guǎnlǐqū"),
        ("白庙社区居民委员会", "2301", "Baimiao Shequ Jumin Weiyuanhui", None),
        ("东宝工业园区", "2201", "Dongbao Gongye Yuanqu", None),
        # rule 2: a one-syllable modifier joins a street generic when two syllables remain
        ("象山东路", "2501", "Xiangshan Donglu", None),
        ("河东路", "2501", "Hedong Lu", None),
        # rule 3: natural villages are one word
        ("张家湾", "2402", "Zhangjiawan", "Zhāngjiāwān"),
        ("张家湾村", "2302", "Zhangjiawan Cun", None),
        # rule 4: numbers in pinyin, street ordinals and codes in digits
        ("五指山", "1201", "Wuzhi Shan", None),
        ("五一路", "2501", "Wuyi Lu", None),
        ("十二里村", "2302", "Shi'erli Cun", None),
        ("经五路", "2501", "Jing 5 Lu", None),
        ("二马路", "2501", "2 Malu", None),
        ("象山一路", "2501", "Xiangshan 1 Lu", None),
        ("纬十二路", "2501", "Wei 12 Lu", None),
        ("G207国道", "2501", "G207 Guodao", None),
        # polyphones: the place-name readings
        ("六安", "", "Lu'an", "Lù'ān"),
        ("长滩镇", "2102", "Changtan Zhen", "Chángtān Zhèn"),
        ("曾家冲", "2402", "Zengjiachong", None),
        ("朝阳社区", "2301", "Chaoyang Shequ", None),
        # rule 6: ü kept
        ("吕家湾", "2402", "Lüjiawan", "Lǚjiāwān"),
    ],
)
def test_romanise(name, subclass, spelling, pronunciation):
    result = rules.romanise(name, subclass)
    assert result.spelling == spelling
    if pronunciation:
        assert result.pronunciation == pronunciation


@pytest.mark.parametrize(
    "text, value",
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("九十九", 99),
        ("五一", None),
        ("零", None),
    ],
)
def test_numeral_value(text, value):
    assert rules.numeral_value(text) == value


@pytest.mark.parametrize(
    "name, entered, ok, problem",
    [
        ("龙泉街道", "Longquan Jiedao", True, None),
        ("龙泉街道", "", True, None),
        ("龙泉街道", "LongquanJiedao", False, "专名与通名应分写"),
        ("西安", "Xian", False, "隔音符号"),
        ("西安", "xi'an", False, "首字母大写"),
        ("龙泉街道", "Longquan jiedao", False, "首字母大写"),
        ("龙泉街道", "Longchuan Jiedao", False, "标准读音不一致"),
    ],
)
def test_check_spelling(name, entered, ok, problem):
    check = rules.check_spelling(name, entered)
    assert check.ok is ok
    assert check.suggested == rules.romanise(name).spelling
    if problem:
        assert any(problem in p for p in check.problems), check.problems


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def pn(jingmen, users):
    dongbao, zhongxiang = jingmen["dongbao"], jingmen["zhongxiang"]
    return {
        **jingmen,
        **users,
        "officer": make_user("pn_dongbao", Role.PLACENAME_OFFICER, dongbao),
        "township_officer": make_user("pn_longquan", Role.PLACENAME_OFFICER, jingmen["longquan"]),
        "zx_officer": make_user("pn_zhongxiang", Role.PLACENAME_OFFICER, zhongxiang),
    }


def _enter(user, region, name="龙泉大道", subclass="2501", place_class=None, **extra):
    fields = {
        "standard_name": name,
        "place_class": place_class or subclass[:2],
        "subclass": subclass,
        "lon": Decimal("112.2"),
        "lat": Decimal("31.03"),
        **extra,
    }
    return services.create_placename(user=user, region=region, **fields)


# ---------------------------------------------------------------- review


def test_entry_fills_the_spelling_and_flags_a_mismatch(pn):
    row = _enter(pn["officer"], pn["longquan"], aliases="龙泉路")
    assert (row.romanised, row.spelling_ok, row.county_id) == (
        "Longquan Dadao",
        True,
        pn["dongbao"].pk,
    )
    assert row.pronunciation == "Lóngquán Dàdào"
    assert row.registrar_name == "pn_dongbao"
    bad = _enter(pn["officer"], pn["longquan"], name="象山大道", romanised="XiangshanDadao")
    assert (bad.romanised, bad.suggested, bad.spelling_ok) == (
        "XiangshanDadao",
        "Xiangshan Dadao",
        False,
    )
    with pytest.raises(ServiceError) as exc:
        services.transition(user=pn["officer"], placename=bad, action="check")
    assert "Xiangshan Dadao" in exc.value.errors["romanised"][0]


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"standard_name": ""}, "standard_name", "请填写标准名称"),
        ({"standard_name": "Longquan"}, "standard_name", "汉字"),
        ({"subclass": "1101", "place_class": "25"}, "subclass", "小类不属于所选类别"),
        ({"lon": Decimal("116.4")}, "lon", "荆门市范围"),
        ({"lat": Decimal("39.9")}, "lat", "荆门市范围"),
        ({"lat": None}, "lat", "同时填写"),
        ({"romanised": "龙泉"}, "romanised", "拉丁字母"),
    ],
)
def test_entry_field_errors(pn, fields, field, message):
    with pytest.raises(ServiceError) as exc:
        _enter(pn["officer"], pn["longquan"], **fields)
    assert message in " ".join(exc.value.errors[field])


def test_natural_key_refuses_a_duplicate(pn):
    _enter(pn["officer"], pn["longquan"])
    with pytest.raises(ServiceError) as exc:
        _enter(pn["officer"], pn["longquan"])
    assert "同名" in exc.value.errors["standard_name"][0]


def test_review_steps_and_who_may_take_them(pn):
    row = _enter(pn["township_officer"], pn["longquan"])
    # The township's officer enters and checks but does not approve; the leader does nothing.
    row = services.transition(user=pn["township_officer"], placename=row, action="check")
    assert row.status == Status.CHECKED
    for user in (pn["township_officer"], pn["leader"], pn["city_section"]):
        with pytest.raises(PermissionDeniedError):
            services.transition(user=user, placename=row, action="approve")
    # The county approves (a county-level officer), the city section publishes.
    row = services.transition(user=pn["officer"], placename=row, action="approve")
    assert (row.status, row.approved_on) == (Status.APPROVED, timezone.localdate())
    with pytest.raises(PermissionDeniedError):
        services.transition(user=pn["officer"], placename=row, action="publish")
    with pytest.raises(ServiceError) as exc:
        services.transition(user=pn["city_section"], placename=row, action="return")
    assert exc.value.errors["note"] == ["退回时请填写审核意见"]
    row = services.transition(
        user=pn["city_section"], placename=row, action="return", note="坐标偏差较大"
    )
    assert (row.status, row.returns, row.review_note) == (Status.RETURNED, 1, "坐标偏差较大")
    with pytest.raises(ServiceError):
        services.transition(user=pn["officer"], placename=row, action="check")
    row = services.update_placename(
        user=pn["officer"],
        placename=row,
        standard_name="龙泉大道",
        place_class="25",
        subclass="2501",
        lon=Decimal("112.21"),
        lat=Decimal("31.04"),
    )
    row = services.transition(user=pn["officer"], placename=row, action="resubmit")
    row = services.transition(user=pn["officer"], placename=row, action="check")
    row = services.transition(user=pn["dongbao_approver"], placename=row, action="approve")
    row = services.transition(user=pn["city_section"], placename=row, action="publish")
    assert row.status == Status.PUBLISHED
    steps = list(ReviewStep.objects.filter(placename=row).values_list("action", "to_status"))
    assert steps == [
        ("enter", "entered"),
        ("check", "checked"),
        ("approve", "approved"),
        ("return", "returned"),
        ("edit", "returned"),
        ("resubmit", "entered"),
        ("check", "checked"),
        ("approve", "approved"),
        ("publish", "published"),
    ]
    events = AuditEvent.objects.filter(
        object_type="placenames.placename", object_id=str(row.pk)
    ).count()
    assert events == 9
    with pytest.raises(ServiceError) as exc:
        services.update_placename(
            user=pn["officer"], placename=row, standard_name="x", place_class="25", subclass="2501"
        )


def test_scope_another_county_reads_404(pn, client):
    row = _enter(pn["officer"], pn["longquan"])
    assert selectors.placenames_for(pn["zx_officer"]).count() == 0
    client.force_login(pn["zx_officer"])
    assert client.get(f"/placenames/records/{row.pk}/").status_code == 404
    assert client.post(f"/placenames/records/{row.pk}/check/").status_code == 404
    with pytest.raises(ServiceError):
        _enter(pn["zx_officer"], pn["longquan"], name="越界路")
    client.force_login(pn["city_section"])
    assert client.get(f"/placenames/records/{row.pk}/").status_code == 200
    client.force_login(pn["dongbao_clerk"])
    assert client.get("/placenames/").status_code == 403


def test_pages_flow(pn, client):
    client.force_login(pn["officer"])
    r = client.post(
        "/placenames/records/new/",
        {
            "standard_name": "象山大道",
            "subclass": "2501",
            "region": "420802001",
            "romanised": "Xiangshandadao",
            "lon": "112.2",
            "lat": "31.03",
        },
    )
    assert r.status_code == 302
    row = PlaceName.objects.get(standard_name="象山大道")
    assert not row.spelling_ok
    page = client.get(f"/placenames/records/{row.pk}/").content.decode()
    assert "Xiangshan Dadao" in page and "采用建议拼写" in page
    client.post(f"/placenames/records/{row.pk}/adopt/")
    client.post(f"/placenames/records/{row.pk}/check/")
    client.post(f"/placenames/records/{row.pk}/approve/")
    row.refresh_from_db()
    assert (row.romanised, row.status) == ("Xiangshan Dadao", Status.APPROVED)
    r = client.post(f"/placenames/records/{row.pk}/return/", {"note": ""})
    assert r.status_code == 302  # the officer does not return at the city's step
    r = client.get("/placenames/pinyin/", {"standard_name": "西安", "romanised": "Xian"})
    assert "Xi&#x27;an" in r.content.decode() and "隔音符号" in r.content.decode()
    r = client.post("/placenames/records/new/", {"standard_name": "", "subclass": "2501"})
    assert r.status_code == 422
    for url in (
        "/placenames/",
        "/placenames/map/",
        "/placenames/queue/",
        "/placenames/selfchecks/",
    ):
        assert client.get(url).status_code == 200


# ---------------------------------------------------------------- search and export


def test_search_names_aliases_pinyin_in_scope(pn):
    _enter(pn["officer"], pn["longquan"], name="龙泉大道", aliases="老龙泉路")
    _enter(pn["officer"], pn["longquan"], name="象山大道")
    _enter(pn["zx_officer"], pn["yingzhong"], name="莫愁湖大道", lon=Decimal("112.58"))

    def names(user, q):
        return sorted(
            selectors.placenames_for(user, query=q).values_list("standard_name", flat=True)
        )

    assert names(pn["officer"], "龙泉") == ["龙泉大道"]
    assert names(pn["officer"], "老龙泉") == ["龙泉大道"]
    assert names(pn["officer"], "xiangshan") == ["象山大道"]
    assert names(pn["officer"], "Dadao") == ["象山大道", "龙泉大道"]
    assert names(pn["officer"], "莫愁") == []
    assert names(pn["city_section"], "大道") == ["莫愁湖大道", "象山大道", "龙泉大道"]


def test_geojson_export(pn):
    _enter(pn["officer"], pn["longquan"], name="龙泉大道")
    _enter(pn["officer"], pn["longquan"], name="无坐标路", lon=None, lat=None)
    data = json.loads(exchange.geojson_bytes(selectors.placenames_for(pn["officer"])))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 1
    feature = data["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [112.2, 31.03]}
    assert feature["properties"]["name"] == "龙泉大道"
    assert feature["properties"]["romanised"] == "Longquan Dadao"


# ---------------------------------------------------------------- import


CSV_HEAD = "标准名称,类别代码,小类代码,行政区划代码,罗马字母拼写,经度,纬度,别名,登记日期\n"


def _csv(*lines: str) -> bytes:
    return (CSV_HEAD + "\n".join(lines) + "\n").encode("utf-8")


def test_import_reports_bad_rows_and_does_not_duplicate(pn):
    data = _csv(
        "龙泉大道,25,2501,420802001,,112.2,31.03,老龙泉路,2016-05-01",  # row 2 good
        "张家湾,24,2402,420802001,Zhangjia Wan,112.21,31.02,,2016-05-02",  # row 3 good, flagged
        "莫愁湖,11,1102,420881001,,112.58,31.17,,",  # row 4 out of scope
        ",25,2501,420802001,,,,,",  # row 5 no name
        "象山大道,25,1101,420802001,,,,,",  # row 6 subclass of another class
        "象山二路,25,2501,420802001,,116.4,39.9,,",  # row 7 outside Jingmen
        "龙泉大道,25,2501,420802001,,,,,",  # row 8 duplicate of row 2
        "仙居路,25,2501,420802001,,,,,2016-13-01",  # row 9 bad date
    )
    report = exchange.run_import(user=pn["officer"], data=data, source="t")
    assert (report.rows, report.created, report.existing) == (8, 2, 0)
    by_row = {e["row"]: e for e in report.errors}
    assert sorted(by_row) == [4, 5, 6, 7, 8, 9]
    assert by_row[4]["message"] == "行政区划代码不存在或不在您的管辖范围内"
    assert by_row[5]["message"] == "请填写标准名称"
    assert by_row[6]["message"] == "小类不属于所选类别"
    assert "荆门市范围" in by_row[7]["message"]
    assert by_row[8]["message"].startswith("与第2行重复")
    assert "日期格式" in by_row[9]["message"]
    flagged = PlaceName.objects.get(standard_name="张家湾")
    assert (flagged.spelling_ok, flagged.suggested) == (False, "Zhangjiawan")
    assert PlaceName.objects.get(standard_name="龙泉大道").registered_on == dt.date(2016, 5, 1)
    again = exchange.run_import(user=pn["officer"], data=data, source="t")
    assert (again.created, again.existing) == (0, 2)
    assert PlaceName.objects.count() == 2


def test_import_missing_column(pn):
    report = exchange.run_import(
        user=pn["officer"], data="标准名称,类别代码\n龙泉大道,25\n".encode(), source="t"
    )
    assert report.created == 0
    assert "缺少必填列" in report.errors[0]["message"]


@pytest.mark.django_db(transaction=True)
def test_import_job_through_the_page(pn, client, media):
    client.force_login(pn["officer"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("census.csv", _csv("龙泉大道,25,2501,420802001,,,,,"))
    r = client.post("/placenames/import/", {"file": upload})
    assert r.status_code == 302
    job_id = r["Location"].rstrip("/").split("/")[-1]
    # The request's commit hands the job to a thread; wait for it (or run it if it never started).
    deadline = time.monotonic() + 120
    job = Job.objects.get(pk=job_id)
    while job.status in (Job.Status.QUEUED, Job.Status.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    if job.status == Job.Status.QUEUED:
        job = jobs.execute(job_id)
    assert job.status == "succeeded", job.message
    assert job.result[exchange.RESULT_CREATED] == 1
    page = client.get(r["Location"]).content.decode()
    assert "新增地名" in page
    assert PlaceName.objects.filter(source=f"import:{job_id}").count() == 1


def test_export_round_trip(pn, client):
    _enter(pn["officer"], pn["longquan"], name="龙泉大道", aliases="老龙泉路")
    client.force_login(pn["officer"])
    csv_data = client.get("/placenames/export/csv/").content
    xlsx = client.get("/placenames/export/xlsx/").content
    PlaceName.objects.all().delete()
    report = exchange.run_import(user=pn["officer"], data=csv_data, source="t")
    assert (report.created, report.errors) == (1, [])
    assert PlaceName.objects.get().aliases == "老龙泉路"
    again = exchange.run_import(user=pn["officer"], data=xlsx, source="t")
    assert (again.created, again.existing, again.errors) == (0, 1, [])


# ---------------------------------------------------------------- API


def test_api_end_to_end(pn, api_client):
    api = api_client.login("pn_dongbao")
    r = api.post(
        "/api/v1/placenames/records",
        {
            "standard_name": "象山大道",
            "place_class": "25",
            "subclass": "2501",
            "region_code": "420802001",
            "romanised": "Xiangshan dadao",
            "lon": "112.2",
            "lat": "31.03",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["spelling_ok"], body["suggested"]) == (False, "Xiangshan Dadao")
    r = api.post(f"/api/v1/placenames/records/{body['id']}/review", {"action": "check"})
    assert r.status_code == 422
    r = api.get("/api/v1/placenames/pinyin", name="西安", romanised="Xian")
    assert r.json()["suggested"] == "Xi'an" and r.json()["ok"] is False
    r = api.post(
        "/api/v1/placenames/records",
        {
            "standard_name": "x",
            "place_class": "25",
            "subclass": "2501",
            "region_code": "420802001",
            "lat": "50",
            "lon": "112.2",
        },
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"standard_name", "lat"} <= fields
    r = api.get("/api/v1/placenames/records", q="xiangshan")
    assert [x["standard_name"] for x in r.json()["items"]] == ["象山大道"]
    r = api.get("/api/v1/placenames/geojson")
    assert r.json()["features"][0]["geometry"]["coordinates"] == [112.2, 31.03]
    zx = api_client.login("pn_zhongxiang")
    assert zx.get(f"/api/v1/placenames/records/{body['id']}").status_code == 404
    r = zx.post(f"/api/v1/placenames/records/{body['id']}/review", {"action": "check"})
    assert r.status_code == 404
    api.login("pn_dongbao")
    hist = api.get(f"/api/v1/placenames/records/{body['id']}/history").json()
    assert [h["action"] for h in hist] == ["enter"]


# ---------------------------------------------------------------- inspections and self-checks


def test_inspection_and_selfcheck_validation(pn):
    today = timezone.localdate()
    with pytest.raises(ServiceError) as exc:
        services.record_inspection(
            user=pn["officer"],
            region_a=pn["dongbao"],
            region_b=pn["longquan"],
            inspected_on=today + dt.timedelta(days=1),
            participants="",
            markers_checked=2,
            markers_damaged=3,
            conclusion=Conclusion.RECTIFY,
        )
    assert set(exc.value.errors) == {
        "region_b",
        "inspected_on",
        "participants",
        "markers_damaged",
        "problems",
    }
    row = services.record_inspection(
        user=pn["officer"],
        region_a=pn["dongbao"],
        region_b=pn["zhongxiang"],
        inspected_on=today,
        participants="两区市民政局",
        markers_checked=12,
        conclusion=Conclusion.PASSED,
    )
    assert row.boundary_name == "东宝区—钟祥市"
    with pytest.raises(ServiceError) as exc:
        services.record_inspection(
            user=pn["officer"],
            region_a=pn["dongbao"],
            region_b=pn["zhongxiang"],
            inspected_on=today,
            participants="再次",
            markers_checked=1,
            conclusion=Conclusion.PASSED,
        )
    assert "已登记" in exc.value.errors["region_b"][0]
    with pytest.raises(ServiceError) as exc:
        services.record_selfcheck(
            user=pn["officer"],
            county=pn["zhongxiang"],
            checked_on=today,
            records_checked=10,
            conclusion=Conclusion.PASSED,
        )
    assert "county" in exc.value.errors
    first = services.record_selfcheck(
        user=pn["officer"],
        county=pn["dongbao"],
        checked_on=today,
        records_checked=10,
        records_faulty=2,
        problems="拼写",
        conclusion=Conclusion.RECTIFY,
    )
    second = services.record_selfcheck(
        user=pn["officer"],
        county=pn["dongbao"],
        checked_on=today,
        records_checked=10,
        conclusion=Conclusion.PASSED,
    )
    assert first.pk == second.pk and SelfCheck.objects.count() == 1


# ---------------------------------------------------------------- targets, by hand


def _approved(region, county, name, place_class, subclass, on, status=Status.APPROVED):
    return PlaceName.objects.create(
        region=region,
        county=county,
        standard_name=name,
        place_class=place_class,
        subclass=subclass,
        registered_on=on,
        status=status,
        approved_on=on if status in (Status.APPROVED, Status.PUBLISHED) else None,
    )


def test_targets_by_hand(pn):
    """东宝: 4 records in the database (core classes 21, 23, 24, 25 each approved) and one only
    entered in class 11 → class 11 is applicable and missing → not built until it is approved.
    钟祥: 1 published record (class 21), core classes 23–25 missing → not built.
    8.2 on 30 June: 东宝 4 + 钟祥 1 = 5 at the city; 龙泉 (where 3 of 东宝's lie) 3.
    Self-checks: 东宝 passed 1 June, 钟祥 rectify 1 June → 8.1 东宝 1, 钟祥 0, city 0.
    Inspections: 东宝—钟祥 in the year before and this year; 钟祥—京山 only the year before
    → 8.4 东宝 1, 钟祥 0 (its 京山 boundary not inspected), city 0."""
    today = timezone.localdate()
    on = today
    db, zx, lq = pn["dongbao"], pn["zhongxiang"], pn["longquan"]
    day = today - dt.timedelta(days=10)
    _approved(db, db, "东宝区", "21", "2101", day)
    _approved(lq, db, "龙泉社区", "23", "2301", day)
    _approved(lq, db, "张家湾", "24", "2402", day, Status.PUBLISHED)
    _approved(lq, db, "龙泉大道", "25", "2501", day)
    pending = _approved(lq, db, "竹皮河", "11", "1101", day, Status.ENTERED)
    _approved(zx, zx, "钟祥市", "21", "2101", day, Status.PUBLISHED)
    SelfCheck.objects.create(
        county=db, year=today.year, checked_on=day, conclusion=Conclusion.PASSED
    )
    SelfCheck.objects.create(
        county=zx, year=today.year, checked_on=day, conclusion=Conclusion.RECTIFY
    )
    jingshan = Region.objects.filter(level="county", name__startswith="京山").first()
    last_year = dt.date(today.year - 1, 6, 1)
    for a, b, d in ((db, zx, last_year), (db, zx, day), (zx, jingshan, last_year)):
        a, b = sorted([a, b], key=lambda r: r.code)
        BoundaryInspection.objects.create(
            boundary_name="x",
            region_a=a,
            region_b=b,
            year=d.year,
            inspected_on=d,
            participants="x",
            conclusion=Conclusion.PASSED,
        )
    regions = list(Region.objects.prefetch_related("members"))
    records = indicators.placename_records(regions, on)
    assert (records["420800"], records["420802"], records["420802001"], records["420881"]) == (
        Decimal(5),
        Decimal(4),
        Decimal(3),
        Decimal(1),
    )
    state = indicators.census_state(regions, on)
    checks, built = state["placename_self_check_done"], state["placename_database_built"]
    assert (checks["420802"], checks["420881"], checks["420800"]) == (1, 0, 0)
    assert "420802001" not in checks
    assert (built["420802"], built["420881"], built["420800"]) == (0, 0, 0)
    pending.status, pending.approved_on = Status.APPROVED, day
    pending.save()
    built = indicators.census_state(regions, on)["placename_database_built"]
    assert built["420802"] == 1
    inspected = indicators.boundary_inspections(regions, on)
    assert (inspected["420802"], inspected["420881"], inspected["420800"]) == (1, 0, 0)
    assert inspected[jingshan.code] == 0

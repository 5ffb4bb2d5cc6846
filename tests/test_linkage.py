"""The poverty registry and medical-insurance enrolments: the plan's targets 2.4–2.8 computed on
a small city with figures worked by hand, the file imports (good rows, every bad row reported,
re-import adds nothing), scope, and the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.assistance import services as assistance_services
from minzheng.cases.models import Case, Decision
from minzheng.core.errors import ServiceError
from minzheng.linkage import imports, indicators, selectors
from minzheng.linkage.models import InsuranceEnrolment, PovertyRecord
from minzheng.payments.models import Entitlement
from minzheng.people import services as people_services
from minzheng.regions.models import Region
from minzheng.targets import indicators as registry
from tests.conftest import make_id

D = dt.date
ON = D(2026, 6, 30)


def _entitle(programme, household, region, *, person=None, start, end=None, status="active"):
    return Entitlement.objects.create(
        programme=programme,
        household=household,
        person=person,
        beneficiary_key=f"p{person.pk}" if person else f"h{household.pk}",
        region=region,
        status=status,
        start_month=start,
        end_month=end,
        monthly_amount_fen=50000,
        amount_since=start,
        computed_on=start,
    )


_numbers = iter(range(1, 10**6))


def _case(programme, household, applicant, region, *, channel, state, applied, facts=None):
    closed = applied + dt.timedelta(days=30) if state in ("approved", "refused") else None
    return Case.objects.create(
        number=f"T{next(_numbers):06d}",
        programme=programme,
        applicant=applicant,
        household=household,
        region=region,
        channel=channel,
        facts=facts or {},
        state=state,
        applied_on=applied,
        stage_started_on=applied,
        closed_on=closed,
    )


def _medical(household, applicant, region, *, key, in_policy, basic, critical, decided, applied):
    member = {"relation": "head", "dibao_recipient": key}
    facts = {
        "members": [member],
        "medical": {
            "patient": 0,
            "total": in_policy,
            "in_policy": in_policy,
            "basic_insurance": basic,
            "critical_illness": critical,
        },
    }
    case = _case(
        "medical",
        household,
        applicant,
        region,
        channel="online",
        state="approved",
        applied=applied,
        facts=facts,
    )
    Decision.objects.create(
        case=case,
        level="county",
        outcome="approve",
        amount_fen=decided * 100,
        decided_on=case.closed_on,
    )
    return case


@pytest.fixture
def small_city(jingmen, users, people):
    """东宝区 龙泉社区: 张三 and 李梅 (a 低保 household), 赵四 (低保 ended in 2025, applied again
    in 2026 and refused, the rules finding him eligible); 钟祥市 郢中社区: 王五 (特困)."""
    assistance_services.load_default_standards()
    admin = users["admin"]
    community, yingzhong = jingmen["longquan_community"], jingmen["yingzhong_community"]
    zhao = people_services.register_person(
        user=admin,
        id_number=make_id("420802", "19600303", 44),
        name="赵四",
        hukou_region=community,
        hukou_type="urban",
    )
    hh_zhao = people_services.create_household(
        user=admin,
        region=community,
        head=zhao,
        bank_name="农商银行",
        bank_account="6217000055556666777",
        since=D(2020, 1, 1),
    )
    _entitle("dibao_urban", people["hh_dongbao"], community, start=D(2025, 3, 1))
    _entitle(
        "tekun", people["hh_zhongxiang"], yingzhong, person=people["wang"], start=D(2024, 1, 1)
    )
    _entitle(
        "dibao_urban",
        hh_zhao,
        community,
        start=D(2024, 1, 1),
        end=D(2025, 12, 1),
        status="terminated",
    )
    return {**people, "zhao": zhao, "hh_zhao": hh_zhao, "admin": admin}


def _enrol(person, year, *, subsidised, region):
    InsuranceEnrolment.objects.create(
        person=person,
        year=year,
        scheme="resident",
        premium_fen=40000,
        subsidised=subsidised,
        subsidy_fen=40000 if subsidised else 0,
        region=region,
    )


def _values(func):
    regions = list(Region.objects.prefetch_related("members"))
    return func(regions, ON)


def test_insurance_funding_rate_by_hand(small_city, jingmen):
    c, y = jingmen["longquan_community"], jingmen["yingzhong_community"]
    _enrol(small_city["zhang"], 2026, subsidised=True, region=c)
    _enrol(small_city["li"], 2026, subsidised=False, region=c)  # enrolled, not subsidised
    _enrol(small_city["li"], 2025, subsidised=True, region=c)  # last year: does not count
    _enrol(small_city["wang"], 2026, subsidised=True, region=y)
    _enrol(small_city["zhao"], 2026, subsidised=True, region=c)  # no longer a recipient
    values = _values(indicators.insurance_funding)
    # 龙泉: 张三 of {张三, 李梅} = 1/2; 郢中: 王五 of {王五}; the city: 2 of 3.
    assert values["420802001001"] == Decimal(50)
    assert values["420802"] == Decimal(50)
    assert values["420881"] == Decimal(100)
    assert values["420800"] == Decimal(2) / Decimal(3) * 100
    assert "420802100" not in values  # 栗溪镇 has no recipient: no value, not 0 %


def test_poverty_backstop_rate_by_hand(small_city, jingmen):
    c, y = jingmen["longquan_community"], jingmen["yingzhong_community"]
    for person, status, region in (
        (small_city["zhang"], "poor", c),  # receives 低保
        (small_city["li"], "lifted", c),  # lifted out: not counted
        (small_city["wang"], "returned", y),  # receives 特困
        (small_city["zhao"], "poor", c),  # refused this year, the rules find him eligible
    ):
        PovertyRecord.objects.create(
            person=person, year=2026, household_number="FP1", status=status, region=region
        )
    _case(
        "dibao_urban",
        small_city["hh_zhao"],
        small_city["zhao"],
        c,
        channel="window",
        state="refused",
        applied=D(2026, 3, 1),
    )
    values = _values(indicators.poverty_backstop)
    # 东宝: eligible {张三, 赵四}, receiving {张三} = 50 %; 钟祥 1/1; the city 2/3.
    assert values["420802"] == Decimal(50)
    assert values["420881"] == Decimal(100)
    assert values["420800"] == Decimal(2) / Decimal(3) * 100


def test_poverty_backstop_without_an_application_is_not_counted(small_city, jingmen):
    PovertyRecord.objects.create(
        person=small_city["zhao"],
        year=2026,
        household_number="FP1",
        status="poor",
        region=jingmen["longquan_community"],
    )
    # 赵四 never applied this year: nothing says he is eligible, so 东宝 has no figure.
    assert "420802" not in _values(indicators.poverty_backstop)


def test_one_door_townships_from_window_applications(small_city, jingmen):
    c, y = jingmen["longquan_community"], jingmen["yingzhong_community"]
    _case("dibao_urban", small_city["hh_zhao"], small_city["zhao"], c, channel="window",
          state="refused", applied=D(2026, 3, 1))  # fmt: skip
    _case("dibao_urban", small_city["hh_zhongxiang"], small_city["wang"], y, channel="online",
          state="refused", applied=D(2026, 2, 1))  # fmt: skip
    _case(
        "tekun",
        small_city["hh_zhongxiang"],
        small_city["wang"],
        y,
        channel="window",
        state="refused",
        applied=D(2025, 5, 1),
    )  # fmt: skip  (more than a year before)
    values = _values(indicators.one_door_townships)
    assert values["420802001"] == 1 and values["420802"] == 1
    assert values["420881001"] == 0 and values["420881"] == 0
    assert values["420800"] == 1
    assert registry.get("one_door_rate").kind == "derived"


def test_medical_inpatient_ratio_by_hand(small_city, jingmen):
    c, y = jingmen["longquan_community"], jingmen["yingzhong_community"]
    # Key recipient: 10,000 in policy − 5,000 basic − 1,000 critical = 4,000 self-paid; 2,800 paid.
    _medical(small_city["hh_dongbao"], small_city["zhang"], c, key=True, in_policy="10000",
             basic="5000", critical="1000", decided=2800, applied=D(2026, 2, 1))  # fmt: skip
    # Not a key recipient: left out.
    _medical(small_city["hh_zhao"], small_city["zhao"], c, key=False, in_policy="2000",
             basic="1000", critical="0", decided=500, applied=D(2026, 2, 1))  # fmt: skip
    # 3,000 − 2,000 = 1,000 self-paid; 600 paid.
    _medical(small_city["hh_zhongxiang"], small_city["wang"], y, key=True, in_policy="3000",
             basic="2000", critical="0", decided=600, applied=D(2026, 1, 5))  # fmt: skip
    # Approved in 2025: another year.
    _medical(small_city["hh_zhongxiang"], small_city["wang"], y, key=True, in_policy="3000",
             basic="0", critical="0", decided=3000, applied=D(2025, 1, 5))  # fmt: skip
    values = _values(indicators.medical_inpatient_ratio)
    assert values["420802"] == Decimal(70)
    assert values["420881"] == Decimal(60)
    assert values["420800"] == Decimal(68)  # (2,800 + 600) ÷ (4,000 + 1,000)


def test_temporary_standard_itemised(small_city, jingmen):
    values = _values(indicators.temp_standard_itemised)
    assert values["420800"] == 1 and values["420802001"] == 1
    assistance_services.set_standard(
        user=small_city["admin"],
        programme="temporary",
        key="cap_emergency",
        region=jingmen["longquan"],
        effective_from=D(2026, 1, 1),
        value=0,
        reason="测试：龙泉街道尚未细化急难型救助上限",
    )
    values = _values(indicators.temp_standard_itemised)
    assert values["420802001"] == 0
    assert values["420802"] == 0 and values["420800"] == 0  # a unit below is not itemised
    assert values["420881"] == 1 and values["420802100"] == 1
    assert "420802001001" not in values  # villages are not units of this target


def test_targets_2_4_to_2_8_are_computed(db):
    for code in (
        "temp_assistance_standard_itemised",
        "medical_assistance_inpatient_ratio",
        "insurance_funding_rate",
        "one_door_townships",
        "poverty_backstop_rate",
    ):
        assert registry.get(code).kind == "computed", code
        assert registry.get(code).kind_label == "平台自动计算"


# ------------------------------------------------------------------------------ imports


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode()


POVERTY_HEADER = ["身份证号码", "姓名", "年度", "贫困户编号", "贫困状态"]
INSURANCE_HEADER = ["身份证号码", "姓名", "参保年度", "险种", "个人缴费（元）", "民政资助参保", "资助金额（元）"]  # fmt: skip


def test_poverty_import_good_bad_and_again(small_city, users):
    zhang, li = small_city["zhang"].id_number, small_city["li"].id_number
    wang = small_city["wang"].id_number  # 钟祥: outside 东宝's scope
    data = _csv(
        [
            POVERTY_HEADER,
            [zhang, "张三", "2026", "FP42080200001", "未脱贫"],
            [li, "李梅", "2026", "FP42080200001", "lifted"],
            [zhang, "张三", "2026", "FP42080200001", "返贫"],
            ["420802198001010000", "某某", "2026", "FP1", "未脱贫"],
            [wang, "王五", "2026", "FP4208810001", "未脱贫"],
            [make_id("420802", "19900101", 99), "无此人", "2026", "FP1", "未脱贫"],
            [li, "李梅", "26", "", "脱贫了"],
        ]
    )
    user = users["dongbao_approver"]
    result = imports.import_file(user=user, kind="poverty", data=data, name="fp.csv")
    assert (result.rows, result.created, result.updated, result.unchanged) == (7, 2, 0, 0)
    errors = dict(result.errors)
    assert errors[4] == "与第 2 行重复（同一人同一年度）"
    assert errors[5] == "身份证号码校验码错误"
    assert errors[6] == errors[7] == "身份证号码未在本辖区人口库中登记"
    assert (
        errors[8]
        == "年度应为2000至2100之间的四位年份；贫困户编号未填写；贫困状态应为未脱贫、已脱贫或返贫"
    )
    assert sorted(PovertyRecord.objects.values_list("status", flat=True)) == ["lifted", "poor"]

    again = imports.import_file(user=user, kind="poverty", data=data, name="fp.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert PovertyRecord.objects.count() == 2

    changed = _csv([POVERTY_HEADER, [zhang, "张三", "2026", "FP42080200001", "已脱贫"]])
    third = imports.import_file(user=user, kind="poverty", data=changed)
    assert (third.created, third.updated) == (0, 1)
    assert PovertyRecord.objects.get(person=small_city["zhang"]).status == "lifted"


def test_insurance_import_checks_each_amount(small_city, users):
    zhang, li = small_city["zhang"].id_number, small_city["li"].id_number
    data = _csv(
        [
            INSURANCE_HEADER,
            [zhang, "张三", "2026", "城乡居民基本医疗保险", "400", "是", "400"],
            [li, "李梅", "2026", "resident", "400.00", "否", ""],
            [li, "李梅", "2026", "职工基本医疗保险", "1200", "否", "100"],
            [zhang, "张三", "2026", "employee", "300", "是", "300.005"],
            [zhang, "张三", "2025", "商业保险", "-5", "也许", "500"],
        ]
    )
    user = users["city_section"]
    result = imports.import_file(user=user, kind="insurance", data=data)
    assert (result.created, len(result.errors)) == (2, 3)
    errors = dict(result.errors)
    assert errors[4] == "未获民政资助的，资助金额应为空或0"
    assert errors[5] == "资助金额应为不小于0、最多两位小数的金额"
    assert errors[6] == (
        "险种应为城乡居民基本医疗保险或职工基本医疗保险；个人缴费应为不小于0、最多两位小数的金额；"
        "民政资助参保应填写“是”或“否”"
    )
    held = InsuranceEnrolment.objects.get(person=small_city["zhang"])
    assert (held.premium_fen, held.subsidised, held.subsidy_fen) == (40000, True, 40000)
    again = imports.import_file(user=user, kind="insurance", data=data)
    assert (again.created, again.unchanged) == (0, 2)


def test_import_refuses_missing_columns_and_readers(small_city, users):
    with pytest.raises(ServiceError) as missing:
        imports.import_file(
            user=users["city_section"],
            kind="poverty",
            data=_csv([["身份证号码", "年度"], ["1", "2"]]),
        )
    assert "缺少必填列：贫困户编号、贫困状态" in str(missing.value.errors["file"])
    with pytest.raises(ServiceError):
        imports.import_file(
            user=users["leader"], kind="poverty", data=_csv([POVERTY_HEADER])
        )  # leaders read, never load


# ------------------------------------------------------------------------------ scope and API


@pytest.fixture
def registered(small_city, jingmen):
    c, y = jingmen["longquan_community"], jingmen["yingzhong_community"]
    here = PovertyRecord.objects.create(
        person=small_city["zhang"], year=2026, household_number="FP1", status="poor", region=c
    )
    there = PovertyRecord.objects.create(
        person=small_city["wang"], year=2026, household_number="FP2", status="poor", region=y
    )
    return here, there


def test_scope(registered, users):
    here, there = registered
    assert list(selectors.poverty_for(users["dongbao_approver"])) == [here]
    assert set(selectors.poverty_for(users["city_section"])) == {here, there}
    assert not selectors.poverty_for(users["dongbao_clerk"]).exists()  # not a township register


def test_api(registered, api_client, client, small_city):
    here, there = registered
    api = api_client.login("dongbao_approver")
    listing = api.get("/api/v1/linkage/poverty?year=2026")
    assert listing.status_code == 200
    assert [r["id"] for r in listing.json()["items"]] == [here.pk]
    assert listing.json()["items"][0]["id_masked"] != small_city["zhang"].id_number
    assert api.get(f"/api/v1/linkage/poverty/{there.pk}").status_code == 404
    data = _csv([POVERTY_HEADER, [small_city["li"].id_number, "李梅", "2026", "FP1", "已脱贫"]])
    auth = api._headers(None)
    r = client.post(
        "/api/v1/linkage/poverty/imports", {"file": SimpleUploadedFile("fp.csv", data)}, **auth
    )
    assert r.status_code == 200, r.content
    assert (r.json()["created"], r.json()["rejected"]) == (1, 0)
    r = client.post(
        "/api/v1/linkage/insurance/imports",
        {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2")},
        **auth,
    )
    assert r.status_code == 422


# ------------------------------------------------------------------------------ synthetic files


def test_synthetic_files_are_deterministic_and_importable(tmp_path):
    from minzheng.synth.generator import generate_city
    from minzheng.synth.linkage import generate_linkage_files

    manifests = []
    for run in ("a", "b"):
        city = tmp_path / run
        generate_city(persons=600, seed=5, out_dir=city, as_of=D(2026, 6, 30))
        manifests.append(generate_linkage_files(city_dir=city, seed=5))
    assert manifests[0]["files"] == manifests[1]["files"]
    poverty = imports._read("poverty", (tmp_path / "a/linkage/poverty.csv").read_bytes(), "")
    insurance = imports._read("insurance", (tmp_path / "a/linkage/insurance.csv").read_bytes(), "")
    assert len(poverty.rows) == manifests[0]["files"]["poverty.csv"]["rows"] > 3
    # Most living people are enrolled (600 people, some dead or moved away).
    assert 400 < len(insurance.rows) < 600


def test_medical_inpatient_ratio_from_settled_bills(small_city, jingmen):
    """With settled bills the frozen payouts count: 张三 (低保) 2 inpatient bills, 赵四 (no
    longer a recipient) one, 王五 (特困) an outpatient bill that is left out."""
    MedicalBill = apps.get_model("cases", "MedicalBill")
    c, y = jingmen["longquan_community"], jingmen["yingzhong_community"]
    serial = iter(range(1, 100))

    def billed(household, person, region, bills):
        case = _case("medical", household, person, region, channel="window", state="approved",
                     applied=D(2026, 3, 1))  # fmt: skip
        for kind, own, assistance in bills:
            MedicalBill.objects.create(
                case=case, person=person, settlement_number=f"S{next(serial)}", hospital="医院",
                kind=kind, admitted_on=D(2026, 2, 1), discharged_on=D(2026, 2, 10),
                total_fen=own * 3, in_policy_fen=own * 2, basic_insurance_fen=own,
                self_paid_in_policy_fen=own, source="typed", assistance_fen=assistance,
                decided_on=D(2026, 3, 31),
            )  # fmt: skip

    billed(small_city["hh_dongbao"], small_city["zhang"], c,
           [("inpatient", 100000, 70000), ("inpatient", 50000, 40000)])  # fmt: skip
    billed(small_city["hh_zhao"], small_city["zhao"], c, [("inpatient", 100000, 10000)])  # fmt: skip
    billed(small_city["hh_zhongxiang"], small_city["wang"], y, [("outpatient", 10000, 1000)])  # fmt: skip
    values = _values(indicators.medical_inpatient_ratio)
    # 东宝: (700 + 400) ÷ (1,000 + 500) = 73.33 %; 钟祥 has no inpatient bill of a recipient.
    assert values["420802"] == Decimal(110000) / Decimal(150000) * 100
    assert "420881" not in values

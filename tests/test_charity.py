"""Charity (DOMAIN §15, §3.4): donations and receipt numbering (a voided number is never reused),
directed donations used only for their purpose and never beyond their balance (a concurrent
draw-down on PostgreSQL), the annual 70 %/10 % checks with figures worked by hand, the
medical-assistance order of payers (charity pays at most what remains), the public page without
personal data, scope (another organisation's records read 404), targets 13.1 and 6.7 by hand,
and the monthly reports of 12.1 with evidence."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone

from minzheng.accounts.models import Role
from minzheng.cases import timeline as case_timeline
from minzheng.cases.models import Case, MedicalBill, Programme, State
from minzheng.cases.services.intake import next_case_number
from minzheng.charity import indicators, rules, services
from minzheng.charity.models import Charity, Donation, Receipt, Use
from minzheng.core.models import AuditEvent
from minzheng.people import services as people_services
from minzheng.regions.models import Region
from minzheng.socialorgs.demo import register_organisation
from minzheng.socialorgs.models import OrganisationAccount
from tests.conftest import make_id, make_user

TODAY = timezone.localdate()
YEAR = TODAY.year


def _fields(response) -> dict:
    out: dict[str, str] = {}
    for e in response.json().get("errors") or []:
        out[e["field"]] = out.get(e["field"], "") + e["message"]
    return out


@pytest.fixture
def world(jingmen, users, people):
    city_org = register_organisation(
        name="荆门市慈善总会",
        kind="social_group",
        field="charity",
        registry=jingmen["city"],
        region=jingmen["longquan"],
        registered_on=dt.date(2005, 3, 18),
        purpose="募集慈善款物，开展慈善活动",
        capital_fen=300_000_00,
    )
    zx_org = register_organisation(
        name="钟祥市慈善会",
        kind="social_group",
        field="charity",
        registry=jingmen["zhongxiang"],
        region=jingmen["yingzhong"],
        registered_on=dt.date(2008, 5, 1),
        purpose="募集慈善款物",
        capital_fen=30_000_00,
    )
    charity_user = make_user("charity", Role.ORGANISATION, jingmen["city"])
    zx_user = make_user("zx_charity", Role.ORGANISATION, jingmen["zhongxiang"])
    OrganisationAccount.objects.create(user=charity_user, organisation=city_org)
    OrganisationAccount.objects.create(user=zx_user, organisation=zx_org)
    section = users["city_section"]
    city = services.recognise(
        user=section,
        organisation=city_org,
        recognised_on=dt.date(2016, 9, 1),
        public_fundraising=True,
    )
    zx = services.recognise(
        user=section,
        organisation=zx_org,
        recognised_on=dt.date(2017, 1, 5),
        public_fundraising=False,
    )
    return {
        **jingmen,
        **users,
        **people,
        "charity": city,
        "zx": zx,
        "charity_user": charity_user,
        "zx_user": zx_user,
    }


def _donation(api, **over):
    data = {
        "donor_kind": "unit",
        "donor_unit": "荆门市民政局",
        "form": "money",
        "amount_fen": 1000_00,
        "received_on": TODAY.isoformat(),
        "channel": "bank",
    }
    data.update(over)
    return api.post("/api/v1/charity/donations", data)


# ---------------------------------------------------------------- donations and receipts


def test_receipt_numbers_count_up_and_a_voided_number_is_never_reused(world, api_client):
    api = api_client.login("charity")
    r = _donation(api, donor_kind="person", donor_id_number=make_id("420802", "19800101", 11))
    assert r.status_code == 201, r.content
    donation = r.json()
    assert donation["donor_name"] == "张三" and donation["public_donor"] == "张*"
    cid = world["charity"].pk
    r = api.post(f"/api/v1/charity/donations/{donation['id']}/receipt")
    assert r.status_code == 201, r.content
    first = r.json()
    assert first["number"] == f"JZ{YEAR}-{cid:04d}-000001"
    # One valid receipt per donation.
    assert api.post(f"/api/v1/charity/donations/{donation['id']}/receipt").status_code == 409
    # Voiding needs a reason.
    r = api.post(f"/api/v1/charity/receipts/{first['id']}/void", {"reason": " "})
    assert r.status_code == 422 and "reason" in _fields(r)
    r = api.post(f"/api/v1/charity/receipts/{first['id']}/void", {"reason": "捐赠人姓名写错"})
    assert r.status_code == 200 and r.json()["voided"] is True
    # Without a valid receipt again: waiting on the workbench card.
    waiting = api.get("/api/v1/charity/donations", unreceipted="true").json()
    assert [d["id"] for d in waiting["items"]] == [donation["id"]]
    assert (
        api.post(f"/api/v1/charity/receipts/{first['id']}/void", {"reason": "x"}).status_code == 409
    )
    r = api.post(f"/api/v1/charity/donations/{donation['id']}/receipt")
    assert r.json()["number"] == f"JZ{YEAR}-{cid:04d}-000002"
    other = _donation(api).json()
    r = api.post(f"/api/v1/charity/donations/{other['id']}/receipt")
    assert r.json()["number"] == f"JZ{YEAR}-{cid:04d}-000003"
    numbers = list(Receipt.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 3
    assert (
        api.get(f"/api/v1/charity/donations/{donation['id']}")
        .json()["receipt_number"]
        .endswith("000002")
    )
    # The PDF prints.
    r = api.get(f"/api/v1/charity/receipts/{first['id']}/pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    actions = set(
        AuditEvent.objects.filter(
            object_type__in=["charity.receipt", "charity.donation"]
        ).values_list("action", flat=True)
    )
    assert {"create", "transition"} <= actions


@pytest.mark.parametrize(
    "over,field",
    [
        ({"donor_kind": "person", "donor_id_number": ""}, "donor_id_number"),
        ({"donor_kind": "person", "donor_id_number": "420802198001010000"}, "donor_id_number"),
        ({"donor_kind": "unit", "donor_unit": ""}, "donor_unit"),
        ({"form": "goods", "goods_description": ""}, "goods_description"),
        ({"form": "goods", "goods_description": "棉被", "goods_quantity": None}, "goods_quantity"),
        ({"directed": True, "purpose": "general"}, "purpose"),
        ({"received_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "received_on"),
        ({"channel": "in_kind"}, "channel"),
    ],
)
def test_donation_refusals_name_the_field(world, api_client, over, field):
    api = api_client.login("charity")
    r = _donation(api, **over)
    assert r.status_code == 422, r.content
    assert field in _fields(r), r.json()


def test_goods_are_valued_and_anonymous_donors_stay_anonymous(world, api_client):
    api = api_client.login("charity")
    r = _donation(
        api,
        form="goods",
        goods_description="棉被（1.5米）",
        goods_quantity=40,
        goods_unit="床",
        amount_fen=14400_00,
        channel="in_kind",
    )
    assert r.status_code == 201 and r.json()["amount_fen"] == 14400_00
    r = _donation(api, donor_kind="anonymous", donor_unit="应被忽略")
    assert r.json()["donor_name"] == "匿名" and r.json()["public_donor"] == "匿名"


# ---------------------------------------------------------------- directed donations and uses


def test_a_directed_donation_pays_only_its_purpose_and_never_beyond_its_balance(world, api_client):
    api = api_client.login("charity")
    gift = _donation(api, directed=True, purpose="education", amount_fen=1000_00).json()
    plain = _donation(api, amount_fen=500_00).json()
    pupil = make_id("420802", f"{YEAR - 10}0301", 41)
    people_services.register_person(
        user=world["dongbao_clerk"],
        id_number=pupil,
        name="刘小明",
        hukou_region=world["longquan_community"],
        hukou_type="urban",
    )
    use = {"project": "春蕾助学", "used_on": TODAY.isoformat(), "beneficiary_id_number": pupil}
    # Another purpose than the donor named.
    r = api.post(
        "/api/v1/charity/uses",
        {**use, "purpose": "medical", "amount_fen": 100_00, "donation_id": gift["id"]},
    )
    assert r.status_code == 422 and "purpose" in _fields(r)
    # Management costs never from a directed donation.
    r = api.post(
        "/api/v1/charity/uses",
        {
            **use,
            "category": "management",
            "purpose": "education",
            "amount_fen": 100_00,
            "donation_id": gift["id"],
        },
    )
    assert r.status_code == 422
    # An undirected donation is not a source of its own.
    r = api.post(
        "/api/v1/charity/uses",
        {**use, "purpose": "education", "amount_fen": 100_00, "donation_id": plain["id"]},
    )
    assert r.status_code == 422 and "donation_id" in _fields(r)
    # Beyond the balance.
    r = api.post(
        "/api/v1/charity/uses",
        {**use, "purpose": "education", "amount_fen": 1000_01, "donation_id": gift["id"]},
    )
    assert r.status_code == 409 and "amount_fen" in _fields(r)
    ok = api.post(
        "/api/v1/charity/uses",
        {**use, "purpose": "education", "amount_fen": 600_00, "donation_id": gift["id"]},
    )
    assert ok.status_code == 201, ok.content
    assert (
        api.post(
            "/api/v1/charity/uses",
            {**use, "purpose": "education", "amount_fen": 400_01, "donation_id": gift["id"]},
        ).status_code
        == 409
    )
    assert (
        api.post(
            "/api/v1/charity/uses",
            {**use, "purpose": "education", "amount_fen": 400_00, "donation_id": gift["id"]},
        ).status_code
        == 201
    )
    assert Donation.objects.get(pk=gift["id"]).used_fen == 1000_00
    # The unrestricted funds: 500 yuan received undirected.
    r = api.post(
        "/api/v1/charity/uses",
        {
            "project": "慰问",
            "used_on": TODAY.isoformat(),
            "beneficiary_unit": "东宝区社会福利院",
            "purpose": "poverty",
            "amount_fen": 500_01,
        },
    )
    assert r.status_code == 409
    r = api.post(
        "/api/v1/charity/uses",
        {
            "project": "办公",
            "used_on": TODAY.isoformat(),
            "category": "management",
            "purpose": "general",
            "amount_fen": 500_00,
        },
    )
    assert r.status_code == 201
    assert AuditEvent.objects.filter(object_type="charity.use", action="create").count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_draws_on_one_directed_donation(world):
    """Two uses of 600 yuan drawn at the same moment on a 1,000-yuan directed donation: the row
    lock makes the second wait and find only 400 left; exactly one is recorded."""
    import threading

    from django.db import connection, connections

    from minzheng.core.errors import ServiceError

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time whatever the code does")
    user, charity = world["charity_user"], world["charity"]
    gift = services.record_donation(
        user=user,
        charity=charity,
        donor_kind="unit",
        donor_unit="荆门市教育局",
        form="money",
        amount_fen=1000_00,
        received_on=TODAY,
        channel="bank",
        purpose="elderly",
        directed=True,
    )
    start = threading.Barrier(2)
    outcomes = []

    def draw():
        try:
            start.wait()
            services.record_use(
                user=user,
                charity=charity,
                project="敬老",
                amount_fen=600_00,
                used_on=TODAY,
                purpose="elderly",
                beneficiary_unit="掇刀区敬老院",
                donation_id=gift.pk,
            )
            outcomes.append("ok")
        except ServiceError as exc:
            outcomes.append(exc.status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=draw) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [409, "ok"], outcomes
    gift.refresh_from_db()
    assert gift.used_fen == 600_00 and gift.uses.count() == 1


# ---------------------------------------------------------------- annual checks


@pytest.mark.parametrize(
    "income,charitable,management,share,ok,mshare,mok",
    [
        # 70,000 ÷ 100,000 = 70 % (met); 7,000 ÷ 77,000 = 9.09 % (met)
        (100_000, 70_000, 7_000, Fraction(7, 10), True, Fraction(1, 11), True),
        # 69,999 ÷ 100,000 < 70 %; 8,000 ÷ 77,999 = 10.26 % > 10 %
        (100_000, 69_999, 8_000, Fraction(69_999, 100_000), False, Fraction(8_000, 77_999), False),
        # 72,000 and 8,000: exactly 10 % of 80,000 spending is still within the limit
        (100_000, 72_000, 8_000, Fraction(72, 100), True, Fraction(1, 10), True),
        # no income last year: nothing to compare with
        (0, 5_000, 0, None, None, Fraction(0), True),
    ],
)
def test_annual_check_rules(income, charitable, management, share, ok, mshare, mok):
    check = rules.AnnualCheck(2026, income * 100, charitable * 100, management * 100)
    assert check.charitable_share == share and check.charitable_ok is ok
    assert check.management_share == mshare and check.management_ok is mok


def test_annual_check_from_the_books_and_its_page(world, client):
    charity = world["charity"]
    Donation.objects.bulk_create(
        [
            Donation(
                charity=charity,
                donor_kind="unit",
                donor_unit="甲",
                form="money",
                amount_fen=60_000_00,
                received_on=dt.date(YEAR - 1, 4, 1),
                channel="bank",
            ),
            Donation(
                charity=charity,
                donor_kind="unit",
                donor_unit="乙",
                form="goods",
                goods_description="大米",
                goods_quantity=100,
                amount_fen=40_000_00,
                received_on=dt.date(YEAR - 1, 12, 31),
                channel="in_kind",
            ),
            Donation(
                charity=charity,
                donor_kind="unit",
                donor_unit="丙",
                form="money",
                amount_fen=5_000_00,
                received_on=dt.date(YEAR - 2, 12, 31),
                channel="bank",
            ),
        ]
    )
    Use.objects.bulk_create(
        [
            Use(
                charity=charity,
                project="助学",
                beneficiary_unit="学校",
                amount_fen=50_000_00,
                used_on=dt.date(YEAR, 1, 1),
                purpose="education",
            ),
            Use(
                charity=charity,
                project="济困",
                beneficiary_unit="福利院",
                amount_fen=19_999_00,
                used_on=dt.date(YEAR, 1, 2),
                purpose="poverty",
            ),
            Use(
                charity=charity,
                project="办公",
                category="management",
                amount_fen=8_000_00,
                used_on=dt.date(YEAR, 1, 3),
                purpose="general",
            ),
            Use(
                charity=charity,
                project="去年",
                beneficiary_unit="学校",
                amount_fen=9_000_00,
                used_on=dt.date(YEAR - 1, 12, 31),
                purpose="education",
            ),
        ]
    )
    from minzheng.charity import selectors

    check = selectors.annual_check(charity, YEAR)
    # income of last year 100,000; this year's charitable 69,999 (69.999 %), management 8,000 ÷ 77,999
    assert (check.income_prev_fen, check.charitable_fen, check.management_fen) == (
        100_000_00,
        69_999_00,
        8_000_00,
    )
    assert check.charitable_ok is False and check.management_ok is False
    assert check.charitable_percent == "70.0%" and check.management_percent == "10.3%"
    client.force_login(world["city_section"])
    page = client.get(f"/charity/checks/?year={YEAR}").content.decode()
    assert "荆门市慈善总会" in page and "未达70%" in page and "超过10%" in page
    # The county approver of 钟祥 sees its county's charity only.
    client.force_login(world["dongbao_approver"])
    assert "荆门市慈善总会" not in client.get("/charity/checks/").content.decode()


# ---------------------------------------------------------------- medical assistance


def _settled_case(world, *, state=State.APPROVED, charity_fen=5200_00):
    """A medical case whose bill passed the earlier payers: total 20,000; basic insurance 10,000,
    serious-illness insurance 2,000; in-policy self-paid 4,000, assistance 70 % = 2,800; what the
    person still bears, 20,000 − 12,000 − 2,800 = 5,200, is referred to charity."""
    household = world["hh_dongbao"]
    case = Case(
        programme=Programme.MEDICAL,
        applicant=world["zhang"],
        household=household,
        region=household.region,
        channel="window",
        reason="住院",
        state=state,
        applied_on=TODAY,
        stage_started_on=TODAY,
        closed_on=TODAY if state == State.APPROVED else None,
    )
    case.number = next_case_number(household.region, YEAR)
    case.save(force_insert=True)
    bill = MedicalBill.objects.create(
        case=case,
        person=world["zhang"],
        settlement_number=f"JS{case.pk:06d}",
        hospital="荆门市第一人民医院",
        kind="inpatient",
        admitted_on=TODAY - dt.timedelta(days=10),
        discharged_on=TODAY - dt.timedelta(days=1),
        total_fen=20_000_00,
        in_policy_fen=16_000_00,
        basic_insurance_fen=10_000_00,
        critical_illness_fen=2_000_00,
        self_paid_in_policy_fen=4_000_00,
        source="typed",
        assistance_fen=2_800_00 if state == State.APPROVED else None,
        charity_fen=charity_fen if state == State.APPROVED else None,
        decided_on=TODAY if state == State.APPROVED else None,
    )
    return case, bill


def test_charity_pays_at_most_what_remains_after_the_earlier_payers(world, api_client):
    case, bill = _settled_case(world)
    _pending, pending_bill = _settled_case(world, state=State.COUNTY_REVIEW)
    api = api_client.login("charity")
    _donation(api, amount_fen=10_000_00)
    referrals = api.get("/api/v1/charity/medical-referrals").json()
    assert [(b["id"], b["charity_fen"], b["room_fen"]) for b in referrals] == [
        (bill.pk, 5200_00, 5200_00)
    ]
    pay = {"medical_bill_id": bill.pk, "used_on": TODAY.isoformat()}
    assert (
        api.post("/api/v1/charity/medical-payments", {**pay, "amount_fen": 3000_00}).status_code
        == 201
    )
    r = api.post("/api/v1/charity/medical-payments", {**pay, "amount_fen": 2200_01})
    assert r.status_code == 422 and "2200.00" in _fields(r)["amount_fen"]
    assert (
        api.post("/api/v1/charity/medical-payments", {**pay, "amount_fen": 2200_00}).status_code
        == 201
    )
    assert api.get("/api/v1/charity/medical-referrals").json()[0]["room_fen"] == 0
    # A bill not yet settled (the case undecided) is not open to charity.
    r = api.post(
        "/api/v1/charity/medical-payments",
        {**pay, "medical_bill_id": pending_bill.pk, "amount_fen": 100},
    )
    assert r.status_code == 404
    # Another region's charity does not reach the bill (钟祥 registry, 东宝 case).
    zx = api_client.login("zx_charity")
    assert zx.get("/api/v1/charity/medical-referrals").json() == []
    assert (
        zx.post("/api/v1/charity/medical-payments", {**pay, "amount_fen": 100}).status_code == 404
    )
    # Shown on the case's timeline through cases' hook.
    entries = [e for e in case_timeline.followups(case) if e["label"] == "慈善救助"]
    assert len(entries) == 2 and "3000.00" in entries[0]["detail"]


# ---------------------------------------------------------------- publicity and scope


def test_the_public_page_shows_masked_donors_and_published_uses_only(world, api_client, client):
    api = api_client.login("charity")
    zhang_id = make_id("420802", "19800101", 11)
    _donation(api, donor_kind="person", donor_id_number=zhang_id, amount_fen=200_00)
    li_id = make_id("420802", "19820202", 22)
    _donation(
        api, donor_kind="person", donor_id_number=li_id, public_anonymous=True, amount_fen=300_00
    )
    _donation(api, donor_unit="荆门日报社", amount_fen=500_00)
    use = api.post(
        "/api/v1/charity/uses",
        {
            "project": "春节慰问困难群众",
            "used_on": TODAY.isoformat(),
            "beneficiary_id_number": zhang_id,
            "purpose": "poverty",
            "amount_fen": 100_00,
        },
    )
    assert use.status_code == 201
    url = f"/charity/public/?org={world['charity'].pk}&month={TODAY:%Y-%m}"
    page = client.get(url).content.decode()
    assert client.get(url).status_code == 200
    assert "张*" in page and "张三" not in page and "李梅" not in page and "匿名" in page
    assert "荆门日报社" in page and "春节慰问困难群众" not in page and "1000.00" in page
    assert api.post("/api/v1/charity/uses/publish", {}).json() == {"published": 1}
    page = client.get(url).content.decode()
    assert "春节慰问困难群众" in page and "张三" not in page
    assert zhang_id not in page and zhang_id[-4:] not in page
    r = client.get(f"/api/v1/charity/public/{world['charity'].pk}/{YEAR}/{TODAY.month}")
    body = r.json()
    assert r.status_code == 200 and body["donations_fen"] == 1000_00 and body["uses_fen"] == 100_00
    assert {d["donor"] for d in body["donations"]} == {"张*", "匿名", "荆门日报社"}
    assert "张三" not in r.content.decode()
    assert client.get(f"/api/v1/charity/public/{world['charity'].pk}/{YEAR}/13").status_code == 404


def test_an_organisation_sees_only_its_own_books(world, api_client, client):
    api = api_client.login("charity")
    donation = _donation(api).json()
    receipt = api.post(f"/api/v1/charity/donations/{donation['id']}/receipt").json()
    zx = api_client.login("zx_charity")
    assert zx.get(f"/api/v1/charity/donations/{donation['id']}").status_code == 404
    assert zx.post(f"/api/v1/charity/donations/{donation['id']}/receipt").status_code == 404
    assert (
        zx.post(f"/api/v1/charity/receipts/{receipt['id']}/void", {"reason": "x"}).status_code
        == 404
    )
    assert zx.get(f"/api/v1/charity/receipts/{receipt['id']}/pdf").status_code == 404
    assert zx.get("/api/v1/charity/donations").json()["count"] == 0
    client.force_login(world["zx_user"])
    assert client.get(f"/charity/donations/{donation['id']}/").status_code == 404
    assert client.get(f"/charity/receipts/{receipt['id']}/").status_code == 404
    # The county approver of 东宝 does not oversee the city's registry; the city section does,
    # reads but does not write the organisation's books.
    client.force_login(world["dongbao_approver"])
    assert client.get(f"/charity/donations/{donation['id']}/").status_code == 404
    section = api_client.login("city_section")
    assert section.get(f"/api/v1/charity/donations/{donation['id']}").status_code == 200
    assert section.post(f"/api/v1/charity/donations/{donation['id']}/receipt").status_code == 403
    assert (
        section.post(
            "/api/v1/charity/donations",
            {
                "donor_kind": "anonymous",
                "form": "money",
                "amount_fen": 1,
                "received_on": TODAY.isoformat(),
                "channel": "cash",
            },
        ).status_code
        == 404
    )
    # A township clerk has no part.
    client.force_login(world["dongbao_clerk"])
    assert client.get("/charity/").status_code == 403


def test_one_day_drive_units_and_totals(world, api_client, client):
    api = api_client.login("charity")
    campaign = api.post("/api/v1/charity/drives", {"year": YEAR}).json()
    assert api.post("/api/v1/charity/drives", {"year": YEAR}).json()["id"] == campaign["id"]
    for unit, amount in [
        ("荆门市民政局", 800_00),
        ("荆门市教育局", 600_00),
        ("荆门市民政局", 200_00),
    ]:
        assert (
            _donation(
                api, donor_unit=unit, amount_fen=amount, campaign_id=campaign["id"]
            ).status_code
            == 201
        )
    _donation(api, donor_unit="不参加的单位", amount_fen=999_00)
    section = api_client.login("city_section")
    (drive,) = section.get("/api/v1/charity/drives", year=YEAR).json()
    assert drive["total_fen"] == 1600_00 and drive["donations"] == 3
    assert [(u["unit"], u["total_fen"]) for u in drive["units"]] == [
        ("荆门市民政局", 1000_00),
        ("荆门市教育局", 600_00),
    ]
    client.force_login(world["city_section"])
    page = client.get("/charity/drives/").content.decode()
    assert "1600.00" in page and "不参加的单位" not in page


# ---------------------------------------------------------------- targets


def test_targets_13_1_and_6_7_by_hand(world):
    charity, zx = world["charity"], world["zx"]
    d = dt.date(YEAR, 6, 30)
    Donation.objects.bulk_create(
        [
            Donation(
                charity=charity,
                donor_kind="unit",
                donor_unit="甲",
                form="money",
                amount_fen=12_345_67,
                received_on=dt.date(YEAR, 1, 1),
                channel="bank",
            ),
            Donation(
                charity=charity,
                donor_kind="unit",
                donor_unit="乙",
                form="goods",
                goods_description="棉被",
                goods_quantity=10,
                amount_fen=2_000_00,
                received_on=d,
                channel="in_kind",
            ),
            Donation(
                charity=charity,
                donor_kind="unit",
                donor_unit="丙",
                form="money",
                amount_fen=9_999_00,
                received_on=dt.date(YEAR, 7, 1),
                channel="bank",
            ),
            Donation(
                charity=charity,
                donor_kind="unit",
                donor_unit="丁",
                form="money",
                amount_fen=9_999_00,
                received_on=dt.date(YEAR - 1, 12, 31),
                channel="bank",
            ),
            Donation(
                charity=zx,
                donor_kind="anonymous",
                form="money",
                amount_fen=5_000_00,
                received_on=dt.date(YEAR, 3, 1),
                channel="cash",
            ),
        ]
    )
    regions = list(Region.objects.prefetch_related("members"))
    values = indicators.charity_donations(regions, d)
    # 荆门市慈善总会 (domicile 龙泉街道): 12,345.67 + 2,000 = 14,345.67 yuan = 1.434567 万元;
    # 钟祥市慈善会: 5,000 yuan = 0.5 万元; the city 1.934567.
    assert values["420802001"] == Decimal("1.434567") and values["420802"] == Decimal("1.434567")
    assert values["420881"] == Decimal("0.5") and values["420800"] == Decimal("1.934567")
    pupils = {}
    for name, birth, seq in [
        ("小明", f"{YEAR - 10}0301", 51),
        ("小红", f"{YEAR - 17}0101", 52),
        ("大刚", f"{YEAR - 18}0101", 53),
    ]:
        pupils[name] = people_services.register_person(
            user=world["dongbao_clerk"],
            id_number=make_id("420802", birth, seq),
            name=name,
            hukou_region=world["longquan_community"],
            hukou_type="urban",
        )
    Use.objects.bulk_create(
        [
            Use(
                charity=charity,
                project="助学",
                beneficiary_person=pupils["小明"],
                amount_fen=500_00,
                used_on=dt.date(YEAR, 3, 1),
                purpose="education",
            ),
            Use(
                charity=charity,
                project="助学",
                beneficiary_person=pupils["小明"],
                amount_fen=500_00,
                used_on=dt.date(YEAR, 4, 1),
                purpose="education",
            ),
            # 17 years old on 1 March (turned 17 on 1 January): a pupil
            Use(
                charity=charity,
                project="助学",
                beneficiary_person=pupils["小红"],
                amount_fen=500_00,
                used_on=dt.date(YEAR, 3, 1),
                purpose="education",
            ),
            # 18: no longer school age
            Use(
                charity=charity,
                project="助学",
                beneficiary_person=pupils["大刚"],
                amount_fen=500_00,
                used_on=dt.date(YEAR, 3, 1),
                purpose="education",
            ),
            # a medical payment is not schooling aid; a use after d not yet counted
            Use(
                charity=charity,
                project="助医",
                beneficiary_person=pupils["小明"],
                amount_fen=500_00,
                used_on=dt.date(YEAR, 3, 1),
                purpose="medical",
            ),
            Use(
                charity=charity,
                project="助学",
                beneficiary_person=world["zhang"],
                amount_fen=500_00,
                used_on=dt.date(YEAR, 3, 1),
                purpose="education",
            ),
        ]
    )
    funded = indicators.poor_pupils_funded(regions, d)
    assert funded["420802001"] == 2 and funded["420800"] == 2 and funded["420881"] == 0


def test_lottery_sales_reported_monthly_with_evidence(world):
    """12.1 stays reported: the city section files each month's year-to-date sales with the
    lottery centre's statement; a report without evidence cannot be approved; the snapshot takes
    the latest approved month on or before the date."""
    from django.core.files.base import ContentFile

    from minzheng.core.errors import ServiceError
    from minzheng.targets import indicators as target_indicators
    from minzheng.targets.refresh import reported_values
    from minzheng.targets.services import review_report, submit_report

    admin = make_user("platform_admin", Role.ADMIN, None, is_superuser=True, is_staff=True)
    city = world["city"]
    section = world["city_section"]
    jan = submit_report(
        user=section,
        indicator="lottery_sales",
        region=city,
        as_of=dt.date(YEAR, 1, 31),
        value="3400",
        files=[ContentFile(b"%PDF-1.4 jan", name="jan.pdf")],
    )
    feb = submit_report(
        user=section,
        indicator="lottery_sales",
        region=city,
        as_of=dt.date(YEAR, 2, 28),
        value="6500",
    )
    review_report(user=admin, report=jan, approve=True)
    with pytest.raises(ServiceError):
        review_report(user=admin, report=feb, approve=True)
    regions = list(Region.objects.prefetch_related("members"))
    cells = reported_values([target_indicators.get("lottery_sales")], regions, dt.date(YEAR, 3, 15))
    assert cells["lottery_sales"]["420800"].value == Decimal("3400")
    assert target_indicators.get("lottery_sales").kind == "reported"
    assert target_indicators.get("charity_donations").kind == "computed"
    assert target_indicators.get("poor_pupils_funded").kind == "computed"


def test_demo_is_idempotent_and_binds_the_charity_account(world):
    from minzheng.charity.demo import seed_demo_charity

    first = seed_demo_charity()
    assert first.get("charities", 0) >= 1 or first.get("added") == 0
    assert (
        OrganisationAccount.objects.get(user=world["charity_user"]).organisation.name
        == "荆门市慈善总会"
    )
    counts = (
        Charity.objects.count(),
        Donation.objects.count(),
        Use.objects.count(),
        Receipt.objects.count(),
    )
    seed_demo_charity()
    assert counts == (
        Charity.objects.count(),
        Donation.objects.count(),
        Use.objects.count(),
        Receipt.objects.count(),
    )


def test_the_city_section_recognises_and_the_charity_starts_its_drive_in_pages(world, client):
    other = register_organisation(
        name="东宝区博爱慈善基金会",
        kind="foundation",
        field="charity",
        registry=world["dongbao"],
        region=world["longquan"],
        registered_on=dt.date(2012, 1, 1),
        purpose="扶贫济困",
        capital_fen=2_000_000_00,
    )
    client.force_login(world["city_section"])
    page = client.get("/charity/").content.decode()
    assert "东宝区博爱慈善基金会" in page and "荆门市慈善总会" in page
    r = client.post("/charity/recognise/", {"organisation": other.pk, "public_fundraising": "on"})
    assert r.status_code == 302 and Charity.objects.get(organisation=other).public_fundraising
    # Twice is refused with a message, not an error page.
    r = client.post("/charity/recognise/", {"organisation": other.pk}, follow=True)
    assert "该组织已认定为慈善组织" in r.content.decode()
    # A county approver may not recognise.
    client.force_login(world["dongbao_approver"])
    assert client.post("/charity/recognise/", {"organisation": other.pk}).status_code == 403
    client.force_login(world["charity_user"])
    assert 'data-testid="drive-start"' in client.get("/charity/drives/").content.decode()
    assert client.post("/charity/drives/start/").status_code == 302
    page = client.get("/charity/drives/").content.decode()
    assert 'data-testid="drive-start"' not in page and f"{YEAR}年慈善一日捐" in page

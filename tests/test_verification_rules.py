"""Each verification rule on hand-made households: one that triggers it (at the boundary where
one is possible) and one that narrowly misses it, all verified in one run over the applications
of 龙泉街道. Figures, worked out by hand from the default standards (2016 Jingmen):

* 龙泉社区 is urban, 东宝区: 低保 standard 480 元/month = 48,000 fen.
* car limit 80,000 元 = 8,000,000 fen; any car does not disqualify by itself.
* financial assets: 36 × 48,000 = 1,728,000 fen per member; a household of two: 3,456,000 fen.
* taxed wages: 48,000 × 1 member × 12 months = 576,000 fen for a household of one.
* reference date 2024-06-30; applications dated 2024-06-01, so the split window (365 days) starts
  2023-06-02; the 12-month insurance / provident-fund / tax windows start 2023-07-01.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from pathlib import Path

import pytest

from minzheng.accounts.models import Role
from minzheng.assistance.services import load_default_standards
from minzheng.cases.models import Authorisation, Case, Channel, Document, DocumentKind, State
from minzheng.people import services as people_services
from minzheng.verification import imports, runs, services
from minzheng.verification.models import Finding, Run

from .conftest import make_id, make_user

D = dt.date.fromisoformat
REF = D("2024-06-30")
APPLIED = D("2024-06-01")
OUTSIDER = make_id("420100", "19800101", 901)  # a spouse from 武汉, not in the registry
STAFF = make_id("420802", "19700101", 902)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BROKER_URL = ""


class Scenario:
    """Households of 龙泉社区, each with an application in verification, and the departmental rows
    written as CSV files (some with Chinese headers, some with codes) and imported."""

    def __init__(self, jingmen, clerk, tmp_path: Path):
        self.region = jingmen["longquan_community"]
        self.clerk = clerk
        self.tmp = tmp_path
        self.rows: dict[str, list[dict]] = {}
        self.households: dict[str, object] = {}
        self.people: dict[str, object] = {}
        self.ids: dict[str, str] = {}
        self.seq = itertools.count(100)
        self.case_seq = itertools.count(1)

    def household(self, label: str, *members: tuple[str, str], programme: str = "dibao_urban"):
        """members: (name, relation); the first is the head. Born 1980-1990."""
        people = []
        for index, (name, relation) in enumerate(members):
            number = make_id(
                "420802", f"{1980 + index}0{1 + index % 9}1{index % 10}", next(self.seq)
            )
            person = people_services.register_person(
                user=self.clerk,
                id_number=number,
                name=name,
                hukou_region=self.region,
                hukou_type="urban",
            )
            self.people[name], self.ids[name] = person, number
            people.append((person, relation))
        household = people_services.create_household(
            user=self.clerk,
            region=self.region,
            head=people[0][0],
            members=people[1:],
            since=D("2015-01-01"),
        )
        case = Case.objects.create(
            number=f"4208022024{next(self.case_seq):05d}",
            programme=programme,
            applicant=people[0][0],
            household=household,
            region=self.region,
            channel=Channel.WINDOW,
            state=State.VERIFYING,
            applied_on=APPLIED,
            stage_started_on=APPLIED,
        )
        document = Document.objects.create(
            case=case,
            kind=DocumentKind.AUTHORISATION,
            file="cases/x.pdf",
            original_name="x.pdf",
            content_type="application/pdf",
            extension=".pdf",
            size=1,
            sha256="0" * 64,
        )
        Authorisation.objects.create(
            case=case, document=document, signed_on=APPLIED, signed_by=[p.name for p, _ in people]
        )
        self.households[label] = household
        return household

    def add(self, source: str, **row) -> None:
        self.rows.setdefault(source, []).append(row)

    def import_all(
        self, *, chinese_headers: tuple[str, ...] = ("vehicles", "deposits", "marriage")
    ) -> dict:
        from minzheng.verification.sources import get_source

        batches = {}
        for source, rows in self.rows.items():
            schema = get_source(source)
            path = self.tmp / f"{source}.csv"
            with open(path, "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                names = [c.name for c in schema.columns]
                writer.writerow(
                    [str(schema.column(n).label) if source in chinese_headers else n for n in names]
                )
                for row in rows:
                    writer.writerow(["" if row.get(n) is None else row[n] for n in names])
            batches[source] = imports.import_file(
                source=source, path=path, as_of=REF, today=D("2024-07-01")
            )
            assert batches[source].rows_rejected == 0, batches[source].errors
        return batches


def build_scenario(jingmen, users, tmp_path) -> Scenario:
    load_default_standards()
    s = Scenario(jingmen, users["dongbao_clerk"], tmp_path)
    ids = s.ids

    # deceased_member: a death on the reference date counts, the day after does not.
    s.household("deceased", ("赵一", "head"), ("赵二", "spouse"))
    s.add("deaths", id_number=ids["赵二"], name="赵二", death_date="2024-06-30")
    s.household("deceased_miss", ("钱一", "head"))
    s.add("deaths", id_number=ids["钱一"], name="钱一", death_date="2024-07-01")

    # vehicle: one fen over the limit; exactly the limit; a disability vehicle; scrapped on the day.
    s.household("vehicle", ("孙一", "head"))
    s.add(
        "vehicles",
        id_number=ids["孙一"],
        plate="鄂H12345",
        vehicle_type="car",
        value="80000.01",
        registered_on="2020-01-01",
    )
    s.household("vehicle_miss", ("李一", "head"))
    s.add(
        "vehicles",
        id_number=ids["李一"],
        plate="鄂H22345",
        vehicle_type="car",
        value="80000",
        registered_on="2020-01-01",
    )
    s.add(
        "vehicles",
        id_number=ids["李一"],
        plate="鄂H32345",
        vehicle_type="disability",
        value="200000",
        registered_on="2020-01-01",
    )
    s.add(
        "vehicles",
        id_number=ids["李一"],
        plate="鄂H42345",
        vehicle_type="truck",
        value="300000",
        registered_on="2020-01-01",
        deregistered_on="2024-06-30",
    )

    # multiple_homes: two certificates; one home co-owned by both spouses plus a second one sold on the day.
    s.household("homes", ("周一", "head"))
    s.add(
        "real_estate",
        id_number=ids["周一"],
        certificate_no="A1",
        usage="residential",
        registered_on="2010-01-01",
    )
    s.add(
        "real_estate",
        id_number=ids["周一"],
        certificate_no="A2",
        usage="residential",
        registered_on="2023-01-01",
    )
    s.household("homes_miss", ("吴一", "head"), ("吴二", "spouse"))
    s.add(
        "real_estate",
        id_number=ids["吴一"],
        certificate_no="B1",
        usage="residential",
        registered_on="2010-01-01",
    )
    s.add(
        "real_estate",
        id_number=ids["吴二"],
        certificate_no="B1",
        usage="residential",
        registered_on="2010-01-01",
    )
    s.add(
        "real_estate",
        id_number=ids["吴一"],
        certificate_no="B2",
        usage="residential",
        registered_on="2020-01-01",
        cancelled_on="2024-06-30",
    )

    # non_residential_property: an office; a shop registered the day after the reference date.
    s.household("office", ("郑一", "head"))
    s.add(
        "real_estate",
        id_number=ids["郑一"],
        certificate_no="C1",
        usage="office",
        registered_on="2024-06-30",
    )
    s.household("office_miss", ("王一", "head"))
    s.add(
        "real_estate",
        id_number=ids["王一"],
        certificate_no="C2",
        usage="commercial",
        registered_on="2024-07-01",
    )

    # business_role: legal representative; a sole trader with one employee (an employer);
    # a shareholder and a sole trader alone are not in the default set.
    s.household("legal_rep", ("冯一", "head"))
    s.add(
        "business",
        id_number=ids["冯一"],
        credit_code="91420800A",
        entity_name="甲公司",
        entity_type="company",
        role="legal_representative",
        employees="0",
        registered_on="2019-01-01",
    )
    s.household("employer", ("陈一", "head"))
    s.add(
        "business",
        id_number=ids["陈一"],
        credit_code="92420800B",
        entity_name="乙商行",
        entity_type="individual_business",
        role="operator",
        employees="1",
        registered_on="2019-01-01",
    )
    s.household("business_miss", ("褚一", "head"))
    s.add(
        "business",
        id_number=ids["褚一"],
        credit_code="91420800C",
        entity_name="丙公司",
        entity_type="company",
        role="shareholder",
        employees="20",
        registered_on="2019-01-01",
    )
    s.add(
        "business",
        id_number=ids["褚一"],
        credit_code="92420800D",
        entity_name="丁商行",
        entity_type="individual_business",
        role="operator",
        employees="0",
        registered_on="2019-01-01",
    )
    s.add(
        "business",
        id_number=ids["褚一"],
        credit_code="91420800E",
        entity_name="戊公司",
        entity_type="company",
        role="legal_representative",
        employees="3",
        registered_on="2015-01-01",
        deregistered_on="2024-06-30",
    )

    # financial_assets: two members, limit 3,456,000 fen; one fen over, and exactly at the limit.
    s.household("assets", ("卫一", "head"), ("卫二", "spouse"))
    s.add(
        "deposits",
        id_number=ids["卫一"],
        bank_name="农商银行",
        balance="30000.00",
        as_of="2024-06-30",
    )
    s.add(
        "securities",
        id_number=ids["卫二"],
        institution="长江证券",
        product="fund",
        market_value="4560.01",
        as_of="2024-06-30",
    )
    s.household("assets_miss", ("蒋一", "head"), ("蒋二", "spouse"))
    s.add(
        "deposits", id_number=ids["蒋一"], bank_name="农商银行", balance="30000", as_of="2024-06-30"
    )
    s.add(
        "securities",
        id_number=ids["蒋二"],
        institution="长江证券",
        product="fund",
        market_value="4560",
        as_of="2024-06-30",
    )

    # undeclared_marriage: married to someone outside the household; divorced since; married to a
    # member; widowed.
    s.household("married", ("沈一", "head"))
    s.add(
        "marriage",
        id_number=ids["沈一"],
        spouse_id_number=OUTSIDER,
        event="marriage",
        event_date="2018-05-01",
    )
    s.household("married_miss", ("韩一", "head"), ("韩二", "spouse"), ("韩三", "child"))
    s.add(
        "marriage",
        id_number=ids["韩一"],
        spouse_id_number=ids["韩二"],
        event="marriage",
        event_date="2005-05-01",
    )
    s.add(
        "marriage",
        id_number=ids["韩三"],
        spouse_id_number=OUTSIDER,
        event="marriage",
        event_date="2019-05-01",
    )
    s.add(
        "marriage",
        id_number=ids["韩三"],
        spouse_id_number=OUTSIDER,
        event="divorce",
        event_date="2021-05-01",
    )
    widower_spouse = make_id("420100", "19600101", 903)
    s.household("widowed", ("杨一", "head"))
    s.add(
        "marriage",
        id_number=ids["杨一"],
        spouse_id_number=widower_spouse,
        event="marriage",
        event_date="1990-05-01",
    )
    s.add("deaths", id_number=widower_spouse, name="杨妻", death_date="2020-01-01")

    # household_split: left a registered household still holding non-members on the first day
    # of the window; one day earlier is outside it.
    s.household("split", ("朱一", "head"))
    s.household("split_miss", ("秦一", "head"))
    s.add(
        "hukou",
        id_number=ids["朱一"],
        hukou_number="HK-OLD-1",
        since="2000-01-01",
        until="2023-06-02",
    )
    s.add(
        "hukou",
        id_number=ids["秦一"],
        hukou_number="HK-OLD-2",
        since="2000-01-01",
        until="2023-06-01",
    )
    for number, hukou in (
        (make_id("420802", "19500101", 904), "HK-OLD-1"),
        (make_id("420802", "19500101", 905), "HK-OLD-2"),
    ):
        s.add("hukou", id_number=number, hukou_number=hukou, since="1990-01-01")

    # duplicate_assistance: the same programme in another county; an excluded programme; its own
    # listing and a listing that ended on the day do not count.
    s.household("duplicate", ("尤一", "head"))
    s.add(
        "beneficiaries",
        id_number=ids["尤一"],
        household_number="H420881001001000099",
        programme="dibao_urban",
        county_code="420881",
        since="2023-01-01",
    )
    s.household("excluded", ("许一", "head"))
    s.add(
        "beneficiaries",
        id_number=ids["许一"],
        household_number=s.households["excluded"].number,
        programme="tekun",
        county_code="420802",
        since="2023-01-01",
    )
    s.household("duplicate_miss", ("何一", "head"))
    s.add(
        "beneficiaries",
        id_number=ids["何一"],
        household_number=s.households["duplicate_miss"].number,
        programme="dibao_urban",
        county_code="420802",
        since="2023-01-01",
    )
    s.add(
        "beneficiaries",
        id_number=ids["何一"],
        household_number="H420881001001000098",
        programme="dibao_urban",
        county_code="420881",
        since="2020-01-01",
        until="2024-06-30",
    )

    # existing_entitlement (the platform's own entitlements, no file imported): the household
    # already receives the programme it applies for; a member receives 特困 (excluded with 低保);
    # a terminated 低保, an entitlement that ended the month before, and the old-age allowance
    # (not excluded) do not count.
    s.household("entitled", ("柏一", "head"))
    entitle(s, "entitled", "dibao_urban")
    s.household("entitled_excluded", ("水一", "head"), ("水二", "spouse"))
    entitle(s, "entitled_excluded", "tekun", person=s.people["水二"])
    s.household("entitled_miss", ("窦一", "head"), ("窦二", "spouse"))
    entitle(s, "entitled_miss", "dibao_urban", status="terminated", end_month=D("2024-03-01"))
    entitle(s, "entitled_miss", "tekun", person=s.people["窦二"], end_month=D("2024-05-01"))
    entitle(s, "entitled_miss", "old_age_allowance", person=s.people["窦一"])

    # staff_relative (a notice): declared by a staff member; the miss is someone else's relative.
    s.household("relative", ("吕一", "head"))
    s.add(
        "staff_relatives",
        staff_id_number=STAFF,
        staff_name="施经办",
        staff_unit="龙泉街道民政办",
        relative_id_number=ids["吕一"],
        relation="兄弟姐妹",
    )
    s.add(
        "staff_relatives",
        staff_id_number=STAFF,
        staff_name="施经办",
        staff_unit="龙泉街道民政办",
        relative_id_number=make_id("420802", "19990101", 906),
        relation="子女",
    )

    # public_sector: on the payroll; left on the day.
    s.household("public", ("张甲", "head"))
    s.add(
        "payroll",
        id_number=ids["张甲"],
        employer_name="东宝区教育局",
        unit_type="agency",
        monthly_pay="5000",
        since="2010-01-01",
    )
    s.household("public_miss", ("孔一", "head"))
    s.add(
        "payroll",
        id_number=ids["孔一"],
        employer_name="东宝区教育局",
        unit_type="agency",
        monthly_pay="5000",
        since="2010-01-01",
        until="2024-06-30",
    )

    # employer_insurance: 3 months in the window; 2 months; 3 months with one just before the window.
    s.household("insured", ("曹一", "head"))
    s.household("insured_miss", ("严一", "head"))
    s.household("insured_early", ("华一", "head"))
    for name, months in (
        ("曹一", ("2024-04", "2024-05", "2024-06")),
        ("严一", ("2024-05", "2024-06")),
        ("华一", ("2023-06", "2024-05", "2024-06")),
    ):
        for month in months:
            s.add(
                "social_insurance",
                id_number=ids[name],
                period=month,
                scheme="employee_pension",
                payer="employer",
                employer_name="荆门石化",
                contribution="800",
            )
    s.add(
        "social_insurance",
        id_number=ids["严一"],
        period="2024-04",
        scheme="resident_pension",
        payer="individual",
        contribution="300",
    )

    # provident_fund: the same pattern.
    s.household("fund", ("金一", "head"))
    s.household("fund_miss", ("魏一", "head"))
    for name, months in (
        ("金一", ("2023-07", "2023-08", "2024-06")),
        ("魏一", ("2023-06", "2023-07", "2024-06")),
    ):
        for month in months:
            s.add(
                "provident_fund",
                id_number=ids[name],
                period=month,
                employer_name="荆门石化",
                deposit="500",
            )

    # taxed_income: one member, limit 576,000 fen over 12 months.
    s.household("taxed", ("陶一", "head"))
    s.household("taxed_miss", ("姜一", "head"))
    for name, last in (("陶一", "1760.01"), ("姜一", "1760")):
        for month, income in (("2023-07", "2000"), ("2024-01", "2000"), ("2024-06", last)):
            s.add("tax", id_number=ids[name], period=month, payer_name="荆门石化", income=income)
    s.add(
        "tax", id_number=ids["姜一"], period="2023-06", payer_name="荆门石化", income="99999"
    )  # before the window

    s.batches = s.import_all()
    return s


@pytest.fixture
def verifier(jingmen):
    return make_user("verifier", Role.VERIFICATION_CENTRE, jingmen["dongbao"])


@pytest.fixture
def scenario(jingmen, users, tmp_path):
    return build_scenario(jingmen, users, tmp_path)


def entitle(
    s: Scenario, label: str, programme: str, *, person=None, status="active", end_month=None
):
    """A platform entitlement as the payments module keeps it (paid since January 2023)."""
    from minzheng.payments.models import Entitlement

    household = s.households[label]
    Entitlement.objects.create(
        programme=programme,
        household=household,
        person=person,
        region=household.region,
        status=status,
        beneficiary_key=f"p{person.pk}" if person else f"h{household.pk}",
        start_month=D("2023-01-01"),
        end_month=end_month,
        monthly_amount_fen=30000,
        amount_since=D("2023-01-01"),
        computed_on=D("2022-12-20"),
        source="demo",
    )


@pytest.fixture
def run(scenario, jingmen, users):
    """Started by 龙泉街道's clerk, who may record the verification result and declare a relative."""
    started = services.start_run(
        user=users["dongbao_clerk"],
        kind=Run.Kind.APPLICATIONS,
        region=jingmen["longquan"],
        as_of=REF,
        dispatch_on_commit=False,
    )
    runs.execute(started.pk)
    started.refresh_from_db()
    return started


EXPECTED = [
    ("deceased", {("deceased_member", "赵二")}),
    ("deceased_miss", set()),
    ("vehicle", {("vehicle", "孙一")}),
    ("vehicle_miss", set()),
    ("homes", {("multiple_homes", "周一")}),
    ("homes_miss", set()),
    ("office", {("non_residential_property", "郑一")}),
    ("office_miss", set()),
    ("legal_rep", {("business_role", "冯一")}),
    ("employer", {("business_role", "陈一")}),
    ("business_miss", set()),
    ("assets", {("financial_assets", "卫一")}),
    ("assets_miss", set()),
    ("married", {("undeclared_marriage", "沈一")}),
    ("married_miss", set()),
    ("widowed", set()),
    ("split", {("household_split", "朱一")}),
    ("split_miss", set()),
    ("duplicate", {("duplicate_assistance", "尤一")}),
    ("excluded", {("duplicate_assistance", "许一")}),
    ("duplicate_miss", set()),
    ("entitled", {("existing_entitlement", "柏一")}),
    ("entitled_excluded", {("existing_entitlement", "水二")}),
    ("entitled_miss", set()),
    ("relative", {("staff_relative", "吕一")}),
    ("public", {("public_sector", "张甲")}),
    ("public_miss", set()),
    ("insured", {("employer_insurance", "曹一")}),
    ("insured_miss", set()),
    ("insured_early", set()),
    ("fund", {("provident_fund", "金一")}),
    ("fund_miss", set()),
    ("taxed", {("taxed_income", "陶一")}),
    ("taxed_miss", set()),
]


@pytest.mark.django_db
def test_every_rule_triggers_and_narrowly_misses(scenario, run):
    assert (
        run.status == Run.Status.SUCCEEDED
        and run.households == len(EXPECTED)
        and not run.missing_sources
    )
    found: dict[int, set] = {}
    for finding in Finding.objects.filter(last_run=run).select_related("person"):
        found.setdefault(finding.household_id, set()).add((finding.rule, finding.person.name))
    failures = []
    for label, expected in EXPECTED:
        got = found.get(scenario.households[label].pk, set())
        if got != expected:
            failures.append(f"{label}: expected {sorted(expected)}, got {sorted(got)}")
    assert not failures, "\n".join(failures)
    # Every rule is exercised by the table.
    assert {rule for _, expected in EXPECTED for rule, _ in expected} == {
        r.code for r in runs.RULES
    }


@pytest.mark.django_db
def test_findings_cite_batch_row_and_figures(scenario, run):
    vehicle = Finding.objects.get(last_run=run, rule="vehicle")
    assert (
        vehicle.batch == scenario.batches["vehicles"] and vehicle.row == 1
    )  # first record of the vehicles file
    assert vehicle.evidence == {
        "value_fen": 8_000_001,
        "limit_fen": 8_000_000,
        "plate": "鄂H12345",
        "vehicle_type": "car",
        "basis": "value",
        "registered_on": "2020-01-01",
        "source": "vehicles",
    }
    assert (
        vehicle.message
        == "名下有机动车 鄂H12345（小型汽车），价值 80000.01 元，超过限额 80000.00 元"
    )
    assets = Finding.objects.get(last_run=run, rule="financial_assets")
    assert (
        assets.evidence["total_fen"],
        assets.evidence["limit_fen"],
        assets.evidence["holdings"],
    ) == (3_456_001, 3_456_000, 2)
    assert (
        assets.batch == scenario.batches["deposits"] and assets.person.name == "卫一"
    )  # the larger holding is cited
    taxed = Finding.objects.get(last_run=run, rule="taxed_income")
    assert (taxed.evidence["total_fen"], taxed.evidence["limit_fen"], taxed.evidence["months"]) == (
        576_001,
        576_000,
        3,
    )
    split = Finding.objects.get(last_run=run, rule="household_split")
    assert (
        split.evidence["left_on"],
        split.evidence["others"],
        split.evidence["hukou_number"],
    ) == ("2023-06-02", 1, "HK-OLD-1")
    insurance = Finding.objects.get(last_run=run, rule="employer_insurance")
    assert (
        insurance.evidence["months"],
        insurance.evidence["min_months"],
        insurance.evidence["last_period"],
    ) == (3, 3, "2024-06-01")
    staff = Finding.objects.get(last_run=run, rule="staff_relative")
    assert staff.severity == Finding.Severity.NOTICE and staff.evidence["staff_name"] == "施经办"
    # Findings name the member by the platform's record: no plaintext ID number anywhere.
    for finding in Finding.objects.filter(last_run=run):
        assert scenario.ids[finding.person.name] not in str(finding.evidence) + finding.message


@pytest.mark.django_db
def test_clean_applications_pass_and_the_others_wait_for_staff(scenario, run):
    passed = {c.household_id for c in Case.objects.filter(state=State.INVESTIGATING)}
    waiting = {c.household_id for c in Case.objects.filter(state=State.VERIFYING)}
    with_findings = {
        scenario.households[label].pk
        for label, expected in EXPECTED
        if any(rule != "staff_relative" for rule, _ in expected)
    }
    assert waiting == with_findings
    assert passed == {h.pk for h in scenario.households.values()} - with_findings
    # The staff relative's application passed verification and was declared (备案) on the way.
    relative = Case.objects.get(household=scenario.households["relative"])
    assert relative.state == State.INVESTIGATING and relative.relative_of_staff
    assert relative.relative_relation == "施经办（龙泉街道民政办）的兄弟姐妹"


@pytest.mark.django_db
def test_parameters_come_from_the_standards(scenario, jingmen, verifier, users):
    """Raising the car limit for 东宝区 from 80,000 to 80,000.01 元 clears the car one fen over."""
    from minzheng.assistance.services import set_standard

    for programme in ("dibao_urban", "dibao_rural"):
        set_standard(
            user=users["admin"],
            programme=programme,
            key="car_value_limit",
            region=jingmen["dongbao"],
            effective_from=D("2024-01-01"),
            value=8_000_001,
            reason="测试",
        )
    run = services.start_run(
        user=verifier,
        kind=Run.Kind.APPLICATIONS,
        region=jingmen["longquan"],
        as_of=REF,
        dispatch_on_commit=False,
    )
    runs.execute(run.pk)
    assert not Finding.objects.filter(last_run=run, rule="vehicle").exists()
    assert Finding.objects.filter(last_run=run, rule="multiple_homes").exists()

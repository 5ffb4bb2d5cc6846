"""The 2016 plan as data: every quantified target of PLAN-EN.md (and of the Chinese original,
which adds a few), copying to another year, Excel export and import."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.regions.models import Region
from minzheng.targets import excel, services
from minzheng.targets.models import Plan, Target

D = dt.date
YEAR_END = D(2016, 12, 31)

# Quantified targets per work item, counted from PLAN-EN.md §2 and the Chinese original's 工作目标
# (0 = the guiding frame: Shayang's 20 eco-cemeteries, eco-burial 10 %, the Jingshan centre's
# 22.47 million yuan and completion, cremation ≥ 98 %). Item 1 has six city targets plus the four
# health-service shares for each of the two pilots; item 3's drill rate has a 2016 and a three-year
# target; item 18 adds the two zero targets of the Chinese text; item 24 is qualitative.
TARGETS_PER_ITEM = {
    0: 5,
    1: 14,
    2: 8,
    3: 6,
    4: 3,
    5: 4,
    6: 7,
    7: 5,
    8: 4,
    9: 1,
    10: 2,
    11: 1,
    12: 1,
    13: 1,
    14: 5,
    15: 5,
    16: 4,
    17: 3,
    18: 5,
    19: 1,
    20: 2,
    21: 2,
    22: 4,
    23: 5,
    24: 0,
    25: 8,
}
SECTIONS = {
    "0": [0],
    "A": [1, 2, 3, 4],
    "B": [5, 6, 7],
    "C": [8, 9, 10, 11, 12, 13],
    "D": [14, 15, 16, 17, 18],
    "E": [19, 20, 21],
    "F": [22, 23, 24, 25],
}

# code: indicator, comparison, value, unit, region, deadline
SPOT = {
    "0.1": ("eco_cemeteries_built", "ge", "20", "个", "420822", YEAR_END),
    "0.2": ("eco_burial_share", "ge", "10", "%", "420800", YEAR_END),
    "0.3": ("jingshan_centre_investment", "ge", "2247", "万元", "420821", YEAR_END),
    "0.5": ("cremation_rate", "ge", "98", "%", "420800", YEAR_END),
    "1.1": ("new_urban_home_care_centres", "ge", "24", "个", "420800", YEAR_END),
    "1.2": ("new_rural_mutual_aid_centres", "ge", "64", "个", "420800", YEAR_END),
    "1.3": ("elderly_care_beds", "ge", "16000", "张", "420800", YEAR_END),
    "1.4": ("beds_per_1000_elderly", "ge", "31", "张", "420800", YEAR_END),
    "1.5": ("elderly_assoc_coverage_urban", "ge", "95", "%", "420800", YEAR_END),
    "1.6": ("elderly_assoc_coverage_rural", "ge", "90", "%", "420800", YEAR_END),
    "1.7": ("health_link_urban_institutions", "ge", "100", "%", "420804", YEAR_END),
    "1.12": ("health_link_township_homes", "ge", "80", "%", "420881", YEAR_END),
    "1.14": ("health_link_rural_centres", "ge", "30", "%", "420881", YEAR_END),
    "2.1": ("dibao_urban_standard_ratio", "ge", "30", "%", "420800", YEAR_END),
    "2.2": ("dibao_rural_standard_ratio", "ge", "40", "%", "420800", YEAR_END),
    "2.3": ("wubao_standard_ratio", "ge", "80", "%", "420800", YEAR_END),
    "2.5": ("medical_assistance_inpatient_ratio", "ge", "70", "%", "420800", YEAR_END),
    "3.1": ("relief_fund_violations", "le", "0", "件", "420800", YEAR_END),
    "3.4": ("county_drill_rate", "ge", "40", "%", "420800", YEAR_END),
    "3.5": ("county_drill_rate", "ge", "100", "%", "420800", D(2018, 12, 31)),
    "3.6": ("new_model_disaster_communities", "ge", "10", "个", "420800", YEAR_END),
    "4.3": ("vagrant_children_school_return_rate", "ge", "90", "%", "420800", YEAR_END),
    "5.1": ("three_social_linkage_communities", "ge", "40", "个", "420800", YEAR_END),
    "5.3": ("difficult_villages_remediated", "ge", "27", "个", "420800", YEAR_END),
    "6.2": ("new_social_orgs", "ge", "90", "个", "420800", YEAR_END),
    "6.4": ("social_org_online_registration_rate", "ge", "100", "%", "420800", YEAR_END),
    "6.5": ("social_org_inspection_rate", "ge", "90", "%", "420800", YEAR_END),
    "6.7": ("poor_pupils_funded", "ge", "100", "名", "420800", YEAR_END),
    "7.5": ("volunteer_registration_rate", "ge", "5", "%", "420800", YEAR_END),
    "8.2": ("placename_records", "ge", "30000", "条", "420800", YEAR_END),
    "11.1": ("rehab_hospital_revenue", "ge", "14000", "万元", "420800", YEAR_END),  # 1.4亿元
    "12.1": (
        "lottery_sales",
        "ge",
        "43000",
        "万元",
        "420800",
        YEAR_END,
    ),  # 4.3亿元 = 430 million yuan
    "13.1": ("charity_donations", "ge", "600", "万元", "420800", YEAR_END),
    "14.4": ("veteran_training_pass_rate", "ge", "95", "%", "420800", YEAR_END),
    "14.5": ("veteran_employment_rate", "ge", "90", "%", "420800", YEAR_END),
    "15.4": ("pc_data_completeness_rate", "ge", "100", "%", "420800", YEAR_END),
    "16.2": ("double_support_community_share", "ge", "50", "%", "420800", YEAR_END),
    "16.3": ("double_support_township_share", "ge", "80", "%", "420800", YEAR_END),
    "16.4": ("double_support_county_share", "ge", "100", "%", "420800", YEAR_END),
    "17.3": ("retired_cadre_satisfaction", "ge", "95", "%", "420800", YEAR_END),
    "18.4": ("veteran_abnormal_petitions", "le", "0", "人次", "420800", YEAR_END),
    "21.1": ("systems_assessment_done", "ge", "1", "项", "420800", D(2016, 6, 30)),
    "21.2": ("pilot_acceptance_done", "ge", "1", "项", "420800", D(2016, 7, 31)),
    "23.5": ("public_satisfaction", "ge", "95", "%", "420800", YEAR_END),
    "25.2": ("county_info_items_monthly", "ge", "20", "条/月", "420800", YEAR_END),
    "25.3": ("section_info_items_monthly", "ge", "10", "条/月", "420800", YEAR_END),
    "25.4": ("provincial_submissions", "ge", "100", "篇", "420800", YEAR_END),
}


@pytest.fixture
def plan(jingmen):
    return services.load_plan_2016()


def test_the_plan_holds_every_quantified_target(plan):
    assert plan.year == 2016 and plan.region.code == "420800" and plan.status == Plan.Status.ACTIVE
    assert (plan.period_start, plan.period_end, plan.published_on) == (
        D(2016, 1, 1),
        YEAR_END,
        D(2016, 2, 22),
    )
    assert plan.targets.count() == sum(TARGETS_PER_ITEM.values()) == 106
    counts = {item.number: item.targets.count() for item in plan.work_items.all()}
    assert counts == TARGETS_PER_ITEM
    grouping = {
        s.code: sorted(s.work_items.values_list("number", flat=True)) for s in plan.sections.all()
    }
    assert grouping == SECTIONS
    assert all(t.weight == 1 for t in plan.targets.all())


def test_spot_values(plan):
    stored = {
        t.code: (t.indicator, t.comparison, t.value, t.unit, t.region.code, t.deadline)
        for t in plan.targets.select_related("region").filter(code__in=list(SPOT))
    }
    expected = {code: (i, c, Decimal(v), u, r, d) for code, (i, c, v, u, r, d) in SPOT.items()}
    assert stored == expected


def test_work_items_carry_description_and_responsible_units(plan):
    item = plan.work_items.get(number=1)
    assert item.title == "养老服务城乡一体化" and item.section.title == "推进城乡民生保障一体化"
    assert "高龄津贴" in item.description and "掇刀区" in item.responsible
    assert plan.work_items.get(number=11).responsible == "市康复医院"
    assert all(i.description for i in plan.work_items.all())


def test_loading_twice_changes_nothing(plan):
    events = AuditEvent.objects.count()
    again = services.load_plan_2016()
    assert again.pk == plan.pk and Plan.objects.count() == 1 and Target.objects.count() == 106
    assert AuditEvent.objects.count() == events


def test_copy_to_next_year_moves_dates_and_keeps_cascades(plan, users):
    target = plan.targets.get(code="1.4")
    services.cascade_to_children(user=users["city_section"], target=target)
    new = services.copy_plan(user=users["city_section"], plan=plan, year=2017)
    assert (new.year, new.status, new.title, new.copied_from_id) == (
        2017,
        Plan.Status.DRAFT,
        "荆门市2017年民政工作要点",
        plan.pk,
    )
    assert (new.period_start, new.period_end) == (D(2017, 1, 1), D(2017, 12, 31))
    assert new.targets.count() == 106 + 5
    assert new.targets.get(code="3.5").deadline == D(2019, 12, 31)
    assert new.targets.get(code="21.1").deadline == D(2017, 6, 30)
    shares = new.targets.get(code="1.4").children.order_by("region__code")
    assert [(c.region.code, c.value) for c in shares] == [
        (c, 31) for c in ("420802", "420804", "420821", "420822", "420881")
    ]
    assert plan.targets.count() == 106 + 5  # the original is untouched
    with pytest.raises(ServiceError) as exc:
        services.copy_plan(user=users["city_section"], plan=plan, year=2017)
    assert "已存在" in str(exc.value)


def test_only_plan_managers_copy(plan, users):
    with pytest.raises(PermissionDeniedError):
        services.copy_plan(user=users["dongbao_approver"], plan=plan, year=2017)
    with pytest.raises(PermissionDeniedError):
        services.copy_plan(user=users["leader"], plan=plan, year=2017)


def test_excel_round_trip(plan, users):
    services.allocate_target(
        user=users["city_section"],
        target=plan.targets.get(code="1.1"),
        shares=[
            (Region.objects.get(code=c), v)
            for c, v in [("420802", 5), ("420804", 5), ("420822", 4), ("420881", 6), ("420821", 4)]
        ],
    )
    before = services.plan_as_data(plan)
    content = excel.export_plan_xlsx(plan)
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["计划", "工作事项", "目标", "指标说明"]
    assert wb["目标"].max_row == 1 + 106 + 5
    plan.delete()
    imported = services.import_plan(user=users["admin"], data=excel.read_plan_xlsx(content))
    assert imported.status == Plan.Status.DRAFT
    after = services.plan_as_data(imported)
    assert after == before


def test_excel_import_names_bad_cells(plan, users):
    wb = load_workbook(io.BytesIO(excel.export_plan_xlsx(plan)))
    wb["计划"]["B2"] = 2018
    wb["目标"]["D2"] = "no_such_indicator"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ServiceError) as exc:
        services.import_plan(user=users["admin"], data=excel.read_plan_xlsx(out.getvalue()))
    assert "no_such_indicator" in str(exc.value) and "0.1" in str(exc.value)
    del wb["工作事项"]
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ServiceError) as exc:
        excel.read_plan_xlsx(out.getvalue())
    assert "工作事项" in str(exc.value)


def test_plan_settings_are_validated_and_audited(plan, users):
    services.update_plan(
        user=users["city_section"], plan=plan, pace_tolerance="0.05", auto_supervise=True
    )
    plan.refresh_from_db()
    assert plan.pace_tolerance == Decimal("0.05") and plan.auto_supervise
    event = AuditEvent.objects.filter(object_type="targets.plan", action="update").first()
    assert event.after == {"pace_tolerance": "0.0500", "auto_supervise": True}
    with pytest.raises(ServiceError) as exc:
        services.update_plan(user=users["city_section"], plan=plan, pace_tolerance="2")
    assert "pace_tolerance" in exc.value.errors

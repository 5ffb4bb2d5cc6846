"""The verification parameters page (核对参数): the look-back windows and lists are standards an
administrator changes per region and date; the change is audited and applies from the next run.

Figures (scenario of tests/fixtures/verification.py, reference date 2024-06-30): 曹一 has employer
contributions for February, March and April 2024. With the default 12-month window (from
2023-07-01) that is 3 months, the minimum: a finding. 东宝区 shortening the window to 3 months
(from 2024-04-01) leaves April only, 1 month, not the latest month (May or June): cleared."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from minzheng.assistance.models import Standard
from minzheng.core.models import AuditEvent
from minzheng.verification import runs, services
from minzheng.verification.models import Finding, Run
from tests.conftest import PASSWORD
from tests.fixtures.verification import REF, build_scenario

URL = "/verification/parameters/"
SET_URL = "/verification/parameters/set/"
KEY = "verification.insurance_window_months"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BROKER_URL = ""


def login(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


def run_longquan(users, jingmen, scenario) -> Run:
    run = services.start_run(
        user=users["dongbao_clerk"],
        kind=Run.Kind.HOUSEHOLDS,
        region=jingmen["longquan"],
        household_ids=[h.pk for h in scenario.households.values()],
        as_of=REF,
        dispatch_on_commit=False,
    )
    runs.execute(run.pk)
    run.refresh_from_db()
    return run


def insured(run) -> set[str]:
    return set(
        Finding.objects.filter(last_run=run, rule="employer_insurance").values_list(
            "person__name", flat=True
        )
    )


@pytest.mark.django_db
def test_the_page_lists_the_verification_standards_in_chinese(client, jingmen, users):
    from minzheng.assistance.services import load_default_standards

    load_default_standards()
    page = login(client, "admin").get(URL, {"region": "420802", "programme": "dibao_urban"})
    assert page.status_code == 200
    text = page.content.decode()
    rows = {
        "verification.split_window_days": ("核对：申请前分户回溯期", "365 天"),
        "verification.insurance_window_months": ("核对：单位缴纳社会保险回溯期", "12 个月"),
        "verification.insurance_min_months": ("核对：单位缴纳社会保险月数下限", "3 个月"),
        "verification.provident_window_months": ("核对：住房公积金回溯期", "12 个月"),
        "verification.tax_window_months": ("核对：纳税收入回溯期", "12 个月"),
        "verification.vehicle_exempt_types": ("核对：不计入的机动车类型", "残疾人专用车"),
        "verification.excluded_programmes": (
            "核对：不得同时享受的救助项目",
            "农村最低生活保障、特困人员救助供养",
        ),
    }
    for key, (label, value) in rows.items():
        row = text[text.index(f'data-key="{key}"') :]
        row = row[: row.index("</tr>")]
        assert label in row and value in row, key
    # Seeded at the city from 2016-01-01, and no internal code on the page.
    assert "2016-01-01" in text and "荆门市" in text
    main = text[text.index("<main") : text.index("</main>")]
    visible = re.sub(r"<[^>]*>", " ", main)
    assert "verification." not in visible and "disability" not in visible


@pytest.mark.django_db
def test_an_administrator_changes_a_window_and_only_the_next_run_uses_it(
    client, jingmen, users, tmp_path
):
    scenario = build_scenario(jingmen, users, tmp_path)
    before = run_longquan(users, jingmen, scenario)
    assert "曹一" in insured(before)
    findings_before = before.findings_total

    response = login(client, "city_section").post(
        SET_URL,
        {
            "region": "420802",
            "programme": "dibao_urban",
            "key": KEY,
            "value": "3",
            "effective_from": "2024-01-01",
            "reason": "东宝区缩短社保回溯期",
        },
    )
    assert response.status_code == 302
    standard = Standard.objects.get(
        key=KEY, region=jingmen["dongbao"], programme__code="dibao_urban"
    )
    assert (standard.value, standard.effective_from, standard.set_by) == (
        3,
        dt.date(2024, 1, 1),
        users["city_section"],
    )
    event = AuditEvent.objects.filter(object_type="assistance.standard").latest("seq")
    assert event.actor_name == "city_section" and event.note == "东宝区缩短社保回溯期"
    page = client.get(response["Location"])
    assert "已登记“核对：单位缴纳社会保险回溯期”的新参数" in page.content.decode()

    # The finished run is unchanged; the next one uses the new window.
    before.refresh_from_db()
    assert before.findings_total == findings_before
    assert before.timings["parameters"]["420802:dibao_urban:dibao_urban"]["insurance"] == [12, 3]
    after = run_longquan(users, jingmen, scenario)
    assert insured(after) == {"曹二", "曹三"}
    assert after.timings["parameters"]["420802:dibao_urban:dibao_urban"]["insurance"] == [3, 3]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username, form, status, message",
    [
        ("dongbao_clerk", {"value": "3"}, 403, ""),
        ("admin", {"value": "三"}, 302, "应为非负整数"),
        ("admin", {"value": "3", "reason": ""}, 302, "请填写设定或调整的原因"),
        ("admin", {"value": "3", "effective_from": "2024-13-01"}, 302, "生效日期无效"),
        ("admin", {"key": "standard"}, 302, "该项目没有此参数"),
    ],
)
def test_refused_changes_record_nothing(client, jingmen, users, username, form, status, message):
    data = {
        "region": "420802",
        "programme": "dibao_urban",
        "key": KEY,
        "effective_from": "2024-01-01",
        "reason": "测试",
    } | form
    response = login(client, username).post(SET_URL, data)
    assert response.status_code == status
    assert not Standard.objects.filter(key=KEY, region=jingmen["dongbao"]).exists()
    if message:
        page = client.get(response["Location"])
        assert message in page.content.decode()


@pytest.mark.django_db
def test_a_set_parameter_takes_its_choices(client, jingmen, users):
    """Exempt vehicle types: an administrator adds agricultural vehicles for 东宝区."""
    response = login(client, "admin").post(
        SET_URL,
        {
            "region": "420802",
            "programme": "dibao_urban",
            "key": "verification.vehicle_exempt_types",
            "value": ["disability", "agricultural"],
            "effective_from": "2024-01-01",
            "reason": "农用车不计入",
        },
    )
    assert response.status_code == 302
    standard = Standard.objects.get(key="verification.vehicle_exempt_types")
    assert standard.value == ["agricultural", "disability"]
    page = client.get(URL, {"region": "420802", "programme": "dibao_urban"}).content.decode()
    row = page[page.index('data-key="verification.vehicle_exempt_types"') :]
    assert "农用车、残疾人专用车" in row[: row.index("</tr>")]

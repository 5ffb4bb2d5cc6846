"""The payment pages: scoped (404 outside the user's regions), bank accounts masked except in the
downloaded bank file, actions through the same services, the payroll page with its progress,
the simulator's table and chart data, the navigation and the workbench card."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.template.loader import render_to_string
from django.test import Client

from minzheng.core.models import Job
from minzheng.payments import payroll
from minzheng.payments.models import Entitlement, PayrollLine, PayrollRun, Review
from minzheng.payments.selectors import due_reviews_widget_context
from tests.fixtures.payments import entitle, member, setup_world

from .conftest import PASSWORD

D = dt.date.fromisoformat
pytestmark = pytest.mark.django_db
FULL_ACCOUNTS = ("6217000012345678901", "6217000098765432109", "6222000044445555666")


@pytest.fixture
def world(jingmen, users, people):
    w = setup_world(jingmen, users, people)
    p = w["people"]
    w["zhang"] = entitle(
        w,
        household="dongbao",
        applicant="zhang",
        facts={"members": [member(p["zhang"], income={"wage": "100.00"})]},
    )
    w["sun"] = entitle(
        w,
        household="alone",
        applicant="sun",
        programme="tekun",
        facts={"members": [member(p["sun"])]},
    )
    w["wang"] = entitle(
        w, household="zhongxiang", applicant="wang", facts={"members": [member(p["wang"])]}
    )
    return w


def login(username) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def masked(response) -> str:
    body = response.content.decode()
    assert not any(a in body for a in FULL_ACCOUNTS)
    return body


def test_entitlement_pages_are_scoped_and_masked(world):
    client = login("dongbao_clerk")
    body = masked(client.get("/payments/"))
    assert (
        world["households"]["dongbao"].number in body
        and world["households"]["zhongxiang"].number not in body
    )
    assert "救助待遇" in body and 'href="/payments/"' in body  # the navigation entry
    detail = masked(client.get(f"/payments/{world['zhang'].pk}/"))
    assert (
        "380.00" in detail
        and world["households"]["dongbao"].bank_account_masked in detail
        and "补差" in detail
    )
    assert client.get(f"/payments/{world['wang'].pk}/").status_code == 404
    assert (
        client.post(f"/payments/{world['wang'].pk}/act/suspend/", {"reason": "x"}).status_code
        == 404
    )
    # Payroll pages are for county level and above.
    assert client.get("/payments/payrolls/").status_code == 403
    assert "月度发放" not in client.get("/payments/").content.decode().split("<main")[0]
    resident = Client()
    assert resident.get("/payments/").status_code == 302  # login first


def test_entitlement_actions_from_the_page(world):
    client = login("dongbao_clerk")
    url = f"/payments/{world['zhang'].pk}/"
    r = client.post(f"{url}act/suspend/", {"reason": ""}, follow=True)
    assert "原因：请填写原因" in r.content.decode()
    client.post(f"{url}act/suspend/", {"reason": "外出务工"})
    assert Entitlement.objects.get(pk=world["zhang"].pk).status == "suspended"
    client.post(f"{url}act/resume/", {"reason": "已返乡"})
    r = client.post(
        f"{url}act/change/",
        {"amount": "abc", "from_month": "2017-02", "reason": "复议"},
        follow=True,
    )
    assert "金额：" in r.content.decode()
    client.post(
        f"{url}act/change/", {"amount": "400.50", "from_month": "2017-02", "reason": "复议"}
    )
    assert Entitlement.objects.get(pk=world["zhang"].pk).monthly_amount_fen == 40050
    r = client.post(f"{url}act/review/")
    review = Review.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/payments/reviews/{review.pk}/"
    page = client.get(f"/payments/reviews/{review.pk}/").content.decode()
    assert "复核建议" in page and review.get_proposal_display() in page
    r = client.post(
        f"/payments/reviews/{review.pk}/confirm/", {"decision": "reject", "reason": ""}, follow=True
    )
    assert "意见：" in r.content.decode()
    client.post(f"/payments/reviews/{review.pk}/confirm/", {"decision": "accept"})
    review.refresh_from_db()
    assert review.status == "confirmed"
    assert login("zhongxiang_clerk").get(f"/payments/reviews/{review.pk}/").status_code == 404
    leader = login("leader")
    assert leader.get(url).status_code == 200
    assert leader.post(f"{url}act/suspend/", {"reason": "x"}).status_code == 403


def test_payroll_pages_progress_approve_export_and_returns(world, settings):
    client = login("dongbao_approver")
    r = client.post("/payments/payrolls/new/", {"county": "420802", "month": "2016-11"})
    run = PayrollRun.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/payments/payrolls/{run.pk}/"
    assert Job.objects.get(pk=run.job_id).kind == "payments.compute_payroll"
    page = client.get(f"/payments/payrolls/{run.pk}/").content.decode()
    assert (
        f'hx-get="/payments/payrolls/{run.pk}/progress/?was=active"' in page
    )  # polled while the job is queued
    payroll.compute_payroll(run=run)
    Job.objects.filter(pk=run.job_id).update(status=Job.Status.SUCCEEDED, done=2, total=2)
    progress = client.get(
        f"/payments/payrolls/{run.pk}/progress/?was=active", HTTP_HX_REQUEST="true"
    )
    assert progress["HX-Refresh"] == "true" and "hx-trigger" not in progress.content.decode()
    page = masked(client.get(f"/payments/payrolls/{run.pk}/"))
    assert "1129.00" in page and "审核通过" in page  # 380.00 + 749.00
    assert (
        client.post(f"/payments/payrolls/{run.pk}/export.csv").status_code == 302
    )  # not approved: back with a message
    client.post(f"/payments/payrolls/{run.pk}/act/approve/")
    run.refresh_from_db()
    assert run.status == "approved"
    exported = client.post(f"/payments/payrolls/{run.pk}/export.xlsx")
    assert exported.status_code == 200 and exported["Content-Disposition"].endswith('2016-11.xlsx"')
    from openpyxl import load_workbook

    accounts = {
        row[7]
        for row in load_workbook(io.BytesIO(exported.content))
        .worksheets[0]
        .iter_rows(min_row=2, values_only=True)
    }
    assert accounts == {"6217000012345678901", "6222000044445555666"}
    lines = list(PayrollLine.objects.filter(run=run).order_by("id"))
    csv_body = "流水号,金额,结果\n" + "\n".join(
        f"{line.pk},{line.amount_fen / 100:.2f},成功" for line in lines
    )
    upload = io.BytesIO(csv_body.encode())
    upload.name = "回盘.csv"
    r = client.post(f"/payments/payrolls/{run.pk}/act/returns/", {"file": upload}, follow=True)
    assert "回盘已导入：成功 2 笔" in r.content.decode()
    run.refresh_from_db()
    assert run.status == "reconciled"
    # Another county's staff and township clerks: 404 / 403.
    from minzheng.accounts.models import Role

    from .conftest import make_user

    make_user("zx_approver", Role.COUNTY_APPROVER, world["regions"]["zhongxiang"])
    other = login("zx_approver")
    assert other.get(f"/payments/payrolls/{run.pk}/").status_code == 404
    assert other.post(f"/payments/payrolls/{run.pk}/act/approve/").status_code == 404
    assert f"/payments/payrolls/{run.pk}/" not in other.get("/payments/payrolls/").content.decode()


def test_simulator_page_shows_the_table_and_chart_data(world):
    client = login("city_section")
    page = client.get("/payments/simulator/").content.decode()
    assert 'id="simulator-form"' in page and "simulator-chart" not in page
    r = client.get(
        "/payments/simulator/",
        {
            "programme": "dibao_urban",
            "key": "standard",
            "region": "420800",
            "value": "520",
            "effective_from": "2017-01-01",
        },
    )
    body = r.content.decode()
    assert (
        r.status_code == 200
        and 'data-testid="simulation-table"' in body
        and "echarts.min.js" in body
    )
    data = json.loads(
        body.split('<script id="simulator-data" type="application/json">')[1].split("</script>")[0]
    )
    # 东宝区: 张三 380 → 420, 孙奶奶 749 → 801; 钟祥市 keeps 400: 王五 400.
    assert (
        data["counties"] == ["东宝区", "钟祥市"]
        and data["before"] == ["1129.00", "400.00"]
        and data["after"] == ["1221.00", "400.00"]
    )
    assert "登记新标准并重算待遇" in body
    bad = client.get(
        "/payments/simulator/",
        {
            "programme": "dibao_urban",
            "key": "standard",
            "region": "420800",
            "value": "x",
            "effective_from": "2017-01-01",
        },
        follow=True,
    ).content.decode()
    assert "新数值：" in bad
    assert login("dongbao_clerk").get("/payments/simulator/").status_code == 403
    approver = (
        login("dongbao_approver")
        .get(
            "/payments/simulator/",
            {
                "programme": "dibao_urban",
                "key": "standard",
                "region": "420802",
                "value": "520",
                "effective_from": "2017-01-01",
            },
        )
        .content.decode()
    )
    assert "登记新标准并重算待遇" not in approver  # may simulate, may not set standards


def test_simulator_apply_sets_the_standard_and_starts_the_recompute(world, settings):
    settings.BROKER_URL = ""
    client = login("city_section")
    form = {
        "programme": "dibao_urban",
        "key": "standard",
        "region": "420800",
        "value": "520",
        "effective_from": "2017-01-01",
    }
    r = client.post("/payments/simulator/apply/", {**form, "reason": ""})
    assert r.status_code == 302 and r["Location"].startswith(
        "/payments/simulator/?programme=dibao_urban"
    )
    r = client.post("/payments/simulator/apply/", {**form, "reason": "荆民发〔2017〕1号"})
    job = Job.objects.get(kind="payments.recompute")
    assert r["Location"] == f"/jobs/{job.pk}/"


def test_workbench_card_lists_due_reviews(world):
    from minzheng.accounts.models import User

    clerk = User.objects.get(username="dongbao_clerk")
    Entitlement.objects.update(next_review_on=D("2099-01-01"))
    Entitlement.objects.filter(pk=world["zhang"].pk).update(next_review_on=D("2016-12-01"))
    context = due_reviews_widget_context(clerk)
    assert [e.pk for e in context["due_reviews"]] == [world["zhang"].pk] and context[
        "due_review_count"
    ] == 1
    html = render_to_string("payments/_due_reviews_widget.html", {"widget": context})
    assert world["households"]["dongbao"].number in html and "/payments/reviews/" in html
    # and the workbench shows the card
    from django.test import Client

    browser = Client()
    browser.force_login(clerk)
    assert world["households"]["dongbao"].number in browser.get("/").content.decode()
    zx = User.objects.get(username="zhongxiang_clerk")
    assert due_reviews_widget_context(zx)["due_review_count"] == 0


def test_a_payroll_for_a_future_month_warns_and_needs_confirmation(world, settings):
    from django.utils import timezone

    from minzheng.payments import months

    client = login("dongbao_approver")
    this_month = months.month_start(timezone.localdate())
    future = months.label(months.add_months(this_month, 1))  # the service refuses anything later
    r = client.post("/payments/payrolls/new/", {"county": "420802", "month": future})
    assert r.status_code == 200 and not PayrollRun.objects.exists()
    warning = r.content.decode()
    assert (
        f"{future} 晚于本月（{months.label(this_month)}）" in warning
        and 'name="confirm_future" value="1"' in warning
    )
    r = client.post(
        "/payments/payrolls/new/", {"county": "420802", "month": future, "confirm_future": "1"}
    )
    run = PayrollRun.objects.get()
    assert r.status_code == 302 and months.label(run.month) == future
    # The current month needs no confirmation.
    r = client.post(
        "/payments/payrolls/new/", {"county": "420802", "month": months.label(this_month)}
    )
    assert r.status_code == 302 and PayrollRun.objects.count() == 2


def test_simulator_shows_the_current_value_and_what_is_missing(world):
    client = login("city_section")
    page = client.get(
        "/payments/simulator/", {"programme": "dibao_urban", "key": "standard", "region": "420800"}
    ).content.decode()
    current = page.split('data-testid="current-standard"', 1)[1].split("</p>", 1)[0]
    assert "480.00 元/月" in current
    half = client.get(
        "/payments/simulator/",
        {"programme": "dibao_urban", "key": "standard", "region": "420800", "value": "520"},
    )
    assert (
        "请填写生效日期后再测算" in half.content.decode()
        and 'data-testid="simulation-table"' not in half.content.decode()
    )


def test_workbench_card_marks_overdue_reviews_and_gives_a_leader_counts(world):
    from django.utils import timezone

    from minzheng.accounts.models import User

    today = timezone.localdate()
    Entitlement.objects.update(next_review_on=today)  # due today: not overdue
    Entitlement.objects.filter(pk=world["zhang"].pk).update(
        next_review_on=today - dt.timedelta(days=3)
    )
    clerk = User.objects.get(username="dongbao_clerk")
    context = due_reviews_widget_context(clerk)
    html = render_to_string("payments/_due_reviews_widget.html", {"widget": context})
    assert (
        context["overdue_count"] == 1
        and html.count('<span class="status overdue">已逾期</span>') == 1
    )
    # The leader sees per-county figures, not the households. 东宝区: 张三, 孙奶奶; 钟祥市: 王五.
    leader = User.objects.get(username="leader")
    context = due_reviews_widget_context(leader)
    assert "due_reviews" not in context
    assert context["by_county"] == [
        {"name": "东宝区", "due": 2, "overdue": 1},
        {"name": "钟祥市", "due": 1, "overdue": 0},
    ]
    html = render_to_string("payments/_due_reviews_widget.html", {"widget": context})
    assert (
        'data-testid="due-by-county"' in html and world["households"]["dongbao"].number not in html
    )

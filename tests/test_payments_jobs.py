"""Payroll, death-scan and recompute jobs: run in-process, and a payroll job on a real RQ worker
killed with SIGKILL mid-way and run again, ending complete, without duplicates and without gaps."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db.models import Sum

from minzheng.core import jobs
from minzheng.core.models import Job
from minzheng.payments import payroll
from minzheng.payments.models import Entitlement, EntitlementChange, PayrollLine, PayrollRun
from minzheng.people.models import Household
from tests.fixtures.jobs import REPO, run_worker_burst, worker_env

from . import workers

D = dt.date.fromisoformat
NOV = D("2016-11-01")


def bulk_beneficiaries(village, count: int) -> list[int]:
    """`count` households of the village with an active 低保 entitlement each (amount 100.00 + i fen)."""
    households = Household.objects.bulk_create(
        [
            Household(
                number=f"B{village.code}{i:05d}",
                region=village,
                bank_name="农商银行",
                bank_account_masked="6217********0001",
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    entitlements = Entitlement.objects.bulk_create(
        [
            Entitlement(
                programme="dibao_urban",
                household=h,
                beneficiary_key=f"h{h.pk}",
                region=village,
                start_month=NOV,
                monthly_amount_fen=10000 + i,
                amount_since=NOV,
                computed_on=D("2016-10-20"),
                source="import",
            )
            for i, h in enumerate(households)
        ],
        batch_size=2000,
    )
    EntitlementChange.objects.bulk_create(
        [
            EntitlementChange(
                entitlement=e,
                kind="create",
                effective_month=NOV,
                new_amount_fen=e.monthly_amount_fen,
                reason="导入",
                at=dt.datetime(2016, 10, 20, tzinfo=dt.UTC),
            )
            for e in entitlements
        ],
        batch_size=2000,
    )
    return [e.pk for e in entitlements]


@pytest.mark.django_db(transaction=True)
def test_compute_job_runs_in_process_with_progress(jingmen, users, media):
    bulk_beneficiaries(jingmen["longquan_community"], 30)
    run = payroll.create_run(user=users["dongbao_approver"], county=jingmen["dongbao"], month=NOV)
    job_row = Job.objects.create(
        kind=payroll.COMPUTE_JOB,
        title="计算",
        created_by=users["dongbao_approver"],
        params={"run_id": run.pk, "batch_size": 10},
    )
    seen = []
    finished = jobs.execute(str(job_row.pk), on_progress=lambda j: seen.append((j.done, j.total)))
    assert finished.status == Job.Status.SUCCEEDED, finished.error
    assert seen[:4] == [(0, 30), (10, 30), (20, 30), (30, 30)]
    assert finished.result == {
        "entitlements": 30,
        "added": 30,
        "requeued": 0,
        "back_pay": 0,
        "reductions": 0,
        "deductions": 0,
        "lines": 30,
        "total": "3004.35",
    }
    assert finished.message == "新增 30 笔，重新发放 0 笔，共 30 笔"


@pytest.mark.django_db(transaction=True)
def test_start_compute_queues_once_and_refuses_approved_runs(jingmen, users, media, settings):
    bulk_beneficiaries(jingmen["longquan_community"], 5)
    approver = users["dongbao_approver"]
    run = payroll.create_run(user=approver, county=jingmen["dongbao"], month=NOV)
    job_row = payroll.start_compute(
        user=approver, run=run
    )  # autocommit: dispatched to a thread at once
    deadline = time.monotonic() + 30
    while job_row.status not in (Job.Status.SUCCEEDED, Job.Status.FAILED):
        assert time.monotonic() < deadline
        time.sleep(0.05)
        job_row.refresh_from_db()
    assert job_row.status == Job.Status.SUCCEEDED, job_row.error
    run.refresh_from_db()
    assert (run.status, run.line_count, run.job_id) == ("computed", 5, job_row.pk)
    payroll.approve_payroll(user=approver, run=run)
    from minzheng.core.errors import ServiceError

    with pytest.raises(ServiceError):
        payroll.start_compute(user=approver, run=run)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_payroll_job_killed_mid_way_then_rerun_ends_complete_without_duplicates(
    broker, jingmen, users, tmp_path
):
    # Four batches of 3: the job is killed in its third, right after that batch's INSERT, so two
    # batches are committed and one is cut off.
    count, batch = 12, 3
    ids = bulk_beneficiaries(jingmen["longquan_community"], count)
    approver = users["dongbao_approver"]
    run = payroll.create_run(user=approver, county=jingmen["dongbao"], month=NOV)
    job_row = jobs.enqueue(
        payroll.COMPUTE_JOB,
        params={"run_id": run.pk, "batch_size": batch},
        user=approver,
        region=jingmen["dongbao"],
    )
    workers.start_worker_and_kill_in_flight(
        env=worker_env(),
        cwd=REPO,
        log_path=tmp_path / "worker.log",
        table="payments_payrollline",
        insert=3,
    )

    written = PayrollLine.objects.count()
    assert written == 2 * batch < count  # batches commit whole
    # No gap: the lines written are exactly the first entitlements in id order.
    assert sorted(PayrollLine.objects.values_list("entitlement_id", flat=True)) == ids[:written]
    job_row.refresh_from_db()
    assert job_row.status == Job.Status.RUNNING
    run.refresh_from_db()
    assert run.status == PayrollRun.Status.DRAFT  # never marked computed

    jobs.rerun(job_row)
    run_worker_burst()
    job_row.refresh_from_db()
    assert job_row.status == Job.Status.SUCCEEDED, job_row.error
    assert (job_row.result["added"], job_row.result["lines"], job_row.attempts) == (
        count - written,
        count,
        2,
    )
    assert PayrollLine.objects.count() == count
    assert PayrollLine.objects.values("entitlement_id", "month").distinct().count() == count
    assert sorted(PayrollLine.objects.values_list("entitlement_id", flat=True)) == ids
    run.refresh_from_db()
    expected_total = sum(10000 + i for i in range(count))
    assert (run.status, run.line_count, run.total_fen) == ("computed", count, expected_total)
    assert PayrollLine.objects.aggregate(s=Sum("amount_fen"))["s"] == expected_total

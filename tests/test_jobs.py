"""Jobs: the progress bar, the `jobs` command in the foreground, and real RQ workers (`minzheng worker`)
against the local Redis, including a worker killed mid-import and the job run again."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.core import audit, jobs, uploads
from minzheng.core.idcard import check_char
from minzheng.core.management.commands.jobs import parse_param
from minzheng.core.models import AuditEvent, Job
from minzheng.core.progress import ProgressBar
from minzheng.people import imports
from minzheng.people.models import Household, HouseholdMember, Person
from minzheng.regions.models import Region
from tests.fixtures.jobs import REPO, run_worker_burst, worker_env
from tests.fixtures.regions import load_region_tree

from . import workers

HEADER = ["身份证号码", "姓名", "户籍地区划代码", "户口性质", "家庭编号", "与户主关系", "住址"]


def resident_id(birth: dt.date, seq: int) -> str:
    first17 = f"420802{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def write_households(path: Path, count: int, start: int = 0) -> Path:
    """Households number start … start+count-1, three people each (head, spouse, child) in 龙泉社区;
    every ID distinct."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(start, start + count):
            born = dt.date(1950, 1, 1) + dt.timedelta(days=i)
            for seq, name, relation in (
                (11, "户主", "户主"),
                (22, "配偶", "配偶"),
                (33, "子女", "子女"),
            ):
                writer.writerow(
                    [
                        resident_id(born, seq),
                        f"{name}{i}",
                        "420802001001",
                        "城镇",
                        str(i),
                        relation,
                        f"{i}号",
                    ]
                )
    return path


@pytest.fixture
def clerk(db):
    load_region_tree()
    longquan = Region.objects.get(code="420802001")
    Region.objects.create(
        code="420802001001", name="龙泉社区", level=Region.Level.VILLAGE, parent=longquan
    )
    return User.objects.create_user(
        username="lq_clerk", password="pass-word-123", role="township_clerk", region=longquan
    )


# -- progress bar -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "done, total, starts_with",
    [
        (0, 200, "导入  [----------------------------]   0%  0/200"),
        (50, 200, "导入  [#######---------------------]  25%  50/200"),  # 28 * 25 % = 7 marks
        (200, 200, "导入  [############################] 100%  200/200"),
        (7, None, "导入  7  "),  # total unknown: the count only
    ],
)
def test_progress_bar_renders(done, total, starts_with):
    bar = ProgressBar("导入", stream=io.StringIO(), interactive=False)
    bar.update(done, total)
    assert bar.render().startswith(starts_with)


def test_progress_bar_logs_one_line_per_tenth_when_not_a_terminal():
    stream = io.StringIO()
    with ProgressBar("导入", stream=stream, interactive=False) as bar:
        for done in range(0, 1001):
            bar.update(done, 1000, "写入")
    lines = stream.getvalue().splitlines()
    # 0 %, 10 %, ... 100 %; closing adds nothing new, so no line.
    assert [line.split("]")[1].split("%")[0].strip() for line in lines] == [
        str(p) for p in range(0, 101, 10)
    ]
    stream = io.StringIO()
    with ProgressBar("导入", stream=stream, interactive=False) as bar:
        bar.update(5, 5, "写入")
        bar.finish("完成")  # a new message is news
    assert [line.rsplit("  ", 1)[1] for line in stream.getvalue().splitlines()] == ["写入", "完成"]


def test_progress_bar_redraws_in_place_on_a_terminal():
    stream = io.StringIO()
    bar = ProgressBar("导入", stream=stream, interactive=True)
    bar.update(1, 4, "写入")
    bar.finish()
    assert stream.getvalue().startswith("\r导入  [#######") and stream.getvalue().endswith("\n")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mode=good_rows", ("mode", "good_rows")),
        ("chunk_households=5", ("chunk_households", 5)),
        ("flag=true", ("flag", True)),
        ("path=/tmp/a=b.csv", ("path", "/tmp/a=b.csv")),
        ('codes=["420802"]', ("codes", ["420802"])),
    ],
)
def test_parse_param(text, expected):
    assert parse_param(text) == expected


def test_parse_param_needs_key_and_value():
    with pytest.raises(CommandError):
        parse_param("novalue")


# -- in-process ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_start_import_keeps_the_upload_and_queues_on_commit(
    clerk, media, tmp_path, django_capture_on_commit_callbacks
):
    upload = write_households(tmp_path / "upload.csv", 3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job_row = imports.start_import(
            user=clerk, path=upload, original_name="龙泉 名单.csv", mode=imports.GOOD_ROWS
        )
    assert len(callbacks) == 1  # dispatched only once the surrounding transaction commits
    stored = Path(job_row.params["path"])
    # Kept encrypted under a random name (the uploaded name may carry a person's name).
    assert stored.parent == media / "imports" and "龙泉" not in stored.name
    assert stored.read_bytes()[:7] == b"MZENC1\n" and uploads.read(stored) == upload.read_bytes()
    assert b"4208" not in stored.read_bytes()
    assert job_row.params["size"] == upload.stat().st_size
    assert job_row.params["sha256"] == hashlib.sha256(upload.read_bytes()).hexdigest()
    assert (job_row.kind, job_row.status, job_row.created_by, job_row.region) == (
        "people.import",
        "queued",
        clerk,
        clerk.region,
    )
    assert job_row.title == "导入人口信息：龙泉 名单.csv" and job_row.backend == "inprocess"


# execute() manages its own database connections (it runs in threads and workers), so the tests
# that call it run outside a test transaction.


@pytest.mark.django_db(transaction=True)
def test_import_job_runs_in_process_with_progress(clerk, media, tmp_path):
    upload = write_households(tmp_path / "upload.csv", 3)
    job_row = Job.objects.create(
        kind="people.import",
        title="导入",
        created_by=clerk,
        params={
            "path": str(upload),
            "original_name": "龙泉 名单.csv",
            "mode": imports.GOOD_ROWS,
            "chunk_households": 1,
        },
    )
    seen = []
    finished = jobs.execute(str(job_row.pk), on_progress=lambda j: seen.append((j.done, j.total)))
    # Reading (0 of unknown), writing starts (0 of 9), one chunk of one household (3 rows) at a time,
    # then the closing summary.
    assert seen == [(0, 0), (0, 9), (3, 9), (6, 9), (9, 9), (9, 9)]
    assert finished.status == Job.Status.SUCCEEDED and finished.percent == 100
    assert finished.message == "已导入：新增人员9人、家庭3户，已存在0人，跳过0行"
    assert finished.result["created_people"] == 9 and finished.result["created_households"] == 3
    assert finished.result["written"] is True and finished.result["errors"] == []
    event = AuditEvent.objects.get(action="import", object_type=imports.JOB_KIND)
    assert (event.object_id, event.object_repr, event.actor_name, event.channel) == (
        str(job_row.pk),
        "龙泉 名单.csv",
        "lq_clerk",
        "job",
    )


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_start_import_runs_in_a_background_thread(clerk, media, tmp_path):
    upload = write_households(tmp_path / "upload.csv", 2)
    job_row = imports.start_import(
        user=clerk, path=upload, original_name="upload.csv", mode=imports.ALL_OR_NOTHING
    )
    deadline = time.monotonic() + 30
    while job_row.status not in (Job.Status.SUCCEEDED, Job.Status.FAILED):
        assert time.monotonic() < deadline, "the background thread did not finish the job"
        time.sleep(0.05)
        job_row.refresh_from_db()
    assert job_row.status == Job.Status.SUCCEEDED, job_row.error
    assert job_row.result["created_people"] == 6 and Household.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_jobs_command_runs_in_the_foreground_and_reruns_a_failed_job(clerk, media, tmp_path):
    path = tmp_path / "later.csv"
    err = io.StringIO()
    with pytest.raises(CommandError, match="任务失败"):
        call_command(
            "jobs",
            "run",
            "people.import",
            "--user",
            "lq_clerk",
            "--param",
            f"path={path}",
            "--param",
            "mode=good_rows",
            "--param",
            "chunk_households=1",
            stdout=io.StringIO(),
            stderr=err,
        )
    failed = Job.objects.get()
    assert (
        failed.status == Job.Status.FAILED
        and "请重新上传文件" in failed.message
        and failed.backend == "inprocess"
    )

    write_households(path, 2)
    out, err = io.StringIO(), io.StringIO()
    call_command("jobs", "rerun", str(failed.pk)[:8], stdout=out, stderr=err)
    result = json.loads(out.getvalue())
    assert (result["created_people"], result["created_households"]) == (6, 2)
    assert "100%" in err.getvalue() and "6/6" in err.getvalue()
    rerun = Job.objects.get()
    assert (rerun.status, rerun.attempts) == (Job.Status.SUCCEEDED, 2)

    with pytest.raises(CommandError, match="任务已完成"):
        call_command("jobs", "rerun", str(rerun.pk), stdout=io.StringIO(), stderr=io.StringIO())
    listing = io.StringIO()
    call_command("jobs", "list", stdout=listing)
    assert str(rerun.pk) in listing.getvalue() and "已完成" in listing.getvalue()
    shown = io.StringIO()
    call_command("jobs", "show", str(rerun.pk), "--json", stdout=shown)
    assert json.loads(shown.getvalue())["result"]["created_households"] == 2


@pytest.mark.django_db
def test_jobs_command_rejects_unknown_kinds_and_users(clerk, media):
    with pytest.raises(CommandError, match="未知的任务类型"):
        call_command("jobs", "run", "no.such.kind", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="用户不存在"):
        call_command(
            "jobs",
            "run",
            "people.import",
            "--user",
            "nobody",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_rerun_refuses_a_job_that_is_still_running_unless_stalled():
    running = Job.objects.create(
        kind="people.import", title="导入", status=Job.Status.RUNNING, heartbeat_at=timezone.now()
    )
    with pytest.raises(CommandError, match="仍在排队或运行中"):
        call_command("jobs", "rerun", str(running.pk), stdout=io.StringIO(), stderr=io.StringIO())
    stale = timezone.now() - dt.timedelta(seconds=jobs.STALE_AFTER_SECONDS + 1)
    Job.objects.filter(pk=running.pk).update(heartbeat_at=stale)
    listing = io.StringIO()
    call_command("jobs", "list", "--status", "running", stdout=listing)
    assert "（停滞）" in listing.getvalue()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _started(pid: int) -> str:
    import psutil

    return f"{psutil.Process(pid).create_time():.2f}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "runner, beat_age, stalled",
    [
        (lambda: "", 5, False),  # no runner recorded: heartbeat only
        (lambda: "", jobs.STALE_AFTER_SECONDS + 1, True),
        (lambda: "other-host:4242:1.00", 5, False),  # another host: heartbeat only
        (lambda: "other-host:4242:1.00", jobs.STALE_AFTER_SECONDS + 1, True),
        (lambda: f"{socket.gethostname()}:{_dead_pid()}:1.00", 0, True),  # its process is gone
        (
            lambda: f"{socket.gethostname()}:{os.getppid()}:{_started(os.getppid())}",
            0,
            False,
        ),  # alive
        (
            lambda: f"{socket.gethostname()}:{os.getppid()}:1.00",
            0,
            True,
        ),  # pid reused by another process
        (lambda: jobs.runner_id(), 0, True),  # this process, no thread runs it
    ],
)
def test_a_running_job_is_stalled_exactly_when_its_runner_is_gone(runner, beat_age, stalled):
    beat = timezone.now() - dt.timedelta(seconds=beat_age)
    row = Job.objects.create(
        kind="people.import",
        title="导入",
        status=Job.Status.RUNNING,
        heartbeat_at=beat,
        runner=runner(),
    )
    assert jobs.is_stalled(row) is stalled


@pytest.mark.django_db
def test_a_job_running_in_this_process_is_not_stalled_until_its_runner_ends():
    row = Job.objects.create(
        kind="people.import",
        title="导入",
        status=Job.Status.RUNNING,
        heartbeat_at=timezone.now(),
        runner=jobs.runner_id(),
    )
    with jobs._Heartbeat(str(row.pk)):
        assert not jobs.is_stalled(row)
    assert jobs.is_stalled(row)


@pytest.mark.django_db(transaction=True)
def test_a_job_running_here_is_never_seen_stalled_around_its_heartbeat(monkeypatch):
    """Just before the heartbeat starts and just after it stops, the row says running: a page of
    this process polling the job then must not find it stalled (it would stop polling)."""
    seen = []
    enter, leave = jobs._Heartbeat.__enter__, jobs._Heartbeat.__exit__

    def look(job_id):
        row = Job.objects.get(pk=job_id)
        seen.append((row.status, jobs.is_stalled(row)))

    def entering(self):
        look(self.job_id)
        return enter(self)

    def leaving(self, *exc):
        outcome = leave(self, *exc)
        look(self.job_id)
        return outcome

    monkeypatch.setattr(jobs._Heartbeat, "__enter__", entering)
    monkeypatch.setattr(jobs._Heartbeat, "__exit__", leaving)
    monkeypatch.setitem(
        jobs._REGISTRY, "test.quick", jobs.JobSpec("test.quick", "快速任务", lambda ctx: {})
    )
    row = jobs.enqueue("test.quick", dispatch_on_commit=False)
    assert jobs.execute(str(row.pk)).status == Job.Status.SUCCEEDED
    assert seen == [(Job.Status.RUNNING, False), (Job.Status.RUNNING, False)]
    assert not jobs._live


@pytest.mark.django_db(transaction=True)
def test_the_runner_beats_while_the_job_function_is_silent(monkeypatch):
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)

    def silent(ctx):
        started = Job.objects.get(pk=ctx.job.pk).heartbeat_at
        deadline = time.monotonic() + 30
        while (
            Job.objects.get(pk=ctx.job.pk).heartbeat_at == started
        ):  # no progress reported meanwhile
            assert time.monotonic() < deadline, "no heartbeat"
            time.sleep(0.02)
        return {"beat": True}

    monkeypatch.setitem(
        jobs._REGISTRY, "test.silent", jobs.JobSpec("test.silent", "静默任务", silent)
    )
    row = jobs.enqueue("test.silent", dispatch_on_commit=False)
    assert jobs.execute(str(row.pk)).result == {"beat": True}


@pytest.mark.django_db(transaction=True)
def test_a_foreground_runner_killed_mid_import_can_be_rerun_at_once(clerk, media, tmp_path):
    households = 12
    upload = write_households(tmp_path / "upload.csv", households)
    env = workers.worker_env("")
    env.pop("MINZHENG_BROKER_URL")
    env["MINZHENG_VAR_DIR"] = str(tmp_path / "var")
    env["PGAPPNAME"] = application_name = f"killed-runner-{os.getpid()}"
    held = tmp_path / "runner.held"
    # Held in the third chunk of 3 households, right after its one INSERT of people (a chunk's
    # people go in one statement): two chunks committed, the third in flight.
    runner = subprocess.Popen(
        workers.held_command(
            "jobs",
            "run",
            "people.import",
            "--user",
            "lq_clerk",
            "--param",
            f"path={upload}",
            "--param",
            "mode=good_rows",
            "--param",
            "chunk_households=3",
        ),
        env=workers.held_env(env, table="people_person", insert=3, flag=held),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        workers.wait_until_held(
            held, runner, timeout=workers.WORKER_TIMEOUT, what="the third chunk"
        )
    finally:
        runner.kill()
        runner.wait(timeout=60)
    workers.wait_until_cut_off([runner.pid], application_name=application_name)
    job_row = Job.objects.get()
    assert job_row.status == Job.Status.RUNNING and Person.objects.count() == 2 * 3 * 3
    assert (
        timezone.now() - job_row.heartbeat_at
    ).total_seconds() < jobs.STALE_AFTER_SECONDS  # fresh, yet dead
    assert jobs.is_stalled(job_row)

    out = io.StringIO()
    call_command("jobs", "rerun", str(job_row.pk), stdout=out, stderr=io.StringIO())
    job_row.refresh_from_db()
    assert (job_row.status, job_row.attempts) == (Job.Status.SUCCEEDED, 2)
    assert (
        Person.objects.count() == households * 3
        and Person.objects.values("id_hash").distinct().count() == households * 3
    )
    # No gap: every household whole. Each batch committed with its audit event, so the batches
    # of both runs together account for every person exactly once.
    assert Household.objects.count() == households
    assert set(Household.objects.annotate(n=Count("memberships")).values_list("n", flat=True)) == {
        3
    }
    batches = AuditEvent.objects.filter(object_type="people.import.batch")
    assert sum(e.after["created_people"] for e in batches) == households * 3


def test_worker_refuses_to_start_without_a_broker(settings):
    settings.BROKER_URL = ""
    with pytest.raises(CommandError, match="MINZHENG_BROKER_URL"):
        call_command("worker", "--burst")


# -- real RQ workers -----------------------------------------------------------------------------------


children_of = workers.children_of


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_import_job_runs_on_a_real_rq_worker(broker, clerk, tmp_path, monkeypatch):
    # No periodic sealing in the worker: the work horse seals its own events after their commits,
    # and before it ends.
    monkeypatch.setenv("MINZHENG_AUDIT_SEAL_SECONDS", "0")
    upload = write_households(tmp_path / "upload.csv", 4)
    job_row = imports.start_import(
        user=clerk, path=upload, original_name="upload.csv", mode=imports.GOOD_ROWS
    )
    assert (
        job_row.backend == "rq" and jobs.rq_queue().count == 1
    )  # queued on commit (autocommit here)

    run_worker_burst()
    job_row.refresh_from_db()
    assert job_row.status == Job.Status.SUCCEEDED, job_row.error
    assert (job_row.result["created_people"], job_row.result["created_households"]) == (12, 4)
    assert (job_row.done, job_row.total, job_row.attempts) == (12, 12, 1)
    assert Person.objects.count() == 12 and jobs.rq_queue().count == 0
    # The worker sealed the job's audit events into the chain before it ended.
    audit.sealer.flush(timeout=30)  # this process's own (the upload's)
    report = audit.verify_chain(seal=False)
    assert report.ok and report.unsealed == 0 and report.checked == AuditEvent.objects.count()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_pool_of_two_workers_runs_queued_jobs(broker, clerk, tmp_path):
    first = write_households(tmp_path / "first.csv", 3)
    second = write_households(tmp_path / "second.csv", 2, start=3)
    jobs_rows = [
        imports.start_import(user=clerk, path=p, original_name=p.name, mode=imports.GOOD_ROWS)
        for p in (first, second)
    ]
    assert jobs.rq_queue().count == 2

    run_worker_burst("--processes", "2")
    results = []
    for job_row in jobs_rows:
        job_row.refresh_from_db()
        assert job_row.status == Job.Status.SUCCEEDED, job_row.error
        results.append(job_row.result["created_people"])
    assert results == [9, 6] and Household.objects.count() == 5


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_import_then_rerun_ends_complete_without_duplicates(
    broker, clerk, tmp_path
):
    # Four chunks of 3 households (9 people each, inserted in one statement); the worker is killed
    # in the third, right after that INSERT, so two chunks are committed and one is cut off.
    households, per_chunk = 12, 3
    upload = write_households(tmp_path / "big.csv", households)
    job_row = jobs.enqueue(
        "people.import",
        user=clerk,
        params={"path": str(upload), "mode": imports.GOOD_ROWS, "chunk_households": per_chunk},
    )

    workers.start_worker_and_kill_in_flight(
        env=worker_env(),
        cwd=REPO,
        log_path=tmp_path / "worker.log",
        table="people_person",
        insert=3,
    )

    written = Person.objects.count()
    # Chunks commit whole: the registry holds the two complete chunks, nothing of the third.
    assert written == 2 * per_chunk * 3 < households * 3
    assert HouseholdMember.objects.count() == written and Household.objects.count() == written // 3
    job_row.refresh_from_db()
    assert job_row.status == Job.Status.RUNNING  # nobody was left to record the death
    assert jobs.is_stalled(job_row)  # but its runner is seen dead at once

    jobs.rerun(job_row)
    run_worker_burst()
    job_row.refresh_from_db()
    assert job_row.status == Job.Status.SUCCEEDED, job_row.error
    people, hh = households * 3, households
    assert (Person.objects.count(), Household.objects.count(), HouseholdMember.objects.count()) == (
        people,
        hh,
        people,
    )
    assert Person.objects.values("id_hash").distinct().count() == people
    result = job_row.result
    assert (result["existing"], result["created_people"]) == (written, people - written)
    assert (result["existing_households"], result["created_households"]) == (
        written // 3,
        hh - written // 3,
    )
    assert job_row.attempts == 2


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_killed_work_horse_marks_the_job_failed(broker, clerk, tmp_path):
    upload = write_households(tmp_path / "upload.csv", 6)
    job_row = jobs.enqueue(
        "people.import",
        user=clerk,
        params={"path": str(upload), "mode": imports.GOOD_ROWS, "chunk_households": 3},
    )
    held = tmp_path / "worker.held"
    # Held in the second chunk, right after its one INSERT of people; the first one is committed.
    worker = subprocess.Popen(
        workers.held_command("worker", "--burst"),
        env=workers.held_env(worker_env(), table="people_person", insert=2, flag=held),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        workers.wait_until_held(
            held, worker, timeout=workers.WORKER_TIMEOUT, what="the second chunk"
        )
        assert Person.objects.count() == 9
        for pid in children_of(worker.pid):
            os.kill(pid, signal.SIGKILL)
        assert (
            worker.wait(timeout=workers.WORKER_TIMEOUT) == 0
        )  # the worker itself carries on, and leaves in burst mode
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    job_row.refresh_from_db()
    assert (
        job_row.status == Job.Status.FAILED
        and job_row.message == "执行任务的进程意外终止，可重新运行"
    )

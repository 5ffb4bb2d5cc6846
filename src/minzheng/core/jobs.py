"""Jobs: long tasks with progress.

- No broker configured: a job runs in a background thread of the process that queued it.
- MINZHENG_BROKER_URL set (Redis): the job is queued on RQ and a separate worker pool
  (`minzheng worker`) runs it.

A job function receives a JobContext and its params, reports progress, and must be idempotent
(natural keys, upserts, or delete-and-rewrite in one transaction), so that a job killed mid-way is
simply run again (`minzheng jobs rerun ID`, or the button on the job page) without duplicates.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import psutil
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from .context import Actor, acting_as
from .models import Job

log = logging.getLogger(__name__)


def queue_name() -> str:
    """One deployment, one queue; a second deployment (or test run) sharing the Redis sets its own."""
    return os.environ.get("MINZHENG_QUEUE", "minzheng")


# A running job's runner beats every HEARTBEAT_SECONDS whatever the job function does. A runner on
# this host is checked directly (its process, and in its own process its thread); one on another
# host counts as dead after STALE_AFTER_SECONDS without a beat.
HEARTBEAT_SECONDS = float(os.environ.get("MINZHENG_JOB_HEARTBEAT_SECONDS", "10"))
STALE_AFTER_SECONDS = 60

# Job ids being executed by this process (a thread, an RQ work horse or the CLI foreground), each
# with how many holders have it here (execute() from before the job is recorded as running until
# its outcome is, and the heartbeat inside), so another thread never sees the job running in this
# process without it being listed.
_live: dict[str, int] = {}
_live_lock = threading.Lock()
_runner_cache: dict[int, str] = {}


def runner_id() -> str:
    """host:pid:start time of this process (the start time tells a reused pid from the original)."""
    pid = os.getpid()
    if pid not in _runner_cache:
        _runner_cache[pid] = f"{socket.gethostname()}:{pid}:{psutil.Process(pid).create_time():.2f}"
    return _runner_cache[pid]


def _runner_alive(runner: str, job_id: str) -> bool | None:
    """True/False when this host can tell; None for a runner on another host (or none recorded)."""
    host, _, rest = runner.partition(":")
    pid_text, _, started = rest.partition(":")
    if not runner or host != socket.gethostname() or not pid_text.isdigit():
        return None
    if runner == runner_id():
        with _live_lock:
            return _live.get(job_id, 0) > 0
    try:
        process = psutil.Process(int(pid_text))
        # A killed process nobody has reaped yet (a zombie) still has its pid and start time.
        return (
            f"{process.create_time():.2f}" == started and process.status() != psutil.STATUS_ZOMBIE
        )
    except (psutil.NoSuchProcess, ValueError):
        return False
    except psutil.AccessDenied:
        return None  # cannot tell: the heartbeat decides


def _hold(job_id: str) -> None:
    with _live_lock:
        _live[job_id] = _live.get(job_id, 0) + 1


def _release(job_id: str) -> None:
    with _live_lock:
        if _live.get(job_id, 0) <= 1:
            _live.pop(job_id, None)
        else:
            _live[job_id] -= 1


class _Heartbeat:
    """Marks the job as this process's and beats in a thread of its own until stopped."""

    def __init__(self, job_id: str):
        self.job_id = job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{job_id}")

    def __enter__(self):
        _hold(self.job_id)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        _release(self.job_id)

    def _beat(self):
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # a busy database delays a beat; the next one retries
                    log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)
        finally:
            connection.close()


@dataclass(frozen=True)
class JobSpec:
    kind: str
    title: str
    func: Callable


_REGISTRY: dict[str, JobSpec] = {}


def job(kind: str, title: str):
    """Register a job function: func(ctx: JobContext, **params) -> dict | None."""

    def decorate(func):
        _REGISTRY[kind] = JobSpec(kind, title, func)
        return func

    return decorate


def registered(kind: str) -> JobSpec:
    load_job_modules()
    return _REGISTRY[kind]


def kinds() -> list[str]:
    load_job_modules()
    return sorted(_REGISTRY)


def load_job_modules():
    # Job functions live in each app's jobs.py; import them so the registry is complete in workers.
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for app in apps.get_app_configs():
        if app.name.startswith("minzheng.") and find_spec(f"{app.name}.jobs"):
            import_module(f"{app.name}.jobs")


class JobContext:
    """Handed to job functions; progress is written at most twice a second."""

    def __init__(self, job: Job, on_progress: Callable[[Job], None] | None = None):
        self.job = job
        self._last_write = 0.0
        self._on_progress = on_progress

    @property
    def params(self) -> dict:
        return self.job.params

    def progress(
        self,
        done: int,
        total: int | None = None,
        message: str | None = None,
        *,
        force: bool = False,
    ):
        self.job.done = done
        if total is not None:
            self.job.total = total
        if message is not None:
            self.job.message = message[:300]
        now = time.monotonic()
        if force or now - self._last_write >= 0.5:
            self._last_write = now
            Job.objects.filter(pk=self.job.pk).update(
                done=self.job.done,
                total=self.job.total,
                message=self.job.message,
                heartbeat_at=timezone.now(),
            )
        if self._on_progress:
            self._on_progress(self.job)


def backend_name() -> str:
    return "rq" if settings.BROKER_URL else "inprocess"


def _redis():
    from redis import Redis

    return Redis.from_url(settings.BROKER_URL)


def rq_queue():
    from rq import Queue

    return Queue(queue_name(), connection=_redis())


def backend_status() -> dict:
    if not settings.BROKER_URL:
        return {"backend": "inprocess", "ok": True}
    try:
        from rq import Worker

        conn = _redis()
        conn.ping()
        workers = Worker.count(connection=conn)
        return {"backend": "rq", "ok": True, "workers": workers, "queued": rq_queue().count}
    except Exception as exc:
        return {"backend": "rq", "ok": False, "error": str(exc)[:200]}


def enqueue(
    kind: str,
    *,
    params: dict | None = None,
    user=None,
    region=None,
    title: str | None = None,
    dispatch_on_commit: bool = True,
) -> Job:
    """Create the job row and hand it to the backend once the surrounding transaction commits.
    With dispatch_on_commit=False the caller runs it (the CLI runs jobs in its own foreground)."""
    spec = registered(kind)
    job_row = Job.objects.create(
        kind=kind,
        title=title or spec.title,
        params=params or {},
        created_by=user if getattr(user, "is_authenticated", False) else None,
        region=region,
        backend=backend_name(),
    )
    if dispatch_on_commit:
        transaction.on_commit(lambda: dispatch(job_row.pk))
    return job_row


def dispatch(job_id) -> None:
    if settings.BROKER_URL:
        rq_queue().enqueue(
            "minzheng.core.jobs.execute", str(job_id), job_timeout=6 * 3600, result_ttl=3600
        )
    else:
        thread = threading.Thread(
            target=_execute_in_thread, args=(str(job_id),), daemon=True, name=f"job-{job_id}"
        )
        thread.start()


def _execute_in_thread(job_id: str):
    try:
        execute(job_id)
    finally:
        connection.close()


def execute(job_id: str, *, on_progress: Callable[[Job], None] | None = None) -> Job:
    """Run one job to the end (in a thread, an RQ worker, or the CLI's foreground)."""
    close_old_connections()
    job_row = Job.objects.select_related("created_by").get(pk=job_id)
    if job_row.status == Job.Status.SUCCEEDED:
        return job_row
    spec = registered(job_row.kind)
    # Listed as running here before the row says so, and until its outcome is written (see _live).
    _hold(str(job_row.pk))
    try:
        now = timezone.now()
        Job.objects.filter(pk=job_row.pk).update(
            status=Job.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            error="",
            attempts=job_row.attempts + 1,
            runner=runner_id(),
        )
        job_row.refresh_from_db()
        ctx = JobContext(job_row, on_progress)
        user = job_row.created_by
        actor = Actor(
            user_id=user.pk if user else None,
            username=user.get_username() if user else "system",
            channel="job",
        )
        try:
            with acting_as(actor), _Heartbeat(str(job_row.pk)):
                result = spec.func(ctx, **job_row.params)
        except Exception as exc:
            log.exception("job %s failed", job_id)
            Job.objects.filter(pk=job_row.pk).update(
                status=Job.Status.FAILED,
                finished_at=timezone.now(),
                error=f"{exc}\n\n{traceback.format_exc()}"[-8000:],
                message=str(exc)[:300],
            )
        else:
            Job.objects.filter(pk=job_row.pk).update(
                status=Job.Status.SUCCEEDED,
                finished_at=timezone.now(),
                result=result or {},
                message=ctx.job.message,
                done=ctx.job.total or ctx.job.done,
                total=ctx.job.total or ctx.job.done,
            )
    finally:
        _release(str(job_row.pk))
    job_row.refresh_from_db()
    return job_row


def rerun(job_row: Job, *, dispatch_on_commit: bool = True) -> Job:
    """Queue a failed or stalled job again; its function's idempotence guarantees no duplicates."""
    Job.objects.filter(pk=job_row.pk).update(
        status=Job.Status.QUEUED, done=0, message="", error="", finished_at=None
    )
    if dispatch_on_commit:
        transaction.on_commit(lambda: dispatch(job_row.pk))
    job_row.refresh_from_db()
    return job_row


def is_stalled(job_row: Job) -> bool:
    """A running job whose runner is gone: dead process or thread on this host, or no heartbeat
    for STALE_AFTER_SECONDS from another host. Such a job may be run again at once."""
    if job_row.status != Job.Status.RUNNING:
        return False
    alive = _runner_alive(job_row.runner, str(job_row.pk))
    if alive is not None:
        return not alive
    if job_row.heartbeat_at is None:
        return False
    return (timezone.now() - job_row.heartbeat_at).total_seconds() > STALE_AFTER_SECONDS

"""`minzheng worker [--burst] [--processes N]`: run jobs from the Redis queue (RQ).

Each job runs in a forked work horse. Database connections never cross a fork: the worker closes
its own before forking, and the horse closes what it opened when the job ends.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _
from rq import Worker

from minzheng.core import audit, jobs
from minzheng.core.keycheck import require_data_key
from minzheng.core.models import Job

log = logging.getLogger(__name__)
EXECUTE_FUNC = "minzheng.core.jobs.execute"


class DjangoWorker(Worker):
    """An RQ worker that keeps Django's database connections per process."""

    def subscribe(self):
        """RQ's own, with the listening thread polling every second instead of every minute:
        redis-py's `PubSubWorkerThread.stop()` now waits for the poll in progress, so with RQ's
        60 s every worker took up to a minute to quit (a burst run, a restart on deploy)."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def fork_work_horse(self, job, queue):
        # A connection inherited across fork() is one socket used by two processes; close it so
        # the horse opens its own.
        connections.close_all()
        super().fork_work_horse(job, queue)

    def perform_job(self, job, queue, execution):
        try:
            return super().perform_job(job, queue, execution)
        finally:
            # The horse ends with os._exit: seal its audit events before, not at the next pass.
            audit.sealer.flush(timeout=30)
            connections.close_all()

    def handle_work_horse_killed(self, job, retpid, ret_val, rusage):
        """The horse died without finishing (killed, out of memory): mark the job failed so that
        it can be re-run at once instead of waiting to be noticed as stalled."""
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        if job.func_name != EXECUTE_FUNC or not job.args:
            return
        try:
            Job.objects.filter(pk=job.args[0], status=Job.Status.RUNNING).update(
                status=Job.Status.FAILED,
                finished_at=timezone.now(),
                message=_("执行任务的进程意外终止，可重新运行")[:300],
                error=f"work horse {retpid} ended with status {ret_val}",
            )
        finally:
            connections.close_all()


class Command(BaseCommand):
    help = _("运行后台任务工作进程（需要配置 MINZHENG_BROKER_URL）")

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help=_("队列清空后退出"))
        parser.add_argument("--processes", type=int, default=1, help=_("工作进程数（默认1）"))

    def handle(self, *args, burst: bool, processes: int, verbosity: int, **options):
        if not settings.BROKER_URL:
            raise CommandError(
                _(
                    "未配置消息队列：请设置环境变量 MINZHENG_BROKER_URL，例如 redis://127.0.0.1:6379/0"
                )
            )
        if processes < 1:
            raise CommandError(_("--processes 至少为1"))
        require_data_key()
        redis = jobs.rq_queue().connection
        try:
            redis.ping()
        except Exception as exc:
            raise CommandError(
                _("无法连接消息队列 %(url)s：%(error)s")
                % {"url": settings.BROKER_URL, "error": exc}
            ) from None
        level = {0: "WARNING", 1: "INFO"}.get(verbosity, "DEBUG")
        # Import every app's job functions once here, so each forked horse starts with them loaded.
        jobs.load_job_modules()
        connections.close_all()
        # The worker also seals events every few seconds, whoever wrote them (a server process
        # killed between a commit and its sealing pass, a command that ended early).
        audit.sealer.start(settings.AUDIT_SEAL_SECONDS or None)
        if processes == 1:
            worker = DjangoWorker([jobs.queue_name()], connection=redis)
            worker.work(burst=burst, logging_level=level)
            return
        from rq.worker_pool import WorkerPool

        pool = WorkerPool(
            [jobs.queue_name()], connection=redis, num_workers=processes, worker_class=DjangoWorker
        )
        pool.start(burst=burst, logging_level=level)

"""`minzheng jobs list|show ID|rerun ID|run KIND --param k=v ...`

`run` and `rerun` follow the job with a progress bar on stderr until it ends. Without a broker the
job runs right here in the foreground (a background thread would die with this process); with one
it is queued for `minzheng worker` and this command watches its row.
"""

from __future__ import annotations

import json
import time
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import jobs
from minzheng.core.models import Job
from minzheng.core.progress import ProgressBar, job_progress_callback

POLL_SECONDS = 0.5
FINISHED = {Job.Status.SUCCEEDED, Job.Status.FAILED}


def parse_param(text: str) -> tuple[str, object]:
    """ "k=v"; v is read as JSON when it is JSON (numbers, true/false, lists), otherwise as text."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise CommandError(_("参数应写成 键=值：%(text)s") % {"text": text})
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def find_job(ref: str) -> Job:
    """A job by its full ID or a unique prefix of it (as `jobs list` prints)."""
    try:
        return Job.objects.get(pk=uuid.UUID(ref))
    except ValueError:
        pass
    except Job.DoesNotExist:
        raise CommandError(_("任务不存在：%(id)s") % {"id": ref}) from None
    prefix = ref.lower()
    matches = (
        [pk for pk in Job.objects.values_list("pk", flat=True) if str(pk).startswith(prefix)]
        if len(prefix) >= 4
        else []
    )
    if len(matches) != 1:
        raise CommandError(_("任务不存在或编号不唯一：%(id)s") % {"id": ref})
    return Job.objects.get(pk=matches[0])


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


class Command(BaseCommand):
    help = _("查看、运行和重新运行后台任务")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{list,show,rerun,run}"
        )

        listing = actions.add_parser("list", help=_("列出最近的任务"))
        listing.add_argument("--status", choices=Job.Status.values)
        listing.add_argument("--kind")
        listing.add_argument("--limit", type=int, default=20)

        show = actions.add_parser("show", help=_("显示一个任务的详情"))
        show.add_argument("job_id")
        show.add_argument("--json", dest="as_json", action="store_true", help=_("以JSON输出"))

        rerun = actions.add_parser("rerun", help=_("重新运行失败或停滞的任务"))
        rerun.add_argument("job_id")
        rerun.add_argument(
            "--force",
            action="store_true",
            help=_("即使任务仍显示为运行中也重新运行（确认原进程已停止时使用）"),
        )
        rerun.add_argument("--no-wait", action="store_true", help=_("排队后立即返回，不跟踪进度"))

        run = actions.add_parser("run", help=_("新建并运行一个任务"))
        run.add_argument("kind")
        run.add_argument(
            "--param", action="append", default=[], metavar="KEY=VALUE", help=_("任务参数，可重复")
        )
        run.add_argument("--user", help=_("以该用户身份运行（用户名）"))
        run.add_argument("--no-wait", action="store_true", help=_("排队后立即返回，不跟踪进度"))

    def handle(self, *args, action: str, **options):
        return getattr(self, f"_{action}")(**options)

    # -- list / show ------------------------------------------------------------------------------

    def _list(self, *, status=None, kind=None, limit=20, **_options):
        rows = Job.objects.select_related("created_by").order_by("-created_at")
        if status:
            rows = rows.filter(status=status)
        if kind:
            rows = rows.filter(kind=kind)
        for row in rows[:limit]:
            stalled = _("（停滞）") if jobs.is_stalled(row) else ""
            self.stdout.write(
                f"{row.pk}  {row.get_status_display()}{stalled}  {row.percent:3d}%  {_local(row.created_at)}  "
                f"{row.kind}  {row.title}"
            )

    def _show(self, *, job_id, as_json=False, **_options):
        row = find_job(job_id)
        if as_json:
            self.stdout.write(
                _dumps(
                    {
                        "id": str(row.pk),
                        "kind": row.kind,
                        "title": row.title,
                        "status": row.status,
                        "done": row.done,
                        "total": row.total,
                        "message": row.message,
                        "params": row.params,
                        "result": row.result,
                        "error": row.error,
                        "attempts": row.attempts,
                        "backend": row.backend,
                        "created_by": row.created_by.get_username() if row.created_by else None,
                        "created_at": row.created_at,
                        "started_at": row.started_at,
                        "finished_at": row.finished_at,
                        "stalled": jobs.is_stalled(row),
                    }
                )
            )
            return
        lines = [
            (_("编号"), str(row.pk)),
            (_("名称"), row.title),
            (_("类型"), row.kind),
            (_("状态"), row.get_status_display() + (_("（停滞）") if jobs.is_stalled(row) else "")),
            (_("进度"), f"{row.done}/{row.total} ({row.percent}%)"),
            (_("进度说明"), row.message or "-"),
            (_("运行方式"), row.backend or "-"),
            (_("运行次数"), str(row.attempts)),
            (_("创建人"), row.created_by.get_username() if row.created_by else "-"),
            (_("创建时间"), _local(row.created_at)),
            (_("开始时间"), _local(row.started_at)),
            (_("结束时间"), _local(row.finished_at)),
            (_("参数"), _dumps(row.params)),
        ]
        if row.result is not None:
            lines.append((_("结果"), _dumps(row.result)))
        if row.error:
            lines.append((_("错误"), row.error))
        for label, value in lines:
            self.stdout.write(f"{label}: {value}")

    # -- run / rerun -------------------------------------------------------------------------------

    def _run(self, *, kind, param, user=None, no_wait=False, **_options):
        try:
            jobs.registered(kind)
        except KeyError:
            known = ", ".join(jobs.kinds())
            raise CommandError(
                _("未知的任务类型：%(kind)s（可用：%(known)s）") % {"kind": kind, "known": known}
            ) from None
        params = dict(parse_param(p) for p in param)
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(_("用户不存在：%(user)s") % {"user": user})
        if settings.BROKER_URL:
            self._check_broker()
        # Without a broker the job runs below in the foreground (a thread would die with this process).
        row = jobs.enqueue(
            kind,
            params=params,
            user=account,
            region=account.region if account else None,
            dispatch_on_commit=bool(settings.BROKER_URL),
        )
        self.stderr.write(_("任务 %(id)s 已创建：%(title)s") % {"id": row.pk, "title": row.title})
        return self._follow(row, no_wait=no_wait)

    def _rerun(self, *, job_id, force=False, no_wait=False, **_options):
        row = find_job(job_id)
        if row.status == Job.Status.SUCCEEDED:
            raise CommandError(_("任务已完成，无需重新运行"))
        if (
            row.status in (Job.Status.RUNNING, Job.Status.QUEUED)
            and not jobs.is_stalled(row)
            and not force
        ):
            raise CommandError(_("任务仍在排队或运行中；如确认原进程已停止，请加 --force"))
        if settings.BROKER_URL:
            self._check_broker()
        row = jobs.rerun(row, dispatch_on_commit=bool(settings.BROKER_URL))
        self.stderr.write(_("任务 %(id)s 已重新排队") % {"id": row.pk})
        return self._follow(row, no_wait=no_wait)

    def _check_broker(self) -> None:
        status = jobs.backend_status()
        if not status["ok"]:
            raise CommandError(
                _("无法连接消息队列 %(url)s：%(error)s")
                % {"url": settings.BROKER_URL, "error": status["error"]}
            )

    def _progress_bar(self, title: str) -> ProgressBar:
        # The bar redraws a line in place, so it writes to the raw stream: Django's OutputWrapper
        # would end every write with a newline.
        return ProgressBar(title, stream=getattr(self.stderr, "_out", self.stderr))

    def _follow(self, row: Job, *, no_wait: bool):
        if settings.BROKER_URL:
            if no_wait:
                self.stdout.write(str(row.pk))
                return
            status = jobs.backend_status()
            if not status.get("workers"):
                self.stderr.write(
                    _("提示：当前没有运行中的工作进程，请另开终端运行 minzheng worker")
                )
            with self._progress_bar(row.title) as bar:
                try:
                    while row.status not in FINISHED:
                        time.sleep(POLL_SECONDS)
                        row.refresh_from_db()
                        bar.update(row.done, row.total or None, row.message)
                except KeyboardInterrupt:
                    bar.finish(_("已停止跟踪，任务仍在后台运行"))
                    self.stderr.write(_("查看进度：minzheng jobs show %(id)s") % {"id": row.pk})
                    return
                bar.update(row.done, row.total or None, row.message)
        else:
            with self._progress_bar(row.title) as bar:
                row = jobs.execute(str(row.pk), on_progress=job_progress_callback(bar))
                bar.update(row.done, row.total or None, row.message)
        if row.status == Job.Status.FAILED:
            raise CommandError(
                _("任务失败：%(message)s") % {"message": row.message or row.error[:300]}
            )
        self.stdout.write(_dumps(row.result))

"""`minzheng verify`: household economic-status verification from the command line.

  minzheng verify --region CODE [--all-beneficiaries] [--engine duckdb|spark] [--as-of DATE] [--user NAME]
      verify the region's applications waiting for verification, or (--all-beneficiaries) recheck
      every beneficiary household of the region; --case NUMBER verifies one application.
  minzheng verify generate-sources --city DIR [--beneficiaries N]   departmental data for a synthetic city
  minzheng verify import SOURCE FILE --as-of DATE [--provider NAME] [--mode good_rows|all_or_nothing]
  minzheng verify import-dir DIR --as-of DATE                        every <source>.<ext> file of a directory
  minzheng verify batches                                           the imported batches
  minzheng verify score RUN --sources DIR                           recall and precision of a run against
                                                                     a generated ground truth

Runs and imports are jobs: without a broker they run here in the foreground with a progress bar;
with MINZHENG_BROKER_URL they are queued for `minzheng worker` and followed until they end.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minzheng.core import jobs
from minzheng.core.context import Actor, acting_as
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import Job
from minzheng.core.progress import ProgressBar, job_progress_callback
from minzheng.regions.services import resolve_code

from ... import services
from ...models import Run, SourceBatch
from ...sources import DEPARTMENT_SOURCE_CODES

POLL_SECONDS = 0.5


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("日期格式应为 YYYY-MM-DD：%(t)s") % {"t": text}) from None


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


class Command(BaseCommand):
    help = _("家庭经济状况核对：发起核对、生成和导入部门数据")

    def add_arguments(self, parser):
        parser.add_argument(
            "--region",
            help=_("区划代码：核对该区域待核对的申请，或加 --all-beneficiaries 复核在册对象"),
        )
        parser.add_argument(
            "--all-beneficiaries", action="store_true", help=_("复核区域内全部在册救助对象")
        )
        parser.add_argument("--case", help=_("只核对一个申请（申请编号）"))
        parser.add_argument("--engine", choices=Run.Engine.values, default=Run.Engine.DUCKDB)
        parser.add_argument("--as-of", type=_date, default=None, help=_("核对基准日，默认今天"))
        parser.add_argument("--user", help=_("以该用户身份发起（用户名）；核对结果据此记入申请"))
        parser.add_argument("--no-wait", action="store_true", help=_("排队后立即返回"))
        actions = parser.add_subparsers(
            dest="action", metavar="{generate-sources,import,import-dir,batches,score}"
        )

        generate = actions.add_parser(
            "generate-sources", help=_("为合成城市生成部门数据和核对真值")
        )
        generate.add_argument(
            "--city", type=Path, required=True, help=_("minzheng generate 输出的目录")
        )
        generate.add_argument(
            "--out", type=Path, default=None, help=_("输出目录，默认 <city>/sources")
        )
        generate.add_argument("--seed", type=int, default=2016)
        generate.add_argument(
            "--beneficiaries",
            type=int,
            default=None,
            help=_("在册救助家庭数，默认为家庭总数的10%%"),
        )
        generate.add_argument(
            "--planted-share", type=float, default=0.03, help=_("植入问题的救助家庭比例")
        )
        generate.add_argument(
            "--near-miss-share", type=float, default=0.04, help=_("构造“差一点”情形的救助家庭比例")
        )

        single = actions.add_parser("import", help=_("导入一个部门数据文件"))
        single.add_argument("source", choices=DEPARTMENT_SOURCE_CODES)
        single.add_argument("file", type=Path)
        single.add_argument(
            "--as-of", dest="batch_as_of", type=_date, required=True, help=_("数据截止日期")
        )
        single.add_argument("--provider", default="")
        single.add_argument(
            "--mode", choices=SourceBatch.Mode.values, default=SourceBatch.Mode.GOOD_ROWS
        )

        folder = actions.add_parser("import-dir", help=_("导入目录中以数据来源代码命名的全部文件"))
        folder.add_argument("directory", type=Path)
        folder.add_argument("--as-of", dest="batch_as_of", type=_date, required=True)
        folder.add_argument("--provider", default="")

        actions.add_parser("batches", help=_("列出已导入的数据批次"))

        scoring = actions.add_parser("score", help=_("按核对真值计算一次核对的查全率和查准率"))
        scoring.add_argument("run_id", type=int)
        scoring.add_argument(
            "--sources",
            type=Path,
            required=True,
            help=_("generate-sources 的输出目录（含 ground_truth.csv）"),
        )

    def handle(self, *args, action=None, **options):
        handler = {
            None: self._run,
            "generate-sources": self._generate,
            "import": self._import,
            "import-dir": self._import_dir,
            "batches": self._batches,
            "score": self._score,
        }[action]
        try:
            with acting_as(Actor(username=options.get("user") or "cli", channel="cli")):
                return handler(**options)
        except ServiceError as exc:
            raise CommandError(
                "; ".join(m for messages in exc.errors.values() for m in messages)
            ) from None
        except (PermissionDeniedError, NotFoundOrOutOfScope) as exc:
            raise CommandError(str(exc) or _("记录不存在或不在管辖范围内")) from None

    # -- runs -------------------------------------------------------------------------------------

    def _account(self, username):
        if not username:
            return None
        account = get_user_model().objects.filter(username=username).first()
        if account is None:
            raise CommandError(_("用户不存在：%(user)s") % {"user": username})
        return account

    def _run(
        self,
        *,
        region=None,
        all_beneficiaries=False,
        case=None,
        engine="duckdb",
        as_of=None,
        user=None,
        no_wait=False,
        **_options,
    ):
        from minzheng.cases.models import Case

        account = self._account(user)
        if case:
            found = Case.objects.filter(number=case).first()
            if found is None:
                raise CommandError(_("申请不存在：%(n)s") % {"n": case})
            run = services.start_run(
                user=account,
                kind=Run.Kind.APPLICATION,
                case=found,
                engine=engine,
                as_of=as_of,
                dispatch_on_commit=bool(settings.BROKER_URL),
            )
        else:
            if not region:
                raise CommandError(_("请用 --region 指定区域，或用 --case 指定申请"))
            place = resolve_code(region)
            if place is None:
                raise CommandError(_("区划代码不存在：%(c)s") % {"c": region})
            kind = Run.Kind.RECHECK if all_beneficiaries else Run.Kind.APPLICATIONS
            run = services.start_run(
                user=account,
                kind=kind,
                region=place,
                engine=engine,
                as_of=as_of,
                dispatch_on_commit=bool(settings.BROKER_URL),
            )
        self.stderr.write(
            _("核对任务 %(ref)s 已创建（任务 %(job)s）") % {"ref": run.reference, "job": run.job_id}
        )
        row = self._follow(run.job, no_wait=no_wait)
        if row is not None:
            run.refresh_from_db()
            self.stdout.write(_dumps(row.result))

    def _follow(self, row: Job, *, no_wait: bool) -> Job | None:
        bar = ProgressBar(row.title[:40], stream=getattr(self.stderr, "_out", self.stderr))
        if settings.BROKER_URL:
            if no_wait:
                self.stdout.write(str(row.pk))
                return None
            with bar:
                while row.status not in (Job.Status.SUCCEEDED, Job.Status.FAILED):
                    time.sleep(POLL_SECONDS)
                    row.refresh_from_db()
                    bar.update(row.done, row.total or None, row.message)
        else:
            with bar:
                row = jobs.execute(str(row.pk), on_progress=job_progress_callback(bar))
                bar.update(row.done, row.total or None, row.message)
        if row.status == Job.Status.FAILED:
            raise CommandError(
                _("任务失败：%(message)s") % {"message": row.message or row.error[:300]}
            )
        return row

    # -- synthetic data ---------------------------------------------------------------------------

    def _generate(
        self,
        *,
        city: Path,
        out=None,
        seed=2016,
        beneficiaries=None,
        planted_share=0.03,
        near_miss_share=0.04,
        **_options,
    ):
        from minzheng.synth.sources import generate_sources

        if not (city / "manifest.json").is_file():
            raise CommandError(
                _("%(dir)s 中没有 manifest.json（请先运行 minzheng generate --out %(dir)s）")
                % {"dir": city}
            )
        started = time.monotonic()
        with ProgressBar(
            "generate-sources", stream=getattr(self.stderr, "_out", self.stderr)
        ) as bar:
            manifest = generate_sources(
                city_dir=city,
                out_dir=out,
                seed=seed,
                beneficiary_households=beneficiaries,
                planted_share=planted_share,
                near_miss_share=near_miss_share,
                progress=bar.update,
            )
        self.stdout.write(
            _(
                "已生成部门数据 %(rows)s 条（%(n)s 个数据来源）、在册救助家庭 %(b)s 户、植入问题 %(p)s 个、“差一点”情形 %(m)s 个 → %(out)s（%(s).1f 秒）"
            )
            % {
                "rows": f"{manifest['rows']:,}",
                "n": len(manifest["files"]) - 2,
                "b": f"{manifest['beneficiary_households']:,}",
                "p": manifest["planted"],
                "m": manifest["near_misses"],
                "out": out or city / "sources",
                "s": time.monotonic() - started,
            }
        )

    # -- imports ----------------------------------------------------------------------------------

    def _print_batch(self, batch: SourceBatch) -> None:
        self.stdout.write(
            _(
                "批次 %(id)s %(source)s：%(status)s，共 %(total)s 条，导入 %(ok)s 条，错误 %(bad)s 条"
            )
            % {
                "id": batch.pk,
                "source": batch.get_source_display(),
                "status": batch.get_status_display(),
                "total": f"{batch.rows_total:,}",
                "ok": f"{batch.rows_imported:,}",
                "bad": f"{batch.rows_rejected:,}",
            }
        )
        for error in batch.errors[:10]:
            self.stdout.write(
                f"  {_('第 %(row)s 条') % {'row': error['row']}} {error['column']}：{error['message']}（{error['value']}）"
            )

    def _import(
        self,
        *,
        source: str,
        file: Path,
        batch_as_of: dt.date,
        provider="",
        mode=SourceBatch.Mode.GOOD_ROWS,
        **_options,
    ):
        if not file.is_file():
            raise CommandError(_("文件不存在：%(f)s") % {"f": file})
        batch = services.import_path(
            source=source, path=file, as_of=batch_as_of, provider=provider, mode=mode
        )
        self._print_batch(batch)

    def _import_dir(self, *, directory: Path, batch_as_of: dt.date, provider="", **_options):
        if not directory.is_dir():
            raise CommandError(_("目录不存在：%(d)s") % {"d": directory})
        started = time.monotonic()
        with ProgressBar("import", stream=getattr(self.stderr, "_out", self.stderr)) as bar:
            batches = services.import_directory(
                directory=directory, as_of=batch_as_of, provider=provider, progress=bar.update
            )
        for batch in batches:
            self._print_batch(batch)
        self.stdout.write(
            _("共导入 %(n)s 个批次（%(s).1f 秒）")
            % {"n": len(batches), "s": time.monotonic() - started}
        )

    def _batches(self, **_options):
        for batch in SourceBatch.objects.order_by("source", "-as_of", "-pk"):
            self.stdout.write(
                f"{batch.pk:6d}  {batch.source:16s}  {batch.as_of}  {batch.get_status_display():10s}  "
                f"{batch.rows_imported:>12,}  {batch.provider}  {batch.original_name}"
            )

    def _score(self, *, run_id: int, sources: Path, **_options):
        from ...scoring import score_run

        run = Run.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(_("核对任务不存在：%(id)s") % {"id": run_id})
        self.stdout.write(_dumps(score_run(run, sources).as_dict()))

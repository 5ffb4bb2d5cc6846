"""`minzheng targets refresh [--date D] [--plan ID] [--history]`, `load-2016`, `demo`,
`export-plan ID FILE`, `import-plan FILE`.

Nightly snapshot (cron, as the platform's user, e.g. at 01:30):

    30 1 * * *  cd /srv/minzheng && .venv/bin/minzheng targets refresh >> var/log/targets-refresh.log 2>&1
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minzheng.core.context import Actor, acting_as
from minzheng.core.errors import ServiceError
from minzheng.core.progress import ProgressBar
from minzheng.targets import excel, refresh, services
from minzheng.targets.models import Plan


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": text}) from None


class Command(BaseCommand):
    help = _("目标管理：刷新指标快照、载入2016年计划、导入导出计划")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{refresh,load-2016,demo,export-plan,import-plan}"
        )
        run = actions.add_parser("refresh", help=_("生成指定日期的指标快照（默认今天）"))
        run.add_argument("--date", help=_("快照日期 YYYY-MM-DD"))
        run.add_argument(
            "--plan", type=int, help=_("只考核该计划（默认：考核期包含该日期的执行中计划）")
        )
        run.add_argument(
            "--history", action="store_true", help=_("为该计划补建考核期内每个月末的快照")
        )
        actions.add_parser("load-2016", help=_("载入荆门市2016年民政工作要点（已载入则跳过）"))
        actions.add_parser("demo", help=_("载入2016年计划并生成各月快照"))
        export = actions.add_parser("export-plan", help=_("把计划导出为Excel"))
        export.add_argument("plan", type=int)
        export.add_argument("file")
        imported = actions.add_parser("import-plan", help=_("从Excel导入计划（草稿）"))
        imported.add_argument("file")
        imported.add_argument("--user", required=True, help=_("以该管理员身份导入（用户名）"))

    def handle(self, *args, action: str, **options):
        with acting_as(Actor(username="cli", channel="cli")):
            return getattr(self, "_" + action.replace("-", "_"))(**options)

    def _refresh(self, *, date=None, plan=None, history=False, **_options):
        plans = None
        if plan:
            plans = [Plan.objects.filter(pk=plan).first() or self._missing_plan(plan)]
        if history:
            if not plans:
                raise CommandError(_("--history 需要同时指定 --plan"))
            last = _date(date) if date else refresh.default_date(plans[0])
            dates = refresh.month_ends(plans[0].period_start, last)
            if not dates or dates[-1] != last:
                dates.append(last)
        elif date:
            dates = [_date(date)]
        else:
            # A named plan is assessed on today, or on its last day once its period is over.
            dates = [refresh.default_date(plans[0] if plans else None)]
        stream = getattr(self.stderr, "_out", self.stderr)
        for on_date in dates:
            with ProgressBar(_("指标快照 %(date)s") % {"date": on_date}, stream=stream) as bar:
                result = refresh.refresh(
                    on_date=on_date, plans=plans, progress=lambda d, t, m: bar.update(d, t, m)
                )
            self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _missing_plan(self, pk):
        raise CommandError(_("计划不存在：%(id)s") % {"id": pk})

    def _load_2016(self, **_options):
        plan = services.load_plan_2016()
        self.stdout.write(
            _("%(title)s：%(n)s 个目标") % {"title": plan.title, "n": plan.targets.count()}
        )

    def _demo(self, **_options):
        from minzheng.targets.demo import setup_demo

        setup_demo(log=self.stdout.write)

    def _export_plan(self, *, plan, file, **_options):
        row = Plan.objects.filter(pk=plan).first() or self._missing_plan(plan)
        Path(file).write_bytes(excel.export_plan_xlsx(row))
        self.stdout.write(file)

    def _import_plan(self, *, file, user, **_options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(_("用户不存在：%(user)s") % {"user": user})
        try:
            plan = services.import_plan(
                user=account, data=excel.read_plan_xlsx(Path(file).read_bytes())
            )
        except ServiceError as exc:
            raise CommandError("; ".join(m for ms in exc.errors.values() for m in ms)) from None
        self.stdout.write(
            _("已导入 %(title)s（草稿），编号 %(id)s") % {"title": plan.title, "id": plan.pk}
        )

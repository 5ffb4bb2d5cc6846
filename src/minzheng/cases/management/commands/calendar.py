"""`minzheng calendar load [--year Y]`: the national holiday arrangement into the working-day
calendar, from the `chinese-calendar` package (2004 on). Idempotent; an administrator's entries
are kept.

Yearly, once the State Council has published the next year's arrangement (November/December)
and the package has been upgraded to carry it:

    .venv/bin/minzheng calendar load --year 2027
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from minzheng.cases import holidays
from minzheng.core.context import Actor, acting_as

NOT_PUBLISHED = gettext_noop(
    "%(years)s 年的节假日安排尚未收录（chinese-calendar %(version)s 收录 %(first)s–%(last)s 年）："
    "请升级该软件包，或由系统管理员在后台录入。"
)


def _years(years: list[int]) -> str:
    if not years:
        return "—"
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}–{years[-1]}"
    return "、".join(str(y) for y in years)


class Command(BaseCommand):
    help = _("节假日安排：按国务院公布的安排载入工作日日历")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{load}")
        load = actions.add_parser(
            "load",
            help=_("载入2004年至今年（及软件包已收录的以后年度）的节假日安排，管理员录入的不覆盖"),
        )
        load.add_argument("--year", type=int, help=_("只载入该年度"))

    def handle(self, *args, action: str, **options):
        with acting_as(Actor(username="cli", channel="cli")):
            return getattr(self, "_" + action)(**options)

    def _load(self, *, year: int | None = None, **options):
        known = holidays.package_years()
        coverage = {
            "version": holidays.package_version(),
            "first": known[0],
            "last": known[-1],
        }
        if year is not None and year not in known:
            raise CommandError(_(NOT_PUBLISHED) % {"years": year, **coverage})
        result = holidays.load_calendar(years=None if year is None else [year])
        self.stdout.write(
            _(
                "%(years)s 年：新增 %(created)s 天，更正 %(updated)s 天，删除 %(removed)s 天；"
                "保留管理员录入 %(manual)s 天。"
            )
            % {
                "years": _years(result.years),
                "created": result.created,
                "updated": result.updated,
                "removed": result.removed,
                "manual": result.manual,
            }
        )
        if result.missing:
            self.stderr.write(_(NOT_PUBLISHED) % {"years": _years(result.missing), **coverage})

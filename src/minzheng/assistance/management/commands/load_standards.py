"""`minzheng load_standards`: seed the default assistance statistics and standards (idempotent)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.assistance.services import load_default_standards
from minzheng.core.context import Actor, acting_as
from minzheng.regions.models import Region


class Command(BaseCommand):
    help = gettext_lazy("载入默认社会救助标准（荆门2015年末标准及参考值）；已设定的标准不会被覆盖")

    def handle(self, *args, **options):
        if not Region.objects.filter(code="420800").exists():
            raise CommandError(_("尚未载入行政区划，请先运行演示数据或载入区划"))
        with acting_as(Actor(username="system", channel="cli")):
            created = load_default_standards()
        self.stdout.write(
            self.style.SUCCESS(_("新增默认统计指标和救助标准 %(n)s 条") % {"n": created})
        )

"""`minzheng generate --persons N [--seed S] [--out DIR] [--load]`: write a synthetic city as Parquet."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minzheng.core.context import Actor, acting_as
from minzheng.core.progress import ProgressBar
from minzheng.synth.generator import generate_city
from minzheng.synth.loader import load_city


class Command(BaseCommand):
    help = "Generate a deterministic synthetic Jingmen (villages, households, people) as Parquet files; --load also loads it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--persons",
            type=int,
            default=20_000,
            help="number of people (default 20,000; full scale 2,900,000)",
        )
        parser.add_argument("--seed", type=int, default=2016, help="random seed (default 2016)")
        parser.add_argument(
            "--out",
            type=Path,
            default=None,
            help="output directory (default var/synth/<persons>-<seed>)",
        )
        parser.add_argument(
            "--load", action="store_true", help="load the city into the database afterwards"
        )
        parser.add_argument(
            "--with-sources",
            action="store_true",
            help="also write the departmental sources for verification, with planted discrepancies and their ground truth",
        )
        parser.add_argument(
            "--with-linkage",
            action="store_true",
            help="also write the poverty-registry and medical-insurance files (minzheng.linkage imports them)",
        )

    def handle(
        self,
        *args,
        persons: int,
        seed: int,
        out: Path | None,
        load: bool,
        with_sources: bool = False,
        with_linkage: bool = False,
        **opts,
    ):
        if persons < 1:
            raise CommandError(_("--persons 至少为 1"))
        out_dir = out or Path(settings.VAR_DIR) / "synth" / f"{persons}-{seed}"
        started = time.monotonic()
        with ProgressBar("generate") as bar:
            manifest = generate_city(
                persons=persons, seed=seed, out_dir=out_dir, progress=bar.update
            )
        self.stdout.write(
            _(
                "已生成 %(persons)s 人、%(households)s 户、%(villages)s 个村（社区）→ %(out)s（%(seconds).1f 秒，校验值 %(checksum)s）"
            )
            % {
                "persons": f"{manifest['persons']:,}",
                "households": f"{manifest['households']:,}",
                "villages": f"{manifest['villages']:,}",
                "out": out_dir,
                "seconds": time.monotonic() - started,
                "checksum": manifest["checksum"][:12],
            }
        )
        if with_sources:
            from minzheng.synth.sources import generate_sources

            with ProgressBar("generate-sources") as bar:
                generate_sources(city_dir=out_dir, seed=seed, progress=bar.update)
            self.stdout.write(_("已生成部门核对数据 → %(out)s") % {"out": out_dir / "sources"})
        if with_linkage:
            from minzheng.synth.linkage import generate_linkage_files

            generate_linkage_files(city_dir=out_dir, seed=seed)
            self.stdout.write(_("已生成扶贫和医保数据 → %(out)s") % {"out": out_dir / "linkage"})
        if load:
            load_into_database(self, out_dir)


def load_into_database(command: BaseCommand, src_dir: Path) -> None:
    started = time.monotonic()
    with acting_as(Actor(username="cli", channel="cli")), ProgressBar("load") as bar:
        result = load_city(src_dir=src_dir, progress=bar.update)
    added = result["added"]
    command.stdout.write(
        _(
            "已导入 %(src)s（%(seconds).1f 秒）：新增村（社区）%(villages)s 个、人员 %(persons)s 人、家庭 %(households)s 户、家庭成员 %(members)s 条"
        )
        % {
            "src": src_dir,
            "seconds": time.monotonic() - started,
            **{k: f"{v:,}" for k, v in added.items()},
        }
    )

"""Demo records of the relief-supply depots: the city's depot and one per county, each stocked at
the start of 2016 (tents in the hundreds, quilts in the thousands), and a year of its ledger.

In 东宝区 (keepers depot_keeper and depot_keeper2): a charity's donation of quilts in March; in
July the city sends tents and quilts for the flood and the depot issues them to the flooded
townships (recorded against "2016年7月东宝区洪涝灾害"); winter clothes bought in November and
issued for winter–spring relief in December; a stock count on 30 September with two differences —
three quilts, explained by the county in October (the ledger adjusted), and two lamps never
explained, so target 3.2 shows one violation for 2016. Lately: bottled water and instant food
received with short shelf lives (one batch already expired), and a donation of quilts recorded by
depot_keeper today that waits on depot_keeper2's workbench. Every other record was confirmed by
the depot's second keeper on the day. The other depots' keepers are accounts without a password
(they hold the records' names only).

Idempotent: nothing is added when the city's depot exists. Rows are written in bulk."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import Role, User
from minzheng.core import audit
from minzheng.core.models import AuditEvent
from minzheng.regions.models import Region

from . import snapshots
from .models import (
    Batch,
    CountLine,
    Depot,
    DepotLevel,
    Finding,
    FindingStatus,
    Item,
    Movement,
    MovementKind,
    MovementStatus,
    StockCount,
)

CITY_DEPOT = "荆门市救灾物资储备库"
DONGBAO = "420802"
FLOOD = "2016年7月东宝区洪涝灾害"
# Opening stock on 2016-01-15 of a county depot (the city's is twice this).
OPENING = {
    "ZP01": 250,
    "MB01": 2000,
    "MY01": 800,
    "FZ01": 600,
    "ZC01": 150,
    "DJ01": 120,
    "SD01": 400,
    "YS01": 600,
    "MT01": 1000,
    "SH01": 300,
}
D = dt.date


def _keepers(depot: Depot, code: str) -> tuple[User, User]:
    if code == DONGBAO:
        named = list(User.objects.filter(username__in=["depot_keeper", "depot_keeper2"]))
        if len(named) == 2:
            named.sort(key=lambda u: u.username)
            return named[0], named[1]
    pair = []
    for n in (1, 2):
        user, created = User.objects.get_or_create(
            username=f"depot_{code}_{n}",
            defaults={
                "role": Role.DEPOT_KEEPER,
                "region": depot.region,
                "first_name": f"{depot.name}保管员{n}",
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        pair.append(user)
    return pair[0], pair[1]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class _Ledger:
    """Collects the demo's rows, then writes them in bulk."""

    def __init__(self):
        self.rows: list[Movement] = []

    def add(self, depot, batch, kind, quantity, on, keepers, *, confirmed=True, **extra):
        recorder, confirmer = keepers
        row = Movement(
            depot=depot,
            batch=batch,
            item_id=batch.item_id,
            kind=kind,
            quantity=quantity,
            occurred_on=on,
            status=MovementStatus.CONFIRMED if confirmed else MovementStatus.PENDING,
            recorded_by=recorder,
            recorded_at=_at(on, 9) if confirmed else timezone.now(),
            confirmed_by=confirmer if confirmed else None,
            confirmed_at=_at(on, 16) if confirmed else None,
            **extra,
        )
        self.rows.append(row)
        return row

    def balance(self, depot, batch, on) -> int:
        return sum(
            r.quantity
            for r in self.rows
            if r.depot is depot and r.batch is batch and r.occurred_on <= on
        )


@transaction.atomic
def seed_demo_depots(*, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    if Depot.objects.filter(name=CITY_DEPOT).exists():
        return {"depots": 0}
    city = Region.objects.get(code="420800")
    counties = list(Region.objects.filter(parent=city, level=Region.Level.COUNTY).order_by("code"))
    depots = [Depot(name=CITY_DEPOT, level=DepotLevel.CITY, region=city, address="荆门市掇刀区")]
    depots += [
        Depot(name=f"{c.name}救灾物资储备库", level=DepotLevel.COUNTY, region=c) for c in counties
    ]
    Depot.objects.bulk_create(depots)
    depots = list(Depot.objects.filter(name__in=[d.name for d in depots]).select_related("region"))
    by_code = {d.region.code: d for d in depots}
    keepers = {}
    for code, depot in by_code.items():
        keepers[code] = _keepers(depot, code)
        depot.keepers.add(*keepers[code])
    items = {i.code: i for i in Item.objects.all()}

    batches: dict[tuple[str, str], Batch] = {}
    new_batches = []
    for n, code in enumerate(sorted(by_code)):
        for item_code in OPENING:
            item = items[item_code]
            batch = Batch(
                item=item,
                number=f"{code}-{item_code}-2016A",
                received_on=D(2016, 1, 15),
                expires_on=D(2017, 1, 14) if item.perishable else None,
                supplier="湖北省救灾物资储备中心" if n % 2 else "荆门市政府采购中心",
            )
            batches[(code, item_code)] = batch
            new_batches.append(batch)
    extra_batches = {
        "donated_quilts": Batch(
            item=items["MB01"],
            number=f"{DONGBAO}-MB01-2016B",
            received_on=D(2016, 3, 10),
            supplier="荆门市慈善总会",
        ),
        "winter_coats": Batch(
            item=items["MY01"],
            number=f"{DONGBAO}-MY01-2016C",
            received_on=D(2016, 11, 20),
            supplier="荆门市政府采购中心",
        ),
        "water_recent": Batch(
            item=items["YS01"],
            number=f"{DONGBAO}-YS01-{today.year}R",
            received_on=today - dt.timedelta(days=340),
            expires_on=today + dt.timedelta(days=25),
            supplier="荆门市政府采购中心",
        ),
        "food_recent": Batch(
            item=items["SD01"],
            number=f"{DONGBAO}-SD01-{today.year}R",
            received_on=today - dt.timedelta(days=300),
            expires_on=today + dt.timedelta(days=60),
            supplier="荆门市政府采购中心",
        ),
        "water_expired": Batch(
            item=items["YS01"],
            number=f"{DONGBAO}-YS01-{today.year}X",
            received_on=today - dt.timedelta(days=380),
            expires_on=today - dt.timedelta(days=10),
            supplier="荆门市政府采购中心",
        ),
        "quilts_today": Batch(
            item=items["MB01"],
            number=f"{DONGBAO}-MB01-{today.year}D",
            received_on=today,
            supplier="东宝区红十字会",
        ),
    }
    Batch.objects.bulk_create(new_batches + list(extra_batches.values()))
    saved = Batch.objects.in_bulk(
        [b.number for b in new_batches + list(extra_batches.values())], field_name="number"
    )
    batches = {key: saved[b.number] for key, b in batches.items()}
    extra = {key: saved[b.number] for key, b in extra_batches.items()}

    ledger = _Ledger()
    for code, depot in by_code.items():
        scale = 2 if code == "420800" else 1
        for item_code, quantity in OPENING.items():
            ledger.add(
                depot,
                batches[(code, item_code)],
                MovementKind.PURCHASE,
                quantity * scale,
                D(2016, 1, 15),
                keepers[code],
            )
    db, cy, kd, kc = by_code[DONGBAO], by_code["420800"], keepers[DONGBAO], keepers["420800"]
    ledger.add(
        db,
        extra["donated_quilts"],
        MovementKind.DONATION,
        500,
        D(2016, 3, 10),
        kd,
        recipient="",
        note="荆门市慈善总会捐赠",
    )
    transfers = []
    for item_code, quantity in (("ZP01", 150), ("MB01", 1000)):
        batch = batches[("420800", item_code)]
        out = ledger.add(
            cy,
            batch,
            MovementKind.TRANSFER_OUT,
            -quantity,
            D(2016, 7, 2),
            kc,
            recipient=db.name,
            purpose="调拨",
            reference=FLOOD,
        )
        into = ledger.add(
            db,
            batch,
            MovementKind.TRANSFER_IN,
            quantity,
            D(2016, 7, 2),
            kd,
            recipient=cy.name,
            purpose="调拨",
            reference=FLOOD,
        )
        transfers.append((out, into))
    flood_issues = [
        ("ZP01", 180, "子陵铺镇人民政府"),
        ("MB01", 1200, "子陵铺镇人民政府"),
        ("YS01", 300, "栗溪镇人民政府"),
        ("SD01", 200, "栗溪镇人民政府"),
    ]
    for item_code, quantity, recipient in flood_issues:
        ledger.add(
            db,
            batches[(DONGBAO, item_code)],
            MovementKind.ISSUE,
            -quantity,
            D(2016, 7, 3),
            kd,
            recipient=recipient,
            purpose="洪涝灾害转移安置",
            reference=FLOOD,
        )
    ledger.add(
        db,
        batches[(DONGBAO, "DJ01")],
        MovementKind.ISSUE,
        -60,
        D(2016, 7, 5),
        kd,
        recipient="龙泉街道办事处",
        purpose="洪涝灾害应急照明",
        reference=FLOOD,
    )
    ledger.add(
        db,
        batches[(DONGBAO, "ZC01")],
        MovementKind.ISSUE,
        -100,
        D(2016, 7, 5),
        kd,
        recipient="龙泉街道办事处",
        purpose="临时安置点",
        reference=FLOOD,
    )
    for code in ("420881", "420822"):
        if code in by_code:
            ledger.add(
                by_code[code],
                batches[(code, "ZP01")],
                MovementKind.ISSUE,
                -50,
                D(2016, 7, 4),
                keepers[code],
                recipient="受灾乡镇",
                purpose="洪涝灾害转移安置",
            )

    # The count on 30 September, all 东宝区 batches held that day.
    counted_on = D(2016, 9, 30)
    held = [b for (code, _c), b in batches.items() if code == DONGBAO] + [
        extra["donated_quilts"],
        batches[("420800", "ZP01")],
        batches[("420800", "MB01")],
    ]
    short = {batches[(DONGBAO, "MB01")].pk: 3, batches[(DONGBAO, "DJ01")].pk: 2}
    count_lines = []
    for batch in held:
        ledger_qty = ledger.balance(db, batch, counted_on)
        count_lines.append((batch, ledger_qty, ledger_qty - short.get(batch.pk, 0)))
    explained = "2016年7月发放时3床棉被受潮霉变，已办理报损手续"
    quilts = batches[(DONGBAO, "MB01")]
    adjustment = ledger.add(
        db, quilts, MovementKind.ADJUST, -3, counted_on, kd, purpose="盘点差异调整", note=explained
    )

    ledger.add(db, extra["winter_coats"], MovementKind.PURCHASE, 500, D(2016, 11, 20), kd)
    ledger.add(
        db,
        extra["winter_coats"],
        MovementKind.ISSUE,
        -300,
        D(2016, 12, 15),
        kd,
        recipient="各乡镇（街道）民政办",
        purpose="冬春救助",
    )
    ledger.add(
        db,
        quilts,
        MovementKind.ISSUE,
        -400,
        D(2016, 12, 15),
        kd,
        recipient="各乡镇（街道）民政办",
        purpose="冬春救助",
    )
    # Food and water bought in January are given out before they expire (rotation).
    for code, depot in by_code.items():
        for item_code in ("SD01", "YS01"):
            batch = batches[(code, item_code)]
            left = ledger.balance(depot, batch, D(2016, 12, 28))
            if left > 0:
                ledger.add(
                    depot,
                    batch,
                    MovementKind.ISSUE,
                    -left,
                    D(2016, 12, 28),
                    keepers[code],
                    recipient="市社会福利院",
                    purpose="临期物资轮换使用",
                )
    ledger.add(
        db, extra["water_recent"], MovementKind.PURCHASE, 200, extra["water_recent"].received_on, kd
    )
    ledger.add(
        db, extra["food_recent"], MovementKind.PURCHASE, 120, extra["food_recent"].received_on, kd
    )
    ledger.add(
        db,
        extra["water_expired"],
        MovementKind.PURCHASE,
        80,
        extra["water_expired"].received_on,
        kd,
    )
    ledger.add(
        db,
        extra["quilts_today"],
        MovementKind.DONATION,
        300,
        today,
        kd,
        confirmed=False,
        note="东宝区红十字会捐赠",
    )

    Movement.objects.bulk_create(ledger.rows)
    for out, into in transfers:
        Movement.objects.filter(pk=out.pk).update(counterpart=into.pk)
        Movement.objects.filter(pk=into.pk).update(counterpart=out.pk)

    count = StockCount.objects.create(
        depot=db,
        counted_on=counted_on,
        status=MovementStatus.CONFIRMED,
        recorded_by=kd[0],
        recorded_at=_at(counted_on, 10),
        confirmed_by=kd[1],
        confirmed_at=_at(counted_on, 17),
        note="第三季度盘点",
    )
    lines = CountLine.objects.bulk_create(
        [
            CountLine(
                count=count, batch=b, item_id=b.item_id, ledger_quantity=led, counted_quantity=got
            )
            for b, led, got in count_lines
        ]
    )
    approver = User.objects.filter(username="dongbao_approver").first()
    Finding.objects.bulk_create(
        [
            Finding(
                line=line,
                depot=db,
                found_on=counted_on,
                difference=line.difference,
                **(
                    {
                        "status": FindingStatus.RESOLVED,
                        "explanation": explained,
                        "resolved_by": approver,
                        "resolved_on": D(2016, 10, 10),
                        "adjustment": adjustment,
                    }
                    if line.batch_id == quilts.pk
                    else {}
                ),
            )
            for line in lines
            if line.difference
        ]
    )
    snapshots.refresh()
    summary = {"depots": len(depots), "movements": len(ledger.rows), "findings": len(short)}
    audit.record(
        AuditEvent.Action.IMPORT,
        object_type="depots.depot",
        object_repr="救灾物资储备库演示数据",
        after=summary,
    )
    return summary

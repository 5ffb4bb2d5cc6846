"""Demo data of the register, in proportion to the synthetic city (20,000 persons): 36
complaints of this year and the last months across channels, categories, owners (townships,
counties, the city, the bureau's units) and states — some overdue, some due soon, two
transferred, one under review and one review answered; the demo resident has one replied
complaint to rate. Deterministic (dates relative to the day of set-up, names from a fixed list)
and idempotent (nothing is added when the register already holds the demo's numbers)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.regions.models import Region
from minzheng.units.models import Unit

from . import deadlines
from .models import Category, Channel, Complaint, ComplaintEvent, Counter, Satisfaction, Status
from .services import registry_of

NAMES = ["张建国", "李秀英", "王志强", "刘桂兰", "陈明", "杨春华", "赵德胜", "黄丽", "周文斌"]
CONTENTS = {
    Category.ASSISTANCE: "反映低保复核结果与家庭实际情况不符，要求重新核查。",
    Category.ELDERCARE: "居家养老服务人员多次迟到，服务时长不足。",
    Category.SOCIAL_ORGS: "某协会以培训名义向会员收取高额费用。",
    Category.MILITARY: "退役后社会保险接续问题长期未解决。",
    Category.CHILDREN: "反映村内留守儿童无人照看，请求关注。",
    Category.FUNERAL: "殡仪馆收费项目未公示，要求说明收费依据。",
    Category.MARRIAGE: "婚姻登记预约后到场仍需长时间等候。",
    Category.ENFORCEMENT: "对民政执法检查的程序有异议。",
    Category.CONDUCT: "窗口工作人员态度生硬，未一次性告知所需材料。",
    Category.OTHER: "建议在社区增设民政业务自助服务终端。",
}
# (days ago received, status, category, channel, owner: region code or "unit:<code>")
PLAN = [
    (3, Status.RECEIVED, Category.ASSISTANCE, Channel.PHONE, "420802001"),
    (10, Status.RECEIVED, Category.CONDUCT, Channel.WINDOW, "420802001"),  # due soon
    (20, Status.RECEIVED, Category.ELDERCARE, Channel.LETTER, "420802"),  # overdue
    (5, Status.RECEIVED, Category.OTHER, Channel.ONLINE, "420881"),
    (12, Status.RECEIVED, Category.FUNERAL, Channel.PHONE, "unit:funeral-home"),
    (30, Status.ACCEPTED, Category.ASSISTANCE, Channel.WINDOW, "420802001"),
    (40, Status.ACCEPTED, Category.CHILDREN, Channel.PHONE, "420802"),
    (58, Status.ACCEPTED, Category.ELDERCARE, Channel.ONLINE, "unit:welfare-centre"),  # due soon
    (75, Status.ACCEPTED, Category.ASSISTANCE, Channel.LETTER, "420802001"),  # overdue
    (80, Status.ACCEPTED, Category.MARRIAGE, Channel.WINDOW, "420881"),  # overdue
    (45, Status.INVESTIGATED, Category.SOCIAL_ORGS, Channel.ONLINE, "420800"),
    (50, Status.INVESTIGATED, Category.ENFORCEMENT, Channel.LETTER, "420802"),
    (70, Status.INVESTIGATED, Category.CONDUCT, Channel.PHONE, "unit:assistance"),  # overdue
    (35, Status.REPLIED, Category.ASSISTANCE, Channel.ONLINE, "420802001"),  # the resident's
    (60, Status.REPLIED, Category.MILITARY, Channel.WINDOW, "420802"),
    (90, Status.CLOSED, Category.ASSISTANCE, Channel.PHONE, "420802001"),
    (100, Status.CLOSED, Category.ELDERCARE, Channel.WINDOW, "420802"),
    (110, Status.CLOSED, Category.CHILDREN, Channel.LETTER, "420881"),
    (120, Status.CLOSED, Category.FUNERAL, Channel.ONLINE, "unit:funeral-home"),
    (130, Status.CLOSED, Category.MARRIAGE, Channel.PHONE, "420800"),
    (140, Status.CLOSED, Category.ENFORCEMENT, Channel.WINDOW, "420802"),
    (150, Status.CLOSED, Category.CONDUCT, Channel.LETTER, "unit:welfare-centre"),
    (160, Status.CLOSED, Category.OTHER, Channel.PHONE, "420802001"),
    (170, Status.CLOSED, Category.SOCIAL_ORGS, Channel.WINDOW, "420800"),
    (180, Status.CLOSED, Category.ASSISTANCE, Channel.ONLINE, "420881"),
    (200, Status.CLOSED, Category.ELDERCARE, Channel.PHONE, "420802001"),
    (220, Status.CLOSED, Category.MILITARY, Channel.LETTER, "420802"),
    (240, Status.CLOSED, Category.ASSISTANCE, Channel.WINDOW, "420881"),
    (260, Status.CLOSED, Category.CHILDREN, Channel.PHONE, "420802001"),
    (75, Status.REVIEW, Category.ASSISTANCE, Channel.WINDOW, "420802001"),
    (150, Status.CLOSED, Category.ELDERCARE, Channel.LETTER, "420802001"),  # review answered
    (8, Status.NOT_ACCEPTED, Category.OTHER, Channel.PHONE, "420802001"),
    (25, Status.NOT_ACCEPTED, Category.MARRIAGE, Channel.LETTER, "420881"),
    (15, Status.ACCEPTED, Category.ELDERCARE, Channel.PHONE, "420802"),  # transferred in
    (
        22,
        Status.ACCEPTED,
        Category.ASSISTANCE,
        Channel.WINDOW,
        "unit:welfare-centre",
    ),  # transferred
    (6, Status.RECEIVED, Category.CONDUCT, Channel.LETTER, "420881"),  # anonymous
]
TRANSFERRED_FROM = {33: "420802001", 34: "420802"}
REVIEWED = {29: False, 30: True}  # index → review answered


@transaction.atomic
def seed_demo_complaints() -> dict:
    if Complaint.objects.filter(received_by_name="演示数据").exists():
        return {"complaints": 0}
    today = timezone.localdate()
    regions = {
        r.code: r
        for r in Region.objects.filter(
            code__in={p[4] for p in PLAN} | set(TRANSFERRED_FROM.values())
        )
    }
    units = {u.code: u for u in Unit.objects.select_related("region")}
    resident = User.objects.filter(username="resident").select_related("person").first()
    if not regions or "420800" not in regions:
        return {"complaints": 0}
    made = 0
    counters: dict[tuple, int] = {}
    for i, (ago, status, category, channel, owner) in enumerate(PLAN):
        unit = None
        if owner.startswith("unit:"):
            unit = units.get(owner[5:])
            if unit is None:
                continue
            region = unit.region
        else:
            region = regions.get(owner)
            if region is None:
                continue
        received = today - dt.timedelta(days=ago)
        registry = registry_of(region)
        key = (registry.pk, received.year)
        counters[key] = counters.get(key, 0) + 1
        mine = i == 13 and resident is not None and resident.person_id
        anonymous = i == 35
        c = Complaint(
            number=f"XF{registry.code[:6]}{received.year}{counters[key]:04d}",
            channel=Channel.ONLINE if mine else channel,
            category=category,
            anonymous=anonymous,
            complainant=resident.person if mine else None,
            complainant_name=""
            if anonymous
            else (resident.person.name if mine else NAMES[i % len(NAMES)]),
            complainant_phone="" if anonymous else f"1390724{i:04d}",
            filer=resident if mine else None,
            owner_region=region,
            owner_unit=unit,
            content=CONTENTS[category],
            received_on=received,
            received_by_name="演示数据",
            status=status,
            accept_due_on=deadlines.accept_due(received),
        )
        if status != Status.RECEIVED and status != Status.NOT_ACCEPTED:
            c.accepted_on = received + dt.timedelta(days=min(5, ago))
            c.handle_due_on = deadlines.handle_due(c.accepted_on)
        if status == Status.NOT_ACCEPTED:
            c.not_accepted_reason = "反映事项已由其他机关依法处理，不属于本机关职责范围。"
            c.closed_on = received + dt.timedelta(days=3)
        if status in (Status.INVESTIGATED, Status.REPLIED, Status.CLOSED, Status.REVIEW):
            c.findings = "经走访核实，已调取相关台账和当事人说明。"
            c.substantiated = i % 3 == 0
            c.investigated_on = c.accepted_on + dt.timedelta(days=min(20, ago - 5))
        if status in (Status.REPLIED, Status.CLOSED, Status.REVIEW):
            late = i in (16, 27)  # two replies after the deadline
            c.replied_on = min(
                today, c.accepted_on + dt.timedelta(days=65 if late else min(28, ago - 6))
            )
            c.reply = "经调查，已督促相关单位整改，并将整改结果告知您。"
            c.review_due_on = deadlines.review_due(c.replied_on)
        if status == Status.CLOSED:
            c.satisfaction = [
                Satisfaction.SATISFIED,
                Satisfaction.BASIC,
                Satisfaction.DISSATISFIED,
            ][i % 3]
            c.closed_on = c.replied_on + dt.timedelta(days=3)
        if i in REVIEWED:
            c.review_requested_on = c.replied_on + dt.timedelta(days=10)
            c.review_reason = "对答复不满意，要求上级复查。"
            c.review_answer_due_on = deadlines.review_answer_due(c.review_requested_on)
            c.satisfaction = ""
            if REVIEWED[i]:
                c.review_done_on = c.review_requested_on + dt.timedelta(days=20)
                c.review_result = "经复查，维持原答复意见。"
                c.closed_on = c.review_done_on
            else:
                c.closed_on = None
        c.save()
        at = timezone.make_aware(dt.datetime.combine(received, dt.time(9, 0)))
        events = [
            ComplaintEvent(
                complaint=c,
                action="receive",
                label="登记投诉",
                to_status="received",
                by_name="演示数据",
                at=at,
            )
        ]
        if i in TRANSFERRED_FROM and TRANSFERRED_FROM[i] in regions:
            events.append(
                ComplaintEvent(
                    complaint=c,
                    action="transfer",
                    label="转办",
                    from_status=status,
                    to_status=status,
                    from_region=regions[TRANSFERRED_FROM[i]],
                    by_name="演示数据",
                    at=at + dt.timedelta(days=2),
                    note=f"转至{c.owner_label}：属其职责范围。",
                )
            )
        if c.accepted_on:
            events.append(
                ComplaintEvent(
                    complaint=c,
                    action="accept",
                    label="受理",
                    from_status="received",
                    to_status="accepted",
                    by_name="演示数据",
                    at=at + dt.timedelta(days=(c.accepted_on - received).days),
                )
            )
        if c.replied_on:
            events.append(
                ComplaintEvent(
                    complaint=c,
                    action="reply",
                    label="书面答复",
                    from_status="investigated",
                    to_status="replied",
                    by_name="演示数据",
                    at=at + dt.timedelta(days=(c.replied_on - received).days),
                    note=c.reply,
                )
            )
        ComplaintEvent.objects.bulk_create(events)
        made += 1
    for (registry_id, year), last in counters.items():
        Counter.objects.update_or_create(
            registry_id=registry_id, year=year, defaults={"last": last}
        )
    return {"complaints": made}

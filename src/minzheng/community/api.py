"""JSON API of community governance, mounted at /api/v1/community: points rules, awards,
balances and the points shop of a village (积分制), the resident's own points, and the registers
behind targets 5.2–5.4. Records outside the user's regions read as 404; names are masked for the
roles above the township and on the public board."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status
from pydantic import Field

from minzheng.api.schemas import ErrorOut
from minzheng.core.apitypes import Date, Id, choice
from minzheng.core.pagination import Listing, paginated
from minzheng.people.selectors import masked_name

from . import selectors, services
from .models import (
    CHECKLIST_LABELS,
    AwardStatus,
    Category,
    DemoSite,
    DifficultVillage,
    PointsAward,
    PointsRule,
    Redemption,
    RedemptionStatus,
    ShopItem,
    StandardTask,
)
from .permissions import points_names

router = Router(tags=["community governance"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _name(user, name: str) -> str:
    return name if points_names(user) else masked_name(name)


# ---------------------------------------------------------------- rules


class PointsRuleIn(Schema):
    name: str = Field(max_length=64, description="积分项目")
    category: choice(Category.values) = Field(description="类别")
    points: int = Field(ge=1, le=1000, description="每次分值（扣分项目为扣减的分值）")
    yearly_cap: int | None = Field(default=None, ge=1, le=1000, description="每人每年上限")
    valid_from: Date | None = Field(default=None, description="生效日期（默认今天）")


class PointsRuleReviseIn(Schema):
    points: int = Field(ge=1, le=1000)
    yearly_cap: int | None = Field(default=None, ge=1, le=1000)
    valid_from: Date = Field(description="新分值的生效日期")


class PointsRuleRetireIn(Schema):
    valid_to: Date | None = None


class PointsRuleOut(Schema):
    id: int
    village_code: str
    name: str
    category: str
    category_label: str
    points: int
    signed_points: int
    yearly_cap: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    origin_id: int | None


def rule_out(r: PointsRule) -> dict:
    return {
        "id": r.pk,
        "village_code": r.region.code,
        "name": r.name,
        "category": r.category,
        "category_label": r.get_category_display(),
        "points": r.points,
        "signed_points": r.signed_points,
        "yearly_cap": r.yearly_cap,
        "valid_from": r.valid_from,
        "valid_to": r.valid_to,
        "origin_id": r.origin_id,
    }


class PointsRuleFilter(Schema):
    history: bool = False


@router.get("/villages/{code}/rules", response={200: list[PointsRuleOut], 404: ErrorOut})
def list_rules(request, code: str, filters: Query[PointsRuleFilter]):
    village = selectors.get_village(request.user, code)
    rows = selectors.rules_of(village, history=filters.history).select_related("region")
    return [rule_out(r) for r in rows]


@router.post("/villages/{code}/rules", response={201: PointsRuleOut, **ERRORS})
def create_rule(request, code: str, payload: PointsRuleIn):
    village = selectors.get_village(request.user, code)
    rule = services.create_rule(user=request.user, village=village, **payload.dict())
    return Status(201, rule_out(rule))


@router.post("/rules/{int:rule_id}/revise", response={201: PointsRuleOut, **ERRORS})
def revise_rule(request, rule_id: Id, payload: PointsRuleReviseIn):
    rule = selectors.get_rule(request.user, rule_id)
    return Status(
        201, rule_out(services.revise_rule(user=request.user, rule=rule, **payload.dict()))
    )


@router.post("/rules/{int:rule_id}/retire", response={200: PointsRuleOut, **ERRORS})
def retire_rule(request, rule_id: Id, payload: PointsRuleRetireIn):
    rule = selectors.get_rule(request.user, rule_id)
    return rule_out(services.retire_rule(user=request.user, rule=rule, valid_to=payload.valid_to))


# ---------------------------------------------------------------- residents of a village


class CommunityResidentOut(Schema):
    id: int
    name: str
    id_masked: str


class CommunityResidentFilter(Schema):
    q: str = Field(default="", max_length=32)


@router.get(
    "/villages/{code}/residents",
    response={200: list[CommunityResidentOut], 403: ErrorOut, 404: ErrorOut},
)
@paginated(default=50)
def list_residents(request, code: str, filters: Query[CommunityResidentFilter]):
    from minzheng.core.errors import PermissionDeniedError

    from .permissions import may_keep_points

    village = selectors.get_village(request.user, code)
    if not may_keep_points(request.user):
        raise PermissionDeniedError("当前账号无权选择居民")
    return Listing(
        selectors.residents_of(village, query=filters.q.strip()),
        lambda p: {"id": p.pk, "name": p.name, "id_masked": p.id_masked},
    )


# ---------------------------------------------------------------- awards


class PointsAwardIn(Schema):
    person_id: Id = Field(description="本村（社区）居民（人口库）")
    rule_id: Id = Field(description="积分项目")
    note: str = Field(max_length=500, description="事由")
    awarded_on: Date | None = Field(default=None, description="日期（默认今天）")


class PointsAwardDecisionIn(Schema):
    approve: bool
    note: str = Field(default="", max_length=500)


class PointsAwardReverseIn(Schema):
    reason: str = Field(max_length=500, description="冲正理由")


class PointsAwardOut(Schema):
    id: int
    village_code: str
    village_name: str
    person_id: int
    person_name: str
    rule_id: int
    rule_name: str
    category_label: str
    points: int
    awarded_on: dt.date
    note: str
    status: str
    status_label: str
    reverses_id: int | None
    has_photo: bool
    awarded_by_name: str
    decided_on: dt.date | None
    decision_note: str


def award_out(a: PointsAward, user) -> dict:
    return {
        "id": a.pk,
        "village_code": a.region.code,
        "village_name": a.region.name,
        "person_id": a.person_id,
        "person_name": a.person.name
        if user.person_id == a.person_id
        else _name(user, a.person.name),
        "rule_id": a.rule_id,
        "rule_name": a.rule.name,
        "category_label": a.rule.get_category_display(),
        "points": a.points,
        "awarded_on": a.awarded_on,
        "note": a.note,
        "status": a.status,
        "status_label": a.get_status_display(),
        "reverses_id": a.reverses_id,
        "has_photo": bool(a.photo),
        "awarded_by_name": a.awarded_by_name,
        "decided_on": a.decided_on,
        "decision_note": a.decision_note,
    }


class PointsAwardFilter(Schema):
    village: str = Field(default="", max_length=12)
    status: choice(AwardStatus.values) | None = None


@router.get("/awards", response={200: list[PointsAwardOut], 404: ErrorOut})
@paginated(default=50)
def list_awards(request, filters: Query[PointsAwardFilter]):
    village = selectors.get_village(request.user, filters.village) if filters.village else None
    qs = selectors.awards_for(request.user, village=village, status=filters.status or "")
    return Listing(qs.order_by("-awarded_on", "-id"), lambda a: award_out(a, request.user))


@router.post("/villages/{code}/awards", response={201: PointsAwardOut, **ERRORS})
def award(request, code: str, payload: PointsAwardIn):
    village = selectors.get_village(request.user, code)
    row = services.award_points(user=request.user, village=village, **payload.dict())
    return Status(201, award_out(row, request.user))


@router.get("/awards/{int:award_id}", response={200: PointsAwardOut, 404: ErrorOut})
def get_award(request, award_id: Id):
    return award_out(selectors.get_award(request.user, award_id), request.user)


@router.post("/awards/{int:award_id}/decide", response={200: PointsAwardOut, **ERRORS})
def decide(request, award_id: Id, payload: PointsAwardDecisionIn):
    row = selectors.get_award(request.user, award_id)
    row = services.decide_award(
        user=request.user, award=row, approve=payload.approve, note=payload.note
    )
    return award_out(row, request.user)


@router.post("/awards/{int:award_id}/reverse", response={201: PointsAwardOut, **ERRORS})
def reverse(request, award_id: Id, payload: PointsAwardReverseIn):
    row = selectors.get_award(request.user, award_id)
    return Status(
        201,
        award_out(
            services.reverse_award(user=request.user, award=row, reason=payload.reason),
            request.user,
        ),
    )


# ---------------------------------------------------------------- balances and board


class PointsBalanceOut(Schema):
    person_id: int
    person_name: str
    village_code: str
    balance: int
    earned: int
    spent: int


class PointsBoardRowOut(Schema):
    rank: int
    name: str
    points: int


@router.get("/villages/{code}/balances", response={200: list[PointsBalanceOut], 404: ErrorOut})
@paginated(default=100)
def list_balances(request, code: str):
    from minzheng.core.errors import NotFoundOrOutOfScope

    from .permissions import may_read_points

    if not may_read_points(request.user):
        raise NotFoundOrOutOfScope()
    village = selectors.get_village(request.user, code)
    return Listing(
        selectors.balances_of(village).order_by("-balance", "person_id"),
        lambda b: {
            "person_id": b.person_id,
            "person_name": _name(request.user, b.person.name),
            "village_code": village.code,
            "balance": b.balance,
            "earned": b.earned,
            "spent": b.spent,
        },
    )


class PointsBoardFilter(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100)


@router.get("/villages/{code}/board", response={200: list[PointsBoardRowOut], 404: ErrorOut})
def village_board(request, code: str, filters: Query[PointsBoardFilter]):
    from django.utils import timezone

    village = selectors.get_village(request.user, code)
    rows = selectors.board(village, year=filters.year or timezone.localdate().year)
    return [
        {"rank": i, "name": masked_name(r["person__name"], keep_last=True), "points": r["total"]}
        for i, r in enumerate(rows, 1)
    ]


# ---------------------------------------------------------------- shop


class ShopItemIn(Schema):
    region_code: str = Field(max_length=12, description="村（社区）或乡镇（街道）区划代码")
    name: str = Field(max_length=64)
    price: int = Field(ge=1, le=1000, description="兑换积分")
    stock: int = Field(ge=0, le=100000)


class ShopRestockIn(Schema):
    add: int = Field(ge=0, le=100000)
    active: bool | None = None


class ShopItemOut(Schema):
    id: int
    region_code: str
    region_name: str
    name: str
    price: int
    stock: int
    active: bool


def item_out(i: ShopItem) -> dict:
    return {
        "id": i.pk,
        "region_code": i.region.code,
        "region_name": i.region.name,
        "name": i.name,
        "price": i.price,
        "stock": i.stock,
        "active": i.active,
    }


@router.get("/villages/{code}/shop", response={200: list[ShopItemOut], 404: ErrorOut})
def village_shop(request, code: str):
    village = selectors.get_village(request.user, code)
    return [item_out(i) for i in selectors.shop_of(village)]


@router.post("/shop/items", response={201: ShopItemOut, **ERRORS})
def add_item(request, payload: ShopItemIn):
    return Status(201, item_out(services.add_item(user=request.user, **payload.dict())))


@router.post("/shop/items/{int:item_id}/restock", response={200: ShopItemOut, **ERRORS})
def restock(request, item_id: Id, payload: ShopRestockIn):
    item = selectors.get_item(request.user, item_id)
    return item_out(
        services.restock(user=request.user, item=item, add=payload.add, active=payload.active)
    )


class RedemptionIn(Schema):
    item_id: Id
    quantity: int = Field(default=1, ge=1, le=99)
    person_id: Id | None = Field(
        default=None, description="居民（工作人员代办时必填；居民本人申请时不填）"
    )
    hand_over: bool = Field(default=False, description="当场领取")


class RedemptionOut(Schema):
    id: int
    village_code: str
    person_id: int
    person_name: str
    item_id: int
    item_name: str
    quantity: int
    points: int
    status: str
    status_label: str
    requested_online: bool
    created_on: dt.date
    handed_over_on: dt.date | None


def redemption_out(r: Redemption, user) -> dict:
    return {
        "id": r.pk,
        "village_code": r.region.code,
        "person_id": r.person_id,
        "person_name": r.person.name
        if user.person_id == r.person_id
        else _name(user, r.person.name),
        "item_id": r.item_id,
        "item_name": r.item.name,
        "quantity": r.quantity,
        "points": r.points,
        "status": r.status,
        "status_label": r.get_status_display(),
        "requested_online": r.requested_online,
        "created_on": r.created_on,
        "handed_over_on": r.handed_over_on,
    }


class RedemptionFilter(Schema):
    village: str = Field(default="", max_length=12)
    status: choice(RedemptionStatus.values) | None = None


@router.get("/redemptions", response={200: list[RedemptionOut], 404: ErrorOut})
@paginated(default=50)
def list_redemptions(request, filters: Query[RedemptionFilter]):
    village = selectors.get_village(request.user, filters.village) if filters.village else None
    qs = selectors.redemptions_for(request.user, village=village, status=filters.status or "")
    return Listing(qs.order_by("-created_on", "-id"), lambda r: redemption_out(r, request.user))


@router.post("/villages/{code}/redemptions", response={201: RedemptionOut, **ERRORS})
def redeem(request, code: str, payload: RedemptionIn):
    village = selectors.get_village(request.user, code)
    row = services.redeem(user=request.user, village=village, **payload.dict())
    return Status(201, redemption_out(row, request.user))


@router.post("/redemptions/{int:redemption_id}/hand-over", response={200: RedemptionOut, **ERRORS})
def hand_over(request, redemption_id: Id):
    row = selectors.get_redemption(request.user, redemption_id)
    return redemption_out(services.hand_over(user=request.user, redemption=row), request.user)


@router.post("/redemptions/{int:redemption_id}/cancel", response={200: RedemptionOut, **ERRORS})
def cancel(request, redemption_id: Id):
    row = selectors.get_redemption(request.user, redemption_id)
    return redemption_out(
        services.cancel_redemption(user=request.user, redemption=row), request.user
    )


# ---------------------------------------------------------------- the resident's own points


class MyPointsOut(Schema):
    balances: list[PointsBalanceOut]
    history: list[PointsAwardOut]
    redemptions: list[RedemptionOut]
    rules: list[PointsRuleOut]
    shop: list[ShopItemOut]


@router.get("/me", response={200: MyPointsOut, 404: ErrorOut})
def my_points(request):
    from minzheng.core.errors import NotFoundOrOutOfScope

    from .permissions import is_resident

    user = request.user
    if not is_resident(user):
        raise NotFoundOrOutOfScope()
    villages = list(selectors.villages_for(user))
    balances = {b.region_id: b for b in selectors.my_balances(user)}
    return {
        "balances": [
            {
                "person_id": user.person_id,
                "person_name": user.person.name,
                "village_code": v.code,
                "balance": balances[v.pk].balance if v.pk in balances else 0,
                "earned": balances[v.pk].earned if v.pk in balances else 0,
                "spent": balances[v.pk].spent if v.pk in balances else 0,
            }
            for v in villages
        ],
        "history": [
            award_out(a, user)
            for a in selectors.awards_for(user).order_by("-awarded_on", "-id")[:100]
        ],
        "redemptions": [redemption_out(r, user) for r in selectors.redemptions_for(user)[:100]],
        "rules": [
            rule_out(r) for v in villages for r in selectors.rules_of(v).select_related("region")
        ],
        "shop": [item_out(i) for v in villages for i in selectors.shop_of(v)],
    }


# ---------------------------------------------------------------- registers (targets 5.2–5.4)


class RegisterYearFilter(Schema):
    year: int | None = Field(default=None, ge=2000, le=2100)


class DemoSiteIn(Schema):
    region_code: str = Field(max_length=12, description="行政村区划代码")
    year: int = Field(ge=2000, le=2100)
    on: Date | None = None


class DemoSiteChecklistIn(Schema):
    done: list[choice(list(CHECKLIST_LABELS))] = Field(description="已完成的建设项目")


class RegisterAcceptIn(Schema):
    passed: bool = True
    note: str = Field(default="", max_length=500)
    on: Date | None = None


class DemoSiteOut(Schema):
    id: int
    region_code: str
    region_name: str
    year: int
    designated_on: dt.date
    checklist: dict[str, bool]
    status: str
    status_label: str
    accepted_on: dt.date | None
    acceptance_note: str


def site_out(s: DemoSite) -> dict:
    return {
        "id": s.pk,
        "region_code": s.region.code,
        "region_name": s.region.name,
        "year": s.year,
        "designated_on": s.designated_on,
        "checklist": {k: bool(s.checklist.get(k)) for k in CHECKLIST_LABELS},
        "status": s.status,
        "status_label": s.get_status_display(),
        "accepted_on": s.accepted_on,
        "acceptance_note": s.acceptance_note,
    }


@router.get("/demo-sites", response=list[DemoSiteOut])
@paginated(default=100)
def list_sites(request, filters: Query[RegisterYearFilter]):
    return Listing(
        selectors.sites_for(request.user, year=filters.year).order_by("-year", "region__path"),
        site_out,
    )


@router.post("/demo-sites", response={201: DemoSiteOut, **ERRORS})
def designate_site(request, payload: DemoSiteIn):
    return Status(201, site_out(services.designate_site(user=request.user, **payload.dict())))


@router.post("/demo-sites/{int:site_id}/checklist", response={200: DemoSiteOut, **ERRORS})
def site_checklist(request, site_id: Id, payload: DemoSiteChecklistIn):
    site = selectors.get_site(request.user, site_id)
    return site_out(services.update_checklist(user=request.user, site=site, done=payload.done))


@router.post("/demo-sites/{int:site_id}/accept", response={200: DemoSiteOut, **ERRORS})
def accept_site(request, site_id: Id, payload: RegisterAcceptIn):
    site = selectors.get_site(request.user, site_id)
    return site_out(services.accept_site(user=request.user, site=site, **payload.dict()))


class DifficultVillageIn(Schema):
    region_code: str = Field(max_length=12)
    year: int = Field(ge=2000, le=2100)
    problems: str = Field(max_length=2000, description="发现的问题")


class RemediationTaskIn(Schema):
    title: str = Field(max_length=200)
    due_on: Date


class RegisterDoneIn(Schema):
    on: Date | None = None
    note: str = Field(default="", max_length=500)


class RemediationTaskOut(Schema):
    id: int
    title: str
    due_on: dt.date
    done_on: dt.date | None


class DifficultVillageOut(Schema):
    id: int
    region_code: str
    region_name: str
    year: int
    problems: str
    status: str
    status_label: str
    accepted_on: dt.date | None
    tasks: list[RemediationTaskOut]


def difficult_out(d: DifficultVillage) -> dict:
    return {
        "id": d.pk,
        "region_code": d.region.code,
        "region_name": d.region.name,
        "year": d.year,
        "problems": d.problems,
        "status": d.status,
        "status_label": d.get_status_display(),
        "accepted_on": d.accepted_on,
        "tasks": [
            {"id": t.pk, "title": t.title, "due_on": t.due_on, "done_on": t.done_on}
            for t in d.tasks.all()
        ],
    }


@router.get("/difficult-villages", response=list[DifficultVillageOut])
@paginated(default=100)
def list_difficult(request, filters: Query[RegisterYearFilter]):
    qs = selectors.difficult_for(request.user, year=filters.year).prefetch_related("tasks")
    return Listing(qs.order_by("-year", "region__path"), difficult_out)


@router.post("/difficult-villages", response={201: DifficultVillageOut, **ERRORS})
def list_difficult_village(request, payload: DifficultVillageIn):
    return Status(201, difficult_out(services.list_difficult(user=request.user, **payload.dict())))


@router.post(
    "/difficult-villages/{int:village_id}/tasks", response={201: RemediationTaskOut, **ERRORS}
)
def add_remediation_task(request, village_id: Id, payload: RemediationTaskIn):
    village = selectors.get_difficult(request.user, village_id)
    t = services.add_remediation_task(user=request.user, village=village, **payload.dict())
    return Status(201, {"id": t.pk, "title": t.title, "due_on": t.due_on, "done_on": t.done_on})


@router.post(
    "/difficult-villages/{int:village_id}/tasks/{int:task_id}/done",
    response={200: RemediationTaskOut, **ERRORS},
)
def complete_remediation_task(request, village_id: Id, task_id: Id, payload: RegisterDoneIn):
    from minzheng.core.errors import NotFoundOrOutOfScope

    village = selectors.get_difficult(request.user, village_id)
    task = village.tasks.filter(pk=task_id).first()
    if task is None:
        raise NotFoundOrOutOfScope()
    t = services.complete_remediation_task(user=request.user, task=task, on=payload.on)
    return {"id": t.pk, "title": t.title, "due_on": t.due_on, "done_on": t.done_on}


@router.post(
    "/difficult-villages/{int:village_id}/accept", response={200: DifficultVillageOut, **ERRORS}
)
def accept_difficult(request, village_id: Id, payload: RegisterDoneIn):
    village = selectors.get_difficult(request.user, village_id)
    return difficult_out(
        services.accept_difficult(user=request.user, village=village, **payload.dict())
    )


class StandardTaskIn(Schema):
    region_code: str = Field(max_length=12, description="县（市、区）区划代码")
    year: int = Field(ge=2000, le=2100)
    title: str = Field(max_length=200)
    due_on: Date


class StandardTaskOut(Schema):
    id: int
    region_code: str
    region_name: str
    year: int
    title: str
    due_on: dt.date
    completed_on: dt.date | None
    note: str


def task_out(t: StandardTask) -> dict:
    return {
        "id": t.pk,
        "region_code": t.region.code,
        "region_name": t.region.name,
        "year": t.year,
        "title": t.title,
        "due_on": t.due_on,
        "completed_on": t.completed_on,
        "note": t.note,
    }


@router.get("/standard-tasks", response=list[StandardTaskOut])
@paginated(default=100)
def list_standard_tasks(request, filters: Query[RegisterYearFilter]):
    return Listing(
        selectors.tasks_for(request.user, year=filters.year).order_by(
            "-year", "region__code", "due_on"
        ),
        task_out,
    )


@router.post("/standard-tasks", response={201: StandardTaskOut, **ERRORS})
def add_standard_task(request, payload: StandardTaskIn):
    return Status(201, task_out(services.add_standard_task(user=request.user, **payload.dict())))


@router.post("/standard-tasks/{int:task_id}/complete", response={200: StandardTaskOut, **ERRORS})
def complete_standard_task(request, task_id: Id, payload: RegisterDoneIn):
    task = selectors.get_task(request.user, task_id)
    return task_out(services.complete_standard_task(user=request.user, task=task, **payload.dict()))

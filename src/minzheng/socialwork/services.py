"""Writes of social work. Each service is one business action: it checks who acts and where
(404 outside the region, 403 for a role that may not act), validates with field-level Chinese
messages, locks the row, changes it and writes the audit event in one transaction."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import actor_name
from minzheng.core import audit, validators
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.money import yuan_str
from minzheng.core.scope import region_in_scope
from minzheng.people import selectors as people_selectors
from minzheng.regions.models import Region

from .models import (
    ApplicationStatus,
    Assembly,
    FundingSource,
    Level,
    Milestone,
    Project,
    ProjectKind,
    ProjectStatus,
    SocialWorker,
    Training,
    VentureApplication,
    VentureCall,
    VentureCategory,
    VentureReview,
)
from .permissions import is_organisation, may_keep, may_review_any
from .selectors import (
    get_application,
    get_call,
    get_project,
    get_worker,
    organisation_of,
    registered_organisations,
    workers_for,
)

FIRST_CERTIFICATE_YEAR = 2008  # the national examination was first held in 2008 [law]
MAX_BUDGET_FEN = 10_000_000_000  # 1 亿元


def _keeper(user):
    if not may_keep(user):
        raise PermissionDeniedError(_("当前账号无权管理社会工作业务"))


class _Errors:
    """Collects the field messages of several checks, then raises them together."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def run(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ServiceError as exc:
            for field, messages in exc.errors.items():
                self.errors.setdefault(field, []).extend(messages)
            return None

    def add(self, field: str, message: str):
        self.errors.setdefault(field, []).append(message)

    def raise_any(self):
        if self.errors:
            raise ServiceError(self.errors)


def _text(value, field, message, *, max_length=100, required=True):
    return validators.required_text(value, field, message, max_length=max_length, required=required)


def _organisation(user, organisation_id, field="organisation_id"):
    if not organisation_id:
        raise ServiceError({field: [_("请选择社会组织")]})
    org = registered_organisations(user).filter(pk=organisation_id).first()
    if org is None:
        raise ServiceError({field: [_("该社会组织不存在、未登记或不在管辖范围内")]})
    return org


def _own_unit(user, region_code: str = "") -> Region:
    """The city or county a keeper acts for: their own region; the administrator names one."""
    if user.is_superuser or user.region_id is None:
        region = Region.objects.filter(
            code=(region_code or "").strip(), level__in=["city", "county"]
        ).first()
        if region is None:
            raise ServiceError({"region_code": [_("请选择市或县（市、区）")]})
        return region
    region = user.region
    if region.level not in ("city", "county"):
        raise PermissionDeniedError(_("只有市、县（市、区）民政部门可以办理"))
    return region


def _amount(value, field, *, positive=True) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ServiceError({field: [_("请填写金额")]})
    if value < (1 if positive else 0) or value > MAX_BUDGET_FEN:
        raise ServiceError({field: [_("金额应大于零且不超过1亿元")]})
    return value


# ---------------------------------------------------------------- ledger


def _worker_values(user, errors: _Errors, data: dict) -> dict:
    values: dict = {}
    level = data.get("level") or ""
    if level not in Level.values:
        errors.add("level", _("请选择职业水平等级"))
    values["level"] = level
    number = (data.get("certificate_number") or "").strip()
    year = data.get("certificate_year")
    if level and level != Level.NONE:
        if not number:
            errors.add("certificate_number", _("持证社工请填写证书编号"))
        elif len(number) > 32:
            errors.add("certificate_number", _("证书编号最多32位"))
        this_year = timezone.localdate().year
        if not isinstance(year, int) or not FIRST_CERTIFICATE_YEAR <= year <= this_year:
            errors.add(
                "certificate_year",
                _("取得证书年度应在%(a)s年至%(b)s年之间")
                % {"a": FIRST_CERTIFICATE_YEAR, "b": this_year},
            )
    elif number or year:
        errors.add("certificate_number", _("社会工作从业人员（未取得职业水平证书）不填证书"))
    values["certificate_number"] = number if level != Level.NONE else ""
    values["certificate_year"] = year if level != Level.NONE else None
    org_id = data.get("organisation_id")
    if org_id:
        org = errors.run(_organisation, user, org_id)
        if org is not None:
            values.update(organisation=org, employer_name=org.name, region=org.region)
    else:
        values["organisation"] = None
        values["employer_name"] = errors.run(
            _text, data.get("employer_name"), "employer_name", _("请选择社会组织或填写工作单位")
        )
        code = (data.get("region_code") or "").strip()
        region = Region.objects.filter(code=code, kind="statutory").first() if code else None
        if region is None:
            errors.add("region_code", _("请选择工作单位所在地"))
        elif not region_in_scope(user, region):
            errors.add("region_code", _("工作单位所在地不在管辖范围内"))
        else:
            values["region"] = region
    values["post"] = errors.run(_text, data.get("post"), "post", _("请填写岗位"), max_length=64)
    return values


@transaction.atomic
def add_worker(*, user, id_number: str, on: dt.date | None = None, **data) -> SocialWorker:
    """Enter a social worker of the population registry in the ledger (人才台账)."""
    _keeper(user)
    errors = _Errors()
    person = errors.run(
        people_selectors.visible_by_id_number,
        user,
        id_number,
        format_message=_("身份证号码格式不正确"),
    )
    if person is None and "id_number" not in errors.errors:
        errors.add("id_number", _("人口库中没有该身份证号码的人员，请先登记人口信息"))
    values = _worker_values(user, errors, data)
    errors.raise_any()
    if SocialWorker.objects.filter(person=person).exists():
        raise ServiceError({"id_number": [_("该人员已在社工人才台账中")]}, status=409)
    row = SocialWorker(
        person=person,
        entered_on=validators.past_date(on, "on"),
        entered_by_name=actor_name(user),
        **values,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ServiceError({"id_number": [_("该人员已在社工人才台账中")]}, status=409) from None
    audit.record_created(row, note=_("录入社工人才台账"))
    return row


@transaction.atomic
def update_worker(*, user, worker: SocialWorker, **data) -> SocialWorker:
    _keeper(user)
    worker = get_worker(user, worker.pk)
    errors = _Errors()
    values = _worker_values(user, errors, data)
    errors.raise_any()
    row = SocialWorker.objects.select_for_update().get(pk=worker.pk)
    with audit.audited(row, note=_("修改社工人才台账")):
        for key, value in values.items():
            setattr(row, key, value)
        row.save()
    return row


@transaction.atomic
def add_training(
    *, user, worker: SocialWorker, on: dt.date | None, title: str, hours: int
) -> Training:
    _keeper(user)
    worker = get_worker(user, worker.pk)
    errors = _Errors()
    on = errors.run(validators.past_date, on, "on")
    title = errors.run(_text, title, "title", _("请填写培训内容"))
    if not isinstance(hours, int) or not 1 <= hours <= 200:
        errors.add("hours", _("学时应为1至200之间的整数"))
    errors.raise_any()
    SocialWorker.objects.select_for_update().get(pk=worker.pk)
    row = Training.objects.create(worker=worker, on=on, title=title, hours=hours)
    audit.record_created(row, note=_("登记社工培训"))
    return row


# ---------------------------------------------------------------- projects


def _period(errors: _Errors, starts_on, ends_on):
    if starts_on is None:
        errors.add("starts_on", _("请填写开始日期"))
    if ends_on is None:
        errors.add("ends_on", _("请填写结束日期"))
    for field, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        message = validators.date_error(value)
        if message:
            errors.add(field, message)
    if starts_on and ends_on and ends_on < starts_on:
        errors.add("ends_on", _("结束日期不能早于开始日期"))


def _workers(user, errors: _Errors, worker_ids) -> list[SocialWorker]:
    ids = sorted({int(i) for i in worker_ids or []})
    if not ids:
        errors.add("worker_ids", _("请从台账中选择参与的社工"))
        return []
    found = list(workers_for(user).filter(pk__in=ids))
    if len(found) != len(ids):
        errors.add("worker_ids", _("所选社工不在台账中或不在管辖范围内"))
    return found


def _community(user, code: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip(), kind="statutory").first()
    if region is None or region.level != "village" or region.urban_rural != "urban":
        raise ServiceError({"region_code": [_("请选择实施“三社联动”的城镇社区")]})
    if not region_in_scope(user, region):
        raise ServiceError({"region_code": [_("该社区不在管辖范围内")]})
    return region


@transaction.atomic
def create_project(
    *,
    user,
    kind: str,
    name: str,
    organisation_id: int | None,
    worker_ids,
    service: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    budget_fen: int = 0,
    region_code: str = "",
) -> Project:
    """A purchased-service project (the purchaser is the keeper's city or county) or a
    three-social-linkage project in an urban community of the keeper's regions."""
    _keeper(user)
    errors = _Errors()
    region = None
    if kind == ProjectKind.PURCHASED:
        region = errors.run(_own_unit, user, region_code)
        budget_fen = errors.run(_amount, budget_fen, "budget_fen")
    elif kind == ProjectKind.LINKAGE:
        region = errors.run(_community, user, region_code)
        budget_fen = errors.run(_amount, budget_fen or 0, "budget_fen", positive=False)
    else:
        errors.add("kind", _("请选择项目类型"))
    name = errors.run(_text, name, "name", _("请填写项目名称"))
    service = errors.run(_text, service, "service", _("请填写服务内容"), max_length=2000)
    org = errors.run(_organisation, user, organisation_id)
    workers = _workers(user, errors, worker_ids)
    _period(errors, starts_on, ends_on)
    errors.raise_any()
    project = Project.objects.create(
        kind=kind,
        name=name,
        region=region,
        organisation=org,
        service=service,
        budget_fen=budget_fen or 0,
        funding_source=(
            (FundingSource.CITY if region.level == "city" else FundingSource.COUNTY)
            if kind == ProjectKind.PURCHASED
            else ""
        ),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_name=actor_name(user),
    )
    project.workers.set(workers)
    audit.record_created(
        project, note=project.get_kind_display(), extra={"workers": [w.pk for w in workers]}
    )
    return project


def _lock_project(user, project: Project) -> Project:
    _keeper(user)
    project = get_project(user, project.pk)
    return Project.objects.select_for_update().select_related("region").get(pk=project.pk)


@transaction.atomic
def add_milestone(*, user, project: Project, title: str, due_on: dt.date | None) -> Milestone:
    project = _lock_project(user, project)
    if project.status != ProjectStatus.ONGOING:
        raise ServiceError({"title": [_("项目已验收，不能再增加节点")]}, status=409)
    errors = _Errors()
    title = errors.run(_text, title, "title", _("请填写节点内容"))
    if due_on is None:
        errors.add("due_on", _("请填写计划完成日期"))
    elif validators.date_error(due_on):
        errors.add("due_on", validators.date_error(due_on))
    elif due_on < project.starts_on:
        errors.add("due_on", _("计划完成日期不能早于项目开始日期"))
    errors.raise_any()
    row = Milestone.objects.create(project=project, title=title, due_on=due_on)
    audit.record_created(row, note=_("增加项目节点"))
    return row


@transaction.atomic
def complete_milestone(
    *, user, milestone_id: int, on: dt.date | None = None, note: str = ""
) -> Milestone:
    row = Milestone.objects.filter(pk=milestone_id).select_related("project").first()
    if row is None:
        raise NotFoundOrOutOfScope()
    project = _lock_project(user, row.project)
    row = Milestone.objects.select_for_update().get(pk=row.pk)
    if row.done_on:
        raise ServiceError({"on": [_("该节点已完成")]}, status=409)
    if project.status != ProjectStatus.ONGOING:
        raise ServiceError({"on": [_("项目已验收")]}, status=409)
    errors = _Errors()
    on = errors.run(validators.past_date, on, "on")
    note = errors.run(_text, note, "note", "", max_length=200, required=False)
    errors.raise_any()
    with audit.audited(row, note=_("项目节点完成")):
        row.done_on = on
        row.note = note
        row.save()
    return row


@transaction.atomic
def accept_project(
    *, user, project: Project, passed: bool, note: str, on: dt.date | None = None
) -> Project:
    """Acceptance (验收) with a result; every milestone must be completed first [assumed]."""
    project = _lock_project(user, project)
    if project.status != ProjectStatus.ONGOING:
        raise ServiceError({"passed": [_("项目已验收")]}, status=409)
    if project.kind == ProjectKind.VENTURE and project.application_id:
        owner = project.region
        if user.region_id and user.region_id != owner.pk and not user.is_superuser:
            raise PermissionDeniedError(_("公益创投项目由主办单位验收"))
    errors = _Errors()
    if project.milestones.filter(done_on__isnull=True).exists():
        errors.add("passed", _("还有未完成的项目节点，不能验收"))
    elif not project.milestones.exists():
        errors.add("passed", _("项目没有节点记录，请先登记项目节点"))
    note = errors.run(_text, note, "note", _("请填写验收意见"), max_length=2000)
    on = errors.run(validators.past_date, on, "on", not_before=project.starts_on)
    errors.raise_any()
    with audit.audited(project, note=_("项目验收")):
        project.status = ProjectStatus.ACCEPTED if passed else ProjectStatus.FAILED
        project.accepted_on = on
        project.acceptance_note = note
        project.accepted_by_name = actor_name(user)
        project.save()
    return project


# ---------------------------------------------------------------- venture funding


def _categories(values) -> list[str]:
    values = [v for v in (values or []) if v]
    if not values or any(v not in VentureCategory.values for v in values):
        raise ServiceError({"categories": [_("请选择资助类别")]})
    return [c for c in VentureCategory.values if c in values]


@transaction.atomic
def create_call(
    *,
    user,
    name: str,
    year: int,
    budget_fen: int,
    funding_source: str,
    opens_on: dt.date | None,
    closes_on: dt.date | None,
    categories,
    reviewer_ids,
    region_code: str = "",
) -> VentureCall:
    """A call by the keeper's city or county, with the staff accounts appointed to review."""
    from minzheng.accounts.models import User, actor_name

    _keeper(user)
    errors = _Errors()
    region = errors.run(_own_unit, user, region_code)
    name = errors.run(_text, name, "name", _("请填写创投活动名称"))
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not 2010 <= year <= this_year + 1:
        errors.add("year", _("年度应在2010年至%(y)s年之间") % {"y": this_year + 1})
    budget_fen = errors.run(_amount, budget_fen, "budget_fen")
    if funding_source not in FundingSource.values:
        errors.add("funding_source", _("请选择资金来源"))
    elif region is not None and funding_source == FundingSource.CITY and region.level != "city":
        errors.add("funding_source", _("县级创投活动的资金来源为县级财政或省级专项资金"))
    elif region is not None and funding_source == FundingSource.COUNTY and region.level != "county":
        errors.add("funding_source", _("市级创投活动的资金来源为市级财政或省级专项资金"))
    _period(errors, opens_on, closes_on)
    if "starts_on" in errors.errors:
        errors.errors["opens_on"] = errors.errors.pop("starts_on")
    if "ends_on" in errors.errors:
        errors.errors["closes_on"] = errors.errors.pop("ends_on")
    categories = errors.run(_categories, categories)
    ids = sorted({int(i) for i in reviewer_ids or []})
    reviewers = [u for u in User.objects.filter(pk__in=ids, is_active=True) if may_review_any(u)]
    if not ids:
        errors.add("reviewer_ids", _("请指定评审人"))
    elif len(reviewers) != len(ids):
        errors.add("reviewer_ids", _("评审人应为在岗的工作人员账号"))
    errors.raise_any()
    call = VentureCall.objects.create(
        name=name,
        region=region,
        year=year,
        budget_fen=budget_fen,
        funding_source=funding_source,
        opens_on=opens_on,
        closes_on=closes_on,
        categories=categories,
        created_by_name=actor_name(user),
    )
    call.reviewers.set(reviewers)
    audit.record_created(
        call, note=_("发布公益创投活动"), extra={"reviewers": [u.pk for u in reviewers]}
    )
    return call


@transaction.atomic
def apply(
    *, user, call: VentureCall, title: str, category: str, amount_fen: int, plan: str
) -> VentureApplication:
    """An organisation files its application online within the call's window."""
    if not is_organisation(user) or not user.can_write:
        raise PermissionDeniedError(_("只有社会组织账号可以申报公益创投项目"))
    org = organisation_of(user)
    if org is None:
        raise PermissionDeniedError(_("当前账号未绑定社会组织"))
    call = get_call(user, call.pk)
    today = timezone.localdate()
    if not call.opens_on <= today <= call.closes_on:
        raise ServiceError({"title": [_("不在申报时间内")]}, status=409)
    errors = _Errors()
    if org.status != "registered":
        errors.add("title", _("只有已登记的社会组织可以申报"))
    title = errors.run(_text, title, "title", _("请填写项目名称"))
    if category not in call.categories:
        errors.add("category", _("请选择本次活动的资助类别"))
    amount_fen = errors.run(_amount, amount_fen, "amount_fen")
    if amount_fen and amount_fen > call.budget_fen:
        errors.add("amount_fen", _("申请金额不能超过资助总额"))
    plan = errors.run(_text, plan, "plan", _("请填写实施方案"), max_length=4000)
    errors.raise_any()
    row = VentureApplication(
        call=call,
        organisation=org,
        title=title,
        category=category,
        amount_fen=amount_fen,
        plan=plan,
        filed_at=timezone.now(),
        filed_by_name=actor_name(user),
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ServiceError({"title": [_("本组织已申报本次活动")]}, status=409) from None
    audit.record_created(row, note=_("申报公益创投项目"))
    return row


@transaction.atomic
def review(
    *, user, application: VentureApplication, score: int, comment: str = ""
) -> VentureReview:
    """One appointed reviewer's score (0–100) of an application; a score is given once."""
    application = get_application(user, application.pk)
    if not may_review_any(user) or not application.call.reviewers.filter(pk=user.pk).exists():
        raise PermissionDeniedError(_("只有本次活动指定的评审人可以评分"))
    if application.status != ApplicationStatus.SUBMITTED:
        raise ServiceError({"score": [_("该申报已确定资助，不再评分")]}, status=409)
    errors = _Errors()
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 100:
        errors.add("score", _("评分应为0至100之间的整数"))
    comment = errors.run(_text, comment, "comment", "", max_length=500, required=False)
    errors.raise_any()
    row = VentureReview(
        application=application,
        reviewer=user,
        reviewer_name=actor_name(user),
        score=score,
        comment=comment,
        scored_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ServiceError({"score": [_("您已评过该申报")]}, status=409) from None
    audit.record_created(row, note=_("公益创投评分"))
    return row


@transaction.atomic
def award(
    *,
    user,
    application: VentureApplication,
    amount_fen: int,
    funding_source: str,
    on: dt.date | None = None,
) -> VentureApplication:
    """The call's city or county awards funding to a scored application, never beyond the call's
    budget: the call row is locked, so two awards at once cannot both pass the check."""
    _keeper(user)
    application = get_application(user, application.pk)
    call = application.call
    if not region_in_scope(user, call.region) or (
        not user.is_superuser and user.region_id != call.region_id
    ):
        raise PermissionDeniedError(_("公益创投资助由主办单位确定"))
    call = VentureCall.objects.select_for_update().get(pk=call.pk)
    row = VentureApplication.objects.select_for_update().get(pk=application.pk)
    if row.status != ApplicationStatus.SUBMITTED:
        raise ServiceError({"amount_fen": [_("该申报已获得资助")]}, status=409)
    errors = _Errors()
    if not row.reviews.exists():
        errors.add("amount_fen", _("该申报尚未评审，不能确定资助"))
    amount_fen = errors.run(_amount, amount_fen, "amount_fen")
    if amount_fen and amount_fen > row.amount_fen:
        errors.add("amount_fen", _("资助金额不能超过申请金额"))
    if funding_source not in (call.funding_source, FundingSource.PROVINCIAL):
        errors.add("funding_source", _("资金来源应为本次活动的资金来源或省级专项资金"))
    on = errors.run(validators.past_date, on, "on", not_before=call.opens_on)
    errors.raise_any()
    used = (
        VentureApplication.objects.filter(call=call, status=ApplicationStatus.AWARDED).aggregate(
            s=Sum("awarded_fen")
        )["s"]
        or 0
    )
    if used + amount_fen > call.budget_fen:
        raise ServiceError(
            {
                "amount_fen": [
                    _("超出资助总额：总额%(b)s元，已资助%(u)s元，剩余%(r)s元")
                    % {
                        "b": yuan_str(call.budget_fen),
                        "u": yuan_str(used),
                        "r": yuan_str(call.budget_fen - used),
                    }
                ]
            },
            status=409,
        )
    with audit.audited(row, note=_("确定公益创投资助")):
        row.status = ApplicationStatus.AWARDED
        row.awarded_fen = amount_fen
        row.awarded_source = funding_source
        row.awarded_on = on
        row.save()
    project = Project.objects.create(
        kind=ProjectKind.VENTURE,
        name=row.title,
        region=call.region,
        organisation=row.organisation,
        service=row.plan,
        budget_fen=amount_fen,
        funding_source=funding_source,
        starts_on=on,
        ends_on=dt.date(call.year, 12, 31) if dt.date(call.year, 12, 31) >= on else on,
        application=row,
        created_by_name=actor_name(user),
    )
    audit.record_created(project, note=_("公益创投资助项目立项"))
    return row


# ---------------------------------------------------------------- association


@transaction.atomic
def record_assembly(
    *,
    user,
    association_id: int | None,
    held_on: dt.date | None,
    members_present: int | None,
    resolutions: str,
    region_code: str = "",
) -> Assembly:
    """A member assembly of the city's (or a county's) social-work association (会员大会)."""
    _keeper(user)
    errors = _Errors()
    region = errors.run(_own_unit, user, region_code)
    org = errors.run(_organisation, user, association_id, "association_id")
    held_on = errors.run(validators.past_date, held_on, "held_on")
    if not isinstance(members_present, int) or not 1 <= members_present <= 100_000:
        errors.add("members_present", _("请填写到会会员数"))
    resolutions = errors.run(
        _text, resolutions, "resolutions", _("请填写会议议题和决议"), max_length=2000
    )
    errors.raise_any()
    row = Assembly.objects.create(
        association=org,
        region=region,
        held_on=held_on,
        members_present=members_present,
        resolutions=resolutions,
        recorded_by_name=actor_name(user),
    )
    audit.record_created(row, note=_("记录社会工作协会会员大会"))
    return row

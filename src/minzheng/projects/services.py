"""Writes of key projects: each service is one business action that checks the role and scope,
validates with field-level Chinese messages, locks the project row, writes and records the audit
event in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region
from minzheng.units.models import Unit

from .models import Milestone, ProgressPhoto, ProgressReport, Project, ProjectStatus
from .permissions import may_manage

MAX_FEN = 10**13
PHOTO_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp"}
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Status changes a project may make, and the date field each sets.
TRANSITIONS = {
    ProjectStatus.PLANNED: {ProjectStatus.CONSTRUCTION: "start_on"},
    ProjectStatus.CONSTRUCTION: {ProjectStatus.COMPLETED: "completed_on"},
    ProjectStatus.COMPLETED: {ProjectStatus.ACCEPTED: "accepted_on"},
    ProjectStatus.ACCEPTED: {},
}


def _check_manager(user) -> None:
    if not may_manage(user):
        raise PermissionDeniedError(_("当前账号无权管理重点项目"))


def _locked(user, project: Project) -> Project:
    _check_manager(user)
    if not region_in_scope(user, project.region):
        raise NotFoundOrOutOfScope()
    return Project.objects.select_for_update().select_related("region").get(pk=project.pk)


def _date(value, field: str, errors: dict, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("请填写日期"))
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            errors.setdefault(field, []).append(_("日期格式应为 YYYY-MM-DD"))
            return None
    return value


def _fen(value, field: str, errors: dict) -> int:
    if value is None or value < 0:
        errors.setdefault(field, []).append(_("金额不能为负数"))
        return 0
    if value > MAX_FEN:
        errors.setdefault(field, []).append(_("金额过大"))
    return int(value)


def _decimal(value, field: str, errors: dict, *, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("请填写数字"))
        return Decimal(0)
    if not number.is_finite() or number < low or number > high:
        errors.setdefault(field, []).append(
            _("数值应在 %(low)s 至 %(high)s 之间") % {"low": low, "high": high}
        )
    return number


@transaction.atomic
def create_project(
    *,
    user,
    name: str,
    region_code: str,
    unit_id: int | None = None,
    budget_fen: int,
    site_area_mu,
    start_on,
    planned_completion_on,
    description: str = "",
    milestones: list[tuple[str, dt.date]] = (),
    code: str = "",
) -> Project:
    _check_manager(user)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("请填写项目名称")]
    region = Region.objects.filter(code=region_code).first()
    if region is None or not region_in_scope(user, region):
        errors["region"] = [_("请选择管辖范围内的区域")]
    unit = None
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id, active=True).select_related("region").first()
        if unit is None or not region_in_scope(user, unit.region):
            errors["unit"] = [_("请选择管辖范围内的单位")]
    budget_fen = _fen(budget_fen, "budget_fen", errors)
    area = _decimal(site_area_mu, "site_area_mu", errors, low=Decimal(0), high=Decimal(100000))
    start = _date(start_on, "start_on", errors)
    planned = _date(planned_completion_on, "planned_completion_on", errors)
    if start and planned and planned < start:
        errors.setdefault("planned_completion_on", []).append(_("计划竣工日期不能早于开工日期"))
    titles = [t.strip() for t, _d in milestones]
    if len(set(titles)) != len(titles) or any(not t for t in titles):
        errors.setdefault("milestones", []).append(_("节点名称不能为空或重复"))
    if Project.objects.filter(name=name, region=region).exists():
        errors.setdefault("name", []).append(_("该区域已有同名项目"))
    if errors:
        raise ServiceError(errors)
    project = Project.objects.create(
        code=code or f"p-{uuid.uuid4().hex[:12]}",
        name=name,
        region=region,
        unit=unit,
        budget_fen=budget_fen,
        site_area_mu=area,
        start_on=start,
        planned_completion_on=planned,
        description=description.strip(),
    )
    Milestone.objects.bulk_create(
        [Milestone(project=project, title=t.strip(), due_on=d) for t, d in milestones]
    )
    audit.record_created(
        project, note=_("登记重点项目"), extra={"milestones": [[t, d] for t, d in milestones]}
    )
    return project


@transaction.atomic
def add_milestone(*, user, project: Project, title: str, due_on) -> Milestone:
    project = _locked(user, project)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("请填写节点名称")]
    elif project.milestones.filter(title=title).exists():
        errors["title"] = [_("该项目已有同名节点")]
    due = _date(due_on, "due_on", errors)
    if errors:
        raise ServiceError(errors)
    milestone = Milestone(project=project, title=title, due_on=due)
    with audit.audited(milestone, note=_("增加项目节点")):
        milestone.save()
    return milestone


@transaction.atomic
def complete_milestone(*, user, milestone: Milestone, done_on) -> Milestone:
    _locked(user, milestone.project)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    errors: dict[str, list[str]] = {}
    done = _date(done_on, "done_on", errors)
    if done and done > timezone.localdate():
        errors.setdefault("done_on", []).append(_("日期不能晚于今天"))
    if milestone.done_on is not None:
        errors.setdefault("done_on", []).append(_("该节点已完成"))
    if errors:
        raise ServiceError(errors)
    with audit.audited(milestone, "transition", note=_("节点完成")):
        milestone.done_on = done
        milestone.save(update_fields=["done_on"])
    return milestone


def _photo_rows(report: ProgressReport, photos) -> list[ProgressPhoto]:
    rows = []
    for upload in photos or []:
        name = getattr(upload, "name", "photo")
        extension = Path(name).suffix.lower()[:10]
        if extension not in PHOTO_EXTENSIONS:
            raise ServiceError(
                {
                    "photos": [
                        _("不支持的文件类型：%(name)s（可上传 JPG、PNG、WEBP 照片）")
                        % {"name": name}
                    ]
                }
            )
        content = upload.read()
        if not content:
            raise ServiceError({"photos": [_("文件为空：%(name)s") % {"name": name}]})
        if len(content) > MAX_PHOTO_BYTES:
            raise ServiceError({"photos": [_("照片超过10MB：%(name)s") % {"name": name}]})
        digest = hashlib.sha256(content).hexdigest()
        row = ProgressPhoto(
            report=report,
            original_name=Path(name).name[:200],
            extension=extension,
            size=len(content),
            sha256=digest,
        )
        from django.core.files.base import ContentFile

        row.file.save(f"{digest[:16]}{extension}", ContentFile(content), save=False)
        row.save()
        rows.append(row)
    return rows


def _month(value, errors: dict) -> dt.date | None:
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        year, month = str(value or "").split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError:
        errors.setdefault("period", []).append(_("月份格式应为 YYYY-MM"))
        return None


@transaction.atomic
def report_progress(
    *,
    user,
    project: Project,
    period,
    investment_fen: int,
    progress_pct,
    narrative: str,
    photos=(),
) -> ProgressReport:
    """One month's progress: cumulative investment and progress never go back from the month
    before, a month is reported once, and a project reported on is under construction."""
    project = _locked(user, project)
    errors: dict[str, list[str]] = {}
    month = _month(period, errors)
    investment_fen = _fen(investment_fen, "investment_fen", errors)
    pct = _decimal(progress_pct, "progress_pct", errors, low=Decimal(0), high=Decimal(100))
    narrative = (narrative or "").strip()
    if not narrative:
        errors["narrative"] = [_("请填写进展情况")]
    if project.status == ProjectStatus.ACCEPTED:
        errors.setdefault("period", []).append(_("项目已验收，不再填报进度"))
    if month is not None:
        if month > timezone.localdate():
            errors.setdefault("period", []).append(_("不能填报未来月份的进度"))
        elif month < project.start_on.replace(day=1):
            errors.setdefault("period", []).append(_("不能早于开工月份"))
        elif project.reports.filter(period=month).exists():
            raise ServiceError({"period": [_("该月进度已填报")]}, status=409)
        before = project.reports.filter(period__lt=month).order_by("-period").first()
        after = project.reports.filter(period__gt=month).order_by("period").first()
        if before and investment_fen < before.investment_fen:
            errors.setdefault("investment_fen", []).append(_("累计完成投资不能少于上月"))
        if before and pct < before.progress_pct:
            errors.setdefault("progress_pct", []).append(_("形象进度不能低于上月"))
        if after and (investment_fen > after.investment_fen or pct > after.progress_pct):
            errors.setdefault("period", []).append(_("不能超过以后月份已填报的数值"))
    if errors:
        raise ServiceError(errors)
    report = ProgressReport.objects.create(
        project=project,
        period=month,
        investment_fen=investment_fen,
        progress_pct=pct,
        narrative=narrative,
        reported_by=user,
    )
    photos = _photo_rows(report, photos)
    audit.record_created(
        report, note=_("填报项目进度"), extra={"photos": [p.original_name for p in photos]}
    )
    if project.status == ProjectStatus.PLANNED:
        with audit.audited(project, "transition", note=_("项目开工")):
            project.status = ProjectStatus.CONSTRUCTION
            project.save(update_fields=["status"])
    return report


@transaction.atomic
def change_status(*, user, project: Project, status: str, on) -> Project:
    project = _locked(user, project)
    errors: dict[str, list[str]] = {}
    field = TRANSITIONS.get(project.status, {}).get(status)
    if field is None:
        raise ServiceError(
            {
                "status": [
                    _("项目当前为“%(now)s”，不能改为该状态") % {"now": project.get_status_display()}
                ]
            },
            status=409,
        )
    day = _date(on, "on", errors)
    if day and day > timezone.localdate():
        errors.setdefault("on", []).append(_("日期不能晚于今天"))
    if (
        day
        and status == ProjectStatus.ACCEPTED
        and project.completed_on
        and day < project.completed_on
    ):
        errors.setdefault("on", []).append(_("验收日期不能早于竣工日期"))
    if day and status == ProjectStatus.COMPLETED and day < project.start_on:
        errors.setdefault("on", []).append(_("竣工日期不能早于开工日期"))
    if errors:
        raise ServiceError(errors)
    with audit.audited(project, "transition", note=str(ProjectStatus(status).label)):
        project.status = status
        setattr(project, field, day)
        project.save(update_fields=["status", field])
    return project

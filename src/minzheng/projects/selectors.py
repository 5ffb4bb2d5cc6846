"""Scoped reads of key projects: a project is seen through its region (core.scope)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Q, QuerySet

from minzheng.core.errors import NotFoundOrOutOfScope
from minzheng.core.scope import scope_q

from .models import Milestone, ProgressPhoto, ProgressReport, Project
from .permissions import may_view


def projects_for(user) -> QuerySet[Project]:
    if not may_view(user):
        return Project.objects.none()
    return Project.objects.filter(scope_q(user, "region")).select_related("region", "unit")


def get_project(user, pk) -> Project:
    project = projects_for(user).filter(pk=pk).first()
    if project is None:
        raise NotFoundOrOutOfScope()
    return project


def get_milestone(user, pk) -> Milestone:
    milestone = (
        Milestone.objects.filter(project__in=projects_for(user), pk=pk)
        .select_related("project__region")
        .first()
    )
    if milestone is None:
        raise NotFoundOrOutOfScope()
    return milestone


def get_photo(user, pk) -> ProgressPhoto:
    photo = ProgressPhoto.objects.filter(report__project__in=projects_for(user), pk=pk).first()
    if photo is None:
        raise NotFoundOrOutOfScope()
    return photo


def overdue_milestones(user, day: dt.date) -> QuerySet[Milestone]:
    """Milestones due before `day` and not done by the end of `day`, in the user's scope."""
    return (
        Milestone.objects.filter(project__in=projects_for(user), due_on__lt=day)
        .filter(Q(done_on__isnull=True) | Q(done_on__gt=day))
        .select_related("project", "project__region")
        .order_by("due_on", "id")
    )


def latest_reports(projects) -> dict[int, ProgressReport]:
    """Each project's newest progress report, in two queries whatever the number of projects."""
    newest = (
        ProgressReport.objects.filter(project__in=projects)
        .values("project_id")
        .annotate(p=Max("period"))
    )
    wanted = {(r["project_id"], r["p"]) for r in newest}
    if not wanted:
        return {}
    rows = ProgressReport.objects.filter(
        project_id__in={p for p, _ in wanted}, period__in={d for _, d in wanted}
    )
    return {r.project_id: r for r in rows if (r.project_id, r.period) in wanted}


def with_overdue(projects: QuerySet[Project], day: dt.date) -> QuerySet[Project]:
    """Each project annotated with `overdue`, its milestones past due and not done on `day`."""
    return projects.annotate(
        overdue=Count(
            "milestones",
            filter=Q(milestones__due_on__lt=day, milestones__done_on__isnull=True),
        )
    )

"""Pages of key projects: the list, a project's page (milestones, monthly progress with a chart
and photos, status) and the form to register a project."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.core.money import yuan_to_fen
from minzheng.core.scope import region_in_scope
from minzheng.regions.models import Region
from minzheng.units.models import Unit
from minzheng.web.views.base import apply_service_error, page

from . import forms, selectors, services
from .permissions import may_manage, may_view

view_page = page(check=may_view)
manage_page = page(check=may_manage, message=_("当前账号为只读账号或无权管理重点项目"))


def _errors_text(exc: ServiceError) -> str:
    return " ".join(m for ms in exc.errors.values() for m in ms)


@view_page
def index(request):
    today = timezone.localdate()
    projects = list(
        selectors.with_overdue(selectors.projects_for(request.user), today).order_by(
            "planned_completion_on", "id"
        )
    )
    latest = selectors.latest_reports(projects)
    rows = [{"project": p, "latest": latest.get(p.pk)} for p in projects]
    return render(
        request,
        "projects/index.html",
        {"rows": rows, "may_manage": may_manage(request.user), "today": today},
    )


@manage_page
def project_new(request):
    user = request.user
    regions = [
        r
        for r in Region.objects.filter(level__in=("city", "county"), kind="statutory").order_by(
            "code"
        )
        if region_in_scope(user, r)
    ]
    units = [
        u
        for u in Unit.objects.filter(active=True).select_related("region")
        if region_in_scope(user, u.region)
    ]
    if request.method == "POST":
        form = forms.ProjectForm(request.POST, regions=regions, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                project = services.create_project(
                    user=user,
                    name=data["name"],
                    region_code=data["region"],
                    unit_id=int(data["unit"]) if data["unit"] else None,
                    budget_fen=form.fen(data["budget_wan"]),
                    site_area_mu=data["site_area_mu"],
                    start_on=data["start_on"],
                    planned_completion_on=data["planned_completion_on"],
                    description=data["description"],
                )
            except ServiceError as exc:
                apply_service_error(
                    form, exc, {"budget_fen": "budget_wan", "milestones": "description"}
                )
            else:
                messages.success(request, _("项目已登记，请增加项目节点。"))
                return redirect("projects:detail", project.pk)
    else:
        form = forms.ProjectForm(regions=regions, units=units)
    return render(request, "projects/project_new.html", {"form": form})


def _chart(reports, project) -> dict:
    return {
        "periods": [f"{r.period:%Y-%m}" for r in reports],
        "investment": [str(round(r.investment_fen / 1_000_000, 2)) for r in reports],
        "progress": [str(r.progress_pct) for r in reports],
        "budget": str(round(project.budget_fen / 1_000_000, 2)),
        "labels": {
            "investment": _("累计完成投资（万元）"),
            "progress": _("形象进度（%）"),
            "budget": _("总投资"),
        },
    }


def _detail(request, project, *, progress_form=None, milestone_form=None, status_form=None):
    today = timezone.localdate()
    reports = list(project.reports.prefetch_related("photos").order_by("period"))
    milestones = list(project.milestones.all())
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "reports": reports,
            "latest": reports[-1] if reports else None,
            "milestones": [{"m": m, "overdue": m.overdue_on(today)} for m in milestones],
            "chart": _chart(reports, project),
            "may_manage": may_manage(request.user),
            "progress_form": progress_form
            or forms.ProgressForm(initial={"period": f"{today:%Y-%m}"}),
            "milestone_form": milestone_form or forms.MilestoneForm(),
            "status_form": status_form or forms.StatusForm(initial={"on": today}),
            "today": today,
        },
        status=422
        if any(f is not None and f.errors for f in (progress_form, milestone_form, status_form))
        else 200,
    )


@view_page
def detail(request, pk: int):
    return _detail(request, selectors.get_project(request.user, pk))


def _post_project_form(request, pk, form_key, form, act, done, field_map=None):
    """One of the project page's forms posted: the service call `act(project, cleaned_data)`,
    then back to the page with `done`, or the page again with the form's field errors (422)."""
    project = selectors.get_project(request.user, pk)
    if form.is_valid():
        try:
            act(project, form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc, field_map)
        else:
            messages.success(request, done)
            return redirect("projects:detail", project.pk)
    return _detail(request, project, **{form_key: form})


@manage_page
@require_POST
def report_progress(request, pk: int):
    return _post_project_form(
        request,
        pk,
        "progress_form",
        forms.ProgressForm(request.POST, request.FILES),
        lambda project, data: services.report_progress(
            user=request.user,
            project=project,
            period=data["period"],
            investment_fen=yuan_to_fen(data["investment_wan"] * 10000),
            progress_pct=data["progress_pct"],
            narrative=data["narrative"],
            photos=data["photos"],
        ),
        _("本月进度已填报。"),
        {"investment_fen": "investment_wan"},
    )


@manage_page
@require_POST
def milestone_add(request, pk: int):
    return _post_project_form(
        request,
        pk,
        "milestone_form",
        forms.MilestoneForm(request.POST),
        lambda project, data: services.add_milestone(
            user=request.user, project=project, title=data["title"], due_on=data["due_on"]
        ),
        _("项目节点已增加。"),
    )


@manage_page
@require_POST
def milestone_done(request, pk: int):
    milestone = selectors.get_milestone(request.user, pk)
    try:
        services.complete_milestone(
            user=request.user, milestone=milestone, done_on=request.POST.get("done_on", "")
        )
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("节点已标记完成。"))
    return redirect("projects:detail", milestone.project_id)


@manage_page
@require_POST
def status_change(request, pk: int):
    return _post_project_form(
        request,
        pk,
        "status_form",
        forms.StatusForm(request.POST),
        lambda project, data: services.change_status(
            user=request.user, project=project, status=data["status"], on=data["on"]
        ),
        _("项目状态已变更。"),
    )


@view_page
def photo(request, pk: int):
    item = selectors.get_photo(request.user, pk)
    return FileResponse(item.file.open("rb"), filename=item.original_name)

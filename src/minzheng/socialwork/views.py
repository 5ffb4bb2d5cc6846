"""Pages of social work (plain forms, phone friendly): the talent ledger with its spreadsheet
export and import, the projects with milestones and acceptance, the venture-funding calls with
the ranking, reviewers' scores and awards, an organisation's own applications; and the
workbench cards."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.core.money import yuan_str
from minzheng.people.selectors import masked_name
from minzheng.regions.models import Region
from minzheng.web.views.base import apply_service_error, page, paginate

from . import forms, imports, selectors, services
from .models import Level, ProjectKind, VentureCategory
from .permissions import is_organisation, may_keep, may_read, may_use

sw_page = page(check=may_use)
read_page = page(check=may_read)
org_page = page(check=is_organisation, message=_("只有社会组织账号可以使用此页面"))


def _errors_text(exc: ServiceError) -> str:
    return " ".join(m for ms in exc.errors.values() for m in ms)


def _org_choices(user):
    rows = selectors.registered_organisations(user).order_by("name").values_list("pk", "name")
    return [("", "—")] + [(str(pk), name) for pk, name in rows[:500]]


def _region_choices(user, **filters):
    qs = Region.objects.filter(_scope_regions(user))
    qs = qs.filter(kind="statutory", **filters).order_by("code")
    return [("", "—")] + [(r.code, r.name) for r in qs[:500]]


def _scope_regions(user):
    from django.db.models import Q

    from minzheng.core.scope import scope_paths

    paths = scope_paths(user)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for p in paths:
        q |= Q(path__startswith=p)
    return q


def _worker_choices(user):
    rows = selectors.workers_for(user).order_by("region__path", "id")[:500]
    return [
        (str(w.pk), f"{w.person.name}（{w.get_level_display()}，{w.employer_name}）") for w in rows
    ]


@sw_page
def index(request):
    user = request.user
    today = timezone.localdate()
    context = {"may_read": may_read(user), "may_keep": may_keep(user), "year": today.year}
    if may_read(user):
        context["ledger"] = selectors.ledger_counts(user)
        projects = selectors.projects_for(user)
        context["counts"] = {
            kind: {
                "label": label,
                "ongoing": projects.filter(kind=kind, status="ongoing").count(),
                "accepted": projects.filter(kind=kind, status="accepted").count(),
            }
            for kind, label in ProjectKind.choices
        }
        context["linkage_communities"] = (
            projects.filter(kind="linkage", status="accepted")
            .values("region_id")
            .distinct()
            .count()
        )
        context["assemblies"] = list(selectors.assemblies_for(user)[:5])
        form = None
        if may_keep(user):
            form = forms.AssemblyForm(request.POST or None)
            form.fields["association_id"].choices = _org_choices(user)
            if request.method == "POST" and form.is_valid():
                d = form.cleaned_data
                try:
                    services.record_assembly(
                        user=user,
                        association_id=int(d["association_id"]),
                        held_on=d["held_on"],
                        members_present=d["members_present"],
                        resolutions=d["resolutions"],
                    )
                except ServiceError as exc:
                    apply_service_error(form, exc)
                else:
                    messages.success(request, _("已记录会员大会"))
                    return redirect("socialwork:index")
        elif request.method == "POST":
            raise Http404()
        context["assembly_form"] = form
        status = 422 if form is not None and form.errors else 200
    else:
        status = 200
    context["calls"] = list(selectors.calls_for(user)[:10])
    context["to_review"] = selectors.to_review(user).count()
    return render(request, "socialwork/index.html", context, status=status)


# ---------------------------------------------------------------- ledger


@read_page
def workers(request):
    user = request.user
    form = import_form = None
    result = None
    if may_keep(user):
        form = forms.WorkerForm(request.POST or None if "add" in request.POST else None)
        form.fields["organisation_id"].choices = _org_choices(user)
        form.fields["region_code"].choices = _region_choices(
            user, level__in=["city", "county", "township"]
        )
        import_form = forms.ImportForm(
            request.POST if "import" in request.POST else None, request.FILES or None
        )
        if request.method == "POST" and "add" in request.POST and form.is_valid():
            d = dict(form.cleaned_data)
            d["organisation_id"] = int(d["organisation_id"]) if d["organisation_id"] else None
            try:
                w = services.add_worker(user=user, **d)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已录入台账"))
                return redirect("socialwork:worker_detail", w.pk)
        if request.method == "POST" and "import" in request.POST and import_form.is_valid():
            upload = import_form.cleaned_data["file"]
            try:
                result = imports.import_workers(
                    user=user, data=upload.read(), name=upload.name or ""
                )
            except ServiceError as exc:
                apply_service_error(import_form, exc)
    elif request.method == "POST":
        raise Http404()
    query = request.GET.get("q", "").strip()[:32]
    level = request.GET.get("level", "")
    level = level if level in Level.values else ""
    rows = paginate(request, selectors.workers_for(user, query=query, level=level))
    year = timezone.localdate().year
    hours = selectors.training_hours([w.pk for w in rows], year)
    names = may_keep(user)
    for w in rows:
        w.shown_name = w.person.name if names else masked_name(w.person.name)
        w.hours = hours.get(w.pk, 0)
    bad = (form is not None and form.errors) or (import_form is not None and import_form.errors)
    return render(
        request,
        "socialwork/workers.html",
        {
            "rows": rows,
            "query": query,
            "level": level,
            "levels": Level.choices,
            "year": year,
            "counts": selectors.ledger_counts(user),
            "form": form,
            "import_form": import_form,
            "result": result,
            "may_keep": may_keep(user),
        },
        status=422 if bad or (result and result["rejected"]) else 200,
    )


@read_page
def workers_export(request):
    if not may_keep(request.user):
        raise Http404()
    data = imports.export_rows(request.user, selectors.workers_for(request.user))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="social-workers.xlsx"'
    return response


@read_page
def worker_detail(request, pk: int):
    user = request.user
    worker = selectors.get_worker(user, pk)
    form = None
    if may_keep(user):
        form = forms.TrainingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.add_training(user=user, worker=worker, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记培训"))
                return redirect("socialwork:worker_detail", worker.pk)
    elif request.method == "POST":
        raise Http404()
    trainings = list(worker.trainings.all())
    by_year: dict[int, int] = {}
    for t in trainings:
        by_year[t.on.year] = by_year.get(t.on.year, 0) + t.hours
    return render(
        request,
        "socialwork/worker_detail.html",
        {
            "worker": worker,
            "name": worker.person.name if may_keep(user) else masked_name(worker.person.name),
            "trainings": trainings,
            "by_year": sorted(by_year.items(), reverse=True),
            "projects": list(worker.projects.select_related("region")[:20]),
            "form": form,
        },
        status=422 if form is not None and form.errors else 200,
    )


# ---------------------------------------------------------------- projects


@sw_page
def projects(request):
    user = request.user
    kind = request.GET.get("kind", "")
    kind = kind if kind in ProjectKind.values else ""
    form = None
    if may_keep(user):
        form = forms.ProjectForm(request.POST or None, initial={"kind": kind or "purchased"})
        form.fields["organisation_id"].choices = _org_choices(user)
        form.fields["worker_ids"].choices = _worker_choices(user)
        form.fields["region_code"].choices = _region_choices(
            user, level="village", urban_rural="urban"
        )
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                p = services.create_project(
                    user=user,
                    kind=d["kind"],
                    name=d["name"],
                    region_code=d["region_code"],
                    organisation_id=int(d["organisation_id"]),
                    worker_ids=[int(i) for i in d["worker_ids"]],
                    service=d["service"],
                    budget_fen=d["budget"] or 0,
                    starts_on=d["starts_on"],
                    ends_on=d["ends_on"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc, {"budget_fen": "budget"})
            else:
                messages.success(request, _("已登记项目"))
                return redirect("socialwork:project_detail", p.pk)
    elif request.method == "POST":
        raise Http404()
    rows = paginate(request, selectors.projects_for(user, kind=kind))
    return render(
        request,
        "socialwork/projects.html",
        {"rows": rows, "kind": kind, "kinds": ProjectKind.choices, "form": form},
        status=422 if form is not None and form.errors else 200,
    )


@sw_page
def project_detail(request, pk: int):
    user = request.user
    project = selectors.get_project(user, pk)
    bound = {}
    if request.method == "POST":
        if not may_keep(user):
            raise Http404()
        action = request.POST.get("action", "")
        try:
            if action == "milestone":
                bound["milestone"] = f = forms.MilestoneForm(request.POST)
                if f.is_valid():
                    services.add_milestone(user=user, project=project, **f.cleaned_data)
            elif action == "done":
                f = forms.MilestoneDoneForm(request.POST)
                if f.is_valid():
                    mid = request.POST.get("milestone", "")
                    services.complete_milestone(
                        user=user,
                        milestone_id=int(mid) if mid.isdigit() else 0,
                        **f.cleaned_data,
                    )
                else:
                    messages.error(request, _("请填写正确的完成日期"))
            elif action == "accept":
                bound["accept"] = f = forms.AcceptForm(request.POST)
                if f.is_valid():
                    services.accept_project(user=user, project=project, **f.cleaned_data)
            else:
                raise Http404()
        except ServiceError as exc:
            form = bound.get("milestone") or bound.get("accept")
            if form is not None:
                apply_service_error(form, exc)
            else:
                messages.error(request, _errors_text(exc))
        if not any(f.errors for f in bound.values()):
            if action in ("milestone", "done", "accept") and not list(
                messages.get_messages(request)
            ):
                messages.success(request, _("已保存"))
            return redirect("socialwork:project_detail", project.pk)
        project = selectors.get_project(user, pk)
    workers_qs = project.workers.select_related("person")
    names = may_keep(user)
    shown = [(w, w.person.name if names else masked_name(w.person.name)) for w in workers_qs]
    return render(
        request,
        "socialwork/project_detail.html",
        {
            "project": project,
            "milestones": list(project.milestones.all()),
            "workers": shown,
            "budget": yuan_str(project.budget_fen),
            "may_keep": may_keep(user),
            "today": timezone.localdate(),
            "milestone_form": bound.get("milestone") or forms.MilestoneForm(),
            "accept_form": bound.get("accept") or forms.AcceptForm(),
        },
        status=422 if bound else 200,
    )


# ---------------------------------------------------------------- venture funding


def _reviewer_choices(user):
    from minzheng.accounts.models import User

    qs = User.objects.filter(is_active=True).filter(_user_scope(user)).order_by("username")
    return [
        (str(u.pk), f"{u.get_full_name() or u.username}（{u.username}）")
        for u in qs[:300]
        if u.is_staff_role and u.can_write
    ]


def _user_scope(user):
    from django.db.models import Q

    from minzheng.core.scope import scope_paths

    paths = scope_paths(user)
    if paths is None:
        return Q()
    q = Q(pk=user.pk)
    for p in paths or []:
        q |= Q(region__path__startswith=p)
    return q


@sw_page
def calls(request):
    user = request.user
    form = None
    today = timezone.localdate()
    if may_keep(user):
        form = forms.CallForm(request.POST or None, initial={"year": today.year})
        form.fields["reviewer_ids"].choices = _reviewer_choices(user)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                call = services.create_call(
                    user=user,
                    name=d["name"],
                    year=d["year"],
                    budget_fen=d["budget"],
                    funding_source=d["funding_source"],
                    opens_on=d["opens_on"],
                    closes_on=d["closes_on"],
                    categories=d["categories"],
                    reviewer_ids=[int(i) for i in d["reviewer_ids"]],
                )
            except ServiceError as exc:
                apply_service_error(form, exc, {"budget_fen": "budget"})
            else:
                messages.success(request, _("已发布公益创投活动"))
                return redirect("socialwork:call_detail", call.pk)
    elif request.method == "POST":
        raise Http404()
    rows = list(selectors.calls_for(user)[:100])
    for c in rows:
        c.awarded = yuan_str(selectors.awarded_total(c))
        c.budget = yuan_str(c.budget_fen)
    return render(
        request,
        "socialwork/calls.html",
        {"rows": rows, "form": form, "today": today},
        status=422 if form is not None and form.errors else 200,
    )


def _call_context(request, call, bound=None):
    user = request.user
    bound = bound or {}
    reviewer = call.reviewers.filter(pk=user.pk).exists()
    owner = may_keep(user) and (user.is_superuser or user.region_id == call.region_id)
    mine = set(call.applications.filter(reviews__reviewer=user).values_list("pk", flat=True))
    rows = list(selectors.ranking(call))
    for rank, a in enumerate(rows, start=1):
        a.rank = rank
        a.amount = yuan_str(a.amount_fen)
        a.awarded = yuan_str(a.awarded_fen)
        a.scored_by_me = a.pk in mine
    awarded = selectors.awarded_total(call)
    return {
        "call": call,
        "rows": rows,
        "reviewer": reviewer,
        "owner": owner,
        "budget": yuan_str(call.budget_fen),
        "awarded": yuan_str(awarded),
        "left": yuan_str(call.budget_fen - awarded),
        "review_form": bound.get("review") or forms.ReviewForm(),
        "award_form": bound.get("award")
        or forms.AwardForm(initial={"funding_source": call.funding_source}),
        "bound_pk": bound.get("pk"),
    }


@sw_page
def call_detail(request, pk: int):
    call = selectors.calls_for(request.user).filter(pk=pk).first()
    if call is None:
        raise Http404()
    return render(request, "socialwork/call_detail.html", _call_context(request, call))


@sw_page
@require_POST
def call_action(request, pk: int, application: int, action: str):
    user = request.user
    call = selectors.calls_for(user).filter(pk=pk).first()
    row = call and call.applications.filter(pk=application).first()
    if row is None:
        raise Http404()
    if action == "review":
        form = forms.ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.review(user=user, application=row, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
    elif action == "award":
        form = forms.AwardForm(request.POST)
        if form.is_valid():
            try:
                services.award(
                    user=user,
                    application=row,
                    amount_fen=form.cleaned_data["amount"],
                    funding_source=form.cleaned_data["funding_source"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc, {"amount_fen": "amount"})
    else:
        raise Http404()
    if form.errors:
        context = _call_context(request, call, {action: form, "pk": row.pk})
        return render(request, "socialwork/call_detail.html", context, status=422)
    messages.success(request, _("已评分") if action == "review" else _("已确定资助"))
    return redirect("socialwork:call_detail", call.pk)


# ---------------------------------------------------------------- organisation accounts


@org_page
def mine(request):
    user = request.user
    org = selectors.organisation_of(user)
    applied = set(selectors.my_applications(user).values_list("call_id", flat=True))
    calls_open = [c for c in selectors.open_calls() if c.pk not in applied]
    apps_rows = list(selectors.my_applications(user))
    for a in apps_rows:
        a.amount = yuan_str(a.amount_fen)
        a.awarded = yuan_str(a.awarded_fen)
    return render(
        request,
        "socialwork/mine.html",
        {
            "organisation": org,
            "calls": calls_open,
            "applications": apps_rows,
            "projects": list(selectors.projects_for(user)[:50]),
        },
    )


@org_page
def apply(request, pk: int):
    user = request.user
    call = selectors.open_calls().filter(pk=pk).first()
    if call is None:
        raise Http404()
    form = forms.ApplicationForm(request.POST or None)
    labels = dict(VentureCategory.choices)
    form.fields["category"].choices = [("", "—")] + [(c, labels[c]) for c in call.categories]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.apply(
                user=user,
                call=call,
                title=d["title"],
                category=d["category"],
                amount_fen=d["amount"],
                plan=d["plan"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc, {"amount_fen": "amount"})
        else:
            messages.success(request, _("已提交申报"))
            return redirect("socialwork:mine")
    return render(
        request,
        "socialwork/apply.html",
        {"call": call, "form": form, "budget": yuan_str(call.budget_fen)},
        status=422 if form.errors else 200,
    )


# ---------------------------------------------------------------- workbench cards


def milestones_widget_context(user):
    """Open milestones due within 30 days (or late), for the county and the city section."""
    if not may_keep(user) or user.role not in ("county_approver", "city_section"):
        return None
    today = timezone.localdate()
    qs = selectors.milestones_due(user, today)
    rows = list(qs[:6])
    for m in rows:
        m.late = m.due_on < today
    return {"rows": rows, "count": qs.count()}


def review_widget_context(user):
    """Applications waiting for the appointed reviewer's score."""
    if not (user and user.is_authenticated and user.is_staff_role):
        return None
    qs = selectors.to_review(user)
    count = qs.count()
    if not count:
        return None
    return {"rows": list(qs[:6]), "count": count}


def organisation_widget_context(user):
    if not is_organisation(user):
        return None
    org = selectors.organisation_of(user)
    if org is None:
        return None
    applied = set(selectors.my_applications(user).values_list("call_id", flat=True))
    rows = list(selectors.my_applications(user)[:6])
    for a in rows:
        a.awarded = yuan_str(a.awarded_fen)
    return {
        "organisation": org,
        "rows": rows,
        "open_calls": [c for c in selectors.open_calls() if c.pk not in applied][:3],
    }

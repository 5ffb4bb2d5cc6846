"""Pages of the volunteer registration system (plain forms, phone friendly) and the workbench
cards: the resident's registration and volunteer card, the street office's approvals, teams and
activities."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.core.scope import scope_paths
from minzheng.people.selectors import masked_name
from minzheng.regions.models import Region
from minzheng.web.views.base import apply_service_error, page, paginate

from . import forms, pdf, selectors, services
from .models import MemberStatus, RegionSummary, Status
from .permissions import is_resident, is_staff, may_decide, may_read, may_use, names_shown

volunteer_page = page(check=may_use)
staff_page = page(check=may_read)
resident_page = page(check=is_resident, message=_("仅限居民账号"))


def _errors_text(exc: ServiceError) -> str:
    return " ".join(m for ms in exc.errors.values() for m in ms)


def _scope_regions(user, levels):
    paths = scope_paths(user)
    qs = Region.objects.filter(kind="statutory", level__in=levels)
    if paths is not None:
        q = Q(pk__in=[])
        for p in paths:
            q |= Q(path__startswith=p)
        qs = qs.filter(q)
    return qs.order_by("path")[:300]


def _area_choices(person):
    """The resident's community, its street or township and its county."""
    region = person.hukou_region
    chain = []
    while region is not None and region.level in ("village", "township", "county"):
        chain.append(region)
        region = region.parent
    return [(r.code, r.name) for r in chain]


@volunteer_page
def index(request):
    user = request.user
    if is_resident(user) and not may_read(user):
        return redirect("volunteers:mine")
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    query = request.GET.get("q", "").strip()[:32] if names_shown(user) else ""
    rows = paginate(
        request,
        selectors.volunteers_for(user, status=status, query=query).order_by(
            "status", "-applied_at", "-id"
        ),
    )
    for v in rows:
        v.shown_name = v.person.name if names_shown(user) else masked_name(v.person.name)
    form = None
    if is_staff(user):
        form = forms.WindowRegisterForm(request.POST or None, prefix="window")
        form.fields["area_codes"].choices = [
            (r.code, r.name) for r in _scope_regions(user, ["county", "township"])
        ][:60]
        if request.method == "POST" and form.is_valid():
            try:
                v = services.register(user=user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记"))
                return redirect("volunteers:detail", v.pk)
    elif request.method == "POST":
        raise Http404()
    summaries = RegionSummary.objects.filter(
        region__in=_scope_regions(user, ["township"])
    ).select_related("region")[:50]
    base = selectors.volunteers_for(user)
    return render(
        request,
        "volunteers/index.html",
        {
            "rows": rows,
            "status": status,
            "statuses": Status.choices,
            "query": query,
            "form": form,
            "may_decide": may_decide(user),
            "counts": {
                "approved": base.filter(status=Status.APPROVED).count(),
                "pending": base.filter(status=Status.PENDING).count(),
            },
            "summaries": summaries,
        },
        status=422 if form is not None and form.errors else 200,
    )


@staff_page
def volunteer_detail(request, pk: int):
    v = selectors.get_volunteer(request.user, pk)
    return render(
        request,
        "volunteers/detail.html",
        {
            "v": v,
            "name": v.person.name if names_shown(request.user) else masked_name(v.person.name),
            "records": selectors.records_of(v)[:50],
            "may_decide": may_decide(request.user),
        },
    )


@staff_page
@require_POST
def volunteer_action(request, pk: int, action: str):
    v = selectors.get_volunteer(request.user, pk)
    reason = request.POST.get("reason", "")
    try:
        if action == "approve":
            services.decide(user=request.user, volunteer=v, approve=True, reason="")
        elif action == "refuse":
            services.decide(user=request.user, volunteer=v, approve=False, reason=reason)
        elif action == "suspend":
            services.suspend(user=request.user, volunteer=v, reason=reason)
        elif action == "reinstate":
            services.reinstate(user=request.user, volunteer=v)
        else:
            raise Http404()
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已保存"))
    return redirect(request.POST.get("next") or f"/volunteers/{v.pk}/")


# ---------------------------------------------------------------- the resident


@resident_page
def mine(request):
    user = request.user
    v = selectors.own_volunteer(user)
    form = None
    if v is None or v.status in (Status.REFUSED, Status.LEFT):
        form = forms.RegisterForm(request.POST or None)
        form.fields["area_codes"].choices = _area_choices(user.person)
        if request.method == "POST" and form.is_valid():
            try:
                services.register(user=user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("注册申请已提交，请等待街道（乡镇）审核"))
                return redirect("volunteers:mine")
    elif request.method == "POST":
        raise Http404()
    teams = []
    joined = set()
    if v is not None and v.status == Status.APPROVED:
        joined = {m.team_id: m for m in v.memberships.all()}
        county_path = "/".join(user.person.hukou_region.path.split("/")[:3]) + "/"
        teams = list(
            selectors.teams_for(user)
            .filter(region__path__startswith=county_path)
            .order_by("region__path", "id")[:10]
        )
        for t in teams:
            t.membership = joined.get(t.pk)
    return render(
        request,
        "volunteers/mine.html",
        {
            "v": v,
            "form": form,
            "records": selectors.records_of(v)[:50] if v else [],
            "activities": selectors.open_activities_near(user, v, limit=10),
            "signed": set(v.signups.values_list("activity_id", flat=True)) if v else set(),
            "teams": teams,
        },
        status=422 if form is not None and form.errors else 200,
    )


@resident_page
@require_POST
def leave(request):
    try:
        services.leave(user=request.user, reason=request.POST.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已退出志愿者注册"))
    return redirect("volunteers:mine")


@resident_page
def certificate(request):
    v = selectors.own_volunteer(request.user)
    if v is None:
        raise Http404()
    try:
        data, filename = pdf.certificate(
            v, verify_url=request.build_absolute_uri(reverse("volunteers:verify"))
        )
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
        return redirect("volunteers:mine")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def verify_certificate(request):
    """Public (no account): the verification number printed on a certificate tells whether it
    was issued here, with the masked name and the figures it printed."""
    number = (request.GET.get("number") or "").strip()[:32]
    found = selectors.verified_certificate(number) if number else None
    return render(
        request,
        "volunteers/verify.html",
        {
            "number": number,
            "certificate": found,
            "masked": masked_name(found.volunteer.person.name) if found else "",
        },
    )


# ---------------------------------------------------------------- teams


@volunteer_page
def team_list(request):
    user = request.user
    form = None
    if is_staff(user):
        form = forms.TeamForm(request.POST or None)
        form.fields["region_code"].choices = [
            (r.code, r.name)
            for r in _scope_regions(user, ["city", "county", "township", "village"])
        ]
        if request.method == "POST" and form.is_valid():
            try:
                team = services.create_team(user=user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已组建服务队"))
                return redirect("volunteers:team", team.pk)
    elif request.method == "POST":
        raise Http404()
    rows = paginate(request, selectors.teams_for(user).order_by("region__path", "id"))
    return render(
        request,
        "volunteers/teams.html",
        {"rows": rows, "form": form},
        status=422 if form is not None and form.errors else 200,
    )


@volunteer_page
def team_detail(request, pk: int):
    user = request.user
    team = selectors.get_team(user, pk)
    manages = selectors.leads(user, team) or (is_staff(user) and may_read(user))
    form = None
    if manages:
        form = forms.ActivityForm(request.POST or None)
        form.fields["region_code"].choices = [
            (r.code, r.name)
            for r in Region.objects.filter(
                kind="statutory", path__startswith=team.region.path
            ).order_by("path")[:200]
        ]
        if request.method == "POST" and form.is_valid():
            try:
                a = services.publish_activity(user=user, team=team, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已发布活动"))
                return redirect("volunteers:activity", a.pk)
    elif request.method == "POST":
        raise Http404()
    own = selectors.own_volunteer(user)
    return render(
        request,
        "volunteers/team.html",
        {
            "team": team,
            "manages": manages,
            "members": selectors.members_of(team) if manages else [],
            "activities": team.activities.order_by("-starts_at")[:20],
            "form": form,
            "may_join": own is not None
            and own.status == Status.APPROVED
            and not team.members.filter(volunteer=own).exists(),
        },
        status=422 if form is not None and form.errors else 200,
    )


@volunteer_page
@require_POST
def team_join(request, pk: int):
    team = selectors.get_team(request.user, pk)
    try:
        services.request_join(user=request.user, team=team)
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已申请加入，等待队长或工作人员同意"))
    return redirect("volunteers:team", team.pk)


@volunteer_page
@require_POST
def team_member(request, pk: int, member_id: int):
    team = selectors.get_team(request.user, pk)
    try:
        services.decide_member(
            user=request.user,
            team=team,
            member_id=member_id,
            accept=request.POST.get("accept") == "1",
        )
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已处理"))
    return redirect("volunteers:team", team.pk)


# ---------------------------------------------------------------- activities


@volunteer_page
def activity_list(request):
    user = request.user
    qs = selectors.activities_for(user)
    if is_resident(user) and not may_read(user):
        qs = qs.filter(cancelled=False, starts_at__gt=timezone.now())
    rows = paginate(request, qs.order_by("-starts_at", "-id"))
    return render(request, "volunteers/activities.html", {"rows": rows})


@volunteer_page
def activity_detail(request, pk: int):
    user = request.user
    a = selectors.get_activity(user, pk)
    manages = selectors.leads(user, a.team) or is_staff(user)
    own = selectors.own_volunteer(user)
    signups = list(selectors.signups_of(a)) if manages else []
    for s in signups:
        s.shown_name = s.volunteer.person.name if manages else ""
    return render(
        request,
        "volunteers/activity.html",
        {
            "a": a,
            "manages": manages,
            "signups": signups,
            "ended": a.ends_at <= timezone.now(),
            "length": a.length_minutes,
            "signed": own is not None and a.signups.filter(volunteer=own).exists(),
            "may_sign": own is not None and own.status == Status.APPROVED,
        },
    )


@volunteer_page
@require_POST
def activity_signup(request, pk: int):
    a = selectors.get_activity(request.user, pk)
    try:
        services.sign_up(user=request.user, activity=a)
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("报名成功"))
    return redirect("volunteers:activity", a.pk)


@volunteer_page
@require_POST
def activity_hours(request, pk: int):
    a = selectors.get_activity(request.user, pk)
    entries = []
    for s in a.signups.all():
        attended = request.POST.get(f"attended_{s.pk}") == "1"
        raw = request.POST.get(f"minutes_{s.pk}", "").strip()
        minutes = int(raw) if raw.isdigit() else (0 if not raw else -1)
        entries.append({"signup_id": s.pk, "attended": attended, "minutes": minutes})
    try:
        services.record_hours(user=request.user, activity=a, entries=entries)
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已登记服务时长"))
    return redirect("volunteers:activity", a.pk)


# ---------------------------------------------------------------- workbench cards


def approvals_widget_context(user):
    """Registrations waiting for the street office."""
    if not may_decide(user) or user.role not in ("township_clerk", "county_approver"):
        return None
    waiting = selectors.volunteers_for(user, status=Status.PENDING)
    rows = list(waiting.order_by("applied_at", "id")[:5])
    for v in rows:
        v.shown_name = v.person.name
    return {"count": waiting.count(), "rows": rows}


def card_widget_context(user):
    """The resident's volunteer card, or an invitation to register; activities open near them."""
    if not is_resident(user):
        return None
    v = selectors.own_volunteer(user)
    return {
        "v": v,
        "activities": list(selectors.open_activities_near(user, v, limit=3)),
        "member_status": MemberStatus,
    }

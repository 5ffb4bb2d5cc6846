"""Pages of target management. Thin: every read goes through selectors, every write through services."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.accounts.models import actor_name
from minzheng.core import audit
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.scope import region_in_scope, scope_paths
from minzheng.regions.models import Region
from minzheng.units import selectors as unit_selectors
from minzheng.web.views.base import apply_service_error, page, paginate

from . import calculations, excel, indicators, pdf, permissions, selectors, services
from .forms import (
    CaseCloseForm,
    CaseForm,
    CaseNoteForm,
    CopyPlanForm,
    EvidenceForm,
    ImportPlanForm,
    PlanSettingsForm,
    RefreshForm,
    ReportForm,
    ReviewForm,
    TargetForm,
)
from .models import Plan, ReportedValue, SupervisionCase

targets_page = page(check=permissions.may_view)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Page parts drawn from a snapshot only change when a snapshot is rebuilt or the plan edited,
# both of which are in the cache key (selectors.cache_generation, plan.updated_at); the expiry
# only bounds what a renamed region could leave.
FRAGMENT_SECONDS = 3600


def _fragment(parts: tuple, build) -> str:
    """The HTML of a snapshot-derived page part, from the cache or built and cached."""
    key = "targets:fragment:" + hashlib.sha256(repr((*parts, get_language())).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, FRAGMENT_SECONDS)
    return mark_safe(html)


def _rows_key(rows) -> str:
    """A cache key for a part drawn from rows read live: it changes with anything the part shows."""
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def _date_param(request) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return None


def _plan_from_request(request, plans: list[Plan] | None = None) -> Plan | None:
    if request.GET.get("plan"):
        try:
            wanted = int(request.GET["plan"])
        except ValueError:
            raise NotFoundOrOutOfScope() from None
        if plans is not None:
            plan = next((p for p in plans if p.pk == wanted), None)
            if plan is None:
                raise NotFoundOrOutOfScope()
            return plan
        return selectors.get_plan(request.user, wanted)
    return selectors.default_plan(request.user, plans)


def _board(request):
    plan = _plan_from_request(request)
    if plan is None:
        return None
    code = request.GET.get("region", "")
    region = (
        selectors.visible_region(request.user, code)
        if code
        else selectors.home_region(request.user, plan)
    )
    return selectors.dashboard(request.user, plan, region, _date_param(request))


def _num(value) -> float | None:
    return float(value) if value is not None else None


def _chart_data(board) -> dict:
    return {
        "status": [
            {"key": key, "name": label, "value": count}
            for key, label, count in board.status_counts
            if count
        ],
        "sections": [
            {"name": s.title, "score": _num(s.score) if s.scored else None} for s in board.sections
        ],
        "units": [
            {
                "name": u.region.name,
                "code": u.region.code,
                "score": _num(u.score.score) if u.score and u.score.scored else None,
            }
            for u in board.units
        ],
        "trend": [{"date": d.isoformat(), "score": _num(s)} for d, s in board.score_trend],
        "labels": {"score": _("得分")},
    }


@targets_page
def dashboard(request):
    user = request.user
    generation = selectors.cache_generation()
    plans = selectors.plans_for_page(user, generation=generation)
    plan = _plan_from_request(request, plans)
    if plan is None:
        return render(
            request, "targets/empty.html", {"may_manage": permissions.may_manage_plan(user)}
        )
    code = request.GET.get("region", "")
    region = selectors.visible_region(user, code) if code else selectors.home_region(user, plan)
    on_date, dates = selectors.resolve_date(plan, _date_param(request), generation=generation)

    def build():
        board = selectors.dashboard(user, plan, region, on_date, with_cases=False)
        return render_to_string(
            "targets/partials/board.html",
            {"board": board, "chart_data": _chart_data(board)},
            request=request,
        )

    board_html = _fragment(
        ("board", plan.pk, plan.updated_at, region.pk, on_date, generation),
        build,
    )
    # The crumbs, the plans (by scope) and the snapshot dates above the board.
    head_key = repr(
        (plan.pk, plan.updated_at, region.pk, on_date, generation, selectors.scope_key(user))
    )
    query = {"plan": plan.pk, "region": region.code}
    if on_date:
        query["date"] = on_date.isoformat()
    return render(
        request,
        "targets/dashboard.html",
        {
            "plan": plan,
            "region": region,
            "on_date": on_date,
            "dates": dates,
            "board_html": board_html,
            "head_key": head_key,
            "crumbs": lambda: selectors.crumbs_for(region),
            "cases": selectors.open_cases_under(user, plan, region),
            "unit_rows": unit_selectors.board_rows(
                user, plan, region, on_date, generation=generation
            ),
            "plans": plans,
            "query": "&".join(f"{k}={v}" for k, v in query.items()),
            "may_refresh": permissions.may_refresh(user),
            "last_run": selectors.last_run() if permissions.may_refresh(user) else None,
            "refresh_form": RefreshForm(),
        },
    )


def _org_units(user, board):
    """The bureau's sections and affiliated units holding targets under the board's plan, as on
    the board (the exports show what the page shows)."""
    return unit_selectors.board_rows(user, board.plan, board.region, board.on_date)


@targets_page
def dashboard_xlsx(request):
    board = _board(request)
    if board is None:
        raise NotFoundOrOutOfScope()
    body = excel.export_dashboard_xlsx(board, org_units=_org_units(request.user, board))
    audit.record(
        "export",
        object_type="targets.dashboard",
        object_id=str(board.plan.pk),
        object_repr=f"{board.plan.title} {board.region.name}",
        region_code=board.region.code,
        note=_("导出目标考核表"),
    )
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="targets-{board.region.code}-{board.on_date or "none"}.xlsx"'
    )
    return response


@targets_page
def dashboard_pdf(request):
    board = _board(request)
    if board is None:
        raise NotFoundOrOutOfScope()
    user = request.user
    body = pdf.dashboard_pdf(
        board, generated_by=actor_name(user), org_units=_org_units(user, board)
    )
    audit.record(
        "export",
        object_type="targets.dashboard",
        object_id=str(board.plan.pk),
        object_repr=f"{board.plan.title} {board.region.name}",
        region_code=board.region.code,
        note=_("导出目标考核报告（PDF）"),
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="targets-{board.region.code}-{board.on_date or "none"}.pdf"'
    )
    return response


@targets_page
def unit_page(request):
    """A unit's own page: its targets, what it has to report, its supervision cases."""
    user = request.user
    plan = _plan_from_request(request)
    if plan is None:
        return render(
            request, "targets/empty.html", {"may_manage": permissions.may_manage_plan(user)}
        )
    region = selectors.home_region(user, plan)
    generation = selectors.cache_generation()
    on_date, _dates = selectors.resolve_date(plan, None, generation=generation)
    tasks = selectors.unit_tasks(user, plan, region, generation=generation)

    def build():
        board = selectors.dashboard(user, plan, region, on_date, with_cases=False)
        return render_to_string(
            "targets/partials/unit_targets.html", {"board": board}, request=request
        )

    return render(
        request,
        "targets/unit.html",
        {
            "plan": plan,
            "region": region,
            "on_date": on_date,
            "targets_html": _fragment(
                (
                    "unit",
                    plan.pk,
                    plan.updated_at,
                    region.pk,
                    on_date,
                    generation,
                ),
                build,
            ),
            "tasks": tasks,
            "tasks_key": _rows_key(
                (
                    t.indicator.code,
                    t.region.code,
                    [(x.pk, x.code) for x in t.targets],
                    t.last_approved
                    and (t.last_approved.pk, t.last_approved.value, t.last_approved.as_of),
                    t.pending and (t.pending.pk, t.pending.value, t.pending.as_of),
                    t.overdue,
                )
                for t in tasks
            ),
            "reviews": selectors.pending_reviews(user)[:20],
            "own_cases": [
                c
                for c in selectors.open_cases_under(user, plan, region)
                if c.region_id == region.pk or c.owner_id == user.pk
            ],
        },
    )


# ------------------------------------------------------------------------------ targets


@targets_page
def target_detail(request, pk):
    user = request.user
    generation = selectors.cache_generation()
    target = selectors.target_for_page(user, pk, generation=generation)
    on_date, _dates = selectors.resolve_date(
        target.plan, _date_param(request), generation=generation
    )

    def build():
        detail = selectors.target_detail(user, target, on_date)
        chart = {
            "unit": target.unit,
            "target": _num(target.value),
            "labels": {
                "actual": _("实际值"),
                "expected": _("按时间进度应达"),
                "target": _("目标值"),
                "target_line": _("目标 {c}"),
            },
            "history": [
                {
                    "date": e.on_date.isoformat(),
                    "value": _num(e.value),
                    "expected": _num(e.expected * target.value)
                    if target.comparison == "ge"
                    else None,
                }
                for e in detail.history
            ],
            "children": [
                {
                    "name": c.region.name,
                    "code": c.region.code,
                    "value": _num(c.value.value) if c.value else None,
                    "threshold": _num(c.threshold),
                    "lags": c.lags,
                }
                for c in detail.children
            ],
        }
        return render_to_string(
            "targets/partials/target_snapshot.html",
            {"detail": detail, "target": target, "chart": chart},
            request=request,
        )

    scope = tuple(scope_paths(user) or ("*",))
    snapshot_html = _fragment(
        (
            "target",
            target.pk,
            target.plan.updated_at,
            on_date,
            generation,
            scope,
        ),
        build,
    )
    inputs = indicators.reported_inputs(target.indicator)
    visible = region_in_scope(user, target.region)
    reports = selectors.target_reports(user, target, inputs) if visible else []
    return render(
        request,
        "targets/target_detail.html",
        {
            "target": target,
            "on_date": on_date,
            "snapshot_html": snapshot_html,
            "values_visible": visible,
            # A unit's target is split no further and reported from the unit's own page.
            "may_allocate": permissions.may_allocate(user, target) and not target.org_unit_id,
            "may_edit": permissions.may_manage_plan(user, target.plan.region),
            "may_assign_units": permissions.may_manage_plan(user, target.plan.region)
            and not target.org_unit_id
            and bool(inputs),
            "unit_shares": selectors.unit_shares(target, generation=generation) if visible else [],
            "may_supervise": permissions.may_supervise(user, target.region, target.plan),
            "may_report": permissions.may_report(user, target.region)
            and bool(inputs)
            and not target.org_unit_id,
            "reported_inputs": [indicators.get(c) for c in inputs],
            "reports": reports,
            "reports_key": _rows_key(
                (r.pk, r.as_of, r.indicator, r.value, r.status) for r in reports
            ),
            "open_case": selectors.open_case_of(user, target),
            "ancestors": lambda: _target_chain(target),
            "generation": generation,
        },
    )


def _target_chain(target):
    chain = []
    parent = target.parent
    while parent is not None:
        chain.insert(0, parent)
        parent = parent.parent
    return chain


@targets_page
def target_allocate(request, pk):
    user = request.user
    target = selectors.get_target(user, pk)
    if not permissions.may_allocate(user, target):
        raise PermissionDeniedError(_("当前账号无权分解该目标"))
    indicator = indicators.get(target.indicator)
    units = [
        u
        for u in selectors.child_units(user, target.region)
        if not u.is_zone or indicator.aggregation == indicators.RATE
    ]
    current = selectors.allocated_values(target)
    errors: list[str] = []
    values = (
        {u.code: request.POST.get(f"share_{u.code}", "") for u in units}
        if request.method == "POST"
        else {u.code: calculations.plain(current[u.pk]) if u.pk in current else "" for u in units}
    )
    if request.method == "POST":
        if request.POST.get("action") == "cascade":
            try:
                services.cascade_to_children(user=user, target=target)
            except ServiceError as exc:
                errors = [m for ms in exc.errors.values() for m in ms]
            else:
                messages.success(request, _("已按比率规则下达到全部下级单位"))
                return redirect("targets:target_detail", pk=target.pk)
        else:
            shares = [(u, values[u.code]) for u in units if values[u.code].strip()]
            try:
                services.allocate_target(user=user, target=target, shares=shares)
            except ServiceError as exc:
                errors = [m for ms in exc.errors.values() for m in ms]
            else:
                messages.success(request, _("目标已分解"))
                return redirect("targets:target_detail", pk=target.pk)
    total = sum((Decimal(v) for v in values.values() if _is_number(v)), Decimal(0))
    return render(
        request,
        "targets/target_allocate.html",
        {
            "target": target,
            "indicator": indicator,
            "rows": [(u, values[u.code], u.pk in current) for u in units],
            "errors": errors,
            "total": total,
            "is_sum": indicator.aggregation == indicators.SUM,
        },
    )


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except Exception:
        return False
    return True


@targets_page
def target_edit(request, pk):
    user = request.user
    target = selectors.get_target(user, pk)
    initial = {
        "title": target.title,
        "comparison": target.comparison,
        "value": target.value,
        "deadline": target.deadline,
        "weight": target.weight,
        "note": target.note,
        "report_frequency": target.report_frequency,
    }
    form = TargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_target(user=user, target=target, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("目标已保存"))
            return redirect("targets:target_detail", pk=target.pk)
    return render(request, "targets/target_edit.html", {"target": target, "form": form})


# ------------------------------------------------------------------------------ plans


@targets_page
def plan_list(request):
    user = request.user
    may_manage = permissions.may_manage_plan(user)
    form = ImportPlanForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDeniedError(_("当前账号无权管理目标计划"))
        if form.is_valid():
            try:
                data = excel.read_plan_xlsx(form.cleaned_data["file"].read())
                plan = services.import_plan(user=user, data=data)
            except ServiceError as exc:
                for messages_ in exc.errors.values():
                    for m in messages_:
                        form.add_error("file" if "file" in form.fields else None, m)
            else:
                messages.success(request, _("已导入计划（草稿），请核对后设为“执行中”"))
                return redirect("targets:plan_detail", pk=plan.pk)
    return render(
        request,
        "targets/plan_list.html",
        {
            "plans": selectors.plans_by_year(user),
            "may_manage": may_manage,
            "import_form": form,
        },
    )


@targets_page
def plan_detail(request, pk):
    user = request.user
    plan = selectors.get_plan(user, pk)
    may_manage = permissions.may_manage_plan(user, plan.region)
    settings_form = PlanSettingsForm(
        request.POST or None,
        initial={
            "title": plan.title,
            "status": plan.status,
            "report_frequency": plan.report_frequency,
            "report_grace_days": plan.report_grace_days,
            "pace_tolerance": plan.pace_tolerance,
            "auto_supervise": plan.auto_supervise,
            "supervision_days": plan.supervision_days,
        },
    )
    if request.method == "POST":
        if not may_manage:
            raise PermissionDeniedError(_("当前账号无权管理目标计划"))
        if settings_form.is_valid():
            try:
                services.update_plan(user=user, plan=plan, **settings_form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(settings_form, exc)
            else:
                messages.success(request, _("计划设置已保存"))
                return redirect("targets:plan_detail", pk=plan.pk)
    items, target_count = selectors.plan_outline(user, plan)
    return render(
        request,
        "targets/plan_detail.html",
        {
            "plan": plan,
            "items": items,
            "may_manage": may_manage,
            "settings_form": settings_form,
            "copy_form": CopyPlanForm(initial={"year": plan.year + 1}),
            "target_count": target_count,
        },
    )


@targets_page
@require_POST
def plan_copy(request, pk):
    user = request.user
    plan = selectors.get_plan(user, pk)
    form = CopyPlanForm(request.POST)
    if form.is_valid():
        try:
            new_plan = services.copy_plan(
                user=user,
                plan=plan,
                year=form.cleaned_data["year"],
                title=form.cleaned_data["title"],
            )
        except ServiceError as exc:
            for ms in exc.errors.values():
                for m in ms:
                    messages.error(request, m)
        else:
            messages.success(request, _("已复制为 %(title)s（草稿）") % {"title": new_plan.title})
            return redirect("targets:plan_detail", pk=new_plan.pk)
    else:
        messages.error(request, _("请填写正确的年度"))
    return redirect("targets:plan_detail", pk=plan.pk)


@targets_page
def plan_export(request, pk):
    plan = selectors.get_plan(request.user, pk)
    body = excel.export_plan_xlsx(plan)
    audit.record("export", obj=plan, note=_("导出目标计划Excel"))
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="plan-{plan.region.code}-{plan.year}.xlsx"'
    )
    return response


@targets_page
def indicator_list(request):
    rows = []
    for indicator in indicators.all_indicators():
        parts = (
            [indicators.get(c) for c in indicators.ratio_parts(indicator.code)]
            if indicator.ratio
            else []
        )
        rows.append((indicator, parts))
    return render(request, "targets/indicator_list.html", {"rows": rows})


# ------------------------------------------------------------------------------ reports


def _report_region_choices(user) -> list[tuple[str, str]]:
    return [(r.code, f"{r.name}（{r.code}）") for r in selectors.report_regions(user)]


@targets_page
def report_list(request):
    user = request.user
    plan = selectors.default_plan(user)
    tasks = selectors.unit_tasks(user, plan, selectors.home_region(user, plan)) if plan else []
    page_obj = paginate(request, selectors.reports_newest_first(user))
    return render(
        request,
        "targets/report_list.html",
        {
            "plan": plan,
            "tasks": tasks,
            "reviews": selectors.pending_reviews(user),
            "page_obj": page_obj,
            "may_report": permissions.is_writer(user) or permissions.is_platform_admin(user),
        },
    )


@targets_page
def report_submit(request):
    user = request.user
    if not (permissions.is_writer(user) or permissions.is_platform_admin(user)):
        raise PermissionDeniedError(_("当前账号为只读账号"))
    indicator_choices = [
        (i.code, f"{i.name}（{i.unit}）")
        for i in indicators.all_indicators()
        if i.kind == "reported"
    ]
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        indicator_choices=indicator_choices,
        region_choices=_report_region_choices(user),
        initial={
            "indicator": request.GET.get("indicator", ""),
            "region": request.GET.get("region", user.region.code if user.region_id else ""),
            "as_of": timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            region = selectors.visible_region(user, data["region"])
            report = services.submit_report(user=user, region=region, **form.figures())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已提交，待上一级审核"))
            return redirect("targets:report_detail", pk=report.pk)
    return render(
        request,
        "targets/report_form.html",
        {"form": form, "indicator": chosen_indicator(request, form)},
    )


def chosen_indicator(request, form):
    """The indicator a report form is for (asked in the address or posted), to show its
    definition beside the form; None before one is chosen."""
    chosen = request.GET.get("indicator") or (form.data.get("indicator") if form.is_bound else "")
    return indicators.get(chosen) if chosen and indicators.exists(chosen) else None


def report_forms(request, report):
    """The review and evidence forms of a reported value's page (a region's or a unit's), with a
    POST of either handled through the services. Returns (review_form, evidence_form, done):
    done when the POST succeeded and the caller redirects back to the page."""
    user = request.user
    posted = request.POST.get("form") if request.method == "POST" else ""
    review_form = ReviewForm(request.POST if posted == "review" else None)
    evidence_form = EvidenceForm(
        request.POST if posted == "evidence" else None,
        request.FILES if posted == "evidence" else None,
    )
    try:
        if posted == "review" and review_form.is_valid():
            services.review_report(
                user=user,
                report=report,
                approve=review_form.cleaned_data["decision"] == "approve",
                note=review_form.cleaned_data["note"],
            )
            messages.success(request, _("审核完成，数据将在下次刷新快照时计入"))
            return review_form, evidence_form, True
        if posted == "evidence" and evidence_form.is_valid():
            services.add_evidence(
                user=user, report=report, files=evidence_form.cleaned_data["files"]
            )
            messages.success(request, _("材料已上传"))
            return review_form, evidence_form, True
    except ServiceError as exc:
        apply_service_error(
            review_form if posted == "review" else evidence_form,
            exc,
            field_map={"files": "files" if posted == "evidence" else "note"},
        )
    return review_form, evidence_form, False


@targets_page
def report_detail(request, pk):
    user = request.user
    report = selectors.get_report(user, pk)
    review_form, evidence_form, done = report_forms(request, report)
    if done:
        return redirect("targets:report_detail", pk=report.pk)
    return render(
        request,
        "targets/report_detail.html",
        {
            "report": report,
            "indicator": indicators.get(report.indicator)
            if indicators.exists(report.indicator)
            else None,
            "may_review": report.status == ReportedValue.Status.SUBMITTED
            and permissions.may_review(user, report),
            "may_add_evidence": report.status == ReportedValue.Status.SUBMITTED
            and (
                report.submitted_by_id == user.pk
                or (
                    permissions.may_report_unit(user, report.org_unit)
                    if report.org_unit_id
                    else permissions.may_report(user, report.region)
                )
            ),
            "review_form": review_form,
            "evidence_form": evidence_form,
        },
    )


@targets_page
def evidence_download(request, pk):
    evidence = selectors.get_evidence(request.user, pk)
    return FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name
    )


# ------------------------------------------------------------------------------ supervision


@targets_page
def case_list(request):
    user = request.user
    status = request.GET.get("status", SupervisionCase.Status.OPEN)
    return render(
        request,
        "targets/case_list.html",
        {
            "page_obj": paginate(request, selectors.cases_by_status(user, status)),
            "status": status,
            "statuses": SupervisionCase.Status.choices,
            "today": timezone.localdate(),
        },
    )


def _owner_choices(region: Region) -> list[tuple[str, str]]:
    return [
        (str(u.pk), f"{u.get_full_name() or u.username}（{u.get_role_display()}，{u.region.name}）")
        for u in selectors.owner_candidates(region)
    ]


@targets_page
def case_open(request, target_pk):
    user = request.user
    target = selectors.get_target(user, target_pk)
    if not permissions.may_supervise(user, target.region, target.plan):
        raise PermissionDeniedError(_("应由上一级单位挂牌督办"))
    evaluation = selectors.latest_evaluation(user, target)
    reason = "behind"
    if evaluation is not None:
        reason = {"missed": "missed"}.get(
            evaluation.status,
            "report_overdue"
            if evaluation.report_overdue and evaluation.status != "behind"
            else "behind",
        )
    form = CaseForm(
        request.POST or None,
        owner_choices=_owner_choices(target.region),
        initial={
            "reason": reason,
            "title": f"{target.region.name} · {target.code} {target.title}"[:200],
            "deadline": timezone.localdate() + dt.timedelta(days=target.plan.supervision_days),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = selectors.user_by_id(data["owner"]) if data["owner"] else None
        try:
            case = services.open_case(
                user=user,
                plan=target.plan,
                region=target.region,
                reason=data["reason"],
                target=target,
                title=data["title"],
                detail=data["detail"],
                deadline=data["deadline"],
                owner=owner,
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已挂牌督办"))
            return redirect("targets:case_detail", pk=case.pk)
    return render(
        request,
        "targets/case_form.html",
        {"form": form, "target": target, "evaluation": evaluation},
    )


@targets_page
def case_detail(request, pk):
    user = request.user
    case = selectors.get_case(user, pk)
    note_form = (
        CaseNoteForm(request.POST or None) if request.POST.get("form") == "note" else CaseNoteForm()
    )
    close_form = (
        CaseCloseForm(request.POST or None)
        if request.POST.get("form") == "close"
        else CaseCloseForm()
    )
    if request.method == "POST":
        try:
            if request.POST.get("form") == "note" and note_form.is_valid():
                services.add_case_note(user=user, case=case, text=note_form.cleaned_data["text"])
                messages.success(request, _("进展已记录"))
                return redirect("targets:case_detail", pk=case.pk)
            if request.POST.get("form") == "close" and close_form.is_valid():
                services.close_case(user=user, case=case, note=close_form.cleaned_data["note"])
                messages.success(request, _("督办事项已销号"))
                return redirect("targets:case_detail", pk=case.pk)
        except ServiceError as exc:
            apply_service_error(
                note_form if request.POST.get("form") == "note" else close_form,
                exc,
                field_map={"text": "text", "note": "note"},
            )
    return render(
        request,
        "targets/case_detail.html",
        {
            "case": case,
            "notes": selectors.case_notes(case),
            "note_form": note_form,
            "close_form": close_form,
            "may_note": case.status == SupervisionCase.Status.OPEN
            and permissions.may_note_case(user, case),
            "may_close": case.status == SupervisionCase.Status.OPEN
            and permissions.may_supervise(user, case.region, case.plan),
            "overdue": case.status == SupervisionCase.Status.OPEN
            and case.deadline < timezone.localdate(),
        },
    )


@targets_page
@require_POST
def refresh_now(request):
    form = RefreshForm(request.POST)
    on_date = form.cleaned_data["date"] if form.is_valid() else None
    job = services.request_refresh(user=request.user, on_date=on_date)
    messages.info(request, _("已开始刷新指标快照"))
    return redirect(reverse("web:job_detail", args=[job.pk]))

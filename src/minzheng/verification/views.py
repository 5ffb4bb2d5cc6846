"""Pages of household economic-status verification: runs and their findings, an application's
verification report (page and PDF) with the staff decisions on each finding, and departmental
data batches. Views parse forms and call the services and selectors; every view of a report is
audited by the service it calls."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.accounts.models import Role
from minzheng.cases.models import Case
from minzheng.cases.selectors import cases_for
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.regions.services import resolve_code
from minzheng.web.views.base import page, paginate

from . import imports, pdf, rules, selectors, services
from .models import Finding, Run, SourceBatch
from .sources import DEPARTMENT_SOURCES


def _verification_staff(user) -> bool:
    return user.is_superuser or user.role in (
        Role.VERIFICATION_CENTRE,
        Role.TOWNSHIP_CLERK,
        Role.COUNTY_APPROVER,
        Role.CITY_SECTION,
        Role.ADMIN,
    )


verification_page = page(check=_verification_staff)


def _show_engine(user) -> bool:
    """The engine is a choice for those who run the verification centre, not for clerks."""
    return user.is_superuser or user.role in (Role.VERIFICATION_CENTRE, Role.ADMIN)


def _errors(request, exc: ServiceError) -> None:
    for messages_ in exc.errors.values():
        for message in messages_:
            messages.error(request, message)


def _case(user, pk: int) -> Case:
    case = cases_for(user).filter(pk=pk).first()
    if case is None:
        raise NotFoundOrOutOfScope()
    return case


@verification_page
def index(request):
    user = request.user
    runs = paginate(request, selectors.runs_for(user).order_by("-pk"))
    return render(
        request,
        "verification/index.html",
        {
            "runs": runs,
            "kinds": [(k, label) for k, label in Run.Kind.choices if k != Run.Kind.APPLICATION],
            "engines": Run.Engine.choices,
            "show_engine": _show_engine(user),
            "may_run": user.is_superuser or user.role in services.RUNNERS,
            "sources": selectors.sources_of_run(None)
            if selectors.batches_for(user).exists() or user.is_superuser
            else [],
            "may_import": user.is_superuser or user.role in services.IMPORTERS,
            "region_code": user.region.code if user.region_id else "",
        },
    )


@require_POST
@verification_page
def start_run(request):
    data = request.POST
    case_id = data.get("case_id")
    try:
        as_of = dt.date.fromisoformat(data["as_of"]) if data.get("as_of") else None
        if case_id:
            case = _case(request.user, int(case_id))
            run = services.start_run(
                user=request.user,
                kind=Run.Kind.APPLICATION,
                case=case,
                engine=data.get("engine", "duckdb"),
                as_of=as_of,
            )
            messages.success(request, _("已发起核对 %(ref)s") % {"ref": run.reference})
            return redirect("verification:case_report", case_id=case.pk)
        region = resolve_code(data.get("region_code", "").strip())
        if region is None:
            raise ServiceError({"region_code": [_("区划代码不存在")]})
        household_ids = [
            int(x)
            for x in data.get("household_ids", "").replace("，", ",").split(",")
            if x.strip().isdigit()
        ]
        run = services.start_run(
            user=request.user,
            kind=data.get("kind", ""),
            region=region,
            household_ids=household_ids,
            engine=data.get("engine", "duckdb"),
            as_of=as_of,
        )
    except (ServiceError, ValueError) as exc:
        if isinstance(exc, ServiceError):
            _errors(request, exc)
        else:
            messages.error(request, _("日期格式应为 YYYY-MM-DD"))
        if case_id and str(case_id).isdigit():
            return redirect("verification:case_report", case_id=int(case_id))
        return redirect("verification:index")
    messages.success(request, _("已发起核对 %(ref)s") % {"ref": run.reference})
    return redirect("verification:run_detail", pk=run.pk)


@verification_page
def run_detail(request, pk: int):
    run = selectors.get_run(request.user, pk)
    status, rule = request.GET.get("status", ""), request.GET.get("rule", "")
    findings = paginate(
        request, selectors.search_findings(request.user, status=status, rule=rule, run_id=run.pk)
    )
    for finding in findings:
        finding.title = rules.title(finding.rule)
        finding.text = rules.describe(finding.rule, finding.evidence)
    services.record_findings_view(
        user=request.user, scope=f"run:{run.reference}", count=len(findings.object_list)
    )
    return render(
        request,
        "verification/run_detail.html",
        {
            "run": run,
            "findings": findings,
            "summary": selectors.run_summary(run),
            "filters": {"status": status, "rule": rule},
            "statuses": Finding.Status.choices,
            "rules": [(r.code, r.title) for r in rules.RULES],
            "sources": _run_sources(run),
            "coverage": selectors.run_coverage(run),
            "show_engine": _show_engine(request.user),
        },
    )


@verification_page
def run_status(request, pk: int):
    """Polled by the run and report pages while a run is queued or running; once it has
    finished the page reloads itself to show the findings and the conclusion."""
    run = selectors.get_run(request.user, pk)
    if run.status not in (Run.Status.QUEUED, Run.Status.RUNNING):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "verification/partials/run_status.html",
        {"run": run, "link": request.GET.get("link") == "1"},
    )


def _run_sources(run: Run) -> list[dict]:
    if run.status != Run.Status.SUCCEEDED:
        return []
    required = {
        code
        for c in (run.coverage or {}).get("programmes", {}).values()
        for code in c.get("required", [])
    }
    return selectors.sources_of_run(run, required)


@verification_page
def case_report(request, case_id: int):
    case = _case(request.user, case_id)
    report = selectors.case_report(request.user, case)
    services.record_report_view(user=request.user, case=case, fmt="page")
    user = request.user
    return render(
        request,
        "verification/case_report.html",
        report
        | {
            "may_run": user.is_superuser or user.role in services.RUNNERS,
            "may_review": user.is_superuser or user.role in services.REVIEWERS,
            "may_conclude": (user.is_superuser or user.role in services.CONCLUDERS)
            and case.state == "verifying",
            "engines": Run.Engine.choices,
            "show_engine": _show_engine(user),
            "statuses": [
                (Finding.Status.EXPLAINED, Finding.Status.EXPLAINED.label),
                (Finding.Status.CONFIRMED, Finding.Status.CONFIRMED.label),
            ],
        },
    )


@verification_page
def case_report_pdf(request, case_id: int):
    case = _case(request.user, case_id)
    report = selectors.case_report(request.user, case)
    services.record_report_view(user=request.user, case=case, fmt="pdf")
    response = HttpResponse(pdf.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="verification-{case.number}.pdf"'
    return response


@require_POST
@verification_page
def conclude(request, case_id: int):
    case = _case(request.user, case_id)
    try:
        case = services.conclude_case(user=request.user, case=case)
    except ServiceError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("已作出核对结论：%(state)s") % {"state": case.get_state_display()}
        )
    return redirect("verification:case_report", case_id=case.pk)


@verification_page
def finding_detail(request, pk: int):
    finding = selectors.get_finding(request.user, pk)
    services.record_findings_view(user=request.user, scope=f"finding:{finding.pk}", count=1)
    return render(
        request,
        "verification/finding_detail.html",
        {
            "finding": finding,
            "title": rules.title(finding.rule),
            "text": rules.describe(finding.rule, finding.evidence),
            "row": selectors.source_row(finding.batch, finding.row),
            "may_review": request.user.is_superuser or request.user.role in services.REVIEWERS,
            "statuses": [
                (Finding.Status.EXPLAINED, Finding.Status.EXPLAINED.label),
                (Finding.Status.CONFIRMED, Finding.Status.CONFIRMED.label),
            ],
        },
    )


@require_POST
@verification_page
def finding_status(request, pk: int):
    finding = selectors.get_finding(request.user, pk)
    try:
        services.set_finding_status(
            user=request.user,
            finding=finding,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已记录处理结果"))
    if request.POST.get("next") == "case" and finding.case_id:
        return redirect("verification:case_report", case_id=finding.case_id)
    return redirect("verification:finding_detail", pk=finding.pk)


@verification_page
def batch_list(request):
    batches = paginate(request, selectors.batches_for(request.user).order_by("-pk"))
    return render(
        request,
        "verification/batch_list.html",
        {
            "batches": batches,
            "sources": DEPARTMENT_SOURCES,
            "modes": SourceBatch.Mode.choices,
            "may_import": request.user.is_superuser or request.user.role in services.IMPORTERS,
        },
    )


@require_POST
@verification_page
def batch_import(request):
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ServiceError({"file": [_("请选择文件")]})
        try:
            as_of = dt.date.fromisoformat(request.POST.get("as_of", ""))
        except ValueError:
            raise ServiceError({"as_of": [_("请填写数据截止日期（YYYY-MM-DD）")]}) from None
        job = services.start_import(
            user=request.user,
            source=request.POST.get("source", ""),
            uploaded=upload,
            original_name=upload.name,
            as_of=as_of,
            provider=request.POST.get("provider", ""),
            mode=request.POST.get("mode", SourceBatch.Mode.GOOD_ROWS),
        )
    except ServiceError as exc:
        _errors(request, exc)
        return redirect("verification:batch_list")
    return redirect("web:job_detail", job_id=job.pk)


@verification_page
def batch_detail(request, pk: int):
    batch = selectors.batches_for(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404()
    return render(request, "verification/batch_detail.html", {"batch": batch})


@verification_page
def batch_errors(request, pk: int):
    batch = selectors.batches_for(request.user).filter(pk=pk).first()
    if batch is None or not batch.error_report:
        raise Http404()
    path = imports.batch_path(SourceBatch(path=batch.error_report))
    return FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=f"batch-{batch.pk}-errors.csv",
        content_type="text/csv",
    )

"""Pages of household economic-status verification: runs and their findings, an application's
verification report (page and PDF) with the staff decisions on each finding, and departmental
data batches. Views parse forms and call the services and selectors; every view of a report is
audited by the service it calls."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.accounts.models import Role
from minzheng.cases.models import Case
from minzheng.cases.selectors import cases_for
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.regions.services import resolve_code
from minzheng.web.views.base import page, paginate

from . import adapters, exchange, imports, pdf, rules, selectors, services
from .models import DepartmentRequest, DepartmentToken, Finding, Run, SourceAdapter, SourceBatch
from .sources import DEPARTMENT_SOURCES, SOURCE_CODES


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
                exchange=data.get("exchange") == "1",
            )
            messages.success(request, _("已发起核对 %(ref)s") % {"ref": run.reference})
            if run.status == Run.Status.AWAITING:
                return redirect("verification:run_detail", pk=run.pk)
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
            exchange=data.get("exchange") == "1",
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
            "requests": _request_rows(selectors.requests_for(request.user).filter(run=run)),
            "exchange_state": exchange.run_exchange_state(run),
            "may_exchange": _may_exchange(request.user),
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


# --------------------------------------------------------------------------------------------
# Departmental exchange


def _may_exchange(user) -> bool:
    return user.is_superuser or user.role in exchange.EXCHANGE_STAFF


def _may_configure(user) -> bool:
    return user.is_superuser or user.role in exchange.ADAPTER_ADMINS


def _request_rows(requests, today=None, *, by_source: bool = True) -> list:
    rows = []
    for request in requests:
        request.state = exchange.state_of(request, today)
        request.state_text = exchange.state_label(request.state)
        request.adapter_info = adapters.get(request.adapter)
        rows.append(request)
    if not by_source:
        return rows
    return sorted(rows, key=lambda r: (r.run_id, SOURCE_CODES.index(r.source)))


def _back(request, row):
    if request.POST.get("next") == "exchange":
        return redirect("verification:exchange")
    return redirect(f"{reverse('verification:run_detail', args=[row.run_id])}#requests")


@verification_page
def request_file(request, pk: int):
    if not _may_exchange(request.user):
        raise NotFoundOrOutOfScope()
    row = selectors.get_request(request.user, pk)
    people = exchange.request_people(row.run)
    data = exchange.request_file(row, people)
    exchange.record_people_read(
        request=row, count=len(exchange.rows_for(row.source, people)), channel="xlsx"
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{row.reference}.xlsx"'
    return response


@require_POST
@verification_page
def request_send(request, pk: int):
    row = selectors.get_request(request.user, pk)
    try:
        row, job = exchange.send(user=request.user, request=row)
    except ServiceError as exc:
        _errors(request, exc)
    except PermissionDeniedError as exc:
        messages.error(request, str(exc))
    else:
        if job is not None:
            return redirect("web:job_detail", job_id=job.pk)
        messages.success(
            request, _("已记录重新发送：%(source)s") % {"source": row.get_source_display()}
        )
    return _back(request, row)


@require_POST
@verification_page
def request_reply(request, pk: int):
    row = selectors.get_request(request.user, pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ServiceError({"file": [_("请选择部门回复文件")]})
        job = exchange.start_reply_upload(
            user=request.user, request=row, uploaded=upload, original_name=upload.name
        )
    except ServiceError as exc:
        _errors(request, exc)
    except PermissionDeniedError as exc:
        messages.error(request, str(exc))
    else:
        return redirect("web:job_detail", job_id=job.pk)
    return _back(request, row)


@require_POST
@verification_page
def request_no_reply(request, pk: int):
    row = selectors.get_request(request.user, pk)
    try:
        exchange.mark_no_reply(user=request.user, request=row, note=request.POST.get("note", ""))
    except ServiceError as exc:
        _errors(request, exc)
    except PermissionDeniedError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("已记录%(source)s未回复") % {"source": row.get_source_display()}
        )
    return _back(request, row)


@verification_page
def exchange_page(request, issued=None):
    user = request.user
    if not (_may_exchange(user) or user.role == Role.CITY_SECTION):
        raise NotFoundOrOutOfScope()
    state = request.GET.get("state", "open")
    qs = selectors.requests_for(user).order_by("due_on", "run_id", "source")
    if state == "open":
        qs = qs.filter(status=DepartmentRequest.Status.AWAITING)
    elif state == "overdue":
        qs = selectors.overdue_requests(user)
    page_obj = paginate(request, qs)
    page_obj.object_list = _request_rows(page_obj.object_list, by_source=False)
    configured = {a.source: a for a in SourceAdapter.objects.all()}
    return render(
        request,
        "verification/exchange.html",
        {
            "requests": page_obj,
            "state": state,
            "may_exchange": _may_exchange(user),
            "may_configure": _may_configure(user),
            "adapters": [
                {
                    "source": s,
                    "config": configured.get(s.code),
                    "adapter": adapters.get(
                        configured[s.code].kind if s.code in configured else "file"
                    ),
                }
                for s in DEPARTMENT_SOURCES
            ],
            "kinds": adapters.kinds(),
            "tokens": DepartmentToken.objects.all() if _may_configure(user) else [],
            "issued": issued,
        },
    )


@require_POST
@verification_page
def adapter_save(request, source: str):
    try:
        exchange.configure_adapter(
            user=request.user,
            source=source,
            kind=request.POST.get("kind", ""),
            url=request.POST.get("url", ""),
            token=request.POST.get("token", ""),
            timeout=int(request.POST.get("timeout") or 30),
        )
    except ServiceError as exc:
        _errors(request, exc)
    except PermissionDeniedError as exc:
        messages.error(request, str(exc))
    except ValueError:
        messages.error(request, _("超时应为 1 到 600 秒"))
    else:
        messages.success(request, _("已保存交换方式"))
    return redirect(f"{reverse('verification:exchange')}#adapters")


@require_POST
@verification_page
def token_issue(request):
    try:
        token, secret = exchange.issue_token(
            user=request.user,
            source=request.POST.get("source", ""),
            name=request.POST.get("name", ""),
        )
    except ServiceError as exc:
        _errors(request, exc)
    except PermissionDeniedError as exc:
        messages.error(request, str(exc))
    else:
        # Shown on this response only: the platform keeps its hash.
        return exchange_page.__wrapped__(request, issued={"token": token, "secret": secret})
    return redirect(f"{reverse('verification:exchange')}#tokens")


@require_POST
@verification_page
def token_revoke(request, pk: int):
    token = DepartmentToken.objects.filter(pk=pk).first()
    if token is None:
        raise Http404()
    try:
        exchange.revoke_token(user=request.user, token=token)
    except ServiceError as exc:
        _errors(request, exc)
    except PermissionDeniedError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已吊销令牌 %(prefix)s…") % {"prefix": token.prefix})
    return redirect(f"{reverse('verification:exchange')}#tokens")

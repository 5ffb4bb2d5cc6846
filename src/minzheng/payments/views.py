"""Pages of entitlements, payrolls, reviews and the standards simulator. Views parse the request
and call the same services and selectors as the API; errors come back as messages next to the
form that caused them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.accounts.models import Role
from minzheng.assistance.params import PROGRAMMES, REGISTRY
from minzheng.core import audit
from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent, Job
from minzheng.core.money import yuan_str, yuan_to_fen
from minzheng.regions.models import Region
from minzheng.regions.selectors import get_region, regions_for
from minzheng.web.views.base import page, paginate

from . import backpay, months, oneoff, payroll, recompute, recovery, selectors, services
from .models import (
    Entitlement,
    Handover,
    OneOffBatch,
    OneOffItem,
    OneOffPayable,
    Overpayment,
    PayrollLine,
    PayrollRun,
    Review,
)
from .params import ENTITLEMENT_WRITERS, PAYROLL_ROLES

MONTHLY_PROGRAMMES = [(p.code, p.name) for p in PROGRAMMES if p.kind == "monthly"]


def _staff(user) -> bool:
    return user.is_superuser or user.is_staff_role


staff_page = page(check=_staff)


def may_change_entitlements(user) -> bool:
    return bool(user.is_superuser or (user.role in ENTITLEMENT_WRITERS and user.can_write))


def may_run_payrolls(user) -> bool:
    return bool(user.is_superuser or (user.role in PAYROLL_ROLES and user.can_write))


def may_see_payrolls(user) -> bool:
    """Staff whose regions cover whole counties (county, city, platform-wide)."""
    if not (user.is_authenticated and _staff(user)):
        return False
    if user.region_id is None:
        return user.is_superuser or user.role == "admin"
    return user.region.level in (Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY)


def _report(request, exc: ServiceError, labels: dict | None = None) -> None:
    labels = labels or {}
    for field, errors in exc.errors.items():
        prefix = labels.get(field, "")
        for message in errors:
            messages.error(request, f"{prefix}：{message}" if prefix else message)


def _amount(text: str) -> int:
    try:
        return yuan_to_fen(Decimal((text or "").strip()))
    except (InvalidOperation, ValueError):
        raise ServiceError({"amount": [_("金额应为数字，最多两位小数")]}) from None


# ---------------------------------------------------------------- entitlements


@page(
    check=lambda user: user.role == Role.RESIDENT,
    message=gettext_lazy("此页面供居民查看本人家庭的待遇"),
)
def mine(request):
    """A resident's own household: what it receives, and the last payments."""
    entitlements = list(
        selectors.entitlements_for(request.user).order_by("programme", "-start_month")
    )
    lines = PayrollLine.objects.filter(entitlement__in=[e.pk for e in entitlements]).order_by(
        "-month", "-attempt", "id"
    )[:24]
    return render(request, "payments/mine.html", {"entitlements": entitlements, "lines": lines})


@staff_page
def entitlement_list(request):
    user = request.user
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "programme", "q", "region")}
    qs = selectors.search_entitlements(
        user,
        status=filters["status"],
        programme=filters["programme"],
        region_code=filters["region"],
        query=filters["q"],
    ).order_by("-id")
    return render(
        request,
        "payments/entitlement_list.html",
        {
            "page_obj": paginate(request, qs),
            "filters": filters,
            "statuses": Entitlement.Status.choices,
            "programmes": MONTHLY_PROGRAMMES,
        },
    )


@staff_page
def entitlement_detail(request, pk):
    user = request.user
    entitlement = selectors.get_entitlement(user, pk)
    today = timezone.localdate()
    return render(
        request,
        "payments/entitlement_detail.html",
        {
            "e": entitlement,
            "changes": selectors.changes_of(entitlement)[:100],
            "lines": selectors.lines_of_entitlement(entitlement)[:36],
            "reviews": entitlement.reviews.order_by("-id")[:10],
            "open_review": selectors.open_review(entitlement),
            "overpayments": entitlement.overpayments.all(),
            "may_change": may_change_entitlements(user),
            "last_month_default": months.label(months.month_start(today)),
            "next_month": months.label(months.next_month(today)),
            "review_classes": Entitlement.ReviewClass.choices,
        },
    )


@require_POST
@staff_page
def entitlement_action(request, pk, action):
    user = request.user
    entitlement = selectors.get_entitlement(user, pk)
    post = request.POST
    reason = post.get("reason", "")
    try:
        if action == "suspend":
            services.suspend_entitlement(user=user, entitlement=entitlement, reason=reason)
            messages.success(request, _("已暂停发放"))
        elif action == "resume":
            services.resume_entitlement(user=user, entitlement=entitlement, reason=reason)
            messages.success(request, _("已恢复发放"))
        elif action == "change":
            services.change_amount(
                user=user,
                entitlement=entitlement,
                amount_fen=_amount(post.get("amount", "")),
                from_month=post.get("from_month", ""),
                reason=reason,
            )
            messages.success(request, _("金额已调整"))
        elif action == "terminate":
            services.terminate_entitlement(
                user=user,
                entitlement=entitlement,
                last_month=post.get("last_month", ""),
                reason=reason,
            )
            messages.success(request, _("已终止发放"))
        elif action == "review_class":
            services.set_review_class(
                user=user,
                entitlement=entitlement,
                review_class=post.get("review_class", ""),
                reason=reason,
            )
            messages.success(request, _("复核类别已修改"))
        elif action == "review":
            review = services.start_review(user=user, entitlement=entitlement)
            return redirect("payments:review_detail", pk=review.pk)
        else:
            raise ServiceError({"action": [_("未知操作")]})
    except ServiceError as exc:
        _report(
            request,
            exc,
            {
                "reason": _("原因"),
                "amount": _("金额"),
                "from_month": _("起始月份"),
                "last_month": _("最后发放月份"),
            },
        )
    return redirect("payments:entitlement_detail", pk=entitlement.pk)


# ---------------------------------------------------------------- reviews


@staff_page
def review_list(request):
    user = request.user
    on = timezone.localdate()
    return render(
        request,
        "payments/review_list.html",
        {
            "page_obj": paginate(request, selectors.due_reviews_for(user, on)),
            "on": on,
            "open_reviews": selectors.reviews_for(user)
            .filter(status=Review.Status.PROPOSED)
            .order_by("-id")[:50],
        },
    )


@staff_page
def review_detail(request, pk):
    review = selectors.get_review(request.user, pk)
    return render(
        request,
        "payments/review_detail.html",
        {
            "review": review,
            "e": review.entitlement,
            "may_change": may_change_entitlements(request.user),
        },
    )


@require_POST
@staff_page
def review_confirm(request, pk):
    review = selectors.get_review(request.user, pk)
    accept = request.POST.get("decision") == "accept"
    try:
        services.confirm_review(
            user=request.user, review=review, accept=accept, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        _report(request, exc, {"reason": _("意见")})
        return redirect("payments:review_detail", pk=review.pk)
    messages.success(request, _("复核建议已确认") if accept else _("已记录不采纳的意见"))
    return redirect("payments:entitlement_detail", pk=review.entitlement_id)


# ---------------------------------------------------------------- payrolls


def _payroll_page(view):
    def check(user):
        return may_see_payrolls(user)

    return page(check=check, message=gettext_lazy("只有县级及以上工作人员可以查看月度发放"))(view)


@_payroll_page
def payroll_list(request):
    user = request.user
    today = timezone.localdate()
    return render(
        request,
        "payments/payroll_list.html",
        {
            "page_obj": paginate(request, selectors.runs_for(user)),
            "counties": selectors.counties_for(user).order_by("code"),
            "may_run": may_run_payrolls(user),
            "default_month": months.label(months.month_start(today)),
            "overpayments": selectors.overpayments_for(user)
            .filter(status="open")
            .order_by("-id")[:50],
        },
    )


@require_POST
@_payroll_page
def payroll_create(request):
    user = request.user
    county = selectors.counties_for(user).filter(code=request.POST.get("county", "")).first()
    try:
        if county is None:
            raise ServiceError({"county": [_("请选择县（市、区）")]})
        month = _future_month(request.POST.get("month", ""))
        if month is not None and request.POST.get("confirm_future") != "1":
            # Paying ahead is rare and easy to do by mistake (a mistyped year): say so, ask again.
            return render(
                request,
                "payments/payroll_confirm_future.html",
                {
                    "county": county,
                    "month": month,
                    "current": months.month_start(timezone.localdate()),
                },
            )
        run = payroll.create_run(user=user, county=county, month=request.POST.get("month", ""))
        if run.status in (PayrollRun.Status.DRAFT, PayrollRun.Status.COMPUTED):
            payroll.start_compute(user=user, run=run)
    except ServiceError as exc:
        _report(request, exc, {"county": _("县（市、区）"), "month": _("发放月份")})
        return redirect("payments:payroll_list")
    return redirect("payments:payroll_detail", pk=run.pk)


def _future_month(text: str) -> dt.date | None:
    """The month asked for if it lies after the current month; None otherwise (or if unreadable,
    which the service reports)."""
    try:
        month = months.parse(text)
    except ValueError:
        return None
    return month if month > months.month_start(timezone.localdate()) else None


@require_POST
@_payroll_page
def scan_deaths(request):
    from minzheng.core import jobs

    user = request.user
    if not may_run_payrolls(user):
        raise PermissionDenied(_("只有县级审批人员或系统管理员可以发起死亡人员核查"))
    job = jobs.enqueue("payments.scan_deaths", user=user, region=user.region)
    messages.success(request, _("已开始核查死亡人员"))
    return redirect("web:job_detail", job_id=job.pk)


def _run_context(request, run: PayrollRun) -> dict:
    job = Job.objects.filter(pk=run.job_id).first() if run.job_id else None
    active = job is not None and job.status in (Job.Status.QUEUED, Job.Status.RUNNING)
    return {"run": run, "job": job, "active": active, "may_run": may_run_payrolls(request.user)}


@_payroll_page
def payroll_detail(request, pk):
    run = selectors.get_run(request.user, pk)
    status = request.GET.get("status", "")
    lines = selectors.lines_of(run)
    if status:
        lines = lines.filter(status=status)
    context = _run_context(request, run) | {
        "page_obj": paginate(request, lines, per_page=50),
        "status": status,
        "line_statuses": PayrollLine.Status.choices,
        "returns": run.returns.all()[:20],
        "back_pay": backpay.back_pay_of(run),
        "back_pay_households": backpay.back_pay_by_household(run),
        "deductions": selectors.deductions_of(run),
        "missing_accounts": run.lines.filter(account_masked="").count(),
    }
    return render(request, "payments/payroll_detail.html", context)


@_payroll_page
def payroll_progress(request, pk):
    """The HTMX fragment polled while the run is being computed."""
    run = selectors.get_run(request.user, pk)
    context = _run_context(request, run)
    response = render(request, "payments/_payroll_progress.html", context)
    if request.htmx and not context["active"] and request.GET.get("was") == "active":
        response["HX-Refresh"] = "true"  # computation finished: show the new lines and totals
    return response


def _import_returns(request, importer) -> None:
    """The bank's return file of a payroll run or a one-off batch, imported with `importer`
    (file_name=, content=); the counts become the page's message."""
    upload = request.FILES.get("file")
    if upload is None:
        raise ServiceError({"file": [_("请选择回盘文件")]})
    result = importer(file_name=upload.name, content=upload.read())
    messages.success(
        request,
        _("回盘已导入：成功 %(p)s 笔，失败 %(f)s 笔，此前已确认 %(u)s 笔，有误 %(e)s 行")
        % {"p": result.paid, "f": result.failed, "u": result.unchanged, "e": result.errors},
    )


def _attachment(body: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@_payroll_page
def payroll_action(request, pk, action):
    user = request.user
    run = selectors.get_run(user, pk)
    try:
        if action == "compute":
            payroll.start_compute(user=user, run=run)
            messages.success(request, _("已开始计算"))
        elif action == "approve":
            payroll.approve_payroll(user=user, run=run)
            messages.success(request, _("已审核，可以导出银行文件"))
        elif action == "returns":
            _import_returns(
                request, lambda **file: payroll.import_bank_return(user=user, run=run, **file)
            )
        else:
            raise ServiceError({"action": [_("未知操作")]})
    except ServiceError as exc:
        _report(request, exc, {"file": _("回盘文件")})
    return redirect("payments:payroll_detail", pk=run.pk)


@require_POST
@_payroll_page
def payroll_export(request, pk, fmt):
    run = selectors.get_run(request.user, pk)
    try:
        body, name, content_type = payroll.export_payroll(user=request.user, run=run, fmt=fmt)
    except ServiceError as exc:
        _report(request, exc)
        return redirect("payments:payroll_detail", pk=run.pk)
    return _attachment(body, name, content_type)


# ---------------------------------------------------------------- simulator


def _simulator_page(view):
    return page(
        check=recompute.may_simulate, message=gettext_lazy("当前账号无权使用救助标准调整测算")
    )(view)


def _param_choices() -> list[dict]:
    return [
        {
            "programme": code,
            "programme_name": gettext(name),
            "keys": [
                {"key": spec.key, "label": str(spec.label), "unit": spec.unit}
                for spec in REGISTRY.get(code, {}).values()
                if spec.unit in ("fen_month", "fen_year", "fen", "ratio", "count", "years")
            ],
        }
        for code, name in MONTHLY_PROGRAMMES
    ]


@_simulator_page
def simulator(request):
    user = request.user
    form = {
        "programme": request.GET.get("programme", "dibao_urban"),
        "key": request.GET.get("key", "standard"),
        "region": request.GET.get("region", user.region.code if user.region_id else "420800"),
        "value": request.GET.get("value", ""),
        "effective_from": request.GET.get("effective_from", ""),
    }
    context = {
        "form": form,
        "params": _param_choices(),
        "regions": _simulator_regions(user),
        "result": None,
        "current": _current_standard(user, form),
    }
    missing = [
        label
        for field, label in (("value", _("新数值")), ("effective_from", _("生效日期")))
        if not form[field]
    ]
    if len(missing) == 1:
        # Half a form used to show nothing at all; say what is still needed.
        messages.error(
            request, _("请填写%(fields)s后再测算") % {"fields": "、".join(str(m) for m in missing)}
        )
    if form["value"] and form["effective_from"]:
        try:
            try:
                effective_from = dt.date.fromisoformat(form["effective_from"])
            except ValueError:
                raise ServiceError({"effective_from": [_("生效日期无效")]}) from None
            region = get_region(user, form["region"])
            result = recompute.simulate_standard_change(
                user=user,
                programme=form["programme"],
                key=form["key"],
                region=region,
                value=form["value"],
                effective_from=effective_from,
            )
        except ServiceError as exc:
            _report(
                request,
                exc,
                {
                    "value": _("新数值"),
                    "effective_from": _("生效日期"),
                    "key": _("参数"),
                    "programme": _("救助项目"),
                },
            )
        else:
            context["result"] = result
            context["chart"] = {
                "counties": [row["name"] for row in result["counties"]],
                "before": [yuan_str(row["monthly_before"]) for row in result["counties"]],
                "after": [yuan_str(row["monthly_after"]) for row in result["counties"]],
                "labels": {
                    "before": _("调整前月支出（元）"),
                    "after": _("调整后月支出（元）"),
                    "unit": _("元"),
                },
            }
            context["may_apply"] = _may_set_standards(user)
    return render(request, "payments/simulator.html", context)


def _current_standard(user, form: dict) -> str:
    """The parameter's value in force today for the chosen region, with its unit, or a note that
    none is set."""
    from minzheng.assistance.params import Unit, spec_for
    from minzheng.assistance.selectors import standard_in_force

    region = regions_for(user).filter(code=form["region"]).first()
    spec = spec_for(form["programme"], form["key"])
    if region is None or spec is None:
        return ""
    resolved = standard_in_force(form["programme"], form["key"], region, timezone.localdate())
    if resolved is None or resolved.value is None:
        return _("尚未设定")
    return f"{resolved.display()} {Unit.LABELS[spec.unit]}"


def _may_set_standards(user) -> bool:
    from minzheng.assistance.services import can_set_standards

    return can_set_standards(user)


def _simulator_regions(user) -> list[Region]:
    return list(
        regions_for(user)
        .filter(level__in=[Region.Level.CITY, Region.Level.COUNTY, Region.Level.ZONE])
        .order_by("code")
    )


@require_POST
@_simulator_page
def simulator_apply(request):
    user = request.user
    post = request.POST
    try:
        try:
            effective_from = dt.date.fromisoformat(post.get("effective_from", ""))
        except ValueError:
            raise ServiceError({"effective_from": [_("生效日期无效")]}) from None
        region = get_region(user, post.get("region", ""))
        standard, job = recompute.apply_standard_change(
            user=user,
            programme=post.get("programme", ""),
            key=post.get("key", ""),
            region=region,
            effective_from=effective_from,
            value=post.get("value", ""),
            reason=post.get("reason", ""),
        )
    except ServiceError as exc:
        _report(request, exc, {"reason": _("调整原因"), "value": _("新数值")})
        query = urlencode(
            {k: post.get(k, "") for k in ("programme", "key", "region", "value", "effective_from")}
        )
        return redirect(f"{reverse('payments:simulator')}?{query}")
    messages.success(request, _("新标准已生效登记，正在按新标准重算待遇"))
    return redirect("web:job_detail", job_id=job.pk)


# ---------------------------------------------------------------- one-off payments


def may_build_batches(user) -> bool:
    return may_run_payrolls(user) and may_see_payrolls(user)


def _oneoff_batch_page(view):
    return page(check=may_see_payrolls, message=gettext_lazy("一次性救助发放批次由县级办理"))(view)


@staff_page
def oneoff_payables(request):
    """Decided one-off amounts in the user's regions, by status; the county builds batches here."""
    user = request.user
    status = request.GET.get("status", "")
    qs = selectors.payables_for(user).order_by("-id")
    if status in OneOffPayable.Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    counties = list(selectors.counties_for(user).order_by("code")) if may_see_payrolls(user) else []
    return render(
        request,
        "payments/oneoff_payables.html",
        {
            "page_obj": paginate(request, qs, per_page=50),
            "status": status,
            "statuses": OneOffPayable.Status.choices,
            "may_build": may_build_batches(user),
            "counties": [{"region": c, **selectors.pending_summary(user, c)} for c in counties],
            "batches": selectors.batches_for(user)[:20] if may_see_payrolls(user) else [],
            "default_date": timezone.localdate().isoformat(),
        },
    )


@staff_page
def oneoff_handover_evidence(request, pk):
    """The recipient's signature or photo of a cash / in-kind handover, decrypted for a user who
    may see the payable; every opening is audited."""
    payable = selectors.get_payable(request.user, pk)
    handover = getattr(payable, "handover", None)
    if handover is None or not handover.evidence:
        raise Http404()
    audit.record(
        AuditEvent.Action.VIEW,
        obj=handover,
        region_code=payable.audit_region_code,
        note=gettext("查看现金和实物发放的签字或照片"),
    )
    extension = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
    response = FileResponse(handover.evidence.open("rb"), content_type=handover.evidence_type)
    name = f"handover-{handover.pk}{extension.get(handover.evidence_type, '')}"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@staff_page
def oneoff_payable(request, pk):
    payable = selectors.get_payable(request.user, pk)
    return render(
        request,
        "payments/oneoff_payable.html",
        {
            "payable": payable,
            "items": payable.items.select_related("batch").order_by("id"),
            "handover": getattr(payable, "handover", None)
            if payable.status in ("cash", "in_kind")
            else None,
            "may_hand_over": payable.status in ("pending", "failed")
            and oneoff.may_record_handover(request.user, payable),
            "kinds": Handover.Kind.choices,
            "today": timezone.localdate().isoformat(),
            "form": {},
        },
    )


@require_POST
@staff_page
def oneoff_handover(request, pk):
    user = request.user
    payable = selectors.get_payable(user, pk)
    data = request.POST
    try:
        kind = data.get("kind", "")
        amount_fen = _amount(data.get("amount", "")) if kind == "cash" else None
        try:
            handed_on = dt.date.fromisoformat(data.get("handed_on", ""))
        except ValueError:
            raise ServiceError({"handed_on": [_("请填写发放日期")]}) from None
        oneoff.record_handover(
            user=user,
            payable=payable,
            kind=kind,
            recipient_name=data.get("recipient_name", "")[:200],
            handed_by_name=data.get("handed_by_name", "")[:200],
            handed_on=handed_on,
            amount_fen=amount_fen,
            items=data.get("items", "")[:1000],
            evidence=request.FILES.get("evidence"),
        )
        messages.success(request, _("已登记发放"))
    except ServiceError as exc:
        _report(
            request,
            exc,
            {
                "kind": _("发放方式"),
                "amount": _("现金金额"),
                "amount_fen": _("现金金额"),
                "items": _("实物名称和数量"),
                "recipient_name": _("领取人"),
                "handed_by_name": _("发放人"),
                "handed_on": _("发放日期"),
                "evidence": _("签字或照片"),
            },
        )
    return redirect("payments:oneoff_payable", pk=payable.pk)


@require_POST
@_oneoff_batch_page
def oneoff_batch_create(request):
    user = request.user
    county = selectors.counties_for(user).filter(code=request.POST.get("county", "")).first()
    try:
        if county is None:
            raise ServiceError({"county": [_("请选择县（市、区）")]})
        batch = oneoff.create_batch(
            user=user, county=county, pay_date=request.POST.get("pay_date", "")
        )
        if batch.status in oneoff.OPEN_BATCH:
            oneoff.start_fill(user=user, batch=batch)
    except ServiceError as exc:
        _report(request, exc, {"county": _("县（市、区）"), "pay_date": _("发放日期")})
        return redirect("payments:oneoff_payables")
    return redirect("payments:oneoff_batch", pk=batch.pk)


def _batch_context(request, batch: OneOffBatch) -> dict:
    job = Job.objects.filter(pk=batch.job_id).first() if batch.job_id else None
    active = job is not None and job.status in (Job.Status.QUEUED, Job.Status.RUNNING)
    return {
        "batch": batch,
        "job": job,
        "active": active,
        "may_run": may_run_payrolls(request.user),
    }


@_oneoff_batch_page
def oneoff_batch(request, pk):
    batch = selectors.get_batch(request.user, pk)
    status = request.GET.get("status", "")
    items = selectors.items_of(batch)
    if status in OneOffItem.Status.values:
        items = items.filter(status=status)
    else:
        status = ""
    context = _batch_context(request, batch) | {
        "page_obj": paginate(request, items, per_page=50),
        "status": status,
        "item_statuses": OneOffItem.Status.choices,
        "townships": oneoff.township_breakdown(batch),
        "returns": batch.returns.all()[:20],
        "missing_accounts": batch.items.filter(account_masked="").count(),
    }
    return render(request, "payments/oneoff_batch.html", context)


@_oneoff_batch_page
def oneoff_batch_progress(request, pk):
    """The HTMX fragment polled while the batch is being built."""
    batch = selectors.get_batch(request.user, pk)
    context = _batch_context(request, batch)
    response = render(request, "payments/_oneoff_progress.html", context)
    if request.htmx and not context["active"] and request.GET.get("was") == "active":
        response["HX-Refresh"] = "true"  # built: show the items and the breakdown
    return response


@require_POST
@_oneoff_batch_page
def oneoff_batch_action(request, pk, action):
    user = request.user
    batch = selectors.get_batch(user, pk)
    try:
        if action == "fill":
            oneoff.start_fill(user=user, batch=batch)
            messages.success(request, _("已开始编制"))
        elif action == "approve":
            oneoff.approve_batch(user=user, batch=batch)
            messages.success(request, _("已审核，可以导出银行文件"))
        elif action == "returns":
            _import_returns(
                request, lambda **file: oneoff.import_returns(user=user, batch=batch, **file)
            )
        else:
            raise ServiceError({"action": [_("未知操作")]})
    except ServiceError as exc:
        _report(request, exc, {"file": _("回盘文件")})
    return redirect("payments:oneoff_batch", pk=batch.pk)


@require_POST
@_oneoff_batch_page
def oneoff_batch_export(request, pk, fmt):
    batch = selectors.get_batch(request.user, pk)
    try:
        body, name, content_type = oneoff.export_batch(user=request.user, batch=batch, fmt=fmt)
    except ServiceError as exc:
        _report(request, exc)
        return redirect("payments:oneoff_batch", pk=batch.pk)
    return _attachment(body, name, content_type)


# ---------------------------------------------------------------- recovery of overpayments


def _recovery_page(view):
    return page(
        check=may_see_payrolls, message=gettext_lazy("只有县级及以上工作人员可以办理多发追回")
    )(view)


def _townships(user) -> list[Region]:
    return list(regions_for(user).filter(level=Region.Level.TOWNSHIP).order_by("code"))


@_recovery_page
def recovery_list(request):
    user = request.user
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "reason", "township")}
    qs = recovery.overpayment_filters(selectors.overpayments_for(user), **filters).order_by("-id")
    return render(
        request,
        "payments/recovery_list.html",
        {
            "page_obj": paginate(request, qs),
            "filters": filters,
            "statuses": Overpayment.Status.choices,
            "reasons": Overpayment.Reason.choices,
            "townships": _townships(user),
            "totals": selectors.overpayment_totals(qs),
        },
    )


@_recovery_page
def recovery_detail(request, pk):
    user = request.user
    o = selectors.get_overpayment(user, pk)
    return render(
        request,
        "payments/recovery_detail.html",
        {
            "o": o,
            "repayments": o.repayments.order_by("id"),
            "deductions": o.deductions.select_related("run").order_by("id"),
            "may_manage": recovery.may_manage(user),
            "may_approve": recovery.may_approve_writeoff(user)
            and o.writeoff_requested_by_id not in (None, user.pk),
            "today": timezone.localdate().isoformat(),
            "open": o.status in recovery.OPEN_STATUSES,
        },
    )


@require_POST
@_recovery_page
def recovery_action(request, pk, action):
    user = request.user
    o = selectors.get_overpayment(user, pk)
    post = request.POST
    try:
        if action == "plan":
            method = post.get("method", "")
            monthly = _amount(post.get("monthly_amount", "")) if method == "deduct" else None
            recovery.set_plan(user=user, overpayment=o, method=method, monthly_fen=monthly)
            messages.success(request, _("追回计划已保存"))
        elif action == "repay":
            try:
                paid_on = dt.date.fromisoformat(post.get("paid_on", ""))
            except ValueError:
                raise ServiceError({"paid_on": [_("请填写退回日期")]}) from None
            recovery.record_repayment(
                user=user,
                overpayment=o,
                amount_fen=_amount(post.get("amount", "")),
                paid_on=paid_on,
                receipt=post.get("receipt", ""),
            )
            messages.success(request, _("退回已登记"))
        elif action == "writeoff":
            recovery.request_writeoff(user=user, overpayment=o, reason=post.get("reason", ""))
            messages.success(request, _("已申请核销，等待审批"))
        elif action == "writeoff_decision":
            approve = post.get("decision") == "approve"
            recovery.decide_writeoff(
                user=user, overpayment=o, approve=approve, reason=post.get("reason", "")
            )
            messages.success(request, _("已核销") if approve else _("已退回核销申请"))
        else:
            raise ServiceError({"action": [_("未知操作")]})
    except ServiceError as exc:
        _report(
            request,
            exc,
            {
                "amount": _("金额"),
                "monthly_amount": _("每月抵扣金额"),
                "method": _("追回方式"),
                "paid_on": _("退回日期"),
                "receipt": _("收据号"),
                "reason": _("理由"),
            },
        )
    return redirect("payments:recovery_detail", pk=o.pk)

"""Pages of publicity: the register (with the bureau office's review), the form to file a
submission, a submission's page, and the monthly counts per county and unit (with Excel)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import sheets
from minzheng.core.errors import ServiceError
from minzheng.web.views.base import apply_service_error, page, paginate

from . import forms, selectors, services
from .models import Kind, Status
from .permissions import may_review, may_submit, may_view

view_page = page(check=may_view)
submit_page = page(check=may_submit, message=_("当前账号不报送宣传信息"))


def _year(request, default: int) -> int:
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if 2000 <= year <= default + 1 else default


@view_page
def index(request):
    user = request.user
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    qs = selectors.submissions_for(user)
    if status in Status.values:
        qs = qs.filter(status=status)
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    return render(
        request,
        "publicity/index.html",
        {
            "page_obj": paginate(request, qs.order_by("-submitted_on", "-id")),
            "status": status,
            "kind": kind,
            "statuses": Status.choices,
            "kinds": Kind.choices,
            "may_submit": may_submit(user),
            "may_review": may_review(user),
            "pending": selectors.submissions_for(user).filter(status=Status.SUBMITTED).count(),
        },
    )


@submit_page
def submission_new(request):
    user = request.user
    if request.method == "POST":
        form = forms.SubmissionForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = services.submit(user=user, **data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已报送，等待市局办公室审核。"))
                return redirect("publicity:detail", item.pk)
    else:
        form = forms.SubmissionForm(initial={"submitted_on": timezone.localdate()})
    return render(
        request,
        "publicity/submission_new.html",
        {"form": form, "side": services.side_of(user)},
        status=422 if form.errors else 200,
    )


def _detail(request, item, review_form=None):
    return render(
        request,
        "publicity/detail.html",
        {
            "item": item,
            "may_review": may_review(request.user) and item.status == Status.SUBMITTED,
            "review_form": review_form or forms.ReviewForm(),
        },
        status=422 if review_form is not None and review_form.errors else 200,
    )


@view_page
def detail(request, pk: int):
    return _detail(request, selectors.get_submission(request.user, pk))


@page(check=may_review, message=_("宣传信息由市局办公室审核"))
def review(request, pk: int):
    item = selectors.get_submission(request.user, pk)
    if request.method != "POST":
        return redirect("publicity:detail", pk)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review(
                user=request.user,
                submission=item,
                count=form.cleaned_data["decision"] == "count",
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("审核结果已保存。"))
            following = (
                selectors.submissions_for(request.user)
                .filter(status=Status.SUBMITTED)
                .order_by("submitted_on", "id")
                .first()
            )
            return (
                redirect("publicity:detail", following.pk)
                if following
                else redirect("publicity:index")
            )
    return _detail(request, item, form)


@view_page
def attachment(request, pk: int):
    item = selectors.get_submission(request.user, pk)
    if not item.attachment:
        raise Http404(_("没有附件"))
    return FileResponse(
        item.attachment.open("rb"), as_attachment=True, filename=item.attachment_name
    )


@view_page
def quotas(request):
    today = timezone.localdate()
    year = _year(request, today.year)
    counties, units = selectors.quota_table(request.user, year, today)
    return render(
        request,
        "publicity/quotas.html",
        {
            "year": year,
            "years": list(range(today.year, today.year - 4, -1)),
            "counties": counties,
            "units": units,
            "months": list(range(1, 13)),
            "county_quota": selectors.COUNTY_QUOTA,
            "unit_quota": selectors.UNIT_QUOTA,
        },
    )


@view_page
def quotas_xlsx(request):
    today = timezone.localdate()
    year = _year(request, today.year)
    counties, units = selectors.quota_table(request.user, year, today)
    wb = sheets.workbook()
    ws = wb.active
    ws.title = _("报送情况")
    header = [_("报送单位"), _("每月任务（条）")] + [_("%(m)s月") % {"m": m} for m in range(1, 13)]
    header += [_("已过月数"), _("月均（条）"), _("是否达标")]
    sheets.append(ws, [_("%(year)s年宣传信息报送情况") % {"year": year}])
    sheets.append(ws, header)
    for row in [*counties, *units]:
        met = "" if row.met is None else (_("达标") if row.met else _("未达标"))
        sheets.append(
            ws,
            [
                row.name,
                row.quota,
                *row.months,
                row.elapsed,
                row.average if row.average is not None else "",
                met,
            ],
        )
    response = HttpResponse(
        sheets.xlsx_bytes(wb),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="publicity-{year}.xlsx"'
    return response


def workbench_context(user) -> dict | None:
    if may_review(user):
        return {
            "pending": selectors.submissions_for(user).filter(status=Status.SUBMITTED).count(),
            "reviewer": True,
        }
    if may_submit(user):
        return {
            "pending": selectors.submissions_for(user)
            .filter(status=Status.SUBMITTED, submitted_by=user)
            .count(),
            "reviewer": False,
        }
    return None

"""Pages of the special-care roster (优抚对象): the roster with filters, a record (attributes by
category, ID authentication, documents, changes with their history and the audit trail),
registration of a person of the registry, change requests and the county's decisions, the
data-quality page per county (the city's overview by county) with its export, and the county
approver's workbench card."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core import audit, sheets
from minzheng.core.errors import ServiceError
from minzheng.core.models import AuditEvent
from minzheng.people.selectors import masked_name, people_for, search_people
from minzheng.regions.models import Region
from minzheng.web.views.base import apply_service_error, page, paginate

from . import forms, quality, selectors, services
from .models import (
    Category,
    ChangeStatus,
    RecipientStatus,
)
from .permissions import (
    may_approve,
    may_check_id,
    may_read,
    may_request,
    may_upload,
    shows_names,
)

roster_page = page(check=may_read)


def _errors_text(exc: ServiceError) -> str:
    return " ".join(m for ms in exc.errors.values() for m in ms)


@roster_page
def index(request):
    user = request.user
    get = request.GET
    filters = {
        "category": get.get("category", "") if get.get("category", "") in Category.values else "",
        "status": get.get("status", "") if get.get("status", "") in RecipientStatus.values else "",
        "region_code": get.get("region", "").strip()[:12]
        if get.get("region", "").strip().isdigit()
        else "",
        "query": get.get("q", "").strip()[:64] if shows_names(user) else "",
    }
    rows = paginate(request, selectors.records_for(user, **filters).order_by("region__path", "id"))
    names = shows_names(user)
    for r in rows:
        r.shown_name = r.person.name if names else masked_name(r.person.name)
    return render(
        request,
        "specialcare/index.html",
        {
            "rows": rows,
            "filters": filters,
            "categories": Category.choices,
            "statuses": RecipientStatus.choices,
            "counts": selectors.counts(user),
            "names": names,
            "may_request": may_request(user),
            "may_approve": may_approve(user),
        },
    )


@roster_page
def record_new(request):
    user = request.user
    if not may_request(user):
        raise Http404()
    person = None
    person_id = request.GET.get("person", "")
    if person_id.isdigit():
        person = people_for(user).filter(pk=int(person_id)).first()
    if request.method == "POST":
        form = forms.RegisterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.register(
                    user=user,
                    category=data["category"],
                    data=data,
                    person_id=person.pk if person else None,
                    id_number=data.get("id_number", ""),
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记，待县级审批"))
                return redirect("specialcare:record_detail", record.pk)
    else:
        form = forms.RegisterForm(initial={"category": request.GET.get("category", "")})
    query = request.GET.get("q", "").strip()[:64]
    found = (
        list(
            search_people(user, query)
            .filter(death_date__isnull=True)
            .order_by("hukou_region__path", "id")[:20]
        )
        if person is None and query
        else []
    )
    return render(
        request,
        "specialcare/record_form.html",
        {"form": form, "person": person, "query": query, "found": found},
    )


def _audit_trail(record):
    change_ids = [str(pk) for pk in record.changes.values_list("pk", flat=True)]
    document_ids = [str(pk) for pk in record.documents.values_list("pk", flat=True)]
    from django.db.models import Q

    return AuditEvent.objects.filter(
        Q(object_type="specialcare.recipient", object_id=str(record.pk))
        | Q(object_type="specialcare.recipientchange", object_id__in=change_ids)
        | Q(object_type="specialcare.recipientdocument", object_id__in=document_ids)
    ).order_by("-seq")[:50]


@roster_page
def record_detail(request, pk: int):
    user = request.user
    record = selectors.get_record(user, pk)
    today = timezone.localdate()
    failing = [
        rule
        for rule in quality.rules()
        if record.status == RecipientStatus.ACTIVE and rule.failing(today).filter(pk=pk).exists()
    ]
    changes = list(selectors.history(record))
    pending = next((c for c in changes if c.status == ChangeStatus.PENDING), None)
    return render(
        request,
        "specialcare/record_detail.html",
        {
            "record": record,
            "name": selectors.display_name(user, record),
            "names": shows_names(user),
            "changes": changes,
            "pending": pending,
            "documents": record.documents.select_related("uploaded_by"),
            "failing": failing,
            "trail": _audit_trail(record),
            "may_request": may_request(user) and record.status == RecipientStatus.ACTIVE,
            "may_approve": may_approve(user),
            "may_upload": may_upload(user),
            "may_check_id": may_check_id(user) and record.status != RecipientStatus.ENDED,
            "change_form": forms.ChangeForm(initial={"event_on": today}),
            "id_form": forms.IdCheckForm(initial={"on": today}),
            "document_form": forms.DocumentForm(),
        },
    )


@roster_page
@require_POST
def change_new(request, pk: int):
    user = request.user
    record = selectors.get_record(user, pk)
    form = forms.ChangeForm(request.POST)
    if form.is_valid():
        try:
            services.request_change(
                user=user,
                record=record,
                kind=form.cleaned_data["kind"],
                event_on=form.cleaned_data["event_on"],
                data=form.change_data(),
                reason=form.cleaned_data.get("reason", ""),
            )
        except ServiceError as exc:
            messages.error(request, _errors_text(exc))
        else:
            messages.success(request, _("变更已提交，待县级审批"))
    else:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect("specialcare:record_detail", record.pk)


@roster_page
@require_POST
def change_decide(request, pk: int, action: str):
    user = request.user
    change = selectors.get_change(user, pk)
    if action not in ("approve", "refuse"):
        raise Http404()
    try:
        services.decide_change(
            user=user,
            change=change,
            approve=action == "approve",
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已批准") if action == "approve" else _("已不予批准"))
    target = request.POST.get("next", "")
    if target == "changes":
        return redirect("specialcare:changes")
    if target == "workbench":
        return redirect("/")
    return redirect("specialcare:record_detail", change.recipient_id)


@roster_page
def changes(request):
    user = request.user
    status = request.GET.get("status", ChangeStatus.PENDING)
    if status not in ChangeStatus.values:
        status = ""
    rows = paginate(
        request, selectors.changes_for(user, status=status).order_by("requested_at", "id")
    )
    names = shows_names(user)
    for c in rows:
        c.shown_name = c.recipient.person.name if names else masked_name(c.recipient.person.name)
    return render(
        request,
        "specialcare/changes.html",
        {
            "rows": rows,
            "status": status,
            "statuses": ChangeStatus.choices,
            "may_approve": may_approve(user),
        },
    )


@roster_page
@require_POST
def id_check(request, pk: int):
    user = request.user
    record = selectors.get_record(user, pk)
    form = forms.IdCheckForm(request.POST)
    if form.is_valid():
        try:
            services.record_id_check(
                user=user,
                record=record,
                method=form.cleaned_data["method"],
                on=form.cleaned_data["on"],
            )
        except ServiceError as exc:
            messages.error(request, _errors_text(exc))
        else:
            messages.success(request, _("已登记身份认证"))
    else:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect("specialcare:record_detail", record.pk)


@roster_page
@require_POST
def document_new(request, pk: int):
    user = request.user
    record = selectors.get_record(user, pk)
    form = forms.DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(
                user=user,
                record=record,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                note=form.cleaned_data.get("note", ""),
            )
        except ServiceError as exc:
            messages.error(request, _errors_text(exc))
        else:
            messages.success(request, _("材料已上传"))
    else:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect("specialcare:record_detail", record.pk)


@roster_page
def document_download(request, pk: int):
    document = selectors.get_document(request.user, pk)
    services.download_document(user=request.user, document=document)
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.original_name
    )


@roster_page
def quality_page(request):
    user = request.user
    today = timezone.localdate()
    rule_code = request.GET.get("rule", "")
    if quality.get_rule(rule_code) is None:
        rule_code = ""
    region_code = request.GET.get("region", "").strip()[:12]
    county = None
    if region_code.isdigit():
        county = Region.objects.filter(code=region_code).first()
    if county is None:
        region_code = ""
    overview = selectors.failing_counts_by_county(user, on=today)
    # The city sees its overview by county and the list of one county at a time; a county (or
    # below) sees its own list.
    city = selectors.scope_is_city(user)
    show_list = not city or bool(region_code)
    rows = (
        selectors.failing_rows(user, on=today, rule_code=rule_code, region_code=region_code)
        if show_list
        else []
    )
    names = shows_names(user)
    if request.GET.get("format") == "xlsx" and show_list:
        return _quality_export(user, rows, names, today)
    listed = paginate(request, rows, per_page=100)
    for _rule, r in listed:
        r.shown_name = r.person.name if names else masked_name(r.person.name)
    return render(
        request,
        "specialcare/quality.html",
        {
            "overview": overview,
            "rows": listed,
            "count": len(rows),
            "rules": quality.rules(),
            "rule_code": rule_code,
            "region_code": region_code,
            "county": county,
            "show_list": show_list,
            "city": city,
            "working_days": quality.dynamic_working_days(),
            "on": today,
        },
    )


def _quality_export(user, rows, names, today) -> HttpResponse:
    wb = sheets.workbook(write_only=True)
    ws = wb.create_sheet(_("数据质量问题"))
    sheets.append(
        ws,
        [
            _("规则"),
            _("问题"),
            _("姓名"),
            _("身份证号码"),
            _("优抚类别"),
            _("所在村（社区）"),
            _("记录编号"),
        ],
    )
    for rule, r in rows:
        sheets.append(
            ws,
            [
                rule.code,
                str(rule.label),
                r.person.name if names else masked_name(r.person.name),
                r.person.id_masked,
                r.get_category_display(),
                r.region.name,
                r.pk,
            ],
        )
    audit.record(
        "export",
        object_type="specialcare.quality",
        object_repr=_("优抚对象数据质量问题清单"),
        region_code=user.region.code if user.region_id else "",
        note=_("%(n)s条") % {"n": len(rows)},
    )
    response = HttpResponse(
        sheets.xlsx_bytes(wb),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="specialcare-quality-{today.isoformat()}.xlsx"'
    )
    return response


def approver_widget_context(user):
    """Pending registrations and changes, and the records failing a quality rule, for the county
    approver."""
    if not (may_approve(user) and user.role == "county_approver"):
        return None
    pending = selectors.changes_for(user, status=ChangeStatus.PENDING).order_by(
        "requested_at", "id"
    )
    names = shows_names(user)
    rows = list(pending[:8])
    for c in rows:
        c.shown_name = c.recipient.person.name if names else masked_name(c.recipient.person.name)
    return {
        "pending_count": pending.count(),
        "pending": rows,
        "failing_count": selectors.failing_record_count(user),
    }

"""Pages of the relief-supply depots, sized for the keeper's phone or tablet: the depots, a
depot's stock on any date with its batches, ledger and reconciliation, the movement forms, the
records waiting for a second keeper, the count findings and the expiry list."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core import audit, sheets, validators
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.web.views.base import apply_service_error, page, paginate

from . import forms, selectors, services
from .models import FindingStatus
from .permissions import is_keeper, may_resolve, may_see

depots_page = page(check=may_see)


def _date_param(request, name: str = "on") -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return timezone.localdate()
    return timezone.localdate() if validators.date_error(day) else day


@depots_page
def index(request):
    depots = list(selectors.depots_for(request.user))
    today = timezone.localdate()
    return render(
        request,
        "depots/index.html",
        {
            "depots": depots,
            "open_findings": selectors.open_findings_count(request.user),
            "expiring": len(selectors.expiring(request.user, within_days=30, today=today)),
            "pending": selectors.pending_for_keeper(request.user)[0].count(),
        },
    )


@depots_page
def detail(request, pk: int):
    depot = selectors.get_depot(request.user, pk)
    on = _date_param(request)
    today = timezone.localdate()
    reconciliation, last_count = selectors.reconciliation(depot)
    batches = selectors.stock_batches(depot)
    for row in batches:
        expires = row["batch"].expires_on
        row["expired"] = expires is not None and expires < today
        row["near"] = expires is not None and today <= expires <= today + dt.timedelta(days=90)
    return render(
        request,
        "depots/detail.html",
        {
            "depot": depot,
            "on": on,
            "today": today,
            "position": selectors.position_table(request.user, on, depot=depot),
            "batches": batches,
            "movements": paginate(
                request, selectors.movements_for(request.user).filter(depot=depot), 20
            ),
            "findings": selectors.findings_for(request.user, status=FindingStatus.OPEN).filter(
                depot=depot
            ),
            "reconciliation": reconciliation,
            "last_count": last_count,
            "keeper": is_keeper(request.user, depot),
        },
    )


def _movement_form(request, pk: int, kind: str):
    depot = selectors.get_depot(request.user, pk)
    if not is_keeper(request.user, depot):
        raise PermissionDeniedError(_("只有本库保管员才能登记"))
    balances = selectors.batch_balances(depot)
    data = request.POST if request.method == "POST" else None
    initial = {"occurred_on": timezone.localdate()}
    if kind == "receive":
        form = forms.ReceiveForm(data, initial=initial)
    elif kind == "issue":
        form = forms.IssueForm(data, initial=initial, balances=balances)
    else:
        form = forms.TransferForm(data, initial=initial, balances=balances, source=depot)
    if data is not None and form.is_valid():
        c = form.cleaned_data
        try:
            if kind == "receive":
                services.receive(
                    user=request.user,
                    depot_id=depot.pk,
                    kind=c["kind"],
                    quantity=c["quantity"],
                    occurred_on=c["occurred_on"],
                    item_id=c["item"].pk,
                    batch_number=c["batch_number"],
                    expires_on=c["expires_on"],
                    supplier=c["supplier"],
                    note=c["note"],
                )
            elif kind == "issue":
                services.issue(
                    user=request.user,
                    depot_id=depot.pk,
                    batch_id=c["batch"].pk,
                    quantity=c["quantity"],
                    occurred_on=c["occurred_on"],
                    recipient=c["recipient"],
                    purpose=c["purpose"],
                    reference=c["reference"],
                )
            else:
                services.transfer(
                    user=request.user,
                    from_depot_id=depot.pk,
                    to_depot_id=c["to_depot"].pk,
                    batch_id=c["batch"].pk,
                    quantity=c["quantity"],
                    occurred_on=c["occurred_on"],
                    note=c["note"],
                )
        except ServiceError as exc:
            apply_service_error(form, exc, {"to_depot": "to_depot", "batch_number": "batch_number"})
        else:
            messages.success(request, _("已登记，待另一名保管员复核后计入库存"))
            return redirect("depots:detail", pk=depot.pk)
    titles = {"receive": _("入库登记"), "issue": _("救灾发放"), "transfer": _("调拨出库")}
    return render(
        request,
        "depots/movement_form.html",
        {"depot": depot, "form": form, "title": titles[kind], "kind": kind},
        status=422 if data is not None else 200,
    )


@depots_page
def receive(request, pk: int):
    return _movement_form(request, pk, "receive")


@depots_page
def issue(request, pk: int):
    return _movement_form(request, pk, "issue")


@depots_page
def transfer(request, pk: int):
    return _movement_form(request, pk, "transfer")


@depots_page
def count(request, pk: int):
    depot = selectors.get_depot(request.user, pk)
    if not is_keeper(request.user, depot):
        raise PermissionDeniedError(_("只有本库保管员才能登记"))
    rows = selectors.stock_batches(depot)
    data = request.POST if request.method == "POST" else None
    form = forms.CountForm(data, initial={"counted_on": timezone.localdate()}, rows=rows)
    if data is not None and form.is_valid():
        try:
            result = services.record_count(
                user=request.user,
                depot_id=depot.pk,
                counted_on=form.cleaned_data["counted_on"],
                lines=form.lines(),
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            found = sum(1 for ln in result.lines.all() if ln.difference)
            if found:
                messages.warning(
                    request,
                    _("盘点已登记，发现账实不符 %(n)s 项，请县级民政部门说明") % {"n": found},
                )
            else:
                messages.success(request, _("盘点已登记，账实相符"))
            return redirect("depots:detail", pk=depot.pk)
    return render(
        request,
        "depots/count_form.html",
        {"depot": depot, "form": form},
        status=422 if data is not None else 200,
    )


@depots_page
def pending(request):
    movements, counts = selectors.pending_for_keeper(request.user)
    return render(request, "depots/pending.html", {"movements": movements, "counts": counts})


@depots_page
@require_POST
def confirm(request, what: str, pk: int):
    try:
        if what == "count":
            services.confirm_count(user=request.user, count_id=pk)
        else:
            services.confirm_movement(user=request.user, movement_id=pk)
    except ServiceError as exc:
        for field_messages in exc.errors.values():
            for message in field_messages:
                messages.error(request, message)
    else:
        messages.success(request, _("已复核确认"))
    return redirect("depots:pending")


@depots_page
def findings(request):
    status = request.GET.get("status", FindingStatus.OPEN)
    if status not in FindingStatus.values:
        status = ""
    return render(
        request,
        "depots/findings.html",
        {
            "findings": paginate(request, selectors.findings_for(request.user, status=status)),
            "status": status,
            "statuses": FindingStatus.choices,
            "may_resolve": may_resolve(request.user),
            "form": forms.ResolveForm(),
        },
    )


@depots_page
@require_POST
def resolve(request, pk: int):
    form = forms.ResolveForm(request.POST)
    try:
        explanation = form.data.get("explanation", "")
        services.resolve_finding(user=request.user, finding_id=pk, explanation=explanation)
    except ServiceError as exc:
        for field_messages in exc.errors.values():
            for message in field_messages:
                messages.error(request, message)
    else:
        messages.success(request, _("差异已说明，账面已按实盘调整"))
    return redirect("depots:findings")


@depots_page
def expiry(request):
    text = request.GET.get("days", "90")
    days = int(text) if text.isdigit() and int(text) <= 3650 else 90
    return render(
        request,
        "depots/expiry.html",
        {
            "rows": selectors.expiring(request.user, within_days=days, today=timezone.localdate()),
            "days": days,
        },
    )


@depots_page
def export(request):
    on = _date_param(request)
    rows = selectors.position_table(request.user, on)
    wb = sheets.workbook()
    ws = wb.active
    ws.title = _("库存")
    sheets.append(
        ws, [_("储备库"), _("所属地区"), _("物资编码"), _("物资名称"), _("计量单位"), _("数量")]
    )
    for r in rows:
        sheets.append(
            ws,
            [
                r["depot"].name,
                r["depot"].region.name,
                r["item"].code,
                r["item"].name,
                r["item"].unit,
                r["quantity"],
            ],
        )
    audit.record(
        AuditEvent.Action.EXPORT,
        object_type="depots.position",
        object_repr=_("库存（%(on)s）") % {"on": on.isoformat()},
        note=str(len(rows)),
    )
    response = HttpResponse(sheets.xlsx_bytes(wb), content_type=sheets.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="depot-stock-{on.isoformat()}.xlsx"'
    return response

"""Pages of elderly care: the community worker's elderly residents, assessments, the old-age
allowance list, online booking (mobile-friendly), bookings with the actions each side may take,
the provider's order board, settlements, institutions and the indicator dashboard. Views only
parse input and call the services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.accounts.models import Role
from minzheng.core.errors import ServiceError
from minzheng.core.money import yuan_str, yuan_to_fen
from minzheng.payments import months
from minzheng.web.views.base import page, paginate

from . import ability, allowance, bookings, dashboard, selectors, services
from .models import (
    AllowanceEnrolment,
    Booking,
    Complaint,
    Institution,
    LivingSituation,
    ServiceCategory,
)


def may_see_elderly(user) -> bool:
    return selectors.is_staff(user)


def _may_use(user) -> bool:
    return user.is_authenticated and (
        selectors.is_staff(user) or user.role in (Role.RESIDENT, Role.PROVIDER)
    )


staff_page = page(check=may_see_elderly, message=gettext_lazy("当前账号无权访问养老服务管理页面"))
any_page = page(check=_may_use)


def _errors(request, exc: ServiceError) -> None:
    for msgs in exc.errors.values():
        for message in msgs:
            messages.error(request, message)


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# ---------------------------------------------------------------- widgets


def community_widget_context(user) -> dict | None:
    if not selectors.is_staff(user) or user.role in (Role.LEADER, Role.VERIFICATION_CENTRE):
        return None
    return {
        "pending_enrolments": allowance.enrolments_for(user)
        .filter(status=AllowanceEnrolment.Status.PROPOSED)
        .count()
        if allowance.may_decide(user)
        else None,
        "open_complaints": Complaint.objects.filter(
            status=Complaint.Status.OPEN, booking__in=selectors.bookings_for(user)
        ).count(),
        "awaiting_confirmation": selectors.bookings_for(user)
        .filter(status=Booking.Status.COMPLETED)
        .count(),
    }


def provider_widget_context(user) -> dict | None:
    provider = selectors.provider_of(user)
    if provider is None:
        return None
    board = selectors.board_for(user)
    return {"provider": provider, "counts": {status: len(items) for status, items in board.items()}}


# ---------------------------------------------------------------- index and elderly registry


@any_page
def index(request):
    user = request.user
    if selectors.provider_of(user) is not None:
        return redirect("eldercare:board")
    if user.role == Role.RESIDENT:
        return redirect("eldercare:book")
    if not selectors.is_staff(user):
        raise PermissionDenied(_("当前账号无权访问养老服务管理页面"))
    on = parse_date(request.GET.get("on") or "") or timezone.localdate()
    return render(
        request, "eldercare/index.html", {"board": dashboard.dashboard_for(user, on), "on": on}
    )


@staff_page
def elderly_list(request):
    filters = {
        "q": request.GET.get("q", "").strip(),
        "living": request.GET.get("living", ""),
        "grade": request.GET.get("grade", ""),
    }
    qs = selectors.search_elderly(
        request.user, query=filters["q"], living=filters["living"], grade=filters["grade"]
    )
    return render(
        request,
        "eldercare/elderly_list.html",
        {
            "page_obj": paginate(request, qs),
            "filters": filters,
            "living_choices": LivingSituation.choices,
            "grades": ability.GRADE_LABELS,
            "today": timezone.localdate(),
        },
    )


@staff_page
def elderly_detail(request, pk: int):
    user = request.user
    person = selectors.get_elderly(user, pk)
    profile = selectors.profile_of(person)
    assessments = list(selectors.assessments_of(person)[:20])
    return render(
        request,
        "eldercare/elderly_detail.html",
        {
            "person": person,
            "profile": profile,
            "assessments": assessments,
            "age": allowance.age_on(person.birth_date, timezone.localdate()),
            "suggested_living": selectors.household_living_situation(person),
            "living_choices": LivingSituation.choices,
            "clinics": selectors.providers_for(user).filter(kind="clinic"),
            "enrolments": allowance.enrolments_for(user).filter(person=person),
            "bookings": selectors.bookings_for(user).filter(person=person)[:20],
            "grade_labels": ability.GRADE_LABELS,
            "disability_labels": ability.DISABILITY_LABELS,
        },
    )


@require_POST
@staff_page
def elderly_profile(request, pk: int):
    person = selectors.get_elderly(request.user, pk)
    post = request.POST
    clinic = None
    if post.get("health_clinic"):
        clinic = (
            selectors.providers_for(request.user)
            .filter(pk=_int(post.get("health_clinic")), kind="clinic")
            .first()
        )
    try:
        services.update_profile(
            user=request.user,
            person=person,
            living_situation=post.get("living_situation", ""),
            address=post.get("address", ""),
            health_record_number=post.get("health_record_number", ""),
            health_clinic=clinic,
            health_record_since=parse_date(post.get("health_record_since") or ""),
            note=post.get("note", ""),
        )
        messages.success(request, _("老年人档案已保存"))
    except ServiceError as exc:
        _errors(request, exc)
    return redirect("eldercare:elderly_detail", pk=pk)


@require_POST
@staff_page
def contact_add(request, pk: int):
    person = selectors.get_elderly(request.user, pk)
    try:
        services.add_contact(
            user=request.user,
            person=person,
            name=request.POST.get("name", ""),
            relation=request.POST.get("relation", ""),
            phone=request.POST.get("phone", ""),
        )
        messages.success(request, _("已添加紧急联系人"))
    except ServiceError as exc:
        _errors(request, exc)
    return redirect("eldercare:elderly_detail", pk=pk)


@require_POST
@staff_page
def contact_remove(request, pk: int, contact_pk: int):
    person = selectors.get_elderly(request.user, pk)
    profile = selectors.profile_of(person)
    contact = profile.contacts.filter(pk=contact_pk).first() if profile else None
    if contact is None:
        raise Http404()
    services.remove_contact(user=request.user, contact=contact)
    return redirect("eldercare:elderly_detail", pk=pk)


ASSESSMENT_FIELDS = (
    "adl_score",
    "mental_score",
    "consciousness",
    "vision",
    "hearing",
    "communication",
    "social_score",
)


@staff_page
def assess(request, pk: int):
    person = selectors.get_elderly(request.user, pk)
    values = {f: request.POST.get(f, "") for f in ASSESSMENT_FIELDS}
    values.update(
        {
            "assessed_on": request.POST.get("assessed_on", timezone.localdate().isoformat()),
            "assessors": request.POST.get("assessors", ""),
            "reason": request.POST.get("reason", "initial"),
        }
    )
    errors = {}
    if request.method == "POST":
        numbers = {f: _int(values[f]) for f in ASSESSMENT_FIELDS}
        for f, v in numbers.items():
            if v is None:
                errors[f] = [_("请填写评分")]
        assessed_on = parse_date(values["assessed_on"] or "")
        if assessed_on is None:
            errors["assessed_on"] = [_("日期格式应为 YYYY-MM-DD")]
        if not errors:
            try:
                assessment = services.record_assessment(
                    user=request.user,
                    person=person,
                    assessed_on=assessed_on,
                    assessors=values["assessors"],
                    reason=values["reason"],
                    escalations=request.POST.getlist("escalations"),
                    **numbers,
                )
                messages.success(
                    request, _("评估结果：%(g)s") % {"g": ability.GRADE_LABELS[assessment.grade]}
                )
                return redirect("eldercare:elderly_detail", pk=pk)
            except ServiceError as exc:
                errors = exc.errors
    return render(
        request,
        "eldercare/assess.html",
        {
            "person": person,
            "values": values,
            "errors": errors,
            "escalations": ability.ESCALATIONS,
            "chosen": request.POST.getlist("escalations"),
            "consciousness": ability.CONSCIOUSNESS,
        },
    )


# ---------------------------------------------------------------- allowance


@staff_page
def allowance_list(request):
    user = request.user
    status = request.GET.get("status", "proposed")
    qs = allowance.enrolments_for(user)
    if status in AllowanceEnrolment.Status.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "eldercare/allowance_list.html",
        {
            "page_obj": paginate(
                request, qs.order_by("region__code", "person__birth_date", "id"), 50
            ),
            "status": status,
            "statuses": AllowanceEnrolment.Status.choices,
            "may_decide": allowance.may_decide(user),
        },
    )


@require_POST
@staff_page
def allowance_confirm(request):
    ids = [i for i in (_int(v) for v in request.POST.getlist("ids")) if i]
    if not ids:
        messages.error(request, _("请选择要确认的人员"))
        return redirect("eldercare:allowance_list")
    selected = allowance.enrolments_for(request.user).filter(pk__in=ids)
    flagged = list(
        selected.filter(status=AllowanceEnrolment.Status.PROPOSED)
        .exclude(problem="")
        .select_related("person", "region")[:200]
    )
    if flagged and request.POST.get("confirm_problems") != "1":
        # A flagged problem (no bank account, no household...) means the allowance cannot be paid
        # as things stand: the clerk sees who and why before confirming anyway.
        return render(
            request,
            "eldercare/allowance_confirm_problems.html",
            {"flagged": flagged, "ids": ids, "reason": request.POST.get("reason", "")},
        )
    try:
        result = allowance.confirm_enrolments(
            user=request.user, enrolments=selected, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("已确认纳入 %(n)s 人") % {"n": result["confirmed"]})
        for skipped in result["skipped"]:
            messages.error(request, f"#{skipped['id']}：{skipped['reason']}")
    except ServiceError as exc:
        _errors(request, exc)
    return redirect("eldercare:allowance_list")


@require_POST
@staff_page
def allowance_reject(request, pk: int):
    enrolment = allowance.get_enrolment(request.user, pk)
    try:
        allowance.reject_enrolment(
            user=request.user, enrolment=enrolment, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("已不予纳入"))
    except ServiceError as exc:
        _errors(request, exc)
    return redirect("eldercare:allowance_list")


# ---------------------------------------------------------------- booking


@any_page
def book(request):
    """The mobile-friendly booking form: choose the elderly person, a service, a time."""
    user = request.user
    if selectors.provider_of(user) is not None or user.role == Role.PROVIDER:
        raise PermissionDenied(_("服务机构不能代老年人预约服务"))
    elderly = selectors.elderly_for(user)
    person = None
    person_id = _int(request.POST.get("person") or request.GET.get("person"))
    if person_id:
        person = elderly.filter(pk=person_id).first()
        if person is None:
            raise Http404()
    choices = list(elderly[:20]) if user.role == Role.RESIDENT else ([person] if person else [])
    if person is None and len(choices) == 1:
        person = choices[0]
    items = (
        list(selectors.catalogue_for(person.residence_region or person.hukou_region))
        if person
        else []
    )
    errors = {}
    values = {
        "item": request.POST.get("item", request.GET.get("item", "")),
        "scheduled_at": request.POST.get("scheduled_at", ""),
        "quantity": request.POST.get("quantity", "1"),
        "address": request.POST.get("address", ""),
        "contact_phone": request.POST.get("contact_phone", ""),
        "note": request.POST.get("note", ""),
    }
    if request.method == "POST" and person is not None:
        item = next((i for i in items if str(i.pk) == values["item"]), None)
        when = parse_datetime(values["scheduled_at"] or "")
        if item is None:
            errors["item"] = [_("请选择服务项目")]
        if when is None:
            errors["scheduled_at"] = [_("请选择预约时间")]
        if not errors:
            try:
                booking = bookings.create_booking(
                    user=user,
                    person=person,
                    item=item,
                    scheduled_at=when,
                    quantity=_int(values["quantity"], 0) or 0,
                    address=values["address"],
                    contact_phone=values["contact_phone"],
                    note=values["note"],
                )
                messages.success(
                    request, _("预约已提交，单号 %(n)s，等待服务机构接单") % {"n": booking.number}
                )
                return redirect("eldercare:booking_detail", pk=booking.pk)
            except ServiceError as exc:
                errors = exc.errors
    return render(
        request,
        "eldercare/book.html",
        {
            "person": person,
            "choices": choices,
            "items": items,
            "values": values,
            "errors": errors,
            "categories": ServiceCategory.choices,
        },
    )


@any_page
def booking_list(request):
    user = request.user
    status = request.GET.get("status", "")
    qs = selectors.search_bookings(user, status=status)
    return render(
        request,
        "eldercare/booking_list.html",
        {
            "page_obj": paginate(request, qs),
            "status": status,
            "statuses": Booking.Status.choices,
        },
    )


def _actions_for(user, booking: Booking) -> list[str]:
    own = selectors.provider_of(user)
    status = booking.status
    acts = []
    if own is not None and own.pk == booking.provider_id:
        acts += {
            "requested": ["accept", "decline", "cancel"],
            "accepted": ["dispatch", "cancel"],
            "dispatched": ["dispatch", "check_in", "no_show", "cancel"],
            "in_service": ["check_out"],
        }.get(status, [])
    elif own is None and user.role != Role.PROVIDER:
        if selectors.is_staff(user) and not bookings.may_review(user):
            return (
                acts  # read-only staff (leader, verification centre) see no buttons they cannot use
            )
        if booking.review == Booking.Review.HELD and selectors.is_staff(user):
            acts.append("review")
        if status in bookings.OPEN:
            acts.append("cancel")
        if status == Booking.Status.COMPLETED:
            acts.append("confirm")
        acts.append("complaint")
    return acts


@any_page
def booking_detail(request, pk: int):
    user = request.user
    booking = selectors.get_booking(user, pk)
    return render(
        request,
        "eldercare/booking_detail.html",
        {
            "booking": booking,
            "events": booking.events.order_by("at", "id"),
            "complaints": booking.complaints.all(),
            "actions": _actions_for(user, booking),
            "workers": booking.provider.workers.filter(active=True),
            "may_resolve": selectors.is_staff(user) and user.can_write,
        },
    )


@require_POST
@any_page
def booking_action(request, pk: int, action: str):
    user = request.user
    booking = selectors.get_booking(user, pk)
    post = request.POST
    done = ""
    try:
        if action == "accept":
            bookings.accept(user=user, booking=booking)
            done = _("已接单：%(number)s") % {"number": booking.number}
        elif action == "decline":
            bookings.decline(user=user, booking=booking, reason=post.get("reason", ""))
            done = _("已拒单：%(number)s") % {"number": booking.number}
        elif action == "dispatch":
            worker = booking.provider.workers.filter(pk=_int(post.get("worker"))).first()
            if worker is None:
                raise ServiceError({"worker": [_("请选择服务人员")]})
            bookings.dispatch(user=user, booking=booking, worker=worker)
            done = _("已派单给 %(worker)s") % {"worker": worker.name}
        elif action == "check_in":
            bookings.check_in(
                user=user,
                booking=booking,
                latitude=post.get("latitude") or None,
                longitude=post.get("longitude") or None,
            )
            done = _("已签到，服务开始")
        elif action == "check_out":
            booking = bookings.check_out(
                user=user,
                booking=booking,
                latitude=post.get("latitude") or None,
                longitude=post.get("longitude") or None,
            )
            if booking.review == Booking.Review.HELD:
                messages.warning(
                    request,
                    _("已签退，但服务记录异常（%(list)s），暂缓结算，待社区或乡镇复核")
                    % {"list": "；".join(booking.anomaly_labels)},
                )
            else:
                done = _("已签退，服务费用 %(gross)s 元") % {"gross": yuan_str(booking.gross_fen)}
        elif action == "review":
            booking = bookings.review_booking(
                user=user,
                booking=booking,
                release=post.get("release") == "1",
                note=post.get("note", ""),
            )
            done = _("复核完成：%(result)s") % {"result": booking.get_review_display()}
        elif action == "confirm":
            bookings.confirm(
                user=user,
                booking=booking,
                rating=_int(post.get("rating"), 0),
                feedback=post.get("feedback", ""),
            )
            done = _("已确认服务完成，感谢评价")
        elif action == "cancel":
            bookings.cancel(user=user, booking=booking, reason=post.get("reason", ""))
            done = _("预约已取消")
        elif action == "no_show":
            bookings.no_show(user=user, booking=booking, reason=post.get("reason", ""))
            done = _("已记录未能上门服务")
        elif action == "complaint":
            bookings.file_complaint(user=user, booking=booking, text=post.get("text", ""))
            done = _("投诉已提交，社区或乡镇工作人员将处理")
        elif action == "resolve":
            complaint = booking.complaints.filter(pk=_int(post.get("complaint"))).first()
            if complaint is None:
                raise Http404()
            complaint = bookings.resolve_complaint(
                user=user,
                complaint=complaint,
                upheld=post.get("upheld") == "1",
                resolution=post.get("resolution", ""),
            )
            done = _("投诉已处理：%(result)s") % {"result": complaint.get_status_display()}
        else:
            raise Http404()
        if done:
            messages.success(request, done)
    except ServiceError as exc:
        _errors(request, exc)
    if post.get("next") == "board":
        return redirect("eldercare:board")
    return redirect("eldercare:booking_detail", pk=pk)


@any_page
def board(request):
    user = request.user
    provider = selectors.provider_of(user)
    if provider is None:
        raise PermissionDenied(_("只有服务机构账号有订单看板"))
    columns = selectors.board_for(user)
    labels = dict(Booking.Status.choices)
    return render(
        request,
        "eldercare/board.html",
        {
            "provider": provider,
            "columns": [(status, labels[status], items) for status, items in columns.items()],
            "workers": provider.workers.filter(active=True),
        },
    )


# ---------------------------------------------------------------- settlements


def _may_settle(user) -> bool:
    return selectors.is_staff(user) or selectors.provider_of(user) is not None


@page(check=_may_settle)
def settlement_list(request):
    user = request.user
    default_month = months.label(months.add_months(months.month_start(timezone.localdate()), -1))
    return render(
        request,
        "eldercare/settlement_list.html",
        {
            "settlements": selectors.settlements_for(user)[:100],
            "providers": selectors.providers_for(user).filter(active=True)[:200],
            "default_month": default_month,
        },
    )


@require_POST
@page(check=_may_settle)
def settlement_build(request):
    user = request.user
    provider = selectors.providers_for(user).filter(pk=_int(request.POST.get("provider"))).first()
    if provider is None:
        raise Http404()
    try:
        month = months.parse(request.POST.get("month", ""))
    except ValueError:
        messages.error(request, _("月份格式应为 YYYY-MM"))
        return redirect("eldercare:settlement_list")
    try:
        settlement = bookings.build_settlement(user=user, provider=provider, month=month)
        return redirect("eldercare:settlement_detail", pk=settlement.pk)
    except ServiceError as exc:
        _errors(request, exc)
    return redirect("eldercare:settlement_list")


@page(check=_may_settle)
def settlement_detail(request, pk: int):
    settlement = selectors.get_settlement(request.user, pk)
    held = selectors.bookings_for(request.user).filter(
        provider=settlement.provider,
        review=Booking.Review.HELD,
        served_on__lt=months.add_months(settlement.month, 1),
    )
    return render(
        request,
        "eldercare/settlement_detail.html",
        {
            "settlement": settlement,
            "bookings": settlement.bookings.select_related("person", "item").order_by(
                "served_on", "id"
            ),
            "may_approve": bookings.may_approve_settlements(request.user),
            "held": held.order_by("served_on", "id")[:200],
        },
    )


@require_POST
@page(check=_may_settle)
def settlement_approve(request, pk: int):
    settlement = selectors.get_settlement(request.user, pk)
    try:
        bookings.approve_settlement(user=request.user, settlement=settlement)
        messages.success(request, _("结算已审核"))
    except ServiceError as exc:
        _errors(request, exc)
    return redirect("eldercare:settlement_detail", pk=pk)


@page(check=_may_settle)
def settlement_export(request, pk: int):
    settlement = selectors.get_settlement(request.user, pk)
    try:
        content, name = bookings.export_settlement(user=request.user, settlement=settlement)
    except ServiceError as exc:
        _errors(request, exc)
        return redirect("eldercare:settlement_detail", pk=pk)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------- institutions and providers


@staff_page
def institution_list(request):
    kind = request.GET.get("kind", "")
    qs = selectors.institutions_for(request.user)
    if kind in Institution.Kind.values:
        qs = qs.filter(kind=kind)
    return render(
        request,
        "eldercare/institution_list.html",
        {
            "page_obj": paginate(
                request, dashboard.with_occupancy(qs.order_by("region__code", "id"))
            ),
            "kind": kind,
            "kinds": Institution.Kind.choices,
        },
    )


@staff_page
def institution_detail(request, pk: int):
    institution = selectors.get_institution(request.user, pk)
    return render(
        request,
        "eldercare/institution_detail.html",
        {
            "institution": institution,
            "residents": institution.residencies.filter(left_on__isnull=True).select_related(
                "person"
            ),
            "inspections": institution.inspections.all()[:20],
            "agreements": institution.health_agreements.all(),
        },
    )


@page(check=_may_settle)
def provider_list(request):
    return render(
        request,
        "eldercare/provider_list.html",
        {"providers": selectors.providers_for(request.user).prefetch_related("items")[:200]},
    )


@page(check=_may_settle)
def provider_detail(request, pk: int):
    user = request.user
    provider = selectors.get_provider(user, pk)
    own = selectors.provider_of(user)
    return render(
        request,
        "eldercare/provider_detail.html",
        {
            "provider": provider,
            "items": provider.items.all(),
            "workers": provider.workers.all(),
            "areas": provider.service_areas.all(),
            "may_edit": own is not None and own.pk == provider.pk,
            "categories": ServiceCategory.choices,
            "units": provider.items.model.Unit.choices,
        },
    )


@require_POST
@page(check=_may_settle)
def provider_add_item(request, pk: int):
    provider = selectors.get_provider(request.user, pk)
    post = request.POST
    try:
        price = yuan_to_fen(post.get("price", "").strip() or "x")
    except ValueError:
        messages.error(request, _("价格应为金额（元），最多两位小数"))
        return redirect("eldercare:provider_detail", pk=pk)
    try:
        services.add_service_item(
            user=request.user,
            provider=provider,
            category=post.get("category", ""),
            name=post.get("name", ""),
            unit=post.get("unit", ""),
            price_fen=price,
            minutes_per_unit=_int(post.get("minutes"), 0),
        )
        messages.success(request, _("已添加服务项目"))
    except ServiceError as exc:
        _errors(request, exc)
    return redirect("eldercare:provider_detail", pk=pk)


@require_POST
@page(check=_may_settle)
def provider_add_worker(request, pk: int):
    provider = selectors.get_provider(request.user, pk)
    try:
        services.add_worker(
            user=request.user,
            provider=provider,
            name=request.POST.get("name", ""),
            phone=request.POST.get("phone", ""),
        )
        messages.success(request, _("已添加服务人员"))
    except ServiceError as exc:
        _errors(request, exc)
    return redirect("eldercare:provider_detail", pk=pk)


def complaint_source_rows(user):
    """The newest booking complaints staff may read, for the complaints register's overview (no
    copy); the booking's page is where they are resolved."""
    from django.urls import reverse

    from minzheng.complaints.sources import LIMIT, SourceRow

    if selectors.provider_of(user) is not None:
        return []
    rows = (
        Complaint.objects.filter(booking__in=selectors.bookings_for(user))
        .select_related("booking__region")
        .order_by("-id")[:LIMIT]
    )
    return [
        SourceRow(
            number=c.booking.number,
            received_on=timezone.localdate(c.filed_at),
            status=str(c.get_status_display()),
            owner=c.booking.region.name,
            url=reverse("eldercare:booking_detail", args=[c.booking_id]),
        )
        for c in rows
    ]

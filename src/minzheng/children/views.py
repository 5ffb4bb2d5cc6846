"""Pages of the children's register and the child-protection cases (HTMX-free plain forms, phone
friendly): the register with filters, a record, adding from the registry by ID number, editing,
the quarterly confirmation; the report form for anyone with an account; the case list and a case
page with the form of its current stage; the workbench cards."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.people.selectors import masked_name
from minzheng.regions.models import Region
from minzheng.web.views.base import apply_service_error, page, paginate

from . import allowance, forms, selectors, services
from .deadlines import overdue_stage
from .models import Category, ChildRecord, Stage
from .permissions import (
    may_confirm_allowance,
    may_confirm_quarter,
    may_edit_register,
    may_handle_cases,
    may_read_cases,
    may_report,
    may_see_register,
    may_use_children,
    shows_names,
)

children_page = page(check=may_use_children)
register_page = page(check=may_see_register)
case_page = page(check=may_read_cases)
report_page = page(check=may_report, message=_("当前账号无权报告"))

RECORD_FIELDS = list(forms.RecordForm.base_fields)


@children_page
def index(request):
    user = request.user
    context = {"counts": selectors.counts(user), "may_see_register": may_see_register(user)}
    if may_see_register(user):
        filters = {
            "category": request.GET.get("category", "")
            if request.GET.get("category", "") in Category.values
            else "",
            "query": request.GET.get("q", "").strip()[:64] if shows_names(user) else "",
            "unconfirmed": request.GET.get("unconfirmed") == "1",
        }
        rows = paginate(
            request, selectors.records_for(user, **filters).order_by("region__path", "id")
        )
        quarter = selectors.quarter_of(timezone.localdate())
        confirmed = set(
            selectors.records_for(user)
            .filter(confirmations__quarter=quarter, pk__in=[r.pk for r in rows])
            .values_list("pk", flat=True)
        )
        context.update(
            {
                "rows": rows,
                "filters": filters,
                "categories": Category.choices,
                "confirmed": confirmed,
                "quarter_label": selectors.quarter_label(quarter),
                "names": shows_names(user),
                "may_edit": may_edit_register(user),
                "referrals": list(selectors.tekun_referrals(user)[:20])
                if may_edit_register(user)
                else [],
            }
        )
    context["may_read_cases"] = may_read_cases(user)
    context["may_report"] = may_report(user)
    return render(request, "children/index.html", context)


def _record_initial(record: ChildRecord) -> dict:
    data = {name: getattr(record, name, "") for name in RECORD_FIELDS}
    data["guardian_id_number"] = ""
    return data


@register_page
def record_new(request):
    if not may_edit_register(request.user):
        raise Http404()
    initial = {"category": request.GET.get("category", "")}
    person = None
    person_id = request.GET.get("person", "")
    if person_id.isdigit():
        from minzheng.people.selectors import people_for

        person = people_for(request.user).filter(pk=int(person_id)).first()
    if request.method == "POST":
        form = forms.NewRecordForm(request.POST)
        if person is not None:
            form.fields["id_number"].required = False
        if form.is_valid():
            try:
                record = services.register_child(
                    user=request.user,
                    data=form.cleaned_data,
                    person_id=person.pk if person else None,
                    id_number=form.cleaned_data.get("id_number", ""),
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记"))
                return redirect("children:record_detail", record.pk)
    else:
        form = forms.NewRecordForm(initial=initial)
        if person is not None:
            form.fields["id_number"].required = False
    found = []
    query = request.GET.get("q", "").strip()[:64]
    if person is None and query:
        from minzheng.people.selectors import search_people

        today = timezone.localdate()
        adult_by = today.replace(year=today.year - services.MAX_AGE, day=min(today.day, 28))
        found = list(
            search_people(request.user, query)
            .filter(birth_date__gt=adult_by, death_date__isnull=True, child_record__isnull=True)
            .order_by("hukou_region__path", "id")[:20]
        )
    return render(
        request,
        "children/record_form.html",
        {"form": form, "person": person, "query": query, "found": found},
    )


@register_page
def record_detail(request, pk: int):
    record = selectors.get_record(request.user, pk)
    quarter = selectors.quarter_of(timezone.localdate())
    return render(
        request,
        "children/record_detail.html",
        {
            "record": record,
            "names": shows_names(request.user),
            "child_name": record.person.name
            if shows_names(request.user)
            else masked_name(record.person.name),
            "guardian_name": record.guardian_name
            if shows_names(request.user)
            else masked_name(record.guardian_name),
            "confirmations": record.confirmations.select_related("confirmed_by")[:8],
            "confirmed_now": record.confirmations.filter(quarter=quarter).exists(),
            "quarter_label": selectors.quarter_label(quarter),
            "may_edit": may_edit_register(request.user),
            "may_confirm": may_confirm_quarter(request.user),
            "may_confirm_allowance": may_confirm_allowance(request.user)
            and record.category == Category.ORPHAN
            and not record.entitlement_id,
        },
    )


@register_page
def record_edit(request, pk: int):
    record = selectors.get_record(request.user, pk)
    if not may_edit_register(request.user):
        raise Http404()
    if request.method == "POST":
        form = forms.RecordForm(request.POST)
        if form.is_valid():
            try:
                services.update_child(user=request.user, record=record, data=form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("children:record_detail", record.pk)
    else:
        form = forms.RecordForm(initial=_record_initial(record))
    return render(request, "children/record_form.html", {"form": form, "record": record})


@register_page
@require_POST
def record_confirm(request, pk: int):
    record = selectors.get_record(request.user, pk)
    try:
        services.confirm_quarter(
            user=request.user, record=record, note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, _("已核实本季度信息"))
    follow = request.POST.get("next", "")
    if follow.startswith("/") and not follow.startswith("//"):
        return redirect(follow)
    return redirect("children:record_detail", record.pk)


@register_page
@require_POST
def record_allowance(request, pk: int):
    record = selectors.get_record(request.user, pk)
    try:
        entitlement = allowance.confirm_orphan(user=request.user, record=record)
    except ServiceError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(
            request,
            _("已确认，孤儿基本生活费自%(y)s年%(m)s月起发放")
            % {"y": entitlement.start_month.year, "m": entitlement.start_month.month},
        )
    return redirect("children:record_detail", record.pk)


# ---------------------------------------------------------------- reports


def _report_regions(user) -> list[tuple[str, str]]:
    """Townships of the reporter's county (a resident's: of their registered village)."""
    region = user.region
    if region is None and user.person_id:
        region = user.person.hukou_region
    qs = Region.objects.filter(level=Region.Level.TOWNSHIP)
    if region is not None:
        codes = [c for c in region.path.strip("/").split("/") if c]
        county = Region.objects.filter(code__in=codes, level=Region.Level.COUNTY).first()
        if county is not None:
            qs = qs.filter(path__startswith=county.path)
    return [(r.code, r.name) for r in qs.order_by("code")]


@report_page
def report(request):
    regions = _report_regions(request.user)
    if request.method == "POST":
        form = forms.ReportForm(request.POST, regions=regions)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.report_child(
                    user=request.user,
                    id_number=data["id_number"],
                    name=data["name"],
                    age=data["age"],
                    place=data["place"],
                    region_code=data["region_code"],
                    what_happened=data["what_happened"],
                    urgency=data["urgency"],
                    reporter_kind=data["reporter_kind"],
                    reporter_phone=data["reporter_phone"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("报告已提交，编号 %(n)s。民政部门将在24小时内处置。") % {"n": case.number},
                )
                return redirect("children:my_reports")
    else:
        initial = {}
        if request.user.region_id and request.user.region.level == Region.Level.TOWNSHIP:
            initial["region_code"] = request.user.region.code
        form = forms.ReportForm(initial=initial, regions=regions)
    return render(request, "children/report.html", {"form": form})


@report_page
def my_reports(request):
    return render(
        request,
        "children/my_reports.html",
        {"rows": paginate(request, selectors.my_reports(request.user))},
    )


# ---------------------------------------------------------------- cases


@case_page
def case_list(request):
    stage = request.GET.get("stage", "")
    stage = stage if stage in Stage.values else ""
    overdue = request.GET.get("overdue") == "1"
    rows = paginate(request, selectors.cases_for(request.user, stage=stage, overdue=overdue))
    now = timezone.now()
    rows.object_list = list(rows.object_list)
    for c in rows.object_list:
        c.overdue_now = overdue_stage(c, now)
    return render(
        request,
        "children/case_list.html",
        {
            "rows": rows,
            "stages": Stage.choices,
            "stage": stage,
            "overdue": overdue,
        },
    )


ACTION_FORMS = {
    "contact": forms.ContactForm,
    "assessment": forms.AssessmentForm,
    "plan": forms.PlanForm,
    "referral": forms.ReferralForm,
    "referral_result": forms.ReferralResultForm,
    "measure": forms.MeasureForm,
    "close": forms.CloseForm,
}


def _case_context(request, case, bound: dict | None = None) -> dict:
    bound = bound or {}
    stage_forms = {name: bound.get(name) or cls() for name, cls in ACTION_FORMS.items()}
    labels = dict(Stage.choices)
    overdue = overdue_stage(case, timezone.now())
    return {
        "case": case,
        "forms": stage_forms,
        "may_handle": may_handle_cases(request.user),
        "overdue": labels.get(overdue, ""),
        "events": case.events.all(),
        "referrals": case.referrals.all(),
        "measures": case.measures.all(),
        "steps": _steps(case),
    }


def _steps(case) -> list[tuple[str, str]]:
    """Each stage with how far the case got: done, current, skipped (监护干预 with a reason) or
    still ahead."""
    current = Stage.values.index(case.stage)
    steps = []
    for index, (code, label) in enumerate(Stage.choices):
        if code == Stage.INTERVENTION and case.intervention_skipped_reason:
            state = "skipped"
        elif index < current or case.stage == Stage.CLOSED:
            state = "done"
        elif index == current:
            state = "current"
        else:
            state = "ahead"
        steps.append((label, state))
    return steps


@case_page
def case_detail(request, pk: int):
    case = selectors.get_case(request.user, pk)
    return render(request, "children/case_detail.html", _case_context(request, case))


@case_page
@require_POST
def case_action(request, pk: int, action: str):
    case = selectors.get_case(request.user, pk)
    user = request.user
    if action == "intervention":
        try:
            services.start_intervention(user=user, case=case, note=request.POST.get("note", ""))
        except ServiceError as exc:
            messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
        return redirect("children:case_detail", case.pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404()
    form = form_class(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "contact":
                services.record_first_contact(
                    user=user, case=case, action=d["action"], id_number=d["id_number"]
                )
            elif action == "assessment":
                services.record_assessment(
                    user=user, case=case, assessment=d["assessment"], on=d["on"]
                )
            elif action == "plan":
                services.record_plan(user=user, case=case, plan=d["plan"], on=d["on"])
            elif action == "referral":
                services.add_referral(user=user, case=case, data=d)
            elif action == "referral_result":
                services.update_referral(
                    user=user,
                    case=case,
                    referral_id=d["referral"],
                    status=d["status"],
                    note=d["note"],
                )
            elif action == "measure":
                services.add_measure(
                    user=user,
                    case=case,
                    kind=d["kind"],
                    document=d["document"],
                    on=d["on"],
                    note=d["note"],
                )
            elif action == "close":
                services.close_case(
                    user=user, case=case, note=d["note"], skip_reason=d["skip_reason"]
                )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("children:case_detail", case.pk)
    case = selectors.get_case(user, pk)
    return render(
        request,
        "children/case_detail.html",
        _case_context(request, case, {action: form}),
        status=422,
    )


# ---------------------------------------------------------------- workbench cards


def child_protection_widget_context(user):
    """Overdue child cases (escalated or due) and 特困 referrals, for the case handlers."""
    if not may_handle_cases(user) or user.role not in ("child_protection", "township_clerk"):
        return None
    count, cases = selectors.overdue_cases(user)
    return {
        "overdue_count": count,
        "overdue_cases": cases,
        "open_count": selectors.cases_for(user).exclude(stage=Stage.CLOSED).count(),
        "referrals": list(selectors.tekun_referrals(user)[:5]),
    }


def village_widget_context(user):
    if not (user.is_authenticated and user.role == "village_worker"):
        return None
    count, rows = selectors.unconfirmed_this_quarter(user)
    return {
        "count": count,
        "rows": rows,
        "quarter_label": selectors.quarter_label(selectors.quarter_of(timezone.localdate())),
    }


def reporter_widget_context(user):
    if not (user.is_authenticated and user.role in ("reporter", "resident")):
        return None
    return {"reports": list(selectors.my_reports(user)[:5])}


# ---------------------------------------------------------------- offered on a 特困 case page


def tekun_case_referrals(case, user) -> list[dict]:
    """On an open 特困 application, each member under 16 not yet on the orphan register, with the
    register form filled in for them (for those who may add to the register)."""
    if case.programme != "tekun" or case.closed_on or not may_edit_register(user):
        return []
    children = selectors.tekun_referrals(user).filter(
        memberships__household_id=case.household_id,
        memberships__until__isnull=True,
    )
    url = reverse("children:record_new")
    return [
        {
            "label": _("登记为孤儿"),
            "detail": _("%(name)s未满16周岁，应纳入孤儿保障而非特困供养") % {"name": child.name},
            "url": f"{url}?person={child.pk}&category=orphan",
        }
        for child in children
    ]

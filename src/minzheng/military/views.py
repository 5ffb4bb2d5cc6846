"""Pages of double-support enrolment, the retired cadres and military-related appeals (plain
forms, phone friendly), and the workbench cards."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.people.selectors import masked_name, masked_phone
from minzheng.regions.models import Region
from minzheng.web.views.base import apply_service_error, page, paginate

from . import deadlines, forms, selectors, services
from .models import (
    AppealStage,
    EnrolmentResult,
    Satisfaction,
    TreatmentCode,
)
from .permissions import (
    appeal_names,
    cadre_names,
    may_apply,
    may_file_appeal,
    may_handle_appeals,
    may_keep_cadres,
    may_read_appeals,
    may_read_cadres,
    may_read_enrolments,
    may_report_appeals,
    may_review,
    may_review_appeals,
    may_use_military,
)

military_page = page(check=may_use_military)
support_page = page(check=may_read_enrolments)
cadre_page = page(check=may_read_cadres)
appeal_page = page(check=may_read_appeals)
file_page = page(check=may_file_appeal, message=_("当前账号无权登记涉军诉求"))


def _errors_text(exc: ServiceError) -> str:
    return " ".join(m for ms in exc.errors.values() for m in ms)


@military_page
def index(request):
    user = request.user
    today = timezone.localdate()
    context = {
        "may_enrol": may_read_enrolments(user),
        "may_cadres": may_read_cadres(user),
        "may_appeals": may_read_appeals(user),
        "may_file": may_file_appeal(user),
        "year": today.year,
    }
    if context["may_enrol"]:
        rows = selectors.enrolments_for(user, year=today.year)
        context["enrol"] = {
            "applied": rows.count(),
            "pending": rows.filter(result=EnrolmentResult.PENDING).count(),
            "enrolled": rows.filter(result=EnrolmentResult.ENROLLED).count(),
        }
    if context["may_cadres"]:
        context["cadres"] = selectors.cadre_counts(user, today.year)
    if context["may_appeals"]:
        qs = selectors.appeals_for(user)
        context["appeals"] = {
            "open": qs.exclude(stage__in=[AppealStage.CLOSED, AppealStage.NOT_ACCEPTED]).count(),
            "overdue": selectors.appeals_for(user, overdue=True).count(),
            "year": qs.filter(received_on__year=today.year).count(),
        }
    return render(request, "military/index.html", context)


# ---------------------------------------------------------------- double support


def _applicable_regions(user):
    role = "admin" if user.is_superuser else user.role
    levels = {
        "village_worker": ["village"],
        "township_clerk": ["township", "village"],
        "county_approver": ["county"],
        "admin": ["county", "township"],
    }.get(role, [])
    qs = Region.objects.filter(scope_q_self(user))
    qs = qs.filter(level__in=levels, kind="statutory").exclude(level="village", urban_rural="rural")
    if role in ("village_worker", "county_approver"):
        qs = qs.filter(pk=user.region_id)
    return qs.order_by("code")[:200]


def scope_q_self(user):
    from django.db.models import Q

    from minzheng.core.scope import scope_paths

    paths = scope_paths(user)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for p in paths:
        q |= Q(path__startswith=p)
    return q


@support_page
def support(request):
    user = request.user
    today = timezone.localdate()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else today.year
    form = None
    if may_apply(user):
        form = forms.EnrolmentForm(request.POST or None, initial={"year": today.year})
        form.fields["region_code"].choices = [
            (r.code, f"{r.name}（{r.get_level_display()}）") for r in _applicable_regions(user)
        ]
        if request.method == "POST" and form.is_valid():
            try:
                services.apply_enrolment(
                    user=user,
                    region_code=form.cleaned_data["region_code"],
                    year=form.cleaned_data["year"],
                    application=form.cleaned_data["application"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已申报"))
                return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    elif request.method == "POST":
        raise Http404()
    rows = paginate(request, selectors.enrolments_for(user, year=year).order_by("region__path"))
    return render(
        request,
        "military/support.html",
        {
            "rows": rows,
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "form": form,
            "review_form": forms.ReviewForm(),
            "may_review": may_review(user),
        },
        status=422 if form is not None and form.errors else 200,
    )


@support_page
@require_POST
def support_review(request, pk: int):
    row = selectors.get_enrolment(request.user, pk)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_enrolment(user=request.user, enrolment=row, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, _errors_text(exc))
        else:
            messages.success(request, _("已审核"))
    else:
        messages.error(request, _("请填写审核结果、考核得分和考核依据"))
    return redirect(f"/military/support/?year={row.year}")


# ---------------------------------------------------------------- retired cadres


@cadre_page
def cadre_list(request):
    user = request.user
    today = timezone.localdate()
    form = None
    if may_keep_cadres(user):
        form = forms.HandoverForm(request.POST or None, initial={"handover_year": today.year})
        if request.method == "POST" and form.is_valid():
            try:
                cadre = services.register_handover(user=user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已登记移交人员"))
                return redirect("military:cadre_detail", cadre.pk)
    elif request.method == "POST":
        raise Http404()
    query = request.GET.get("q", "").strip()[:32] if cadre_names(user) else ""
    rows = paginate(
        request, selectors.cadres_for(user, query=query).order_by("-handover_year", "id")
    )
    for c in rows:
        c.shown_name = c.person.name if cadre_names(user) else masked_name(c.person.name)
    return render(
        request,
        "military/cadre_list.html",
        {
            "rows": rows,
            "query": query,
            "form": form,
            "names": cadre_names(user),
            "counts": selectors.cadre_counts(user, today.year),
            "year": today.year,
        },
        status=422 if form is not None and form.errors else 200,
    )


def _cadre_context(request, cadre, bound: dict | None = None) -> dict:
    year = timezone.localdate().year
    bound = bound or {}
    items = {t.item: t for t in cadre.treatments.filter(year=year)}
    checklist = [(code, label, items.get(code)) for code, label in TreatmentCode.choices]
    open_items = [
        (code, label) for code, label, item in checklist if not item or not item.delivered_on
    ]
    treatment = bound.get("treatment") or forms.TreatmentForm(prefix="treatment")
    treatment.fields["item"].choices = open_items
    return {
        "cadre": cadre,
        "open_items": open_items,
        "name": cadre.person.name if cadre_names(request.user) else masked_name(cadre.person.name),
        "year": year,
        "checklist": checklist,
        "services": list(cadre.services.all()[:20]),
        "surveys": list(cadre.surveys.all()),
        "survey_done": cadre.surveys.filter(year=year).exists(),
        "form_errors": [e for f in bound.values() for e in f.non_field_errors()],
        "may_keep": may_keep_cadres(request.user),
        "forms": {
            "receive": bound.get("receive") or forms.ReceiveForm(prefix="receive"),
            "treatment": treatment,
            "service": bound.get("service") or forms.ServiceForm(prefix="service"),
            "survey": bound.get("survey") or forms.SurveyForm(prefix="survey"),
        },
    }


@cadre_page
def cadre_detail(request, pk: int):
    cadre = selectors.get_cadre(request.user, pk)
    return render(request, "military/cadre_detail.html", _cadre_context(request, cadre))


CADRE_FORMS = {
    "receive": forms.ReceiveForm,
    "treatment": forms.TreatmentForm,
    "service": forms.ServiceForm,
    "survey": forms.SurveyForm,
}


@cadre_page
@require_POST
def cadre_action(request, pk: int, action: str):
    cadre = selectors.get_cadre(request.user, pk)
    form_class = CADRE_FORMS.get(action)
    if form_class is None:
        raise Http404()
    form = form_class(request.POST, prefix=action)
    user = request.user
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "receive":
                services.receive_cadre(user=user, cadre=cadre, on=d["on"])
            elif action == "treatment":
                services.deliver_item(
                    user=user, cadre=cadre, item=d["item"], on=d["on"], note=d["note"]
                )
            elif action == "service":
                services.log_service(
                    user=user, cadre=cadre, kind=d["kind"], note=d["note"], on=d["on"]
                )
            elif action == "survey":
                services.record_survey(user=user, cadre=cadre, **d)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("military:cadre_detail", cadre.pk)
    cadre = selectors.get_cadre(user, pk)
    return render(
        request,
        "military/cadre_detail.html",
        _cadre_context(request, cadre, {action: form}),
        status=422,
    )


# ---------------------------------------------------------------- appeals


def _shown(user, appeal):
    """Name and phone as the user may see them."""
    if appeal_names(user):
        return appeal.appellant_name, appeal.appellant_phone
    return masked_name(appeal.appellant_name), masked_phone(appeal.appellant_phone)


@appeal_page
def appeal_list(request):
    user = request.user
    stage = request.GET.get("stage", "")
    stage = stage if stage in AppealStage.values else ""
    overdue = request.GET.get("overdue") == "1"
    rows = paginate(
        request,
        selectors.appeals_for(user, stage=stage, overdue=overdue).order_by("-received_on", "-id"),
    )
    today = timezone.localdate()
    for a in rows:
        a.shown_name = _shown(user, a)[0]
        a.late = deadlines.overdue(a, today)
    return render(
        request,
        "military/appeal_list.html",
        {
            "rows": rows,
            "stage": stage,
            "overdue": overdue,
            "stages": AppealStage.choices,
            "may_file": may_file_appeal(user) and user.role != "resident",
        },
    )


def _township_choices(user):
    qs = Region.objects.filter(scope_q_self(user), level="township", kind="statutory")
    return [("", "—")] + [(r.code, r.name) for r in qs.order_by("code")[:300]]


@file_page
def appeal_new(request):
    user = request.user
    if user.role == "resident":
        return redirect("military:my_appeals")
    form = forms.AppealForm(request.POST or None)
    form.fields["region_code"].choices = _township_choices(user)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = services.file_appeal(user=user, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已登记涉军诉求 %(n)s") % {"n": appeal.number})
            return redirect("military:appeal_detail", appeal.pk)
    return render(
        request,
        "military/appeal_new.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@file_page
def my_appeals(request):
    user = request.user
    form = forms.OnlineAppealForm(request.POST or None) if user.role == "resident" else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            appeal = services.file_appeal(user=user, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("诉求已提交，编号 %(n)s") % {"n": appeal.number})
            return redirect("military:my_appeals")
    return render(
        request,
        "military/my_appeals.html",
        {"form": form, "rows": list(selectors.my_appeals(user)[:50])},
        status=422 if form is not None and form.errors else 200,
    )


ACTION_FORMS = {
    "accept": forms.OnForm,
    "decline": forms.ReasonForm,
    "note": forms.NoteForm,
    "extend": forms.ReasonForm,
    "reply": forms.ReplyForm,
    "satisfaction": forms.SatisfactionForm,
    "review": forms.ReasonForm,
    "review_result": forms.ReviewResultForm,
    "report": forms.OnForm,
    "facts": forms.FactsForm,
    "flag": forms.FlagForm,
}


def _appeal_context(request, appeal, bound: dict | None = None) -> dict:
    user = request.user
    bound = bound or {}
    name, phone = _shown(user, appeal)
    return {
        "appeal": appeal,
        "name": name,
        "phone": phone,
        "overdue": deadlines.overdue(appeal, timezone.localdate()),
        "events": list(appeal.events.all()),
        "may_handle": may_handle_appeals(user),
        "may_report": may_report_appeals(user),
        "may_review": may_review_appeals(user),
        "satisfactions": Satisfaction.choices,
        "forms": {key: bound.get(key) or cls(prefix=key) for key, cls in ACTION_FORMS.items()},
    }


@appeal_page
def appeal_detail(request, pk: int):
    appeal = selectors.get_appeal(request.user, pk)
    return render(request, "military/appeal_detail.html", _appeal_context(request, appeal))


@appeal_page
@require_POST
def appeal_action(request, pk: int, action: str):
    appeal = selectors.get_appeal(request.user, pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404()
    form = form_class(request.POST, prefix=action)
    user = request.user
    if form.is_valid():
        d = form.cleaned_data
        try:
            call = {
                "accept": lambda: services.accept_appeal(user=user, appeal=appeal, on=d.get("on")),
                "decline": lambda: services.decline_appeal(
                    user=user, appeal=appeal, reason=d.get("reason")
                ),
                "note": lambda: services.add_note(user=user, appeal=appeal, note=d.get("note")),
                "extend": lambda: services.extend_appeal(
                    user=user, appeal=appeal, reason=d.get("reason")
                ),
                "reply": lambda: services.reply_appeal(
                    user=user, appeal=appeal, reply=d.get("reply"), on=d.get("on")
                ),
                "satisfaction": lambda: services.record_satisfaction(
                    user=user, appeal=appeal, satisfaction=d.get("satisfaction")
                ),
                "review": lambda: services.request_review(
                    user=user, appeal=appeal, reason=d.get("reason")
                ),
                "review_result": lambda: services.decide_review(
                    user=user, appeal=appeal, result=d.get("result")
                ),
                "report": lambda: services.report_appeal(user=user, appeal=appeal, on=d.get("on")),
                "facts": lambda: services.check_facts(
                    user=user, appeal=appeal, result=d.get("result"), note=d.get("note")
                ),
                "flag": lambda: services.flag_appeal(user=user, appeal=appeal, **d),
            }[action]
            call()
        except ServiceError as exc:
            apply_service_error(form, exc, {"on": "on"})
            if not form.errors:
                form.add_error(None, _errors_text(exc))
        else:
            messages.success(request, _("已保存"))
            return redirect("military:appeal_detail", appeal.pk)
    appeal = selectors.get_appeal(user, pk)
    return render(
        request,
        "military/appeal_detail.html",
        _appeal_context(request, appeal, {action: form}),
        status=422,
    )


# ---------------------------------------------------------------- workbench cards


def appeals_widget_context(user):
    """Appeals late or waiting for acceptance, for the township clerk and the county."""
    if not may_handle_appeals(user) or user.role not in ("township_clerk", "county_approver"):
        return None
    count = selectors.appeals_for(user, overdue=True).count()
    waiting = selectors.appeals_for(user).filter(
        stage__in=[AppealStage.FILED, AppealStage.ACCEPTED]
    )
    rows = list(waiting.order_by("-received_on", "-id")[:5])  # the newest first
    today = timezone.localdate()
    for a in rows:
        a.late = deadlines.overdue(a, today)
    return {"overdue_count": count, "open_count": waiting.count(), "rows": rows}


def cadre_widget_context(user):
    if not (user.is_authenticated and user.role == "cadre_centre"):
        return None
    year = timezone.localdate().year
    counts = selectors.cadre_counts(user, year)
    waiting = list(
        selectors.cadres_for(user).filter(received_on__isnull=True).order_by("due_on")[:5]
    )
    return {"counts": counts, "waiting": waiting, "year": year}


def appeal_source_rows(user):
    """The newest appeals the user may read, for the complaints register's overview (no copy)."""
    from django.urls import reverse

    from minzheng.complaints.sources import LIMIT, SourceRow

    today = timezone.localdate()
    rows = selectors.appeals_for(user).order_by("-received_on", "-id")[:LIMIT]
    return [
        SourceRow(
            number=a.number,
            received_on=a.received_on,
            status=str(a.get_stage_display()),
            owner=a.region.name,
            url=reverse("military:appeal_detail", args=[a.pk]),
            overdue=bool(deadlines.overdue(a, today)),
        )
        for a in rows
    ]

"""Pages of the social-organisation registry: the registry's desk (applications, changes, annual
inspection, ratings, supervision, complaints), the organisation's own page (apply, certificate,
annual report, changes, rating), the public sign-up, complaint form and register, and the
workbench cards."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.regions.models import Region
from minzheng.web.views.base import apply_service_error, page, paginate

from . import forms, rules, selectors, services
from .models import (
    ComplaintStatus,
    Conclusion,
    OrganisationStatus,
    RequestKind,
    bureau_name,
)
from .permissions import (
    is_organisation,
    is_registry_staff,
    may_decide,
    may_read,
    may_use_socialorgs,
)

desk_page = page(check=may_read)
org_page = page(check=is_organisation, message=_("仅限社会组织账号"))
any_page = page(check=may_use_socialorgs)


def _errors_text(exc: ServiceError) -> str:
    return " ".join(m for ms in exc.errors.values() for m in ms)


def _registries(user=None):
    qs = Region.objects.filter(level__in=["city", "county"], kind="statutory").order_by("code")
    if user is not None and not is_organisation(user):
        qs = [r for r in qs if _in_scope(user, r)]
    return [(r.code, bureau_name(r)) for r in qs]


def _in_scope(user, region) -> bool:
    from minzheng.core.scope import region_in_scope

    return region_in_scope(user, region)


def _townships():
    qs = Region.objects.filter(level="township", kind="statutory").select_related("parent")
    return [(r.code, f"{r.parent.name} {r.name}") for r in qs.order_by("code")[:400]]


# ---------------------------------------------------------------- registry desk


@desk_page
def index(request):
    user = request.user
    today = timezone.localdate()
    year = today.year - 1
    return render(
        request,
        "socialorgs/index.html",
        {
            "pending": list(selectors.pending_applications(user).order_by("due_on")[:50]),
            "requests": list(selectors.pending_requests(user).order_by("due_on")[:50]),
            "reports": list(
                selectors.reports_for(user, year=year, pending=True).order_by("filed_on")[:50]
            ),
            "overdue": list(selectors.overdue_reports(user, year, today).order_by("name")[:50]),
            "ratings": list(
                selectors.ratings_for(user).filter(decided_on__isnull=True).order_by("applied_on")
            ),
            "complaints": list(
                selectors.complaints_for(user)
                .exclude(status=ComplaintStatus.CLOSED)
                .order_by("due_on")[:50]
            ),
            "listed": list(selectors.list_entries_for(user)[:50]),
            "year": year,
            "today": today,
            "may_window": is_registry_staff(user),
        },
    )


@desk_page
def org_list(request):
    query = request.GET.get("q", "").strip()[:50]
    status = request.GET.get("status", "")
    status = status if status in OrganisationStatus.values else ""
    rows = paginate(
        request,
        selectors.organisations_for(request.user, query=query, status=status).order_by(
            "-applied_at", "-id"
        ),
    )
    return render(
        request,
        "socialorgs/org_list.html",
        {"rows": rows, "query": query, "status": status, "statuses": OrganisationStatus.choices},
    )


ORG_FORMS = {
    "refuse": forms.RefuseForm,
    "inspect": forms.InspectForm,
    "grade": forms.GradeForm,
    "measure": forms.MeasureForm,
    "list": forms.ListForm,
    "decide_refuse": forms.RefuseForm,
    "unlist": forms.RefuseForm,
}


def _org_context(request, org, bound=None) -> dict:
    user = request.user
    bound = bound or {}
    today = timezone.localdate()
    return {
        "org": org,
        "reports": list(org.annual_reports.order_by("-year")),
        "ratings": list(org.ratings.order_by("-applied_on")),
        "measures": list(org.measures.all()),
        "entries": list(org.list_entries.all()),
        "requests": list(org.requests.all()),
        "rating": selectors.current_rating(org, today),
        "may_decide": may_decide(user, org.registry),
        "forms": {k: bound.get(k) or cls(prefix=k) for k, cls in ORG_FORMS.items()},
        "conclusions": Conclusion.choices,
    }


@desk_page
def org_detail(request, pk: int):
    org = selectors.get_organisation(request.user, pk)
    return render(request, "socialorgs/org_detail.html", _org_context(request, org))


@desk_page
@require_POST
def org_action(request, pk: int, action: str):
    user = request.user
    org = selectors.get_organisation(user, pk)
    form_class = ORG_FORMS.get(action)
    form = form_class(request.POST, prefix=action) if form_class else None
    target = request.POST.get("target", "")
    try:
        if action == "approve":
            org = services.approve_registration(user=user, organisation=org)
            messages.success(
                request, _("已准予登记，统一社会信用代码 %(c)s") % {"c": org.credit_code}
            )
            return redirect("socialorgs:org_detail", org.pk)
        elif action == "decide_approve":
            row = selectors.get_request(user, int(target or 0))
            services.decide_request(user=user, request=row, approve=True)
        elif form is None:
            raise Http404()
        elif not form.is_valid():
            raise ServiceError({})
        else:
            d = form.cleaned_data
            if action == "refuse":
                services.refuse_registration(user=user, organisation=org, reason=d["reason"])
            elif action == "decide_refuse":
                row = selectors.get_request(user, int(target or 0))
                services.decide_request(user=user, request=row, approve=False, reason=d["reason"])
            elif action == "inspect":
                report = selectors.get_report(user, int(target or 0))
                services.inspect_report(user=user, report=report, **d)
            elif action == "grade":
                rating = selectors.get_rating(user, int(target or 0))
                services.grade_rating(user=user, rating=rating, score=d["score"])
            elif action == "measure":
                services.record_measure(
                    user=user,
                    organisation=org,
                    kind=d["kind"],
                    findings=d["findings"],
                    amount_fen=d["amount_yuan"] * 100 if d["amount_yuan"] else None,
                    until=d["until"],
                )
            elif action == "list":
                services.enter_list(
                    user=user, organisation=org, list_kind=d["list_kind"], reason=d["reason"]
                )
            elif action == "unlist":
                entry = selectors.get_list_entry(user, int(target or 0))
                services.remove_from_list(user=user, entry=entry, reason=d["reason"])
    except (ValueError, NotFoundOrOutOfScope):
        raise Http404() from None
    except ServiceError as exc:
        if form is not None:
            apply_service_error(form, exc)
            if exc.errors and not form.errors:
                form.add_error(None, _errors_text(exc))
        else:
            messages.error(request, _errors_text(exc))
            return redirect("socialorgs:org_detail", org.pk)
        org = selectors.get_organisation(user, pk)
        return render(
            request,
            "socialorgs/org_detail.html",
            _org_context(request, org, {action: form}),
            status=422,
        )
    messages.success(request, _("已保存"))
    return redirect("socialorgs:org_detail", org.pk)


@any_page
def certificate(request, pk: int):
    org = selectors.get_organisation(request.user, pk)
    try:
        data = services.certificate_pdf(org)
    except ServiceError:
        raise Http404() from None
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{org.credit_code}.pdf"'
    return response


@any_page
def articles(request, pk: int):
    """The articles filed with the application, for the registry that reviews them and for the
    organisation itself (scope as for the organisation's page)."""
    org = selectors.get_organisation(request.user, pk)
    if not org.articles:
        raise Http404()
    response = FileResponse(org.articles.open("rb"), as_attachment=True)
    response["Content-Disposition"] = f'attachment; filename="articles-{org.pk}{org.articles_ext}"'
    return response


# ---------------------------------------------------------------- applications


def _application(request, form_class, template):
    user = request.user
    form = form_class(request.POST or None, request.FILES or None)
    form.fields["registry_code"].choices = [("", "—")] + _registries(
        None if is_organisation(user) else user
    )
    form.fields["region_code"].choices = [("", "—")] + _townships()
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            org = services.apply_registration(
                user=user,
                name=d["name"],
                kind=d["kind"],
                field=d["field"],
                registry_code=d["registry_code"],
                region_code=d["region_code"],
                address=d["address"],
                supervising_unit=d["supervising_unit"],
                capital_fen=d["capital_yuan"] * 100,
                purpose=d["purpose"],
                phone=d["phone"],
                articles=d["articles"],
                legal_id_number=d.get("legal_id_number", ""),
                legal_name=d.get("legal_name", ""),
            )
        except ServiceError as exc:
            apply_service_error(form, exc, {"capital_fen": "capital_yuan"})
        else:
            messages.success(
                request,
                _("登记申请已提交，法定办理时限至 %(d)s") % {"d": f"{org.due_on:%Y-%m-%d}"},
            )
            if is_organisation(user):
                return redirect("socialorgs:mine")
            return redirect("socialorgs:org_detail", org.pk)
    return render(request, template, {"form": form}, status=422 if form.errors else 200)


@page(check=lambda u: is_organisation(u) or is_registry_staff(u))
def apply(request):
    if is_organisation(request.user):
        return _application(request, forms.ApplicationForm, "socialorgs/apply.html")
    return _application(request, forms.WindowApplicationForm, "socialorgs/apply.html")


# ---------------------------------------------------------------- the organisation's page


def report_task(org, today):
    """What the organisation owes for last year's report, for its page and its workbench card."""
    if org is None or org.status != OrganisationStatus.REGISTERED:
        return None
    year = today.year - 1
    report = org.annual_reports.filter(year=year).first()
    state = rules.report_state(
        registered_on=org.registered_on,
        ended_on=org.ended_on,
        has_supervisor=bool(org.supervising_unit),
        year=year,
        filed_on=report.filed_on if report else None,
        supervisor_on=report.supervisor_on if report else None,
        today=today,
    )
    if state == rules.ReportState.NOT_DUE:
        return None
    return {
        "year": year,
        "state": state,
        "report": report,
        "supervisor_deadline": rules.supervisor_deadline(year),
        "registry_deadline": rules.registry_deadline(year),
        "open": report is None,
    }


MINE_FORMS = {"report": forms.ReportForm, "change": forms.ChangeForm}


def _mine_context(request, bound=None) -> dict:
    bound = bound or {}
    org = selectors.own_organisation(request.user)
    today = timezone.localdate()
    task = report_task(org, today)
    report_form = bound.get("report") or forms.ReportForm(
        prefix="report", initial={"year": today.year - 1}
    )
    return {
        "org": org,
        "task": task,
        "reports": list(org.annual_reports.order_by("-year")) if org else [],
        "requests": list(org.requests.all()) if org else [],
        "ratings": list(org.ratings.order_by("-applied_on")) if org else [],
        "rating": selectors.current_rating(org, today) if org else None,
        "may_rate": bool(
            org
            and org.status == OrganisationStatus.REGISTERED
            and rules.may_be_rated(org.registered_on, today)
        ),
        "forms": {
            "report": report_form,
            "change": bound.get("change") or forms.ChangeForm(prefix="change"),
        },
    }


@org_page
def mine(request):
    return render(request, "socialorgs/mine.html", _mine_context(request))


@org_page
@require_POST
def mine_action(request, action: str):
    user = request.user
    org = selectors.own_organisation(user)
    if org is None:
        raise Http404()
    if action == "rating":
        try:
            services.apply_rating(user=user, organisation=org)
        except ServiceError as exc:
            messages.error(request, _errors_text(exc))
        else:
            messages.success(request, _("评估申请已提交"))
        return redirect("socialorgs:mine")
    form_class = MINE_FORMS.get(action)
    if form_class is None:
        raise Http404()
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "report":
                services.file_report(
                    user=user,
                    organisation=org,
                    year=d["year"],
                    income_fen=d["income_yuan"] * 100,
                    expenditure_fen=d["expenditure_yuan"] * 100,
                    net_assets_fen=d["net_assets_yuan"] * 100,
                    staff=d["staff"],
                    activities=d["activities"],
                    supervisor_on=d["supervisor_on"],
                )
            else:
                changes = {}
                if d["kind"] == RequestKind.CHANGE:
                    changes = {
                        k: v
                        for k, v in (
                            ("name", d["name"]),
                            ("address", d["address"]),
                            ("legal_representative", d["legal_id_number"]),
                            ("legal_name", d["legal_name"]),
                            ("purpose", d["purpose"]),
                            (
                                "capital_fen",
                                d["capital_yuan"] * 100 if d["capital_yuan"] is not None else None,
                            ),
                        )
                        if v not in (None, "")
                    }
                services.file_request(
                    user=user, organisation=org, kind=d["kind"], changes=changes, reason=d["reason"]
                )
        except ServiceError as exc:
            apply_service_error(
                form,
                exc,
                {
                    "capital_fen": "capital_yuan",
                    "legal_representative": "legal_id_number",
                    "changes": None,
                },
            )
            if not form.errors:
                form.add_error(None, _errors_text(exc))
        else:
            messages.success(
                request, _("年度报告已报送") if action == "report" else _("申请已提交")
            )
            return redirect("socialorgs:mine")
    return render(
        request, "socialorgs/mine.html", _mine_context(request, {action: form}), status=422
    )


# ---------------------------------------------------------------- public sign-up


def signup(request):
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.signup(**form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.info(request, services.neutral_answer())
            return redirect(f"/socialorgs/signup/activate/?u={form.cleaned_data['username']}")
    return render(
        request, "socialorgs/signup.html", {"form": form}, status=422 if form.errors else 200
    )


def signup_activate(request):
    from django.contrib.auth import login

    form = forms.ActivateForm(request.POST or None, initial={"username": request.GET.get("u", "")})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.activate(**form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            login(request, user, backend="minzheng.accounts.backends.PlatformBackend")
            messages.success(request, _("账号已开通，请填写社会组织登记申请"))
            return redirect("socialorgs:apply")
    return render(
        request, "socialorgs/activate.html", {"form": form}, status=422 if form.errors else 200
    )


# ---------------------------------------------------------------- complaints


def _counties():
    qs = Region.objects.filter(level="county", kind="statutory").order_by("code")
    return [("", "—")] + [(r.code, r.name) for r in qs]


def complaint_new(request):
    """Anyone: a signed-in account files under its own name; the public with a name and phone."""
    user = request.user
    form = forms.ComplaintForm(request.POST or None)
    form.fields["region_code"].choices = _counties()
    if request.method == "POST" and form.is_valid():
        try:
            row = services.file_complaint(
                user=user if user.is_authenticated else None, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("投诉已受理，编号 %(n)s，请妥善保存") % {"n": row.number})
            if user.is_authenticated and may_read(user):
                return redirect("socialorgs:complaint_detail", row.pk)
            return redirect("socialorgs:complaint_new")
    mine = (
        list(selectors.complaints_for(user)[:20])
        if user.is_authenticated and not may_read(user)
        else []
    )
    return render(
        request,
        "socialorgs/complaint_new.html",
        {"form": form, "mine": mine, "anonymous": not user.is_authenticated},
        status=422 if form.errors else 200,
    )


@desk_page
def complaint_list(request):
    today = timezone.localdate()
    overdue = request.GET.get("overdue") == "1"
    rows = paginate(
        request,
        selectors.complaints_for(request.user, overdue=overdue, today=today).order_by(
            "-received_on", "-id"
        ),
    )
    return render(
        request,
        "socialorgs/complaint_list.html",
        {"rows": rows, "overdue": overdue, "today": today},
    )


COMPLAINT_FORMS = {"note": forms.NoteForm, "reply": forms.ReplyForm}


def _complaint_context(request, row, bound=None):
    bound = bound or {}
    return {
        "c": row,
        "today": timezone.localdate(),
        "may_handle": is_registry_staff(request.user),
        "full": request.user.role != "leader",
        "forms": {k: bound.get(k) or cls(prefix=k) for k, cls in COMPLAINT_FORMS.items()},
    }


@desk_page
def complaint_detail(request, pk: int):
    row = selectors.get_complaint(request.user, pk)
    return render(request, "socialorgs/complaint_detail.html", _complaint_context(request, row))


@desk_page
@require_POST
def complaint_action(request, pk: int, action: str):
    row = selectors.get_complaint(request.user, pk)
    form_class = COMPLAINT_FORMS.get(action)
    if form_class is None:
        raise Http404()
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            if action == "note":
                services.note_complaint(user=request.user, complaint=row, **form.cleaned_data)
            else:
                services.reply_complaint(user=request.user, complaint=row, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("socialorgs:complaint_detail", row.pk)
    row = selectors.get_complaint(request.user, pk)
    return render(
        request,
        "socialorgs/complaint_detail.html",
        _complaint_context(request, row, {action: form}),
        status=422,
    )


# ---------------------------------------------------------------- public register


def public_list(request):
    query = request.GET.get("q", "").strip()[:50]
    rows = paginate(request, selectors.public_organisations(query=query))
    return render(request, "socialorgs/public_list.html", {"rows": rows, "query": query})


def public_detail(request, code: str):
    org = selectors.public_organisations().filter(credit_code=code).first()
    if org is None:
        raise Http404()
    today = timezone.localdate()
    return render(
        request,
        "socialorgs/public_detail.html",
        {
            "org": org,
            "rating": selectors.current_rating(org, today),
            "inspections": list(org.annual_reports.exclude(conclusion="").order_by("-year")[:5]),
            "abnormal": org.list_entries.filter(removed_on__isnull=True).order_by("-entered_on"),
        },
    )


# ---------------------------------------------------------------- workbench cards


def registry_widget_context(user):
    if not is_registry_staff(user) or user.is_superuser:
        return None
    today = timezone.localdate()
    year = today.year - 1
    # Only the applications of the user's own level: the city section decides the city's.
    level = "city" if user.role == "city_section" else "county"
    pending = selectors.pending_applications(user).filter(registry__level=level)
    return {
        "pending": pending.count(),
        "pending_rows": list(pending.order_by("due_on")[:5]),
        "requests": selectors.pending_requests(user).count(),
        "reports": selectors.reports_for(user, year=year, pending=True).count(),
        "complaints": selectors.complaints_for(user).exclude(status=ComplaintStatus.CLOSED).count(),
        "late_complaints": selectors.complaints_for(user, overdue=True, today=today).count(),
        "year": year,
    }


def organisation_widget_context(user):
    if not is_organisation(user):
        return None
    org = selectors.own_organisation(user)
    return {"org": org, "task": report_task(org, timezone.localdate())}


def complaint_source_rows(user):
    """The newest complaints about organisations the registry staff may read, for the complaints
    register's overview (no copy)."""
    from django.urls import reverse
    from django.utils import timezone

    from minzheng.complaints.sources import LIMIT, SourceRow

    from .permissions import may_read as may_read_orgs

    if not may_read_orgs(user):
        return []
    today = timezone.localdate()
    rows = selectors.complaints_for(user).order_by("-received_on", "-id")[:LIMIT]
    return [
        SourceRow(
            number=c.number,
            received_on=c.received_on,
            status=str(c.get_status_display()),
            owner=c.registry_label,
            url=reverse("socialorgs:complaint_detail", args=[c.pk]),
            overdue=c.status != "closed" and c.due_on < today,
        )
        for c in rows
    ]

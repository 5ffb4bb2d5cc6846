"""Pages of the application procedure: online application and "my cases" for residents, the case
list with overdue highlighting and a detail page with the allowed actions for staff. Views only
parse forms and call the services and selectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.accounts.models import Role
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.people import selectors as people_selectors
from minzheng.regions.models import Region

from . import clock, forms, medical_selectors, pdf, selectors, services
from . import referrals as case_referrals
from .assessment import ASSESSED_STATES, assess_case
from .models import Case, Programme, State

PAGE_SIZE = 20


def case_page(view):
    """Login required; missing or out-of-scope cases are 404, refusals by role 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFoundOrOutOfScope:
            raise Http404(_("申请不存在或不在您的管辖范围内")) from None
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from None

    return login_required(wrapper)


def _staff(user) -> bool:
    return user.is_staff_role or user.is_superuser


def _apply_errors(form, exc: ServiceError, field_map: dict[str, str | None] | None = None) -> None:
    field_map = field_map or {}
    for field, errors in exc.errors.items():
        target = field_map.get(field, field)
        if target is not None and target not in form.fields:
            target = None
        for message in errors:
            form.add_error(target, message)


# ---------------------------------------------------------------- lists


@case_page
def case_list(request):
    user = request.user
    if user.role == Role.RESIDENT:
        return redirect("cases:mine")
    if not _staff(user):
        raise PermissionDenied(_("当前账号无权查看救助申请"))
    today = clock.today()
    filters = {
        "state": request.GET.get("state", "open"),
        "programme": request.GET.get("programme", ""),
        "q": request.GET.get("q", "").strip(),
        "overdue": request.GET.get("overdue") == "1",
    }
    if filters["state"] not in State.values and filters["state"] not in ("open", ""):
        filters["state"] = "open"
    qs = selectors.search_cases(
        user,
        state=filters["state"],
        programme=filters["programme"],
        query=filters["q"],
        overdue=filters["overdue"],
        today=today,
    )
    if not filters["overdue"]:
        qs = qs.order_by("stage_due_on", "-id")
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    overdue_ids = set(
        selectors.overdue_cases_for(user, today=today)
        .filter(pk__in=[c.pk for c in page_obj])
        .values_list("pk", flat=True)
    )
    rows = [(case, case.pk in overdue_ids) for case in page_obj]
    return render(
        request,
        "cases/case_list.html",
        {
            "rows": rows,
            "page_obj": page_obj,
            "filters": filters,
            "states": State.choices,
            "programmes": Programme.choices,
            "overdue_count": selectors.overdue_cases_for(user, today=today).count(),
            "today": today,
            "may_apply": user.role in (Role.VILLAGE_WORKER, Role.TOWNSHIP_CLERK) and user.can_write,
            "list_region": user.region.code if user.region_id else "",
        },
    )


@case_page
def my_cases(request):
    user = request.user
    if user.role != Role.RESIDENT:
        return redirect("cases:list")
    cases = list(selectors.cases_for(user).order_by("-id"))
    return render(
        request,
        "cases/my_cases.html",
        {
            "cases": [(case, selectors.timeline(case)) for case in cases],
            "has_household": bool(
                user.person_id and people_selectors.households_for(user).exists()
            ),
        },
    )


# ---------------------------------------------------------------- application


def _living(memberships):
    return [m for m in memberships if m.person.death_date is None]


def _own_household(user):
    return people_selectors.households_for(user).first() if user.person_id else None


def _chosen(request, user):
    """The household a clerk chose after a lookup (its id in the form or the address), and the
    member the lookup found."""
    raw = request.POST.get("household") or request.GET.get("household") or ""
    household = (
        people_selectors.households_for(user).filter(pk=int(raw)).first() if raw.isdigit() else None
    )
    person = request.GET.get("applicant", "")
    return household, int(person) if household and person.isdigit() else None


@case_page
def apply(request):
    user = request.user
    staff = user.role in (Role.VILLAGE_WORKER, Role.TOWNSHIP_CLERK)
    if user.role != Role.RESIDENT and not staff:
        raise PermissionDenied(_("当前账号不能提交救助申请"))
    lookup_error = ""
    found_person = None
    if staff and request.method == "POST" and "lookup" in request.POST:
        # Looked up by POST and answered with a redirect, so no ID number lands in an address or a log.
        household, person = people_selectors.find_household(user, request.POST["lookup"])
        if household is not None:
            query = {"household": household.pk} | ({"applicant": person.pk} if person else {})
            return redirect(f"{reverse('cases:apply')}?{urlencode(query)}")
        lookup_error = _("未找到该身份证号码或家庭编号对应的家庭（须已登记，且在您的管辖范围内）")
    if staff:
        household, found_person = _chosen(request, user)
    else:
        household = _own_household(user)
    members = _living(people_selectors.current_members(household)) if household else []
    submitted = request.method == "POST" and "lookup" not in request.POST
    form = forms.ApplyForm(
        request.POST if submitted else None,
        request.FILES or None,
        members=members,
        staff=staff,
        household=household,
        applicant=found_person,
    )
    if not submitted:
        pass
    elif staff and household is None:
        form.is_valid()
        form.add_error(None, _("请先按身份证号码或家庭编号查找申请家庭"))
    elif form.is_valid():
        data = form.cleaned_data
        try:
            applicant = None
            if staff:
                applicant = next(
                    (m.person for m in members if m.person_id == data["applicant"]), None
                )
            case = services.submit_application(
                user=user,
                programme=data["programme"],
                household=household if staff else None,
                applicant=applicant,
                reason=data["reason"],
                phone=data["phone"],
                facts=form.facts(),
                requested_amount_fen=forms.to_fen(data["requested_amount"]),
                is_emergency=data["is_emergency"],
                relative_of_staff=bool(data.get("relative_relation")),
                relative_relation=data.get("relative_relation", ""),
                applied_on=data.get("applied_on"),
                documents=form.uploads(),
            )
        except ServiceError as exc:
            _apply_errors(
                form,
                exc,
                {
                    "household_id": None,
                    "applicant_id": "applicant",
                    "requested_amount_fen": "requested_amount",
                },
            )
        else:
            messages.success(
                request, _("申请已提交，申请编号 %(n)s。请留意办理进度。") % {"n": case.number}
            )
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/apply.html",
        {
            "form": form,
            "staff": staff,
            "members": members,
            "household": household,
            "lookup": request.POST.get("lookup", ""),
            "lookup_error": lookup_error,
        },
        status=422 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------- detail and actions

ACTION_FORMS = {
    "upload": forms.UploadForm,
    "authorisation": forms.AuthorisationForm,
    "accept": forms.AcceptForm,
    "complete_materials": forms.OnForm,
    "verification": forms.VerificationForm,
    "investigation": forms.InvestigationForm,
    "appraisal": forms.AppraisalForm,
    "township_review": forms.TownshipReviewForm,
    "objection": forms.ObjectionForm,
    "resolve_objection": forms.ResolveObjectionForm,
    "close_publicity": forms.OnForm,
    "spot_check": forms.SpotCheckForm,
    "county_decision": forms.CountyDecisionForm,
    "withdraw": forms.WithdrawForm,
    "staff_relative": forms.RelativeForm,
    "emergency_grant": forms.EmergencyGrantForm,
    "emergency_paperwork": forms.OnForm,
}
ACTION_LABELS = {
    "upload": gettext_lazy("上传材料"),
    "authorisation": gettext_lazy("登记核对授权书"),
    "accept": gettext_lazy("受理"),
    "complete_materials": gettext_lazy("材料已补齐"),
    "verification": gettext_lazy("登记信息核对结果"),
    "investigation": gettext_lazy("登记入户调查"),
    "appraisal": gettext_lazy("登记民主评议"),
    "township_review": gettext_lazy("乡镇审核"),
    "objection": gettext_lazy("登记公示异议"),
    "resolve_objection": gettext_lazy("办结公示异议"),
    "close_publicity": gettext_lazy("公示期满，报送县级审批"),
    "spot_check": gettext_lazy("登记入户抽查"),
    "county_decision": gettext_lazy("县级审批"),
    "withdraw": gettext_lazy("撤回申请"),
    "staff_relative": gettext_lazy("近亲属备案"),
    "emergency_grant": gettext_lazy("先行救助"),
    "emergency_paperwork": gettext_lazy("手续已补齐，报县级确认"),
}
# Actions shown open (the main step of the stage) rather than folded away.
PRIMARY = {
    "accept",
    "complete_materials",
    "verification",
    "investigation",
    "appraisal",
    "township_review",
    "close_publicity",
    "county_decision",
    "emergency_grant",
    "emergency_paperwork",
    "spot_check",
}


def _make_form(action, case, data=None, files=None, *, assessment=None):
    form_class = ACTION_FORMS[action]
    if action == "resolve_objection":
        return form_class(
            data, files, objections=case.objections.filter(resolved_on__isnull=True), prefix=action
        )
    if action == "county_decision" and case.programme == Programme.MEDICAL:
        # The decided amount of a medical case is the sum of its bills' payouts (the service
        # refuses any other figure).
        total = medical_selectors.case_total(medical_selectors.case_lines(case))
        return form_class(data, files, prefix=action, initial={"amount": Decimal(total).scaleb(-2)})
    if (
        action == "county_decision"
        and assessment is not None
        and assessment.computed
        and assessment.eligible
    ):
        # The rules' amount is the default; changing it needs a reason (the service checks).
        return form_class(
            data,
            files,
            prefix=action,
            initial={"amount": Decimal(assessment.amount_fen).scaleb(-2)},
        )
    return form_class(data, files, prefix=action)


def _medical(user, case: Case, bill_form=None) -> dict | None:
    """The bills section of a medical case for staff: each bill's payout and its computation,
    and the form a township clerk types a bill with while the case is open."""
    if case.programme != Programme.MEDICAL or user.role == Role.RESIDENT:
        return None
    lines = medical_selectors.case_lines(case)
    can_add = case.is_open and user.role == Role.TOWNSHIP_CLERK and user.can_write
    if can_add and bill_form is None:
        bill_form = forms.MedicalBillForm(
            people=medical_selectors.household_people(case), prefix="bill"
        )
    return {
        "lines": lines,
        "total": medical_selectors.case_total(lines),
        "form": bill_form if can_add else None,
        "can_ledger": user.role in medical_selectors.LEDGER_ROLES,
    }


def _detail(
    request,
    case: Case,
    *,
    bound: tuple[str, object] | None = None,
    status: int = 200,
    bill_form=None,
):
    user = request.user
    assessment = None
    if user.role != Role.RESIDENT and case.state in ASSESSED_STATES:
        assessment = assess_case(case, on=clock.today())
    actions = []
    for action in selectors.allowed_actions(user, case):
        form = (
            bound[1]
            if bound and bound[0] == action
            else _make_form(action, case, assessment=assessment)
        )
        actions.append(
            {
                "name": action,
                "label": ACTION_LABELS[action],
                "form": form,
                "open": (bound and bound[0] == action) or action in PRIMARY,
            }
        )
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "staff": user.role != Role.RESIDENT,
            "actions": actions,
            "timeline": selectors.timeline(case),
            "events": case.events.select_related("by").order_by("on", "at", "id"),
            "documents": case.documents.all(),
            "refusal": selectors.refusal(case),
            "approval": selectors.approval(case),
            "overdue": selectors.is_overdue(case),
            "publicity": getattr(case, "publicity", None),
            "spot_check": getattr(case, "spot_check", None),
            "missing": getattr(case, "missing_materials", None),
            "emergency_payment": getattr(case, "emergency_payment", None),
            "members": selectors.member_count(case),
            "assessment": assessment,
            "medical": _medical(user, case, bill_form),
            "referrals": case_referrals.offered(case, user),
        },
        status=status,
    )


@case_page
def case_detail(request, pk):
    return _detail(request, selectors.get_case(request.user, pk))


@require_POST
@case_page
def case_action(request, pk, action):
    user = request.user
    case = selectors.get_case(user, pk)
    if action not in ACTION_FORMS:
        raise Http404()
    form = _make_form(action, case, request.POST, request.FILES)
    if form.is_valid():
        try:
            _perform(user, case, action, form)
        except ServiceError as exc:
            if exc.status == 409:
                messages.error(request, exc.errors and next(iter(exc.errors.values()))[0])
                return redirect("cases:detail", pk=case.pk)
            _apply_errors(
                form,
                exc,
                {
                    "amount_fen": "amount",
                    "document_id": "scan",
                    "file": "file" if action == "upload" else "scan",
                },
            )
        else:
            messages.success(request, _("已办理：%(a)s") % {"a": ACTION_LABELS[action]})
            return redirect("cases:detail", pk=case.pk)
    case = selectors.get_case(user, pk)
    return _detail(request, case, bound=(action, form), status=422)


def _perform(user, case: Case, action: str, form) -> None:
    data = form.cleaned_data
    if action == "upload":
        services.upload_document(
            user=user, case=case, kind=data["kind"], uploaded_file=data["file"]
        )
    elif action == "authorisation":
        services.record_authorisation_scan(
            user=user,
            case=case,
            scan=data["scan"],
            signed_on=data["signed_on"],
            signed_by=data["signed_by"],
        )
    elif action == "resolve_objection":
        objection = case.objections.get(pk=data["objection"])
        services.resolve_objection(
            user=user,
            case=case,
            objection=objection,
            outcome=data["outcome"],
            resolution=data["resolution"],
            on=data["on"],
        )
    else:
        service = {
            "accept": services.accept,
            "complete_materials": services.complete_materials,
            "verification": services.record_verification,
            "investigation": services.record_investigation,
            "appraisal": services.record_appraisal,
            "township_review": services.township_review,
            "objection": services.file_objection,
            "close_publicity": services.close_publicity,
            "spot_check": services.record_spot_check,
            "county_decision": services.county_decision,
            "withdraw": services.withdraw,
            "staff_relative": services.declare_staff_relative,
            "emergency_grant": services.grant_emergency,
            "emergency_paperwork": services.complete_emergency_paperwork,
        }[action]
        service(user=user, case=case, **form.service_kwargs())


# ---------------------------------------------------------------- files and printouts


@case_page
def document_download(request, pk, document_pk):
    case = selectors.get_case(request.user, pk)
    document = case.documents.filter(pk=document_pk).first()
    if document is None:
        raise Http404()
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = (
        f'inline; filename="document-{document.pk}{document.extension}"'
    )
    return response


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@case_page
def notice_pdf(request, pk):
    case = selectors.get_case(request.user, pk)
    if case.state not in (State.APPROVED, State.REFUSED):
        raise Http404(_("申请尚未办结，没有通知书"))
    return _pdf(pdf.notice_pdf(case), f"notice-{case.number}.pdf")


def _region_param(request) -> Region | None:
    code = request.GET.get("region", "").strip()
    return Region.objects.filter(code=code).first() if code else None


def _date_param(request, name: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


@case_page
def publicity_pdf(request):
    if not _staff(request.user):
        raise PermissionDenied()
    region = _region_param(request)
    on = _date_param(request, "on", clock.today())
    cases = list(selectors.publicity_list(request.user, region=region, on=on))
    return _pdf(
        pdf.publicity_list_pdf(cases, region=region or request.user.region, on=on), "publicity.pdf"
    )


@case_page
def approved_pdf(request):
    if not _staff(request.user):
        raise PermissionDenied()
    region = _region_param(request)
    today = clock.today()
    date_from = _date_param(request, "from", today.replace(day=1))
    date_to = _date_param(request, "to", today)
    cases = list(
        selectors.approved_list(request.user, region=region, date_from=date_from, date_to=date_to)
    )
    return _pdf(
        pdf.approved_list_pdf(
            cases, region=region or request.user.region, date_from=date_from, date_to=date_to
        ),
        "approved.pdf",
    )


# ---------------------------------------------------------------- medical bills and ledgers


@require_POST
@case_page
def add_bill(request, pk):
    """A township clerk types a settled bill into the medical case; the page then shows its
    payout from the person's ledger."""
    user = request.user
    case = selectors.get_case(user, pk)
    form = forms.MedicalBillForm(
        request.POST, people=medical_selectors.household_people(case), prefix="bill"
    )
    if form.is_valid():
        person = medical_selectors.household_person(case, form.cleaned_data["person"])
        try:
            bill = services.add_medical_bill(
                user=user, case=case, person=person, bill=form.bill_fields()
            )
        except ServiceError as exc:
            if exc.status == 409:
                messages.error(request, next(iter(exc.errors.values()))[0])
                return redirect("cases:detail", pk=case.pk)
            _apply_errors(form, exc, forms.MedicalBillForm.FIELD_MAP)
        else:
            messages.success(request, _("已录入医疗费用单据 %(n)s") % {"n": bill.settlement_number})
            return redirect(f"{reverse('cases:detail', args=[case.pk])}#medical-bills")
    case = selectors.get_case(user, pk)
    return _detail(request, case, status=422, bill_form=form)


@case_page
def settlements(request):
    """Load the one-stop settlement file (township clerks): the report lists every bad line."""
    user = request.user
    if user.role != Role.TOWNSHIP_CLERK:
        raise PermissionDenied(_("只有乡镇（街道）经办人员可以导入一站式结算文件"))
    report, status = None, 200
    if request.method == "POST":
        form = forms.SettlementFileForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = services.load_settlement_file(
                    user=user,
                    data=upload.read(services.settlements.MAX_FILE_BYTES + 1),
                    name=upload.name or "",
                )
            except ServiceError as exc:
                _apply_errors(form, exc)
                status = 422
        else:
            status = 422
    else:
        form = forms.SettlementFileForm()
    cases = {}
    if report is not None:
        numbers = report.cases_created + report.cases_attached
        cases = {c.number: c for c in selectors.cases_for(user).filter(number__in=numbers)}
    return render(
        request,
        "cases/settlements.html",
        {"form": form, "report": report, "cases": cases},
        status=status,
    )


@case_page
def settlement_template(request):
    response = HttpResponse(services.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="settlement-template.csv"'
    return response


@case_page
def medical_ledger(request, person_pk):
    """A person's medical-assistance ledger of a calendar year (county and township staff)."""
    person = medical_selectors.ledger_person(request.user, person_pk)
    try:
        year = int(request.GET.get("year") or 0) or None
    except ValueError:
        year = None
    if year is not None and not 2000 <= year <= 2100:
        year = None
    year = medical_selectors.year_or_this(year)
    years = sorted(set(medical_selectors.person_years(person)) | {year}, reverse=True)
    return render(
        request,
        "cases/medical_ledger.html",
        {
            "person": person,
            "year": year,
            "years": years,
            "ledger": medical_selectors.ledger_out(person, year),
        },
    )

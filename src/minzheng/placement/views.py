"""Pages of sunshine placement: the county's years; a year with its ranking, publicity,
objections, posts and actions; a veteran with the score trace; the choice session and the live
board (HTMX polling, for a projector); training courses; the employer's posts; the veteran's own
page on the phone. Plain forms; the services decide."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.core.money import yuan_to_fen
from minzheng.people.selectors import masked_name
from minzheng.web.views.base import apply_service_error, page

from . import forms, scoring, selectors, services
from .models import Outcome, PostStatus, Veteran, YearStatus
from .permissions import is_employer, is_veteran_account, may_read, may_run

read_page = page(check=may_read)
employer_page = page(check=is_employer)
veteran_page = page(check=is_veteran_account)

PART_LABELS = {
    "service": gettext_lazy("服役年限"),
    "rank": gettext_lazy("军衔（士兵等级）"),
    "first_class_merits": gettext_lazy("一等功"),
    "second_class_merits": gettext_lazy("二等功"),
    "third_class_merits": gettext_lazy("三等功"),
    "outstanding_soldier": gettext_lazy("优秀士兵"),
    "hardship": gettext_lazy("艰苦边远地区服役"),
    "warnings": gettext_lazy("警告处分"),
    "serious_warnings": gettext_lazy("严重警告处分"),
    "demerits": gettext_lazy("记过以上处分"),
}


def trace_rows(veteran: Veteran) -> list[dict]:
    """The score's components, with labels and units a person reads."""
    from .models import Rank

    rows = []
    for part in veteran.score_trace or []:
        quantity = part["quantity"]
        if part["part"] == "rank":
            quantity = Rank(quantity).label if quantity in Rank.values else quantity
        elif part["part"] in ("service", "hardship"):
            quantity = _("%(n)s个月") % {"n": quantity}
        else:
            quantity = _("%(n)s次") % {"n": quantity}
        rows.append(
            {
                "label": str(PART_LABELS.get(part["part"], part["part"])),
                "quantity": quantity,
                "points": part["points"],
            }
        )
    return rows


@read_page
def index(request):
    user = request.user
    form = forms.YearForm(initial={"year": timezone.localdate().year})
    if request.method == "POST":
        form = forms.YearForm(request.POST)
        if form.is_valid():
            grant = form.cleaned_data.get("grant_per_year_yuan")
            try:
                year = services.create_year(
                    user=user,
                    year=form.cleaned_data["year"],
                    grant_per_year_fen=yuan_to_fen(grant) if grant else None,
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已建立安置年度"))
                return redirect("placement:year", year.pk)
    years = list(selectors.years_for(user).order_by("-year", "region__code"))
    return render(
        request,
        "placement/index.html",
        {
            "years": years,
            "form": form,
            "may_run": may_run(user) and user.region_id and user.region.level == "county",
            "pending_posts": selectors.pending_posts(user).count(),
        },
    )


def _year_context(request, year):
    user = request.user
    veterans = list(selectors.ranking(year))
    return {
        "year": year,
        "veterans": veterans,
        "priority_count": sum(1 for v in veterans if v.priority_group),
        "posts": list(selectors.posts_for(user, year).order_by("status", "id")),
        "objections": list(selectors.objections_for(user, year).order_by("status", "-id")),
        "may_run": may_run(user),
        "publish_form": forms.PublishForm(
            initial={
                "start": timezone.localdate(),
                "end": timezone.localdate() + dt.timedelta(days=services.MIN_PUBLICITY_DAYS + 1),
            }
        ),
        "today": timezone.localdate(),
    }


@read_page
def year_detail(request, pk):
    year = selectors.get_office_year(request.user, pk)
    return render(request, "placement/year.html", _year_context(request, year))


@read_page
@require_POST
def year_action(request, pk, action):
    year = selectors.get_office_year(request.user, pk)
    user = request.user
    try:
        if action == "publish":
            form = forms.PublishForm(request.POST)
            if not form.is_valid():
                context = _year_context(request, year)
                context["publish_form"] = form
                return render(request, "placement/year.html", context, status=422)
            services.publish(
                user=user, year=year, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
            messages.success(request, _("已公示服役表现得分和排名"))
        elif action == "finalise":
            services.finalise(user=user, year=year)
            messages.success(request, _("排名已确定"))
        elif action == "close":
            services.close_year(user=user, year=year)
            messages.success(request, _("安置年度已结束"))
        elif action == "review":
            post = selectors.get_post(user, int(request.POST.get("post") or 0))
            approve = request.POST.get("approve") == "1"
            services.review_post(
                user=user, post=post, approve=approve, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("岗位已审核通过") if approve else _("岗位未通过审核"))
        else:
            raise Http404()
    except ServiceError as exc:
        for msgs in exc.errors.values():
            for m in msgs:
                messages.error(request, m)
    return redirect("placement:year", year.pk)


def _record_data(form) -> dict:
    data = dict(form.cleaned_data)
    for name in services.COUNT_FIELDS:
        data[name] = data.get(name) or 0
    return data


@read_page
def veteran_new(request, pk):
    year = selectors.get_office_year(request.user, pk)
    if not may_run(request.user):
        raise Http404()
    form = forms.NewVeteranForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            veteran = services.add_veteran(
                user=request.user,
                year=year,
                id_number=form.cleaned_data["id_number"],
                data=_record_data(form),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已登记，服役表现得分 %(s)s") % {"s": veteran.score})
            return redirect("placement:veteran", veteran.pk)
    return render(request, "placement/veteran_form.html", {"form": form, "year": year})


@read_page
def veteran_detail(request, pk):
    user = request.user
    veteran = selectors.get_veteran(user, pk)
    objection_form = forms.ObjectionForm()
    answer_form = forms.AnswerForm(initial={f: getattr(veteran, f) for f in services.RECORD_FIELDS})
    edit_form = forms.RecordForm(initial={f: getattr(veteran, f) for f in services.RECORD_FIELDS})
    status = 200
    if request.method == "POST":
        if not may_run(user):
            raise Http404()
        action = request.POST.get("action", "")
        try:
            if action == "objection":
                objection_form = forms.ObjectionForm(request.POST)
                if objection_form.is_valid():
                    services.file_objection(
                        user=user, veteran=veteran, text=objection_form.cleaned_data["text"]
                    )
                    messages.success(request, _("已登记异议"))
                    return redirect("placement:veteran", veteran.pk)
            elif action == "answer":
                answer_form = forms.AnswerForm(request.POST)
                objection = selectors.get_objection(user, int(request.POST.get("objection") or 0))
                if answer_form.is_valid():
                    data = _record_data(answer_form)
                    corrections = {
                        f: data[f]
                        for f in services.RECORD_FIELDS
                        if data.get(f) != getattr(veteran, f)
                        and not (
                            f in ("priority_group", "priority_evidence")
                            and not data.get(f)
                            and not getattr(veteran, f)
                        )
                    }
                    services.answer_objection(
                        user=user,
                        objection=objection,
                        upheld=data["upheld"],
                        answer=data["answer"],
                        corrections=corrections,
                    )
                    messages.success(request, _("已答复异议"))
                    return redirect("placement:veteran", veteran.pk)
            elif action == "edit":
                edit_form = forms.RecordForm(request.POST)
                if edit_form.is_valid():
                    services.update_veteran(
                        user=user, veteran=veteran, data=_record_data(edit_form)
                    )
                    messages.success(request, _("已保存"))
                    return redirect("placement:veteran", veteran.pk)
            elif action == "grant":
                services.decide_grant(user=user, veteran=veteran)
                messages.success(request, _("已核定一次性经济补助，转入一次性发放"))
                return redirect("placement:veteran", veteran.pk)
            else:
                raise Http404()
        except ServiceError as exc:
            target = {"objection": objection_form, "answer": answer_form, "edit": edit_form}.get(
                action
            )
            if target is not None:
                apply_service_error(target, exc, {"corrections": None})
            for field, msgs in exc.errors.items():
                if target is None or field not in target.fields:
                    for m in msgs:
                        messages.error(request, m)
        status = 422
    from minzheng.payments.models import OneOffPayable

    payable = OneOffPayable.objects.filter(
        source_kind=services.PAYABLE_SOURCE, source_id=veteran.pk
    ).first()
    return render(
        request,
        "placement/veteran.html",
        {
            "veteran": veteran,
            "year": veteran.year,
            "trace": trace_rows(veteran),
            "objections": list(veteran.objections.all()),
            "objection_form": objection_form,
            "answer_form": answer_form,
            "edit_form": edit_form,
            "may_run": may_run(user),
            "payable": payable,
            "grant_preview": scoring.grant_fen(
                veteran.service_months, veteran.year.grant_per_year_fen
            ),
            "today": timezone.localdate(),
        },
        status=status,
    )


# ---------------------------------------------------------------- session and board


def _board_context(year) -> dict:
    data = selectors.board(year)
    data["made"] = data["made"][:12]
    for v in [data["turn"], *data["upcoming"], *data["made"]]:
        if v is not None:
            v.shown_name = masked_name(v.person.name, keep_last=True)
    return {"board": data}


@read_page
def session(request, pk):
    user = request.user
    year = selectors.get_office_year(user, pk)
    form = forms.ChoiceForm()
    status = 200
    if request.method == "POST":
        if not may_run(user):
            raise Http404()
        form = forms.ChoiceForm(request.POST)
        if form.is_valid():
            veteran = selectors.get_veteran(user, int(request.POST.get("veteran") or 0))
            choice = form.cleaned_data["choice"]
            try:
                if choice == "self":
                    services.record_choice(
                        user=user,
                        veteran=veteran,
                        self_employment=True,
                        wishes_training=form.cleaned_data["wishes_training"],
                    )
                else:
                    post = (
                        selectors.posts_for(user, year).filter(pk=int(choice)).first()
                        if choice.isdigit()
                        else None
                    )
                    if post is None:
                        raise ServiceError({"choice": [_("请选择一个岗位，或选择自主就业")]})
                    services.record_choice(user=user, veteran=veteran, post=post)
            except ServiceError as exc:
                apply_service_error(form, exc, {"post": "choice", "veteran": None})
                status = 409 if exc.status == 409 else 422
            else:
                messages.success(request, _("已记录 %(n)s 的选择") % {"n": veteran.person.name})
                return redirect("placement:session", year.pk)
        else:
            status = 422
    context = _board_context(year)
    context.update({"year": year, "form": form, "may_run": may_run(user)})
    return render(request, "placement/session.html", context, status=status)


@read_page
def board(request, pk):
    year = selectors.get_office_year(request.user, pk)
    context = _board_context(year)
    context["year"] = year
    if request.htmx:
        return render(request, "placement/_board.html", context)
    return render(request, "placement/board.html", context)


# ---------------------------------------------------------------- training


@read_page
def courses(request, pk):
    user = request.user
    year = selectors.get_office_year(user, pk)
    form = forms.CourseForm()
    status = 200
    if request.method == "POST":
        if not may_run(user):
            raise Http404()
        form = forms.CourseForm(request.POST)
        if form.is_valid():
            try:
                course = services.create_course(user=user, year=year, data=form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已开设培训班"))
                return redirect("placement:course", course.pk)
        status = 422
    rows = list(selectors.courses_for(user, year).order_by("starts_on", "id"))
    wishing = selectors.veterans_for(user, year).filter(
        outcome=Outcome.SELF_EMPLOYED, wishes_training=True
    )
    return render(
        request,
        "placement/courses.html",
        {
            "year": year,
            "courses": rows,
            "form": form,
            "may_run": may_run(user),
            "wishing": wishing.count(),
            "unenrolled": list(wishing.filter(enrolment__isnull=True)),
        },
        status=status,
    )


@read_page
def course_detail(request, pk):
    user = request.user
    course = selectors.get_course(user, pk)
    status = 200
    today = timezone.localdate()
    if request.method == "POST":
        if not may_run(user):
            raise Http404()
        action = request.POST.get("action", "")
        try:
            if action == "enrol":
                veteran = selectors.get_veteran(user, int(request.POST.get("veteran") or 0))
                services.enrol(user=user, course=course, veteran=veteran)
            else:
                enrolment = selectors.get_enrolment(user, int(request.POST.get("enrolment") or 0))
                if action == "attendance":
                    form = forms.AttendanceForm(request.POST)
                    if not form.is_valid():
                        raise ServiceError({"on": [_("请填写日期")]})
                    services.record_attendance(user=user, enrolment=enrolment, **form.cleaned_data)
                elif action == "exam":
                    form = forms.ExamForm(request.POST)
                    if not form.is_valid():
                        raise ServiceError({"result": [_("请选择考核结果并填写日期")]})
                    services.record_exam(user=user, enrolment=enrolment, **form.cleaned_data)
                elif action == "outcome":
                    form = forms.OutcomeForm(request.POST)
                    if not form.is_valid():
                        raise ServiceError({"employed": [_("请选择就业情况并填写日期")]})
                    services.record_outcome(user=user, enrolment=enrolment, **form.cleaned_data)
                else:
                    raise Http404()
        except ServiceError as exc:
            for msgs in exc.errors.values():
                for m in msgs:
                    messages.error(request, m)
            status = 422
        else:
            messages.success(request, _("已保存"))
            return redirect("placement:course", course.pk)
    enrolments = list(
        course.enrolments.select_related("veteran__person").prefetch_related("attendance")
    )
    for e in enrolments:
        days = list(e.attendance.all())
        e.present_days = sum(1 for a in days if a.present)
        e.recorded_days = len(days)
    candidates = list(
        selectors.veterans_for(user, course.year).filter(
            outcome=Outcome.SELF_EMPLOYED, enrolment__isnull=True
        )
    )
    return render(
        request,
        "placement/course.html",
        {
            "course": course,
            "year": course.year,
            "enrolments": enrolments,
            "candidates": candidates,
            "may_run": may_run(user),
            "exam_choices": forms.ExamForm.base_fields["result"].choices,
            "today": min(today, course.ends_on),
        },
        status=status,
    )


# ---------------------------------------------------------------- employer


@employer_page
def my_posts(request):
    user = request.user
    years = list(selectors.years_for(user).exclude(status=YearStatus.CLOSED))
    form = forms.PostForm(request.POST or None, initial={"unit": user.get_full_name()})
    form.fields["year"].choices = [(y.pk, str(y)) for y in years]
    status = 200
    if request.method == "POST":
        if form.is_valid():
            year = selectors.get_year(user, form.cleaned_data["year"])
            try:
                services.submit_post(user=user, year=year, data=form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("岗位已发布，等待安置办审核"))
                return redirect("placement:my_posts")
        status = 422
    posts = list(selectors.posts_for(user).order_by("-year__year", "-id"))
    takers = {}
    for v in Veteran.objects.filter(post__in=posts).select_related("person").order_by("choice_no"):
        takers.setdefault(v.post_id, []).append(v.person.name)
    for p in posts:
        p.takers = takers.get(p.pk, [])
    return render(
        request,
        "placement/my_posts.html",
        {"posts": posts, "form": form, "years": years},
        status=status,
    )


# ---------------------------------------------------------------- the veteran's own page


@veteran_page
def mine(request):
    user = request.user
    rows = list(selectors.own_veterans(user).order_by("-year__year"))
    status = 200
    forms_by = {}
    if request.method == "POST":
        veteran = selectors.get_own_veteran(user, int(request.POST.get("veteran") or 0))
        form = forms.ObjectionForm(request.POST)
        if form.is_valid():
            try:
                services.file_objection(user=user, veteran=veteran, text=form.cleaned_data["text"])
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("异议已提交，安置办将答复"))
                return redirect("placement:mine")
        forms_by[veteran.pk] = form
        status = 422
    today = timezone.localdate()
    for v in rows:
        v.trace = trace_rows(v)
        v.form = forms_by.get(v.pk) or forms.ObjectionForm()
        v.window_open = (
            v.year.status == YearStatus.PUBLICITY
            and v.year.publicity_start <= today <= v.year.publicity_end
        )
        v.shows_rank = v.year.status != YearStatus.DRAFT
        v.total = Veteran.objects.filter(year=v.year).count()
        v.my_objections = list(v.objections.all())
    return render(request, "placement/mine.html", {"rows": rows}, status=status)


# ---------------------------------------------------------------- workbench


def office_widget_context(user):
    if not (may_run(user) and user.role == "county_approver"):
        return None
    years = list(selectors.years_for(user).exclude(status=YearStatus.CLOSED)[:3])
    if not years:
        return None
    for y in years:
        y.open_objections = selectors.open_objections(y)
        y.pending = y.veterans.filter(outcome=Outcome.PENDING).count()
        y.posts_waiting = y.posts.filter(status=PostStatus.SUBMITTED).count()
    return {"years": years}


def employer_widget_context(user):
    if not is_employer(user):
        return None
    posts = selectors.posts_for(user)
    return {
        "submitted": posts.filter(status=PostStatus.SUBMITTED).count(),
        "approved": posts.filter(status=PostStatus.APPROVED).count(),
        "places": sum(p.count for p in posts.filter(status=PostStatus.APPROVED)),
        "taken": sum(p.taken for p in posts.filter(status=PostStatus.APPROVED)),
        "url": reverse("placement:my_posts"),
    }

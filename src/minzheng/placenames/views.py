"""Pages of the place-name census: the desk (queue, county databases), records with their
spelling check and review, import and export, the map, boundary inspections and self-checks, and
the workbench card."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.models import Job
from minzheng.core.selectors import get_job
from minzheng.regions.models import Region
from minzheng.web.views.base import apply_service_error, page, paginate

from . import exchange, forms, jobs, permissions, rules, selectors, services
from .models import COUNTY_EXTENTS, Conclusion, PlaceClass, Status, SubClass

desk_page = page(check=permissions.may_read)
MAP_LIMIT = 5000


def _errors_text(exc: ServiceError) -> str:
    return " ".join(m for ms in exc.errors.values() for m in ms)


def _filters(request) -> dict:
    status = request.GET.get("status", "")
    place_class = request.GET.get("place_class", "")
    return {
        "query": request.GET.get("q", "").strip()[:50],
        "status": status if status in Status.values else "",
        "place_class": place_class if place_class in PlaceClass.values else "",
        "county": request.GET.get("county", "")[:12],
    }


def _records(request):
    f = _filters(request)
    return f, selectors.placenames_for(
        request.user,
        status=f["status"],
        place_class=f["place_class"],
        county=f["county"],
        query=f["query"],
    )


# ---------------------------------------------------------------- desk


@desk_page
def index(request):
    user = request.user
    today = timezone.localdate()
    return render(
        request,
        "placenames/index.html",
        {
            "counts": selectors.queue_counts(user),
            "queue": list(selectors.queue_for(user).order_by("updated_at")[:20]),
            "states": selectors.database_state(today, selectors.counties_for(user)),
            "may_enter": permissions.may_enter(user),
            "may_record": permissions.may_record(user),
            "today": today,
        },
    )


@desk_page
def record_list(request):
    f, qs = _records(request)
    rows = paginate(request, qs.order_by("county__code", "place_class", "standard_name", "id"))
    return render(
        request,
        "placenames/list.html",
        {
            "rows": rows,
            **f,
            "statuses": Status.choices,
            "classes": PlaceClass.choices,
            "counties": selectors.counties_for(request.user),
            "querystring": request.GET.urlencode(),
            "may_enter": permissions.may_enter(request.user),
        },
    )


# ---------------------------------------------------------------- entry and editing


def _region_choices(user):
    return [("", "—")] + [
        (r.code, f"{r.parent.name} {r.name}" if r.level == "township" else r.name)
        for r in selectors.regions_for_entry(user)
    ]


def _form_values(d: dict) -> dict:
    return {
        "standard_name": d["standard_name"],
        "place_class": d["subclass"][:2],
        "subclass": d["subclass"],
        "romanised": d["romanised"],
        "aliases": d["aliases"],
        "short_name": d["short_name"],
        "code": d["code"],
        "lon": d["lon"],
        "lat": d["lat"],
        "meaning": d["meaning"],
        "history": d["history"],
        "description": d["description"],
    }


def _edit(request, placename=None):
    user = request.user
    if not permissions.may_enter(user):
        raise PermissionDenied(_("当前账号无权录入地名"))
    initial = {}
    if placename is not None:
        initial = {
            k: getattr(placename, k)
            for k in (
                "standard_name",
                "subclass",
                "romanised",
                "aliases",
                "short_name",
                "code",
                "meaning",
                "history",
                "description",
            )
        }
        initial.update(
            region=placename.region.code,
            lon="" if placename.lon is None else f"{placename.lon}",
            lat="" if placename.lat is None else f"{placename.lat}",
        )
    form = forms.PlaceNameForm(request.POST or None, initial=initial)
    form.fields["region"].choices = _region_choices(user)
    if (
        placename is not None
        and (placename.region.code, placename.region.name) not in form.fields["region"].choices
    ):
        form.fields["region"].choices.append((placename.region.code, placename.region.name))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = Region.objects.filter(code=d["region"]).first()
        try:
            if placename is None:
                row = services.create_placename(user=user, region=region, **_form_values(d))
            else:
                row = services.update_placename(
                    user=user, placename=placename, region=region, **_form_values(d)
                )
        except ServiceError as exc:
            apply_service_error(form, exc, {"place_class": "subclass"})
        else:
            if row.spelling_ok:
                messages.success(request, _("已保存"))
            else:
                messages.warning(
                    request,
                    _("已保存，但罗马字母拼写不符合规则，建议拼写：%(s)s") % {"s": row.suggested},
                )
            return redirect("placenames:detail", row.pk)
    return render(
        request,
        "placenames/edit.html",
        {"form": form, "placename": placename},
        status=422 if form.errors else 200,
    )


@desk_page
def new(request):
    return _edit(request)


@desk_page
def edit(request, pk: int):
    placename = selectors.get_placename(request.user, pk)
    if placename.status not in services.EDITABLE:
        messages.error(request, _("只有已录入或退回修改的地名可以修改"))
        return redirect("placenames:detail", pk)
    return _edit(request, placename)


@desk_page
def pinyin_check(request):
    """The spelling suggestion beside the form, refreshed as the clerk types (HTMX)."""
    name = request.GET.get("standard_name", "").strip()[:100]
    subclass = request.GET.get("subclass", "")
    entered = request.GET.get("romanised", "")[:200]
    check = rules.check_spelling(name, entered, subclass) if name else None
    return render(request, "placenames/_pinyin.html", {"check": check})


# ---------------------------------------------------------------- a record and its review


def _detail_context(request, placename, note_form=None):
    user = request.user
    status = placename.status
    check = rules.check_spelling(placename.standard_name, placename.romanised, placename.subclass)
    returner = services.RETURNERS.get(status)
    return {
        "p": placename,
        "check": check,
        "steps": list(placename.steps.select_related(None).order_by("at", "id")),
        "note_form": note_form or forms.NoteForm(),
        "may_edit": permissions.may_enter(user) and status in services.EDITABLE,
        "may_check": permissions.may_check(user) and status == Status.ENTERED,
        "may_approve": permissions.may_approve(user) and status == Status.CHECKED,
        "may_publish": permissions.may_publish(user) and status == Status.APPROVED,
        "may_resubmit": permissions.may_enter(user) and status == Status.RETURNED,
        "may_return": bool(returner and returner(user)),
        "action_labels": services.ACTION_LABELS,
        "statuses": dict(Status.choices),
    }


@desk_page
def detail(request, pk: int):
    placename = selectors.get_placename(request.user, pk)
    return render(request, "placenames/detail.html", _detail_context(request, placename))


@desk_page
@require_POST
def action(request, pk: int, action: str):
    user = request.user
    placename = selectors.get_placename(user, pk)
    form = forms.NoteForm(request.POST)
    note = form.data.get("note", "")
    try:
        if action == "adopt":
            services.update_placename(
                user=user,
                placename=placename,
                standard_name=placename.standard_name,
                place_class=placename.place_class,
                subclass=placename.subclass,
                romanised=placename.suggested,
                aliases=placename.aliases,
                short_name=placename.short_name,
                code=placename.code,
                lon=placename.lon,
                lat=placename.lat,
                meaning=placename.meaning,
                history=placename.history,
                description=placename.description,
            )
            messages.success(request, _("已采用建议拼写"))
            return redirect("placenames:detail", pk)
        if action not in ("check", "approve", "publish", "return", "resubmit"):
            raise Http404()
        row = services.transition(user=user, placename=placename, action=action, note=note)
    except (NotFoundOrOutOfScope, ValueError):
        raise Http404() from None
    except PermissionDeniedError as exc:
        messages.error(request, str(exc))
        return redirect("placenames:detail", pk)
    except ServiceError as exc:
        if "note" in exc.errors and form.is_valid():
            form.add_error("note", exc.errors["note"][0])
            placename = selectors.get_placename(user, pk)
            return render(
                request,
                "placenames/detail.html",
                _detail_context(request, placename, form),
                status=422,
            )
        messages.error(request, _errors_text(exc))
        return redirect("placenames:detail", pk)
    messages.success(
        request,
        _("已%(a)s，当前状态：%(s)s")
        % {"a": services.ACTION_LABELS[action], "s": row.get_status_display()},
    )
    return redirect("placenames:detail", pk)


@desk_page
def queue(request):
    user = request.user
    rows = paginate(request, selectors.queue_for(user).order_by("status", "updated_at", "id"))
    return render(
        request, "placenames/queue.html", {"rows": rows, "counts": selectors.queue_counts(user)}
    )


# ---------------------------------------------------------------- import and export


@desk_page
def import_file(request):
    user = request.user
    if not permissions.may_enter(user):
        raise PermissionDenied(_("当前账号无权导入地名"))
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = jobs.enqueue_import(user=user, uploaded=upload, name=upload.name)
        return redirect("placenames:import_status", job.pk)
    return render(
        request,
        "placenames/import.html",
        {"form": form, "columns": exchange.COLUMNS, "required": exchange.REQUIRED},
        status=422 if form.errors else 200,
    )


def _import_context(request, job_id):
    job = get_job(request.user, job_id)
    if job.kind != exchange.JOB_KIND:
        raise Http404()
    result = job.result or {}
    return {
        "job": job,
        "active": job.status in (Job.Status.QUEUED, Job.Status.RUNNING),
        "result": result,
        "summary": [
            (_(k), result.get(k))
            for k in (
                exchange.RESULT_ROWS,
                exchange.RESULT_CREATED,
                exchange.RESULT_EXISTING,
                exchange.RESULT_ERRORS,
            )
            if k in result
        ],
        "errors": (result.get("errors") or [])[:500],
    }


@desk_page
def import_status(request, job_id):
    template = "placenames/_import_status.html" if request.htmx else "placenames/import_status.html"
    return render(request, template, _import_context(request, job_id))


@desk_page
def export(request, fmt: str):
    _f, qs = _records(request)
    qs = qs.order_by("county__code", "place_class", "standard_name", "id")
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "csv":
        response = HttpResponse(exchange.export_csv(qs), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            exchange.export_xlsx(qs),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "geojson":
        response = HttpResponse(exchange.geojson_bytes(qs), content_type="application/geo+json")
    else:
        raise Http404()
    response["Content-Disposition"] = f'attachment; filename="placenames-{stamp}.{fmt}"'
    return response


# ---------------------------------------------------------------- map


@desk_page
def map_view(request):
    f, qs = _records(request)
    rows = list(
        qs.exclude(lon__isnull=True)
        .order_by("-updated_at")
        .values_list("id", "standard_name", "place_class", "lon", "lat")[:MAP_LIMIT]
    )
    by_class: dict[str, list] = {}
    for pk, name, place_class, lon, lat in rows:
        by_class.setdefault(place_class, []).append([float(lon), float(lat), name, pk])
    counties = selectors.counties_for(request.user)
    data = {
        "series": [
            {"name": str(PlaceClass(c).label), "points": by_class[c]}
            for c in PlaceClass.values
            if c in by_class
        ],
        "counties": [
            {"name": c.name, "box": COUNTY_EXTENTS[c.code]}
            for c in counties
            if c.code in COUNTY_EXTENTS
        ],
        "labels": {
            "lon": str(_("经度")),
            "lat": str(_("纬度")),
            "extent": str(_("县域范围（示意）")),
        },
        "detail_url": "/placenames/records/",
    }
    return render(
        request,
        "placenames/map.html",
        {
            "data": data,
            "shown": len(rows),
            "limit": MAP_LIMIT,
            **f,
            "statuses": Status.choices,
            "classes": PlaceClass.choices,
            "counties": counties,
        },
    )


# ---------------------------------------------------------------- inspections and self-checks


def _county_choices(user, *, all_counties=False):
    counties = (
        Region.objects.filter(level=Region.Level.COUNTY, kind=Region.Kind.STATUTORY).order_by(
            "code"
        )
        if all_counties
        else selectors.counties_for(user)
    )
    return [("", "—")] + [(c.code, c.name) for c in counties]


@desk_page
def inspections(request):
    user = request.user
    form = forms.InspectionForm(request.POST or None)
    form.fields["region_a"].choices = _county_choices(user)
    form.fields["region_b"].choices = _county_choices(user, all_counties=True)
    if request.method == "POST":
        if not permissions.may_record(user):
            raise PermissionDenied(_("当前账号无权登记界线联检"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.record_inspection(
                    user=user,
                    region_a=Region.objects.filter(code=d["region_a"]).first(),
                    region_b=Region.objects.filter(code=d["region_b"]).first(),
                    inspected_on=d["inspected_on"],
                    participants=d["participants"],
                    markers_checked=d["markers_checked"],
                    markers_damaged=d["markers_damaged"] or 0,
                    problems=d["problems"],
                    conclusion=d["conclusion"],
                    boundary_name=d["boundary_name"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("界线联检记录已登记"))
                return redirect("placenames:inspections")
    return render(
        request,
        "placenames/inspections.html",
        {
            "rows": paginate(request, selectors.inspections_for(user)),
            "form": form,
            "may_record": permissions.may_record(user),
        },
        status=422 if form.errors else 200,
    )


@desk_page
def selfchecks(request):
    user = request.user
    form = forms.SelfCheckForm(request.POST or None)
    form.fields["county"].choices = _county_choices(user)
    if request.method == "POST":
        if not permissions.may_record(user):
            raise PermissionDenied(_("当前账号无权登记自查"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.record_selfcheck(
                    user=user,
                    county=Region.objects.filter(code=d["county"]).first(),
                    checked_on=d["checked_on"],
                    records_checked=d["records_checked"],
                    records_faulty=d["records_faulty"] or 0,
                    problems=d["problems"],
                    conclusion=d["conclusion"],
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("自查记录已登记"))
                return redirect("placenames:selfchecks")
    today = timezone.localdate()
    return render(
        request,
        "placenames/selfchecks.html",
        {
            "rows": list(selectors.selfchecks_for(user)[:100]),
            "states": selectors.database_state(today, selectors.counties_for(user)),
            "form": form,
            "may_record": permissions.may_record(user),
            "conclusions": Conclusion.choices,
        },
        status=422 if form.errors else 200,
    )


# ---------------------------------------------------------------- workbench card


def widget_context(user) -> dict | None:
    if not (
        permissions.may_check(user)
        or permissions.may_approve(user)
        or permissions.may_publish(user)
    ):
        return None
    if not permissions.may_read(user):
        return None
    counts = selectors.queue_counts(user)
    total = sum(counts.values())
    if total == 0 and not permissions.may_enter(user):
        return None
    return {
        "counts": counts,
        "total": total,
        "mismatches": selectors.queue_for(user).filter(spelling_ok=False).count(),
        "rows": list(selectors.queue_for(user).order_by("updated_at")[:5]),
        "subclasses": dict(SubClass.choices),
    }

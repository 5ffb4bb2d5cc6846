"""The page of the poverty registry and medical-insurance enrolments for county and city staff:
this year's counts, the two registers of the user's regions, and the file imports with every
rejected row listed."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.views.decorators.http import require_POST

from minzheng.core.errors import ServiceError
from minzheng.web.views.base import page, paginate

from . import imports, selectors
from .models import InsuranceScheme, PovertyStatus
from .permissions import may_import, may_see

linkage_page = page(check=may_see)


def _year(request) -> int:
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else dt.date.today().year


def _context(request, year: int) -> dict:
    tab = "insurance" if request.GET.get("tab") == "insurance" else "poverty"
    rows = (
        selectors.enrolments_for(request.user, year=year)
        if tab == "insurance"
        else selectors.poverty_for(request.user, year=year)
    )
    return {
        "year": year,
        "years": sorted(set(selectors.years(request.user)) | {year}, reverse=True),
        "tab": tab,
        "summary": selectors.summary(request.user, year),
        "rows": paginate(request, rows.order_by("region__path", "id")),
        "may_import": may_import(request.user),
        "poverty_headers": imports.template_headers("poverty"),
        "insurance_headers": imports.template_headers("insurance"),
        "poverty_statuses": [label for _v, label in PovertyStatus.choices],
        "schemes": [label for _v, label in InsuranceScheme.choices],
    }


@linkage_page
def index(request):
    return render(request, "linkage/index.html", _context(request, _year(request)))


@linkage_page
@require_POST
def import_file(request):
    kind = request.POST.get("kind", "")
    upload = request.FILES.get("file")
    result, errors = None, []
    try:
        result = imports.import_file(
            user=request.user,
            kind=kind,
            data=upload.read() if upload is not None else b"",
            name=upload.name if upload is not None else "",
        )
    except ServiceError as exc:
        errors = [m for messages in exc.errors.values() for m in messages]
    context = _context(request, _year(request))
    context.update({"result": result, "import_errors": errors, "kind": kind})
    return render(request, "linkage/index.html", context)

"""Bulk import of people from CSV/XLSX: upload, choose the mode, follow the job."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from minzheng.core.errors import ServiceError

from ..forms import ImportForm
from .base import apply_service_error, write_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@write_page
def import_people(request):
    from minzheng.people import imports  # loaded on use: it brings in openpyxl

    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Bytes, not a temporary file: the upload reaches the disk only encrypted (core.uploads).
        content = b"".join(upload.chunks())
        try:
            job = imports.start_import(
                user=request.user,
                path=content,
                original_name=upload.name,
                mode=form.cleaned_data["mode"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc, {"path": "file", "original_name": "file"})
        else:
            return redirect("web:job_detail", job_id=job.pk)
    return render(request, "web/person_import.html", {"form": form})


@write_page
def import_template(request):
    from minzheng.people import imports

    response = HttpResponse(imports.import_template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, _("人员导入模板") + ".xlsx")
    return response

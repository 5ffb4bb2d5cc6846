"""Jobs: the user's long tasks, a progress bar polled by HTMX, results, and re-running."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core import jobs
from minzheng.core.models import Job
from minzheng.core.selectors import get_job, jobs_for

from .base import page, paginate, write_page

# The error table shows at most this many rows; the rest are counted (the file is the source).
ERROR_ROWS_SHOWN = 1000


def _status_context(request, job):
    stalled = jobs.is_stalled(job)
    result = job.result or {}
    errors = result.get("errors") or []
    return {
        "job": job,
        "stalled": stalled,
        "active": job.status in (Job.Status.QUEUED, Job.Status.RUNNING) and not stalled,
        "may_rerun": (job.status == Job.Status.FAILED or stalled) and request.user.can_write,
        "is_import": job.kind == "people.import",
        "result": result,
        "errors": errors[:ERROR_ROWS_SHOWN],
        "errors_hidden": max(
            0, int(result.get("error_count") or len(errors)) - min(len(errors), ERROR_ROWS_SHOWN)
        ),
        "scalar_result": [
            (k, v) for k, v in result.items() if isinstance(v, (str, int, float, bool))
        ],
    }


@page()
def job_list(request):
    user = request.user
    return render(
        request,
        "web/job_list.html",
        {
            "page_obj": paginate(request, jobs_for(user).select_related("created_by")),
            "show_owner": user.is_superuser or user.role == "admin",
        },
    )


@page()
def job_detail(request, job_id):
    job = get_job(request.user, job_id)
    return render(request, "web/job_detail.html", _status_context(request, job))


@page()
def job_status(request, job_id):
    """The HTMX partial polled every second while the job runs."""
    job = get_job(request.user, job_id)
    return render(request, "web/partials/job_status.html", _status_context(request, job))


@require_POST
@write_page
def job_rerun(request, job_id):
    job = get_job(request.user, job_id)
    if job.status != Job.Status.FAILED and not jobs.is_stalled(job):
        raise PermissionDenied(_("只能重新运行失败或停滞的任务"))
    jobs.rerun(job)
    return redirect("web:job_detail", job_id=job.pk)

from uuid import UUID

from ninja import Router

from minzheng.core import jobs
from minzheng.core.errors import PermissionDeniedError
from minzheng.core.models import Job
from minzheng.core.pagination import Listing, paginated
from minzheng.core.selectors import get_job as _get
from minzheng.core.selectors import jobs_for

from .schemas import JobOut

router = Router(tags=["jobs"])


def job_out(job: Job) -> dict:
    return {
        "id": job.id,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "result": job.result,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "stalled": jobs.is_stalled(job),
    }


@router.get("", response=list[JobOut])
@paginated(max_limit=200)
def list_jobs(request):
    return Listing(jobs_for(request.user), job_out)


@router.get("/{uuid:job_id}", response=JobOut)
def get_job(request, job_id: UUID):
    return job_out(_get(request.user, job_id))


@router.post("/{uuid:job_id}/rerun", response=JobOut)
def rerun_job(request, job_id: UUID):
    job = _get(request.user, job_id)
    if job.status not in (Job.Status.FAILED,) and not jobs.is_stalled(job):
        raise PermissionDeniedError("只能重新运行失败或停滞的任务")
    return job_out(jobs.rerun(job))

"""Scoped reads of jobs and audit events."""

from django.db.models import Q, QuerySet

from minzheng.core.errors import NotFoundOrOutOfScope

from .models import AuditEvent, Job
from .scope import scope_paths, scope_q


def jobs_for(user) -> QuerySet[Job]:
    """A user's own jobs; administrators also see every job filed in their regions."""
    if user.is_superuser or user.role == "admin":
        return Job.objects.filter(scope_q(user, "region") | Q(created_by=user))
    return Job.objects.filter(created_by=user)


def get_job(user, job_id) -> Job:
    job = jobs_for(user).filter(pk=job_id).first()
    if job is None:
        raise NotFoundOrOutOfScope()
    return job


def audit_events_for(user) -> QuerySet[AuditEvent]:
    """Events about records in the user's regions (administrators and leaders only)."""
    if not (user.is_superuser or user.role in ("admin", "leader")):
        return AuditEvent.objects.none()
    paths = scope_paths(user)
    if paths is None:
        return AuditEvent.objects.all()
    codes = [p.strip("/").split("/")[-1] for p in paths]
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(region_code__startswith=code)
    return AuditEvent.objects.filter(q)

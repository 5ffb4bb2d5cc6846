from django.contrib import admin

from .admin_scope import ScopedAdmin
from .models import AuditEvent, Job
from .selectors import audit_events_for, jobs_for


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdmin):
    selector = audit_events_for
    list_display = (
        "seq",
        "at",
        "actor_name",
        "action",
        "object_type",
        "object_repr",
        "region_code",
        "ip",
    )
    list_filter = ("action", "channel")
    search_fields = ("actor_name", "object_repr", "object_id")


@admin.register(Job)
class JobAdmin(ScopedAdmin):
    selector = jobs_for
    list_display = ("title", "kind", "status", "done", "total", "created_at", "finished_at")
    list_filter = ("status", "kind")

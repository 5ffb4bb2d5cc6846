from django.contrib import admin

from minzheng.core.admin_scope import ScopedAdmin

from . import services
from .models import Case, Holiday
from .selectors import cases_for


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The national holiday calendar, kept by system administrators; changes are audited. Days
    loaded from the published arrangement show 国务院公布; a day saved here becomes 管理员录入 and
    is kept by later loads (`minzheng calendar load`)."""

    list_display = ("date", "name", "is_working_day", "source")
    list_filter = ("is_working_day", "source", "name")
    date_hierarchy = "date"

    def _is_admin(self, request):
        return request.user.is_active and (
            request.user.is_superuser or request.user.role == "admin"
        )

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def get_readonly_fields(self, request, obj=None):
        # A day is corrected in place; another date is another entry.
        return ("date",) if obj else ()

    def save_model(self, request, obj, form, change):
        saved = services.set_holiday(
            user=request.user, date=obj.date, is_working_day=obj.is_working_day, name=obj.name
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.remove_holiday(user=request.user, holiday=obj)

    def delete_queryset(self, request, queryset):
        for holiday in queryset:
            services.remove_holiday(user=request.user, holiday=holiday)


@admin.register(Case)
class CaseAdmin(ScopedAdmin):
    """Read-only and scoped; cases change only through the procedure's own pages and API."""

    selector = cases_for
    list_display = (
        "number",
        "programme",
        "applicant",
        "region",
        "state",
        "stage_due_on",
        "applied_on",
    )
    list_filter = ("state", "programme")
    search_fields = ("number",)

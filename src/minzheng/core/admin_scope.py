"""Admin integration: the admin shows the same scoped querysets as every other interface."""

from django.contrib import admin


class ScopedAdmin(admin.ModelAdmin):
    """Read-only by default; the queryset comes from a scoped selector `selector(user)`."""

    selector = None  # callable(user) -> QuerySet

    def get_queryset(self, request):
        return type(self).selector(request.user)

    def _is_admin(self, request):
        return request.user.is_active and (
            request.user.is_superuser or request.user.role == "admin"
        )

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

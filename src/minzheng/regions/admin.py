from django.contrib import admin, messages

from minzheng.core.admin_scope import ScopedAdmin
from minzheng.core.errors import ServiceError

from . import services
from .models import Region
from .selectors import regions_for


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    """Administrators add regions and retire them with effective dates, through the services."""

    selector = regions_for
    list_display = ("code", "name", "level", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")

    def has_add_permission(self, request):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("code", "name", "parent", "level", "urban_rural", "valid_from")
        return ("code", "name", "parent", "level", "urban_rural", "valid_from", "valid_to")

    def get_readonly_fields(self, request, obj=None):
        return (
            () if obj is None else ("code", "name", "parent", "level", "urban_rural", "valid_from")
        )

    def save_model(self, request, obj, form, change):
        try:
            if change:
                services.retire_region(region=obj, valid_to=form.cleaned_data["valid_to"])
            else:
                created = services.add_region(
                    code=obj.code,
                    name=obj.name,
                    parent=obj.parent,
                    level=obj.level,
                    urban_rural=obj.urban_rural,
                    valid_from=obj.valid_from,
                )
                obj.pk = created.pk
        except ServiceError as exc:
            messages.error(request, str(exc))

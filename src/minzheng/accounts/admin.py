from django.contrib import admin

from minzheng.core.admin_scope import ScopedAdmin
from minzheng.core.scope import scope_q

from .models import User


def users_for(user):
    return (
        User.objects.filter(scope_q(user, "region"))
        if not user.is_superuser
        else User.objects.all()
    )


@admin.register(User)
class UserAdmin(ScopedAdmin):
    selector = users_for
    list_display = (
        "username",
        "first_name",
        "role",
        "region",
        "is_active",
        "is_demo",
        "last_login",
    )
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name")
    exclude = ("password", "user_permissions", "groups")

"""What every page shares: access rules, service errors turned into 403/404, pagination."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from minzheng.accounts.models import Role
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError

PAGE_SIZE = 20


def may_write(user) -> bool:
    """Staff accounts that are not read-only may change the registry (the services check again)."""
    return bool(user.is_authenticated and user.is_staff_role and user.can_write)


def may_use_registry(user) -> bool:
    """Staff see the registry of their regions; residents see their own household."""
    return bool(user.is_authenticated and (user.is_staff_role or user.role == Role.RESIDENT))


def may_reveal(user) -> bool:
    """Whether to offer the reveal button; `reveal_*` in the services has the final word."""
    return bool(user.is_authenticated and (user.can_unmask or user.role == Role.RESIDENT))


def is_resident(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.RESIDENT)


def may_reveal_id(user, person) -> bool:
    """A resident may reveal only their own ID number; staff by role."""
    if is_resident(user):
        return person.pk == user.person_id
    return may_reveal(user)


def _scoped(view):
    """Out-of-scope and missing records both read as 404; refusals by a service as 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFoundOrOutOfScope:
            raise Http404(_("记录不存在或不在您的管辖范围内")) from None
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from None

    return wrapper


def page(*, check=None, message=""):
    """Decorator for a page: login, an optional role check, and service errors mapped to 403/404."""

    def decorate(view):
        scoped = _scoped(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                if request.htmx:
                    # A fragment request after the session expired: send the whole page to the
                    # login form instead of swapping the login page into a fragment.
                    return HttpResponseClientRedirect(
                        redirect_to_login(request.htmx.current_url_abs_path or "/").url
                    )
                return redirect_to_login(request.get_full_path())
            if check is not None and not check(request.user):
                raise PermissionDenied(message or _("当前账号无权访问此页面"))
            return scoped(request, *args, **kwargs)

        return wrapper

    return decorate


registry_page = page(check=may_use_registry)
staff_page = page(check=lambda u: u.is_staff_role)
write_page = page(check=may_write, message=gettext_lazy("当前账号为只读账号或无权办理此项业务"))


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def apply_service_error(form, exc: ServiceError, field_map: dict[str, str] | None = None) -> None:
    """Put each message of a ServiceError next to its form field (unknown fields go on top)."""
    field_map = field_map or {}
    for field, messages in exc.errors.items():
        target = field_map.get(field, field)
        if target not in form.fields:
            target = None
        for message in messages:
            form.add_error(target, message)

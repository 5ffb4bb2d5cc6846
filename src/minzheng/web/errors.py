"""Error answers of the whole site when DEBUG is off: API clients get the API's JSON error body,
people get the site's pages (templates/404.html, 500.html)."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": _("记录不存在")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": _("服务器内部错误，请稍后重试或联系管理员")}, status=500)
    return defaults.server_error(request)

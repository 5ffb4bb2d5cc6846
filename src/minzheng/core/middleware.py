import ipaddress
from functools import lru_cache

from django.conf import settings
from python_ipware import IpWare

from .context import _current, actor_for_user


@lru_cache(maxsize=8)
def _trusted_networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str:
    """The address recorded for audit. X-Forwarded-For is believed only when the connection comes
    from a configured reverse proxy; anyone else could write any address into it."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.TRUSTED_PROXIES or not _is_trusted_proxy(remote):
        return remote
    # Each trusted proxy appends the address it received from, so the client is the entry
    # PROXY_HOPS from the right; entries further left were written by the client itself.
    ware = IpWare(
        precedence=("HTTP_X_FORWARDED_FOR",),
        leftmost=True,
        proxy_count=max(settings.PROXY_HOPS - 1, 0),
    )
    ip, _ = ware.get_client_ip(request.META, strict=False)
    return str(ip) if ip else remote


class ContentSecurityPolicyMiddleware:
    """Sends the Content-Security-Policy of settings.CONTENT_SECURITY_POLICY on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class RequestContextMiddleware:
    """Binds the acting user and client address for audit events written by services."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        token = _current.set(
            actor_for_user(getattr(request, "user", None), ip=client_ip(request), channel=channel)
        )
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


class ChineseFirstLocaleMiddleware:
    """Pages are Chinese unless the user picks English with the language switch (a cookie);
    the browser's Accept-Language is honoured only by the JSON API, where clients ask for it."""

    def __init__(self, get_response):
        from django.middleware.locale import LocaleMiddleware

        self.inner = LocaleMiddleware(get_response)

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.inner(request)


class InputLimitsMiddleware:
    """Bad input stopped before any view: on /api/ a JSON body over API_MAX_JSON_BYTES is a 413
    and a path id longer than any 64-bit integer a 404 (both JSON); on pages a NUL character in
    a query or form value is a 400 (PostgreSQL cannot store or search it). The API checks NUL
    itself, field by field (api/parser.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.http import HttpResponseBadRequest, JsonResponse
        from django.utils.translation import gettext as _

        if request.path.startswith("/api/"):
            content_type = request.META.get("CONTENT_TYPE", "")
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.API_MAX_JSON_BYTES and not content_type.startswith("multipart/"):
                return JsonResponse(
                    {
                        "detail": _("请求体过大"),
                        "errors": [
                            {
                                "field": "body",
                                "message": _("请求体不能超过 %(n)s 字节")
                                % {"n": settings.API_MAX_JSON_BYTES},
                            }
                        ],
                    },
                    status=413,
                )
            if any(len(part) > 18 and part.isdigit() for part in request.path.split("/")):
                return JsonResponse({"detail": _("记录不存在")}, status=404)
            return self.get_response(request)
        if request.method == "GET" and any(
            "\x00" in v for values in request.GET.lists() for v in values[1]
        ):
            return HttpResponseBadRequest(_("请求中含有无效字符"))
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            if any("\x00" in v for values in request.POST.lists() for v in values[1]):
                return HttpResponseBadRequest(_("请求中含有无效字符"))
        return self.get_response(request)

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
    ware = IpWare(precedence=("HTTP_X_FORWARDED_FOR",), leftmost=True, proxy_count=max(settings.PROXY_HOPS - 1, 0))
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
        token = _current.set(actor_for_user(getattr(request, "user", None), ip=client_ip(request), channel=channel))
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

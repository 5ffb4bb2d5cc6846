from .context import _current, actor_for_user


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


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

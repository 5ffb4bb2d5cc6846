"""The JSON API under /api/v1 (Django Ninja). OpenAPI at /api/openapi.json, docs at /api/docs
(both only with settings.API_DOCS: on in the demo, off in production unless enabled)."""

import json
import logging

from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError

from .auth import api_auth
from .messages import translate_validation_error
from .openapi import declare_error_responses
from .parser import CheckedParser, RejectedInput

logger = logging.getLogger("minzheng.api")


class MinzhengAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # An app's API may be a package with one router per area (minzheng.eldercare.api.bookings);
        # its operations keep the ids of the app's API module (minzheng_eldercare_api_<function>),
        # so the ids do not depend on how the app arranges its routers.
        module = operation.view_func.__module__
        parts = module.split(".")
        if len(parts) == 4 and parts[0] == "minzheng" and parts[2] == "api":
            module = ".".join(parts[:3])
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return declare_error_responses(self, schema)


api = MinzhengAPI(
    title="minzheng API",
    version="1",
    description="民政综合业务平台 JSON API。所有记录按账号管辖区域过滤；越权记录一律返回 404。"
    "错误一律以 JSON 返回：{detail, errors: [{field, message}]}。",
    urls_namespace="api",
    auth=api_auth,
    docs_url="/docs" if settings.API_DOCS else None,
    openapi_url="/openapi.json" if settings.API_DOCS else None,
    parser=CheckedParser(),
)


def _error(request, status: int, detail: str, errors: list[dict] | None = None):
    body = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def _validation(request, exc: ValidationError):
    return _error(request, 422, _("输入有误"), translate_validation_error(exc.errors))


@api.exception_handler(ServiceError)
def _service(request, exc: ServiceError):
    errors = [{"field": field, "message": m} for field, msgs in exc.errors.items() for m in msgs]
    return _error(
        request, exc.status, _("输入有误") if exc.status == 422 else errors[0]["message"], errors
    )


@api.exception_handler(NotFoundOrOutOfScope)
def _not_found(request, exc):
    return _error(request, 404, _("记录不存在"))


@api.exception_handler(Http404)
def _http404(request, exc):
    return _error(request, 404, _("记录不存在"))


@api.exception_handler(PermissionDeniedError)
def _forbidden(request, exc):
    return _error(request, 403, str(exc) or _("无权执行此操作"))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, _("请先登录或提供有效令牌"))


def _too_big(request):
    return _error(request, 413, _("请求体过大"))


@api.exception_handler(RequestDataTooBig)
def _request_too_big(request, exc):
    return _too_big(request)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # Ninja wraps whatever the body parser raised in a 400 "Cannot parse request body".
    cause = exc.__cause__
    if isinstance(cause, RejectedInput):
        return _error(request, 422, _("输入有误"), translate_validation_error(cause.errors))
    if isinstance(cause, RequestDataTooBig):
        return _too_big(request)
    if isinstance(cause, (json.JSONDecodeError, UnicodeDecodeError)):
        return _error(
            request,
            400,
            _("请求体不是有效的 JSON"),
            [{"field": "body", "message": _("请求体不是有效的 JSON")}],
        )
    if cause is not None:
        return _error(request, 400, _("无法解析请求体"))
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def _out_of_range(request, exc):
    # The last line of defence: a value the database cannot hold or compare (the parser and the
    # shared types reject the known cases with the field named).
    logger.warning("value out of range on %s: %s", request.path, exc)
    return _error(
        request, 422, _("输入有误"), [{"field": "__all__", "message": _("数值超出允许范围")}]
    )


@api.exception_handler(Exception)
def _server_error(request, exc):
    # JSON, never Django's HTML page; the traceback goes to the log (and to the test client).
    logger.exception("API error on %s", request.path)
    signals.got_request_exception.send(sender=None, request=request)
    return _error(request, 500, _("服务器内部错误，请稍后重试或联系管理员"))


from . import routes  # noqa: E402,F401  (attach routers)

"""The JSON API under /api/v1 (Django Ninja). OpenAPI at /api/openapi.json, docs at /api/docs
(both only with settings.API_DOCS: on in the demo, off in production unless enabled)."""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError

from .auth import api_auth
from .messages import translate_validation_error

api = NinjaAPI(
    title="minzheng API",
    version="1",
    description="民政综合业务平台 JSON API。所有记录按账号管辖区域过滤；越权记录一律返回 404。",
    urls_namespace="api",
    auth=api_auth,
    docs_url="/docs" if settings.API_DOCS else None,
    openapi_url="/openapi.json" if settings.API_DOCS else None,
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
    return _error(request, exc.status, _("输入有误") if exc.status == 422 else errors[0]["message"], errors)


@api.exception_handler(NotFoundOrOutOfScope)
def _not_found(request, exc):
    return _error(request, 404, _("记录不存在"))


@api.exception_handler(PermissionDeniedError)
def _forbidden(request, exc):
    return _error(request, 403, str(exc) or _("无权执行此操作"))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, _("请先登录或提供有效令牌"))


from . import routes  # noqa: E402,F401  (attach routers)

"""Declares in the OpenAPI every error status an operation can answer, from what the operation
is: authenticated (401, 403), reads records by id or region (404), changes state (409), has a
JSON body (400 for malformed JSON, 413 beyond the size limit), takes input (422), is throttled
(429). The error handlers in main.py answer all of them with the same JSON body (ErrorOut)."""

from __future__ import annotations

from .schemas import ErrorOut

_REF = "#/components/schemas/{model}"
_WHY = {
    400: "请求体不是有效的 JSON",
    401: "未登录或令牌无效",
    403: "当前角色无权执行此操作",
    404: "记录不存在或不在管辖范围内",
    409: "记录当前状态不允许此操作",
    413: "请求体过大",
    422: "输入有误（errors 列出每个字段的原因）",
    429: "请求过于频繁",
}


def _operations(api) -> dict[str, object]:
    found = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                found[api.get_openapi_operation_id(operation)] = operation
    return found


def declare_error_responses(api, schema: dict) -> dict:
    error_schema = ErrorOut.model_json_schema(ref_template=_REF)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(error_schema.pop("$defs", {}))
    components["ErrorOut"] = error_schema
    operations = _operations(api)
    for methods in schema.get("paths", {}).values():
        for method, spec in methods.items():
            operation = operations.get(spec.get("operationId"))
            has_body = "requestBody" in spec
            json_body = has_body and "application/json" in spec["requestBody"].get("content", {})
            codes = set()
            if spec.get("security"):
                codes |= {401, 403, 404}
            if any(p.get("in") == "path" for p in spec.get("parameters", [])):
                codes.add(404)
            if method != "get":
                codes.add(409)
            if spec.get("parameters") or has_body:
                codes.add(422)
            if has_body:
                codes.add(413)
            if json_body:
                codes.add(400)
            if operation is not None and getattr(operation, "throttle_objects", None):
                codes.add(429)
            responses = spec.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(
                    code,
                    {
                        "description": _WHY[code],
                        "content": {
                            "application/json": {"schema": {"$ref": _REF.format(model="ErrorOut")}}
                        },
                    },
                )
    return schema

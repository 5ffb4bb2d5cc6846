"""Turn pydantic validation errors into field-level messages in the active language."""

from django.utils.translation import gettext as _

_SKIP = {"body", "query", "path", "payload", "form", "filters"}


def _field(loc) -> str:
    parts = [str(p) for p in loc if str(p) not in _SKIP]
    return ".".join(parts) or "__all__"


def _message(err: dict) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return _("此项为必填项")
    if kind in ("string_too_short",):
        return _("长度不能少于 %(n)s 个字符") % {"n": ctx.get("min_length")}
    if kind in ("string_too_long",):
        return _("长度不能超过 %(n)s 个字符") % {"n": ctx.get("max_length")}
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("日期无效，应为 YYYY-MM-DD 格式的真实日期")
    if kind.startswith("int") or kind.startswith("float") or kind.startswith("decimal"):
        return _("应为有效数字")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _("数值超出允许范围")
    if kind in ("enum", "literal_error"):
        return _("取值无效，可选值：%(v)s") % {"v": ctx.get("expected", "")}
    if kind == "value_error":
        # Our own validators raise ValueError with an already translated message.
        return str(ctx.get("error") or err.get("msg", "")).removeprefix("Value error, ")
    if kind == "too_short":
        return _("至少应有 %(n)s 项") % {"n": ctx.get("min_length")}
    if kind == "too_long":
        return _("不能超过 %(n)s 项") % {"n": ctx.get("max_length")}
    if kind in ("string_type", "bool_type", "dict_type", "list_type", "model_type"):
        return _("类型错误")
    if kind == "json_invalid":
        return _("请求体不是有效的 JSON")
    return err.get("msg", _("输入有误"))


def translate_validation_error(errors: list[dict]) -> list[dict]:
    return [{"field": _field(e.get("loc", ())), "message": _message(e)} for e in errors]

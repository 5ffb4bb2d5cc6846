"""Turn pydantic validation errors into field-level messages in the active language."""

import re

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
        # ctx["expected"] reads "'a', 'b' or 'c'": list the values without pydantic's English.
        values = re.findall(r"'([^']*)'", str(ctx.get("expected", ""))) or [
            str(ctx.get("expected", ""))
        ]
        return _("取值无效，可选值：%(v)s") % {"v": ", ".join(v for v in values if v) or '""'}
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
    if kind in ("nul_character", "int_too_large"):
        return err["msg"]  # raised by api/parser.py, already translated
    if kind == "string_pattern_mismatch":
        return _("格式不正确")
    if kind == "too_short":
        return _("至少需要 %(n)s 项") % {"n": ctx.get("min_length")}
    if kind == "too_long":
        return _("最多 %(n)s 项") % {"n": ctx.get("max_length")}
    if kind == "multiple_of":
        return _("应为 %(n)s 的倍数") % {"n": ctx.get("multiple_of")}
    if kind.startswith("bool"):
        return _("应为 true 或 false")
    if kind.startswith("uuid"):
        return _("编号格式不正确")
    if kind.startswith("time"):
        return _("时间无效")
    if kind == "extra_forbidden":
        return _("不允许的字段")
    if kind.startswith("string") or kind.endswith("_type") or kind.startswith("union"):
        return _("类型错误")
    # Pydantic's own text is English: never shown; the field name still says where.
    return _("输入有误")


def translate_validation_error(errors: list[dict]) -> list[dict]:
    return [{"field": _field(e.get("loc", ())), "message": _message(e)} for e in errors]

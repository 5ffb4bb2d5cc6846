"""The API's request parser: Ninja's JSON and query parsing plus the checks no single schema can
make. A NUL character anywhere (PostgreSQL refuses it in text; spreadsheets cannot store it) or
an integer beyond 64 bits (the database cannot compare it) is a 422 naming the field, before any
operation runs."""

from __future__ import annotations

import json
import re

from django.utils.translation import gettext as _
from ninja.errors import ValidationError
from ninja.parser import Parser

from minzheng.core.validators import INT64_MAX, text_error

_LONG_NUMBER = re.compile(r"^[+-]?\d{19,}$")


class RejectedInput(Exception):
    """Raised inside parse_body (Ninja wraps its exceptions in a 400) and unwrapped by the API's
    error handler into a 422 with the field errors."""

    def __init__(self, errors: list[dict]):
        super().__init__("rejected input")
        self.errors = errors


def _problems(value, loc: tuple, *, query: bool = False) -> list[dict]:
    found: list[dict] = []
    if isinstance(value, str):
        if message := text_error(value):
            found.append({"type": "nul_character", "loc": loc, "msg": message})
        elif query and _LONG_NUMBER.match(value.strip()) and abs(int(value)) > INT64_MAX:
            found.append({"type": "int_too_large", "loc": loc, "msg": _("数值超出允许范围")})
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        pass
    elif isinstance(value, int):
        if abs(value) > INT64_MAX:
            found.append({"type": "int_too_large", "loc": loc, "msg": _("数值超出允许范围")})
    elif isinstance(value, dict):
        for key, item in value.items():
            if message := text_error(str(key)):
                found.append({"type": "nul_character", "loc": (*loc, key), "msg": message})
            found.extend(_problems(item, (*loc, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_problems(item, (*loc, i), query=query))
    return found


class CheckedParser(Parser):
    def parse_body(self, request):
        data = json.loads(request.body)
        if problems := _problems(data, ("body",)):
            raise RejectedInput(problems)
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        problems = []
        for key, value in result.items():
            if message := text_error(key):
                problems.append({"type": "nul_character", "loc": ("query", key), "msg": message})
            problems.extend(_problems(value, ("query", key), query=True))
        if problems:
            raise ValidationError(problems)
        return result

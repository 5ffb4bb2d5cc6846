"""How each department's requests go out and its replies come back: one adapter per exchange
kind, in a registry keyed by the kind an administrator sets for a source (SourceAdapter).

  file  the clerk downloads the request file, sends it, and uploads the department's reply file
  pull  the platform posts the request to the department's endpoint (with the token configured
        for it) and reads the reply from the answer, JSON records or CSV, as a job
  push  the department reads its requests and posts its reply to POST
        /api/v1/verification/replies with its own credential (DepartmentToken)

Whatever the way, the reply is checked and stored by exchange.record_reply, the import path of an
uploaded file.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core import crypto

from .models import DepartmentRequest, SourceAdapter


class ExchangeError(Exception):
    """A reply could not be obtained; the message is for staff (Chinese)."""


@dataclass(frozen=True)
class Adapter:
    kind: str
    label: object
    # What staff are told to do with a request of this kind.
    instructions: object
    # Whether the platform fetches the reply itself (sending starts a job).
    fetches: bool = False


_REGISTRY: dict[str, Adapter] = {}


def register(adapter: Adapter) -> Adapter:
    _REGISTRY[adapter.kind] = adapter
    return adapter


def get(kind: str) -> Adapter:
    return _REGISTRY.get(kind) or _REGISTRY[SourceAdapter.Kind.FILE]


def kinds() -> list[Adapter]:
    return list(_REGISTRY.values())


register(
    Adapter(
        SourceAdapter.Kind.FILE,
        SourceAdapter.Kind.FILE.label,
        gettext_lazy("下载核对请求名单发给部门，收到部门回复文件后在此上传"),
    )
)
register(
    Adapter(
        SourceAdapter.Kind.PULL,
        SourceAdapter.Kind.PULL.label,
        gettext_lazy("平台调用部门接口取回复；取数失败时可重新发送"),
        fetches=True,
    )
)
register(
    Adapter(
        SourceAdapter.Kind.PUSH,
        SourceAdapter.Kind.PUSH.label,
        gettext_lazy("部门使用本部门令牌读取请求并通过接口回复"),
    )
)


def fetch(config: SourceAdapter, request: DepartmentRequest, rows: list[dict]) -> bytes:
    """Post the request to the department's endpoint and return its reply as CSV bytes."""
    from .exchange import json_to_csv

    token = crypto.decrypt(config.token_cipher) if config.token_cipher else ""
    headers = {"Accept": "application/json, text/csv"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = {
        "request": request.reference,
        "source": request.source,
        "due_on": request.due_on.isoformat(),
        "people": rows,
    }
    try:
        response = requests.post(
            config.url, json=body, headers=headers, timeout=config.timeout, allow_redirects=False
        )
    except requests.Timeout:
        raise ExchangeError(
            _("部门接口在 %(n)s 秒内没有响应，请稍后重新发送或联系部门") % {"n": config.timeout}
        ) from None
    except requests.ConnectionError:
        raise ExchangeError(
            _("无法连接部门接口（%(url)s），请检查地址或网络") % {"url": config.url}
        ) from None
    except requests.RequestException as exc:
        raise ExchangeError(_("调用部门接口失败：%(e)s") % {"e": type(exc).__name__}) from None
    if response.status_code in (401, 403):
        raise ExchangeError(
            _("部门接口拒绝了本平台的令牌（HTTP %(code)s），请管理员核对交换方式中的令牌")
            % {"code": response.status_code}
        )
    if response.status_code != 200:
        raise ExchangeError(_("部门接口返回错误（HTTP %(code)s）") % {"code": response.status_code})
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type.endswith("json"):
        return json_to_csv(response.content)
    if content_type in ("text/csv", "application/csv", "text/plain"):
        return response.content
    raise ExchangeError(
        _("部门接口返回的内容类型（%(type)s）无法识别，应为 JSON 或 CSV")
        % {"type": content_type or "—"}
    )

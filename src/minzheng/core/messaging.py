"""Text messages to residents' mobile phones, through one pluggable sender.

`send_sms(phone=..., text=..., purpose=...)` is all a module calls. The backend comes from
settings (MINZHENG_SMS_BACKEND):

- ``outbox`` (default, demo and tests): each message is appended as one JSON line to
  ``MINZHENG_VAR_DIR/outbox/sms.jsonl``; nothing leaves the machine. `read_outbox()` reads it back.
- ``http``: POST ``{"phone", "text", "purpose"}`` as JSON to MINZHENG_SMS_GATEWAY_URL, with
  ``Authorization: Bearer MINZHENG_SMS_GATEWAY_TOKEN`` when set; any 2xx is accepted. A provider
  with another protocol gets a small relay or a backend class of its own (`register_backend`).

`purpose` names why the message was sent ("registration", later "notice" …) so a gateway can route
or bill it and the outbox can be filtered; it never changes the text.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)


class MessagingError(Exception):
    """The message could not be handed to the gateway."""


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str
    purpose: str
    sent_at: str


class OutboxBackend:
    """Appends to a JSON-lines file; a lock keeps lines whole when several processes write."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else outbox_path()

    def send(self, message: Sms) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(message), ensure_ascii=False) + "\n"
        with open(self.path, "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.write(line)
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


class HttpGatewayBackend:
    def __init__(self, url: str = "", token: str = "", timeout: float | None = None):
        self.url = url or settings.SMS_GATEWAY_URL
        self.token = token or settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout if timeout is not None else settings.SMS_GATEWAY_TIMEOUT
        if not self.url:
            raise ImproperlyConfigured("MINZHENG_SMS_BACKEND=http needs MINZHENG_SMS_GATEWAY_URL")

    def send(self, message: Sms) -> None:
        body = json.dumps(
            {"phone": message.phone, "text": message.text, "purpose": message.purpose},
            ensure_ascii=False,
        )
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                if not 200 <= response.status < 300:
                    raise MessagingError(f"SMS gateway answered {response.status}")
        except (urllib.error.URLError, OSError) as exc:
            raise MessagingError(f"SMS gateway unreachable: {exc}") from exc


_BACKENDS = {"outbox": OutboxBackend, "http": HttpGatewayBackend}


def register_backend(name: str, factory) -> None:
    """A deployment adds its provider's backend (an object with `send(Sms)`) under a name."""
    _BACKENDS[name] = factory


def get_backend():
    name = settings.SMS_BACKEND
    if name not in _BACKENDS:
        raise ImproperlyConfigured(
            f"MINZHENG_SMS_BACKEND must be one of {', '.join(sorted(_BACKENDS))}"
        )
    return _BACKENDS[name]()


def send_sms(*, phone: str, text: str, purpose: str) -> None:
    """Hand one text message to the configured backend; raises MessagingError if it fails."""
    message = Sms(
        phone=phone,
        text=text,
        purpose=purpose,
        sent_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    get_backend().send(message)
    # The number only: the text may hold a one-time code and logs travel further than the outbox.
    log.info("sms sent to %s (%s)", phone[:3] + "****" + phone[-4:], purpose)


def outbox_path() -> Path:
    return Path(settings.VAR_DIR) / "outbox" / "sms.jsonl"


def read_outbox(*, phone: str = "", purpose: str = "") -> list[Sms]:
    """The outbox's messages, oldest first, optionally for one number or purpose."""
    path = outbox_path()
    if not path.exists():
        return []
    messages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            message = Sms(**json.loads(line))
            if (not phone or message.phone == phone) and (
                not purpose or message.purpose == purpose
            ):
                messages.append(message)
    return messages

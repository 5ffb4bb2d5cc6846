"""Who is acting and from where, for audit events written deep inside services."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    username: str = "system"
    ip: str = ""
    channel: str = "system"  # web, api, cli, job, system


_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("minzheng_actor", default=Actor())  # noqa: B039 - Actor is frozen


def current_actor() -> Actor:
    return _current.get()


@contextmanager
def acting_as(actor: Actor):
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def actor_for_user(user, *, ip: str = "", channel: str = "web") -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(ip=ip, channel=channel, username="anonymous")
    return Actor(user_id=user.pk, username=user.get_username(), ip=ip, channel=channel)

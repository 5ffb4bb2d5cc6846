"""Errors that services raise and every interface turns into field-level messages."""

from __future__ import annotations


class ServiceError(Exception):
    """A business or validation error: `errors` maps field name -> list of user-facing messages."""

    def __init__(
        self, errors: dict[str, list[str]] | str, *, status: int = 422, data: dict | None = None
    ):
        self.data = data or {}
        if isinstance(errors, str):
            errors = {"__all__": [errors]}
        self.errors = {k: [str(m) for m in v] for k, v in errors.items()}
        self.status = status
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items()))


class NotFoundOrOutOfScope(Exception):
    """Raised for records that do not exist *or* lie outside the user's scope; both read as 404."""


class PermissionDeniedError(Exception):
    pass

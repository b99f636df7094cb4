"""Errors that carry their HTTP status, rendered by one handler as ``{"detail": ...}``."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel


class ErrorBody(BaseModel):
    """The JSON body of every error response."""

    detail: str


class RateLimitedBody(ErrorBody):
    """A 429's body: ``detail`` and ``retry_after`` seconds (also the ``Retry-After`` header)."""

    retry_after: int


class OsharaError(Exception):
    """Base class: ``status_code`` and a human-readable ``detail``; ``extra`` keys are merged."""

    status_code = 400
    #: The body this error sends, as the OpenAPI schema documents it (:func:`error_responses`).
    body_model: ClassVar[type[ErrorBody]] = ErrorBody

    def __init__(
        self,
        detail: str,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, **self.extra}


class BadRequest(OsharaError):
    status_code = 400


class ValidationFailed(OsharaError):
    """400 with a list of ``{"field", "message"}`` errors naming each offending field."""

    status_code = 400

    def __init__(self, errors: list[dict[str, str]], *, detail: str | None = None) -> None:
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        summary = detail or f"Invalid {first['field']}: {first['message']}"
        if len(errors) > 1 and detail is None:
            summary += f" (and {len(errors) - 1} more)"
        super().__init__(summary, extra={"errors": errors})
        self.errors = errors


class Unauthorized(OsharaError):
    status_code = 401

    def __init__(self, detail: str = "Authentication credentials were not provided or are invalid"):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(OsharaError):
    status_code = 403


class NotFound(OsharaError):
    status_code = 404


class Conflict(OsharaError):
    status_code = 409


class Gone(OsharaError):
    """The thing existed but can no longer be used (an expired or spent invitation)."""

    status_code = 410


class PayloadTooLarge(OsharaError):
    status_code = 413


class TooManyRequests(OsharaError):
    status_code = 429
    body_model = RateLimitedBody

    def __init__(self, detail: str, retry_after: int) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(
            detail, extra={"retry_after": retry_after}, headers={"Retry-After": str(retry_after)}
        )


def error_responses(*errors: type[OsharaError]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for an endpoint so the OpenAPI schema documents its error shapes."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        out[err.status_code] = {"model": err.body_model, "description": err.__name__}
    return out

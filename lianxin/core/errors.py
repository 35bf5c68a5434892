"""Domain errors. Services raise them; one handler per interface maps them to responses.

Every message says what was wrong and, where it helps, how to fix it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from django.http import HttpResponse

R = TypeVar("R", bound="HttpResponse")


class DomainError(Exception):
    """Base class: a request that cannot be carried out as asked."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"error": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        return data


class ValidationFailedError(DomainError):
    status_code = 400
    code = "validation_error"


class NotFoundError(DomainError):
    """Absent, or not visible to this user: the same error for both."""

    status_code = 404
    code = "not_found"


class ForbiddenError(DomainError):
    status_code = 403
    code = "forbidden"


class TransitionNotAllowedError(DomainError):
    status_code = 409
    code = "transition_not_allowed"


class ConflictError(DomainError):
    status_code = 409
    code = "conflict"


def error_headers(error: DomainError | None) -> dict[str, str]:
    """The HTTP headers a response to `error` carries: `Retry-After` (seconds) for a rate limit."""
    retry_after = getattr(error, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after else {}


def with_error_headers(response: R, error: DomainError | None) -> R:
    """`response` with the headers of `error` (for responses built by helpers that take none)."""
    for header, value in error_headers(error).items():
        response[header] = value
    return response


class RateLimitedError(DomainError):
    """Too many requests; `retry_after` is the number of seconds until the limit resets."""

    status_code = 429
    code = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message, field=field, code=code)
        self.retry_after = retry_after

"""Domain errors. Each maps to one HTTP status and a problem+json body."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldError:
    loc: tuple[str | int, ...]
    msg: str
    code: str = "invalid"  # stable snake_case, for clients that translate (too_short, not_an_email, ...)


@dataclass
class DossierError(Exception):
    detail: str
    errors: Sequence[FieldError] = field(default_factory=tuple)
    code: str = ""  # stable snake_case kind of error (``last_contact``); empty: the class's default_code
    # Extension members of the problem+json body (RFC 9457), e.g. ``next_signers`` of ``not_your_turn``
    extensions: Mapping[str, Any] = field(default_factory=dict)
    status = 500
    title = "Internal error"
    type_slug = "internal"
    default_code = "internal"

    def __str__(self) -> str:
        return self.detail

    @property
    def problem_code(self) -> str:
        return self.code or self.default_code


class BadRequestError(DossierError):
    status = 400
    title = "Bad request"
    type_slug = "bad-request"
    default_code = "bad_request"


class UnauthorizedError(DossierError):
    status = 401
    title = "Unauthorized"
    type_slug = "unauthorized"
    default_code = "unauthorized"


class ForbiddenError(DossierError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"
    default_code = "forbidden"


class NotFoundError(DossierError):
    status = 404
    title = "Not found"
    type_slug = "not-found"
    default_code = "not_found"


class ConflictError(DossierError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"
    default_code = "conflict"


class PreconditionFailedError(DossierError):
    status = 412
    title = "Precondition failed"
    type_slug = "precondition-failed"
    default_code = "version_mismatch"


class StaleVersionError(PreconditionFailedError):
    """A conditional write found the item at another version than the one read:
    with If-Match, the caller's copy is stale (412); without, the service reads
    again and retries (services/clashes.py)."""


class ConcurrentWriteError(ConflictError):
    """DynamoDB cancelled a transaction because another one touched the same
    items at the same moment: always worth another attempt."""


class UnprocessableError(DossierError):
    status = 422
    title = "Unprocessable request"
    type_slug = "unprocessable"
    default_code = "unprocessable"


class MethodNotAllowedError(DossierError):
    status = 405
    title = "Method not allowed"
    type_slug = "method-not-allowed"
    default_code = "method_not_allowed"


class UnsupportedMediaTypeError(DossierError):
    status = 415
    title = "Unsupported media type"
    type_slug = "unsupported-media-type"
    default_code = "unsupported_media_type"


class ServiceUnavailableError(DossierError):
    """A service Dossier depends on (the database, the file store) is
    unreachable, throttling or timing out: the same request may succeed later."""

    status = 503
    title = "Service unavailable"
    type_slug = "unavailable"
    default_code = "unavailable"
    retry_after = 2  # seconds (the Retry-After header): past botocore's own retries, give it a moment


@dataclass
class TooManyRequestsError(DossierError):
    """The caller's firm is over its request rate (handlers/http/throttle.py): retry after ``retry_after``."""

    retry_after: int = 1  # seconds (the Retry-After header)
    status = 429
    title = "Too many requests"
    type_slug = "throttled"
    default_code = "rate_limited"

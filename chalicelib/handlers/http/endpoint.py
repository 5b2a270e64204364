"""HTTP plumbing shared by every Blueprint: one ``endpoint`` decorator that
verifies the token, parses and validates input, turns domain errors into
``application/problem+json`` and records the route for the OpenAPI document.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from chalice.app import Request, Response

from chalicelib.adapters import observability
from chalicelib.adapters.auth import Claims, verified_by_gateway
from chalicelib.adapters.config import settings
from chalicelib.adapters.outages import is_outage
from chalicelib.domain import audit
from chalicelib.domain.errors import (
    BadRequestError,
    DossierError,
    FieldError,
    NotFoundError,
    ServiceUnavailableError,
)
from chalicelib.domain.idempotency import Idempotency
from chalicelib.domain.problem_codes import field_code
from chalicelib.handlers.http import prefer, throttle
from chalicelib.handlers.http.answers import problem
from chalicelib.services.context import Ctx
from chalicelib.services.identity import FIRM_HEADER, authenticate

log = logging.getLogger("dossier")

MAX_BODY_BYTES = 256 * 1024
# Our deepest body nests about six levels; the bound keeps a hostile body (10,000 ``[``) from
# exhausting the parser's recursion, and pydantic's, before any of it is read.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_QUERY_VALUE = 2048  # a cursor is the longest query value we hand out
_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
_ETAG = re.compile(r'^(?:W/)?"(\d{1,18})"$')
_IDEM_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")

if TYPE_CHECKING:  # pydantic is imported where a body is validated: the Overview's read never loads it
    from pydantic import BaseModel, TypeAdapter, ValidationError

M = TypeVar("M", bound="BaseModel")


def _validation_errors(exc: ValidationError, prefix: tuple[str, ...]) -> list[FieldError]:
    return [FieldError((*prefix, *e["loc"]), e["msg"], field_code(e["type"])) for e in exc.errors(include_url=False)]


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in ``raw`` (strings skipped),
    counted without parsing; malformed text gives some number, and the parser
    then refuses it."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:  # the common case: no scan needed
        return 0
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub(b'""', raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _parse_error(exc: Exception) -> str:
    return str(exc) if isinstance(exc, ValueError) else type(exc).__name__


# --- the call -------------------------------------------------------------------


@dataclass
class Call:
    """One request as handlers see it."""

    request: Request
    params: dict[str, str]
    route_id: str
    allowed_query: tuple[str, ...] = ()  # the route's declared query parameters (its OpenAPI document)
    takes_minimal: bool = False  # the route declares ``Prefer: return=minimal`` (its OpenAPI document)
    _ctx: Ctx | None = field(default=None)
    _query: dict[str, str] | None = field(default=None)

    @property
    def ctx(self) -> Ctx:
        if self._ctx is None:
            firm_header = self.header(FIRM_HEADER)
            if settings().token_verifier == "gateway":
                # deployed: the HTTP API's JWT authorizer verified the token; only its claims are read
                identity = verified_by_gateway(gateway_claims(self.request))
                claims: Claims = authenticate(None, firm_id=firm_header, identity=identity)
            else:
                claims = authenticate(self.header("authorization"), firm_id=firm_header)
            observability.firm_known(claims.firm_id)
            throttle.admit(claims.firm_id)
            self._ctx = Ctx.from_settings(claims)
        return self._ctx

    def header(self, name: str) -> str | None:
        headers: Any = self.request.headers or {}
        value = headers.get(name)
        return value if isinstance(value, str) else None

    def id(self, name: str) -> str:
        """A path id; one that cannot be an id of ours is simply not found."""
        value = self.params[name]
        if not _ID.match(value):
            raise NotFoundError("Not found.")
        return value

    def email(self, name: str) -> str:
        value = self.params[name]
        if "%" in value:
            value = unquote(value)
        if "@" not in value or len(value) > 254 or "#" in value:
            raise NotFoundError("The contact has no such e-mail address.")
        return value

    def raw_body(self) -> bytes:
        raw = self.request.raw_body or b""
        return raw if isinstance(raw, bytes) else raw.encode()

    def raw_json(self) -> Any:
        raw = self.raw_body()
        if len(raw) > MAX_BODY_BYTES:
            raise BadRequestError(
                f"The request body exceeds {MAX_BODY_BYTES} bytes.",
                [FieldError(("body",), "too large", "too_large")],
                code="body_too_large",
            )
        if not raw.strip():
            raise BadRequestError(
                "A JSON request body is required.", [FieldError(("body",), "missing", "required")], code="body_missing"
            )
        if json_depth(raw) > MAX_JSON_DEPTH:
            raise BadRequestError(
                f"The request body nests deeper than {MAX_JSON_DEPTH} levels.",
                [FieldError(("body",), "too deep", "too_deep")],
                code="body_too_deep",
            )
        try:
            return json.loads(raw)
        except Exception as exc:  # whatever the parser raises, the body is at fault
            raise BadRequestError(
                "The request body is not valid JSON.",
                [FieldError(("body",), _parse_error(exc), "invalid_json")],
                code="invalid_json",
            ) from exc

    def body(self, model: type[M]) -> M:
        from pydantic import ValidationError

        data = self.raw_json()
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise BadRequestError(
                "The request body is invalid.", _validation_errors(exc, ("body",)), code="invalid_body"
            ) from exc

    def body_as(self, adapter: TypeAdapter[Any]) -> Any:
        from pydantic import ValidationError

        data = self.raw_json()
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            raise BadRequestError(
                "The request body is invalid.", _validation_errors(exc, ("body",)), code="invalid_body"
            ) from exc

    def query(self) -> dict[str, str]:
        """The query parameters, checked once against the route's declaration:
        an unknown one, or a value over MAX_QUERY_VALUE characters, is a 400."""
        if self._query is not None:
            return self._query
        params = dict(self.request.query_params or {})
        unknown = sorted(set(params) - set(self.allowed_query))
        if unknown:
            raise BadRequestError(
                "Unknown query parameter.",
                [FieldError(("query", name), "unknown parameter", "unknown_parameter") for name in unknown],
                code="unknown_query_parameter",
            )
        long = sorted(name for name, value in params.items() if len(value) > MAX_QUERY_VALUE)
        if long:
            raise BadRequestError(
                f"A query value may have at most {MAX_QUERY_VALUE} characters.",
                [FieldError(("query", name), "too long", "too_long") for name in long],
                code="invalid_query",
            )
        self._query = params
        return params

    def limit(self, params: dict[str, str]) -> int:
        raw = params.get("limit")
        if raw is None:
            return DEFAULT_LIMIT
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
            raise BadRequestError(
                f"limit must be an integer from 1 to {MAX_LIMIT}.",
                [FieldError(("query", "limit"), "out of range", "out_of_range")],
                code="invalid_query",
            )
        return int(raw)

    def if_match(self) -> int | None:
        raw = self.header("if-match")
        if raw is None or raw.strip() == "*":
            return None
        found = _ETAG.match(raw.strip())
        if not found:
            raise BadRequestError(
                'If-Match must be an ETag such as "3".',
                [FieldError(("header", "If-Match"), "invalid ETag", "invalid_format")],
                code="invalid_header",
            )
        return int(found.group(1))

    def prefers_minimal(self) -> bool:
        """``Prefer: return=minimal`` on a route that declares it; elsewhere the header is ignored, so that
        no route answers what its document does not describe."""
        return self.takes_minimal and prefer.wants_minimal(self.header("prefer"))

    def idempotency(self) -> Idempotency | None:
        key = self.header("idempotency-key")
        if key is None:
            return None
        if not _IDEM_KEY.match(key):
            raise BadRequestError(
                "Idempotency-Key must be 1-255 visible ASCII characters.",
                [FieldError(("header", "Idempotency-Key"), "invalid", "invalid_format")],
                code="invalid_header",
            )
        # Chalice's ``path`` is the route's template: the path's ids go in too, so the same key on
        # another account or chat is another request (422), not a replay of the first one's resource.
        ids = json.dumps(self.request.uri_params or {}, sort_keys=True)
        digest = hashlib.sha256(f"{self.request.path}\n{ids}\n".encode() + self.raw_body()).hexdigest()
        return Idempotency(self.ctx.firm_id, self.ctx.claims.member_id, self.route_id, key, digest)


def source_ip(request: Request) -> str | None:
    """The caller's address as API Gateway saw it (the audit trail's ``ip``)."""
    context: Any = request.context or {}
    identity = context.get("identity") or {}
    ip = identity.get("sourceIp") if isinstance(identity, dict) else None
    return ip if isinstance(ip, str) and ip else None


def gateway_claims(request: Request) -> Any:
    """The claims the HTTP API's JWT authorizer verified: payload 1.0 puts them in
    ``requestContext.authorizer.claims`` (2.0 under ``authorizer.jwt.claims``, read too)."""
    context: Any = request.context or {}
    authorizer = context.get("authorizer") or {}
    if not isinstance(authorizer, dict):
        return None
    jwt_part = authorizer.get("jwt")
    return authorizer.get("claims") or (jwt_part.get("claims") if isinstance(jwt_part, dict) else None)


# --- routes and their documentation ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class RouteDoc:
    method: str
    path: str
    summary: str
    status: int
    auth: bool
    request: Any
    response: Any
    query: tuple[str, ...]
    errors: tuple[int | str, ...]  # statuses, and the problem codes particular to the route (domain/problem_codes)
    content_types: tuple[str, ...] = ("application/json",)
    module: str = ""  # the handler's module, which the app imports on the route's first request (routing.py)
    minimal: bool = False  # takes ``Prefer: return=minimal``: 204 with the ETag instead of the resource

    @property
    def response_model(self) -> Any:
        return self.response() if isinstance(self.response, Lazy) else self.response


class Lazy:
    """A route's documented reply model, built when the OpenAPI document first needs it, not when the
    route's module is imported: the Overview's has fourteen parts its read never uses (cold start)."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = functools.cache(build)

    def __call__(self) -> Any:
        return self._build()


# Every declared route by route id, in the order its module declares them (a module imported again after a
# failed import declares its routes again: the id keeps one of each).
ROUTES: dict[str, RouteDoc] = {}
# Each route's view by route id ("GET /accounts/{account_id}"): what the app's route calls once the handler's
# module is imported (chalicelib/handlers/http/routing.py). Views take the request from the app that serves it.
VIEWS: dict[str, Callable[[Request, dict[str, str]], Response]] = {}


def endpoint(
    path: str,
    method: str,
    *,
    summary: str,
    status: int = 200,
    auth: bool = True,
    request: Any = None,
    response: Any = None,
    query: tuple[str, ...] = (),
    errors: tuple[int | str, ...] = (),
    content_types: tuple[str, ...] = ("application/json",),
    minimal: bool = False,
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    route_id = f"{method} {path}"

    def register(handler: Callable[..., Response]) -> Callable[..., Response]:
        def view(request: Request, params: dict[str, str]) -> Response:
            call = Call(request, params, route_id, query, minimal)
            # Who this request's writes are stamped with (repo/stamps.py): nobody known yet, from its IP.
            actor = audit.Actor(audit.SYSTEM, "anonymous", "anonymous", source_ip(call.request))
            try:
                with audit.acting_as(actor):
                    if auth:
                        # verify the token before anything else; the member's name follows when it is read
                        audit.identify(audit.MEMBER, call.ctx.claims.member_id, "")
                    call.query()  # an unknown query parameter is a 400 on every route
                    return handler(call)
            except DossierError as exc:
                return problem(exc)
            except Exception as exc:
                if is_outage(exc):
                    log.warning("dependency unavailable in %s: %r", route_id, exc)
                    return problem(ServiceUnavailableError("A service Dossier uses is unavailable; retry shortly."))
                log.exception("unhandled error in %s", route_id)
                return problem(DossierError("An unexpected error occurred; it has been logged."))

        VIEWS[route_id] = view
        ROUTES[route_id] = RouteDoc(
            method,
            path,
            summary,
            status,
            auth,
            request,
            response,
            query,
            errors,
            content_types,
            handler.__module__,
            minimal,
        )
        return handler

    return register

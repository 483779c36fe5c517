"""What every HTTP function shares: the resolver, the error envelope, the caller's identity.

Handlers stay thin: they build their resolver with :func:`create_app` (a function with many routes
splits them into routers made by :func:`create_router`), read the caller with :func:`principal`, call
one service, and export ``lambda_handler = make_handler(app)``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from maxcore.error_texts import ENGLISH, FRENCH, localize, localize_details, localize_validation
from maxcore.errors import (
    BadRequestError,
    BodyTooDeepError,
    ForbiddenError,
    MaxError,
    PayloadTooLargeError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from maxcore.models.common import (
    ALERT_CURSOR_PATTERN,
    CURSOR_PATTERN,
    POSITION_CURSOR_PATTERN,
    TENANT_ID_PATTERN,
    ErrorResponse,
    Role,
    control_character_problem,
)
from maxcore.observability import logger, metrics, tracer
from maxcore.rules.json_depth import MAX_JSON_DEPTH, too_deep
from maxcore.settings import get_settings

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

_TENANT_ID = re.compile(TENANT_ID_PATTERN)

JWT_SECURITY: list[dict[str, list[str]]] = [{"jwt": []}]
"""OpenAPI security requirement of the routes behind the JWT authorizer."""


_ERROR_DESCRIPTIONS = {
    400: "The request cannot be read: not JSON, not UTF-8, nested over 64 levels, or a bad cursor.",
    401: "No valid token.",
    402: "The token balance does not cover the action; `details` gives the cost and the balance.",
    403: "The token's role may not do this.",
    404: "No such object for the caller's tenant.",
    409: "The change collides with existing data.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "Some fields are missing or invalid; `details` names them.",
    429: "A limit the account set is reached (a channel's daily cap); `details` says which.",
    502: "A provider M.A.X. depends on failed; nothing was charged.",
    503: "The capability is not configured here; everything else still works.",
}
_COMMON_ERRORS = (400, 401, 403, 413, 415, 422)

_NEXT_PAGE = "The `next_cursor` of the previous page; leave it out for the first page."
CursorQuery = Annotated[str | None, Query(pattern=CURSOR_PATTERN, description=_NEXT_PAGE)]
"""The ``cursor`` of a list paged by id (leads, templates, prospects, approvals, outbox)."""
PositionCursorQuery = Annotated[str | None, Query(pattern=POSITION_CURSOR_PATTERN, description=_NEXT_PAGE)]
"""The ``cursor`` of a time-ordered list (timeline, messages, conversations, interactions, runs)."""
AlertCursorQuery = Annotated[str | None, Query(pattern=ALERT_CURSOR_PATTERN, description=_NEXT_PAGE)]
"""The ``cursor`` of the alerts."""
LimitQuery = Annotated[int, Query(ge=1, le=100)]
"""The ``limit`` of a paged list: 1 to 100 items a page."""


def responses(status: int, description: str, *errors: int) -> dict[int, OpenAPIResponse]:
    """OpenAPI responses of a route: its success (schema from the return type) and its errors.

    The errors every JWT route can answer (400, 401, 403, 413, 415, 422) are always listed.
    """
    documented: dict[int, OpenAPIResponse] = {
        status: {"description": description, "content": {}} if status == 204 else {"description": description}
    }
    for code in sorted({*_COMMON_ERRORS, *errors}):
        documented[code] = {
            "description": _ERROR_DESCRIPTIONS[code],
            "content": {content_types.APPLICATION_JSON: {"model": ErrorResponse}},
        }
    return documented


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant and role come from the JWT claims, nowhere else."""

    tenant_id: str
    role: Role
    subject: str

    def require_admin(self) -> None:
        """Refuse the call unless the caller is an admin of the tenant."""
        if self.role is not Role.ADMIN:
            raise ForbiddenError("this action needs the admin role", {"role": self.role.value})


def _envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


def _domain_envelope(exc: MaxError, locale: str) -> dict[str, Any]:
    """The envelope of a domain error, its message and its details' messages in ``locale``."""
    return _envelope(exc.code, localize(exc.message, locale), localize_details(exc.details, locale))


def error_response(status: int, code: str, message: str, details: Any = None) -> Response[Any]:
    """The ``{"error": {"code", "message", "details"}}`` answer."""
    return _json_response(status, _envelope(code, message, details))


def _json_response(status: int, envelope: dict[str, Any]) -> Response[Any]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(envelope)
    )


def reader_locale(claims: Mapping[str, Any]) -> str:
    """The locale an error is written in: the caller's tenant's, or French when it cannot be told.

    Called on the error path only, once per invocation (a request answers one error), so a request
    that succeeds reads nothing more. French, the product's default, answers a request without a
    valid tenant and a tenant that was never provisioned.
    """
    tenant_id = str(claims.get("tenant_id", ""))
    if not _TENANT_ID.match(tenant_id):
        return FRENCH
    from maxcore.services.tenants import tenant_settings

    try:
        return tenant_settings(tenant_id).locale.value
    except MaxError:
        return FRENCH
    except Exception:  # an error must still be answered when its reader's language cannot be read
        logger.exception("tenant locale unreadable; the error is answered in French")
        return FRENCH


def _validation_details(errors: Any, locale: str) -> list[dict[str, Any]]:
    details = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part != "body"]
        message = localize_validation(error, locale)
        if error.get("type") == "string_pattern_mismatch" and isinstance(error.get("input"), str):
            # "should match pattern '^[^\x00-...]*$'" tells a user nothing: say which character and where.
            pattern = str((error.get("ctx") or {}).get("pattern", ""))
            problem = control_character_problem(error["input"], pattern)
            message = localize(problem, locale) if problem is not None else message
        details.append(
            {
                "field": ".".join(location) or "body",
                "message": message,
                "type": error.get("type", "value_error"),
            }
        )
    return details


class MaxResolver(APIGatewayHttpResolver):
    """The resolver of an HTTP function, knowing in which language its errors are read."""

    def __init__(self, localized_errors: bool) -> None:
        super().__init__(enable_validation=True)
        self.localized_errors = localized_errors

    def error_locale(self, claims: Mapping[str, Any]) -> str:
        """The locale of this request's error: the tenant's, or English for the providers' webhooks."""
        return reader_locale(claims) if self.localized_errors else ENGLISH


def create_app(title: str, *, localized_errors: bool = True) -> MaxResolver:
    """Return a resolver with validation on and every error answered in the project's envelope.

    Errors are written in the calling tenant's language; ``localized_errors=False`` keeps them in
    English for a function only providers call (their webhooks carry no user to read them).
    """
    app = MaxResolver(localized_errors)
    app.configure_openapi(title=title, version="1.0.0")

    def locale() -> str:
        return app.error_locale(app.current_event.request_context.authorizer.jwt_claim or {})

    @app.exception_handler(MaxError)
    def _domain_error(exc: MaxError) -> Response[Any]:
        return _json_response(exc.status, _domain_envelope(exc, locale()))

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response[Any]:
        errors, language = exc.errors(), locale()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(
                400,
                "invalid_json",
                localize("the body is not valid JSON", language),
                _validation_details(errors, language),
            )
        if any(e.get("type") == "unsupported_content_type" for e in errors):
            message = localize("send the body as application/json", language)
            return error_response(415, "unsupported_media_type", message)
        return error_response(
            422,
            "validation_error",
            localize("some fields are missing or invalid", language),
            _validation_details(errors, language),
        )

    @app.exception_handler(RouteNotFoundError)
    def _no_route(_: RouteNotFoundError) -> Response[Any]:
        return error_response(404, "not_found", localize("no such route", locale()))

    return app


def openapi_document(app: APIGatewayHttpResolver) -> dict[str, Any]:
    """The OpenAPI document of a function's resolver, with the JWT security scheme its routes name.

    The scheme is a model of Powertools' OpenAPI package, whose import takes about 60 ms: it is built
    here, when a document is asked for (the dev server, ``make openapi``), not in every cold start.
    """
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    document = app.get_openapi_json_schema(security_schemes={"jwt": HTTPBearer(bearerFormat="JWT")})
    return cast(dict[str, Any], json.loads(document))


def create_router() -> APIGatewayHttpRouter:
    """A router for one resource's routes; the function's resolver takes them with ``include_router``."""
    return APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves it unannotated


def principal(app: APIGatewayHttpResolver | APIGatewayHttpRouter) -> Principal:
    """The caller of the current request, from the JWT authorizer's claims.

    Raises
    ------
    UnauthorizedError
        When the claims carry no valid tenant (a misconfigured authorizer must not open a tenant).
    """
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    tenant_id = str(claims.get("tenant_id", ""))
    if not _TENANT_ID.match(tenant_id):
        raise UnauthorizedError("the token carries no valid tenant")
    try:
        role = Role(str(claims.get("role", Role.MEMBER.value)))
    except ValueError as exc:
        raise ForbiddenError("the token's role is not known", {"role": claims.get("role")}) from exc
    return Principal(tenant_id=tenant_id, role=role, subject=str(claims.get("sub", "")))


def admin(app: APIGatewayHttpResolver | APIGatewayHttpRouter) -> Principal:
    """The caller of the current request, who must be an admin of the tenant (403 otherwise)."""
    caller = principal(app)
    caller.require_admin()
    return caller


def _check_body(
    event: dict[str, Any], json_only: bool = True, limits: Mapping[str, int] | None = None
) -> None:
    """Refuse bodies the resolver could only choke on: too large, bad base64, not UTF-8, too deep.

    ``limits``: the routes (API Gateway's ``routeKey``) that take a bigger body than the setting.
    """
    body = event.get("body")
    if body is None:
        return
    limit = (limits or {}).get(str(event.get("routeKey")), get_settings().max_body_bytes)
    if len(body) > limit * 4 // 3 + 4:
        raise PayloadTooLargeError(f"the body is over {limit} bytes", {"limit_bytes": limit})
    raw = body.encode("utf-8", "surrogatepass")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequestError("the body is not valid base64") from exc
    if len(raw) > limit:
        raise PayloadTooLargeError(f"the body is over {limit} bytes", {"limit_bytes": limit})
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequestError("the body is not UTF-8 text", {"position": exc.start}) from exc
    content_type = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("content-type", "")
    if json_only and text.strip() and content_type and "json" not in content_type.lower():
        raise UnsupportedMediaTypeError("send the body as application/json", {"content_type": content_type})
    if (json_only or "json" in content_type.lower()) and too_deep(text):
        # Before the resolver's json.loads, which would recurse once per level and crash.
        raise BodyTooDeepError(
            f"the body nests more than {MAX_JSON_DEPTH} arrays or objects", {"max_depth": MAX_JSON_DEPTH}
        )
    # The resolver re-decodes a base64 body with .decode(); hand it the checked text instead.
    event["body"], event["isBase64Encoded"] = text, False


def make_handler(
    app: MaxResolver, json_only: bool = True, body_limits: Mapping[str, int] | None = None
) -> Handler:
    """The Lambda entry point of an HTTP function: checks, logging context, metrics, tracing.

    ``json_only=False`` lets other bodies through (the providers' form-encoded webhooks).
    ``body_limits``: bytes a body may hold on some routes (by ``routeKey``, ``"POST /bulk-sends"``),
    when one route needs more than ``max_body_bytes``; every other route keeps the setting.
    """

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        claims = (
            ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt", {}).get("claims", {})
        )
        if tenant := claims.get("tenant_id"):
            logger.append_keys(tenant_id=tenant)
        try:
            _check_body(event, json_only, body_limits)
        except MaxError as exc:
            return {
                "statusCode": exc.status,
                "headers": {"Content-Type": content_types.APPLICATION_JSON},
                "body": json.dumps(_domain_envelope(exc, app.error_locale(claims))),
                "isBase64Encoded": False,
            }
        return _without_body_when_bodiless(app.resolve(event, context))

    return lambda_handler


_BODILESS = frozenset({204, 304})
"""Statuses HTTP forbids a body on (RFC 9110 6.4.1)."""


def _without_body_when_bodiless(result: dict[str, Any]) -> dict[str, Any]:
    """Drop the body the resolver serialises for a route returning None (``null``) on a 204.

    A client reading a 204 stops at the headers; four stray bytes would be read as the start of the
    next response on a kept-alive connection.
    """
    if result.get("statusCode") in _BODILESS:
        result["body"] = ""
        result["isBase64Encoded"] = False
        for headers in (result.get("headers"), result.get("multiValueHeaders")):
            if isinstance(headers, dict):
                for name in [n for n in headers if n.lower() in ("content-type", "content-length")]:
                    del headers[name]
    return result

"""Domain errors, each with the HTTP status and the stable code the API answers with.

Services raise these; the API layer (:mod:`maxcore.api`) turns them into
``{"error": {"code", "message", "details"}}`` responses. Anything else is a bug and answers 500.
"""

from __future__ import annotations

from typing import Any


class MaxError(Exception):
    """Base of every error a client can cause; carries its status, code and details."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details if details is not None else {}


class BadRequestError(MaxError):
    """The request cannot be read (not JSON, not UTF-8, a bad cursor)."""

    status = 400
    code = "bad_request"


class BodyTooDeepError(BadRequestError):
    """The JSON body nests deeper than any request of the API (it would exhaust the parser's stack)."""

    code = "body_too_deep"


class UnauthorizedError(MaxError):
    """No usable identity came with the request."""

    status = 401
    code = "unauthorized"


class InsufficientTokensError(MaxError):
    """The token balance does not cover the action; nothing ran."""

    status = 402
    code = "insufficient_tokens"


class ForbiddenError(MaxError):
    """The caller is known but may not do this."""

    status = 403
    code = "forbidden"


class NotFoundError(MaxError):
    """The object does not exist for the caller's tenant (another tenant's object included)."""

    status = 404
    code = "not_found"


class ConflictError(MaxError):
    """The change collides with existing data (a duplicate, a concurrent edit)."""

    status = 409
    code = "conflict"


class PayloadTooLargeError(MaxError):
    """The body is over the size the API accepts."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaTypeError(MaxError):
    """The body is not in a format the route reads."""

    status = 415
    code = "unsupported_media_type"


class InvalidInputError(MaxError):
    """The body or the parameters break a rule of the domain."""

    status = 422
    code = "validation_error"


class UnsafeHtmlError(InvalidInputError):
    """A template's HTML, once filled in with a lead's values, is not allowed (a 422 like any input)."""


class ModeForbiddenError(ForbiddenError):
    """The tenant's autonomy mode does not let this action run (or not without a user's approval)."""

    status = 403
    code = "mode_forbids_action"


class UpstreamError(MaxError):
    """A provider we depend on (the LLM API, a messaging provider) failed; nothing was charged."""

    status = 502
    code = "upstream_error"


class ServiceUnavailableError(MaxError):
    """A capability is not configured or not reachable right now; everything else still works."""

    status = 503
    code = "service_unavailable"


class DuplicateMessageError(ConflictError):
    """A provider message already recorded (a webhook delivered again, a message logged twice)."""

    code = "duplicate_message"


class ChannelUnavailableError(ConflictError):
    """The lead cannot be written to on this channel now: opted out, no address, window closed..."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message, details)
        self.code = code


class RateLimitedError(MaxError):
    """A limit the tenant set (a channel's daily cap) is reached; retry later."""

    status = 429
    code = "rate_limited"


class SenderLimitError(RateLimitedError):
    """Every e-mail sender the send may go from is at its daily limit (the tenant's day)."""

    code = "daily_sender_limit"


class InvalidSignatureError(ForbiddenError):
    """A webhook that does not prove it comes from the provider: nothing is written."""

    code = "invalid_signature"

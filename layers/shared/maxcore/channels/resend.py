"""E-mail through Resend, with the resend SDK (imported on first use): sending, and reading received e-mails.

Resend honours an ``Idempotency-Key`` for 24 hours: every try of one logical send carries the
message's key, so a retry after a timeout that did reach Resend returns the first e-mail's id
instead of sending a second e-mail. Our Message-ID, the Reply-To and a follow-up's In-Reply-To and
References go in the request too (``headers``, ``reply_to``); all derive from what stays the same
between tries, so a retried request stays identical.

The SDK is configured through module globals (``resend.api_key``, ``resend.api_url``,
``resend.default_http_client``), read when a request is made. Each request sets all three, so
clients of different tenants take turns safely in one process; concurrent sends from threads with
different keys would not (Lambda runs one invocation at a time per process).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from maxcore.channels.base import OutboundMessage, PermanentSendError, SendReceipt, TransientSendError
from maxcore.models.common import Channel
from maxcore.models.webhook import ReceivedEmail
from maxcore.rules.delivery import parse_retry_after

if TYPE_CHECKING:
    from resend import Emails, Tag

DEFAULT_API_URL = "https://api.resend.com"

_TAG_FORBIDDEN = re.compile(r"[^A-Za-z0-9_-]")
_TAG_MAX = 256
# Resend's validation messages name the field in backquotes: "Invalid `to` field. ...".
_ABOUT_RECIPIENT = re.compile(r"`(to|cc|bcc)`|\brecipient", re.IGNORECASE)
_FETCH_RETRIED = frozenset({401, 403, 429})
"""Refusals of a fetch worth asking again: a key being fixed, a rate limit."""
_CREDENTIALS = frozenset({"missing_api_key", "invalid_api_key", "restricted_api_key"})


class _ResendClient:
    """One Resend API key (a tenant's credentials), the API's base URL and a timeout per request."""

    def __init__(self, api_key: str, base_url: str | None = None, timeout: float = 10.0) -> None:
        """Keep the key; ``base_url`` replaces ``RESEND_API_URL`` / ``https://api.resend.com``.

        ``timeout`` bounds each HTTP request (the SDK's own default is 30 s).
        """
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._api_key = api_key
        self._base_url = base_url.rstrip("/") if base_url else None
        self._timeout = timeout

    def _sdk(self) -> Any:
        """The resend module, configured for one request with this client's key, URL and timeout."""
        import resend

        resend.api_key = self._api_key
        # The SDK reads RESEND_API_URL only when it is first imported; set the URL on every request
        # so that one client's base_url never leaks into another's requests.
        resend.api_url = self._base_url or os.environ.get("RESEND_API_URL", DEFAULT_API_URL)
        # requests takes float seconds; the SDK annotates its timeout as an int.
        resend.default_http_client = resend.RequestsClient(timeout=self._timeout)  # type: ignore[arg-type]
        return resend


class ResendAdapter(_ResendClient):
    """Sends e-mails with one Resend API key (a tenant's credentials)."""

    provider = "resend"

    def send(self, message: OutboundMessage) -> SendReceipt:
        """Send one e-mail; raise TransientSendError or PermanentSendError."""
        if message.channel is not Channel.EMAIL:
            raise PermanentSendError(f"Resend does not send {message.channel} messages")
        if not message.sender:
            raise PermanentSendError("no e-mail sender configured")
        if not message.subject:
            raise PermanentSendError("an e-mail needs a subject")

        from resend.exceptions import NoContentError, ResendError

        resend = self._sdk()

        params: Emails.SendParams = {
            "from": message.sender,
            "to": [message.to],
            "subject": message.subject,
            "text": message.body,
        }
        if message.html:
            params["html"] = message.html
        if message.reply_to:
            params["reply_to"] = message.reply_to
        headers = {**_thread_headers(message), **message.extra_headers}
        if headers:
            params["headers"] = headers
        tags = _tags(message.tags)
        if tags:
            params["tags"] = tags
        try:
            response = resend.Emails.send(params, {"idempotency_key": message.idempotency_key})
        except ResendError as error:
            raise _classify(error) from error
        except NoContentError as error:
            # The key makes a retry safe even if this request did send the e-mail.
            raise TransientSendError("Resend answered without a body") from error
        return SendReceipt(provider=self.provider, provider_message_id=str(response["id"]), status="sent")


def _thread_headers(message: OutboundMessage) -> dict[str, str]:
    """Message-ID, In-Reply-To and References, each id between angle brackets as RFC 5322 writes it."""
    headers = {}
    if message.message_id:
        headers["Message-ID"] = f"<{message.message_id}>"
    if message.in_reply_to:
        headers["In-Reply-To"] = f"<{message.in_reply_to}>"
    if message.references:
        headers["References"] = " ".join(f"<{i}>" for i in message.references)
    return headers


class ReceivedEmailError(Exception):
    """A received e-mail could not be fetched; ``permanent`` when asking again cannot help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


class ResendInbox(_ResendClient):
    """Reads the e-mails Resend received for a tenant, with its API key (the sending one)."""

    def get(self, email_id: str) -> ReceivedEmail:
        """The received e-mail ``email_id`` (``Emails.Receiving.get``), attachments listed, not downloaded.

        Raises
        ------
        ReceivedEmailError
            Permanent for a 404 (Resend does not have it) and any other refusal of the request
            (400, 422); transient for the network, a 5xx, a 429, and a refused key (401, 403: the
            credentials may be fixed before the queue gives up).
        """
        from resend.exceptions import NoContentError, ResendError

        resend = self._sdk()
        try:
            found = resend.Emails.Receiving.get(email_id)
        except ResendError as error:
            status = _status(error.code)
            transient = (
                error.error_type == "HttpClientError" or status in (None, 401, 403, 429) or status >= 500
            )
            reason = f"Resend {status or '?'} {error.error_type}: {error.message}"
            raise ReceivedEmailError(reason, permanent=not transient) from error
        except NoContentError as error:
            raise ReceivedEmailError("Resend answered without a body", permanent=False) from error
        return ReceivedEmail.model_validate(
            {
                "subject": found.get("subject") or "",
                "text": found.get("text"),
                "html": found.get("html"),
                "headers": {str(k): str(v) for k, v in (found.get("headers") or {}).items()},
                "attachments": list(found.get("attachments") or []),
            }
        )


def _tags(tags: dict[str, str]) -> list[Tag]:
    """Resend's tags, names and values reduced to the characters it accepts (others become ``_``)."""
    cleaned: list[Tag] = []
    for name, value in tags.items():
        clean_name = _TAG_FORBIDDEN.sub("_", name)[:_TAG_MAX]
        if clean_name:
            cleaned.append({"name": clean_name, "value": _TAG_FORBIDDEN.sub("_", value)[:_TAG_MAX]})
    return cleaned


def _status(code: object) -> int | None:
    try:
        return int(str(code))
    except ValueError:
        return None


def _classify(error: Any) -> TransientSendError | PermanentSendError:
    """Turn a ResendError (its ``code`` is the HTTP status, ``error_type`` Resend's name) into ours."""
    status = _status(error.code)
    name = str(error.error_type or "")
    reason = f"Resend {status or '?'} {name}: {error.message}"
    if error.error_type == "HttpClientError":
        # The SDK wraps network failures and timeouts as a 500 of this type.
        return TransientSendError(f"Resend unreachable: {error.message}", code=name)
    if status == 429:
        headers = {str(k).lower(): str(v) for k, v in (error.headers or {}).items()}
        retry_after = parse_retry_after(headers.get("retry-after"), datetime.now(UTC))
        return TransientSendError(reason, code=name, http_status=status, retry_after=retry_after)
    if status is None or status >= 500:
        return TransientSendError(reason, code=name, http_status=status)
    if status == 409 and name == "concurrent_idempotent_requests":
        # The first try with this key is still being processed: asking again shortly is the way.
        return TransientSendError(reason, code=name, http_status=status)
    if status == 409 and name == "invalid_idempotent_request":
        # An e-mail with other contents was already sent under this key: that one left.
        return PermanentSendError(reason, code=name, http_status=status, key_reused=True)
    if status == 401 or name in _CREDENTIALS:
        reason = f"{reason} (the API key was refused: check the credentials)"
    elif status == 403:
        reason = f"{reason} (the credentials may not send from this domain or to this address)"
    elif status in (400, 422) and _ABOUT_RECIPIENT.search(str(error.message)):
        return PermanentSendError(reason, code=name, http_status=status, invalid_address=True)
    return PermanentSendError(reason, code=name, http_status=status)

"""SMS and WhatsApp through Twilio's Messages API, with the twilio SDK (imported on first send).

Twilio takes no idempotency key on Messages: a retry after a timeout whose request did reach Twilio
sends the message twice. So only what certainly did not leave is transient (connection refused or
not established in time, a 429, a 5xx answer); an answer that never came after the request was
written (read timeout, connection dropped, unreadable answer) is :class:`UnconfirmedSendError`, and
the message's status callback (its URL carries our reference) settles it.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from maxcore.channels.base import (
    OutboundMessage,
    PermanentSendError,
    SendReceipt,
    TransientSendError,
    UnconfirmedSendError,
)
from maxcore.models.common import Channel
from maxcore.rules.delivery import parse_retry_after

if TYPE_CHECKING:
    from twilio.rest import Client

OPTED_OUT = 21610
"""The recipient replied STOP: Twilio refuses every message until they reply START."""
INVALID_ADDRESS = frozenset({21211, 21214, 21217, 21401, 21407, 21408, 21612, 21614, 63003})
"""Invalid or unreachable number, not a mobile, region not enabled, not a WhatsApp user..."""
OUTSIDE_SESSION_WINDOW = 63016
"""WhatsApp free-form text more than 24 h after the lead's last message: needs an approved template."""
RATE_LIMITED = 20429
AUTHENTICATION = 20003

# What Twilio answers on create, mapped onto the two words of a receipt.
_SENT_STATUSES = frozenset({"sending", "sent", "delivered", "read"})

_WHATSAPP = "whatsapp:"


class TwilioAdapter:
    """Sends SMS and WhatsApp messages with one Twilio account (a tenant's credentials)."""

    provider = "twilio"

    def __init__(
        self, account_sid: str, auth_token: str, base_url: str | None = None, timeout: float = 10.0
    ) -> None:
        """Keep the credentials; the SDK is imported and its client built on the first send.

        ``base_url`` replaces ``https://api.twilio.com`` (a local fake in tests); ``timeout`` bounds
        each HTTP request, connection and read.
        """
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._base_url = base_url
        self._timeout = timeout
        self._client: Client | None = None
        self._http: Any = None

    def send(self, message: OutboundMessage) -> SendReceipt:
        """Create one Twilio Message; raise TransientSendError or PermanentSendError."""
        if message.channel not in (Channel.SMS, Channel.WHATSAPP):
            raise PermanentSendError(f"Twilio does not send {message.channel} messages")
        if not message.sender:
            raise PermanentSendError(f"no Twilio sender configured for {message.channel}")
        to, sender = message.to, message.sender
        if message.channel is Channel.WHATSAPP:
            to, sender = _whatsapp(to), _whatsapp(sender)
        options: dict[str, str] = {}
        if message.status_callback_url:
            options["status_callback"] = message.status_callback_url
        if message.content_sid:
            # A WhatsApp template: Twilio sends the approved Content with these values, not a body.
            options["content_sid"] = message.content_sid
            options["content_variables"] = json.dumps(message.content_variables or {}, ensure_ascii=False)
        else:
            options["body"] = message.body

        from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException

        client = self._client_once()
        try:
            created = client.messages.create(to=to, from_=sender, **options)
        except (TwilioRestException, TwilioServiceException) as error:
            raise _classify(error, self._http.last_headers) from error
        except TwilioException as error:
            # An answer came but the SDK cannot read it (a success body it does not know...): the
            # message may have been created.
            raise UnconfirmedSendError(f"Twilio's answer cannot be read: {error}") from error
        except OSError as error:
            # requests' exceptions are OSErrors; its URL errors are ValueErrors too and cannot heal.
            if isinstance(error, ValueError):
                raise PermanentSendError(f"Twilio URL is unusable: {type(error).__name__}") from error
            if _never_left(error):
                raise TransientSendError(f"Twilio unreachable: {type(error).__name__}: {error}") from error
            raise UnconfirmedSendError(
                f"Twilio's answer never came ({type(error).__name__}): the message may have left"
            ) from error
        status = "sent" if str(created.status or "").lower() in _SENT_STATUSES else "queued"
        return SendReceipt(provider=self.provider, provider_message_id=str(created.sid), status=status)

    def _client_once(self) -> Client:
        """Build the SDK client on first use and keep it: one connection pool for this adapter's sends."""
        if self._client is None:
            from twilio.rest import Client

            self._http = _header_keeping_http_client()(timeout=self._timeout)
            client = Client(self._account_sid, self._auth_token, http_client=self._http)
            if self._base_url is not None:
                # Every Messages request is built from the Api domain's base_url (Domain.absolute_url).
                client.api.base_url = self._base_url.rstrip("/")
                # TWILIO_EDGE / TWILIO_REGION in the environment would rewrite the host of that URL.
                client.edge = None
                client.region = None
            self._client = client
        return self._client


class ContentLookupError(Exception):
    """Twilio's Content API did not say how a Content's WhatsApp approval stands."""

    def __init__(self, reason: str, *, not_found: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.not_found = not_found
        """Twilio has no Content with this SID in the account."""


def whatsapp_approval(
    account_sid: str, auth_token: str, content_sid: str, base_url: str | None = None, timeout: float = 10.0
) -> tuple[str, str | None]:
    """Twilio's word for a Content's WhatsApp approval and its rejection reason, if any.

    ``GET https://content.twilio.com/v1/Content/{sid}/ApprovalRequests`` through the SDK; ``base_url``
    replaces the Content API's host (a local fake in tests). Raises :class:`ContentLookupError`.
    """
    from twilio.base.exceptions import TwilioException, TwilioRestException
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
    if base_url is not None:
        client.content.base_url = base_url.rstrip("/")
        client.edge = None
        client.region = None
    try:
        found = client.content.v1.contents(content_sid).approval_fetch().fetch()
    except TwilioRestException as error:
        raise ContentLookupError(
            f"Twilio {error.code or error.status}: {error.msg}", not_found=error.status == 404
        ) from error
    except (TwilioException, OSError) as error:
        raise ContentLookupError(f"Twilio's Content API did not answer: {type(error).__name__}") from error
    whatsapp = found.whatsapp or {}
    reason = whatsapp.get("rejection_reason")
    return str(whatsapp.get("status") or ""), str(reason) if reason else None


def _never_left(error: OSError) -> bool:
    """Whether the request certainly never reached Twilio: no connection was ever established.

    A connect timeout, a refused connection, a name that does not resolve or a TLS handshake that
    failed happen before the request is written. Anything else (a read timeout, a connection reset
    or closed while waiting for the answer) may come after Twilio got the request.
    """
    import requests
    from urllib3.exceptions import NewConnectionError, SSLError

    if isinstance(error, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if isinstance(error, requests.exceptions.ConnectionError) and not isinstance(
        error, requests.exceptions.ReadTimeout
    ):
        reason = getattr(error.args[0], "reason", None) if error.args else None
        return isinstance(reason, NewConnectionError | SSLError)
    return False


def _whatsapp(address: str) -> str:
    return address if address.startswith(_WHATSAPP) else f"{_WHATSAPP}{address}"


def _classify(error: Any, headers: Mapping[str, str]) -> TransientSendError | PermanentSendError:
    """Turn a Twilio API error (legacy or RFC 9457 body) into a transient or permanent send error."""
    status = int(error.status)
    code = int(error.code) if error.code is not None else status
    detail = getattr(error, "msg", None) or getattr(error, "detail", None) or getattr(error, "title", "")
    # The SDK prefixes every create error with this; the reason reads better without it.
    detail = str(detail).removeprefix("Unable to create record: ")
    reason = f"Twilio {code}: {detail}".rstrip(": ")
    if status == 429 or code == RATE_LIMITED:
        retry_after = parse_retry_after(headers.get("retry-after"), datetime.now(UTC))
        return TransientSendError(reason, code=str(code), http_status=status, retry_after=retry_after)
    if status >= 500:
        return TransientSendError(reason, code=str(code), http_status=status)
    if code == OPTED_OUT:
        return PermanentSendError(reason, code=str(code), http_status=status, opted_out=True)
    if code in INVALID_ADDRESS:
        return PermanentSendError(reason, code=str(code), http_status=status, invalid_address=True)
    if code == OUTSIDE_SESSION_WINDOW:
        reason = f"{reason} (outside WhatsApp's 24-hour window: only an approved template may be sent)"
    elif status == 401 or code == AUTHENTICATION:
        reason = f"{reason} (the account SID or auth token was refused: check the credentials)"
    return PermanentSendError(reason, code=str(code), http_status=status)


@functools.cache
def _header_keeping_http_client() -> Any:
    """The SDK's HTTP client, keeping the last response's headers (Twilio's errors drop them)."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.http.response import Response

    class HeaderKeepingHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no types
        """TwilioHttpClient that remembers, per thread, the headers of the last response."""

        def __init__(self, timeout: float) -> None:
            super().__init__(timeout=timeout)
            self._local = threading.local()

        @property
        def last_headers(self) -> Mapping[str, str]:
            headers: Mapping[str, str] = getattr(self._local, "headers", {})
            return headers

        def request(self, *args: Any, **kwargs: Any) -> Response:
            self._local.headers = {}
            response = super().request(*args, **kwargs)
            self._local.headers = {str(k).lower(): str(v) for k, v in (response.headers or {}).items()}
            return response

    return HeaderKeepingHttpClient

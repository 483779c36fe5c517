"""Telegram through the Bot API, over HTTPS with the standard library: messages and the bot's menu.

The bot token is part of every URL (``/bot<token>/sendMessage``), so nothing raised here carries
the URL or the exception that holds it: errors are rebuilt from the Bot API's answer and chained
``from None``.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from maxcore.channels.base import OutboundMessage, PermanentSendError, SendReceipt, TransientSendError
from maxcore.models.common import Channel
from maxcore.rules.delivery import parse_retry_after

DEFAULT_BASE_URL = "https://api.telegram.org"


class TelegramAdapter:
    """Sends Telegram messages as one bot (a tenant's bot token)."""

    provider = "telegram"

    def __init__(self, bot_token: str, base_url: str = DEFAULT_BASE_URL, timeout: float = 10.0) -> None:
        """Keep the token; ``base_url`` replaces the Bot API's (a local fake in tests)."""
        if urllib.parse.urlsplit(base_url).scheme not in ("https", "http"):
            raise ValueError("the Bot API base URL must be http(s)")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        # Quoted so that a malformed token cannot make an invalid URL whose error would quote it.
        self._bot_url = f"{base_url.rstrip('/')}/bot{urllib.parse.quote(bot_token, safe=':')}"
        self._timeout = timeout

    def __repr__(self) -> str:
        return "TelegramAdapter(<bot token hidden>)"

    def send(self, message: OutboundMessage) -> SendReceipt:
        """Send one text message; raise TransientSendError or PermanentSendError."""
        if message.channel is not Channel.TELEGRAM:
            raise PermanentSendError(f"Telegram does not send {message.channel} messages")
        answer = self._call("sendMessage", {"chat_id": message.to, "text": message.body})
        try:
            result = answer["result"]
            chat_id = result.get("chat", {}).get("id", message.to)
            message_id = result["message_id"]
        except (KeyError, TypeError, AttributeError):
            raise TransientSendError("Telegram answered something unreadable") from None
        # Message ids count per chat: only the pair identifies a message.
        return SendReceipt(
            provider=self.provider, provider_message_id=f"{chat_id}:{message_id}", status="sent"
        )

    def set_commands(self, commands: Sequence[tuple[str, str]]) -> None:
        """Replace the bot's command menu (Bot API ``setMyCommands``) with ``(name, description)`` pairs.

        Raises TransientSendError or PermanentSendError as :meth:`send` does.
        """
        self._call("setMyCommands", {"commands": [{"command": n, "description": d} for n, d in commands]})

    def _call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to Bot API ``method``; its JSON answer, or the error it stands for."""
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            f"{self._bot_url}/{method}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310 - as above
                raw = response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, _read_error_body(error)
            error.close()
            raise _classify(status, body, error.headers.get("Retry-After")) from None
        except urllib.error.URLError as error:
            reason = error.reason
            raise TransientSendError(f"Telegram unreachable: {_describe(reason)}") from None
        except (OSError, http.client.HTTPException) as error:
            # Read timeouts (TimeoutError), resets and truncated answers: the request may or may not
            # have reached Telegram.
            raise TransientSendError(f"Telegram unreachable: {_describe(error)}") from None
        except ValueError:
            raise PermanentSendError("the Bot API URL is invalid (check the base URL)") from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise TransientSendError("Telegram answered something unreadable") from None
        if not isinstance(answer, dict):
            raise TransientSendError("Telegram answered something unreadable")
        return answer


def _describe(reason: object) -> str:
    """An error's kind and text; urllib's socket errors never hold the URL."""
    if isinstance(reason, BaseException):
        text = str(reason)
        return f"{type(reason).__name__}: {text}" if text else type(reason).__name__
    return str(reason)


def _read_error_body(error: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        body = json.loads(error.read() or b"{}")
    except (ValueError, OSError, http.client.HTTPException):
        return {}
    return body if isinstance(body, dict) else {}


def _classify(
    status: int, body: dict[str, Any], retry_after_header: str | None
) -> TransientSendError | PermanentSendError:
    """Turn a Bot API error answer into a transient or permanent send error."""
    code = int(body.get("error_code") or status)
    description = str(body.get("description") or f"HTTP {status}")
    reason = f"Telegram {code}: {description}"
    lowered = description.lower()
    if code == 429:
        # The Bot API says how long in parameters.retry_after; an HTTP Retry-After is the fallback.
        parameters = body.get("parameters")
        given = parameters.get("retry_after") if isinstance(parameters, dict) else None
        now = datetime.now(UTC)
        retry_after = parse_retry_after(None if given is None else str(given), now)
        if retry_after is None:
            retry_after = parse_retry_after(retry_after_header, now)
        return TransientSendError(reason, code=str(code), http_status=status, retry_after=retry_after)
    if code >= 500:
        return TransientSendError(reason, code=str(code), http_status=status)
    if code == 403:
        if "deactivated" in lowered:
            # The account is gone: not a choice of the user, an address that no longer exists.
            return PermanentSendError(reason, code=str(code), http_status=status, invalid_address=True)
        # Blocked by the user, kicked from the group: they chose not to hear from us.
        return PermanentSendError(reason, code=str(code), http_status=status, opted_out=True)
    if code == 400 and ("chat not found" in lowered or "peer_id_invalid" in lowered):
        return PermanentSendError(reason, code=str(code), http_status=status, invalid_address=True)
    if code in (401, 404):
        # The Bot API answers 401 for a revoked token and 404 for a malformed one.
        reason = f"{reason} (the bot token was refused: check the credentials)"
    return PermanentSendError(reason, code=str(code), http_status=status)

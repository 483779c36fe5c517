"""One protocol for every sending channel, and the two ways a send can fail.

An adapter turns an :class:`OutboundMessage` into one provider call and answers a
:class:`SendReceipt`, or raises :class:`TransientSendError` (worth retrying: rate limits, 5xx,
timeouts), :class:`PermanentSendError` (retrying cannot help: opted out, invalid address, bounce)
or :class:`UnconfirmedSendError` (the outcome is unknown and a retry could send twice).
Retries, backoff and recording are the caller's job (:mod:`maxcore.channels.retry`, the services).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from maxcore.models.common import Channel

REFERENCE_PARAMETER = "ref"
"""The query parameter of a status callback URL that carries our own id of the message."""


@dataclass(frozen=True)
class OutboundMessage:
    """What to send, already rendered and checked (consent, address, window)."""

    channel: Channel
    to: str
    """E.164 number (sms, whatsapp), e-mail address, or Telegram chat id."""
    body: str
    """The text (the plain-text part of an e-mail)."""
    idempotency_key: str
    """Stable for one logical send; given to providers that honour one (Resend's Idempotency-Key)."""
    sender: str | None = None
    """Sender number, WhatsApp sender or ``Name <address>``; the Telegram bot needs none."""
    subject: str | None = None
    html: str | None = None
    status_callback_url: str | None = None
    """Where the provider reports delivery (Twilio's StatusCallback)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Provider-side tags (tenant, lead, activity) where the provider keeps them."""
    message_id: str | None = None
    """E-mail: our Message-ID, bare (:func:`maxcore.rules.email_threads.message_id`)."""
    reply_to: str | None = None
    """E-mail: where replies go (the tenant's inbound address, else the sender's)."""
    in_reply_to: str | None = None
    """E-mail: the Message-ID of the e-mail this one follows in its thread, bare."""
    references: tuple[str, ...] = ()
    """E-mail: the thread's Message-IDs, oldest first, bare."""
    content_sid: str | None = None
    """WhatsApp outside the 24-hour window: the approved template's Twilio Content SID, sent instead
    of ``body``."""
    content_variables: dict[str, str] | None = None
    """With ``content_sid``: the values of the Content's variables (``"1"``, ``"2"``...)."""
    extra_headers: dict[str, str] = field(default_factory=dict)
    """E-mail: further headers, sent as given (``List-Unsubscribe`` and ``List-Unsubscribe-Post``)."""


@dataclass(frozen=True)
class SendReceipt:
    """The provider accepted the message."""

    provider: str
    """``twilio``, ``resend``, ``telegram`` or ``outbox``."""
    provider_message_id: str
    status: str
    """The provider's word for it, mapped: ``queued`` or ``sent``."""


class SendError(Exception):
    """A provider refused or could not take the message."""

    def __init__(self, reason: str, *, code: str | None = None, http_status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.http_status = http_status


class TransientSendError(SendError):
    """Worth retrying: 429 (with the provider's Retry-After when it gives one), 5xx, timeouts."""

    def __init__(
        self,
        reason: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason, code=code, http_status=http_status)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """Retrying cannot help; recorded on the message, and on the lead when it says so."""

    def __init__(
        self,
        reason: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        opted_out: bool = False,
        invalid_address: bool = False,
        key_reused: bool = False,
    ) -> None:
        super().__init__(reason, code=code, http_status=http_status)
        self.opted_out = opted_out
        """The recipient unsubscribed at the provider (Twilio 21610, a Telegram user who blocked the bot)."""
        self.invalid_address = invalid_address
        """The number, address or chat does not exist or cannot receive this channel."""
        self.key_reused = key_reused
        """The provider already sent another message under this idempotency key: one did leave."""


class UnconfirmedSendError(SendError):
    """The request may have reached the provider and its answer never came (a read timeout, a
    connection lost after the request was written, an answer that cannot be read).

    Not worth retrying where the provider takes no idempotency key (Twilio): the message may be on
    its way and a second request would send it twice. The send is recorded ``unconfirmed`` and the
    provider's status callback, carrying our reference, settles it.
    """

    attempts: int = 1
    """The tries made, this one included (set by :func:`maxcore.channels.retry.send_with_retry`)."""


class ChannelAdapter(Protocol):
    """Sends one message through one provider."""

    provider: str

    def send(self, message: OutboundMessage) -> SendReceipt:
        """Send ``message`` once; raise :class:`TransientSendError` or :class:`PermanentSendError`."""
        ...

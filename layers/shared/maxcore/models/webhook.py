"""What a provider's webhook tells us, once its provider-specific format is read.

The parsers of :mod:`maxcore.channels.inbound` turn a Twilio form, a Resend (Svix) event or a
Telegram update into one of these; the webhook service acts on them without knowing the provider.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from maxcore.models.activity import ActivityStatus
from maxcore.models.common import Channel, LazyModel


class InboundMessage(LazyModel):
    """A lead wrote to us."""

    channel: Channel
    provider_message_id: str = Field(min_length=1, max_length=128)
    sender: str
    """Normalised: E.164 phone (sms, whatsapp), lower-cased address (email), chat id (telegram)."""
    sender_name: str | None = None
    """A display name when the provider gives one (WhatsApp profile, Telegram first/last name)."""
    recipient: str | None = None
    """Our number, address or bot, as the provider names it."""
    text: str = ""
    received_at: datetime
    subject: str | None = None
    """E-mail: the subject line."""
    in_reply_to: str | None = None
    """E-mail: the Message-ID this message answers (its ``In-Reply-To`` header), without angle brackets."""
    references: tuple[str, ...] = ()
    """E-mail: the Message-IDs of the thread (its ``References`` header), oldest first, without brackets."""
    automatic: str | None = None
    """Why the message was sent by a machine, not a person (an ``Auto-Submitted`` header, a delivery
    receipt...); such a message is recorded but counts as no reply."""


class SuppressionReason(StrEnum):
    """Why an e-mail address must not be written to again."""

    BOUNCED = "bounced"
    COMPLAINED = "complained"


class DeliveryUpdate(LazyModel):
    """What became of a message we sent."""

    channel: Channel
    provider_message_id: str = Field(min_length=1, max_length=128)
    status: ActivityStatus | None
    """The new status; ``None`` for an event that changes no status (a spam complaint)."""
    occurred_at: datetime
    error_code: str | None = None
    error_message: str | None = None
    recipient: str | None = None
    """The lead's number or address the message went to."""
    suppress: SuppressionReason | None = None
    """Set for a hard bounce or a complaint: the address is suppressed for the tenant."""
    opted_out: bool = False
    """The provider says the recipient unsubscribed (Twilio error 21610)."""


class IgnoredEvent(LazyModel):
    """A well-formed event we have nothing to do with (answered 200 so the provider stops)."""

    kind: str
    reason: str


WebhookEvent = InboundMessage | DeliveryUpdate | IgnoredEvent
"""Anything a parser can return."""

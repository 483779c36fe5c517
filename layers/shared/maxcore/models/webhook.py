"""What a provider's webhook tells us, once its provider-specific format is read.

The parsers of :mod:`maxcore.channels.inbound` turn a Twilio form, a Resend (Svix) event or a
Telegram update into one of these; the webhook service acts on them without knowing the provider.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

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


SUBJECT_MAX = 998
"""The longest subject kept: RFC 5322's line limit (a longer one is cut)."""


class InboundEmailNotice(LazyModel):
    """Resend announced an inbound e-mail (``email.received``) without its body.

    The webhook queues it; the worker fetches the e-mail and records what it says. If the e-mail
    cannot be fetched, the notice alone is recorded (:meth:`subject_only`).
    """

    email_id: str = Field(min_length=1, max_length=128)
    """Resend's id of the received e-mail (what its receiving API is asked for)."""
    sender: str
    """The lower-cased address."""
    sender_name: str | None = None
    recipient: str | None = None
    subject: str = Field(default="", max_length=SUBJECT_MAX)
    received_at: datetime

    def message(self, text: str, **fields: Any) -> InboundMessage:
        """The inbound message this e-mail is, with ``text`` and the reading's ``fields``."""
        return InboundMessage(
            channel=Channel.EMAIL,
            provider_message_id=self.email_id,
            sender=self.sender,
            sender_name=self.sender_name,
            recipient=self.recipient,
            text=text,
            received_at=self.received_at,
            subject=self.subject or None,
            **fields,
        )

    def subject_only(self) -> InboundMessage:
        """The message as the notice tells it, the subject standing for the body."""
        return self.message(self.subject)


class ReceivedEmail(LazyModel):
    """An inbound e-mail as Resend's receiving API serves it: the parts we read."""

    subject: str = ""
    text: str | None = None
    html: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    attachments: list[dict[str, Any]] = Field(default_factory=list)
    """Resend's attachment objects: ``filename``, ``content_type``, ``size``... (never downloaded)."""


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


WebhookEvent = InboundMessage | InboundEmailNotice | DeliveryUpdate | IgnoredEvent
"""Anything a parser can return."""

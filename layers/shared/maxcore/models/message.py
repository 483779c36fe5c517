"""Sending a message to a lead, and the unified inbox: API schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from maxcore.models.activity import ActivityResponse
from maxcore.models.common import Channel, LazyModel, Line, StrictModel, Text, Ulid, exactly_one_of
from maxcore.models.inbox import TeamConversation
from maxcore.models.template import VariableName, VariableValue


class ChannelChoice(StrEnum):
    """A channel, or ``auto``: the lead's preferred channel, then the next one available."""

    AUTO = "auto"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    TELEGRAM = "telegram"


IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{8,128}$")]
"""A client's key for one logical send (a UUID is fine)."""


class SendMessageRequest(StrictModel):
    """A message to one lead: an active template with its variables, or a text."""

    model_config = ConfigDict(json_schema_extra=exactly_one_of("template_id", "body"))

    lead_id: Ulid
    channel: ChannelChoice = ChannelChoice.AUTO
    template_id: Ulid | None = None
    variables: dict[VariableName, VariableValue] = Field(default_factory=dict, max_length=50)
    body: Annotated[Text, StringConstraints(min_length=1, max_length=4000)] | None = None
    subject: Annotated[Line, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="E-mail without a template: the subject (required then)."
    )
    send_at: datetime | None = Field(
        default=None,
        description="Send later, at this instant: ISO-8601, with an offset, or without one on the tenant's "
        "wall clock; at least now and at most a year ahead. The message is checked now, answered 202 as "
        "a scheduled message, and goes once at that time.",
    )

    @model_validator(mode="after")
    def _content(self) -> Self:
        if (self.template_id is None) == (self.body is None):
            raise ValueError("send either a template_id or a body")
        return self


class SentMessage(LazyModel):
    """What was sent, to whom, how, and where it is recorded."""

    activity: ActivityResponse
    channel: Channel
    to: str
    provider: str = Field(description="`twilio`, `resend`, `telegram`, or `outbox` (recorded, not sent).")
    attempts: int = Field(description="Provider calls made (more than 1 after transient errors).")
    channel_reason: str = Field(description="Why this channel (asked for, or how `auto` chose).")
    outbox_id: str | None = None


class InboxConversation(LazyModel):
    """One lead in the unified inbox: the last message across channels and what is unread."""

    lead_id: Ulid
    lead_name: str
    channel: Channel
    direction: str
    status: str
    preview: str | None
    last_message_at: datetime
    unread: int
    channels: list[Channel] = Field(description="Channels the conversation has used.")
    opted_out: list[Channel] = Field(
        description="Channels the lead withdrew consent on (STOP, /stop, an unsubscribe reply...). A "
        "keyword or a bot command is no conversation message (not unread, not the preview): this badge "
        "shows the opt-out in the list, and the thread keeps the message marked `metadata.keyword`."
    )
    conversation: TeamConversation = Field(
        description="The team's state: status (a snooze whose time passed reads `open`), owner, why."
    )


class InboxPage(LazyModel):
    """A page of conversations, newest first."""

    items: list[InboxConversation]
    next_cursor: str | None = None


class MessagePage(LazyModel):
    """A page of one lead's messages on every channel, newest first."""

    items: list[ActivityResponse]
    next_cursor: str | None = None


class ReadReceipt(LazyModel):
    """The conversation is read up to now."""

    lead_id: Ulid
    unread: int
    read_at: datetime

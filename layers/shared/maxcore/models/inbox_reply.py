"""Replying from the inbox, on the conversation's channel or on another one: API schemas."""

from __future__ import annotations

from pydantic import Field

from maxcore.models.common import Channel, LazyModel
from maxcore.models.message import MessageContent, SentMessage


class ReplyRequest(MessageContent):
    """A reply to a lead's conversation: a text or an active template."""

    channel: Channel | None = Field(
        default=None,
        description="Where the reply goes; by default the conversation's channel (the one the lead last "
        "wrote on). Another channel opens the reply with a short transition naming where the "
        "conversation came from.",
    )


class InboxReply(LazyModel):
    """What a reply sent: the reply, and on a switch of channel, where the conversation came from."""

    reply: SentMessage
    switched_from: Channel | None = Field(
        default=None, description="The conversation's channel, when the reply went out on another one."
    )
    transition: SentMessage | None = Field(
        default=None,
        description="On a switch to SMS, WhatsApp or Telegram, the transition sent just before the reply "
        "(by e-mail it opens the reply itself).",
    )

"""An activity: one interaction with a lead, on any channel, in either direction."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from maxcore.models.common import Ulid


class ActivityChannel(StrEnum):
    """Where the interaction happened; ``call`` and ``manual`` are logged by people."""

    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    TELEGRAM = "telegram"
    CALL = "call"
    MANUAL = "manual"


class Direction(StrEnum):
    """``in``: the lead spoke to us; ``out``: we spoke to the lead."""

    IN = "in"
    OUT = "out"


class ActivityStatus(StrEnum):
    """What became of the interaction."""

    SENT = "sent"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    READ = "read"
    REPLIED = "replied"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    BOUNCED = "bounced"


class Activity(BaseModel):
    """An activity as the domain sees it."""

    id: Ulid
    lead_id: Ulid
    channel: ActivityChannel
    direction: Direction
    status: ActivityStatus
    preview: str | None = Field(default=None, max_length=1000)
    provider_message_id: str | None = None
    intent: str | None = None
    occurred_at: datetime
    metadata: dict[str, Any] = Field(default_factory=dict)

"""Messages a rep scheduled for later (``POST /messages`` with ``send_at``): entity and API schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from maxcore.models.common import Channel, LazyModel, Line, StrictModel, Text, Ulid, partial_change


class ScheduledState(StrEnum):
    """Where a scheduled message is: waiting, leaving, or done one way or another."""

    SCHEDULED = "scheduled"
    """Waiting for its time; it may still be changed or cancelled."""
    SENDING = "sending"
    """Its time came and the send started: it can no longer be changed."""
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"
    """It could not go (consent withdrawn, blacklisted, the provider refused...): ``reason`` says why."""


CHANGEABLE = frozenset({ScheduledState.SCHEDULED})
"""The states in which a scheduled message may be changed or cancelled."""


class ScheduledMessage(LazyModel):
    """A message that waits for its time, then goes once."""

    id: Ulid
    lead_id: Ulid
    channel: Channel = Field(description="The channel chosen when it was scheduled; it goes out on it.")
    template_id: Ulid | None = None
    variables: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    subject: str | None = None
    send_at: datetime = Field(description="When it goes (UTC).")
    state: ScheduledState
    code: str | None = Field(
        default=None, description="Why it failed, or why it was put off (`daily_cap`...), as a code."
    )
    reason: str | None = Field(default=None, description="The same, in the tenant's language.")
    activity_id: str | None = Field(
        default=None, description="The message on the lead's timeline, once sent."
    )
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 1


class ScheduledMessagePage(LazyModel):
    """A page of scheduled messages, newest first."""

    items: list[ScheduledMessage]
    next_cursor: str | None = None


class UpdateScheduledMessageRequest(StrictModel):
    """A change of a message still waiting: its text (a text message only) or its time; no field null."""

    model_config = ConfigDict(json_schema_extra=partial_change("body", "subject", "send_at"))

    body: Annotated[Text, StringConstraints(min_length=1, max_length=4000)] | None = None
    subject: Annotated[Line, StringConstraints(min_length=1, max_length=200)] | None = None
    send_at: datetime | None = Field(
        default=None,
        description="ISO-8601; without an offset, a time on the tenant's wall clock.",
    )

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send at least one field")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

"""An activity: one interaction with a lead, on any channel, in either direction."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from maxcore.models.common import LazyModel, StrictModel, Text, Ulid


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
    """What became of the interaction.

    A message's delivery status only moves forward (:mod:`maxcore.rules.delivery`):
    unconfirmed < queued < sent < delivered < opened/read < clicked; failed, undelivered and bounced
    are final. ``unconfirmed``: the provider was asked and its answer never came (a timeout after the
    request left); its status callback settles it.
    """

    UNCONFIRMED = "unconfirmed"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    READ = "read"
    REPLIED = "replied"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    BOUNCED = "bounced"


PREVIEW_MAX = 1000
"""The longest preview (what the timeline and the inbox list show)."""

TEXT_MAX = 20_000
"""The longest message text kept whole in ``metadata["text"]`` when it outgrows the preview."""


class Activity(LazyModel):
    """An activity as the domain sees it."""

    id: Ulid
    lead_id: Ulid
    channel: ActivityChannel
    direction: Direction
    status: ActivityStatus
    preview: str | None = Field(default=None, max_length=PREVIEW_MAX)
    provider_message_id: str | None = None
    intent: str | None = None
    occurred_at: datetime
    metadata: dict[str, Any] = Field(default_factory=dict)
    status_updated_at: datetime | None = None
    """When a provider last moved the status (delivery reports)."""
    error_code: str | None = None
    error_message: str | None = None

    @property
    def text(self) -> str | None:
        """The whole message: ``metadata["text"]`` when it outgrew the preview, else the preview."""
        whole = self.metadata.get("text")
        return whole if isinstance(whole, str) and whole else self.preview


# --- API ----------------------------------------------------------------------------------------
class CreateActivityRequest(StrictModel):
    """An interaction to log on a lead's timeline."""

    lead_id: Ulid
    channel: ActivityChannel
    direction: Direction
    status: ActivityStatus = ActivityStatus.SENT
    preview: Annotated[Text, StringConstraints(max_length=1000)] | None = Field(
        default=None, description="The message text or its preview; inbound texts get an intent."
    )
    occurred_at: datetime | None = Field(default=None, description="Defaults to now; never in the future.")
    provider_message_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("occurred_at needs a timezone (e.g. 2026-03-10T08:30:00Z)")
        return value


class ActivityResponse(LazyModel):
    """An activity as the API returns it."""

    id: Ulid
    lead_id: Ulid
    channel: ActivityChannel
    direction: Direction
    status: ActivityStatus
    preview: str | None
    provider_message_id: str | None
    intent: str | None
    occurred_at: datetime
    metadata: dict[str, Any]
    status_updated_at: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None

    @classmethod
    def from_activity(cls, activity: Activity) -> ActivityResponse:
        """The API view of an activity."""
        return cls.model_validate(activity.model_dump())


class ClassifyRequest(StrictModel):
    """A text to understand, as if a lead had sent it."""

    text: Annotated[Text, StringConstraints(min_length=1, max_length=5000)]
    received_at: datetime | None = Field(default=None, description="Resolves the year of a return date.")
    refine: bool = Field(
        default=False,
        description="Also ask the configured language model (2 tokens, refunded if it fails). Without a "
        "model or tokens the rules' answer stands and `refinement.reason` says why.",
    )


class CueResponse(LazyModel):
    """A cue that weighed in the decision."""

    intent: str
    pattern: str
    matched: str
    weight: int


class Refinement(LazyModel):
    """What the language model's second opinion gave, or why there was none."""

    used: bool = Field(description="True when the model's intent is the one answered.")
    rules_intent: str = Field(description="What the rules read, before the model.")
    model_intent: str | None = None
    reason: str | None = Field(default=None, description="The model's reason, or why it was not asked.")


class ClassifyResponse(LazyModel):
    """The intent of a text and why."""

    intent: str
    hot: bool
    confidence: float
    cues: list[CueResponse]
    return_date: str | None = None
    language: str | None = None
    survey_score: int | None = Field(
        default=None,
        description="The text read as a 1-5 satisfaction score, when it is one and nothing else.",
    )
    confirmation: bool | None = Field(
        default=None,
        description="The text read as an answer to an appointment reminder: true confirmed, false cancelled.",
    )
    source: str = Field(default="rules", description="`rules`, or `llm` when the model refined the intent.")
    refinement: Refinement | None = Field(default=None, description="Only when `refine` was asked.")

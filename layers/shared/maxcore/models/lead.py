"""The lead: a person or business a sales team follows up, and its API schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from maxcore.models.activity import ActivityChannel
from maxcore.models.common import (
    Channel,
    LazyModel,
    Line,
    SchemaHint,
    StrictModel,
    Text,
    Ulid,
    at_least_one_of,
    partial_change,
)
from maxcore.models.contact import ContactFormatError, normalize_email
from maxcore.models.inbox import ConversationState
from maxcore.models.intent import ReplyKind
from maxcore.models.tenant import Timezone


class LeadStatus(StrEnum):
    """Where a lead stands in the pipeline."""

    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    CONVERTED = "converted"
    LOST = "lost"


def _email(value: str) -> str:
    try:
        return normalize_email(value)
    except ContactFormatError as exc:
        raise ValueError(str(exc)) from exc


PHONE_DESCRIPTION = (
    "A phone number in any common format: international (+32 470 12 34 56, 0032 470...) or national, "
    "read in the tenant's default_country (06 12 34 56 78 for FR); spaces, dots, dashes and "
    "parentheses are allowed. It must be a valid number for its country, and is stored and returned "
    "in E.164 (+33612345678). An invalid one is a 422 naming the field, with the reason "
    "(NOT_A_NUMBER, INVALID_COUNTRY_CODE, TOO_SHORT, TOO_LONG, INVALID_LENGTH, INVALID_NUMBER)."
)
PHONE_EXAMPLES = ["06 12 34 56 78", "+32 470 12 34 56"]

# No pattern: national formats vary too much for one. The service reads the number in the tenant's
# country (maxcore.rules.contact.normalize_phone), which a model validator cannot know.
Phone = Annotated[str, StringConstraints(max_length=32)]
"""A phone number as a client wrote it; the service normalises it to E.164 with the tenant's country."""

Email = Annotated[
    str, StringConstraints(max_length=254), AfterValidator(_email), SchemaHint.of(format="email")
]
"""An e-mail address, lower-cased on the way in."""

TelegramChatId = Annotated[str, StringConstraints(pattern=r"^-?\d{1,20}$")]
"""A Telegram chat id, as the Bot API gives it (digits, negative for groups)."""

Name = Annotated[Line, StringConstraints(min_length=1, max_length=100)]
# No comma or # (lists and keys use them), no leading space, no control character (as Line).
TAG_PATTERN = r"^[^\s,#\x00-\x1f\x7f-\x9f][^,#\x00-\x1f\x7f-\x9f]*$"
Tag = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=TAG_PATTERN)]
Source = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")]

MAX_CUSTOM_FIELDS = 20
MAX_CUSTOM_FIELD_NAME = 40
MAX_CUSTOM_FIELD_VALUE = 500
CustomFieldName = Annotated[Line, StringConstraints(min_length=1, max_length=MAX_CUSTOM_FIELD_NAME)]
CustomFieldValue = Annotated[Line, StringConstraints(min_length=1, max_length=MAX_CUSTOM_FIELD_VALUE)]
CUSTOM_FIELDS_DESCRIPTION = (
    f"The tenant's own fields (city, sector, source list...), name to value: at most {MAX_CUSTOM_FIELDS}, "
    f"names of up to {MAX_CUSTOM_FIELD_NAME} characters, values of up to {MAX_CUSTOM_FIELD_VALUE}. "
    "A CSV import keeps the columns it does not know here."
)


class ConsentState(LazyModel):
    """Whether the lead may be messaged on one channel, and why it stands so."""

    granted: bool
    updated_at: datetime
    reason: str = Field(max_length=200)


class LastMessage(LazyModel):
    """The lead's latest message on any channel, as the inbox lists it."""

    activity_id: str
    channel: Channel
    direction: str
    status: str
    preview: str | None = Field(default=None, max_length=160)
    at: datetime


class LeadSummaryResponse(LazyModel):
    """What the API shows of a lead's summary: all of :class:`LeadSummary` but the team inbox's
    internals (its routing bookkeeping and search words), which the inbox's own routes show."""

    last_contact_at: datetime | None = None
    last_inbound_at: datetime | None = None
    last_outbound_at: datetime | None = None
    last_inbound_by_channel: dict[str, datetime] = Field(default_factory=dict)
    last_outbound_by_channel: dict[str, datetime] = Field(default_factory=dict)
    last_opened_at: datetime | None = None
    # Last message sent that reached the lead (delivered, opened, clicked, read or replied).
    last_delivered_at: datetime | None = None
    last_intent: str | None = None
    last_intent_at: datetime | None = None
    # What the last message a person wrote did (maxcore.rules.replies): the sequences end by it.
    last_reply_kind: ReplyKind | None = None
    # Per-day counters "YYYY-MM-DD" -> channel -> [sent, replied], trimmed to the rolling window.
    daily_counts: dict[str, dict[str, list[int]]] = Field(default_factory=dict)
    # Best reply rate over the window with enough messages sent (the alert generation stores it).
    preferred_channel: ActivityChannel | None = None
    # The day an absent lead is back (00:00 UTC of that day): alerts, automations and sequences wait.
    out_of_office_until: datetime | None = None
    # What M.A.X. suggests after a decline (``lost``); the lead's status itself is the user's call.
    suggested_status: LeadStatus | None = None
    # The unified inbox: the last message across channels and the inbound ones not read yet.
    last_message: LastMessage | None = None
    unread: int = 0
    read_at: datetime | None = None
    # The lead's latest answer to a satisfaction survey (1-5) and when it was given.
    last_survey_score: int | None = None
    last_survey_score_at: datetime | None = None


class LeadSummary(LeadSummaryResponse):
    """What the alert and recommendation rules read, kept on the lead item.

    Updated in the same transaction as the activity that changes it, so a daily sweep reads lead
    items only and never one activity query per lead.
    """

    # The team inbox: status, owner and why (GSI2 projects the summary, so the inbox filters read it),
    # and the folded previews of the last messages, newest first, one a line, that its search reads.
    conversation: ConversationState = Field(default_factory=ConversationState)
    recent_text: str | None = None


class Lead(LazyModel):
    """A lead as the domain sees it."""

    model_config = ConfigDict(use_enum_values=False)

    id: Ulid
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    email: str | None = None
    telegram_chat_id: str | None = None
    timezone: str | None = None
    """The lead's own IANA timezone, when known: marketing texts keep its quiet hours."""
    status: LeadStatus = LeadStatus.NEW
    tags: list[str] = Field(default_factory=list)
    source: str = "manual"
    notes: str | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)
    consent: dict[Channel, ConsentState] = Field(default_factory=dict)
    summary: LeadSummary = Field(default_factory=LeadSummary)
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @property
    def display_name(self) -> str:
        """The name a sales rep would call the lead by, falling back to how to reach it."""
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return full or self.company or self.email or self.phone or self.telegram_chat_id or self.id


def _clean_tags(tags: list[str]) -> list[str]:
    """Lower-case and de-duplicate tags, keeping their first order."""
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(tag.strip().lower(), None)
    return list(seen)


TIMEZONE_DESCRIPTION = "The lead's own IANA zone, when known: marketing texts keep its quiet hours."


class CreateLeadRequest(StrictModel):
    """A new lead. At least a name, a company or a way to reach it."""

    model_config = ConfigDict(
        json_schema_extra=at_least_one_of(
            "first_name", "last_name", "company", "phone", "email", "telegram_chat_id"
        )
    )

    first_name: Name | None = None
    last_name: Name | None = None
    company: Annotated[Line, StringConstraints(min_length=1, max_length=200)] | None = None
    phone: Phone | None = Field(default=None, description=PHONE_DESCRIPTION, examples=PHONE_EXAMPLES)
    email: Email | None = Field(default=None, description="Stored lower-cased.")
    telegram_chat_id: TelegramChatId | None = None
    timezone: Timezone | None = Field(default=None, description=TIMEZONE_DESCRIPTION)
    status: LeadStatus = LeadStatus.NEW
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    source: Source = "manual"
    notes: Annotated[Text, StringConstraints(max_length=2000)] | None = None
    custom_fields: dict[CustomFieldName, CustomFieldValue] = Field(
        default_factory=dict, max_length=MAX_CUSTOM_FIELDS, description=CUSTOM_FIELDS_DESCRIPTION
    )
    consent: dict[Channel, bool] = Field(
        default_factory=dict,
        description="Per-channel consent; channels left out are granted until the lead opts out.",
    )

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        return _clean_tags(tags)

    @model_validator(mode="after")
    def _identifiable(self) -> Self:
        if not any(
            (self.first_name, self.last_name, self.company, self.phone, self.email, self.telegram_chat_id)
        ):
            raise ValueError("a lead needs a name, a company, a phone, an e-mail or a Telegram chat id")
        return self


_LEAD_NOT_NULL = ("status", "tags", "source", "consent", "custom_fields")


class UpdateLeadRequest(StrictModel):
    """A partial change of a lead: only the fields sent change; ``null`` clears an optional field."""

    model_config = ConfigDict(json_schema_extra=partial_change(*_LEAD_NOT_NULL))

    first_name: Name | None = None
    last_name: Name | None = None
    company: Annotated[Line, StringConstraints(min_length=1, max_length=200)] | None = None
    phone: Phone | None = Field(default=None, description=PHONE_DESCRIPTION, examples=PHONE_EXAMPLES)
    email: Email | None = None
    telegram_chat_id: TelegramChatId | None = None
    timezone: Timezone | None = Field(default=None, description=TIMEZONE_DESCRIPTION)
    status: LeadStatus | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)
    source: Source | None = None
    notes: Annotated[Text, StringConstraints(max_length=2000)] | None = None
    custom_fields: dict[CustomFieldName, CustomFieldValue] | None = Field(
        default=None,
        max_length=MAX_CUSTOM_FIELDS,
        description="Replaces the lead's custom fields as a whole ({} clears them).",
    )
    consent: dict[Channel, bool] | None = None

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str] | None) -> list[str] | None:
        return None if tags is None else _clean_tags(tags)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send at least one field")
        for name in _LEAD_NOT_NULL:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, with their new values (``None`` means clear)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class LeadResponse(LazyModel):
    """A lead as the API returns it."""

    id: Ulid
    name: str = Field(description="Display name: first and last name, else company, else a contact.")
    first_name: str | None
    last_name: str | None
    company: str | None
    phone: str | None = Field(description="E.164, e.g. +33612345678.")
    email: str | None
    telegram_chat_id: str | None
    timezone: str | None = Field(description="IANA name, when the lead's own zone is known.")
    status: LeadStatus
    tags: list[str]
    source: str
    notes: str | None
    custom_fields: dict[str, str] = Field(description="The tenant's own fields, name to value.")
    consent: dict[Channel, ConsentState]
    summary: LeadSummaryResponse
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_lead(cls, lead: Lead) -> LeadResponse:
        """Build the API view of ``lead`` (the summary without the inbox's internals)."""
        internals = set(LeadSummary.model_fields) - set(LeadSummaryResponse.model_fields)
        return cls(name=lead.display_name, **lead.model_dump(exclude={"summary": internals}))


class LeadPage(LazyModel):
    """A page of leads."""

    items: list[LeadResponse]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )


class LeadListQuery(LazyModel):
    """Filters and paging of ``GET /leads``."""

    status: LeadStatus | None = None
    tag: str | None = None
    q: str | None = None
    limit: int = 50
    cursor: str | None = None

"""The team inbox: a conversation's state (status, owner, why), its notes, and the assignment rule."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from maxcore.models.common import LazyModel, StrictModel, Ulid
from maxcore.models.intent import Intent

NOTE_MAX = 2000
"""Longest internal note, in characters."""

UserId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$"),
]
"""A user of the tenant, as its JWT names it (``sub``): there is no member directory to check it against,
but no ``sub`` holds a control character (a NUL, a newline), which the reasons would show to the team."""


class ConversationStatus(StrEnum):
    """Where a conversation stands for the team."""

    OPEN = "open"
    SNOOZED = "snoozed"
    CLOSED = "closed"


class RoutingReason(LazyModel):
    """Why a conversation is where it is: a catalogue code (``inbox.reason.<code>``) and its values.

    Rendered in the tenant's language when read, like the token ledger's ``about``.
    """

    code: str = Field(min_length=1, max_length=64)
    params: dict[str, str] = Field(default_factory=dict)


class ConversationState(LazyModel):
    """The team's state of one lead's conversation (one per lead, across channels), kept in its summary."""

    status: ConversationStatus = ConversationStatus.OPEN
    snoozed_until: datetime | None = None
    owner: str | None = None
    reason: RoutingReason | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None
    routed_inbound_at: datetime | None = Field(
        default=None,
        description="The inbound message (its time) the conversation was last routed for: routing it "
        "again for the same message changes nothing.",
    )
    counted: bool = Field(
        default=False,
        description="Whether the inbox counters include this conversation: one stored before they "
        "existed joins them with its next message or change.",
    )


class Assignment(StrEnum):
    """How an inbound message in an unassigned conversation finds its owner."""

    NONE = "none"
    ROUND_ROBIN = "round_robin"
    FIXED = "fixed"


class InboxSettings(LazyModel):
    """A tenant's assignment rule."""

    assignment: Assignment = Assignment.NONE
    users: list[str] = Field(
        default_factory=list, description="Round robin: the users taken in turn. Fixed: the one user."
    )
    updated_by: str | None = None
    updated_at: datetime | None = None


class Note(LazyModel):
    """An internal note on a conversation: the team reads it, the lead never does."""

    id: Ulid
    lead_id: Ulid
    author: str
    text: str
    created_at: datetime


# --- API schemas ---------------------------------------------------------------------------------


class UpdateInboxSettingsRequest(StrictModel):
    """The assignment rule: ``none`` (the team's shared queue), ``round_robin`` over ``users``, or
    ``fixed`` (``users`` holds the one user)."""

    assignment: Assignment
    users: list[UserId] = Field(default_factory=list, max_length=50)


class UpdateConversationRequest(StrictModel):
    """A change of status and/or owner; the fields left out stay as they are."""

    status: ConversationStatus | None = None
    snoozed_until: datetime | None = Field(
        default=None, description="With `status: snoozed`: when it opens again (in the future)."
    )
    owner: UserId | None = Field(
        default=None, description="A user id, or `me` for the caller. Use `unassign` to clear it."
    )
    unassign: bool = False
    version: int | None = Field(
        default=None,
        description="The `version` of the row the change was decided on: if the conversation changed "
        "since, a 409 and nothing changes.",
    )


class CreateNoteRequest(StrictModel):
    """An internal note."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_MAX)]


class ConversationQuery(LazyModel):
    """The inbox's filters, as ``GET /conversations`` reads them."""

    status: ConversationStatus | None = None
    unread: bool = False
    mine: bool = False
    unassigned: bool = False
    intent: Intent | None = None
    q: str | None = None


class NotePage(LazyModel):
    """A conversation's notes, oldest first."""

    items: list[Note]
    next_cursor: str | None = None


class TeamConversation(LazyModel):
    """A conversation's team state as the API shows it."""

    lead_id: Ulid
    status: ConversationStatus = Field(description="A snooze whose time passed reads `open`.")
    snoozed_until: datetime | None
    owner: str | None
    reason: str | None = Field(description="Why it is where it is, in the tenant's language.")
    reason_code: str | None
    updated_by: str | None
    updated_at: datetime | None
    version: int


class InboxCounts(LazyModel):
    """How many conversations are in each state, read from counters (never by reading them all)."""

    open: int
    snoozed: int
    closed: int
    unread: int = Field(description="Conversations with at least one unread message, whatever their status.")
    unassigned: int = Field(description="Open or snoozed conversations without an owner.")
    mine: int = Field(description="Open or snoozed conversations the caller owns.")

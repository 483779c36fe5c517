"""Bulk sends: one message to a segment of leads, sent by the worker within the window and the caps."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from maxcore.models.common import Channel, LazyModel, Line, StrictModel, Text, Ulid, exactly_one_of
from maxcore.models.lead import LeadStatus

MAX_RECIPIENTS = 10_000
"""The most recipients one bulk send reaches (a bigger audience is several sends, or a campaign)."""

MAX_REQUEST_BYTES = 512 * 1024
"""The body ``POST /bulk-sends`` takes, above every other route's 64 KiB: 10,000 lead ids are 290 kB
as compact JSON (a ULID in quotes and a comma) and about 370 kB one per indented line. A little over
10,000 ids still parses, to be told its count in a 422 rather than a bare 413."""


class BulkSendState(StrEnum):
    """Where a bulk send stands."""

    QUEUED = "queued"
    """Accepted: the worker has not started it yet."""
    RUNNING = "running"
    """The worker resolves its segment or sends, run after run within the window and the caps."""
    DONE = "done"
    """Every recipient was sent to or refused."""
    CANCELLED = "cancelled"
    """Stopped by a user: what had not gone never goes."""


class RecipientStatus(StrEnum):
    """What became of one recipient, as the report shows it."""

    QUEUED = "queued"
    """Not tried yet."""
    PENDING = "pending"
    """Tried and put off (quiet hours, a daily cap, the provider down): a later run sends it."""
    SENT = "sent"
    REFUSED = "refused"
    """Never sent, with the reason (opted out, blacklisted, no address...)."""
    CANCELLED = "cancelled"
    """The bulk send was cancelled before this recipient's message went."""


class Segment(StrictModel):
    """Who a bulk send goes to: leads by status, tag and search text (all that are given), or a list."""

    status: LeadStatus | None = None
    tag: Annotated[Line, StringConstraints(min_length=1, max_length=50)] | None = None
    search: Annotated[Line, StringConstraints(min_length=1, max_length=100)] | None = None
    lead_ids: list[Ulid] | None = Field(
        default=None,
        min_length=1,
        description=(
            f"At most {MAX_RECIPIENTS} distinct ids (a longer list is a 422 naming its count); an id "
            "given twice is sent to once, and one that is no lead of the tenant is refused in the report."
        ),
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        filters = (self.status, self.tag, self.search)
        if self.lead_ids is not None and any(f is not None for f in filters):
            raise ValueError("a segment is either a list of lead ids or filters, not both")
        if self.lead_ids is None and all(f is None for f in filters):
            raise ValueError("a segment needs a status, a tag, a search or lead ids")
        return self


class SegmentView(LazyModel):
    """A bulk send's segment as it is shown: the filters, or how many ids the list named."""

    status: LeadStatus | None = None
    tag: str | None = None
    search: str | None = None
    listed: int | None = Field(default=None, description="A list segment: how many distinct lead ids.")
    duplicates: int | None = Field(
        default=None, description="A list segment: ids given more than once (each is sent to once)."
    )


class CreateBulkSendRequest(StrictModel):
    """One message (an active template, or a body) on one channel to a segment of leads."""

    model_config = ConfigDict(json_schema_extra=exactly_one_of("template_id", "body"))

    name: Annotated[Line, StringConstraints(min_length=1, max_length=120)] | None = None
    channel: Channel | None = Field(
        default=None, description="Required with a body; with a template, its channel (or the same)."
    )
    template_id: Ulid | None = None
    body: Annotated[Text, StringConstraints(min_length=1, max_length=4000)] | None = None
    subject: Annotated[Line, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="E-mail without a template: the subject (required then)."
    )
    segment: Segment

    @model_validator(mode="after")
    def _content(self) -> Self:
        if (self.template_id is None) == (self.body is None):
            raise ValueError("send either a template_id or a body")
        if self.body is not None and self.channel is None:
            raise ValueError("a body needs its channel")
        if self.body is not None and self.channel is Channel.EMAIL and self.subject is None:
            raise ValueError("an e-mail needs a subject")
        return self


class BulkProgress(LazyModel):
    """The recipients of a bulk send by where they stand, kept up to date as it runs."""

    recipients: int = Field(description="Recipients resolved from the segment so far.")
    queued: int = Field(description="Not tried yet.")
    pending: int = Field(description="Put off to a later run (quiet hours, a daily cap...).")
    sent: int
    refused: int


class BulkSend(LazyModel):
    """A bulk send and its progress."""

    id: Ulid
    name: str | None = None
    state: BulkSendState
    channel: Channel
    template_id: str | None = None
    body: str | None = None
    subject: str | None = None
    segment: SegmentView
    matched: int | None = Field(
        default=None, description="Leads the segment held when the send was accepted (lists: ids given)."
    )
    resolved: bool = Field(description="Whether every recipient of the segment is written down.")
    progress: BulkProgress
    created_by: str
    created_at: datetime
    updated_at: datetime
    next_run_at: datetime | None = Field(
        default=None, description="When the next run is planned (window closed, cap reached, quiet hours)."
    )
    held_by: str | None = Field(
        default=None,
        description=(
            "What holds the send until `next_run_at`: `outside_window`, a cap (`daily_cap`, "
            "`daily_sender_limit`), or `put_off` (the recipients left wait for their own hours)."
        ),
    )


class BulkSendPage(LazyModel):
    """A page of bulk sends, newest first."""

    items: list[BulkSend]
    next_cursor: str | None = None


class BulkRecipient(LazyModel):
    """One recipient's line of the report."""

    lead_id: Ulid
    status: RecipientStatus
    code: str | None = Field(default=None, description="Why it was refused or put off (`opted_out`...).")
    reason: str | None = Field(default=None, description="The same, in the tenant's language.")
    not_before: datetime | None = Field(default=None, description="A put-off recipient's next try.")
    activity_id: str | None = Field(default=None, description="The message on the lead's timeline.")
    updated_at: datetime


class BulkRecipientPage(LazyModel):
    """A page of a bulk send's recipients, by lead id."""

    items: list[BulkRecipient]
    next_cursor: str | None = None

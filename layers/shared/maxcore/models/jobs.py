"""Messages of the scheduled jobs: what a schedule fires and what each tenant's worker receives."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from maxcore.models.common import DUE_CURSOR_PATTERN, LazyModel, TenantId, Ulid
from maxcore.models.webhook import InboundEmailNotice

CORRELATION_ID_MAX = 128
"""API Gateway request ids and Scheduler execution ids are far shorter; this only bounds a bad input."""


class Job(StrEnum):
    """A scheduled job of the mission."""

    GENERATE_ALERTS = "generate_alerts"
    """Daily: evaluate the living alerts of every lead of every tenant."""
    RUN_PENDING_ACTIONS = "run_pending_actions"
    """Hourly: execute the prospection steps and automations that are due."""
    RESET_TOKENS = "reset_tokens"
    """Monthly: start the new period of every tenant's token budget."""
    EVALUATE_LEAD = "evaluate_lead"
    """On demand: re-evaluate one lead after a webhook recorded its message (never scheduled)."""
    RUN_AUTOMATIONS = "run_automations"
    """Hourly, queued by ``run_pending_actions``' fan-out: one tenant's automations over its leads."""
    READ_EMAIL = "read_email"
    """On demand: fetch and record an inbound e-mail that Resend announced (never scheduled)."""
    SEND_REMINDER = "send_reminder"
    """At its time (a one-time timer): send an appointment's reminder, if the appointment still stands."""
    EXPORT = "export"
    """On demand: write the CSV file of the export ``item_id`` (``POST /exports``; never scheduled)."""
    SEND_SCHEDULED = "send_scheduled"
    """A scheduled message's timer: send the message ``item_id`` names if it is still due."""
    BACKFILL_STATS = "backfill_stats"
    """On demand (scripts/backfill_stats.py): count a tenant's history before its cut-over into its
    reporting counters, continuing until every lead is counted."""
    RUN_BULK_SEND = "run_bulk_send"
    """On demand: one run of a bulk send (``item_id``), queued when it is accepted, by its timers and
    by its own continuations."""
    DELIVER_EVENT = "deliver_event"
    """On demand: one attempt at delivering an outbound event to an endpoint (``item_id``:
    ``<endpoint>#<event>``), queued by the table's stream, by its retry timers and by a replay."""


class ScheduledJobEvent(LazyModel):
    """The input a schedule of template.yaml delivers to the scheduler function."""

    model_config = ConfigDict(extra="ignore")

    job: Job
    scheduled_at: datetime | None = None
    execution_id: str | None = Field(default=None, min_length=1, max_length=CORRELATION_ID_MAX)
    """EventBridge Scheduler's id of this invocation: the correlation id of everything the run queues."""


class TenantJobMessage(LazyModel):
    """One tenant's share of a job, as a message on the fan-out queue."""

    model_config = ConfigDict(extra="forbid")

    job: Job
    tenant_id: TenantId
    scheduled_at: datetime
    lead_id: Ulid | None = None
    """The lead of an ``evaluate_lead`` job."""
    email: InboundEmailNotice | None = None
    """The e-mail of a ``read_email`` job, as Resend's webhook announced it."""
    item_id: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[0-9A-Za-z#:._-]+$")
    """The item a timer's job is about (services/timers.py): its owner reads it and acts if it still holds."""
    shard: int | None = Field(default=None, ge=0, le=7)
    """The due-index shard of a ``run_pending_actions`` message (all shards when absent)."""
    correlation_id: str | None = Field(default=None, min_length=1, max_length=CORRELATION_ID_MAX)
    """The id of what caused this message (the schedule's execution id, the webhook's API Gateway request
    id), logged by the worker on every line of the job so one event can be followed to what it changed.
    Optional: messages queued before it existed still parse."""

    # A job that outgrows one invocation stops before its time runs out and queues its continuation:
    # the same message with the next part number and where it stopped. Only ids and due keys travel:
    # the worker rebuilds every key from the message's tenant.
    part: int = Field(default=0, ge=0)
    """0 for the message a schedule queued; each continuation (or segment) of the run adds one."""
    after_lead: Ulid | None = None
    """``generate_alerts``, ``run_automations``: the part resumes after this lead of the lead partition
    (sort key order)."""
    until_lead: Ulid | None = None
    """``generate_alerts``: the last lead of this message's segment (the partition's end when absent)."""
    segment: int | None = Field(default=None, ge=0)
    """``generate_alerts``: which segment of a big tenant's lead partition this message sweeps."""
    segment_leads: int | None = Field(default=None, ge=1)
    """``generate_alerts``: set on the continuation that divides the rest of the partition into
    segments of about this many leads (what one invocation evaluated) instead of evaluating."""
    after_due: Annotated[str, StringConstraints(pattern=DUE_CURSOR_PATTERN)] | None = None
    """``run_pending_actions``: the part resumes after this due key of its shard."""

    @model_validator(mode="after")
    def _a_due_key_belongs_to_a_shard(self) -> TenantJobMessage:
        if self.after_due is not None and self.shard is None:
            raise ValueError("after_due names a place in one shard: the message needs its shard")
        return self

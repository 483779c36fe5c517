"""Messages of the scheduled jobs: what a schedule fires and what each tenant's worker receives."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from maxcore.models.common import LazyModel, TenantId, Ulid

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
    shard: int | None = Field(default=None, ge=0, le=7)
    """The due-index shard of a ``run_pending_actions`` message (all shards when absent)."""
    correlation_id: str | None = Field(default=None, min_length=1, max_length=CORRELATION_ID_MAX)
    """The id of what caused this message (the schedule's execution id, the webhook's API Gateway request
    id), logged by the worker on every line of the job so one event can be followed to what it changed.
    Optional: messages queued before it existed still parse."""

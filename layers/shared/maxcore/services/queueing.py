"""Queue tenant jobs: a schedule's fan-out to one message per tenant (and shard), and one lead's evaluation.

The queueing side of the scheduled jobs, apart from the job runners of :mod:`maxcore.services.scheduling`:
the scheduler function and the webhooks only queue, and should not load the sequencer, the automation
runner and the services behind them at cold start. The queue itself is :mod:`maxcore.services.job_queue`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import utcnow
from maxcore.dal.keys import DUE_SHARDS
from maxcore.dal.tenants import TenantDirectory
from maxcore.models.jobs import Job, ScheduledJobEvent, TenantJobMessage
from maxcore.models.webhook import InboundEmailNotice
from maxcore.observability import current_correlation_id, logger, metrics
from maxcore.services.job_queue import SQS_BATCH, fanout_queue_url, send_batch, sqs_client


@dataclass(frozen=True)
class FanOut:
    """What a fan-out queued: the hourly job sends several messages per tenant (shards, automations)."""

    tenants: int
    messages: int


def fan_out(
    job: Job,
    scheduled_at: datetime,
    tenant_ids: Iterable[str],
    client: Any,
    queue_url: str,
    correlation_id: str | None = None,
) -> FanOut:
    """Send one message per tenant (and shard) for ``job``; return how many tenants and messages.

    Parameters
    ----------
    job
        The job each tenant's worker will run.
    scheduled_at
        The schedule's own time, carried along so a redelivered message names the same run.
    tenant_ids
        The tenants to run the job for.
    client
        An SQS client.
    queue_url
        The fan-out queue.
    correlation_id
        Carried in every message, so the worker logs the run that queued it.

    Raises
    ------
    RuntimeError
        When SQS refuses some entries; the schedule invocation then fails and is retried.
    """
    sent = 0
    batch: list[TenantJobMessage] = []

    def flush() -> None:
        nonlocal sent
        if not batch:
            return
        send_batch(client, queue_url, batch)
        sent += len(batch)
        batch.clear()

    tenants = 0
    for tenant_id in tenant_ids:
        tenants += 1
        for part, shard in job_parts(job):
            batch.append(
                TenantJobMessage(
                    job=part,
                    tenant_id=tenant_id,
                    scheduled_at=scheduled_at,
                    shard=shard,
                    correlation_id=correlation_id,
                )
            )
            if len(batch) == SQS_BATCH:
                flush()
    flush()
    metrics.add_metric(name="JobFannedOut", unit=MetricUnit.Count, value=sent)
    logger.info(
        "job fanned out",
        extra={
            "job": job.value,
            "tenants": tenants,
            "messages": sent,
            "scheduled_at": scheduled_at.isoformat(),
        },
    )
    return FanOut(tenants=tenants, messages=sent)


def job_parts(job: Job) -> list[tuple[Job, int | None]]:
    """The messages a fan-out queues for each tenant, in order: (job, due-index shard or ``None``)."""
    # The due steps of a tenant are spread over the shards of its due index: one message per
    # shard lets several workers run a big tenant's hour side by side.
    # The hourly job also runs each tenant's automations, one message of their own per tenant.
    shards: list[int | None] = list(range(DUE_SHARDS)) if job is Job.RUN_PENDING_ACTIONS else [None]
    parts: list[tuple[Job, int | None]] = [(job, shard) for shard in shards]
    if job is Job.RUN_PENDING_ACTIONS:
        parts.append((Job.RUN_AUTOMATIONS, None))
    return parts


def run_schedule(scheduled: ScheduledJobEvent, correlation_id: str | None = None) -> dict[str, Any]:
    """Queue the scheduled job for every tenant of the directory; return what was queued."""
    scheduled_at = scheduled.scheduled_at or utcnow()
    queue_url = fanout_queue_url()
    queued = fan_out(
        scheduled.job,
        scheduled_at,
        TenantDirectory().tenant_ids(),
        sqs_client(),
        queue_url,
        correlation_id=correlation_id,
    )
    return {
        "job": scheduled.job.value,
        "scheduled_at": scheduled_at.isoformat(),
        "tenants": queued.tenants,
        "messages": queued.messages,
        "correlation_id": correlation_id,
    }


def enqueue_lead_evaluation(
    tenant_id: str, lead_id: str, at: datetime, correlation_id: str | None = None
) -> None:
    """Queue the re-evaluation of one lead's alerts (the webhooks' slow work).

    The message carries ``correlation_id``, by default this invocation's (a webhook's API Gateway
    request id), so the worker's lines about the alerts it changed name the delivery that caused them.
    """
    queue_url = fanout_queue_url()
    message = TenantJobMessage(
        job=Job.EVALUATE_LEAD,
        tenant_id=tenant_id,
        scheduled_at=at,
        lead_id=lead_id,
        correlation_id=correlation_id or current_correlation_id(),
    )
    sqs_client().send_message(QueueUrl=queue_url, MessageBody=message.model_dump_json())


def enqueue_email_reading(
    tenant_id: str, notice: InboundEmailNotice, correlation_id: str | None = None
) -> None:
    """Queue the reading of an inbound e-mail Resend announced (the worker fetches and records it)."""
    message = TenantJobMessage(
        job=Job.READ_EMAIL,
        tenant_id=tenant_id,
        scheduled_at=notice.received_at,
        email=notice,
        correlation_id=correlation_id or current_correlation_id(),
    )
    sqs_client().send_message(QueueUrl=fanout_queue_url(), MessageBody=message.model_dump_json())

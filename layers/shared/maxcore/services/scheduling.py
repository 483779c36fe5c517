"""Scheduled jobs: fan a job out to one queue message per tenant, and run one tenant's share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import UNLIMITED, RemainingTime, TimeBudget, utcnow
from maxcore.dal.keys import DUE_SHARDS
from maxcore.dal.tenants import TenantDirectory
from maxcore.errors import NotFoundError
from maxcore.models.jobs import Job, ScheduledJobEvent, TenantJobMessage
from maxcore.observability import count_for_job, current_correlation_id, logger, metrics
from maxcore.services.alerts import AlertService
from maxcore.services.automation_runner import AutomationRunner
from maxcore.services.budget import BudgetService
from maxcore.services.continuations import run_due_steps, sweep_alerts
from maxcore.services.idempotency import run_once
from maxcore.services.job_queue import SQS_BATCH, fanout_queue_url, send_batch, sqs_client
from maxcore.services.run_cache import RunCache
from maxcore.services.sequencer import Sequencer


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


def _run_automations(message: TenantJobMessage, _: TimeBudget, run: RunCache) -> dict[str, Any]:
    # The tenant's active automations over its leads, inside its send window.
    report = AutomationRunner(message.tenant_id, tenant=run.tenant(message.tenant_id).tenant).run()
    return {
        "automations": report.automations,
        "unusable": report.unusable,
        "outside_window": report.outside_window,
        "leads": report.leads,
        "fired": report.fired,
        "already_handled": report.already_handled,
        "left_for_next_run": report.left_for_next_run,
        "outcomes": report.outcomes,
        "lost_races": report.lost_races,
    }


def _reset_tokens(message: TenantJobMessage, *_: object) -> dict[str, Any]:
    # Idempotent per period: a redelivered message or a second run changes nothing.
    return {"period_started": BudgetService(message.tenant_id).reset_month()}


def _evaluate_lead(message: TenantJobMessage, *_: object) -> dict[str, Any]:
    # Queued by the webhooks, which answer the provider at once and leave this to the worker.
    if message.lead_id is None:
        raise ValueError("an evaluate_lead message needs a lead_id")
    try:
        report = AlertService(message.tenant_id).evaluate_lead(message.lead_id)
    except NotFoundError:
        return {"lead_id": message.lead_id, "lead_deleted": True}
    # A reply stops the lead's sequences now, not only when their next step comes due.
    stopped = Sequencer(message.tenant_id).stop_on_reply(message.lead_id)
    return {
        "lead_id": message.lead_id,
        "opened": report.opened,
        "resolved": report.resolved,
        "sequences_stopped": stopped,
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


PART_KEY_SECONDS = 2 * 24 * 3600
"""How long a continuation's part is remembered: well past the visibility timeout of its retries."""


def _part_key(message: TenantJobMessage) -> str:
    # Not where the part starts: two copies of one part are one part, wherever a rerun of the part
    # before them stopped (the first to run continues the run; the other is answered and stops).
    run = f"{message.tenant_id}#{message.job.value}#{message.scheduled_at.isoformat()}"
    shard = "" if message.shard is None else message.shard
    segment = "" if message.segment is None else message.segment
    return f"{run}#{shard}#{segment}#{message.part}"


JOB_RUNNERS: dict[Job, Callable[[TenantJobMessage, TimeBudget, RunCache], dict[str, Any]]] = {
    Job.GENERATE_ALERTS: sweep_alerts,
    Job.RUN_PENDING_ACTIONS: run_due_steps,
    Job.RUN_AUTOMATIONS: _run_automations,
    Job.RESET_TOKENS: _reset_tokens,
    Job.EVALUATE_LEAD: _evaluate_lead,
}


def run_tenant_job(
    message: TenantJobMessage, lambda_context: RemainingTime | None = None, *, run: RunCache | None = None
) -> dict[str, Any]:
    """Run one tenant's share of a job and log what ran.

    With the invocation's ``lambda_context``, a job that may outgrow it stops before its time runs
    out (:class:`~maxcore.clock.TimeBudget`) and queues its continuation; without, it runs to the end.
    ``run``: what the invocation already read (the worker passes one per batch of messages); a
    message run alone reads for itself.

    A continuation (``part`` above 0) runs once per run, segment and part: SQS may deliver it twice,
    and a worker that died after queuing it may queue it again. A repeat gets the first one's
    outcome; a repeat while the first still runs fails and is retried later. The message a schedule
    queued is not guarded: running it again writes nothing that is already true.
    """
    logger.append_keys(tenant_id=message.tenant_id)
    runner = JOB_RUNNERS[message.job]
    budget = UNLIMITED if lambda_context is None else TimeBudget.of(lambda_context)
    reads = run or RunCache()
    if message.part == 0:
        outcome = runner(message, budget, reads)
    else:
        outcome = run_once(
            "tenant-job-part",
            _part_key(message),
            lambda: runner(message, budget, reads),
            expires_after_seconds=PART_KEY_SECONDS,
            lambda_context=lambda_context,
        )
    # Per job: the dashboard shows each job's runs, and a worker's batch mixes jobs.
    count_for_job("TenantJobRan", message.job.value)
    logger.info(
        "tenant job ran",
        extra={"job": message.job.value, "scheduled_at": message.scheduled_at.isoformat(), **outcome},
    )
    return outcome
